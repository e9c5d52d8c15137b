"""Eleventh sweep, backbones and OCR (docs/model-sweep.md): DeiT distilled / TrOCR's encoder, BEiT's relative
position bias, CaiT's talking heads and class attention, PVTv2's spatial-reduction attention, CoAtNet's relative
attention, PARSeq's autoregressive decode and DBNet++'s adaptive scale fusion, in plain torch.nn after timm / the
projects' code (small widths)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Mlp(nn.Sequential):
    def __init__(self, d, r=4):
        super().__init__(nn.Linear(d, d * r), nn.GELU(), nn.Linear(d * r, d))


class Attn(nn.Module):
    """timm Attention; `rel` adds a relative position bias gathered by index (BEiT), `talking` mixes the heads before
    and after the softmax (CaiT), `qv_bias` is BEiT's q / v biases with zeros for k."""

    def __init__(self, d, heads, rel=None, talking=False, qv_bias=False):
        super().__init__()
        self.h, self.scale = heads, (d // heads) ** -0.5
        self.qkv = nn.Linear(d, 3 * d, bias=not qv_bias)
        self.proj = nn.Linear(d, d)
        self.qv_bias = qv_bias
        if qv_bias:
            self.q_bias, self.v_bias = nn.Parameter(0.1 * torch.randn(d)), nn.Parameter(0.1 * torch.randn(d))
        self.rel = rel
        if rel is not None:
            wh, ww = rel
            n_rel = (2 * wh - 1) * (2 * ww - 1) + 3
            self.table = nn.Parameter(0.1 * torch.randn(n_rel, heads))
            self.register_buffer('index', beit_index(wh, ww))
        self.talking = talking
        if talking:
            self.proj_l, self.proj_w = nn.Linear(heads, heads), nn.Linear(heads, heads)

    def forward(self, x):
        b, n, c = x.shape
        if self.qv_bias:
            qkv = F.linear(x, self.qkv.weight, torch.cat((self.q_bias, torch.zeros_like(self.v_bias), self.v_bias)))
        else:
            qkv = self.qkv(x)
        q, k, v = qkv.reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = (q * self.scale) @ k.transpose(-2, -1)
        if self.rel is not None:
            bias = self.table[self.index.view(-1)].view(n, n, -1).permute(2, 0, 1).contiguous()
            a = a + bias.unsqueeze(0)
        if self.talking:
            a = self.proj_l(a.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        a = a.softmax(-1)
        if self.talking:
            a = self.proj_w(a.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, c))


def beit_index(wh, ww):
    coords = torch.stack(torch.meshgrid(torch.arange(wh), torch.arange(ww), indexing='ij')).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
    rel[:, :, 0] += wh - 1
    rel[:, :, 1] += ww - 1
    rel[:, :, 0] *= 2 * ww - 1
    n_rel = (2 * wh - 1) * (2 * ww - 1) + 3
    idx = torch.zeros(wh * ww + 1, wh * ww + 1, dtype=torch.long)
    idx[1:, 1:] = rel.sum(-1)
    idx[0, 0:] = n_rel - 3
    idx[0:, 0] = n_rel - 2
    idx[0, 0] = n_rel - 1
    return idx


class Block(nn.Module):
    def __init__(self, d, heads, ls=None, **kw):
        super().__init__()
        self.n1, self.attn, self.n2, self.mlp = nn.LayerNorm(d), Attn(d, heads, **kw), nn.LayerNorm(d), Mlp(d)
        self.g1 = nn.Parameter(ls * torch.ones(d) + 0.05 * torch.randn(d)) if ls else None
        self.g2 = nn.Parameter(ls * torch.ones(d) + 0.05 * torch.randn(d)) if ls else None

    def forward(self, x):
        if self.g1 is None:
            x = x + self.attn(self.n1(x))
            return x + self.mlp(self.n2(x))
        x = x + self.g1 * self.attn(self.n1(x))
        return x + self.g2 * self.mlp(self.n2(x))


class DeiT(nn.Module):
    """DeiT distilled (class + distillation tokens, heads averaged at inference); with `features` it is TrOCR's encoder
    (the last hidden states, as optimum exports VisionEncoderDecoder's encoder)."""

    def __init__(self, img=224, patch=16, d=192, depth=4, heads=3, classes=1000, features=False):
        super().__init__()
        n = (img // patch) ** 2
        self.patch = nn.Conv2d(3, d, patch, patch)
        self.cls, self.dist = nn.Parameter(0.02 * torch.randn(1, 1, d)), nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.pos = nn.Parameter(0.02 * torch.randn(1, n + 2, d))
        self.blocks = nn.Sequential(*[Block(d, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(d)
        self.features = features
        self.head, self.head_dist = nn.Linear(d, classes), nn.Linear(d, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls.expand(x.shape[0], -1, -1), self.dist.expand(x.shape[0], -1, -1), x), 1) + self.pos
        x = self.norm(self.blocks(x))
        if self.features:
            return x
        return (self.head(x[:, 0]) + self.head_dist(x[:, 1])) / 2


class BEiT(nn.Module):
    """BEiT (use_rel_pos_bias per layer, no absolute positions, layer scale 0.1, q / v biases, mean-pooled patch
    tokens through fc_norm)."""

    def __init__(self, img=224, patch=16, d=192, depth=4, heads=3, classes=1000):
        super().__init__()
        g = img // patch
        self.patch = nn.Conv2d(3, d, patch, patch)
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.blocks = nn.Sequential(*[Block(d, heads, ls=0.1, rel=(g, g), qv_bias=True) for _ in range(depth)])
        self.fc_norm, self.head = nn.LayerNorm(d), nn.Linear(d, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = self.blocks(torch.cat((self.cls.expand(x.shape[0], -1, -1), x), 1))
        return self.head(self.fc_norm(x[:, 1:].mean(1)))


class ClassAttn(nn.Module):
    """CaiT's class attention: q from the class token only, k / v from all tokens."""

    def __init__(self, d, heads):
        super().__init__()
        self.h, self.scale = heads, (d // heads) ** -0.5
        self.q, self.k, self.v, self.proj = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x):
        b, n, c = x.shape
        q = self.q(x[:, 0]).unsqueeze(1).reshape(b, 1, self.h, c // self.h).permute(0, 2, 1, 3)
        k = self.k(x).reshape(b, n, self.h, c // self.h).permute(0, 2, 1, 3)
        v = self.v(x).reshape(b, n, self.h, c // self.h).permute(0, 2, 1, 3)
        a = ((q * self.scale) @ k.transpose(-2, -1)).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, 1, c))


class CaiT(nn.Module):
    def __init__(self, img=224, patch=16, d=192, depth=4, heads=4, ca=2, classes=1000):
        super().__init__()
        self.patch = nn.Conv2d(3, d, patch, patch)
        self.pos = nn.Parameter(0.02 * torch.randn(1, (img // patch) ** 2, d))
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.blocks = nn.Sequential(*[Block(d, heads, ls=1e-1, talking=True) for _ in range(depth)])
        self.ca_n1 = nn.ModuleList([nn.LayerNorm(d) for _ in range(ca)])
        self.ca = nn.ModuleList([ClassAttn(d, heads) for _ in range(ca)])
        self.ca_n2 = nn.ModuleList([nn.LayerNorm(d) for _ in range(ca)])
        self.ca_mlp = nn.ModuleList([Mlp(d) for _ in range(ca)])
        self.ca_g = nn.Parameter(0.1 + 0.05 * torch.randn(ca, 2, d))
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, classes)

    def forward(self, x):
        x = self.blocks(self.patch(x).flatten(2).transpose(1, 2) + self.pos)
        c = self.cls.expand(x.shape[0], -1, -1)
        for i in range(len(self.ca)):
            u = torch.cat((c, x), 1)
            c = c + self.ca_g[i, 0] * self.ca[i](self.ca_n1[i](u))
            c = c + self.ca_g[i, 1] * self.ca_mlp[i](self.ca_n2[i](c))
        return self.head(self.norm(torch.cat((c, x), 1))[:, 0])


class SRAttn(nn.Module):
    """PVTv2 attention: keys / values from the map reduced by a strided conv (sr_ratio) and a LayerNorm."""

    def __init__(self, d, heads, sr):
        super().__init__()
        self.h, self.scale, self.sr_ratio = heads, (d // heads) ** -0.5, sr
        self.q, self.kv, self.proj = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)
        if sr > 1:
            self.sr, self.norm = nn.Conv2d(d, d, sr, sr), nn.LayerNorm(d)

    def forward(self, x, hh, ww):
        b, n, c = x.shape
        q = self.q(x).reshape(b, n, self.h, c // self.h).permute(0, 2, 1, 3)
        if self.sr_ratio > 1:
            x_ = self.sr(x.permute(0, 2, 1).reshape(b, c, hh, ww)).reshape(b, c, -1).permute(0, 2, 1)
            x = self.norm(x_)
        k, v = self.kv(x).reshape(b, -1, 2, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = ((q @ k.transpose(-2, -1)) * self.scale).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, c))


class PVTBlock(nn.Module):
    def __init__(self, d, heads, sr, r=8):
        super().__init__()
        self.n1, self.attn, self.n2 = nn.LayerNorm(d), SRAttn(d, heads, sr), nn.LayerNorm(d)
        self.fc1, self.dw, self.fc2 = nn.Linear(d, d * r), nn.Conv2d(d * r, d * r, 3, 1, 1, groups=d * r), nn.Linear(d * r, d)

    def forward(self, x, h, w):
        x = x + self.attn(self.n1(x), h, w)
        y = self.fc1(self.n2(x))
        b, n, c = y.shape
        y = self.dw(y.transpose(1, 2).view(b, c, h, w)).flatten(2).transpose(1, 2)
        return x + self.fc2(F.gelu(y))


class PVTv2(nn.Module):
    """PVTv2-b0: overlapping patch embeds (7×7 s4, 3×3 s2), SR attention (8 / 4 / 2 / 1), DWConv in the MLP."""

    def __init__(self, dims=(32, 64, 160, 256), heads=(1, 2, 5, 8), srs=(8, 4, 2, 1), depths=(2, 2, 2, 2), classes=1000):
        super().__init__()
        self.embeds, self.stages, self.norms = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        c = 3
        for i, (d, h, sr, n) in enumerate(zip(dims, heads, srs, depths)):
            k, s = (7, 4) if i == 0 else (3, 2)
            self.embeds.append(nn.ModuleList([nn.Conv2d(c, d, k, s, k // 2), nn.LayerNorm(d)]))
            self.stages.append(nn.ModuleList([PVTBlock(d, h, sr) for _ in range(n)]))
            self.norms.append(nn.LayerNorm(d))
            c = d
        self.head = nn.Linear(c, classes)

    def forward(self, x):
        b = x.shape[0]
        for i, ((conv, ln), blocks, norm) in enumerate(zip(self.embeds, self.stages, self.norms)):
            x = conv(x)
            h, w = x.shape[2:]
            x = ln(x.flatten(2).transpose(1, 2))
            for blk in blocks:
                x = blk(x, h, w)
            x = norm(x)
            if i < len(self.stages) - 1:
                x = x.reshape(b, h, w, -1).permute(0, 3, 1, 2).contiguous()
        return self.head(x.mean(1))


class RelAttn2d(nn.Module):
    """CoAtNet's relative attention over a 2-D map: a learned bias per relative offset gathered by index."""

    def __init__(self, d, heads, size):
        super().__init__()
        self.h, self.scale = heads, (d // heads) ** -0.5
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.table = nn.Parameter(0.1 * torch.randn((2 * size - 1) ** 2, heads))
        coords = torch.stack(torch.meshgrid(torch.arange(size), torch.arange(size), indexing='ij')).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (size - 1)
        self.register_buffer('index', rel[..., 0] * (2 * size - 1) + rel[..., 1])

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-2, -1)) * self.scale + self.table[self.index.view(-1)].view(n, n, -1).permute(2, 0, 1)
        return self.proj((a.softmax(-1) @ v).transpose(1, 2).reshape(b, n, c))


class MBConv(nn.Module):
    def __init__(self, cin, cout, s):
        super().__init__()
        m = cin * 4
        self.pre = nn.BatchNorm2d(cin)
        self.body = nn.Sequential(nn.Conv2d(cin, m, 1, bias=False), nn.BatchNorm2d(m), nn.GELU(),
                                  nn.Conv2d(m, m, 3, s, 1, groups=m, bias=False), nn.BatchNorm2d(m), nn.GELU())
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(m, cin // 4, 1), nn.GELU(), nn.Conv2d(cin // 4, m, 1), nn.Sigmoid())
        self.out = nn.Conv2d(m, cout, 1)
        self.short = nn.Sequential(nn.MaxPool2d(3, 2, 1), nn.Conv2d(cin, cout, 1)) if s > 1 else nn.Identity()

    def forward(self, x):
        y = self.body(self.pre(x))
        return self.short(x) + self.out(y * self.se(y))


class CoAtTransformer(nn.Module):
    def __init__(self, cin, cout, heads, size, down):
        super().__init__()
        self.down = down
        self.pool_proj = nn.Sequential(nn.MaxPool2d(3, 2, 1), nn.Conv2d(cin, cout, 1)) if down else nn.Identity()
        self.pool = nn.MaxPool2d(3, 2, 1) if down else nn.Identity()
        self.n1, self.attn = nn.LayerNorm(cin), RelAttn2d(cin, heads, size)
        self.attn_out = nn.Linear(cin, cout)
        self.n2, self.mlp = nn.LayerNorm(cout), Mlp(cout)

    def forward(self, x):
        b, _, h, w = self.pool(x).shape
        t = self.pool(x).flatten(2).transpose(1, 2)
        y = self.attn_out(self.attn(self.n1(t)))
        x = self.pool_proj(x).flatten(2).transpose(1, 2) + y
        x = x + self.mlp(self.n2(x))
        return x.transpose(1, 2).reshape(b, -1, h, w)


class CoAtNet(nn.Module):
    """CoAtNet-0 style (C-C-T-T, half widths): conv stem, MBConv stages with pre-BN and SE, transformer stages with
    2-D relative attention and max-pool downsampling."""

    def __init__(self, img=224, classes=1000):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.GELU(), nn.Conv2d(32, 32, 3, 1, 1))
        self.s1 = nn.Sequential(MBConv(32, 48, 2), MBConv(48, 48, 1))
        self.s2 = nn.Sequential(MBConv(48, 96, 2), MBConv(96, 96, 1))
        self.s3 = nn.Sequential(CoAtTransformer(96, 192, 6, img // 16, True), CoAtTransformer(192, 192, 6, img // 16, False))
        self.s4 = nn.Sequential(CoAtTransformer(192, 384, 12, img // 32, True))
        self.head = nn.Linear(384, classes)

    def forward(self, x):
        x = self.s4(self.s3(self.s2(self.s1(self.stem(x)))))
        return self.head(x.mean((2, 3)))
