"""Eighteenth sweep, backbones (docs/model-sweep.md): GC ViT (window attention alternating with global-query attention,
global queries from fused-MBConv + max-pool feature extraction, relative position bias), EdgeViT (local-global-local
blocks: depthwise local aggregation, sparse global attention over avg-pool delegates, depthwise ConvTranspose local
propagation), DPN (dual path blocks: residual + densely concatenated parts by channel slices, grouped 3x3,
pre-activation), Coordinate attention MobileNetV2 (pooling along H and W separately, concatenated, split, sigmoid
gates), GCNet (global context blocks: softmax attention pooling over HW, bottleneck with LayerNorm over [C, 1, 1]),
ViG (Vision GNN: kNN graph over patches by TopK of pairwise distances, max-relative graph conv by gathers, grouped
1x1, FFN) — plain torch.nn with the math of their public code (small widths, random weights)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1, g=1, act=nn.ReLU):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o), act())


# ---------------------------------------------------------------- GC ViT (Hatamizadeh et al. 2023)
class SE(nn.Module):
    def __init__(self, c, r=0.25):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(c, int(c * r), bias=False), nn.GELU(), nn.Linear(int(c * r), c, bias=False), nn.Sigmoid())

    def forward(self, x):
        return x * self.fc(x.mean((2, 3))).unsqueeze(-1).unsqueeze(-1)


class FusedMBConv(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c, bias=False), nn.GELU(), SE(c), nn.Conv2d(c, c, 1, bias=False))

    def forward(self, x):
        return x + self.conv(x)


class ReduceSize(nn.Module):
    def __init__(self, c, o):
        super().__init__()
        self.conv = FusedMBConv(c)
        self.reduction = nn.Conv2d(c, o, 3, 2, 1, bias=False)
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(o)

    def forward(self, x):                                           # [B, H, W, C] channels-last as GC ViT keeps it
        x = self.n1(x).permute(0, 3, 1, 2)
        x = self.reduction(self.conv(x)).permute(0, 2, 3, 1)
        return self.n2(x)


class GlobalQueryGen(nn.Module):
    def __init__(self, c, steps):
        super().__init__()
        self.f = nn.Sequential(*[nn.Sequential(FusedMBConv(c), nn.MaxPool2d(3, 2, 1)) for _ in range(steps)])

    def forward(self, x):                                           # [B, C, H, W] -> [B, win, win, C]
        return self.f(x).permute(0, 2, 3, 1)


def window_partition(x, w):
    b, h, ww, c = x.shape
    x = x.view(b, h // w, w, ww // w, w, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, w * w, c)


def window_reverse(x, w, h, ww):
    b = x.shape[0] // (h * ww // w // w)
    x = x.view(b, h // w, ww // w, w, w, -1)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(b, h, ww, -1)


class WindowAttention(nn.Module):
    def __init__(self, c, heads, w, glob):
        super().__init__()
        self.h, self.d, self.glob, self.scale = heads, c // heads, glob, (c // heads) ** -0.5
        self.qkv = nn.Linear(c, c * (2 if glob else 3))
        self.proj = nn.Linear(c, c)
        self.bias_table = nn.Parameter(0.02 * torch.randn((2 * w - 1) ** 2, heads))
        coords = torch.stack(torch.meshgrid(torch.arange(w), torch.arange(w), indexing='ij')).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (w - 1)
        self.register_buffer('index', (rel[..., 0] * (2 * w - 1) + rel[..., 1]).view(-1), persistent=False)
        self.n = w * w

    def forward(self, x, q_global=None):
        B, N, C = x.shape
        if self.glob:
            kv = self.qkv(x).reshape(B, N, 2, self.h, self.d).permute(2, 0, 3, 1, 4)
            k, v = kv[0], kv[1]
            bg = q_global.shape[0]
            q = q_global.reshape(bg, 1, N, self.h, self.d).permute(0, 1, 3, 2, 4)
            q = q.repeat(1, B // bg, 1, 1, 1).reshape(B, self.h, N, self.d)
        else:
            qkv = self.qkv(x).reshape(B, N, 3, self.h, self.d).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        bias = self.bias_table[self.index].view(self.n, self.n, -1).permute(2, 0, 1)
        attn = (attn + bias.unsqueeze(0)).softmax(-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class GCViTBlock(nn.Module):
    def __init__(self, c, heads, w, glob):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.attn = WindowAttention(c, heads, w, glob)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
        self.w = w

    def forward(self, x, q_global):
        B, H, W, C = x.shape
        y = window_partition(self.n1(x), self.w)
        y = window_reverse(self.attn(y, q_global), self.w, H, W)
        x = x + y
        return x + self.mlp(self.n2(x))


class GCViT(nn.Module):
    def __init__(self, dims=(32, 64, 128, 256), depths=(2, 2, 2, 2), heads=(2, 4, 8, 16), classes=1000, w=7):
        super().__init__()
        self.stem = nn.Conv2d(3, dims[0], 3, 2, 1)
        self.stem_red = ReduceSize(dims[0], dims[0])
        self.levels = nn.ModuleList()
        for i, (c, d, h) in enumerate(zip(dims, depths, heads)):
            lvl = nn.Module()
            lvl.blocks = nn.ModuleList(GCViTBlock(c, h, w, k % 2 == 1) for k in range(d))
            lvl.qgen = GlobalQueryGen(c, 3 - i) if i < 3 else None
            lvl.down = ReduceSize(c, dims[i + 1]) if i < 3 else None
            self.levels.append(lvl)
        self.norm = nn.LayerNorm(dims[-1])
        self.head = nn.Linear(dims[-1], classes)

    def forward(self, x):
        x = self.stem_red(self.stem(x).permute(0, 2, 3, 1))         # [B, 56, 56, C]
        for lvl in self.levels:
            qg = lvl.qgen(x.permute(0, 3, 1, 2)) if lvl.qgen is not None else x
            for b in lvl.blocks:
                x = b(x, qg)
            if lvl.down is not None:
                x = lvl.down(x)
        return self.head(self.norm(x).mean((1, 2)))


# ---------------------------------------------------------------- EdgeViT (Pan et al. 2022)
class LocalAgg(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pos = nn.Conv2d(c, c, 3, 1, 1, groups=c)
        self.n1, self.n2 = nn.BatchNorm2d(c), nn.BatchNorm2d(c)
        self.agg = nn.Sequential(nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 5, 1, 2, groups=c), nn.Conv2d(c, c, 1))
        self.mlp = nn.Sequential(nn.Conv2d(c, 4 * c, 1), nn.GELU(), nn.Conv2d(4 * c, c, 1))

    def forward(self, x):
        x = x + self.pos(x)
        x = x + self.agg(self.n1(x))
        return x + self.mlp(self.n2(x))


class GlobalSparseAttn(nn.Module):
    def __init__(self, c, heads, sr):
        super().__init__()
        self.h, self.scale = heads, (c // heads) ** -0.5
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.sampler = nn.AvgPool2d(1, sr)
        self.local_prop = nn.ConvTranspose2d(c, c, sr, sr, groups=c)
        self.norm = nn.LayerNorm(c)

    def forward(self, x, H, W):
        B, N, C = x.shape
        x = self.sampler(x.transpose(1, 2).reshape(B, C, H, W))
        h, w = x.shape[2:]
        x = x.flatten(2).transpose(1, 2)
        qkv = self.qkv(x).reshape(B, -1, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(-1)
        x = (attn @ v).transpose(1, 2).reshape(B, -1, C)
        x = self.local_prop(x.transpose(1, 2).reshape(B, C, h, w))
        x = self.norm(x.flatten(2).transpose(1, 2))
        return self.proj(x)


class SelfAttnBlock(nn.Module):
    def __init__(self, c, heads, sr):
        super().__init__()
        self.pos = nn.Conv2d(c, c, 3, 1, 1, groups=c)
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.attn = GlobalSparseAttn(c, heads, sr)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(self, x):
        x = x + self.pos(x)
        B, C, H, W = x.shape
        t = x.flatten(2).transpose(1, 2)
        t = t + self.attn(self.n1(t), H, W)
        t = t + self.mlp(self.n2(t))
        return t.transpose(1, 2).reshape(B, C, H, W)


class EdgeViT(nn.Module):
    def __init__(self, dims=(36, 72, 144, 288), depths=(1, 1, 3, 1), heads=(1, 2, 4, 8), sr=(4, 2, 2, 1), classes=1000):
        super().__init__()
        stages, c = [], 3
        for i, (d, n, h, r) in enumerate(zip(dims, depths, heads, sr)):
            k = 4 if i == 0 else 2
            layers = [nn.Conv2d(c, d, k, k), nn.BatchNorm2d(d)]
            for _ in range(n):                                        # LGL: local, global, local
                layers += [LocalAgg(d), SelfAttnBlock(d, h, r), LocalAgg(d)]
            stages.append(nn.Sequential(*layers))
            c = d
        self.stages = nn.Sequential(*stages)
        self.norm = nn.BatchNorm2d(dims[-1])
        self.head = nn.Linear(dims[-1], classes)

    def forward(self, x):
        return self.head(self.norm(self.stages(x)).mean((2, 3)))


# ---------------------------------------------------------------- DPN (Chen et al. 2017; timm's dpn.py)
class BnActConv(nn.Module):
    def __init__(self, i, o, k, s=1, g=1):
        super().__init__()
        self.bn = nn.BatchNorm2d(i)
        self.conv = nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False)

    def forward(self, x):
        return self.conv(F.relu(self.bn(x)))


class DualPathBlock(nn.Module):
    def __init__(self, i, r, b, inc, groups, kind):
        super().__init__()
        self.num_1x1_c, self.inc = b, inc
        self.key_stride = 2 if kind == 'down' else 1
        self.proj = BnActConv(i, b + 2 * inc, 1, self.key_stride) if kind in ('proj', 'down') else None
        self.a = BnActConv(i, r, 1)
        self.b = BnActConv(r, r, 3, self.key_stride, groups)
        self.c = BnActConv(r, b + inc, 1)

    def forward(self, x):
        xin = torch.cat(x, 1) if isinstance(x, tuple) else x
        if self.proj is not None:
            xs = self.proj(xin)
            x_s1, x_s2 = xs[:, :self.num_1x1_c], xs[:, self.num_1x1_c:]
        else:
            x_s1, x_s2 = x
        out = self.c(self.b(self.a(xin)))
        return x_s1 + out[:, :self.num_1x1_c], torch.cat([x_s2, out[:, self.num_1x1_c:]], 1)


class DPN(nn.Module):
    def __init__(self, init=32, k_r=64, groups=16, k_sec=(2, 2, 3, 2), inc_sec=(8, 16, 16, 32), bw=(64, 128, 256, 512), classes=1000):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, init, 3, 2), nn.MaxPool2d(3, 2, 1))
        blocks, c = [], init
        for s, (n, inc, b) in enumerate(zip(k_sec, inc_sec, bw)):
            r = k_r * b // 64
            blocks.append(DualPathBlock(c, r, b, inc, groups, 'proj' if s == 0 else 'down'))
            c = b + 3 * inc
            for _ in range(2, n + 1):
                blocks.append(DualPathBlock(c, r, b, inc, groups, 'normal'))
                c += inc
        self.blocks = nn.ModuleList(blocks)
        self.bn = nn.BatchNorm2d(c)
        self.classifier = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        x = self.stem(x)
        for b in self.blocks:
            x = b(x)
        x = F.relu(self.bn(torch.cat(x, 1)))
        return self.classifier(F.adaptive_avg_pool2d(x, 1)).flatten(1)


# ---------------------------------------------------------------- Coordinate attention (Hou et al. 2021) in MobileNetV2
class h_sigmoid(nn.Module):
    def forward(self, x):
        return F.relu6(x + 3) / 6


class CoordAtt(nn.Module):
    def __init__(self, i, o, r=32):
        super().__init__()
        m = max(8, i // r)
        self.conv1, self.bn1 = nn.Conv2d(i, m, 1), nn.BatchNorm2d(m)
        self.conv_h, self.conv_w = nn.Conv2d(m, o, 1), nn.Conv2d(m, o, 1)

    def forward(self, x):
        n, c, h, w = x.size()
        x_h = F.adaptive_avg_pool2d(x, (h, 1))
        x_w = F.adaptive_avg_pool2d(x, (1, w)).permute(0, 1, 3, 2)
        y = self.bn1(self.conv1(torch.cat([x_h, x_w], dim=2)))
        y = y * h_sigmoid()(y)
        x_h, x_w = torch.split(y, [h, w], dim=2)
        a_h = self.conv_h(x_h).sigmoid()
        a_w = self.conv_w(x_w.permute(0, 1, 3, 2)).sigmoid()
        return x * a_w * a_h


class CAInvertedResidual(nn.Module):
    def __init__(self, i, o, s, t):
        super().__init__()
        m = i * t
        self.use_res = s == 1 and i == o
        layers = ([cbr(i, m, 1, act=nn.ReLU6)] if t != 1 else []) + [cbr(m, m, 3, s, m, act=nn.ReLU6), CoordAtt(m, m),
                                                                     nn.Conv2d(m, o, 1, bias=False), nn.BatchNorm2d(o)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


class CAMobileNetV2(nn.Module):
    def __init__(self, classes=1000, width=0.5):
        super().__init__()
        cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
        c = int(32 * width)
        layers = [cbr(3, c, 3, 2, act=nn.ReLU6)]
        for t, o, n, s in cfg:
            o = max(8, int(o * width))
            for k in range(n):
                layers.append(CAInvertedResidual(c, o, s if k == 0 else 1, t))
                c = o
        layers.append(cbr(c, 640, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(640, classes)

    def forward(self, x):
        return self.classifier(self.features(x).mean((2, 3)))


# ---------------------------------------------------------------- GCNet (Cao et al. 2019) in a ResNet
class ContextBlock(nn.Module):
    def __init__(self, c, ratio=0.25):
        super().__init__()
        p = int(c * ratio)
        self.conv_mask = nn.Conv2d(c, 1, 1)
        self.add = nn.Sequential(nn.Conv2d(c, p, 1), nn.LayerNorm([p, 1, 1]), nn.ReLU(inplace=True), nn.Conv2d(p, c, 1))

    def forward(self, x):
        b, c, h, w = x.shape
        mask = F.softmax(self.conv_mask(x).view(b, 1, h * w), dim=2).unsqueeze(-1)    # [B, 1, HW, 1]
        ctx = torch.matmul(x.view(b, 1, c, h * w), mask).view(b, c, 1, 1)
        return x + self.add(ctx)


class GCBottleneck(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        m = o // 4
        self.b = nn.Sequential(cbr(i, m, 1), cbr(m, m, 3, s), nn.Conv2d(m, o, 1, bias=False), nn.BatchNorm2d(o))
        self.gc = ContextBlock(o)
        self.down = nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o)) if s != 1 or i != o else nn.Identity()

    def forward(self, x):
        return F.relu(self.gc(self.b(x)) + self.down(x))


class GCResNet(nn.Module):
    def __init__(self, widths=(64, 128, 256, 512), depths=(2, 2, 2, 2), classes=1000):
        super().__init__()
        layers, c = [cbr(3, 32, 7, 2), nn.MaxPool2d(3, 2, 1)], 32
        for i, (w, d) in enumerate(zip(widths, depths)):
            for k in range(d):
                layers.append(GCBottleneck(c, w, 2 if k == 0 and i > 0 else 1))
                c = w
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        return self.fc(self.features(x).mean((2, 3)))


# ---------------------------------------------------------------- ViG (Han et al. 2022), isotropic
def pairwise_distance(x):                                            # [B, N, C]
    inner = -2 * torch.matmul(x, x.transpose(2, 1))
    sq = torch.sum(x * x, dim=-1, keepdim=True)
    return sq + inner + sq.transpose(2, 1)


def batched_index_select(x, idx):                                    # x [B, C, N, 1], idx [B, N, k]
    b, c, n = x.shape[:3]
    k = idx.shape[-1]
    base = torch.arange(0, b).view(-1, 1, 1) * n
    flat = (idx + base).contiguous().view(-1)
    x = x.transpose(2, 1).contiguous().view(b * n, -1)[flat, :]
    return x.view(b, n, k, c).permute(0, 3, 1, 2).contiguous()      # [B, C, N, k]


class Grapher(nn.Module):
    def __init__(self, c, k=9, dilation=1):
        super().__init__()
        self.fc1 = nn.Sequential(nn.Conv2d(c, c, 1), nn.BatchNorm2d(c))
        self.nn = nn.Sequential(nn.Conv2d(2 * c, 2 * c, 1, groups=4), nn.BatchNorm2d(2 * c), nn.GELU())
        self.fc2 = nn.Sequential(nn.Conv2d(2 * c, c, 1), nn.BatchNorm2d(c))
        self.k, self.d = k, dilation

    def forward(self, x):
        B, C, H, W = x.shape
        y = self.fc1(x).reshape(B, C, -1, 1)
        xn = F.normalize(y, p=2.0, dim=1)
        dist = pairwise_distance(xn.squeeze(-1).transpose(1, 2))
        nn_idx = torch.topk(-dist, k=self.k * self.d)[1][:, :, ::self.d]             # [B, N, k]
        center = torch.arange(H * W).view(1, -1, 1).repeat(B, 1, self.k)
        x_i = batched_index_select(y, center)
        x_j = batched_index_select(y, nn_idx)
        x_j, _ = torch.max(x_j - x_i, -1, keepdim=True)
        g = self.nn(torch.cat([y, x_j], 1))
        return self.fc2(g).reshape(B, C, H, W) + x


class ViG(nn.Module):
    def __init__(self, c=96, blocks=6, classes=1000, k=9):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, c // 4, 3, 2, act=nn.GELU), cbr(c // 4, c // 2, 3, 2, act=nn.GELU),
                                  cbr(c // 2, c, 3, 2, act=nn.GELU), cbr(c, c, 3, 2, act=nn.GELU), nn.Conv2d(c, c, 3, 1, 1),
                                  nn.BatchNorm2d(c))
        self.pos = nn.Parameter(0.02 * torch.randn(1, c, 14, 14))
        self.blocks = nn.ModuleList(nn.ModuleList([
            Grapher(c, k, min(i // 4 + 1, 196 // k)),
            nn.Sequential(nn.Conv2d(c, 4 * c, 1), nn.BatchNorm2d(4 * c), nn.GELU(), nn.Conv2d(4 * c, c, 1), nn.BatchNorm2d(c))])
            for i in range(blocks))
        self.head = nn.Sequential(nn.Conv2d(c, 256, 1), nn.BatchNorm2d(256), nn.GELU(), nn.Conv2d(256, classes, 1))

    def forward(self, x):
        x = self.stem(x) + self.pos
        for g, ffn in self.blocks:
            x = g(x)
            x = x + ffn(x)
        return self.head(F.adaptive_avg_pool2d(x, 1)).flatten(1)
