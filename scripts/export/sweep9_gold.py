"""Ninth sweep (docs/model-sweep.md): Gold-YOLO (huawei-noah/Efficient-Computing Gold-YOLO: gather-and-distribute
neck — Low-FAM pooling every level to one size by onnx_AdaptiveAvgPool2d's fixed avg_pool2d, Low-IFM convs split per
level, Inject: local conv · sigmoid(global act) + global embedding resized, LAF fusion of adjacent levels, High-FAM /
High-IFM with TopFormer-style attention on conv maps, YOLOv6 EffiDeHead with anchor-free decode) and MobileCLIP's text
tower (apple/ml-mobileclip: token + position embeddings, RepMixer blocks as depthwise (1, k) convs on [B, C, 1, L], causal
transformer layers, arg-max EOT pooling, projection). Plain torch.nn, small widths, random weights. Imported by
sweep9_more.py."""
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from sweep9_det import CBA
from sweep3_models import make_anchors


def onnx_avg_pool(x, output_size):
    """Gold-YOLO's onnx_AdaptiveAvgPool2d: avg_pool2d with stride = size // out, kernel = size − (out − 1)·stride."""
    stride = np.floor(np.array(x.shape[-2:]) / output_size)
    kernel = np.array(x.shape[-2:]) - (output_size - 1) * stride
    return F.avg_pool2d(x, kernel_size=tuple(int(k) for k in kernel), stride=tuple(int(s) for s in stride))


class RepBlock(nn.Module):
    def __init__(self, c1, c2, n=2):
        super().__init__()
        self.m = nn.Sequential(*[nn.ModuleDict({'a': CBA(c1 if i == 0 else c2, c2, 3, act=False), 'b': CBA(c1 if i == 0 else c2, c2, 1, act=False)}) for i in range(n)])

    def forward(self, x):
        for blk in self.m:
            x = F.relu(blk['a'](x) + blk['b'](x))
        return x


class Inject(nn.Module):
    def __init__(self, cl, cg, c2):
        super().__init__()
        self.local, self.emb, self.act = CBA(cl, c2, act=False), CBA(cg, c2, act=False), CBA(cg, c2, act=False)

    def forward(self, x_l, x_g):
        h, w = x_l.shape[-2:]
        sig = F.interpolate(torch.sigmoid(self.act(x_g)), size=(h, w), mode='bilinear', align_corners=False)
        g = F.interpolate(self.emb(x_g), size=(h, w), mode='bilinear', align_corners=False)
        return self.local(x_l) * sig + g


class ConvAttention(nn.Module):
    def __init__(self, c, kd=8, heads=2, ratio=2):
        super().__init__()
        self.h, self.kd, self.d = heads, kd, ratio * kd
        self.q, self.k, self.v = CBA(c, kd * heads, act=False), CBA(c, kd * heads, act=False), CBA(c, self.d * heads, act=False)
        self.proj = nn.Sequential(nn.ReLU6(), CBA(self.d * heads, c, act=False))

    def forward(self, x):
        b, c, hh, ww = x.shape
        q = self.q(x).reshape(b, self.h, self.kd, hh * ww).permute(0, 1, 3, 2)
        k = self.k(x).reshape(b, self.h, self.kd, hh * ww)
        v = self.v(x).reshape(b, self.h, self.d, hh * ww).permute(0, 1, 3, 2)
        a = (q @ k * self.kd ** -0.5).softmax(-1)
        y = (a @ v).permute(0, 1, 3, 2).reshape(b, self.d * self.h, hh, ww)
        return self.proj(y)


