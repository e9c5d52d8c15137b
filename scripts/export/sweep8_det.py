"""Eighth sweep (docs/model-sweep.md): pose and light detectors as their projects write them — RTMPose (mmpose
CSPNeXt + RTMCCHead: 7×7 conv, ScaleNorm, gated attention unit, SimCC x / y logits), MoveNet (fire717/movenet.pytorch:
centre-net heads decoded in the graph by weighted arg-max and gathers), YOLOX (decode_in_inference, Focus stem), NanoDet-
Plus (ShuffleNetV2, GFL head: softmax integral over reg_max + 1 bins, distance2bbox), PicoDet (PaddleDetection's PicoHead
with its Integral by a projection), SSD (qfgaohao/pytorch-ssd MobileNetV1-SSD: softmax scores, prior-box decode).
Plain torch.nn, small widths, random weights. Imported by sweep8.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def cba(i, o, k=3, s=1, g=1, act=nn.SiLU):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o), act() if act else nn.Identity())


# --- RTMPose (mmpose models/backbones/cspnext.py, heads/coord_cls_heads/rtmcc_head.py, utils/rtmcc_block.py) ---
class CSPNeXtBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.c2 = cba(c, c, 3), nn.Sequential(cba(c, c, 5, g=c, act=None), cba(c, c, 1))

    def forward(self, x):
        return x + self.c2(self.c1(x))


class CSPLayer(nn.Module):
    def __init__(self, i, o, n=1):
        super().__init__()
        h = o // 2
        self.main, self.short, self.final = cba(i, h, 1), cba(i, h, 1), cba(2 * h, o, 1)
        self.blocks = nn.Sequential(*[CSPNeXtBlock(h) for _ in range(n)])
        self.att = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(2 * h, 2 * h, 1), nn.Hardsigmoid())

    def forward(self, x):
        y = torch.cat([self.blocks(self.main(x)), self.short(x)], 1)
        return self.final(y * self.att(y))


class ScaleNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.scale, self.eps, self.g = d ** -0.5, eps, nn.Parameter(torch.ones(1))

    def forward(self, x):
        norm = torch.norm(x, dim=-1, keepdim=True) * self.scale
        return x / norm.clamp(min=self.eps) * self.g


class GAU(nn.Module):
    def __init__(self, d, e=512, s=128):
        super().__init__()
        self.e, self.s = e, s
        self.ln, self.uv, self.o = ScaleNorm(d), nn.Linear(d, 2 * e + s, bias=False), nn.Linear(e, d, bias=False)
        self.gamma, self.beta = nn.Parameter(torch.rand(2, s)), nn.Parameter(torch.rand(2, s) * 0.1)
        self.res_scale = nn.Parameter(torch.ones(d))

    def forward(self, x):
        uv = F.silu(self.uv(self.ln(x)))
        u, v, base = torch.split(uv, [self.e, self.e, self.s], dim=2)
        base = base.unsqueeze(2) * self.gamma[None, None, :] + self.beta
        q, k = torch.unbind(base, dim=2)
        qk = torch.bmm(q, k.permute(0, 2, 1))
        kernel = torch.square(F.relu(qk / math.sqrt(self.s)))
        return x * self.res_scale + self.o(u * torch.bmm(kernel, v))


class RTMPose(nn.Module):
    """256×192 → simcc_x [1, 17, 384], simcc_y [1, 17, 512] (split ratio 2)."""

    def __init__(self, k=17, hw=(256, 192), c=32):
        super().__init__()
        self.backbone = nn.Sequential(cba(3, c // 2, 3, 2), cba(c // 2, c // 2), cba(c // 2, c, 3), cba(c, 2 * c, 3, 2), CSPLayer(2 * c, 2 * c),
                                      cba(2 * c, 4 * c, 3, 2), CSPLayer(4 * c, 4 * c), cba(4 * c, 8 * c, 3, 2), CSPLayer(8 * c, 8 * c),
                                      cba(8 * c, 16 * c, 3, 2), CSPLayer(16 * c, 16 * c))
        fh, fw = hw[0] // 32, hw[1] // 32
        self.final = nn.Conv2d(16 * c, k, 7, 1, 3)
        self.mlp = nn.Sequential(ScaleNorm(fh * fw), nn.Linear(fh * fw, 256, bias=False))
        self.gau = GAU(256)
        self.cls_x, self.cls_y = nn.Linear(256, hw[1] * 2, bias=False), nn.Linear(256, hw[0] * 2, bias=False)

    def forward(self, x):
        f = self.final(self.backbone(x)).flatten(2)
        f = self.gau(self.mlp(f))
        return self.cls_x(f), self.cls_y(f)


# --- MoveNet (fire717/movenet.pytorch: MobileNetV2 + FPN to stride 4, Header; utils movenetDecode in the graph) ---
def ir(i, o, s, t=6):
    return nn.Sequential(cba(i, i * t, 1, act=nn.ReLU6), cba(i * t, i * t, 3, s, g=i * t, act=nn.ReLU6), cba(i * t, o, 1, act=None))


class MoveNet(nn.Module):
    """192×192 → keypoints [1, 17, 3] (y, x in [0, 1], score), decoded as the project's movenetDecode does: the
    centre heat map weighted by the distance to the image centre, its arg-max, the regressions there, each keypoint's
    heat map weighted by the distance to its regressed place, arg-max, offsets gathered there."""

    def __init__(self, k=17, size=48):
        super().__init__()
        self.k, self.size = k, size
        self.s4 = nn.Sequential(cba(3, 16, 3, 2, act=nn.ReLU6), ir(16, 16, 1, 1), ir(16, 24, 2))
        self.s8, self.s16 = ir(24, 32, 2), nn.Sequential(ir(32, 64, 2), ir(64, 96, 1))
        self.l8, self.l16 = nn.Conv2d(32, 24, 1), nn.Conv2d(96, 24, 1)
        self.heads = nn.ModuleList([nn.Sequential(cba(24, 24, 3, g=24, act=nn.ReLU), nn.Conv2d(24, 96, 1), nn.ReLU(), nn.Conv2d(96, n, 1))
                                    for n in (k, 1, 2 * k, 2 * k)])
        ys, xs = torch.meshgrid(torch.arange(size).float(), torch.arange(size).float(), indexing='ij')
        self.register_buffer('center_weight', 1.0 / (torch.sqrt((ys - size / 2 + 0.5) ** 2 + (xs - size / 2 + 0.5) ** 2) + 1.8))
        self.register_buffer('ys', ys)
        self.register_buffer('xs', xs)

    def forward(self, x):
        f4 = self.s4(x)
        f8 = self.s8(f4)
        f16 = self.s16(f8)
        f = f4 + F.interpolate(self.l8(f8) + F.interpolate(self.l16(f16), scale_factor=2.0, mode='bilinear', align_corners=False),
                               scale_factor=2.0, mode='bilinear', align_corners=False)
        heat, center, reg, off = (h(f) for h in self.heads)
        heat, center = heat.sigmoid(), center.sigmoid()
        n, s, k = x.shape[0], self.size, self.k
        c = torch.argmax((center * self.center_weight).reshape(n, -1), dim=1)
        cy, cx = c // s, c % s
        reg = reg.reshape(n, 2 * k, s * s)
        r = torch.gather(reg, 2, c.view(n, 1, 1).expand(n, 2 * k, 1)).reshape(n, k, 2)
        ry, rx = cy.view(n, 1).float() + r[..., 0], cx.view(n, 1).float() + r[..., 1]
        d = torch.sqrt((self.ys - ry[..., None, None]) ** 2 + (self.xs - rx[..., None, None]) ** 2)
        kp = torch.argmax((heat / (d + 1.8)).reshape(n, k, -1), dim=2)
        ky, kx = kp // s, kp % s
        off = off.reshape(n, k, 2, s * s)
        o = torch.gather(off, 3, kp.view(n, k, 1, 1).expand(n, k, 2, 1)).squeeze(3)
        score = torch.gather(heat.reshape(n, k, -1), 2, kp.unsqueeze(2)).squeeze(2)
        return torch.stack([(ky.float() + o[..., 0]) / s, (kx.float() + o[..., 1]) / s, score], 2)


# --- YOLOX (Megvii yolox/models: Focus, CSPDarknet, YOLOPAFPN, YOLOXHead with decode_in_inference) ---
class Focus(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv = cba(i * 4, o, 3)

    def forward(self, x):
        tl, tr, bl, br = x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]
        return self.conv(torch.cat((tl, bl, tr, br), 1))


class Csp(nn.Module):
    def __init__(self, i, o, n=1, short=True):
        super().__init__()
        h = o // 2
        self.c1, self.c2, self.c3 = cba(i, h, 1), cba(i, h, 1), cba(2 * h, o, 1)
        self.m = nn.ModuleList([nn.Sequential(cba(h, h, 1), cba(h, h, 3)) for _ in range(n)])
        self.short = short

    def forward(self, x):
        a = self.c1(x)
        for m in self.m:
            a = a + m(a) if self.short else m(a)
        return self.c3(torch.cat((a, self.c2(x)), 1))


class Spp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.c2 = cba(c, c // 2, 1), cba(c * 2, c, 1)
        self.m = nn.ModuleList([nn.MaxPool2d(k, 1, k // 2) for k in (5, 9, 13)])

    def forward(self, x):
        x = self.c1(x)
        return self.c2(torch.cat([x] + [m(x) for m in self.m], 1))


class YoloX(nn.Module):
    """YOLOX-Nano-like (depth 0.33, small widths) at 416: [1, 3549, 85] (cx, cy, w, h, obj, 80 classes)."""

    def __init__(self, nc=80, w=16):
        super().__init__()
        self.stem = Focus(3, w)
        self.d2 = nn.Sequential(cba(w, 2 * w, 3, 2), Csp(2 * w, 2 * w))
        self.d3 = nn.Sequential(cba(2 * w, 4 * w, 3, 2), Csp(4 * w, 4 * w, 3))
        self.d4 = nn.Sequential(cba(4 * w, 8 * w, 3, 2), Csp(8 * w, 8 * w, 3))
        self.d5 = nn.Sequential(cba(8 * w, 16 * w, 3, 2), Spp(16 * w), Csp(16 * w, 16 * w, short=False))
        self.lat0, self.c3p4 = cba(16 * w, 8 * w, 1), Csp(16 * w, 8 * w, short=False)
        self.red1, self.c3p3 = cba(8 * w, 4 * w, 1), Csp(8 * w, 4 * w, short=False)
        self.bu2, self.c3n3 = cba(4 * w, 4 * w, 3, 2), Csp(8 * w, 8 * w, short=False)
        self.bu1, self.c3n4 = cba(8 * w, 8 * w, 3, 2), Csp(16 * w, 16 * w, short=False)
        h = 4 * w
        self.stems = nn.ModuleList([cba(c, h, 1) for c in (4 * w, 8 * w, 16 * w)])
        self.cls_convs = nn.ModuleList([nn.Sequential(cba(h, h), cba(h, h)) for _ in range(3)])
        self.reg_convs = nn.ModuleList([nn.Sequential(cba(h, h), cba(h, h)) for _ in range(3)])
        self.cls_preds = nn.ModuleList([nn.Conv2d(h, nc, 1) for _ in range(3)])
        self.reg_preds = nn.ModuleList([nn.Conv2d(h, 4, 1) for _ in range(3)])
        self.obj_preds = nn.ModuleList([nn.Conv2d(h, 1, 1) for _ in range(3)])
        for m in self.cls_preds:
            nn.init.constant_(m.bias, -math.log((1 - 0.01) / 0.01))

    def forward(self, x):
        x2 = self.d2(self.stem(x))
        x3 = self.d3(x2)
        x4 = self.d4(x3)
        x5 = self.d5(x4)
        f0 = self.lat0(x5)
        f1 = self.c3p4(torch.cat([F.interpolate(f0, scale_factor=2.0, mode='nearest'), x4], 1))
        f2 = self.red1(f1)
        p3 = self.c3p3(torch.cat([F.interpolate(f2, scale_factor=2.0, mode='nearest'), x3], 1))
        p4 = self.c3n3(torch.cat([self.bu2(p3), f2], 1))
        p5 = self.c3n4(torch.cat([self.bu1(p4), f0], 1))
        outs, hw = [], []
        for i, f in enumerate((p3, p4, p5)):
            f = self.stems[i](f)
            c, r = self.cls_convs[i](f), self.reg_convs[i](f)
            o = torch.cat([self.reg_preds[i](r), self.obj_preds[i](r).sigmoid(), self.cls_preds[i](c).sigmoid()], 1)
            hw.append(o.shape[-2:])
            outs.append(o.flatten(start_dim=2))
        out = torch.cat(outs, dim=2).permute(0, 2, 1)
        grids, strides = [], []
        for (h, w), s in zip(hw, (8, 16, 32)):
            yv, xv = torch.meshgrid([torch.arange(h), torch.arange(w)], indexing='ij')
            g = torch.stack((xv, yv), 2).view(1, -1, 2)
            grids.append(g)
            strides.append(torch.full((*g.shape[:2], 1), s))
        grids, strides = torch.cat(grids, 1).type(out.dtype), torch.cat(strides, 1).type(out.dtype)
        return torch.cat([(out[..., 0:2] + grids) * strides, torch.exp(out[..., 2:4]) * strides, out[..., 4:]], -1)


# --- NanoDet-Plus (RangiLyu/nanodet: ShuffleNetV2 1.0x, GhostPAN, NanoDetPlusHead; Integral, distance2bbox) ---
def shuffle(x, g=2):
    b, c, h, w = x.shape
    return x.view(b, g, c // g, h, w).transpose(1, 2).contiguous().view(b, c, h, w)


class ShuffleBlock(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        h = o // 2
        self.s = s
        if s > 1:
            self.b1 = nn.Sequential(cba(i, i, 3, s, g=i, act=None), cba(i, h, 1, act=nn.LeakyReLU))
        self.b2 = nn.Sequential(cba(i if s > 1 else h, h, 1, act=nn.LeakyReLU), cba(h, h, 3, s, g=h, act=None), cba(h, h, 1, act=nn.LeakyReLU))

    def forward(self, x):
        if self.s == 1:
            a, b = x.chunk(2, dim=1)
            out = torch.cat((a, self.b2(b)), 1)
        else:
            out = torch.cat((self.b1(x), self.b2(x)), 1)
        return shuffle(out)


class NanoDetPlus(nn.Module):
    """320×320, 80 classes, reg_max 7: [1, 2125, 84] (scores sigmoid, then x1 y1 x2 y2 pixels) — the head's
    _forward_onnx output with the post-processing's Integral and distance2bbox added in the graph."""

    def __init__(self, nc=80, reg_max=7, c=64):
        super().__init__()
        self.nc, self.rm = nc, reg_max
        self.stem = nn.Sequential(cba(3, 24, 3, 2, act=nn.LeakyReLU), nn.MaxPool2d(3, 2, 1))
        self.st2 = nn.Sequential(ShuffleBlock(24, 64, 2), ShuffleBlock(64, 64, 1))
        self.st3 = nn.Sequential(ShuffleBlock(64, 128, 2), ShuffleBlock(128, 128, 1))
        self.st4 = nn.Sequential(ShuffleBlock(128, 256, 2), ShuffleBlock(256, 256, 1))
        self.red = nn.ModuleList([cba(k, c, 1, act=nn.LeakyReLU) for k in (64, 128, 256)])
        self.td = nn.ModuleList([cba(2 * c, c, 1, act=nn.LeakyReLU) for _ in range(2)])
        self.down = nn.ModuleList([cba(c, c, 5, 2, g=c, act=nn.LeakyReLU) for _ in range(3)])
        self.bu = nn.ModuleList([cba(2 * c, c, 1, act=nn.LeakyReLU) for _ in range(2)])
        self.heads = nn.ModuleList([nn.Sequential(cba(c, c, 5, g=c, act=nn.LeakyReLU), cba(c, c, 1, act=nn.LeakyReLU),
                                                  nn.Conv2d(c, nc + 4 * (reg_max + 1), 1)) for _ in range(4)])
        self.register_buffer('project', torch.linspace(0, reg_max, reg_max + 1))

    def forward(self, x):
        c3 = self.st2(self.stem(x))
        c4 = self.st3(c3)
        c5 = self.st4(c4)
        p3, p4, p5 = (m(f) for m, f in zip(self.red, (c3, c4, c5)))
        p4 = self.td[0](torch.cat([F.interpolate(p5, scale_factor=2.0, mode='bilinear', align_corners=False), p4], 1))
        p3 = self.td[1](torch.cat([F.interpolate(p4, scale_factor=2.0, mode='bilinear', align_corners=False), p3], 1))
        n4 = self.bu[0](torch.cat([self.down[0](p3), p4], 1))
        n5 = self.bu[1](torch.cat([self.down[1](n4), p5], 1))
        n6 = self.down[2](n5) + self.down[2](p5)  # extra level
        outs = []
        for f, head, stride in zip((p3, n4, n5, n6), self.heads, (8, 16, 32, 64)):
            o = head(f)
            b, _, h, w = o.shape
            cls, reg = o.split([self.nc, 4 * (self.rm + 1)], dim=1)
            cls = cls.sigmoid().flatten(2).permute(0, 2, 1)
            reg = reg.flatten(2).permute(0, 2, 1).reshape(b, -1, 4, self.rm + 1)
            d = F.softmax(reg, dim=-1).matmul(self.project) * stride
            ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
            ctr = torch.stack([xs, ys], -1).reshape(1, -1, 2).float() * stride
            outs.append(torch.cat([cls, ctr - d[..., :2], ctr + d[..., 2:]], -1))
        return torch.cat(outs, 1)


