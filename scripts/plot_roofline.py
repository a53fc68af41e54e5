#!/usr/bin/env python3
"""Roofline plot from `flopmeter roofline --json` output, with benchmark results placed by
arithmetic intensity (model FLOPs per compulsory byte).

usage: plot_roofline.py ROOFLINE.json [RESULTS.json ...] [--out PREFIX]
writes PREFIX.png and PREFIX.svg (default: roofline)
"""
import argparse
import json
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"plot_roofline: cannot read {path}: {e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("roofline")
    ap.add_argument("results", nargs="*")
    ap.add_argument("--out", default="roofline")
    a = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot_roofline: matplotlib is not installed (python3 -m pip install matplotlib)")

    r = load(a.roofline)
    if r.get("schema") != "flopmeter.roofline":
        sys.exit(f"plot_roofline: {a.roofline} is not a flopmeter roofline file")
    threads = max(p["threads"] for p in r["peaks"])
    peaks = {p["kind"]: p["flops_per_s"] for p in r["peaks"] if p["threads"] == threads}
    bws = {}
    for b in r["bandwidth"]:
        if b["kernel"] in ("read", "triad"):
            bws[b["level"]] = max(bws.get(b["level"], 0), b["stream_bytes_per_s"])

    fig, ax = plt.subplots(figsize=(9, 6))
    xs = [2 ** (i / 4) for i in range(-16, 49)]  # 1/16 .. 4096 FLOP/byte
    float_peaks = {k: v for k, v in peaks.items() if not k.startswith("int8")}
    top = max(float_peaks.values())
    for level, bw in sorted(bws.items(), key=lambda kv: -kv[1]):
        ys = [min(bw * x, top) for x in xs]
        ax.plot(xs, ys, "--", linewidth=1, label=f"{level} {bw / 1e9:.0f} GB/s")
    colors = ["black", "tab:purple", "tab:brown", "tab:gray"]
    for i, (kind, fl) in enumerate(sorted(float_peaks.items(), key=lambda kv: -kv[1])):
        ax.axhline(fl, linewidth=1.5, color=colors[i % len(colors)], label=f"{kind} {fl / 1e9:.0f} GFLOP/s")
    for path in a.results:
        d = load(path)
        for c in d.get("results", []):
            if c.get("status") != "ok" or not c.get("bytes"):
                continue
            ai = c["flops"]["model"] / c["bytes"]
            y = c["rates"]["model_flops_per_s"]
            ax.plot([ai], [y], "o", markersize=5)
            ax.annotate(c["name"].split("/t")[0], (ai, y), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (model FLOPs per byte)")
    ax.set_ylabel("FLOP/s")
    prov = r.get("provenance", {})
    ax.set_title(f"Roofline: {prov.get('cpu', {}).get('model', '?')} ({threads} threads)")
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(f"{a.out}.{ext}", dpi=130)
    print(f"wrote {a.out}.png and {a.out}.svg")


if __name__ == "__main__":
    main()
