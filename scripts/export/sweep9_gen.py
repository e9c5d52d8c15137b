"""Ninth sweep (docs/model-sweep.md): generative models on the edge and anomaly detection as their projects write them —
TAESD's encoder and decoder (madebyollin/taesd: Block = 3 convs + skip, tanh clamp, nearest ×2), a Stable-Diffusion-like
UNet step (timestep embedding from an input timestep, ResBlocks with GroupNorm(32) and the time projection, transformer
blocks with self / cross attention to a text context and GEGLU, classifier-free-guidance batch 2), SD's VAE decoder
(mid-block single-head attention over H·W), anomalib's PatchCore (feature maps of two stages, 3×3 average pooling,
bilinear to one size, euclidean distance to a memory bank by the expanded form, TopK nearest, the image score re-weighted
by the nearest sample's neighbours, Gaussian blur) and PaDiM (random channel choice, Mahalanobis distance with per-
position inverse covariances). Plain torch.nn, small widths, random weights. Imported by sweep9_more.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F
import torchvision

from sweep3_models import timestep_embedding


# --- TAESD (madebyollin/taesd taesd.py) ---
def tconv(i, o, **kw):
    return nn.Conv2d(i, o, 3, padding=1, **kw)


class Clamp(nn.Module):
    def forward(self, x):
        return torch.tanh(x / 3) * 3


class TBlock(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv = nn.Sequential(tconv(i, o), nn.ReLU(), tconv(o, o), nn.ReLU(), tconv(o, o))
        self.skip = nn.Conv2d(i, o, 1, bias=False) if i != o else nn.Identity()
        self.fuse = nn.ReLU()

    def forward(self, x):
        return self.fuse(self.conv(x) + self.skip(x))


def taesd_encoder(c=32, latent=4):
    return nn.Sequential(tconv(3, c), TBlock(c, c),
                         tconv(c, c, stride=2, bias=False), TBlock(c, c), TBlock(c, c), TBlock(c, c),
                         tconv(c, c, stride=2, bias=False), TBlock(c, c), TBlock(c, c), TBlock(c, c),
                         tconv(c, c, stride=2, bias=False), TBlock(c, c), TBlock(c, c), TBlock(c, c), tconv(c, latent))


def taesd_decoder(c=32, latent=4):
    return nn.Sequential(Clamp(), tconv(latent, c), nn.ReLU(),
                         TBlock(c, c), TBlock(c, c), TBlock(c, c), nn.Upsample(scale_factor=2), tconv(c, c, bias=False),
                         TBlock(c, c), TBlock(c, c), TBlock(c, c), nn.Upsample(scale_factor=2), tconv(c, c, bias=False),
                         TBlock(c, c), TBlock(c, c), TBlock(c, c), nn.Upsample(scale_factor=2), tconv(c, c, bias=False),
                         TBlock(c, c), tconv(c, 3))


# --- diffusers-style UNet2DConditionModel step ---
class ResBlock(nn.Module):
    def __init__(self, i, o, temb):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(32, i), nn.Conv2d(i, o, 3, padding=1)
        self.t = nn.Linear(temb, o)
        self.n2, self.c2 = nn.GroupNorm(32, o), nn.Conv2d(o, o, 3, padding=1)
        self.skip = nn.Conv2d(i, o, 1) if i != o else nn.Identity()

    def forward(self, x, emb):
        h = self.c1(F.silu(self.n1(x))) + self.t(F.silu(emb))[:, :, None, None]
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class CrossAttn(nn.Module):
    def __init__(self, d, ctx, heads):
        super().__init__()
        self.h = heads
        self.q, self.k, self.v, self.o = nn.Linear(d, d, bias=False), nn.Linear(ctx, d, bias=False), nn.Linear(ctx, d, bias=False), nn.Linear(d, d)

    def forward(self, x, c):
        b, n, d = x.shape
        q = self.q(x).view(b, -1, self.h, d // self.h).transpose(1, 2)
        k = self.k(c).view(b, -1, self.h, d // self.h).transpose(1, 2)
        v = self.v(c).view(b, -1, self.h, d // self.h).transpose(1, 2)
        a = (q @ k.transpose(-1, -2) * (d // self.h) ** -0.5).softmax(-1)
        return self.o((a @ v).transpose(1, 2).reshape(b, n, d))


class Transformer2D(nn.Module):
    def __init__(self, c, ctx, heads=4):
        super().__init__()
        self.norm, self.pin, self.pout = nn.GroupNorm(32, c, eps=1e-6), nn.Linear(c, c), nn.Linear(c, c)
        self.n1, self.a1, self.n2, self.a2, self.n3 = nn.LayerNorm(c), CrossAttn(c, c, heads), nn.LayerNorm(c), CrossAttn(c, ctx, heads), nn.LayerNorm(c)
        self.geglu, self.ff = nn.Linear(c, 8 * c), nn.Linear(4 * c, c)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        r = x
        x = self.pin(self.norm(x).permute(0, 2, 3, 1).reshape(b, h * w, c))
        y = self.n1(x)
        x = x + self.a1(y, y)
        x = x + self.a2(self.n2(x), ctx)
        g, gate = self.geglu(self.n3(x)).chunk(2, -1)
        x = x + self.ff(g * F.gelu(gate))
        return self.pout(x).reshape(b, h, w, c).permute(0, 3, 1, 2) + r


class UNetStep(nn.Module):
    def __init__(self, ch=(32, 64), ctx=64):
        super().__init__()
        te = ch[0] * 4
        self.temb = nn.Sequential(nn.Linear(ch[0], te), nn.SiLU(), nn.Linear(te, te))
        self.cin = nn.Conv2d(4, ch[0], 3, padding=1)
        self.d0, self.t0, self.down = ResBlock(ch[0], ch[0], te), Transformer2D(ch[0], ctx), nn.Conv2d(ch[0], ch[0], 3, 2, 1)
        self.d1, self.t1 = ResBlock(ch[0], ch[1], te), Transformer2D(ch[1], ctx)
        self.m1, self.mt, self.m2 = ResBlock(ch[1], ch[1], te), Transformer2D(ch[1], ctx), ResBlock(ch[1], ch[1], te)
        self.u1, self.ut1 = ResBlock(2 * ch[1], ch[1], te), Transformer2D(ch[1], ctx)
        self.upc = nn.Conv2d(ch[1], ch[1], 3, padding=1)
        self.u0, self.ut0 = ResBlock(ch[1] + ch[0], ch[0], te), Transformer2D(ch[0], ctx)
        self.nout, self.cout = nn.GroupNorm(32, ch[0]), nn.Conv2d(ch[0], 4, 3, padding=1)
        self.ch0 = ch[0]

    def forward(self, sample, timestep, encoder_hidden_states):
        emb = self.temb(timestep_embedding(timestep.expand(sample.shape[0]), self.ch0))
        x = self.cin(sample)
        s0 = self.t0(self.d0(x, emb), encoder_hidden_states)
        s1 = self.t1(self.d1(self.down(s0), emb), encoder_hidden_states)
        m = self.m2(self.mt(self.m1(s1, emb), encoder_hidden_states), emb)
        u = self.ut1(self.u1(torch.cat([m, s1], 1), emb), encoder_hidden_states)
        u = self.upc(F.interpolate(u, scale_factor=2.0, mode='nearest'))
        u = self.ut0(self.u0(torch.cat([u, s0], 1), emb), encoder_hidden_states)
        return self.cout(F.silu(self.nout(u)))


# --- SD VAE decoder (diffusers AutoencoderKL.decode at small width) ---
class VaeRes(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.n1, self.c1, self.n2, self.c2 = nn.GroupNorm(32, i, eps=1e-6), nn.Conv2d(i, o, 3, padding=1), nn.GroupNorm(32, o, eps=1e-6), nn.Conv2d(o, o, 3, padding=1)
        self.skip = nn.Conv2d(i, o, 1) if i != o else nn.Identity()

    def forward(self, x):
        return self.skip(x) + self.c2(F.silu(self.n2(self.c1(F.silu(self.n1(x))))))


class VaeAttn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm, self.q, self.k, self.v, self.o = nn.GroupNorm(32, c, eps=1e-6), nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.norm(x).view(b, c, h * w).transpose(1, 2)
        a = torch.baddbmm(torch.empty(b, h * w, h * w), self.q(y), self.k(y).transpose(-1, -2), beta=0, alpha=c ** -0.5).softmax(-1)
        return self.o(torch.bmm(a, self.v(y))).transpose(-1, -2).reshape(b, c, h, w) + x


class VaeDecoder(nn.Module):
    def __init__(self, ch=(64, 64, 32), scale=0.18215):
        super().__init__()
        self.scale = scale
        self.pq, self.cin = nn.Conv2d(4, 4, 1), nn.Conv2d(4, ch[0], 3, padding=1)
        self.mid = nn.ModuleList([VaeRes(ch[0], ch[0]), VaeAttn(ch[0]), VaeRes(ch[0], ch[0])])
        ups, c = [], ch[0]
        for i, o in enumerate(ch):
            ups += [VaeRes(c, o), VaeRes(o, o)]
            c = o
            if i < len(ch) - 1:
                ups += [nn.Upsample(scale_factor=2.0, mode='nearest'), nn.Conv2d(o, o, 3, padding=1)]
        self.ups = nn.Sequential(*ups)
        self.nout, self.cout = nn.GroupNorm(32, c, eps=1e-6), nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, latent):
        x = self.cin(self.pq(latent / self.scale))
        for m in self.mid:
            x = m(x)
        x = self.cout(F.silu(self.nout(self.ups(x))))
        return (x / 2 + 0.5).clamp(0, 1)


# --- anomalib PatchCore / PaDiM (torch_model.py) ---
def gaussian_blur(x, sigma=4.0):
    k = 2 * int(4.0 * sigma + 0.5) + 1
    g = torch.exp(-(torch.arange(k, dtype=torch.float32) - k // 2) ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    x = F.pad(x, (k // 2, k // 2, k // 2, k // 2), mode='reflect')
    return F.conv2d(F.conv2d(x, g.view(1, 1, 1, k)), g.view(1, 1, k, 1))


class Features(nn.Module):
    def __init__(self):
        super().__init__()
        r = torchvision.models.resnet18()
        self.stem = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool)
        self.layer1, self.layer2, self.layer3 = r.layer1, r.layer2, r.layer3

    def forward(self, x):
        l1 = self.layer1(self.stem(x))
        l2 = self.layer2(l1)
        return l1, l2, self.layer3(l2)


class PatchCore(nn.Module):
    def __init__(self, bank=2000, k=9, size=224):
        super().__init__()
        self.f, self.k, self.size = Features(), k, size
        self.register_buffer('memory_bank', torch.randn(bank, 128 + 256).abs() * 0.5)

    @staticmethod
    def euclidean_dist(x, y):
        x_norm = x.pow(2).sum(dim=-1, keepdim=True)
        y_norm = y.pow(2).sum(dim=-1, keepdim=True)
        res = x_norm - 2 * torch.matmul(x, y.transpose(-2, -1)) + y_norm.transpose(-2, -1)
        return res.clamp_min_(0).sqrt_()

    def forward(self, x):
        _, l2, l3 = self.f(x)
        pool = nn.AvgPool2d(3, 1, 1)
        l2, l3 = pool(l2), pool(l3)
        emb = torch.cat([l2, F.interpolate(l3, size=l2.shape[-2:], mode='bilinear')], 1)
        b, c, h, w = emb.shape
        emb = emb.permute(0, 2, 3, 1).reshape(-1, c)
        d = self.euclidean_dist(emb, self.memory_bank)
        patch_scores, locations = d.topk(k=1, largest=False, dim=1)
        patch_scores, locations = patch_scores.reshape(b, -1), locations.reshape(b, -1)
        # compute_anomaly_score: re-weight the most anomalous patch by its nearest sample's neighbours
        max_patches = torch.argmax(patch_scores, dim=1)
        max_feat = emb.reshape(b, h * w, c)[torch.arange(b), max_patches]
        score = patch_scores[torch.arange(b), max_patches]
        nn_index = locations[torch.arange(b), max_patches]
        nn_sample = self.memory_bank[nn_index, :]
        _, support = self.euclidean_dist(nn_sample, self.memory_bank).topk(k=self.k, largest=False, dim=1)
        dist = self.euclidean_dist(max_feat.unsqueeze(1), self.memory_bank[support])
        weights = (1 - F.softmax(dist.squeeze(1), 1))[..., 0]
        amap = F.interpolate(patch_scores.reshape(b, 1, h, w), size=(self.size, self.size), mode='bilinear')
        return gaussian_blur(amap), weights * score


class PaDiM(nn.Module):
    def __init__(self, n_features=100, size=224):
        super().__init__()
        self.f, self.size = Features(), size
        self.register_buffer('idx', torch.randperm(64 + 128 + 256)[:n_features])
        n = (size // 4) ** 2
        self.register_buffer('mean', torch.randn(n_features, n) * 0.3)
        a = torch.randn(n, n_features, n_features) * 0.1
        self.register_buffer('inv_covariance', torch.linalg.inv(a @ a.transpose(1, 2) + torch.eye(n_features)))

    def forward(self, x):
        l1, l2, l3 = self.f(x)
        emb = torch.cat([l1, F.interpolate(l2, size=l1.shape[-2:], mode='nearest'), F.interpolate(l3, size=l1.shape[-2:], mode='nearest')], 1)
        emb = torch.index_select(emb, 1, self.idx)
        b, c, h, w = emb.shape
        emb = emb.reshape(b, c, h * w)
        delta = (emb - self.mean).permute(2, 0, 1)
        dist = (torch.matmul(delta, self.inv_covariance) * delta).sum(2).permute(1, 0)
        dist = dist.reshape(b, 1, h, w).clamp(0).sqrt()
        amap = F.interpolate(dist, size=(self.size, self.size), mode='bilinear', align_corners=False)
        amap = gaussian_blur(amap)
        return amap, amap.amax(dim=(-2, -1))
