"""Twenty-sixth sweep's models, part 3 (scripts/export/sweep26_vis.py exports them): vision backbones, tracking, face
swapping, speaker, pitch and change detection — vHeat, MobileViG, MixFormerV2, inswapper, ReDimNet, FCPE, ChangeFormer. Plain torch.nn with the math of
the projects' public code, small widths, random weights."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def dct_matrix(n):
    k = torch.arange(n).float().unsqueeze(1)
    i = torch.arange(n).float().unsqueeze(0)
    m = torch.cos(math.pi * (i + 0.5) * k / n) * math.sqrt(2 / n)
    m[0] /= math.sqrt(2)
    return m


class Heat2D(nn.Module):
    """vHeat's heat conduction operator: DCT-II along H and W (products by constant cosine matrices), each frequency
    decayed by exp(−k·(ωh² + ωw²)) with k per channel from a frequency embedding, inverse DCT, LayerNorm, SiLU gate."""

    def __init__(self, c, h, w):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.lin = nn.Linear(c, 2 * c)
        self.register_buffer('ch', dct_matrix(h))
        self.register_buffer('cw', dct_matrix(w))
        wh = (math.pi * torch.arange(h).float() / h) ** 2
        ww = (math.pi * torch.arange(w).float() / w) ** 2
        self.register_buffer('omega', (wh[:, None] + ww[None, :]).unsqueeze(-1))  # [H, W, 1]
        self.freq_embed = nn.Parameter(torch.randn(h, w, c) * 0.1)
        self.to_k = nn.Sequential(nn.Linear(c, c), nn.ReLU())
        self.norm = nn.LayerNorm(c)
        self.out = nn.Linear(c, c)

    def forward(self, x):  # x [B, C, H, W]
        x = self.dw(x).permute(0, 2, 3, 1)
        x, z = self.lin(x).chunk(2, -1)  # [B, H, W, C]
        xd = torch.einsum('hi,biwc->bhwc', self.ch, x)
        xd = torch.einsum('wj,bhjc->bhwc', self.cw, xd)
        xd = xd * torch.exp(-self.omega * self.to_k(self.freq_embed))
        x = torch.einsum('ih,bhwc->biwc', self.ch, xd)
        x = torch.einsum('jw,bhwc->bhjc', self.cw, x)
        return self.out(self.norm(x) * F.silu(z)).permute(0, 3, 1, 2)


class VHeat(nn.Module):
    """vHeat (Wang CVPR 2025) tiny: conv stem to 1/4, heat-conduction blocks (Heat2D + MLP, layer-scaled residuals)
    in 2 stages with a strided-conv downsampling, classifier."""

    def __init__(self, img=96, dims=(32, 64), classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dims[0] // 2, 3, 2, 1), nn.BatchNorm2d(dims[0] // 2), nn.GELU(),
                                  nn.Conv2d(dims[0] // 2, dims[0], 3, 2, 1), nn.BatchNorm2d(dims[0]))
        s = img // 4
        self.s1 = nn.ModuleList([Heat2D(dims[0], s, s), Heat2D(dims[0], s, s)])
        self.down = nn.Sequential(nn.Conv2d(dims[0], dims[1], 3, 2, 1), nn.BatchNorm2d(dims[1]))
        self.s2 = nn.ModuleList([Heat2D(dims[1], s // 2, s // 2)])
        self.mlps = nn.ModuleList(nn.Sequential(nn.Conv2d(c, 2 * c, 1), nn.GELU(), nn.Conv2d(2 * c, c, 1)) for c in (dims[0], dims[0], dims[1]))
        self.head = nn.Linear(dims[1], classes)

    def forward(self, x):
        x = self.stem(x)
        for blk, mlp in zip(self.s1, self.mlps[:2]):
            x = x + blk(x)
            x = x + mlp(x)
        x = self.down(x)
        x = x + self.s2[0](x)
        x = x + self.mlps[2](x)
        return self.head(x.mean((2, 3)))


class SVGA(nn.Module):
    """MobileViG's sparse vision graph attention: max-relative features over every K-th row and column by torch.roll,
    [x, max(x_j − x)] through a grouped 1×1 conv and GELU, then an FFN."""

    def __init__(self, c, k=2):
        super().__init__()
        self.k = k
        self.fc = nn.Sequential(nn.Conv2d(2 * c, 2 * c, 1, groups=4), nn.BatchNorm2d(2 * c), nn.GELU(), nn.Conv2d(2 * c, c, 1), nn.BatchNorm2d(c))
        self.ffn = nn.Sequential(nn.Conv2d(c, 4 * c, 1), nn.BatchNorm2d(4 * c), nn.GELU(), nn.Conv2d(4 * c, c, 1), nn.BatchNorm2d(c))

    def forward(self, x):
        _, _, h, w = x.shape
        xj = x - x
        for i in range(self.k, h, self.k):
            xj = torch.max(xj, torch.roll(x, shifts=-i, dims=2) - x)
        for i in range(self.k, w, self.k):
            xj = torch.max(xj, torch.roll(x, shifts=-i, dims=3) - x)
        x = x + self.fc(torch.cat([x, xj], 1))
        return x + self.ffn(x)


class MobileViG(nn.Module):
    """MobileViG (Munir CVPRW 2023) tiny: conv stem, inverted residual blocks, strided downsampling, SVGA graph blocks
    on the last stages, classifier."""

    def __init__(self, classes=10):
        super().__init__()

        def ir(c):
            return nn.Sequential(nn.Conv2d(c, 4 * c, 1), nn.BatchNorm2d(4 * c), nn.GELU(), nn.Conv2d(4 * c, 4 * c, 3, 1, 1, groups=4 * c),
                                 nn.BatchNorm2d(4 * c), nn.GELU(), nn.Conv2d(4 * c, c, 1), nn.BatchNorm2d(c))
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.GELU(), nn.Conv2d(16, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.GELU())
        self.ir1, self.ir2 = ir(32), ir(32)
        self.down1 = nn.Sequential(nn.Conv2d(32, 48, 3, 2, 1), nn.BatchNorm2d(48))
        self.ir3 = ir(48)
        self.down2 = nn.Sequential(nn.Conv2d(48, 64, 3, 2, 1), nn.BatchNorm2d(64))
        self.g1, self.g2 = SVGA(64), SVGA(64)
        self.head = nn.Sequential(nn.Linear(64, 128), nn.GELU(), nn.Linear(128, classes))

    def forward(self, x):
        x = self.stem(x)
        x = x + self.ir1(x)
        x = x + self.ir2(x)
        x = self.down1(x)
        x = x + self.ir3(x)
        x = self.g2(self.g1(self.down2(x)))
        return self.head(x.mean((2, 3)))


class MixBlock(nn.Module):
    """MixFormer's asymmetric mixed attention: template tokens attend to the templates only, search and prediction
    tokens to everything."""

    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.h = heads

    def forward(self, x, nt):
        b, n, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, n, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        s = 1 / math.sqrt(d // self.h)
        at = ((q[:, :, :nt] @ k[:, :, :nt].transpose(-1, -2)) * s).softmax(-1) @ v[:, :, :nt]
        as_ = ((q[:, :, nt:] @ k.transpose(-1, -2)) * s).softmax(-1) @ v
        x = x + self.proj(torch.cat([at, as_], 2).transpose(1, 2).reshape(b, n, d))
        return x + self.mlp(self.ln2(x))


class MixFormerV2(nn.Module):
    """MixFormerV2 (Cui NeurIPS 2023) small: template, online template and search patches (16²) with position
    embeddings, **4 learned prediction tokens**, asymmetric mixed-attention ViT blocks, **each box side read from its
    prediction token as a 72-bin distribution (softmax expectation)**, score from the tokens' mean (sigmoid)."""

    def __init__(self, d=64, depth=4, heads=4, bins=72):
        super().__init__()
        self.patch = nn.Conv2d(3, d, 16, 16)
        self.pos_t, self.pos_s = nn.Parameter(torch.randn(1, 16, d) * 0.02), nn.Parameter(torch.randn(1, 64, d) * 0.02)
        self.pred = nn.Parameter(torch.randn(1, 4, d) * 0.02)
        self.blocks = nn.ModuleList(MixBlock(d, heads) for _ in range(depth))
        self.ln = nn.LayerNorm(d)
        self.box = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, bins))
        self.score = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 1))
        self.register_buffer('grid', torch.arange(bins).float() / (bins - 1))

    def forward(self, template, online, search):
        t = self.patch(template).flatten(2).transpose(1, 2) + self.pos_t
        o = self.patch(online).flatten(2).transpose(1, 2) + self.pos_t
        s = self.patch(search).flatten(2).transpose(1, 2) + self.pos_s
        x = torch.cat([t, o, s, self.pred.expand(s.shape[0], -1, -1)], 1)
        for blk in self.blocks:
            x = blk(x, 32)
        p = self.ln(x[:, -4:])
        ltrb = (self.box(p).softmax(-1) * self.grid).sum(-1)  # [B, 4]
        cx = (ltrb[:, 2:3] - ltrb[:, 0:1]) / 2 + 0.5
        cy = (ltrb[:, 3:4] - ltrb[:, 1:2]) / 2 + 0.5
        box = torch.cat([cx, cy, ltrb[:, 0:1] + ltrb[:, 2:3], ltrb[:, 1:2] + ltrb[:, 3:4]], 1)
        return box, torch.sigmoid(self.score(p.mean(1)))


