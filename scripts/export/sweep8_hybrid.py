"""Eighth sweep (docs/model-sweep.md): hybrid mobile backbones — MobileNetV4-Hybrid-Medium's Mobile MQA (timm
mobilenetv4_hybrid_medium: one shared key / value head, keys and values downsampled by a stride-2 depthwise conv,
layer scale) and TinyViT-5M (MobileSAM's image encoder: MBConv stages, window attention with attention biases gathered
by offset, a 3×3 depthwise local conv between attention and MLP). Plain torch.nn, small widths, random weights.
Imported by sweep8.py."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep8_backbones import UIB, bias_idxs, cba


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
