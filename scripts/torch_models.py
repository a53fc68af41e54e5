"""Small PyTorch definitions of the two transformer families the cost model decomposes, built from
a Hugging Face config.json: GPT-2 (LayerNorm, fused QKV with biases, GELU MLP, learned positions,
tied head) and Llama (RMSNorm, separate Q/K/V, grouped-query attention, SwiGLU, RoPE, untied head).

Attention is written as explicit matmuls (QK^T, softmax, PV), the way flopmeter's
`--attention explicit` decomposes it, so torch.utils.flop_counter sees every matmul.
Written here for flopmeter's comparisons; no code taken from other projects.
"""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def load_config(path):
    with open(path) as f:
        return json.load(f)


class Attention(nn.Module):
    def __init__(self, hidden, heads, kv_heads, head_dim, bias, fused_qkv, rope):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim, self.rope = heads, kv_heads, head_dim, rope
        q, kv = heads * head_dim, kv_heads * head_dim
        self.fused = fused_qkv
        if fused_qkv:
            self.qkv = nn.Linear(hidden, q + 2 * kv, bias=bias)
        else:
            self.q = nn.Linear(hidden, q, bias=bias)
            self.k = nn.Linear(hidden, kv, bias=bias)
            self.v = nn.Linear(hidden, kv, bias=bias)
        self.out = nn.Linear(q, hidden, bias=bias)

    def forward(self, x):
        b, s, _ = x.shape
        q_dim, kv_dim = self.heads * self.head_dim, self.kv_heads * self.head_dim
        if self.fused:
            q, k, v = self.qkv(x).split([q_dim, kv_dim, kv_dim], dim=-1)
        else:
            q, k, v = self.q(x), self.k(x), self.v(x)
        q = q.view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = k.view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = v.view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        if self.rope:
            q, k = rotary(q), rotary(k)
        if self.kv_heads != self.heads:  # grouped-query attention: share each K/V head
            rep = self.heads // self.kv_heads
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        mask = torch.ones(s, s, dtype=torch.bool, device=x.device).tril()
        scores = scores.masked_fill(~mask, float("-inf"))
        ctx = scores.softmax(dim=-1) @ v
        return self.out(ctx.transpose(1, 2).reshape(b, s, q_dim))


def rotary(x, base=10000.0):
    """Rotary position embedding (elementwise: no matmul FLOPs)."""
    _, _, s, d = x.shape
    inv = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.float32, device=x.device) / d))
    ang = torch.arange(s, dtype=torch.float32, device=x.device)[:, None] * inv[None, :]
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1).flatten(-2)


class RMSNorm(nn.Module):
    def __init__(self, n, eps=1e-5):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(n)), eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Block(nn.Module):
    def __init__(self, c, llama):
        super().__init__()
        h = c["hidden"]
        norm = (lambda: RMSNorm(h)) if llama else (lambda: nn.LayerNorm(h))
        self.norm1, self.norm2 = norm(), norm()
        self.attn = Attention(h, c["heads"], c["kv_heads"], h // c["heads"], bias=not llama, fused_qkv=not llama, rope=llama)
        self.llama = llama
        if llama:
            self.gate = nn.Linear(h, c["ffn"], bias=False)
            self.up = nn.Linear(h, c["ffn"], bias=False)
            self.down = nn.Linear(c["ffn"], h, bias=False)
        else:
            self.up = nn.Linear(h, c["ffn"])
            self.down = nn.Linear(c["ffn"], h)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        y = self.norm2(x)
        y = F.silu(self.gate(y)) * self.up(y) if self.llama else F.gelu(self.up(y), approximate="tanh")
        return x + self.down(y)


class Transformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        llama = cfg["model_type"] in ("llama", "mistral", "qwen2")
        if llama:
            c = dict(hidden=cfg["hidden_size"], heads=cfg["num_attention_heads"],
                     kv_heads=cfg.get("num_key_value_heads", cfg["num_attention_heads"]), ffn=cfg["intermediate_size"],
                     layers=cfg["num_hidden_layers"], vocab=cfg["vocab_size"], positions=0,
                     tied=cfg.get("tie_word_embeddings", False))
        elif cfg["model_type"] == "gpt2":
            h = cfg["n_embd"]
            c = dict(hidden=h, heads=cfg["n_head"], kv_heads=cfg["n_head"], ffn=cfg.get("n_inner") or 4 * h,
                     layers=cfg["n_layer"], vocab=cfg["vocab_size"], positions=cfg["n_positions"], tied=True)
        else:
            raise SystemExit(f"unsupported model_type {cfg['model_type']!r} for the PyTorch comparison")
        self.c = c
        self.embed = nn.Embedding(c["vocab"], c["hidden"])
        self.pos = nn.Embedding(c["positions"], c["hidden"]) if c["positions"] else None
        self.blocks = nn.ModuleList(Block(c, llama) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["hidden"]) if llama else nn.LayerNorm(c["hidden"])
        self.head = None if c["tied"] else nn.Linear(c["hidden"], c["vocab"], bias=False)

    def forward(self, idx, targets):
        x = self.embed(idx)
        if self.pos is not None:
            x = x + self.pos(torch.arange(idx.shape[1], device=idx.device))
        for b in self.blocks:
            x = b(x)
        x = self.norm(x)
        logits = F.linear(x, self.embed.weight) if self.head is None else self.head(x)
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))