class AdaINBlock(nn.Module):
    def __init__(self, c, latent):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(c, c, 3), nn.Conv2d(c, c, 3)
        self.s1, self.s2 = nn.Linear(latent, 2 * c), nn.Linear(latent, 2 * c)

    def adain(self, x, style):
        mean = x.mean((2, 3), keepdim=True)
        std = torch.sqrt(x.var((2, 3), keepdim=True, unbiased=False) + 1e-8)
        g, b = style.unsqueeze(-1).unsqueeze(-1).chunk(2, 1)
        return (x - mean) / std * g + b

    def forward(self, x, lat):
        y = F.relu(self.adain(self.c1(F.pad(x, (1, 1, 1, 1), mode='reflect')), self.s1(lat)))
        y = self.adain(self.c2(F.pad(y, (1, 1, 1, 1), mode='reflect')), self.s2(lat))
        return x + y


class InSwapper(nn.Module):
    """insightface's inswapper (the face-swap net behind roop / FaceFusion, 128² crops) as its ONNX graph reads: the
    ArcFace embedding projected by the **emap matrix and L2-normalised**, encoder (reflect-padded 7×7, strided convs)
    to 32², **6 AdaIN residual blocks (instance statistics, style from the latent)**, bilinear ×2 upsampling decoder,
    tanh → [0, 1]."""

    def __init__(self, c=64, latent=128):
        super().__init__()
        self.register_buffer('emap', torch.randn(512, latent) / math.sqrt(512))
        self.enc = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, c // 2, 7), nn.LeakyReLU(0.2), nn.Conv2d(c // 2, c, 3, 2, 1), nn.LeakyReLU(0.2),
                                 nn.Conv2d(c, c, 3, 2, 1), nn.LeakyReLU(0.2))
        self.blocks = nn.ModuleList(AdaINBlock(c, latent) for _ in range(6))
        self.dec = nn.Sequential(nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False), nn.Conv2d(c, c, 3, 1, 1), nn.LeakyReLU(0.2),
                                 nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False), nn.Conv2d(c, c // 2, 3, 1, 1), nn.LeakyReLU(0.2),
                                 nn.ReflectionPad2d(3), nn.Conv2d(c // 2, 3, 7), nn.Tanh())

    def forward(self, target, source):
        lat = source @ self.emap
        lat = lat / lat.norm(dim=1, keepdim=True)
        x = self.enc(target)
        for blk in self.blocks:
            x = blk(x, lat)
        return (self.dec(x) + 1) / 2


class ReDimNet(nn.Module):
    """ReDimNet (IDR&D, Interspeech 2024) tiny: 2-D conv stages on [C, F, T] and **1-D blocks on the same values viewed
    [C·F, T] (reshapes back and forth: 'to1d' / 'to2d')** with time self-attention, **learned softmax weights over the
    stages' 1-D outputs**, attentive statistics pooling (ASP) to a 96-d speaker embedding."""

    def __init__(self, freq=72, c=8, d1=None, emb=96):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU())
        self.c2d = nn.ModuleList([nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c), nn.Conv2d(c, c, 1), nn.BatchNorm2d(c), nn.ReLU()) for _ in range(3)])
        cf = c * freq
        self.c1d = nn.ModuleList([nn.Sequential(nn.Conv1d(cf, 64, 1), nn.BatchNorm1d(64), nn.ReLU(), nn.Conv1d(64, 64, 3, 1, 1, groups=64),
                                                nn.ReLU(), nn.Conv1d(64, cf, 1)) for _ in range(3)])
        self.att = nn.ModuleList(nn.MultiheadAttention(cf, 4, batch_first=True) for _ in range(3))
        self.mix = nn.Parameter(torch.randn(3))
        self.asp = nn.Sequential(nn.Conv1d(3 * cf, 64, 1), nn.Tanh(), nn.Conv1d(64, cf, 1))
        self.emb = nn.Sequential(nn.BatchNorm1d(2 * cf), nn.Linear(2 * cf, emb))

    def forward(self, mel):  # [B, 1, F, T]
        x = self.stem(mel)
        b, c, f, t = x.shape
        outs = []
        for conv2, conv1, att in zip(self.c2d, self.c1d, self.att):
            x = x + conv2(x)
            x1 = x.reshape(b, c * f, t)
            x1 = x1 + conv1(x1)
            h = x1.transpose(1, 2)
            x1 = x1 + att(h, h, h, need_weights=False)[0].transpose(1, 2)
            outs.append(x1)
            x = x1.reshape(b, c, f, t)
        w = self.mix.softmax(0)
        x = sum(wi * o for wi, o in zip(w, outs))
        mu, sd = x.mean(-1, keepdim=True).expand_as(x), x.std(-1, keepdim=True).expand_as(x)
        a = self.asp(torch.cat([x, mu, sd], 1)).softmax(-1)
        m = (x * a).sum(-1)
        s = torch.sqrt(((x * x) * a).sum(-1) - m * m).clamp_min(1e-5)
        return self.emb(torch.cat([m, s], 1))


