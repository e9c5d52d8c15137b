"""Twenty-first sweep (docs/model-sweep.md): super-resolution and a mobile ViT hybrid as their public code writes them —
CARN-M (nmhkahn/CARN-pytorch: cascading blocks of efficient residual blocks with group convs, local and global
cascades by concatenation + 1x1, mean shift, group-conv pixel-shuffle upsampler), RLFN (bytedance/RLFN: residual local
feature blocks of three 3x3 convs, enhanced spatial attention with a strided conv, 7x7 / 3 max-pool and bilinear
upsampling, pixel-shuffle x4) and SHViT (ysj9909/SHViT: 16x16 conv patchify, single-head attention over a partial
channel slice with GroupNorm pre-norm, BN-only blocks, depthwise residual convs, SE patch merging). Plain torch.nn,
small widths, random weights. Imported by sweep21_vis.py."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep20_vis_bb import cbr


# --- CARN-M ---
class MeanShift(nn.Module):
    def __init__(self, sign):
        super().__init__()
        self.register_buffer('shift', sign * torch.tensor([0.4488, 0.4371, 0.4040]).view(1, 3, 1, 1))

    def forward(self, x):
        return x + self.shift


class EResidual(nn.Module):
    def __init__(self, c, g=4):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=g), nn.ReLU(), nn.Conv2d(c, c, 3, 1, 1, groups=g), nn.ReLU(), nn.Conv2d(c, c, 1))

    def forward(self, x):
        return F.relu(self.body(x) + x)


class CascadeBlock(nn.Module):
    def __init__(self, c, n=3):
        super().__init__()
        self.b = nn.ModuleList(EResidual(c) for _ in range(n))
        self.c = nn.ModuleList(nn.Sequential(nn.Conv2d(c * (i + 2), c, 1), nn.ReLU()) for i in range(n))

    def forward(self, x):
        cat, o = x, x
        for b, c in zip(self.b, self.c):
            cat = torch.cat([cat, b(o)], 1)
            o = c(cat)
        return o


class CARNM(nn.Module):
    def __init__(self, c=32, scale=2, g=4):
        super().__init__()
        self.sub, self.add = MeanShift(-1.), MeanShift(1.)
        self.entry = nn.Conv2d(3, c, 3, 1, 1)
        self.blocks = nn.ModuleList(CascadeBlock(c) for _ in range(3))
        self.c = nn.ModuleList(nn.Sequential(nn.Conv2d(c * (i + 2), c, 1), nn.ReLU()) for i in range(3))
        self.up = nn.Sequential(nn.Conv2d(c, 4 * c, 3, 1, 1, groups=g), nn.ReLU(), nn.PixelShuffle(2))
        self.exit = nn.Conv2d(c, 3, 3, 1, 1)

    def forward(self, x):
        x = self.entry(self.sub(x))
        cat, o = x, x
        for b, c in zip(self.blocks, self.c):
            cat = torch.cat([cat, b(o)], 1)
            o = c(cat)
        return self.add(self.exit(self.up(o)))


# --- RLFN ---
class ESA(nn.Module):
    def __init__(self, c, f=16):
        super().__init__()
        self.conv1, self.conv_f = nn.Conv2d(c, f, 1), nn.Conv2d(f, f, 1)
        self.conv2 = nn.Conv2d(f, f, 3, 2, 0)
        self.conv3 = nn.Conv2d(f, f, 3, 1, 1)
        self.conv4 = nn.Conv2d(f, c, 1)

    def forward(self, x):
        c1_ = self.conv1(x)
        c1 = F.max_pool2d(self.conv2(c1_), 7, 3)
        c3 = F.interpolate(self.conv3(c1), size=x.shape[2:], mode='bilinear', align_corners=False)
        return x * torch.sigmoid(self.conv4(c3 + self.conv_f(c1_)))


class RLFB(nn.Module):
    def __init__(self, c, mid=None):
        super().__init__()
        mid = mid or c
        self.c1, self.c2, self.c3 = nn.Conv2d(c, mid, 3, 1, 1), nn.Conv2d(mid, mid, 3, 1, 1), nn.Conv2d(mid, c, 3, 1, 1)
        self.c5 = nn.Conv2d(c, c, 1)
        self.esa = ESA(c)

    def forward(self, x):
        a = F.leaky_relu(self.c1(x), 0.05)
        a = F.leaky_relu(self.c2(a), 0.05)
        a = F.leaky_relu(self.c3(a), 0.05)
        return self.esa(self.c5(a + x))


class RLFN(nn.Module):
    def __init__(self, c=46, mid=48, scale=4):
        super().__init__()
        self.conv_1 = nn.Conv2d(3, c, 3, 1, 1)
        self.blocks = nn.Sequential(*[RLFB(c, mid) for _ in range(6)])
        self.conv_2 = nn.Conv2d(c, c, 3, 1, 1)
        self.up = nn.Sequential(nn.Conv2d(c, 3 * scale * scale, 3, 1, 1), nn.PixelShuffle(scale))

    def forward(self, x):
        f = self.conv_1(x)
        return self.up(self.conv_2(self.blocks(f)) + f)


# --- SHViT ---
def cb(cin, cout, k=1, s=1, g=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(cout))


class SHSA(nn.Module):
    def __init__(self, c, qk=16, pdim=32):
        super().__init__()
        self.scale, self.qk, self.pdim = qk ** -0.5, qk, pdim
        self.pre_norm = nn.GroupNorm(1, pdim)
        self.qkv = cb(pdim, 2 * qk + pdim)
        self.proj = nn.Sequential(nn.ReLU(), cb(c, c))

    def forward(self, x):
        b, c, h, w = x.shape
        x1, x2 = torch.split(x, [self.pdim, c - self.pdim], 1)
        q, k, v = self.qkv(self.pre_norm(x1)).split([self.qk, self.qk, self.pdim], 1)
        q, k, v = q.flatten(2), k.flatten(2), v.flatten(2)
        attn = ((q.transpose(-2, -1) @ k) * self.scale).softmax(-1)
        x1 = (v @ attn.transpose(-2, -1)).reshape(b, self.pdim, h, w)
        return self.proj(torch.cat([x1, x2], 1))


class SHViTBlock(nn.Module):
    def __init__(self, c, attn=True):
        super().__init__()
        self.conv = cb(c, c, 3, 1, c)
        self.mixer = SHSA(c, 16, c // 4) if attn else None
        self.ffn = nn.Sequential(cb(c, 2 * c), nn.ReLU(), cb(2 * c, c))

    def forward(self, x):
        x = x + self.conv(x)
        if self.mixer is not None:
            x = x + self.mixer(x)
        return x + self.ffn(x)


class SqueezeExcite(nn.Module):
    def __init__(self, c, r=0.25):
        super().__init__()
        m = max(int(c * r), 8)
        self.fc = nn.Sequential(nn.Conv2d(c, m, 1), nn.ReLU(), nn.Conv2d(m, c, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.fc(x.mean((2, 3), keepdim=True))


class PatchMerging(nn.Module):
    def __init__(self, c, cout):
        super().__init__()
        h = 4 * c
        self.body = nn.Sequential(cb(c, h), nn.ReLU(), cb(h, h, 3, 2, h), nn.ReLU(), SqueezeExcite(h), cb(h, cout))

    def forward(self, x):
        return self.body(x)


class SHViT(nn.Module):
    def __init__(self, dims=(64, 128, 192), depth=(1, 2, 3), nc=1000):
        super().__init__()
        d = dims[0]
        self.patch = nn.Sequential(cb(3, d // 8, 3, 2), nn.ReLU(), cb(d // 8, d // 4, 3, 2), nn.ReLU(), cb(d // 4, d // 2, 3, 2), nn.ReLU(), cb(d // 2, d, 3, 2))
        layers = []
        for i, (c, n) in enumerate(zip(dims, depth)):
            if i > 0:
                layers += [SHViTBlock(dims[i - 1], False), PatchMerging(dims[i - 1], c), SHViTBlock(c, False)]
            layers += [SHViTBlock(c, i > 0) for _ in range(n)]
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.BatchNorm1d(dims[-1]), nn.Linear(dims[-1], nc))

    def forward(self, x):
        x = self.blocks(self.patch(x))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))
