"""Twenty-second sweep (docs/model-sweep.md): mobile raw denoising and strip-attention deblurring as their public code
writes them — PMRID (MegEngine/PMRID: a Bayer mosaic packed to 4 channels by pixel_unshuffle, the k-sigma transform
k, σ = polynomials of the ISO, a UNet of 5x5 depthwise-separable encoder blocks and 2x2 transposed-conv decoders with
separable skip convs, the residual, the inverse transform, pixel_shuffle back to the mosaic) and Stripformer
(pp00704/Stripformer: a conv encoder to 1/4, intra-strip attention (half the channels attend along each row, half
along each column, multi-head), inter-strip attention (each row / column a token of W·c / H·c values), conv MLPs,
transposed-conv decoder, the blurred input added). Plain torch.nn, small widths, random weights. Imported by
sweep22_vis.py."""
import torch
from torch import nn
import torch.nn.functional as F


def sep(cin, cout, k=5, s=1):
    return nn.Sequential(nn.Conv2d(cin, cin, k, s, k // 2, groups=cin), nn.ReLU(), nn.Conv2d(cin, cout, 1))


class EncBlock(nn.Module):
    def __init__(self, cin, cout, s):
        super().__init__()
        mid = cout // 4
        self.body = nn.Sequential(nn.Conv2d(cin, mid, 1), nn.ReLU(), nn.Conv2d(mid, mid, 5, s, 2, groups=mid), nn.ReLU(), nn.Conv2d(mid, cout, 1))
        self.proj = sep(cin, cout, 3, s) if s != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return F.relu(self.body(x) + self.proj(x))


class PMRID(nn.Module):
    def __init__(self, cs=(16, 32, 64, 128), anchor=1600.0, v=959.0):
        super().__init__()
        self.conv0 = nn.Conv2d(4, cs[0], 3, 1, 1)
        self.enc = nn.ModuleList([nn.Sequential(EncBlock(a, b, 2), EncBlock(b, b, 1)) for a, b in zip(cs, cs[1:])])
        self.up = nn.ModuleList([nn.ConvTranspose2d(b, a, 2, 2) for a, b in zip(cs, cs[1:])])
        self.skip = nn.ModuleList([sep(a, a, 3) for a in cs[:-1]])
        self.dec = nn.ModuleList([sep(a, a, 3) for a in cs[:-1]])
        self.out = nn.Conv2d(cs[0], 4, 3, 1, 1)
        self.k_coeff, self.s_coeff = (0.0005995267, 0.00868861), (7.11772e-7, 6.514934e-4, 0.11492713)
        self.anchor, self.v = anchor, v

    def ksigma(self, iso):
        k = self.k_coeff[0] * iso + self.k_coeff[1]
        s = (self.s_coeff[0] * iso + self.s_coeff[1]) * iso + self.s_coeff[2]
        return k, s

    def forward(self, raw, iso):
        x = F.pixel_unshuffle(raw, 2)
        k, s = self.ksigma(iso)
        ka, sa = self.ksigma(torch.tensor(self.anchor))
        cvt_k = ka / k
        cvt_b = (s / (k * k) - sa / (ka * ka)) * ka
        x = (x * self.v * cvt_k.view(-1, 1, 1, 1) + cvt_b.view(-1, 1, 1, 1)) / self.v
        h = self.conv0(x)
        skips = []
        for e in self.enc:
            skips.append(h)
            h = e(h)
        for i in reversed(range(len(self.up))):
            h = self.dec[i](F.relu(self.up[i](h) + self.skip[i](skips[i])))
        y = x + self.out(h)
        y = (y * self.v - cvt_b.view(-1, 1, 1, 1)) / cvt_k.view(-1, 1, 1, 1) / self.v
        return F.pixel_shuffle(y, 2)


class IntraSA(nn.Module):
    def __init__(self, c, heads=4):
        super().__init__()
        self.h = heads
        self.proj_in = nn.Conv2d(c, c, 1)
        self.qkv_h, self.qkv_v = nn.Linear(c // 2, 3 * c // 2), nn.Linear(c // 2, 3 * c // 2)
        self.norm = nn.LayerNorm(c)
        self.out = nn.Conv2d(c, c, 1)

    def attend(self, t, lin):
        n, l, d = t.shape
        q, k, v = [x.view(n, l, self.h, d // self.h).transpose(1, 2) for x in lin(t).chunk(3, -1)]
        a = (q @ k.transpose(-1, -2) * (d // self.h) ** -0.5).softmax(-1)
        return (a @ v).transpose(1, 2).reshape(n, l, d)

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.norm(self.proj_in(x).permute(0, 2, 3, 1))
        xh, xv = y.chunk(2, -1)
        oh = self.attend(xh.reshape(b * h, w, c // 2), self.qkv_h).view(b, h, w, c // 2)
        ov = self.attend(xv.transpose(1, 2).reshape(b * w, h, c // 2), self.qkv_v).view(b, w, h, c // 2).transpose(1, 2)
        return x + self.out(torch.cat([oh, ov], -1).permute(0, 3, 1, 2))


class InterSA(nn.Module):
    def __init__(self, c, heads=4):
        super().__init__()
        self.h = heads
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.out = nn.Conv2d(c, c, 1)

    def attend(self, q, k, v):
        # q, k, v: [B, c, H, W] strips along H: tokens are rows of W·c/heads values per head
        b, c, h, w = q.shape
        sp = lambda t: t.reshape(b, self.h, c // self.h, h, w).permute(0, 1, 3, 2, 4).reshape(b, self.h, h, -1)
        a = (sp(q) @ sp(k).transpose(-1, -2) * sp(q).shape[-1] ** -0.5).softmax(-1)
        return (a @ sp(v)).view(b, self.h, h, c // self.h, w).permute(0, 1, 3, 2, 4).reshape(b, c, h, w)

    def forward(self, x):
        c = x.shape[1]
        q, k, v = self.qkv(x).chunk(3, 1)
        half = c // 2
        oh = self.attend(q[:, :half], k[:, :half], v[:, :half])
        ov = self.attend(*[t[:, half:].transpose(2, 3) for t in (q, k, v)]).transpose(2, 3)
        return x + self.out(torch.cat([oh, ov], 1))


class Stripformer(nn.Module):
    def __init__(self, c=64, blocks=2):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(32, 48, 3, 2, 1), nn.LeakyReLU(0.2),
                                 nn.Conv2d(48, c, 3, 2, 1), nn.LeakyReLU(0.2))
        layers = []
        for _ in range(blocks):
            layers += [IntraSA(c), nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c), nn.GELU()), InterSA(c)]
        self.body = nn.Sequential(*layers)
        self.dec = nn.Sequential(nn.ConvTranspose2d(c, 48, 4, 2, 1), nn.LeakyReLU(0.2), nn.ConvTranspose2d(48, 32, 4, 2, 1),
                                 nn.LeakyReLU(0.2), nn.Conv2d(32, 3, 3, 1, 1))

    def forward(self, x):
        return x + self.dec(self.body(self.enc(x)))
