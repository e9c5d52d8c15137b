"""Fifteenth sweep, backbones and segmentation heads (docs/model-sweep.md): SegNeXt (MSCAN's multi-scale strip
convolution attention, LightHamHead's NMF matrix decomposition), FocalNet (focal modulation), ResNeSt (split
attention), Twins-SVT (locally-grouped + global sub-sampled attention, PEG), OCRNet (object-contextual
representations), UperNet on ConvNeXt (PPM + FPN fusion), MambaOut (gated CNN), VMamba (SS2D: four-way cross scan,
selective scan as selective_scan_ref writes it), InternImage (DCNv3 as dcnv3_core_pytorch: grid_sample by groups) in
plain torch.nn with the projects' math (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1, p=None, g=1, act=True):
    layers = [nn.Conv2d(i, o, k, s, k // 2 if p is None else p, groups=g, bias=False), nn.BatchNorm2d(o)]
    return nn.Sequential(*layers, nn.ReLU()) if act else nn.Sequential(*layers)


# --- SegNeXt (MSCAN-T-ish + LightHamHead) ---

class MSCA(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv0 = nn.Conv2d(c, c, 5, padding=2, groups=c)
        self.strips = nn.ModuleList(nn.Sequential(nn.Conv2d(c, c, (1, k), padding=(0, k // 2), groups=c),
                                                  nn.Conv2d(c, c, (k, 1), padding=(k // 2, 0), groups=c)) for k in (7, 11, 21))
        self.conv3 = nn.Conv2d(c, c, 1)

    def forward(self, x):
        a = self.conv0(x)
        a = a + sum(s(a) for s in self.strips)
        return self.conv3(a) * x


class MSCANBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n1, self.n2 = nn.BatchNorm2d(c), nn.BatchNorm2d(c)
        self.proj1, self.proj2, self.msca = nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1), MSCA(c)
        self.mlp = nn.Sequential(nn.Conv2d(c, 4 * c, 1), nn.Conv2d(4 * c, 4 * c, 3, 1, 1, groups=4 * c), nn.GELU(), nn.Conv2d(4 * c, c, 1))
        self.ls1, self.ls2 = nn.Parameter(0.1 * torch.ones(c)), nn.Parameter(0.1 * torch.ones(c))

    def forward(self, x):
        y = self.n1(x)
        x = x + self.ls1[:, None, None] * (self.proj2(self.msca(F.gelu(self.proj1(y)))) + y)
        return x + self.ls2[:, None, None] * self.mlp(self.n2(x))


class NMF2D(nn.Module):
    """mmseg's NMF2D (S = 1, R = 16, inv_t = 1, eval_steps 7). Its bases are drawn by torch.rand at every forward
    (rand_init); deployments fix them: a buffer here."""

    def __init__(self, c, r=16, steps=7):
        super().__init__()
        self.steps = steps
        self.register_buffer('bases', F.normalize(torch.rand(1, c, r), dim=1))

    def forward(self, x):
        b, c, h, w = x.shape
        x = x.view(b, c, h * w)
        bases = self.bases.repeat(b, 1, 1)
        coef = torch.softmax(torch.bmm(x.transpose(1, 2), bases), dim=-1)
        for _ in range(self.steps):
            num = torch.bmm(x.transpose(1, 2), bases)
            den = coef.bmm(bases.transpose(1, 2).bmm(bases))
            coef = coef * num / (den + 1e-6)
            num = torch.bmm(x, coef)
            den = bases.bmm(coef.transpose(1, 2).bmm(coef))
            bases = bases * num / (den + 1e-6)
        num = torch.bmm(x.transpose(1, 2), bases)
        den = coef.bmm(bases.transpose(1, 2).bmm(bases))
        coef = coef * num / (den + 1e-6)
        return torch.bmm(bases, coef.transpose(1, 2)).view(b, c, h, w)


def gn(i, o, k=1):
    return nn.Sequential(nn.Conv2d(i, o, k, padding=k // 2, bias=False), nn.GroupNorm(8, o), nn.ReLU())


class SegNeXt(nn.Module):
    def __init__(self, dims=(16, 32, 64, 96), depths=(1, 1, 2, 1), classes=19, ham=64):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, dims[0] // 2, 3, 2), nn.Conv2d(dims[0] // 2, dims[0], 3, 2, 1), nn.BatchNorm2d(dims[0]))
        self.downs = nn.ModuleList([nn.Identity()] + [nn.Sequential(nn.Conv2d(dims[i - 1], dims[i], 3, 2, 1), nn.BatchNorm2d(dims[i])) for i in range(1, 4)])
        self.stages = nn.ModuleList(nn.Sequential(*[MSCANBlock(dims[i]) for _ in range(depths[i])]) for i in range(4))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for d in dims)
        self.squeeze = gn(sum(dims[1:]), ham)
        self.ham_in, self.nmf, self.ham_out = nn.Conv2d(ham, ham, 1), NMF2D(ham), nn.Sequential(nn.Conv2d(ham, ham, 1, bias=False), nn.GroupNorm(8, ham))
        self.align = gn(ham, ham)
        self.cls = nn.Conv2d(ham, classes, 1)

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for down, stage, norm in zip(self.downs, self.stages, self.norms):
            x = stage(down(x))
            b, c, h, w = x.shape
            x = norm(x.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, c, h, w)
            feats.append(x)
        size = feats[1].shape[2:]
        y = torch.cat([feats[1]] + [F.interpolate(f, size=size, mode='bilinear', align_corners=False) for f in feats[2:]], 1)
        y = self.squeeze(y)
        enjoy = F.relu(self.ham_in(y))
        enjoy = self.ham_out(self.nmf(enjoy))
        y = self.align(F.relu(y + enjoy))
        return self.cls(y)


# --- FocalNet (srf, focal level 2) ---

class FocalModulation(nn.Module):
    def __init__(self, c, level=2, k=3):
        super().__init__()
        self.level = level
        self.f = nn.Linear(c, 2 * c + level + 1)
        self.h = nn.Conv2d(c, c, 1)
        self.proj = nn.Linear(c, c)
        self.focal = nn.ModuleList(nn.Sequential(nn.Conv2d(c, c, k + 2 * i, 1, (k + 2 * i) // 2, groups=c, bias=False), nn.GELU()) for i in range(level))

    def forward(self, x):
        c = x.shape[-1]
        x = self.f(x).permute(0, 3, 1, 2)
        q, ctx, gates = torch.split(x, (c, c, self.level + 1), 1)
        ctx_all = 0
        for i, layer in enumerate(self.focal):
            ctx = layer(ctx)
            ctx_all = ctx_all + ctx * gates[:, i:i + 1]
        ctx_global = F.gelu(ctx.mean(2, keepdim=True).mean(3, keepdim=True))
        ctx_all = ctx_all + ctx_global * gates[:, self.level:]
        out = q * self.h(ctx_all)
        return self.proj(out.permute(0, 2, 3, 1))


class FocalBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.mod = FocalModulation(c)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(self, x):  # [B, H, W, C]
        x = x + self.mod(self.n1(x))
        return x + self.mlp(self.n2(x))


class FocalNet(nn.Module):
    def __init__(self, dims=(24, 48, 96, 192), depths=(1, 1, 2, 1), classes=100):
        super().__init__()
        self.embeds = nn.ModuleList([nn.Conv2d(3, dims[0], 4, 4)] + [nn.Conv2d(dims[i - 1], dims[i], 2, 2) for i in range(1, 4)])
        self.embed_norms = nn.ModuleList(nn.LayerNorm(d) for d in dims)
        self.stages = nn.ModuleList(nn.Sequential(*[FocalBlock(dims[i]) for _ in range(depths[i])]) for i in range(4))
        self.norm, self.head = nn.LayerNorm(dims[-1]), nn.Linear(dims[-1], classes)

    def forward(self, x):
        for emb, en, st in zip(self.embeds, self.embed_norms, self.stages):
            x = st(en(emb(x).permute(0, 2, 3, 1))).permute(0, 3, 1, 2)
        return self.head(self.norm(x.flatten(2).mean(-1)))


# --- ResNeSt (radix 2, deep stem, avd, avg_down) ---

class SplAt(nn.Module):
    def __init__(self, c, radix=2):
        super().__init__()
        self.radix = radix
        inter = max(c * radix // 4, 32)
        self.conv = nn.Conv2d(c, c * radix, 3, 1, 1, groups=radix, bias=False)
        self.bn = nn.BatchNorm2d(c * radix)
        self.fc1, self.bn1, self.fc2 = nn.Conv2d(c, inter, 1), nn.BatchNorm2d(inter), nn.Conv2d(inter, c * radix, 1)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        b, rc = x.shape[:2]
        splits = torch.split(x, rc // self.radix, dim=1)
        gap = F.adaptive_avg_pool2d(sum(splits), 1)
        att = self.fc2(F.relu(self.bn1(self.fc1(gap))))
        att = att.view(b, 1, self.radix, -1).transpose(1, 2)  # rSoftMax (cardinality 1)
        att = F.softmax(att, dim=1).reshape(b, -1, 1, 1)
        atts = torch.split(att, rc // self.radix, dim=1)
        return sum(a * s for a, s in zip(atts, splits))


class ResNeStBottleneck(nn.Module):
    def __init__(self, i, w, stride):
        super().__init__()
        o = 4 * w
        self.c1 = cbr(i, w, 1)
        self.splat = SplAt(w)
        self.avd = nn.AvgPool2d(3, stride, 1) if stride > 1 else nn.Identity()
        self.c3 = cbr(w, o, 1, act=False)
        self.down = None
        if stride > 1 or i != o:
            self.down = nn.Sequential(nn.AvgPool2d(stride, stride, ceil_mode=True, count_include_pad=False) if stride > 1 else nn.Identity(),
                                      cbr(i, o, 1, act=False))

    def forward(self, x):
        y = self.c3(self.avd(self.splat(self.c1(x))))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class ResNeSt(nn.Module):
    def __init__(self, widths=(16, 32, 64, 128), classes=100):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 16, 3, 2), cbr(16, 16), cbr(16, 32), nn.MaxPool2d(3, 2, 1))
        layers, i = [], 32
        for j, w in enumerate(widths):
            layers.append(ResNeStBottleneck(i, w, 1 if j == 0 else 2))
            i = 4 * w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(i, classes)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.layers(self.stem(x)), 1).flatten(1))


# --- Twins-SVT ---

class LSA(nn.Module):
    def __init__(self, c, heads, ws):
        super().__init__()
        self.h, self.ws = heads, ws
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)

    def forward(self, x, hw):
        b, n, c = x.shape
        H, W = hw
        ws, hg, wg = self.ws, H // self.ws, W // self.ws
        x = x.view(b, hg, ws, wg, ws, c).transpose(2, 3)
        qkv = self.qkv(x).reshape(b, hg * wg, ws * ws, 3, self.h, c // self.h).permute(3, 0, 1, 4, 2, 5)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * (c // self.h) ** -0.5
        x = (attn.softmax(-1) @ v).transpose(2, 3).reshape(b, hg, wg, ws, ws, c)
        return self.proj(x.transpose(2, 3).reshape(b, n, c))


class GSA(nn.Module):
    def __init__(self, c, heads, sr):
        super().__init__()
        self.h, self.sr = heads, sr
        self.q, self.kv, self.proj = nn.Linear(c, c), nn.Linear(c, 2 * c), nn.Linear(c, c)
        if sr > 1:
            self.sr_conv, self.norm = nn.Conv2d(c, c, sr, sr), nn.LayerNorm(c)

    def forward(self, x, hw):
        b, n, c = x.shape
        q = self.q(x).reshape(b, n, self.h, c // self.h).permute(0, 2, 1, 3)
        if self.sr > 1:
            y = self.sr_conv(x.permute(0, 2, 1).reshape(b, c, *hw)).reshape(b, c, -1).permute(0, 2, 1)
            y = self.norm(y)
        else:
            y = x
        kv = self.kv(y).reshape(b, -1, 2, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        attn = (q @ kv[0].transpose(-2, -1)) * (c // self.h) ** -0.5
        return self.proj((attn.softmax(-1) @ kv[1]).transpose(1, 2).reshape(b, n, c))


class TwinsBlock(nn.Module):
    def __init__(self, c, attn):
        super().__init__()
        self.n1, self.n2, self.attn = nn.LayerNorm(c), nn.LayerNorm(c), attn
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(self, x, hw):
        x = x + self.attn(self.n1(x), hw)
        return x + self.mlp(self.n2(x))


class TwinsSVT(nn.Module):
    def __init__(self, dims=(32, 64, 128, 256), heads=(1, 2, 4, 8), srs=(8, 4, 2, 1), classes=100, ws=7):
        super().__init__()
        self.embeds = nn.ModuleList(nn.Sequential(nn.Conv2d(3 if i == 0 else dims[i - 1], d, 4 if i == 0 else 2, 4 if i == 0 else 2)) for i, d in enumerate(dims))
        self.enorms = nn.ModuleList(nn.LayerNorm(d) for d in dims)
        self.pegs = nn.ModuleList(nn.Conv2d(d, d, 3, 1, 1, groups=d) for d in dims)
        self.blocks = nn.ModuleList(nn.ModuleList([TwinsBlock(d, LSA(d, h, ws)), TwinsBlock(d, GSA(d, h, s))]) for d, h, s in zip(dims, heads, srs))
        self.norm, self.head = nn.LayerNorm(dims[-1]), nn.Linear(dims[-1], classes)

    def forward(self, x):
        b = x.shape[0]
        for emb, en, peg, blocks in zip(self.embeds, self.enorms, self.pegs, self.blocks):
            x = emb(x)
            hw = x.shape[2:]
            x = en(x.flatten(2).transpose(1, 2))
            x = blocks[0](x, hw)
            c = x.shape[-1]
            y = x.transpose(1, 2).reshape(b, c, *hw)
            x = (peg(y) + y).flatten(2).transpose(1, 2)  # PosConv after the first block
            x = blocks[1](x, hw)
            x = x.transpose(1, 2).reshape(b, c, *hw)
        return self.head(self.norm(x.flatten(2).transpose(1, 2)).mean(1))


# --- OCRNet (HRNet-ish trunk, OCR head) ---

class OCRNet(nn.Module):
    def __init__(self, classes=19, mid=64, key=32):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 16, 3, 2), cbr(16, 32, 3, 2))
        self.b = nn.ModuleList([cbr(32, 32), nn.Sequential(cbr(32, 48, 3, 2), cbr(48, 48)),
                                nn.Sequential(cbr(48, 64, 3, 2), cbr(64, 64)), nn.Sequential(cbr(64, 96, 3, 2), cbr(96, 96))])
        c = 32 + 48 + 64 + 96
        self.aux = nn.Sequential(cbr(c, c, 1), nn.Conv2d(c, classes, 1))
        self.conv3x3 = cbr(c, mid)
        self.f_pixel = nn.Sequential(cbr(mid, key, 1), cbr(key, key, 1))
        self.f_object = nn.Sequential(cbr(mid, key, 1), cbr(key, key, 1))
        self.f_down, self.f_up = cbr(mid, key, 1), cbr(key, mid, 1)
        self.fuse = cbr(2 * mid, mid, 1)
        self.cls = nn.Conv2d(mid, classes, 1)
        self.key = key

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for blk in self.b:
            x = blk(x)
            feats.append(x)
        size = feats[0].shape[2:]
        x = torch.cat([feats[0]] + [F.interpolate(f, size=size, mode='bilinear', align_corners=False) for f in feats[1:]], 1)
        aux = self.aux(x)
        feats = self.conv3x3(x)
        b, k = aux.shape[:2]
        # SpatialGather_Module
        probs = F.softmax(aux.view(b, k, -1), dim=2)
        ctx = torch.matmul(probs, feats.view(b, feats.shape[1], -1).permute(0, 2, 1)).permute(0, 2, 1).unsqueeze(3)
        # ObjectAttentionBlock2D
        h, w = feats.shape[2:]
        query = self.f_pixel(feats).view(b, self.key, -1).permute(0, 2, 1)
        keyv = self.f_object(ctx).view(b, self.key, -1)
        value = self.f_down(ctx).view(b, self.key, -1).permute(0, 2, 1)
        sim = F.softmax(torch.matmul(query, keyv) * self.key ** -0.5, dim=-1)
        context = torch.matmul(sim, value).permute(0, 2, 1).contiguous().view(b, self.key, h, w)
        context = self.f_up(context)
        out = self.cls(self.fuse(torch.cat([context, feats], 1)))
        return out, aux


# --- UperNet on ConvNeXt ---

class LN2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.w, self.b = nn.Parameter(torch.ones(c)), nn.Parameter(torch.zeros(c))

    def forward(self, x):  # ConvNeXt's LayerNorm channels_first
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + 1e-6)
        return self.w[:, None, None] * x + self.b[:, None, None]


class CNBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 7, 1, 3, groups=c)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.pw1, self.pw2 = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)
        self.gamma = nn.Parameter(0.1 * torch.ones(c))

    def forward(self, x):
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.gamma * self.pw2(F.gelu(self.pw1(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


class UperNetConvNeXt(nn.Module):
    def __init__(self, dims=(24, 48, 96, 192), depths=(1, 1, 2, 1), ch=48, classes=19):
        super().__init__()
        self.downs = nn.ModuleList([nn.Sequential(nn.Conv2d(3, dims[0], 4, 4), LN2d(dims[0]))] +
                                   [nn.Sequential(LN2d(dims[i - 1]), nn.Conv2d(dims[i - 1], dims[i], 2, 2)) for i in range(1, 4)])
        self.stages = nn.ModuleList(nn.Sequential(*[CNBlock(dims[i]) for _ in range(depths[i])]) for i in range(4))
        self.outnorms = nn.ModuleList(LN2d(d) for d in dims)
        self.ppm = nn.ModuleList(nn.Sequential(nn.AdaptiveAvgPool2d(s), cbr(dims[3], ch, 1)) for s in (1, 2, 3, 6))
        self.bottleneck = cbr(dims[3] + 4 * ch, ch)
        self.lateral = nn.ModuleList(cbr(d, ch, 1) for d in dims[:3])
        self.fpn = nn.ModuleList(cbr(ch, ch) for _ in dims[:3])
        self.fpn_bottleneck = cbr(4 * ch, ch)
        self.cls = nn.Conv2d(ch, classes, 1)

    def forward(self, x):
        feats = []
        for d, s, n in zip(self.downs, self.stages, self.outnorms):
            x = s(d(x))
            feats.append(n(x))
        top = feats[3]
        psp = [top] + [F.interpolate(p(top), size=top.shape[2:], mode='bilinear', align_corners=False) for p in self.ppm]
        lat = [l(f) for l, f in zip(self.lateral, feats[:3])] + [self.bottleneck(torch.cat(psp, 1))]
        for i in range(3, 0, -1):
            lat[i - 1] = lat[i - 1] + F.interpolate(lat[i], size=lat[i - 1].shape[2:], mode='bilinear', align_corners=False)
        outs = [self.fpn[i](lat[i]) for i in range(3)] + [lat[3]]
        outs = [outs[0]] + [F.interpolate(o, size=outs[0].shape[2:], mode='bilinear', align_corners=False) for o in outs[1:]]
        return self.cls(self.fpn_bottleneck(torch.cat(outs, 1)))


# --- MambaOut (gated CNN blocks) ---

class GatedCNNBlock(nn.Module):
    def __init__(self, c, k=7, ratio=8 / 3, conv_ratio=1.0):
        super().__init__()
        hidden = int(ratio * c)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.fc1 = nn.Linear(c, 2 * hidden)
        cc = int(conv_ratio * c)
        self.split = (hidden, hidden - cc, cc)
        self.conv = nn.Conv2d(cc, cc, k, 1, k // 2, groups=cc)
        self.fc2 = nn.Linear(hidden, c)

    def forward(self, x):  # [B, H, W, C]
        y = self.norm(x)
        g, i, c = torch.split(self.fc1(y), self.split, dim=-1)
        c = self.conv(c.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return x + self.fc2(F.gelu(g) * torch.cat((i, c), dim=-1))


class MambaOut(nn.Module):
    def __init__(self, dims=(24, 48, 96, 144), depths=(1, 1, 2, 1), classes=100):
        super().__init__()
        self.stem1, self.stem_n1 = nn.Conv2d(3, dims[0] // 2, 3, 2, 1), nn.LayerNorm(dims[0] // 2, eps=1e-6)
        self.stem2, self.stem_n2 = nn.Conv2d(dims[0] // 2, dims[0], 3, 2, 1), nn.LayerNorm(dims[0], eps=1e-6)
        self.downs = nn.ModuleList(nn.Conv2d(dims[i], dims[i + 1], 3, 2, 1) for i in range(3))
        self.dnorms = nn.ModuleList(nn.LayerNorm(dims[i + 1], eps=1e-6) for i in range(3))
        self.stages = nn.ModuleList(nn.Sequential(*[GatedCNNBlock(dims[i]) for _ in range(depths[i])]) for i in range(4))
        self.norm, self.fc1, self.hnorm, self.fc2 = nn.LayerNorm(dims[-1]), nn.Linear(dims[-1], 4 * dims[-1]), nn.LayerNorm(4 * dims[-1]), nn.Linear(4 * dims[-1], classes)

    def forward(self, x):
        x = self.stem_n1(self.stem1(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        x = self.stem_n2(self.stem2(F.gelu(x)).permute(0, 2, 3, 1))
        for i, st in enumerate(self.stages):
            if i > 0:
                x = self.dnorms[i - 1](self.downs[i - 1](x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1))
            x = st(x)
        x = self.norm(x.mean((1, 2)))
        return self.fc2(self.hnorm(F.gelu(self.fc1(x))))


# --- VMamba (SS2D with selective_scan_ref) ---

def selective_scan_ref(u, delta, A, B, C, D, delta_bias):
    """mamba_ssm's selective_scan_ref: u / delta [b, d, l], A [d, n], B / C [b, g, n, l] (groups of d), softplus."""
    delta = F.softplus(delta + delta_bias[..., None])
    b, d, l = u.shape
    g = B.shape[1]
    n = A.shape[1]
    # einops.repeat(B, 'B G N L -> B (G H) N L'): a view, an expand and a reshape
    B = B[:, :, None].expand(b, g, d // g, n, l).reshape(b, d, n, l)
    C = C[:, :, None].expand(b, g, d // g, n, l).reshape(b, d, n, l)
    deltaA = torch.exp(torch.einsum('bdl,dn->bdln', delta, A))
    deltaB_u = torch.einsum('bdl,bdnl,bdl->bdln', delta, B, u)
    x = u.new_zeros((b, d, A.shape[1]))
    ys = []
    for i in range(l):
        x = deltaA[:, :, i] * x + deltaB_u[:, :, i]
        ys.append(torch.einsum('bdn,bdn->bd', x, C[:, :, :, i]))
    return torch.stack(ys, dim=2) + u * D[:, None]


class SS2D(nn.Module):
    def __init__(self, c, n=4, expand=2):
        super().__init__()
        d = expand * c
        r = math.ceil(c / 16)
        self.d, self.n, self.r = d, n, r
        self.in_proj = nn.Linear(c, 2 * d, bias=False)
        self.conv = nn.Conv2d(d, d, 3, 1, 1, groups=d)
        self.x_proj_weight = nn.Parameter(0.1 * torch.randn(4, r + 2 * n, d))
        self.dt_projs_weight = nn.Parameter(0.5 * torch.randn(4, d, r))
        self.dt_projs_bias = nn.Parameter(torch.log(torch.expm1(0.001 + 0.1 * torch.rand(4, d))))
        self.A_logs = nn.Parameter(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(4 * d, 1))
        self.Ds = nn.Parameter(torch.ones(4 * d))
        self.out_norm = nn.LayerNorm(d)
        self.out_proj = nn.Linear(d, c, bias=False)

    def forward(self, x):  # [B, H, W, C]
        b, h, w, _ = x.shape
        l = h * w
        xz = self.in_proj(x)
        x, z = xz.chunk(2, dim=-1)
        x = F.silu(self.conv(x.permute(0, 3, 1, 2)))
        x_hwwh = torch.stack([x.view(b, -1, l), x.transpose(2, 3).contiguous().view(b, -1, l)], dim=1)
        xs = torch.cat([x_hwwh, torch.flip(x_hwwh, dims=[-1])], dim=1)  # [b, 4, d, l]
        x_dbl = torch.einsum('bkdl,kcd->bkcl', xs, self.x_proj_weight)
        dts, Bs, Cs = torch.split(x_dbl, [self.r, self.n, self.n], dim=2)
        dts = torch.einsum('bkrl,kdr->bkdl', dts, self.dt_projs_weight)
        ys = selective_scan_ref(xs.reshape(b, -1, l), dts.reshape(b, -1, l), -torch.exp(self.A_logs), Bs, Cs, self.Ds, self.dt_projs_bias.view(-1))
        ys = ys.view(b, 4, -1, l)
        inv = torch.flip(ys[:, 2:4], dims=[-1])
        wh = ys[:, 1].view(b, -1, w, h).transpose(2, 3).contiguous().view(b, -1, l)
        invwh = inv[:, 1].view(b, -1, w, h).transpose(2, 3).contiguous().view(b, -1, l)
        y = ys[:, 0] + inv[:, 0] + wh + invwh
        y = self.out_norm(y.transpose(1, 2).contiguous().view(b, h, w, -1))
        return self.out_proj(y * F.silu(z))


class VSSBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n1, self.n2, self.ss2d = nn.LayerNorm(c), nn.LayerNorm(c), SS2D(c)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(self, x):
        x = x + self.ss2d(self.n1(x))
        return x + self.mlp(self.n2(x))


class VMamba(nn.Module):
    def __init__(self, dims=(32, 64), classes=100):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dims[0] // 2, 3, 2, 1), LN2d(dims[0] // 2), nn.GELU(), nn.Conv2d(dims[0] // 2, dims[0], 3, 2, 1), nn.Conv2d(dims[0], dims[0], 3, 2, 1))
        self.norm0 = nn.LayerNorm(dims[0])
        self.b1, self.b2 = VSSBlock(dims[0]), VSSBlock(dims[1])
        self.down, self.dnorm = nn.Conv2d(dims[0], dims[1], 3, 2, 1), nn.LayerNorm(dims[1])
        self.norm, self.head = nn.LayerNorm(dims[1]), nn.Linear(dims[1], classes)

    def forward(self, x):
        x = self.b1(self.norm0(self.stem(x).permute(0, 2, 3, 1)))
        x = self.b2(self.dnorm(self.down(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)))
        return self.head(self.norm(x.mean((1, 2))))


# --- InternImage (DCNv3, dcnv3_core_pytorch) ---

def dcnv3_core(inp, offset, mask, k, pad, group, group_channels, offset_scale):
    inp = F.pad(inp, [0, 0, pad, pad, pad, pad])
    n, h_in, w_in, _ = inp.shape
    _, h_out, w_out, _ = offset.shape
    ref_y, ref_x = torch.meshgrid(torch.linspace(pad + 0.5, h_out - 0.5 + pad, h_out, dtype=torch.float32),
                                  torch.linspace(pad + 0.5, w_out - 0.5 + pad, w_out, dtype=torch.float32), indexing='ij')
    ref = torch.stack((ref_x.reshape(-1)[None] / w_in, ref_y.reshape(-1)[None] / h_in), -1).reshape(1, h_out, w_out, 1, 2)
    xs, ys = torch.meshgrid(torch.linspace(-(k // 2), k // 2, k, dtype=torch.float32), torch.linspace(-(k // 2), k // 2, k, dtype=torch.float32), indexing='xy')
    grid = torch.stack([xs / w_in, ys / h_in], -1).reshape(-1, 1, 2).repeat(1, group, 1).permute(1, 0, 2).reshape(1, 1, 1, group * k * k, 2)
    loc = ref + grid * offset_scale
    scale = torch.tensor([w_in, h_in], dtype=torch.float32).reshape(1, 1, 1, 1, 2)
    loc = loc + offset.view(n, h_out, w_out, group * k * k, 2) * offset_scale / scale  # offsets in pixels
    p = k * k
    grids = 2 * loc - 1
    inp_ = inp.view(n, h_in * w_in, group * group_channels).transpose(1, 2).reshape(n * group, group_channels, h_in, w_in)
    grid_ = grids.view(n, h_out * w_out, group, p, 2).transpose(1, 2).flatten(0, 1)
    sampled = F.grid_sample(inp_, grid_, mode='bilinear', padding_mode='zeros', align_corners=False)
    mask = mask.view(n, h_out * w_out, group, p).transpose(1, 2).reshape(n * group, 1, h_out * w_out, p)
    out = (sampled * mask).sum(-1).view(n, group * group_channels, h_out * w_out)
    return out.transpose(1, 2).reshape(n, h_out, w_out, -1)


class DCNv3(nn.Module):
    def __init__(self, c, group, k=3):
        super().__init__()
        self.c, self.g, self.k = c, group, k
        self.dw = nn.Sequential(nn.Conv2d(c, c, k, 1, k // 2, groups=c))
        self.dw_norm = nn.LayerNorm(c, eps=1e-6)
        self.offset, self.mask = nn.Linear(c, group * k * k * 2), nn.Linear(c, group * k * k)
        self.input_proj, self.output_proj = nn.Linear(c, c), nn.Linear(c, c)
        nn.init.normal_(self.offset.weight, std=0.02)

    def forward(self, x):  # [N, H, W, C]
        n, h, w, _ = x.shape
        y = self.input_proj(x)
        x1 = F.gelu(self.dw_norm(self.dw(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)))
        offset = self.offset(x1)
        mask = F.softmax(self.mask(x1).reshape(n, h, w, self.g, -1), -1).reshape(n, h, w, -1)
        y = dcnv3_core(y, offset, mask, self.k, self.k // 2, self.g, self.c // self.g, 1.0)
        return self.output_proj(y)


class InternBlock(nn.Module):
    def __init__(self, c, g):
        super().__init__()
        self.n1, self.n2, self.dcn = nn.LayerNorm(c, eps=1e-6), nn.LayerNorm(c, eps=1e-6), DCNv3(c, g)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(self, x):
        x = x + self.dcn(self.n1(x))
        return x + self.mlp(self.n2(x))


class InternImage(nn.Module):
    def __init__(self, dims=(16, 32, 64, 128), groups=(1, 2, 4, 8), depths=(1, 1, 2, 1), classes=100):
        super().__init__()
        self.stem1, self.sn1 = nn.Conv2d(3, dims[0] // 2, 3, 2, 1), nn.LayerNorm(dims[0] // 2, eps=1e-6)
        self.stem2, self.sn2 = nn.Conv2d(dims[0] // 2, dims[0], 3, 2, 1), nn.LayerNorm(dims[0], eps=1e-6)
        self.levels = nn.ModuleList(nn.Sequential(*[InternBlock(d, g) for _ in range(n)]) for d, g, n in zip(dims, groups, depths))
        self.downs = nn.ModuleList(nn.Conv2d(dims[i], dims[i + 1], 3, 2, 1, bias=False) for i in range(3))
        self.dnorms = nn.ModuleList(nn.LayerNorm(dims[i + 1], eps=1e-6) for i in range(3))
        self.head = nn.Linear(dims[-1], classes)

    def forward(self, x):
        x = F.gelu(self.sn1(self.stem1(x).permute(0, 2, 3, 1))).permute(0, 3, 1, 2)
        x = self.sn2(self.stem2(x).permute(0, 2, 3, 1))
        for i, lv in enumerate(self.levels):
            x = lv(x)
            if i < 3:
                x = self.dnorms[i](self.downs[i](x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1))
        return self.head(x.mean((1, 2)))
