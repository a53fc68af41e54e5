#!/usr/bin/env python3
"""One self-contained HTML page with flopmeter's history, roofline and comparison plots.

    flopmeter history --json history.json
    flopmeter roofline --quick --json roofline.json
    flopmeter check --baseline v1 --json check.json
    scripts/report_html.py --history history.json --roofline roofline.json --check check.json -o report.html

Every input is optional; a section without its input says so. Plots are inline SVG (no
network, no external files). A small script on the page measures the rendered plots and
writes the result into the hidden #render-check element (not shown to a reader), which
scripts/check-report.sh reads from a headless browser's DOM. Needs matplotlib (Debian: python3-matplotlib).
"""
import argparse
import html
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

VERDICT_COLOURS = {"SLOWER": "#d62728", "FASTER": "#2ca02c", "NOISY": "#ff7f0e", "SAME": "#7f7f7f"}


def load(path, schema):
    if not path:
        return None
    with open(path) as f:
        data = json.load(f)
    if data.get("schema") != schema:
        sys.exit(f"report_html: {path} is not {schema} JSON")
    return data


def svg(fig):
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog: the SVG is inlined in HTML


def history_section(data):
    import plot_history
    return svg(plot_history.figure(data, "time", 8))


def case_label(name):
    """'own 48x48x48' from 'gemm/own/fp32/nn/48x48x48/t1': backend and shape."""
    parts = [p for p in name.split("/") if not (p.startswith("t") and p[1:].isdigit())]
    return f"{parts[1]} {parts[-1]}" if len(parts) >= 3 else name


def roofline_section(roof, check):
    import plot_roofline
    by_verdict = {}
    if check:
        for c in check["cases"]:
            if c.get("bytes", 0) > 0 and c.get("candidate_median_s", 0) > 0 and c.get("model_flops", 0) > 0:
                by_verdict.setdefault(c["verdict"], []).append(
                    (c["model_flops"] / c["bytes"], c["model_flops"] / c["candidate_median_s"], case_label(c["case"])))
    series = [(f"candidate, {v}", pts, VERDICT_COLOURS.get(v)) for v, pts in sorted(by_verdict.items())]
    model = roof.get("provenance", {}).get("cpu", {}).get("model", "?")
    title = f"Roofline of {model} with the candidate's cases" if check else f"Roofline of {model}"
    return svg(plot_roofline.figure(roof, series, title=title, size=(10, 5.5)))


def comparison_section(check):
    import matplotlib.pyplot as plt
    cases = check["cases"]
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(cases) + 1.5))
    eff = check["settings"]["min_effect"]
    ax.axvspan(-100 * eff, 100 * eff, color="#dddddd", alpha=0.6, label=f"+-{100 * eff:.3g}% (minimum effect)")
    for i, c in enumerate(cases):
        w = c["wall"]
        x = 100 * (w["ratio"] - 1)
        lo, hi = 100 * (w["ci_low"] - 1), 100 * (w["ci_high"] - 1)
        ax.errorbar([x], [i], xerr=[[max(0, x - lo)], [max(0, hi - x)]], fmt="o",
                    color=VERDICT_COLOURS.get(c["verdict"], "k"), ms=4, lw=1)
    ax.set_yticks(range(len(cases)))
    ax.set_yticklabels([f"{c['verdict']}  {c['case']}" for c in cases], fontsize=7)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("change of the median time, candidate vs baseline (%), with 95% CI")
    ax.set_title("Candidate vs baseline: change of each case's median time (dot), 95% CI (bar), "
                 "coloured by verdict", fontsize=9)
    ax.set_ylim(len(cases) - 0.5, -0.5)  # first case on top, none on the frame
    # Beside the axes, so it never covers a case.
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return svg(fig)