# --- PicoDet (PaddleDetection ppdet/modeling: LCNet-like backbone, CSP-PAN, PicoHeadV2; export without NMS) ---
class SE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.f = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // 4, 1), nn.ReLU(), nn.Conv2d(c // 4, c, 1), nn.Hardsigmoid())

    def forward(self, x):
        return x * self.f(x)


def dws(i, o, s, k=3, se=False):
    return nn.Sequential(cba(i, i, k, s, g=i, act=nn.Hardswish), *([SE(i)] if se else []), cba(i, o, 1, act=nn.Hardswish))


class PicoDet(nn.Module):
    """416×416, 80 classes: boxes [1, 3598, 4] (x1 y1 x2 y2) and scores [1, 80, 3598], as PaddleDetection exports
    with `export.post_process=False` plus its decode (Integral as a projection, distance2bbox with centre points)."""

    def __init__(self, nc=80, reg_max=7, c=64):
        super().__init__()
        self.nc, self.rm = nc, reg_max
        self.s8 = nn.Sequential(cba(3, 16, 3, 2, act=nn.Hardswish), dws(16, 32, 1), dws(32, 64, 2), dws(64, 64, 1), dws(64, 128, 2))
        self.s16 = nn.Sequential(dws(128, 128, 1), dws(128, 256, 2, 5), dws(256, 256, 1, 5))
        self.s32 = nn.Sequential(dws(256, 512, 2, 5, True), dws(512, 512, 1, 5, True))
        self.red = nn.ModuleList([cba(k, c, 1, act=nn.Hardswish) for k in (128, 256, 512)])
        self.td = nn.ModuleList([dws(2 * c, c, 1, 5) for _ in range(2)])
        self.down = nn.ModuleList([dws(c, c, 2, 5) for _ in range(3)])
        self.bu = nn.ModuleList([dws(2 * c, c, 1, 5) for _ in range(2)])
        self.heads = nn.ModuleList([nn.Sequential(dws(c, c, 1, 5), dws(c, c, 1, 5)) for _ in range(4)])
        self.cls = nn.ModuleList([nn.Conv2d(c, nc, 1) for _ in range(4)])
        self.reg = nn.ModuleList([nn.Conv2d(c, 4 * (reg_max + 1), 1) for _ in range(4)])
        self.register_buffer('project', torch.linspace(0, reg_max, reg_max + 1))

    def forward(self, x):
        c3 = self.s8(x)
        c4 = self.s16(c3)
        c5 = self.s32(c4)
        p3, p4, p5 = (m(f) for m, f in zip(self.red, (c3, c4, c5)))
        p4 = self.td[0](torch.cat([F.interpolate(p5, scale_factor=2.0, mode='nearest'), p4], 1))
        p3 = self.td[1](torch.cat([F.interpolate(p4, scale_factor=2.0, mode='nearest'), p3], 1))
        n4 = self.bu[0](torch.cat([self.down[0](p3), p4], 1))
        n5 = self.bu[1](torch.cat([self.down[1](n4), p5], 1))
        n6 = self.down[2](n5)
        boxes, scores = [], []
        for i, (f, stride) in enumerate(zip((p3, n4, n5, n6), (8, 16, 32, 64))):
            t = self.heads[i](f)
            b, _, h, w = t.shape
            scores.append(self.cls[i](t).sigmoid().flatten(2))
            reg = self.reg[i](t).flatten(2).permute(0, 2, 1).reshape(-1, self.rm + 1)
            d = F.linear(F.softmax(reg, dim=1), self.project.reshape(1, -1)).reshape(b, h * w, 4) * stride
            ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
            ctr = (torch.stack([xs, ys], -1).reshape(1, -1, 2).float() + 0.5) * stride
            boxes.append(torch.cat([ctr - d[..., :2], ctr + d[..., 2:]], -1))
        return torch.cat(boxes, 1), torch.cat(scores, 2)


