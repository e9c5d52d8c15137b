#!/usr/bin/env python3
"""Twenty-seventh sweep (sequence), time-series families (imported by sweep27s_lm.py, which exports them): FlowState
(an S5 encoder whose step Δ is scaled by a run-time sampling factor, its kernel built as a Toeplitz of Λ̄^k, and a
functional basis decoder: Legendre polynomials at continuous forecast times) and TimeKAN (cascaded frequency bands by
DFT up-sampling, Chebyshev-KAN layers cos(n·acos(tanh x))) — random weights, small widths."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- FlowState (Graf et al. 2025) ---

class S5(nn.Module):
    def __init__(self, h=32, p=16):
        super().__init__()
        self.re = nn.Parameter(torch.log(0.5 * torch.ones(p)))
        self.im = nn.Parameter(math.pi * torch.arange(p).float() / p)
        self.log_dt = nn.Parameter(torch.log(torch.rand(p) * 0.09 + 0.01))
        self.b_re, self.b_im = nn.Parameter(torch.randn(p, h) / math.sqrt(h)), nn.Parameter(torch.randn(p, h) / math.sqrt(h))
        self.c_re, self.c_im = nn.Parameter(torch.randn(h, p) / math.sqrt(p)), nn.Parameter(torch.randn(h, p) / math.sqrt(p))
        self.d, self.norm, self.glu = nn.Parameter(torch.randn(h)), nn.LayerNorm(h), nn.Linear(h, 2 * h)

    def forward(self, x, scale):  # [L, h], [1]
        L = x.shape[0]
        lr, li = -torch.exp(self.re), self.im                                  # Λ
        dt = torch.exp(self.log_dt) * scale                                    # Δ scaled at run time
        mag, ang = torch.exp(lr * dt), li * dt                                 # Λ̄ = exp(ΛΔ)
        ar, ai = mag * torch.cos(ang) - 1, mag * torch.sin(ang)               # (Λ̄ − 1) / Λ
        den = lr * lr + li * li
        gr, gi = (ar * lr + ai * li) / den, (ai * lr - ar * li) / den
        br, bi = gr[:, None] * self.b_re - gi[:, None] * self.b_im, gr[:, None] * self.b_im + gi[:, None] * self.b_re
        u = self.norm(x)
        bur, bui = (u @ br.t()).t(), (u @ bi.t()).t()                          # [p, L]
        t = torch.arange(L).float()
        lag = (t[:, None] - t[None]).clamp(min=0)                              # [L, L]
        keep = (t[:, None] >= t[None]).float()
        kr = torch.exp(lag[None] * (lr * dt)[:, None, None]) * keep            # [p, L, L]
        kc, ks = kr * torch.cos(lag[None] * ang[:, None, None]), kr * torch.sin(lag[None] * ang[:, None, None])
        xr = (kc @ bur[:, :, None] - ks @ bui[:, :, None])[..., 0]             # [p, L]
        xi = (kc @ bui[:, :, None] + ks @ bur[:, :, None])[..., 0]
        y = (self.c_re @ xr - self.c_im @ xi).t() + self.d * u                 # [L, h]
        g, v = self.glu(F.gelu(y)).chunk(2, -1)
        return x + g * torch.sigmoid(v)


class FlowState(nn.Module):
    def __init__(self, h=32, basis=8, quantiles=3, horizon=24):
        super().__init__()
        self.basis, self.q, self.horizon = basis, quantiles, horizon
        self.emb, self.layers = nn.Linear(1, h), nn.ModuleList(S5(h) for _ in range(2))
        self.coef = nn.Linear(h, quantiles * basis)

    def forward(self, context, scale):  # [1, L], [1]
        mean = context.mean(-1, keepdim=True)
        std = torch.sqrt(context.var(-1, keepdim=True, unbiased=False) + 1e-5)
        x = self.emb(((context - mean) / std)[0, :, None])                     # [L, h]
        for layer in self.layers:
            x = layer(x, scale)
        c = self.coef(x[-1]).reshape(self.q, self.basis)
        j = torch.arange(1, self.horizon + 1).float()
        tt = torch.clamp(-1 + 2 * j * scale / self.horizon, -1.0, 1.0)         # forecast times on [−1, 1]
        polys = [torch.ones_like(tt), tt]
        for n in range(1, self.basis - 1):                                     # (n+1) P_{n+1} = (2n+1) t P_n − n P_{n−1}
            polys.append(((2 * n + 1) * tt * polys[-1] - n * polys[-2]) / (n + 1))
        return (c @ torch.stack(polys))[None] * std[..., None] + mean[..., None]


# --- TimeKAN (Huang et al. 2025) ---

def dft_up(n_in, n_out):  # irfft(zero-padded rfft(x)) · n_out / n_in as two real DFT matrices
    k = torch.arange(n_in // 2 + 1).float()
    t_in, t_out = torch.arange(n_in).float(), torch.arange(n_out).float()
    cos_f, sin_f = torch.cos(2 * math.pi * k[:, None] * t_in[None] / n_in), -torch.sin(2 * math.pi * k[:, None] * t_in[None] / n_in)
    w = torch.full((n_in // 2 + 1,), 2.0)
    w[0] = 1.0
    w[-1] = 1.0 if n_in % 2 == 0 else 2.0
    cos_i, sin_i = torch.cos(2 * math.pi * k[:, None] * t_out[None] / n_out), -torch.sin(2 * math.pi * k[:, None] * t_out[None] / n_out)
    return cos_f, sin_f, (w[:, None] * cos_i) / n_in, (w[:, None] * sin_i) / n_in


class Up(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        for name, t in zip(('cf', 'sf', 'ci', 'si'), dft_up(n_in, n_out)):
            self.register_buffer(name, t)

    def forward(self, x):  # [b, n_in, d] -> [b, n_out, d]
        re, im = self.cf @ x, self.sf @ x                                      # rfft along time
        return self.ci.t() @ re + self.si.t() @ im                             # irfft at the longer length


class ChebyKAN(nn.Module):
    def __init__(self, i, o, degree=4):
        super().__init__()
        self.i, self.degree = i, degree
        self.coeffs = nn.Parameter(torch.randn(i, o, degree + 1) / (i * (degree + 1)))
        self.register_buffer('arange', torch.arange(0, degree + 1, 1).float())

    def forward(self, x):  # [..., i]
        shape = x.shape
        x = torch.tanh(x).reshape(-1, self.i, 1).expand(-1, -1, self.degree + 1)
        x = (x.acos() * self.arange).cos()
        return torch.einsum('bid,iod->bo', x, self.coeffs).reshape(*shape[:-1], -1)


class MKAN(nn.Module):
    def __init__(self, d, degree):
        super().__init__()
        self.conv, self.kan = nn.Conv1d(d, d, 3, padding=1, groups=d), ChebyKAN(d, d, degree)

    def forward(self, x):  # [b, n, d]
        return x + self.kan(x) + self.conv(x.transpose(1, 2)).transpose(1, 2)


class TimeKAN(nn.Module):
    def __init__(self, seq=96, horizon=24, d=16, levels=3):
        super().__init__()
        self.lens = [seq // 2 ** i for i in range(levels)]
        self.emb = nn.Linear(1, d)
        self.up = nn.ModuleList(Up(self.lens[i + 1], self.lens[i]) for i in range(levels - 1))
        self.mix = nn.ModuleList(MKAN(d, 2 + i) for i in range(levels))
        self.proj, self.head = nn.Linear(d, 1), nn.Linear(seq, horizon)

    def forward(self, x):  # [b, L, c]
        b, L, c = x.shape
        mean, std = x.mean(1, keepdim=True), torch.sqrt(x.var(1, keepdim=True, unbiased=False) + 1e-5)
        z = ((x - mean) / std).permute(0, 2, 1).reshape(b * c, L, 1)
        lv = [z]
        for _ in range(len(self.lens) - 1):
            lv.append(F.avg_pool1d(lv[-1].transpose(1, 2), 2).transpose(1, 2))
        lv = [self.emb(t) for t in lv]
        bands = [lv[i] - self.up[i](lv[i + 1]) for i in range(len(lv) - 1)] + [lv[-1]]
        y = self.mix[-1](bands[-1])
        for i in range(len(lv) - 2, -1, -1):                                   # coarse to fine
            y = self.mix[i](bands[i] + self.up[i](y))
        y = self.head(self.proj(y)[..., 0]).reshape(b, c, -1).permute(0, 2, 1)
        return y * std + mean


# --- Pathformer (Chen et al. 2024): an adaptive multi-scale block, a router choosing 2 of 4 patch sizes per series
# (top-k softmax gates scattered into zeros), each patch-size expert intra-patch attention + inter-patch attention ---

class SmallAttn(nn.Module):
    def __init__(self, d, h=2):
        super().__init__()
        self.h, self.qkv, self.o, self.n = h, nn.Linear(d, 3 * d), nn.Linear(d, d), nn.LayerNorm(d)

    def forward(self, x):  # [b, n, d]
        b, n, d = x.shape
        q, k, v = self.qkv(self.n(x)).reshape(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-1, -2) / math.sqrt(d // self.h)).softmax(-1) @ v
        return x + self.o(a.transpose(1, 2).reshape(b, n, d))


class PatchExpert(nn.Module):
    def __init__(self, d, p):
        super().__init__()
        self.p, self.intra, self.inter, self.ff = p, SmallAttn(d), SmallAttn(d), nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):  # [b, L, d]
        b, L, d = x.shape
        y = self.intra(x.reshape(b * L // self.p, self.p, d)).reshape(b, L // self.p, self.p, d)
        z = self.inter(y.mean(2))                                              # one token per patch
        y = (y + z[:, :, None]).reshape(b, L, d)
        return y + self.ff(y)


class Pathformer(nn.Module):
    def __init__(self, seq=48, horizon=12, d=16, sizes=(2, 4, 8, 12), k=2):
        super().__init__()
        self.k, self.m = k, len(sizes)
        self.emb, self.router = nn.Linear(1, d), nn.Sequential(nn.Linear(seq, 32), nn.ReLU(), nn.Linear(32, len(sizes)))
        self.experts = nn.ModuleList(PatchExpert(d, p) for p in sizes)
        self.head = nn.Linear(seq * d, horizon)

    def forward(self, x):  # [b, L, c]
        b, L, c = x.shape
        mean, std = x.mean(1, keepdim=True), torch.sqrt(x.var(1, keepdim=True, unbiased=False) + 1e-5)
        z = ((x - mean) / std).permute(0, 2, 1).reshape(b * c, L)
        trend = F.avg_pool1d(F.pad(z[:, None], (2, 2), mode='replicate'), 5, 1)[:, 0]
        logits = self.router(z - trend)                                        # [bc, m]
        top = logits.topk(self.k, -1)
        gates = torch.zeros_like(logits).scatter(-1, top.indices, top.values.softmax(-1))
        h = self.emb(z[..., None])                                             # [bc, L, d]
        y = sum(gates[:, i, None, None] * e(h) for i, e in enumerate(self.experts))
        out = self.head(y.reshape(b * c, -1)).reshape(b, c, -1).permute(0, 2, 1)
        return out * std + mean, gates


MODELS = {
    'pathformer': lambda: (Pathformer().eval(), torch.randn(1, 48, 3).cumsum(1), {'names': ['series'], 'outputs': ['forecast', 'gates'], 'opset': 14}),
    'flowstate': lambda: (FlowState().eval(), (torch.randn(1, 64).cumsum(-1), torch.tensor([1.5])),
                          {'names': ['context', 'scale'], 'outputs': ['quantiles'], 'opset': 14}),
    'timekan': lambda: (TimeKAN().eval(), torch.randn(1, 96, 3).cumsum(1), {'names': ['series'], 'outputs': ['forecast'], 'opset': 14}),
}
