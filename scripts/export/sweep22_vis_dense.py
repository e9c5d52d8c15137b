"""Twenty-second sweep (docs/model-sweep.md): flow / depth completion / stereo / low-light / raw denoising / deblurring /
panoptic clustering as their public code writes them — NeuFlow v2 (neufieldrobotics/NeuFlow_v2: cross-attention at
1/16, global matching by a softmax over all positions of the other frame, flow self-attention propagation, warped
local correlation and refinement at 1/8), NLSPN (zzangjinsun/NLSPN_ECCV20: initial depth, guidance offsets and
affinities of 8 neighbours normalised by their absolute sum, 6 propagation steps sampling at the offsets, sparse depth
kept), MobileStereoNet-2D (cogsys-tuebingen/mobilestereonet: interlaced left / right features per disparity reduced by
3-D convs over the channel axis, a 2-D MobileNetV2 hourglass over the disparities as channels, soft-argmin), CIDNet
(Fediory/HVI-CIDNet: RGB to the HVI colour space (hue from the max channel, collapsible intensity density), two
branches joined by lighten cross-attention (channel attention across branches), HVI back to RGB by atan2 and the HSV
sectors), PMRID (MegEngine/PMRID: Bayer raw packed by pixel_unshuffle, the k-sigma transform from the ISO, a UNet of
5x5 depthwise-separable blocks, the inverse transform, pixel_shuffle back), Stripformer (pp00704/Stripformer:
intra-strip attention along rows and columns, inter-strip attention between whole rows / columns) and kMaX-DeepLab
(bytedance/kmax-deeplab: cluster centres updated by a k-means cross-attention whose assignment is a hard arg-max over
the clusters, scattered as a one-hot). Plain torch.nn, small widths, random weights. Imported by sweep22_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep20_vis_bb import cbr


def atan2_symbolic(g, y, x):
    """torch 1.13 exports no atan2; later torch writes it as atan(y / x) corrected by π where x < 0 (the same here)."""
    pi = g.op('Constant', value_t=torch.tensor(math.pi))
    zero = g.op('Constant', value_t=torch.tensor(0.0))
    base = g.op('Atan', g.op('Div', y, x))
    neg_x = g.op('Less', x, zero)
    turn = g.op('Where', g.op('Less', y, zero), g.op('Neg', pi), pi)
    return g.op('Add', base, g.op('Where', neg_x, turn, zero))


def coords(h, w):
    yy, xx = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing='ij')
    return torch.stack([xx, yy])


def warp(x, flow):
    """Bilinear warp of x [B, C, H, W] by flow [B, 2, H, W] in pixels."""
    h, w = x.shape[2:]
    c = coords(h, w)[None] + flow
    grid = torch.stack([2 * c[:, 0] / (w - 1) - 1, 2 * c[:, 1] / (h - 1) - 1], -1)
    return F.grid_sample(x, grid, align_corners=True)


class NeuFlow(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.enc8 = nn.Sequential(cbr(3, 32, 7, 2), cbr(32, 48, 3, 2), cbr(48, c, 3, 2))
        self.enc16 = cbr(c, c, 3, 2)
        self.cross = nn.MultiheadAttention(c, 4, batch_first=True)
        self.norm = nn.LayerNorm(c)
        self.prop = nn.Linear(c, c)
        self.r = 3
        self.refine = nn.Sequential(cbr(c + (2 * self.r + 1) ** 2 + 2, 64), cbr(64, 64), nn.Conv2d(64, 2, 3, 1, 1))

    def forward(self, a, b):
        f8 = [self.enc8(x) for x in (a, b)]
        f16 = [self.enc16(x) for x in f8]
        n, c, h, w = f16[0].shape
        t = [x.flatten(2).transpose(1, 2) for x in f16]
        t0 = self.norm(t[0] + self.cross(t[0], t[1], t[1])[0])
        t1 = self.norm(t[1] + self.cross(t[1], t[0], t[0])[0])
        grid = coords(h, w).view(2, -1).t()[None]
        prob = (t0 @ t1.transpose(1, 2) / math.sqrt(c)).softmax(-1)
        flow = prob @ grid - grid
        q = self.prop(t0)
        flow = (q @ q.transpose(1, 2) / math.sqrt(c)).softmax(-1) @ flow
        flow = 2 * F.interpolate(flow.transpose(1, 2).reshape(n, 2, h, w), scale_factor=2.0, mode='bilinear', align_corners=True)
        for _ in range(2):
            wb = F.pad(warp(f8[1], flow), [self.r] * 4)
            hh, ww = flow.shape[2:]
            corr = torch.cat([(f8[0] * wb[:, :, i:i + hh, j:j + ww]).mean(1, keepdim=True)
                              for i in range(2 * self.r + 1) for j in range(2 * self.r + 1)], 1)
            flow = flow + self.refine(torch.cat([f8[0], corr, flow], 1))
        return 8 * F.interpolate(flow, scale_factor=8.0, mode='bilinear', align_corners=True)


class NLSPN(nn.Module):
    def __init__(self, steps=6):
        super().__init__()
        self.e1, self.e2, self.e3 = cbr(4, 32, 3, 2), cbr(32, 64, 3, 2), cbr(64, 64, 3, 2)
        self.d3 = nn.Sequential(nn.ConvTranspose2d(64, 64, 4, 2, 1), nn.ReLU())
        self.d2 = nn.Sequential(nn.ConvTranspose2d(128, 32, 4, 2, 1), nn.ReLU())
        self.d1 = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU())
        self.init, self.guide, self.conf = nn.Conv2d(36, 1, 3, 1, 1), nn.Conv2d(36, 24, 3, 1, 1), nn.Conv2d(36, 1, 3, 1, 1)
        self.steps = steps
        self.register_buffer('base', torch.tensor([[dx, dy] for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dx or dy], dtype=torch.float32))

    def forward(self, rgb, dep):
        x = torch.cat([rgb, dep], 1)
        e1 = self.e1(x)
        e2 = self.e2(e1)
        d = self.d1(torch.cat([self.d2(torch.cat([self.d3(self.e3(e2)), e2], 1)), e1], 1))
        d = torch.cat([d, x], 1)
        depth = self.init(d)
        g = self.guide(d)
        off, aff = g[:, :16], g[:, 16:]
        conf = self.conf(d).sigmoid()
        aff = torch.tanh(aff) * conf
        aff = aff / torch.clamp(aff.abs().sum(1, keepdim=True), min=1.0)
        ref = 1 - aff.sum(1, keepdim=True)
        mask = (dep > 0).float()
        n, _, h, w = dep.shape
        grid0 = coords(h, w)[None]
        for _ in range(self.steps):
            acc = ref * depth
            for k in range(8):
                c = grid0 + self.base[k].view(1, 2, 1, 1) + off[:, 2 * k:2 * k + 2]
                gr = torch.stack([2 * c[:, 0] / (w - 1) - 1, 2 * c[:, 1] / (h - 1) - 1], -1)
                acc = acc + aff[:, k:k + 1] * F.grid_sample(depth, gr, align_corners=True)
            depth = (1 - mask) * acc + mask * dep
        return depth, conf


class InvRes(nn.Module):
    def __init__(self, cin, cout, s=1, e=2):
        super().__init__()
        h = cin * e
        self.body = nn.Sequential(cbr(cin, h, 1, act=nn.ReLU6), cbr(h, h, 3, s, h, nn.ReLU6), nn.Conv2d(h, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.res = s == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.res else y


class MobileStereoNet2D(nn.Module):
    def __init__(self, c=16, maxdisp=48):
        super().__init__()
        self.feat = nn.Sequential(cbr(3, 16, 3, 2), InvRes(16, 16), InvRes(16, c, 2), InvRes(c, c))
        self.vol = nn.Sequential(nn.Conv3d(1, 8, (8, 3, 3), (8, 1, 1), (0, 1, 1)), nn.BatchNorm3d(8), nn.ReLU(),
                                 nn.Conv3d(8, 4, (4, 3, 3), (4, 1, 1), (0, 1, 1)), nn.BatchNorm3d(4), nn.ReLU())
        self.d = maxdisp // 4
        self.agg = nn.Sequential(InvRes(self.d, 32), InvRes(32, 32, 2), InvRes(32, 32), nn.Upsample(scale_factor=2.0, mode='bilinear', align_corners=False),
                                 InvRes(32, 32), nn.Conv2d(32, self.d, 3, 1, 1))
        self.maxdisp = maxdisp

    def forward(self, left, right):
        fl, fr = self.feat(left), self.feat(right)
        b, c, h, w = fl.shape
        vols = []
        for i in range(self.d):
            r = fr if i == 0 else F.pad(fr[:, :, :, :w - i], (i, 0))
            inter = torch.stack([fl, r], 2).view(b, 2 * c, h, w)
            v = self.vol(inter.unsqueeze(1))
            vols.append(v.mean(2) * (1.0 if i == 0 else 1.0))
        cost = self.agg(torch.stack(vols, 1).mean(2))
        cost = F.interpolate(cost.unsqueeze(1), scale_factor=(4.0, 4.0, 4.0), mode='trilinear', align_corners=False).squeeze(1)
        disp = torch.arange(self.maxdisp).float().view(1, -1, 1, 1)
        return (cost.softmax(1) * disp).sum(1)


class HVI(nn.Module):
    """CIDNet's RGB <-> HVI: I = max(R, G, B); hue by the HSV sectors; C_k = (sin(πI/2) + eps)^(1/k);
    H = C_k·S·cos(2πh), V = C_k·S·sin(2πh)."""

    def __init__(self):
        super().__init__()
        self.density_k = nn.Parameter(torch.tensor([0.2]))
        self.eps = 1e-8

    def density(self, i):
        return (torch.sin(i * math.pi / 2) + self.eps).pow(self.density_k)

    def forward(self, img):
        r, g, b = img[:, 0], img[:, 1], img[:, 2]
        vmax, vmin = img.max(1)[0], img.min(1)[0]
        delta = vmax - vmin + self.eps
        hue = torch.where(b == vmax, 4.0 + (r - g) / delta, torch.zeros_like(r))
        hue = torch.where(g == vmax, 2.0 + (b - r) / delta, hue)
        hue = torch.where(r == vmax, ((g - b) / delta) % 6, hue)
        hue = torch.where(vmin == vmax, torch.zeros_like(hue), hue) / 6.0
        sat = (vmax - vmin) / (vmax + self.eps)
        ck = self.density(vmax)
        return torch.stack([ck * sat * torch.cos(2 * math.pi * hue), ck * sat * torch.sin(2 * math.pi * hue), vmax], 1)

    def inverse(self, x):
        hh, vv, i = x[:, 0], x[:, 1], x[:, 2].clamp(0, 1)
        ck = self.density(i)
        hh, vv = (hh.clamp(-1, 1) / (ck + self.eps)).clamp(-1, 1), (vv.clamp(-1, 1) / (ck + self.eps)).clamp(-1, 1)
        h = torch.atan2(vv + self.eps, hh + self.eps) / (2 * math.pi) % 1
        s = torch.sqrt(hh * hh + vv * vv + self.eps).clamp(0, 1)
        h6 = h * 6
        sector = torch.floor(h6)
        f = h6 - sector
        p, q, t = i * (1 - s), i * (1 - s * f), i * (1 - s * (1 - f))
        rgb = [[i, t, p], [q, i, p], [p, i, t], [p, q, i], [t, p, i], [i, p, q]]
        out = [torch.zeros_like(i)] * 3
        for k, (rr, gg, bb) in enumerate(rgb):
            m = sector == k
            out = [torch.where(m, v, o) for v, o in zip((rr, gg, bb), out)]
        return torch.stack(out, 1)


class CAB(nn.Module):
    """Lighten cross-attention's CAB: q from one branch, k / v from the other, channel attention ([C, C] per head)
    over L2-normalised rows with a learned temperature, as Restormer's MDTA."""

    def __init__(self, c, heads=2):
        super().__init__()
        self.h = heads
        self.t = nn.Parameter(torch.ones(heads, 1, 1))
        self.q = nn.Sequential(nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 3, 1, 1, groups=c))
        self.kv = nn.Sequential(nn.Conv2d(c, 2 * c, 1), nn.Conv2d(2 * c, 2 * c, 3, 1, 1, groups=2 * c))
        self.o = nn.Conv2d(c, c, 1)

    def forward(self, x, y):
        b, c, h, w = x.shape
        q = self.q(x).view(b, self.h, c // self.h, h * w)
        k, v = [t.reshape(b, self.h, c // self.h, h * w) for t in self.kv(y).chunk(2, 1)]
        a = (F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-1, -2)) * self.t
        return self.o((a.softmax(-1) @ v).view(b, c, h, w))


class IEL(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.i = nn.Conv2d(c, 2 * c, 1)
        self.d1, self.d2 = nn.Conv2d(c, c, 3, 1, 1, groups=c), nn.Conv2d(c, c, 3, 1, 1, groups=c)
        self.o = nn.Conv2d(c, c, 1)

    def forward(self, x):
        a, b = self.i(x).chunk(2, 1)
        return self.o(torch.tanh(self.d1(a)) * torch.tanh(self.d2(b)))


class CIDNet(nn.Module):
    def __init__(self, c=24):
        super().__init__()
        self.hvi = HVI()
        self.hv_in, self.i_in = nn.Conv2d(3, c, 3, 1, 1), nn.Conv2d(1, c, 3, 1, 1)
        self.hv_dn, self.i_dn = nn.Conv2d(c, 2 * c, 3, 2, 1), nn.Conv2d(c, 2 * c, 3, 2, 1)
        self.lca_hv, self.lca_i = CAB(2 * c), CAB(2 * c)
        self.iel_hv, self.iel_i = IEL(2 * c), IEL(2 * c)
        self.hv_up, self.i_up = nn.ConvTranspose2d(2 * c, c, 2, 2), nn.ConvTranspose2d(2 * c, c, 2, 2)
        self.hv_out, self.i_out = nn.Conv2d(2 * c, 2, 3, 1, 1), nn.Conv2d(2 * c, 1, 3, 1, 1)

    def forward(self, x):
        hvi = self.hvi(x)
        i = hvi[:, 2:]
        h0, i0 = self.hv_in(hvi), self.i_in(i)
        h1, i1 = self.hv_dn(h0), self.i_dn(i0)
        h2 = h1 + self.lca_hv(h1, i1)
        i2 = i1 + self.lca_i(i1, h1)
        h2, i2 = h2 + self.iel_hv(h2), i2 + self.iel_i(i2)
        hv = self.hv_out(torch.cat([self.hv_up(h2), h0], 1)) + hvi[:, :2]
        ii = self.i_out(torch.cat([self.i_up(i2), i0], 1)) + i
        return self.hvi.inverse(torch.cat([hv, ii], 1))
