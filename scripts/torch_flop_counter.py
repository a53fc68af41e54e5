#!/usr/bin/env python3
"""The matmul FLOPs of one training step (forward + backward) of a model given as config.json,
counted by PyTorch's own torch.utils.flop_counter.FlopCounterMode, against flopmeter's exact
per-op decomposition (`flopmeter estimate --attention explicit --json -`, executed FLOPs of the
step). They must be equal, not close.

  scripts/torch_flop_counter.py --flopmeter build/flopmeter data/models/gpt2.config.json ...

torch is optional (pip install torch): without it the script says so and exits 77 ("skipped").
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def flopmeter_step_flops(binary, config, batch, seq):
    cmd = [binary, "estimate", "--model", config, "--profile", "cpu-generic", "--dtype", "fp32",
           "--attention", "explicit", "--seq-len", str(seq), "--global-batch", str(batch), "--micro-batch", str(batch),
           "--tokens", str(batch * seq), "--json", "-"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    est = json.loads(out)["estimates"][0]
    return est["flops"]["step_executed"], est


def torch_step_flops(config, batch, seq):
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from torch_models import Transformer, load_config

    torch.manual_seed(0)
    model = Transformer(load_config(config))
    idx = torch.randint(0, model.c["vocab"], (batch, seq))
    counter = FlopCounterMode(display=False)
    with counter:
        loss = model(idx, idx)
        loss.backward()
    by_op = {str(k): v for k, v in counter.get_flop_counts().get("Global", {}).items()}
    return counter.get_total_flops(), by_op


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("configs", nargs="+", help="Hugging Face config.json files (gpt2 or llama family)")
    ap.add_argument("--flopmeter", default="build/flopmeter", help="the flopmeter binary")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seq", type=int, default=128)
    a = ap.parse_args()
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch_flop_counter: skipped: PyTorch is not installed (pip install torch)")
        return 77
    failed = False
    for cfg in a.configs:
        fm, est = flopmeter_step_flops(a.flopmeter, cfg, a.batch, a.seq)
        pt, by_op = torch_step_flops(cfg, a.batch, a.seq)
        same = int(round(fm)) == pt
        failed |= not same
        print(f"{est['model']['name']}: batch {a.batch} x seq {a.seq}: flopmeter {int(round(fm))} matmul FLOPs, "
              f"PyTorch FlopCounterMode {pt} ({', '.join(f'{k} {v}' for k, v in sorted(by_op.items()))}): "
              f"{'EQUAL' if same else 'DIFFERENT by %+d' % (int(round(fm)) - pt)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
