#!/usr/bin/env python3
"""Stacked-bar plot of where a training step's time goes, one bar per estimate (e.g. calibrated
and datasheet profiles side by side), from `flopmeter estimate ... --json FILE`.

  flopmeter estimate --model llama2-7b --profile mine.json --compare-datasheet h100-sxm --tokens 2e12 --json est.json
  scripts/plot_breakdown.py est.json -o breakdown.png

Needs matplotlib (Debian: python3-matplotlib).
"""
import argparse
import json
import os
import sys


def profile_name(profile):
    """A profile given as a file path is named by its file name, without folders or .json
    (keeping a backend suffix: my-cpu.json@onednn -> my-cpu@onednn)."""
    base, at, variant = os.path.basename(str(profile)).partition("@")  # my-cpu.json@onednn
    return (base[:-5] if base.endswith(".json") else base) + at + variant


def human_seconds(s):
    for unit, f in (("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= f:
            return f"{s / f:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"


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
    labels = [f"{profile_name(e['device']['profile'])}\n({e['device']['kind']})" for e in ests]
    scale = [1.0 / (e["step"]["tokens"] if a.per == "token" else 1.0) for e in ests]
    totals = [sum(r["seconds"] for r in e["breakdown"]) * scale[j] for j, e in enumerate(ests)]
    # Left: where the time goes, as shares, so a bar 55x shorter is as readable as the tallest.
    # Right: the totals on a log axis, each labelled with its value.
    fig, (ax, ax_t) = plt.subplots(1, 2, figsize=(4 + 2.6 * len(ests), 6),
                                   gridspec_kw={"width_ratios": [1.4, 1]})
    bottom = [0.0] * len(ests)
    cmap = plt.get_cmap("tab20")
    x = list(range(len(ests)))
    for i, k in enumerate(kinds):
        vals = []
        for j, e in enumerate(ests):
            v = sum(r["seconds"] for r in e["breakdown"] if r["kind"] == k) * scale[j]
            vals.append(100.0 * v / totals[j] if totals[j] > 0 else 0.0)
        ax.bar(x, vals, bottom=bottom, label=k, color=cmap(i % 20), width=0.55)
        for j, v in enumerate(vals):
            if v >= 6:  # label the larger shares inside their segment
                ax.text(j, bottom[j] + v / 2, f"{v:.0f}%", ha="center", va="center", fontsize=7)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"share of the time per {a.per} (%)")
    ax.set_title("where the time goes", fontsize=9)
    ax.legend(loc="upper left", bbox_to_anchor=(-0.02, -0.12), fontsize=7, ncol=3, frameon=False)

    lo, hi = min((t for t in totals if t > 0), default=1.0), max(totals)
    unit, f = next(((u, f) for u, f in (("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3), ("us", 1e-6))
                    if lo >= f), ("ns", 1e-9))
    ax_t.bar(x, [t / f for t in totals], color="#4c72b0", width=0.55)
    lo, hi = lo / f, hi / f
    log = hi / lo >= 10  # a linear axis would flatten the shorter bars
    if log:
        ax_t.set_yscale("log")
        ax_t.set_ylim(lo / 3, hi * 6)
    else:
        ax_t.set_ylim(0, hi * 1.25)
    for j, e in enumerate(ests):
        ax_t.text(j, totals[j] / f, f"{human_seconds(totals[j])}\nMFU {100 * e['run']['mfu']:.1f}%", ha="center",
                  va="bottom", fontsize=8)
    if hi / lo >= 2:
        ax_t.text(0.5, 0.97, f"slowest / fastest: {hi / lo:,.0f}x" if hi / lo >= 100 else f"slowest / fastest: {hi / lo:.1f}x", transform=ax_t.transAxes, ha="center",
                  va="top", fontsize=8)
    ax_t.set_xticks(x)
    ax_t.set_xticklabels(labels, fontsize=8)
    ax_t.set_ylabel(f"{unit} per {a.per}" + (" (log scale)" if log else ""))
    ax_t.set_title(f"total per {a.per}", fontsize=9)
    ax_t.grid(axis="y", which="both", lw=0.3, alpha=0.5)
    m = ests[0]["model"]["name"]
    w = ests[0]["workload"]
    fig.suptitle(f"{m}: {w['mode']}, seq {w['seq_len']}, batch {w['global_batch']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(a.output, dpi=120, bbox_inches="tight")
    print(f"plot_breakdown: wrote {a.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
