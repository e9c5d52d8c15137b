"""Twenty-seventh sweep's vision models (docs/model-sweep.md "Twenty-seventh sweep"): token merging / pruning ViTs,
relative-position self-attention, dynamic depthwise kernels, a 3-D Earth transformer, spatiotemporal LSTMs and a
multi-scale residual VQ tokenizer, written in plain torch.nn with the math of their projects' code (small widths,
random weights). Exported by sweep27_vis.py."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """Pre-norm ViT block; `size` (ToMe's proportional attention) adds log(token size) to the keys' logits."""

    def __init__(self, d, heads=4):
        super().__init__()
        self.h, self.n1, self.n2 = heads, nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def attn(self, x, size=None, bias=None):
        b, n, d = x.shape
        q, k, v = self.qkv(self.n1(x)).reshape(b, n, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        a = q @ k.transpose(-2, -1) * (d // self.h) ** -0.5
        if size is not None:
            a = a + size.log()[:, None, None, :, 0]
        if bias is not None:
            a = a + bias
        a = a.softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, d)), k.mean(1)

    def forward(self, x, size=None, bias=None):
        y, k = self.attn(x, size, bias)
        x = x + y
        return x + self.mlp(self.n2(x)), k


class PatchEmbed(nn.Module):
    def __init__(self, d=64, p=8, n=64):
        super().__init__()
        self.conv, self.cls = nn.Conv2d(3, d, p, p), nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, n + 1, d) * 0.02)

    def forward(self, x):
        x = self.conv(x).flatten(2).transpose(1, 2)
        return torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos


class ToMeViT(nn.Module):
    """ToMe (Bolya et al., 2023): after each block's attention, bipartite soft matching on the keys' mean over heads —
    alternate tokens A / B, cosine scores, each A token's best B (max / argmax), the r best-scoring A tokens (argsort)
    merged into their B by a size-weighted average (scatter_add of x·size and of size), class token protected;
    proportional attention adds log(size) to the logits."""

    def __init__(self, d=64, depth=4, r=8):
        super().__init__()
        self.embed, self.r = PatchEmbed(d), r
        self.blocks = nn.ModuleList([Block(d) for _ in range(depth)])
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, 10)

    def merge(self, x, size, k):
        a, b = k[:, ::2], k[:, 1::2]
        a, b = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
        scores = a @ b.transpose(-1, -2)
        scores[:, 0, :] = -math.inf
        node_max, node_idx = scores.max(-1)
        edge_idx = node_max.argsort(-1, descending=True)[..., None]
        unm_idx, src_idx = edge_idx[:, self.r:], edge_idx[:, :self.r]
        dst_idx = node_idx[..., None].gather(1, src_idx)

        def m(t):
            src, dst = t[:, ::2], t[:, 1::2]
            c = t.shape[-1]
            unm = src.gather(1, unm_idx.expand(-1, -1, c))
            s = src.gather(1, src_idx.expand(-1, -1, c))
            dst = dst.scatter_add(1, dst_idx.expand(-1, -1, c), s)
            return torch.cat([unm, dst], 1)
        xs = m(x * size)
        size = m(size)
        return xs / size, size

    def forward(self, img):
        x = self.embed(img)
        size = torch.ones_like(x[..., :1])
        for blk in self.blocks:
            x, k = blk(x, size)
            x, size = self.merge(x, size, k)
        return self.head(self.norm(x[:, 0])), size[..., 0]


class DynamicViT(nn.Module):
    """DynamicViT (Rao et al., 2021) at inference: before blocks 2, 4 and 6 a predictor MLP (local features ‖ the
    keep-weighted global mean) scores each kept token, the top ρ·N by keep probability are kept (argsort, gather of
    tokens and of the running policy); class token always kept."""

    def __init__(self, d=64, depth=6, ratio=0.75):
        super().__init__()
        self.embed, self.ratio = PatchEmbed(d), ratio
        self.blocks = nn.ModuleList([Block(d) for _ in range(depth)])
        self.pred = nn.ModuleList([nn.ModuleDict({'inp': nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU()),
                                                  'out': nn.Sequential(nn.Linear(d, d // 2), nn.GELU(), nn.Linear(d // 2, 2))})
                                   for _ in range(3)])
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, 10)

    def score(self, p, x):
        h = p['inp'](x)
        loc, glob = h[..., : h.shape[-1] // 2], h[..., h.shape[-1] // 2:].mean(1, keepdim=True)
        return p['out'](torch.cat([loc, glob.expand_as(loc)], -1)).log_softmax(-1)[..., 0]

    def forward(self, img):
        x = self.embed(img)
        s = 0
        for i, blk in enumerate(self.blocks):
            if i in (1, 3, 5):
                cls, tok = x[:, :1], x[:, 1:]
                keep = int(tok.shape[1] * self.ratio)
                idx = self.score(self.pred[s], tok).argsort(1, descending=True)[:, :keep]
                tok = tok.gather(1, idx[..., None].expand(-1, -1, tok.shape[-1]))
                x, s = torch.cat([cls, tok], 1), s + 1
            x, _ = blk(x)
        return self.head(self.norm(x).mean(1))


def rel_to_abs(x):
    """[B, H, L, 2L-1] relative logits -> [B, H, L, L] (BoTNet / HaloNet's pad-and-reshape)."""
    b, h, l, _ = x.shape
    x = torch.cat([x, torch.zeros(b, h, l, 1)], 3).reshape(b, h, l * 2 * l)
    x = torch.cat([x, torch.zeros(b, h, l - 1)], 2).reshape(b, h, l + 1, 2 * l - 1)
    return x[:, :, :l, l - 1:]


class RelPosMHSA(nn.Module):
    """BoTNet's MHSA: 1x1 q / k / v, content logits q·k plus 2-D relative position logits (width and height each by
    rel_to_abs over learned [2W-1, d] tables), softmax over the H·W keys."""

    def __init__(self, c, hw, heads=4):
        super().__init__()
        self.h, self.d, self.hw = heads, c // heads, hw
        self.qkv = nn.Conv2d(c, 3 * c, 1, bias=False)
        self.rw = nn.Parameter(torch.randn(2 * hw - 1, self.d) * self.d ** -0.5)
        self.rh = nn.Parameter(torch.randn(2 * hw - 1, self.d) * self.d ** -0.5)

    def rel1d(self, q, rel):
        """q [B, h, X, Y, d] -> [B, h, X, 1, Y, Y] logits of key column j for query (x, y)."""
        b, h, x, y, d = q.shape
        logits = rel_to_abs((q @ rel.t()).reshape(b, h * x, y, 2 * y - 1))
        return logits.reshape(b, h, x, 1, y, y)

    def forward(self, x):
        b, c, hh, ww = x.shape
        q, k, v = self.qkv(x).reshape(b, 3, self.h, self.d, hh * ww).unbind(1)
        q = q * self.d ** -0.5
        logits = q.transpose(-1, -2) @ k
        qm = q.transpose(-1, -2).reshape(b, self.h, hh, ww, self.d)
        lw = self.rel1d(qm, self.rw).expand(b, self.h, hh, hh, ww, ww).permute(0, 1, 2, 4, 3, 5)
        lh = self.rel1d(qm.transpose(2, 3), self.rh).expand(b, self.h, ww, ww, hh, hh).permute(0, 1, 4, 2, 5, 3)
        logits = logits + (lw + lh).reshape(b, self.h, hh * ww, hh * ww)
        out = v @ logits.softmax(-1).transpose(-1, -2)
        return out.reshape(b, c, hh, ww)


class BoTNet(nn.Module):
    """BoTNet-ish (Srinivas et al., 2021): conv stem and a bottleneck stage, then bottleneck transformer blocks
    (1x1 reduce, relative-position MHSA, 1x1 expand, BatchNorm, residual) on the 8x8 map."""

    def __init__(self, c=64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, c, 3, 2, 1),
                                  nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c * 2, 3, 2, 1), nn.BatchNorm2d(c * 2), nn.ReLU())
        self.bots = nn.ModuleList([nn.ModuleDict({'red': nn.Sequential(nn.Conv2d(2 * c, c, 1), nn.BatchNorm2d(c), nn.ReLU()),
                                                  'mhsa': RelPosMHSA(c, 8), 'bn': nn.BatchNorm2d(c),
                                                  'exp': nn.Sequential(nn.Conv2d(c, 2 * c, 1), nn.BatchNorm2d(2 * c))})
                                   for _ in range(2)])
        self.head = nn.Linear(2 * c, 10)

    def forward(self, x):
        x = self.stem(x)
        for b in self.bots:
            x = F.relu(x + b['exp'](F.relu(b['bn'](b['mhsa'](b['red'](x))))))
        return self.head(x.mean((2, 3)))


