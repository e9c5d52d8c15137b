"""Eighth sweep (docs/model-sweep.md): efficient backbones outside torchvision as timm / their repositories write
them — MobileNetV4 conv-small (UIB blocks), MobileOne and RepVGG (train-time branches, and re-parameterized into one
conv as their reparameterize scripts do), FastViT (RepMixer, ConvFFN, RepCPE, attention stage), GhostNetV2 (DFC
attention), EfficientFormerV2 (Attention4D with talking heads and gathered attention biases); LeViT, PoolFormer and
Mobile-Former are in sweep8_hybrid.py. Plain torch.nn, small widths, random weights. Imported by sweep8.py."""
import itertools

import torch
from torch import nn
import torch.nn.functional as F


def cba(i, o, k=3, s=1, g=1, act=nn.ReLU):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o), act() if act else nn.Identity())


# --- MobileNetV4 conv-small (timm mobilenetv4_conv_small / tensorflow models' mobilenet_v4.py: UIB) ---
class UIB(nn.Module):
    def __init__(self, i, o, start_k, mid_k, s, e):
        super().__init__()
        m = int(i * e)
        self.start = cba(i, i, start_k, s if not mid_k else 1, g=i, act=None) if start_k else nn.Identity()
        self.expand = cba(i, m, 1)
        self.mid = cba(m, m, mid_k, s, g=m) if mid_k else nn.Identity()
        self.proj = cba(m, o, 1, act=None)
        self.res = i == o and s == 1

    def forward(self, x):
        y = self.proj(self.mid(self.expand(self.start(x))))
        return x + y if self.res else y


class MobileNetV4(nn.Module):
    def __init__(self, nc=1000):
        super().__init__()
        self.f = nn.Sequential(
            cba(3, 32, 3, 2), cba(32, 32, 3, 2), cba(32, 32, 1), cba(32, 32, 3, 2), cba(32, 64, 1),  # FusedIB stages
            UIB(64, 96, 5, 5, 2, 3.0), UIB(96, 96, 0, 3, 1, 2.0), UIB(96, 96, 0, 3, 1, 2.0), UIB(96, 96, 3, 0, 1, 4.0),
            UIB(96, 128, 3, 3, 2, 6.0), UIB(128, 128, 5, 5, 1, 4.0), UIB(128, 128, 0, 5, 1, 4.0), UIB(128, 128, 0, 3, 1, 3.0),
            cba(128, 960, 1), nn.AdaptiveAvgPool2d(1), cba(960, 1280, 1), nn.Flatten(), nn.Linear(1280, nc))

    def forward(self, x):
        return self.f(x)


# --- RepVGG / MobileOne: multi-branch conv-BN blocks and their re-parameterization into one conv ---
def fuse(conv, bn):
    std = (bn.running_var + bn.eps).sqrt()
    w = conv.weight * (bn.weight / std).reshape(-1, 1, 1, 1)
    return w, bn.bias - bn.running_mean * bn.weight / std


