"""Sixteenth sweep, 3-D / video / points (docs/model-sweep.md): I3D (inflated Inception-v1 with TensorFlow-style SAME
padding computed per dim and padded by F.pad before Conv3d / MaxPool3d, as pytorch-i3d), ir-CSN (channel-separated
3-D bottlenecks: depthwise 3x3x3 Conv3d), ViViT (factorised encoder: tubelet Conv3d embedding, spatial transformer per
frame with CLS tokens, temporal transformer over the frames' CLS), VoxelNet (VFE layers over a fixed voxel batch:
pointwise Linear-BN-ReLU, max over points, concatenated back, masked; dense scatter by a one-hot matmul; 3-D
middle convs; RPN), MedNeXt (3-D ConvNeXt blocks: depthwise 5x5x5, GroupNorm with one group per channel, expansion,
GELU, residual up / down blocks with ConvTranspose3d) — plain torch.nn with the math of their public code (small
widths, random weights)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- I3D (Carreira & Zisserman 2017), pytorch-i3d
def same_pad(x, kernel, stride):
    """pytorch-i3d's TensorFlow SAME padding of a [N, C, T, H, W] input (F.pad order: W, H, T; the odd one at the end)."""
    pad = []
    for dim in (2, 1, 0):
        s = int(x.shape[2 + dim])
        p = max(kernel[dim] - (stride[dim] if s % stride[dim] == 0 else s % stride[dim]), 0)
        pad += [p // 2, p - p // 2]
    return F.pad(x, tuple(pad))


class MaxPool3dSamePadding(nn.MaxPool3d):
    def forward(self, x):
        return super().forward(same_pad(x, self.kernel_size, self.stride))


class Unit3D(nn.Module):
    def __init__(self, i, o, k=(1, 1, 1), s=(1, 1, 1), act=True, bn=True, bias=False):
        super().__init__()
        self.k, self.s, self.act = k, s, act
        self.conv = nn.Conv3d(i, o, k, s, 0, bias=bias)
        self.bn = nn.BatchNorm3d(o, eps=0.001, momentum=0.01) if bn else None

    def forward(self, x):
        x = self.conv(same_pad(x, self.k, self.s))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.act else x


class InceptionModule(nn.Module):
    def __init__(self, i, oc):
        super().__init__()
        self.b0 = Unit3D(i, oc[0])
        self.b1a, self.b1b = Unit3D(i, oc[1]), Unit3D(oc[1], oc[2], (3, 3, 3))
        self.b2a, self.b2b = Unit3D(i, oc[3]), Unit3D(oc[3], oc[4], (3, 3, 3))
        self.b3a, self.b3b = MaxPool3dSamePadding((3, 3, 3), (1, 1, 1)), Unit3D(i, oc[5])

    def forward(self, x):
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], 1)


class I3D(nn.Module):
    def __init__(self, classes=50):
        super().__init__()
        self.net = nn.Sequential(
            Unit3D(3, 16, (7, 7, 7), (2, 2, 2)), MaxPool3dSamePadding((1, 3, 3), (1, 2, 2)),
            Unit3D(16, 16), Unit3D(16, 48, (3, 3, 3)), MaxPool3dSamePadding((1, 3, 3), (1, 2, 2)),
            InceptionModule(48, [16, 24, 32, 4, 8, 8]), InceptionModule(64, [32, 32, 48, 8, 24, 16]),
            MaxPool3dSamePadding((3, 3, 3), (2, 2, 2)),
            InceptionModule(120, [48, 24, 52, 4, 12, 16]), MaxPool3dSamePadding((2, 2, 2), (2, 2, 2)),
            InceptionModule(128, [64, 40, 80, 8, 32, 32]))
        self.logits = Unit3D(208, classes, act=False, bn=False, bias=True)

    def forward(self, x):
        x = self.net(x)
        x = F.avg_pool3d(x, (2, int(x.shape[3]), int(x.shape[4])), (1, 1, 1))
        x = self.logits(x)  # [B, classes, t, 1, 1]
        return x.squeeze(3).squeeze(3).mean(2)


# ---------------------------------------------------------------- ir-CSN (Tran et al. 2019), as in pytorchvideo
class CSNBottleneck(nn.Module):
    def __init__(self, i, inner, o, s):
        super().__init__()
        self.a = nn.Sequential(nn.Conv3d(i, inner, 1, bias=False), nn.BatchNorm3d(inner), nn.ReLU())
        self.b = nn.Sequential(nn.Conv3d(inner, inner, 3, (1, s, s), 1, groups=inner, bias=False), nn.BatchNorm3d(inner), nn.ReLU())
        self.c = nn.Sequential(nn.Conv3d(inner, o, 1, bias=False), nn.BatchNorm3d(o))
        self.skip = None if i == o and s == 1 else nn.Sequential(nn.Conv3d(i, o, 1, (1, s, s), bias=False), nn.BatchNorm3d(o))

    def forward(self, x):
        y = self.c(self.b(self.a(x)))
        return F.relu(y + (x if self.skip is None else self.skip(x)))


