"""Twentieth sweep (docs/model-sweep.md): backbones and attention modules as their public code writes them — CBAM
(Jongchan/attention-module: channel gate from avg and max pools through one shared MLP, spatial gate from the
channel-wise max and mean through a 7x7 conv, in every ResNet block), Triplet Attention (landskape/Triplet-Attention:
Z-pool (max, mean) and a 7x7 gate on three rotations of the tensor by permute, averaged), TResNet (Alibaba-MIIL:
space-to-depth stem, anti-aliased downsampling by a fixed blur filter, SE in the early stages, leaky-ReLU BN),
CondenseNet (ShichenLiu/CondenseNet, deploy form: the learned group conv as index_select of the kept channels, a
grouped 1x1 conv and a channel shuffle, dense concatenation), CapsNet (Sabour et al. 2017: primary capsules, u_hat
by a per-pair weight matmul, 3 routing iterations, squash, reconstruction masked by the longest capsule) and NetVLAD
(Nanne/pytorch-NetVlad: soft assignment by a 1x1 conv and softmax over clusters, residuals to the centroids, intra-
normalization, L2). Plain torch.nn, small widths, random weights. Imported by sweep20_vis.py."""
import torch
from torch import nn
import torch.nn.functional as F


def cbr(cin, cout, k=3, s=1, g=1, act=nn.ReLU):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(cout), act())


# --- CBAM ---
class ChannelGate(nn.Module):
    def __init__(self, c, r=16):
        super().__init__()
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(c, c // r), nn.ReLU(), nn.Linear(c // r, c))

    def forward(self, x):
        avg = self.mlp(F.avg_pool2d(x, (x.size(2), x.size(3))))
        mx = self.mlp(F.max_pool2d(x, (x.size(2), x.size(3))))
        return x * torch.sigmoid(avg + mx).unsqueeze(2).unsqueeze(3).expand_as(x)


class ZPool(nn.Module):
    def forward(self, x):
        return torch.cat((torch.max(x, 1)[0].unsqueeze(1), torch.mean(x, 1).unsqueeze(1)), dim=1)


class SpatialGate(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = ZPool()
        self.conv = nn.Sequential(nn.Conv2d(2, 1, 7, 1, 3, bias=False), nn.BatchNorm2d(1, eps=1e-5, momentum=0.01))

    def forward(self, x):
        return x * torch.sigmoid(self.conv(self.pool(x)))


class CBAMBlock(nn.Module):
    def __init__(self, cin, cout, s):
        super().__init__()
        self.c1, self.c2 = cbr(cin, cout, 3, s), nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.ch, self.sp = ChannelGate(cout), SpatialGate()
        self.down = None if s == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, s, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.sp(self.ch(self.c2(self.c1(x))))
        return F.relu(y + (x if self.down is None else self.down(x)))


class CBAMResNet(nn.Module):
    def __init__(self, widths=(32, 64, 128, 256), ncls=1000):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, widths[0], 7, 2), nn.MaxPool2d(3, 2, 1))
        layers, cin = [], widths[0]
        for i, w in enumerate(widths):
            layers += [CBAMBlock(cin, w, 1 if i == 0 else 2), CBAMBlock(w, w, 1)]
            cin = w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, ncls)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.layers(self.stem(x)), 1).flatten(1))


