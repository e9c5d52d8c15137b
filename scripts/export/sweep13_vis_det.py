"""Thirteenth sweep, detection / instance segmentation / BEV (docs/model-sweep.md): YOLACT (protonet, shared
prediction head, prior decode, top-k mask assembly and crop in the graph), SOLOv2 (CoordConv kernel branch, points
NMS, dynamic 1×1 mask kernels, matrix NMS), DAMO-YOLO (RepConv deploy form, GiraffeNeckV2 fusion, ZeroHead GFL
decode), YOLOv12n (R-ELAN A2C2f with area attention, 7×7 position perceiver), CenterPoint (BEV RPN and CenterHead
with the max-pool peak NMS / TopK decode) and PP-LCNet (as paddle2onnx writes it), in plain torch.nn with the
projects' math (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def cba(i, o, k=3, s=1, g=1, act=nn.ReLU, bias=False):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=bias), nn.BatchNorm2d(o), act() if act else nn.Identity())


class ResNetish(nn.Module):
    """Strides 8 / 16 / 32 (and 4) out."""

    def __init__(self, w=32):
        super().__init__()
        self.s4 = nn.Sequential(cba(3, w, 3, 2), cba(w, w, 3, 2), cba(w, w))
        self.s8 = nn.Sequential(cba(w, 2 * w, 3, 2), cba(2 * w, 2 * w))
        self.s16 = nn.Sequential(cba(2 * w, 4 * w, 3, 2), cba(4 * w, 4 * w))
        self.s32 = nn.Sequential(cba(4 * w, 8 * w, 3, 2), cba(8 * w, 8 * w))
        self.chans = [w, 2 * w, 4 * w, 8 * w]

    def forward(self, x):
        a = self.s4(x)
        b = self.s8(a)
        c = self.s16(b)
        return [a, b, c, self.s32(c)]


class FPN(nn.Module):
    def __init__(self, chans, d=64, extra=0):
        super().__init__()
        self.lat = nn.ModuleList([nn.Conv2d(c, d, 1) for c in chans])
        self.out = nn.ModuleList([nn.Conv2d(d, d, 3, 1, 1) for _ in chans])
        self.extra = nn.ModuleList([nn.Conv2d(d, d, 3, 2, 1) for _ in range(extra)])

    def forward(self, feats):
        lats = [l(f) for l, f in zip(self.lat, feats)]
        for i in range(len(lats) - 1, 0, -1):
            lats[i - 1] = lats[i - 1] + F.interpolate(lats[i], size=lats[i - 1].shape[-2:], mode='bilinear', align_corners=False)
        outs = [F.relu(o(l)) for o, l in zip(self.out, lats)]
        for e in self.extra:
            outs.append(e(outs[-1]))
        return outs


class YOLACT(nn.Module):
    """YOLACT (ResNet-50 → small ResNet-ish, 550 → 320): FPN P3-P7 with ReLU, protonet on P3 (3 × conv, ×2 bilinear,
    conv, 1×1 to 32 prototypes, ReLU), one prediction head shared by the levels (3 aspect ratios: loc, softmax conf,
    tanh coefficients), priors as a constant; the export's decode (variances 0.1 / 0.2), the best 50 detections by
    their best non-background score (TopK), masks = sigmoid(protos @ coeffsᵀ) cropped to their boxes."""

    def __init__(self, classes=81, k=32, d=64, size=320, top=50):
        super().__init__()
        self.backbone = ResNetish()
        self.fpn = FPN(self.backbone.chans[1:], d, extra=2)
        self.proto = nn.Sequential(*[m for _ in range(3) for m in (nn.Conv2d(d, d, 3, 1, 1), nn.ReLU())])
        self.proto2 = nn.Sequential(nn.Conv2d(d, d, 3, 1, 1), nn.ReLU(), nn.Conv2d(d, k, 1), nn.ReLU())
        self.upfeature = nn.Sequential(nn.Conv2d(d, d, 3, 1, 1), nn.ReLU())
        self.bbox, self.conf, self.mask = nn.Conv2d(d, 3 * 4, 3, 1, 1), nn.Conv2d(d, 3 * classes, 3, 1, 1), nn.Conv2d(d, 3 * k, 3, 1, 1)
        priors = []
        scales = [24, 48, 96, 192, 384]
        for lvl, s in enumerate(scales):
            n = math.ceil(size / 2 ** (lvl + 3))
            for j in range(n):
                for i in range(n):
                    for ar in (1, 0.5, 2):
                        r = math.sqrt(ar)
                        priors.append([(i + 0.5) / n, (j + 0.5) / n, s * r / size, s / r / size])
        self.register_buffer('priors', torch.tensor(priors))
        self.classes, self.k, self.top, self.size = classes, k, top, size

    def forward(self, x):
        p = self.fpn(self.backbone(x)[1:])
        proto = self.proto2(F.interpolate(self.proto(p[0]), scale_factor=2.0, mode='bilinear', align_corners=False)).permute(0, 2, 3, 1)
        locs, confs, coefs = [], [], []
        for f in p:
            u = self.upfeature(f)
            locs.append(self.bbox(u).permute(0, 2, 3, 1).reshape(1, -1, 4))
            confs.append(self.conf(u).permute(0, 2, 3, 1).reshape(1, -1, self.classes))
            coefs.append(torch.tanh(self.mask(u).permute(0, 2, 3, 1).reshape(1, -1, self.k)))
        loc, conf, coef = torch.cat(locs, 1), F.softmax(torch.cat(confs, 1), -1), torch.cat(coefs, 1)
        pr = self.priors[None]
        cxcy = pr[..., :2] + loc[..., :2] * 0.1 * pr[..., 2:]
        wh = pr[..., 2:] * torch.exp(loc[..., 2:] * 0.2)
        boxes = torch.cat((cxcy - wh / 2, cxcy + wh / 2), -1)
        best, cls = conf[..., 1:].max(-1)
        scores, idx = torch.topk(best, self.top, dim=1)
        labels = torch.gather(cls, 1, idx)
        boxes = torch.gather(boxes, 1, idx.unsqueeze(-1).repeat(1, 1, 4))
        c = torch.gather(coef, 1, idx.unsqueeze(-1).repeat(1, 1, self.k))
        masks = torch.sigmoid(proto @ c.transpose(1, 2))  # [1, H, W, top]
        h, w = masks.shape[1:3]
        rows = torch.arange(h, dtype=torch.float32).view(1, h, 1, 1) / h
        cols = torch.arange(w, dtype=torch.float32).view(1, 1, w, 1) / w
        b = boxes.clamp(0, 1)
        keep = (cols >= b[..., 0].view(1, 1, 1, -1)) & (cols < b[..., 2].view(1, 1, 1, -1)) & \
               (rows >= b[..., 1].view(1, 1, 1, -1)) & (rows < b[..., 3].view(1, 1, 1, -1))
        masks = masks * keep.float()
        return boxes * self.size, scores, labels, masks.permute(0, 3, 1, 2)


def coord_feat(x):
    """SOLO's CoordConv channels, computed in forward from the map's size."""
    h, w = x.shape[-2:]
    xr = torch.linspace(-1, 1, w)
    yr = torch.linspace(-1, 1, h)
    y, xx = torch.meshgrid(yr, xr, indexing='ij')
    return torch.cat([x, xx.expand(x.shape[0], 1, -1, -1), y.expand(x.shape[0], 1, -1, -1)], 1)


class SOLOv2(nn.Module):
    """SOLOv2 (light, R-18-ish): FPN P2-P6, unified mask feature branch (P2-P5 convs + ×2 bilinear ups summed at P2,
    CoordConv on P5), per level the grid (40 / 36 / 24 / 16 / 12 → 20 / 18 / 12 / 8 / 6 at 320) by bilinear resize,
    kernel branch (CoordConv, 4 × conv GN ReLU, 1×1 kernels of E = 64) and category branch (sigmoid, points NMS by a
    2×2 max-pool), the 100 best scores (TopK over grid cells × classes), dynamic 1×1 convs (kernels @ mask features),
    masks > 0.5, mask scores, matrix NMS (gaussian decay over the masks' IoU matrix), masks bilinear to the input."""

    def __init__(self, classes=80, d=64, e=64, grids=(20, 18, 12, 8, 6), top=100):
        super().__init__()
        self.backbone = ResNetish()
        self.fpn = FPN(self.backbone.chans, d, extra=1)
        self.grids, self.classes, self.top, self.e = grids, classes, top, e

        def gn_block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, 1, 1, bias=False), nn.GroupNorm(16, o), nn.ReLU())
        self.kernel_convs = nn.Sequential(gn_block(d + 2, d), *[gn_block(d, d) for _ in range(3)])
        self.cate_convs = nn.Sequential(*[gn_block(d, d) for _ in range(4)])
        self.solo_kernel, self.solo_cate = nn.Conv2d(d, e, 3, 1, 1), nn.Conv2d(d, classes, 3, 1, 1)
        self.mf = nn.ModuleList([gn_block(d + (2 if i == 3 else 0), d) for i in range(4)])
        self.mf_pred = nn.Sequential(nn.Conv2d(d, e, 1, bias=False), nn.GroupNorm(16, e), nn.ReLU())

    def forward(self, x):
        img_h, img_w = x.shape[-2:]
        p = self.fpn(self.backbone(x))
        feat = self.mf[0](p[0])
        for i in range(1, 4):
            f = self.mf[i](coord_feat(p[i]) if i == 3 else p[i])
            feat = feat + F.interpolate(f, size=p[0].shape[-2:], mode='bilinear', align_corners=False)
        mask_feat = self.mf_pred(feat)
        cates, kernels = [], []
        for lvl, s in enumerate(self.grids):
            f = p[min(lvl, 4)]
            if lvl == 0:
                f = F.interpolate(f, scale_factor=0.5, mode='bilinear', align_corners=False)
            kf = F.interpolate(coord_feat(f), size=(s, s), mode='bilinear', align_corners=False)
            cf = kf[:, :-2]
            kern = self.solo_kernel(self.kernel_convs(kf))
            cate = self.solo_cate(self.cate_convs(cf)).sigmoid()
            hmax = F.max_pool2d(cate, 2, stride=1, padding=1)
            cate = cate * (hmax[:, :, :-1, :-1] == cate).float()
            cates.append(cate.permute(0, 2, 3, 1).reshape(-1, self.classes))
            kernels.append(kern.permute(0, 2, 3, 1).reshape(-1, self.e))
        cate, kern = torch.cat(cates, 0), torch.cat(kernels, 0)
        strides = torch.cat([torch.full((s * s,), 8.0 * 2 ** min(i, 3)) for i, s in enumerate(self.grids)])
        scores, idx = torch.topk(cate.reshape(-1), self.top)
        inds = torch.div(idx, self.classes, rounding_mode='floor')
        labels = idx % self.classes
        k = kern[inds]
        h, w = mask_feat.shape[-2:]
        seg_preds = (k @ mask_feat.view(self.e, h * w)).sigmoid()
        seg_masks = (seg_preds > 0.5).float()
        sum_masks = seg_masks.sum(1)
        keep = (sum_masks > strides[inds]).float()
        seg_score = (seg_preds * seg_masks).sum(1) / sum_masks.clamp(min=1.0)
        scores = scores * seg_score * keep
        inter = seg_masks @ seg_masks.t()
        union = sum_masks[:, None] + sum_masks[None] - inter
        iou = (inter / union.clamp(min=1.0)).triu(diagonal=1)
        same = (labels[:, None] == labels[None]).float().triu(diagonal=1)
        decay_iou = iou * same
        comp = decay_iou.max(0)[0].expand(self.top, self.top).t()
        decay = torch.exp(-2.0 * (decay_iou ** 2 - comp ** 2)).min(0)[0]
        scores = scores * decay
        masks = F.interpolate(seg_preds.view(1, self.top, h, w), size=(img_h, img_w), mode='bilinear', align_corners=False)
        return masks[0], labels, scores


