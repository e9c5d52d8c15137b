"""Ninth sweep (docs/model-sweep.md): the newest detectors as their projects write them — YOLO11 (ultralytics C3k2,
C2PSA attention, depthwise class head), YOLOv9 (GELAN: RepNCSPELAN4, ADown, SPPELAN), YOLOv7-tiny (ELAN, Detect's
decode with --grid, and the onnxruntime end-to-end NMS of its export.py), YOLO-NAS (QARepVGG blocks, DFL head),
D-FINE / DEIM (hybrid encoder, query selection, deformable attention by grid_sample, fine-grained distribution
refinement with its weighting function, LQE, postprocessor with orig_target_sizes). Plain torch.nn, small widths,
random weights. Imported by sweep9.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_models import DFL, SPPF, make_anchors, pyramid


class CBA(nn.Module):
    """ultralytics Conv with groups / activation choice."""

    def __init__(self, c1, c2, k=1, s=1, g=1, act=True, p=None):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2 if p is None else p, groups=g, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = (nn.SiLU() if act is True else act) if act else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c1, c2, shortcut=True, e=0.5, k=3):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1, self.cv2, self.add = CBA(c1, c_, k), CBA(c_, c2, k), shortcut and c1 == c2

    def forward(self, x):
        return x + self.cv2(self.cv1(x)) if self.add else self.cv2(self.cv1(x))


class C3k(nn.Module):
    def __init__(self, c1, c2, n=2, shortcut=True, e=0.5, k=3):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1, self.cv2, self.cv3 = CBA(c1, c_), CBA(c1, c_), CBA(2 * c_, c2)
        self.m = nn.Sequential(*(Bottleneck(c_, c_, shortcut, 1.0, k) for _ in range(n)))

    def forward(self, x):
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), 1))


class C3k2(nn.Module):
    """ultralytics C3k2: C2f whose inner blocks are C3k (c3k=True) or Bottlenecks."""

    def __init__(self, c1, c2, n=1, c3k=False, e=0.5, shortcut=True):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1, self.cv2 = CBA(c1, 2 * self.c), CBA((2 + n) * self.c, c2)
        self.m = nn.ModuleList(C3k(self.c, self.c, 2, shortcut) if c3k else Bottleneck(self.c, self.c, shortcut, 1.0) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class PSAAttention(nn.Module):
    """ultralytics Attention (C2PSA): qkv 1×1 conv viewed [B, heads, 2·key_dim + head_dim, N], split, pe depthwise."""

    def __init__(self, dim, num_heads=2, attn_ratio=0.5):
        super().__init__()
        self.num_heads, self.head_dim = num_heads, dim // num_heads
        self.key_dim = int(self.head_dim * attn_ratio)
        self.scale = self.key_dim ** -0.5
        self.qkv = CBA(dim, dim + 2 * self.key_dim * num_heads, 1, act=False)
        self.proj, self.pe = CBA(dim, dim, 1, act=False), CBA(dim, dim, 3, 1, g=dim, act=False)

    def forward(self, x):
        B, C, H, W = x.shape
        N = H * W
        q, k, v = self.qkv(x).view(B, self.num_heads, self.key_dim * 2 + self.head_dim, N).split(
            [self.key_dim, self.key_dim, self.head_dim], dim=2)
        attn = ((q.transpose(-2, -1) @ k) * self.scale).softmax(dim=-1)
        x = (v @ attn.transpose(-2, -1)).view(B, C, H, W) + self.pe(v.reshape(B, C, H, W))
        return self.proj(x)


class C2PSA(nn.Module):
    def __init__(self, c1, c2, n=1, e=0.5):
        super().__init__()
        self.c = int(c1 * e)
        self.cv1, self.cv2 = CBA(c1, 2 * self.c), CBA(2 * self.c, c1)
        self.m = nn.ModuleList(nn.ModuleDict({'attn': PSAAttention(self.c, self.c // 32),
                                              'ffn': nn.Sequential(CBA(self.c, self.c * 2), CBA(self.c * 2, self.c, act=False))})
                               for _ in range(n))

    def forward(self, x):
        a, b = self.cv1(x).split((self.c, self.c), dim=1)
        for blk in self.m:
            b = b + blk['attn'](b)
            b = b + blk['ffn'](b)
        return self.cv2(torch.cat((a, b), 1))


class DetectV8(nn.Module):
    """ultralytics Detect (v8 box branch, v11's depthwise class branch when legacy=False), decode in forward."""

    def __init__(self, nc, ch, reg_max=16, legacy=False, strides=(8, 16, 32), box_groups=1):
        super().__init__()
        self.nc, self.reg_max, self.strides = nc, reg_max, strides
        c2, c3 = max(16, ch[0] // 4, reg_max * 4), max(ch[0], min(nc, 100))
        self.cv2 = nn.ModuleList(nn.Sequential(CBA(x, c2, 3), CBA(c2, c2, 3, g=box_groups), nn.Conv2d(c2, 4 * reg_max, 1, groups=box_groups)) for x in ch)
        self.cv3 = nn.ModuleList(
            nn.Sequential(CBA(x, c3, 3), CBA(c3, c3, 3), nn.Conv2d(c3, nc, 1)) if legacy else
            nn.Sequential(nn.Sequential(CBA(x, x, 3, g=x), CBA(x, c3, 1)), nn.Sequential(CBA(c3, c3, 3, g=c3), CBA(c3, c3, 1)), nn.Conv2d(c3, nc, 1))
            for x in ch)
        self.dfl = DFL(reg_max)

    def forward(self, xs):
        xs = [torch.cat((self.cv2[i](x), self.cv3[i](x)), 1) for i, x in enumerate(xs)]
        b = xs[0].shape[0]
        anchors, strides = (t.transpose(0, 1) for t in make_anchors(xs, self.strides))
        x_cat = torch.cat([xi.view(b, 4 * self.reg_max + self.nc, -1) for xi in xs], 2)
        box, cls = x_cat.split((self.reg_max * 4, self.nc), 1)
        lt, rb = self.dfl(box).chunk(2, 1)
        a = anchors.unsqueeze(0)
        x1y1, x2y2 = a - lt, a + rb
        dbox = torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * strides
        return torch.cat((dbox, cls.sigmoid()), 1)


class Yolo11(nn.Module):
    """yolo11.yaml at small widths: backbone Conv / C3k2 / SPPF / C2PSA, PAN head with C3k2, Detect."""

    def __init__(self, nc=80, w=(16, 32, 64, 128, 128)):
        super().__init__()
        a, b, c, d, e = w
        self.b = nn.ModuleList([CBA(3, a, 3, 2), CBA(a, b, 3, 2), C3k2(b, 2 * b, 1, False, 0.25), CBA(2 * b, 2 * b, 3, 2),
                                C3k2(2 * b, c, 1, False, 0.25), CBA(c, c, 3, 2), C3k2(c, c, 1, True), CBA(c, d, 3, 2),
                                C3k2(d, d, 1, True), SPPF(d, d), C2PSA(d, d)])
        self.up = nn.Upsample(None, 2, 'nearest')
        self.h13, self.h16 = C3k2(d + c, c, 1, False), C3k2(c + c, b * 2, 1, False)
        self.d17, self.h19 = CBA(b * 2, b * 2, 3, 2), C3k2(b * 2 + c, c, 1, False)
        self.d20, self.h22 = CBA(c, c, 3, 2), C3k2(c + d, d, 1, True)
        self.detect = DetectV8(nc, (b * 2, c, d))

    def forward(self, x):
        outs = []
        for i, m in enumerate(self.b):
            x = m(x)
            outs.append(x)
        p3, p4, p5 = outs[4], outs[6], outs[10]
        t13 = self.h13(torch.cat([self.up(p5), p4], 1))
        o3 = self.h16(torch.cat([self.up(t13), p3], 1))
        o4 = self.h19(torch.cat([self.d17(o3), t13], 1))
        o5 = self.h22(torch.cat([self.d20(o4), p5], 1))
        return self.detect([o3, o4, o5])


# --- YOLOv9 (WongKinYiu/yolov9 models/common.py: RepConvN, RepNCSP, RepNCSPELAN4, ADown, SPPELAN; DDetect) ---
class RepConvN(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        self.conv1, self.conv2 = CBA(c1, c2, 3, act=False), CBA(c1, c2, 1, act=False)

    def forward(self, x):
        return F.silu(self.conv1(x) + self.conv2(x))


class RepNBottleneck(nn.Module):
    def __init__(self, c1, c2, shortcut=True, e=1.0):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1, self.cv2, self.add = RepConvN(c1, c_), CBA(c_, c2, 3), shortcut and c1 == c2

    def forward(self, x):
        return x + self.cv2(self.cv1(x)) if self.add else self.cv2(self.cv1(x))


class RepNCSP(nn.Module):
    def __init__(self, c1, c2, n=1):
        super().__init__()
        c_ = c2 // 2
        self.cv1, self.cv2, self.cv3 = CBA(c1, c_), CBA(c1, c_), CBA(2 * c_, c2)
        self.m = nn.Sequential(*(RepNBottleneck(c_, c_) for _ in range(n)))

    def forward(self, x):
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), 1))