# --- Triplet attention ---
class AttentionGate(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = ZPool()
        self.conv = nn.Sequential(nn.Conv2d(2, 1, 7, 1, 3, bias=False), nn.BatchNorm2d(1))

    def forward(self, x):
        return x * torch.sigmoid(self.conv(self.pool(x)))


class TripletAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.cw, self.hc, self.hw = AttentionGate(), AttentionGate(), AttentionGate()

    def forward(self, x):
        x1 = self.cw(x.permute(0, 2, 1, 3).contiguous()).permute(0, 2, 1, 3).contiguous()
        x2 = self.hc(x.permute(0, 3, 2, 1).contiguous()).permute(0, 3, 2, 1).contiguous()
        return 1 / 3 * (self.hw(x) + x1 + x2)


class InvertedResidualTA(nn.Module):
    def __init__(self, cin, cout, s, t=6):
        super().__init__()
        h = cin * t
        self.body = nn.Sequential(cbr(cin, h, 1, act=nn.ReLU6), cbr(h, h, 3, s, g=h, act=nn.ReLU6),
                                  nn.Conv2d(h, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.ta = TripletAttention()
        self.res = s == 1 and cin == cout

    def forward(self, x):
        y = self.ta(self.body(x))
        return x + y if self.res else y


class TripletMobileNetV2(nn.Module):
    def __init__(self, ncls=1000):
        super().__init__()
        cfg = [(16, 1, 1), (24, 2, 2), (32, 2, 2), (64, 2, 2), (96, 1, 1), (160, 1, 2)]
        layers, cin = [cbr(3, 32, 3, 2, act=nn.ReLU6)], 32
        for c, n, s in cfg:
            for i in range(n):
                layers.append(InvertedResidualTA(cin, c, s if i == 0 else 1, 1 if c == 16 else 6))
                cin = c
        layers.append(cbr(cin, 640, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(640, ncls)

    def forward(self, x):
        return self.fc(self.features(x).mean([2, 3]))


# --- TResNet ---
class SpaceToDepth(nn.Module):
    def __init__(self, bs=4):
        super().__init__()
        self.bs = bs

    def forward(self, x):
        n, c, h, w = x.size()
        x = x.view(n, c, h // self.bs, self.bs, w // self.bs, self.bs)
        x = x.permute(0, 3, 5, 1, 2, 4).contiguous()
        return x.view(n, c * self.bs * self.bs, h // self.bs, w // self.bs)


class AntiAliasDownsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        a = torch.tensor([1., 2., 1.])
        f = (a[:, None] * a[None, :])
        f = f / f.sum()
        self.register_buffer('filt', f[None, None].repeat(c, 1, 1, 1))
        self.c = c

    def forward(self, x):
        return F.conv2d(F.pad(x, (1, 1, 1, 1), 'reflect'), self.filt, stride=2, groups=self.c)


def cbl(cin, cout, k=3, s=1, aa=False):
    if s == 2 and aa:
        return nn.Sequential(nn.Conv2d(cin, cout, k, 1, k // 2, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(1e-3),
                             AntiAliasDownsample(cout))
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(1e-3))


class FastSE(nn.Module):
    def __init__(self, c, r):
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(c, r, 1), nn.Conv2d(r, c, 1)

    def forward(self, x):
        s = x.view(x.size(0), x.size(1), -1).mean(-1).view(x.size(0), x.size(1), 1, 1)
        return x * torch.sigmoid(self.fc2(F.relu(self.fc1(s))))


class TBasic(nn.Module):
    def __init__(self, cin, c, s, se=True):
        super().__init__()
        self.c1 = cbl(cin, c, 3, s, aa=True)
        self.c2 = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        self.se = FastSE(c, max(c // 4, 16)) if se else nn.Identity()
        self.down = None
        if s != 1 or cin != c:
            self.down = nn.Sequential(nn.AvgPool2d(s, s, ceil_mode=True, count_include_pad=False) if s > 1 else nn.Identity(),
                                      nn.Conv2d(cin, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        y = self.se(self.c2(self.c1(x)))
        return F.relu(y + (x if self.down is None else self.down(x)))


class TBottleneck(nn.Module):
    def __init__(self, cin, c, s, se=True):
        super().__init__()
        self.c1 = cbl(cin, c, 1)
        self.c2 = cbl(c, c, 3, s, aa=True)
        self.se = FastSE(c, max(c * 4 // 8, 64)) if se else nn.Identity()
        self.c3 = nn.Sequential(nn.Conv2d(c, 4 * c, 1, bias=False), nn.BatchNorm2d(4 * c))
        self.down = None
        if s != 1 or cin != 4 * c:
            self.down = nn.Sequential(nn.AvgPool2d(s, s, ceil_mode=True, count_include_pad=False) if s > 1 else nn.Identity(),
                                      nn.Conv2d(cin, 4 * c, 1, bias=False), nn.BatchNorm2d(4 * c))

    def forward(self, x):
        y = self.c3(self.se(self.c2(self.c1(x))))
        return F.relu(y + (x if self.down is None else self.down(x)))


class TResNet(nn.Module):
    def __init__(self, w=32, ncls=1000):
        super().__init__()
        self.s2d = SpaceToDepth()
        self.conv1 = cbl(48, w, 3)
        self.l1 = nn.Sequential(TBasic(w, w, 1), TBasic(w, w, 1))
        self.l2 = nn.Sequential(TBasic(w, 2 * w, 2), TBasic(2 * w, 2 * w, 1))
        self.l3 = nn.Sequential(TBottleneck(2 * w, 4 * w, 2), TBottleneck(16 * w, 4 * w, 1))
        self.l4 = nn.Sequential(TBottleneck(16 * w, 8 * w, 2, se=False))
        self.fc = nn.Linear(32 * w, ncls)

    def forward(self, x):
        x = self.l4(self.l3(self.l2(self.l1(self.conv1(self.s2d(x))))))
        return self.fc(x.view(x.size(0), x.size(1), -1).mean(-1))


# --- CondenseNet (deploy form) ---
class ShuffleLayer(nn.Module):
    def __init__(self, g):
        super().__init__()
        self.g = g

    def forward(self, x):
        b, c, h, w = x.size()
        return x.view(b, self.g, c // self.g, h, w).transpose(1, 2).contiguous().view(b, c, h, w)


class CondensedLGC(nn.Module):
    def __init__(self, cin, cout, groups, keep, seed):
        super().__init__()
        self.norm = nn.BatchNorm2d(cin)
        g = torch.Generator().manual_seed(seed)
        self.register_buffer('index', torch.randperm(cin, generator=g)[:keep].sort().values)
        self.conv = nn.Conv2d(keep, cout, 1, groups=groups, bias=False)
        self.shuffle = ShuffleLayer(groups)

    def forward(self, x):
        x = torch.index_select(F.relu(self.norm(x)), 1, self.index)
        return self.shuffle(self.conv(x))


class CondenseLayer(nn.Module):
    def __init__(self, cin, growth, seed, bottleneck=4, groups=4):
        super().__init__()
        mid = bottleneck * growth
        self.conv1 = CondensedLGC(cin, mid, groups, (cin // 4 // groups) * groups or groups, seed)
        self.norm2 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, growth, 3, 1, 1, groups=groups, bias=False)

    def forward(self, x):
        return torch.cat([x, self.conv2(F.relu(self.norm2(self.conv1(x))))], 1)


class CondenseNet(nn.Module):
    def __init__(self, stages=(3, 4, 5), growth=(8, 16, 32), ncls=1000):
        super().__init__()
        layers, c, seed = [nn.Conv2d(3, 2 * growth[0], 3, 2, 1, bias=False)], 2 * growth[0], 0
        for i, (n, gr) in enumerate(zip(stages, growth)):
            for _ in range(n):
                layers.append(CondenseLayer(c, gr, seed))
                c, seed = c + gr, seed + 1
            if i < len(stages) - 1:
                layers.append(nn.AvgPool2d(2))
        self.features = nn.Sequential(*layers)
        self.norm = nn.BatchNorm2d(c)
        g = torch.Generator().manual_seed(99)
        self.register_buffer('index', torch.randperm(c, generator=g)[:c // 2].sort().values)
        self.fc = nn.Linear(c // 2, ncls)

    def forward(self, x):
        x = F.relu(self.norm(self.features(x)))
        x = F.adaptive_avg_pool2d(x, 1).view(x.size(0), -1)
        return self.fc(torch.index_select(x, 1, self.index))


# --- CapsNet ---
def squash(s, dim=-1):
    n2 = (s ** 2).sum(dim, keepdim=True)
    return n2 / (1 + n2) * s / torch.sqrt(n2 + 1e-8)


class CapsNet(nn.Module):
    def __init__(self, routing=3):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 9)
        self.primary = nn.Conv2d(64, 8 * 16, 9, 2)
        n = 16 * 6 * 6
        self.W = nn.Parameter(0.05 * torch.randn(1, n, 10, 16, 8))
        self.routing = routing
        self.decoder = nn.Sequential(nn.Linear(160, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784), nn.Sigmoid())

    def forward(self, x):
        b = x.size(0)
        u = self.primary(F.relu(self.conv1(x)))  # [B, 8*16, 6, 6]
        u = u.view(b, 8, 16 * 6 * 6).transpose(1, 2)  # [B, 576, 8]
        u = squash(u)
        u_hat = torch.matmul(self.W, u[:, :, None, :, None]).squeeze(-1)  # [B, 576, 10, 16]
        logits = torch.zeros(b, u_hat.size(1), 10, 1)
        for i in range(self.routing):
            c = F.softmax(logits, dim=2)
            v = squash((c * u_hat).sum(1, keepdim=True))  # [B, 1, 10, 16]
            if i < self.routing - 1:
                logits = logits + (u_hat * v).sum(-1, keepdim=True)
        v = v.squeeze(1)
        lengths = v.norm(dim=-1)
        mask = F.one_hot(lengths.argmax(-1), 10).to(v.dtype)
        recon = self.decoder((v * mask[:, :, None]).flatten(1)).view(b, 1, 28, 28)
        return lengths, recon


# --- NetVLAD ---
class NetVLAD(nn.Module):
    def __init__(self, k=32, d=128, alpha=100.0):
        super().__init__()
        self.encoder = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 64, 3, 2), cbr(64, 64), cbr(64, 128, 3, 2), cbr(128, 128),
                                     nn.Conv2d(128, d, 3, 2, 1))
        self.k, self.d = k, d
        c = torch.rand(k, d)
        self.centroids = nn.Parameter(c)
        self.conv = nn.Conv2d(d, k, 1, bias=True)
        with torch.no_grad():
            self.conv.weight.copy_((2.0 * alpha * c).unsqueeze(-1).unsqueeze(-1))
            self.conv.bias.copy_(-alpha * c.norm(dim=1))

    def forward(self, x):
        x = F.normalize(self.encoder(x), p=2, dim=1)
        n, c = x.shape[:2]
        soft = F.softmax(self.conv(x).view(n, self.k, -1), dim=1)  # [N, K, HW]
        flat = x.view(n, c, -1)
        res = flat.expand(self.k, -1, -1, -1).permute(1, 0, 2, 3) - \
            self.centroids.expand(flat.size(-1), -1, -1).permute(1, 2, 0).unsqueeze(0)
        vlad = (res * soft.unsqueeze(2)).sum(dim=-1)  # [N, K, C]
        vlad = F.normalize(vlad, p=2, dim=2)
        return F.normalize(vlad.view(n, -1), p=2, dim=1)