# --- SSD (qfgaohao/pytorch-ssd mobilenetv1_ssd: SSD.forward is_test path, box_utils) ---
def ssd_priors(size=300, fms=(19, 10, 5, 3, 2, 1), shrink=(16, 32, 64, 100, 150, 300), boxes=((60, 105), (105, 150), (150, 195), (195, 240), (240, 285), (285, 330))):
    out = []
    for fm, sh, (mn, mx) in zip(fms, shrink, boxes):
        scale = size / sh
        for j in range(fm):
            for i in range(fm):
                cx, cy = (i + 0.5) / scale, (j + 0.5) / scale
                out.append([cx, cy, mn / size, mn / size])
                s = math.sqrt(mx * mn) / size
                out.append([cx, cy, s, s])
                for r in (2, 3):
                    rr = math.sqrt(r)
                    out += [[cx, cy, mn / size * rr, mn / size / rr], [cx, cy, mn / size / rr, mn / size * rr]]
    return torch.tensor(out).clamp(0.0, 1.0)


class SsdMobileNet(nn.Module):
    """300×300, 21 classes: scores [1, 3000, 21] (softmax), boxes [1, 3000, 4] (corner form in [0, 1])."""

    def __init__(self, nc=21, w=16):
        super().__init__()
        def dw(i, o, s):
            return nn.Sequential(cba(i, i, 3, s, g=i, act=nn.ReLU), cba(i, o, 1, act=nn.ReLU))
        self.base = nn.Sequential(cba(3, w, 3, 2, act=nn.ReLU), dw(w, 2 * w, 1), dw(2 * w, 4 * w, 2), dw(4 * w, 4 * w, 1),
                                  dw(4 * w, 8 * w, 2), dw(8 * w, 8 * w, 1), dw(8 * w, 16 * w, 2), *[dw(16 * w, 16 * w, 1) for _ in range(2)])
        self.base2 = nn.Sequential(dw(16 * w, 32 * w, 2), dw(32 * w, 32 * w, 1))
        self.extras = nn.ModuleList([
            nn.Sequential(nn.Conv2d(32 * w, 8 * w, 1), nn.ReLU(), nn.Conv2d(8 * w, 16 * w, 3, 2, 1), nn.ReLU()),
            nn.Sequential(nn.Conv2d(16 * w, 4 * w, 1), nn.ReLU(), nn.Conv2d(4 * w, 8 * w, 3, 2, 1), nn.ReLU()),
            nn.Sequential(nn.Conv2d(8 * w, 4 * w, 1), nn.ReLU(), nn.Conv2d(4 * w, 8 * w, 3, 2, 1), nn.ReLU()),
            nn.Sequential(nn.Conv2d(8 * w, 4 * w, 1), nn.ReLU(), nn.Conv2d(4 * w, 8 * w, 3, 2, 1), nn.ReLU())])
        chans = (16 * w, 32 * w, 16 * w, 8 * w, 8 * w, 8 * w)
        self.nc = nc
        self.cls = nn.ModuleList([nn.Conv2d(c, 6 * nc, 3, 1, 1) for c in chans])
        self.reg = nn.ModuleList([nn.Conv2d(c, 6 * 4, 3, 1, 1) for c in chans])
        self.register_buffer('priors', ssd_priors())

    def forward(self, x):
        f1 = self.base(x)
        feats = [f1, self.base2(f1)]
        for e in self.extras:
            feats.append(e(feats[-1]))
        conf = torch.cat([c(f).permute(0, 2, 3, 1).contiguous().view(x.size(0), -1, self.nc) for c, f in zip(self.cls, feats)], 1)
        loc = torch.cat([r(f).permute(0, 2, 3, 1).contiguous().view(x.size(0), -1, 4) for r, f in zip(self.reg, feats)], 1)
        p = self.priors.unsqueeze(0)
        boxes = torch.cat([loc[..., :2] * 0.1 * p[..., 2:] + p[..., :2], torch.exp(loc[..., 2:] * 0.2) * p[..., 2:]], loc.dim() - 1)
        boxes = torch.cat([boxes[..., :2] - boxes[..., 2:] / 2, boxes[..., :2] + boxes[..., 2:] / 2], boxes.dim() - 1)
        return F.softmax(conf, dim=2), boxes