class IrCSN(nn.Module):
    def __init__(self, classes=50):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 16, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False), nn.BatchNorm3d(16), nn.ReLU(),
                                  nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)))
        spec = [(16, 16, 64, 1), (64, 32, 128, 2), (128, 64, 256, 2), (256, 128, 512, 2)]
        self.stages = nn.Sequential(*[nn.Sequential(CSNBottleneck(i, m, o, s), CSNBottleneck(o, m, o, 1)) for i, m, o, s in spec])
        self.head = nn.Linear(512, classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.head(F.adaptive_avg_pool3d(x, 1).flatten(1))


# ---------------------------------------------------------------- ViViT model 2 (Arnab et al. 2021), factorised encoder
class PreNormBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.heads, self.qkv, self.out = heads, nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        b, n, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.n1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, n, h, d // h).transpose(1, 2) for t in (q, k, v))
        a = (q @ k.transpose(-1, -2) * (d // h) ** -0.5).softmax(-1)
        x = x + self.out((a @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.ff(self.n2(x))


class ViViT(nn.Module):
    def __init__(self, frames=16, img=112, tube=(2, 16, 16), d=96, heads=4, sdepth=2, tdepth=1, classes=50):
        super().__init__()
        self.embed = nn.Conv3d(3, d, tube, tube)
        t, n = frames // tube[0], (img // tube[1]) * (img // tube[2])
        self.pos = nn.Parameter(0.02 * torch.randn(1, t, n + 1, d))
        self.space_token, self.temporal_token = nn.Parameter(0.02 * torch.randn(1, 1, d)), nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.space = nn.Sequential(*[PreNormBlock(d, heads) for _ in range(sdepth)])
        self.snorm = nn.LayerNorm(d)
        self.temporal = nn.Sequential(*[PreNormBlock(d, heads) for _ in range(tdepth)])
        self.tnorm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):  # [B, C, T, H, W]
        x = self.embed(x)  # [B, d, t, h, w]
        b, d, t = x.shape[:3]
        x = x.flatten(3).permute(0, 2, 3, 1)  # [b, t, n, d]
        x = torch.cat([self.space_token.unsqueeze(0).expand(b, t, 1, d), x], 2) + self.pos
        x = self.snorm(self.space(x.reshape(b * t, -1, d)))
        x = x[:, 0].reshape(b, t, d)
        x = torch.cat([self.temporal_token.expand(b, 1, d), x], 1)
        x = self.tnorm(self.temporal(x))
        return self.head(x[:, 0])


# ---------------------------------------------------------------- VoxelNet (Zhou & Tuzel 2018)
class VFE(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.units = o // 2
        self.fc, self.bn = nn.Linear(i, self.units), nn.BatchNorm1d(self.units)

    def forward(self, x, mask):  # x [V, T, i], mask [V, T, 1]
        pw = F.relu(self.bn(self.fc(x).transpose(1, 2)).transpose(1, 2))
        agg = torch.max(pw, 1, keepdim=True)[0].expand(-1, pw.shape[1], -1)
        return torch.cat([pw, agg], 2) * mask


class VoxelNet(nn.Module):
    """Voxel features [V, T, 7] (x, y, z, r, offsets from the voxel mean) with their point counts [V] and grid coords
    [V, 3] (z, y, x) as inputs; VFE-1 (7 -> 32), VFE-2 (32 -> 64), FCN 64 -> 64, max over points; the sparse voxels
    scattered into a dense [C, D, H, W] grid as OpenPCDet's scatter writes it (`dense[:, idx] = x.t()`); convolutional middle
    layers (Conv3d with strides over D), D folded into channels, an RPN (three blocks, deconvs concatenated) with
    score and regression maps."""

    def __init__(self, grid=(10, 64, 64), anchors=2):
        super().__init__()
        self.grid = grid
        self.vfe1, self.vfe2 = VFE(7, 32), VFE(32, 64)
        self.fcn, self.fcn_bn = nn.Linear(64, 64), nn.BatchNorm1d(64)
        self.mid = nn.Sequential(nn.Conv3d(64, 32, 3, (2, 1, 1), (1, 1, 1)), nn.BatchNorm3d(32), nn.ReLU(),
                                 nn.Conv3d(32, 32, 3, (1, 1, 1), (0, 1, 1)), nn.BatchNorm3d(32), nn.ReLU(),
                                 nn.Conv3d(32, 32, 3, (2, 1, 1), (1, 1, 1)), nn.BatchNorm3d(32), nn.ReLU())
        c = 32 * 2
        def blk(i, o, n, s):
            return nn.Sequential(nn.Conv2d(i, o, 3, s, 1), nn.BatchNorm2d(o), nn.ReLU(), *[m for _ in range(n) for m in (nn.Conv2d(o, o, 3, 1, 1), nn.BatchNorm2d(o), nn.ReLU())])
        self.b1, self.b2, self.b3 = blk(c, 64, 2, 2), blk(64, 64, 2, 2), blk(64, 128, 2, 2)
        self.d1 = nn.Sequential(nn.ConvTranspose2d(64, 64, 1, 1), nn.BatchNorm2d(64))
        self.d2 = nn.Sequential(nn.ConvTranspose2d(64, 64, 2, 2), nn.BatchNorm2d(64))
        self.d3 = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 4), nn.BatchNorm2d(64))
        self.score, self.reg = nn.Conv2d(192, anchors, 1), nn.Conv2d(192, 7 * anchors, 1)

    def forward(self, feats, counts, coords):
        T = feats.shape[1]
        mask = (torch.arange(T).view(1, T) < counts.view(-1, 1)).to(feats.dtype).unsqueeze(2)
        x = self.vfe2(self.vfe1(feats, mask), mask)
        x = F.relu(self.fcn_bn(self.fcn(x).transpose(1, 2)).transpose(1, 2))
        x = torch.max(x, 1)[0]  # [V, 64]
        D, H, W = self.grid
        flat = coords[:, 0] * (H * W) + coords[:, 1] * W + coords[:, 2]
        dense = torch.zeros(64, D * H * W, dtype=x.dtype)
        dense[:, flat] = x.t()  # OpenPCDet's scatter form (index_put: ScatterND)
        dense = dense.view(1, 64, D, H, W)
        y = self.mid(dense)
        y = y.reshape(1, -1, H, W)
        y1 = self.b1(y)
        y2 = self.b2(y1)
        y3 = self.b3(y2)
        y = torch.cat([self.d1(y1), self.d2(y2), self.d3(y3)], 1)
        return torch.sigmoid(self.score(y)), self.reg(y)


def voxelnet_inputs(V=400, T=16, grid=(10, 64, 64)):
    g = torch.Generator().manual_seed(3)
    D, H, W = grid
    cells = torch.randperm(D * H * W, generator=g)[:V]
    coords = torch.stack([cells // (H * W), (cells // W) % H, cells % W], 1)
    counts = torch.randint(1, T + 1, (V,), generator=g)
    feats = torch.rand(V, T, 7, generator=g)
    feats = feats * (torch.arange(T).view(1, T, 1) < counts.view(-1, 1, 1))
    return feats, counts, coords


# ---------------------------------------------------------------- MedNeXt (Roy et al. 2023), 3-D
class MedNeXtBlock(nn.Module):
    def __init__(self, i, o, exp=2, k=5, do_res=True, mode=None):
        super().__init__()
        self.mode, self.do_res = mode, do_res
        s = 2 if mode == 'down' else 1
        if mode == 'up':
            self.conv1 = nn.ConvTranspose3d(i, i, k, 2, k // 2, groups=i)
        else:
            self.conv1 = nn.Conv3d(i, i, k, s, k // 2, groups=i)
        self.norm = nn.GroupNorm(i, i)
        self.conv2, self.conv3 = nn.Conv3d(i, exp * i, 1), nn.Conv3d(exp * i, o, 1)
        if mode == 'down' and do_res:
            self.res = nn.Conv3d(i, o, 1, 2)
        elif mode == 'up' and do_res:
            self.res = nn.ConvTranspose3d(i, o, 1, 2)

    def forward(self, x):
        y = self.conv3(F.gelu(self.conv2(self.norm(self.conv1(x)))))
        if self.mode == 'up':
            y = F.pad(y, (1, 0, 1, 0, 1, 0))
        if self.do_res:
            r = x if self.mode is None else self.res(x)
            if self.mode == 'up':
                r = F.pad(r, (1, 0, 1, 0, 1, 0))
            y = y + r
        return y


class MedNeXt(nn.Module):
    def __init__(self, cin=1, c=8, classes=3):
        super().__init__()
        self.stem = nn.Conv3d(cin, c, 1)
        self.enc0, self.down0 = MedNeXtBlock(c, c), MedNeXtBlock(c, 2 * c, mode='down')
        self.enc1, self.down1 = MedNeXtBlock(2 * c, 2 * c, 3), MedNeXtBlock(2 * c, 4 * c, 3, mode='down')
        self.bottleneck = MedNeXtBlock(4 * c, 4 * c, 4)
        self.up1, self.dec1 = MedNeXtBlock(4 * c, 2 * c, 3, mode='up'), MedNeXtBlock(2 * c, 2 * c, 3)
        self.up0, self.dec0 = MedNeXtBlock(2 * c, c, mode='up'), MedNeXtBlock(c, c)
        self.out = nn.ConvTranspose3d(c, classes, 1)

    def forward(self, x):
        x = self.stem(x)
        s0 = self.enc0(x)
        s1 = self.enc1(self.down0(s0))
        y = self.bottleneck(self.down1(s1))
        y = self.dec1(s1 + self.up1(y))
        y = self.dec0(s0 + self.up0(y))
        return self.out(y)
