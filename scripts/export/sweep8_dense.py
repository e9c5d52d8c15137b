"""Eighth sweep (docs/model-sweep.md): dense prediction as the projects write it — segmentation (BiSeNetV2's detail /
semantic branches with the bilateral guided aggregation, PP-LiteSeg's SPPM and UAFM spatial attention, DDRNet-23-slim's
bilateral fusion and DAPPM, TopFormer's token pyramid and semantic injection), depth (MiDaS small's RefineNet decoder,
Lite-Mono's dilated convs and cross-covariance attention), keypoints and matching (SuperPoint with its NMS by max-pool,
top-k and descriptor sampling; LightGlue-style matcher over dynamic keypoint counts). Plain torch.nn, small widths,
random weights. Imported by sweep8.py."""
import torch
from torch import nn
import torch.nn.functional as F


def cba(i, o, k=3, s=1, g=1, act=nn.ReLU, d=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, d * (k // 2), dilation=d, groups=g, bias=False), nn.BatchNorm2d(o), act() if act else nn.Identity())


def up(x, like, align=False):
    return F.interpolate(x, size=like.shape[2:], mode='bilinear', align_corners=align)


# --- BiSeNetV2 (CoinCheung/BiSeNet lib/models/bisenetv2.py) ---
class GE(nn.Module):
    def __init__(self, i, o, s=1, e=6):
        super().__init__()
        m = i * e
        self.c1 = cba(i, i, 3)
        self.dw = cba(i, m, 3, s, g=i, act=None) if s == 1 else nn.Sequential(cba(i, m, 3, 2, g=i, act=None), cba(m, m, 3, g=m, act=nn.ReLU))
        self.c2 = cba(m, o, 1, act=None)
        self.short = None if s == 1 else nn.Sequential(cba(i, i, 3, 2, g=i, act=None), cba(i, o, 1, act=None))

    def forward(self, x):
        y = self.c2(F.relu(self.dw(self.c1(x))))
        return F.relu(y + (x if self.short is None else self.short(x)))


class BiSeNetV2(nn.Module):
    def __init__(self, nc=19, argmax=True):
        super().__init__()
        self.argmax = argmax
        self.detail = nn.Sequential(cba(3, 64, 3, 2), cba(64, 64), cba(64, 64, 3, 2), cba(64, 64), cba(64, 64), cba(64, 128, 3, 2), cba(128, 128), cba(128, 128))
        self.stem = cba(3, 16, 3, 2)
        self.left = nn.Sequential(cba(16, 8, 1), cba(8, 16, 3, 2))
        self.fuse = cba(32, 16)
        self.s3 = nn.Sequential(GE(16, 32, 2), GE(32, 32))
        self.s4 = nn.Sequential(GE(32, 64, 2), GE(64, 64))
        self.s5 = nn.Sequential(GE(64, 128, 2), GE(128, 128), GE(128, 128), GE(128, 128))
        self.ce_bn, self.ce_gap, self.ce_last = nn.BatchNorm2d(128), cba(128, 128, 1), cba(128, 128, 3)
        self.l1 = nn.Sequential(nn.Conv2d(128, 128, 3, 1, 1, groups=128, bias=False), nn.BatchNorm2d(128), nn.Conv2d(128, 128, 1, bias=False))
        self.l2 = nn.Sequential(cba(128, 128, 3, 2, act=None), nn.AvgPool2d(3, 2, 1, ceil_mode=False))
        self.r1 = cba(128, 128, 3, act=None)
        self.r2 = nn.Sequential(nn.Conv2d(128, 128, 3, 1, 1, groups=128, bias=False), nn.BatchNorm2d(128), nn.Conv2d(128, 128, 1, bias=False))
        self.bga = cba(128, 128)
        self.head = nn.Sequential(cba(128, 128), nn.Conv2d(128, nc, 1))

    def forward(self, x):
        d = self.detail(x)
        f = self.stem(x)
        f = self.fuse(torch.cat([self.left(f), F.max_pool2d(f, 3, 2, 1)], 1))
        s = self.s5(self.s4(self.s3(f)))
        s = self.ce_last(s + self.ce_gap(self.ce_bn(torch.mean(s, dim=(2, 3), keepdim=True))))
        left = self.l1(d) * torch.sigmoid(F.interpolate(self.r1(s), size=d.shape[2:], mode='bilinear', align_corners=False))
        right = self.l2(d) * torch.sigmoid(self.r2(s))
        right = F.interpolate(right, size=d.shape[2:], mode='bilinear', align_corners=False)
        out = self.head(self.bga(left + right))
        out = F.interpolate(out, scale_factor=8.0, mode='bilinear', align_corners=False)
        return out.argmax(dim=1) if self.argmax else out


# --- PP-LiteSeg (PaddleSeg paddleseg/models/pp_liteseg.py: STDC, SPPM, UAFM_SpAtten) ---
class STDC(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.c = nn.ModuleList([cba(i, o // 2, 1), cba(o // 2, o // 4, 3, s), cba(o // 4, o // 8), cba(o // 8, o // 8)])
        self.pool = nn.AvgPool2d(3, 2, 1) if s == 2 else None

    def forward(self, x):
        outs = [self.c[0](x)]
        for c in self.c[1:]:
            outs.append(c(outs[-1]))
        if self.pool is not None:
            outs[0] = self.pool(outs[0])
        return torch.cat(outs, 1)


class UAFM(nn.Module):
    def __init__(self, xc, yc, oc):
        super().__init__()
        self.cx, self.att, self.out = cba(xc, yc), nn.Sequential(cba(4, 2), cba(2, 1, act=None)), cba(yc, oc)

    def forward(self, x, y):
        x = self.cx(x)
        y = F.interpolate(y, x.shape[2:], mode='bilinear')
        a = torch.cat([torch.mean(x, 1, True), torch.max(x, 1, True)[0], torch.mean(y, 1, True), torch.max(y, 1, True)[0]], 1)
        a = torch.sigmoid(self.att(a))
        return self.out(x * a + y * (1 - a))


class PPLiteSeg(nn.Module):
    def __init__(self, nc=19, argmax=True):
        super().__init__()
        self.argmax = argmax
        self.stem = nn.Sequential(cba(3, 32, 3, 2), cba(32, 64, 3, 2))
        self.s8, self.s16, self.s32 = (nn.Sequential(STDC(a, b, 2), STDC(b, b, 1)) for a, b in ((64, 256), (256, 512), (512, 1024)))
        self.sppm = nn.ModuleList([nn.Sequential(nn.AdaptiveAvgPool2d(b), cba(1024, 128, 1)) for b in (1, 2, 4)])
        self.sppm_out = cba(128, 128)
        self.uafm = nn.ModuleList([UAFM(512, 128, 96), UAFM(256, 96, 64)])
        self.head = nn.Sequential(cba(64, 64), nn.Conv2d(64, nc, 1))

    def forward(self, x):
        f8 = self.s8(self.stem(x))
        f16 = self.s16(f8)
        f32 = self.s32(f16)
        y = sum(F.interpolate(m(f32), f32.shape[2:], mode='bilinear') for m in self.sppm)
        y = self.uafm[1](f8, self.uafm[0](f16, self.sppm_out(y)))
        y = F.interpolate(self.head(y), x.shape[2:], mode='bilinear')
        return y.argmax(1, keepdim=True).int() if self.argmax else y


# --- DDRNet-23-slim (ydhongHIT/DDRNet segmentation/DDRNet_23_slim.py) ---
class Basic(nn.Module):
    def __init__(self, i, o, s=1):
        super().__init__()
        self.c1, self.c2 = cba(i, o, 3, s), cba(o, o, act=None)
        self.down = None if i == o and s == 1 else cba(i, o, 1, s, act=None)

    def forward(self, x):
        return F.relu(self.c2(self.c1(x)) + (x if self.down is None else self.down(x)))


class DAPPM(nn.Module):
    def __init__(self, i, b, o):
        super().__init__()
        def br(pool):
            return nn.Sequential(*pool, nn.BatchNorm2d(i), nn.ReLU(), nn.Conv2d(i, b, 1, bias=False))
        self.scale0 = br([])
        self.scales = nn.ModuleList([br([nn.AvgPool2d(5, 2, 2)]), br([nn.AvgPool2d(9, 4, 4)]), br([nn.AvgPool2d(17, 8, 8)]), br([nn.AdaptiveAvgPool2d((1, 1))])])
        self.procs = nn.ModuleList([nn.Sequential(nn.BatchNorm2d(b), nn.ReLU(), nn.Conv2d(b, b, 3, 1, 1, bias=False)) for _ in range(4)])
        self.compression = nn.Sequential(nn.BatchNorm2d(5 * b), nn.ReLU(), nn.Conv2d(5 * b, o, 1, bias=False))
        self.shortcut = nn.Sequential(nn.BatchNorm2d(i), nn.ReLU(), nn.Conv2d(i, o, 1, bias=False))

    def forward(self, x):
        h, w = x.shape[-2:]
        outs = [self.scale0(x)]
        for s, p in zip(self.scales, self.procs):
            outs.append(p(F.interpolate(s(x), size=[h, w], mode='bilinear') + outs[-1]))
        return self.compression(torch.cat(outs, 1)) + self.shortcut(x)


class DDRNet23Slim(nn.Module):
    def __init__(self, nc=19, p=32):
        super().__init__()
        self.conv1 = nn.Sequential(cba(3, p, 3, 2), cba(p, p, 3, 2))
        self.layer1, self.layer2 = nn.Sequential(Basic(p, p), Basic(p, p)), nn.Sequential(Basic(p, 2 * p, 2), Basic(2 * p, 2 * p))
        self.layer3, self.layer4 = nn.Sequential(Basic(2 * p, 4 * p, 2), Basic(4 * p, 4 * p)), nn.Sequential(Basic(4 * p, 8 * p, 2), Basic(8 * p, 8 * p))
        self.layer3_, self.layer4_ = nn.Sequential(Basic(2 * p, 2 * p), Basic(2 * p, 2 * p)), nn.Sequential(Basic(2 * p, 2 * p), Basic(2 * p, 2 * p))
        self.comp3, self.comp4 = cba(4 * p, 2 * p, 1, act=None), cba(8 * p, 2 * p, 1, act=None)
        self.down3, self.down4 = cba(2 * p, 4 * p, 3, 2, act=None), nn.Sequential(cba(2 * p, 4 * p, 3, 2), cba(4 * p, 8 * p, 3, 2, act=None))
        self.layer5_, self.layer5 = Basic(2 * p, 4 * p), nn.Sequential(Basic(8 * p, 16 * p, 2))
        self.spp = DAPPM(16 * p, 64, 4 * p)
        self.head = nn.Sequential(nn.BatchNorm2d(4 * p), nn.ReLU(), nn.Conv2d(4 * p, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.Conv2d(64, nc, 1))

    def forward(self, x):
        h, w = x.shape[-2] // 8, x.shape[-1] // 8
        x = self.layer2(self.layer1(self.conv1(x)))
        lo = self.layer3(F.relu(x))
        hi = self.layer3_(F.relu(x))
        lo, hi = lo + self.down3(F.relu(hi)), hi + F.interpolate(self.comp3(F.relu(lo)), size=[h, w], mode='bilinear')
        lo = self.layer4(F.relu(lo))
        hi = self.layer4_(F.relu(hi))
        lo, hi = lo + self.down4(F.relu(hi)), hi + F.interpolate(self.comp4(F.relu(lo)), size=[h, w], mode='bilinear')
        hi = self.layer5_(F.relu(hi))
        lo = F.interpolate(self.spp(self.layer5(F.relu(lo))), size=[h, w], mode='bilinear')
        return self.head(lo + hi)


# --- TopFormer (hustvl/TopFormer mmseg/models/backbones/topformer.py: token pyramid, PyramidPoolAgg, InjectionMultiSum) ---
class IR(nn.Module):
    def __init__(self, i, o, k, s, e):
        super().__init__()
        m = i * e
        self.f = nn.Sequential(cba(i, m, 1), cba(m, m, k, s, g=m), cba(m, o, 1, act=None))
        self.res = i == o and s == 1

    def forward(self, x):
        return x + self.f(x) if self.res else self.f(x)


class TopAttn(nn.Module):
    def __init__(self, c, kd=16, heads=4, ar=2):
        super().__init__()
        self.h, self.kd, self.d = heads, kd, ar * kd
        self.q, self.k, self.v = cba(c, heads * kd, 1, act=None), cba(c, heads * kd, 1, act=None), cba(c, heads * self.d, 1, act=None)
        self.proj = nn.Sequential(nn.ReLU6(), cba(heads * self.d, c, 1, act=None))
        self.mlp = nn.Sequential(cba(c, 2 * c, 1, act=None), nn.Conv2d(2 * c, 2 * c, 3, 1, 1, groups=2 * c), nn.ReLU6(), cba(2 * c, c, 1, act=None))

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.q(x).reshape(b, self.h, self.kd, h * w).permute(0, 1, 3, 2)
        k = self.k(x).reshape(b, self.h, self.kd, h * w)
        v = self.v(x).reshape(b, self.h, self.d, h * w).permute(0, 1, 3, 2)
        a = torch.matmul(q, k).softmax(dim=-1)
        x = x + self.proj(torch.matmul(a, v).permute(0, 1, 3, 2).reshape(b, self.h * self.d, h, w))
        return x + self.mlp(x)


class TopFormer(nn.Module):
    def __init__(self, nc=150):
        super().__init__()
        self.tpm = nn.ModuleList([nn.Sequential(cba(3, 16, 3, 2), IR(16, 16, 3, 1, 1)), nn.Sequential(IR(16, 16, 3, 2, 4), IR(16, 16, 3, 1, 3)),
                                  nn.Sequential(IR(16, 32, 5, 2, 3), IR(32, 32, 5, 1, 3)), nn.Sequential(IR(32, 64, 3, 2, 3), IR(64, 64, 3, 1, 3)),
                                  nn.Sequential(IR(64, 96, 5, 2, 6), IR(96, 96, 5, 1, 6))])
        self.idx, c = (1, 2, 3, 4), 16 + 32 + 64 + 96
        self.trans = nn.Sequential(TopAttn(c), TopAttn(c))
        outs = (16, 32, 64, 96)
        self.local = nn.ModuleList([cba(k, 128, 1, act=None) for k in outs])
        self.glob = nn.ModuleList([cba(c, 128, 1, act=None) for _ in outs])
        self.act = nn.ModuleList([cba(c, 128, 1, act=None) for _ in outs])
        self.head = nn.Sequential(cba(128, 128, 1), nn.Conv2d(128, nc, 1))

    def forward(self, x):
        feats = []
        for i, m in enumerate(self.tpm):
            x = m(x)
            if i in self.idx:
                feats.append(x)
        h, w = feats[-1].shape[2:]
        tokens = torch.cat([F.adaptive_avg_pool2d(f, (h, w)) for f in feats], 1)
        g = self.trans(tokens)
        out = 0
        for i, f in enumerate(feats[1:], 1):
            loc = self.local[i](f)
            act = F.interpolate(torch.sigmoid(self.act[i](g)), size=f.shape[2:], mode='bilinear', align_corners=False)
            ge = F.interpolate(self.glob[i](g), size=f.shape[2:], mode='bilinear', align_corners=False)
            y = loc * act + ge
            out = y if i == 1 else out + F.interpolate(y, size=feats[1].shape[2:], mode='bilinear', align_corners=False)
        return self.head(out)


# --- MiDaS v2.1 small (isl-org/MiDaS midas_net_custom.py: EfficientNet-Lite3-like encoder, RefineNet decoder) ---
class RCU(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(c, c, 3, 1, 1), nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        return self.c2(F.relu(self.c1(F.relu(x)))) + x


class Fusion(nn.Module):
    def __init__(self, c, o):
        super().__init__()
        self.r1, self.r2, self.out = RCU(c), RCU(c), nn.Conv2d(c, o, 1)

    def forward(self, x, skip=None):
        if skip is not None:
            x = x + self.r1(skip)
        x = F.interpolate(self.r2(x), scale_factor=2.0, mode='bilinear', align_corners=True)
        return self.out(x)


class MidasSmall(nn.Module):
    def __init__(self, f=64):
        super().__init__()
        r6 = nn.ReLU6
        self.l1 = nn.Sequential(cba(3, 32, 3, 2, act=r6), IRr6(32, 24, 3, 1, 1), IRr6(24, 32, 3, 2, 6), IRr6(32, 32, 3, 1, 6))
        self.l2 = nn.Sequential(IRr6(32, 48, 5, 2, 6), IRr6(48, 48, 5, 1, 6))
        self.l3 = nn.Sequential(IRr6(48, 96, 3, 2, 6), IRr6(96, 136, 5, 1, 6))
        self.l4 = nn.Sequential(IRr6(136, 232, 5, 2, 6), IRr6(232, 384, 3, 1, 6))
        self.rn = nn.ModuleList([nn.Conv2d(c, o, 3, 1, 1, bias=False) for c, o in ((32, f), (48, 2 * f), (136, 4 * f), (384, 8 * f))])
        self.ref = nn.ModuleList([Fusion(f, f), Fusion(2 * f, f), Fusion(4 * f, 2 * f), Fusion(8 * f, 4 * f)])
        self.head = nn.Sequential(nn.Conv2d(f, f // 2, 3, 1, 1), nn.Upsample(scale_factor=2.0, mode='bilinear'), nn.Conv2d(f // 2, 32, 3, 1, 1),
                                  nn.ReLU(), nn.Conv2d(32, 1, 1), nn.ReLU())

    def forward(self, x):
        a = self.l1(x)
        b = self.l2(a)
        c = self.l3(b)
        d = self.l4(c)
        ra, rb, rc, rd = (m(t) for m, t in zip(self.rn, (a, b, c, d)))
        p = self.ref[3](rd)
        p = self.ref[2](p, rc)
        p = self.ref[1](p, rb)
        p = self.ref[0](p, ra)
        return torch.squeeze(self.head(p), dim=1)


class IRr6(IR):
    def __init__(self, i, o, k, s, e):
        super().__init__(i, o, k, s, e)
        m = i * e
        self.f = nn.Sequential(*([cba(i, m, 1, act=nn.ReLU6)] if e != 1 else []), cba(m, m, k, s, g=m, act=nn.ReLU6), cba(m, o, 1, act=None))
