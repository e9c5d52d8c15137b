"""Eighth sweep (docs/model-sweep.md): hybrid mobile backbones — LeViT (Linear + BN1d, attention biases, subsampling
attention), PoolFormer (pooling mixer, GroupNorm(1)), Mobile-Former (two-way bridge between a conv path and 6 tokens,
dynamic ReLU), MobileNetV4-Hybrid-Medium's Mobile MQA (timm
mobilenetv4_hybrid_medium: one shared key / value head, keys and values downsampled by a stride-2 depthwise conv,
layer scale) and TinyViT-5M (MobileSAM's image encoder: MBConv stages, window attention with attention biases gathered
by offset, a 3×3 depthwise local conv between attention and MLP). Plain torch.nn, small widths, random weights.
Imported by sweep8.py."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep8_backbones import UIB, Residual, bias_idxs, cba


class MobileMQA(nn.Module):
    def __init__(self, c, heads=4, kd=32, kv_stride=2):
        super().__init__()
        self.h, self.kd = heads, kd
        self.norm = nn.BatchNorm2d(c)
        self.q = nn.Conv2d(c, heads * kd, 1, bias=False)
        self.kv_down = nn.Sequential(nn.Conv2d(c, c, 3, kv_stride, 1, groups=c, bias=False), nn.BatchNorm2d(c))
        self.k, self.v = nn.Conv2d(c, kd, 1, bias=False), nn.Conv2d(c, kd, 1, bias=False)
        self.o = nn.Conv2d(heads * kd, c, 1, bias=False)
        self.ls = nn.Parameter(0.1 * torch.ones(c, 1, 1))

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.norm(x)
        q = self.q(y).reshape(b, self.h, self.kd, h * w).transpose(-1, -2)  # [b, heads, hw, kd]
        d = self.kv_down(y)
        k = self.k(d).reshape(b, 1, self.kd, -1)  # [b, 1, kd, n]
        v = self.v(d).reshape(b, 1, self.kd, -1).transpose(-1, -2)  # [b, 1, n, kd]
        a = (q @ k * self.kd ** -0.5).softmax(-1)
        o = (a @ v).transpose(-1, -2).reshape(b, self.h * self.kd, h, w)
        return x + self.ls * self.o(o)


class MobileNetV4Hybrid(nn.Module):
    def __init__(self, nc=1000):
        super().__init__()
        self.f = nn.Sequential(
            cba(3, 32, 3, 2), cba(32, 128, 3, 2), cba(128, 48, 1),
            UIB(48, 80, 3, 5, 2, 4.0), UIB(80, 80, 3, 3, 1, 2.0),
            UIB(80, 160, 3, 5, 2, 6.0), UIB(160, 160, 3, 3, 1, 4.0), MobileMQA(160), UIB(160, 160, 3, 3, 1, 4.0),
            UIB(160, 256, 5, 5, 2, 6.0), UIB(256, 256, 5, 5, 1, 4.0), MobileMQA(256, kv_stride=1), UIB(256, 256, 3, 0, 1, 4.0),
            cba(256, 960, 1), nn.AdaptiveAvgPool2d(1), cba(960, 1280, 1), nn.Flatten(), nn.Linear(1280, nc))

    def forward(self, x):
        return self.f(x)


# --- TinyViT (MobileSAM tiny_vit_sam.py: Conv2d_BN, MBConv, PatchMerging, Attention with biases, TinyViTBlock) ---
class MBConv(nn.Module):
    def __init__(self, c, e=4):
        super().__init__()
        self.f = nn.Sequential(cba(c, c * e, 1, act=nn.GELU), cba(c * e, c * e, 3, g=c * e, act=nn.GELU), cba(c * e, c, 1, act=None))

    def forward(self, x):
        return F.gelu(x + self.f(x))


class WindowAttention(nn.Module):
    def __init__(self, d, heads, res, kd=16, ar=2):
        super().__init__()
        self.h, self.kd, self.d = heads, kd, ar * kd
        self.norm = nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, heads * (2 * kd + self.d)), nn.Linear(heads * self.d, d)
        n, idxs = bias_idxs(res, res, 1)
        self.attention_biases = nn.Parameter(0.1 * torch.randn(heads, n))
        self.register_buffer('attention_bias_idxs', idxs, persistent=False)

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = self.qkv(self.norm(x)).view(b, n, self.h, -1).split([self.kd, self.kd, self.d], dim=3)
        q, k, v = q.permute(0, 2, 1, 3), k.permute(0, 2, 1, 3), v.permute(0, 2, 1, 3)
        a = (q @ k.transpose(-2, -1)) * self.kd ** -0.5 + self.attention_biases[:, self.attention_bias_idxs]
        return self.proj((a.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, self.h * self.d))


class TinyViTBlock(nn.Module):
    def __init__(self, d, heads, res, ws=7):
        super().__init__()
        self.res, self.ws = res, ws
        self.attn = WindowAttention(d, heads, ws)
        self.local = cba(d, d, 3, g=d, act=None)
        self.mlp = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        b, l, c = x.shape
        h = w = self.res
        ws = self.ws
        t = x.view(b, h // ws, ws, w // ws, ws, c).transpose(2, 3).reshape(b * (h // ws) * (w // ws), ws * ws, c)
        t = self.attn(t).view(b, h // ws, w // ws, ws, ws, c).transpose(2, 3).reshape(b, l, c)
        x = x + t
        x = self.local(x.transpose(1, 2).reshape(b, c, h, w)).view(b, c, l).transpose(1, 2)
        return x + self.mlp(x)


class TinyViT5m(nn.Module):
    """224: patch embed (2 stride-2 convs), MBConv stage at 56², merging to 28² / 14² / 7², window attention stages
    (window 7), mean + LayerNorm + Linear head."""

    def __init__(self, nc=1000, dims=(32, 64, 96, 160), heads=(2, 3, 5)):
        super().__init__()
        self.embed = nn.Sequential(cba(3, dims[0] // 2, 3, 2, act=nn.GELU), cba(dims[0] // 2, dims[0], 3, 2, act=None))
        self.conv_stage = nn.Sequential(MBConv(dims[0]), MBConv(dims[0]))
        self.merges = nn.ModuleList([nn.Sequential(cba(dims[i], dims[i + 1], 1, act=nn.GELU), cba(dims[i + 1], dims[i + 1], 3, 2, g=dims[i + 1], act=nn.GELU),
                                                   cba(dims[i + 1], dims[i + 1], 1, act=None)) for i in range(3)])
        self.stages = nn.ModuleList([nn.Sequential(*[TinyViTBlock(dims[i + 1], heads[i], 56 // 2 ** (i + 1)) for _ in range(2)]) for i in range(3)])
        self.norm, self.head = nn.LayerNorm(dims[3]), nn.Linear(dims[3], nc)

    def forward(self, x):
        x = self.conv_stage(self.embed(x))
        for merge, stage in zip(self.merges, self.stages):
            x = merge(x)
            b, c, h, w = x.shape
            x = stage(x.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, c, h, w)
        return self.head(self.norm(x.mean([2, 3])))


# --- LeViT (facebookresearch/LeViT levit.py: Linear_BN, Attention with biases, AttentionSubsample) ---
class LinearBN(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.c, self.bn = nn.Linear(i, o, bias=False), nn.BatchNorm1d(o)

    def forward(self, x):
        x = self.c(x)
        return self.bn(x.flatten(0, 1)).reshape_as(x)


class LevitAttention(nn.Module):
    def __init__(self, c, kd, heads, ar, res, o=None, stride=1):
        super().__init__()
        self.h, self.kd, self.d, self.res, self.stride = heads, kd, ar * kd, res, stride
        self.res_q = (res - 1) // stride + 1
        self.sub = stride > 1
        self.kv = LinearBN(c, heads * (kd + self.d)) if self.sub else LinearBN(c, heads * (2 * kd + self.d))
        if self.sub:
            self.q = LinearBN(c, heads * kd)
        self.proj = nn.Sequential(nn.Hardswish(), LinearBN(heads * self.d, o or c))
        n, idxs = bias_idxs(res, self.res_q, stride)
        self.attention_biases = nn.Parameter(0.1 * torch.randn(heads, n))
        self.register_buffer('attention_bias_idxs', idxs)

    def forward(self, x):
        b, n, c = x.shape
        if self.sub:
            k, v = self.kv(x).view(b, n, self.h, -1).split([self.kd, self.d], dim=3)
            xq = x.view(b, self.res, self.res, c)[:, ::self.stride, ::self.stride].reshape(b, -1, c)
            q = self.q(xq).view(b, self.res_q ** 2, self.h, self.kd)
        else:
            q, k, v = self.kv(x).view(b, n, self.h, -1).split([self.kd, self.kd, self.d], dim=3)
        q, k, v = q.permute(0, 2, 1, 3), k.permute(0, 2, 1, 3), v.permute(0, 2, 1, 3)
        a = (q @ k.transpose(-2, -1)) * self.kd ** -0.5 + self.attention_biases[:, self.attention_bias_idxs]
        o = (a.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, -1, self.h * self.d)
        return self.proj(o)


class LeViT(nn.Module):
    """LeViT-128S-like at 224: 4 stride-2 convs (Hardswish), stages of attention + MLP on 14², subsampling attention to
    7², BN_Linear heads (classifier and distillation averaged)."""

    def __init__(self, nc=1000, dims=(64, 128), heads=(4, 8), kd=16):
        super().__init__()
        d0 = dims[0]
        self.stem = nn.Sequential(cba(3, d0 // 8, 3, 2, act=nn.Hardswish), cba(d0 // 8, d0 // 4, 3, 2, act=nn.Hardswish),
                                  cba(d0 // 4, d0 // 2, 3, 2, act=nn.Hardswish), cba(d0 // 2, d0, 3, 2, act=None))
        self.blocks = nn.ModuleList()
        for _ in range(2):
            self.blocks.append(Residual(LevitAttention(d0, kd, heads[0], 2, 14)))
            self.blocks.append(Residual(nn.Sequential(LinearBN(d0, 2 * d0), nn.Hardswish(), LinearBN(2 * d0, d0))))
        self.blocks.append(LevitAttention(d0, kd, d0 // kd, 4, 14, dims[1], 2))
        self.blocks.append(Residual(nn.Sequential(LinearBN(dims[1], 2 * dims[1]), nn.Hardswish(), LinearBN(2 * dims[1], dims[1]))))
        for _ in range(2):
            self.blocks.append(Residual(LevitAttention(dims[1], kd, heads[1], 2, 7)))
        self.head_bn, self.head = nn.BatchNorm1d(dims[1]), nn.Linear(dims[1], nc)
        self.dist_bn, self.dist = nn.BatchNorm1d(dims[1]), nn.Linear(dims[1], nc)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        for blk in self.blocks:
            x = blk(x)
        x = x.mean(1)
        return (self.head(self.head_bn(x)) + self.dist(self.dist_bn(x))) / 2


# --- PoolFormer (sail-sg/poolformer: Pooling mixer, GroupNorm(1, C), layer scale) ---
class PoolBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n1, self.n2 = nn.GroupNorm(1, c), nn.GroupNorm(1, c)
        self.pool = nn.AvgPool2d(3, 1, 1, count_include_pad=False)
        self.mlp = nn.Sequential(nn.Conv2d(c, 4 * c, 1), nn.GELU(), nn.Conv2d(4 * c, c, 1))
        self.ls1, self.ls2 = nn.Parameter(0.1 * torch.ones(c)), nn.Parameter(0.1 * torch.ones(c))

    def forward(self, x):
        y = self.n1(x)
        x = x + self.ls1.unsqueeze(-1).unsqueeze(-1) * (self.pool(y) - y)
        return x + self.ls2.unsqueeze(-1).unsqueeze(-1) * self.mlp(self.n2(x))


class PoolFormer(nn.Module):
    def __init__(self, nc=1000, widths=(32, 64, 160, 256), depths=(2, 2, 4, 2)):
        super().__init__()
        layers, c = [nn.Conv2d(3, widths[0], 7, 4, 2)], widths[0]
        for i, (w, n) in enumerate(zip(widths, depths)):
            if i:
                layers.append(nn.Conv2d(c, w, 3, 2, 1))
                c = w
            layers += [PoolBlock(c) for _ in range(n)]
        self.f, self.norm, self.head = nn.Sequential(*layers), nn.GroupNorm(1, c), nn.Linear(c, nc)

    def forward(self, x):
        return self.head(self.norm(self.f(x)).mean([-2, -1]))


# --- Mobile-Former (AAboys/MobileFormer, the paper's Mobile⇄Former bridge and dynamic ReLU) ---
class MobileFormerBlock(nn.Module):
    def __init__(self, i, o, s, e, d=64, heads=2, m=6):
        super().__init__()
        self.h = heads
        self.m2f_q, self.m2f_o = nn.Linear(d, i), nn.Linear(i, d)
        self.former = nn.TransformerEncoderLayer(d, heads, 2 * d, 0.0, batch_first=True)
        self.f2m_k, self.f2m_v = nn.Linear(d, e), nn.Linear(d, e)
        self.pw1, self.dw = cba(i, e, 1, act=None), cba(e, e, 3, s, g=e, act=None)
        self.dyrelu = nn.Sequential(nn.Linear(d, d // 4), nn.ReLU(), nn.Linear(d // 4, 4 * e), nn.Hardsigmoid())
        self.pw2 = cba(e, o, 1, act=None)
        self.e, self.res = e, i == o and s == 1

    def mobile_to_former(self, x, z):
        b, c, hh, ww = x.shape
        q = self.m2f_q(z).view(b, -1, self.h, c // self.h).transpose(1, 2)  # [b, h, m, c/h]
        kv = x.view(b, self.h, c // self.h, hh * ww)
        a = (q @ kv * (c // self.h) ** -0.5).softmax(-1)
        o = (a @ kv.transpose(2, 3)).transpose(1, 2).reshape(b, -1, c)
        return z + self.m2f_o(o)

    def dyn_relu(self, y, z):
        b, c = y.shape[:2]
        p = (self.dyrelu(z[:, 0]) - 0.5).view(b, 4, c, 1, 1)
        a1, b1, a2, b2 = p[:, 0] * 2 + 1, p[:, 1], p[:, 2] * 2, p[:, 3]
        return torch.max(y * a1 + b1, y * a2 + b2)

    def former_to_mobile(self, y, z):
        b, c, hh, ww = y.shape
        q = y.view(b, c, hh * ww).transpose(1, 2)
        a = (q @ self.f2m_k(z).transpose(1, 2) * c ** -0.5).softmax(-1)
        return y + (a @ self.f2m_v(z)).transpose(1, 2).view(b, c, hh, ww)

    def forward(self, x, z):
        z = self.former(self.mobile_to_former(x, z))
        y = self.dyn_relu(self.dw(self.dyn_relu(self.pw1(x), z)), z)
        y = self.pw2(self.former_to_mobile(y, z))
        return (x + y if self.res else y), z


class MobileFormer(nn.Module):
    def __init__(self, nc=1000, d=64, m=6):
        super().__init__()
        self.tokens = nn.Parameter(torch.randn(1, m, d))
        self.stem = cba(3, 16, 3, 2, act=nn.Hardswish)
        cfg = [(16, 24, 2, 48), (24, 24, 1, 72), (24, 48, 2, 144), (48, 48, 1, 192), (48, 96, 2, 288), (96, 96, 1, 384)]
        self.blocks = nn.ModuleList([MobileFormerBlock(i, o, s, e, d) for i, o, s, e in cfg])
        self.head = nn.Sequential(nn.Linear(96 + d, 512), nn.Hardswish(), nn.Linear(512, nc))

    def forward(self, x):
        x, z = self.stem(x), self.tokens.expand(x.shape[0], -1, -1)
        for b in self.blocks:
            x, z = b(x, z)
        return self.head(torch.cat([x.mean([2, 3]), z[:, 0]], 1))
