#!/usr/bin/env python3
"""Twenty-sixth sweep (sequence), time-series half (imported by sweep26s_lm.py, which exports it): Chronos-2 (Amazon
2025): a group of related series scaled per series (robust arcsinh scaling), 8-step patches with the observed mask and
time-index features, layers alternating time attention (RoPE, within each series) and group attention (across the
series of the group at each patch: attention along the batch axis), a future-patch token per series and a 9-quantile
head — random weights, small widths."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep20_seq_lm import rope
from sweep22_seq_lm import heads, merge


class Attn(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.qkv, self.o, self.ln = h, nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False), nn.LayerNorm(d)

    def forward(self, x, use_rope):  # [b, n, d]: attention along n
        q, k, v = (heads(t, self.h) for t in self.qkv(self.ln(x)).chunk(3, -1))
        if use_rope:
            pos = torch.arange(x.shape[1])
            q, k = rope(q, pos), rope(k, pos)
        w = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).softmax(-1)
        return x + self.o(merge(w @ v))


class Chronos2(nn.Module):
    def __init__(self, patch=8, d=64, h=4, layers=2, q=9, horizon=16):
        super().__init__()
        self.patch, self.q, self.horizon = patch, q, horizon
        self.emb = nn.Sequential(nn.Linear(3 * patch, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.skip = nn.Linear(3 * patch, d)
        self.future = nn.Parameter(torch.randn(horizon // patch, d) * 0.1)
        self.time = nn.ModuleList(Attn(d, h) for _ in range(layers))
        self.group = nn.ModuleList(Attn(d, h) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
                                for _ in range(layers))
        self.head = nn.Linear(d, patch * q)

    def forward(self, series, observed):  # [G, L] related series of one group, [G, L] 1 where observed
        g, n = series.shape
        cnt = observed.sum(-1, keepdim=True).clamp(min=1)
        mu = (series * observed).sum(-1, keepdim=True) / cnt
        sd = torch.sqrt((((series - mu) * observed) ** 2).sum(-1, keepdim=True) / cnt).clamp(min=1e-3)
        z = torch.asinh((series - mu) / sd) * observed
        tix = (torch.arange(n).float() / n)[None].expand(g, n)
        p = torch.stack([z, observed, tix], -1).view(g, n // self.patch, 3 * self.patch)
        x = self.emb(p) + self.skip(p)
        x = torch.cat([x, self.future[None].expand(g, -1, -1)], 1)           # [G, patches + future, d]
        for ta, ga, ff in zip(self.time, self.group, self.ff):
            x = ta(x, True)
            x = ga(x.transpose(0, 1), False).transpose(0, 1)                   # across the group at each patch
            x = x + ff(x)
        fut = self.head(x[:, -(self.horizon // self.patch):]).view(g, -1, self.patch, self.q)
        fut = fut.permute(0, 3, 1, 2).reshape(g, self.q, self.horizon)
        return torch.sinh(fut) * sd[:, None] + mu[:, None]


def chronos2_inputs(g=3, n=64):
    obs = torch.ones(g, n)
    obs[1, :8] = 0
    return torch.randn(g, n).cumsum(-1), obs


MODELS = {
    'chronos2': lambda: (Chronos2().eval(), chronos2_inputs(),
                         {'names': ['series', 'observed'], 'outputs': ['quantiles'], 'opset': 17,
                          # torch 1.13 exports neither; ONNX has both (a later torch's export form)
                          'symbolics': {'aten::asinh': lambda g, x: g.op('Asinh', x),
                                        'aten::sinh': lambda g, x: g.op('Sinh', x)}}),
}