def check_table(check):
    rows = []
    for c in check["cases"]:
        w = c["wall"]
        rows.append(f"<tr class='{c['verdict'].lower()}'><td>{c['verdict']}</td><td>{html.escape(c['case'])}</td>"
                    f"<td>{100 * (w['ratio'] - 1):+.1f}%</td><td>{100 * (w['ci_low'] - 1):+.1f}% .. "
                    f"{100 * (w['ci_high'] - 1):+.1f}%</td><td>{w['q']:.2g}</td>"
                    f"<td>{html.escape(c['reason'])}</td></tr>")
    # Cases the candidate failed or lacks fail the check: listed as rows of their own.
    for n in check.get("candidate_failed", []):
        name, _, why = n.partition(": ")
        rows.append(f"<tr class='slower'><td>FAILED</td><td>{html.escape(name)}</td><td>-</td><td>-</td><td>-</td>"
                    f"<td>candidate: {html.escape(why)}</td></tr>")
    for n in check.get("candidate_missing", []):
        rows.append(f"<tr class='slower'><td>MISSING</td><td>{html.escape(n)}</td><td>-</td><td>-</td><td>-</td>"
                    f"<td>timed in the baseline, absent from the candidate</td></tr>")
    s = check["summary"]
    extra = ""
    if s.get("candidate_failed") or s.get("candidate_missing"):
        extra = (f", <b>{s.get('candidate_failed', 0)} failed</b> and <b>{s.get('candidate_missing', 0)} missing</b> "
                 f"in the candidate")
    return (f"<p>{html.escape(check['baseline'])} &rarr; {html.escape(check['candidate'])}: "
            f"<b>{s['slower']} slower</b>, {s['faster']} faster, {s['same']} same, {s['noisy']} noisy{extra} "
            f"(exit code {check['exit_code']}).</p><table><tr><th>verdict</th><th>case</th><th>change</th>"
            f"<th>95% CI</th><th>q</th><th>why</th></tr>{''.join(rows)}</table>")


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 1200px; }}
section {{ margin-bottom: 2.5em; }} svg {{ max-width: 100%; height: auto; }}
table {{ border-collapse: collapse; font-size: 12px; }} td, th {{ border: 1px solid #ccc; padding: 2px 6px; }}
tr.slower td:first-child {{ color: #d62728; font-weight: bold; }} tr.faster td:first-child {{ color: #2ca02c; }}
tr.noisy td:first-child {{ color: #ff7f0e; }} .missing {{ color: #888; }}
</style></head><body>
<h1>{title}</h1>
<section id="history"><h2>History</h2>{history}</section>
<section id="roofline"><h2>Roofline</h2>{roofline}</section>
<section id="comparison"><h2>Comparison</h2>{comparison}</section>
<p id="render-check" hidden>not rendered</p>
<script>
// Filled in by the browser: how many plots rendered with a real size, per section.
const parts = [];
for (const id of ["history", "roofline", "comparison"]) {{
  const s = document.getElementById(id).querySelector("svg");
  const r = s ? s.getBoundingClientRect() : null;
  parts.push(id + "=" + (r && r.width > 100 && r.height > 100 ? "ok" : "missing"));
}}
document.getElementById("render-check").textContent = "rendered: " + parts.join(" ");
</script>
</body></html>
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--history", help="flopmeter history --json output")
    ap.add_argument("--roofline", help="flopmeter roofline --json output")
    ap.add_argument("--check", help="flopmeter check --json output")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--title", default="flopmeter report")
    a = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
    except ImportError:
        sys.exit("report_html: matplotlib is missing (Debian: apt-get install python3-matplotlib)")
    hist = load(a.history, "flopmeter.history")
    roof = load(a.roofline, "flopmeter.roofline")
    check = load(a.check, "flopmeter.check")
    missing = "<p class='missing'>not given ({})</p>"
    page = PAGE.format(
        title=html.escape(a.title),
        history=history_section(hist) if hist else missing.format("--history"),
        roofline=roofline_section(roof, check) if roof else missing.format("--roofline"),
        comparison=comparison_section(check) + check_table(check) if check else missing.format("--check"))
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(page)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