class RepBlock(nn.Module):
    """k parallel conv-BN of size `ks` (RepVGG: 1; MobileOne: k over-parameterized), a 1×1 conv-BN ('scale') branch and
    the BN identity when shapes allow; `reparam()` folds all into one conv with bias, as `switch_to_deploy` does."""

    def __init__(self, i, o, ks=3, s=1, g=1, k=1, act=True):
        super().__init__()
        self.i, self.o, self.ks, self.s, self.g = i, o, ks, s, g
        self.convs = nn.ModuleList([cba(i, o, ks, s, g, act=None) for _ in range(k)])
        self.scale = cba(i, o, 1, s, g, act=None) if ks > 1 else None
        self.skip = nn.BatchNorm2d(o) if i == o and s == 1 else None
        self.act = nn.ReLU() if act else nn.Identity()
        self.fused = None

    def forward(self, x):
        if self.fused is not None:
            return self.act(self.fused(x))
        y = sum(c(x) for c in self.convs)
        if self.scale is not None:
            y = y + self.scale(x)
        if self.skip is not None:
            y = y + self.skip(x)
        return self.act(y)

    @torch.no_grad()
    def reparam(self):
        w, b = 0, 0
        for c in self.convs:
            cw, cb = fuse(c[0], c[1])
            w, b = w + cw, b + cb
        p = self.ks // 2
        if self.scale is not None:
            cw, cb = fuse(self.scale[0], self.scale[1])
            w, b = w + F.pad(cw, [p, p, p, p]), b + cb
        if self.skip is not None:
            ident = torch.zeros(self.o, self.i // self.g, self.ks, self.ks)
            for n in range(self.o):
                ident[n, n % (self.i // self.g), p, p] = 1
            std = (self.skip.running_var + self.skip.eps).sqrt()
            w = w + ident * (self.skip.weight / std).reshape(-1, 1, 1, 1)
            b = b + self.skip.bias - self.skip.running_mean * self.skip.weight / std
        self.fused = nn.Conv2d(self.i, self.o, self.ks, self.s, p, groups=self.g)
        self.fused.weight.copy_(w)
        self.fused.bias.copy_(b)


def reparameterized(m):
    for mod in m.modules():
        if isinstance(mod, RepBlock):
            mod.reparam()
    return m


class RepVGG(nn.Module):
    def __init__(self, nc=1000, widths=(16, 32, 64, 128, 256), depths=(1, 2, 4, 6, 1)):
        super().__init__()
        layers, c = [], 3
        for w, n in zip(widths, depths):
            layers += [RepBlock(c, w, 3, 2)] + [RepBlock(w, w, 3, 1) for _ in range(n - 1)]
            c = w
        self.f = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, nc))

    def forward(self, x):
        return self.f(x)


class MobileOne(nn.Module):
    """MobileOne-S0-like: each block a depthwise RepBlock (k = 4 branches) then a pointwise one."""

    def __init__(self, nc=1000, widths=(48, 48, 128, 256, 384), depths=(1, 2, 4, 5, 1), k=4):
        super().__init__()
        layers, c = [RepBlock(3, widths[0], 3, 2, k=1)], widths[0]
        for w, n in zip(widths[1:], depths[1:]):
            for j in range(n):
                s = 2 if j == 0 else 1
                layers += [RepBlock(c, c, 3, s, g=c, k=k), RepBlock(c, w, 1, 1, k=k)]
                c = w
        self.f = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, nc))

    def forward(self, x):
        return self.f(x)


# --- FastViT (apple/ml-fastvit: RepMixer, ConvFFN, RepCPE, attention in the last stage) ---
class RepMixer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm, self.mixer = cba(c, c, 3, g=c, act=None), cba(c, c, 3, g=c, act=None)
        self.ls = nn.Parameter(1e-1 * torch.ones(c, 1, 1))

    def forward(self, x):
        return x + self.ls * (self.mixer(x) - self.norm(x))


class ConvFFN(nn.Module):
    def __init__(self, c, r=3):
        super().__init__()
        self.conv = cba(c, c, 7, g=c, act=None)
        self.fc1, self.fc2 = nn.Conv2d(c, c * r, 1), nn.Conv2d(c * r, c, 1)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(self.conv(x))))


