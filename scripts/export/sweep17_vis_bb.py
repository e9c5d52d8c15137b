"""Seventeenth sweep, backbones (docs/model-sweep.md): NFNet (scaled weight standardization, no norm layers),
RepGhost (re-param ghost modules, training form), MixNet (mixed depthwise kernels), SKNet (selective kernels),
HarDNet (harmonic dense links), PeleeNet (two-way dense layers, stem block), ConvMixer, MLP-Mixer, T2T-ViT (soft split
by nn.Unfold), CvT (convolutional projections), ConViT (gated positional self-attention), CrossViT (two-branch CLS
cross-attention), LSKNet (large selective kernel), MogaNet (multi-order gated aggregation), CMT (LPU, lightweight
MHSA, IRFFN) — plain torch.nn with the math of their public code (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1, g=1, act=nn.ReLU):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o), act())


class SE(nn.Module):
    def __init__(self, c, r=4, gate=torch.sigmoid, act=nn.ReLU):
        super().__init__()
        self.fc1, self.act, self.fc2, self.gate = nn.Conv2d(c, max(8, c // r), 1), act(), nn.Conv2d(max(8, c // r), c, 1), gate

    def forward(self, x):
        return x * self.gate(self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True)))))


# ---------------------------------------------------------------- NFNet (Brock et al. 2021; timm nfnet.py)
class ScaledStdConv2d(nn.Conv2d):
    """timm's ScaledStdConv2d: the weight standardized per output channel in forward (batch_norm over the weight
    viewed [1, O, -1]), times gain and 1 / sqrt(fan_in)."""

    def __init__(self, i, o, k, s=1, g=1):
        super().__init__(i, o, k, s, k // 2, groups=g)
        self.gain = nn.Parameter(torch.full((o, 1, 1, 1), 1.0))
        self.scale = (i // g * k * k) ** -0.5

    def forward(self, x):
        w = F.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None, weight=(self.gain * self.scale).view(-1),
                         training=True, momentum=0., eps=1e-6).reshape_as(self.weight)
        return F.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


class GammaAct(nn.Module):
    def __init__(self, gamma=1.7015043497085571):  # timm's _nonlin_gamma['gelu']
        super().__init__()
        self.gamma = gamma

    def forward(self, x):
        return F.gelu(x) * self.gamma


class NFBlock(nn.Module):
    def __init__(self, i, o, s, beta, alpha=0.2, g=16):
        super().__init__()
        m = o // 2
        self.beta, self.alpha = beta, alpha
        self.act = GammaAct()
        self.down = None if (i == o and s == 1) else nn.Sequential(nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False) if s == 2 else nn.Identity(), ScaledStdConv2d(i, o, 1))
        self.c1, self.c2 = ScaledStdConv2d(i, m, 1), ScaledStdConv2d(m, m, 3, s, g=m // g)
        self.c2b, self.c3 = ScaledStdConv2d(m, m, 3, 1, g=m // g), ScaledStdConv2d(m, o, 1)
        self.se = SE(o, 2, gate=lambda t: 2 * torch.sigmoid(t))
        self.skipinit_gain = nn.Parameter(torch.tensor(0.3))

    def forward(self, x):
        out = self.act(x) * self.beta
        sc = self.down(out) if self.down is not None else x
        out = self.c1(out)
        out = self.c2(self.act(out))
        out = self.c2b(self.act(out))
        out = self.c3(self.act(out))
        out = self.se(out)
        return out * self.alpha * self.skipinit_gain + sc


class NFNet(nn.Module):
    def __init__(self, widths=(64, 128, 192, 256), depths=(1, 2, 2, 1), n=100):
        super().__init__()
        self.stem = nn.Sequential(ScaledStdConv2d(3, 16, 3, 2), GammaAct(), ScaledStdConv2d(16, 32, 3), GammaAct(),
                                  ScaledStdConv2d(32, 64, 3, 2))
        blocks, c, ev = [], 64, 1.0
        for i, (w, d) in enumerate(zip(widths, depths)):
            for j in range(d):
                blocks.append(NFBlock(c, w, 2 if j == 0 and i > 0 else 1, 1 / ev))
                ev = (ev ** 2 + 0.2 ** 2) ** 0.5 if j else 1.0
                c = w
        self.blocks = nn.Sequential(*blocks)
        self.final = ScaledStdConv2d(c, 2 * c, 1)
        self.fc = nn.Linear(2 * c, n)

    def forward(self, x):
        x = F.gelu(self.final(self.blocks(self.stem(x)))) * 1.7015
        return self.fc(x.mean((2, 3)))


# ---------------------------------------------------------------- RepGhost (Chen et al. 2022), training form
class RepGhostModule(nn.Module):
    def __init__(self, i, o, relu=True):
        super().__init__()
        self.primary = nn.Sequential(nn.Conv2d(i, o, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU() if relu else nn.Identity())
        self.cheap = nn.Sequential(nn.Conv2d(o, o, 3, 1, 1, groups=o, bias=False), nn.BatchNorm2d(o))
        self.fusion_bn = nn.BatchNorm2d(o)  # the re-param identity branch: BN of the primary output, added
        self.relu = relu

    def forward(self, x):
        x1 = self.primary(x)
        x2 = self.cheap(x1) + self.fusion_bn(x1)
        return F.relu(x2) if self.relu else x2


class RepGhostBottleneck(nn.Module):
    def __init__(self, i, m, o, k, s, se):
        super().__init__()
        self.g1 = RepGhostModule(i, m)
        self.dw = nn.Sequential(nn.Conv2d(m, m, k, s, k // 2, groups=m, bias=False), nn.BatchNorm2d(m)) if s > 1 else nn.Identity()
        self.se = SE(m, 4, gate=lambda t: F.hardsigmoid(t)) if se else nn.Identity()
        self.g2 = RepGhostModule(m, o, relu=False)
        self.short = nn.Identity() if (i == o and s == 1) else nn.Sequential(
            nn.Conv2d(i, i, k, s, k // 2, groups=i, bias=False), nn.BatchNorm2d(i), nn.Conv2d(i, o, 1, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        return self.g2(self.se(self.dw(self.g1(x)))) + self.short(x)


class RepGhostNet(nn.Module):
    CFG = [(3, 16, 16, 0, 1), (3, 24, 24, 0, 2), (3, 36, 24, 0, 1), (5, 36, 40, 1, 2), (5, 60, 40, 1, 1),
           (3, 120, 80, 0, 2), (3, 100, 80, 0, 1), (3, 240, 112, 1, 1), (5, 336, 160, 1, 2), (5, 480, 160, 1, 1)]

    def __init__(self, n=100):
        super().__init__()
        self.stem = cbr(3, 16, 3, 2)
        layers, c = [], 16
        for k, m, o, se, s in self.CFG:
            layers.append(RepGhostBottleneck(c, m, o, k, s, se))
            c = o
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Sequential(cbr(c, 480, 1), nn.AdaptiveAvgPool2d(1), nn.Conv2d(480, 640, 1), nn.ReLU(), nn.Flatten(), nn.Linear(640, n))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


# ---------------------------------------------------------------- MixNet (Tan & Le 2019): mixed depthwise conv
class MixConv(nn.Module):
    def __init__(self, c, ks, s=1):
        super().__init__()
        splits = [c // len(ks)] * len(ks)
        splits[0] += c - sum(splits)
        self.splits = splits
        self.convs = nn.ModuleList(nn.Conv2d(n, n, k, s, k // 2, groups=n, bias=False) for n, k in zip(splits, ks))

    def forward(self, x):
        return torch.cat([cv(t) for cv, t in zip(self.convs, torch.split(x, self.splits, 1))], 1)


class MixBlock(nn.Module):
    def __init__(self, i, o, e, ks, s, se):
        super().__init__()
        m = i * e
        self.expand = nn.Sequential(nn.Conv2d(i, m, 1, bias=False), nn.BatchNorm2d(m), nn.SiLU()) if e > 1 else nn.Identity()
        self.dw = nn.Sequential(MixConv(m, ks, s), nn.BatchNorm2d(m), nn.SiLU())
        self.se = SE(m, 4 * e, act=nn.SiLU) if se else nn.Identity()
        self.proj = nn.Sequential(nn.Conv2d(m, o, 1, bias=False), nn.BatchNorm2d(o))
        self.res = i == o and s == 1

    def forward(self, x):
        y = self.proj(self.se(self.dw(self.expand(x))))
        return x + y if self.res else y


class MixNet(nn.Module):
    CFG = [(16, 16, 1, (3,), 1, 0), (16, 24, 6, (3,), 2, 0), (24, 24, 3, (3,), 1, 0), (24, 40, 6, (3, 5, 7), 2, 1),
           (40, 40, 6, (3, 5), 1, 1), (40, 80, 6, (3, 5, 7), 2, 1), (80, 80, 6, (3, 5), 1, 1), (80, 120, 6, (3, 5, 7), 1, 1),
           (120, 200, 6, (3, 5, 7, 9, 11), 2, 1), (200, 200, 6, (3, 5, 7, 9), 1, 1)]

    def __init__(self, n=100):
        super().__init__()
        self.stem = cbr(3, 16, 3, 2)
        self.blocks = nn.Sequential(*[MixBlock(*c) for c in self.CFG])
        self.head = nn.Sequential(cbr(200, 640, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(640, n))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


# ---------------------------------------------------------------- SKNet (Li et al. 2019): selective kernel
class SKConv(nn.Module):
    def __init__(self, c, s=1, m=2, g=8, r=4):
        super().__init__()
        self.m = m
        self.convs = nn.ModuleList(nn.Sequential(nn.Conv2d(c, c, 3, s, 1 + i, dilation=1 + i, groups=g, bias=False), nn.BatchNorm2d(c), nn.ReLU()) for i in range(m))
        d = max(c // r, 32)
        self.fc = nn.Sequential(nn.Conv2d(c, d, 1, bias=False), nn.BatchNorm2d(d), nn.ReLU())
        self.fcs = nn.Conv2d(d, c * m, 1)

    def forward(self, x):
        feats = torch.stack([cv(x) for cv in self.convs], 1)  # [B, M, C, H, W]
        z = self.fc(feats.sum(1).mean((2, 3), keepdim=True))
        a = self.fcs(z).view(x.shape[0], self.m, -1, 1, 1).softmax(1)
        return (feats * a).sum(1)


class SKUnit(nn.Module):
    def __init__(self, i, m, o, s):
        super().__init__()
        self.body = nn.Sequential(cbr(i, m, 1), SKConv(m, s), nn.Conv2d(m, o, 1, bias=False), nn.BatchNorm2d(o))
        self.short = nn.Identity() if i == o and s == 1 else nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        return F.relu(self.body(x) + self.short(x))


class SKNet(nn.Module):
    def __init__(self, n=100):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 32, 7, 2), nn.MaxPool2d(3, 2, 1))
        cfg = [(32, 32, 64, 1), (64, 32, 64, 1), (64, 64, 128, 2), (128, 128, 256, 2), (256, 128, 256, 1)]
        self.units = nn.Sequential(*[SKUnit(*c) for c in cfg])
        self.fc = nn.Linear(256, n)

    def forward(self, x):
        return self.fc(self.units(self.stem(x)).mean((2, 3)))


# ---------------------------------------------------------------- HarDNet (Chao et al. 2019): harmonic dense block
class HarDBlock(nn.Module):
    def __init__(self, i, gr, mult, n):
        super().__init__()
        self.links, layers, outs = [], [], [i]
        for l in range(1, n + 1):
            link = [l - 2 ** k for k in range(10) if l % (2 ** k) == 0 and l - 2 ** k >= 0]
            ch = gr * mult ** (len(link) - 1)
            ch = int(int(ch + 1) / 2) * 2
            layers.append(cbr(sum(outs[j] for j in link), ch))
            self.links.append(link)
            outs.append(ch)
        self.layers = nn.ModuleList(layers)
        self.keep = [j for j in range(n + 1) if j == n or j % 2 == 1]
        self.out_ch = sum(outs[j] for j in self.keep)

    def forward(self, x):
        ls = [x]
        for link, layer in zip(self.links, self.layers):
            ls.append(layer(torch.cat([ls[j] for j in link], 1) if len(link) > 1 else ls[link[0]]))
        return torch.cat([ls[j] for j in self.keep], 1)


class HarDNet(nn.Module):
    def __init__(self, n=100):
        super().__init__()
        layers = [cbr(3, 16, 3, 2), cbr(16, 32), nn.MaxPool2d(3, 2, 1)]
        c = 32
        for j, (gr, nl, o) in enumerate([(10, 4, 64), (16, 8, 96), (18, 8, 160), (24, 8, 224)]):
            blk = HarDBlock(c, gr, 1.7, nl)
            layers += [blk, cbr(blk.out_ch, o, 1)]
            c = o
            if j < 3:
                layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(c, n)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


# ---------------------------------------------------------------- PeleeNet (Wang et al. 2018)
class StemBlock(nn.Module):
    def __init__(self, o=32):
        super().__init__()
        self.c1 = cbr(3, o, 3, 2)
        self.b1 = nn.Sequential(cbr(o, o // 2, 1), cbr(o // 2, o, 3, 2))
        self.pool = nn.MaxPool2d(2, 2)
        self.c2 = cbr(2 * o, o, 1)

    def forward(self, x):
        x = self.c1(x)
        return self.c2(torch.cat([self.b1(x), self.pool(x)], 1))


class TwoWayDense(nn.Module):
    def __init__(self, i, gr, bw):
        super().__init__()
        h = gr // 2
        m = min(bw * h // 4 * 4, i)
        self.a = nn.Sequential(cbr(i, m, 1), cbr(m, h))
        self.b = nn.Sequential(cbr(i, m, 1), cbr(m, h), cbr(h, h))

    def forward(self, x):
        return torch.cat([x, self.a(x), self.b(x)], 1)


class PeleeNet(nn.Module):
    def __init__(self, n=100, gr=16, layers=(3, 4, 4, 3), bws=(1, 2, 4, 4)):
        super().__init__()
        mods, c = [StemBlock()], 32
        for j, (nl, bw) in enumerate(zip(layers, bws)):
            for _ in range(nl):
                mods.append(TwoWayDense(c, gr, bw))
                c += gr
            mods.append(cbr(c, c, 1))
            if j < 3:
                mods.append(nn.AvgPool2d(2, 2))
        self.features = nn.Sequential(*mods)
        self.fc = nn.Linear(c, n)

    def forward(self, x):
        return self.fc(F.avg_pool2d(self.features(x), 7).flatten(1))


# ---------------------------------------------------------------- ConvMixer (Trockman & Kolter 2022)
class Residual(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x) + x


def conv_mixer(dim=128, depth=6, k=9, p=7, n=100):
    return nn.Sequential(
        nn.Conv2d(3, dim, p, p), nn.GELU(), nn.BatchNorm2d(dim),
        *[nn.Sequential(Residual(nn.Sequential(nn.Conv2d(dim, dim, k, groups=dim, padding=k // 2), nn.GELU(), nn.BatchNorm2d(dim))),
                        nn.Conv2d(dim, dim, 1), nn.GELU(), nn.BatchNorm2d(dim)) for _ in range(depth)],
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(dim, n))


# ---------------------------------------------------------------- MLP-Mixer (Tolstikhin et al. 2021)
class Mlp(nn.Module):
    def __init__(self, d, h, o=None):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(d, h), nn.GELU(), nn.Linear(h, o or d)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class MixerBlock(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.n1, self.tok, self.n2, self.ch = nn.LayerNorm(d), Mlp(n, n * 2), nn.LayerNorm(d), Mlp(d, d * 4)

    def forward(self, x):
        x = x + self.tok(self.n1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.ch(self.n2(x))


class MlpMixer(nn.Module):
    def __init__(self, d=128, depth=4, p=16, img=224, n=100):
        super().__init__()
        self.stem = nn.Conv2d(3, d, p, p)
        self.blocks = nn.Sequential(*[MixerBlock((img // p) ** 2, d) for _ in range(depth)])
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, n)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        return self.head(self.norm(self.blocks(x)).mean(1))


# ---------------------------------------------------------------- shared ViT parts
class Attn(nn.Module):
    def __init__(self, d, h, dv=None):
        super().__init__()
        self.h, self.dv = h, dv or d
        self.qkv, self.proj = nn.Linear(d, 3 * self.dv), nn.Linear(self.dv, self.dv)
        self.scale = (self.dv // h) ** -0.5

    def forward(self, x):
        B, N, _ = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-2, -1) * self.scale).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(B, N, self.dv))


class Block(nn.Module):
    def __init__(self, d, h, r=4, attn=None):
        super().__init__()
        self.n1, self.attn, self.n2, self.mlp = nn.LayerNorm(d), attn or Attn(d, h), nn.LayerNorm(d), Mlp(d, d * r)

    def forward(self, x):
        x = x + self.attn(self.n1(x))
        return x + self.mlp(self.n2(x))


# ---------------------------------------------------------------- T2T-ViT (Yuan et al. 2021): soft split by Unfold
class TokenTransformer(nn.Module):
    """T2T's token transformer: single-head attention whose output width differs from its input (v + skip on v)."""

    def __init__(self, d, o):
        super().__init__()
        self.n1, self.qkv, self.proj = nn.LayerNorm(d), nn.Linear(d, 3 * o), nn.Linear(o, o)
        self.n2, self.mlp, self.o = nn.LayerNorm(o), Mlp(o, o), o

    def forward(self, x):
        B, N, _ = x.shape
        q, k, v = self.qkv(self.n1(x)).reshape(B, N, 3, self.o).permute(2, 0, 1, 3)
        a = (q @ k.transpose(-2, -1) * self.o ** -0.5).softmax(-1)
        x = v + self.proj(a @ v)
        return x + self.mlp(self.n2(x))


