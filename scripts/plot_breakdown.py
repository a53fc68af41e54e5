#!/usr/bin/env python3
"""Stacked-bar plot of where a training step's time goes, one bar per estimate (e.g. calibrated
and datasheet profiles side by side), from `flopmeter estimate ... --json FILE`.

  flopmeter estimate --model llama2-7b --profile mine.json --compare-datasheet h100-sxm --tokens 2e12 --json est.json
  scripts/plot_breakdown.py est.json -o breakdown.png

Needs matplotlib (Debian: python3-matplotlib).
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("estimate", help="JSON written by flopmeter estimate --json")
    ap.add_argument("-o", "--output", default="breakdown.png")
    ap.add_argument("--per", choices=["step", "token"], default="step", help="seconds per step (default) or per token")
    a = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_breakdown: matplotlib is not installed (Debian: apt-get install python3-matplotlib)", file=sys.stderr)
        return 2
    with open(a.estimate) as f:
        doc = json.load(f)
    ests = doc.get("estimates", [])
    if not ests or ests[0].get("kind") != "training":
        print("plot_breakdown: the file holds no training estimate", file=sys.stderr)
        return 2
    kinds = []
    for e in ests:
        for r in e["breakdown"]:
            if r["kind"] not in kinds:
                kinds.append(r["kind"])
    labels = [f"{e['device']['profile']}\n({e['device']['kind']})" for e in ests]
    scale = [1.0 / (e["step"]["tokens"] if a.per == "token" else 1.0) for e in ests]
    fig, ax = plt.subplots(figsize=(3 + 1.6 * len(ests), 6))
    bottom = [0.0] * len(ests)
    cmap = plt.get_cmap("tab20")
    for i, k in enumerate(kinds):
        vals = []
        for j, e in enumerate(ests):
            v = sum(r["seconds"] for r in e["breakdown"] if r["kind"] == k)
            vals.append(v * scale[j])
        ax.bar(labels, vals, bottom=bottom, label=k, color=cmap(i % 20), width=0.55)
        bottom = [b + v for b, v in zip(bottom, vals)]
    for j, e in enumerate(ests):
        ax.text(j, bottom[j], f"MFU {100 * e['run']['mfu']:.1f}%", ha="center", va="bottom")
    m = ests[0]["model"]["name"]
    w = ests[0]["workload"]
    ax.set_title(f"{m}: {w['mode']}, seq {w['seq_len']}, batch {w['global_batch']}")
    ax.set_ylabel("seconds per " + a.per)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.tight_layout()
    fig.savefig(a.output, dpi=120)
    print(f"plot_breakdown: wrote {a.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
