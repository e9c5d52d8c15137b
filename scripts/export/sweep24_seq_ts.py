#!/usr/bin/env python3
"""Twenty-fourth sweep (sequence), recurrent and time-series part (exported by sweep24_seq.py): QRNN (masked-conv
gates, fo-pooling), SRU (element-wise recurrence with a highway), KAN (B-spline KANLinear layers as a forecaster),
xPatch (EMA decomposition in float64, patch CNN + linear streams), TQNet (periodic temporal queries by a cycle index)."""
import math
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep20_seq_lm import ids  # noqa: E402
from sweep21_seq_lm import BlockLM  # noqa: E402

LM = {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 13}
TS = {'names': ['x'], 'outputs': ['forecast'], 'opset': 17}


# --- QRNN (Bradbury et al. 2016): gates from a masked (causal) conv, fo-pooling ---

class QRNNLayer(nn.Module):
    def __init__(self, din, d, k=2):
        super().__init__()
        self.conv, self.k = nn.Conv1d(din, 3 * d, k), k

    def forward(self, x):  # [b, n, din]
        z, f, o = self.conv(F.pad(x.transpose(1, 2), (self.k - 1, 0))).transpose(1, 2).chunk(3, -1)
        z, f, o = torch.tanh(z), torch.sigmoid(f), torch.sigmoid(o)
        c = torch.zeros_like(z[:, 0])
        hs = []
        for t in range(x.shape[1]):
            c = f[:, t] * c + (1 - f[:, t]) * z[:, t]
            hs.append(o[:, t] * c)
        return torch.stack(hs, 1)


class QRNNLM(nn.Module):
    def __init__(self, vocab=300, d=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.l1, self.l2 = QRNNLayer(d, d), QRNNLayer(d, d)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids):
        h = self.l1(self.emb(ids))
        return self.head(self.l2(h) + h)


# --- SRU (Lei et al. 2018): one matmul for all steps, element-wise recurrence with vector weights, highway ---

class SRULayer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w = nn.Linear(d, 3 * d, bias=False)
        self.v = nn.Parameter(torch.randn(2, d) * 0.5)
        self.b = nn.Parameter(torch.zeros(2, d))

    def forward(self, x):
        xt, fp, rp = self.w(x).chunk(3, -1)
        c = torch.zeros_like(xt[:, 0])
        hs = []
        for t in range(x.shape[1]):
            f = torch.sigmoid(fp[:, t] + self.v[0] * c + self.b[0])
            r = torch.sigmoid(rp[:, t] + self.v[1] * c + self.b[1])
            c = f * c + (1 - f) * xt[:, t]
            hs.append(r * c + (1 - r) * x[:, t])
        return torch.stack(hs, 1)


# --- KAN (efficient-kan's KANLinear): SiLU base plus cubic B-splines on a grid (Cox-de Boor by comparisons) ---

class KANLinear(nn.Module):
    def __init__(self, din, dout, grid=5, order=3, lo=-1.0, hi=1.0):
        super().__init__()
        h = (hi - lo) / grid
        g = torch.arange(-order, grid + order + 1).float() * h + lo
        self.register_buffer('grid', g.expand(din, -1).contiguous())
        self.order = order
        self.base = nn.Parameter(torch.randn(dout, din) / math.sqrt(din))
        self.spline = nn.Parameter(torch.randn(dout, din, grid + order) * 0.1)
        self.scaler = nn.Parameter(torch.ones(dout, din))

    def b_splines(self, x):  # [b, din] -> [b, din, grid + order]
        g, x = self.grid, x[..., None]
        bases = ((x >= g[:, :-1]) & (x < g[:, 1:])).to(x.dtype)
        for k in range(1, self.order + 1):
            bases = ((x - g[:, :-(k + 1)]) / (g[:, k:-1] - g[:, :-(k + 1)]) * bases[..., :-1]
                     + (g[:, k + 1:] - x) / (g[:, k + 1:] - g[:, 1:(-k)]) * bases[..., 1:])
        return bases

    def forward(self, x):
        w = (self.spline * self.scaler[..., None]).view(self.spline.shape[0], -1)
        return F.linear(F.silu(x), self.base) + F.linear(self.b_splines(x).reshape(x.shape[0], -1), w)


class KANForecaster(nn.Module):  # channel-independent: RevIN, window 96 -> 32 -> 24 by two KAN layers
    def __init__(self, window=96, horizon=24):
        super().__init__()
        self.k1, self.k2 = KANLinear(window, 32), KANLinear(32, horizon)

    def forward(self, x):  # [b, window, c]
        mu, sd = x.mean(1, keepdim=True), torch.sqrt(x.var(1, keepdim=True, unbiased=False) + 1e-5)
        z = ((x - mu) / sd).transpose(1, 2)
        b, c, n = z.shape
        y = self.k2(torch.tanh(self.k1(z.reshape(b * c, n)))).view(b, c, -1).transpose(1, 2)
        return (y * sd + mu).contiguous()  # (a C-ordered reference for check-vs-torch)


