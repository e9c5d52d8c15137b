"""Thirteenth sweep, dense prediction (docs/model-sweep.md): RAFT-Stereo (1-D correlation pyramid looked up by
grid_sample, 3-level ConvGRUs, convex upsampling), ZoeDepth's metric head (seed bin regressor, exp attractors over
bin centres, conditional log-binomial), GFPGAN v1 clean (U-Net encoder, StyleGAN2 decoder with modulated convs of
run-time weights, SFT conditions) and BiRefNet (swin backbone on the image and its half, ASPP with deformable convs
written as deform_conv2d_onnx_exporter writes them: gathered corners and a k-strided conv), in plain torch.nn with
the projects' math (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


# --- RAFT-Stereo ---

class ResBlock(nn.Module):
    def __init__(self, i, o, norm, s=1):
        super().__init__()
        nm = (lambda c: nn.InstanceNorm2d(c)) if norm == 'instance' else (lambda c: nn.BatchNorm2d(c))
        self.c1, self.c2 = nn.Conv2d(i, o, 3, s, 1), nn.Conv2d(o, o, 3, 1, 1)
        self.n1, self.n2 = nm(o), nm(o)
        self.down = nn.Sequential(nn.Conv2d(i, o, 1, s), nm(o)) if s != 1 or i != o else None

    def forward(self, x):
        y = F.relu(self.n1(self.c1(x)))
        y = F.relu(self.n2(self.c2(y)))
        return F.relu((self.down(x) if self.down is not None else x) + y)


class Encoder(nn.Module):
    """BasicEncoder at 1/4 (n_downsample 2)."""

    def __init__(self, o=128, norm='instance', w=32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, w, 7, 2, 3)
        self.n1 = nn.InstanceNorm2d(w) if norm == 'instance' else nn.BatchNorm2d(w)
        self.layers = nn.Sequential(ResBlock(w, w, norm), ResBlock(w, 2 * w, norm, 2), ResBlock(2 * w, 3 * w, norm))
        self.out = nn.Conv2d(3 * w, o, 1)
        self.w = w

    def forward(self, x):
        return self.out(self.layers(F.relu(self.n1(self.conv1(x)))))


class ConvGRU(nn.Module):
    def __init__(self, h, i):
        super().__init__()
        self.convz, self.convr, self.convq = (nn.Conv2d(h + i, h, 3, 1, 1) for _ in range(3))

    def forward(self, h, cz, cr, cq, *xs):
        x = torch.cat(xs, 1)
        hx = torch.cat([h, x], 1)
        z = torch.sigmoid(self.convz(hx) + cz)
        r = torch.sigmoid(self.convr(hx) + cr)
        q = torch.tanh(self.convq(torch.cat([r * h, x], 1)) + cq)
        return (1 - z) * h + z * q


def pool2x(x):
    return F.avg_pool2d(x, 3, 2, 1)


def interp(x, dest):
    return F.interpolate(x, dest.shape[2:], mode='bilinear', align_corners=True)


class RAFTStereo(nn.Module):
    """RAFT-Stereo (realtime-like: n_downsample 2, 3 GRU levels, corr radius 4, 4 levels, 4 iterations here):
    shared instance-norm feature encoder on both images, context encoder (batch norm) giving tanh hidden / relu
    context per level (1/4, 1/8, 1/16), context zqr convs, CorrBlock1D (einsum over the row, avg-pool pyramid along
    the disparity axis, lookup by grid_sample on maps one pixel high), motion encoder, flow head, convex upsampling
    of the x flow (disparity) by a softmax mask over 9 neighbours."""

    def __init__(self, hd=64, iters=4, radius=4, levels=4):
        super().__init__()
        self.fnet = Encoder(128, 'instance')
        self.cnet = Encoder(hd * 2, 'batch')
        self.cnet8 = nn.Sequential(ResBlock(hd * 2, hd * 2, 'batch', 2))
        self.cnet16 = nn.Sequential(ResBlock(hd * 2, hd * 2, 'batch', 2))
        self.zqr = nn.ModuleList([nn.Conv2d(hd, hd * 3, 3, 1, 1) for _ in range(3)])
        cp = levels * (2 * radius + 1)
        self.convc1, self.convc2 = nn.Conv2d(cp, 64, 1), nn.Conv2d(64, 64, 3, 1, 1)
        self.convf1, self.convf2 = nn.Conv2d(2, 64, 7, 1, 3), nn.Conv2d(64, 32, 3, 1, 1)
        self.conv = nn.Conv2d(64 + 32, 128 - 2, 3, 1, 1)
        self.gru04, self.gru08, self.gru16 = ConvGRU(hd, 128 + hd), ConvGRU(hd, hd * 2), ConvGRU(hd, hd)
        self.flow_head = nn.Sequential(nn.Conv2d(hd, 128, 3, 1, 1), nn.ReLU(), nn.Conv2d(128, 2, 3, 1, 1))
        self.mask = nn.Sequential(nn.Conv2d(hd, 128, 3, 1, 1), nn.ReLU(), nn.Conv2d(128, 16 * 9, 1))
        self.hd, self.iters, self.r, self.levels = hd, iters, radius, levels

    def forward(self, image1, image2):
        image1, image2 = 2 * image1 - 1, 2 * image2 - 1
        c = self.cnet(image1)
        c8 = self.cnet8(c)
        c16 = self.cnet16(c8)
        hidden = [torch.tanh(t[:, :self.hd]) for t in (c, c8, c16)]
        ctx = [F.relu(t[:, self.hd:]) for t in (c, c8, c16)]
        ctx = [list(z(t).split(self.hd, 1)) for z, t in zip(self.zqr, ctx)]
        f = self.fnet(torch.cat([image1, image2], 0))
        f1, f2 = f[:1], f[1:]
        b, d, h, w = f1.shape
        corr = torch.einsum('aijk,aijh->ajkh', f1, f2) / math.sqrt(d)
        corr = corr.reshape(b * h * w, 1, 1, w)
        pyramid = [corr]
        for _ in range(self.levels - 1):
            corr = F.avg_pool2d(corr, [1, 2], stride=[1, 2])
            pyramid.append(corr)
        gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
        coords0 = torch.stack([gx, gy], 0).float()[None]
        coords1 = coords0
        dx = torch.linspace(-self.r, self.r, 2 * self.r + 1).view(1, 1, 2 * self.r + 1, 1)
        mask = None
        for _ in range(self.iters):
            x = coords1[:, :1].permute(0, 2, 3, 1).reshape(b * h * w, 1, 1, 1)
            feats = []
            for i, cl in enumerate(pyramid):
                x0 = dx + x / 2 ** i
                wl = cl.shape[-1]
                grid = torch.cat([2 * x0 / (wl - 1) - 1, torch.zeros_like(x0) - 1], -1)
                s = F.grid_sample(cl, grid, align_corners=True)
                feats.append(s.view(b, h, w, -1))
            corr_f = torch.cat(feats, -1).permute(0, 3, 1, 2)
            flow = coords1 - coords0
            hidden[2] = self.gru16(hidden[2], *ctx[2], pool2x(hidden[1]))
            hidden[1] = self.gru08(hidden[1], *ctx[1], pool2x(hidden[0]), interp(hidden[2], hidden[1]))
            cor = F.relu(self.convc2(F.relu(self.convc1(corr_f))))
            flo = F.relu(self.convf2(F.relu(self.convf1(flow))))
            motion = torch.cat([F.relu(self.conv(torch.cat([cor, flo], 1))), flow], 1)
            hidden[0] = self.gru04(hidden[0], *ctx[0], motion, interp(hidden[1], hidden[0]))
            delta = self.flow_head(hidden[0])
            mask = 0.25 * self.mask(hidden[0])
            delta = torch.cat([delta[:, :1], torch.zeros_like(delta[:, 1:])], 1)
            coords1 = coords1 + delta
        flow = (coords1 - coords0)[:, :1]
        m = torch.softmax(mask.view(b, 1, 9, 4, 4, h, w), 2)
        up = F.unfold(4 * flow, [3, 3], padding=1).view(b, 1, 9, 1, 1, h, w)
        up = torch.sum(m * up, 2).permute(0, 1, 4, 2, 5, 3)
        return up.reshape(b, 1, 4 * h, 4 * w)


# --- ZoeDepth metric head ---

def log_binom(n, k, eps=1e-7):
    n, k = n + eps, k + eps
    return n * torch.log(n) - k * torch.log(k) - (n - k) * torch.log(n - k + eps)


class ZoeDepth(nn.Module):
    """ZoeD_N's head (the MiDaS BEiT-L encoder → a small CNN decoder giving a bottleneck and 4 decoder levels):
    SeedBinRegressorUnnormed (softplus bin centres), Projector embeddings, 4 AttractorLayerUnnormed (exp attractors
    summed, centres bilinear align_corners to each level), ConditionalLogBinomial (GELU MLP, softplus p / t, the
    log-binomial over 64 bins, temperature softmax), depth = Σ p · centres."""

    def __init__(self, n_bins=64, n_attr=(16, 8, 4, 1), d=32, bins_dim=32):
        super().__init__()
        chans = [16, 32, 48, 64, 96]
        self.enc = nn.ModuleList()
        c = 3
        for o in chans:
            self.enc.append(nn.Sequential(nn.Conv2d(c, o, 3, 2, 1), nn.ReLU(), nn.Conv2d(o, o, 3, 1, 1), nn.ReLU()))
            c = o
        self.dec = nn.ModuleList([nn.Conv2d(chans[4 - i] + (d if i else 0), d, 3, 1, 1) for i in range(4)])
        self.conv2 = nn.Conv2d(chans[-1], chans[-1], 1)
        self.seed = nn.Sequential(nn.Conv2d(chans[-1], 64, 1), nn.ReLU(), nn.Conv2d(64, n_bins, 1), nn.Softplus())
        self.seed_proj = nn.Sequential(nn.Conv2d(chans[-1], 64, 1), nn.ReLU(), nn.Conv2d(64, bins_dim, 1))
        self.projectors = nn.ModuleList([nn.Sequential(nn.Conv2d(d, 64, 1), nn.ReLU(), nn.Conv2d(64, bins_dim, 1)) for _ in range(4)])
        self.attractors = nn.ModuleList([nn.Sequential(nn.Conv2d(bins_dim, 64, 1), nn.ReLU(), nn.Conv2d(64, a, 1), nn.Softplus())
                                         for a in n_attr])
        bottleneck = (d + bins_dim) // 2
        self.cond = nn.Sequential(nn.Conv2d(d + bins_dim, bottleneck, 1), nn.GELU(), nn.Conv2d(bottleneck, 4, 1), nn.Softplus())
        self.register_buffer('k_idx', torch.arange(0, n_bins).float().view(1, -1, 1, 1))
        self.register_buffer('k_minus_1', torch.tensor([n_bins - 1.0]).view(1, -1, 1, 1))
        self.n_bins = n_bins

    def forward(self, x):
        feats = []
        for e in self.enc:
            x = e(x)
            feats.append(x)
        bott = self.conv2(feats[-1])
        outs, y = [], None
        for i, conv in enumerate(self.dec):
            f = feats[4 - i]
            y = F.relu(conv(f if y is None else torch.cat([f, F.interpolate(y, f.shape[-2:], mode='bilinear', align_corners=True)], 1)))
            outs.append(y)
        b_centers = self.seed(bott)
        b_prev = F.interpolate(b_centers, outs[0].shape[-2:], mode='bilinear', align_corners=True)
        prev_emb = self.seed_proj(bott)
        for proj, attr, feat in zip(self.projectors, self.attractors, outs):
            emb = proj(feat)
            emb = emb + F.interpolate(prev_emb, emb.shape[-2:], mode='bilinear', align_corners=True)
            a = attr(emb)
            b_prev = F.interpolate(b_prev, a.shape[-2:], mode='bilinear', align_corners=True)
            dx = a.unsqueeze(2) - b_prev.unsqueeze(1)
            b_prev = b_prev + (torch.exp(-300 * torch.abs(dx) ** 2) * dx).sum(1)
            prev_emb = emb
        last = outs[-1]
        pt = self.cond(torch.cat([last, F.interpolate(prev_emb, last.shape[-2:], mode='bilinear', align_corners=True)], 1))
        p, t = pt[:, :2] + 1e-4, pt[:, 2:] + 1e-4
        p = p[:, 0] / (p[:, 0] + p[:, 1])
        t = (t[:, 0] / (t[:, 0] + t[:, 1])).unsqueeze(1)
        t = (50 - 1e-7) * t + 1e-7
        p = p.unsqueeze(1)
        omp = torch.clamp(1 - p, 1e-4, 1)
        p = torch.clamp(p, 1e-4, 1)
        logit = log_binom(self.k_minus_1, self.k_idx) + self.k_idx * torch.log(p) + (self.n_bins - 1 - self.k_idx) * torch.log(omp)
        prob = torch.softmax(logit / t, 1)
        centers = F.interpolate(b_prev, prob.shape[-2:], mode='bilinear', align_corners=True)
        depth = torch.sum(prob * centers, 1, keepdim=True)
        return F.interpolate(depth, scale_factor=2.0, mode='bilinear', align_corners=True)


# --- GFPGAN v1 clean ---

class ModConv(nn.Module):
    """ModulatedConv2d (clean): weight · style, demodulated, one grouped conv over the batch; bilinear ×2 first when
    sampling up."""

    def __init__(self, i, o, k, sdim, demod=True, up=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, o, i, k, k) / math.sqrt(i * k * k))
        self.mod = nn.Linear(sdim, i)
        self.demod, self.up, self.k, self.o, self.i = demod, up, k, o, i

    def forward(self, x, style):
        b, c, h, w = x.shape
        s = self.mod(style).view(b, 1, c, 1, 1)
        wt = self.weight * s
        if self.demod:
            wt = wt * torch.rsqrt(wt.pow(2).sum([2, 3, 4]) + 1e-8).view(b, self.o, 1, 1, 1)
        wt = wt.view(b * self.o, c, self.k, self.k)
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
            h, w = x.shape[-2:]
        out = F.conv2d(x.view(1, b * c, h, w), wt, padding=self.k // 2, groups=b)
        return out.view(b, self.o, *out.shape[2:])


class StyleConv(nn.Module):
    def __init__(self, i, o, sdim, up=False, res=4):
        super().__init__()
        self.conv = ModConv(i, o, 3, sdim, True, up)
        self.noise_w = nn.Parameter(torch.full((1,), 0.1))
        self.register_buffer('noise', torch.randn(1, 1, res, res))
        self.bias = nn.Parameter(torch.zeros(1, o, 1, 1) + 0.02)

    def forward(self, x, style):
        return F.leaky_relu(self.conv(x, style) * 2 ** 0.5 + self.noise_w * self.noise + self.bias, 0.2)


class GFPGAN(nn.Module):
    """GFPGANv1Clean at 128 (512 in the release), channels / 16: conv_body_first, ResBlocks down (bilinear ½), final
    conv + linear to the style code (num_latent × 64), ResBlocks up with condition_scale / shift convs per level,
    StyleGAN2GeneratorClean decoder (constant 4×4, style convs, SFT on half the channels, toRGB with skips)."""

    def __init__(self, size=128, sdim=64, ch=32):
        super().__init__()
        self.log = int(math.log2(size))
        n_lat = self.log * 2 - 2
        self.first = nn.Conv2d(3, ch, 1)
        self.down = nn.ModuleList([nn.Sequential(nn.Conv2d(ch, ch, 3, 1, 1), nn.LeakyReLU(0.2)) for _ in range(self.log - 2)])
        self.down2 = nn.ModuleList([nn.Conv2d(ch, ch, 3, 1, 1) for _ in range(self.log - 2)])
        self.final_conv = nn.Conv2d(ch, ch, 3, 1, 1)
        self.final_linear = nn.Linear(ch * 16, sdim * n_lat)
        self.up = nn.ModuleList([nn.Conv2d(ch, ch, 3, 1, 1) for _ in range(self.log - 2)])
        self.cscale = nn.ModuleList([nn.Sequential(nn.Conv2d(ch, ch, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(ch, ch, 3, 1, 1)) for _ in range(self.log - 2)])
        self.cshift = nn.ModuleList([nn.Sequential(nn.Conv2d(ch, ch, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(ch, ch, 3, 1, 1)) for _ in range(self.log - 2)])
        self.const = nn.Parameter(torch.randn(1, 2 * ch, 4, 4))
        self.conv1 = StyleConv(2 * ch, 2 * ch, sdim, res=4)
        self.to_rgb1 = ModConv(2 * ch, 3, 1, sdim, demod=False)
        self.sconvs, self.rgbs = nn.ModuleList(), nn.ModuleList()
        for lv in range(3, self.log + 1):
            self.sconvs.append(StyleConv(2 * ch, 2 * ch, sdim, up=True, res=2 ** lv))
            self.sconvs.append(StyleConv(2 * ch, 2 * ch, sdim, res=2 ** lv))
            self.rgbs.append(ModConv(2 * ch, 3, 1, sdim, demod=False))
        self.n_lat, self.sdim, self.ch = n_lat, sdim, ch

    def forward(self, x):
        feat = F.leaky_relu(self.first(x), 0.2)
        unet = []
        for c1, c2 in zip(self.down, self.down2):
            y = F.interpolate(c1(feat), scale_factor=0.5, mode='bilinear', align_corners=False)
            y = F.leaky_relu(c2(y), 0.2)
            feat = y + F.interpolate(feat, scale_factor=0.5, mode='bilinear', align_corners=False)
            unet.insert(0, feat)
        feat = F.leaky_relu(self.final_conv(feat), 0.2)
        style = self.final_linear(feat.view(1, -1)).view(1, self.n_lat, self.sdim)
        conds = []
        for i in range(self.log - 2):
            feat = F.interpolate(feat + unet[i], scale_factor=2, mode='bilinear', align_corners=False)
            feat = F.leaky_relu(self.up[i](feat), 0.2)
            conds += [self.cscale[i](feat), self.cshift[i](feat)]
        out = self.conv1(self.const, style[:, 0])
        cs = self.ch
        skip = self.to_rgb1(out, style[:, 1])
        j = 1
        for k, rgb in enumerate(self.rgbs):
            out = self.sconvs[2 * k](out, style[:, j])
            out = torch.cat([out[:, :cs], out[:, cs:] * conds[2 * k] + conds[2 * k + 1]], 1)
            out = self.sconvs[2 * k + 1](out, style[:, j + 1])
            skip = rgb(out, style[:, j + 2]) + F.interpolate(skip, scale_factor=2, mode='bilinear', align_corners=False)
            j += 2
        return skip
