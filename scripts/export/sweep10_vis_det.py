"""Tenth sweep (docs/model-sweep.md): detectors and pose models written as their projects write them (small widths,
random weights): RTMDet (mmdet CSPNeXt + SepBN head, mmdeploy's decode), PP-YOLOE (CSPRepResNet, ESE, ET-head with
DFL), EfficientDet-D0 (zylo117's BiFPN with fast normalized fusion, TF 'same' pads), CenterNet (msra ResNet-18 with
deconvs, max-pool NMS and top-k decode in the graph), RTMO (YOLOX-style one-stage pose with the dynamic coordinate
classifier), ViTPose (plain ViT + deconv head), HRNet-W18 (mmpose top-down). Imported by sweep10_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F
import torchvision


def cba(i, o, k=3, s=1, act=nn.SiLU, g=1, d=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, (k - 1) // 2 * d, dilation=d, groups=g, bias=False), nn.BatchNorm2d(o),
                         act() if act else nn.Identity())


def grid_points(sizes, strides, offset=0.0):
    pts, st = [], []
    for (h, w), s in zip(sizes, strides):
        ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing='ij')
        pts.append(torch.stack([xs.reshape(-1), ys.reshape(-1)], -1) * s + offset * s)
        st.append(torch.full((h * w, 1), float(s)))
    return torch.cat(pts), torch.cat(st)


# --- RTMDet (mmdet/models/backbones/cspnext.py, necks/cspnext_pafpn.py, dense_heads/rtmdet_head.py) ---
class ChannelAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pool, self.fc, self.act = nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c, 1), nn.Hardsigmoid()

    def forward(self, x):
        return x * self.act(self.fc(self.pool(x)))


class CSPNeXtBlock(nn.Module):
    def __init__(self, c, add=True):
        super().__init__()
        self.conv1 = cba(c, c, 3)
        self.conv2 = nn.Sequential(cba(c, c, 5, g=c), cba(c, c, 1))  # DepthwiseSeparableConvModule 5x5
        self.add = add

    def forward(self, x):
        y = self.conv2(self.conv1(x))
        return x + y if self.add else y


class CSPLayer(nn.Module):
    def __init__(self, i, o, n=1, add=True, attn=True):
        super().__init__()
        m = o // 2
        self.main, self.short, self.final = cba(i, m, 1), cba(i, m, 1), cba(2 * m, o, 1)
        self.blocks = nn.Sequential(*[CSPNeXtBlock(m, add) for _ in range(n)])
        self.attn = ChannelAttention(2 * m) if attn else nn.Identity()

    def forward(self, x):
        return self.final(self.attn(torch.cat([self.blocks(self.main(x)), self.short(x)], 1)))


class SPPF(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.cv1, self.cv2, self.m = cba(i, i // 2, 1), cba(i * 2, o, 1), nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        x = self.cv1(x)
        a = self.m(x)
        b = self.m(a)
        return self.cv2(torch.cat([x, a, b, self.m(b)], 1))


class RTMDet(nn.Module):
    """RTMDet-tiny-like: CSPNeXt P3-P5, PAFPN, SepBN head with shared convs, decoded as mmdeploy does."""

    def __init__(self, w=(16, 32, 64, 128), nc=80, size=320):
        super().__init__()
        self.stem = nn.Sequential(cba(3, w[0] // 2, 3, 2), cba(w[0] // 2, w[0] // 2), cba(w[0] // 2, w[0]))
        self.s1 = nn.Sequential(cba(w[0], w[1], 3, 2), CSPLayer(w[1], w[1]))
        self.s2 = nn.Sequential(cba(w[1], w[2], 3, 2), CSPLayer(w[2], w[2]))
        self.s3 = nn.Sequential(cba(w[2], w[3], 3, 2), CSPLayer(w[3], w[3]))
        self.s4 = nn.Sequential(cba(w[3], w[3] * 2, 3, 2), SPPF(w[3] * 2, w[3] * 2), CSPLayer(w[3] * 2, w[3] * 2, add=False))
        c3, c4, c5 = w[2], w[3], w[3] * 2
        self.reduce5, self.td4 = cba(c5, c4, 1), CSPLayer(c4 * 2, c4, add=False, attn=False)
        self.reduce4, self.td3 = cba(c4, c3, 1), CSPLayer(c3 * 2, c3, add=False, attn=False)
        self.down3, self.bu4 = cba(c3, c3, 3, 2), CSPLayer(c3 * 2, c4, add=False, attn=False)
        self.down4, self.bu5 = cba(c4, c4, 3, 2), CSPLayer(c4 * 2, c5, add=False, attn=False)
        hc = 48
        self.outs = nn.ModuleList([cba(c, hc, 3) for c in (c3, c4, c5)])
        # SepBN head: conv weights shared across levels, BatchNorms per level
        self.cls_convs = nn.ModuleList([nn.ModuleList([cba(hc, hc) for _ in range(2)]) for _ in range(3)])
        self.reg_convs = nn.ModuleList([nn.ModuleList([cba(hc, hc) for _ in range(2)]) for _ in range(3)])
        for lvl in range(1, 3):
            for j in range(2):
                self.cls_convs[lvl][j][0].weight = self.cls_convs[0][j][0].weight
                self.reg_convs[lvl][j][0].weight = self.reg_convs[0][j][0].weight
        self.rtm_cls = nn.ModuleList([nn.Conv2d(hc, nc, 1) for _ in range(3)])
        self.rtm_reg = nn.ModuleList([nn.Conv2d(hc, 4, 1) for _ in range(3)])
        self.strides = (8, 16, 32)
        pts, st = grid_points([(size // s, size // s) for s in self.strides], self.strides)
        self.register_buffer('priors', pts)
        self.register_buffer('prior_strides', st)

    def forward(self, x):
        x = self.s1(self.stem(x))
        p3 = self.s2(x)
        p4 = self.s3(p3)
        p5 = self.s4(p4)
        r5 = self.reduce5(p5)
        t4 = self.td4(torch.cat([F.interpolate(r5, scale_factor=2.0, mode='nearest'), p4], 1))
        r4 = self.reduce4(t4)
        o3 = self.td3(torch.cat([F.interpolate(r4, scale_factor=2.0, mode='nearest'), p3], 1))
        o4 = self.bu4(torch.cat([self.down3(o3), r4], 1))
        o5 = self.bu5(torch.cat([self.down4(o4), r5], 1))
        cls, reg = [], []
        for lvl, f in enumerate((o3, o4, o5)):
            f = self.outs[lvl](f)
            c, r = f, f
            for m in self.cls_convs[lvl]:
                c = m(c)
            for m in self.reg_convs[lvl]:
                r = m(r)
            cls.append(self.rtm_cls[lvl](c).flatten(2))
            reg.append((self.rtm_reg[lvl](r) * self.strides[lvl]).flatten(2))
        scores = torch.cat(cls, 2).permute(0, 2, 1).sigmoid()
        d = torch.cat(reg, 2).permute(0, 2, 1)
        boxes = torch.cat([self.priors - d[..., :2], self.priors + d[..., 2:]], -1)  # distance2bbox
        return boxes, scores


# --- PP-YOLOE (ppdet/modeling/backbones/cspresnet.py, necks/custom_pan.py, heads/ppyoloe_head.py) ---
class RepVggBlock(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv1, self.conv2, self.act = cba(i, o, 3, act=None), cba(i, o, 1, act=None), nn.SiLU()

    def forward(self, x):
        return self.act(self.conv1(x) + self.conv2(x))


class BasicBlockRep(nn.Module):
    def __init__(self, c, shortcut=True):
        super().__init__()
        self.conv1, self.conv2, self.shortcut = cba(c, c, 3), RepVggBlock(c, c), shortcut

    def forward(self, x):
        y = self.conv2(self.conv1(x))
        return x + y if self.shortcut else y


class EffectiveSE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc = nn.Conv2d(c, c, 1)

    def forward(self, x):
        return x * F.hardsigmoid(self.fc(x.mean((2, 3), keepdim=True)))


class CSPResStage(nn.Module):
    def __init__(self, i, o, n, stride=2, shortcut=True):
        super().__init__()
        m = (i + o) // 2
        self.conv_down = cba(i, m, 3, stride) if stride == 2 else nn.Identity()
        m = m if stride == 2 else i
        self.conv1, self.conv2 = cba(m, m // 2, 1), cba(m, m // 2, 1)
        self.blocks = nn.Sequential(*[BasicBlockRep(m // 2, shortcut) for _ in range(n)])
        self.attn, self.conv3 = EffectiveSE(m), cba(m, o, 1)

    def forward(self, x):
        x = self.conv_down(x)
        return self.conv3(self.attn(torch.cat([self.conv1(x), self.blocks(self.conv2(x))], 1)))


class SPP(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.pools = nn.ModuleList([nn.MaxPool2d(k, 1, k // 2) for k in (5, 9, 13)])
        self.conv = cba(i * 4, o, 1)

    def forward(self, x):
        return self.conv(torch.cat([x] + [p(x) for p in self.pools], 1))


class ESEAttn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc, self.conv = nn.Conv2d(c, c, 1), cba(c, c, 1)

    def forward(self, feat, avg):
        return self.conv(feat * torch.sigmoid(self.fc(avg)))


class PPYOLOE(nn.Module):
    def __init__(self, w=(16, 32, 64, 128, 256), nc=80, reg_max=16, size=320):
        super().__init__()
        self.stem = nn.Sequential(cba(3, w[0] // 2, 3, 2), cba(w[0] // 2, w[0] // 2), cba(w[0] // 2, w[0]))
        self.stages = nn.ModuleList([CSPResStage(w[i], w[i + 1], 1) for i in range(4)])
        c3, c4, c5 = w[2], w[3], w[4]
        self.spp = nn.Sequential(cba(c5, c5 // 2, 1), SPP(c5 // 2, c5 // 2), cba(c5 // 2, c5, 1))
        self.lat5, self.fpn4 = cba(c5, c4, 1), CSPResStage(c4 * 2, c4, 1, stride=1, shortcut=False)
        self.lat4, self.fpn3 = cba(c4, c3, 1), CSPResStage(c3 * 2, c3, 1, stride=1, shortcut=False)
        self.down3, self.pan4 = cba(c3, c3, 3, 2), CSPResStage(c3 + c4, c4, 1, stride=1, shortcut=False)
        self.down4, self.pan5 = cba(c4, c4, 3, 2), CSPResStage(c4 + c5, c5, 1, stride=1, shortcut=False)
        chs = (c3, c4, c5)
        self.stem_cls = nn.ModuleList([ESEAttn(c) for c in chs])
        self.stem_reg = nn.ModuleList([ESEAttn(c) for c in chs])
        self.pred_cls = nn.ModuleList([nn.Conv2d(c, nc, 3, 1, 1) for c in chs])
        self.pred_reg = nn.ModuleList([nn.Conv2d(c, 4 * (reg_max + 1), 3, 1, 1) for c in chs])
        self.proj_conv = nn.Conv2d(reg_max + 1, 1, 1, bias=False)
        self.proj_conv.weight.data = torch.linspace(0, reg_max, reg_max + 1).reshape(1, reg_max + 1, 1, 1)
        self.proj_conv.weight.requires_grad_(False)
        self.reg_max, self.strides = reg_max, (8, 16, 32)
        pts, st = grid_points([(size // s, size // s) for s in self.strides], self.strides, 0.5)
        self.register_buffer('anchor_points', pts / st)
        self.register_buffer('stride_tensor', st)

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for i, s in enumerate(self.stages):
            x = s(x)
            if i >= 1:
                feats.append(x)
        p3, p4, p5 = feats
        p5 = self.spp(p5)
        l5 = self.lat5(p5)
        f4 = self.fpn4(torch.cat([F.interpolate(l5, scale_factor=2.0), p4], 1))
        l4 = self.lat4(f4)
        f3 = self.fpn3(torch.cat([F.interpolate(l4, scale_factor=2.0), p3], 1))
        n4 = self.pan4(torch.cat([self.down3(f3), f4], 1))
        n5 = self.pan5(torch.cat([self.down4(n4), p5], 1))
        cls, reg = [], []
        for i, f in enumerate((f3, n4, n5)):
            b, _, h, w = f.shape
            avg = F.adaptive_avg_pool2d(f, (1, 1))
            c = self.pred_cls[i](self.stem_cls[i](f, avg) + f)
            r = self.pred_reg[i](self.stem_reg[i](f, avg))
            r = r.reshape(-1, 4, self.reg_max + 1, h * w).permute(0, 2, 3, 1)
            r = self.proj_conv(F.softmax(r, dim=1))
            cls.append(torch.sigmoid(c).reshape(-1, c.shape[1], h * w))
            reg.append(r.reshape(-1, h * w, 4))
        scores = torch.cat(cls, -1)
        d = torch.cat(reg, 1)
        boxes = torch.cat([self.anchor_points - d[..., :2], self.anchor_points + d[..., 2:]], -1) * self.stride_tensor
        return boxes, scores


# --- EfficientDet-D0 (zylo117/Yet-Another-EfficientDet-Pytorch efficientdet/model.py, utils_extra.py) ---
def same_pad(x, k, s):
    """TF 'same' padding worked out from the static size (the trace keeps it constant)."""
    h, w = x.shape[-2:]
    ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
    pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
    return F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])


class SamePadConv(nn.Module):
    """Conv2dStaticSamePadding: TF 'same' padding by F.pad, then the conv."""

    def __init__(self, i, o, k, s=1, g=1, bias=True):
        super().__init__()
        self.conv, self.k, self.s = nn.Conv2d(i, o, k, s, groups=g, bias=bias), k, s

    def forward(self, x):
        return self.conv(same_pad(x, self.k, self.s))


class SamePadMaxPool(nn.Module):
    def __init__(self, k=3, s=2):
        super().__init__()
        self.pool, self.k, self.s = nn.MaxPool2d(k, s), k, s

    def forward(self, x):
        return self.pool(same_pad(x, self.k, self.s))


class SeparableConvBlock(nn.Module):
    def __init__(self, c, o=None, norm=True, act=False):
        super().__init__()
        o = o or c
        self.dw, self.pw = SamePadConv(c, c, 3, g=c, bias=False), SamePadConv(c, o, 1)
        self.bn = nn.BatchNorm2d(o, momentum=0.01, eps=1e-3) if norm else nn.Identity()
        self.act = act

    def forward(self, x):
        x = self.bn(self.pw(self.dw(x)))
        return x * torch.sigmoid(x) if self.act else x


class BiFPN(nn.Module):
    def __init__(self, c, chs=None, first=False, eps=1e-4):
        super().__init__()
        self.eps, self.first = eps, first
        names = ['6_up', '5_up', '4_up', '3_out', '4_out', '5_out', '6_out', '7_out']
        self.convs = nn.ModuleDict({n: SeparableConvBlock(c) for n in names})
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.down = nn.ModuleDict({n: SamePadMaxPool(3, 2) for n in ['4', '5', '6', '7']})
        for n, k in [('p6_w1', 2), ('p5_w1', 2), ('p4_w1', 2), ('p3_w1', 2), ('p4_w2', 3), ('p5_w2', 3), ('p6_w2', 3), ('p7_w2', 2)]:
            setattr(self, n, nn.Parameter(torch.rand(k) + 0.5))
        if first:
            self.p3_down = nn.Sequential(SamePadConv(chs[0], c, 1), nn.BatchNorm2d(c, momentum=0.01, eps=1e-3))
            self.p4_down = nn.Sequential(SamePadConv(chs[1], c, 1), nn.BatchNorm2d(c, momentum=0.01, eps=1e-3))
            self.p5_down = nn.Sequential(SamePadConv(chs[2], c, 1), nn.BatchNorm2d(c, momentum=0.01, eps=1e-3))
            self.p5_to_p6 = nn.Sequential(SamePadConv(chs[2], c, 1), nn.BatchNorm2d(c, momentum=0.01, eps=1e-3), SamePadMaxPool(3, 2))
            self.p6_to_p7 = SamePadMaxPool(3, 2)
            self.p4_down_2 = nn.Sequential(SamePadConv(chs[1], c, 1), nn.BatchNorm2d(c, momentum=0.01, eps=1e-3))
            self.p5_down_2 = nn.Sequential(SamePadConv(chs[2], c, 1), nn.BatchNorm2d(c, momentum=0.01, eps=1e-3))

    def w(self, name):
        w = F.relu(getattr(self, name))
        return w / (torch.sum(w, dim=0) + self.eps)

    @staticmethod
    def swish(x):
        return x * torch.sigmoid(x)

    def forward(self, inputs):
        if self.first:
            p3, p4, p5 = inputs
            p6_in = self.p5_to_p6(p5)
            p7_in = self.p6_to_p7(p6_in)
            p3_in, p4_in, p5_in = self.p3_down(p3), self.p4_down(p4), self.p5_down(p5)
        else:
            p3_in, p4_in, p5_in, p6_in, p7_in = inputs
        w = self.w('p6_w1')
        p6_up = self.convs['6_up'](self.swish(w[0] * p6_in + w[1] * self.up(p7_in)))
        w = self.w('p5_w1')
        p5_up = self.convs['5_up'](self.swish(w[0] * p5_in + w[1] * self.up(p6_up)))
        w = self.w('p4_w1')
        p4_up = self.convs['4_up'](self.swish(w[0] * p4_in + w[1] * self.up(p5_up)))
        w = self.w('p3_w1')
        p3_out = self.convs['3_out'](self.swish(w[0] * p3_in + w[1] * self.up(p4_up)))
        if self.first:
            p4_in, p5_in = self.p4_down_2(inputs[1]), self.p5_down_2(inputs[2])
        w = self.w('p4_w2')
        p4_out = self.convs['4_out'](self.swish(w[0] * p4_in + w[1] * p4_up + w[2] * self.down['4'](p3_out)))
        w = self.w('p5_w2')
        p5_out = self.convs['5_out'](self.swish(w[0] * p5_in + w[1] * p5_up + w[2] * self.down['5'](p4_out)))
        w = self.w('p6_w2')
        p6_out = self.convs['6_out'](self.swish(w[0] * p6_in + w[1] * p6_up + w[2] * self.down['6'](p5_out)))
        w = self.w('p7_w2')
        p7_out = self.convs['7_out'](self.swish(w[0] * p7_in + w[1] * self.down['7'](p6_out)))
        return p3_out, p4_out, p5_out, p6_out, p7_out


class EffDetHead(nn.Module):
    """Regressor / Classifier: separable convs shared over levels, BatchNorm per level, swish."""

    def __init__(self, c, out, layers=3):
        super().__init__()
        self.convs = nn.ModuleList([SeparableConvBlock(c, norm=False) for _ in range(layers)])
        self.bns = nn.ModuleList([nn.ModuleList([nn.BatchNorm2d(c, momentum=0.01, eps=1e-3) for _ in range(layers)]) for _ in range(5)])
        self.header, self.out = SeparableConvBlock(c, out, norm=False), out

    def forward(self, feats):
        outs = []
        for feat, bns in zip(feats, self.bns):
            for conv, bn in zip(self.convs, bns):
                feat = bn(conv(feat))
                feat = feat * torch.sigmoid(feat)
            feat = self.header(feat).permute(0, 2, 3, 1)
            outs.append(feat.contiguous().view(feat.shape[0], -1, self.out // 9 if self.out % 9 == 0 else self.out))
        return torch.cat(outs, 1)


class EfficientDetD0(nn.Module):
    def __init__(self, nc=90, c=64):
        super().__init__()
        bb = torchvision.models.efficientnet_b0().features
        self.b3, self.b4, self.b5 = bb[:4], bb[4:6], bb[6:]
        chs = (40, 112, 1280)
        self.bifpn = nn.Sequential(BiFPN(c, chs, first=True), BiFPN(c), BiFPN(c))
        self.regressor, self.classifier = EffDetHead(c, 9 * 4), EffDetHead(c, 9 * nc)

    def forward(self, x):
        p3 = self.b3(x)
        p4 = self.b4(p3)
        p5 = self.b5(p4)
        feats = self.bifpn((p3, p4, p5))
        return self.regressor(feats), torch.sigmoid(self.classifier(feats))


# --- CenterNet (xingyizhou/CenterNet msra_resnet.py + decode's _nms / _topk in the graph) ---
class CenterNet(nn.Module):
    def __init__(self, nc=80, k=100):
        super().__init__()
        r = torchvision.models.resnet18()
        self.body = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1, r.layer2, r.layer3, r.layer4)
        layers, c = [], 512
        for _ in range(3):
            layers += [nn.ConvTranspose2d(c, 64, 4, 2, 1, 0, bias=False), nn.BatchNorm2d(64), nn.ReLU(True)]
            c = 64
        self.deconv = nn.Sequential(*layers)
        head = lambda o: nn.Sequential(nn.Conv2d(64, 64, 3, 1, 1), nn.ReLU(True), nn.Conv2d(64, o, 1))  # noqa: E731
        self.hm, self.wh, self.reg = head(nc), head(2), head(2)
        self.k = k

    def forward(self, x):
        f = self.deconv(self.body(x))
        heat, wh, reg = self.hm(f).sigmoid(), self.wh(f), self.reg(f)
        b, c, h, w = heat.shape
        hmax = F.max_pool2d(heat, 3, 1, 1)
        heat = heat * (hmax == heat).float()
        scores, inds = torch.topk(heat.view(b, c, -1), self.k)
        ys, xs = (inds // w).float(), (inds % w).float()
        top_scores, top_ind = torch.topk(scores.view(b, -1), self.k)
        clses = (top_ind // self.k).float()
        inds = inds.view(b, -1, 1).gather(1, top_ind.unsqueeze(2)).view(b, self.k)
        ys = ys.view(b, -1, 1).gather(1, top_ind.unsqueeze(2)).view(b, self.k)
        xs = xs.view(b, -1, 1).gather(1, top_ind.unsqueeze(2)).view(b, self.k)
        g = lambda t: t.view(b, 2, -1).permute(0, 2, 1).gather(1, inds.unsqueeze(2).expand(b, self.k, 2))  # noqa: E731
        reg, wh = g(reg), g(wh)
        xs, ys = xs + reg[..., 0], ys + reg[..., 1]
        boxes = torch.stack([xs - wh[..., 0] / 2, ys - wh[..., 1] / 2, xs + wh[..., 0] / 2, ys + wh[..., 1] / 2], -1)
        return boxes * 4, top_scores, clses


# --- RTMO (mmpose/models/heads/hybrid_heads/rtmo_head.py: YOLOX-style head + DCC) ---
class RTMO(nn.Module):
    def __init__(self, k=17, c=64, size=320, bins=(48, 48), enc=64):
        super().__init__()
        self.backbone = nn.Sequential(cba(3, 16, 3, 2), cba(16, 32, 3, 2), CSPLayer(32, 32), cba(32, 64, 3, 2), CSPLayer(64, 64),
                                      cba(64, c, 3, 2), CSPLayer(c, c))
        self.p5 = nn.Sequential(cba(c, c, 3, 2), CSPLayer(c, c, add=False))
        self.up = CSPLayer(2 * c, c, add=False, attn=False)
        self.cls = nn.Sequential(cba(c, c), nn.Conv2d(c, 1, 1))
        self.reg = nn.Sequential(cba(c, c), nn.Conv2d(c, 4, 1))
        self.vis = nn.Sequential(cba(c, c), nn.Conv2d(c, k, 1))
        self.pose = nn.Sequential(cba(c, c), nn.Conv2d(c, k * 32, 1))
        self.k, self.bins, self.enc = k, bins, enc
        self.gau = nn.Linear(32, enc)
        self.enc_x, self.enc_y = nn.Linear(enc, enc), nn.Linear(enc, enc)
        self.register_buffer('freq', 1.0 / (10000 ** (torch.arange(enc // 2).float() / (enc // 2))))
        self.register_buffer('bx', torch.linspace(-0.5, 0.5, bins[0]))
        self.register_buffer('by', torch.linspace(-0.5, 0.5, bins[1]))
        pts, st = grid_points([(size // 16, size // 16), (size // 32, size // 32)], (16, 32))
        self.register_buffer('priors', pts)
        self.register_buffer('strides', st)

    def sine(self, pos):  # [B, N, bins] -> [B, N, bins, enc]
        p = pos.unsqueeze(-1) * self.freq
        return torch.cat([p.sin(), p.cos()], -1)

    def forward(self, x):
        f4 = self.backbone(x)
        f5 = self.p5(f4)
        f4 = self.up(torch.cat([f4, F.interpolate(f5, scale_factor=2.0)], 1))
        cls, reg, vis, pose = [], [], [], []
        for f in (f4, f5):
            cls.append(self.cls(f).flatten(2))
            reg.append(self.reg(f).flatten(2))
            vis.append(self.vis(f).flatten(2))
            pose.append(self.pose(f).flatten(2))
        scores = torch.cat(cls, 2).permute(0, 2, 1).sigmoid()
        r = torch.cat(reg, 2).permute(0, 2, 1)
        centre = self.priors + r[..., :2] * self.strides
        wh = r[..., 2:].exp() * self.strides
        boxes = torch.cat([centre - wh / 2, centre + wh / 2], -1)
        b, n = r.shape[:2]
        feat = self.gau(torch.cat(pose, 2).permute(0, 2, 1).reshape(b, n, self.k, 32))  # [B, N, K, enc]
        # DCC: bins placed over the box (padding 1.25), sine-encoded, dot with the keypoint features
        xs = centre[..., :1] + self.bx * wh[..., :1] * 1.25  # [B, N, bx]
        ys = centre[..., 1:] + self.by * wh[..., 1:] * 1.25
        ex, ey = self.enc_x(self.sine(xs / 8)), self.enc_y(self.sine(ys / 8))  # [B, N, bins, enc]
        lx = torch.matmul(feat, ex.transpose(-1, -2)) / math.sqrt(self.enc)  # [B, N, K, bx]
        ly = torch.matmul(feat, ey.transpose(-1, -2)) / math.sqrt(self.enc)
        kx = (lx.softmax(-1) * xs.unsqueeze(2)).sum(-1)
        ky = (ly.softmax(-1) * ys.unsqueeze(2)).sum(-1)
        kpts = torch.stack([kx, ky], -1)
        kvis = torch.cat(vis, 2).permute(0, 2, 1).sigmoid()
        dets = torch.cat([boxes, scores], -1)
        return dets, torch.cat([kpts, kvis.unsqueeze(-1)], -1)


# --- ViTPose (ViTAE-Transformer/ViTPose vit.py backbone, topdown_heatmap_simple_head) ---
class VitBlock(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6)
        self.qkv, self.proj, self.h = nn.Linear(d, 3 * d), nn.Linear(d, d), h
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q * (c // self.h) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        x = x + self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViTPose(nn.Module):
    def __init__(self, d=192, depth=6, heads=6, k=17, size=(256, 192)):
        super().__init__()
        self.patch = nn.Conv2d(3, d, 16, 16, padding=2)
        self.hp, self.wp = (size[0] + 4 - 16) // 16 + 1, (size[1] + 4 - 16) // 16 + 1
        self.pos = nn.Parameter(0.02 * torch.randn(1, self.hp * self.wp + 1, d))
        self.blocks = nn.Sequential(*[VitBlock(d, heads) for _ in range(depth)])
        self.last_norm = nn.LayerNorm(d, eps=1e-6)
        layers, c = [], d
        for _ in range(2):
            layers += [nn.ConvTranspose2d(c, 128, 4, 2, 1, 0, bias=False), nn.BatchNorm2d(128), nn.ReLU(True)]
            c = 128
        self.deconv, self.final = nn.Sequential(*layers), nn.Conv2d(128, k, 1)

    def forward(self, x):
        x = self.patch(x)
        b, c, hp, wp = x.shape
        x = x.flatten(2).transpose(1, 2)
        x = x + self.pos[:, 1:] + self.pos[:, :1]
        x = self.last_norm(self.blocks(x))
        x = x.permute(0, 2, 1).reshape(b, -1, hp, wp).contiguous()
        return self.final(self.deconv(x))


# --- HRNet-W18 (mmpose/models/backbones/hrnet.py, top-down 256x192) ---
class BasicBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.c2 = cba(c, c, act=nn.ReLU), cba(c, c, act=None)

    def forward(self, x):
        return F.relu(x + self.c2(self.c1(x)))


class Bottleneck(nn.Module):
    def __init__(self, i, p):
        super().__init__()
        self.body = nn.Sequential(cba(i, p, 1, act=nn.ReLU), cba(p, p, 3, act=nn.ReLU), cba(p, p * 4, 1, act=None))
        self.down = cba(i, p * 4, 1, act=None) if i != p * 4 else nn.Identity()

    def forward(self, x):
        return F.relu(self.body(x) + self.down(x))


class HRModule(nn.Module):
    def __init__(self, chs, blocks=4, multi_out=True):
        super().__init__()
        self.branches = nn.ModuleList([nn.Sequential(*[BasicBlock(c) for _ in range(blocks)]) for c in chs])
        n = len(chs) if multi_out else 1
        self.fuse = nn.ModuleList()
        for i in range(n):
            row = nn.ModuleList()
            for j in range(len(chs)):
                if j > i:
                    row.append(nn.Sequential(nn.Conv2d(chs[j], chs[i], 1, bias=False), nn.BatchNorm2d(chs[i]),
                                             nn.Upsample(scale_factor=2 ** (j - i), mode='nearest')))
                elif j == i:
                    row.append(nn.Identity())
                else:
                    convs = []
                    for t in range(i - j):
                        last = t == i - j - 1
                        convs.append(cba(chs[j], chs[i] if last else chs[j], 3, 2, act=None if last else nn.ReLU))
                    row.append(nn.Sequential(*convs))
            self.fuse.append(row)

    def forward(self, xs):
        xs = [b(x) for b, x in zip(self.branches, xs)]
        out = []
        for row in self.fuse:
            y = 0
            for j, f in enumerate(row):
                y = y + f(xs[j])
            out.append(F.relu(y))
        return out


class HRNetW18(nn.Module):
    def __init__(self, k=17, c=18, modules=(1, 4, 3), blocks=4):
        super().__init__()
        self.stem = nn.Sequential(cba(3, 64, 3, 2, act=nn.ReLU), cba(64, 64, 3, 2, act=nn.ReLU))
        self.layer1 = nn.Sequential(Bottleneck(64, 64), *[Bottleneck(256, 64) for _ in range(3)])
        chs = [c, 2 * c]
        self.t1 = nn.ModuleList([cba(256, chs[0], act=nn.ReLU), cba(256, chs[1], 3, 2, act=nn.ReLU)])
        self.s2 = nn.Sequential(*[HRModule(chs, blocks) for _ in range(modules[0])])
        self.t2 = cba(chs[1], 4 * c, 3, 2, act=nn.ReLU)
        chs3 = chs + [4 * c]
        self.s3 = nn.Sequential(*[HRModule(chs3, blocks) for _ in range(modules[1])])
        self.t3 = cba(4 * c, 8 * c, 3, 2, act=nn.ReLU)
        chs4 = chs3 + [8 * c]
        self.s4 = nn.Sequential(*[HRModule(chs4, blocks, multi_out=i < modules[2] - 1) for i in range(modules[2])])
        self.final = nn.Conv2d(c, k, 1)

    def forward(self, x):
        x = self.layer1(self.stem(x))
        xs = self.s2([t(x) for t in self.t1])
        xs = self.s3(xs + [self.t2(xs[-1])])
        xs = self.s4(xs + [self.t3(xs[-1])])
        return self.final(xs[0])