# --- xPatch (Stitsyuk & Choi 2025): exponential moving average decomposition (float64 weights as the reference) ---

class EMA(nn.Module):
    def __init__(self, alpha=0.3):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):  # [b, t, c], xPatch's EMA: a weighted CumSum divided by the weights, in double
        t = x.shape[1]
        powers = torch.flip(torch.arange(t, dtype=torch.double), dims=(0,))
        weights = torch.pow(1 - self.alpha, powers)
        divisor = weights.clone()
        weights[1:] = weights[1:] * self.alpha
        return (torch.cumsum(x * weights.reshape(1, t, 1), 1) / divisor.reshape(1, t, 1)).to(torch.float32)


class XPatch(nn.Module):
    def __init__(self, window=96, horizon=24, patch=16, stride=8, d=32):
        super().__init__()
        self.patch, self.stride = patch, stride
        self.np = (window - patch) // stride + 2
        self.ema = EMA()
        self.embed = nn.Linear(patch, d * 2)
        self.dw = nn.Conv1d(self.np, self.np, patch, patch, groups=self.np)
        self.bn1, self.bn2 = nn.BatchNorm1d(self.np), nn.BatchNorm1d(self.np)
        self.pw = nn.Conv1d(self.np, self.np, 1)
        self.s_out = nn.Sequential(nn.Flatten(-2), nn.Linear(self.np * (d * 2 // patch) + self.np * 0, horizon))
        self.res = nn.Linear(d * 2, d * 2 // patch)
        self.t1, self.t2 = nn.Linear(window, horizon * 4), nn.Linear(horizon * 2, horizon)
        self.ln = nn.LayerNorm(horizon * 2)
        self.out = nn.Linear(horizon * 2, horizon)

    def forward(self, x):  # [b, window, c]
        mu, sd = x.mean(1, keepdim=True), torch.sqrt(x.var(1, keepdim=True, unbiased=False) + 1e-5)
        x = (x - mu) / sd
        trend = self.ema(x)
        s, t = (x - trend).transpose(1, 2), trend.transpose(1, 2)
        b, c, n = s.shape
        s, t = s.reshape(b * c, n), t.reshape(b * c, n)
        s = F.pad(s, (0, self.stride), mode='replicate')
        p = torch.stack([s[:, i * self.stride:i * self.stride + self.patch] for i in range(self.np)], 1)
        p = F.gelu(self.bn1(self.embed(p)))
        r = self.res(p)
        p = F.gelu(self.bn2(self.dw(p))) + r
        p = F.gelu(self.pw(p))
        s = self.s_out(p)
        t = self.t1(t)
        t = F.avg_pool1d(t[:, None], 2, 2)[:, 0]
        t = self.t2(self.ln(t))
        y = self.out(torch.cat([s, t], -1)).view(b, c, -1).transpose(1, 2)
        return (y * sd + mu).contiguous()  # (a C-ordered reference for check-vs-torch)


# --- TQNet (Lin et al. 2025): periodically shifted learnable queries picked by the window's phase in the cycle ---

class TQNet(nn.Module):
    def __init__(self, window=96, horizon=24, c=7, cycle=24, d=64):
        super().__init__()
        self.cycle = cycle
        self.tq = nn.Parameter(torch.randn(cycle, c) * 0.5)
        self.attn = nn.MultiheadAttention(window, 4, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(window, d), nn.GELU(), nn.Linear(d, horizon))

    def forward(self, x, cycle_index):  # x [b, window, c], cycle_index [b] int64: the phase of the window's first step
        mu, sd = x.mean(1, keepdim=True), torch.sqrt(x.var(1, keepdim=True, unbiased=False) + 1e-5)
        x = (x - mu) / sd
        idx = (cycle_index[:, None] + torch.arange(x.shape[1])) % self.cycle  # [b, window]
        q = self.tq[idx].transpose(1, 2)  # [b, c, window]
        xc = x.transpose(1, 2)
        a, _ = self.attn(q, xc, xc)
        y = self.mlp(xc + a).transpose(1, 2)
        return (y * sd + mu).contiguous()  # (a C-ordered reference for check-vs-torch)


def series(n=96, c=7):
    t = torch.arange(n).float()[None, :, None]
    return torch.sin(t / 6 + torch.arange(c)) + 0.3 * torch.randn(1, n, c)


MODELS = {
    'qrnn': lambda: (QRNNLM().eval(), ids(24), LM),
    'sru': lambda: (BlockLM(lambda: SRULayer(64)).eval(), ids(24), {**LM, 'opset': 15}),
    'kan_ts': lambda: (KANForecaster().eval(), series(), TS),
    'xpatch': lambda: (XPatch().eval(), series(), {**TS, 'opset': 16}),
    'tqnet': lambda: (TQNet().eval(), (series(), torch.tensor([5])),
                      {'names': ['x', 'cycle_index'], 'outputs': ['forecast'], 'opset': 14}),
}
