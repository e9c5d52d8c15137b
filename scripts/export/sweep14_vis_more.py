"""Fourteenth sweep, backbones / restoration / 3-D (docs/model-sweep.md): MViTv2 (pooling attention with decomposed
relative positions, residual pooling), HAT (hybrid attention: window attention + channel attention, overlapping
cross-attention by nn.Unfold), UNETR and Swin-UNETR (MONAI, 3-D volumes: ViT on 3-D patches, 3-D shifted windows),
VoxelMorph (3-D U-Net and a 5-D grid_sample spatial transformer), Point Transformer (vector attention over kNN
neighbourhoods, farthest point sampling) in plain torch.nn with the projects' math (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# --- MViTv2 ---

def rel_pos(q_size, k_size, table):
    """get_rel_pos: the table rows at (q · max(k/q, 1) − k · max(q/k, 1)) + (k − 1) · max(q/k, 1) (same-size tables)."""
    qr, kr = max(k_size / q_size, 1.0), max(q_size / k_size, 1.0)
    d = (torch.arange(q_size)[:, None] * qr - torch.arange(k_size)[None, :] * kr) + (k_size - 1) * kr
    return table[d.long()]


class PoolAttn(nn.Module):
    def __init__(self, dim, out, heads, q_stride, kv_stride, size):
        super().__init__()
        self.h, self.out = heads, out
        hd = out // heads
        self.qkv, self.proj = nn.Linear(dim, 3 * out), nn.Linear(out, out)
        self.pq, self.pk, self.pv = (nn.Conv2d(hd, hd, 3, s, 1, groups=hd, bias=False) for s in (q_stride, kv_stride, kv_stride))
        self.nq, self.nk, self.nv = nn.LayerNorm(hd), nn.LayerNorm(hd), nn.LayerNorm(hd)
        qs, ks = size // q_stride, size // kv_stride
        self.qs, self.ks = qs, ks
        r = 2 * max(qs, ks) - 1
        self.rel_h, self.rel_w = nn.Parameter(0.02 * torch.randn(r, hd)), nn.Parameter(0.02 * torch.randn(r, hd))

    def pool(self, x, conv, norm, hw):
        b, h, n, d = x.shape
        x = conv(x.reshape(b * h, hw[0], hw[1], d).permute(0, 3, 1, 2))
        hw = x.shape[2:]
        x = x.reshape(b, h, d, -1).transpose(2, 3)
        return norm(x), hw

    def forward(self, x, hw):
        b, n, _ = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q, qhw = self.pool(q, self.pq, self.nq, hw)
        k, khw = self.pool(k, self.pk, self.nk, hw)
        v, _ = self.pool(v, self.pv, self.nv, hw)
        d = q.shape[-1]
        attn = (q * d ** -0.5) @ k.transpose(-2, -1)
        # add_decomposed_rel_pos
        Rh, Rw = rel_pos(qhw[0], khw[0], self.rel_h), rel_pos(qhw[1], khw[1], self.rel_w)
        rq = q.reshape(b, self.h, qhw[0], qhw[1], d)
        relh = torch.einsum('byhwc,hkc->byhwk', rq, Rh)
        relw = torch.einsum('byhwc,wkc->byhwk', rq, Rw)
        attn = attn.view(b, self.h, qhw[0], qhw[1], khw[0], khw[1]) + relh[..., :, None] + relw[..., None, :]
        attn = attn.view(b, self.h, qhw[0] * qhw[1], khw[0] * khw[1]).softmax(-1)
        x = attn @ v + q  # residual pooling
        return self.proj(x.transpose(1, 2).reshape(b, -1, self.out)), qhw


class MViTBlock(nn.Module):
    def __init__(self, dim, out, heads, q_stride, kv_stride, size):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(out, eps=1e-6)
        self.attn = PoolAttn(dim, out, heads, q_stride, kv_stride, size)
        self.mlp = nn.Sequential(nn.Linear(out, 4 * out), nn.GELU(), nn.Linear(4 * out, out))
        self.proj = nn.Linear(dim, out) if dim != out else None
        self.q_stride = q_stride

    def forward(self, x, hw):
        y = self.n1(x)
        a, nhw = self.attn(y, hw)
        sc = self.proj(y) if self.proj is not None else x
        if self.q_stride > 1:
            b, n, c = sc.shape
            sc = F.max_pool2d(sc.transpose(1, 2).reshape(b, c, hw[0], hw[1]), 3, self.q_stride, 1).flatten(2).transpose(1, 2)
        x = sc + a
        return x + self.mlp(self.n2(x)), nhw


class MViTv2(nn.Module):
    """MViTv2-T-ish on 160²: 7×7 s4 patch embed, stages 1 / 2 / 3 / 1 blocks (dims 48 → 384, heads 1 → 8), q pooled ×2
    at each stage's first block, kv strides 4 / 2 / 1 / 1 (adaptive), dim_mul_in_att, mean-pooled tokens, head."""

    def __init__(self, e=48, size=160, nc=1000):
        super().__init__()
        self.patch = nn.Conv2d(3, e, 7, 4, 3)
        g = size // 4
        self.blocks = nn.ModuleList()
        dim = e
        kv = 4
        for s, n in enumerate((1, 2, 3, 1)):
            out = e * 2 ** s
            for j in range(n):
                qs = 2 if (j == 0 and s > 0) else 1
                if qs == 2:
                    kv = max(kv // 2, 1)
                self.blocks.append(MViTBlock(dim, out, 2 ** s, qs, kv, g))
                g //= qs
                dim = out
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, nc)

    def forward(self, x):
        x = self.patch(x)
        hw = x.shape[2:]
        x = x.flatten(2).transpose(1, 2)
        for blk in self.blocks:
            x, hw = blk(x, hw)
        return self.head(self.norm(x.mean(1))).softmax(-1)


