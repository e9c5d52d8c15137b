"""Seventeenth sweep, dense prediction / instance masks / colorization (docs/model-sweep.md): CondInst (dynamic mask
heads: per-instance conv filters from a controller, applied as a grouped conv with run-time weights), MaskFormer
(pixel decoder, query transformer decoder, mask classification, semantic inference by einsum), PolarMask (FCOS with 36
polar rays, contours by cos / sin), CGNet (context guided blocks, input injection), DDColor (dual decoders: pixel
decoder and colour queries over multi-scale features) — plain torch.nn with the math of their public code (small
widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from sweep16_vis_bb import LNChannelsFirst as LayerNorm2d  # ConvNeXt's channels-first LayerNorm


def cbr(i, o, k=3, s=1, d=1, g=1, act=nn.ReLU):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2 * d, dilation=d, groups=g, bias=False), nn.BatchNorm2d(o), act())


class TinyResNet(nn.Module):
    """Strides 4 / 8 / 16 / 32 (C2..C5)."""

    def __init__(self, widths=(32, 64, 96, 128)):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, widths[0], 3, 2), nn.MaxPool2d(3, 2, 1))
        stages, c = [], widths[0]
        for i, w in enumerate(widths):
            stages.append(nn.Sequential(cbr(c, w, 3, 1 if i == 0 else 2), cbr(w, w)))
            c = w
        self.stages = nn.ModuleList(stages)

    def forward(self, x):
        x, outs = self.stem(x), []
        for s in self.stages:
            x = s(x)
            outs.append(x)
        return outs


class FPN(nn.Module):
    def __init__(self, ins, d):
        super().__init__()
        self.lat = nn.ModuleList(nn.Conv2d(i, d, 1) for i in ins)
        self.out = nn.ModuleList(nn.Conv2d(d, d, 3, 1, 1) for _ in ins)

    def forward(self, feats):
        lat = [l(f) for l, f in zip(self.lat, feats)]
        for i in range(len(lat) - 2, -1, -1):
            lat[i] = lat[i] + F.interpolate(lat[i + 1], size=lat[i].shape[-2:], mode='nearest')
        return [o(l) for o, l in zip(self.out, lat)]


def locations(h, w, stride):
    ys, xs = torch.meshgrid(torch.arange(h) * stride + stride // 2, torch.arange(w) * stride + stride // 2, indexing='ij')
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], 1).float()


# ---------------------------------------------------------------- CondInst (Tian et al. 2020; AdelaiDet)
class CondInst(nn.Module):
    def __init__(self, img=256, d=64, n_cls=20, k=10, mc=8):
        super().__init__()
        self.k, self.mc, self.img = k, mc, img
        self.backbone = TinyResNet()
        self.fpn = FPN((64, 96, 128), d)  # P3..P5
        self.cls_tower = nn.Sequential(*[nn.Sequential(nn.Conv2d(d, d, 3, 1, 1), nn.GroupNorm(16, d), nn.ReLU()) for _ in range(2)])
        self.box_tower = nn.Sequential(*[nn.Sequential(nn.Conv2d(d, d, 3, 1, 1), nn.GroupNorm(16, d), nn.ReLU()) for _ in range(2)])
        self.cls, self.box, self.ctr = nn.Conv2d(d, n_cls, 3, 1, 1), nn.Conv2d(d, 4, 3, 1, 1), nn.Conv2d(d, 1, 3, 1, 1)
        self.scales = nn.Parameter(torch.ones(3))
        # dynamic mask head: 3 1x1 convs (mc + 2 rel. coords -> mc -> mc -> 1)
        self.sizes_w = [(mc + 2) * mc, mc * mc, mc]
        self.sizes_b = [mc, mc, 1]
        self.controller = nn.Conv2d(d, sum(self.sizes_w) + sum(self.sizes_b), 3, 1, 1)
        self.mask_branch = nn.Sequential(*[cbr(d, d) for _ in range(2)], nn.Conv2d(d, mc, 1))
        self.strides = (8, 16, 32)
        self.register_buffer('locs', torch.cat([locations(img // s, img // s, s) for s in self.strides], 0))
        self.register_buffer('soi', torch.cat([torch.full((img // s * img // s,), 64. * 2 ** i) for i, s in enumerate(self.strides)]))

    def forward(self, x):
        p = self.fpn(self.backbone(x)[1:])
        scores, boxes, params = [], [], []
        for i, f in enumerate(p):
            c, b = self.cls_tower(f), self.box_tower(f)
            s = torch.sigmoid(self.cls(c)) * torch.sigmoid(self.ctr(b))
            scores.append(s.flatten(2))
            boxes.append(F.relu(self.box(b) * self.scales[i]).flatten(2) * self.strides[i])
            params.append(self.controller(b).flatten(2))
        scores, boxes, params = torch.cat(scores, 2)[0], torch.cat(boxes, 2)[0], torch.cat(params, 2)[0]  # [C, N], [4, N], [P, N]
        best, labels = scores.max(0)
        top, idx = best.topk(self.k)
        lab = labels[idx]
        loc = self.locs[idx]  # [K, 2]
        bx = boxes[:, idx].t()
        det = torch.stack([loc[:, 0] - bx[:, 0], loc[:, 1] - bx[:, 1], loc[:, 0] + bx[:, 2], loc[:, 1] + bx[:, 3]], 1)
        prm = params[:, idx].t()  # [K, P]
        # mask head input: relative coordinates to each instance's location, normalized by its level's size of interest
        mf = self.mask_branch(p[0])  # [1, mc, H/8, W/8]
        H, W = mf.shape[-2:]
        grid = locations(H, W, 8).to(x.device)  # [HW, 2]
        rel = (loc.view(-1, 1, 2) - grid.view(1, -1, 2)).permute(0, 2, 1) / self.soi[idx].view(-1, 1, 1)  # [K, 2, HW]
        inp = torch.cat([rel, mf.view(1, self.mc, -1).expand(self.k, -1, -1)], 1).view(1, -1, H, W)  # [1, K(mc+2), H, W]
        ws = torch.split(prm, self.sizes_w + self.sizes_b, 1)
        n = len(self.sizes_w)
        h = inp
        for j in range(n):
            o = self.sizes_b[j]
            i = (self.mc + 2) if j == 0 else self.mc
            w = ws[j].reshape(self.k * o, i, 1, 1)
            h = F.conv2d(h, w, ws[n + j].reshape(-1), groups=self.k)
            if j < n - 1:
                h = F.relu(h)
        masks = torch.sigmoid(F.interpolate(h.view(1, self.k, H, W), scale_factor=2, mode='bilinear', align_corners=False))
        return top, lab, det, masks[0]


# ---------------------------------------------------------------- MaskFormer (Cheng et al. 2021)
def sine_pos(h, w, d, temperature=10000.):
    y, x = torch.meshgrid(torch.arange(1, h + 1).float(), torch.arange(1, w + 1).float(), indexing='ij')
    y, x = y / h * 2 * math.pi, x / w * 2 * math.pi
    dim_t = temperature ** (2 * (torch.arange(d // 2) // 2) / (d // 2))
    px, py = x[..., None] / dim_t, y[..., None] / dim_t
    px = torch.stack([px[..., 0::2].sin(), px[..., 1::2].cos()], -1).flatten(2)
    py = torch.stack([py[..., 0::2].sin(), py[..., 1::2].cos()], -1).flatten(2)
    return torch.cat([py, px], -1).permute(2, 0, 1).unsqueeze(0)  # [1, d, h, w]


class DecoderLayer(nn.Module):
    """DETR's decoder layer (post-norm): self-attention on queries (+ query pos), cross-attention to memory (+ pos)."""

    def __init__(self, d, h):
        super().__init__()
        self.sa, self.ca = nn.MultiheadAttention(d, h), nn.MultiheadAttention(d, h)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.ReLU(), nn.Linear(4 * d, d))

    def forward(self, t, mem, qpos, pos):
        q = t + qpos
        t = self.n1(t + self.sa(q, q, t)[0])
        t = self.n2(t + self.ca(t + qpos, mem + pos, mem)[0])
        return self.n3(t + self.ff(t))