class FCPE(nn.Module):
    """FCPE (CNChTu, RVC's fast pitch estimator): conv stem over the mel, conformer-lite layers (self-attention +
    depthwise conv module), 360 cent bins through a sigmoid, **'local argmax' decoding — ArgMax, the ±4 bins around it
    gathered by arange offsets (clamped), salience-weighted cents, f0 = 10·2^(cents/1200)**, unvoiced (confidence below
    0.05) set to 0 by Where."""

    def __init__(self, mels=128, d=64, bins=360, layers=2):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv1d(mels, d, 3, 1, 1), nn.GroupNorm(4, d), nn.LeakyReLU(), nn.Conv1d(d, d, 3, 1, 1))
        self.att = nn.ModuleList(nn.MultiheadAttention(d, 4, batch_first=True) for _ in range(layers))
        self.lns = nn.ModuleList(nn.LayerNorm(d) for _ in range(2 * layers))
        self.convs = nn.ModuleList(nn.Sequential(nn.Conv1d(d, 2 * d, 1), nn.GLU(1), nn.Conv1d(d, d, 31, 1, 15, groups=d), nn.SiLU(), nn.Conv1d(d, d, 1))
                                   for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.out = nn.Linear(d, bins)
        self.register_buffer('cents', torch.linspace(1200 * math.log2(32.7 / 10), 1200 * math.log2(1975.5 / 10), bins))
        self.register_buffer('offsets', torch.arange(-4, 5))
        self.bins = bins

    def forward(self, mel):  # [B, T, mels]
        x = self.stem(mel.transpose(1, 2)).transpose(1, 2)
        for i, (att, conv) in enumerate(zip(self.att, self.convs)):
            h = self.lns[2 * i](x)
            x = x + att(h, h, h, need_weights=False)[0]
            x = x + conv(self.lns[2 * i + 1](x).transpose(1, 2)).transpose(1, 2)
        sal = torch.sigmoid(self.out(self.norm(x)))  # [B, T, bins]
        conf, idx = sal.max(-1, keepdim=True)
        win = (idx + self.offsets).clamp(0, self.bins - 1)  # [B, T, 9]
        w = torch.gather(sal, -1, win)
        cents = (w * self.cents[win]).sum(-1, keepdim=True) / w.sum(-1, keepdim=True)
        f0 = 10 * torch.pow(2.0, cents / 1200)
        return torch.where(conf > 0.05, f0, torch.zeros_like(f0)), conf


class EfficientAttention(nn.Module):
    """SegFormer's efficient self-attention: keys / values from the map reduced by a strided conv (ratio r)."""

    def __init__(self, d, heads, r):
        super().__init__()
        self.h, self.r = heads, r
        self.q, self.kv, self.proj = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)
        if r > 1:
            self.sr, self.ln = nn.Conv2d(d, d, r, r), nn.LayerNorm(d)

    def forward(self, x, h, w):
        b, n, d = x.shape
        q = self.q(x).view(b, n, self.h, -1).transpose(1, 2)
        kvx = self.ln(self.sr(x.transpose(1, 2).reshape(b, d, h, w)).flatten(2).transpose(1, 2)) if self.r > 1 else x
        k, v = self.kv(kvx).view(b, -1, 2, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        att = ((q @ k.transpose(-1, -2)) / math.sqrt(d // self.h)).softmax(-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, n, d))


class ChangeFormer(nn.Module):
    """ChangeFormer (Bandara IGARSS 2022; change detection in remote sensing) small: **one hierarchical transformer
    encoder run on both dates (siamese, shared weights)** — overlapping patch embeddings, efficient self-attention,
    Mix-FFN with a depthwise conv —, **difference modules (conv of the two dates' features concatenated) per scale**,
    MLP decoder upsampling and fusing the scales, a change mask of 2 classes."""

    def __init__(self, dims=(16, 32, 64), ratios=(4, 2, 1), heads=(1, 2, 4)):
        super().__init__()
        self.embeds, self.blocks = nn.ModuleList(), nn.ModuleList()
        cin = 3
        for i, d in enumerate(dims):
            k, s = (7, 4) if i == 0 else (3, 2)
            self.embeds.append(nn.ModuleList([nn.Conv2d(cin, d, k, s, k // 2), nn.LayerNorm(d)]))
            self.blocks.append(nn.ModuleList([nn.LayerNorm(d), EfficientAttention(d, heads[i], ratios[i]), nn.LayerNorm(d), nn.Linear(d, 4 * d),
                                              nn.Conv2d(4 * d, 4 * d, 3, 1, 1, groups=4 * d), nn.Linear(4 * d, d), nn.LayerNorm(d)]))
            cin = d
        self.diff = nn.ModuleList(nn.Sequential(nn.Conv2d(2 * d, d, 3, 1, 1), nn.ReLU(), nn.BatchNorm2d(d), nn.Conv2d(d, d, 3, 1, 1), nn.ReLU()) for d in dims)
        self.lin = nn.ModuleList(nn.Conv2d(d, 32, 1) for d in dims)
        self.fuse = nn.Sequential(nn.Conv2d(32 * len(dims), 32, 1), nn.BatchNorm2d(32), nn.ReLU())
        self.head = nn.Sequential(nn.ConvTranspose2d(32, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 2, 3, 1, 1))

    def encode(self, x):
        feats = []
        for (emb, ln), (ln1, att, ln2, fc1, dw, fc2, ln3) in zip(self.embeds, self.blocks):
            x = emb(x)
            b, d, h, w = x.shape
            t = ln(x.flatten(2).transpose(1, 2))
            t = t + att(ln1(t), h, w)
            u = fc1(ln2(t))
            u = dw(u.transpose(1, 2).reshape(b, -1, h, w)).flatten(2).transpose(1, 2)
            t = ln3(t + fc2(F.gelu(u)))
            x = t.transpose(1, 2).reshape(b, d, h, w)
            feats.append(x)
        return feats

    def forward(self, pre, post):
        fa, fb = self.encode(pre), self.encode(post)
        size = fa[0].shape[2:]
        outs = [F.interpolate(lin(df(torch.cat([a, b], 1))), size=size, mode='bilinear', align_corners=False)
                for a, b, df, lin in zip(fa, fb, self.diff, self.lin)]
        return self.head(self.fuse(torch.cat(outs, 1)))