class RepNCSPELAN4(nn.Module):
    def __init__(self, c1, c2, c3, c4, n=1):
        super().__init__()
        self.c = c3 // 2
        self.cv1 = CBA(c1, c3)
        self.cv2 = nn.Sequential(RepNCSP(c3 // 2, c4, n), CBA(c4, c4, 3))
        self.cv3 = nn.Sequential(RepNCSP(c4, c4, n), CBA(c4, c4, 3))
        self.cv4 = CBA(c3 + 2 * c4, c2)

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        y.extend(m(y[-1]) for m in [self.cv2, self.cv3])
        return self.cv4(torch.cat(y, 1))


class ADown(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        self.c = c2 // 2
        self.cv1, self.cv2 = CBA(c1 // 2, self.c, 3, 2), CBA(c1 // 2, self.c, 1)

    def forward(self, x):
        x = F.avg_pool2d(x, 2, 1, 0, False, True)
        x1, x2 = x.chunk(2, 1)
        x1 = self.cv1(x1)
        x2 = self.cv2(F.max_pool2d(x2, 3, 2, 1))
        return torch.cat((x1, x2), 1)


class SPPELAN(nn.Module):
    def __init__(self, c1, c2, c3):
        super().__init__()
        self.cv1, self.cv5, self.m = CBA(c1, c3), CBA(4 * c3, c2), nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        y = [self.cv1(x)]
        y.extend(self.m(y[-1]) for _ in range(3))
        return self.cv5(torch.cat(y, 1))


class Yolov9T(nn.Module):
    """gelan-t / yolov9-t (converted, deploy: the auxiliary branch dropped) at small widths."""

    def __init__(self, nc=80):
        super().__init__()
        self.stem = nn.Sequential(CBA(3, 16, 3, 2), CBA(16, 32, 3, 2), RepNCSPELAN4(32, 32, 32, 16))
        self.p3 = nn.Sequential(ADown(32, 64), RepNCSPELAN4(64, 64, 64, 32))
        self.p4 = nn.Sequential(ADown(64, 96), RepNCSPELAN4(96, 96, 96, 48))
        self.p5 = nn.Sequential(ADown(96, 128), RepNCSPELAN4(128, 128, 128, 64), SPPELAN(128, 128, 64))
        self.up = nn.Upsample(None, 2, 'nearest')
        self.h4, self.h3 = RepNCSPELAN4(224, 96, 96, 48), RepNCSPELAN4(160, 64, 64, 32)
        self.d3, self.n4 = ADown(64, 48), RepNCSPELAN4(144, 96, 96, 48)
        self.d4, self.n5 = ADown(96, 64), RepNCSPELAN4(192, 128, 128, 64)
        self.detect = DetectV8(nc, (64, 96, 128), legacy=True, box_groups=4)

    def forward(self, x):
        return self.detect(list(pyramid(self, x)))


# --- YOLOv7-tiny (WongKinYiu/yolov7 cfg/deploy/yolov7-tiny.yaml, models/yolo.py Detect with export grid) ---
def lcba(c1, c2, k=1, s=1):
    return CBA(c1, c2, k, s, act=nn.LeakyReLU(0.1))


class ElanTiny(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        c_ = c2 // 2
        self.a, self.b = lcba(c1, c_), lcba(c1, c_)
        self.c, self.d = lcba(c_, c_, 3), lcba(c_, c_, 3)
        self.o = lcba(4 * c_, c2)

    def forward(self, x):
        a, b = self.a(x), self.b(x)
        c = self.c(b)
        return self.o(torch.cat([self.d(c), c, b, a], 1))


class SPPCSPCTiny(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        c_ = c2 // 2
        self.a, self.b, self.c, self.o = lcba(c1, c_), lcba(c1, c_), lcba(4 * c_, c_), lcba(2 * c_, c2)
        self.pools = nn.ModuleList(nn.MaxPool2d(k, 1, k // 2) for k in (5, 9, 13))

    def forward(self, x):
        a = self.a(x)
        return self.o(torch.cat([self.c(torch.cat([a] + [p(a) for p in self.pools], 1)), self.b(x)], 1))


class Yolov7Tiny(nn.Module):
    anchors = ((10, 13, 16, 30, 33, 23), (30, 61, 62, 45, 59, 119), (116, 90, 156, 198, 373, 326))

    def __init__(self, nc=80):
        super().__init__()
        self.nc, self.no, self.na = nc, nc + 5, 3
        mp = nn.MaxPool2d(2, 2)
        self.p3 = nn.Sequential(lcba(3, 16, 3, 2), lcba(16, 32, 3, 2), ElanTiny(32, 32), mp, ElanTiny(32, 64))
        self.p4 = nn.Sequential(nn.MaxPool2d(2, 2), ElanTiny(64, 128))
        self.p5 = nn.Sequential(nn.MaxPool2d(2, 2), ElanTiny(128, 256), SPPCSPCTiny(256, 128))
        self.r5, self.l4, self.e4 = lcba(128, 64), lcba(128, 64), ElanTiny(128, 64)
        self.r4, self.l3, self.e3 = lcba(64, 32), lcba(64, 32), ElanTiny(64, 32)
        self.d3, self.n4 = lcba(32, 64, 3, 2), ElanTiny(128, 64)
        self.d4, self.n5 = lcba(64, 128, 3, 2), ElanTiny(256, 128)
        self.o = nn.ModuleList([lcba(32, 64, 3), lcba(64, 128, 3), lcba(128, 256, 3)])
        self.m = nn.ModuleList(nn.Conv2d(c, self.no * self.na, 1) for c in (64, 128, 256))
        self.up = nn.Upsample(None, 2, 'nearest')
        self.register_buffer('anchor_grid', torch.tensor(self.anchors, dtype=torch.float).view(3, 1, 3, 1, 1, 2))

    def forward(self, x):
        p3 = self.p3(x)
        p4 = self.p4(p3)
        p5 = self.p5(p4)
        t4 = self.e4(torch.cat([self.up(self.r5(p5)), self.l4(p4)], 1))
        o3 = self.e3(torch.cat([self.up(self.r4(t4)), self.l3(p3)], 1))
        o4 = self.n4(torch.cat([self.d3(o3), t4], 1))
        o5 = self.n5(torch.cat([self.d4(o4), p5], 1))
        z = []
        for i, (f, s) in enumerate(zip((o3, o4, o5), (8, 16, 32))):
            y = self.m[i](self.o[i](f))
            bs, _, ny, nx = y.shape
            y = y.view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous().sigmoid()
            yv, xv = torch.meshgrid([torch.arange(ny), torch.arange(nx)], indexing='ij')
            grid = torch.stack((xv, yv), 2).view(1, 1, ny, nx, 2).float()
            xy = (y[..., 0:2] * 2. - 0.5 + grid) * s
            wh = (y[..., 2:4] * 2) ** 2 * self.anchor_grid[i]
            z.append(torch.cat((xy, wh, y[..., 4:]), -1).view(bs, -1, self.no))
        return torch.cat(z, 1)


class OrtNMS(torch.autograd.Function):
    """yolov7 models/experimental.py ORT_NMS: exported as ONNX NonMaxSuppression."""

    @staticmethod
    def forward(ctx, boxes, scores, max_output_boxes_per_class, iou_threshold, score_threshold):
        b = boxes.shape[0]
        n = torch.randint(1, 10, (1,)).item()
        return torch.stack([torch.zeros(n, dtype=torch.int64).fill_(0), torch.zeros(n, dtype=torch.int64),
                            torch.arange(n, dtype=torch.int64)], 1) if b else None

    @staticmethod
    def symbolic(g, boxes, scores, max_output_boxes_per_class, iou_threshold, score_threshold):
        return g.op('NonMaxSuppression', boxes, scores, max_output_boxes_per_class, iou_threshold, score_threshold)


class Yolov7End2EndOrt(nn.Module):
    """yolov7 export.py --end2end (onnxruntime): ONNX_ORT after the model: boxes to corners, class offset, NMS."""

    def __init__(self, model, max_obj=100, iou=0.45, score=0.25, max_wh=640):
        super().__init__()
        self.model = model
        self.register_buffer('max_obj', torch.tensor([max_obj]))
        self.register_buffer('iou_threshold', torch.tensor([iou]))
        self.register_buffer('score_threshold', torch.tensor([score]))
        self.max_wh = max_wh
        self.register_buffer('convert_matrix', torch.tensor([[1, 0, 1, 0], [0, 1, 0, 1], [-0.5, 0, 0.5, 0], [0, -0.5, 0, 0.5]], dtype=torch.float32))

    def forward(self, x):
        x = self.model(x)
        boxes, conf, scores = x[:, :, :4], x[:, :, 4:5], x[:, :, 5:]
        scores = scores * conf
        boxes = boxes @ self.convert_matrix
        max_score, category_id = scores.max(2, keepdim=True)
        nmsbox = boxes + category_id.float() * self.max_wh
        max_score_tp = max_score.transpose(1, 2).contiguous()
        sel = OrtNMS.apply(nmsbox, max_score_tp, self.max_obj, self.iou_threshold, self.score_threshold)
        X, Y = sel[:, 0], sel[:, 2]
        return torch.cat([X.unsqueeze(1).float(), boxes[X, Y, :], category_id[X, Y, :].float(), max_score[X, Y, :]], 1)


# --- YOLO-NAS (super-gradients QARepVGGBlock, YoloNASCSPLayer, YoloNASDFLHead, NDFLHeads decode) ---
class QARepVGG(nn.Module):
    def __init__(self, c1, c2, s=1):
        super().__init__()
        self.b3 = nn.Sequential(nn.Conv2d(c1, c2, 3, s, 1, bias=False), nn.BatchNorm2d(c2))
        self.b1 = nn.Conv2d(c1, c2, 1, s, 0, bias=False)
        self.alpha = nn.Parameter(torch.tensor([1.0 + 0.1 * torch.randn(1).item()]))
        self.identity = c1 == c2 and s == 1
        self.post_bn = nn.BatchNorm2d(c2)

    def forward(self, x):
        y = self.b3(x) + self.alpha * self.b1(x) + (x if self.identity else 0)
        return F.relu(self.post_bn(y))


class NasCSP(nn.Module):
    def __init__(self, c1, c2, n=2):
        super().__init__()
        h = c2 // 2
        self.a, self.b = CBA(c1, h, act=nn.ReLU()), CBA(c1, h, act=nn.ReLU())
        self.blocks = nn.ModuleList(nn.Sequential(QARepVGG(h, h), QARepVGG(h, h)) for _ in range(n))
        self.o = CBA(h * (2 + n), c2, act=nn.ReLU())

    def forward(self, x):
        y = [self.b(x)]
        for blk in self.blocks:
            y.append(y[-1] + blk(y[-1]))
        return self.o(torch.cat([self.a(x)] + y, 1))


class YoloNAS(nn.Module):
    def __init__(self, nc=80, reg_max=16):
        super().__init__()
        self.nc, self.reg_max = nc, reg_max
        self.stem = QARepVGG(3, 16, 2)
        self.s2 = nn.Sequential(QARepVGG(16, 32, 2), NasCSP(32, 32))
        self.s3 = nn.Sequential(QARepVGG(32, 64, 2), NasCSP(64, 64))
        self.s4 = nn.Sequential(QARepVGG(64, 96, 2), NasCSP(96, 96))
        self.s5 = nn.Sequential(QARepVGG(96, 128, 2), NasCSP(128, 128), SPPF(128, 128))
        self.up5, self.r5 = nn.ConvTranspose2d(64, 64, 2, 2), CBA(128, 64, act=nn.ReLU())
        self.n4 = NasCSP(64 + 96, 64)
        self.up4, self.r4 = nn.ConvTranspose2d(32, 32, 2, 2), CBA(64, 32, act=nn.ReLU())
        self.n3 = NasCSP(32 + 64, 32)
        self.d3, self.m4 = CBA(32, 32, 3, 2, act=nn.ReLU()), NasCSP(64, 64)
        self.d4, self.m5 = CBA(64, 64, 3, 2, act=nn.ReLU()), NasCSP(128, 128)
        self.heads = nn.ModuleList(nn.ModuleDict({
            'stem': CBA(c, c, act=nn.ReLU()), 'cls': CBA(c, c, 3, act=nn.ReLU()), 'reg': CBA(c, c, 3, act=nn.ReLU()),
            'cls_pred': nn.Conv2d(c, nc, 1), 'reg_pred': nn.Conv2d(c, 4 * (reg_max + 1), 1)}) for c in (32, 64, 128))
        self.register_buffer('proj', torch.linspace(0, reg_max, reg_max + 1).view(1, reg_max + 1, 1, 1))

    def forward(self, x):
        c2 = self.s2(self.stem(x))
        c3 = self.s3(c2)
        c4 = self.s4(c3)
        c5 = self.s5(c4)
        r5 = self.r5(c5)
        t4 = self.n4(torch.cat([self.up5(r5), c4], 1))
        r4 = self.r4(t4)
        o3 = self.n3(torch.cat([self.up4(r4), c3], 1))
        o4 = self.m4(torch.cat([self.d3(o3), r4], 1))
        o5 = self.m5(torch.cat([self.d4(o4), r5], 1))
        boxes, scores = [], []
        for h, f, s in zip(self.heads, (o3, o4, o5), (8, 16, 32)):
            f = h['stem'](f)
            b, _, hh, ww = f.shape
            cls = h['cls_pred'](h['cls'](f)).flatten(2).permute(0, 2, 1)
            reg = h['reg_pred'](h['reg'](f))
            reg = reg.reshape(b, 4, self.reg_max + 1, hh * ww).permute(0, 2, 1, 3).softmax(1)
            dist = F.conv2d(reg, self.proj).reshape(b, 4, hh * ww).permute(0, 2, 1)
            ys, xs = torch.meshgrid(torch.arange(hh) + 0.5, torch.arange(ww) + 0.5, indexing='ij')
            anchors = torch.stack([xs, ys], -1).reshape(1, -1, 2).float()
            lt, rb = dist.chunk(2, -1)
            boxes.append(torch.cat([anchors - lt, anchors + rb], -1) * s)
            scores.append(cls.sigmoid())
        return torch.cat(boxes, 1), torch.cat(scores, 1)
