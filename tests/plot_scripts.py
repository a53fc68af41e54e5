#!/usr/bin/env python3
"""The plot scripts draw what a reader needs: roofline point labels never overprint and every
result series is in the legend; the history's ticks tell runs of one commit apart and the
level line is in the legend; the breakdown names profiles by file name and puts totals that
differ 10x or more on a log axis; the report hides its render check. Inputs are small
synthetic documents in flopmeter's formats. Skipped (exit 77) without matplotlib.

usage: plot_scripts.py SCRIPTS_DIR OUT_DIR
"""
import json
import os
import subprocess
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
except ImportError:
    print("SKIP: matplotlib is not installed")
    sys.exit(77)

scripts, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
sys.path.insert(0, scripts)
import plot_breakdown  # noqa: E402
import plot_history  # noqa: E402
import plot_roofline  # noqa: E402

fails = []


def check(cond, what):
    if not cond:
        fails.append(what)
        print("FAIL:", what)


# Roofline: 3 series x 6 shapes, each shape at nearly the same place for two backends.
roof = {"schema": "flopmeter.roofline", "provenance": {"cpu": {"model": "Test CPU"}},
        "peaks": [{"kind": "fp32 fma", "threads": 2, "flops_per_s": 2e11},
                  {"kind": "fp64 fma", "threads": 2, "flops_per_s": 1e11}],
        "bandwidth": [{"level": "L1", "kernel": "read", "stream_bytes_per_s": 4e11},
                      {"level": "DRAM", "kernel": "triad", "stream_bytes_per_s": 1e10}]}
series = []
for b, f in (("own", 1.0), ("openblas", 1.08), ("onednn", 0.93)):
    series.append((f"gemm {b} fp32", [(2.0 ** (1 + i * 0.3), 1e10 * (1 + i * 0.25) * f, f"{64 * (i + 1)}^3")
                                      for i in range(6)], None))
fig = plot_roofline.figure(roof, series)
ax = fig.axes[0]
fig.canvas.draw()
r = fig.canvas.get_renderer()
boxes = [t.get_window_extent(r) for t in ax.texts]
overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]
check(not overlaps, f"roofline: {len(overlaps)} pairs of point labels overprint")
check(len(ax.texts) >= 6, f"roofline: only {len(ax.texts)} point labels placed")
legend = [t.get_text() for t in ax.get_legend().get_texts()]
for name, _, _ in series:
    check(any(t.startswith(name) for t in legend), f"roofline: series '{name}' missing from the legend {legend}")

# History: six runs of one commit within one minute.
pts = [{"run_id": i + 1, "tag": "", "git_sha": "abcdef0123", "date_utc": f"2026-12-03T10:09:{10 + i:02d}Z",
        "median_s": 1e-6 * (1 + (i > 2) * 0.3), "ci_low_s": 0.99e-6, "ci_high_s": 1.4e-6, "samples": 20,
        "model_flops": 1e6, "bytes": 1e4} for i in range(6)]
hist = {"schema": "flopmeter.history", "method": {"name": "test", "min_segment": 3, "min_step": 0.03},
        "series": [{"case": "gemm/own/fp32/nn/64x64x64/t1", "hostname": "h", "points": pts,
                    "segments": [{"begin": 0, "end": 3, "level_s": 1e-6}, {"begin": 3, "end": 6, "level_s": 1.3e-6}],
                    "change_points": [{"index": 3, "ratio": 1.3}]}]}
fig = plot_history.figure(hist)
ax = fig.axes[0]
ticks = [t.get_text() for t in ax.get_xticklabels()]
check(len(set(ticks)) == len(ticks) == 6, f"history: tick labels do not tell the runs apart: {ticks}")
check(sum("abcdef0" in t for t in ticks) == 0 and "abcdef0" in ax.get_xlabel(),
      f"history: one commit's SHA repeated on the ticks or missing from the axis label: {ticks} / {ax.get_xlabel()}")
labels = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
check(any("segment level" in t for t in labels) and any("change point" in t for t in labels),
      f"history: level line or change point not in the legend: {labels}")

# Breakdown: a file-path profile 100x slower than a datasheet one.
def estimate(profile, kind, scale):
    return {"kind": "training", "device": {"profile": profile, "kind": kind}, "run": {"mfu": 0.4 / scale},
            "step": {"tokens": 1000}, "model": {"name": "m"},
            "workload": {"mode": "pretrain", "seq_len": 128, "global_batch": 8},
            "breakdown": [{"kind": "MLP", "seconds": 2.0 * scale}, {"kind": "attention", "seconds": 1.0 * scale}]}


est = os.path.join(out, "est.json")
with open(est, "w") as f:
    json.dump({"estimates": [estimate("/some/dir/my-cpu.json", "measured", 100.0), estimate("h100-sxm", "datasheet", 1.0)]}, f)
png = os.path.join(out, "breakdown.png")
subprocess.run([sys.executable, os.path.join(scripts, "plot_breakdown.py"), est, "-o", png], check=True,
               stdout=subprocess.DEVNULL)
check(os.path.getsize(png) > 10000, "breakdown: no PNG written")
# The figure itself: re-run main's drawing through the module for its axes.
sys.argv = ["plot_breakdown.py", est, "-o", png]
import matplotlib.pyplot as plt  # noqa: E402
plot_breakdown.main()
fig = plt.gcf()
names = [t.get_text() for t in fig.axes[0].get_xticklabels()]
check(all("/" not in n for n in names) and any(n.startswith("my-cpu") for n in names),
      f"breakdown: profiles not named by file name: {names}")
check(fig.axes[1].get_yscale() == "log", "breakdown: totals 100x apart are not on a log axis")

# Report: the render check is in the DOM but hidden.
page = os.path.join(out, "report.html")
subprocess.run([sys.executable, os.path.join(scripts, "report_html.py"), "-o", page], check=True)
text = open(page).read()
check('id="render-check" hidden' in text, "report: the render check is visible")

print("plot_scripts:", "ok" if not fails else f"{len(fails)} failure(s)")
sys.exit(1 if fails else 0)
