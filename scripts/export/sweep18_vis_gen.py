"""Eighteenth sweep, restoration / inpainting / generative (docs/model-sweep.md): DeepFill v2 (gated convolutions,
coarse-to-fine, contextual attention: background patches as conv filters, fused softmax over patches, full-resolution
patches as ConvTranspose filters), BasicVSR (SpyNet flow pyramid with backward warping, bidirectional recurrent
propagation over frames, PixelShuffle x4 with a bilinear skip), FFDNet (noise-level map input, 2x2 sub-image split by
strided slices and its inverse), SAFMN (spatially-adaptive feature modulation: adaptive max pools to 1/2..1/8,
depthwise convs, nearest ups, GELU gate; convolutional channel mixer), SPADE / GauGAN generator (segmentation map
nearest-resized per scale, parameter-free norms modulated by conv gamma / beta), Glow (squeeze by a 6-D permute,
ActNorm, LU-decomposed invertible 1x1 conv, affine coupling, split priors, bits per dim) — plain torch.nn with the
math of their public code (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- DeepFill v2 (Yu et al. 2019)
class GatedConv(nn.Module):
    def __init__(self, i, o, k=3, s=1, d=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(i, 2 * o if act else o, k, s, d * (k - 1) // 2, d)
        self.act, self.o = act, o

    def forward(self, x):
        x = self.conv(x)
        if not self.act:
            return x
        f, g = torch.split(x, self.o, 1)
        return F.elu(f) * torch.sigmoid(g)


class GatedDeconv(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv = GatedConv(i, o)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode='nearest'))


class ContextualAttention(nn.Module):
    """DeepFill's contextual attention (rate 2, 3x3 matching patches, fuse 3, softmax scale 10), batch 1."""

    def __init__(self, rate=2, k=3, fuse_k=3, scale=10.):
        super().__init__()
        self.rate, self.k, self.fuse_k, self.scale = rate, k, fuse_k, scale
        self.register_buffer('fuse_w', torch.eye(fuse_k).view(1, 1, fuse_k, fuse_k))

    def forward(self, f, b, mask):
        r, k = self.rate, self.k
        kr = 2 * r
        c, H, W = b.shape[1], b.shape[2], b.shape[3]
        # full-resolution background patches (kernel 2r, stride r): the ConvTranspose filters
        raw = F.unfold(F.pad(b, (1, 1, 1, 1)), kr, stride=r)                  # [1, C*kr*kr, L]
        L = raw.shape[2]
        raw_w = raw.view(c, kr, kr, L).permute(3, 0, 1, 2)                     # [L, C, kr, kr]
        f = F.interpolate(f, scale_factor=1. / r, mode='nearest')
        b = F.interpolate(b, scale_factor=1. / r, mode='nearest')
        h, w = f.shape[2], f.shape[3]
        w_ = F.unfold(F.pad(b, (1, 1, 1, 1)), k).view(c, k, k, h * w).permute(3, 0, 1, 2)   # [L, C, k, k]
        m = F.interpolate(mask, scale_factor=1. / r, mode='nearest')
        mm = (F.unfold(F.pad(m, (1, 1, 1, 1)), k).mean(1, keepdim=True) == 0).float().view(1, h * w, 1, 1)
        wn = w_ / torch.clamp(w_.pow(2).sum([1, 2, 3], keepdim=True).sqrt(), min=1e-4)
        yi = F.conv2d(F.pad(f, (1, 1, 1, 1)), wn)                               # [1, L, h, w]
        # fuse: identity kernel over the (L, hw) score matrix, twice in the two scan orders
        yi = F.conv2d(yi.view(1, 1, h * w, h * w), self.fuse_w, padding=1)
        yi = yi.view(1, h, w, h, w).permute(0, 2, 1, 4, 3).reshape(1, 1, h * w, h * w)
        yi = F.conv2d(yi, self.fuse_w, padding=1)
        yi = yi.view(1, w, h, w, h).permute(0, 2, 1, 4, 3).reshape(1, h * w, h, w)
        yi = F.softmax(yi * mm * self.scale, dim=1) * mm
        out = F.conv_transpose2d(yi, raw_w, stride=r, padding=1) / 4.0
        return out


