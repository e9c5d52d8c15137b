"""Twenty-third sweep (docs/model-sweep.md): restoration, dewarping, interpolation, portrait segmentation and video
object segmentation as their public code writes them — Omni-SR (Francis0625/Omni-SR: OSAG groups of an MBConv, an
Omni self-attention block pair (window attention in 8x8 blocks, then grid attention over the 8x8 dilated grid) with
channel and spatial gates, ESA, pixel-shuffle x4), UVDoc (tanguymagne/UVDoc: a dilated-conv trunk and bridge, a coarse
45 x 31 2-D unwarping grid plus its 3-D surface, the 2-D grid upsampled bilinearly to the output size and the page
resampled by grid_sample), FILM (google-research/frame-interpolation: an image pyramid, a shared cascaded feature
extractor, coarse-to-fine bidirectional flows with backward warps (grid_sample) residual per level and scaled to the
middle time, a fusion UNet over warped images and features), SINet (clovaai/ext_portrait_segmentation: S2 modules —
average pooling, depthwise conv, bilinear back, channel shuffle — and the information-blocking decoder gating the
high-resolution skip by 1 − max class probability) and XMem's memory readout (hkchengrex/XMem: query key and
selection from the frame, the anisotropic L2 affinity −s·Σ e·(k_m − q)² over the memory keys, top-k 30 softmax over
the memory, readout = memory values · affinity, decoder with skips to a mask). Plain torch.nn, small widths, random
weights. Imported by sweep23_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(234)


def cbr(i, o, k=3, s=1, d=1, act=nn.ReLU):
    return nn.Sequential(nn.Conv2d(i, o, k, s, d * (k // 2), dilation=d, bias=False), nn.BatchNorm2d(o), act())


class ESA(nn.Module):
    def __init__(self, c, f=16):
        super().__init__()
        self.c1, self.c2, self.c3, self.c4 = nn.Conv2d(c, f, 1), nn.Conv2d(f, f, 3, 2, 0), nn.Conv2d(f, f, 3, 1, 1), nn.Conv2d(f, c, 1)

    def forward(self, x):
        y = self.c1(x)
        z = self.c3(F.max_pool2d(self.c2(y), 7, 3))
        z = F.interpolate(z, size=x.shape[-2:], mode='bilinear', align_corners=False)
        return x * torch.sigmoid(self.c4(z + y))


class OmniSA(nn.Module):
    """Window (grid=False) or grid (grid=True) attention over 8x8 groups with a channel gate, as Omni-SR's OSA."""
    def __init__(self, c, win=8, heads=4, grid=False):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.ffn = nn.Sequential(nn.Linear(c, 2 * c), nn.GELU(), nn.Linear(2 * c, c))
        self.ca = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // 4, 1), nn.ReLU(), nn.Conv2d(c // 4, c, 1), nn.Sigmoid())
        self.w, self.h, self.grid = win, heads, grid

    def forward(self, x):
        b, c, H, W = x.shape
        w = self.w
        if self.grid:
            t = x.reshape(b, c, w, H // w, w, W // w).permute(0, 3, 5, 2, 4, 1).reshape(-1, w * w, c)
        else:
            t = x.reshape(b, c, H // w, w, W // w, w).permute(0, 2, 4, 3, 5, 1).reshape(-1, w * w, c)
        q, k, v = self.qkv(self.n1(t)).reshape(t.shape[0], w * w, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = ((q @ k.transpose(-1, -2)) / math.sqrt(c // self.h)).softmax(-1) @ v
        t = t + self.proj(a.transpose(1, 2).reshape(t.shape))
        t = t + self.ffn(self.n2(t))
        if self.grid:
            y = t.reshape(b, H // w, W // w, w, w, c).permute(0, 5, 3, 1, 4, 2).reshape(b, c, H, W)
        else:
            y = t.reshape(b, H // w, W // w, w, w, c).permute(0, 5, 1, 3, 2, 4).reshape(b, c, H, W)
        return y * self.ca(y)


class OmniSR(nn.Module):
    def __init__(self, c=32, groups=2, scale=4):
        super().__init__()
        self.head = nn.Conv2d(3, c, 3, 1, 1)
        self.groups = nn.ModuleList([nn.Sequential(
            nn.Conv2d(c, 2 * c, 1), nn.GELU(), nn.Conv2d(2 * c, 2 * c, 3, 1, 1, groups=2 * c), nn.GELU(), nn.Conv2d(2 * c, c, 1),
            OmniSA(c), OmniSA(c, grid=True), nn.Conv2d(c, c, 3, 1, 1), ESA(c)) for _ in range(groups)])
        self.tail = nn.Sequential(nn.Conv2d(c, 3 * scale * scale, 3, 1, 1), nn.PixelShuffle(scale))
        self.scale = scale

    def forward(self, x):
        f = self.head(x)
        y = f
        for grp in self.groups:
            y = y + grp(y)
        base = F.interpolate(x, scale_factor=self.scale, mode='bilinear', align_corners=False)
        return self.tail(y + f) + base


class UVDoc(nn.Module):
    def __init__(self, c=32, grid=(45, 31), out=(256, 256)):
        super().__init__()
        self.trunk = nn.Sequential(cbr(3, 16, 5, 2), cbr(16, c, 3, 2), cbr(c, c, 3, 2), cbr(c, c))
        self.bridge = nn.ModuleList([cbr(c, c, 3, 1, d) for d in (1, 2, 5, 8)])
        self.fuse = cbr(4 * c, c, 1)
        self.grid, self.out = grid, out
        self.g2, self.g3 = nn.Sequential(cbr(c, c), nn.Conv2d(c, 2, 1)), nn.Sequential(cbr(c, c), nn.Conv2d(c, 3, 1))

    def forward(self, page):
        f = self.trunk(page)
        f = self.fuse(torch.cat([b(f) for b in self.bridge], 1))
        f = F.interpolate(f, size=self.grid, mode='bilinear', align_corners=True)
        grid2d, grid3d = torch.tanh(self.g2(f)), self.g3(f)
        full = F.interpolate(grid2d, size=self.out, mode='bilinear', align_corners=True).permute(0, 2, 3, 1)
        return F.grid_sample(page, full, align_corners=True), grid2d, grid3d


def warp(x, flow):
    b, _, h, w = x.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing='ij')
    gx = (xs + flow[:, 0]) / (w - 1) * 2 - 1
    gy = (ys + flow[:, 1]) / (h - 1) * 2 - 1
    return F.grid_sample(x, torch.stack([gx, gy], -1), align_corners=True)


class FILM(nn.Module):
    def __init__(self, c=16, levels=3):
        super().__init__()
        self.levels = levels
        self.feat = nn.ModuleList([nn.Sequential(nn.Conv2d(3 if i == 0 else c * 2 ** (i - 1), c * 2 ** i, 3, 1, 1), nn.LeakyReLU(0.2),
                                                 nn.Conv2d(c * 2 ** i, c * 2 ** i, 3, 1, 1), nn.LeakyReLU(0.2)) for i in range(2)])
        fc = c + 2 * c  # cascaded: level features concatenated
        self.flow = nn.Sequential(nn.Conv2d(2 * fc + 2, 32, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(32, 32, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(32, 2, 1))
        self.fuse = nn.ModuleList([nn.Sequential(nn.Conv2d(2 * (fc + 3) + 4 + (0 if i == levels - 1 else 32), 32, 3, 1, 1), nn.LeakyReLU(0.2),
                                                 nn.Conv2d(32, 32, 3, 1, 1), nn.LeakyReLU(0.2)) for i in range(levels)])
        self.out = nn.Conv2d(32, 3, 1)

    def pyramid_feats(self, x):
        imgs = [x]
        for _ in range(self.levels - 1):
            imgs.append(F.avg_pool2d(imgs[-1], 2))
        feats = []
        for im in imgs:
            a = self.feat[0](im)
            bb = self.feat[1](F.avg_pool2d(a, 2))
            feats.append(torch.cat([a, F.interpolate(bb, scale_factor=2.0, mode='nearest')], 1))
        return imgs, feats

    def forward(self, x0, x1):
        i0, f0 = self.pyramid_feats(x0)
        i1, f1 = self.pyramid_feats(x1)
        flows = []
        for fa, fb in ((f0, f1), (f1, f0)):
            fl, per = None, [None] * self.levels
            for lvl in range(self.levels - 1, -1, -1):
                if fl is None:
                    fl = torch.zeros(1, 2, *fa[lvl].shape[-2:])
                else:
                    fl = 2 * F.interpolate(fl, scale_factor=2.0, mode='bilinear', align_corners=False)
                wb = warp(fb[lvl], fl)
                fl = fl + self.flow(torch.cat([fa[lvl], wb, fl], 1))
                per[lvl] = fl
            flows.append(per)
        y = None
        for lvl in range(self.levels - 1, -1, -1):
            t0, t1 = 0.5 * flows[0][lvl], 0.5 * flows[1][lvl]
            parts = [warp(torch.cat([i0[lvl], f0[lvl]], 1), t0), warp(torch.cat([i1[lvl], f1[lvl]], 1), t1), t0, t1]
            if y is not None:
                parts.append(F.interpolate(y, scale_factor=2.0, mode='bilinear', align_corners=False))
            y = self.fuse[lvl](torch.cat(parts, 1))
        return self.out(y)


class S2Module(nn.Module):
    def __init__(self, c, pool):
        super().__init__()
        self.pool = pool
        self.dw = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c, bias=False), nn.BatchNorm2d(c), nn.PReLU(c))
        self.pw = nn.Sequential(nn.Conv2d(c, c, 1, groups=2, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        y = F.avg_pool2d(x, self.pool) if self.pool > 1 else x
        y = self.dw(y)
        if self.pool > 1:
            y = F.interpolate(y, scale_factor=float(self.pool), mode='bilinear', align_corners=False)
        b, c, h, w = y.shape
        y = y.reshape(b, 2, c // 2, h, w).transpose(1, 2).reshape(b, c, h, w)  # channel shuffle
        return self.pw(y)


class SINetBlock(nn.Module):
    def __init__(self, i, o, pools):
        super().__init__()
        self.red = nn.Sequential(nn.Conv2d(i, o, 1, groups=2 if i % 2 == 0 and o % 2 == 0 else 1, bias=False), nn.BatchNorm2d(o))
        self.s2 = nn.ModuleList([S2Module(o // 2, p) for p in pools])
        self.act = nn.Sequential(nn.BatchNorm2d(o), nn.PReLU(o))

    def forward(self, x):
        r = self.red(x)
        a, b = r.chunk(2, 1)
        y = torch.cat([self.s2[0](a), self.s2[1](b)], 1)
        return self.act(y + r if r.shape == y.shape else y)


class SINet(nn.Module):
    def __init__(self, classes=2):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 12, 3, 2, 1, bias=False), nn.BatchNorm2d(12), nn.PReLU(12))
        self.l1 = nn.Sequential(nn.Conv2d(12, 16, 3, 2, 1, groups=4, bias=False), nn.Conv2d(16, 16, 1), nn.BatchNorm2d(16), nn.PReLU(16),
                                SINetBlock(16, 48, (1, 1)), SINetBlock(48, 48, (1, 2)))
        self.l2 = nn.Sequential(nn.Conv2d(48, 48, 3, 2, 1, groups=48, bias=False), nn.Conv2d(48, 96, 1), nn.BatchNorm2d(96), nn.PReLU(96),
                                SINetBlock(96, 96, (1, 2)), SINetBlock(96, 96, (1, 4)), SINetBlock(96, 96, (2, 4)))
        self.cls_low, self.cls_high = nn.Conv2d(96, classes, 1), nn.Conv2d(48, classes, 1)
        self.bn = nn.BatchNorm2d(classes)

    def forward(self, x):
        s1 = self.l1(self.stem(x))
        s2 = self.l2(s1)
        low = F.interpolate(self.cls_low(s2), scale_factor=2.0, mode='bilinear', align_corners=False)
        conf = 1 - low.softmax(1).max(1, keepdim=True)[0]  # information blocking: trust the skip where unsure
        y = self.bn(low + self.cls_high(s1) * conf)
        return F.interpolate(y, scale_factor=4.0, mode='bilinear', align_corners=False).softmax(1)


class XMemReadout(nn.Module):
    def __init__(self, ck=32, cv=64, topk=30):
        super().__init__()
        self.enc = nn.Sequential(cbr(3, 16, 3, 2), cbr(16, 32, 3, 2), cbr(32, 48, 3, 2), cbr(48, 64, 3, 2))
        self.key, self.shr, self.sel = nn.Conv2d(64, ck, 3, 1, 1), nn.Conv2d(64, 1, 3, 1, 1), nn.Conv2d(64, ck, 3, 1, 1)
        self.dec = nn.Sequential(cbr(cv + 64, 64), cbr(64, 32))
        self.up = nn.Sequential(cbr(32 + 48, 32), nn.Conv2d(32, 1, 3, 1, 1))
        self.k, self.ck = topk, ck

    def forward(self, frame, mem_key, mem_shrinkage, mem_value):
        s8 = self.enc[:3](frame)
        f = self.enc[3](s8)
        b, _, h, w = f.shape
        qk, qe = self.key(f).flatten(2), torch.sigmoid(self.sel(f)).flatten(2)  # [b, ck, HW]
        # -s_i Σ_c e_cj (k_ci − q_cj)² = s_i (2 Σ k·(q e) − Σ k²·e − Σ q²·e)
        a = mem_key.pow(2).transpose(1, 2) @ qe
        two_ab = 2 * mem_key.transpose(1, 2) @ (qk * qe)
        b_sq = (qe * qk.pow(2)).sum(1, keepdim=True)
        sim = (-a + two_ab - b_sq) * mem_shrinkage / math.sqrt(self.ck)  # [b, THW, HW]
        val, idx = sim.topk(self.k, dim=1)
        aff = torch.zeros_like(sim).scatter(1, idx, val.softmax(1))
        read = (mem_value @ aff).reshape(b, -1, h, w)
        y = self.dec(torch.cat([read, f], 1))
        y = F.interpolate(y, scale_factor=2.0, mode='bilinear', align_corners=False)
        y = self.up(torch.cat([y, s8], 1))
        return torch.sigmoid(F.interpolate(y, scale_factor=8.0, mode='bilinear', align_corners=False))
