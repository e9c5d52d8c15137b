"""Twentieth sweep (docs/model-sweep.md): motion, flow, photo enhancement and restoration as their public code writes
them — First Order Motion Model (AliaksandrSiarohin/first-order-model: hourglass keypoint detector, softmax heatmaps
to keypoints and 2x2 jacobians, dense motion from K local affine motions (jacobian_s x inverse(jacobian_d), the 2x2
inverse written out as ONNX exports of FOMM do), K+1 grid_samples of the source, hourglass, softmax masks, occlusion;
generator warping its features by grid_sample), FlowNetC (NVIDIA/flownet2-pytorch: siamese convs, the correlation
layer over a 9x9 displacement window as shifted products, redirection conv, refinement by ConvTranspose with upsampled
flows), HDRNet (google/hdrnet: splat / local / global paths to a bilateral grid of 3x4 affine coefficients, guide map by
a colour matrix and per-channel piecewise-linear curves, trilinear slicing (bilinear in space, tent weights along the
guide), per-pixel affine apply), Image-Adaptive 3D LUT (HuiZeng/Image-Adaptive-3DLUT: a CNN weighting three 33^3
basis LUTs, trilinear lookup by gathers of the 8 corners), IMDN (Zheng222/IMDN: information multi-distillation by
channel splits, contrast-aware channel attention (std + mean), pixel shuffle), DexiNed (xavysp/DexiNed: dense
blocks with averaged double convs, side convs, up-blocks of 1 to 4 ConvTranspose, 6 side outputs and a fused map),
DeblurGAN-v2 (VITA-Group/DeblurGANv2: FPN on MobileNetV2 with InstanceNorm, FPN heads at 4 scales, nearest upsampling,
tanh residual, clamp) and Metric3D (YvanYin/Metric3D: ConvNeXt encoder, canonical-camera depth scaled by focal /
1000, RAFT-style ConvGRU refinement of depth and normals). Plain torch.nn, small widths, random weights. Imported by
sweep20_vis.py."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep15_vis_seg import CNBlock
from sweep16_vis_res import RFDN
from sweep18_vis_gen import LayerNorm2d
from sweep20_vis_bb import cbr


# --- First Order Motion Model ---
def make_coordinate_grid(h, w):
    x = 2 * (torch.arange(w, dtype=torch.float32) / (w - 1)) - 1
    y = 2 * (torch.arange(h, dtype=torch.float32) / (h - 1)) - 1
    return torch.cat([x.view(1, -1).repeat(h, 1).unsqueeze(2), y.view(-1, 1).repeat(1, w).unsqueeze(2)], 2)


class Hourglass(nn.Module):
    def __init__(self, cin, be=16, blocks=3, maxf=128):
        super().__init__()
        self.down = nn.ModuleList()
        for i in range(blocks):
            self.down.append(nn.Sequential(nn.Conv2d(cin if i == 0 else min(maxf, be * 2 ** i), min(maxf, be * 2 ** (i + 1)), 3, 1, 1),
                                           nn.BatchNorm2d(min(maxf, be * 2 ** (i + 1))), nn.ReLU(), nn.AvgPool2d(2)))
        self.up = nn.ModuleList()
        for i in reversed(range(blocks)):
            cin_up = (1 if i == blocks - 1 else 2) * min(maxf, be * 2 ** (i + 1))
            self.up.append(nn.Sequential(nn.Conv2d(cin_up, min(maxf, be * 2 ** i), 3, 1, 1), nn.BatchNorm2d(min(maxf, be * 2 ** i)), nn.ReLU()))
        self.out_filters = be + cin

    def forward(self, x):
        outs = [x]
        for d in self.down:
            outs.append(d(outs[-1]))
        out = outs.pop()
        for u in self.up:
            out = u(F.interpolate(out, scale_factor=2.))
            out = torch.cat([out, outs.pop()], 1)
        return out


class AntiAliasInterpolation2d(nn.Module):
    def __init__(self, c, scale):
        super().__init__()
        sigma = (1 / scale - 1) / 2
        k = 2 * round(sigma * 4) + 1
        self.ka = k // 2
        m = torch.arange(k, dtype=torch.float32)
        g = torch.exp(-(m - (k - 1) / 2) ** 2 / (2 * sigma ** 2))
        kernel = g[:, None] * g[None, :]
        kernel = kernel / kernel.sum()
        self.register_buffer('weight', kernel.view(1, 1, k, k).repeat(c, 1, 1, 1))
        self.groups, self.scale = c, scale

    def forward(self, x):
        out = F.conv2d(F.pad(x, (self.ka, self.ka, self.ka, self.ka)), self.weight, groups=self.groups)
        return F.interpolate(out, scale_factor=(self.scale, self.scale))


class KPDetector(nn.Module):
    def __init__(self, k=10, size=64):
        super().__init__()
        self.down = AntiAliasInterpolation2d(3, 0.5)
        self.predictor = Hourglass(3)
        self.kp = nn.Conv2d(self.predictor.out_filters, k, 7, padding=3)
        self.jac = nn.Conv2d(self.predictor.out_filters, 4 * k, 7, padding=3)
        self.k = k
        # The repo's init: jacobians start at the identity (weight zeroed, bias [1, 0, 0, 1]); small weights here so
        # that they depend on the input while staying invertible, as a trained detector's do.
        with torch.no_grad():
            self.jac.weight.mul_(0.02)
            self.jac.bias.copy_(torch.tensor([1., 0., 0., 1.] * k))
        self.register_buffer('grid', make_coordinate_grid(size // 2, size // 2))

    def forward(self, x):
        f = self.predictor(self.down(x))
        pred = self.kp(f)
        b, k, h, w = pred.shape
        heat = F.softmax(pred.view(b, k, -1) / 0.1, dim=2).view(b, k, h, w)
        value = (heat.unsqueeze(-1) * self.grid[None, None]).sum(dim=(2, 3))
        jac = self.jac(f).view(b, k, 4, h, w)
        jac = (heat.unsqueeze(2) * jac).view(b, k, 4, -1).sum(-1).view(b, k, 2, 2)
        return value, jac


def inverse2x2(m):
    a, b, c, d = m[..., 0, 0], m[..., 0, 1], m[..., 1, 0], m[..., 1, 1]
    det = a * d - b * c
    return torch.stack([torch.stack([d, -b], -1), torch.stack([-c, a], -1)], -2) / det[..., None, None]


def kp2gaussian(mean, grid, var=0.01):
    d = grid[None, None] - mean[:, :, None, None, :]
    return torch.exp(-0.5 * (d ** 2).sum(-1) / var)


class DenseMotion(nn.Module):
    def __init__(self, k=10, size=64):
        super().__init__()
        self.hourglass = Hourglass((k + 1) * 4, blocks=3)
        self.mask = nn.Conv2d(self.hourglass.out_filters, k + 1, 7, padding=3)
        self.occlusion = nn.Conv2d(self.hourglass.out_filters, 1, 7, padding=3)
        self.down = AntiAliasInterpolation2d(3, 0.5)
        self.k = k
        self.register_buffer('grid', make_coordinate_grid(size // 2, size // 2))

    def forward(self, source, kp_d, jac_d, kp_s, jac_s):
        src = self.down(source)
        b, _, h, w = src.shape
        heat = kp2gaussian(kp_d, self.grid) - kp2gaussian(kp_s, self.grid)
        heat = torch.cat([torch.zeros(b, 1, h, w), heat], 1).unsqueeze(2)  # [B, K+1, 1, h, w]
        coord = self.grid[None, None] - kp_d[:, :, None, None]  # [B, K, h, w, 2]
        jac = torch.matmul(jac_s, inverse2x2(jac_d))  # [B, K, 2, 2]
        coord = torch.matmul(jac[:, :, None, None], coord.unsqueeze(-1)).squeeze(-1)
        driving_to_source = coord + kp_s[:, :, None, None]
        ident = self.grid[None, None].repeat(b, 1, 1, 1, 1)
        sparse = torch.cat([ident, driving_to_source], 1)  # [B, K+1, h, w, 2]
        rep = src.unsqueeze(1).repeat(1, self.k + 1, 1, 1, 1).view(b * (self.k + 1), -1, h, w)
        deformed = F.grid_sample(rep, sparse.view(b * (self.k + 1), h, w, 2), align_corners=False).view(b, self.k + 1, -1, h, w)
        inp = torch.cat([heat, deformed], 2).view(b, -1, h, w)
        pred = self.hourglass(inp)
        mask = F.softmax(self.mask(pred), dim=1)
        deformation = (sparse.permute(0, 1, 4, 2, 3) * mask.unsqueeze(2)).sum(1).permute(0, 2, 3, 1)
        return deformation, torch.sigmoid(self.occlusion(pred))


class ResBlock2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n1, self.c1, self.n2, self.c2 = nn.BatchNorm2d(c), nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        return x + self.c2(F.relu(self.n2(self.c1(F.relu(self.n1(x))))))


class FOMM(nn.Module):
    def __init__(self, k=10, size=64, be=16):
        super().__init__()
        self.kp = KPDetector(k, size)
        self.dense = DenseMotion(k, size)
        self.first = cbr(3, be, 7)
        self.downs = nn.Sequential(cbr(be, 2 * be, 3), nn.AvgPool2d(2), cbr(2 * be, 4 * be, 3), nn.AvgPool2d(2))
        self.bottleneck = nn.Sequential(ResBlock2d(4 * be), ResBlock2d(4 * be))
        self.ups = nn.Sequential(nn.Upsample(scale_factor=2.), cbr(4 * be, 2 * be), nn.Upsample(scale_factor=2.), cbr(2 * be, be))
        self.final = nn.Conv2d(be, 3, 7, padding=3)

    def forward(self, source, driving):
        kp_s, jac_s = self.kp(source)
        kp_d, jac_d = self.kp(driving)
        deformation, occlusion = self.dense(source, kp_d, jac_d, kp_s, jac_s)
        out = self.downs(self.first(source))
        h, w = out.shape[2:]
        deformation = F.interpolate(deformation.permute(0, 3, 1, 2), size=(h, w), mode='bilinear').permute(0, 2, 3, 1)
        out = F.grid_sample(out, deformation, align_corners=False)
        out = out * F.interpolate(occlusion, size=(h, w), mode='bilinear')
        out = self.ups(self.bottleneck(out))
        return torch.sigmoid(self.final(out)), kp_d


# --- FlowNetC ---
def lconv(cin, cout, k=3, s=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, (k - 1) // 2), nn.LeakyReLU(0.1))


class FlowNetC(nn.Module):
    def __init__(self, w=16, md=4):
        super().__init__()
        self.conv1, self.conv2, self.conv3 = lconv(3, w, 7, 2), lconv(w, 2 * w, 5, 2), lconv(2 * w, 4 * w, 5, 2)
        self.md = md
        nd = (2 * md + 1) ** 2
        self.redir = lconv(4 * w, 2 * w, 1)
        self.conv3_1 = lconv(nd + 2 * w, 4 * w)
        self.conv4, self.conv4_1 = lconv(4 * w, 8 * w, 3, 2), lconv(8 * w, 8 * w)
        self.conv5, self.conv5_1 = lconv(8 * w, 8 * w, 3, 2), lconv(8 * w, 8 * w)
        self.conv6, self.conv6_1 = lconv(8 * w, 16 * w, 3, 2), lconv(16 * w, 16 * w)
        self.pf6, self.pf5, self.pf4, self.pf3, self.pf2 = (nn.Conv2d(c, 2, 3, 1, 1) for c in (16 * w, 16 * w + 2, 16 * w + 2, 8 * w + 2, 4 * w + 2))
        self.de2 = nn.Sequential(nn.ConvTranspose2d(8 * w + 2, 2 * w, 4, 2, 1), nn.LeakyReLU(0.1))
        self.de5 = nn.Sequential(nn.ConvTranspose2d(16 * w, 8 * w, 4, 2, 1), nn.LeakyReLU(0.1))
        self.de4 = nn.Sequential(nn.ConvTranspose2d(16 * w + 2, 8 * w, 4, 2, 1), nn.LeakyReLU(0.1))
        self.de3 = nn.Sequential(nn.ConvTranspose2d(16 * w + 2, 4 * w, 4, 2, 1), nn.LeakyReLU(0.1))
        self.up6, self.up5, self.up4, self.up3 = (nn.ConvTranspose2d(2, 2, 4, 2, 1, bias=False) for _ in range(4))

    def correlate(self, a, b):
        md = self.md
        h, w = a.shape[2:]
        bp = F.pad(b, (md, md, md, md))
        out = []
        for dy in range(2 * md + 1):
            for dx in range(2 * md + 1):
                out.append((a * bp[:, :, dy:dy + h, dx:dx + w]).mean(1, keepdim=True))
        return F.leaky_relu(torch.cat(out, 1), 0.1)

    def forward(self, im1, im2):
        a2 = self.conv2(self.conv1(im1))
        a = self.conv3(a2)
        b = self.conv3(self.conv2(self.conv1(im2)))
        c3 = self.conv3_1(torch.cat([self.redir(a), self.correlate(a, b)], 1))
        c4 = self.conv4_1(self.conv4(c3))
        c5 = self.conv5_1(self.conv5(c4))
        c6 = self.conv6_1(self.conv6(c5))
        f6 = self.pf6(c6)
        x = torch.cat([c5, self.de5(c6), self.up6(f6)], 1)
        f5 = self.pf5(x)
        x = torch.cat([c4, self.de4(x), self.up5(f5)], 1)
        f4 = self.pf4(x)
        x = torch.cat([c3, self.de3(x), self.up4(f4)], 1)
        f3 = self.pf3(x)
        x = torch.cat([a2, self.de2(x), self.up3(f3)], 1)
        f2 = self.pf2(x)
        return F.interpolate(f2 * 20.0, scale_factor=4., mode='bilinear', align_corners=False)


# --- HDRNet ---
class HDRNet(nn.Module):
    def __init__(self, lb=8, nin=3, nout=3, cm=1, sb=8, lowres=128):
        super().__init__()
        self.lb, self.lowres, self.nc = lb, lowres, (nin + 1) * nout
        self.splat = nn.Sequential(nn.Conv2d(3, 8 * cm, 3, 2, 1), nn.ReLU(), cbr(8 * cm, 16 * cm, 3, 2),
                                   cbr(16 * cm, 32 * cm, 3, 2), cbr(32 * cm, 64 * cm, 3, 2))  # 128 -> 8
        self.glob = nn.Sequential(cbr(64 * cm, 64 * cm, 3, 2), cbr(64 * cm, 64 * cm, 3, 2))  # 8 -> 2
        self.gfc = nn.Sequential(nn.Linear(64 * cm * 4, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 64 * cm))
        self.local = nn.Sequential(cbr(64 * cm, 64 * cm), nn.Conv2d(64 * cm, 64 * cm, 3, 1, 1, bias=False))
        self.pred = nn.Conv2d(64 * cm, lb * self.nc, 1)
        # guide: colour matrix, 16 piecewise-linear pieces per channel, mixing to one channel
        self.ccm = nn.Conv2d(3, 3, 1)
        self.register_buffer('shifts', torch.linspace(0, 1, 17)[:-1].view(1, 3 * 0 + 1, 16, 1, 1).repeat(1, 3, 1, 1, 1).view(1, 3, 16, 1, 1))
        self.slopes = nn.Parameter(torch.rand(1, 3, 16, 1, 1) * 0.2)
        self.mix = nn.Conv2d(3, 1, 1)

    def forward(self, full):
        b, _, h, w = full.shape
        low = F.interpolate(full, size=(self.lowres, self.lowres), mode='bilinear', align_corners=False)
        s = self.splat(low)
        g = self.glob(s).flatten(1)
        g = self.gfc(g)
        f = F.relu(self.local(s) + g.view(b, -1, 1, 1))
        grid = self.pred(f)  # [B, lb * 12, gh, gw]
        # slice: bilinear in space, tent weights along the guide
        guide = self.ccm(full)
        guide = (F.relu(guide.unsqueeze(2) - self.shifts) * self.slopes).sum(2)
        guide = torch.sigmoid(self.mix(guide))  # [B, 1, H, W] in (0, 1)
        up = F.interpolate(grid, size=(h, w), mode='bilinear', align_corners=True).view(b, self.nc, self.lb, h, w)
        z = guide * (self.lb - 1)
        bins = torch.arange(self.lb, dtype=torch.float32).view(1, 1, self.lb, 1, 1)
        wz = F.relu(1 - torch.abs(z.unsqueeze(2) - bins))  # [B, 1, lb, H, W]
        coeff = (up * wz).sum(2)  # [B, 12, H, W]
        out_r = (full * coeff[:, 0:3]).sum(1, keepdim=True) + coeff[:, 3:4]
        out_g = (full * coeff[:, 4:7]).sum(1, keepdim=True) + coeff[:, 7:8]
        out_b = (full * coeff[:, 8:11]).sum(1, keepdim=True) + coeff[:, 11:12]
        return torch.cat([out_r, out_g, out_b], 1)


# --- Image-Adaptive 3D LUT ---
def identity_lut(n=33):
    v = torch.arange(n, dtype=torch.float32) / (n - 1)
    bb, gg, rr = torch.meshgrid(v, v, v)
    return torch.stack([rr, gg, bb], 0)  # [3, b, g, r]


class AdaptiveLUT(nn.Module):
    def __init__(self, n=33):
        super().__init__()
        self.n = n
        self.cls = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.LeakyReLU(0.2), nn.InstanceNorm2d(16, affine=True),
                                 nn.Conv2d(16, 32, 3, 2, 1), nn.LeakyReLU(0.2), nn.InstanceNorm2d(32, affine=True),
                                 nn.Conv2d(32, 64, 3, 2, 1), nn.LeakyReLU(0.2), nn.InstanceNorm2d(64, affine=True),
                                 nn.Conv2d(64, 128, 3, 2, 1), nn.LeakyReLU(0.2), nn.InstanceNorm2d(128, affine=True),
                                 nn.Conv2d(128, 128, 3, 2, 1), nn.LeakyReLU(0.2), nn.Dropout(0.5),
                                 nn.AdaptiveAvgPool2d(1), nn.Conv2d(128, 3, 1))
        self.lut0 = nn.Parameter(identity_lut(n))
        self.lut1 = nn.Parameter(0.1 * torch.randn(3, n, n, n))
        self.lut2 = nn.Parameter(0.1 * torch.randn(3, n, n, n))

    def forward(self, img):
        w = self.cls(F.interpolate(img, size=(256, 256), mode='bilinear', align_corners=False)).view(-1, 3)[0]
        lut = (w[0] * self.lut0 + w[1] * self.lut1 + w[2] * self.lut2).view(3, -1)
        n = self.n
        x = img.clamp(0, 1) * (n - 1)
        lo = torch.floor(x).clamp(max=n - 2)
        fr = x - lo
        lo = lo.long()
        r0, g0, b0 = lo[0, 0].view(-1), lo[0, 1].view(-1), lo[0, 2].view(-1)
        fr_, fg, fb = fr[0, 0].view(-1), fr[0, 1].view(-1), fr[0, 2].view(-1)
        out = 0
        for db in (0, 1):
            for dg in (0, 1):
                for dr in (0, 1):
                    idx = (b0 + db) * n * n + (g0 + dg) * n + (r0 + dr)
                    wgt = (fr_ if dr else 1 - fr_) * (fg if dg else 1 - fg) * (fb if db else 1 - fb)
                    out = out + lut[:, idx] * wgt
        return out.view(1, 3, img.size(2), img.size(3)), w


# --- IMDN ---
def stdv_channels(x):
    mean = x.mean(3, keepdim=True).mean(2, keepdim=True)
    var = (x - mean).pow(2).mean(3, keepdim=True).mean(2, keepdim=True)
    return var.pow(0.5)


class CCA(nn.Module):
    def __init__(self, c, r=16):
        super().__init__()
        self.du = nn.Sequential(nn.Conv2d(c, c // r, 1), nn.ReLU(), nn.Conv2d(c // r, c, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.du(stdv_channels(x) + x.mean(3, keepdim=True).mean(2, keepdim=True))


class IMDModule(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.d, self.r = c // 4, c - c // 4
        self.c1, self.c2, self.c3 = nn.Conv2d(c, c, 3, 1, 1), nn.Conv2d(self.r, c, 3, 1, 1), nn.Conv2d(self.r, c, 3, 1, 1)
        self.c4 = nn.Conv2d(self.r, self.d, 3, 1, 1)
        self.act = nn.LeakyReLU(0.05)
        self.c5 = nn.Conv2d(4 * self.d, c, 1)
        self.cca = CCA(4 * self.d)

    def forward(self, x):
        d1, r1 = torch.split(self.act(self.c1(x)), (self.d, self.r), dim=1)
        d2, r2 = torch.split(self.act(self.c2(r1)), (self.d, self.r), dim=1)
        d3, r3 = torch.split(self.act(self.c3(r2)), (self.d, self.r), dim=1)
        d4 = self.c4(r3)
        return self.c5(self.cca(torch.cat([d1, d2, d3, d4], 1))) + x


class IMDN(RFDN):
    """IMDN's trunk is the one RFDN kept (feature conv, blocks, 1x1 fusion of every block's output, pixel shuffle)."""
    def __init__(self, c=64, n=6, scale=4):
        super().__init__(c, n, scale)
        self.blocks = nn.ModuleList(IMDModule(c) for _ in range(n))


# --- DexiNed ---
class DenseLayer(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.b = nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, 3, 1, 2, bias=True), nn.BatchNorm2d(cout), nn.ReLU(),
                               nn.Conv2d(cout, cout, 3, 1, 0, bias=True), nn.BatchNorm2d(cout))

    def forward(self, x):
        x1, x2 = x
        return 0.5 * (self.b(x1) + x2), x2


class UpConvBlock(nn.Module):
    def __init__(self, cin, up):
        super().__init__()
        layers, c = [], cin
        for i in range(up):
            out = 1 if i == up - 1 else 16
            layers += [nn.Conv2d(c, out, 1), nn.ReLU(), nn.ConvTranspose2d(out, out, 2 ** 1 * 2, 2, 1)]
            c = out
        self.f = nn.Sequential(*layers)

    def forward(self, x):
        return self.f(x)


def sconv(cin, cout, s, bn=True):
    return nn.Sequential(nn.Conv2d(cin, cout, 1, s), nn.BatchNorm2d(cout)) if bn else nn.Conv2d(cin, cout, 1, s)


class DexiNed(nn.Module):
    def __init__(self, w=8):
        super().__init__()
        self.block1 = nn.Sequential(nn.Conv2d(3, 2 * w, 3, 2, 1), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.Conv2d(2 * w, 4 * w, 3, 1, 1),
                                    nn.BatchNorm2d(4 * w), nn.ReLU())
        self.block2 = nn.Sequential(nn.Conv2d(4 * w, 8 * w, 3, 1, 1), nn.BatchNorm2d(8 * w), nn.ReLU(), nn.Conv2d(8 * w, 8 * w, 3, 1, 1),
                                    nn.BatchNorm2d(8 * w))
        self.dblock3 = nn.ModuleList([DenseLayer(8 * w, 16 * w), DenseLayer(16 * w, 16 * w)])
        self.dblock4 = nn.ModuleList([DenseLayer(16 * w, 32 * w)] + [DenseLayer(32 * w, 32 * w) for _ in range(2)])
        self.dblock5 = nn.ModuleList([DenseLayer(32 * w, 32 * w) for _ in range(3)])
        self.dblock6 = nn.ModuleList([DenseLayer(32 * w, 16 * w)] + [DenseLayer(16 * w, 16 * w) for _ in range(2)])
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.side1, self.side2 = sconv(4 * w, 8 * w, 2), sconv(8 * w, 16 * w, 2)
        self.side3, self.side4 = sconv(16 * w, 32 * w, 2), sconv(32 * w, 32 * w, 1)
        self.pre3, self.pre4 = sconv(8 * w, 16 * w, 1), sconv(16 * w, 32 * w, 1)
        self.pre5, self.pre6 = sconv(32 * w, 32 * w, 1), sconv(32 * w, 16 * w, 1)
        self.ups = nn.ModuleList([UpConvBlock(4 * w, 1), UpConvBlock(8 * w, 1), UpConvBlock(16 * w, 2),
                                  UpConvBlock(32 * w, 3), UpConvBlock(32 * w, 4), UpConvBlock(16 * w, 4)])
        self.block_cat = nn.Conv2d(6, 1, 1)

    @staticmethod
    def dense(layers, x, skip):
        for layer in layers:
            x, skip = layer((x, skip))
        return x

    def forward(self, x):
        h, w = x.shape[2:]
        b1 = self.block1(x)
        b1s = self.side1(b1)
        b2 = self.block2(b1)
        b2d = self.pool(b2)
        b2a = b2d + b1s
        b2s = self.side2(b2a)
        b3 = self.dense(self.dblock3, b2a, self.pre3(b2d))
        b3d = self.pool(b3)
        b3a = b3d + b2s
        b3s = self.side3(b3a)
        b4 = self.dense(self.dblock4, b3a, self.pre4(b3d))
        b4d = self.pool(b4)
        b4a = b4d + b3s
        b4s = self.side4(b4a)
        b5 = self.dense(self.dblock5, b4a, self.pre5(b4d))
        b5a = b5 + b4s
        b6 = self.dense(self.dblock6, b5a, self.pre6(b5))
        outs = [u(f) for u, f in zip(self.ups, (b1, b2, b3, b4, b5, b6))]
        outs = [F.interpolate(o, size=(h, w), mode='bilinear', align_corners=False) if o.shape[2:] != (h, w) else o for o in outs]
        fused = self.block_cat(torch.cat(outs, 1))
        return torch.sigmoid(torch.cat(outs + [fused], 1))


# --- DeblurGAN-v2 (FPN MobileNetV2) ---
class IR(nn.Module):
    def __init__(self, cin, cout, s, t):
        super().__init__()
        h = cin * t
        self.b = nn.Sequential(*([cbr(cin, h, 1, act=nn.ReLU6)] if t != 1 else []), cbr(h, h, 3, s, g=h, act=nn.ReLU6),
                               nn.Conv2d(h, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.res = s == 1 and cin == cout

    def forward(self, x):
        return x + self.b(x) if self.res else self.b(x)


class FPNHead(nn.Module):
    def __init__(self, cin, mid, cout):
        super().__init__()
        self.b0, self.b1 = nn.Conv2d(cin, mid, 3, 1, 1, bias=False), nn.Conv2d(mid, cout, 3, 1, 1, bias=False)

    def forward(self, x):
        return F.relu(self.b1(F.relu(self.b0(x))))


class DeblurGANv2(nn.Module):
    def __init__(self, fpn=64, head=64):
        super().__init__()
        self.enc0 = nn.Sequential(cbr(3, 32, 3, 2, act=nn.ReLU6), IR(32, 16, 1, 1))  # 1/2, 16
        self.enc1 = nn.Sequential(IR(16, 24, 2, 6), IR(24, 24, 1, 6))  # 1/4, 24
        self.enc2 = nn.Sequential(IR(24, 32, 2, 6), IR(32, 32, 1, 6))  # 1/8, 32
        self.enc3 = nn.Sequential(IR(32, 64, 2, 6), IR(64, 64, 1, 6), IR(64, 96, 1, 6))  # 1/16, 96
        self.enc4 = nn.Sequential(IR(96, 160, 2, 6), IR(160, 160, 1, 6), IR(160, 320, 1, 6))  # 1/32, 320
        self.lateral4, self.lateral3, self.lateral2 = nn.Conv2d(320, fpn, 1, bias=False), nn.Conv2d(96, fpn, 1, bias=False), nn.Conv2d(32, fpn, 1, bias=False)
        self.lateral1, self.lateral0 = nn.Conv2d(24, fpn, 1, bias=False), nn.Conv2d(16, fpn // 2, 1, bias=False)
        norm = lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
        self.td1, self.td2, self.td3 = (nn.Sequential(nn.Conv2d(fpn, fpn, 3, 1, 1), norm(fpn), nn.ReLU()) for _ in range(3))
        self.heads = nn.ModuleList(FPNHead(fpn, head, head) for _ in range(4))
        self.smooth = nn.Sequential(nn.Conv2d(4 * head, head, 3, 1, 1), norm(head), nn.ReLU())
        self.smooth2 = nn.Sequential(nn.Conv2d(head, head // 2, 3, 1, 1), norm(head // 2), nn.ReLU())
        self.final = nn.Conv2d(head // 2, 3, 3, 1, 1)

    def forward(self, x):
        e0 = self.enc0(x)
        e1 = self.enc1(e0)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        e4 = self.enc4(e3)
        l0 = self.lateral0(e0)
        m4 = self.lateral4(e4)
        m3 = self.td1(self.lateral3(e3) + F.interpolate(m4, scale_factor=2., mode='nearest'))
        m2 = self.td2(self.lateral2(e2) + F.interpolate(m3, scale_factor=2., mode='nearest'))
        m1 = self.td3(self.lateral1(e1) + F.interpolate(m2, scale_factor=2., mode='nearest'))
        hs = [F.interpolate(self.heads[0](m4), scale_factor=8., mode='nearest'),
              F.interpolate(self.heads[1](m3), scale_factor=4., mode='nearest'),
              F.interpolate(self.heads[2](m2), scale_factor=2., mode='nearest'), self.heads[3](m1)]
        s = F.interpolate(self.smooth(torch.cat(hs, 1)), scale_factor=2., mode='nearest')
        s = F.interpolate(self.smooth2(s), scale_factor=2., mode='nearest')
        return torch.clamp(torch.tanh(self.final(s)) + x, min=-1, max=1)


# --- Metric3D ---
class ConvGRU(nn.Module):
    def __init__(self, h, x):
        super().__init__()
        self.z, self.r, self.q = nn.Conv2d(h + x, h, 3, 1, 1), nn.Conv2d(h + x, h, 3, 1, 1), nn.Conv2d(h + x, h, 3, 1, 1)

    def forward(self, h, x):
        hx = torch.cat([h, x], 1)
        z, r = torch.sigmoid(self.z(hx)), torch.sigmoid(self.r(hx))
        q = torch.tanh(self.q(torch.cat([r * h, x], 1)))
        return (1 - z) * h + z * q


class Metric3D(nn.Module):
    def __init__(self, dims=(32, 64, 128), bins=32, iters=4, hid=48, canonical_focal=1000.0, max_depth=200.0):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dims[0], 4, 4), LayerNorm2d(dims[0]))
        self.stages = nn.ModuleList()
        for i, d in enumerate(dims):
            down = nn.Identity() if i == 0 else nn.Sequential(LayerNorm2d(dims[i - 1]), nn.Conv2d(dims[i - 1], d, 2, 2))
            self.stages.append(nn.Sequential(down, CNBlock(d), CNBlock(d)))
        self.proj = nn.ModuleList(nn.Conv2d(d, hid, 1) for d in dims)
        self.bins_head = nn.Sequential(nn.Conv2d(hid, hid, 3, 1, 1), nn.GELU(), nn.Conv2d(hid, bins, 1))
        self.register_buffer('bin_centers', torch.exp(torch.linspace(torch.log(torch.tensor(0.1)), torch.log(torch.tensor(max_depth)), bins)).view(1, bins, 1, 1))
        self.normal_head = nn.Sequential(nn.Conv2d(hid, hid, 3, 1, 1), nn.GELU(), nn.Conv2d(hid, 4, 1))
        self.context = nn.Conv2d(hid, 2 * hid, 3, 1, 1)
        self.enc_motion = nn.Sequential(nn.Conv2d(1 + 4, 32, 3, 1, 1), nn.ReLU(), nn.Conv2d(32, 32, 3, 1, 1), nn.ReLU())
        self.gru = ConvGRU(hid, hid + 32)
        self.delta = nn.Sequential(nn.Conv2d(hid, 64, 3, 1, 1), nn.ReLU(), nn.Conv2d(64, 5, 3, 1, 1))
        self.iters, self.cf, self.max_depth = iters, canonical_focal, max_depth

    def forward(self, image, focal):
        feats, x = [], self.stem(image)
        for st in self.stages:
            x = st(x)
            feats.append(x)
        size = feats[0].shape[2:]
        f = sum(F.interpolate(p(fe), size=size, mode='bilinear', align_corners=True) for p, fe in zip(self.proj, feats))
        prob = self.bins_head(f).softmax(1)
        depth = (prob * self.bin_centers).sum(1, keepdim=True) / self.max_depth
        normal = self.normal_head(f)
        net, inp = torch.split(self.context(f), [f.size(1), f.size(1)], 1)
        net, inp = torch.tanh(net), F.relu(inp)
        for _ in range(self.iters):
            m = self.enc_motion(torch.cat([depth, normal], 1))
            net = self.gru(net, torch.cat([inp, m], 1))
            d = self.delta(net)
            depth = (depth + d[:, :1]).clamp(min=1e-4)
            normal = normal + d[:, 1:]
        n = F.normalize(normal[:, :3], dim=1)
        kappa = F.elu(normal[:, 3:]) + 1.0
        h, w = image.shape[2:]
        depth = F.interpolate(depth, size=(h, w), mode='bilinear', align_corners=True) * self.max_depth
        return depth * focal.view(-1, 1, 1, 1) / self.cf, torch.cat([n, kappa], 1)
