"""Twenty-third sweep (docs/model-sweep.md): efficient backbones and a flow-matching sampler as their public code writes
them — Vision-RWKV (OpenGVLab/Vision-RWKV: Q-shift of four channel quarters by one pixel in four directions, the
bidirectional WKV — out_t = Σ_i softmax_i(−(|t−i|−1)/T·w_c, u_c on the diagonal, + k_i) v_i, written as its attention
form over the 196 tokens — σ(r) gate, channel mix with squared ReLU), Agent Attention (LeapLabTHU/Agent-Attention,
agent-PVT: 49 agent tokens pooled from q, agent aggregation softmax(A·Kᵀ + bias)·V then broadcast softmax(Q·Aᵀ +
bias)·(that), plus a depthwise conv of v), LSNet (THU-MIG/lsnet: "see large, focus small" — large-kernel perception,
1x1 / depthwise 7x7 / 1x1 to per-pixel 3x3 kernels of G groups, and small-kernel aggregation of the unfolded 3x3
neighbourhood by those kernels; SE, BN FFN, MHSA at the last stage) and a rectified-flow sampler (SD3-style: 4 Euler
steps x += (σ_next − σ)·v(x, σ) unrolled with the shifted schedule σ' = s·σ / (1 + (s − 1)·σ), classifier-free guidance
on a doubled batch, a small UNet with sinusoidal time and class embeddings, AdaGN scale / shift, a mid self-attention).
Plain torch.nn, small widths, random weights. Imported by sweep23_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(235)


def cbn(i, o, k=3, s=1, groups=1, act=True):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(o), *( [nn.GELU()] if act else []))


class BiWKV(nn.Module):
    def __init__(self, c, tokens):
        super().__init__()
        self.mu = nn.Parameter(torch.rand(3, c, generator=g))
        self.k, self.v, self.r, self.o = nn.Linear(c, c, bias=False), nn.Linear(c, c, bias=False), nn.Linear(c, c, bias=False), nn.Linear(c, c, bias=False)
        self.w = nn.Parameter(torch.rand(c, generator=g) * 2)
        self.u = nn.Parameter(torch.randn(c, generator=g) * 0.5)
        self.ln = nn.LayerNorm(c)
        t = torch.arange(tokens, dtype=torch.float32)
        self.dist = (t[:, None] - t[None]).abs()
        self.T = tokens

    def forward(self, x, shifted):
        xk, xv, xr = [x * m + shifted * (1 - m) for m in self.mu]
        k, v, r = self.k(xk), self.v(xv), torch.sigmoid(self.r(xr))
        bias = -(self.dist - 1) / self.T * self.w[:, None, None]  # [c, T, T]
        bias = torch.where(self.dist == 0, self.u[:, None, None].expand_as(bias), bias)
        att = (bias[None] + k.transpose(1, 2)[:, :, None, :]).softmax(-1)  # [b, c, T, T]
        wkv = (att * v.transpose(1, 2)[:, :, None, :]).sum(-1).transpose(1, 2)
        return self.o(self.ln(wkv) * r)


def qshift(x, h, w):
    b, n, c = x.shape
    m = x.transpose(1, 2).reshape(b, c, h, w)
    q = c // 4
    parts = [F.pad(m[:, :q, :, :-1], (1, 0, 0, 0)), F.pad(m[:, q:2 * q, :, 1:], (0, 1, 0, 0)),
             F.pad(m[:, 2 * q:3 * q, :-1, :], (0, 0, 1, 0)), F.pad(m[:, 3 * q:, 1:, :], (0, 0, 0, 1))]
    return torch.cat(parts, 1).flatten(2).transpose(1, 2)


class VRWKVBlock(nn.Module):
    def __init__(self, c, h, w):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.att, self.hw = BiWKV(c, h * w), (h, w)
        self.mu = nn.Parameter(torch.rand(2, c, generator=g))
        self.ck, self.cr, self.cv = nn.Linear(c, 4 * c, bias=False), nn.Linear(c, c, bias=False), nn.Linear(4 * c, c, bias=False)

    def forward(self, x):
        y = self.n1(x)
        x = x + self.att(y, qshift(y, *self.hw))
        y = self.n2(x)
        s = qshift(y, *self.hw)
        xk, xr = y * self.mu[0] + s * (1 - self.mu[0]), y * self.mu[1] + s * (1 - self.mu[1])
        return x + torch.sigmoid(self.cr(xr)) * self.cv(F.relu(self.ck(xk)) ** 2)


class VisionRWKV(nn.Module):
    def __init__(self, c=64, depth=4, img=224, patch=16, classes=100):
        super().__init__()
        n = img // patch
        self.embed = nn.Conv2d(3, c, patch, patch)
        self.pos = nn.Parameter(0.02 * torch.randn(1, n * n, c, generator=g))
        self.blocks = nn.Sequential(*[VRWKVBlock(c, n, n) for _ in range(depth)])
        self.norm, self.head = nn.LayerNorm(c), nn.Linear(c, classes)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2) + self.pos
        return self.head(self.norm(self.blocks(x)).mean(1))


class AgentAttention(nn.Module):
    def __init__(self, c, hw, heads=2, agents=49):
        super().__init__()
        n = hw[0] * hw[1]
        self.q, self.kv, self.proj = nn.Linear(c, c), nn.Linear(c, 2 * c), nn.Linear(c, c)
        self.dwc = nn.Conv2d(c, c, 3, 1, 1, groups=c)
        self.agent_bias = nn.Parameter(0.02 * torch.randn(heads, agents, n, generator=g))
        self.q_bias = nn.Parameter(0.02 * torch.randn(heads, n, agents, generator=g))
        self.h, self.hw, self.a = heads, hw, int(math.sqrt(agents))

    def forward(self, x):
        b, n, c = x.shape
        hd = c // self.h
        q = self.q(x)
        k, v = self.kv(x).chunk(2, -1)
        agent = F.adaptive_avg_pool2d(q.transpose(1, 2).reshape(b, c, *self.hw), self.a).flatten(2).transpose(1, 2)
        heads = lambda t: t.reshape(b, -1, self.h, hd).transpose(1, 2)  # noqa: E731
        q, k, vh, agent = heads(q), heads(k), heads(v), heads(agent)
        s = hd ** -0.5
        agent_v = ((agent * s) @ k.transpose(-1, -2) + self.agent_bias).softmax(-1) @ vh
        out = ((q * s) @ agent.transpose(-1, -2) + self.q_bias).softmax(-1) @ agent_v
        out = out.transpose(1, 2).reshape(b, n, c)
        out = out + self.dwc(v.transpose(1, 2).reshape(b, c, *self.hw)).flatten(2).transpose(1, 2)
        return self.proj(out)


class AgentPVT(nn.Module):
    def __init__(self, dims=(32, 64, 96), img=224, classes=100):
        super().__init__()
        self.stages = nn.ModuleList()
        c0, r = 3, img
        for i, c in enumerate(dims):
            s = 4 if i == 0 else 2
            r //= s
            self.stages.append(nn.ModuleDict(dict(embed=nn.Conv2d(c0, c, s, s), n0=nn.LayerNorm(c), n1=nn.LayerNorm(c), n2=nn.LayerNorm(c),
                                                  att=AgentAttention(c, (r, r)), mlp=nn.Sequential(nn.Linear(c, 2 * c), nn.GELU(), nn.Linear(2 * c, c)))))
            c0 = c
        self.head = nn.Linear(dims[-1], classes)

    def forward(self, x):
        for st in self.stages:
            x = st['embed'](x)
            b, c, h, w = x.shape
            t = st['n0'](x.flatten(2).transpose(1, 2))
            t = t + st['att'](st['n1'](t))
            t = t + st['mlp'](st['n2'](t))
            x = t.transpose(1, 2).reshape(b, c, h, w)
        return self.head(x.mean((2, 3)))


class LSConv(nn.Module):
    def __init__(self, c, groups=8):
        super().__init__()
        self.lkp = nn.Sequential(cbn(c, c // 2, 1), cbn(c // 2, c // 2, 7, groups=c // 2), nn.Conv2d(c // 2, groups * 9, 1))
        self.bn = nn.BatchNorm2d(c)
        self.g = groups

    def forward(self, x):
        b, c, h, w = x.shape
        wts = self.lkp(x).reshape(b, self.g, 1, 9, h, w)
        cols = F.unfold(x, 3, padding=1).reshape(b, self.g, c // self.g, 9, h, w)
        return self.bn((cols * wts).sum(3).reshape(b, c, h, w))


class LSNet(nn.Module):
    def __init__(self, dims=(32, 64, 96, 128), classes=100):
        super().__init__()
        self.stem = nn.Sequential(cbn(3, 16, 3, 2), cbn(16, dims[0], 3, 2), cbn(dims[0], dims[0], 3, 2))
        layers = []
        for i, c in enumerate(dims):
            if i:
                layers += [cbn(dims[i - 1], dims[i - 1], 3, 2, groups=dims[i - 1], act=False), cbn(dims[i - 1], c, 1)]
            for _ in range(2):
                layers.append(_LSBlock(c, attn=(i == len(dims) - 1)))
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(dims[-1], classes)

    def forward(self, x):
        return self.head(self.body(self.stem(x)).mean((2, 3)))


class _LSBlock(nn.Module):
    def __init__(self, c, attn=False):
        super().__init__()
        self.dw = cbn(c, c, 3, groups=c, act=False)
        self.mix = nn.MultiheadAttention(c, 4, batch_first=True) if attn else LSConv(c)
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // 4, 1), nn.ReLU(), nn.Conv2d(c // 4, c, 1), nn.Sigmoid())
        self.ffn = nn.Sequential(cbn(c, 2 * c, 1), cbn(2 * c, c, 1, act=False))
        self.attn = attn

    def forward(self, x):
        x = x + self.dw(x)
        if self.attn:
            b, c, h, w = x.shape
            t = x.flatten(2).transpose(1, 2)
            x = x + self.mix(t, t, t, need_weights=False)[0].transpose(1, 2).reshape(b, c, h, w)
        else:
            x = x + self.mix(x)
        x = x * self.se(x)
        return x + self.ffn(x)


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    a = t[:, None] * 1000 * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], -1)


class ResBlock(nn.Module):
    def __init__(self, i, o, e):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(8, i), nn.Conv2d(i, o, 3, 1, 1)
        self.emb = nn.Linear(e, 2 * o)
        self.n2, self.c2 = nn.GroupNorm(8, o), nn.Conv2d(o, o, 3, 1, 1)
        self.skip = nn.Conv2d(i, o, 1) if i != o else nn.Identity()

    def forward(self, x, emb):
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.emb(F.silu(emb))[..., None, None].chunk(2, 1)
        h = self.c2(F.silu(self.n2(h) * (1 + scale) + shift))
        return self.skip(x) + h


class FlowUNet(nn.Module):
    def __init__(self, c=32, e=64, classes=10):
        super().__init__()
        self.t = nn.Sequential(nn.Linear(c, e), nn.SiLU(), nn.Linear(e, e))
        self.y = nn.Embedding(classes + 1, e)
        self.inp = nn.Conv2d(4, c, 3, 1, 1)
        self.d1, self.d2 = ResBlock(c, c, e), ResBlock(c, 2 * c, e)
        self.down = nn.Conv2d(c, c, 3, 2, 1)
        self.mid_norm, self.mid = nn.GroupNorm(8, 2 * c), nn.MultiheadAttention(2 * c, 4, batch_first=True)
        self.u2, self.u1 = ResBlock(4 * c, c, e), ResBlock(2 * c, c, e)
        self.out = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, 4, 3, 1, 1))
        self.c = c

    def forward(self, x, sigma, y):
        emb = self.t(timestep_embedding(sigma, self.c)) + self.y(y)
        h1 = self.d1(self.inp(x), emb)
        h2 = self.d2(self.down(h1), emb)
        b, ch, hh, ww = h2.shape
        t = self.mid_norm(h2).flatten(2).transpose(1, 2)
        h = h2 + self.mid(t, t, t, need_weights=False)[0].transpose(1, 2).reshape(b, ch, hh, ww)
        h = self.u2(torch.cat([h, h2], 1), emb)
        h = F.interpolate(h, scale_factor=2.0, mode='nearest')
        return self.out(self.u1(torch.cat([h, h1], 1), emb))


class FlowMatchSampler(nn.Module):
    def __init__(self, steps=4, shift=3.0, guidance=4.0, classes=10):
        super().__init__()
        self.net, self.null, self.w = FlowUNet(classes=classes), classes, guidance
        t = torch.linspace(1, 0, steps + 1)
        self.sigmas = (shift * t / (1 + (shift - 1) * t)).tolist()

    def forward(self, noise, label):
        x = noise
        y = torch.cat([label, torch.full_like(label, self.null)])
        for s, s_next in zip(self.sigmas[:-1], self.sigmas[1:]):
            v = self.net(torch.cat([x, x]), torch.full((2,), s), y)
            vc, vu = v.chunk(2)
            x = x + (s_next - s) * (vu + self.w * (vc - vu))
        return x
