"""Twenty-third sweep (docs/model-sweep.md): oriented boxes and lanes as their public code writes them — Oriented
R-CNN (jbwang1997/OBBDetection: an oriented RPN whose six offsets (dx, dy, dw, dh, Δα, Δβ) are the midpoint-offset
representation, decoded to a parallelogram's vertices and then to (cx, cy, w, h, θ), TopK proposals, a rotated
RoIAlign by grid_sample of each proposal's rotated 7x7 grid, a head of class scores and rotated-box deltas decoded in
the box's own frame), CLRNet (Turoad/CLRNet: learned lane priors (start y, start x, θ) sampled at 36 points by
grid_sample on three FPN levels, ROIGather = Conv1d over the points + attention to a pooled global map, refinement
level by level, 72 x offsets decoded from the prior's line), PolyLaneNet (lucastabelini/PolyLaneNet: per lane a
confidence, lower / upper y and a cubic polynomial evaluated at 56 y samples, masked outside [lower, upper]) and
BezierLaneNet (voldemortX/pytorch-auto-drive: feature flip fusion (the map flipped along W, a conv, added), height
pooled to a 1-D row of columns, Conv1d, per column an existence score and 4 cubic Bézier control points sampled at
50 t by the Bernstein matrix). Plain torch.nn, small widths, random weights. Imported by sweep23_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(231)


def cbr(i, o, k=3, s=1, d=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, d * (k // 2), dilation=d, bias=False), nn.BatchNorm2d(o), nn.ReLU())


class Trunk(nn.Module):
    """Stride-8 / 16 / 32 features with a light FPN (ResNet-ish stages)."""
    def __init__(self, c=(16, 32, 48, 64), f=32):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, c[0], 3, 2), cbr(c[0], c[0], 3, 2))
        self.s = nn.ModuleList([nn.Sequential(cbr(a, b, 3, 2), cbr(b, b)) for a, b in zip(c[:-1], c[1:])])
        self.lat = nn.ModuleList([nn.Conv2d(b, f, 1) for b in c[1:]])
        self.out = nn.ModuleList([cbr(f, f) for _ in c[1:]])

    def forward(self, x):
        x, feats = self.stem(x), []
        for s in self.s:
            x = s(x)
            feats.append(x)
        p = [l(f) for l, f in zip(self.lat, feats)]
        for i in range(len(p) - 2, -1, -1):
            p[i] = p[i] + F.interpolate(p[i + 1], size=p[i].shape[-2:], mode='nearest')
        return [o(q) for o, q in zip(self.out, p)]


class OrientedRCNN(nn.Module):
    def __init__(self, f=32, anchors=3, k=32, classes=15, pool=7):
        super().__init__()
        self.trunk, self.a, self.k, self.pool, self.stride = Trunk(f=f), anchors, k, pool, 16
        self.rpn = cbr(f, f)
        self.obj, self.reg = nn.Conv2d(f, anchors, 1), nn.Conv2d(f, anchors * 6, 1)
        self.fc = nn.Sequential(nn.Flatten(1), nn.Linear(f * pool * pool, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU())
        self.cls, self.box = nn.Linear(128, classes + 1), nn.Linear(128, 5)
        self.sizes = [32.0, 64.0, 128.0]

    def forward(self, x):
        feat = self.trunk(x)[1]
        b, c, h, w = feat.shape
        r = self.rpn(feat)
        obj = self.obj(r).permute(0, 2, 3, 1).reshape(b, -1)
        d = self.reg(r).permute(0, 2, 3, 1).reshape(b, -1, 6)
        ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing='ij')
        ctr = (torch.stack([xs, ys], -1).reshape(-1, 1, 2) + 0.5) * self.stride
        anc = torch.cat([ctr.expand(-1, self.a, 2), torch.tensor(self.sizes).view(1, -1, 1).expand(h * w, -1, 2)], -1).reshape(1, -1, 4)
        # midpoint offsets: centre and size as for horizontal boxes, Δα / Δβ slide the top and right midpoints
        cx, cy = anc[..., 0] + d[..., 0] * anc[..., 2], anc[..., 1] + d[..., 1] * anc[..., 3]
        wd, ht = anc[..., 2] * d[..., 2].clamp(max=4.0).exp(), anc[..., 3] * d[..., 3].clamp(max=4.0).exp()
        da, db = d[..., 4] * wd, d[..., 5] * ht
        v1 = torch.stack([cx + da, cy - ht / 2], -1)
        v2 = torch.stack([cx + wd / 2, cy + db], -1)
        e1, e2 = v1 - torch.stack([cx, cy], -1), v2 - torch.stack([cx, cy], -1)
        # parallelogram (centre ± e1 ± e2) to its rectangle: the longer diagonal's half-length and angle
        w1, w2 = (2 * e2).norm(dim=-1), (2 * e1).norm(dim=-1)
        theta = torch.atan(e2[..., 1] / (e2[..., 0] + 1e-6))
        score, idx = obj.sigmoid().topk(self.k, dim=1)
        sel = lambda t: torch.gather(t, 1, idx)  # noqa: E731
        pcx, pcy, pw, ph, pt = sel(cx), sel(cy), sel(w1), sel(w2), sel(theta)
        # rotated RoIAlign: a pool x pool grid in the box's frame, rotated and shifted, sampled by grid_sample
        u = (torch.arange(self.pool, dtype=torch.float32) + 0.5) / self.pool - 0.5
        gy, gx = torch.meshgrid(u, u, indexing='ij')
        gx, gy = gx.reshape(1, 1, -1) * pw[..., None], gy.reshape(1, 1, -1) * ph[..., None]
        cos, sin = pt.cos()[..., None], pt.sin()[..., None]
        px, py = pcx[..., None] + gx * cos - gy * sin, pcy[..., None] + gx * sin + gy * cos
        grid = torch.stack([px / (w * self.stride) * 2 - 1, py / (h * self.stride) * 2 - 1], -1)
        rois = F.grid_sample(feat, grid, align_corners=False)  # [b, c, k, pool²]
        rois = rois.permute(0, 2, 1, 3).reshape(b * self.k, c, self.pool, self.pool)
        hdn = self.fc(rois)
        scores = self.cls(hdn).softmax(-1).reshape(b, self.k, -1)
        dd = self.box(hdn).reshape(b, self.k, 5)
        ocx = pcx + (dd[..., 0] * pw) * pt.cos() - (dd[..., 1] * ph) * pt.sin()
        ocy = pcy + (dd[..., 0] * pw) * pt.sin() + (dd[..., 1] * ph) * pt.cos()
        ow, oh = pw * dd[..., 2].clamp(max=4.0).exp(), ph * dd[..., 3].clamp(max=4.0).exp()
        ot = torch.remainder(pt + dd[..., 4] * math.pi + math.pi / 2, math.pi) - math.pi / 2
        return scores * score[..., None], torch.stack([ocx, ocy, ow, oh, ot], -1)


class CLRNet(nn.Module):
    def __init__(self, f=32, priors=24, pts=36, offsets=72, refine=3, img=(160, 320)):
        super().__init__()
        self.trunk, self.n, self.pts, self.off, self.img = Trunk(f=f), priors, pts, offsets, img
        self.prior = nn.Parameter(torch.rand(priors, 3, generator=g))  # start y, start x, θ (normalised)
        self.conv1d = nn.ModuleList([nn.Sequential(nn.Conv1d(f, f, 9, 1, 4, groups=f), nn.Conv1d(f, f, 1), nn.ReLU()) for _ in range(refine)])
        self.fc = nn.ModuleList([nn.Linear(f * pts, 64) for _ in range(refine)])
        self.key = nn.ModuleList([nn.Conv2d(f, 64, 1) for _ in range(refine)])
        self.val = nn.ModuleList([nn.Conv2d(f, 64, 1) for _ in range(refine)])
        self.reg = nn.ModuleList([nn.Linear(64, 4 + offsets) for _ in range(refine)])
        self.cls = nn.Linear(64, 2)
        self.sample_ys = torch.linspace(1, 0, pts)
        self.off_ys = torch.linspace(1, 0, offsets)

    def line_xs(self, p, ys):
        """x of each prior's line at the normalised ys: from (start x, start y) along angle θ·π."""
        sy, sx, th = p[..., 0:1], p[..., 1:2], p[..., 2:3] * math.pi
        h, w = self.img
        return sx + (sy - ys) * h / torch.tan(th.clamp(0.05, 3.09)) / w

    def forward(self, x):
        levels = self.trunk(x)[::-1]
        p = self.prior[None].expand(x.shape[0], -1, -1)
        glob = F.interpolate(levels[-1], size=(10, 25), mode='bilinear', align_corners=False)
        prior_feat = 0
        for i, lvl in enumerate(levels):
            xs = self.line_xs(p, self.sample_ys)  # [b, n, pts]
            grid = torch.stack([xs * 2 - 1, self.sample_ys.expand_as(xs) * 2 - 1], -1)
            s = F.grid_sample(lvl, grid, align_corners=True)  # [b, c, n, pts]
            s = s.permute(0, 2, 1, 3).reshape(-1, s.shape[1], self.pts)
            roi = self.fc[i](self.conv1d[i](s).flatten(1)).reshape(x.shape[0], self.n, -1)
            k, v = self.key[i](glob).flatten(2), self.val[i](glob).flatten(2)
            att = (roi @ k / 8.0).softmax(-1)
            prior_feat = roi + att @ v.transpose(1, 2) + prior_feat
            r = self.reg[i](prior_feat)
            p = torch.cat([p[..., :2] + r[..., :2] * 0.1, p[..., 2:3] + r[..., 2:3] * 0.05], -1)
        length = r[..., 3:4]
        lane_xs = self.line_xs(p, self.off_ys) + r[..., 4:]
        return self.cls(prior_feat).softmax(-1), torch.cat([p, length, lane_xs], -1)


