"""Twenty-second sweep (docs/model-sweep.md): panoptic clustering and lidar segmentation as their public code writes
them — kMaX-DeepLab (bytedance/kmax-deeplab: cluster centres updated at 1/16, 1/8, 1/4 by a k-means cross-attention
whose assignment is the arg-max over the clusters scattered as a one-hot (`zeros_like().scatter_(1, argmax, 1)`),
self-attention and FFN among the clusters, masks by centres · pixel features), RangeNet++ (PRBonn/lidar-bonnetal:
a DarkNet-style range-image segmenter downsampling along W only, transposed-conv decoder with skips, and its kNN
post-processing: 5x5 range windows by unfold, |Δrange| weighted by an inverse Gaussian, the
5 nearest by TopK, their labels gathered (those beyond the cut-off made the extra class) and voted by a one-hot scatter-add, arg-max; here on every pixel of the range
image instead of the unprojected points) and PolarNet (edwardzhou130/PolarSeg: a per-point MLP, the points pooled
into a polar BEV grid by their cell index (scatter-add mean here: torch 1.13 exports no scatter max), a UNet whose
convs pad the angular axis circularly, per-cell logits for 8 height slices). Plain torch.nn, small widths, random
weights. Imported by sweep22_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep20_vis_bb import cbr

g = torch.Generator().manual_seed(24)


class KMaXLayer(nn.Module):
    def __init__(self, d, cp):
        super().__init__()
        self.q = nn.Linear(d, d)
        self.pk, self.pv = nn.Conv2d(cp, d, 1), nn.Conv2d(cp, d, 1)
        self.o = nn.Linear(d, d)
        self.sa = nn.MultiheadAttention(d, 4, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, c, p):
        k = self.pk(p).flatten(2)
        logits = self.q(c) @ k
        assign = torch.zeros_like(logits).scatter_(1, logits.argmax(1, keepdim=True), 1.0)
        c = self.n1(c + self.o(assign @ self.pv(p).flatten(2).transpose(1, 2)))
        c = self.n2(c + self.sa(c, c, c)[0])
        return self.n3(c + self.ffn(c))


class KMaXDeepLab(nn.Module):
    def __init__(self, n=32, d=64, nc=20):
        super().__init__()
        self.s4 = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 48, 3, 2))
        self.s8, self.s16 = cbr(48, 64, 3, 2), cbr(64, 96, 3, 2)
        self.up16, self.up8 = cbr(96, 64, 1), cbr(64, 48, 1)
        self.centres = nn.Parameter(torch.randn(1, n, d, generator=g))
        self.layers = nn.ModuleList([KMaXLayer(d, c) for c in (96, 64, 48)])
        self.pix = nn.Conv2d(48, d, 1)
        self.cls = nn.Linear(d, nc + 1)
        self.mask = nn.Linear(d, d)

    def forward(self, x):
        f4 = self.s4(x)
        f8 = self.s8(f4)
        f16 = self.s16(f8)
        p8 = f8 + F.interpolate(self.up16(f16), scale_factor=2.0, mode='bilinear', align_corners=False)
        p4 = f4 + F.interpolate(self.up8(p8), scale_factor=2.0, mode='bilinear', align_corners=False)
        c = self.centres.expand(x.shape[0], -1, -1)
        for layer, p in zip(self.layers, (f16, p8, p4)):
            c = layer(c, p)
        pix = F.normalize(self.pix(p4), dim=1)
        masks = torch.einsum('bnc,bchw->bnhw', F.normalize(self.mask(c), dim=-1), pix)
        return self.cls(c).softmax(-1), F.interpolate(masks, scale_factor=4.0, mode='bilinear', align_corners=False)


class DarkRes(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a, self.b = cbr(c, c // 2, 1, act=lambda: nn.LeakyReLU(0.1)), cbr(c // 2, c, 3, act=lambda: nn.LeakyReLU(0.1))

    def forward(self, x):
        return x + self.b(self.a(x))


class RangeNet(nn.Module):
    def __init__(self, nc=20, cs=(16, 32, 64, 96, 128), knn=5, search=5, sigma=1.0, cutoff=1.0):
        super().__init__()
        self.stem = cbr(5, cs[0], 3, act=lambda: nn.LeakyReLU(0.1))
        self.down = nn.ModuleList([nn.Sequential(nn.Conv2d(a, b, 3, (1, 2), 1, bias=False), nn.BatchNorm2d(b), nn.LeakyReLU(0.1), DarkRes(b))
                                   for a, b in zip(cs, cs[1:])])
        self.up = nn.ModuleList([nn.Sequential(nn.ConvTranspose2d(b, a, (1, 4), (1, 2), (0, 1)), nn.BatchNorm2d(a), nn.LeakyReLU(0.1), DarkRes(a))
                                 for a, b in zip(cs, cs[1:])])
        self.head = nn.Conv2d(cs[0], nc, 3, 1, 1)
        ax = torch.arange(search).float() - search // 2
        gk = torch.exp(-(ax[:, None] ** 2 + ax[None] ** 2) / (2 * sigma ** 2))
        self.register_buffer('inv_gauss', (1 - gk / gk.max()).flatten().view(1, -1, 1))
        self.nc, self.k, self.s, self.cutoff = nc, knn, search, cutoff

    def forward(self, x):
        h = self.stem(x)
        skips = []
        for d in self.down:
            skips.append(h)
            h = d(h)
        for i in reversed(range(len(self.up))):
            h = self.up[i](h) + skips[i]
        probs = self.head(h).softmax(1)
        labels = probs.argmax(1, keepdim=True)
        rng = x[:, 3:4]
        b, _, hh, ww = rng.shape
        nb = F.unfold(rng, self.s, padding=self.s // 2)
        centre = nb[:, self.s * self.s // 2:self.s * self.s // 2 + 1]
        dist = (nb - centre).abs() * (1 + self.inv_gauss)
        idx = dist.topk(self.k, 1, largest=False, sorted=False)[1]
        lab = F.unfold(labels.float() + 1, self.s, padding=self.s // 2).long() - 1
        lab = torch.where(lab < 0, torch.full_like(lab, self.nc), lab)
        votes = torch.gather(lab, 1, idx)
        votes = torch.where(torch.gather(dist, 1, idx) > self.cutoff, torch.full_like(votes, self.nc), votes)
        counts = torch.zeros(b, self.nc + 1, hh * ww).scatter_add(1, votes, torch.ones_like(votes, dtype=torch.float32))
        return probs, counts[:, 1:self.nc].argmax(1) + 1


class RingConv(nn.Module):
    """PolarNet's conv: circular padding along the angular axis (W), zeros along the radial axis."""

    def __init__(self, cin, cout, s=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, s, (1, 0), bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.leaky_relu(self.bn(self.conv(torch.cat([x[..., -1:], x, x[..., :1]], -1))), 0.1)


class PolarNet(nn.Module):
    def __init__(self, grid=64, c=64, nc=20, z=8):
        super().__init__()
        self.pt = nn.Sequential(nn.BatchNorm1d(9), nn.Linear(9, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, c))
        self.grid = grid
        self.e1, self.e2, self.e3 = RingConv(c, c), RingConv(c, 96, 2), RingConv(96, 128, 2)
        self.d2 = RingConv(128 + 96, 96)
        self.d1 = RingConv(96 + c, c)
        self.head = nn.Conv2d(c, nc * z, 1)
        self.nc, self.z = nc, z

    def forward(self, pts, cell):
        b, n, _ = pts.shape
        f = self.pt[0](pts.transpose(1, 2)).transpose(1, 2)
        f = self.pt[1](f)
        f = self.pt[2](f.transpose(1, 2)).transpose(1, 2)
        f = self.pt[3:](f)
        idx = cell[:, :, None].expand(-1, -1, f.shape[-1])
        sums = torch.zeros(b, self.grid * self.grid, f.shape[-1]).scatter_add(1, idx, f)
        cnt = torch.zeros(b, self.grid * self.grid, 1).scatter_add(1, cell[:, :, None], torch.ones(b, n, 1))
        bev = (sums / cnt.clamp(min=1)).transpose(1, 2).reshape(b, -1, self.grid, self.grid)
        x1 = self.e1(bev)
        x2 = self.e2(x1)
        x3 = self.e3(x2)
        y = self.d2(torch.cat([F.interpolate(x3, scale_factor=2.0, mode='bilinear', align_corners=False), x2], 1))
        y = self.d1(torch.cat([F.interpolate(y, scale_factor=2.0, mode='bilinear', align_corners=False), x1], 1))
        return self.head(y).view(b, self.nc, self.z, self.grid, self.grid)