class GoldYolo(nn.Module):
    def __init__(self, nc=80):
        super().__init__()
        chs = (16, 32, 64, 96, 128)
        self.stem = CBA(3, chs[0], 3, 2, act=nn.ReLU())
        self.stages = nn.ModuleList(nn.Sequential(CBA(chs[i], chs[i + 1], 3, 2, act=nn.ReLU()), RepBlock(chs[i + 1], chs[i + 1])) for i in range(4))
        low = sum(chs[1:])
        self.low_ifm = nn.Sequential(CBA(low, 96, act=nn.ReLU()), RepBlock(96, 96), CBA(96, 64 + 32, act=nn.ReLU()))
        self.reduce5, self.inj4 = CBA(128, 64, act=nn.ReLU()), Inject(64 + 96 + 64, 64, 64)
        self.reduce4, self.inj3 = CBA(64, 32, act=nn.ReLU()), Inject(32 + 64 + 32, 32, 32)
        self.rep4, self.rep3 = RepBlock(64, 64), RepBlock(32, 32)
        self.high_ifm = nn.Sequential(*[nn.ModuleDict({'attn': ConvAttention(32 + 64 + 128), 'mlp': nn.Sequential(CBA(224, 448, act=nn.ReLU6()), CBA(448, 224, act=False))}) for _ in range(2)])
        self.high_split = nn.Conv2d(224, 64 + 128, 1)
        self.down3, self.inj_n4, self.rep_n4 = CBA(32, 32, 3, 2, act=nn.ReLU()), Inject(32 + 32, 64, 64), RepBlock(64, 64)
        self.down4, self.inj_n5, self.rep_n5 = CBA(64, 64, 3, 2, act=nn.ReLU()), Inject(64 + 64, 128, 128), RepBlock(128, 128)
        self.heads = nn.ModuleList(nn.ModuleDict({'stem': CBA(c, c, act=nn.SiLU()), 'cls': CBA(c, c, 3), 'reg': CBA(c, c, 3),
                                                  'cls_pred': nn.Conv2d(c, nc, 1), 'reg_pred': nn.Conv2d(c, 4, 1)}) for c in (32, 64, 128))

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for s in self.stages:
            x = s(x)
            feats.append(x)
        c2, c3, c4, c5 = feats
        size = c4.shape[-2:]
        low = torch.cat([onnx_avg_pool(c2, np.array(size)), onnx_avg_pool(c3, np.array(size)), c4,
                         F.interpolate(c5, size=size, mode='bilinear', align_corners=False)], 1)
        g4, g3 = self.low_ifm(low).split([64, 32], 1)
        r5 = self.reduce5(c5)
        lf4 = torch.cat([onnx_avg_pool(c3, np.array(size)), c4, F.interpolate(r5, size=size, mode='bilinear', align_corners=False)], 1)
        p4 = self.rep4(self.inj4(lf4, g4))
        r4 = self.reduce4(p4)
        s3 = c3.shape[-2:]
        lf3 = torch.cat([onnx_avg_pool(c2, np.array(s3)), c3, F.interpolate(r4, size=s3, mode='bilinear', align_corners=False)], 1)
        p3 = self.rep3(self.inj3(lf3, g3))
        s5 = c5.shape[-2:]
        high = torch.cat([onnx_avg_pool(p3, np.array(s5)), onnx_avg_pool(p4, np.array(s5)), c5], 1)
        for blk in self.high_ifm:
            high = high + blk['attn'](high)
            high = high + blk['mlp'](high)
        h4, h5 = self.high_split(high).split([64, 128], 1)
        n4 = self.rep_n4(self.inj_n4(torch.cat([self.down3(p3), r4], 1), h4))
        n5 = self.rep_n5(self.inj_n5(torch.cat([self.down4(n4), r5], 1), h5))
        outs = []
        for h, f in zip(self.heads, (p3, n4, n5)):
            f = h['stem'](f)
            outs.append((h['reg_pred'](h['reg'](f)), h['cls_pred'](h['cls'](f))))
        anchors, strides = make_anchors([o[0] for o in outs], (8, 16, 32))
        reg = torch.cat([o[0].flatten(2) for o in outs], 2).permute(0, 2, 1)
        cls = torch.cat([o[1].flatten(2) for o in outs], 2).permute(0, 2, 1).sigmoid()
        lt, rb = reg.chunk(2, -1)
        boxes = torch.cat([(anchors - lt + anchors + rb) / 2, rb + lt], -1) * strides
        return torch.cat([boxes, torch.ones_like(cls[..., :1]), cls], -1)


class MobileClipText(nn.Module):
    def __init__(self, vocab=1000, ctx=77, d=64, heads=4, layers=2, out=64):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Parameter(0.02 * torch.randn(ctx, d))
        self.rep = nn.ModuleList(nn.ModuleDict({'mix': nn.Conv2d(d, d, (1, 11), padding=(0, 5), groups=d), 'bn': nn.BatchNorm2d(d),
                                                'ffn': nn.Sequential(nn.Conv2d(d, d, (1, 11), padding=(0, 5), groups=d), nn.BatchNorm2d(d),
                                                                     nn.Conv2d(d, 4 * d, 1), nn.GELU(), nn.Conv2d(4 * d, d, 1))}) for _ in range(2))
        self.layers = nn.ModuleList(nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0., activation='gelu', batch_first=True, norm_first=True) for _ in range(layers))
        self.register_buffer('mask', torch.full((ctx, ctx), float('-inf')).triu(1))
        self.ln, self.proj = nn.LayerNorm(d), nn.Parameter(torch.randn(d, out) * d ** -0.5)

    def forward(self, text):
        x = self.tok(text) + self.pos
        y = x.permute(0, 2, 1).unsqueeze(2)
        for r in self.rep:
            y = y + r['bn'](r['mix'](y)) - y * 0.5
            y = y + r['ffn'](y)
        x = y.squeeze(2).permute(0, 2, 1)
        for layer in self.layers:
            x = layer(x, src_mask=self.mask)
        x = self.ln(x)
        x = x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.proj
        return x / x.norm(dim=-1, keepdim=True)
