"""Twenty-second sweep (docs/model-sweep.md): mobile ViT hybrids as their public code writes them — CAS-ViT
(Tianfang-Zhang/CAS-ViT: convolutional additive token mixer: q, k through spatial (sigmoid of a 1-channel map) and channel (sigmoid of a pooled 1x1) operations, summed, dwconv, times v), RMT (qhfan/RMT: Manhattan
self-attention decomposed along W then H with per-head decay biases |i − j|·log γ_h, 2-D rotary "theta shift" on q / k,
a 5x5 depthwise local context enhancement on v) and Next-ViT (bytedance/Next-ViT: NCB's multi-head convolutional
attention (grouped 3x3 per head), NTB's E-MHSA with average-pooled k / v, concatenated with an MHCA branch). Plain
torch.nn, small widths, random weights. Imported by sweep22_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep20_vis_bb import cbr

g = torch.Generator().manual_seed(26)


# --- CAS-ViT ---
class CATM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.qkv = nn.Conv2d(c, 3 * c, 1, bias=False)
        def ops():
            sp = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c), nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, 1, 1, bias=False), nn.Sigmoid())
            ch = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c, 1), nn.Sigmoid())
            return nn.ModuleList([sp, ch])
        self.oq, self.ok = ops(), ops()
        self.dwc, self.proj = nn.Conv2d(c, c, 3, 1, 1, groups=c), nn.Conv2d(c, c, 3, 1, 1, groups=c)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, 1)
        q = q * self.oq[0](q)
        q = q * self.oq[1](q)
        k = k * self.ok[0](k)
        k = k * self.ok[1](k)
        return self.proj(self.dwc(q + k) * v)


class CASBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.local = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c), nn.BatchNorm2d(c), nn.ReLU())
        self.norm1, self.norm2 = nn.BatchNorm2d(c), nn.BatchNorm2d(c)
        self.attn = CATM(c)
        self.mlp = nn.Sequential(nn.Conv2d(c, 4 * c, 1), nn.GELU(), nn.Conv2d(4 * c, c, 1))
        self.ls = nn.Parameter(torch.full((1, c, 1, 1), 0.5))

    def forward(self, x):
        x = x + self.local(x)
        x = x + self.ls * self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class CASViT(nn.Module):
    def __init__(self, cs=(32, 64, 128, 192), depth=(1, 1, 2, 1), nc=1000):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, cs[0] // 2, 3, 2), cbr(cs[0] // 2, cs[0], 3, 2))
        layers, cin = [], cs[0]
        for i, (c, d) in enumerate(zip(cs, depth)):
            if i:
                layers.append(cbr(cin, c, 3, 2, act=nn.Identity))
            layers += [CASBlock(c) for _ in range(d)]
            cin = c
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(cs[-1], nc)

    def forward(self, x):
        return self.head(self.body(self.stem(x)).mean((2, 3)))


# --- RMT ---
def theta_shift(x, sin, cos):
    x1, x2 = x[..., ::2], x[..., 1::2]
    return x * cos + torch.stack([-x2, x1], -1).flatten(-2) * sin


class MaSA(nn.Module):
    """RMT's decomposed Manhattan self-attention over [B, H, W, C]."""

    def __init__(self, c, heads, h, w):
        super().__init__()
        self.h, self.d = heads, c // heads
        self.q, self.k, self.v = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)
        self.lepe = nn.Conv2d(c, c, 5, 1, 2, groups=c)
        self.o = nn.Linear(c, c)
        gamma = 1 - 2 ** (-5 - torch.arange(heads).float())
        def decay(n):
            i = torch.arange(n).float()
            return (i[:, None] - i[None]).abs()[None] * torch.log(gamma)[:, None, None]
        self.register_buffer('mask_h', decay(h))
        self.register_buffer('mask_w', decay(w))
        ang = 1.0 / (10000 ** torch.linspace(0, 1, self.d // 2)).repeat_interleave(2)
        pos = torch.arange(h * w).float().view(h, w, 1) * ang
        self.register_buffer('sin', pos.sin()[None, None])
        self.register_buffer('cos', pos.cos()[None, None])

    def forward(self, x):
        b, hh, ww, c = x.shape
        v = self.v(x)
        lepe = self.lepe(v.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        sp = lambda t: t.view(b, hh, ww, self.h, self.d).permute(0, 3, 1, 2, 4)
        q = theta_shift(sp(self.q(x)), self.sin, self.cos) * self.d ** -0.5
        k = theta_shift(sp(self.k(x)), self.sin, self.cos)
        vv = sp(v)
        a = (q @ k.transpose(-1, -2) + self.mask_w[:, None]).softmax(-1)
        vv = a @ vv
        qt, kt, vt = q.transpose(2, 3), k.transpose(2, 3), vv.transpose(2, 3)
        a = (qt @ kt.transpose(-1, -2) + self.mask_h[:, None]).softmax(-1)
        out = (a @ vt).permute(0, 3, 2, 1, 4).reshape(b, hh, ww, c)
        return self.o(out + lepe)


class RMTBlock(nn.Module):
    def __init__(self, c, heads, h, w):
        super().__init__()
        self.cpe = nn.Conv2d(c, c, 3, 1, 1, groups=c)
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.attn = MaSA(c, heads, h, w)
        self.ffn = nn.Sequential(nn.Linear(c, 3 * c), nn.GELU(), nn.Linear(3 * c, c))

    def forward(self, x):
        x = x + self.cpe(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        x = x + self.attn(self.n1(x))
        return x + self.ffn(self.n2(x))


class RMT(nn.Module):
    def __init__(self, cs=(32, 64, 128), heads=(2, 4, 4), size=224, nc=1000):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, cs[0] // 2, 3, 2, act=nn.GELU), cbr(cs[0] // 2, cs[0], 3, 2, act=nn.GELU))
        self.stages, self.downs = nn.ModuleList(), nn.ModuleList()
        r = size // 4
        for i, (c, h) in enumerate(zip(cs, heads)):
            if i:
                self.downs.append(nn.Sequential(nn.Conv2d(cs[i - 1], c, 3, 2, 1), nn.BatchNorm2d(c)))
                r //= 2
            self.stages.append(RMTBlock(c, h, r, r))
        self.head = nn.Linear(cs[-1], nc)

    def forward(self, x):
        x = self.stem(x)
        for i, s in enumerate(self.stages):
            if i:
                x = self.downs[i - 1](x)
            x = s(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.head(x.mean((2, 3)))


# --- Next-ViT ---
class MHCA(nn.Module):
    def __init__(self, c, hd=16):
        super().__init__()
        self.g = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c // hd, bias=False), nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c, 1, bias=False))

    def forward(self, x):
        return self.g(x)


class NCB(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.mhca = MHCA(c)
        self.norm = nn.BatchNorm2d(c)
        self.mlp = nn.Sequential(nn.Conv2d(c, 3 * c, 1), nn.ReLU(), nn.Conv2d(3 * c, c, 1))

    def forward(self, x):
        x = x + self.mhca(x)
        return x + self.mlp(self.norm(x))


class EMHSA(nn.Module):
    def __init__(self, c, heads=2, sr=2):
        super().__init__()
        self.h = heads
        self.q, self.kv = nn.Linear(c, c), nn.Linear(c, 2 * c)
        self.pool = nn.AvgPool1d(sr * sr, sr * sr)
        self.norm = nn.BatchNorm1d(c)
        self.o = nn.Linear(c, c)

    def forward(self, x):
        b, n, c = x.shape
        q = self.q(x).view(b, n, self.h, -1).transpose(1, 2)
        r = self.norm(self.pool(x.transpose(1, 2))).transpose(1, 2)
        k, v = [t.reshape(b, -1, self.h, c // self.h).transpose(1, 2) for t in self.kv(r).chunk(2, -1)]
        a = (q @ k.transpose(-1, -2) * (c // self.h) ** -0.5).softmax(-1)
        return self.o((a @ v).transpose(1, 2).reshape(b, n, c))


class NTB(nn.Module):
    def __init__(self, cin, cout, ratio=0.75):
        super().__init__()
        self.c1 = int(cout * ratio) // 16 * 16
        self.proj = nn.Conv2d(cin, self.c1, 1)
        self.n1 = nn.BatchNorm2d(self.c1)
        self.attn = EMHSA(self.c1)
        self.proj2 = nn.Conv2d(self.c1, cout - self.c1, 1)
        self.mhca = MHCA(cout - self.c1)
        self.n2 = nn.BatchNorm2d(cout)
        self.mlp = nn.Sequential(nn.Conv2d(cout, 2 * cout, 1), nn.ReLU(), nn.Conv2d(2 * cout, cout, 1))

    def forward(self, x):
        x = self.proj(x)
        b, c, h, w = x.shape
        t = self.n1(x).flatten(2).transpose(1, 2)
        x = x + self.attn(t).transpose(1, 2).reshape(b, c, h, w)
        y = self.proj2(x)
        y = y + self.mhca(y)
        x = torch.cat([x, y], 1)
        return x + self.mlp(self.n2(x))


class NextViT(nn.Module):
    def __init__(self, nc=1000):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 32), cbr(32, 64, 3, 2))
        self.body = nn.Sequential(NCB(64), cbr(64, 96, 3, 2, act=nn.Identity), NCB(96), NTB(96, 128), cbr(128, 192, 3, 2, act=nn.Identity),
                                  NCB(192), NTB(192, 256))
        self.norm = nn.BatchNorm2d(256)
        self.head = nn.Linear(256, nc)

    def forward(self, x):
        return self.head(self.norm(self.body(self.stem(x))).mean((2, 3)))
