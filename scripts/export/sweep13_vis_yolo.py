"""Thirteenth sweep, single-stage heads (docs/model-sweep.md): YOLOv12n (ultralytics A2C2f / R-ELAN with area
attention AAttn and its 7×7 depthwise position perceiver, C3k2, v8 Detect with DFL), CenterPoint (pillar BEV RPN:
3 strided blocks, ConvTranspose ups, shared conv, CenterHead's separate heads, the decode of its TensorRT deploy
forms: sigmoid heatmap, 3×3 max-pool peaks, TopK per class then over classes, boxes from reg / height / exp(dim) /
(sin, cos) rot) and PP-LCNet x0.5 as paddle2onnx writes it (hardswish as x · HardSigmoid, SE with paddle's hardsigmoid,
5×5 depthwise stages, last 1×1 conv to 1280, softmax) and YOLOP (Focus, BottleneckCSP, SPP, YOLOv5 Detect decoded,
drivable-area and lane-line heads)."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep9_det import CBA, C3k2, DetectV8


class AAttn(nn.Module):
    """ultralytics AAttn: tokens split into `area` areas along the flattened H·W axis, per-head attention."""

    def __init__(self, dim, num_heads, area=1):
        super().__init__()
        self.area, self.num_heads, self.head_dim = area, num_heads, dim // num_heads
        ahd = self.head_dim * num_heads
        self.qkv, self.proj = CBA(dim, ahd * 3, 1, act=False), CBA(ahd, dim, 1, act=False)
        self.pe = CBA(ahd, dim, 7, 1, g=dim, act=False)

    def forward(self, x):
        B, C, H, W = x.shape
        N = H * W
        qkv = self.qkv(x).flatten(2).transpose(1, 2)
        if self.area > 1:
            qkv = qkv.reshape(B * self.area, N // self.area, C * 3)
            B, N, _ = qkv.shape
        q, k, v = qkv.view(B, N, self.num_heads, self.head_dim * 3).permute(0, 2, 3, 1).split(
            [self.head_dim, self.head_dim, self.head_dim], dim=2)
        attn = ((q.transpose(-2, -1) @ k) * (self.head_dim ** -0.5)).softmax(dim=-1)
        x = (v @ attn.transpose(-2, -1)).permute(0, 3, 1, 2)
        v = v.permute(0, 3, 1, 2)
        if self.area > 1:
            x = x.reshape(B // self.area, N * self.area, C)
            v = v.reshape(B // self.area, N * self.area, C)
            B, N, _ = x.shape
        x = x.reshape(B, H, W, C).permute(0, 3, 1, 2).contiguous()
        v = v.reshape(B, H, W, C).permute(0, 3, 1, 2).contiguous()
        return self.proj(x + self.pe(v))


class ABlock(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio=1.2, area=1):
        super().__init__()
        self.attn = AAttn(dim, num_heads, area)
        h = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(CBA(dim, h, 1), CBA(h, dim, 1, act=False))

    def forward(self, x):
        x = x + self.attn(x)
        return x + self.mlp(x)


class A2C2f(nn.Module):
    """R-ELAN: 1×1 in, n pairs of ABlocks (or C3k when a2 is False), every output concatenated, 1×1 out, layer-scaled
    residual (gamma 0.01) when a2 and residual."""

    def __init__(self, c1, c2, n=1, a2=True, area=1, residual=False, e=0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1, self.cv2 = CBA(c1, c_, 1), CBA((1 + n) * c_, c2, 1)
        self.gamma = nn.Parameter(0.01 * torch.ones(c2)) if a2 and residual else None
        from sweep9_det import C3k
        self.m = nn.ModuleList(nn.Sequential(*(ABlock(c_, c_ // 32, 2.0, area) for _ in range(2))) if a2 else C3k(c_, c_, 2, True)
                               for _ in range(n))

    def forward(self, x):
        y = [self.cv1(x)]
        y.extend(m(y[-1]) for m in self.m)
        y = self.cv2(torch.cat(y, 1))
        return x + self.gamma.view(-1, 1, 1) * y if self.gamma is not None else y


class Yolo12(nn.Module):
    """yolov12.yaml (n scale, widths halved again): Conv, Conv, C3k2, Conv, C3k2, Conv, A2C2f(area 4) ×2, Conv,
    A2C2f(area 1) ×2; head with A2C2f (no attention at P3), Conv downs, C3k2 at P5, Detect."""

    def __init__(self, nc=80):
        super().__init__()
        a, b, c, d = 16, 32, 64, 128
        self.b = nn.ModuleList([CBA(3, a, 3, 2), CBA(a, b, 3, 2), C3k2(b, 2 * b, 1, False, 0.25), CBA(2 * b, 2 * b, 3, 2),
                                C3k2(2 * b, c * 2, 1, False, 0.25), CBA(c * 2, c * 2, 3, 2), A2C2f(c * 2, c * 2, 2, True, 4, True),
                                CBA(c * 2, d * 2, 3, 2), A2C2f(d * 2, d * 2, 2, True, 1, True)])
        self.up = nn.Upsample(None, 2, 'nearest')
        self.h11 = A2C2f(d * 2 + c * 2, c * 2, 1, False)
        self.h14 = A2C2f(c * 2 + c * 2, c, 1, False)
        self.d15, self.h17 = CBA(c, c, 3, 2), A2C2f(c + c * 2, c * 2, 1, False)
        self.d18, self.h20 = CBA(c * 2, c * 2, 3, 2), C3k2(c * 2 + d * 2, d * 2, 1, True)
        self.detect = DetectV8(nc, (c, c * 2, d * 2))

    def forward(self, x):
        outs = []
        for m in self.b:
            x = m(x)
            outs.append(x)
        p3, p4, p5 = outs[4], outs[6], outs[8]
        t11 = self.h11(torch.cat([self.up(p5), p4], 1))
        o3 = self.h14(torch.cat([self.up(t11), p3], 1))
        o4 = self.h17(torch.cat([self.d15(o3), t11], 1))
        o5 = self.h20(torch.cat([self.d18(o4), p5], 1))
        return self.detect([o3, o4, o5])


def cbr(i, o, k=3, s=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, bias=False), nn.BatchNorm2d(o, eps=1e-3, momentum=0.01), nn.ReLU())


class CenterPoint(nn.Module):
    """CenterPoint-PointPillars RPN + CenterHead (3 tasks here: car / truck+bus / pedestrian+cyclist classes, one
    shared conv) with its decode: per task sigmoid heatmap, 3×3 max-pool peaks, TopK per class (K) then over the
    task's classes, reg / height / dim (exp) / rot (sin, cos: torch 1.13 has no atan2 export) gathered at the peaks, centres in metres."""

    def __init__(self, c=64, tasks=(1, 2, 2), k=100, voxel=0.32, pc_min=(-51.2, -51.2)):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Sequential(cbr(c, 64, 3, 2), *[cbr(64, 64) for _ in range(3)]),
                                     nn.Sequential(cbr(64, 128, 3, 2), *[cbr(128, 128) for _ in range(5)]),
                                     nn.Sequential(cbr(128, 256, 3, 2), *[cbr(256, 256) for _ in range(5)])])
        self.deblocks = nn.ModuleList([nn.Sequential(nn.ConvTranspose2d(64, 128, 1, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU()),
                                       nn.Sequential(nn.ConvTranspose2d(128, 128, 2, 2, bias=False), nn.BatchNorm2d(128), nn.ReLU()),
                                       nn.Sequential(nn.ConvTranspose2d(256, 128, 4, 4, bias=False), nn.BatchNorm2d(128), nn.ReLU())])
        self.shared = cbr(384, 64)
        heads = {'reg': 2, 'height': 1, 'dim': 3, 'rot': 2}
        self.tasks = nn.ModuleList([nn.ModuleDict({name: nn.Sequential(cbr(64, 64), nn.Conv2d(64, n, 3, 1, 1))
                                                   for name, n in {**heads, 'hm': nc}.items()}) for nc in tasks])
        self.k, self.voxel, self.pc_min = k, voxel, pc_min

    def forward(self, x):
        ups = []
        for blk, de in zip(self.blocks, self.deblocks):
            x = blk(x)
            ups.append(de(x))
        x = self.shared(torch.cat(ups, 1))
        out = []
        for t in self.tasks:
            heat = torch.sigmoid(t['hm'](x))
            n, c, h, w = heat.shape
            hmax = F.max_pool2d(heat, 3, 1, 1)
            heat = heat * (hmax == heat).float()
            s, idx = torch.topk(heat.view(n, c, -1), self.k)
            ys = torch.div(idx, w, rounding_mode='floor').float()
            xs = (idx % w).float()
            scores, ind = torch.topk(s.view(n, -1), self.k)
            labels = torch.div(ind, self.k, rounding_mode='floor')
            pix = torch.gather(idx.view(n, -1), 1, ind)
            ys = torch.gather(ys.view(n, -1), 1, ind)
            xs = torch.gather(xs.view(n, -1), 1, ind)

            def at(name):
                f = t[name](x)
                return torch.gather(f.view(n, f.shape[1], -1), 2, pix.unsqueeze(1).repeat(1, f.shape[1], 1)).permute(0, 2, 1)
            reg, hei, dim, rot = at('reg'), at('height'), torch.exp(at('dim')), at('rot')
            cx = (xs + reg[..., 0]) * self.voxel * 2 + self.pc_min[0]
            cy = (ys + reg[..., 1]) * self.voxel * 2 + self.pc_min[1]
            out += [torch.cat([cx[..., None], cy[..., None], hei, dim, rot], -1), scores, labels]
        return tuple(out)


class HardSigmoidPaddle(nn.Module):
    """paddle's nn.Hardsigmoid (slope 1/6, offset 0.5) as paddle2onnx writes it: HardSigmoid."""

    def forward(self, x):
        return F.hardsigmoid(x)


class LCNetBlock(nn.Module):
    def __init__(self, i, o, k, s, se):
        super().__init__()
        self.dw = CBA(i, i, k, s, g=i, act=nn.Hardswish())
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(i, i // 4, 1), nn.ReLU(), nn.Conv2d(i // 4, i, 1),
                                HardSigmoidPaddle()) if se else None
        self.pw = CBA(i, o, 1, act=nn.Hardswish())

    def forward(self, x):
        x = self.dw(x)
        if self.se is not None:
            x = x * self.se(x)
        return self.pw(x)


class PPLCNet(nn.Module):
    """PP-LCNet x0.5 (PaddleClas NET_CONFIG): blocks2-6 with 3×3 / 5×5 depthwise, SE in the last two, global pool,
    1×1 conv to 1280 + hardswish, flatten, FC, softmax (the inference model's output)."""

    def __init__(self, scale=0.5, classes=1000):
        super().__init__()
        cfg = [[3, 16, 32, 1, False], [3, 32, 64, 2, False], [3, 64, 64, 1, False], [3, 64, 128, 2, False],
               [3, 128, 128, 1, False], [3, 128, 256, 2, False]] + [[5, 256, 256, 1, False]] * 5 + \
              [[5, 256, 512, 2, True], [5, 512, 512, 1, True]]
        m = lambda c: max(8, int(c * scale + 4) // 8 * 8)
        self.stem = CBA(3, m(16), 3, 2, act=nn.Hardswish())
        self.blocks = nn.Sequential(*[LCNetBlock(m(i), m(o), k, s, se) for k, i, o, s, se in cfg])
        self.last = nn.Conv2d(m(512), 1280, 1, bias=False)
        self.fc = nn.Linear(1280, classes)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1)
        x = F.hardswish(self.last(x)).flatten(1)
        return F.softmax(self.fc(x), -1)


class Focus(nn.Module):
    """YOLOv5 v4's Focus: the four pixel phases by strided slices, concatenated, one conv."""

    def __init__(self, i, o, k=3):
        super().__init__()
        self.conv = CBA(i * 4, o, k, act=nn.Hardswish())

    def forward(self, x):
        return self.conv(torch.cat([x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]], 1))


