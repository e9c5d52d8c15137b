"""Sixteenth sweep, backbones (docs/model-sweep.md): CAFormer (MetaFormer with StarReLU, SepConv and attention
mixers), UniRepLKNet (dilated re-param large kernels, GRN, SE), gMLP (spatial gating unit), ResMLP (Affine,
cross-patch Linear), CSWin (cross-shaped window attention with LePE), DaViT (channel group attention + window
attention), BiFormer (bi-level routing attention: region top-k, gathered keys / values, LCE), Sequencer2D (BiLSTM
along H and W), VoVNetV2 (OSA modules with eSE), HorNet (recursive gated convolution gnConv) — plain torch.nn with the
math of their public code (small widths, random weights)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from sweep3_models import GRN  # ConvNeXt V2's GRN on NHWC, as UniRepLKNet's GRNwithNHWC


# ---------------------------------------------------------------- CAFormer (MetaFormer baselines, Yu et al. 2022)
class StarReLU(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1) * 0.8944)
        self.bias = nn.Parameter(torch.ones(1) * -0.4472)

    def forward(self, x):
        return self.scale * F.relu(x) ** 2 + self.bias


class Scale(nn.Module):
    def __init__(self, d, v=1.0):
        super().__init__()
        self.scale = nn.Parameter(v * torch.ones(d))

    def forward(self, x):
        return x * self.scale


class SepConv(nn.Module):
    """MetaFormer's SepConv mixer on channels-last tokens: pwconv, StarReLU, depthwise 7x7, pwconv."""

    def __init__(self, d, e=2):
        super().__init__()
        h = d * e
        self.pw1, self.act, self.dw, self.pw2 = nn.Linear(d, h, bias=False), StarReLU(), nn.Conv2d(h, h, 7, 1, 3, groups=h, bias=False), nn.Linear(h, d, bias=False)

    def forward(self, x):  # [B, H, W, C]
        x = self.act(self.pw1(x)).permute(0, 3, 1, 2)
        return self.pw2(self.dw(x).permute(0, 2, 3, 1))


class MetaAttention(nn.Module):
    def __init__(self, d, hd=32):
        super().__init__()
        self.h, self.hd = d // hd, hd
        self.qkv, self.proj = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)

    def forward(self, x):
        B, H, W, C = x.shape
        n = H * W
        qkv = self.qkv(x).reshape(B, n, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        a = ((q @ k.transpose(-2, -1)) * self.hd ** -0.5).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(B, H, W, C))


