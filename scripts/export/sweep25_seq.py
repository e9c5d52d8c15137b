#!/usr/bin/env python3
"""Twenty-fifth sweep (docs/model-sweep.md "Twenty-fifth sweep (sequence)"): sequence blocks not tried in the
twenty-four earlier sweeps, in plain torch 1.13 as their papers' reference code writes them (random weights, small
widths): Mamba-3 (trapezoidal discretisation, data-dependent RoPE on B / C), Longhorn (an SSM as online regression),
Comba (the corrected delta rule), log-linear attention (Fenwick-level weights), selective attention (Leviathan et
al.), MoBA (mixture of block attention), symmetric power attention; TiRex, Sundial, ULCNet and a spiking (LIF) keyword
spotter in sweep25_seq_ts.py.

Usage: `/usr/bin/python3 scripts/export/sweep25_seq.py OUT_DIR [NAME ...]` (OUT_DIR outside the repository), then
`node bin/onnx2lite.js convert OUT_DIR/NAME.onnx`; `sweep25_seq.py --reference OUT_DIR NAME` writes NAME with its own
inputs and PyTorch's outputs beside it (scripts/check-vs-torch.ts)."""
import math
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402
from sweep20_seq_lm import PreNormLM, ids  # noqa: E402
from sweep22_seq_lm import heads, merge, NEG, causal  # noqa: E402
from sweep24_seq import QKV  # noqa: E402

LM = {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}


def rotate_pairs(x, ang):  # x [..., 2m], ang [..., m]: each pair (x0, x1) turned by its angle
    a, b = x[..., 0::2], x[..., 1::2]
    c, s = torch.cos(ang), torch.sin(ang)
    return torch.stack([a * c - b * s, a * s + b * c], -1).flatten(-2)


# --- Mamba-3 (2025, SISO): trapezoidal (generalised) discretisation, complex state as data-dependent RoPE on B / C ---

