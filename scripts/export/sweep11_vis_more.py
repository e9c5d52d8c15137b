"""Eleventh sweep, more video and re-identification / segmentation models (docs/model-sweep.md): VideoMAE (tube
embedding by Conv3d, fixed sinusoidal positions), TimeSformer's divided space-time attention, OSNet (omni-scale
re-id, deep_sort / BoxMOT's embedder), PIDNet-S (three-branch real-time segmentation) and Video Swin (torchvision's
swin3d: 3-D shifted windows through rank-8 views), in plain torch.nn."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from sweep11_vis_bb import Attn, Block, Mlp


def sinusoid_table(n, d):
    pos = torch.arange(n, dtype=torch.float64)[:, None]
    i = torch.arange(d)[None, :]
    angle = pos / torch.pow(10000.0, 2 * (i // 2) / d)
    t = torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle))
    return t.float()[None]


class VideoMAE(nn.Module):
    """VideoMAE ViT for classification: Conv3d tube embedding (2×16×16), fixed sinusoidal positions, blocks with
    q / v biases, mean-pooled fc_norm head (HF VideoMAEForVideoClassification, optimum export)."""

    def __init__(self, frames=8, img=112, d=192, depth=4, heads=3, classes=400):
        super().__init__()
        n = (frames // 2) * (img // 16) ** 2
        self.patch = nn.Conv3d(3, d, (2, 16, 16), (2, 16, 16))
        self.register_buffer('pos', sinusoid_table(n, d))
        self.blocks = nn.Sequential(*[Block(d, heads, qv_bias=True) for _ in range(depth)])
        self.fc_norm, self.head = nn.LayerNorm(d), nn.Linear(d, classes)

    def forward(self, x):  # [B, T, C, H, W] as HF's feature extractor hands it
        x = self.patch(x.permute(0, 2, 1, 3, 4)).flatten(2).transpose(1, 2) + self.pos
        return self.head(self.fc_norm(self.blocks(x).mean(1)))


class DividedBlock(nn.Module):
    """TimeSformer's divided space-time block: temporal attention per patch (einops 'b (h w t) m -> (b h w) t m'),
    a linear layer on its output, then spatial attention per frame with the class token repeated over frames."""

    def __init__(self, d, heads, t, hw):
        super().__init__()
        self.t, self.hw = t, hw
        self.tn, self.tattn, self.tfc = nn.LayerNorm(d), Attn(d, heads), nn.Linear(d, d)
        self.n1, self.attn = nn.LayerNorm(d), Attn(d, heads)
        self.n2, self.mlp = nn.LayerNorm(d), Mlp(d)

    def forward(self, x):
        b, t, hw = x.shape[0], self.t, self.hw
        m = x.shape[2]
        xt = x[:, 1:]
        r = self.tattn(self.tn(xt.reshape(b * hw, t, m)))
        r = self.tfc(r.reshape(b, hw * t, m))
        xt = xt + r
        cls = x[:, :1].repeat(1, t, 1).reshape(b * t, 1, m)
        xs = xt.reshape(b, hw, t, m).permute(0, 2, 1, 3).reshape(b * t, hw, m)
        res = self.attn(self.n1(torch.cat((cls, xs), 1)))
        cls = res[:, 0].reshape(b, t, m).mean(1, keepdim=True)
        res = res[:, 1:].reshape(b, t, hw, m).permute(0, 2, 1, 3).reshape(b, hw * t, m)
        x = torch.cat((x[:, :1], xt), 1) + torch.cat((cls, res), 1)
        return x + self.mlp(self.n2(x))


class TimeSformer(nn.Module):
    def __init__(self, frames=4, img=112, d=192, depth=3, heads=3, classes=400):
        super().__init__()
        g = img // 16
        self.t, self.hw = frames, g * g
        self.patch = nn.Conv2d(3, d, 16, 16)
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.pos = nn.Parameter(0.02 * torch.randn(1, g * g + 1, d))
        self.time = nn.Parameter(0.02 * torch.randn(1, frames, d))
        self.blocks = nn.ModuleList([DividedBlock(d, heads, frames, g * g) for _ in range(depth)])
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, classes)

    def forward(self, x):  # [B, C, T, H, W]
        b, c, t, h, w = x.shape
        x = self.patch(x.transpose(1, 2).reshape(b * t, c, h, w)).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls.expand(b * t, -1, -1), x), 1) + self.pos
        cls = x[:b, :1]
        x = x[:, 1:].reshape(b, t, self.hw, -1).permute(0, 2, 1, 3).reshape(b * self.hw, t, -1) + self.time
        x = torch.cat((cls, x.reshape(b, self.hw * t, -1)), 1)
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x)[:, 0])


def cbr(cin, cout, k=1, s=1, g=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*(layers + [nn.ReLU()] if act else layers))


class LightConv(nn.Sequential):
    def __init__(self, c):
        super().__init__(nn.Conv2d(c, c, 1, bias=False), nn.Conv2d(c, c, 3, 1, 1, groups=c, bias=False), nn.BatchNorm2d(c), nn.ReLU())


class OSBlock(nn.Module):
    """OSNet's omni-scale bottleneck: 4 streams of 1..4 stacked LightConv3x3, unified aggregation gate (shared)."""

    def __init__(self, cin, cout):
        super().__init__()
        m = cout // 4
        self.conv1 = cbr(cin, m)
        self.streams = nn.ModuleList([nn.Sequential(*[LightConv(m) for _ in range(i + 1)]) for i in range(4)])
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(m, m // 16 or 1, 1), nn.ReLU(), nn.Conv2d(m // 16 or 1, m, 1), nn.Sigmoid())
        self.conv3 = cbr(m, cout, act=False)
        self.down = cbr(cin, cout, act=False) if cin != cout else None

    def forward(self, x):
        y = self.conv1(x)
        y = sum(s(y) * self.gate(s(y)) for s in self.streams)
        y = self.conv3(y)
        return F.relu(y + (x if self.down is None else self.down(x)))


class OSNet(nn.Module):
    """osnet_x0_25 (256×128 person crops → 512-d features; fc: Linear + BatchNorm1d + ReLU)."""

    def __init__(self, ch=(16, 64, 96, 128)):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, ch[0], 7, 2), nn.MaxPool2d(3, 2, 1))
        layers, c = [], ch[0]
        for i, co in enumerate(ch[1:]):
            layers += [OSBlock(c, co), OSBlock(co, co)]
            if i < 2:
                layers += [cbr(co, co), nn.AvgPool2d(2, 2)]
            c = co
        self.body = nn.Sequential(*layers, cbr(c, c))
        self.fc = nn.Sequential(nn.Linear(c, 512), nn.BatchNorm1d(512), nn.ReLU())

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.body(self.stem(x)), 1).flatten(1))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, s=1):
        super().__init__()
        self.a, self.b = cbr(cin, cout, 3, s), cbr(cout, cout, 3, act=False)
        self.down = cbr(cin, cout, 1, s, act=False) if s != 1 or cin != cout else None

    def forward(self, x):
        return F.relu(self.b(self.a(x)) + (x if self.down is None else self.down(x)))


