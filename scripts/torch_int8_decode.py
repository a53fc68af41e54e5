#!/usr/bin/env python3
"""One decode step of a small GPT with PyTorch's dynamic int8 quantization of its Linear layers
(torch.ao.quantization.quantize_dynamic: int8 weights, activations quantized per call), measured
on this CPU, against flopmeter's prediction from a calibrated profile
(`estimate --mode inference --weights int8`, decode step at the same context).

The decode step: one token through every layer (LayerNorm, fused QKV Linear, attention over a
KV cache of --context tokens in fp32, output Linear, LayerNorm, MLP Linears with GELU), the final
LayerNorm and the LM head (a Linear, quantized as well). Weights are random: the time does not
depend on their values. Written for flopmeter; no code taken from other projects.

What the runtime adds beyond its kernels is measured apart from the decode step and passed to
flopmeter as properties of the runtime (estimate --op-overhead, --kv-append):
- host time per op: one transformer layer's ops as flopmeter's decomposition lists them (norm,
  dynamic int8 Linear, cat, batched matmul, softmax, add, GELU) on tensors of 8 elements, so
  their kernels do next to nothing; the chain's time per op is what eager PyTorch costs per
  launched op (Python, dispatcher, the quantized Linear's activation quantization and thread
  hand-off): --op-overhead;
- the KV cache grows by torch.cat, a new tensor each step: --kv-append concat;
- attention runs as separate matmul, softmax and matmul ops: --attention explicit.
Nothing is fitted to the decode step: its time is only measured and compared. The chain and
the decode steps are timed in interleaved rounds, so both see the same load on a shared machine.

Usage: scripts/torch_int8_decode.py --flopmeter build/flopmeter --profile PROFILE.json
           [--config data/models/gpt2.config.json] [--context 512] [--threads 2] [--steps 100]
Exit: 0 prediction within --tolerance (default 20%), 1 outside, 2 bad input, 77 torch missing.
"""
import argparse
import json
import math
import statistics
import subprocess
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("torch_int8_decode: torch is not installed; skipped")
    sys.exit(77)