class DeepFillV2(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.coarse = nn.Sequential(
            GatedConv(5, c, 5), GatedConv(c, 2 * c, 3, 2), GatedConv(2 * c, 2 * c), GatedConv(2 * c, 4 * c, 3, 2),
            GatedConv(4 * c, 4 * c), GatedConv(4 * c, 4 * c, d=2), GatedConv(4 * c, 4 * c, d=4), GatedConv(4 * c, 4 * c),
            GatedDeconv(4 * c, 2 * c), GatedConv(2 * c, 2 * c), GatedDeconv(2 * c, c), GatedConv(c, c // 2),
            GatedConv(c // 2, 3, act=False))
        self.conv_branch = nn.Sequential(
            GatedConv(5, c, 5), GatedConv(c, c, 3, 2), GatedConv(c, 2 * c), GatedConv(2 * c, 2 * c, 3, 2),
            GatedConv(2 * c, 4 * c), GatedConv(4 * c, 4 * c, d=2), GatedConv(4 * c, 4 * c, d=4))
        self.ca_branch = nn.Sequential(
            GatedConv(5, c, 5), GatedConv(c, c, 3, 2), GatedConv(c, 2 * c), GatedConv(2 * c, 4 * c, 3, 2),
            GatedConv(4 * c, 4 * c), GatedConv(4 * c, 4 * c))
        self.ca = ContextualAttention()
        self.ca_post = nn.Sequential(GatedConv(4 * c, 4 * c), GatedConv(4 * c, 4 * c))
        self.out = nn.Sequential(GatedConv(8 * c, 4 * c), GatedConv(4 * c, 4 * c), GatedDeconv(4 * c, 2 * c),
                                 GatedConv(2 * c, 2 * c), GatedDeconv(2 * c, c), GatedConv(c, c // 2),
                                 GatedConv(c // 2, 3, act=False))

    def forward(self, image, mask):
        mask = (mask > 0.9).float()                                # 1 = hole (about 10% of seeded uniform inputs)
        x = image * 2 - 1
        xin = x * (1 - mask)
        ones = torch.ones_like(mask)
        x1 = torch.tanh(self.coarse(torch.cat([xin, ones, mask], 1)))
        x = x1 * mask + xin * (1 - mask)
        xnow = torch.cat([x, ones, mask], 1)
        a = self.conv_branch(xnow)
        bfeat = self.ca_branch(xnow)
        m4 = F.interpolate(mask, size=bfeat.shape[2:], mode='nearest')
        bfeat = self.ca_post(self.ca(bfeat, bfeat, m4))
        x2 = torch.tanh(self.out(torch.cat([a, bfeat], 1)))
        return (x2 * mask + xin * (1 - mask) + 1) / 2, x1


# ---------------------------------------------------------------- BasicVSR (Chan et al. 2021), SpyNet flows
def flow_warp(x, flow):
    _, _, h, w = x.shape
    gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
    grid = torch.stack((gx, gy), 2).float() + flow.permute(0, 2, 3, 1)
    vx = 2.0 * grid[..., 0] / max(w - 1, 1) - 1.0
    vy = 2.0 * grid[..., 1] / max(h - 1, 1) - 1.0
    return F.grid_sample(x, torch.stack((vx, vy), 3), mode='bilinear', padding_mode='zeros', align_corners=True)


class SpyNet(nn.Module):
    def __init__(self, levels=4):
        super().__init__()
        def basic():
            return nn.Sequential(nn.Conv2d(8, 16, 7, 1, 3), nn.ReLU(), nn.Conv2d(16, 32, 7, 1, 3), nn.ReLU(),
                                 nn.Conv2d(32, 16, 7, 1, 3), nn.ReLU(), nn.Conv2d(16, 8, 7, 1, 3), nn.ReLU(),
                                 nn.Conv2d(8, 2, 7, 1, 3))
        self.basic = nn.ModuleList(basic() for _ in range(levels))
        self.register_buffer('mean', torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer('std', torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def forward(self, ref, supp):
        ref, supp = [(ref - self.mean) / self.std], [(supp - self.mean) / self.std]
        for _ in range(len(self.basic) - 1):
            ref.insert(0, F.avg_pool2d(ref[0], 2, 2, count_include_pad=False))
            supp.insert(0, F.avg_pool2d(supp[0], 2, 2, count_include_pad=False))
        flow = ref[0].new_zeros(1, 2, ref[0].shape[2] // 2, ref[0].shape[3] // 2)
        for lvl in range(len(ref)):
            up = F.interpolate(flow, scale_factor=2, mode='bilinear', align_corners=True) * 2.0
            flow = up + self.basic[lvl](torch.cat([ref[lvl], flow_warp(supp[lvl], up), up], 1))
        return flow


class ResBlocks(nn.Module):
    def __init__(self, i, c, n):
        super().__init__()
        self.head = nn.Sequential(nn.Conv2d(i, c, 3, 1, 1), nn.LeakyReLU(0.1))
        self.blocks = nn.ModuleList(nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.ReLU(), nn.Conv2d(c, c, 3, 1, 1))
                                    for _ in range(n))

    def forward(self, x):
        x = self.head(x)
        for b in self.blocks:
            x = x + b(x)
        return x


class BasicVSR(nn.Module):
    def __init__(self, c=24, n=3):
        super().__init__()
        self.spynet = SpyNet()
        self.backward_rb, self.forward_rb = ResBlocks(c + 3, c, n), ResBlocks(c + 3, c, n)
        self.fusion = nn.Conv2d(2 * c, c, 1)
        self.up1, self.up2 = nn.Conv2d(c, c * 4, 3, 1, 1), nn.Conv2d(c, 16 * 4, 3, 1, 1)
        self.hr, self.last = nn.Conv2d(16, 16, 3, 1, 1), nn.Conv2d(16, 3, 3, 1, 1)
        self.c = c

    def forward(self, lrs):                                       # [1, T, 3, h, w]
        t = lrs.shape[1]
        frames = [lrs[:, i] for i in range(t)]
        fwd_flows = [self.spynet(frames[i + 1], frames[i]) for i in range(t - 1)]   # flow i -> i+1 for warping i
        bwd_flows = [self.spynet(frames[i], frames[i + 1]) for i in range(t - 1)]
        feat = frames[0].new_zeros(1, self.c, frames[0].shape[2], frames[0].shape[3])
        back = [None] * t
        for i in range(t - 1, -1, -1):
            if i < t - 1:
                feat = flow_warp(feat, bwd_flows[i])
            feat = self.backward_rb(torch.cat([frames[i], feat], 1))
            back[i] = feat
        feat = torch.zeros_like(feat)
        outs = []
        for i in range(t):
            if i > 0:
                feat = flow_warp(feat, fwd_flows[i - 1])
            feat = self.forward_rb(torch.cat([frames[i], feat], 1))
            o = F.leaky_relu(self.fusion(torch.cat([back[i], feat], 1)), 0.1)
            o = F.leaky_relu(F.pixel_shuffle(self.up1(o), 2), 0.1)
            o = F.leaky_relu(F.pixel_shuffle(self.up2(o), 2), 0.1)
            o = self.last(F.leaky_relu(self.hr(o), 0.1))
            outs.append(o + F.interpolate(frames[i], scale_factor=4, mode='bilinear', align_corners=False))
        return torch.stack(outs, 1)


# ---------------------------------------------------------------- FFDNet (Zhang et al. 2018)
def concatenate_input_noise_map(x, sigma):
    n, c, h, w = x.shape
    parts = [x[:, :, i::2, j::2] for i, j in ((0, 0), (0, 1), (1, 0), (1, 1))]
    down = torch.stack(parts, 2).reshape(n, 4 * c, h // 2, w // 2)        # FFDNet's idx order: channel-major
    noise = sigma.view(n, 1, 1, 1).expand(n, c, h // 2, w // 2)
    return torch.cat([noise, down], 1)


def upsample_from_subimages(x):
    n, c4, h, w = x.shape
    c = c4 // 4
    x = x.view(n, c, 4, h, w)
    rows0 = torch.stack([x[:, :, 0], x[:, :, 1]], -1).view(n, c, h, 2 * w)
    rows1 = torch.stack([x[:, :, 2], x[:, :, 3]], -1).view(n, c, h, 2 * w)
    return torch.stack([rows0, rows1], 3).view(n, c, 2 * h, 2 * w)


class FFDNet(nn.Module):
    def __init__(self, c=3, feats=64, layers=10):
        super().__init__()
        body = [nn.Conv2d(5 * c, feats, 3, 1, 1, bias=False), nn.ReLU(inplace=True)]
        for _ in range(layers - 2):
            body += [nn.Conv2d(feats, feats, 3, 1, 1, bias=False), nn.BatchNorm2d(feats), nn.ReLU(inplace=True)]
        body.append(nn.Conv2d(feats, 4 * c, 3, 1, 1, bias=False))
        self.body = nn.Sequential(*body)

    def forward(self, x, sigma):
        pred_noise = upsample_from_subimages(self.body(concatenate_input_noise_map(x, sigma)))
        return x - pred_noise


# ---------------------------------------------------------------- SAFMN (Sun et al. 2023)
class LayerNorm2d(nn.Module):
    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight, self.bias, self.eps = nn.Parameter(torch.ones(c)), nn.Parameter(torch.zeros(c)), eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class SAFM(nn.Module):
    def __init__(self, dim, n_levels=4):
        super().__init__()
        self.n = n_levels
        cd = dim // n_levels
        self.mfr = nn.ModuleList(nn.Conv2d(cd, cd, 3, 1, 1, groups=cd) for _ in range(n_levels))
        self.aggr = nn.Conv2d(dim, dim, 1)

    def forward(self, x):
        h, w = x.shape[-2:]
        xc = x.chunk(self.n, dim=1)
        out = []
        for i in range(self.n):
            if i > 0:
                s = (h // 2 ** i, w // 2 ** i)
                y = F.adaptive_max_pool2d(xc[i], s)
                y = F.interpolate(self.mfr[i](y), size=(h, w), mode='nearest')
            else:
                y = self.mfr[i](xc[i])
            out.append(y)
        return F.gelu(self.aggr(torch.cat(out, 1))) * x


class SAFMN(nn.Module):
    def __init__(self, dim=36, blocks=6, scale=4):
        super().__init__()
        self.to_feat = nn.Conv2d(3, dim, 3, 1, 1)
        self.feats = nn.ModuleList(nn.ModuleList([LayerNorm2d(dim), SAFM(dim), LayerNorm2d(dim),
                                                  nn.Sequential(nn.Conv2d(dim, 2 * dim, 3, 1, 1), nn.GELU(),
                                                                nn.Conv2d(2 * dim, dim, 1))]) for _ in range(blocks))
        self.to_img = nn.Sequential(nn.Conv2d(dim, 3 * scale ** 2, 3, 1, 1), nn.PixelShuffle(scale))

    def forward(self, x):
        x = self.to_feat(x)
        y = x
        for n1, safm, n2, ccm in self.feats:
            y = safm(n1(y)) + y
            y = ccm(n2(y)) + y
        return self.to_img(y + x)


# ---------------------------------------------------------------- SPADE / GauGAN generator (Park et al. 2019)
class SPADE(nn.Module):
    def __init__(self, c, label_nc, hidden=32, instance=False):
        super().__init__()
        self.norm = nn.InstanceNorm2d(c, affine=False) if instance else nn.BatchNorm2d(c, affine=False)
        self.shared = nn.Sequential(nn.Conv2d(label_nc, hidden, 3, 1, 1), nn.ReLU())
        self.gamma, self.beta = nn.Conv2d(hidden, c, 3, 1, 1), nn.Conv2d(hidden, c, 3, 1, 1)

    def forward(self, x, segmap):
        segmap = F.interpolate(segmap, size=x.shape[2:], mode='nearest')
        a = self.shared(segmap)
        return self.norm(x) * (1 + self.gamma(a)) + self.beta(a)


class SPADEResBlk(nn.Module):
    def __init__(self, i, o, label_nc, instance):
        super().__init__()
        m = min(i, o)
        self.c0, self.c1 = nn.Conv2d(i, m, 3, 1, 1), nn.Conv2d(m, o, 3, 1, 1)
        self.n0, self.n1 = SPADE(i, label_nc, instance=instance), SPADE(m, label_nc, instance=instance)
        self.learned = i != o
        if self.learned:
            self.cs, self.ns = nn.Conv2d(i, o, 1, bias=False), SPADE(i, label_nc, instance=instance)

    def forward(self, x, seg):
        xs = self.cs(self.ns(x, seg)) if self.learned else x
        dx = self.c0(F.leaky_relu(self.n0(x, seg), 2e-1))
        dx = self.c1(F.leaky_relu(self.n1(dx, seg), 2e-1))
        return xs + dx


class SPADEGenerator(nn.Module):
    def __init__(self, label_nc=12, nf=16, size=128, ups=5):
        super().__init__()
        self.sw = size // 2 ** ups
        self.fc = nn.Conv2d(label_nc, 8 * nf, 3, 1, 1)
        chans = [8 * nf, 8 * nf, 8 * nf, 4 * nf, 2 * nf, nf]
        self.blocks = nn.ModuleList([SPADEResBlk(8 * nf, 8 * nf, label_nc, False)] +
                                    [SPADEResBlk(chans[i], chans[i + 1], label_nc, i % 2 == 1) for i in range(ups)])
        self.conv_img = nn.Conv2d(nf, 3, 3, 1, 1)

    def forward(self, seg):
        x = self.fc(F.interpolate(seg, size=(self.sw, self.sw)))
        x = self.blocks[0](x, seg)
        for b in self.blocks[1:]:
            x = b(F.interpolate(x, scale_factor=2), seg)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 2e-1)))


# ---------------------------------------------------------------- Glow (Kingma & Dhariwal 2018; the glow-pytorch form)
def squeeze2d(x):
    b, c, h, w = x.shape
    x = x.view(b, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4).contiguous()
    return x.view(b, c * 4, h // 2, w // 2)


class ActNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bias, self.logs = nn.Parameter(0.1 * torch.randn(1, c, 1, 1)), nn.Parameter(0.1 * torch.randn(1, c, 1, 1))

    def forward(self, x, logdet):
        return (x + self.bias) * torch.exp(self.logs), logdet + self.logs.sum() * x.shape[2] * x.shape[3]


class InvConvLU(nn.Module):
    def __init__(self, c):
        super().__init__()
        w = torch.linalg.qr(torch.randn(c, c))[0]
        p, l, u = torch.linalg.lu(w)
        s = torch.diag(u)
        self.register_buffer('p', p)
        self.register_buffer('sign_s', torch.sign(s))
        self.register_buffer('l_mask', torch.tril(torch.ones(c, c), -1))
        self.register_buffer('eye', torch.eye(c))
        self.lower, self.log_s, self.upper = nn.Parameter(l), nn.Parameter(torch.log(torch.abs(s))), nn.Parameter(torch.triu(u, 1))

    def forward(self, x, logdet):
        lower = self.lower * self.l_mask + self.eye
        u = self.upper * self.l_mask.T + self.eye * (self.sign_s * torch.exp(self.log_s))   # torch.diag (no export)
        w = torch.matmul(self.p, torch.matmul(lower, u))
        return F.conv2d(x, w.view(*w.shape, 1, 1)), logdet + self.log_s.sum() * x.shape[2] * x.shape[3]


class Conv2dZeros(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv = nn.Conv2d(i, o, 3, 1, 1)
        self.logs = nn.Parameter(0.05 * torch.randn(1, o, 1, 1))
        nn.init.normal_(self.conv.weight, 0, 0.01)

    def forward(self, x):
        return self.conv(x) * torch.exp(self.logs * 3)


class FlowStep(nn.Module):
    def __init__(self, c, hidden):
        super().__init__()
        self.actnorm, self.invconv = ActNorm(c), InvConvLU(c)
        self.nn = nn.Sequential(nn.Conv2d(c // 2, hidden, 3, 1, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU(),
                                nn.Conv2d(hidden, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU(),
                                Conv2dZeros(hidden, c))

    def forward(self, z, logdet):
        z, logdet = self.actnorm(z, logdet)
        z, logdet = self.invconv(z, logdet)
        za, zb = z[:, : z.shape[1] // 2], z[:, z.shape[1] // 2:]
        h = self.nn(za)
        shift, scale = h[:, 0::2], torch.sigmoid(h[:, 1::2] + 2.0)
        zb = (zb + shift) * scale
        return torch.cat([za, zb], 1), logdet + torch.log(scale).flatten(1).sum(1)


def gaussian_logp(mean, logs, x):
    return (-0.5 * (math.log(2 * math.pi) + 2. * logs + (x - mean) ** 2 / torch.exp(2. * logs))).flatten(1).sum(1)


class Glow(nn.Module):
    def __init__(self, c=3, hidden=48, K=4, L=3, size=32):
        super().__init__()
        self.levels, self.priors = nn.ModuleList(), nn.ModuleList()
        for i in range(L):
            c *= 4
            self.levels.append(nn.ModuleList(FlowStep(c, hidden) for _ in range(K)))
            if i < L - 1:
                self.priors.append(Conv2dZeros(c // 2, c))
                c //= 2
        self.top = nn.Parameter(0.05 * torch.randn(1, 2 * c, size // 2 ** L, size // 2 ** L))
        self.pixels = 3 * size * size

    def forward(self, x):
        z = x - 0.5                                                     # x: a dequantized image in [0, 1)
        logdet = torch.zeros(1) - math.log(256.) * self.pixels
        logp = torch.zeros(1)
        for i, steps in enumerate(self.levels):
            z = squeeze2d(z)
            for s in steps:
                z, logdet = s(z, logdet)
            if i < len(self.priors):
                z1, z2 = z[:, : z.shape[1] // 2], z[:, z.shape[1] // 2:]
                h = self.priors[i](z1)
                logp = logp + gaussian_logp(h[:, 0::2], h[:, 1::2], z2)
                z = z1
        logp = logp + gaussian_logp(self.top[:, 0::2], self.top[:, 1::2], z)
        bpd = -(logp + logdet) / (math.log(2.) * self.pixels)
        return z, bpd
