"""Third sweep: today's families written in plain torch.nn with the same math as their public code (random weights,
small widths so that the exports stay a few MB). Imported by sweep.py (MODELS3)."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- YOLOv8-style detector (ultralytics' Conv, C2f, SPPF, Detect with DFL) ---
class ConvBnSilu(nn.Module):
    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)

    def forward(self, x):
        return F.silu(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c, shortcut=True):
        super().__init__()
        self.cv1, self.cv2, self.add = ConvBnSilu(c, c, 3), ConvBnSilu(c, c, 3), shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    def __init__(self, c1, c2, n=1, shortcut=True):
        super().__init__()
        self.c = c2 // 2
        self.cv1 = ConvBnSilu(c1, 2 * self.c)
        self.cv2 = ConvBnSilu((2 + n) * self.c, c2)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c1, c2, k=5):
        super().__init__()
        c_ = c1 // 2
        self.cv1, self.cv2 = ConvBnSilu(c1, c_), ConvBnSilu(c_ * 4, c2)
        self.m = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat((x, y1, y2, self.m(y2)), 1))


class DFL(nn.Module):
    def __init__(self, c1=16):
        super().__init__()
        self.conv = nn.Conv2d(c1, 1, 1, bias=False).requires_grad_(False)
        self.conv.weight.data[:] = torch.arange(c1, dtype=torch.float).view(1, c1, 1, 1)
        self.c1 = c1

    def forward(self, x):
        b, _, a = x.shape
        return self.conv(x.view(b, 4, self.c1, a).transpose(2, 1).softmax(1)).view(b, 4, a)


def make_anchors(feats, strides, offset=0.5):
    anchor_points, stride_tensor = [], []
    for i, stride in enumerate(strides):
        _, _, h, w = feats[i].shape
        sx = torch.arange(end=w, dtype=torch.float) + offset
        sy = torch.arange(end=h, dtype=torch.float) + offset
        sy, sx = torch.meshgrid(sy, sx, indexing='ij')
        anchor_points.append(torch.stack((sx, sy), -1).view(-1, 2))
        stride_tensor.append(torch.full((h * w, 1), stride, dtype=torch.float))
    return torch.cat(anchor_points), torch.cat(stride_tensor)


def pyramid(m, x):
    """YOLOv8's backbone and FPN + PAN neck (m's stem, p3-p5, up, h4, h3, d3, n4, d4, n5): the P3-P5 outputs."""
    p3 = m.p3(m.stem(x))
    p4 = m.p4(p3)
    p5 = m.p5(p4)
    t4 = m.h4(torch.cat([m.up(p5), p4], 1))
    o3 = m.h3(torch.cat([m.up(t4), p3], 1))
    o4 = m.n4(torch.cat([m.d3(o3), t4], 1))
    o5 = m.n5(torch.cat([m.d4(o4), p5], 1))
    return o3, o4, o5


class YoloV8(nn.Module):
    def __init__(self, nc=8, w=16, reg_max=16, head=None):
        super().__init__()
        self.nc, self.reg_max, self.no = nc, reg_max, nc + 4 * reg_max
        self.stem = nn.Sequential(ConvBnSilu(3, w, 3, 2), ConvBnSilu(w, 2 * w, 3, 2), C2f(2 * w, 2 * w, 1))
        self.p3 = nn.Sequential(ConvBnSilu(2 * w, 4 * w, 3, 2), C2f(4 * w, 4 * w, 2))
        self.p4 = nn.Sequential(ConvBnSilu(4 * w, 8 * w, 3, 2), C2f(8 * w, 8 * w, 2))
        self.p5 = nn.Sequential(ConvBnSilu(8 * w, 8 * w, 3, 2), C2f(8 * w, 8 * w, 1), SPPF(8 * w, 8 * w))
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.h4 = C2f(16 * w, 8 * w, 1, False)
        self.h3 = C2f(12 * w, 4 * w, 1, False)
        self.d3 = ConvBnSilu(4 * w, 4 * w, 3, 2)
        self.n4 = C2f(12 * w, 8 * w, 1, False)
        self.d4 = ConvBnSilu(8 * w, 8 * w, 3, 2)
        self.n5 = C2f(16 * w, 8 * w, 1, False)
        chs = (4 * w, 8 * w, 8 * w)
        c2, c3 = head or max(16, chs[0] // 4, reg_max * 4), head or max(chs[0], nc)
        self.cv2 = nn.ModuleList(nn.Sequential(ConvBnSilu(x, c2, 3), ConvBnSilu(c2, c2, 3), nn.Conv2d(c2, 4 * reg_max, 1)) for x in chs)
        self.cv3 = nn.ModuleList(nn.Sequential(ConvBnSilu(x, c3, 3), ConvBnSilu(c3, c3, 3), nn.Conv2d(c3, nc, 1)) for x in chs)
        self.dfl = DFL(reg_max)
        self.strides = (8, 16, 32)

    def forward(self, x):
        o3, o4, o5 = pyramid(self, x)
        feats = [torch.cat((self.cv2[i](f), self.cv3[i](f)), 1) for i, f in enumerate((o3, o4, o5))]
        anchors, strides = (a.transpose(0, 1) for a in make_anchors(feats, self.strides))
        xcat = torch.cat([f.view(x.shape[0], self.no, -1) for f in feats], 2)
        box, cls = xcat.split((self.reg_max * 4, self.nc), 1)
        d = self.dfl(box)
        lt, rb = d.chunk(2, 1)
        x1y1, x2y2 = anchors.unsqueeze(0) - lt, anchors.unsqueeze(0) + rb
        dbox = torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * strides
        return torch.cat((dbox, cls.sigmoid()), 1)


# --- DETR-style (facebookresearch/detr: PositionEmbeddingSine, learned queries, nn.Transformer) ---
class PositionEmbeddingSine(nn.Module):
    def __init__(self, num_pos_feats=32, temperature=10000):
        super().__init__()
        self.num_pos_feats, self.temperature, self.scale = num_pos_feats, temperature, 2 * math.pi

    def forward(self, x):
        not_mask = torch.ones(x.shape[0], x.shape[2], x.shape[3], dtype=torch.float)
        y_embed = not_mask.cumsum(1, dtype=torch.float32)
        x_embed = not_mask.cumsum(2, dtype=torch.float32)
        eps = 1e-6
        y_embed = y_embed / (y_embed[:, -1:, :] + eps) * self.scale
        x_embed = x_embed / (x_embed[:, :, -1:] + eps) * self.scale
        dim_t = torch.arange(self.num_pos_feats, dtype=torch.float32)
        dim_t = self.temperature ** (2 * torch.div(dim_t, 2, rounding_mode='floor') / self.num_pos_feats)
        pos_x = x_embed[:, :, :, None] / dim_t
        pos_y = y_embed[:, :, :, None] / dim_t
        pos_x = torch.stack((pos_x[:, :, :, 0::2].sin(), pos_x[:, :, :, 1::2].cos()), dim=4).flatten(3)
        pos_y = torch.stack((pos_y[:, :, :, 0::2].sin(), pos_y[:, :, :, 1::2].cos()), dim=4).flatten(3)
        return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)


class Detr(nn.Module):
    def __init__(self, d=64, queries=20, nc=10):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 32, 3, 4, 1), nn.BatchNorm2d(32), nn.ReLU(),
                                      nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                      nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU())
        self.input_proj = nn.Conv2d(128, d, 1)
        self.pos = PositionEmbeddingSine(d // 2)
        self.query_embed = nn.Embedding(queries, d)
        self.enc = nn.ModuleList(nn.MultiheadAttention(d, 4) for _ in range(2))
        self.enc_ff = nn.ModuleList(nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, d)) for _ in range(2))
        self.enc_n = nn.ModuleList(nn.LayerNorm(d) for _ in range(4))
        self.self_attn = nn.MultiheadAttention(d, 4)
        self.cross_attn = nn.MultiheadAttention(d, 4)
        self.dec_ff = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, d))
        self.dec_n = nn.ModuleList(nn.LayerNorm(d) for _ in range(4))
        self.class_embed = nn.Linear(d, nc + 1)
        self.bbox_embed = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4))

    def forward(self, img):
        f = self.input_proj(self.backbone(img))
        pos = self.pos(f).flatten(2).permute(2, 0, 1)
        src = f.flatten(2).permute(2, 0, 1)  # HW, B, d (DETR's layout)
        for i in range(2):  # post-norm encoder layers: q = k = src + pos
            q = src + pos
            src = self.enc_n[2 * i](src + self.enc[i](q, q, src)[0])
            src = self.enc_n[2 * i + 1](src + self.enc_ff[i](src))
        qpos = self.query_embed.weight.unsqueeze(1).repeat(1, img.shape[0], 1)
        tgt = torch.zeros_like(qpos)
        q = tgt + qpos
        tgt = self.dec_n[0](tgt + self.self_attn(q, q, tgt)[0])
        tgt = self.dec_n[1](tgt + self.cross_attn(tgt + qpos, src + pos, src)[0])
        tgt = self.dec_n[3](self.dec_n[2](tgt + self.dec_ff(tgt)))
        hs = tgt.transpose(0, 1)
        return self.class_embed(hs).softmax(-1), self.bbox_embed(hs).sigmoid()


# --- diffusion-style UNet (diffusers' ResnetBlock2D, Transformer2DModel at low resolution, timestep embedding) ---
def timestep_embedding(t, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class ResBlock(nn.Module):
    def __init__(self, c1, c2, temb):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(8, c1), nn.Conv2d(c1, c2, 3, 1, 1)
        self.t = nn.Linear(temb, c2)
        self.n2, self.c2 = nn.GroupNorm(8, c2), nn.Conv2d(c2, c2, 3, 1, 1)
        self.skip = nn.Conv2d(c1, c2, 1) if c1 != c2 else nn.Identity()

    def forward(self, x, temb):
        h = self.c1(F.silu(self.n1(x)))
        h = h + self.t(F.silu(temb))[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class Attn(nn.Module):
    """diffusers' Attention: to_q/k/v, heads via reshape/transpose, baddbmm-free softmax(QK^T * scale) V."""

    def __init__(self, d, ctx=None, heads=4):
        super().__init__()
        self.h = heads
        self.q, self.k, self.v = nn.Linear(d, d, bias=False), nn.Linear(ctx or d, d, bias=False), nn.Linear(ctx or d, d, bias=False)
        self.o = nn.Linear(d, d)

    def forward(self, x, ctx=None):
        b, n, d = x.shape
        ctx = x if ctx is None else ctx
        q, k, v = self.q(x), self.k(ctx), self.v(ctx)
        split = lambda t: t.reshape(b, -1, self.h, d // self.h).transpose(1, 2)
        q, k, v = split(q), split(k), split(v)
        a = (q @ k.transpose(-1, -2) * (d // self.h) ** -0.5).softmax(-1)
        return self.o((a @ v).transpose(1, 2).reshape(b, n, d))


class SpatialTransformer(nn.Module):
    def __init__(self, c, ctx):
        super().__init__()
        self.norm, self.proj_in = nn.GroupNorm(8, c), nn.Conv2d(c, c, 1)
        self.n1, self.a1 = nn.LayerNorm(c), Attn(c)
        self.n2, self.a2 = nn.LayerNorm(c), Attn(c, ctx)
        self.n3 = nn.LayerNorm(c)
        self.ff1, self.ff2 = nn.Linear(c, 8 * c), nn.Linear(4 * c, c)
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        r = x
        x = self.proj_in(self.norm(x)).permute(0, 2, 3, 1).reshape(b, h * w, c)
        x = x + self.a1(self.n1(x))
        x = x + self.a2(self.n2(x), ctx)
        a, g = self.ff1(self.n3(x)).chunk(2, dim=-1)  # GEGLU
        x = x + self.ff2(a * F.gelu(g))
        return self.proj_out(x.reshape(b, h, w, c).permute(0, 3, 1, 2)) + r


class UNet(nn.Module):
    def __init__(self, c=32, ctx=48):
        super().__init__()
        self.temb = nn.Sequential(nn.Linear(c, 4 * c), nn.SiLU(), nn.Linear(4 * c, 4 * c))
        self.c = c
        self.inp = nn.Conv2d(4, c, 3, 1, 1)
        self.r1, self.down1 = ResBlock(c, c, 4 * c), nn.Conv2d(c, c, 3, 2, 1)
        self.r2, self.t2, self.down2 = ResBlock(c, 2 * c, 4 * c), SpatialTransformer(2 * c, ctx), nn.Conv2d(2 * c, 2 * c, 3, 2, 1)
        self.mid1, self.midt, self.mid2 = ResBlock(2 * c, 2 * c, 4 * c), SpatialTransformer(2 * c, ctx), ResBlock(2 * c, 2 * c, 4 * c)
        self.u2, self.ut2 = ResBlock(4 * c, 2 * c, 4 * c), SpatialTransformer(2 * c, ctx)
        self.upc2 = nn.Conv2d(2 * c, 2 * c, 3, 1, 1)
        self.u1 = ResBlock(2 * c, c, 4 * c)
        self.upc1 = nn.Conv2d(2 * c, c, 3, 1, 1)
        self.out_n, self.out = nn.GroupNorm(8, c), nn.Conv2d(c, 4, 3, 1, 1)

    def forward(self, x, t, ctx):
        e = self.temb(timestep_embedding(t, self.c))
        h0 = self.inp(x)
        h1 = self.r1(h0, e)
        h2 = self.t2(self.r2(self.down1(h1), e), ctx)
        m = self.down2(h2)
        m = self.mid2(self.midt(self.mid1(m, e), ctx), e)
        u = self.upc2(F.interpolate(m, scale_factor=2.0, mode='nearest'))
        u = self.ut2(self.u2(torch.cat([u, h2], 1), e), ctx)
        u = self.upc1(F.interpolate(u, scale_factor=2.0, mode='nearest'))
        u = self.u1(torch.cat([u, h1], 1), e)
        return self.out(F.silu(self.out_n(u)))


# --- MobileViT block (apple/ml-cvnets unfolding: reshape / transpose into patches) ---
class MobileViTBlock(nn.Module):
    def __init__(self, c=32, d=48, ph=2, pw=2, depth=2):
        super().__init__()
        self.ph, self.pw = ph, pw
        self.local = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.SiLU(), nn.Conv2d(c, d, 1, bias=False))
        layer = nn.TransformerEncoderLayer(d, 4, 2 * d, dropout=0.0, activation='gelu', batch_first=True, norm_first=True)
        self.global_rep = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(d)
        self.proj = nn.Sequential(nn.Conv2d(d, c, 1), nn.BatchNorm2d(c), nn.SiLU())
        self.fusion = nn.Sequential(nn.Conv2d(2 * c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.SiLU())

    def unfolding(self, x):
        b, c, h, w = x.shape
        nh, nw = h // self.ph, w // self.pw
        n = nh * nw
        x = x.reshape(b * c * nh, self.ph, nw, self.pw).transpose(1, 2)
        x = x.reshape(b, c, n, self.ph * self.pw).transpose(1, 3)
        return x.reshape(b * self.ph * self.pw, n, c), (b, c, h, w, nh, nw)

    def folding(self, x, info):
        b, c, h, w, nh, nw = info
        x = x.contiguous().view(b, self.ph * self.pw, nh * nw, -1).transpose(1, 3)
        x = x.reshape(b * c * nh, nw, self.ph, self.pw).transpose(1, 2)
        return x.reshape(b, c, nh * self.ph, nw * self.pw)

    def forward(self, x):
        r = x
        p, info = self.unfolding(self.local(x))
        p = self.norm(self.global_rep(p))
        return self.fusion(torch.cat((r, self.proj(self.folding(p, info))), 1))


class MobileViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.SiLU(),
                                  nn.Conv2d(16, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU())
        self.b1 = MobileViTBlock(32, 48)
        self.down = nn.Sequential(nn.Conv2d(32, 48, 3, 2, 1), nn.BatchNorm2d(48), nn.SiLU())
        self.b2 = MobileViTBlock(48, 64)
        self.head = nn.Linear(48, 10)

    def forward(self, x):
        x = self.b2(self.down(self.b1(self.stem(x))))
        return self.head(x.mean((2, 3)))


# --- official ConvNeXt (facebookresearch/ConvNeXt: channels_first LayerNorm written out, channels_last nn.LayerNorm) ---
class LayerNormCF(nn.Module):
    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight, self.bias, self.eps = nn.Parameter(torch.ones(c) + 0.1 * torch.randn(c)), nn.Parameter(0.1 * torch.randn(c)), eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1, self.pwconv2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(0.5 * torch.ones(dim))

    def forward(self, x):
        r = x
        x = self.dwconv(x).permute(0, 2, 3, 1)
        x = self.pwconv2(F.gelu(self.pwconv1(self.norm(x))))
        return r + (self.gamma * x).permute(0, 3, 1, 2)


class ConvNeXt(nn.Module):
    def __init__(self, dims=(24, 48, 96), depths=(1, 2, 1)):
        super().__init__()
        layers = [nn.Conv2d(3, dims[0], 4, 4), LayerNormCF(dims[0])]
        for i, (dim, n) in enumerate(zip(dims, depths)):
            if i:
                layers += [LayerNormCF(dims[i - 1]), nn.Conv2d(dims[i - 1], dim, 2, 2)]
            layers += [ConvNeXtBlock(dim) for _ in range(n)]
        self.features = nn.Sequential(*layers)
        self.norm, self.head = nn.LayerNorm(dims[-1], eps=1e-6), nn.Linear(dims[-1], 10)

    def forward(self, x):
        return self.head(self.norm(self.features(x).mean([-2, -1])))


# --- ConvNeXt V2 block (facebookresearch/ConvNeXt-V2: GRN, global response normalization, channels last) ---
class GRN(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gamma, self.beta = nn.Parameter(0.1 * torch.randn(1, 1, 1, dim)), nn.Parameter(0.1 * torch.randn(1, 1, 1, dim))

    def forward(self, x):
        gx = torch.norm(x, p=2, dim=(1, 2), keepdim=True)
        nx = gx / (gx.mean(dim=-1, keepdim=True) + 1e-6)
        return self.gamma * (x * nx) + self.beta + x


class ConvNeXtV2(nn.Module):
    def __init__(self, dim=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dim, 4, 4), LayerNormCF(dim))
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm, self.pw1, self.grn, self.pw2 = nn.LayerNorm(dim, eps=1e-6), nn.Linear(dim, 4 * dim), GRN(4 * dim), nn.Linear(4 * dim, dim)
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        x = self.stem(x)
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.pw2(self.grn(F.gelu(self.pw1(self.norm(y)))))
        x = x + y.permute(0, 3, 1, 2)
        return self.head(x.mean([-2, -1]))