class PagFM(nn.Module):
    """PIDNet's pixel-attention-guided fusion: sigmoid(Σ f_x(x) · f_y(up(y))) mixes the P and I branches."""

    def __init__(self, c, m):
        super().__init__()
        self.fx, self.fy = cbr(c, m, act=False), cbr(c, m, act=False)

    def forward(self, x, y):
        size = x.shape[2:]
        y_up = F.interpolate(y, size=size, mode='bilinear', align_corners=False)
        sim = torch.sigmoid(torch.sum(self.fx(x) * F.interpolate(self.fy(y), size=size, mode='bilinear', align_corners=False), 1, keepdim=True))
        return (1 - sim) * x + sim * y_up


class PIDNetS(nn.Module):
    """PIDNet-S (inference: the seg head only): I branch (ResNet-like to 1/32, PAPPM), P branch at 1/8 fused with I by
    PagFM, D branch (boundary) at 1/8, Bag fusion: sigmoid(D) weights P against I."""

    def __init__(self, c=32, classes=19):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, c, 3, 2), cbr(c, c, 3, 2), BasicBlock(c, c))
        self.i3, self.i4, self.i5 = BasicBlock(c, 2 * c, 2), BasicBlock(2 * c, 4 * c, 2), BasicBlock(4 * c, 8 * c, 2)
        self.p3, self.p4 = BasicBlock(c, 2 * c, 2), BasicBlock(2 * c, 2 * c)
        self.d3, self.d4 = BasicBlock(c, c, 2), BasicBlock(c, c)
        self.comp3, self.comp4 = cbr(4 * c, 2 * c, act=False), cbr(8 * c, 2 * c, act=False)
        self.pag3, self.pag4 = PagFM(2 * c, c), PagFM(2 * c, c)
        self.diff3, self.diff4 = cbr(4 * c, c, 3, act=False), cbr(8 * c, c, 3, act=False)
        self.pool_scales = nn.ModuleList([nn.AvgPool2d(k, s, k // 2) for k, s in ((5, 2), (9, 4), (17, 8))])
        self.ppm = nn.ModuleList([cbr(8 * c, 4 * c) for _ in range(5)])
        self.ppm_out = cbr(4 * c, 2 * c, act=False)
        self.d_out = cbr(c, 2 * c, act=False)
        self.head = nn.Sequential(cbr(2 * c, 4 * c, 3), nn.Conv2d(4 * c, classes, 1))

    def forward(self, x):
        h, w = x.shape[2] // 8, x.shape[3] // 8
        x = self.stem(x)
        xi3 = self.i3(x)
        xp, xd = self.p3(x), self.d3(x)
        xi4 = self.i4(xi3)
        xp = self.p4(self.pag3(xp, self.comp3(xi4)))
        xd = self.d4(xd + F.interpolate(self.diff3(xi4), size=(h, w), mode='bilinear', align_corners=False))
        xi5 = self.i5(xi4)
        xp = self.pag4(xp, self.comp4(xi5))
        xd = xd + F.interpolate(self.diff4(xi5), size=(h, w), mode='bilinear', align_corners=False)
        s0 = self.ppm[0](xi5)
        size = xi5.shape[2:]
        ppm = s0 + self.ppm[4](F.interpolate(F.adaptive_avg_pool2d(xi5, 1), size=size, mode='bilinear', align_corners=False))
        for pool, conv in zip(self.pool_scales, self.ppm[1:4]):
            ppm = ppm + F.interpolate(conv(pool(xi5)), size=size, mode='bilinear', align_corners=False)
        xi = F.interpolate(self.ppm_out(ppm), size=(h, w), mode='bilinear', align_corners=False)
        att = torch.sigmoid(self.d_out(xd))
        return self.head(att * xp + (1 - att) * xi)


def window_partition3d(x, ws):
    """torchvision swin3d / Video Swin: [B, D, H, W, C] → [B·nW, wd·wh·ww, C] through a rank-8 view."""
    b, d, h, w, c = x.shape
    x = x.view(b, d // ws[0], ws[0], h // ws[1], ws[1], w // ws[2], ws[2], c)
    return x.permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(-1, ws[0] * ws[1] * ws[2], c)


def window_reverse3d(x, ws, b, d, h, w):
    x = x.view(b, d // ws[0], h // ws[1], w // ws[2], ws[0], ws[1], ws[2], -1)
    return x.permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(b, d, h, w, -1)


class WindowAttn3d(nn.Module):
    def __init__(self, dim, heads, ws):
        super().__init__()
        self.h, self.ws, self.scale = heads, ws, (dim // heads) ** -0.5
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.table = nn.Parameter(0.1 * torch.randn((2 * ws[0] - 1) * (2 * ws[1] - 1) * (2 * ws[2] - 1), heads))
        coords = torch.stack(torch.meshgrid(*[torch.arange(s) for s in ws], indexing='ij')).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
        rel[:, :, 0] += ws[0] - 1
        rel[:, :, 1] += ws[1] - 1
        rel[:, :, 2] += ws[2] - 1
        rel[:, :, 0] *= (2 * ws[1] - 1) * (2 * ws[2] - 1)
        rel[:, :, 1] *= 2 * ws[2] - 1
        self.register_buffer('index', rel.sum(-1))

    def forward(self, x, mask=None):
        bw, n, c = x.shape
        q, k, v = self.qkv(x).reshape(bw, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = (q * self.scale) @ k.transpose(-2, -1) + self.table[self.index[:n, :n].reshape(-1)].reshape(n, n, -1).permute(2, 0, 1).unsqueeze(0)
        if mask is not None:
            nw = mask.shape[0]
            a = a.view(bw // nw, nw, self.h, n, n) + mask.unsqueeze(1).unsqueeze(0)
            a = a.view(-1, self.h, n, n)
        return self.proj((a.softmax(-1) @ v).transpose(1, 2).reshape(bw, n, c))


class SwinBlock3d(nn.Module):
    def __init__(self, dim, heads, ws, shift, size):
        super().__init__()
        self.ws, self.shift = ws, shift
        self.n1, self.attn, self.n2, self.mlp = nn.LayerNorm(dim), WindowAttn3d(dim, heads, ws), nn.LayerNorm(dim), Mlp(dim)
        if any(shift):
            img = torch.zeros(1, *size, 1)
            cnt = 0
            for d in (slice(-ws[0]), slice(-ws[0], -shift[0]), slice(-shift[0], None)):
                for h in (slice(-ws[1]), slice(-ws[1], -shift[1]), slice(-shift[1], None)):
                    for w in (slice(-ws[2]), slice(-ws[2], -shift[2]), slice(-shift[2], None)):
                        img[:, d, h, w, :] = cnt
                        cnt += 1
            mw = window_partition3d(img, ws).squeeze(-1)
            m = mw.unsqueeze(1) - mw.unsqueeze(2)
            self.register_buffer('mask', m.masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0))
        else:
            self.mask = None

    def forward(self, x):  # [B, D, H, W, C]
        b, d, h, w, c = x.shape
        y = self.n1(x)
        if any(self.shift):
            y = torch.roll(y, shifts=[-s for s in self.shift], dims=(1, 2, 3))
        y = window_reverse3d(self.attn(window_partition3d(y, self.ws), self.mask), self.ws, b, d, h, w)
        if any(self.shift):
            y = torch.roll(y, shifts=list(self.shift), dims=(1, 2, 3))
        x = x + y
        return x + self.mlp(self.n2(x))


class Swin3d(nn.Module):
    """torchvision swin3d_t style (Video Swin): Conv3d patch embed (2, 4, 4) into [B, D, H, W, C], window attention
    over 2×7×7 windows (a rank-8 partition view) with the 3-D relative position bias, shifted windows by torch.roll
    with the registered mask, patch merging by strided slices of the map, LayerNorm, mean-pooled head."""

    def __init__(self, frames=8, img=112, dim=48, heads=(3, 6), ws=(2, 7, 7), classes=400):
        super().__init__()
        self.patch = nn.Conv3d(3, dim, (2, 4, 4), (2, 4, 4))
        size = (frames // 2, img // 4, img // 4)
        self.s1 = nn.Sequential(SwinBlock3d(dim, heads[0], ws, (0, 0, 0), size), SwinBlock3d(dim, heads[0], ws, (1, 3, 3), size))
        self.merge_norm, self.reduction = nn.LayerNorm(4 * dim), nn.Linear(4 * dim, 2 * dim, bias=False)
        size2 = (size[0], size[1] // 2, size[2] // 2)
        ws2 = (2, min(7, size2[1]), min(7, size2[2]))
        self.s2 = nn.Sequential(SwinBlock3d(2 * dim, heads[1], ws2, (0, 0, 0), size2))
        self.norm, self.head = nn.LayerNorm(2 * dim), nn.Linear(2 * dim, classes)

    def forward(self, x):  # [B, C, T, H, W]
        x = self.s1(self.patch(x).permute(0, 2, 3, 4, 1))
        x = torch.cat([x[:, :, 0::2, 0::2], x[:, :, 1::2, 0::2], x[:, :, 0::2, 1::2], x[:, :, 1::2, 1::2]], -1)
        x = self.s2(self.reduction(self.merge_norm(x)))
        return self.head(self.norm(x).mean((1, 2, 3)))
