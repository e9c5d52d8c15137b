"""Eighteenth sweep, dense prediction (docs/model-sweep.md): PiDiNet (pixel difference convolutions: central /
angular / radial differences with weights rearranged in forward, depthwise PDC blocks, CDCM dilations, CSAM, side
outputs fused), UNet++ (nested dense skip pathways X^{i,j}, deep supervision heads), BTS (dense ASPP, local planar
guidance: plane coefficients to unit normals, ray-plane depth over a pixel grid at 1/8, 1/4, 1/2), TransUNet (ResNet
hybrid stem, ViT over the 1/16 map, cascaded upsampler with skips) — plain torch.nn with the math of their public
code (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1, d=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, d * (k - 1) // 2, d, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


# ---------------------------------------------------------------- PiDiNet (Su et al. 2021)
class PDC(nn.Module):
    """Conv2d whose weights are transformed in forward (pidinet/models/ops.py: 'cd', 'ad', 'rd', or plain 'cv')."""

    def __init__(self, kind, i, o, groups=1):
        super().__init__()
        self.kind, self.groups = kind, groups
        self.weight = nn.Parameter(torch.randn(o, i // groups, 3, 3) / math.sqrt(9 * i // groups))

    def forward(self, x):
        w = self.weight
        if self.kind == 'cv':
            return F.conv2d(x, w, padding=1, groups=self.groups)
        if self.kind == 'cd':
            y = F.conv2d(x, w, padding=1, groups=self.groups)
            return y - F.conv2d(x, w.sum(dim=[2, 3], keepdim=True), groups=self.groups)
        if self.kind == 'ad':
            s = w.shape
            wv = w.view(s[0], s[1], -1)
            wc = (wv - wv[:, :, [3, 0, 1, 6, 4, 2, 7, 8, 5]]).view(s)
            return F.conv2d(x, wc, padding=1, groups=self.groups)
        s = w.shape                                       # 'rd': a 5x5 kernel from the 3x3 weights
        buf = torch.zeros(s[0], s[1], 25)
        wv = w.view(s[0], s[1], -1)
        buf[:, :, [0, 2, 4, 10, 14, 20, 22, 24]] = wv[:, :, 1:]
        buf[:, :, [6, 7, 8, 11, 13, 16, 17, 18]] = -wv[:, :, 1:]
        return F.conv2d(x, buf.view(s[0], s[1], 5, 5), padding=2, groups=self.groups)


class PDCBlock(nn.Module):
    def __init__(self, kind, i, o, stride=1):
        super().__init__()
        self.stride = stride
        if stride > 1:
            self.pool = nn.MaxPool2d(2, 2)
            self.shortcut = nn.Conv2d(i, o, 1)
        self.conv1 = PDC(kind, i, i, groups=i)
        self.conv2 = nn.Conv2d(i, o, 1, bias=False)

    def forward(self, x):
        if self.stride > 1:
            x = self.pool(x)
        y = self.conv2(F.relu(self.conv1(x)))
        return y + (self.shortcut(x) if self.stride > 1 else x)


class CDCM(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv1 = nn.Conv2d(i, o, 1)
        self.convs = nn.ModuleList(nn.Conv2d(o, o, 3, padding=d, dilation=d, bias=False) for d in (5, 7, 9, 11))

    def forward(self, x):
        x = self.conv1(F.relu(x))
        return sum(c(x) for c in self.convs)


class CSAM(nn.Module):
    def __init__(self, c, mid=4):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(c, mid, 1), nn.Conv2d(mid, 1, 3, padding=1, bias=False)

    def forward(self, x):
        return x * torch.sigmoid(self.conv2(self.conv1(F.relu(x))))


class PiDiNet(nn.Module):
    def __init__(self, c=20):
        super().__init__()
        kinds = ['cd', 'ad', 'rd', 'cv'] * 4                      # carv4
        self.init = PDC(kinds[0], 3, c)
        chans, blocks, i = [c, 2 * c, 4 * c, 4 * c], [], c
        for stage in range(4):
            for j in range(4):
                if stage == 0 and j == 0:
                    continue
                o = chans[stage]
                blocks.append(PDCBlock(kinds[stage * 4 + j], i, o, 2 if j == 0 else 1))
                i = o
        self.blocks = nn.ModuleList(blocks)
        self.ends = [2, 6, 10, 14]                                 # last block of each stage (index into blocks)
        self.dil = nn.ModuleList(CDCM(ch, 24) for ch in chans)
        self.att = nn.ModuleList(CSAM(24) for _ in chans)
        self.reduce = nn.ModuleList(nn.Conv2d(24, 1, 1) for _ in chans)
        self.classifier = nn.Conv2d(4, 1, 1)

    def forward(self, x):
        H, W = x.shape[2:]
        x = self.init(x)
        feats = []
        for k, b in enumerate(self.blocks):
            x = b(x)
            if k in self.ends:
                feats.append(x)
        outs = [F.interpolate(r(a(d(f))), (H, W), mode='bilinear', align_corners=False)
                for f, d, a, r in zip(feats, self.dil, self.att, self.reduce)]
        out = self.classifier(torch.cat(outs, 1))
        return torch.sigmoid(torch.cat(outs + [out], 1))


# ---------------------------------------------------------------- UNet++ (Zhou et al. 2018)
class VGGBlock(nn.Module):
    def __init__(self, i, m, o):
        super().__init__()
        self.b = nn.Sequential(cbr(i, m), cbr(m, o))

    def forward(self, x):
        return self.b(x)


class NestedUNet(nn.Module):
    def __init__(self, classes=2, f=(16, 32, 64, 128, 256)):
        super().__init__()
        self.pool = nn.MaxPool2d(2, 2)
        self.x = nn.ModuleDict()
        for i in range(5):
            for j in range(5 - i):
                cin = 3 if (i, j) == (0, 0) else (f[i - 1] if j == 0 else f[i] * j + f[i + 1])
                self.x[f'{i}_{j}'] = VGGBlock(cin, f[i], f[i])
        self.heads = nn.ModuleList(nn.Conv2d(f[0], classes, 1) for _ in range(4))

    def forward(self, inp):
        X = {}
        for i in range(5):
            X[(i, 0)] = self.x[f'{i}_0'](inp if i == 0 else self.pool(X[(i - 1, 0)]))
        for j in range(1, 5):
            for i in range(5 - j):
                up = F.interpolate(X[(i + 1, j - 1)], scale_factor=2, mode='bilinear', align_corners=True)
                X[(i, j)] = self.x[f'{i}_{j}'](torch.cat([X[(i, k)] for k in range(j)] + [up], 1))
        return tuple(h(X[(0, j)]) for j, h in zip(range(1, 5), self.heads))


# ---------------------------------------------------------------- BTS (Lee et al. 2019)
class LPG(nn.Module):
    """local_planar_guidance_layer: plane (n1, n2, n3, n4) per coarse pixel; depth at the fine pixels of its cell."""

    def __init__(self, up):
        super().__init__()
        self.up = up
        u = (torch.arange(up).float() - (up - 1) * 0.5) / up
        self.register_buffer('u', u.view(1, 1, up).repeat(up, 1, 1).reshape(1, up, up))       # varies along x
        self.register_buffer('v', u.view(1, up, 1).repeat(1, 1, up).reshape(1, up, up))       # varies along y

    def forward(self, plane):
        b, _, h, w = plane.shape
        r = self.up
        # BTS: torch.repeat_interleave(plane_eq, r, 2) then 3; torch 1.13 exports that into a graph onnxruntime cannot
        # run either (a Split of 0 rows), so the same repeat as a nearest upsampling
        pe = F.interpolate(plane, scale_factor=r, mode='nearest')
        n1, n2, n3, n4 = pe[:, 0], pe[:, 1], pe[:, 2], pe[:, 3]
        u = self.u.repeat(1, h, w)
        v = self.v.repeat(1, h, w)
        return n4 / (n1 * u + n2 * v + n3)


class Reduction1x1(nn.Module):
    def __init__(self, i, o, max_depth):
        super().__init__()
        layers, c = [], i
        while o >= 4:
            if o < 8:
                layers.append(nn.Conv2d(c, 3, 1, bias=False))
                break
            layers += [nn.Conv2d(c, o, 1, bias=False), nn.ELU()]
            c, o = o, o // 2
        self.red = nn.Sequential(*layers)
        self.max_depth = max_depth

    def forward(self, x):
        x = self.red(x)
        theta = torch.sigmoid(x[:, 0]) * math.pi / 3
        phi = torch.sigmoid(x[:, 1]) * math.pi * 2
        dist = torch.sigmoid(x[:, 2]) * self.max_depth
        n1, n2, n3 = torch.sin(theta) * torch.cos(phi), torch.sin(theta) * torch.sin(phi), torch.cos(theta)
        return torch.stack([n1, n2, n3, dist], 1)


class BTS(nn.Module):
    def __init__(self, max_depth=80.0, f=64):
        super().__init__()
        w = [32, 48, 64, 96, 128]
        enc, c = [], 3
        for o in w:
            enc.append(nn.Sequential(cbr(c, o, 3, 2), cbr(o, o)))
            c = o
        self.enc = nn.ModuleList(enc)
        self.upconv5, self.conv5 = cbr(w[4], f), cbr(f + w[3], f)
        self.upconv4, self.conv4 = cbr(f, f // 2), cbr(f // 2 + w[2], f // 2)
        d = f // 2
        self.daspp = nn.ModuleList(cbr(d + (k * d // 2 if k else 0), d // 2, 3, 1, r) for k, r in enumerate((3, 6, 12, 18, 24)))
        self.daspp_conv = cbr(d + 5 * d // 2, d // 2 * 1)
        self.red8, self.lpg8 = Reduction1x1(d // 2, d // 2, max_depth), LPG(8)
        self.upconv3, self.conv3 = cbr(d // 2, d // 4), cbr(d // 4 + w[1] + 1, d // 4)
        self.red4, self.lpg4 = Reduction1x1(d // 4, d // 4, max_depth), LPG(4)
        self.upconv2, self.conv2 = cbr(d // 4, d // 8), cbr(d // 8 + w[0] + 1, d // 8)
        self.red2, self.lpg2 = Reduction1x1(d // 8, d // 8, max_depth), LPG(2)
        self.upconv1, self.conv1 = cbr(d // 8, d // 16), cbr(d // 16 + 4, d // 16)
        self.reduc1 = nn.Sequential(nn.Conv2d(d // 16, 1, 1, bias=False), nn.Sigmoid())   # reduc1x1, is_final
        self.get_depth = nn.Conv2d(d // 16, 1, 3, 1, 1, bias=False)
        self.max_depth = max_depth

    def forward(self, x):
        s = []
        for e in self.enc:
            x = e(x)
            s.append(x)
        up = lambda t: F.interpolate(t, scale_factor=2, mode='nearest')   # noqa: E731
        iconv5 = self.conv5(torch.cat([self.upconv5(up(s[4])), s[3]], 1))
        iconv4 = self.conv4(torch.cat([self.upconv4(up(iconv5)), s[2]], 1))
        feats = [iconv4]
        for k, blk in enumerate(self.daspp):
            feats.append(blk(torch.cat(feats, 1) if k else iconv4))
        daspp = self.daspp_conv(torch.cat(feats, 1))
        d8 = self.lpg8(self.red8(daspp)).unsqueeze(1) / self.max_depth
        d8s = F.interpolate(d8, scale_factor=0.25, mode='nearest')
        iconv3 = self.conv3(torch.cat([self.upconv3(up(daspp)), s[1], d8s], 1))
        d4 = self.lpg4(self.red4(iconv3)).unsqueeze(1) / self.max_depth
        d4s = F.interpolate(d4, scale_factor=0.5, mode='nearest')
        iconv2 = self.conv2(torch.cat([self.upconv2(up(iconv3)), s[0], d4s], 1))
        d2 = self.lpg2(self.red2(iconv2)).unsqueeze(1) / self.max_depth
        u1 = self.upconv1(up(iconv2))
        iconv1 = self.conv1(torch.cat([u1, self.reduc1(u1), d2, d4, d8], 1))
        return self.max_depth * torch.sigmoid(self.get_depth(iconv1))


# ---------------------------------------------------------------- TransUNet (Chen et al. 2021)
class Bottleneck(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        m = o // 4
        self.b = nn.Sequential(cbr(i, m, 1), cbr(m, m, 3, s), nn.Conv2d(m, o, 1, bias=False), nn.GroupNorm(8, o))
        self.down = nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.GroupNorm(8, o)) if s != 1 or i != o else nn.Identity()

    def forward(self, x):
        return F.relu(self.b(x) + self.down(x))


class TransUNet(nn.Module):
    def __init__(self, classes=9, d=192, heads=3, layers=4, size=224):
        super().__init__()
        self.root = nn.Sequential(nn.Conv2d(3, 32, 7, 2, 3, bias=False), nn.GroupNorm(8, 32), nn.ReLU())
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.s1 = nn.Sequential(Bottleneck(32, 64, 1), Bottleneck(64, 64, 1))
        self.s2 = nn.Sequential(Bottleneck(64, 128, 2), Bottleneck(128, 128, 1))
        self.s3 = nn.Sequential(Bottleneck(128, 256, 2), Bottleneck(256, 256, 1))
        self.patch = nn.Conv2d(256, d, 1)
        n = (size // 16) ** 2
        self.pos = nn.Parameter(0.02 * torch.randn(1, n, d))
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation='gelu', batch_first=True, norm_first=True)
        self.vit = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.conv_more = cbr(d, 128)
        self.dec = nn.ModuleList([cbr(128 + 128, 64), cbr(64 + 64, 32), cbr(32 + 32, 16), cbr(16, 16)])
        self.dec2 = nn.ModuleList([cbr(64, 64), cbr(32, 32), cbr(16, 16), cbr(16, 16)])
        self.head = nn.Conv2d(16, classes, 3, 1, 1)
        self.g = size // 16

    def forward(self, x):
        r = self.root(x)                       # 1/2, 32
        f1 = self.s1(self.pool(r))             # 1/4, 64
        f2 = self.s2(f1)                       # 1/8, 128
        f3 = self.s3(f2)                       # 1/16, 256
        t = self.patch(f3).flatten(2).transpose(1, 2) + self.pos
        t = self.norm(self.vit(t))
        h = self.conv_more(t.transpose(1, 2).reshape(t.shape[0], -1, self.g, self.g))
        for k, skip in enumerate([f2, f1, r, None]):
            h = F.interpolate(h, scale_factor=2, mode='bilinear', align_corners=True)
            if skip is not None:
                h = torch.cat([h, skip], 1)
            h = self.dec2[k](self.dec[k](h))
        return self.head(h)
