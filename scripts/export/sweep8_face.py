"""Eighth sweep (docs/model-sweep.md): face detection and recognition as their projects write them — RetinaFace
(biubug6/Pytorch_Retinaface, mobilenet0.25) with its prior-box decoding, SCRFD (insightface, GroupNorm heads) and YuNet
(libfacedetection.train) with their anchor-point decoding in the graph, ArcFace's MobileFaceNet (PReLU, GDC) and IResNet (insightface's buffalo_l recognizer family: BN → conv → BN → PReLU → conv
→ BN pre-activation blocks, BN → flatten → FC → BN1d features). Plain
torch.nn, small widths, random weights. Imported by sweep8.py."""
from itertools import product
import math

import torch
from torch import nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1, leaky=0.0, groups=1, act=True):
    layers = [nn.Conv2d(i, o, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(o)]
    if act:
        layers.append(nn.LeakyReLU(leaky) if leaky else nn.ReLU())
    return nn.Sequential(*layers)


# --- RetinaFace (models/retinaface.py, net.py, layers/functions/prior_box.py, utils/box_utils.py decode) ---
def dw(i, o, s):
    return nn.Sequential(cbr(i, i, 3, s, 0.1, groups=i), cbr(i, o, 1, 1, 0.1))


class SSH(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        leaky = 0.1 if o <= 64 else 0.0
        self.c3 = cbr(i, o // 2, act=False)
        self.c5_1, self.c5_2 = cbr(i, o // 4, leaky=leaky), cbr(o // 4, o // 4, act=False)
        self.c7_2, self.c7_3 = cbr(o // 4, o // 4, leaky=leaky), cbr(o // 4, o // 4, act=False)

    def forward(self, x):
        c5 = self.c5_1(x)
        c7 = self.c7_2(c5)
        return F.relu(torch.cat([self.c3(x), self.c5_2(c5), self.c7_3(c7)], 1))


def priors(h, w, min_sizes=((16, 32), (64, 128), (256, 512)), steps=(8, 16, 32)):
    out = []
    for k, step in enumerate(steps):
        fh, fw = math.ceil(h / step), math.ceil(w / step)
        for i, j in product(range(fh), range(fw)):
            for m in min_sizes[k]:
                out += [(j + 0.5) * step / w, (i + 0.5) * step / h, m / w, m / h]
    return torch.tensor(out).view(-1, 4)


class RetinaFace(nn.Module):
    """Outputs as the exported-with-decode forks: boxes [1, N, 4] (x1, y1, x2, y2 in [0, 1]), face scores
    [1, N, 2] (softmax), landmarks [1, N, 10]; variances 0.1 / 0.2."""

    def __init__(self, h=320, w=320):
        super().__init__()
        self.stage1 = nn.Sequential(cbr(3, 8, 3, 2, 0.1), dw(8, 16, 1), dw(16, 32, 2), dw(32, 32, 1), dw(32, 64, 2), dw(64, 64, 1))
        self.stage2 = nn.Sequential(dw(64, 128, 2), *[dw(128, 128, 1) for _ in range(2)])
        self.stage3 = nn.Sequential(dw(128, 256, 2), dw(256, 256, 1))
        o = 64
        self.out = nn.ModuleList([cbr(c, o, 1, 1, 0.1) for c in (64, 128, 256)])
        self.merge1, self.merge2 = cbr(o, o, leaky=0.1), cbr(o, o, leaky=0.1)
        self.ssh = nn.ModuleList([SSH(o, o) for _ in range(3)])
        self.cls = nn.ModuleList([nn.Conv2d(o, 2 * 2, 1) for _ in range(3)])
        self.box = nn.ModuleList([nn.Conv2d(o, 2 * 4, 1) for _ in range(3)])
        self.ldm = nn.ModuleList([nn.Conv2d(o, 2 * 10, 1) for _ in range(3)])
        self.register_buffer('priors', priors(h, w))

    def forward(self, x):
        c1 = self.stage1(x)
        c2 = self.stage2(c1)
        c3 = self.stage3(c2)
        o1, o2, o3 = (m(c) for m, c in zip(self.out, (c1, c2, c3)))
        o2 = self.merge2(o2 + F.interpolate(o3, size=[o2.size(2), o2.size(3)], mode='nearest'))
        o1 = self.merge1(o1 + F.interpolate(o2, size=[o1.size(2), o1.size(3)], mode='nearest'))
        feats = [s(f) for s, f in zip(self.ssh, (o1, o2, o3))]

        def head(ms, n):
            return torch.cat([m(f).permute(0, 2, 3, 1).contiguous().view(f.shape[0], -1, n) for m, f in zip(ms, feats)], 1)
        loc, conf, ldm = head(self.box, 4), head(self.cls, 2), head(self.ldm, 10)
        p = self.priors
        boxes = torch.cat((p[:, :2] + loc[..., :2] * 0.1 * p[:, 2:], p[:, 2:] * torch.exp(loc[..., 2:] * 0.2)), 2)
        boxes = torch.cat((boxes[..., :2] - boxes[..., 2:] / 2, boxes[..., :2] + boxes[..., 2:] / 2), 2)
        lm = torch.cat([p[:, :2] + ldm[..., 2 * k:2 * k + 2] * 0.1 * p[:, 2:] for k in range(5)], 2)
        return boxes, F.softmax(conf, dim=-1), lm


# --- SCRFD (insightface detection/scrfd: mmdet SCRFDHead with GN, distance2bbox / distance2kps) ---
class Scrfd(nn.Module):
    """Per stride 8 / 16 / 32: scores [1, HW·2, 1] (sigmoid), boxes [1, HW·2, 4] decoded from the anchor centres
    (x1 y1 x2 y2 pixels), keypoints [1, HW·2, 10] — SCRFD's export keeps the 9 outputs; the centres are made in
    forward from the feature sizes (scrfd.py's anchor_centers), as the 'with decode' exports do."""

    def __init__(self, c=24):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, c, 3, 2), cbr(c, c, 3, 2))
        self.s8, self.s16, self.s32 = cbr(c, 2 * c, 3, 2), cbr(2 * c, 4 * c, 3, 2), cbr(4 * c, 4 * c, 3, 2)
        self.lat = nn.ModuleList([nn.Conv2d(k, c * 2, 1) for k in (2 * c, 4 * c, 4 * c)])
        self.fpn = nn.ModuleList([nn.Conv2d(c * 2, c * 2, 3, 1, 1) for _ in range(3)])
        self.down = nn.ModuleList([nn.Conv2d(c * 2, c * 2, 3, 2, 1) for _ in range(2)])
        h = c * 2
        self.tower = nn.ModuleList([nn.Sequential(nn.Conv2d(h, h, 3, 1, 1), nn.GroupNorm(16, h), nn.ReLU(),
                                                  nn.Conv2d(h, h, 3, 1, 1), nn.GroupNorm(16, h), nn.ReLU()) for _ in range(3)])
        self.cls = nn.ModuleList([nn.Conv2d(h, 2, 3, 1, 1) for _ in range(3)])
        self.reg = nn.ModuleList([nn.Conv2d(h, 8, 3, 1, 1) for _ in range(3)])
        self.kps = nn.ModuleList([nn.Conv2d(h, 20, 3, 1, 1) for _ in range(3)])
        self.scale = nn.Parameter(torch.ones(3))

    def forward(self, x):
        x = self.stem(x)
        c3 = self.s8(x)
        c4 = self.s16(c3)
        c5 = self.s32(c4)
        l3, l4, l5 = (m(c) for m, c in zip(self.lat, (c3, c4, c5)))
        l4 = l4 + F.interpolate(l5, size=l4.shape[2:], mode='nearest')
        l3 = l3 + F.interpolate(l4, size=l3.shape[2:], mode='nearest')
        p3, p4, p5 = (m(f) for m, f in zip(self.fpn, (l3, l4, l5)))
        p4 = p4 + self.down[0](p3)  # PAFPN bottom-up
        p5 = p5 + self.down[1](p4)
        scores, boxes, kpss = [], [], []
        for i, (f, stride) in enumerate(zip((p3, p4, p5), (8, 16, 32))):
            t = self.tower[i](f)
            b, _, h, w = t.shape
            s = self.cls[i](t).sigmoid().permute(0, 2, 3, 1).reshape(b, -1, 1)
            d = (self.reg[i](t) * self.scale[i]).permute(0, 2, 3, 1).reshape(b, -1, 4) * stride
            k = self.kps[i](t).permute(0, 2, 3, 1).reshape(b, -1, 10) * stride
            ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
            c = (torch.stack([xs, ys], -1).float() * stride).reshape(-1, 1, 2).expand(-1, 2, 2).reshape(-1, 2)
            boxes.append(torch.cat([c - d[..., :2], c + d[..., 2:]], -1))
            kpss.append((k.reshape(b, -1, 5, 2) + c[:, None, :]).reshape(b, -1, 10))
            scores.append(s)
        return (*scores, *boxes, *kpss)


# --- YuNet (libfacedetection.train: YuNetBackbone, TFPN, YuNet_Head; OpenCV FaceDetectorYN's decode) ---
class DPUnit(nn.Module):
    def __init__(self, i, o, bnrelu=True):
        super().__init__()
        self.c1 = nn.Conv2d(i, o, 1, bias=True)
        self.c2 = nn.Conv2d(o, o, 3, 1, 1, groups=o, bias=True)
        self.bn = nn.Sequential(nn.BatchNorm2d(o), nn.ReLU()) if bnrelu else nn.Identity()

    def forward(self, x):
        return self.bn(self.c2(self.c1(x)))


class YuNet(nn.Module):
    """Outputs per stride 8 / 16 / 32: score sqrt(cls·obj) [1, HW, 1], boxes [1, HW, 4] (x, y, w, h pixels),
    landmarks [1, HW, 10] — the decode OpenCV's FaceDetectorYN does, in the graph; height / width dynamic."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU(), DPUnit(16, 16), nn.MaxPool2d(2))
        self.s1 = nn.Sequential(DPUnit(16, 16), DPUnit(16, 64))
        self.s2 = nn.Sequential(nn.MaxPool2d(2), DPUnit(64, 64), DPUnit(64, 64))
        self.s3 = nn.Sequential(nn.MaxPool2d(2), DPUnit(64, 64), DPUnit(64, 64))
        self.s4 = nn.Sequential(nn.MaxPool2d(2), DPUnit(64, 64), DPUnit(64, 64))
        self.fpn = nn.ModuleList([DPUnit(64, 64) for _ in range(3)])
        self.shared = nn.ModuleList([DPUnit(64, 64) for _ in range(3)])
        self.cls = nn.ModuleList([DPUnit(64, 1, False) for _ in range(3)])
        self.obj = nn.ModuleList([DPUnit(64, 1, False) for _ in range(3)])
        self.box = nn.ModuleList([DPUnit(64, 4, False) for _ in range(3)])
        self.kps = nn.ModuleList([DPUnit(64, 10, False) for _ in range(3)])

    def forward(self, x):
        x = self.s1(self.stem(x))
        f8 = self.s2(x)
        f16 = self.s3(f8)
        f32 = self.fpn[2](self.s4(f16))
        f16 = self.fpn[1](f16 + F.interpolate(f32, scale_factor=2.0, mode='bilinear', align_corners=False))
        f8 = self.fpn[0](f8 + F.interpolate(f16, scale_factor=2.0, mode='bilinear', align_corners=False))
        outs = []
        for i, (f, stride) in enumerate(zip((f8, f16, f32), (8, 16, 32))):
            t = self.shared[i](f)
            b, _, h, w = t.shape

            def flat(m, n):
                return m(t).permute(0, 2, 3, 1).reshape(b, -1, n)
            score = torch.sqrt(torch.clamp(flat(self.cls[i], 1).sigmoid() * flat(self.obj[i], 1).sigmoid(), 0, 1))
            ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
            grid = torch.stack([xs, ys], -1).reshape(1, -1, 2).float()
            d = flat(self.box[i], 4)
            ctr, wh = (grid + d[..., :2]) * stride, torch.exp(d[..., 2:]) * stride
            k = flat(self.kps[i], 10).reshape(b, -1, 5, 2)
            lm = ((k + grid[:, :, None, :]) * stride).reshape(b, -1, 10)
            outs.append((score, torch.cat([ctr - wh / 2, wh], -1), lm))
        return tuple(t for o in zip(*outs) for t in o)


# --- ArcFace MobileFaceNet (insightface recognition/arcface_torch/backbones/mobilefacenet.py) ---
class CBP(nn.Module):
    def __init__(self, i, o, k=1, s=1, p=0, g=1, act=True):
        super().__init__()
        self.layers = nn.Sequential(nn.Conv2d(i, o, k, s, p, groups=g, bias=False), nn.BatchNorm2d(o), *([nn.PReLU(o)] if act else []))

    def forward(self, x):
        return self.layers(x)


class DepthWise(nn.Module):
    def __init__(self, i, o, residual=False, s=2, g=1):
        super().__init__()
        self.residual = residual
        self.layers = nn.Sequential(CBP(i, g), CBP(g, g, 3, s, 1, g=g), CBP(g, o, act=False))

    def forward(self, x):
        y = self.layers(x)
        return x + y if self.residual else y


class MobileFaceNet(nn.Module):
    """112×112 → 512-d embedding: PReLU per channel, GDC (7×7 depthwise linear conv, no padding), Linear, BatchNorm1d."""

    def __init__(self, blocks=(1, 2, 3, 1), emb=512, scale=1):
        super().__init__()
        c = 64 * scale
        layers = [CBP(3, c, 3, 2, 1), CBP(c, c, 3, 1, 1, g=c) if blocks[0] == 1 else None]
        layers += [DepthWise(c, c, False, 2, 128 * scale)] + [DepthWise(c, c, True, 1, 128 * scale) for _ in range(blocks[1])]
        layers += [DepthWise(c, 2 * c, False, 2, 256 * scale)] + [DepthWise(2 * c, 2 * c, True, 1, 256 * scale) for _ in range(blocks[2])]
        layers += [DepthWise(2 * c, 2 * c, False, 2, 512 * scale)] + [DepthWise(2 * c, 2 * c, True, 1, 256 * scale) for _ in range(blocks[3])]
        self.layers = nn.Sequential(*[m for m in layers if m is not None])
        self.conv_sep = CBP(2 * c, 512, 1)
        self.gdc = nn.Sequential(nn.Conv2d(512, 512, 7, groups=512, bias=False), nn.BatchNorm2d(512), nn.Flatten(),
                                 nn.Linear(512, emb, bias=False), nn.BatchNorm1d(emb))

    def forward(self, x):
        return self.gdc(self.conv_sep(self.layers(x)))


# --- ArcFace IResNet (insightface recognition/arcface_torch/backbones/iresnet.py) ---
class IBasicBlock(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.f = nn.Sequential(nn.BatchNorm2d(i, eps=1e-5), nn.Conv2d(i, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o, eps=1e-5), nn.PReLU(o),
                               nn.Conv2d(o, o, 3, s, 1, bias=False), nn.BatchNorm2d(o, eps=1e-5))
        self.down = nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o, eps=1e-5)) if s > 1 or i != o else None

    def forward(self, x):
        return self.f(x) + (x if self.down is None else self.down(x))


class IResNet(nn.Module):
    """IResNet-18-like at 112: [2, 2, 2, 2] blocks, widths 32..256 (the model's 64..512 halved), 512-d features."""

    def __init__(self, layers=(2, 2, 2, 2), widths=(32, 64, 128, 256), emb=512):
        super().__init__()
        stem = [nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0], eps=1e-5), nn.PReLU(widths[0])]
        blocks, c = [], widths[0]
        for w, n in zip(widths, layers):
            blocks += [IBasicBlock(c, w, 2)] + [IBasicBlock(w, w, 1) for _ in range(n - 1)]
            c = w
        self.body = nn.Sequential(*stem, *blocks, nn.BatchNorm2d(c, eps=1e-5), nn.Dropout(0.0), nn.Flatten())
        self.fc, self.features = nn.Linear(c * 7 * 7, emb), nn.BatchNorm1d(emb, eps=1e-5)

    def forward(self, x):
        return self.features(self.fc(self.body(x)))
