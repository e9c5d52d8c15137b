"""Seventh sweep (docs/model-sweep.md): YOLOv5 / YOLOv8 detect, seg and pose heads as ultralytics writes them (its
Conv, C3, C2f, SPPF, Detect / Segment / Pose with the decode in forward), in plain torch.nn at small widths with
random weights. Imported by sweep7.py."""
import math

import torch
from torch import nn

from sweep3_models import C2f, ConvBnSilu, DFL, SPPF, make_anchors, pyramid


# --- YOLOv5 (ultralytics/yolov5 models/common.py C3, models/yolo.py Detect with anchor grids made in forward) ---
class V5Bottleneck(nn.Module):
    def __init__(self, c, shortcut=True):
        super().__init__()
        self.cv1, self.cv2, self.add = ConvBnSilu(c, c, 1), ConvBnSilu(c, c, 3), shortcut

    def forward(self, x):
        return x + self.cv2(self.cv1(x)) if self.add else self.cv2(self.cv1(x))


class C3(nn.Module):
    def __init__(self, c1, c2, n=1, shortcut=True):
        super().__init__()
        c_ = c2 // 2
        self.cv1, self.cv2, self.cv3 = ConvBnSilu(c1, c_), ConvBnSilu(c1, c_), ConvBnSilu(2 * c_, c2)
        self.m = nn.Sequential(*(V5Bottleneck(c_, shortcut) for _ in range(n)))

    def forward(self, x):
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), 1))


class Conv6(ConvBnSilu):
    """yolov5's 6x6 stride-2 stem, padding 2 (v6.0 onwards, where Focus was)."""

    def __init__(self, c2):
        super().__init__(3, c2, 6, 2)
        self.conv.padding = (2, 2)


class YoloV5(nn.Module):
    """yolov5n-like: P3-P5 outputs, FPN + PAN with nearest upsample and concat, Detect's inference decode
    (xy = (2σ - 0.5 + grid) · stride, wh = (2σ)² · anchor) to [1, N, 5 + nc]."""

    def __init__(self, nc=80, w=16):
        super().__init__()
        self.nc, self.no, self.na = nc, nc + 5, 3
        self.b0 = nn.Sequential(Conv6(w), ConvBnSilu(w, 2 * w, 3, 2), C3(2 * w, 2 * w, 1))
        self.b3 = nn.Sequential(ConvBnSilu(2 * w, 4 * w, 3, 2), C3(4 * w, 4 * w, 2))
        self.b4 = nn.Sequential(ConvBnSilu(4 * w, 8 * w, 3, 2), C3(8 * w, 8 * w, 3))
        self.b5 = nn.Sequential(ConvBnSilu(8 * w, 16 * w, 3, 2), C3(16 * w, 16 * w, 1), SPPF(16 * w, 16 * w))
        self.l10, self.c13 = ConvBnSilu(16 * w, 8 * w), C3(16 * w, 8 * w, 1, False)
        self.l14, self.c17 = ConvBnSilu(8 * w, 4 * w), C3(8 * w, 4 * w, 1, False)
        self.d18, self.c20 = ConvBnSilu(4 * w, 4 * w, 3, 2), C3(8 * w, 8 * w, 1, False)
        self.d21, self.c23 = ConvBnSilu(8 * w, 8 * w, 3, 2), C3(16 * w, 16 * w, 1, False)
        self.up = nn.Upsample(None, 2, 'nearest')
        self.m = nn.ModuleList(nn.Conv2d(c, self.no * self.na, 1) for c in (4 * w, 8 * w, 16 * w))
        self.stride = (8, 16, 32)
        anchors = torch.tensor([[10, 13, 16, 30, 33, 23], [30, 61, 62, 45, 59, 119], [116, 90, 156, 198, 373, 326]], dtype=torch.float)
        self.register_buffer('anchors', anchors.view(3, 3, 2))

    def forward(self, x):
        p3 = self.b3(self.b0(x))
        p4 = self.b4(p3)
        p5 = self.b5(p4)
        t10 = self.l10(p5)
        t13 = self.c13(torch.cat((self.up(t10), p4), 1))
        t14 = self.l14(t13)
        o3 = self.c17(torch.cat((self.up(t14), p3), 1))
        o4 = self.c20(torch.cat((self.d18(o3), t14), 1))
        o5 = self.c23(torch.cat((self.d21(o4), t10), 1))
        z = []
        for i, f in enumerate((o3, o4, o5)):
            y = self.m[i](f)
            bs, _, ny, nx = y.shape
            y = y.view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
            yv, xv = torch.meshgrid(torch.arange(ny, dtype=torch.float), torch.arange(nx, dtype=torch.float), indexing='ij')
            grid = torch.stack((xv, yv), 2).expand(1, self.na, ny, nx, 2) - 0.5
            anchor_grid = (self.anchors[i] * self.stride[i]).view(1, self.na, 1, 1, 2).expand(1, self.na, ny, nx, 2)
            xy, wh, conf = y.sigmoid().split((2, 2, self.nc + 1), 4)
            xy = (xy * 2 + grid) * self.stride[i]
            wh = (wh * 2) ** 2 * anchor_grid
            z.append(torch.cat((xy, wh, conf), 4).view(bs, self.na * nx * ny, self.no))
        return torch.cat(z, 1)


