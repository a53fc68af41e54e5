#!/usr/bin/env python3
"""Times one PyTorch CPU training step (forward, backward, AdamW) of a small GPT on this machine
and compares it with flopmeter's estimate of the same step on this machine's calibrated profile
(`flopmeter calibrate` output, with the backend PyTorch's matmuls use, e.g. PROFILE.json@onednn),
and with a datasheet profile's estimate beside it. Pass: calibrated estimate within 15%.

  scripts/torch_train_step.py --flopmeter build/flopmeter --profile my-cpu.json@onednn

torch is optional (pip install torch): without it the script says so and exits 0 ("skipped").
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.dirname(os.path.abspath(__file__))


def estimate(binary, profile, config, batch, seq):
    cmd = [binary, "estimate", "--model", config, "--profile", profile, "--dtype", "fp32", "--attention", "explicit",
           "--seq-len", str(seq), "--global-batch", str(batch), "--micro-batch", str(batch), "--tokens", str(batch * seq),
           "--json", "-"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"torch_train_step: flopmeter failed: {r.stderr.strip()}")
    return json.loads(r.stdout)["estimates"][0]


def time_step(config, batch, seq, warmup, steps, threads):
    import torch
    from torch_models import Transformer, load_config

    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Transformer(load_config(config))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    idx = torch.randint(0, model.c["vocab"], (batch, seq))
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        loss = model(idx, idx)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        t1 = time.perf_counter()
        if i >= warmup:
            times.append(t1 - t0)
    return statistics.median(times), times, torch.get_num_threads()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flopmeter", default="build/flopmeter")
    ap.add_argument("--profile", required=True, help="this machine's calibrated profile (file, name, or FILE@backend)")
    ap.add_argument("--datasheet", default="cpu-generic", help="datasheet profile printed beside it (default cpu-generic)")
    ap.add_argument("--config", default=os.path.join(HERE, "..", "data", "models", "gpt-cpu-small.config.json"))
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: PyTorch's choice)")
    ap.add_argument("--tolerance", type=float, default=0.15)
    a = ap.parse_args()
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch_train_step: skipped: PyTorch is not installed (pip install torch)")
        return 0
    measured, samples, threads = time_step(a.config, a.batch, a.seq, a.warmup, a.steps, a.threads)
    cal = estimate(a.flopmeter, a.profile, a.config, a.batch, a.seq)
    ds = estimate(a.flopmeter, a.datasheet, a.config, a.batch, a.seq)
    spread = (max(samples) - min(samples)) / measured
    print(f"PyTorch CPU training step ({threads} threads): {cal['model']['name']} batch {a.batch} x seq {a.seq}, fp32, "
          f"AdamW: median {measured * 1e3:.2f} ms over {len(samples)} steps (spread {spread:.0%})")
    ok = True
    for label, est in (("calibrated", cal), ("datasheet", ds)):
        s = est["step"]["seconds"]
        err = s / measured - 1
        line = f"  {label:10s} {est['device']['profile']} ({est['device']['name']}): {s * 1e3:.2f} ms, error {err:+.1%}"
        if label == "calibrated":
            ok = abs(err) <= a.tolerance
            line += f"  [{'PASS' if ok else 'FAIL'}: within {a.tolerance:.0%}]"
        print(line)
        for row in est["breakdown"]:
            print(f"      {row['kind']:28s} {row['seconds'] * 1e3:9.3f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
