"""Nineteenth sweep (docs/model-sweep.md): segmentation context heads and industrial anomaly detection as their public code
writes them — EncNet's context encoding (PyTorch-Encoding: soft-assigned residuals to K codewords, SE-loss head),
EMANet's expectation-maximization attention (three E / M iterations by bmm, softmax and L2 normalization), ISANet's
interlaced sparse self-attention (mmseg ISAHead: long-range then short-range non-local blocks over permuted groups),
anomalib's FastFlow (per-stage LayerNorm, FrEIA AllInOneBlock couplings with soft-clamped affine and a fixed channel
permutation, anomaly map from the latents) and Reverse Distillation (RD4AD: one-class bottleneck embedding, a
transposed-conv decoder, 1 - cosine similarity maps). Plain torch.nn, small widths, random weights. Imported by
sweep19_vis.py."""
import torch
from torch import nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1, p=None, d=1, g=1, act=True):
    layers = [nn.Conv2d(i, o, k, s, (k // 2) * d if p is None else p, dilation=d, groups=g, bias=False), nn.BatchNorm2d(o)]
    return nn.Sequential(*layers, nn.ReLU()) if act else nn.Sequential(*layers)


class Basic(nn.Module):
    def __init__(self, i, o, s=1, d=1):
        super().__init__()
        self.c1, self.c2 = cbr(i, o, 3, s, d=d), cbr(o, o, 3, 1, d=d, act=False)
        self.sc = cbr(i, o, 1, s, p=0, act=False) if (s != 1 or i != o) else nn.Identity()

    def forward(self, x):
        return F.relu(self.c2(self.c1(x)) + self.sc(x))


class DilatedBackbone(nn.Module):
    """A ResNet-18-like backbone with output stride 8 (layers 3-4 dilated), as the segmentation heads sit on."""

    def __init__(self, c=(16, 32, 64, 128)):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, c[0], 3, 2), cbr(c[0], c[0]), nn.MaxPool2d(3, 2, 1))
        self.l1, self.l2 = Basic(c[0], c[0]), Basic(c[0], c[1], 2)
        self.l3, self.l4 = Basic(c[1], c[2], 1, 2), Basic(c[2], c[3], 1, 4)

    def forward(self, x):
        x = self.l2(self.l1(self.stem(x)))
        c3 = self.l3(x)
        return c3, self.l4(c3)


# --- EncNet (zhanghang1989/PyTorch-Encoding encoding/nn/encoding.py, models/sseg/encnet.py) ---
class Encoding(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        std = 1. / (k * d) ** 0.5
        self.codewords = nn.Parameter(torch.empty(k, d).uniform_(-std, std))
        self.scale = nn.Parameter(torch.empty(k).uniform_(-1, 0))
        self.k, self.d = k, d

    def forward(self, x):
        b, d = x.shape[:2]
        x = x.view(b, d, -1).transpose(1, 2).contiguous()                         # B, N, D
        r = x.unsqueeze(2) - self.codewords.view(1, 1, self.k, self.d)           # B, N, K, D
        a = F.softmax(self.scale.view(1, 1, self.k) * r.pow(2).sum(3), dim=2)    # scaled_l2
        return (a.unsqueeze(3) * r).sum(1)                                       # aggregate: B, K, D


class Mean(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return x.mean(self.dim)


class EncNet(nn.Module):
    def __init__(self, ncls=19, c=128, k=32):
        super().__init__()
        self.backbone = DilatedBackbone()
        self.conv5 = cbr(128, c)
        self.encoding = nn.Sequential(nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(), Encoding(c, k),
                                      nn.BatchNorm1d(k), nn.ReLU(), Mean(1))
        self.fc = nn.Sequential(nn.Linear(c, c), nn.Sigmoid())
        self.selayer = nn.Linear(c, ncls)
        self.conv6 = nn.Sequential(nn.Dropout2d(0.1), nn.Conv2d(c, ncls, 1))

    def forward(self, image):
        size = image.shape[2:]
        _, c4 = self.backbone(image)
        x = self.conv5(c4)
        en = self.encoding(x)
        y = self.fc(en).view(x.shape[0], x.shape[1], 1, 1)
        out = self.conv6(F.relu(x + x * y))
        return F.interpolate(out, size, mode='bilinear', align_corners=True), self.selayer(en)


# --- EMANet (XiaLiPKU/EMANet network.py EMAU) ---
class EMAU(nn.Module):
    def __init__(self, c, k=32, stage_num=3):
        super().__init__()
        mu = torch.randn(1, c, k) * (2. / k) ** 0.5
        self.register_buffer('mu', F.normalize(mu, dim=1))
        self.stage_num = stage_num
        self.conv1 = nn.Conv2d(c, c, 1)
        self.conv2 = nn.Sequential(nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        idn = x
        x = self.conv1(x)
        b, c, h, w = x.shape
        x = x.view(b, c, h * w)
        mu = self.mu.repeat(b, 1, 1)
        for _ in range(self.stage_num):
            z = F.softmax(torch.bmm(x.permute(0, 2, 1), mu), dim=2)   # b, n, k
            z_ = z / (1e-6 + z.sum(dim=1, keepdim=True))
            mu = torch.bmm(x, z_)                                      # b, c, k
            mu = mu / (1e-6 + mu.norm(dim=1, keepdim=True))
        x = mu.matmul(z.permute(0, 2, 1)).view(b, c, h, w)
        return F.relu(self.conv2(F.relu(x)) + idn), mu


class EMANet(nn.Module):
    def __init__(self, ncls=19, c=64):
        super().__init__()
        self.backbone = DilatedBackbone()
        self.fc0 = cbr(128, c)
        self.emau = EMAU(c)
        self.fc1 = nn.Sequential(cbr(c, c), nn.Dropout2d(0.1))
        self.fc2 = nn.Conv2d(c, ncls, 1)

    def forward(self, image):
        _, c4 = self.backbone(image)
        x, mu = self.emau(self.fc0(c4))
        x = self.fc2(self.fc1(x))
        return F.interpolate(x, image.shape[2:], mode='bilinear', align_corners=True), mu


# --- ISANet (open-mmlab mmseg/models/decode_heads/isa_head.py) ---
class SelfAttentionBlock(nn.Module):
    """mmseg's SelfAttentionBlock as ISA uses it: two-layer query / key projections, a one-layer value, c^-0.5 scaled."""

    def __init__(self, c, ch):
        super().__init__()
        self.q = nn.Sequential(cbr(c, ch, 1, p=0), cbr(ch, ch, 1, p=0))
        self.k = nn.Sequential(cbr(c, ch, 1, p=0), cbr(ch, ch, 1, p=0))
        self.v = cbr(c, ch, 1, p=0)
        self.o = cbr(ch, c, 1, p=0)
        self.ch = ch

    def forward(self, x):
        b, _, h, w = x.shape
        q = self.q(x).reshape(b, self.ch, -1).permute(0, 2, 1)
        k = self.k(x).reshape(b, self.ch, -1)
        v = self.v(x).reshape(b, self.ch, -1).permute(0, 2, 1)
        sim = F.softmax(torch.matmul(q, k) * self.ch ** -0.5, dim=-1)
        ctx = torch.matmul(sim, v).permute(0, 2, 1).reshape(b, self.ch, h, w)
        return self.o(ctx)


class ISAHead(nn.Module):
    def __init__(self, c=128, ch=64, ncls=19, down=(8, 8)):
        super().__init__()
        self.down = down
        self.in_conv = cbr(c, ch)
        self.glb, self.loc = SelfAttentionBlock(ch, ch // 2), SelfAttentionBlock(ch, ch // 2)
        self.out_conv = cbr(2 * ch, ch, 1, p=0)
        self.cls = nn.Conv2d(ch, ncls, 1)

    def forward(self, x):
        x = self.in_conv(x)
        residual = x
        n, c, h, w = x.shape
        loh, low = self.down
        glb_h, glb_w = h // loh, w // low
        x = x.view(n, c, glb_h, loh, glb_w, low).permute(0, 3, 5, 1, 2, 4).reshape(-1, c, glb_h, glb_w)
        x = self.glb(x)
        x = x.view(n, loh, low, c, glb_h, glb_w).permute(0, 4, 5, 3, 1, 2).reshape(-1, c, loh, low)
        x = self.loc(x)
        x = x.view(n, glb_h, glb_w, c, loh, low).permute(0, 3, 1, 4, 2, 5).reshape(n, c, h, w)
        return self.cls(self.out_conv(torch.cat([x, residual], dim=1)))


class ISANet(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone, self.head = DilatedBackbone(), ISAHead()

    def forward(self, image):
        _, c4 = self.backbone(image)
        return F.interpolate(self.head(c4), image.shape[2:], mode='bilinear', align_corners=False)


# --- shared anomaly backbone (a ResNet-18 feature extractor, three stages) ---
class Stages(nn.Module):
    def __init__(self, c=(32, 64, 128)):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, c[0], 7, 2), nn.MaxPool2d(3, 2, 1))
        self.l1, self.l2, self.l3 = Basic(c[0], c[0]), Basic(c[0], c[1], 2), Basic(c[1], c[2], 2)

    def forward(self, x):
        f1 = self.l1(self.stem(x))
        f2 = self.l2(f1)
        return [f1, f2, self.l3(f2)]


# --- FastFlow (openvinotoolkit/anomalib models/image/fastflow, FrEIA AllInOneBlock) ---
class AllInOneBlock(nn.Module):
    def __init__(self, c, hidden, k, clamp=2.0, seed=0):
        super().__init__()
        self.split = (c - c // 2, c // 2)
        self.subnet = nn.Sequential(nn.Conv2d(self.split[0], hidden, k, padding=k // 2), nn.ReLU(),
                                    nn.Conv2d(hidden, 2 * self.split[1], k, padding=k // 2))
        self.clamp = clamp
        g = torch.Generator().manual_seed(seed)
        perm = torch.randperm(c, generator=g)
        w = torch.zeros(c, c)
        w[torch.arange(c), perm] = 1.
        self.register_buffer('w_perm', w.view(c, c, 1, 1))
        self.global_scale = nn.Parameter(torch.randn(1, c, 1, 1) * 0.3 + 2 * torch.log(torch.exp(torch.tensor(0.5 * 10.)) - 1))
        self.global_offset = nn.Parameter(torch.randn(1, c, 1, 1) * 0.1)

    def forward(self, x):
        x0, x1 = torch.split(x, self.split, dim=1)
        a = self.subnet(x0) * 0.1
        ch = x1.shape[1]
        x1 = x1 * torch.exp(self.clamp * torch.tanh(a[:, :ch])) + a[:, ch:]
        x = torch.cat((x0, x1), 1)
        scale = 0.1 * F.softplus(self.global_scale, beta=0.5)
        return F.conv2d(x, self.w_perm) * scale + self.global_offset


class FastFlow(nn.Module):
    def __init__(self, size=128, steps=4):
        super().__init__()
        self.backbone = Stages()
        chans, scales = (32, 64, 128), (4, 8, 16)
        self.norms = nn.ModuleList(nn.LayerNorm([c, size // s, size // s]) for c, s in zip(chans, scales))
        self.flows = nn.ModuleList(nn.ModuleList(AllInOneBlock(c, c, 3 if i % 2 == 0 else 1, seed=10 * j + i) for i in range(steps))
                                   for j, c in enumerate(chans))
        self.size = size

    def forward(self, image):
        maps = []
        for f, norm, flow in zip(self.backbone(image), self.norms, self.flows):
            z = norm(f)
            for block in flow:
                z = block(z)
            prob = torch.exp(-torch.mean(z ** 2, dim=1, keepdim=True) * 0.5)
            maps.append(F.interpolate(-prob, size=(self.size, self.size), mode='bilinear', align_corners=False))
        return torch.mean(torch.stack(maps, dim=-1), dim=-1)


# --- Reverse Distillation (hq-deng/RD4AD resnet.py / de_resnet.py, anomalib reverse_distillation) ---
class OCBE(nn.Module):
    """One-class bottleneck embedding: the three stages brought to the smallest by strided convs, fused, one block."""

    def __init__(self, c=(32, 64, 128)):
        super().__init__()
        self.c1 = nn.Sequential(cbr(c[0], c[1], 3, 2), cbr(c[1], c[2], 3, 2))
        self.c2 = cbr(c[1], c[2], 3, 2)
        self.fuse = Basic(3 * c[2], 2 * c[2], 2)

    def forward(self, fs):
        return self.fuse(torch.cat([self.c1(fs[0]), self.c2(fs[1]), fs[2]], 1))


class DeBasic(nn.Module):
    def __init__(self, i, o, up):
        super().__init__()
        if up:
            self.c1 = nn.Sequential(nn.ConvTranspose2d(i, o, 2, 2, bias=False), nn.BatchNorm2d(o), nn.ReLU())
            self.sc = nn.Sequential(nn.ConvTranspose2d(i, o, 2, 2, bias=False), nn.BatchNorm2d(o))
        else:
            self.c1, self.sc = cbr(i, o), nn.Identity()
        self.c2 = cbr(o, o, act=False)

    def forward(self, x):
        return F.relu(self.c2(self.c1(x)) + self.sc(x))


class ReverseDistillation(nn.Module):
    def __init__(self, size=128):
        super().__init__()
        self.encoder, self.bn = Stages(), OCBE()
        self.d3, self.d2, self.d1 = DeBasic(256, 128, True), DeBasic(128, 64, True), DeBasic(64, 32, True)
        self.size = size

    def forward(self, image):
        enc = self.encoder(image)
        b = self.bn(enc)
        d3 = self.d3(b)
        d2 = self.d2(d3)
        dec = [self.d1(d2), d2, d3]
        amap = 0
        for e, d in zip(enc, dec):
            m = 1 - F.cosine_similarity(e, d)
            amap = amap + F.interpolate(m.unsqueeze(1), size=(self.size, self.size), mode='bilinear', align_corners=True)
        return amap