# --- YOLOv8 detect / seg / pose (ultralytics/nn/modules/head.py: Detect, Segment with Proto, Pose) ---
class V8Backbone(nn.Module):
    def __init__(self, w=16):
        super().__init__()
        self.stem = nn.Sequential(ConvBnSilu(3, w, 3, 2), ConvBnSilu(w, 2 * w, 3, 2), C2f(2 * w, 2 * w, 1))
        self.p3 = nn.Sequential(ConvBnSilu(2 * w, 4 * w, 3, 2), C2f(4 * w, 4 * w, 2))
        self.p4 = nn.Sequential(ConvBnSilu(4 * w, 8 * w, 3, 2), C2f(8 * w, 8 * w, 2))
        self.p5 = nn.Sequential(ConvBnSilu(8 * w, 16 * w, 3, 2), C2f(16 * w, 16 * w, 1), SPPF(16 * w, 16 * w))
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.h4, self.h3 = C2f(24 * w, 8 * w, 1, False), C2f(12 * w, 4 * w, 1, False)
        self.d3, self.n4 = ConvBnSilu(4 * w, 4 * w, 3, 2), C2f(12 * w, 8 * w, 1, False)
        self.d4, self.n5 = ConvBnSilu(8 * w, 8 * w, 3, 2), C2f(24 * w, 16 * w, 1, False)
        self.chs = (4 * w, 8 * w, 16 * w)

    def forward(self, x):
        return pyramid(self, x)


def branch(c1, c2, out):
    return nn.Sequential(ConvBnSilu(c1, c2, 3), ConvBnSilu(c2, c2, 3), nn.Conv2d(c2, out, 1))


