#!/usr/bin/env python3
"""Plot `flopmeter history --json` output: one panel per case (and machine), the median of
each run with its 95% CI, the segment levels found by change-point detection, and a dashed
line at each change point. Writes PREFIX.png and PREFIX.svg.

    flopmeter history --case 'gemm/own/*' --json h.json
    scripts/plot_history.py h.json --out history [--metric time|gflops]

`flopmeter history --plot PREFIX` runs this script itself. Needs matplotlib (Debian:
python3-matplotlib, installed by scripts/install-deps.sh).
"""
import argparse
import json
import math
import sys


def load(path):
    with open(path) as f:
        data = json.load(f)
    if data.get("schema") != "flopmeter.history":
        sys.exit(f"plot_history: {path} is not flopmeter history JSON (flopmeter history --json)")
    return data


def time_unit(seconds):
    """The unit that puts the series' largest median between 1 and 1000."""
    for name, scale in (("s", 1.0), ("ms", 1e3), ("us", 1e6)):
        if seconds * scale >= 1:
            return name, scale
    return "ns", 1e9


def value(point, metric, v, scale=1.0):
    """Seconds -> plotted unit: time in the series' unit, or GFLOP/s of model FLOPs."""
    if metric == "gflops":
        return point["model_flops"] / v / 1e9 if v > 0 else float("nan")
    return v * scale


def tick_labels(pts):
    """One label per run: id (and tag), the date, and the git SHA where it changes from the run
    before, so runs of one commit are told apart by id and time, not by a repeated SHA."""
    dates = [p.get("date_utc") or "" for p in pts]
    one_day = len({d[:10] for d in dates}) == 1
    # Seconds too when minutes alone would repeat.
    end = 16 if len({d[:16] for d in dates}) == len(dates) else 19
    several_shas = len({p.get("git_sha") or "" for p in pts}) > 1
    out, prev_sha = [], None
    for p, d in zip(pts, dates):
        head = f"#{p['run_id']}" + (f" {p['tag']}" if p.get("tag") else "")
        when = d[11:end] if one_day else d[5:10] + " " + d[11:end]
        sha = (p.get("git_sha") or "")[:7]
        lines = [head, when.strip()]
        if several_shas and sha and sha != prev_sha:
            lines.append(sha)
        prev_sha = sha
        out.append("\n".join(x for x in lines if x))
    return out, (dates[0][:10] if one_day and dates[0] else "")


def draw_series(ax, s, metric):
    pts = s["points"]
    unit, scale = time_unit(max(p["median_s"] for p in pts))

    def val(point, v):
        return value(point, metric, v, scale)

    x = list(range(len(pts)))
    y = [val(p, p["median_s"]) for p in pts]
    lo = [val(p, p["ci_low_s"]) for p in pts]
    hi = [val(p, p["ci_high_s"]) for p in pts]
    yerr = [[abs(a - b) for a, b in zip(y, lo)], [abs(b - a) for a, b in zip(y, hi)]]
    ax.errorbar(x, y, yerr=yerr, fmt="o", ms=3, lw=0.8, color="#1f77b4", label="median of a run, 95% CI")
    for i, seg in enumerate(s["segments"]):
        level = val(pts[seg["begin"]], seg["level_s"])
        ax.hlines(level, seg["begin"] - 0.4, seg["end"] - 0.6, colors="#d62728", lw=1.5,
                  label="segment level (change-point fit)" if i == 0 else None)
    for i, cp in enumerate(s["change_points"]):
        ax.axvline(cp["index"] - 0.5, color="#d62728", ls="--", lw=1, label="change point" if i == 0 else None)
        ax.annotate(f"{100 * (cp['ratio'] - 1):+.1f}% time", (cp["index"] - 0.5, 1.0),
                    xycoords=("data", "axes fraction"), ha="left", va="top", fontsize=8, color="#d62728",
                    xytext=(3, -2), textcoords="offset points")
    # As many labelled ticks as fit side by side (about 0.6 inch each in the panel's width less
    # its margins); SHAs are compared between shown ticks.
    cols = ax.get_subplotspec().get_gridspec().ncols
    fits = max(2, int((ax.figure.get_figwidth() / cols - 0.9) / 0.6))
    step = max(1, math.ceil(len(pts) / fits))
    labels, day = tick_labels(pts[::step])
    ax.set_xticks(x[::step])
    ax.set_xticklabels(labels, fontsize=6.5)
    ax.set_xlim(-0.6, len(pts) - 0.4)
    shas = {(p.get("git_sha") or "")[:7] for p in pts}
    ax.set_xlabel("run: id, time (UTC" + (f", {day}" if day else "") + ")" +
                  (f"; all at git {shas.pop()}" if len(shas) == 1 and "" not in shas else "; git SHA where it changes"),
                  fontsize=7)
    ax.set_ylabel(f"median time ({unit})" if metric == "time" else "GFLOP/s (model)", fontsize=8)
    ax.set_title(f"{s['case']}  [{s['hostname']}]", fontsize=9)
    ax.grid(alpha=0.3)


def figure(data, metric="time", max_series=12):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = data["series"][:max_series]
    n = max(1, len(series))
    cols = 1 if n == 1 else 2
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(8 if cols == 1 else 6.5 * cols, 3.8 * rows), squeeze=False)
    for ax, s in zip(axes.flat, series):
        draw_series(ax, s, metric)
    for ax in list(axes.flat)[len(series):]:
        ax.axis("off")
    if not series:
        axes.flat[0].text(0.5, 0.5, "no history", ha="center")
    m = data.get("method", {})
    fig.suptitle(f"flopmeter history: change points by {m.get('name', '?')},\nmin segment "
                 f"{m.get('min_segment', '?')} runs, min step {100 * m.get('min_step', 0):.3g}%", fontsize=9)
    # One legend for all panels, under the title, so it never covers a point.
    handles = {}
    for ax in axes.flat:
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    h = fig.get_figheight()
    fig.tight_layout()
    fig.subplots_adjust(top=1.0 - 0.95 / h)  # room for the two-line title and the legend
    if handles:
        fig.legend(list(handles.values()), list(handles.keys()), loc="upper center", ncol=len(handles), fontsize=7,
                   frameon=False, bbox_to_anchor=(0.5, 1.0 - 0.4 / h))
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("history_json")
    ap.add_argument("--out", required=True, help="output prefix: PREFIX.png and PREFIX.svg")
    ap.add_argument("--metric", choices=["time", "gflops"], default="time")
    ap.add_argument("--max-series", type=int, default=12)
    a = ap.parse_args()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit("plot_history: matplotlib is missing (Debian: apt-get install python3-matplotlib)")
    fig = figure(load(a.history_json), a.metric, a.max_series)
    fig.savefig(a.out + ".png", dpi=110)
    fig.savefig(a.out + ".svg")


if __name__ == "__main__":
    main()
