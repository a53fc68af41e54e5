#!/usr/bin/env python3
"""flopmeter's fused attention forward against PyTorch's CPU scaled_dot_product_attention.

Same problem on both sides: fp32, layout [B, S, H, D] (torch gets transposed views of tensors
stored that way, as a model's projections produce them), softmax scale 1/sqrt(D), causal and
not. Rounds alternate torch and `flopmeter bench attention --backend own` so slow drifts of a
shared machine hit both; each side's figure is the median over rounds of its per-round median.
Rates use flopmeter's model FLOPs (2*B*H*P*(D+Dv), P = unmasked pairs) for both.

torch is optional (pip install torch); without it the script says so and exits 0 (skipped).
Usage: scripts/compare_torch_sdpa.py [--flopmeter build/flopmeter] [--seq 4096] [--heads 16]
       [--head-dim 128] [--batch 1] [--rounds 3] [--json out.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def model_flops(b, h, s, d, causal):
    pairs = s * (s + 1) / 2 if causal else s * s
    return 2.0 * b * h * pairs * (d + d)


def time_torch(torch, b, h, s, d, causal, reps):
    F = torch.nn.functional
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.rand(b, s, h, d, generator=g) * 2 - 1 for _ in range(3))
    qt, kt, vt = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
    with torch.no_grad():
        F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal)  # warm-up
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_flopmeter(fm, b, h, s, d, causal, budget):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    cmd = [fm, "bench", "attention", "--batch", str(b), "--heads", str(h), "--seq-q", str(s), "--head-dim", str(d),
           "--dtype", "fp32", "--pass", "fwd", "--backend", "own", "--budget", str(budget), "--min-samples", "3",
           "--json", path] + (["--causal"] if causal else [])
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"compare_torch_sdpa: {' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()[-400:]}")
    with open(path) as f:
        doc = json.load(f)
    os.unlink(path)
    res = doc["results"][0]
    if res["status"] != "ok":
        sys.exit(f"compare_torch_sdpa: flopmeter case {res['name']}: {res['status']} {res['error']}")
    return res["flops"]["model"] / res["rates"]["model_flops_per_s"], res["kernel_set"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flopmeter", default="build/flopmeter")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--seq", type=int, default=4096)
    ap.add_argument("--head-dim", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5, help="torch calls per round")
    ap.add_argument("--budget", type=float, default=4.0, help="flopmeter seconds per case per round")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: all cores, like flopmeter)")
    ap.add_argument("--json")
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("SKIP  PyTorch comparison: torch is not installed (pip install torch; CPU wheels: "
              "--index-url https://download.pytorch.org/whl/cpu)")
        return 0
    if not os.access(a.flopmeter, os.X_OK):
        sys.exit(f"compare_torch_sdpa: {a.flopmeter} not built")
    threads = a.threads or len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; flopmeter {a.flopmeter}")
    out = {"torch_version": torch.__version__, "threads": threads, "cases": []}
    ok_all = True
    for causal in (False, True):
        tt, ft, kset = [], [], ""
        for _ in range(a.rounds):
            tt.append(time_torch(torch, a.batch, a.heads, a.seq, a.head_dim, causal, a.reps))
            t, kset = time_flopmeter(a.flopmeter, a.batch, a.heads, a.seq, a.head_dim, causal, a.budget)
            ft.append(t)
        t_torch, t_own = statistics.median(tt), statistics.median(ft)
        fl = model_flops(a.batch, a.heads, a.seq, a.head_dim, causal)
        ratio = t_torch / t_own
        ok = ratio >= 1.0
        ok_all &= ok
        mask = "causal" if causal else "full"
        print(f"{'PASS' if ok else 'MISS'}  own fused fwd vs torch SDPA, fp32 B={a.batch} H={a.heads} S={a.seq} "
              f"D={a.head_dim} {mask}: own {fl / t_own / 1e9:.1f} GFLOP/s ({t_own * 1e3:.1f} ms, {kset}), torch "
              f"{fl / t_torch / 1e9:.1f} GFLOP/s ({t_torch * 1e3:.1f} ms): {ratio:.2f}x (target >= 1.0x)")
        out["cases"].append({"mask": mask, "own_s": t_own, "torch_s": t_torch, "ratio": ratio, "model_flops": fl,
                             "own_rounds_s": ft, "torch_rounds_s": tt, "own_kernel_set": kset})
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