# --- HAT ---

def win_part(x, ws):
    b, h, w, c = x.shape
    return x.view(b, h // ws, ws, w // ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, c)


def win_rev(x, ws, h, w):
    b = x.shape[0] // (h * w // ws // ws)
    return x.view(b, h // ws, w // ws, ws, ws, -1).permute(0, 1, 3, 2, 4, 5).reshape(b, h, w, -1)


def rel_index(wq, wk):
    """Relative position index between a wq² query window and a wk² key window (HAT's calculate_rpi_oca)."""
    cq = torch.stack(torch.meshgrid(torch.arange(wq), torch.arange(wq), indexing='ij')).flatten(1)
    ck = torch.stack(torch.meshgrid(torch.arange(wk), torch.arange(wk), indexing='ij')).flatten(1)
    rel = ck[:, None, :] - cq[:, :, None] + wq - 1
    return rel[0] * (wq + wk - 1) + rel[1]


class HAB(nn.Module):
    """Hybrid attention block: (shifted) window attention with a relative position bias + 0.01 × channel attention
    block (conv → GELU → conv → squeeze-excitation) on the same normed input, MLP."""

    def __init__(self, c, ws, heads, shift):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.table = nn.Parameter(0.02 * torch.randn((2 * ws - 1) ** 2, heads))
        self.register_buffer('rpi', rel_index(ws, ws).flatten())
        self.cab = nn.Sequential(nn.Conv2d(c, c // 3, 3, 1, 1), nn.GELU(), nn.Conv2d(c // 3, c, 3, 1, 1),
                                 nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // 8, 1), nn.ReLU(), nn.Conv2d(c // 8, c, 1), nn.Sigmoid())
        self.cab_body = self.cab[:3]
        self.mlp = nn.Sequential(nn.Linear(c, 2 * c), nn.GELU(), nn.Linear(2 * c, c))
        self.ws, self.h, self.shift = ws, heads, shift

    def forward(self, x, hw, mask):
        h, w = hw
        b, n, c = x.shape
        y = self.n1(x).view(b, h, w, c)
        cf = y.permute(0, 3, 1, 2)
        body = self.cab_body(cf)
        conv_x = (body * self.cab[3:](body)).permute(0, 2, 3, 1).reshape(b, n, c)
        if self.shift:
            y = torch.roll(y, (-self.ws // 2, -self.ws // 2), (1, 2))
        t = win_part(y, self.ws)
        bw, m, _ = t.shape
        qkv = self.qkv(t).reshape(bw, m, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = qkv[0] * (c // self.h) ** -0.5 @ qkv[1].transpose(-2, -1)
        a = a + self.table[self.rpi].view(m, m, -1).permute(2, 0, 1)[None]
        if mask is not None:
            nw = mask.shape[0]
            a = a.view(bw // nw, nw, self.h, m, m) + mask[None, :, None]
            a = a.view(-1, self.h, m, m)
        t = self.proj((a.softmax(-1) @ qkv[2]).transpose(1, 2).reshape(bw, m, c))
        y = win_rev(t, self.ws, h, w)
        if self.shift:
            y = torch.roll(y, (self.ws // 2, self.ws // 2), (1, 2))
        x = x + y.reshape(b, n, c) + 0.01 * conv_x
        return x + self.mlp(self.n2(x))


class OCAB(nn.Module):
    """Overlapping cross-attention: queries from ws² windows, keys / values from overlapping (1.5·ws)² windows cut by
    nn.Unfold (kernel ows, stride ws, padding (ows − ws) / 2), relative position bias between the two sizes."""

    def __init__(self, c, ws, heads, ratio=0.5):
        super().__init__()
        self.ows = int(ws * (1 + ratio))
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.unfold = nn.Unfold((self.ows, self.ows), stride=ws, padding=(self.ows - ws) // 2)
        self.table = nn.Parameter(0.02 * torch.randn((ws + self.ows - 1) ** 2, heads))
        self.register_buffer('rpi', rel_index(ws, self.ows).flatten())
        self.mlp = nn.Sequential(nn.Linear(c, 2 * c), nn.GELU(), nn.Linear(2 * c, c))
        self.ws, self.h = ws, heads

    def forward(self, x, hw):
        h, w = hw
        b, n, c = x.shape
        qkv = self.qkv(self.n1(x)).view(b, h, w, 3, c).permute(3, 0, 4, 1, 2)  # 3, b, c, h, w
        q = win_part(qkv[0].permute(0, 2, 3, 1), self.ws)
        kv = self.unfold(torch.cat([qkv[1], qkv[2]], 1))  # b, 2c·ows², nw
        kv = kv.view(b, 2, c, self.ows * self.ows, -1).permute(1, 0, 4, 3, 2).reshape(2, -1, self.ows * self.ows, c)
        k, v = kv[0], kv[1]
        bw, nq, _ = q.shape
        d = c // self.h
        q = q.view(bw, nq, self.h, d).transpose(1, 2)
        k = k.view(bw, -1, self.h, d).transpose(1, 2)
        v = v.view(bw, -1, self.h, d).transpose(1, 2)
        a = q * d ** -0.5 @ k.transpose(-2, -1)
        a = a + self.table[self.rpi].view(nq, self.ows * self.ows, -1).permute(2, 0, 1)[None]
        t = (a.softmax(-1) @ v).transpose(1, 2).reshape(bw, nq, c)
        x = x + self.proj(win_rev(t, self.ws, h, w).reshape(b, n, c))
        return x + self.mlp(self.n2(x))


class HAT(nn.Module):
    """HAT-S-ish ×2 on 64²: mean-shifted input, 3×3 shallow conv, 2 RHAGs (4 HABs alternating shift, 1 OCAB, 3×3 conv,
    residual), norm, conv after body, pixel-shuffle ×2 upsampling, mean added back."""

    def __init__(self, c=48, ws=8, heads=4, size=64):
        super().__init__()
        self.first = nn.Conv2d(3, c, 3, 1, 1)
        self.groups = nn.ModuleList()
        for _ in range(2):
            self.groups.append(nn.ModuleList([HAB(c, ws, heads, i % 2 == 1) for i in range(4)] + [OCAB(c, ws, heads), nn.Conv2d(c, c, 3, 1, 1)]))
        self.norm = nn.LayerNorm(c)
        self.after = nn.Conv2d(c, c, 3, 1, 1)
        self.up = nn.Sequential(nn.Conv2d(c, 64, 3, 1, 1), nn.LeakyReLU(), nn.Conv2d(64, 4 * 64, 3, 1, 1), nn.PixelShuffle(2), nn.Conv2d(64, 3, 3, 1, 1))
        self.ws = ws
        # SwinIR / HAT's calculate_mask for the shifted windows
        img = torch.zeros(1, size, size, 1)
        cnt = 0
        for hs in (slice(0, -ws), slice(-ws, -ws // 2), slice(-ws // 2, None)):
            for wsl in (slice(0, -ws), slice(-ws, -ws // 2), slice(-ws // 2, None)):
                img[:, hs, wsl, :] = cnt
                cnt += 1
        mw = win_part(img, ws).squeeze(-1)
        m = mw[:, None, :] - mw[:, :, None]
        self.register_buffer('mask', m.masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0))

    def forward(self, x):
        mean = torch.tensor([0.4488, 0.4371, 0.4040]).view(1, 3, 1, 1)
        x = x - mean
        f = self.first(x)
        b, c, h, w = f.shape
        t = f.flatten(2).transpose(1, 2)
        for g in self.groups:
            r = t
            for i, blk in enumerate(g[:4]):
                t = blk(t, (h, w), self.mask if i % 2 == 1 else None)
            t = g[4](t, (h, w))
            t = g[5](t.transpose(1, 2).reshape(b, c, h, w)).flatten(2).transpose(1, 2) + r
        t = self.norm(t).transpose(1, 2).reshape(b, c, h, w)
        f = self.after(t) + f
        return self.up(f) + mean


# --- UNETR / Swin-UNETR (MONAI) ---

def conv3(i, o, k=3, s=1):
    return nn.Sequential(nn.Conv3d(i, o, k, s, k // 2, bias=False), nn.InstanceNorm3d(o, affine=True), nn.LeakyReLU(0.01))


class ResBlock3(nn.Module):
    """UnetResBlock: conv-norm-lrelu, conv-norm, 1×1×1 projection of the input when channels change."""

    def __init__(self, i, o):
        super().__init__()
        self.c1, self.c2 = conv3(i, o), nn.Sequential(nn.Conv3d(o, o, 3, 1, 1, bias=False), nn.InstanceNorm3d(o, affine=True))
        self.skip = nn.Sequential(nn.Conv3d(i, o, 1, bias=False), nn.InstanceNorm3d(o, affine=True)) if i != o else None

    def forward(self, x):
        return F.leaky_relu(self.c2(self.c1(x)) + (self.skip(x) if self.skip is not None else x), 0.01)


class UpBlock3(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.up = nn.ConvTranspose3d(i, o, 2, 2, bias=False)
        self.res = ResBlock3(2 * o, o)

    def forward(self, x, skip):
        return self.res(torch.cat([self.up(x), skip], 1))


class UNETR(nn.Module):
    """MONAI UNETR on a 1 × 32³ volume, 8³ patches (4³ tokens), hidden 96, 6 layers (MONAI's ViT with learned
    positions), skips from layers 2 / 4 / 6 projected up by UnetrPrUpBlock stacks of ConvTranspose3d, UnetrUpBlocks,
    a 1×1×1 output conv to 3 classes."""

    def __init__(self, hid=96, f=8, nc=3):
        super().__init__()
        self.patch = nn.Conv3d(1, hid, 8, 8)
        self.pos = nn.Parameter(0.02 * torch.randn(1, 64, hid))
        self.layers = nn.ModuleList(nn.TransformerEncoderLayer(hid, 4, 4 * hid, 0.0, activation='gelu', batch_first=True, norm_first=True) for _ in range(6))
        self.norm = nn.LayerNorm(hid)
        self.enc1 = ResBlock3(1, f)
        self.enc2 = nn.Sequential(nn.ConvTranspose3d(hid, 2 * f, 2, 2, bias=False), nn.ConvTranspose3d(2 * f, 2 * f, 2, 2, bias=False), conv3(2 * f, 2 * f))
        self.enc3 = nn.Sequential(nn.ConvTranspose3d(hid, 4 * f, 2, 2, bias=False), conv3(4 * f, 4 * f))
        self.dec4 = UpBlock3(hid, 4 * f)
        self.dec3 = UpBlock3(4 * f, 2 * f)
        self.dec2 = UpBlock3(2 * f, f)
        self.out = nn.Conv3d(f, nc, 1)

    def forward(self, x):
        t = self.patch(x).flatten(2).transpose(1, 2) + self.pos
        hs = []
        for layer in self.layers:
            t = layer(t)
            hs.append(t)
        vol = lambda z: z.transpose(1, 2).reshape(1, -1, 4, 4, 4)  # noqa: E731
        e1 = self.enc1(x)
        e2 = self.enc2(vol(hs[1]))
        e3 = self.enc3(vol(hs[3]))
        d = self.dec4(vol(self.norm(t)), e3)
        d = self.dec3(d, e2)
        d = self.dec2(d, e1)
        return self.out(d)


def win3(x, ws):
    """MONAI window_partition for 5-D: [B, D, H, W, C] → [B·nw, ws³, C] (a rank-8 view)."""
    b, d, h, w, c = x.shape
    x = x.view(b, d // ws, ws, h // ws, ws, w // ws, ws, c).permute(0, 1, 3, 5, 2, 4, 6, 7)
    return x.reshape(-1, ws ** 3, c)


def win3_rev(x, ws, dims):
    d, h, w = dims
    b = x.shape[0] // (d * h * w // ws ** 3)
    x = x.view(b, d // ws, h // ws, w // ws, ws, ws, ws, -1).permute(0, 1, 4, 2, 5, 3, 6, 7)
    return x.reshape(b, d, h, w, -1)


class SwinBlock3(nn.Module):
    def __init__(self, c, heads, ws, shift):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.table = nn.Parameter(0.02 * torch.randn((2 * ws - 1) ** 3, heads))
        co = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), torch.arange(ws), indexing='ij')).flatten(1)
        rel = (co[:, :, None] - co[:, None, :]).permute(1, 2, 0) + ws - 1
        self.register_buffer('rpi', (rel[..., 0] * (2 * ws - 1) ** 2 + rel[..., 1] * (2 * ws - 1) + rel[..., 2]).flatten())
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
        self.ws, self.h, self.shift = ws, heads, shift

    def forward(self, x, mask):
        b, d, h, w, c = x.shape
        y = self.n1(x)
        s = self.ws // 2
        if self.shift:
            y = torch.roll(y, (-s, -s, -s), (1, 2, 3))
        t = win3(y, self.ws)
        bw, m, _ = t.shape
        qkv = self.qkv(t).reshape(bw, m, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = qkv[0] * (c // self.h) ** -0.5 @ qkv[1].transpose(-2, -1)
        a = a + self.table[self.rpi].view(m, m, -1).permute(2, 0, 1)[None]
        if self.shift:
            nw = mask.shape[0]
            a = (a.view(bw // nw, nw, self.h, m, m) + mask[None, :, None]).view(-1, self.h, m, m)
        t = self.proj((a.softmax(-1) @ qkv[2]).transpose(1, 2).reshape(bw, m, c))
        y = win3_rev(t, self.ws, (d, h, w))
        if self.shift:
            y = torch.roll(y, (s, s, s), (1, 2, 3))
        x = x + y
        return x + self.mlp(self.n2(x))


class SwinUNETR(nn.Module):
    """MONAI SwinUNETR (feature_size 12) on 1 × 32³: 2³ patch embed, 3 stages of a plain + a shifted 3-D window block
    (window 4³, MONAI's compute_mask over 27 regions), patch merging (8 neighbours concatenated, LayerNorm, Linear),
    normalized hidden states (layer norm without weights, as `proj_out`), UnetrBasicBlock encoders, UnetrUpBlocks."""

    def __init__(self, f=12, nc=3, size=32, ws=4):
        super().__init__()
        self.patch = nn.Conv3d(1, f, 2, 2)
        self.stages = nn.ModuleList()
        self.merges = nn.ModuleList()
        dims = [f, 2 * f, 4 * f]
        for i, c in enumerate(dims):
            # heads c / 4; no shift where the map is no bigger than the window (MONAI's get_window_size)
            self.stages.append(nn.ModuleList([SwinBlock3(c, c // 4, ws, False), SwinBlock3(c, c // 4, ws, size // 2 ** (i + 1) > ws)]))
            self.merges.append(nn.Sequential(nn.LayerNorm(8 * c), nn.Linear(8 * c, 2 * c, bias=False)))
        self.enc0, self.enc1, self.enc2, self.enc3 = ResBlock3(1, f), ResBlock3(f, f), ResBlock3(2 * f, 2 * f), ResBlock3(4 * f, 4 * f)
        self.bott = ResBlock3(8 * f, 8 * f)
        self.dec3, self.dec2, self.dec1, self.dec0 = UpBlock3(8 * f, 4 * f), UpBlock3(4 * f, 2 * f), UpBlock3(2 * f, f), UpBlock3(f, f)
        self.out = nn.Conv3d(f, nc, 1)
        self.masks = []
        for k, s in enumerate((size // 2, size // 4, size // 8)):
            img = torch.zeros(1, s, s, s, 1)
            cnt = 0
            sl = (slice(0, -ws), slice(-ws, -ws // 2), slice(-ws // 2, None))
            for a in sl:
                for b in sl:
                    for c in sl:
                        img[:, a, b, c, :] = cnt
                        cnt += 1
            mw = win3(img, ws).squeeze(-1)
            m = mw[:, None, :] - mw[:, :, None]
            self.register_buffer(f'mask{k}', m.masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0))

    @staticmethod
    def merge(x, lin):
        x0, x1, x2, x3 = x[:, 0::2, 0::2, 0::2], x[:, 1::2, 0::2, 0::2], x[:, 0::2, 1::2, 0::2], x[:, 0::2, 0::2, 1::2]
        x4, x5, x6, x7 = x[:, 1::2, 0::2, 1::2], x[:, 0::2, 1::2, 0::2], x[:, 0::2, 0::2, 1::2], x[:, 1::2, 1::2, 1::2]
        return lin(torch.cat([x0, x1, x2, x3, x4, x5, x6, x7], -1))

    @staticmethod
    def proj_out(x):
        return F.layer_norm(x, x.shape[-1:]).permute(0, 4, 1, 2, 3)

    def forward(self, x):
        h0 = self.patch(x)
        t = h0.permute(0, 2, 3, 4, 1)
        hidden = [self.proj_out(t)]
        for k, (blocks, merge) in enumerate(zip(self.stages, self.merges)):
            mask = getattr(self, f'mask{k}')
            for blk in blocks:
                t = blk(t, mask)
            t = self.merge(t, merge)
            hidden.append(self.proj_out(t))
        e0 = self.enc0(x)
        e1 = self.enc1(hidden[0])
        e2 = self.enc2(hidden[1])
        e3 = self.enc3(hidden[2])
        d = self.dec3(self.bott(hidden[3]), e3)
        d = self.dec2(d, e2)
        d = self.dec1(d, e1)
        d = self.dec0(d, e0)
        return self.out(d)


# --- VoxelMorph ---

class VoxelMorph(nn.Module):
    """voxelmorph (torch backend) VxmDense on 32³: moving and fixed concatenated, U-Net (enc 16 / 32 / 32 / 32 with
    stride-2 max pools, dec 32 / 32 / 32 / 32, extra 32 / 16 / 16 convs, LeakyReLU 0.2, nearest ups), the flow conv
    (3 channels), SpatialTransformer: identity grid + flow, normalised 2·(x / (size − 1) − ½), channels reversed to
    (x, y, z), 5-D grid_sample bilinear align_corners=True; moved image and flow out."""

    def __init__(self):
        super().__init__()
        enc, dec = [16, 32, 32, 32], [32, 32, 32, 32, 32, 16, 16]
        act = lambda i, o: nn.Sequential(nn.Conv3d(i, o, 3, 1, 1), nn.LeakyReLU(0.2))  # noqa: E731
        self.down = nn.ModuleList()
        c = 2
        hist = []
        for o in enc:
            self.down.append(act(c, o))
            hist.append(o)
            c = o
        self.up = nn.ModuleList()
        for i, o in enumerate(dec[:len(enc)]):
            self.up.append(act(c if i == 0 else c + hist[-(i)], o))
            c = o
        c = c + hist[0]
        self.extra = nn.ModuleList()
        for o in dec[len(enc):]:
            self.extra.append(act(c, o))
            c = o
        self.flow = nn.Conv3d(c, 3, 3, 1, 1)
        nn.init.normal_(self.flow.weight, 0, 1e-2)
        nn.init.zeros_(self.flow.bias)

    def forward(self, source, target):
        x = torch.cat([source, target], 1)
        hist = []
        for conv in self.down:
            x = conv(x)
            hist.append(x)
            x = F.max_pool3d(x, 2)
        for i, conv in enumerate(self.up):
            x = conv(x)
            x = F.interpolate(x, scale_factor=2.0, mode='nearest')
            x = torch.cat([x, hist[-(i + 1)]], 1)
        for conv in self.extra:
            x = conv(x)
        flow = self.flow(x) * 10
        d, h, w = flow.shape[2:]
        grid = torch.stack(torch.meshgrid(torch.arange(d), torch.arange(h), torch.arange(w), indexing='ij')).float()[None]
        loc = grid + flow
        sizes = torch.tensor([d, h, w], dtype=torch.float32).view(1, 3, 1, 1, 1)
        loc = 2 * (loc / (sizes - 1) - 0.5)
        loc = loc.permute(0, 2, 3, 4, 1)[..., [2, 1, 0]]
        moved = F.grid_sample(source, loc, align_corners=True, mode='bilinear')
        return moved, flow


# --- Point Transformer ---

def knn(q, p, k):
    """Indices of the k nearest points of p [B, M, 3] to each of q [B, N, 3] (pointops.knnquery as a TopK)."""
    d = (q[:, :, None, :] - p[:, None, :, :]).pow(2).sum(-1)
    return d.topk(k, dim=-1, largest=False)[1]


def gather_rows(x, idx):
    """x [B, M, C], idx [B, N, K] → [B, N, K, C]."""
    b, n, k = idx.shape
    return x.gather(1, idx.reshape(b, n * k, 1).expand(-1, -1, x.shape[-1])).view(b, n, k, -1)


def fps(p, n):
    """Farthest point sampling from index 0, unrolled by the trace (pointops.furthestsampling)."""
    b, m, _ = p.shape
    idx = torch.zeros(b, 1, dtype=torch.long)
    dist = torch.full((b, m), 1e10)
    last = p[:, :1]
    for _ in range(n - 1):
        dist = torch.minimum(dist, (p - last).pow(2).sum(-1))
        nxt = dist.argmax(-1, keepdim=True)
        idx = torch.cat([idx, nxt], 1)
        last = p.gather(1, nxt[..., None].expand(-1, -1, 3))
    return idx


class PTLayer(nn.Module):
    """PointTransformerLayer: q / k / v, δ = MLP(p_j − p_i) (BN folded away: Linear-ReLU-Linear), vector attention
    w = softmax_j(MLP(k_j − q_i + δ)) shared over 8 planes, out_i = Σ_j w ⊙ (v_j + δ)."""

    def __init__(self, c, k=8, share=8):
        super().__init__()
        self.q, self.kk, self.v = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)
        self.pe = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, c))
        self.w = nn.Sequential(nn.LayerNorm(c), nn.ReLU(), nn.Linear(c, c // share), nn.ReLU(), nn.Linear(c // share, c // share))
        self.k, self.s = k, share

    def forward(self, p, x):
        idx = knn(p, p, self.k)
        q, kx, v = self.q(x), gather_rows(self.kk(x), idx), gather_rows(self.v(x), idx)
        dp = gather_rows(p, idx) - p[:, :, None]
        pe = self.pe(dp)
        w = self.w(kx - q[:, :, None] + pe).softmax(2)  # [B, N, K, C/s]
        b, n, k, c = v.shape
        out = ((v + pe).view(b, n, k, self.s, c // self.s) * w[:, :, :, None, :]).sum(2)
        return out.reshape(b, n, c)


class PointTransformer(nn.Module):
    """Point Transformer classification (PointTransformerCls, reduced): per stage TransitionDown (FPS to N/4, kNN 8,
    Linear + ReLU on [p_j − p_i, x_j], max over neighbours) then a residual block (Linear, PT layer, Linear); global
    mean, MLP to 40 classes."""

    def __init__(self, dims=(32, 64, 128), nc=40):
        super().__init__()
        self.inp = nn.Sequential(nn.Linear(3, dims[0]), nn.ReLU())
        self.down = nn.ModuleList(nn.Sequential(nn.Linear(3 + a, b), nn.ReLU()) for a, b in zip(dims, dims[1:]))
        self.blocks = nn.ModuleList(nn.ModuleList([nn.Linear(c, c), PTLayer(c), nn.Linear(c, c)]) for c in dims)
        self.head = nn.Sequential(nn.Linear(dims[-1], 64), nn.ReLU(), nn.Linear(64, nc))

    def block(self, i, p, x):
        l1, pt, l2 = self.blocks[i]
        return F.relu(x + l2(F.relu(pt(p, F.relu(l1(x))))))

    def forward(self, points):
        p = points
        x = self.block(0, p, self.inp(p))
        for i, down in enumerate(self.down):
            n = p.shape[1] // 4
            ni = fps(p, n)
            np_ = p.gather(1, ni[..., None].expand(-1, -1, 3))
            idx = knn(np_, p, 8)
            g = torch.cat([gather_rows(p, idx) - np_[:, :, None], gather_rows(x, idx)], -1)
            x = down(g).max(2)[0]
            p = np_
            x = self.block(i + 1, p, x)
        return self.head(x.mean(1))


# --- SeaFormer / RTFormer (mobile real-time segmentation with attention) ---

def cbn(i, o, k=1, s=1, g=1, act=None):
    layers = [nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o)]
    return nn.Sequential(*layers, act) if act is not None else nn.Sequential(*layers)


class InvRes(nn.Module):
    def __init__(self, i, o, s, e=4, k=3):
        super().__init__()
        h = i * e
        self.body = nn.Sequential(cbn(i, h, act=nn.ReLU()), cbn(h, h, k, s, h, nn.ReLU()), cbn(h, o))
        self.res = s == 1 and i == o

    def forward(self, x):
        y = self.body(x)
        return x + y if self.res else y


class SeaAttention(nn.Module):
    """Sea_Attention: q / k / v 1×1 conv-BN; detail enhancement (depthwise 3×3 + ReLU + 1×1 on q‖k‖v); squeeze axial
    attention: q / k / v averaged over W (rows) and over H (columns) plus learned axial positions (interpolated to
    the map), per-head softmax attention along each axis, the two broadcast-added back to the map, + v, ReLU, 1×1,
    sigmoid-gated by the detail branch."""

    def __init__(self, c, kd=16, heads=4, size=16):
        super().__init__()
        self.h, self.kd = heads, kd
        self.q, self.k, self.v = cbn(c, kd * heads), cbn(c, kd * heads), cbn(c, 2 * kd * heads)
        t = 4 * kd * heads
        self.dw = cbn(t, t, 3, 1, t, nn.ReLU())
        self.pw = cbn(t, c)
        self.proj = nn.Sequential(nn.ReLU(), cbn(2 * kd * heads, c))
        self.proj_row, self.proj_col = nn.Sequential(nn.ReLU(), cbn(2 * kd * heads, 2 * kd * heads)), nn.Sequential(nn.ReLU(), cbn(2 * kd * heads, 2 * kd * heads))
        self.pos_rq, self.pos_rk = nn.Parameter(torch.randn(1, kd * heads, 16)), nn.Parameter(torch.randn(1, kd * heads, 16))
        self.pos_cq, self.pos_ck = nn.Parameter(torch.randn(1, kd * heads, 16)), nn.Parameter(torch.randn(1, kd * heads, 16))

    def axial(self, q, k, v, pq, pk):
        b, _, n = q.shape
        q = (q + F.interpolate(pq, size=n, mode='linear', align_corners=False)).view(b, self.h, -1, n).permute(0, 1, 3, 2)
        k = (k + F.interpolate(pk, size=n, mode='linear', align_corners=False)).view(b, self.h, -1, n)
        v = v.view(b, self.h, -1, n).permute(0, 1, 3, 2)
        a = (q @ k * self.kd ** -0.5).softmax(-1)
        return (a @ v).permute(0, 1, 3, 2).reshape(b, -1, n)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.q(x), self.k(x), self.v(x)
        detail = self.pw(self.dw(torch.cat([q, k, v], 1)))
        row = self.proj_row(self.axial(q.mean(-1), k.mean(-1), v.mean(-1), self.pos_rq, self.pos_rk)[..., None])
        col = self.proj_col(self.axial(q.mean(-2), k.mean(-2), v.mean(-2), self.pos_cq, self.pos_ck)[..., None, :].squeeze(-2).unsqueeze(-2))
        xx = self.proj(v + row + col)
        return torch.sigmoid(xx) * detail


class SeaFormer(nn.Module):
    """SeaFormer-Tiny-ish on 512²: MobileNetV2 stem to 1/8 (shared local branch), inverted residuals to 1/16 and 1/32,
    2 SeaFormer blocks (Sea_Attention + conv MLP) at each of those, fusion blocks (1/8 local × sigmoid(upsampled
    global)), a 1×1 head, logits at 1/8 (as its export: resized by the caller)."""

    def __init__(self, nc=150):
        super().__init__()
        self.stem = nn.Sequential(cbn(3, 16, 3, 2, act=nn.ReLU()), InvRes(16, 16, 1, 1), InvRes(16, 24, 2), InvRes(24, 24, 1, 3),
                                  InvRes(24, 32, 2, 3, 5), InvRes(32, 32, 1, 3, 5))
        self.s16 = nn.Sequential(InvRes(32, 64, 2, 3), InvRes(64, 64, 1, 3))
        self.s32 = nn.Sequential(InvRes(64, 96, 2, 3, 5), InvRes(96, 96, 1, 3, 5))
        self.att16 = nn.ModuleList(SeaAttention(64) for _ in range(2))
        self.mlp16 = nn.ModuleList(nn.Sequential(cbn(64, 128, act=nn.ReLU()), cbn(128, 128, 3, 1, 128, nn.ReLU()), cbn(128, 64)) for _ in range(2))
        self.att32 = nn.ModuleList(SeaAttention(96) for _ in range(2))
        self.mlp32 = nn.ModuleList(nn.Sequential(cbn(96, 192, act=nn.ReLU()), cbn(192, 192, 3, 1, 192, nn.ReLU()), cbn(192, 96)) for _ in range(2))
        self.fuse_l1, self.fuse_g1 = cbn(32, 64), cbn(64, 64)
        self.fuse_l2, self.fuse_g2 = cbn(64, 64), cbn(96, 64)
        self.head = nn.Sequential(cbn(64, 64, act=nn.ReLU()), nn.Conv2d(64, nc, 1))

    def forward(self, x):
        x8 = self.stem(x)
        x16 = self.s16(x8)
        for a, m in zip(self.att16, self.mlp16):
            x16 = x16 + a(x16)
            x16 = x16 + m(x16)
        x32 = self.s32(x16)
        for a, m in zip(self.att32, self.mlp32):
            x32 = x32 + a(x32)
            x32 = x32 + m(x32)
        f = self.fuse_l1(x8) * torch.sigmoid(F.interpolate(self.fuse_g1(x16), size=x8.shape[2:], mode='bilinear', align_corners=False))
        f = self.fuse_l2(f) * torch.sigmoid(F.interpolate(self.fuse_g2(x32), size=x8.shape[2:], mode='bilinear', align_corners=False))
        return self.head(f)


class GFA(nn.Module):
    """RTFormer's GPU-friendly attention: external learnable keys / values (M = 64 slots) in 4 groups, grouped double
    normalization (softmax over the tokens, then L1 over the slots), out = attn · v; optionally a cross-resolution
    form whose keys / values come from the high-resolution branch pooled to 12² tokens."""

    def __init__(self, c, m=64, groups=4, cross=False):
        super().__init__()
        self.g, self.m = groups, m
        self.k = nn.Parameter(0.02 * torch.randn(m * groups, c // groups, 1, 1))
        self.v = nn.Parameter(0.02 * torch.randn(c, m * groups // groups * 1, 1, 1))
        self.cross = cross

    def forward(self, x):
        b, c, h, w = x.shape
        # conv by the keys (grouped 1×1): [B, G·M, H, W], double normalization per group
        a = F.conv2d(x, self.k, groups=self.g).view(b, self.g, self.m, h * w)
        a = a.softmax(-1)
        a = a / (a.sum(2, keepdim=True) + 1e-6)
        a = a.view(b, self.g * self.m, h, w)
        return F.conv2d(a.view(b * self.g, self.m, h, w).view(b, self.g * self.m, h, w), self.v.repeat(1, self.g, 1, 1) / self.g)


class RTFormer(nn.Module):
    """RTFormer-Slim-ish on 512×1024: DDRNet-like stem to 1/8, high (1/8) and low (1/16 → 1/32) branches, RTFormer
    blocks (GFA + FFN of 3×3 convs) on the low branch, bilateral fusion (low → high by 1×1 + bilinear up, high → low
    by strided 3×3), DAPPM-lite (avg pools 5 / 9 / global, 1×1, up, added), head at 1/8."""

    def __init__(self, c=32, nc=19):
        super().__init__()
        self.stem = nn.Sequential(cbn(3, c, 3, 2, act=nn.ReLU()), cbn(c, c, 3, 2, act=nn.ReLU()), cbn(c, c, 3, 1, act=nn.ReLU()),
                                  cbn(c, 2 * c, 3, 2, act=nn.ReLU()), cbn(2 * c, 2 * c, 3, 1, act=nn.ReLU()))
        self.low16 = nn.Sequential(cbn(2 * c, 4 * c, 3, 2, act=nn.ReLU()), cbn(4 * c, 4 * c, 3, 1, act=nn.ReLU()))
        self.high = nn.Sequential(cbn(2 * c, 2 * c, 3, 1, act=nn.ReLU()), cbn(2 * c, 2 * c, 3, 1))
        self.l2h, self.h2l = cbn(4 * c, 2 * c), cbn(2 * c, 4 * c, 3, 2)
        self.gfa = nn.ModuleList(GFA(4 * c) for _ in range(2))
        self.n = nn.ModuleList(nn.BatchNorm2d(4 * c) for _ in range(4))
        self.ffn = nn.ModuleList(nn.Sequential(nn.Conv2d(4 * c, 8 * c, 3, 1, 1), nn.GELU(), nn.Conv2d(8 * c, 4 * c, 3, 1, 1)) for _ in range(2))
        self.pool_convs = nn.ModuleList(cbn(4 * c, c, act=nn.ReLU()) for _ in range(4))
        self.dappm_out = cbn(4 * c, 2 * c)
        self.head = nn.Sequential(cbn(2 * c, 2 * c, 3, 1, act=nn.ReLU()), nn.Conv2d(2 * c, nc, 1))

    def forward(self, x):
        x = self.stem(x)
        lo = self.low16(x)
        hi = self.high(x)
        hi = F.relu(hi + F.interpolate(self.l2h(lo), size=hi.shape[2:], mode='bilinear', align_corners=False))
        lo = F.relu(lo + self.h2l(hi))
        for gfa, n1, n2, ffn in zip(self.gfa, self.n[0::2], self.n[1::2], self.ffn):
            lo = lo + gfa(n1(lo))
            lo = lo + ffn(n2(lo))
        h, w = lo.shape[2:]
        ps = [self.pool_convs[0](lo)]
        for k, conv in zip((5, 9), self.pool_convs[1:3]):
            ps.append(F.interpolate(conv(F.avg_pool2d(lo, k, 2, k // 2)), size=(h, w), mode='bilinear', align_corners=False))
        ps.append(self.pool_convs[3](lo.mean((2, 3), keepdim=True)).expand(-1, -1, h, w))
        lo = self.dappm_out(torch.cat(ps, 1))
        y = hi + F.interpolate(lo, size=hi.shape[2:], mode='bilinear', align_corners=False)
        return self.head(y)