class IDConv(nn.Module):
    """TransXNet's input-dependent depthwise conv: adaptive-pooled K×K maps give G kernel proposals per channel,
    softmax-weighted with the G static kernels into one per-sample depthwise kernel, applied as a grouped conv whose
    weight is computed at run time."""

    def __init__(self, c, k=3, g=2):
        super().__init__()
        self.c, self.k, self.g = c, k, g
        self.proj = nn.Sequential(nn.Conv2d(c, c // 4, 1), nn.BatchNorm2d(c // 4), nn.GELU(), nn.Conv2d(c // 4, c * g, 1))
        self.weight = nn.Parameter(torch.randn(g, c, k, k) * 0.2)

    def forward(self, x):
        b = x.shape[0]
        s = self.proj(F.adaptive_avg_pool2d(x, self.k)).reshape(b, self.g, self.c, self.k, self.k).softmax(1)
        w = (s * self.weight.unsqueeze(0)).sum(1).reshape(b * self.c, 1, self.k, self.k)
        y = F.conv2d(x.reshape(1, b * self.c, x.shape[2], x.shape[3]), w, padding=self.k // 2, groups=b * self.c)
        return y.reshape(b, self.c, x.shape[2], x.shape[3])


class OSRA(nn.Module):
    """TransXNet's overlapping spatial-reduction attention: keys / values from a strided depthwise-conv reduction plus
    a local refinement, a relative position bias added to the logits."""

    def __init__(self, c, heads=2, sr=4, hw=12):
        super().__init__()
        self.h, self.d = heads, c // heads
        self.q, self.kv = nn.Conv2d(c, c, 1), nn.Conv2d(c, 2 * c, 1)
        self.sr = nn.Sequential(nn.Conv2d(c, c, sr + 3, sr, (sr + 3) // 2, groups=c), nn.BatchNorm2d(c))
        self.local = nn.Conv2d(c, c, 3, 1, 1, groups=c)
        self.bias = nn.Parameter(torch.randn(1, heads, hw * hw, (hw // sr) ** 2) * 0.02)

    def forward(self, x):
        b, c, hh, ww = x.shape
        q = self.q(x).reshape(b, self.h, self.d, -1).transpose(-1, -2)
        y = self.sr(x)
        y = y + self.local(y)
        k, v = self.kv(y).reshape(b, 2, self.h, self.d, -1).unbind(1)
        a = (q @ k * self.d ** -0.5 + self.bias).softmax(-1)
        return (a @ v.transpose(-1, -2)).transpose(-1, -2).reshape(b, c, hh, ww)


class TransXNet(nn.Module):
    """TransXNet-ish (Lou et al., 2023): the dual dynamic token mixer — half the channels through IDConv, half through
    OSRA, joined, gated by a sigmoid of their sum — and a multi-scale depthwise FFN, on a 12x12 stage (48² input: torch 1.13 exports adaptive pooling only to a divisor of the size)."""

    def __init__(self, c=48):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, 2, 1), nn.BatchNorm2d(c), nn.GELU(), nn.Conv2d(c, c, 3, 2, 1), nn.BatchNorm2d(c))
        self.blocks = nn.ModuleList([nn.ModuleDict({'n1': nn.BatchNorm2d(c), 'id': IDConv(c // 2), 'os': OSRA(c // 2),
                                                    'gate': nn.Conv2d(c, c, 1), 'proj': nn.Conv2d(c, c, 1), 'n2': nn.BatchNorm2d(c),
                                                    'fc1': nn.Conv2d(c, 2 * c, 1), 'dw3': nn.Conv2d(c, c, 3, 1, 1, groups=c),
                                                    'dw5': nn.Conv2d(c, c, 5, 1, 2, groups=c), 'fc2': nn.Conv2d(2 * c, c, 1)})
                                     for _ in range(2)])
        self.head = nn.Linear(c, 10)

    def forward(self, x):
        x = self.stem(x)
        for b in self.blocks:
            h = b['n1'](x)
            h1, h2 = h.chunk(2, 1)
            y = torch.cat([b['id'](h1), b['os'](h2)], 1)
            x = x + b['proj'](y * torch.sigmoid(b['gate'](y + h)))
            f = b['fc1'](b['n2'](x))
            f1, f2 = f.chunk(2, 1)
            x = x + b['fc2'](F.gelu(torch.cat([b['dw3'](f1) + f1, b['dw5'](f2) + f2], 1)))
        return self.head(x.mean((2, 3)))
