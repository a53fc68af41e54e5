#!/usr/bin/env python3
"""Bar chart of `flopmeter compare ... --json FILE`: predicted TFLOP/s per key shape and
profile (efficiency in the labels).

usage: plot_compare.py COMPARE.json [--out PREFIX]   writes PREFIX.png and PREFIX.svg
"""
import argparse
import json
import sys


def percent(fraction):
    """'75%', or two significant digits below 1% so a small efficiency does not read 0%."""
    p = 100 * fraction
    return f"{p:.0f}%" if p >= 1 else f"{p:.2g}%"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("compare")
    ap.add_argument("--out", default="compare")
    a = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot_compare: matplotlib is not installed (python3 -m pip install matplotlib)")
    try:
        d = json.load(open(a.compare))
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"plot_compare: cannot read {a.compare}: {e}")
    if d.get("schema") != "flopmeter.compare":
        sys.exit(f"plot_compare: {a.compare} is not a flopmeter compare file")
    profiles = d["profiles"]
    shapes = []
    for p in profiles:
        for s in p["shapes"]:
            if s["shape"] not in shapes:
                shapes.append(s["shape"])
    fig, ax = plt.subplots(figsize=(max(8, 2 * len(shapes)), 5))
    width = 0.8 / max(1, len(profiles))
    for i, p in enumerate(profiles):
        by = {s["shape"]: s for s in p["shapes"]}
        xs = [j + i * width for j in range(len(shapes))]
        ys = [by[s]["flops_per_s"] / 1e12 if s in by else 0 for s in shapes]
        bars = ax.bar(xs, ys, width, label=f"{p['name']} ({p['kind']}, {p['dtype']})")
        for b, s in zip(bars, shapes):
            if s in by:
                ax.annotate(percent(by[s]["efficiency"]), (b.get_x() + b.get_width() / 2, b.get_height()),
                            ha="center", va="bottom", fontsize=6)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(shapes))])
    ax.set_xticklabels(shapes, rotation=20, ha="right", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("predicted TFLOP/s (log scale)")
    dtypes = sorted({p["dtype"] for p in profiles})
    ax.set_title(f"Predicted rate at key LLM shapes, {len(profiles)} profile(s), {', '.join(dtypes)}\n"
                 "label over each bar: % of that profile's peak", fontsize=10)
    # Outside the axes, so it never covers a bar.
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="profile (kind, dtype)",
              title_fontsize=7)
    ax.grid(axis="y", which="both", lw=0.3, alpha=0.5)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(f"{a.out}.{ext}", dpi=130, bbox_inches="tight")
    print(f"wrote {a.out}.png and {a.out}.svg")


if __name__ == "__main__":
    main()