class Mamba3(nn.Module):
    def __init__(self, d=64, state=8):
        super().__init__()
        self.inp = nn.Linear(d, 2 * d, bias=False)
        self.dt, self.lam = nn.Linear(d, d), nn.Linear(d, d)
        self.bc, self.theta = nn.Linear(d, 2 * state, bias=False), nn.Linear(d, state // 2, bias=False)
        self.a_log = nn.Parameter(torch.log(torch.rand(d) * 4 + 1))
        self.dskip, self.o = nn.Parameter(torch.ones(d)), nn.Linear(d, d, bias=False)

    def forward(self, x):
        u, z = self.inp(x).chunk(2, -1)
        dt = F.softplus(self.dt(u))                              # [b, n, d]
        lam = torch.sigmoid(self.lam(u))
        bm, cm = self.bc(u).chunk(2, -1)                         # [b, n, N]
        ang = torch.cumsum(dt.mean(-1, keepdim=True) * self.theta(u), 1)
        bm, cm = rotate_pairs(bm, ang), rotate_pairs(cm, ang)
        alpha = torch.exp(-dt * torch.exp(self.a_log))
        beta, gamma = (1 - lam) * dt * alpha, lam * dt
        h = torch.zeros(x.shape[0], x.shape[2], bm.shape[-1])
        prev = torch.zeros_like(h)
        ys = []
        for t in range(x.shape[1]):
            cur = u[:, t, :, None] * bm[:, t, None, :]            # B_t x_t  [b, d, N]
            h = alpha[:, t, :, None] * h + beta[:, t, :, None] * prev + gamma[:, t, :, None] * cur
            prev = cur
            ys.append((h * cm[:, t, None, :]).sum(-1))
        y = torch.stack(ys, 1) + self.dskip * u
        return self.o(y * F.silu(z))


# --- Longhorn (Liu et al. 2024): the SSM as the closed-form online regression step per channel ---

class Longhorn(nn.Module):
    def __init__(self, d=64, state=8):
        super().__init__()
        self.xz = nn.Linear(d, 2 * d, bias=False)
        self.conv = nn.Conv1d(d, d, 4, groups=d)
        self.kq, self.beta = nn.Linear(d, 2 * state, bias=False), nn.Linear(d, d)
        self.dskip, self.o = nn.Parameter(torch.ones(d)), nn.Linear(d, d, bias=False)

    def forward(self, x):
        u, z = self.xz(x).chunk(2, -1)
        u = F.silu(self.conv(F.pad(u.transpose(1, 2), (3, 0)))).transpose(1, 2)
        k, q = self.kq(u).chunk(2, -1)
        beta = torch.sigmoid(self.beta(u))
        eps = beta / (1 + beta * (k * k).sum(-1, keepdim=True))  # [b, n, d]
        s = torch.zeros(x.shape[0], x.shape[2], k.shape[-1])
        ys = []
        for t in range(x.shape[1]):
            e = eps[:, t, :, None]
            s = s * (1 - e * (k[:, t, None, :] ** 2)) + e * u[:, t, :, None] * k[:, t, None, :]
            ys.append((s * q[:, t, None, :]).sum(-1))
        return self.o((torch.stack(ys, 1) + self.dskip * u) * F.silu(z))


# --- Comba (2025): S_t = S_{t-1}(α_t − β_t k kᵀ) + β_t v kᵀ, output read with q − d·k ---

class Comba(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h = h
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.ab = nn.Linear(d, 2 * h)
        self.dcorr = nn.Parameter(0.5 * torch.ones(h, 1))

    def forward(self, x):
        q, k, v = (heads(t, self.h) for t in self.qkv(x).chunk(3, -1))
        q, k = F.normalize(F.silu(q), dim=-1), F.normalize(F.silu(k), dim=-1)
        a, b = self.ab(x).chunk(2, -1)
        alpha, beta = torch.sigmoid(a).transpose(1, 2), torch.sigmoid(b).transpose(1, 2)   # [b, h, n]
        s = torch.zeros(x.shape[0], self.h, v.shape[-1], k.shape[-1])
        ys = []
        for t in range(x.shape[1]):
            kt, vt = k[:, :, t], v[:, :, t]
            al, be = alpha[:, :, t, None, None], beta[:, :, t, None, None]
            s = al * s - be * (s @ kt[..., None]) @ kt[..., None, :] + be * vt[..., None] @ kt[..., None, :]
            ys.append((s @ (q[:, :, t] - self.dcorr * kt)[..., None])[..., 0])
        return self.o(merge(torch.stack(ys, 2)))


# --- log-linear attention (Guo et al. 2025) on Mamba-2's quadratic form: per-level weights λ_t[level(t, s)] ---

def fenwick_levels(n):  # 0 on the diagonal, else ⌊log2(t xor s)⌋ + 1 (a constant of the length, made once)
    return torch.tensor([[0 if t == s else (t ^ s).bit_length() for s in range(n)] for t in range(n)])


class LogLinear(nn.Module):
    def __init__(self, d=64, h=4, n=24):
        super().__init__()
        self.att, self.h = QKV(d, h), h
        self.levels = int(math.log2(n)) + 2
        self.a, self.lam = nn.Linear(d, h), nn.Linear(d, h * self.levels)

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = self.att.split(x)
        loga = -F.softplus(self.a(x)).transpose(1, 2)                     # [b, h, n]
        cs = torch.cumsum(loga, -1)
        decay = torch.exp((cs[..., :, None] - cs[..., None, :]).masked_fill(~causal(n), NEG))
        lam = F.softplus(self.lam(x)).view(b, n, self.h, self.levels).transpose(1, 2)  # [b, h, n, L]
        idx = fenwick_levels(n)[None, None].expand(b, self.h, n, n)
        hmat = torch.gather(lam, -1, idx)                                   # [b, h, n(t), n(s)]
        w = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) * decay * hmat
        return self.att.o(merge(w @ v))


# --- selective attention (Leviathan et al. 2024): head 0's ReLU scores, accumulated, subtracted from every head ---

class SelectiveAttention(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.att = QKV(d, h)

    def forward(self, x):
        n = x.shape[1]
        q, k, v = self.att.split(x)
        s = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).masked_fill(~causal(n), NEG)
        sel = F.relu(s[:, 0])                                                  # [b, n, n]
        keep = torch.ones(n, n)
        keep[0] = 0
        sel = sel * keep * (1 - torch.eye(n))                                 # no BOS masking, no self masking
        acc = F.pad(torch.cumsum(sel, -2)[:, :-1], (0, 0, 1, 0))              # Σ_{j < i} sel[j, :]
        w = (s - acc[:, None]).softmax(-1)
        return self.att.o(merge(w @ v))


# --- MoBA (Moonshot 2025): each query attends to its own block and its top-k earlier blocks by mean-key gate ---

class MoBA(nn.Module):
    def __init__(self, d=64, h=4, block=4, topk=2):
        super().__init__()
        self.att, self.block, self.topk = QKV(d, h), block, topk

    def forward(self, x):
        b, n, _ = x.shape
        nb = n // self.block
        q, k, v = self.att.split(x)
        kmean = k.view(b, k.shape[1], nb, self.block, -1).mean(3)           # [b, h, nb, hd]
        gate = q @ kmean.transpose(-1, -2)                                   # [b, h, n, nb]
        qb = (torch.arange(n) // self.block)[:, None]
        kb = torch.arange(nb)[None]
        gate = gate.masked_fill(kb > qb, float('-inf')).masked_fill(kb == qb, float('inf'))
        top = gate.topk(self.topk, -1).indices
        chosen = torch.zeros_like(gate).scatter(-1, top, 1.0) > 0           # [b, h, n, nb]
        chosen = chosen & (kb <= qb)
        mask = chosen.repeat_interleave(self.block, 3) & causal(n)
        w = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).masked_fill(~mask, NEG).softmax(-1)
        return self.att.o(merge(w @ v))


# --- symmetric power attention (Manifest AI 2024, p = 2): weights (q·k)², causal, normalised by their sums ---

class PowerAttention(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.att = QKV(d, h)
        self.g = nn.Linear(d, h)

    def forward(self, x):
        n = x.shape[1]
        q, k, v = self.att.split(x)
        gl = F.logsigmoid(self.g(x)).transpose(1, 2)                     # gated (decay) variant
        cs = torch.cumsum(gl, -1)
        w = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])) ** 2
        w = w * torch.exp((cs[..., :, None] - cs[..., None, :]).masked_fill(~causal(n), NEG))
        w = w / (w.sum(-1, keepdim=True) + 1e-6)
        return self.att.o(merge(w @ v))