class PolyLaneNet(nn.Module):
    def __init__(self, lanes=5, degree=3, samples=56):
        super().__init__()
        self.trunk = nn.Sequential(cbr(3, 16, 3, 2), cbr(16, 32, 3, 2), cbr(32, 48, 3, 2), cbr(48, 64, 3, 2), cbr(64, 96, 3, 2),
                                   nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
        self.head = nn.Linear(96, lanes * (3 + degree + 1))
        self.l, self.d = lanes, degree
        self.ys = torch.linspace(0, 1, samples)

    def forward(self, x):
        o = self.head(self.trunk(x)).reshape(x.shape[0], self.l, -1)
        conf, lower, upper, coef = o[..., 0].sigmoid(), o[..., 1:2].sigmoid() * 0.5, 0.5 + o[..., 2:3].sigmoid() * 0.5, o[..., 3:]
        powers = torch.stack([self.ys ** (self.d - i) for i in range(self.d + 1)], 0)  # [deg+1, S]
        xs = coef @ powers
        inside = (self.ys >= lower) & (self.ys <= upper)
        return conf, torch.where(inside, xs, torch.full_like(xs, -2.0))


class BezierLaneNet(nn.Module):
    def __init__(self, f=64, samples=50):
        super().__init__()
        self.trunk = nn.Sequential(cbr(3, 16, 3, 2), cbr(16, 32, 3, 2), cbr(32, 48, 3, 2), cbr(48, f, 3, 2), cbr(f, f, 3, 1, 2))
        self.flip = nn.Sequential(nn.Conv2d(f, f, 3, 1, 1), nn.BatchNorm2d(f))
        self.proj = cbr(f, f, 1)
        self.conv1d = nn.Sequential(nn.Conv1d(f, f, 9, 1, 4), nn.BatchNorm1d(f), nn.ReLU(), nn.Conv1d(f, f, 9, 1, 4), nn.BatchNorm1d(f), nn.ReLU())
        self.cls, self.reg = nn.Conv1d(f, 1, 1), nn.Conv1d(f, 8, 1)
        t = torch.linspace(0, 1, samples)
        self.bern = torch.stack([math.comb(3, i) * t ** i * (1 - t) ** (3 - i) for i in range(4)], 1)  # [S, 4]

    def forward(self, x):
        f = self.trunk(x)
        f = F.relu(self.proj(f) + self.flip(f.flip(-1)))
        row = self.conv1d(f.mean(2))  # height pooled: [b, c, W]
        logits = self.cls(row).squeeze(1)
        ctrl = self.reg(row).sigmoid().permute(0, 2, 1).reshape(x.shape[0], -1, 4, 2)
        return logits.sigmoid(), self.bern @ ctrl  # [b, W, 50, 2]
