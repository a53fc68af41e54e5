#!/usr/bin/env python3
"""Roofline plot from `flopmeter roofline --json` output, with benchmark results placed by
arithmetic intensity (model FLOPs per compulsory byte).

usage: plot_roofline.py ROOFLINE.json [RESULTS.json ...] [--out PREFIX]
writes PREFIX.png and PREFIX.svg (default: roofline)

Results are grouped by op, backend and dtype: one colour and marker each, named in the legend.
Each point is labelled with its shape where the label fits without printing over another;
labels that do not fit are listed under the plot.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive"]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"plot_roofline: cannot read {path}: {e}")


def shape_label(c):
    """'2048x768x3072' for a GEMM, 'S4096 D128 causal' style for attention, else the name."""
    dims = c.get("dims", {})
    if c.get("op") == "gemm" and {"m", "n", "k"} <= set(dims):
        return f"{dims['m']}x{dims['n']}x{dims['k']}"
    if {"sq", "sk"} <= set(dims):
        causal = str(c.get("params", {}).get("causal", "")).lower() in ("1", "true", "yes")
        return f"Sq{dims['sq']} Sk{dims['sk']}" + (" causal" if causal else "")
    return c.get("name", "?").split("/t")[0]


def result_series(paths):
    """[(legend label, [(intensity, FLOP/s, point label)])] from flopmeter results files."""
    groups = {}
    for path in paths:
        d = load(path)
        for c in d.get("results", []):
            if c.get("status") != "ok" or not c.get("bytes"):
                continue
            key = f"{c.get('op', '?')} {c.get('backend', '?')} {c.get('dtype', '')}".strip()
            groups.setdefault(key, []).append((c["flops"]["model"] / c["bytes"], c["rates"]["model_flops_per_s"],
                                               shape_label(c)))
    return list(groups.items())


def ceilings(r):
    """Float peaks at the highest thread count, and the best read/triad bandwidth per level."""
    threads = max(p["threads"] for p in r["peaks"])
    peaks = {p["kind"]: p["flops_per_s"] for p in r["peaks"]
             if p["threads"] == threads and not p["kind"].startswith("int8")}  # integer ops are not FLOPs
    bws = {}
    for b in r["bandwidth"]:
        if b["kernel"] in ("read", "triad"):
            bws[b["level"]] = max(bws.get(b["level"], 0), b["stream_bytes_per_s"])
    return threads, peaks, bws


def figure(r, series, title=None, size=(10, 6.5)):
    """The roofline of `r` with `series` = [(legend label, [(x, y, text)], colour or None)]."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from plot_labels import place_labels

    threads, peaks, bws = ceilings(r)
    fig, ax = plt.subplots(figsize=size)
    xs = [2 ** (i / 4) for i in range(-16, 49)]  # 1/16 .. 4096 FLOP/byte
    top = max(peaks.values())
    greys = ["#555555", "#888888", "#aaaaaa", "#cccccc"]
    for i, (level, bw) in enumerate(sorted(bws.items(), key=lambda kv: -kv[1])):
        ax.plot(xs, [min(bw * x, top) for x in xs], ls=(0, (4, 2)), lw=1.2, color=greys[i % len(greys)],
                label=f"{level} bandwidth {bw / 1e9:.0f} GB/s")
    for i, (kind, fl) in enumerate(sorted(peaks.items(), key=lambda kv: -kv[1])):
        ax.axhline(fl, lw=1.2, color="black", ls=["-", "-.", ":", (0, (1, 3))][i % 4],
                   label=f"{kind} peak {fl / 1e9:.0f} GFLOP/s")
    labels = []
    for i, (name, pts, colour) in enumerate(series):
        if not pts:
            continue
        ax.plot([p[0] for p in pts], [p[1] for p in pts], ls="none", marker=MARKERS[i % len(MARKERS)], ms=5,
                color=colour or COLOURS[i % len(COLOURS)], label=f"{name} ({len(pts)})")
        labels += pts
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (model FLOPs per byte moved)")
    ax.set_ylabel("FLOP/s (model FLOPs)")
    if title is None:
        prov = r.get("provenance", {})
        title = f"Roofline: {prov.get('cpu', {}).get('model', '?')} ({threads} threads)"
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", lw=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="ceilings and results",
              title_fontsize=7)
    fig.tight_layout()
    left_out = place_labels(ax, labels)
    if left_out:
        note = f"{len(left_out)} point label(s) did not fit: " + ", ".join(sorted(set(left_out)))
        fig.text(0.01, 0.005, note if len(note) < 180 else note[:177] + "...", fontsize=6, color="#555555")
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("roofline")
    ap.add_argument("results", nargs="*")
    ap.add_argument("--out", default="roofline")
    a = ap.parse_args()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit("plot_roofline: matplotlib is not installed (python3 -m pip install matplotlib)")
    r = load(a.roofline)
    if r.get("schema") != "flopmeter.roofline":
        sys.exit(f"plot_roofline: {a.roofline} is not a flopmeter roofline file")
    fig = figure(r, [(name, pts, None) for name, pts in result_series(a.results)])
    for ext in ("png", "svg"):
        fig.savefig(f"{a.out}.{ext}", dpi=130)
    print(f"wrote {a.out}.png and {a.out}.svg")


if __name__ == "__main__":
    main()