class MaskFormer(nn.Module):
    def __init__(self, img=256, d=64, q=20, n_cls=16, layers=3):
        super().__init__()
        self.backbone = TinyResNet()
        self.fpn = FPN((32, 64, 96, 128), d)
        self.mask_features = nn.Conv2d(d, d, 3, 1, 1)
        self.input_proj = nn.Conv2d(128, d, 1)
        self.register_buffer('pos', sine_pos(img // 32, img // 32, d))
        self.query = nn.Parameter(torch.randn(q, 1, d))
        self.layers = nn.ModuleList(DecoderLayer(d, 4) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.class_embed = nn.Linear(d, n_cls + 1)
        self.mask_embed = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d))

    def forward(self, x):
        feats = self.backbone(x)
        pix = self.mask_features(self.fpn(feats)[0])
        mem = self.input_proj(feats[-1]).flatten(2).permute(2, 0, 1)  # [HW, B, d]
        pos = self.pos.flatten(2).permute(2, 0, 1)
        t = torch.zeros_like(self.query.expand(-1, x.shape[0], -1))
        qpos = self.query.expand(-1, x.shape[0], -1)
        for l in self.layers:
            t = l(t, mem, qpos, pos)
        t = self.norm(t).transpose(0, 1)  # [B, Q, d]
        logits = self.class_embed(t)
        masks = torch.einsum('bqc,bchw->bqhw', self.mask_embed(t), pix)
        sem = torch.einsum('bqc,bqhw->bchw', logits.softmax(-1)[..., :-1], masks.sigmoid())
        return logits, masks, sem


# ---------------------------------------------------------------- PolarMask (Xie et al. 2020)
class PolarMask(nn.Module):
    def __init__(self, img=256, d=64, n_cls=20, rays=36):
        super().__init__()
        self.backbone = TinyResNet()
        self.fpn = FPN((64, 96, 128), d)
        self.cls_tower = nn.Sequential(*[nn.Sequential(nn.Conv2d(d, d, 3, 1, 1), nn.GroupNorm(16, d), nn.ReLU()) for _ in range(2)])
        self.mask_tower = nn.Sequential(*[nn.Sequential(nn.Conv2d(d, d, 3, 1, 1), nn.GroupNorm(16, d), nn.ReLU()) for _ in range(2)])
        self.cls, self.ctr, self.mask = nn.Conv2d(d, n_cls, 3, 1, 1), nn.Conv2d(d, 1, 3, 1, 1), nn.Conv2d(d, rays, 3, 1, 1)
        self.scales = nn.Parameter(torch.ones(3))
        self.strides = (8, 16, 32)
        self.register_buffer('locs', torch.cat([locations(img // s, img // s, s) for s in self.strides], 0))
        ang = torch.arange(rays).float() * (2 * math.pi / rays)
        self.register_buffer('cos', ang.cos())
        self.register_buffer('sin', ang.sin())

    def forward(self, x):
        p = self.fpn(self.backbone(x)[1:])
        scores, dists = [], []
        for i, f in enumerate(p):
            c = self.cls_tower(f)
            m = self.mask_tower(f)
            scores.append((torch.sigmoid(self.cls(c)) * torch.sigmoid(self.ctr(c))).flatten(2))
            dists.append(torch.exp(self.scales[i] * self.mask(m)).flatten(2) * self.strides[i] * 0.25)
        s = torch.cat(scores, 2).transpose(1, 2)  # [B, N, C]
        dd = torch.cat(dists, 2).transpose(1, 2)  # [B, N, R]
        xs = self.locs[:, 0:1] + dd * self.cos
        ys = self.locs[:, 1:2] + dd * self.sin
        contours = torch.stack([xs.clamp(0, 255), ys.clamp(0, 255)], -1)  # [B, N, R, 2]
        return s, contours


# ---------------------------------------------------------------- CGNet (Wu et al. 2020)
class FGlo(nn.Module):
    def __init__(self, c, r=8):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(c, c // r), nn.ReLU(), nn.Linear(c // r, c), nn.Sigmoid())

    def forward(self, x):
        b, c = x.shape[:2]
        return x * self.fc(F.adaptive_avg_pool2d(x, 1).view(b, c)).view(b, c, 1, 1)


class CGBlock(nn.Module):
    def __init__(self, i, o, d=2, down=False, r=8):
        super().__init__()
        n = o if down else o // 2
        self.conv1x1 = nn.Sequential(nn.Conv2d(i, n, 3 if down else 1, 2 if down else 1, 1 if down else 0, bias=False), nn.BatchNorm2d(n), nn.PReLU(n))
        self.f_loc = nn.Conv2d(n, n, 3, 1, 1, groups=n, bias=False)
        self.f_sur = nn.Conv2d(n, n, 3, 1, d, dilation=d, groups=n, bias=False)
        self.bn_prelu = nn.Sequential(nn.BatchNorm2d(2 * n), nn.PReLU(2 * n))
        self.reduce = nn.Conv2d(2 * n, o, 1, bias=False) if down else nn.Identity()
        self.f_glo = FGlo(o, r)
        self.down = down

    def forward(self, x):
        y = self.conv1x1(x)
        y = self.reduce(self.bn_prelu(torch.cat([self.f_loc(y), self.f_sur(y)], 1)))
        y = self.f_glo(y)
        return y if self.down else x + y


class CGNet(nn.Module):
    def __init__(self, n_cls=19, M=2, N=4):
        super().__init__()
        self.l1 = nn.Sequential(cbr(3, 32, 3, 2, act=lambda: nn.PReLU(32)), cbr(32, 32, act=lambda: nn.PReLU(32)), cbr(32, 32, act=lambda: nn.PReLU(32)))
        self.inj1 = nn.AvgPool2d(3, 2, 1)
        self.inj2 = nn.Sequential(nn.AvgPool2d(3, 2, 1), nn.AvgPool2d(3, 2, 1))
        self.bn1 = nn.Sequential(nn.BatchNorm2d(35), nn.PReLU(35))
        self.l2_0 = CGBlock(35, 64, 2, down=True)
        self.l2 = nn.Sequential(*[CGBlock(64, 64, 2) for _ in range(M - 1)])
        self.bn2 = nn.Sequential(nn.BatchNorm2d(131), nn.PReLU(131))
        self.l3_0 = CGBlock(131, 128, 4, down=True, r=16)
        self.l3 = nn.Sequential(*[CGBlock(128, 128, 4, r=16) for _ in range(N - 1)])
        self.bn3 = nn.Sequential(nn.BatchNorm2d(256), nn.PReLU(256))
        self.cls = nn.Conv2d(256, n_cls, 1)

    def forward(self, x):
        o0 = self.l1(x)
        i1, i2 = self.inj1(x), self.inj2(x)
        o0c = self.bn1(torch.cat([o0, i1], 1))
        o1_0 = self.l2_0(o0c)
        o1 = self.l2(o1_0)
        o1c = self.bn2(torch.cat([o1, o1_0, i2], 1))
        o2_0 = self.l3_0(o1c)
        o2 = self.l3(o2_0)
        o2c = self.bn3(torch.cat([o2_0, o2], 1))
        return F.interpolate(self.cls(o2c), size=x.shape[-2:], mode='bilinear', align_corners=False)


# ---------------------------------------------------------------- DDColor (Kang et al. 2023)
class CNBlock(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dw, self.norm = nn.Conv2d(d, d, 7, 1, 3, groups=d), nn.LayerNorm(d)
        self.pw1, self.act, self.pw2 = nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)
        self.gamma = nn.Parameter(0.5 * torch.ones(d))

    def forward(self, x):
        y = self.norm(self.dw(x).permute(0, 2, 3, 1))
        return x + (self.gamma * self.pw2(self.act(self.pw1(y)))).permute(0, 3, 1, 2)


class ColorLayer(nn.Module):
    """Mask2Former-style decoder layer (as DDColor's colour decoder): cross-attention to one scale, self-attention, FFN,
    pre-norm-free (post-norm), sequence-first."""

    def __init__(self, d, h):
        super().__init__()
        self.ca, self.sa = nn.MultiheadAttention(d, h), nn.MultiheadAttention(d, h)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))

    def forward(self, t, qpos, mem, pos):
        t = self.n1(t + self.ca(t + qpos, mem + pos, mem)[0])
        q = t + qpos
        t = self.n2(t + self.sa(q, q, t)[0])
        return self.n3(t + self.ff(t))


class DDColor(nn.Module):
    def __init__(self, img=256, dims=(32, 64, 128, 192), d=64, q=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dims[0], 4, 4), LayerNorm2d(dims[0]))
        stages = []
        for i, c in enumerate(dims):
            down = nn.Identity() if i == 0 else nn.Sequential(LayerNorm2d(dims[i - 1]), nn.Conv2d(dims[i - 1], c, 2, 2))
            stages.append(nn.Sequential(down, CNBlock(c)))
        self.stages = nn.ModuleList(stages)
        # pixel decoder: PixelShuffle ups with skips (UnetBlockWide-style)
        self.ups = nn.ModuleList()
        c = dims[-1]
        for skip in dims[-2::-1]:
            self.ups.append(nn.ModuleDict({'shuf': nn.Sequential(nn.Conv2d(c, d * 4, 1), nn.PixelShuffle(2)), 'bn': nn.BatchNorm2d(skip),
                                           'conv': cbr(d + skip, d)}))
            c = d
        self.last_shuf = nn.Sequential(nn.Conv2d(d, d * 16, 1), nn.PixelShuffle(4))  # 1/4 -> full resolution
        self.projs = nn.ModuleList(nn.Conv2d(cc, d, 1) for cc in (d, d, d))  # the three decoder scales (1/16, 1/8, 1/4)
        self.level_embed = nn.Parameter(0.02 * torch.randn(3, d))
        self.register_buffer('pos', torch.cat([sine_pos(img // s, img // s, d).flatten(2) for s in (16, 8, 4)], 2))
        self.sizes = [(img // s) ** 2 for s in (16, 8, 4)]
        self.query_feat, self.query_embed = nn.Parameter(torch.randn(q, 1, d)), nn.Parameter(torch.randn(q, 1, d))
        self.layers = nn.ModuleList(ColorLayer(d, 4) for _ in range(3))
        self.norm = nn.LayerNorm(d)
        self.color_embed = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d))
        self.refine = nn.Conv2d(q + 3, 2, 1)

    def forward(self, x):
        feats, h = [], self.stem(x)
        for s in self.stages:
            h = s(h)
            feats.append(h)
        y, scales = feats[-1], []
        for up, skip in zip(self.ups, feats[-2::-1]):
            y = up['conv'](torch.cat([up['shuf'](y), up['bn'](skip)], 1))
            scales.append(y)
        img_feat = self.last_shuf(y)  # [B, d, H, W]
        pos = torch.split(self.pos, self.sizes, 2)
        mems = [(p(s).flatten(2) + self.level_embed[i].view(1, -1, 1)).permute(2, 0, 1) for i, (p, s) in enumerate(zip(self.projs, scales))]
        t = self.query_feat.expand(-1, x.shape[0], -1)
        qpos = self.query_embed.expand(-1, x.shape[0], -1)
        for i, l in enumerate(self.layers):
            t = l(t, qpos, mems[i], pos[i].permute(2, 0, 1))
        ce = self.color_embed(self.norm(t).transpose(0, 1))  # [B, Q, d]
        out = torch.einsum('bqc,bchw->bqhw', ce, img_feat)
        return self.refine(torch.cat([out, x], 1))
