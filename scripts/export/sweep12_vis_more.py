"""Twelfth sweep, tracking / video / restoration / generative / 3-D / OCR / anomaly (docs/model-sweep.md): NanoTrack's
head (pixel-wise correlation), SiamRPN++'s depthwise cross-correlation (a conv whose filter is the template),
RIFE's IFNet (grid_sample backward warp), LaMa's fast Fourier convolution (rfftn / irfftn as opset-17 DFTs), FSRCNN,
EDSR, Ultra-Fast-Lane-Detection, a GwcNet-style stereo net (cost volume by slice assignment, 3-D convs, soft
argmin), NeRF (positional encoding, MLP, volume rendering), a DDIM step with classifier-free guidance in the graph,
EfficientAD, CodeFormer's code prediction, inswapper, SVTR-tiny, in plain torch.nn (small widths)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from sweep12_vis_det import cbr


# --- NanoTrack v3 head (pixel-wise correlation of template and search features) and SiamRPN++'s DW-xcorr ---

class NanoTrackHead(nn.Module):
    def __init__(self, c=96, hid=64, n=64):
        super().__init__()
        self.pw = nn.Sequential(nn.Conv2d(n, hid, 1), nn.BatchNorm2d(hid), nn.ReLU())
        self.cls = nn.Sequential(cbr(hid + c, hid, 3, g=1), cbr(hid, hid, 3, g=hid), cbr(hid, hid, 1), nn.Conv2d(hid, 2, 3, 1, 1))
        self.reg = nn.Sequential(cbr(hid + c, hid, 3), cbr(hid, hid, 3, g=hid), cbr(hid, hid, 1), nn.Conv2d(hid, 4, 3, 1, 1))

    def forward(self, z, x):
        b, c, hz, wz = z.shape
        _, _, hx, wx = x.shape
        corr = torch.matmul(z.view(b, c, hz * wz).permute(0, 2, 1), x.view(b, c, hx * wx)).view(b, hz * wz, hx, wx)
        f = torch.cat([self.pw(corr), x], 1)
        return self.cls(f), torch.exp(self.reg(f))


def xcorr_depthwise(x, kernel):
    """pysot's xcorr_depthwise: the batch folded into the channels, the template a grouped conv's filter."""
    batch, channel = kernel.size(0), kernel.size(1)
    x = x.view(1, batch * channel, x.size(2), x.size(3))
    kernel = kernel.view(batch * channel, 1, kernel.size(2), kernel.size(3))
    out = F.conv2d(x, kernel, groups=batch * channel)
    return out.view(batch, channel, out.size(2), out.size(3))


class SiamRPNHead(nn.Module):
    """pysot DepthwiseRPN (one level): adjust convs on template / search, DW-xcorr, cls (2 k) and loc (4 k) heads."""

    def __init__(self, c=128, k=5):
        super().__init__()
        self.ck, self.cs = cbr(c, c, 3, p=0), cbr(c, c, 3, p=0)
        self.lk, self.ls = cbr(c, c, 3, p=0), cbr(c, c, 3, p=0)
        self.ch = nn.Sequential(cbr(c, c, 1), nn.Conv2d(c, 2 * k, 1))
        self.lh = nn.Sequential(cbr(c, c, 1), nn.Conv2d(c, 4 * k, 1))

    def forward(self, z, x):
        zf = z[:, :, 4:11, 4:11]  # pysot's AdjustLayer crop of the 15×15 template to 7×7 (center)
        cls = self.ch(xcorr_depthwise(self.cs(x), self.ck(zf)))
        loc = self.lh(xcorr_depthwise(self.ls(x), self.lk(zf)))
        return cls, loc


# --- RIFE (Practical-RIFE 4.x IFNet): three IFBlocks, backward warp by grid_sample, sigmoid mask ---

def warp(inp, flow):
    b, _, h, w = flow.shape
    hor = torch.linspace(-1.0, 1.0, w).view(1, 1, 1, w).expand(b, -1, h, -1)
    ver = torch.linspace(-1.0, 1.0, h).view(1, 1, h, 1).expand(b, -1, -1, w)
    grid = torch.cat([hor, ver], 1)
    flow = torch.cat([flow[:, 0:1] / ((w - 1.0) / 2.0), flow[:, 1:2] / ((h - 1.0) / 2.0)], 1)
    g = (grid + flow).permute(0, 2, 3, 1)
    return F.grid_sample(inp, g, mode='bilinear', padding_mode='border', align_corners=True)


def lconv(i, o, k=3, s=1, p=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, p), nn.LeakyReLU(0.2, True))


class IFBlock(nn.Module):
    def __init__(self, i, c=64):
        super().__init__()
        self.conv0 = nn.Sequential(lconv(i, c // 2, 3, 2, 1), lconv(c // 2, c, 3, 2, 1))
        self.convblock = nn.Sequential(*[lconv(c, c) for _ in range(4)])
        self.lastconv = nn.Sequential(nn.ConvTranspose2d(c, 4 * 6, 4, 2, 1), nn.PixelShuffle(2))

    def forward(self, x, flow=None, scale=1):
        x = F.interpolate(x, scale_factor=1. / scale, mode='bilinear', align_corners=False)
        if flow is not None:
            flow = F.interpolate(flow, scale_factor=1. / scale, mode='bilinear', align_corners=False) * 1. / scale
            x = torch.cat((x, flow), 1)
        feat = self.conv0(x)
        feat = self.convblock(feat) + feat
        tmp = F.interpolate(self.lastconv(feat), scale_factor=scale, mode='bilinear', align_corners=False)
        return tmp[:, :4] * scale, tmp[:, 4:5]


class IFNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.block0 = IFBlock(7, 96)
        self.block1 = IFBlock(8 + 4, 64)
        self.block2 = IFBlock(8 + 4, 48)

    def forward(self, img0, img1, timestep):
        t = timestep.expand(img0.shape[0], 1, img0.shape[2], img0.shape[3])
        flow, mask = self.block0(torch.cat((img0, img1, t), 1), None, scale=4)
        w0, w1 = warp(img0, flow[:, :2]), warp(img1, flow[:, 2:4])
        for blk, s in ((self.block1, 2), (self.block2, 1)):
            fd, m0 = blk(torch.cat((w0, w1, t, mask), 1), flow, scale=s)
            flow, mask = flow + fd, mask + m0
            w0, w1 = warp(img0, flow[:, :2]), warp(img1, flow[:, 2:4])
        m = torch.sigmoid(mask)
        return w0 * m + w1 * (1 - m), flow


# --- LaMa's FFC ResNet blocks: SpectralTransform by rfftn / irfftn over (H, W), norm 'ortho' ---

def c_(g, v):
    return g.op('Constant', value_t=torch.tensor(v))


class Rfft2(torch.autograd.Function):
    """torch.fft.rfftn(x, dim=(-2, -1), norm='ortho') as real / imaginary pairs [B, C, H, W // 2 + 1, 2], exported
    as onnxscript writes it at opset 17: a onesided DFT over W, then a full DFT over H, scaled by 1 / sqrt(H W)."""
    @staticmethod
    def forward(ctx, x, h: int, w: int):
        return torch.view_as_real(torch.fft.rfftn(x, dim=(-2, -1), norm='ortho'))

    @staticmethod
    def symbolic(g, x, h: int, w: int):
        xr = g.op('Unsqueeze', x, c_(g, [-1]))
        y = g.op('DFT', xr, axis_i=3, onesided_i=1)
        y = g.op('DFT', y, axis_i=2)
        return g.op('Mul', y, c_(g, 1.0 / math.sqrt(h * w)))


class Irfft2(torch.autograd.Function):
    """torch.fft.irfftn of pairs [B, C, H, W // 2 + 1, 2] to [B, C, H, W] (norm 'ortho'): inverse DFT over H, the
    W spectrum completed by its conjugate mirror, inverse DFT over W, the real part."""
    @staticmethod
    def forward(ctx, X, h: int, w: int):
        return torch.fft.irfftn(torch.view_as_complex(X.contiguous()), s=(h, w), dim=(-2, -1), norm='ortho')

    @staticmethod
    def symbolic(g, X, h: int, w: int):
        f = w // 2 + 1
        y = g.op('DFT', X, axis_i=2, inverse_i=1)
        mirror = g.op('Slice', y, c_(g, [f - 2]), c_(g, [0]), c_(g, [3]), c_(g, [-1]))
        full = g.op('Concat', y, g.op('Mul', mirror, c_(g, [1.0, -1.0])), axis_i=3)
        y = g.op('DFT', full, axis_i=3, inverse_i=1)
        re = g.op('Squeeze', g.op('Slice', y, c_(g, [0]), c_(g, [1]), c_(g, [4])), c_(g, [4]))
        return g.op('Mul', re, c_(g, float(math.sqrt(h * w))))


class FourierUnit(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv = nn.Conv2d(i * 2, o * 2, 1, bias=False)
        self.bn, self.relu = nn.BatchNorm2d(o * 2), nn.ReLU(True)

    def forward(self, x):
        b, c, h, w = x.shape
        ff = Rfft2.apply(x, int(h), int(w))  # [B, C, H, W/2+1, 2]
        ff = ff.permute(0, 1, 4, 2, 3).contiguous().view(b, -1, h, w // 2 + 1)
        ff = self.relu(self.bn(self.conv(ff)))
        ff = ff.view(b, -1, 2, h, w // 2 + 1).permute(0, 1, 3, 4, 2).contiguous()
        return Irfft2.apply(ff, int(h), int(w))


class SpectralTransform(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv1 = cbr(i, o // 2, 1, p=0)
        self.fu = FourierUnit(o // 2, o // 2)
        self.conv2 = nn.Conv2d(o // 2, o, 1, bias=False)

    def forward(self, x):
        x = self.conv1(x)
        return self.conv2(x + self.fu(x))


class FFC(nn.Module):
    """FFC_BN_ACT with ratio_gin = ratio_gout = 0.75: local / global channel parts, l2l / l2g / g2l convs, g2g spectral."""

    def __init__(self, c, ratio=0.75):
        super().__init__()
        cg = int(c * ratio)
        cl = c - cg
        self.l2l = nn.Conv2d(cl, cl, 3, 1, 1, padding_mode='reflect', bias=False)
        self.l2g = nn.Conv2d(cl, cg, 3, 1, 1, padding_mode='reflect', bias=False)
        self.g2l = nn.Conv2d(cg, cl, 3, 1, 1, padding_mode='reflect', bias=False)
        self.g2g = SpectralTransform(cg, cg)
        self.bn_l, self.bn_g = nn.BatchNorm2d(cl), nn.BatchNorm2d(cg)

    def forward(self, xl, xg):
        yl = F.relu(self.bn_l(self.l2l(xl) + self.g2l(xg)))
        yg = F.relu(self.bn_g(self.l2g(xl) + self.g2g(xg)))
        return yl, yg


class LaMa(nn.Module):
    def __init__(self, c=64, blocks=3):
        super().__init__()
        self.head = nn.Sequential(nn.ReflectionPad2d(3), cbr(4, c // 4, 7, p=0), cbr(c // 4, c // 2, 3, 2, 1), cbr(c // 2, c, 3, 2, 1))
        self.cg = int(c * 0.75)
        self.blocks = nn.ModuleList([nn.ModuleList([FFC(c), FFC(c)]) for _ in range(blocks)])
        self.tail = nn.Sequential(nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1), nn.BatchNorm2d(c // 2), nn.ReLU(True),
                                  nn.ConvTranspose2d(c // 2, c // 4, 3, 2, 1, output_padding=1), nn.BatchNorm2d(c // 4), nn.ReLU(True),
                                  nn.ReflectionPad2d(3), nn.Conv2d(c // 4, 3, 7), nn.Sigmoid())

    def forward(self, image, mask):
        masked = image * (1 - mask)
        x = self.head(torch.cat([masked, mask], 1))
        xl, xg = x[:, :x.shape[1] - self.cg], x[:, x.shape[1] - self.cg:]
        for a, b in self.blocks:
            yl, yg = b(*a(xl, xg))
            xl, xg = xl + yl, xg + yg
        out = self.tail(torch.cat([xl, xg], 1))
        return out * mask + image * (1 - mask)


# --- super-resolution: FSRCNN (x3, Y channel) and EDSR-baseline (x2) ---

class FSRCNN(nn.Module):
    def __init__(self, scale=3, d=56, s=12, m=4):
        super().__init__()
        self.first = nn.Sequential(nn.Conv2d(1, d, 5, padding=2), nn.PReLU(d))
        mid = [nn.Conv2d(d, s, 1), nn.PReLU(s)]
        for _ in range(m):
            mid += [nn.Conv2d(s, s, 3, padding=1), nn.PReLU(s)]
        mid += [nn.Conv2d(s, d, 1), nn.PReLU(d)]
        self.mid = nn.Sequential(*mid)
        self.last = nn.ConvTranspose2d(d, 1, 9, scale, 4, output_padding=scale - 1)

    def forward(self, x):
        return self.last(self.mid(self.first(x)))


class EDSR(nn.Module):
    def __init__(self, n_resblocks=16, n_feats=64, scale=2, res_scale=1.0, rgb_range=255):
        super().__init__()
        mean = torch.tensor([0.4488, 0.4371, 0.4040]) * rgb_range
        self.sub_mean, self.add_mean = nn.Conv2d(3, 3, 1), nn.Conv2d(3, 3, 1)
        with torch.no_grad():
            for conv, sign in ((self.sub_mean, -1), (self.add_mean, 1)):
                conv.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
                conv.bias.copy_(sign * mean)
        self.head = nn.Conv2d(3, n_feats, 3, padding=1)
        self.body = nn.ModuleList([nn.Sequential(nn.Conv2d(n_feats, n_feats, 3, padding=1), nn.ReLU(True), nn.Conv2d(n_feats, n_feats, 3, padding=1)) for _ in range(n_resblocks)])
        self.body_end = nn.Conv2d(n_feats, n_feats, 3, padding=1)
        self.tail = nn.Sequential(nn.Conv2d(n_feats, 4 * n_feats, 3, padding=1), nn.PixelShuffle(scale), nn.Conv2d(n_feats, 3, 3, padding=1))
        self.res_scale = res_scale

    def forward(self, x):
        x = self.head(self.sub_mean(x))
        res = x
        for b in self.body:
            res = res + b(res) * self.res_scale
        return self.add_mean(self.tail(self.body_end(res) + x))


# --- Ultra-Fast-Lane-Detection v1 (ResNet-18, 288×800, 4 lanes × 18 row anchors × 201 cells) ---

class UFLD(nn.Module):
    def __init__(self, griding=200, rows=18, lanes=4):
        super().__init__()
        r = torchvision.models.resnet18()
        self.body = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1, r.layer2, r.layer3, r.layer4)
        self.pool = nn.Conv2d(512, 8, 1)
        self.shape = (griding + 1, rows, lanes)
        self.cls = nn.Sequential(nn.Linear(1800, 2048), nn.ReLU(), nn.Linear(2048, (griding + 1) * rows * lanes))

    def forward(self, x):
        fea = self.pool(self.body(x)).view(-1, 1800)
        return self.cls(fea).view(-1, *self.shape)


# --- GwcNet-style stereo (group-wise correlation + concat cost volume, 3-D hourglass-free aggregation, soft argmin) ---

class Stereo(nn.Module):
    def __init__(self, maxdisp=48, groups=8):
        super().__init__()
        self.maxdisp, self.groups = maxdisp, groups
        self.feat = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 32), cbr(32, 64, 3, 2), cbr(64, 64), cbr(64, 64))
        self.concat = nn.Sequential(cbr(64, 32), nn.Conv2d(32, 12, 1, bias=False))

        def c3(i, o, s=1):
            return nn.Sequential(nn.Conv3d(i, o, 3, s, 1, bias=False), nn.BatchNorm3d(o), nn.ReLU(True))
        self.dres0 = nn.Sequential(c3(groups + 24, 32), c3(32, 32))
        self.dres1 = nn.Sequential(c3(32, 32), c3(32, 32))
        self.classif = nn.Sequential(c3(32, 32), nn.Conv3d(32, 1, 3, 1, 1, bias=False))

    def forward(self, left, right):
        fl, fr = self.feat(left), self.feat(right)
        cl, cr = self.concat(fl), self.concat(fr)
        b, c, h, w = fl.shape
        d = self.maxdisp // 4
        gwc = fl.new_zeros([b, self.groups, d, h, w])
        for i in range(d):  # build_gwc_volume
            if i > 0:
                gwc[:, :, i, :, i:] = (fl[:, :, :, i:] * fr[:, :, :, :-i]).view(b, self.groups, c // self.groups, h, w - i).mean(2)
            else:
                gwc[:, :, i, :, :] = (fl * fr).view(b, self.groups, c // self.groups, h, w).mean(2)
        cat = fl.new_zeros([b, 24, d, h, w])
        for i in range(d):  # build_concat_volume
            if i > 0:
                cat[:, :12, i, :, i:] = cl[:, :, :, i:]
                cat[:, 12:, i, :, i:] = cr[:, :, :, :-i]
            else:
                cat[:, :12, i, :, :] = cl
                cat[:, 12:, i, :, :] = cr
        cost = self.dres0(torch.cat((gwc, cat), 1))
        cost = self.dres1(cost) + cost
        cost = F.interpolate(self.classif(cost), [self.maxdisp, left.size(2), left.size(3)], mode='trilinear', align_corners=False)
        prob = F.softmax(torch.squeeze(cost, 1), dim=1)
        disp = torch.arange(0, self.maxdisp, dtype=prob.dtype).view(1, self.maxdisp, 1, 1)
        return torch.sum(prob * disp, 1, keepdim=False)


# --- NeRF: positional encoding, 8 × 256 MLP with a skip, volume rendering along rays (64 samples) ---

def embed(x, n):
    out = [x]
    for k in range(n):
        out += [torch.sin(x * 2.0 ** k), torch.cos(x * 2.0 ** k)]
    return torch.cat(out, -1)


class NeRF(nn.Module):
    def __init__(self, D=8, W=256, L=10, Ld=4, samples=64, near=2.0, far=6.0):
        super().__init__()
        ci, cd = 3 + 6 * L, 3 + 6 * Ld
        self.pts = nn.ModuleList([nn.Linear(ci, W)] + [nn.Linear(W + (ci if i == 5 else 0), W) for i in range(1, D)])
        self.alpha, self.feature = nn.Linear(W, 1), nn.Linear(W, W)
        self.views, self.rgb = nn.Linear(W + cd, W // 2), nn.Linear(W // 2, 3)
        self.L, self.Ld = L, Ld
        self.register_buffer('t', torch.linspace(near, far, samples))

    def forward(self, rays_o, rays_d):
        r = rays_o.shape[0]
        z = self.t.expand(r, -1)
        pts = rays_o[:, None, :] + rays_d[:, None, :] * z[..., None]  # [R, S, 3]
        dirs = rays_d / torch.norm(rays_d, dim=-1, keepdim=True)
        dirs = dirs[:, None].expand(pts.shape)
        x0 = embed(pts.reshape(-1, 3), self.L)
        h = x0
        for i, l in enumerate(self.pts):
            if i == 5:
                h = torch.cat([x0, h], -1)
            h = F.relu(l(h))
        sigma = self.alpha(h)
        h = F.relu(self.views(torch.cat([self.feature(h), embed(dirs.reshape(-1, 3), self.Ld)], -1)))
        rgb = torch.sigmoid(self.rgb(h)).view(r, -1, 3)
        sigma = sigma.view(r, -1)
        dists = torch.cat([z[..., 1:] - z[..., :-1], torch.full_like(z[..., :1], 1e10)], -1) * torch.norm(rays_d, dim=-1, keepdim=True)
        alpha = 1.0 - torch.exp(-F.relu(sigma) * dists)
        trans = torch.exp(-torch.cumsum(torch.cat([torch.zeros_like(sigma[:, :1]), F.relu(sigma[:, :-1]) * dists[:, :-1]], -1), -1))
        weights = alpha * trans
        return torch.sum(weights[..., None] * rgb, -2), torch.sum(weights * z, -1), torch.sum(weights, -1)


# --- DDIM step with classifier-free guidance: a small UNet2D (timestep embedding, cross-attention) + scheduler ---

def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], -1)


class ResBlock(nn.Module):
    def __init__(self, i, o, temb):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(8, i), nn.Conv2d(i, o, 3, 1, 1)
        self.t = nn.Linear(temb, o)
        self.n2, self.c2 = nn.GroupNorm(8, o), nn.Conv2d(o, o, 3, 1, 1)
        self.sc = nn.Conv2d(i, o, 1) if i != o else nn.Identity()

    def forward(self, x, e):
        h = self.c1(F.silu(self.n1(x))) + self.t(F.silu(e))[:, :, None, None]
        return self.sc(x) + self.c2(F.silu(self.n2(h)))


class CrossAttn(nn.Module):
    def __init__(self, c, ctx, heads=4):
        super().__init__()
        self.norm, self.heads = nn.GroupNorm(8, c), heads
        self.ln1, self.ln2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.q, self.k, self.v, self.o = nn.Linear(c, c, bias=False), nn.Linear(ctx, c, bias=False), nn.Linear(ctx, c, bias=False), nn.Linear(c, c)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        t = self.norm(x).view(b, c, h * w).transpose(1, 2)
        y = self.ln1(t)
        q, k, v = self.q(y), self.k(ctx), self.v(ctx)
        sh = lambda a: a.view(b, -1, self.heads, c // self.heads).transpose(1, 2)  # noqa: E731
        a = torch.softmax(sh(q) @ sh(k).transpose(-1, -2) / math.sqrt(c // self.heads), -1) @ sh(v)
        t = t + self.o(a.transpose(1, 2).reshape(b, h * w, c))
        return x + t.transpose(1, 2).view(b, c, h, w)


class DDIMStep(nn.Module):
    def __init__(self, c=64, ctx=64, T=1000):
        super().__init__()
        self.c = c
        self.temb = nn.Sequential(nn.Linear(c, 4 * c), nn.SiLU(), nn.Linear(4 * c, 4 * c))
        self.inp = nn.Conv2d(4, c, 3, 1, 1)
        self.d1, self.a1 = ResBlock(c, c, 4 * c), CrossAttn(c, ctx)
        self.down = nn.Conv2d(c, c, 3, 2, 1)
        self.m1, self.am = ResBlock(c, 2 * c, 4 * c), CrossAttn(2 * c, ctx)
        self.up = nn.Conv2d(2 * c, c, 3, 1, 1)
        self.u1, self.au = ResBlock(2 * c, c, 4 * c), CrossAttn(c, ctx)
        self.out = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, 4, 3, 1, 1))
        betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, T) ** 2  # scaled_linear
        self.register_buffer('alphas_cumprod', torch.cumprod(1 - betas, 0))

    def unet(self, x, t, ctx):
        e = self.temb(timestep_embedding(t, self.c))
        h1 = self.a1(self.d1(self.inp(x), e), ctx)
        h = self.am(self.m1(self.down(h1), e), ctx)
        h = self.up(F.interpolate(h, scale_factor=2.0, mode='nearest'))
        return self.out(self.au(self.u1(torch.cat([h, h1], 1), e), ctx))

    def forward(self, latents, timestep, prev_timestep, context, guidance_scale):
        x = torch.cat([latents] * 2)
        eps_uncond, eps_text = self.unet(x, timestep.expand(2), context).chunk(2)
        eps = eps_uncond + guidance_scale * (eps_text - eps_uncond)
        a_t = self.alphas_cumprod[timestep]
        a_prev = torch.where(prev_timestep >= 0, self.alphas_cumprod[prev_timestep.clamp(min=0)], self.alphas_cumprod[0])
        pred_x0 = (latents - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        return a_prev.sqrt() * pred_x0 + (1 - a_prev).sqrt() * eps


# --- EfficientAD-S (anomalib): PDN teacher / student, autoencoder, quantile-normalised maps ---

def pdn(o, pad=False):
    p = 1 if pad else 0
    return nn.Sequential(nn.Conv2d(3, 128, 4, 1, 3 * p), nn.ReLU(True), nn.AvgPool2d(2, 2, p),
                         nn.Conv2d(128, 256, 4, 1, 3 * p), nn.ReLU(True), nn.AvgPool2d(2, 2, p),
                         nn.Conv2d(256, 256, 3, 1, p), nn.ReLU(True), nn.Conv2d(256, o, 4, 1, 0))


class EfficientAD(nn.Module):
    def __init__(self, c=384, size=256):
        super().__init__()
        self.teacher, self.student = pdn(c), pdn(2 * c)
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 4, 2, 1), nn.ReLU(True), nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(True),
                                 nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(True), nn.Conv2d(64, 64, 4, 2, 1), nn.ReLU(True),
                                 nn.Conv2d(64, 64, 4, 2, 1), nn.ReLU(True), nn.Conv2d(64, 64, 8))
        self.dec = nn.ModuleList([nn.Sequential(nn.Conv2d(64, 64, 4, 1, 2), nn.ReLU(True), nn.Dropout(0.2)) for _ in range(7)])
        self.dec_last = nn.Sequential(nn.Conv2d(64, 64, 3, 1, 1), nn.ReLU(True), nn.Conv2d(64, c, 3, 1, 1))
        self.sizes = [size // 64 - 1, size // 32, size // 16 - 1, size // 8, size // 4 - 1, size // 2 - 1, size // 2 - 1]
        self.c, self.size = c, size
        for n, v in (('mean_std_mean', torch.rand(1, c, 1, 1)), ('mean_std_std', 0.5 + torch.rand(1, c, 1, 1)),
                     ('qa_st', torch.tensor(0.1)), ('qb_st', torch.tensor(2.0)), ('qa_ae', torch.tensor(0.05)), ('qb_ae', torch.tensor(1.5))):
            self.register_buffer(n, v)

    def forward(self, x):
        t = (self.teacher(x) - self.mean_std_mean) / self.mean_std_std
        s = self.student(x)
        s_t, s_ae = s[:, :self.c], s[:, self.c:]
        ae = self.enc(x)
        for size, layer in zip(self.sizes, self.dec):
            ae = layer(F.interpolate(ae, size=size, mode='bilinear'))
        ae = self.dec_last(F.interpolate(ae, size=self.size // 4 - 8, mode='bilinear'))
        map_st = torch.mean((t - s_t) ** 2, 1, keepdim=True)
        map_ae = torch.mean((ae - s_ae) ** 2, 1, keepdim=True)
        map_st = 0.1 * (map_st - self.qa_st) / (self.qb_st - self.qa_st)
        map_ae = 0.1 * (map_ae - self.qa_ae) / (self.qb_ae - self.qa_ae)
        m = F.pad(0.5 * map_st + 0.5 * map_ae, (4, 4, 4, 4))
        m = F.interpolate(m, size=(self.size, self.size), mode='bilinear')
        return m, torch.amax(m, dim=(-2, -1))


# --- CodeFormer (w = 0 path): encoder to 16², transformer predicting code indices, codebook lookup, decoder ---

class CodeFormer(nn.Module):
    def __init__(self, codes=1024, d=256, latent=64, layers=3, heads=8, size=128):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1), cbr(32, 64, 3, 2, act=nn.SiLU), cbr(64, 64, 3, 2, act=nn.SiLU),
                                 cbr(64, 64, 3, 2, act=nn.SiLU), nn.Conv2d(64, latent, 1))
        n = (size // 8) ** 2
        self.position_emb = nn.Parameter(0.02 * torch.randn(n, d))
        self.feat_emb = nn.Linear(latent, d)
        layer = nn.TransformerEncoderLayer(d, heads, 2 * d, 0.0, activation='gelu', norm_first=True)
        self.ft_layers = nn.TransformerEncoder(layer, layers)
        self.idx_pred = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, codes, bias=False))
        self.codebook = nn.Embedding(codes, latent)
        self.dec = nn.Sequential(nn.Conv2d(latent, 64, 3, 1, 1), nn.SiLU(),
                                 nn.Upsample(scale_factor=2.0, mode='nearest'), cbr(64, 64, act=nn.SiLU),
                                 nn.Upsample(scale_factor=2.0, mode='nearest'), cbr(64, 32, act=nn.SiLU),
                                 nn.Upsample(scale_factor=2.0, mode='nearest'), cbr(32, 32, act=nn.SiLU), nn.Conv2d(32, 3, 3, 1, 1))
        self.latent = latent

    def forward(self, x):
        lq = self.enc(x)
        b, c, h, w = lq.shape
        feat = self.feat_emb(lq.flatten(2).permute(2, 0, 1))  # [HW, B, d]
        q = self.ft_layers(feat + self.position_emb.unsqueeze(1))
        logits = self.idx_pred(q).permute(1, 0, 2)  # [B, HW, codes]
        soft = F.softmax(logits, dim=2)
        _, top_idx = torch.topk(soft, 1, dim=2)
        quant = self.codebook(top_idx.view(b, h * w)).view(b, h, w, c).permute(0, 3, 1, 2)
        return torch.tanh(self.dec(quant)), logits


# --- inswapper_128 (insightface): encoder, 6 style blocks (AdaIN from the source identity), decoder ---

class StyleBlock(nn.Module):
    def __init__(self, c, latent=512):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(c, c, 3, 1, 0), nn.Conv2d(c, c, 3, 1, 0)
        self.s1, self.s2 = nn.Linear(latent, 2 * c), nn.Linear(latent, 2 * c)

    @staticmethod
    def adain(x, style):
        mean = x.mean((2, 3), keepdim=True)
        var = ((x - mean) ** 2).mean((2, 3), keepdim=True)
        x = (x - mean) / torch.sqrt(var + 1e-8)
        gamma, beta = style.chunk(2, 1)
        return x * (1 + gamma[:, :, None, None]) + beta[:, :, None, None]

    def forward(self, x, latent):
        y = F.relu(self.adain(self.c1(F.pad(x, [1, 1, 1, 1], mode='reflect')), self.s1(latent)))
        y = self.adain(self.c2(F.pad(y, [1, 1, 1, 1], mode='reflect')), self.s2(latent))
        return x + y


class InSwapper(nn.Module):
    def __init__(self, c=256):
        super().__init__()
        self.enc = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, 64, 7), nn.LeakyReLU(0.2),
                                 nn.Conv2d(64, 128, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(128, c, 3, 2, 1), nn.LeakyReLU(0.2),
                                 nn.Conv2d(c, c, 3, 2, 1), nn.LeakyReLU(0.2))
        self.style = nn.ModuleList([StyleBlock(c) for _ in range(6)])
        self.dec = nn.Sequential(nn.Upsample(scale_factor=2.0, mode='bilinear'), nn.Conv2d(c, c, 3, 1, 1), nn.LeakyReLU(0.2),
                                 nn.Upsample(scale_factor=2.0, mode='bilinear'), nn.Conv2d(c, 128, 3, 1, 1), nn.LeakyReLU(0.2),
                                 nn.Conv2d(128, 64, 3, 1, 1), nn.LeakyReLU(0.2), nn.ReflectionPad2d(3), nn.Conv2d(64, 3, 7))

    def forward(self, target, source):
        x = self.enc(target)
        for b in self.style:
            x = b(x, source)
        return (torch.tanh(self.dec(x)) + 1) / 2


# --- SVTR-tiny (PaddleOCR rec_svtrnet): two-conv patch embed, local mixing by a windowed mask, merging, CTC head ---

class Mixing(nn.Module):
    def __init__(self, d, heads, hw=None, local=(7, 11)):
        super().__init__()
        self.heads, self.scale = heads, (d // heads) ** -0.5
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.n1, self.n2 = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        if hw is not None:  # PaddleOCR's local mask: -inf outside the hk × wk window around each token
            h, w = hw
            hk, wk = local
            mask = torch.ones(h * w, h + hk - 1, w + wk - 1)
            for i in range(h):
                for j in range(w):
                    mask[w * i + j, i:i + hk, j:j + wk] = 0.0
            m = mask[:, hk // 2:h + hk // 2, wk // 2:w + wk // 2].flatten(1)
            self.register_buffer('mask', torch.full([h * w, h * w], float('-inf')).masked_fill(m == 0, 0.0)[None, None])
        else:
            self.mask = None

    def forward(self, x):
        b, n, d = x.shape
        y = self.n1(x)
        qkv = self.qkv(y).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = q.matmul(k.permute(0, 1, 3, 2))
        if self.mask is not None:
            attn = attn + self.mask
        x = x + self.proj(F.softmax(attn, -1).matmul(v).permute(0, 2, 1, 3).reshape(b, n, d))
        return x + self.mlp(self.n2(x))


class SVTR(nn.Module):
    def __init__(self, dims=(64, 128, 256), heads=(2, 4, 8), depth=(3, 6, 3), mixer=('L', 'L', 'L', 'L', 'L', 'L', 'G', 'G', 'G', 'G', 'G', 'G'),
                 img=(32, 100), nc=37, out=192):
        super().__init__()
        self.embed = nn.Sequential(cbr(3, dims[0] // 2, 3, 2, act=nn.GELU), cbr(dims[0] // 2, dims[0], 3, 2, act=nn.GELU))
        h, w = img[0] // 4, img[1] // 4
        self.pos = nn.Parameter(0.02 * torch.randn(1, h * w, dims[0]))
        self.stages, self.merges, self.hw = nn.ModuleList(), nn.ModuleList(), []
        k = 0
        for s, (d, hd, n) in enumerate(zip(dims, heads, depth)):
            self.stages.append(nn.Sequential(*[Mixing(d, hd, (h, w) if mixer[k + i] == 'L' else None) for i in range(n)]))
            self.hw.append((h, w))
            k += n
            if s < 2:
                self.merges.append(nn.Sequential(nn.Conv2d(d, dims[s + 1], 3, (2, 1), 1)))
                self.merges.append(nn.LayerNorm(dims[s + 1]))
                h //= 2
        self.norm = nn.LayerNorm(dims[-1], eps=1e-6)
        self.last_conv = nn.Conv2d(dims[-1], out, 1, bias=False)
        self.head = nn.Linear(out, nc)

    def forward(self, x):
        x = self.embed(x).flatten(2).permute(0, 2, 1) + self.pos
        for s, stage in enumerate(self.stages):
            x = stage(x)
            h, w = self.hw[s]
            if s < 2:
                x = self.merges[2 * s](x.permute(0, 2, 1).reshape(-1, x.shape[-1], h, w))
                x = self.merges[2 * s + 1](x.flatten(2).permute(0, 2, 1))
        x = self.norm(x)
        h, w = self.hw[-1]
        x = F.adaptive_avg_pool2d(x.permute(0, 2, 1).reshape(-1, x.shape[-1], h, w), (1, w // 1))
        x = F.hardswish(self.last_conv(x))
        x = x.squeeze(2).permute(0, 2, 1)
        return F.softmax(self.head(x), 2)