class Block(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.heads, self.hd = heads, d // heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc, self.proj = nn.Linear(d, ffn), nn.Linear(ffn, d)

    def forward(self, x, k_cache, v_cache):
        # x: (1, d); caches: (heads, context, hd), fp32
        q, k, v = self.qkv(self.ln1(x)).split(x.shape[-1], dim=-1)
        q = q.view(self.heads, 1, self.hd)
        k_all = torch.cat([k_cache, k.view(self.heads, 1, self.hd)], dim=1)
        v_all = torch.cat([v_cache, v.view(self.heads, 1, self.hd)], dim=1)
        att = (q @ k_all.transpose(1, 2)) / math.sqrt(self.hd)
        ctx = att.softmax(dim=-1) @ v_all
        x = x + self.out(ctx.reshape(1, -1))
        return x + self.proj(F.gelu(self.fc(self.ln2(x))))


class DecodeGPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg.get("n_embd", cfg.get("hidden_size"))
        layers = cfg.get("n_layer", cfg.get("num_hidden_layers"))
        heads = cfg.get("n_head", cfg.get("num_attention_heads"))
        ffn = cfg.get("n_inner") or cfg.get("intermediate_size") or 4 * d
        self.wte = nn.Embedding(cfg["vocab_size"], d)
        self.blocks = nn.ModuleList(Block(d, heads, ffn) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, cfg["vocab_size"], bias=False)

    def forward(self, token, caches):
        x = self.wte(token)
        for blk, (kc, vc) in zip(self.blocks, caches):
            x = blk(x, kc, vc)
        return self.head(self.ln_f(x))


def tiny_op_chain():
    """One transformer layer's ops as flopmeter's decomposition lists them for this runtime
    (--attention explicit --kv-append concat: norm, QKV, cat K, cat V, QK^T, softmax, PV, output
    projection, residual, norm, MLP up, GELU, MLP down, residual), each on 8-element tensors
    and called as a model calls it, so the kernels do next to nothing."""
    d = 8
    x = torch.randn(1, d)
    lin = torch.ao.quantization.quantize_dynamic(nn.Sequential(nn.Linear(d, d)), {nn.Linear}, dtype=torch.qint8)[0]
    ln = nn.LayerNorm(d)
    q, kt, kc, p = torch.randn(1, 1, d), torch.randn(1, d, 1), torch.randn(1, 1, d), torch.randn(1, 1, 1)
    return [("LayerNorm", lambda: ln(x)), ("int8 Linear", lambda: lin(x)), ("cat", lambda: torch.cat([kc, q], dim=1)),
            ("cat", lambda: torch.cat([kc, q], dim=1)), ("bmm", lambda: q @ kt), ("softmax", lambda: x.softmax(dim=-1)),
            ("bmm", lambda: p @ kc), ("int8 Linear", lambda: lin(x)), ("add", lambda: x + x), ("LayerNorm", lambda: ln(x)),
            ("int8 Linear", lambda: lin(x)), ("GELU", lambda: F.gelu(x)), ("int8 Linear", lambda: lin(x)),
            ("add", lambda: x + x)]


def time_block(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def low(xs):
    """The 20th percentile: on a shared machine interference only adds time."""
    return statistics.quantiles(xs, n=5)[0]


def print_breakdown(qmodel, token, caches, n=10):
    """Self CPU time per op kind of n decode steps, per step (the profiler adds its own cost)."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(n):
            qmodel(token, caches)
    rows = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    print(f"  torch.profiler, per step of {n}: " + ", ".join(
        f"{e.key} {e.count / n:.0f}x {e.self_cpu_time_total / n / 1e3:.3f} ms" for e in rows[:12]))


def estimate(a, extra):
    cmd = [a.flopmeter, "estimate", "--mode", "inference", "--model", a.config, "--profile", a.profile,
           "--weights", "int8", "--dtype", "fp32", "--batch", "1", "--prompt-tokens", str(a.context),
           "--output-tokens", "1", "--json", "-"] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"flopmeter estimate failed ({p.returncode}): {p.stderr.strip()}")
    return json.loads(p.stdout)["estimates"][0]["decode"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flopmeter", required=True)
    ap.add_argument("--profile", required=True, help="calibrated profile (flopmeter calibrate --out)")
    ap.add_argument("--config", default="data/models/gpt2.config.json")
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=100, help="decode steps timed, over --rounds rounds")
    ap.add_argument("--rounds", type=int, default=10, help="interleaved rounds of the op chain and decode steps")
    ap.add_argument("--tolerance", type=float, default=0.20)
    ap.add_argument("--breakdown", action="store_true",
                    help="also print torch.profiler's self CPU time per op kind of a few steps (for the record)")
    a = ap.parse_args()
    if a.steps < 5 or a.rounds < 5 or a.context < 1 or a.threads < 1:
        print("torch_int8_decode: --steps and --rounds must be >= 5, --context and --threads >= 1")
        return 2
    try:
        cfg = json.load(open(a.config))
    except (OSError, ValueError) as e:
        print(f"torch_int8_decode: cannot read {a.config}: {e}")
        return 2
    try:  # first, so a bad profile or binary stops the script before anything is timed
        before = estimate(a, [])
    except (OSError, RuntimeError, ValueError, KeyError) as e:
        print(f"torch_int8_decode: {e}")
        return 2
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    torch.backends.quantized.engine = "x86" if "x86" in torch.backends.quantized.supported_engines else "fbgemm"
    model = DecodeGPT(cfg).eval()
    qmodel = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    heads = model.blocks[0].heads
    hd = model.blocks[0].hd
    caches = [(torch.randn(heads, a.context, hd), torch.randn(heads, a.context, hd)) for _ in model.blocks]
    token = torch.tensor([1])
    chain = tiny_op_chain()
    per_round = max(1, a.steps // a.rounds)
    steps, chain_per_op, kinds = [], [], {name: [] for name, _ in chain}  # kinds: for the record
    with torch.inference_mode():
        for _ in range(5):
            qmodel(token, caches)
        for _, fn in chain:
            time_block(fn, 50)
        for _ in range(a.rounds):
            chain_per_op.append(time_block(lambda: [fn() for _, fn in chain], 100) / len(chain))
            for name, fn in dict(chain).items():
                kinds[name].append(time_block(fn, 100))
            for _ in range(per_round):
                t0 = time.perf_counter()
                qmodel(token, caches)
                steps.append(time.perf_counter() - t0)
        if a.breakdown:
            print_breakdown(qmodel, token, caches)
    measured, median = low(steps), statistics.median(steps)
    q1, _, q3 = statistics.quantiles(steps, n=4)
    overhead = low(chain_per_op)

    try:
        after = estimate(a, ["--op-overhead", f"{overhead:.9f}", "--kv-append", "concat", "--attention", "explicit"])
    except (OSError, RuntimeError, ValueError, KeyError) as e:
        print(f"torch_int8_decode: {e}")
        return 2
    print(f"PyTorch dynamic int8 ({torch.backends.quantized.engine}, torch {torch.__version__}, {a.threads} threads), "
          f"{a.config}, context {a.context}:")
    print(f"  measured decode step  {measured * 1e3:8.3f} ms (20th percentile of {len(steps)} steps in {a.rounds} "
          f"rounds; median {median * 1e3:.3f}, IQR {q1 * 1e3:.3f}..{q3 * 1e3:.3f} ms)")
    print(f"  runtime per op        {overhead * 1e6:8.2f} us (tiny op chain, 20th percentile of {a.rounds} rounds, "
          f"median {statistics.median(chain_per_op) * 1e6:.2f} us; per kind, 20th percentile: " +
          ", ".join(f"{n} {low(v) * 1e6:.1f}" for n, v in kinds.items()) + " us)")
    rt = after["runtime"]
    weights = after.get("measured_quant_weights_seconds")
    print(f"  flopmeter, kernels only     {before['step_seconds'] * 1e3:8.3f} ms "
          f"({'measured int8 rates' if weights is not None else 'bandwidth model'}, fused attention, no runtime), error "
          f"{100 * (before['step_seconds'] - measured) / measured:+.1f}%")
    kernels = after["step_seconds"] - rt["kv_concat_seconds"] - rt["overhead_seconds"]
    print(f"  flopmeter, with the runtime {after['step_seconds'] * 1e3:8.3f} ms = kernels {kernels * 1e3:.3f}"
          + (f" (weight GEMMs {weights * 1e3:.3f}, other ops {after['compute_seconds'] * 1e3:.3f})" if weights is not None else "")
          + f" + KV cache concatenation {rt['kv_concat_seconds'] * 1e3:.3f} ({rt['kv_concat_bytes'] / 2**20:.1f} MiB)"
          + f" + runtime {rt['overhead_seconds'] * 1e3:.3f} ({rt['ops']:.0f} ops, {rt['ops_per_layer']:.0f} per layer,"
          + f" x {overhead * 1e6:.2f} us)")
    err = (after["step_seconds"] - measured) / measured
    print(f"  error {100 * err:+.1f}% (tolerance {100 * a.tolerance:.0f}%): {'within' if abs(err) <= a.tolerance else 'OUTSIDE'}")
    return 0 if abs(err) <= a.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