class MetaMlp(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(d, 4 * d, bias=False), StarReLU(), nn.Linear(4 * d, d, bias=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class MetaBlock(nn.Module):
    def __init__(self, d, mixer):
        super().__init__()
        self.n1, self.mix, self.rs1 = nn.LayerNorm(d), mixer, Scale(d)
        self.n2, self.mlp, self.rs2 = nn.LayerNorm(d), MetaMlp(d), Scale(d)

    def forward(self, x):
        x = self.rs1(x) + self.mix(self.n1(x))
        return self.rs2(x) + self.mlp(self.n2(x))


class Downsample(nn.Module):
    """MetaFormer's downsampling: (pre-norm) conv on channels-first, tokens back channels-last (post-norm in the stem)."""

    def __init__(self, i, o, k, s, p, pre=False):
        super().__init__()
        self.pre = nn.LayerNorm(i) if pre else None
        self.conv = nn.Conv2d(i, o, k, s, p)
        self.post = None if pre else nn.LayerNorm(o)

    def forward(self, x):  # [B, H, W, C] (or the image)
        if self.pre is not None:
            x = self.pre(x).permute(0, 3, 1, 2)
        x = self.conv(x).permute(0, 2, 3, 1)
        return x if self.post is None else self.post(x)


class CAFormer(nn.Module):
    def __init__(self, dims=(32, 64, 128, 160), depths=(1, 1, 2, 1), classes=100):
        super().__init__()
        layers = []
        for i, (d, n) in enumerate(zip(dims, depths)):
            layers.append(Downsample(3, d, 7, 4, 2) if i == 0 else Downsample(dims[i - 1], d, 3, 2, 1, pre=True))
            for _ in range(n):
                layers.append(MetaBlock(d, SepConv(d) if i < 2 else MetaAttention(d)))
        self.stages = nn.Sequential(*layers)
        self.norm = nn.LayerNorm(dims[-1])
        self.head = nn.Sequential(nn.Linear(dims[-1], 4 * dims[-1]), StarReLU(), nn.LayerNorm(4 * dims[-1]), nn.Linear(4 * dims[-1], classes))

    def forward(self, x):
        x = self.stages(x)
        return self.head(self.norm(x.mean([1, 2])))


# ---------------------------------------------------------------- UniRepLKNet (Ding et al. 2024), training form
class DilatedReparamBlock(nn.Module):
    """A depthwise large kernel beside parallel dilated depthwise small kernels (k 13: (5,1),(7,2),(3,3),(3,4),(3,5)),
    each with its BN, summed (the training-time form; deploy merges them into one kernel)."""

    def __init__(self, c, k=13):
        super().__init__()
        self.lk = nn.Conv2d(c, c, k, 1, k // 2, groups=c, bias=False)
        self.lk_bn = nn.BatchNorm2d(c)
        self.ks, self.rs = (5, 7, 3, 3, 3), (1, 2, 3, 4, 5)
        self.dil = nn.ModuleList(nn.Conv2d(c, c, kk, 1, (r * (kk - 1) + 1) // 2, dilation=r, groups=c, bias=False) for kk, r in zip(self.ks, self.rs))
        self.dil_bn = nn.ModuleList(nn.BatchNorm2d(c) for _ in self.ks)

    def forward(self, x):
        out = self.lk_bn(self.lk(x))
        for conv, bn in zip(self.dil, self.dil_bn):
            out = out + bn(conv(x))
        return out


class SEBlock(nn.Module):
    def __init__(self, c, r):
        super().__init__()
        self.down, self.up = nn.Conv2d(c, r, 1), nn.Conv2d(r, c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * torch.sigmoid(self.up(F.relu(self.down(s))))


class UniRepLKBlock(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.dwconv = DilatedReparamBlock(d, k) if k >= 9 else nn.Conv2d(d, d, k, 1, k // 2, groups=d)
        self.norm, self.se = nn.BatchNorm2d(d), SEBlock(d, d // 4)
        self.pw1, self.grn, self.pw2 = nn.Linear(d, 4 * d), GRN(4 * d), nn.Linear(4 * d, d)
        self.gamma = nn.Parameter(0.5 * torch.ones(d))

    def forward(self, x):
        y = self.se(self.norm(self.dwconv(x))).permute(0, 2, 3, 1)
        y = self.pw2(self.grn(F.gelu(self.pw1(y)))) * self.gamma
        return x + y.permute(0, 3, 1, 2)


class LNChannelsFirst(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w, self.b = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d))

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + 1e-6)
        return self.w[:, None, None] * x + self.b[:, None, None]


class UniRepLKNet(nn.Module):
    def __init__(self, dims=(24, 48, 96, 192), depths=(1, 1, 2, 1), ks=(3, 13, 13, 13), classes=100):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dims[0] // 2, 3, 2, 1), LNChannelsFirst(dims[0] // 2), nn.GELU(), nn.Conv2d(dims[0] // 2, dims[0], 3, 2, 1), LNChannelsFirst(dims[0]))
        stages = []
        for i, (d, n) in enumerate(zip(dims, depths)):
            down = [] if i == 0 else [nn.Conv2d(dims[i - 1], d, 3, 2, 1), LNChannelsFirst(d)]
            stages.append(nn.Sequential(*down, *[UniRepLKBlock(d, ks[i]) for _ in range(n)]))
        self.stages = nn.Sequential(*stages)
        self.norm, self.head = nn.LayerNorm(dims[-1]), nn.Linear(dims[-1], classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.head(self.norm(x.mean([-2, -1])))


# ---------------------------------------------------------------- gMLP (Liu et al. 2021)
class SpatialGatingUnit(nn.Module):
    def __init__(self, d, n):
        super().__init__()
        self.norm = nn.LayerNorm(d // 2)
        self.proj = nn.Conv1d(n, n, 1)  # lucidrains / timm: a Linear over the token axis (Conv1d over seq, timm: Linear on transposed)
        nn.init.normal_(self.proj.weight, std=0.05)
        nn.init.constant_(self.proj.bias, 1.0)

    def forward(self, x):
        u, v = x.chunk(2, dim=-1)
        v = self.proj(self.norm(v))
        return u * v


class SpatialGatingUnitTimm(nn.Module):
    """timm's SpatialGatingUnit: the token-mixing Linear on v.transpose(-1, -2)."""

    def __init__(self, d, n):
        super().__init__()
        self.norm, self.proj = nn.LayerNorm(d // 2), nn.Linear(n, n)
        nn.init.normal_(self.proj.weight, std=0.05)
        nn.init.ones_(self.proj.bias)

    def forward(self, x):
        u, v = x.chunk(2, dim=-1)
        v = self.proj(self.norm(v).transpose(-1, -2))
        return u * v.transpose(-1, -2)


class GMlpBlock(nn.Module):
    def __init__(self, d, n, timm):
        super().__init__()
        self.norm, self.fc1 = nn.LayerNorm(d), nn.Linear(d, 6 * d)
        self.sgu = (SpatialGatingUnitTimm if timm else SpatialGatingUnit)(6 * d, n)
        self.fc2 = nn.Linear(3 * d, d)

    def forward(self, x):
        return x + self.fc2(self.sgu(F.gelu(self.fc1(self.norm(x)))))


class GMlp(nn.Module):
    def __init__(self, d=96, patch=16, img=224, depth=4, classes=100):
        super().__init__()
        n = (img // patch) ** 2
        self.stem = nn.Conv2d(3, d, patch, patch)
        self.blocks = nn.Sequential(*[GMlpBlock(d, n, i % 2 == 0) for i in range(depth)])
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, classes)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        return self.head(self.norm(self.blocks(x)).mean(1))


# ---------------------------------------------------------------- ResMLP (Touvron et al. 2021)
class Affine(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.alpha, self.beta = nn.Parameter(1 + 0.1 * torch.randn(d)), nn.Parameter(0.1 * torch.randn(d))

    def forward(self, x):
        return self.alpha * x + self.beta


class ResMlpBlock(nn.Module):
    def __init__(self, d, n):
        super().__init__()
        self.norm1, self.attn, self.norm2 = Affine(d), nn.Linear(n, n), Affine(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.ls1, self.ls2 = nn.Parameter(0.1 * torch.ones(d)), nn.Parameter(0.1 * torch.ones(d))

    def forward(self, x):
        x = x + self.ls1 * self.attn(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.ls2 * self.mlp(self.norm2(x))


class ResMlp(nn.Module):
    def __init__(self, d=96, patch=16, img=224, depth=4, classes=100):
        super().__init__()
        n = (img // patch) ** 2
        self.stem = nn.Conv2d(3, d, patch, patch)
        self.blocks = nn.Sequential(*[ResMlpBlock(d, n) for _ in range(depth)])
        self.norm, self.head = Affine(d), nn.Linear(d, classes)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        return self.head(self.norm(self.blocks(x)).mean(1))


# ---------------------------------------------------------------- CSWin (Dong et al. 2022)
def img2windows(x, hs, ws):  # [B, C, H, W] -> [B * nW, hs * ws, C]
    B, C, H, W = x.shape
    x = x.view(B, C, H // hs, hs, W // ws, ws)
    return x.permute(0, 2, 4, 3, 5, 1).contiguous().reshape(-1, hs * ws, C)


def windows2img(x, hs, ws, H, W):  # [B * nW, hs * ws, C] -> [B, H, W, C]
    B = int(x.shape[0] / (H * W / hs / ws))
    x = x.view(B, H // hs, W // ws, hs, ws, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, H, W, -1)


class LePEAttention(nn.Module):
    """One half of CSWin's heads: stripes of width sw along H (idx 0) or W (idx 1); LePE: depthwise 3x3 on v."""

    def __init__(self, d, res, idx, sw, heads):
        super().__init__()
        self.res, self.heads, self.hd = res, heads, d // heads
        self.hs, self.ws = (res, sw) if idx == 0 else (sw, res)
        if sw == res:
            self.hs = self.ws = res
        self.get_v = nn.Conv2d(d, d, 3, 1, 1, groups=d)

    def im2cswin(self, x):
        B, N, C = x.shape
        x = x.transpose(-2, -1).contiguous().view(B, C, self.res, self.res)
        x = img2windows(x, self.hs, self.ws)
        return x.reshape(-1, self.hs * self.ws, self.heads, C // self.heads).permute(0, 2, 1, 3).contiguous()

    def get_lepe(self, x):
        B, N, C = x.shape
        x = x.transpose(-2, -1).contiguous().view(B, C, self.res, self.res)
        x = x.view(B, C, self.res // self.hs, self.hs, self.res // self.ws, self.ws)
        x = x.permute(0, 2, 4, 1, 3, 5).contiguous().reshape(-1, C, self.hs, self.ws)
        lepe = self.get_v(x)
        lepe = lepe.reshape(-1, self.heads, C // self.heads, self.hs * self.ws).permute(0, 1, 3, 2).contiguous()
        x = x.reshape(-1, self.heads, C // self.heads, self.hs * self.ws).permute(0, 1, 3, 2).contiguous()
        return x, lepe

    def forward(self, q, k, v):
        B, L, C = q.shape
        q, k = self.im2cswin(q), self.im2cswin(k)
        v, lepe = self.get_lepe(v)
        a = ((q * self.hd ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        x = (a @ v) + lepe
        x = x.transpose(1, 2).reshape(-1, self.hs * self.ws, C)
        return windows2img(x, self.hs, self.ws, self.res, self.res).view(B, -1, C)


class CSWinBlock(nn.Module):
    def __init__(self, d, res, heads, sw, last=False):
        super().__init__()
        self.norm1, self.qkv, self.proj = nn.LayerNorm(d), nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.last = last or res == sw
        if self.last:
            self.attns = nn.ModuleList([LePEAttention(d, res, -1, res, heads)])
        else:
            self.attns = nn.ModuleList(LePEAttention(d // 2, res, i, sw, heads // 2) for i in range(2))
        self.norm2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        B, L, C = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(B, -1, 3, C).permute(2, 0, 1, 3)
        if self.last:
            y = self.attns[0](qkv[0], qkv[1], qkv[2])
        else:
            y = torch.cat([self.attns[0](qkv[0, :, :, :C // 2], qkv[1, :, :, :C // 2], qkv[2, :, :, :C // 2]),
                           self.attns[1](qkv[0, :, :, C // 2:], qkv[1, :, :, C // 2:], qkv[2, :, :, C // 2:])], dim=2)
        x = x + self.proj(y)
        return x + self.mlp(self.norm2(x))


class MergeBlock(nn.Module):
    def __init__(self, d, o):
        super().__init__()
        self.conv, self.norm = nn.Conv2d(d, o, 3, 2, 1), nn.LayerNorm(o)

    def forward(self, x):
        B, N, C = x.shape
        H = W = int(N ** 0.5)
        x = self.conv(x.transpose(-2, -1).contiguous().view(B, C, H, W))
        return self.norm(x.view(B, x.shape[1], -1).transpose(-2, -1).contiguous())


class CSWin(nn.Module):
    def __init__(self, img=224, d=32, depths=(1, 2, 2, 1), sws=(1, 2, 7, 7), heads=(2, 4, 8, 8), classes=100):
        super().__init__()
        self.stem_conv, self.stem_norm = nn.Conv2d(3, d, 7, 4, 2), nn.LayerNorm(d)
        layers, res = [], img // 4
        for i, n in enumerate(depths):
            if i:
                layers.append(MergeBlock(d, 2 * d))
                d, res = 2 * d, res // 2
            layers += [CSWinBlock(d, res, heads[i], sws[i], last=i == 3) for _ in range(n)]
        self.layers = nn.Sequential(*layers)
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, classes)

    def forward(self, x):
        x = self.stem_conv(x)
        x = self.stem_norm(x.flatten(2).transpose(1, 2))
        return self.head(self.norm(self.layers(x)).mean(1))


# ---------------------------------------------------------------- DaViT (Ding et al. 2022)
class ConvPosEnc(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.proj = nn.Conv2d(d, d, 3, 1, 1, groups=d)

    def forward(self, x, size):
        B, N, C = x.shape
        H, W = size
        feat = self.proj(x.transpose(1, 2).view(B, C, H, W))
        return x + feat.flatten(2).transpose(1, 2)


class ChannelAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.qkv, self.proj = heads, nn.Linear(d, 3 * d), nn.Linear(d, d)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        k = k * N ** -0.5
        a = (k.transpose(-1, -2) @ v).softmax(dim=-1)
        x = (a @ q.transpose(-1, -2)).transpose(-1, -2)
        return self.proj(x.transpose(1, 2).reshape(B, N, C))


class WindowAttention(nn.Module):
    def __init__(self, d, heads, ws):
        super().__init__()
        self.heads, self.ws, self.qkv, self.proj = heads, ws, nn.Linear(d, 3 * d), nn.Linear(d, d)

    def forward(self, x, size):
        B, N, C = x.shape
        H, W = size
        ws = self.ws
        x = x.view(B, H // ws, ws, W // ws, ws, C).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, C)
        Bw = x.shape[0]
        qkv = self.qkv(x).reshape(Bw, ws * ws, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = ((q * (C // self.heads) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        x = self.proj((a @ v).transpose(1, 2).reshape(Bw, ws * ws, C))
        x = x.view(B, H // ws, W // ws, ws, ws, C).permute(0, 1, 3, 2, 4, 5).reshape(B, H * W, C)
        return x


class DaViTBlock(nn.Module):
    def __init__(self, d, heads, ws):
        super().__init__()
        self.cpe = nn.ModuleList(ConvPosEnc(d) for _ in range(4))
        self.n1, self.sa, self.n2 = nn.LayerNorm(d), WindowAttention(d, heads, ws), nn.LayerNorm(d)
        self.mlp1 = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.n3, self.ca, self.n4 = nn.LayerNorm(d), ChannelAttention(d, heads), nn.LayerNorm(d)
        self.mlp2 = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, size):
        x = self.cpe[0](x, size)
        x = x + self.sa(self.n1(x), size)
        x = self.cpe[1](x, size)
        x = x + self.mlp1(self.n2(x))
        x = self.cpe[2](x, size)
        x = x + self.ca(self.n3(x))
        x = self.cpe[3](x, size)
        return x + self.mlp2(self.n4(x))


class DaViT(nn.Module):
    def __init__(self, img=224, dims=(32, 64, 128, 256), heads=(1, 2, 4, 8), ws=7, classes=100):
        super().__init__()
        self.embeds = nn.ModuleList(nn.Conv2d(3 if i == 0 else dims[i - 1], d, 7 if i == 0 else 2, 4 if i == 0 else 2, 3 if i == 0 else 0) for i, d in enumerate(dims))
        self.enorms = nn.ModuleList(nn.LayerNorm(d) for d in dims)
        self.blocks = nn.ModuleList(DaViTBlock(d, h, ws) for d, h in zip(dims, heads))
        self.norm, self.head = nn.LayerNorm(dims[-1]), nn.Linear(dims[-1], classes)

    def forward(self, x):
        for i, (emb, en, blk) in enumerate(zip(self.embeds, self.enorms, self.blocks)):
            if i:
                x = x.transpose(1, 2).reshape(x.shape[0], -1, size[0], size[1])
            x = emb(x)
            size = (x.shape[2], x.shape[3])
            x = en(x.flatten(2).transpose(1, 2))
            x = blk(x, size)
        return self.head(self.norm(x.mean(1)))


# ---------------------------------------------------------------- BiFormer (Zhu et al. 2023), BRA in its "nchw" form
class BiLevelRoutingAttention(nn.Module):
    """Regions of an n_win x n_win grid: region queries / keys by mean, region-to-region affinity, top-k regions per
    region, the k regions' keys / values gathered, token attention within them; LCE: depthwise 5x5 on v."""

    def __init__(self, d, heads=4, n_win=7, topk=4):
        super().__init__()
        self.d, self.heads, self.n_win, self.topk, self.scale = d, heads, n_win, topk, d ** -0.5
        self.qkv, self.wo = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.lepe = nn.Conv2d(d, d, 5, 1, 2, groups=d)

    def forward(self, x):  # [N, H, W, C]
        N, H, W, C = x.shape
        nw = self.n_win
        rh, rw = H // nw, W // nw
        x = x.view(N, nw, rh, nw, rw, C).permute(0, 1, 3, 2, 4, 5).reshape(N, nw * nw, rh, rw, C)
        q, k, v = self.qkv(x).split([C, C, C], dim=-1)  # [N, p2, rh, rw, C]
        q_pix = q.reshape(N, nw * nw, rh * rw, C)
        kv_pix = torch.cat([k, v], -1).reshape(N, nw * nw, rh * rw, 2 * C)
        q_win, k_win = q.mean([2, 3]), k.mean([2, 3])  # [N, p2, C]
        lepe = self.lepe(v.reshape(N, nw, nw, rh, rw, C).permute(0, 5, 1, 3, 2, 4).reshape(N, C, H, W))
        lepe = lepe.permute(0, 2, 3, 1)
        logit = (q_win * self.scale) @ k_win.transpose(-2, -1)  # [N, p2, p2]
        r_weight, r_idx = torch.topk(logit, k=self.topk, dim=-1)
        r_weight = F.softmax(r_weight, dim=-1)  # 'none' mul_weight in the public code: computed, unused
        p2, w2 = nw * nw, rh * rw
        kv_sel = torch.gather(kv_pix.view(N, 1, p2, w2, 2 * C).expand(-1, p2, -1, -1, -1), dim=2,
                              index=r_idx.view(N, p2, self.topk, 1, 1).expand(-1, -1, -1, w2, 2 * C))
        k_sel, v_sel = kv_sel.split([C, C], dim=-1)  # [N, p2, topk, w2, C]
        m = self.heads
        k_sel = k_sel.reshape(N * p2, self.topk * w2, m, C // m).permute(0, 2, 3, 1)  # [N p2, m, c, topk w2]
        v_sel = v_sel.reshape(N * p2, self.topk * w2, m, C // m).permute(0, 2, 1, 3)  # [N p2, m, topk w2, c]
        q_pix = q_pix.reshape(N * p2, w2, m, C // m).permute(0, 2, 1, 3)  # [N p2, m, w2, c]
        a = ((q_pix * self.scale) @ k_sel).softmax(-1)
        out = (a @ v_sel).permute(0, 2, 1, 3).reshape(N, nw, nw, rh, rw, C)
        out = out.permute(0, 1, 3, 2, 4, 5).reshape(N, H, W, C)
        return self.wo(out + lepe)


class BiFormerBlock(nn.Module):
    def __init__(self, d, heads, n_win, topk):
        super().__init__()
        self.pos = nn.Conv2d(d, d, 3, 1, 1, groups=d)
        self.n1, self.attn, self.n2 = nn.LayerNorm(d), BiLevelRoutingAttention(d, heads, n_win, topk), nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 3 * d), nn.GELU(), nn.Linear(3 * d, d))

    def forward(self, x):  # NCHW
        x = x + self.pos(x)
        x = x.permute(0, 2, 3, 1)
        x = x + self.attn(self.n1(x))
        x = x + self.mlp(self.n2(x))
        return x.permute(0, 3, 1, 2)


class BiFormer(nn.Module):
    def __init__(self, dims=(32, 64, 128, 256), heads=(1, 2, 4, 8), topks=(1, 4, 16, -2), n_win=7, classes=100):
        super().__init__()
        self.downs = nn.ModuleList([nn.Sequential(nn.Conv2d(3, dims[0] // 2, 3, 2, 1), nn.BatchNorm2d(dims[0] // 2), nn.GELU(), nn.Conv2d(dims[0] // 2, dims[0], 3, 2, 1), nn.BatchNorm2d(dims[0]))] +
                                   [nn.Sequential(nn.Conv2d(dims[i - 1], dims[i], 3, 2, 1), nn.BatchNorm2d(dims[i])) for i in range(1, 4)])
        blocks = []
        for i, d in enumerate(dims):
            if topks[i] > 0:
                blocks.append(BiFormerBlock(d, heads[i], n_win, topks[i]))
            else:  # the last stage: full attention (topk -2 in the public code)
                blocks.append(BiFormerBlock(d, heads[i], 1, 1))
        self.blocks = nn.ModuleList(blocks)
        self.norm, self.head = nn.BatchNorm2d(dims[-1]), nn.Linear(dims[-1], classes)

    def forward(self, x):
        for dn, blk in zip(self.downs, self.blocks):
            x = blk(dn(x))
        return self.head(self.norm(x).flatten(2).mean(-1))


# ---------------------------------------------------------------- Sequencer2D (Tatsunami & Taki 2022)
class BiLSTM2D(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.rnn_v = nn.LSTM(d, hidden, batch_first=True, bidirectional=True)
        self.rnn_h = nn.LSTM(d, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(4 * hidden, d)

    def forward(self, x):  # [B, H, W, C]
        B, H, W, C = x.shape
        v = x.permute(0, 2, 1, 3).reshape(-1, H, C)
        v, _ = self.rnn_v(v)
        v = v.reshape(B, W, H, -1).permute(0, 2, 1, 3)
        h = x.reshape(-1, W, C)
        h, _ = self.rnn_h(h)
        h = h.reshape(B, H, W, -1)
        return self.fc(torch.cat([v, h], dim=-1))


class Sequencer2DBlock(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.n1, self.rnn, self.n2 = nn.LayerNorm(d), BiLSTM2D(d, hidden), nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 3 * d), nn.GELU(), nn.Linear(3 * d, d))

    def forward(self, x):
        x = x + self.rnn(self.n1(x))
        return x + self.mlp(self.n2(x))


class Sequencer2D(nn.Module):
    def __init__(self, dims=(48, 96, 96), hidden=(16, 24, 24), depths=(1, 1, 1), patches=(7, 2, 1), classes=100):
        super().__init__()
        stages = []
        for i, (d, h, n, p) in enumerate(zip(dims, hidden, depths, patches)):
            stages.append(nn.Conv2d(3 if i == 0 else dims[i - 1], d, p, p))
            stages.append(nn.ModuleList(Sequencer2DBlock(d, h) for _ in range(n)))
        self.stages = nn.ModuleList(stages)
        self.norm, self.head = nn.LayerNorm(dims[-1]), nn.Linear(dims[-1], classes)

    def forward(self, x):
        for i in range(0, len(self.stages), 2):
            x = self.stages[i](x if i == 0 else x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
            for blk in self.stages[i + 1]:
                x = blk(x)
        return self.head(self.norm(x).mean((1, 2)))


# ---------------------------------------------------------------- VoVNetV2 (Lee & Park 2020), as in CenterMask
def cbr(i, o, k=3, s=1, g=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


class ESE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc = nn.Conv2d(c, c, 1)

    def forward(self, x):
        return x * F.hardsigmoid(self.fc(F.adaptive_avg_pool2d(x, 1)))


class OSA(nn.Module):
    def __init__(self, i, stage, o, layers=5, identity=False, dw=False):
        super().__init__()
        self.identity = identity
        self.layers = nn.ModuleList()
        c = i
        for _ in range(layers):
            if dw:
                self.layers.append(nn.Sequential(cbr(c, stage, 1) if c != stage else nn.Identity(), cbr(stage, stage, 3, 1, stage), cbr(stage, stage, 1)))
            else:
                self.layers.append(cbr(c, stage))
            c = stage
        self.concat, self.ese = cbr(i + layers * stage, o, 1), ESE(o)

    def forward(self, x):
        out = [x]
        y = x
        for layer in self.layers:
            y = layer(y)
            out.append(y)
        y = self.ese(self.concat(torch.cat(out, 1)))
        return y + x if self.identity else y


class VoVNetV2(nn.Module):
    def __init__(self, classes=100):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 32, 3, 1, 32), cbr(32, 32, 1), cbr(32, 32, 3, 2, 32), cbr(32, 64, 1))
        spec = [(64, 32, 64, 1), (64, 40, 112, 1), (112, 48, 192, 2), (192, 56, 256, 1)]
        stages = []
        for s, (i, st, o, n) in enumerate(spec):
            blocks = [] if s == 0 else [nn.MaxPool2d(3, 2, ceil_mode=True)]
            for b in range(n):
                blocks.append(OSA(i if b == 0 else o, st, o, 3, identity=b > 0, dw=s % 2 == 1))
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(256, classes)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.stages(self.stem(x)), 1).flatten(1))


# ---------------------------------------------------------------- HorNet (Rao et al. 2022), gnConv 7x7
class GnConv(nn.Module):
    def __init__(self, d, order=3, s=1.0 / 3.0):
        super().__init__()
        self.order = order
        self.dims = [d // 2 ** i for i in range(order)][::-1]
        self.proj_in = nn.Conv2d(d, 2 * d, 1)
        self.dwconv = nn.Conv2d(sum(self.dims), sum(self.dims), 7, 1, 3, groups=sum(self.dims))
        self.proj_out = nn.Conv2d(d, d, 1)
        self.pws = nn.ModuleList(nn.Conv2d(self.dims[i], self.dims[i + 1], 1) for i in range(order - 1))
        self.scale = s

    def forward(self, x):
        fused = self.proj_in(x)
        pwa, abc = torch.split(fused, (self.dims[0], sum(self.dims)), dim=1)
        dw_abc = self.dwconv(abc) * self.scale
        dw_list = torch.split(dw_abc, self.dims, dim=1)
        x = pwa * dw_list[0]
        for i in range(self.order - 1):
            x = self.pws[i](x) * dw_list[i + 1]
        return self.proj_out(x)


class HorBlock(nn.Module):
    def __init__(self, d, order):
        super().__init__()
        self.norm1, self.gnconv = LNChannelsFirst(d), GnConv(d, order)
        self.norm2 = nn.LayerNorm(d)
        self.pw1, self.pw2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.g1, self.g2 = nn.Parameter(0.5 * torch.ones(d)), nn.Parameter(0.5 * torch.ones(d))

    def forward(self, x):
        x = x + self.g1.view(-1, 1, 1) * self.gnconv(self.norm1(x))
        y = x.permute(0, 2, 3, 1)
        y = self.g2 * self.pw2(F.gelu(self.pw1(self.norm2(y))))
        return x + y.permute(0, 3, 1, 2)


class HorNet(nn.Module):
    def __init__(self, dims=(32, 64, 128, 256), depths=(1, 1, 2, 1), classes=100):
        super().__init__()
        downs = [nn.Sequential(nn.Conv2d(3, dims[0], 4, 4), LNChannelsFirst(dims[0]))]
        downs += [nn.Sequential(LNChannelsFirst(dims[i - 1]), nn.Conv2d(dims[i - 1], dims[i], 2, 2)) for i in range(1, 4)]
        self.downs = nn.ModuleList(downs)
        self.stages = nn.ModuleList(nn.Sequential(*[HorBlock(d, i + 2) for _ in range(n)]) for i, (d, n) in enumerate(zip(dims, depths)))
        self.norm, self.head = nn.LayerNorm(dims[-1]), nn.Linear(dims[-1], classes)

    def forward(self, x):
        for dn, st in zip(self.downs, self.stages):
            x = st(dn(x))
        return self.head(self.norm(x.mean([-2, -1])))