class YoloV8Head(nn.Module):
    """Detect: per level cat(box DFL logits, class logits), then anchors / strides made in forward, DFL softmax over 16
    bins with its arange conv, dist2bbox (xywh) · stride, concat to [B, 4 + nc, A] (A = 8400 at 640)."""

    def __init__(self, chs, nc=80, reg_max=16):
        super().__init__()
        self.nc, self.reg_max, self.no = nc, reg_max, nc + 4 * reg_max
        c2, c3 = max(16, chs[0] // 4, reg_max * 4), max(chs[0], min(nc, 100))
        self.cv2 = nn.ModuleList(branch(x, c2, 4 * reg_max) for x in chs)
        self.cv3 = nn.ModuleList(branch(x, c3, nc) for x in chs)
        self.dfl = DFL(reg_max)
        self.strides = (8, 16, 32)

    def forward(self, feats):
        feats = [torch.cat((self.cv2[i](f), self.cv3[i](f)), 1) for i, f in enumerate(feats)]
        anchors, strides = (a.transpose(0, 1) for a in make_anchors(feats, self.strides))
        b = feats[0].shape[0]
        xcat = torch.cat([f.view(b, self.no, -1) for f in feats], 2)
        box, cls = xcat.split((self.reg_max * 4, self.nc), 1)
        lt, rb = self.dfl(box).chunk(2, 1)
        x1y1, x2y2 = anchors.unsqueeze(0) - lt, anchors.unsqueeze(0) + rb
        dbox = torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * strides
        return torch.cat((dbox, cls.sigmoid()), 1), anchors, strides


class Proto(nn.Module):
    def __init__(self, c1, c_=64, c2=32):
        super().__init__()
        self.cv1 = ConvBnSilu(c1, c_, 3)
        self.upsample = nn.ConvTranspose2d(c_, c_, 2, 2, 0, bias=True)
        self.cv2, self.cv3 = ConvBnSilu(c_, c_, 3), ConvBnSilu(c_, c2)

    def forward(self, x):
        return self.cv3(self.cv2(self.upsample(self.cv1(x))))


class YoloV8(nn.Module):
    """task 'detect' → [B, 84, A]; 'segment' → ([B, 116, A] with 32 mask coefficients, protos [B, 32, H/4, W/4]);
    'pose' → [B, 56, A] with 17 keypoints decoded (x · 2 + anchor − 0.5) · stride and visibility σ."""

    def __init__(self, task='detect', nc=80, w=16, nm=32, kpt=(17, 3)):
        super().__init__()
        self.task, self.nm, self.kpt = task, nm, kpt
        self.backbone = V8Backbone(w)
        chs = self.backbone.chs
        self.head = YoloV8Head(chs, nc)
        if task == 'segment':
            self.proto = Proto(chs[0], 4 * w, nm)
            self.cv4 = nn.ModuleList(branch(x, max(chs[0] // 4, nm), nm) for x in chs)
        if task == 'pose':
            nk = kpt[0] * kpt[1]
            self.cv4 = nn.ModuleList(branch(x, max(chs[0] // 4, nk), nk) for x in chs)

    def forward(self, x):
        feats = self.backbone(x)
        b = x.shape[0]
        det, anchors, strides = self.head(feats)
        if self.task == 'detect':
            return det
        extra = torch.cat([self.cv4[i](f).view(b, -1, f.shape[2] * f.shape[3]) for i, f in enumerate(feats)], 2)
        if self.task == 'segment':
            return torch.cat((det, extra), 1), self.proto(feats[0])
        kpts = extra.view(b, self.kpt[0], self.kpt[1], -1)
        xy = (kpts[:, :, :2] * 2.0 + (anchors - 0.5)) * strides
        vis = kpts[:, :, 2:3].sigmoid()
        return torch.cat((det, torch.cat((xy, vis), 2).view(b, -1, xy.shape[-1])), 1)


class YoloV10(nn.Module):
    """YOLOv10's NMS-free export (ultralytics utils/ops.py v10postprocess): the one-to-one head's [B, A, 4 + nc], the
    max_det best anchors by TopK over the max class score and Gather, TopK again over their flattened class scores,
    label = index % nc, anchor = index // nc → [B, max_det, 6] (x1, y1, x2, y2, score, label)."""

    def __init__(self, nc=80, w=16, max_det=100):
        super().__init__()
        self.backbone, self.nc, self.max_det = V8Backbone(w), nc, max_det
        self.head = YoloV8Head(self.backbone.chs, nc)

    def forward(self, x):
        det, _, _ = self.head(self.backbone(x))
        xywh, scores = det.permute(0, 2, 1).split([4, self.nc], dim=-1)
        boxes = torch.cat((xywh[..., :2] - xywh[..., 2:] / 2, xywh[..., :2] + xywh[..., 2:] / 2), -1)
        best, index = torch.topk(scores.amax(dim=-1), self.max_det, dim=-1)
        index = index.unsqueeze(-1)
        boxes = torch.gather(boxes, 1, index.repeat(1, 1, boxes.shape[-1]))
        scores = torch.gather(scores, 1, index.repeat(1, 1, scores.shape[-1]))
        scores, index = torch.topk(scores.flatten(1), self.max_det, dim=-1)
        labels = index % self.nc
        index = torch.div(index, self.nc, rounding_mode='floor')
        boxes = boxes.gather(1, index.unsqueeze(-1).repeat(1, 1, boxes.shape[-1]))
        return torch.cat([boxes, scores.unsqueeze(-1), labels.unsqueeze(-1).to(boxes.dtype)], dim=-1)


class YoloV8Obb(nn.Module):
    """YOLOv8-OBB: the angle head's θ = (σ − 0.25)·π and dist2rbox (box centre rotated by cos θ / sin θ) → [B, 4 + nc + 1, A]."""

    def __init__(self, nc=15, w=16):
        super().__init__()
        self.backbone, self.nc = V8Backbone(w), nc
        self.head = YoloV8Head(self.backbone.chs, nc)
        self.cv4 = nn.ModuleList(branch(x, max(self.backbone.chs[0] // 4, 1), 1) for x in self.backbone.chs)

    def forward(self, x):
        feats = self.backbone(x)
        b = x.shape[0]
        angle = (torch.cat([self.cv4[i](f).view(b, 1, -1) for i, f in enumerate(feats)], 2).sigmoid() - 0.25) * math.pi
        feats2 = [torch.cat((self.head.cv2[i](f), self.head.cv3[i](f)), 1) for i, f in enumerate(feats)]
        anchors, strides = (a.transpose(0, 1) for a in make_anchors(feats2, self.head.strides))
        xcat = torch.cat([f.view(b, self.head.no, -1) for f in feats2], 2)
        box, cls = xcat.split((self.head.reg_max * 4, self.nc), 1)
        lt, rb = self.head.dfl(box).split(2, dim=1)
        cos, sin = torch.cos(angle), torch.sin(angle)
        xf, yf = ((rb - lt) / 2).split(1, dim=1)
        xy = torch.cat([xf * cos - yf * sin, xf * sin + yf * cos], 1) + anchors.unsqueeze(0)
        return torch.cat((torch.cat([xy, lt + rb], 1) * strides, cls.sigmoid(), angle), 1)
