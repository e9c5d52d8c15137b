"""Twentieth sweep (docs/model-sweep.md): detection / pose / segmentation heads as their public code writes them —
YOLOv3 (ultralytics/yolov3 yolov3.cfg: Darknet residual blocks, three scales joined by nearest upsampling and route
concatenations, the YOLOLayer's inference decode: sigmoid xy + grid, exp(wh) x anchors, [1, N, 85]), S3FD
(sfzhang15/SFD: VGG-16 with L2Norm layers of learned scale on conv3_3 / conv4_3 / conv5_3, max-out background label on
the first head, SSD prior decode), DEKR (HRNet/DEKR: multi-branch fused trunk, heatmap head, per-keypoint offset branches
of adaptive convolutions — a 3x3 sampling grid moved by a per-pixel affine transform, sampled by grid_sample),
K-Net (ZwwWayne/K-Net: dynamic kernels updated over 3 stages: mask-pooled features by einsum, gated kernel update,
kernel self-attention, FFN, new masks by a per-kernel product with the feature map), ICNet (hszhao/ICNet: image
cascade at 1/1, 1/2, 1/4 with shared weights between the 1/2 and 1/4 branches, pyramid pooling, cascade feature fusion
with dilated convs) and BIT (justchenhao/BIT_CD: siamese ResNet, semantic tokenizer by spatial softmax, a transformer
encoder over both images' tokens, a decoder of pixels attending to the tokens, |f1 - f2| classifier). Plain torch.nn,
small widths, random weights. Imported by sweep20_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep20_vis_bb import cbr


# --- YOLOv3 ---
def cbl(cin, cout, k=3, s=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1))


class DarkRes(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.b = nn.Sequential(cbl(c, c // 2, 1), cbl(c // 2, c, 3))

    def forward(self, x):
        return x + self.b(x)


class YOLOLayer(nn.Module):
    def __init__(self, anchors, stride, nc, ny, nx):
        super().__init__()
        self.na, self.no, self.stride = len(anchors), nc + 5, stride
        self.register_buffer('anchor_wh', torch.tensor(anchors, dtype=torch.float32).view(1, -1, 1, 1, 2))
        yv, xv = torch.meshgrid(torch.arange(ny), torch.arange(nx))
        self.register_buffer('grid', torch.stack((xv, yv), 2).view(1, 1, ny, nx, 2).float())

    def forward(self, p):
        bs, _, ny, nx = p.shape
        p = p.view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
        xy = (torch.sigmoid(p[..., :2]) + self.grid) * self.stride
        wh = torch.exp(p[..., 2:4]) * self.anchor_wh
        rest = torch.sigmoid(p[..., 4:])
        return torch.cat([xy, wh, rest], -1).view(bs, -1, self.no)


class YOLOv3(nn.Module):
    def __init__(self, size=320, w=16, nc=80):
        super().__init__()
        self.stem = cbl(3, w)
        stages, c = [], w
        for n in (1, 2, 4, 4, 2):
            stages.append(nn.Sequential(cbl(c, 2 * c, 3, 2), *[DarkRes(2 * c) for _ in range(n)]))
            c *= 2
        self.stages = nn.ModuleList(stages)  # strides 2..32; channels 2w..32w
        no = 3 * (nc + 5)
        self.set1 = nn.Sequential(cbl(32 * w, 16 * w, 1), cbl(16 * w, 32 * w), cbl(32 * w, 16 * w, 1), cbl(16 * w, 32 * w), cbl(32 * w, 16 * w, 1))
        self.out1 = nn.Sequential(cbl(16 * w, 32 * w), nn.Conv2d(32 * w, no, 1))
        self.lat1 = cbl(16 * w, 8 * w, 1)
        self.set2 = nn.Sequential(cbl(24 * w, 8 * w, 1), cbl(8 * w, 16 * w), cbl(16 * w, 8 * w, 1), cbl(8 * w, 16 * w), cbl(16 * w, 8 * w, 1))
        self.out2 = nn.Sequential(cbl(8 * w, 16 * w), nn.Conv2d(16 * w, no, 1))
        self.lat2 = cbl(8 * w, 4 * w, 1)
        self.set3 = nn.Sequential(cbl(12 * w, 4 * w, 1), cbl(4 * w, 8 * w), cbl(8 * w, 4 * w, 1), cbl(4 * w, 8 * w), cbl(8 * w, 4 * w, 1))
        self.out3 = nn.Sequential(cbl(4 * w, 8 * w), nn.Conv2d(8 * w, no, 1))
        anchors = [[(116, 90), (156, 198), (373, 326)], [(30, 61), (62, 45), (59, 119)], [(10, 13), (16, 30), (33, 23)]]
        self.yolo = nn.ModuleList(YOLOLayer(a, s, nc, size // s, size // s) for a, s in zip(anchors, (32, 16, 8)))

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for st in self.stages:
            x = st(x)
            feats.append(x)
        c3, c4, c5 = feats[2], feats[3], feats[4]
        a = self.set1(c5)
        b = self.set2(torch.cat([F.interpolate(self.lat1(a), scale_factor=2., mode='nearest'), c4], 1))
        c = self.set3(torch.cat([F.interpolate(self.lat2(b), scale_factor=2., mode='nearest'), c3], 1))
        return torch.cat([self.yolo[0](self.out1(a)), self.yolo[1](self.out2(b)), self.yolo[2](self.out3(c))], 1)


# --- S3FD ---
class L2Norm(nn.Module):
    def __init__(self, c, scale):
        super().__init__()
        self.weight = nn.Parameter(torch.full((c,), float(scale)))

    def forward(self, x):
        norm = x.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-10
        return torch.div(x, norm) * self.weight.view(1, -1, 1, 1)


class S3FD(nn.Module):
    def __init__(self, size=320, w=16):
        super().__init__()
        def convs(cin, cout, n):
            layers = []
            for i in range(n):
                layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, 1, 1), nn.ReLU()]
            return nn.Sequential(*layers)
        self.b1, self.b2 = convs(3, 4 * w // 4, 2), convs(w, 2 * w, 2)
        self.b3, self.b4, self.b5 = convs(2 * w, 4 * w, 3), convs(4 * w, 8 * w, 3), convs(8 * w, 8 * w, 3)
        self.fc6 = nn.Sequential(nn.Conv2d(8 * w, 16 * w, 3, 1, 3, dilation=3), nn.ReLU())
        self.fc7 = nn.Sequential(nn.Conv2d(16 * w, 16 * w, 1), nn.ReLU())
        self.c6 = nn.Sequential(nn.Conv2d(16 * w, 4 * w, 1), nn.ReLU(), nn.Conv2d(4 * w, 8 * w, 3, 2, 1), nn.ReLU())
        self.c7 = nn.Sequential(nn.Conv2d(8 * w, 2 * w, 1), nn.ReLU(), nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.ReLU())
        self.n3, self.n4, self.n5 = L2Norm(4 * w, 10), L2Norm(8 * w, 8), L2Norm(8 * w, 5)
        chans = [4 * w, 8 * w, 8 * w, 16 * w, 8 * w, 4 * w]
        self.loc = nn.ModuleList(nn.Conv2d(c, 4, 3, 1, 1) for c in chans)
        self.conf = nn.ModuleList(nn.Conv2d(c, 4 if i == 0 else 2, 3, 1, 1) for i, c in enumerate(chans))
        priors = []
        for s in (4, 8, 16, 32, 64, 128):
            f = math.ceil(size / s)
            yy, xx = torch.meshgrid(torch.arange(f), torch.arange(f))
            cx, cy = (xx.float() + 0.5) * s / size, (yy.float() + 0.5) * s / size
            wh = torch.full_like(cx, 4. * s / size)
            priors.append(torch.stack([cx, cy, wh, wh], -1).view(-1, 4))
        self.register_buffer('priors', torch.cat(priors, 0))

    def forward(self, x):
        x = F.max_pool2d(self.b1(x), 2)
        x = F.max_pool2d(self.b2(x), 2)
        s3 = self.b3(x)
        s4 = self.b4(F.max_pool2d(s3, 2))
        s5 = self.b5(F.max_pool2d(s4, 2))
        f7 = self.fc7(self.fc6(F.max_pool2d(s5, 2)))
        s6 = self.c6(f7)
        s7 = self.c7(s6)
        srcs = [self.n3(s3), self.n4(s4), self.n5(s5), f7, s6, s7]
        locs, confs = [], []
        for i, s in enumerate(srcs):
            l, c = self.loc[i](s), self.conf[i](s)
            if i == 0:
                bmax = torch.max(c[:, 0:3], dim=1, keepdim=True)[0]
                c = torch.cat((bmax, c[:, 3:4]), dim=1)
            locs.append(l.permute(0, 2, 3, 1).contiguous().view(l.size(0), -1, 4))
            confs.append(c.permute(0, 2, 3, 1).contiguous().view(c.size(0), -1, 2))
        loc, conf = torch.cat(locs, 1), F.softmax(torch.cat(confs, 1), dim=-1)
        p = self.priors
        centers = p[:, :2] + loc[..., :2] * 0.1 * p[:, 2:]
        sizes = p[:, 2:] * torch.exp(loc[..., 2:] * 0.2)
        boxes = torch.cat([centers - sizes / 2, centers + sizes / 2], -1)
        return boxes, conf[..., 1]


# --- DEKR ---
class AdaptBlock(nn.Module):
    """DEKR's adaptive conv: a 3x3 kernel whose sampling grid is the regular grid moved by a per-pixel affine
    transform (4 numbers) and translation (2), predicted from the input (the repo calls deform_conv2d with these
    offsets; here the 9 samples are bilinear grid_samples, then one conv over the stacked samples)."""
    def __init__(self, c, dilation=1):
        super().__init__()
        self.register_buffer('regular', torch.tensor([[-1., -1., -1., 0., 0., 0., 1., 1., 1.],
                                                      [-1., 0., 1., -1., 0., 1., -1., 0., 1.]]) * dilation)
        self.transform = nn.Conv2d(c, 4, 3, 1, dilation, dilation=dilation)
        self.translation = nn.Conv2d(c, 2, 3, 1, dilation, dilation=dilation)
        self.adapt = nn.Conv2d(9 * c, c, 1, bias=False)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        n, c, h, w = x.shape
        a = self.transform(x).permute(0, 2, 3, 1).reshape(n, h, w, 2, 2)
        off = torch.matmul(a, self.regular) - self.regular  # [N, H, W, 2 (dy, dx), 9]
        off = off + self.translation(x).permute(0, 2, 3, 1).unsqueeze(-1)
        ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32))
        py = ys[None, :, :, None] + self.regular[0] + off[:, :, :, 0]  # [N, H, W, 9]
        px = xs[None, :, :, None] + self.regular[1] + off[:, :, :, 1]
        gx, gy = 2 * px / (w - 1) - 1, 2 * py / (h - 1) - 1
        grid = torch.stack([gx, gy], -1).permute(0, 3, 1, 2, 4).reshape(n, 9 * h, w, 2)
        s = F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=True)  # [N, C, 9H, W]
        s = s.view(n, c, 9, h, w).reshape(n, 9 * c, h, w)
        return F.relu(self.bn(self.adapt(s)) + x)


class DEKR(nn.Module):
    def __init__(self, k=17, w=32, ow=15):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 64, 3, 2), cbr(64, 64, 3, 2))
        self.br1 = nn.Sequential(cbr(64, w), cbr(w, w))
        self.br2 = nn.Sequential(cbr(64, 2 * w, 3, 2), cbr(2 * w, 2 * w))
        self.br3 = nn.Sequential(cbr(2 * w, 4 * w, 3, 2), cbr(4 * w, 4 * w))
        self.f2, self.f3 = nn.Conv2d(2 * w, w, 1), nn.Conv2d(4 * w, w, 1)
        fc = 3 * w
        self.hm = nn.Sequential(cbr(fc, w, 1), cbr(w, w), nn.Conv2d(w, k + 1, 1))
        self.off_in = cbr(fc, k * ow, 1)
        self.k, self.ow = k, ow
        self.adapt = nn.ModuleList(nn.Sequential(AdaptBlock(ow), AdaptBlock(ow)) for _ in range(k))
        self.off_out = nn.ModuleList(nn.Conv2d(ow, 2, 1) for _ in range(k))

    def forward(self, x):
        x = self.stem(x)
        a = self.br1(x)
        b = self.br2(x)
        c = self.br3(b)
        h, w = a.shape[2:]
        f = torch.cat([a, F.interpolate(self.f2(b), size=(h, w), mode='bilinear', align_corners=False),
                       F.interpolate(self.f3(c), size=(h, w), mode='bilinear', align_corners=False)], 1)
        f = torch.cat([f[:, :a.size(1)], f[:, a.size(1):]], 1)
        heat = self.hm(f)
        o = self.off_in(f)
        offs = [self.off_out[j](self.adapt[j](o[:, j * self.ow:(j + 1) * self.ow])) for j in range(self.k)]
        return heat, torch.cat(offs, 1)


# --- K-Net ---
class KernelUpdateHead(nn.Module):
    def __init__(self, c, n, heads=4):
        super().__init__()
        self.feat_in, self.feat_out = nn.Linear(c, 2 * c), nn.Linear(c, 2 * c)
        self.in_norm, self.out_norm = nn.LayerNorm(c), nn.LayerNorm(c)
        self.gate_in, self.gate_out = nn.Linear(c, c), nn.Linear(c, c)
        self.gate_in_norm, self.gate_out_norm = nn.LayerNorm(c), nn.LayerNorm(c)
        self.attn = nn.MultiheadAttention(c, heads)
        self.attn_norm = nn.LayerNorm(c)
        self.ffn = nn.Sequential(nn.Linear(c, 2 * c), nn.ReLU(), nn.Linear(2 * c, c))
        self.ffn_norm = nn.LayerNorm(c)
        self.mask_fc = nn.Sequential(nn.Linear(c, c), nn.LayerNorm(c), nn.ReLU(), nn.Linear(c, c))

    def forward(self, x, kernels, masks):
        b, n, c = kernels.shape
        sig = masks.sigmoid()
        feats = torch.einsum('bnhw,bchw->bnc', sig, x)  # mask-pooled features
        p = self.feat_in(feats)
        k = self.feat_out(kernels)
        g = p[..., :c] * k[..., :c]
        ig = torch.sigmoid(self.gate_in_norm(self.gate_in(g)))
        og = torch.sigmoid(self.gate_out_norm(self.gate_out(g)))
        kernels = og * self.out_norm(k[..., c:]) + ig * self.in_norm(p[..., c:])
        q = kernels.permute(1, 0, 2)
        kernels = self.attn_norm(q + self.attn(q, q, q)[0]).permute(1, 0, 2)
        kernels = self.ffn_norm(kernels + self.ffn(kernels))
        mk = self.mask_fc(kernels)
        masks = torch.einsum('bnc,bchw->bnhw', mk, x)
        return kernels, masks


class KNet(nn.Module):
    def __init__(self, c=64, n=24, stages=3):
        super().__init__()
        self.enc = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 48, 3, 2), cbr(48, 64, 3, 2), cbr(64, 96, 3, 2))
        self.lat = nn.Conv2d(48, c, 1)
        self.top = nn.Conv2d(96, c, 1)
        self.fpn = cbr(c, c)
        self.init_kernels = nn.Conv2d(c, n, 1)
        self.heads = nn.ModuleList(KernelUpdateHead(c, n) for _ in range(stages))
        self.cls = nn.Linear(c, 20)

    def forward(self, x):
        x1 = self.enc[1](self.enc[0](x))
        x3 = self.enc[3](self.enc[2](x1))
        f = self.fpn(self.lat(x1) + F.interpolate(self.top(x3), size=x1.shape[2:], mode='bilinear', align_corners=False))
        masks = self.init_kernels(f)
        kernels = self.init_kernels.weight.squeeze(-1).squeeze(-1).unsqueeze(0).expand(x.size(0), -1, -1)
        for h in self.heads:
            kernels, masks = h(f, kernels, masks)
        return self.cls(kernels).softmax(-1), masks.sigmoid()


# --- ICNet ---
class PSP(nn.Module):
    def forward(self, x):
        h, w = x.shape[2:]
        out = x
        for s in (1, 2, 3, 6):
            out = out + F.interpolate(F.adaptive_avg_pool2d(x, s), size=(h, w), mode='bilinear', align_corners=True)
        return out


class CFF(nn.Module):
    def __init__(self, cl, ch, cout, ncls):
        super().__init__()
        self.low = nn.Sequential(nn.Conv2d(cl, cout, 3, 1, 2, dilation=2, bias=False), nn.BatchNorm2d(cout))
        self.high = nn.Sequential(nn.Conv2d(ch, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.cls = nn.Conv2d(cl, ncls, 1)

    def forward(self, low, high):
        low = F.interpolate(low, size=high.shape[2:], mode='bilinear', align_corners=True)
        return F.relu(self.low(low) + self.high(high)), self.cls(low)


class ICNet(nn.Module):
    def __init__(self, ncls=19):
        super().__init__()
        self.sub1 = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 32, 3, 2), cbr(32, 64, 3, 2))
        self.shared = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 32), cbr(32, 64), nn.MaxPool2d(3, 2, 1),
                                    cbr(64, 64), cbr(64, 128, 3, 2), cbr(128, 128))  # stride 8 of its input
        self.deep = nn.Sequential(cbr(128, 256, 3, 1), nn.Conv2d(256, 256, 3, 1, 2, dilation=2), nn.ReLU(),
                                  cbr(256, 256), nn.Conv2d(256, 512, 3, 1, 4, dilation=4), nn.ReLU())
        self.psp = PSP()
        self.reduce = cbr(512, 256, 1)
        self.cff24 = CFF(256, 128, 128, ncls)
        self.cff12 = CFF(128, 64, 128, ncls)
        self.cls = nn.Conv2d(128, ncls, 1)

    def forward(self, x):
        h, w = x.shape[2:]
        x2 = F.interpolate(x, scale_factor=0.5, mode='bilinear', align_corners=True)
        f2 = self.shared(x2)  # 1/16
        x4 = F.interpolate(f2, scale_factor=0.5, mode='bilinear', align_corners=True)  # 1/32
        f4 = self.reduce(self.psp(self.deep(x4)))
        f1 = self.sub1(x)  # 1/8
        y24, aux4 = self.cff24(f4, f2)
        y12, aux2 = self.cff12(y24, f1)
        y = F.interpolate(y12, scale_factor=2., mode='bilinear', align_corners=True)
        y = self.cls(y)
        return F.interpolate(y, size=(h, w), mode='bilinear', align_corners=True), aux4, aux2


# --- BIT change detection ---
class Block(nn.Module):
    def __init__(self, d, heads, cross=False):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.h, self.cross = heads, cross
        self.q, self.k, self.v, self.o = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def attend(self, x, m):
        b, n, d = x.shape
        h = self.h
        q = self.q(x).view(b, n, h, -1).transpose(1, 2)
        k = self.k(m).view(b, m.size(1), h, -1).transpose(1, 2)
        v = self.v(m).view(b, m.size(1), h, -1).transpose(1, 2)
        a = (q @ k.transpose(-1, -2) * (d // h) ** -0.5).softmax(-1)
        return self.o((a @ v).transpose(1, 2).reshape(b, n, d))

    def forward(self, x, m=None):
        x = x + (self.attend(self.n1(x), self.n1(x)) if m is None else self.attend(self.n1(x), m))
        return x + self.ff(self.n2(x))


class BIT(nn.Module):
    def __init__(self, d=32, tokens=4):
        super().__init__()
        self.backbone = nn.Sequential(cbr(3, 32, 7, 2), nn.MaxPool2d(3, 2, 1), cbr(32, 32), cbr(32, 64, 3, 2), cbr(64, 64),
                                      cbr(64, 128), nn.Conv2d(128, d, 3, 1, 1))
        self.token_conv = nn.Conv2d(d, tokens, 1, bias=False)
        self.pos = nn.Parameter(torch.randn(1, 2 * tokens, d))
        self.enc = Block(d, 8)
        self.dec = Block(d, 8, cross=True)
        self.classifier = nn.Sequential(cbr(d, 32), nn.Conv2d(32, 2, 3, 1, 1))

    def tokens(self, x):
        b, c, h, w = x.shape
        att = self.token_conv(x).view(b, -1, h * w).softmax(-1)
        return torch.einsum('bln,bcn->blc', att, x.view(b, c, -1))

    def decode(self, x, m):
        b, c, h, w = x.shape
        x = x.flatten(2).transpose(1, 2)
        x = self.dec(x, m)
        return x.transpose(1, 2).reshape(b, c, h, w)

    def forward(self, a, b):
        fa, fb = self.backbone(a), self.backbone(b)
        t = torch.cat([self.tokens(fa), self.tokens(fb)], 1) + self.pos
        t = self.enc(t)
        ta, tb = t.chunk(2, dim=1)
        fa, fb = self.decode(fa, ta), self.decode(fb, tb)
        d = torch.abs(fa - fb)
        d = F.interpolate(d, scale_factor=4., mode='bilinear', align_corners=False)
        return self.classifier(d)