class FastVitAttn(nn.Module):
    def __init__(self, c, hd=32):
        super().__init__()
        self.h, self.hd = c // hd, hd
        self.norm, self.qkv, self.proj = nn.BatchNorm2d(c), nn.Linear(c, 3 * c, bias=False), nn.Linear(c, c)

    def forward(self, x):
        b, c, h, w = x.shape
        t = self.norm(x).flatten(2).transpose(-2, -1)
        qkv = self.qkv(t).reshape(b, h * w, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        a = ((q * self.hd ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        o = self.proj((a @ v).transpose(1, 2).reshape(b, h * w, c))
        return x + o.transpose(-2, -1).reshape(b, c, h, w)


class FastViT(nn.Module):
    def __init__(self, nc=1000, widths=(32, 64, 128, 256), depths=(2, 2, 4, 2)):
        super().__init__()
        layers = [cba(3, widths[0], 3, 2, act=nn.GELU), cba(widths[0], widths[0], 3, 2, g=widths[0], act=nn.GELU), cba(widths[0], widths[0], 1, act=nn.GELU)]
        c = widths[0]
        for i, (w, n) in enumerate(zip(widths, depths)):
            if i:
                layers += [cba(c, w, 7, 2, g=c if w % c == 0 else 1, act=nn.GELU), cba(w, w, 1, act=nn.GELU)]
                c = w
            if i == 3:
                layers += [RepCPE(c)] + [nn.Sequential(FastVitAttn(c), Residual(ConvFFN(c))) for _ in range(n)]
            else:
                layers += [nn.Sequential(RepMixer(c), Residual(ConvFFN(c))) for _ in range(n)]
        self.f = nn.Sequential(*layers, cba(c, 2 * c, 3, g=c, act=nn.GELU), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * c, nc))

    def forward(self, x):
        return self.f(x)


class Residual(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return x + self.m(x)


class RepCPE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pe = nn.Conv2d(c, c, 7, 1, 3, groups=c)

    def forward(self, x):
        return x + self.pe(x)


# --- GhostNetV2 (huawei-noah Efficient-AI-Backbones ghostnetv2_pytorch: GhostModuleV2 with DFC attention) ---
class GhostV2(nn.Module):
    def __init__(self, i, o, act=True, attn=True):
        super().__init__()
        self.o, self.attn = o, attn
        h = (o + 1) // 2
        a = nn.ReLU if act else None
        self.primary, self.cheap = cba(i, h, 1, act=a), cba(h, h, 3, g=h, act=a)
        if attn:
            self.short = nn.Sequential(cba(i, o, 1, act=None),
                                       nn.Conv2d(o, o, (1, 5), 1, (0, 2), groups=o, bias=False), nn.BatchNorm2d(o),
                                       nn.Conv2d(o, o, (5, 1), 1, (2, 0), groups=o, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        x1 = self.primary(x)
        out = torch.cat([x1, self.cheap(x1)], 1)[:, :self.o, :, :]
        if not self.attn:
            return out
        res = self.short(F.avg_pool2d(x, kernel_size=2, stride=2))
        return out * F.interpolate(res.sigmoid(), size=(out.shape[-2], out.shape[-1]), mode='nearest')


class GhostBottleneckV2(nn.Module):
    def __init__(self, i, m, o, k, s, se, attn):
        super().__init__()
        self.g1 = GhostV2(i, m, True, attn)
        self.dw = cba(m, m, k, s, g=m, act=None) if s > 1 else nn.Identity()
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(m, m // 4, 1), nn.ReLU(), nn.Conv2d(m // 4, m, 1), nn.Hardsigmoid()) if se else None
        self.g2 = GhostV2(m, o, False, False)
        self.short = nn.Identity() if i == o and s == 1 else nn.Sequential(cba(i, i, k, s, g=i, act=None), cba(i, o, 1, act=None))

    def forward(self, x):
        y = self.dw(self.g1(x))
        if self.se is not None:
            y = y * self.se(y)
        return self.g2(y) + self.short(x)


class GhostNetV2(nn.Module):
    CFG = [(3, 16, 16, 0, 1), (3, 48, 24, 0, 2), (3, 72, 24, 0, 1), (5, 72, 40, 1, 2), (5, 120, 40, 1, 1), (3, 240, 80, 0, 2),
           (3, 200, 80, 0, 1), (3, 480, 112, 1, 1), (5, 672, 160, 1, 2), (5, 960, 160, 0, 1)]

    def __init__(self, nc=1000):
        super().__init__()
        layers, c = [cba(3, 16, 3, 2)], 16
        for i, (k, m, o, se, s) in enumerate(self.CFG):
            layers.append(GhostBottleneckV2(c, m, o, k, s, se, attn=i > 1))
            c = o
        self.f = nn.Sequential(*layers, cba(c, 960, 1), nn.AdaptiveAvgPool2d(1), nn.Conv2d(960, 1280, 1), nn.ReLU(), nn.Flatten(), nn.Linear(1280, nc))

    def forward(self, x):
        return self.f(x)


# --- EfficientFormerV2 (snap-research/EfficientFormer efficientformer_v2.py: Attention4D, talking heads) ---
class Attention4D(nn.Module):
    def __init__(self, c, res=7, heads=8, kd=32, ar=4):
        super().__init__()
        self.h, self.kd, self.d, self.n = heads, kd, ar * kd, res * res
        self.q, self.k = cba(c, heads * kd, 1, act=None), cba(c, heads * kd, 1, act=None)
        self.v = cba(c, heads * self.d, 1, act=None)
        self.v_local = cba(heads * self.d, heads * self.d, 3, g=heads * self.d, act=None)
        self.th1, self.th2 = nn.Conv2d(heads, heads, 1), nn.Conv2d(heads, heads, 1)
        self.proj = nn.Sequential(nn.ReLU(), cba(heads * self.d, c, 1, act=None))
        n, idxs = bias_idxs(res, res, 1)
        self.attention_biases = nn.Parameter(0.1 * torch.randn(heads, n))
        self.register_buffer('attention_bias_idxs', idxs)

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.q(x).flatten(2).reshape(b, self.h, -1, self.n).permute(0, 1, 3, 2)
        k = self.k(x).flatten(2).reshape(b, self.h, -1, self.n).permute(0, 1, 2, 3)
        v = self.v(x)
        v_local = self.v_local(v)
        v = v.flatten(2).reshape(b, self.h, -1, self.n).permute(0, 1, 3, 2)
        a = (q @ k) * self.kd ** -0.5 + self.attention_biases[:, self.attention_bias_idxs]
        a = self.th2(self.th1(a).softmax(dim=-1))
        o = (a @ v).transpose(2, 3).reshape(b, self.h * self.d, h, w) + v_local
        return self.proj(o)


class FFN2(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.fc1, self.mid, self.fc2 = cba(c, c * r, 1, act=nn.GELU), cba(c * r, c * r, 3, g=c * r, act=nn.GELU), cba(c * r, c, 1, act=None)
        self.ls = nn.Parameter(0.1 * torch.ones(c, 1, 1))

    def forward(self, x):
        return x + self.ls * self.fc2(self.mid(self.fc1(x)))


class EfficientFormerV2(nn.Module):
    """S0-like at 224: conv stages of FFN blocks, then Attention4D blocks on the 7×7 stage."""

    def __init__(self, nc=1000, widths=(32, 48, 96, 176), depths=(2, 2, 3, 2)):
        super().__init__()
        layers, c = [cba(3, widths[0] // 2, 3, 2, act=nn.GELU), cba(widths[0] // 2, widths[0], 3, 2, act=nn.GELU)], widths[0]
        for i, (w, n) in enumerate(zip(widths, depths)):
            if i:
                layers.append(cba(c, w, 3, 2, act=None))
                c = w
            for _ in range(n):
                if i == 3:
                    layers.append(Residual(Attention4D(c)))
                layers.append(FFN2(c))
        self.f = nn.Sequential(*layers, nn.BatchNorm2d(c))
        self.head = nn.Linear(c, nc)

    def forward(self, x):
        return self.head(self.f(x).flatten(2).mean(-1))


# --- attention biases by offset (EfficientFormerV2, LeViT, TinyViT) ---
def bias_idxs(res, res_q, stride):
    pts, pts_q = list(itertools.product(range(res), range(res))), list(itertools.product(range(res_q), range(res_q)))
    offsets, idxs = {}, []
    for p1 in pts_q:
        for p2 in pts:
            off = (abs(p1[0] * stride - p2[0]), abs(p1[1] * stride - p2[1]))
            offsets.setdefault(off, len(offsets))
            idxs.append(offsets[off])
    return len(offsets), torch.LongTensor(idxs).view(len(pts_q), len(pts))