MODELS = {
    'mamba3': lambda: (PreNormLM(lambda i: Mamba3()).eval(), ids(12), LM),
    'longhorn': lambda: (PreNormLM(lambda i: Longhorn()).eval(), ids(12), {**LM, 'opset': 15}),
    'comba': lambda: (PreNormLM(lambda i: Comba()).eval(), ids(12), {**LM, 'opset': 16}),
    'log_linear': lambda: (PreNormLM(lambda i: LogLinear()).eval(), ids(24), {**LM, 'opset': 17}),
    'selective_attn': lambda: (PreNormLM(lambda i: SelectiveAttention()).eval(), ids(24), {**LM, 'opset': 13}),
    'moba': lambda: (PreNormLM(lambda i: MoBA()).eval(), ids(24), {**LM, 'opset': 14}),
    'power_attn': lambda: (PreNormLM(lambda i: PowerAttention()).eval(), ids(24), {**LM, 'opset': 15}),
}
MODELS.update(__import__('sweep25_seq_ts').MODELS)  # TiRex, Sundial, ULCNet, LIF keyword spotter

if __name__ == '__main__':
    if sys.argv[1:2] == ['--reference']:
        from sweep12_vis_torchref import export_with_reference
        export_with_reference(MODELS, sys.argv[1:])
    else:
        export_all(MODELS, sys.argv, default_opset=None)