class CSP(nn.Module):
    """BottleneckCSP (YOLOP's common.py): cv1 → bottlenecks → cv3 beside cv2, BN + LeakyReLU over the concat, cv4."""

    def __init__(self, i, o, n=1, shortcut=True):
        super().__init__()
        c = o // 2
        self.cv1, self.cv2, self.cv3 = CBA(i, c, 1, act=nn.Hardswish()), nn.Conv2d(i, c, 1, bias=False), nn.Conv2d(c, c, 1, bias=False)
        self.cv4 = CBA(2 * c, o, 1, act=nn.Hardswish())
        self.bn, self.act = nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.1)
        self.m = nn.Sequential(*[nn.Sequential(CBA(c, c, 1, act=nn.Hardswish()), CBA(c, c, 3, act=nn.Hardswish())) for _ in range(n)])
        self.shortcut = shortcut

    def forward(self, x):
        y = self.cv1(x)
        for b in self.m:
            y = y + b(y) if self.shortcut else b(y)
        return self.cv4(self.act(self.bn(torch.cat((self.cv3(y), self.cv2(x)), 1))))


class YOLOP(nn.Module):
    """YOLOP (panoptic driving perception, BDD100K): Focus, BottleneckCSP backbone with SPP, FPN / PAN neck, YOLOv5
    Detect over 3 anchors a level decoded in the export (sigmoid, grid, anchor grid), drivable-area and lane-line
    heads (convs, nearest ups to the input, sigmoid)."""

    def __init__(self, nc=1, w=16):
        super().__init__()
        h = nn.Hardswish
        self.b0, self.b1, self.b2 = Focus(3, w), CBA(w, 2 * w, 3, 2, act=h()), CSP(2 * w, 2 * w)
        self.b3, self.b4 = CBA(2 * w, 4 * w, 3, 2, act=h()), CSP(4 * w, 4 * w, 3)
        self.b5, self.b6 = CBA(4 * w, 8 * w, 3, 2, act=h()), CSP(8 * w, 8 * w, 3)
        self.b7 = CBA(8 * w, 16 * w, 3, 2, act=h())
        self.spp1, self.spp2 = CBA(16 * w, 8 * w, 1, act=h()), CBA(32 * w, 16 * w, 1, act=h())
        self.b9 = CSP(16 * w, 16 * w, 1, False)
        self.n10, self.n13, self.n14 = CBA(16 * w, 8 * w, 1, act=h()), CSP(16 * w, 8 * w, 1, False), CBA(8 * w, 4 * w, 1, act=h())
        self.n17, self.n18, self.n20 = CSP(8 * w, 4 * w, 1, False), CBA(4 * w, 4 * w, 3, 2, act=h()), CSP(8 * w, 8 * w, 1, False)
        self.n21, self.n23 = CBA(8 * w, 8 * w, 3, 2, act=h()), CSP(16 * w, 16 * w, 1, False)
        self.det = nn.ModuleList([nn.Conv2d(c, 3 * (5 + nc), 1) for c in (4 * w, 8 * w, 16 * w)])
        anchors = torch.tensor([[3, 9, 5, 11, 4, 20], [7, 18, 6, 39, 12, 31], [19, 50, 38, 81, 68, 157]], dtype=torch.float32)
        self.register_buffer('anchor_grid', anchors.view(3, 1, 3, 1, 1, 2))
        self.seg = nn.ModuleList([nn.Sequential(CBA(8 * w, 4 * w, 3, act=h()), nn.Upsample(scale_factor=2), CSP(4 * w, 2 * w, 1, False),
                                                CBA(2 * w, w, 3, act=h()), nn.Upsample(scale_factor=2), CBA(w, w // 2, 3, act=h()),
                                                CSP(w // 2, w // 2, 1, False), nn.Upsample(scale_factor=2), nn.Conv2d(w // 2, 2, 3, 1, 1))
                                  for _ in range(2)])
        self.nc = nc

    def forward(self, x):
        x = self.b2(self.b1(self.b0(x)))
        c3 = self.b4(self.b3(x))
        c4 = self.b6(self.b5(c3))
        c5 = self.b7(c4)
        s = self.spp1(c5)
        c5 = self.b9(self.spp2(torch.cat([s] + [F.max_pool2d(s, k, 1, k // 2) for k in (5, 9, 13)], 1)))
        p5 = self.n10(c5)
        p4 = self.n14(self.n13(torch.cat([F.interpolate(p5, scale_factor=2.0, mode='nearest'), c4], 1)))
        seg_in = torch.cat([F.interpolate(p4, scale_factor=2.0, mode='nearest'), c3], 1)
        o3 = self.n17(seg_in)
        o4 = self.n20(torch.cat([self.n18(o3), p4], 1))
        o5 = self.n23(torch.cat([self.n21(o4), p5], 1))
        outs = []
        for i, (f, conv, stride) in enumerate(zip((o3, o4, o5), self.det, (8, 16, 32))):
            bs, _, ny, nx = f.shape
            y = conv(f).view(bs, 3, 5 + self.nc, ny, nx).permute(0, 1, 3, 4, 2).sigmoid()
            gy, gx = torch.meshgrid(torch.arange(ny), torch.arange(nx), indexing='ij')
            grid = torch.stack((gx, gy), 2).view(1, 1, ny, nx, 2).float()
            xy = (y[..., :2] * 2.0 - 0.5 + grid) * stride
            wh = (y[..., 2:4] * 2) ** 2 * self.anchor_grid[i]
            outs.append(torch.cat((xy, wh, y[..., 4:]), -1).view(bs, -1, 5 + self.nc))
        da = torch.sigmoid(self.seg[0](seg_in))
        ll = torch.sigmoid(self.seg[1](seg_in))
        return torch.cat(outs, 1), da, ll