class RepConv(nn.Module):
    """RepVGG-style block in its deploy form (one 3×3 conv + bias) with the act."""

    def __init__(self, i, o, s=1, act=nn.ReLU):
        super().__init__()
        self.conv, self.act = nn.Conv2d(i, o, 3, s, 1), act()

    def forward(self, x):
        return self.act(self.conv(x))


class CSPStage(nn.Module):
    """DAMO-YOLO's CSPStage (GiraffeNeckV2 fusion block): two 1×1 branches, n BasicBlock_3x3_Reverse on one, every
    block's output concatenated."""

    def __init__(self, i, o, n=2):
        super().__init__()
        h = o // 2
        self.c1, self.c2 = cba(i, h, 1, act=nn.SiLU), cba(i, h, 1, act=nn.SiLU)
        self.blocks = nn.ModuleList([nn.Sequential(cba(h, h, 3, act=nn.SiLU), RepConv(h, h, act=nn.SiLU)) for _ in range(n)])
        self.out = cba(h * (n + 1), o, 1, act=nn.SiLU)

    def forward(self, x):
        a, b = self.c1(x), self.c2(x)
        outs = [a]
        for blk in self.blocks:
            b = blk(b) + b
            outs.append(b)
        return self.out(torch.cat(outs, 1))


class DAMOYOLO(nn.Module):
    """DAMO-YOLO-T-ish: TinyNAS-like CSP backbone with RepConv (deploy), GiraffeNeckV2 (queen-fusion: each node
    concatenates its level, the upsampled upper and the strided-conv lower), ZeroHead (1×1 cls / reg per level,
    GFL's DFL integral over 17 bins, distance2bbox around grid centres × stride, sigmoid scores)."""

    def __init__(self, classes=80, reg_max=16):
        super().__init__()
        w = 32
        self.stem = nn.Sequential(cba(3, w, 3, 2, act=nn.SiLU), RepConv(w, 2 * w, 2, nn.SiLU))
        self.s8 = nn.Sequential(RepConv(2 * w, 4 * w, 2, nn.SiLU), CSPStage(4 * w, 4 * w, 1))
        self.s16 = nn.Sequential(RepConv(4 * w, 6 * w, 2, nn.SiLU), CSPStage(6 * w, 6 * w, 1))
        self.s32 = nn.Sequential(RepConv(6 * w, 8 * w, 2, nn.SiLU), CSPStage(8 * w, 8 * w, 1))
        c3, c4, c5 = 4 * w, 6 * w, 8 * w
        self.down3 = cba(c3, c3, 3, 2, act=nn.SiLU)
        self.n4 = CSPStage(c4 + c5 + c3, c4)
        self.n3 = CSPStage(c3 + c4, c3)
        self.down3b, self.down4b = cba(c3, c3, 3, 2, act=nn.SiLU), cba(c4, c4, 3, 2, act=nn.SiLU)
        self.n4b = CSPStage(c4 + c3, c4)
        self.n5b = CSPStage(c5 + c4, c5)
        self.cls = nn.ModuleList([nn.Conv2d(c, classes, 1) for c in (c3, c4, c5)])
        self.reg = nn.ModuleList([nn.Conv2d(c, 4 * (reg_max + 1), 1) for c in (c3, c4, c5)])
        self.register_buffer('proj', torch.linspace(0, reg_max, reg_max + 1))
        self.reg_max = reg_max

    def forward(self, x):
        x = self.stem(x)
        p3 = self.s8(x)
        p4 = self.s16(p3)
        p5 = self.s32(p4)
        up = lambda t, ref: F.interpolate(t, size=ref.shape[-2:], mode='nearest')
        n4 = self.n4(torch.cat([p4, up(p5, p4), self.down3(p3)], 1))
        n3 = self.n3(torch.cat([p3, up(n4, p3)], 1))
        n4b = self.n4b(torch.cat([n4, self.down3b(n3)], 1))
        n5b = self.n5b(torch.cat([p5, self.down4b(n4b)], 1))
        scores, boxes = [], []
        for f, c, r, s in zip((n3, n4b, n5b), self.cls, self.reg, (8, 16, 32)):
            h, w = f.shape[-2:]
            scores.append(c(f).sigmoid().flatten(2).permute(0, 2, 1))
            d = r(f).flatten(2).permute(0, 2, 1).reshape(1, h * w, 4, self.reg_max + 1)
            d = F.softmax(d, -1) @ self.proj.view(-1, 1)
            d = d.squeeze(-1) * s
            gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
            ctr = torch.stack((gx, gy), -1).view(1, -1, 2).float() * s
            boxes.append(torch.cat((ctr - d[..., :2], ctr + d[..., 2:]), -1))
        return torch.cat(scores, 1), torch.cat(boxes, 1)
