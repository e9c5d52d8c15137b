"""Twelfth sweep, detection / face / segmentation (docs/model-sweep.md): UltraFace (Ultra-Light-Fast-Generic-Face-
Detector-1MB "slim" with its export's box decode), PFLD (98 landmarks), YOLOv4-tiny with Tianxiaomo's
yolo_forward_dynamic decode, YOLOv6n (RepVGG deploy form, Rep-PAN, efficient decoupled head, anchor-free decode),
ENet (max-pool indices and MaxUnpool), PSPNet (pyramid pooling 1 / 2 / 3 / 6), Fast-SCNN, BiSeNet V1 (face parsing),
milesial's U-Net (bilinear up, F.pad to the skip's size), EAST (rbox geometry), lightweight OpenPose, L2CS-Net gaze
(softmax expectation), in plain torch.nn (small widths, the projects' math)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def cbr(i, o, k=3, s=1, p=None, g=1, act=nn.ReLU, d=1):
    p = (k // 2) * d if p is None else p
    return nn.Sequential(nn.Conv2d(i, o, k, s, p, dilation=d, groups=g, bias=False), nn.BatchNorm2d(o), act())


def dw(i, o, s=1):
    """Depthwise 3×3 + BN + ReLU, pointwise 1×1 + BN + ReLU (MobileNet v1)."""
    return nn.Sequential(cbr(i, i, 3, s, g=i), cbr(i, o, 1))


# --- UltraFace (version-slim-320): SSD-style heads on 4 scales, priors, softmax and decode in the export ---

class UltraFace(nn.Module):
    def __init__(self, w=320, h=240):
        super().__init__()
        self.backbone = nn.Sequential(
            cbr(3, 16, 3, 2), dw(16, 32), dw(32, 32, 2), dw(32, 32), dw(32, 64, 2), dw(64, 64), dw(64, 64),
            dw(64, 64), dw(64, 128, 2), dw(128, 128), dw(128, 128), dw(128, 256, 2), dw(256, 256))
        self.taps = (8, 11, 13)  # after this many layers: strides 8, 16, 32
        self.extras = nn.Sequential(nn.Conv2d(256, 64, 1), nn.ReLU(), nn.Conv2d(64, 64, 3, 2, 1, groups=64),
                                    nn.ReLU(), nn.Conv2d(64, 256, 1), nn.ReLU())
        mins = [[10, 16, 24], [32, 48], [64, 96], [128, 192, 256]]
        chans = [64, 128, 256, 256]

        def sep(i, o):  # SeperableConv2d: depthwise 3×3 + ReLU, 1×1
            return nn.Sequential(nn.Conv2d(i, i, 3, 1, 1, groups=i), nn.ReLU(), nn.Conv2d(i, o, 1))
        self.cls = nn.ModuleList([sep(c, len(m) * 2) if j < 3 else nn.Conv2d(c, len(m) * 2, 3, 1, 1) for j, (c, m) in enumerate(zip(chans, mins))])
        self.reg = nn.ModuleList([sep(c, len(m) * 4) if j < 3 else nn.Conv2d(c, len(m) * 4, 3, 1, 1) for j, (c, m) in enumerate(zip(chans, mins))])
        priors = []
        for stride, ms in zip([8, 16, 32, 64], mins):
            fw, fh = math.ceil(w / stride), math.ceil(h / stride)
            for j in range(fh):
                for i in range(fw):
                    for m in ms:
                        priors.append([(i + 0.5) / fw, (j + 0.5) / fh, m / w, m / h])
        self.register_buffer('priors', torch.tensor(priors).clamp(0, 1))

    def forward(self, x):
        feats = []
        for i, layer in enumerate(self.backbone):
            x = layer(x)
            if i + 1 in self.taps:
                feats.append(x)
        feats.append(self.extras(x))
        conf, loc = [], []
        for f, c, r in zip(feats, self.cls, self.reg):
            conf.append(c(f).permute(0, 2, 3, 1).contiguous().view(f.size(0), -1, 2))
            loc.append(r(f).permute(0, 2, 3, 1).contiguous().view(f.size(0), -1, 4))
        conf, loc = torch.cat(conf, 1), torch.cat(loc, 1)
        scores = F.softmax(conf, dim=2)
        # box_utils.convert_locations_to_boxes (center variance 0.1, size variance 0.2), center_form_to_corner_form
        p = self.priors.unsqueeze(0)
        c = loc[..., :2] * 0.1 * p[..., 2:] + p[..., :2]
        s = torch.exp(loc[..., 2:] * 0.2) * p[..., 2:]
        return scores, torch.cat([c - s / 2, c + s / 2], 2)


# --- PFLD: MobileNetV2 blocks, multi-scale fully connected landmarks (98 × 2) ---

class InvRes(nn.Module):
    def __init__(self, i, o, s, t, use_res=True):
        super().__init__()
        self.res = use_res and s == 1 and i == o
        self.conv = nn.Sequential(cbr(i, i * t, 1), cbr(i * t, i * t, 3, s, g=i * t),
                                  nn.Conv2d(i * t, o, 1, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        return x + self.conv(x) if self.res else self.conv(x)


class PFLD(nn.Module):
    def __init__(self, w=0.5):
        super().__init__()
        c = lambda n: int(n * w)  # noqa: E731
        self.stem = nn.Sequential(cbr(3, c(64), 3, 2), cbr(c(64), c(64), 3, 1, g=c(64)))
        self.b3 = nn.Sequential(InvRes(c(64), c(64), 2, 2, False), InvRes(c(64), c(64), 1, 2), InvRes(c(64), c(64), 1, 2))
        self.b4 = nn.Sequential(InvRes(c(64), c(128), 2, 2, False), InvRes(c(128), c(128), 1, 4), InvRes(c(128), c(128), 1, 4),
                                InvRes(c(128), c(16), 1, 2, False))
        self.conv7 = cbr(c(16), c(32), 3, 2)
        self.conv8 = nn.Conv2d(c(32), c(128), 7, 1, 0)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(c(16) + c(32) + c(128), 196)

    def forward(self, x):
        x = self.stem(x)
        features = self.b3(x)
        x = self.b4(features)
        x1 = F.avg_pool2d(x, 14).view(x.size(0), -1)
        x = self.conv7(x)
        x2 = F.avg_pool2d(x, 7).view(x.size(0), -1)
        x3 = self.relu(self.conv8(x)).view(x.size(0), -1)
        return features, self.fc(torch.cat([x1, x2, x3], 1))


# --- YOLOv4-tiny (Tianxiaomo pytorch-YOLOv4 cfg) with yolo_forward_dynamic ---

def leaky(i, o, k=3, s=1):
    return cbr(i, o, k, s, act=lambda: nn.LeakyReLU(0.1))


class TinyCSP(nn.Module):
    """A yolov4-tiny.cfg block: 3×3 conv, route groups=2 group_id=1 (the second half of the channels), two convs,
    route of both, 1×1 conv (kept for the neck), route with the block's first conv, maxpool."""

    def __init__(self, c):
        super().__init__()
        self.c0 = leaky(c, c)
        self.c1, self.c2, self.c3 = leaky(c // 2, c // 2), leaky(c // 2, c // 2), leaky(c, c, 1)

    def forward(self, x):
        x = self.c0(x)
        a = self.c1(x[:, x.shape[1] // 2:])
        b = self.c2(a)
        f = self.c3(torch.cat([b, a], 1))
        return F.max_pool2d(torch.cat([x, f], 1), 2, 2), f


def yolo_forward_dynamic(output, num_classes, anchors, num_anchors, scale_x_y=1.05):
    """Tianxiaomo's tool/yolo_layer.py yolo_forward_dynamic: per-anchor slices, sigmoid / exp, grid offsets from
    linspace, boxes [B, N, 1, 4] and confidences [B, N, C]."""
    bxy_list, bwh_list, det_confs_list, cls_confs_list = [], [], [], []
    for i in range(num_anchors):
        begin = i * (5 + num_classes)
        bxy_list.append(output[:, begin: begin + 2])
        bwh_list.append(output[:, begin + 2: begin + 4])
        det_confs_list.append(output[:, begin + 4: begin + 5])
        cls_confs_list.append(output[:, begin + 5: begin + 5 + num_classes])
    bxy, bwh = torch.cat(bxy_list, 1), torch.cat(bwh_list, 1)
    det_confs, cls_confs = torch.cat(det_confs_list, 1), torch.cat(cls_confs_list, 1)
    b, h, w = output.size(0), output.size(2), output.size(3)
    det_confs = det_confs.view(b, num_anchors * h * w)
    cls_confs = cls_confs.view(b, num_anchors, num_classes, h * w).permute(0, 1, 3, 2).reshape(b, num_anchors * h * w, num_classes)
    bxy = torch.sigmoid(bxy) * scale_x_y - 0.5 * (scale_x_y - 1)
    bwh = torch.exp(bwh)
    det_confs, cls_confs = torch.sigmoid(det_confs), torch.sigmoid(cls_confs)
    grid_x = torch.linspace(0, w - 1, w).reshape(1, 1, 1, w).repeat(1, 1, h, 1)
    grid_y = torch.linspace(0, h - 1, h).reshape(1, 1, h, 1).repeat(1, 1, 1, w)
    anchor_w, anchor_h = [], []
    for i in range(num_anchors):
        anchor_w.append(anchors[i * 2])
        anchor_h.append(anchors[i * 2 + 1])
    bx_list, by_list, bw_list, bh_list = [], [], [], []
    for i in range(num_anchors):
        ii = i * 2
        bx_list.append(bxy[:, ii: ii + 1] + grid_x)
        by_list.append(bxy[:, ii + 1: ii + 2] + grid_y)
        bw_list.append(bwh[:, ii: ii + 1] * anchor_w[i])
        bh_list.append(bwh[:, ii + 1: ii + 2] * anchor_h[i])
    bx, by = torch.cat(bx_list, 1) / w, torch.cat(by_list, 1) / h
    bw, bh = torch.cat(bw_list, 1) / w, torch.cat(bh_list, 1) / h
    bx, by = bx.view(b, num_anchors * h * w, 1), by.view(b, num_anchors * h * w, 1)
    bw, bh = bw.view(b, num_anchors * h * w, 1), bh.view(b, num_anchors * h * w, 1)
    bx1y1, bx2y2 = torch.cat((bx - bw * 0.5, by - bh * 0.5), 2), torch.cat((bx + bw * 0.5, by + bh * 0.5), 2)
    boxes = torch.cat((bx1y1, bx2y2), 2).view(b, num_anchors * h * w, 1, 4)
    return boxes, cls_confs * det_confs.view(b, num_anchors * h * w, 1)


class YOLOv4Tiny(nn.Module):
    def __init__(self, nc=80):
        super().__init__()
        self.nc = nc
        self.stem = nn.Sequential(leaky(3, 32, 3, 2), leaky(32, 64, 3, 2))
        self.csp1, self.csp2, self.csp3 = TinyCSP(64), TinyCSP(128), TinyCSP(256)
        self.c4 = leaky(512, 512)
        self.h1 = nn.Sequential(leaky(512, 256, 1), )
        self.h1b = nn.Sequential(leaky(256, 512), nn.Conv2d(512, 3 * (5 + nc), 1))
        self.up = leaky(256, 128, 1)
        self.h2 = nn.Sequential(leaky(384, 256), nn.Conv2d(256, 3 * (5 + nc), 1))
        self.anchors = [10, 14, 23, 27, 37, 58, 81, 82, 135, 169, 344, 319]

    def forward(self, x):
        x = self.stem(x)
        x, _ = self.csp1(x)
        x, _ = self.csp2(x)
        x, f = self.csp3(x)
        x = self.c4(x)
        p = self.h1(x)
        o1 = self.h1b(p)
        u = F.interpolate(self.up(p), scale_factor=2, mode='nearest')
        o2 = self.h2(torch.cat([u, f], 1))
        a = self.anchors
        b1, c1 = yolo_forward_dynamic(o1, self.nc, [v / 32 for v in a[6:]], 3)
        b2, c2 = yolo_forward_dynamic(o2, self.nc, [v / 16 for v in a[:6]], 3)
        return torch.cat([b1, b2], 1), torch.cat([c1, c2], 1)


# --- YOLOv6n (v3.0 deploy form): RepVGG blocks as one 3×3 conv + ReLU, SimCSPSPPF, Rep-PAN with BiFusion ---

def rep(i, o, s=1):
    return nn.Sequential(nn.Conv2d(i, o, 3, s, 1), nn.ReLU())


class RepBlock(nn.Sequential):
    def __init__(self, i, o, n):
        super().__init__(rep(i, o), *[rep(o, o) for _ in range(n - 1)])


class SimSPPF(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.cv1, self.cv2 = cbr(i, i // 2, 1), cbr(i * 2, o, 1)
        self.m = nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat([x, y1, y2, self.m(y2)], 1))


class BiFusion(nn.Module):
    """YOLOv6 v3's BiFusion: the upper level by ConvTranspose ×2, the lower one by a stride-2 conv, concat, 1×1."""

    def __init__(self, cs, o):
        super().__init__()
        self.cv1, self.cv2 = cbr(cs[0], o, 1), cbr(cs[1], o, 1)
        self.cv3 = cbr(o * 3, o, 1)
        self.up = nn.ConvTranspose2d(o, o, 2, 2)
        self.down = cbr(o, o, 3, 2)

    def forward(self, x):
        return self.cv3(torch.cat([self.up(x[0]), self.cv1(x[1]), self.down(self.cv2(x[2]))], 1))


class YOLOv6n(nn.Module):
    def __init__(self, nc=80):
        super().__init__()
        self.nc = nc
        ch = [16, 32, 64, 128, 256]
        self.stem = rep(3, ch[0], 2)
        self.e1 = nn.Sequential(rep(ch[0], ch[1], 2), RepBlock(ch[1], ch[1], 2))
        self.e2 = nn.Sequential(rep(ch[1], ch[2], 2), RepBlock(ch[2], ch[2], 4))
        self.e3 = nn.Sequential(rep(ch[2], ch[3], 2), RepBlock(ch[3], ch[3], 6))
        self.e4 = nn.Sequential(rep(ch[3], ch[4], 2), RepBlock(ch[4], ch[4], 2), SimSPPF(ch[4], ch[4]))
        self.reduce0 = cbr(256, 64, 1)
        self.bi0 = BiFusion([128, 64], 64)
        self.rep_p4 = RepBlock(64, 64, 4)
        self.reduce1 = cbr(64, 32, 1)
        self.bi1 = BiFusion([64, 32], 32)
        self.rep_p3 = RepBlock(32, 32, 4)
        self.down2 = cbr(32, 32, 3, 2)
        self.rep_n3 = RepBlock(64, 64, 4)
        self.down1 = cbr(64, 64, 3, 2)
        self.rep_n4 = RepBlock(128, 128, 4)
        self.stems = nn.ModuleList([cbr(c, c, 1, act=nn.SiLU) for c in (32, 64, 128)])
        self.cls_convs = nn.ModuleList([cbr(c, c, 3, act=nn.SiLU) for c in (32, 64, 128)])
        self.reg_convs = nn.ModuleList([cbr(c, c, 3, act=nn.SiLU) for c in (32, 64, 128)])
        self.cls_preds = nn.ModuleList([nn.Conv2d(c, nc, 1) for c in (32, 64, 128)])
        self.reg_preds = nn.ModuleList([nn.Conv2d(c, 4, 1) for c in (32, 64, 128)])

    def forward(self, x):
        x0 = self.stem(x)
        x1 = self.e1(x0)
        x2 = self.e2(x1)
        x3 = self.e3(x2)
        x4 = self.e4(x3)
        fpn0 = self.reduce0(x4)
        f_out0 = self.rep_p4(self.bi0([fpn0, x3, x2]))
        fpn1 = self.reduce1(f_out0)
        pan_out2 = self.rep_p3(self.bi1([fpn1, x2, x1]))
        pan_out1 = self.rep_n3(torch.cat([self.down2(pan_out2), fpn1], 1))
        pan_out0 = self.rep_n4(torch.cat([self.down1(pan_out1), fpn0], 1))
        cls_list, box_list, anchor_points, strides = [], [], [], []
        for i, (f, s) in enumerate(zip([pan_out2, pan_out1, pan_out0], (8, 16, 32))):
            f = self.stems[i](f)
            cls = torch.sigmoid(self.cls_preds[i](self.cls_convs[i](f)))
            reg = self.reg_preds[i](self.reg_convs[i](f))
            b, _, h, w = f.shape
            cls_list.append(cls.reshape(b, self.nc, h * w))
            box_list.append(reg.reshape(b, 4, h * w))
            sy, sx = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing='ij')
            anchor_points.append(torch.stack([sx, sy], -1).reshape(-1, 2).float())
            strides.append(torch.full((h * w, 1), float(s)))
        cls_score = torch.cat(cls_list, -1).permute(0, 2, 1)
        reg = torch.cat(box_list, -1).permute(0, 2, 1)
        anchors, stride = torch.cat(anchor_points), torch.cat(strides)
        lt, rb = torch.split(reg, 2, -1)  # dist2bbox(box_format='xywh')
        x1y1, x2y2 = anchors - lt, anchors + rb
        boxes = torch.cat([(x1y1 + x2y2) / 2, x2y2 - x1y1], -1) * stride
        conf = torch.ones((b, boxes.shape[1], 1))
        return torch.cat([boxes, conf, cls_score], -1)


# --- ENet (davidtvs PyTorch-ENet): max-pool indices kept for MaxUnpool2d in the decoder ---

class InitialBlock(nn.Module):
    def __init__(self, o):
        super().__init__()
        self.main = nn.Conv2d(3, o - 3, 3, 2, 1, bias=False)
        self.ext = nn.MaxPool2d(3, 2, 1)
        self.bn, self.act = nn.BatchNorm2d(o), nn.PReLU()

    def forward(self, x):
        return self.act(self.bn(torch.cat([self.main(x), self.ext(x)], 1)))


class Bottleneck(nn.Module):
    def __init__(self, c, k=3, d=1, asym=False, ratio=4):
        super().__init__()
        i = c // ratio
        conv = (nn.Sequential(nn.Conv2d(i, i, (k, 1), 1, (k // 2, 0), bias=False), nn.BatchNorm2d(i), nn.PReLU(),
                              nn.Conv2d(i, i, (1, k), 1, (0, k // 2), bias=False)) if asym else
                nn.Conv2d(i, i, k, 1, d, dilation=d, bias=False))
        self.ext = nn.Sequential(nn.Conv2d(c, i, 1, bias=False), nn.BatchNorm2d(i), nn.PReLU(), conv,
                                 nn.BatchNorm2d(i), nn.PReLU(), nn.Conv2d(i, c, 1, bias=False), nn.BatchNorm2d(c))
        self.out = nn.PReLU()

    def forward(self, x):
        return self.out(x + self.ext(x))


class DownBottleneck(nn.Module):
    def __init__(self, i, o, ratio=4):
        super().__init__()
        m = i // ratio
        self.pool = nn.MaxPool2d(2, 2, return_indices=True)
        self.ext = nn.Sequential(nn.Conv2d(i, m, 2, 2, bias=False), nn.BatchNorm2d(m), nn.PReLU(),
                                 nn.Conv2d(m, m, 3, 1, 1, bias=False), nn.BatchNorm2d(m), nn.PReLU(),
                                 nn.Conv2d(m, o, 1, bias=False), nn.BatchNorm2d(o))
        self.o, self.out = o, nn.PReLU()

    def forward(self, x):
        main, idx = self.pool(x)
        ext = self.ext(x)
        n, ch_ext, h, w = ext.size()
        padding = torch.zeros(n, ch_ext - main.size()[1], h, w)  # davidtvs: the main branch padded with zeros
        main = torch.cat((main, padding), 1)
        return self.out(main + ext), idx


class UpBottleneck(nn.Module):
    def __init__(self, i, o, ratio=4):
        super().__init__()
        m = i // ratio
        self.main = nn.Sequential(nn.Conv2d(i, o, 1, bias=False), nn.BatchNorm2d(o))
        self.unpool = nn.MaxUnpool2d(2)
        self.ext = nn.Sequential(nn.Conv2d(i, m, 1, bias=False), nn.BatchNorm2d(m), nn.ReLU(),
                                 nn.ConvTranspose2d(m, m, 2, 2, bias=False), nn.BatchNorm2d(m), nn.ReLU(),
                                 nn.Conv2d(m, o, 1, bias=False), nn.BatchNorm2d(o))
        self.out = nn.ReLU()

    def forward(self, x, idx, size):
        main = self.unpool(self.main(x), idx, output_size=size)
        return self.out(main + self.ext(x))


class ENet(nn.Module):
    def __init__(self, nc=12):
        super().__init__()
        self.initial = InitialBlock(16)
        self.down1 = DownBottleneck(16, 64)
        self.s1 = nn.Sequential(*[Bottleneck(64) for _ in range(2)])
        self.down2 = DownBottleneck(64, 128)
        self.s2 = nn.Sequential(Bottleneck(128), Bottleneck(128, d=2), Bottleneck(128, 5, asym=True),
                                Bottleneck(128, d=4), Bottleneck(128), Bottleneck(128, d=8),
                                Bottleneck(128, 5, asym=True), Bottleneck(128, d=16))
        self.up4 = UpBottleneck(128, 64)
        self.s4 = Bottleneck(64)
        self.up5 = UpBottleneck(64, 16)
        self.s5 = Bottleneck(16)
        self.full = nn.ConvTranspose2d(16, nc, 3, 2, 1, output_padding=1, bias=False)

    def forward(self, x):
        x = self.initial(x)
        s1 = x.size()
        x, i1 = self.down1(x)
        x = self.s1(x)
        s2 = x.size()
        x, i2 = self.down2(x)
        x = self.s2(x)
        x = self.s4(self.up4(x, i2, s2))
        x = self.s5(self.up5(x, i1, s1))
        return self.full(x)


# --- PSPNet (hszhao semseg, small dilated ResNet): pyramid pooling 1 / 2 / 3 / 6, bilinear up ---

class Basic(nn.Module):
    def __init__(self, i, o, s=1, d=1):
        super().__init__()
        self.c1, self.c2 = cbr(i, o, 3, s, d=d), nn.Sequential(nn.Conv2d(o, o, 3, 1, d, d, bias=False), nn.BatchNorm2d(o))
        self.sc = nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o)) if s != 1 or i != o else nn.Identity()

    def forward(self, x):
        return F.relu(self.c2(self.c1(x)) + self.sc(x))


class PPM(nn.Module):
    def __init__(self, c, r, bins=(1, 2, 3, 6)):
        super().__init__()
        self.features = nn.ModuleList([nn.Sequential(nn.AdaptiveAvgPool2d(b), cbr(c, r, 1)) for b in bins])

    def forward(self, x):
        size = x.size()[2:]
        return torch.cat([x] + [F.interpolate(f(x), size, mode='bilinear', align_corners=True) for f in self.features], 1)


class PSPNet(nn.Module):
    def __init__(self, nc=21):
        super().__init__()
        self.layer0 = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 32), cbr(32, 64), nn.MaxPool2d(3, 2, 1))
        self.layer1 = nn.Sequential(Basic(64, 64), Basic(64, 64))
        self.layer2 = nn.Sequential(Basic(64, 128, 2), Basic(128, 128))
        self.layer3 = nn.Sequential(Basic(128, 256, 1, 2), Basic(256, 256, 1, 2))
        self.layer4 = nn.Sequential(Basic(256, 512, 1, 4), Basic(512, 512, 1, 4))
        self.ppm = PPM(512, 128)
        self.cls = nn.Sequential(cbr(1024, 128), nn.Dropout2d(0.1), nn.Conv2d(128, nc, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        x = self.layer4(self.layer3(self.layer2(self.layer1(self.layer0(x)))))
        return F.interpolate(self.cls(self.ppm(x)), size=(h, w), mode='bilinear', align_corners=True)


# --- Fast-SCNN (Tramac): learning to downsample, global feature extractor, PPM, feature fusion ---

class LinearBottleneck(nn.Module):
    def __init__(self, i, o, t=6, s=2):
        super().__init__()
        self.res = s == 1 and i == o
        self.block = nn.Sequential(cbr(i, i * t, 1), cbr(i * t, i * t, 3, s, g=i * t),
                                   nn.Conv2d(i * t, o, 1, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        return x + self.block(x) if self.res else self.block(x)


class FastSCNN(nn.Module):
    def __init__(self, nc=19):
        super().__init__()
        self.lds = nn.Sequential(cbr(3, 32, 3, 2, 0), nn.Sequential(cbr(32, 32, 3, 2, g=32), cbr(32, 48, 1)),
                                 nn.Sequential(cbr(48, 48, 3, 2, g=48), cbr(48, 64, 1)))
        blocks = []
        for i, o, n, s in ((64, 64, 3, 2), (64, 96, 3, 2), (96, 128, 3, 1)):
            blocks += [LinearBottleneck(i, o, 6, s)] + [LinearBottleneck(o, o, 6, 1) for _ in range(n - 1)]
        self.gfe = nn.Sequential(*blocks)
        self.ppm_convs = nn.ModuleList([cbr(128, 32, 1) for _ in range(4)])
        self.ppm_out = cbr(256, 128, 1)
        self.dwconv = cbr(128, 128, 3, 1, g=128)
        self.conv_lower = nn.Sequential(nn.Conv2d(128, 128, 1), nn.BatchNorm2d(128))
        self.conv_higher = nn.Sequential(nn.Conv2d(64, 128, 1), nn.BatchNorm2d(128))
        self.cls = nn.Sequential(nn.Sequential(cbr(128, 128, 3, 1, g=128), cbr(128, 128, 1)),
                                 nn.Sequential(cbr(128, 128, 3, 1, g=128), cbr(128, 128, 1)),
                                 nn.Dropout(0.1), nn.Conv2d(128, nc, 1))

    def forward(self, x):
        size = x.size()[2:]
        higher = self.lds(x)
        x = self.gfe(higher)
        h, w = x.size()[2:]
        feats = [x] + [F.interpolate(c(F.adaptive_avg_pool2d(x, b)), (h, w), mode='bilinear', align_corners=True)
                       for b, c in zip((1, 2, 3, 6), self.ppm_convs)]
        x = self.ppm_out(torch.cat(feats, 1))
        lower = F.interpolate(x, scale_factor=4, mode='bilinear', align_corners=True)
        lower = self.conv_lower(self.dwconv(lower))
        x = F.relu(lower + self.conv_higher(higher))
        return F.interpolate(self.cls(x), size, mode='bilinear', align_corners=True)


# --- BiSeNet V1 (zllrunning face-parsing.PyTorch): ResNet-18 context path, ARM, FFM, three outputs ---

class ARM(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv = cbr(i, o)
        self.atten = nn.Sequential(nn.Conv2d(o, o, 1, bias=False), nn.BatchNorm2d(o), nn.Sigmoid())

    def forward(self, x):
        f = self.conv(x)
        return f * self.atten(F.avg_pool2d(f, f.size()[2:]))


class FFM(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.convblk = cbr(i, o, 1, p=0)
        self.conv1, self.conv2 = nn.Conv2d(o, o // 4, 1, bias=False), nn.Conv2d(o // 4, o, 1, bias=False)

    def forward(self, a, b):
        feat = self.convblk(torch.cat([a, b], 1))
        atten = torch.sigmoid(self.conv2(F.relu(self.conv1(F.avg_pool2d(feat, feat.size()[2:])))))
        return feat * atten + feat


class BiSeNetV1(nn.Module):
    def __init__(self, nc=19):
        super().__init__()
        r = torchvision.models.resnet18()
        self.stem = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1)
        self.l2, self.l3, self.l4 = r.layer2, r.layer3, r.layer4
        self.arm16, self.arm32 = ARM(256, 128), ARM(512, 128)
        self.conv_head32, self.conv_head16 = cbr(128, 128), cbr(128, 128)
        self.conv_avg = cbr(512, 128, 1, p=0)
        self.ffm = FFM(256, 256)
        self.out = nn.Sequential(cbr(256, 256), nn.Conv2d(256, nc, 1, bias=False))
        self.out16 = nn.Sequential(cbr(128, 64), nn.Conv2d(64, nc, 1, bias=False))
        self.out32 = nn.Sequential(cbr(128, 64), nn.Conv2d(64, nc, 1, bias=False))

    def forward(self, x):
        H, W = x.size()[2:]
        feat8 = self.l2(self.stem(x))
        feat16 = self.l3(feat8)
        feat32 = self.l4(feat16)
        h8, w8 = feat8.size()[2:]
        h16, w16 = feat16.size()[2:]
        h32, w32 = feat32.size()[2:]
        avg = self.conv_avg(F.avg_pool2d(feat32, feat32.size()[2:]))
        avg_up = F.interpolate(avg, (h32, w32), mode='nearest')
        feat32_sum = self.arm32(feat32) + avg_up
        feat32_up = self.conv_head32(F.interpolate(feat32_sum, (h16, w16), mode='nearest'))
        feat16_sum = self.arm16(feat16) + feat32_up
        feat16_up = self.conv_head16(F.interpolate(feat16_sum, (h8, w8), mode='nearest'))
        fuse = self.ffm(feat8, feat16_up)  # face-parsing's spatial path is the ResNet's 1/8 features
        out = F.interpolate(self.out(fuse), (H, W), mode='bilinear', align_corners=True)
        out16 = F.interpolate(self.out16(feat16_up), (H, W), mode='bilinear', align_corners=True)
        out32 = F.interpolate(self.out32(feat32_up), (H, W), mode='bilinear', align_corners=True)
        return out, out16, out32


# --- milesial Pytorch-UNet (bilinear): Up pads the upsampled map to the skip's size ---

class DoubleConv(nn.Sequential):
    def __init__(self, i, o, m=None):
        m = m or o
        super().__init__(cbr(i, m), cbr(m, o))


class Up(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
        self.conv = DoubleConv(i, o, i // 2)

    def forward(self, x1, x2):
        x1 = self.up(x1)
        diffY = x2.size()[2] - x1.size()[2]
        diffX = x2.size()[3] - x1.size()[3]
        x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
        return self.conv(torch.cat([x2, x1], dim=1))


class UNet(nn.Module):
    def __init__(self, nc=2, w=16):
        super().__init__()
        self.inc = DoubleConv(3, w)
        self.downs = nn.ModuleList([nn.Sequential(nn.MaxPool2d(2), DoubleConv(w * 2 ** i, w * 2 ** (i + 1) // (2 if i == 3 else 1))) for i in range(4)])
        self.ups = nn.ModuleList([Up(w * 16, w * 4), Up(w * 8, w * 2), Up(w * 4, w), Up(w * 2, w)])
        self.outc = nn.Conv2d(w, nc, 1)

    def forward(self, x):
        xs = [self.inc(x)]
        for d in self.downs:
            xs.append(d(xs[-1]))
        x = xs[-1]
        for u, skip in zip(self.ups, reversed(xs[:-1])):
            x = u(x, skip)
        return self.outc(x)


# --- EAST (SakuraRiven/EAST): VGG16-bn features (half widths), merge by bilinear ×2 and concat, rbox output ---

class EAST(nn.Module):
    def __init__(self, scope=512):
        super().__init__()
        cfg = [32, 32, 'M', 64, 64, 'M', 128, 128, 128, 'M', 256, 256, 256, 'M', 256, 256, 256, 'M']
        layers, i = [], 3
        for v in cfg:
            layers += [nn.MaxPool2d(2, 2)] if v == 'M' else [nn.Conv2d(i, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(True)]
            i = v if v != 'M' else i
        self.features = nn.Sequential(*layers)
        self.m1 = nn.Sequential(cbr(512, 64, 1, p=0), cbr(64, 64))
        self.m2 = nn.Sequential(cbr(192, 32, 1, p=0), cbr(32, 32))
        self.m3 = nn.Sequential(cbr(96, 16, 1, p=0), cbr(16, 16), cbr(16, 16))
        self.score, self.geo, self.angle = nn.Conv2d(16, 1, 1), nn.Conv2d(16, 4, 1), nn.Conv2d(16, 1, 1)
        self.scope = scope

    def forward(self, x):
        out = []
        for m in self.features:
            x = m(x)
            if isinstance(m, nn.MaxPool2d):
                out.append(x)
        f = out[1:]
        y = F.interpolate(f[3], scale_factor=2, mode='bilinear', align_corners=True)
        y = self.m1(torch.cat((y, f[2]), 1))
        y = F.interpolate(y, scale_factor=2, mode='bilinear', align_corners=True)
        y = self.m2(torch.cat((y, f[1]), 1))
        y = F.interpolate(y, scale_factor=2, mode='bilinear', align_corners=True)
        y = self.m3(torch.cat((y, f[0]), 1))
        score = torch.sigmoid(self.score(y))
        loc = torch.sigmoid(self.geo(y)) * self.scope
        angle = (torch.sigmoid(self.angle(y)) - 0.5) * math.pi
        return score, torch.cat((loc, angle), 1)


# --- lightweight OpenPose (Daniil-Osokin): MobileNet v1 with dilation, CPM, initial + one refinement stage ---

def conv_dw_no_bn(i, o, k=3, p=1, s=1, d=1):
    return nn.Sequential(nn.Conv2d(i, i, k, s, p, dilation=d, groups=i, bias=False), nn.ELU(inplace=True),
                         nn.Conv2d(i, o, 1, bias=False), nn.ELU(inplace=True))


def conv(i, o, k=3, p=1, bn=True, d=1, s=1, relu=True):
    layers = [nn.Conv2d(i, o, k, s, p, d, bias=not bn)]
    layers += [nn.BatchNorm2d(o)] if bn else []
    layers += [nn.ReLU(inplace=True)] if relu else []
    return nn.Sequential(*layers)


class RefinementStageBlock(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.initial = conv(i, o, 1, 0, bn=False)
        self.trunk = nn.Sequential(conv(o, o), conv(o, o, d=2, p=2))

    def forward(self, x):
        x = self.initial(x)
        return x + self.trunk(x)


class LightOpenPose(nn.Module):
    def __init__(self, ch=128, heat=19, paf=38):
        super().__init__()
        c = lambda n: max(8, n // 2)  # noqa: E731  (half widths)
        self.model = nn.Sequential(
            conv(3, c(32), s=2, bn=True), dw(c(32), c(64)), dw(c(64), c(128), 2), dw(c(128), c(128)),
            dw(c(128), c(256), 2), dw(c(256), c(256)), dw(c(256), c(512)),
            nn.Sequential(cbr(c(512), c(512), 3, 1, d=2, g=c(512)), cbr(c(512), c(512), 1)),
            dw(c(512), c(512)), dw(c(512), c(512)), dw(c(512), c(512)), dw(c(512), c(512)))
        self.align = conv(c(512), ch, 1, 0, bn=False)
        self.trunk = nn.Sequential(conv_dw_no_bn(ch, ch), conv_dw_no_bn(ch, ch), conv_dw_no_bn(ch, ch))
        self.cpm_conv = conv(ch, ch, bn=False)
        self.init_trunk = nn.Sequential(conv(ch, ch, bn=False), conv(ch, ch, bn=False), conv(ch, ch, bn=False))
        self.init_heat = nn.Sequential(conv(ch, 512, 1, 0, bn=False), conv(512, heat, 1, 0, bn=False, relu=False))
        self.init_paf = nn.Sequential(conv(ch, 512, 1, 0, bn=False), conv(512, paf, 1, 0, bn=False, relu=False))
        self.ref_trunk = nn.Sequential(RefinementStageBlock(ch + heat + paf, ch), *[RefinementStageBlock(ch, ch) for _ in range(4)])
        self.ref_heat = nn.Sequential(conv(ch, ch, 1, 0, bn=False), conv(ch, heat, 1, 0, bn=False, relu=False))
        self.ref_paf = nn.Sequential(conv(ch, ch, 1, 0, bn=False), conv(ch, paf, 1, 0, bn=False, relu=False))

    def forward(self, x):
        f = self.align(self.model(x))
        f = self.cpm_conv(f + self.trunk(f))
        t = self.init_trunk(f)
        h0, p0 = self.init_heat(t), self.init_paf(t)
        t = self.ref_trunk(torch.cat([f, h0, p0], 1))
        return h0, p0, self.ref_heat(t), self.ref_paf(t)


# --- L2CS-Net: ResNet, yaw / pitch over 90 bins of 4°, softmax expectation in the export ---

class L2CS(nn.Module):
    def __init__(self, bins=90):
        super().__init__()
        r = torchvision.models.resnet18()
        r.fc = nn.Identity()
        self.backbone = r
        self.fc_yaw, self.fc_pitch = nn.Linear(512, bins), nn.Linear(512, bins)
        self.register_buffer('idx', torch.arange(bins, dtype=torch.float32))

    def forward(self, x):
        f = self.backbone(x)
        yaw, pitch = self.fc_yaw(f), self.fc_pitch(f)
        yaw_deg = torch.sum(F.softmax(yaw, 1) * self.idx, 1) * 4 - 180
        pitch_deg = torch.sum(F.softmax(pitch, 1) * self.idx, 1) * 4 - 180
        return yaw, pitch, yaw_deg * math.pi / 180, pitch_deg * math.pi / 180