class T2TViT(nn.Module):
    def __init__(self, img=224, d=128, td=32, depth=4, h=4, n=100):
        super().__init__()
        self.sp0, self.sp1, self.sp2 = nn.Unfold(7, stride=4, padding=2), nn.Unfold(3, stride=2, padding=1), nn.Unfold(3, stride=2, padding=1)
        self.a1, self.a2 = TokenTransformer(3 * 49, td), TokenTransformer(td * 9, td)
        self.project = nn.Linear(td * 9, d)
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.pos = nn.Parameter(0.02 * torch.randn(1, (img // 16) ** 2 + 1, d))
        self.blocks = nn.Sequential(*[Block(d, h, 3) for _ in range(depth)])
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, n)

    def forward(self, x):
        x = self.a1(self.sp0(x).transpose(1, 2))
        B, N, C = x.shape
        s = int(math.sqrt(N))
        x = self.a2(self.sp1(x.transpose(1, 2).reshape(B, C, s, s)).transpose(1, 2))
        B, N, C = x.shape
        s = int(math.sqrt(N))
        x = self.project(self.sp2(x.transpose(1, 2).reshape(B, C, s, s)).transpose(1, 2))
        x = torch.cat([self.cls.expand(B, -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


# ---------------------------------------------------------------- CvT (Wu et al. 2021): convolutional projections
class ConvProjAttn(nn.Module):
    def __init__(self, d, h, cls):
        super().__init__()
        self.h, self.cls = h, cls

        def proj(s):
            return nn.Sequential(nn.Conv2d(d, d, 3, s, 1, groups=d, bias=False), nn.BatchNorm2d(d))
        self.cq, self.ck, self.cv = proj(1), proj(2), proj(2)
        self.pq, self.pk, self.pv, self.proj = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.hw = None

    def forward(self, x):
        H, W = self.hw
        if self.cls:
            c, x = torch.split(x, [1, H * W], 1)
        B, N, C = x.shape
        m = x.transpose(1, 2).reshape(B, C, H, W)
        q, k, v = (cv(m).flatten(2).transpose(1, 2) for cv in (self.cq, self.ck, self.cv))
        if self.cls:
            q, k, v = torch.cat([c, q], 1), torch.cat([c, k], 1), torch.cat([c, v], 1)

        def heads(t, p):
            return p(t).reshape(B, t.shape[1], self.h, -1).transpose(1, 2)
        q, k, v = heads(q, self.pq), heads(k, self.pk), heads(v, self.pv)
        a = (q @ k.transpose(-2, -1) * (C // self.h) ** -0.5).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(B, -1, C))


class CvTStage(nn.Module):
    def __init__(self, i, d, k, s, depth, h, cls=False):
        super().__init__()
        self.embed = nn.Conv2d(i, d, k, s, k // 2)
        self.norm = nn.LayerNorm(d)
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, d)) if cls else None
        self.attns = [ConvProjAttn(d, h, cls) for _ in range(depth)]
        self.blocks = nn.ModuleList(Block(d, h, 4, attn=a) for a in self.attns)

    def forward(self, x):
        x = self.embed(x)
        B, C, H, W = x.shape
        t = self.norm(x.flatten(2).transpose(1, 2))
        if self.cls is not None:
            t = torch.cat([self.cls.expand(B, -1, -1), t], 1)
        for a, b in zip(self.attns, self.blocks):
            a.hw = (H, W)
            t = b(t)
        if self.cls is not None:
            return t[:, 0]
        return t.transpose(1, 2).reshape(B, C, H, W)


class CvT(nn.Module):
    def __init__(self, n=100):
        super().__init__()
        self.s1, self.s2, self.s3 = CvTStage(3, 64, 7, 4, 1, 1), CvTStage(64, 128, 3, 2, 2, 2), CvTStage(128, 192, 3, 2, 2, 3, cls=True)
        self.norm, self.head = nn.LayerNorm(192), nn.Linear(192, n)

    def forward(self, x):
        return self.head(self.norm(self.s3(self.s2(self.s1(x)))))


# ---------------------------------------------------------------- ConViT (d'Ascoli et al. 2021): GPSA
class GPSA(nn.Module):
    def __init__(self, d, h, n):
        super().__init__()
        self.h, self.scale = h, (d // h) ** -0.5
        self.qk, self.v, self.proj = nn.Linear(d, 2 * d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d)
        self.pos_proj = nn.Linear(3, h)
        self.gating = nn.Parameter(torch.ones(h))
        s = int(n ** 0.5)
        ind = torch.arange(s).view(1, -1) - torch.arange(s).view(-1, 1)
        indx, indy = ind.repeat(s, s), ind.repeat_interleave(s, 0).repeat_interleave(s, 1)
        rel = torch.stack([indx, indy, indx ** 2 + indy ** 2], -1).float().unsqueeze(0)  # [1, N, N, 3]
        self.register_buffer('rel_indices', rel)

    def forward(self, x):
        B, N, C = x.shape
        qk = self.qk(x).reshape(B, N, 2, self.h, C // self.h).permute(2, 0, 3, 1, 4)
        q, k = qk[0], qk[1]
        pos = self.pos_proj(self.rel_indices.expand(B, -1, -1, -1)).permute(0, 3, 1, 2).softmax(-1)
        patch = (q @ k.transpose(-2, -1) * self.scale).softmax(-1)
        g = self.gating.view(1, -1, 1, 1)
        a = (1. - torch.sigmoid(g)) * patch + torch.sigmoid(g) * pos
        a = a / a.sum(-1).unsqueeze(-1)
        v = self.v(x).reshape(B, N, self.h, C // self.h).permute(0, 2, 1, 3)
        return self.proj((a @ v).transpose(1, 2).reshape(B, N, C))


class ConViT(nn.Module):
    def __init__(self, img=224, p=16, d=128, h=4, depth=6, local=4, n=100):
        super().__init__()
        N = (img // p) ** 2
        self.embed = nn.Conv2d(3, d, p, p)
        self.pos = nn.Parameter(0.02 * torch.randn(1, N, d))
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.local = nn.ModuleList(Block(d, h, 4, attn=GPSA(d, h, N)) for _ in range(local))
        self.glob = nn.ModuleList(Block(d, h, 4) for _ in range(depth - local))
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, n)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2) + self.pos
        for b in self.local:
            x = b(x)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1)
        for b in self.glob:
            x = b(x)
        return self.head(self.norm(x)[:, 0])


# ---------------------------------------------------------------- CrossViT (Chen et al. 2021)
class CrossAttn(nn.Module):
    """The CLS token of one branch attends to all tokens of the other (CLS first)."""

    def __init__(self, d, h):
        super().__init__()
        self.h, self.scale = h, (d // h) ** -0.5
        self.wq, self.wk, self.wv, self.proj = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x):
        B, N, C = x.shape
        q = self.wq(x[:, 0:1]).reshape(B, 1, self.h, C // self.h).permute(0, 2, 1, 3)
        k = self.wk(x).reshape(B, N, self.h, C // self.h).permute(0, 2, 1, 3)
        v = self.wv(x).reshape(B, N, self.h, C // self.h).permute(0, 2, 1, 3)
        a = (q @ k.transpose(-2, -1) * self.scale).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(B, 1, C))


class CrossViT(nn.Module):
    def __init__(self, img=240, ps=(12, 16), ds=(64, 128), h=4, n=100):
        super().__init__()
        self.embeds = nn.ModuleList(nn.Conv2d(3, d, p, p) for p, d in zip(ps, ds))
        self.cls = nn.ParameterList(nn.Parameter(0.02 * torch.randn(1, 1, d)) for d in ds)
        self.sizes = (img, 224)  # the large-patch branch sees the image resized to 224 (bicubic), as CrossViT's
        self.pos = nn.ParameterList(nn.Parameter(0.02 * torch.randn(1, (s // p) ** 2 + 1, d)) for s, p, d in zip(self.sizes, ps, ds))
        self.blocks = nn.ModuleList(nn.ModuleList([Block(ds[0], 2), Block(ds[1], h), Block(ds[1], h)]) for _ in range(2))
        self.fwd = nn.ModuleList(nn.ModuleList([nn.Sequential(nn.LayerNorm(ds[0]), nn.GELU(), nn.Linear(ds[0], ds[1])),
                                                nn.Sequential(nn.LayerNorm(ds[1]), nn.GELU(), nn.Linear(ds[1], ds[0]))]) for _ in range(2))
        self.fuse = nn.ModuleList(nn.ModuleList([nn.Sequential(nn.LayerNorm(ds[1]), CrossAttn(ds[1], h)), nn.Sequential(nn.LayerNorm(ds[0]), CrossAttn(ds[0], 2))]) for _ in range(2))
        self.back = nn.ModuleList(nn.ModuleList([nn.Sequential(nn.LayerNorm(ds[1]), nn.GELU(), nn.Linear(ds[1], ds[0])),
                                                 nn.Sequential(nn.LayerNorm(ds[0]), nn.GELU(), nn.Linear(ds[0], ds[1]))]) for _ in range(2))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for d in ds)
        self.heads = nn.ModuleList(nn.Linear(d, n) for d in ds)

    def forward(self, x):
        B = x.shape[0]
        ims = [x, F.interpolate(x, size=(self.sizes[1], self.sizes[1]), mode='bicubic', align_corners=False)]
        xs = [torch.cat([c.expand(B, -1, -1), e(im).flatten(2).transpose(1, 2)], 1) + pe for e, c, pe, im in zip(self.embeds, self.cls, self.pos, ims)]
        for blk, fwd, fuse, back in zip(self.blocks, self.fwd, self.fuse, self.back):
            xs = [blk[0](xs[0]), blk[2](blk[1](xs[1]))]
            outs = []
            for i in range(2):
                o = 1 - i
                cls = fwd[i](xs[i][:, 0:1])  # this branch's CLS projected to the other's width
                t = torch.cat([cls, xs[o][:, 1:]], 1)
                cls = back[i](t[:, 0:1] + fuse[i](t))
                outs.append(torch.cat([cls, xs[i][:, 1:]], 1))
            xs = outs
        return torch.stack([hd(nm(t[:, 0])) for hd, nm, t in zip(self.heads, self.norms, xs)], 0).mean(0)


# ---------------------------------------------------------------- LSKNet (Li et al. 2023): large selective kernel
class LSKblock(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.conv0 = nn.Conv2d(d, d, 5, padding=2, groups=d)
        self.conv_spatial = nn.Conv2d(d, d, 7, stride=1, padding=9, groups=d, dilation=3)
        self.conv1, self.conv2 = nn.Conv2d(d, d // 2, 1), nn.Conv2d(d, d // 2, 1)
        self.conv_squeeze = nn.Conv2d(2, 2, 7, padding=3)
        self.conv = nn.Conv2d(d // 2, d, 1)

    def forward(self, x):
        a1 = self.conv0(x)
        a2 = self.conv_spatial(a1)
        a1, a2 = self.conv1(a1), self.conv2(a2)
        attn = torch.cat([a1, a2], 1)
        avg, _ = torch.mean(attn, 1, keepdim=True), None
        mx, _ = torch.max(attn, 1, keepdim=True)
        sig = self.conv_squeeze(torch.cat([avg, mx], 1)).sigmoid()
        attn = a1 * sig[:, 0:1] + a2 * sig[:, 1:2]
        return x * self.conv(attn)


class LSKBlockFull(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.n1, self.n2 = nn.BatchNorm2d(d), nn.BatchNorm2d(d)
        self.attn = nn.Sequential(nn.Conv2d(d, d, 1), nn.GELU(), LSKblock(d), nn.Conv2d(d, d, 1))
        self.mlp = nn.Sequential(nn.Conv2d(d, 4 * d, 1), nn.Conv2d(4 * d, 4 * d, 3, 1, 1, groups=4 * d), nn.GELU(), nn.Conv2d(4 * d, d, 1))
        self.ls1, self.ls2 = nn.Parameter(0.5 * torch.ones(1, d, 1, 1)), nn.Parameter(0.5 * torch.ones(1, d, 1, 1))

    def forward(self, x):
        x = x + self.ls1 * self.attn(self.n1(x))
        return x + self.ls2 * self.mlp(self.n2(x))


class LSKNet(nn.Module):
    def __init__(self, dims=(32, 64, 128, 192), depths=(1, 1, 2, 1), n=100):
        super().__init__()
        stages, c = [], 3
        for i, (d, k) in enumerate(zip(dims, depths)):
            stages.append(nn.Sequential(nn.Conv2d(c, d, 7 if i == 0 else 3, 4 if i == 0 else 2, 3 if i == 0 else 1), nn.BatchNorm2d(d),
                                        *[LSKBlockFull(d) for _ in range(k)]))
            c = d
        self.stages = nn.Sequential(*stages)
        self.head = nn.Linear(c, n)

    def forward(self, x):
        return self.head(self.stages(x).mean((2, 3)))


# ---------------------------------------------------------------- MogaNet (Li et al. 2024): multi-order gated aggregation
class ElementScale(nn.Module):
    def __init__(self, d, v=0.5):
        super().__init__()
        self.scale = nn.Parameter(v * torch.ones(1, d, 1, 1))

    def forward(self, x):
        return x * self.scale


class MultiOrderDWConv(nn.Module):
    def __init__(self, d, ratio=(1, 3, 4)):
        super().__init__()
        s = sum(ratio)
        self.d1, self.d2 = int(ratio[1] / s * d), int(ratio[2] / s * d)
        self.d0 = d - self.d1 - self.d2
        self.dw0 = nn.Conv2d(d, d, 5, padding=2, groups=d)
        self.dw1 = nn.Conv2d(self.d1, self.d1, 5, padding=4, groups=self.d1, dilation=2)
        self.dw2 = nn.Conv2d(self.d2, self.d2, 7, padding=9, groups=self.d2, dilation=3)
        self.pw = nn.Conv2d(d, d, 1)

    def forward(self, x):
        x0 = self.dw0(x)
        x1 = self.dw1(x0[:, self.d0:self.d0 + self.d1])
        x2 = self.dw2(x0[:, self.d0 + self.d1:])
        return self.pw(torch.cat([x0[:, :self.d0], x1, x2], 1))


class MultiOrderGatedAggregation(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.proj_1, self.gate, self.value, self.proj_2 = nn.Conv2d(d, d, 1), nn.Conv2d(d, d, 1), MultiOrderDWConv(d), nn.Conv2d(d, d, 1)
        self.act_value, self.act_gate = nn.SiLU(), nn.SiLU()
        self.sigma = ElementScale(d, 1e-5 + 0.3)

    def feat_decompose(self, x):
        x = self.proj_1(x)
        x_d = F.adaptive_avg_pool2d(x, 1)
        return self.act_value(x + self.sigma(x - x_d))

    def forward(self, x):
        sc = x
        x = self.feat_decompose(x)
        return self.proj_2(self.act_gate(self.gate(x)) * self.act_gate(self.value(x))) + sc


class ChannelAggregationFFN(nn.Module):
    def __init__(self, d, r=4):
        super().__init__()
        h = d * r
        self.fc1, self.dw, self.act, self.fc2 = nn.Conv2d(d, h, 1), nn.Conv2d(h, h, 3, 1, 1, groups=h), nn.GELU(), nn.Conv2d(h, d, 1)
        self.decompose = nn.Conv2d(h, 1, 1)
        self.sigma = ElementScale(h, 0.3)

    def forward(self, x):
        x = self.act(self.dw(self.fc1(x)))
        x = x + self.sigma(x - self.act(self.decompose(x)))
        return self.fc2(x)


class MogaBlock(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.n1, self.n2 = nn.BatchNorm2d(d), nn.BatchNorm2d(d)
        self.attn, self.mlp = MultiOrderGatedAggregation(d), ChannelAggregationFFN(d)
        self.l1, self.l2 = nn.Parameter(0.5 * torch.ones(1, d, 1, 1)), nn.Parameter(0.5 * torch.ones(1, d, 1, 1))

    def forward(self, x):
        x = x + self.l1 * self.attn(self.n1(x))
        return x + self.l2 * self.mlp(self.n2(x))


class MogaNet(nn.Module):
    def __init__(self, dims=(32, 64, 128, 256), depths=(1, 1, 2, 1), n=100):
        super().__init__()
        stages, c = [], 3
        for i, (d, k) in enumerate(zip(dims, depths)):
            emb = nn.Sequential(nn.Conv2d(3, d // 2, 3, 2, 1), nn.BatchNorm2d(d // 2), nn.GELU(), nn.Conv2d(d // 2, d, 3, 2, 1), nn.BatchNorm2d(d)) if i == 0 \
                else nn.Sequential(nn.Conv2d(c, d, 3, 2, 1), nn.BatchNorm2d(d))
            stages.append(nn.Sequential(emb, *[MogaBlock(d) for _ in range(k)]))
            c = d
        self.stages = nn.Sequential(*stages)
        self.norm, self.head = nn.BatchNorm2d(c), nn.Linear(c, n)

    def forward(self, x):
        return self.head(self.norm(self.stages(x)).mean((2, 3)))


# ---------------------------------------------------------------- CMT (Guo et al. 2022)
class LMHSA(nn.Module):
    def __init__(self, d, h, k, n_tok):
        super().__init__()
        self.h, self.k = h, k
        self.q, self.kv = nn.Linear(d, d), nn.Linear(d, 2 * d)
        self.sr = nn.Sequential(nn.Conv2d(d, d, k, k, groups=d), nn.BatchNorm2d(d)) if k > 1 else None
        self.proj = nn.Linear(d, d)
        self.rel = nn.Parameter(0.02 * torch.randn(h, n_tok, n_tok // (k * k)))
        self.hw = None

    def forward(self, x):
        H, W = self.hw
        B, N, C = x.shape
        q = self.q(x).reshape(B, N, self.h, -1).permute(0, 2, 1, 3)
        if self.sr is not None:
            x = self.sr(x.permute(0, 2, 1).reshape(B, C, H, W)).reshape(B, C, -1).permute(0, 2, 1)
        k, v = self.kv(x).reshape(B, -1, 2, self.h, C // self.h).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-2, -1) * (C // self.h) ** -0.5 + self.rel).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(B, N, C))


class CMTBlock(nn.Module):
    def __init__(self, d, h, k, hw):
        super().__init__()
        self.hw = hw
        self.lpu = nn.Conv2d(d, d, 3, 1, 1, groups=d)
        self.n1, self.attn, self.n2 = nn.LayerNorm(d), LMHSA(d, h, k, hw[0] * hw[1]), nn.LayerNorm(d)
        self.attn.hw = hw
        e = 4 * d
        self.ffn1 = nn.Sequential(nn.Conv2d(d, e, 1), nn.GELU(), nn.BatchNorm2d(e))
        self.ffn_dw = nn.Sequential(nn.Conv2d(e, e, 3, 1, 1, groups=e), nn.GELU(), nn.BatchNorm2d(e))
        self.ffn2 = nn.Sequential(nn.Conv2d(e, d, 1), nn.BatchNorm2d(d))

    def forward(self, x):  # [B, C, H, W]
        B, C, H, W = x.shape
        x = x + self.lpu(x)
        t = x.flatten(2).transpose(1, 2)
        t = t + self.attn(self.n1(t))
        y = self.n2(t).transpose(1, 2).reshape(B, C, H, W)
        y = self.ffn1(y)
        y = self.ffn2(y + self.ffn_dw(y))
        return t.transpose(1, 2).reshape(B, C, H, W) + y


class CMT(nn.Module):
    def __init__(self, img=224, dims=(32, 64, 128, 192), heads=(1, 2, 4, 8), depths=(1, 1, 2, 1), n=100):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 16, 3, 2, act=nn.GELU), cbr(16, 16, 3, 1, act=nn.GELU), cbr(16, 16, 3, 1, act=nn.GELU))
        stages, c, s = [], 16, img // 2
        for i, (d, h, n_) in enumerate(zip(dims, heads, depths)):
            s //= 2
            k = [8, 4, 2, 1][i]
            stages.append(nn.Sequential(nn.Conv2d(c, d, 2, 2), *[CMTBlock(d, h, k, (s, s)) for _ in range(n_)]))
            c = d
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(nn.Conv2d(c, 640, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(640, n))

    def forward(self, x):
        return self.head(self.stages(self.stem(x)))
