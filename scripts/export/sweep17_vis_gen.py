"""Seventeenth sweep, generative / restoration / video (docs/model-sweep.md): VQGAN tokenizer (taming-transformers:
GroupNorm ResNet blocks, spatial attention, nearest-codebook quantizer by argmin, decoder), DCGAN generator
(ConvTranspose from a 1x1 latent), RCAN (residual channel attention groups, MeanShift, PixelShuffle), Super SloMo
(flow U-Net, intermediate flows at t, backward warping by grid_sample, visibility-weighted blend), FLAVR (3-D U-Net
with ConvTranspose3d ups and feature gating, time folded into channels) — plain torch.nn with the math of their public
code (small widths, random weights)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- VQGAN (Esser et al. 2021; taming-transformers)
def Normalize(c):
    return nn.GroupNorm(8, c, eps=1e-6, affine=True)


def swish(x):
    return x * torch.sigmoid(x)


class ResnetBlock(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.n1, self.c1, self.n2, self.c2 = Normalize(i), nn.Conv2d(i, o, 3, 1, 1), Normalize(o), nn.Conv2d(o, o, 3, 1, 1)
        self.nin = nn.Conv2d(i, o, 1) if i != o else nn.Identity()

    def forward(self, x):
        h = self.c1(swish(self.n1(x)))
        h = self.c2(swish(self.n2(h)))
        return self.nin(x) + h


class AttnBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = Normalize(c)
        self.q, self.k, self.v, self.proj = (nn.Conv2d(c, c, 1) for _ in range(4))

    def forward(self, x):
        h = self.norm(x)
        q, k, v = self.q(h), self.k(h), self.v(h)
        b, c, hh, ww = q.shape
        q = q.reshape(b, c, hh * ww).permute(0, 2, 1)
        w_ = torch.bmm(q, k.reshape(b, c, hh * ww)) * (c ** -0.5)
        w_ = F.softmax(w_, dim=2)
        h = torch.bmm(v.reshape(b, c, hh * ww), w_.permute(0, 2, 1)).reshape(b, c, hh, ww)
        return x + self.proj(h)


class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 2, 0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1), mode='constant', value=0))


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


class VQGAN(nn.Module):
    def __init__(self, ch=32, mult=(1, 2, 2), z=16, n_embed=256):
        super().__init__()
        enc, c = [nn.Conv2d(3, ch, 3, 1, 1)], ch
        for i, m in enumerate(mult):
            enc.append(ResnetBlock(c, ch * m))
            c = ch * m
            if i < len(mult) - 1:
                enc.append(Downsample(c))
        enc += [ResnetBlock(c, c), AttnBlock(c), ResnetBlock(c, c), Normalize(c)]
        self.encoder = nn.Sequential(*enc)
        self.enc_out = nn.Conv2d(c, z, 3, 1, 1)
        self.quant_conv, self.post_quant_conv = nn.Conv2d(z, z, 1), nn.Conv2d(z, z, 1)
        self.embedding = nn.Embedding(n_embed, z)
        self.embedding.weight.data.uniform_(-1.0 / n_embed, 1.0 / n_embed)
        self.embedding.weight.data *= 40.  # a trained codebook's spread, so nearest codes are not near-ties
        dec = [nn.Conv2d(z, c, 3, 1, 1), ResnetBlock(c, c), AttnBlock(c), ResnetBlock(c, c)]
        for i, m in reversed(list(enumerate(mult))):
            dec.append(ResnetBlock(c, ch * m))
            c = ch * m
            if i > 0:
                dec.append(Upsample(c))
        dec += [Normalize(c)]
        self.decoder = nn.Sequential(*dec)
        self.dec_out = nn.Conv2d(c, 3, 3, 1, 1)

    def forward(self, x):
        h = self.quant_conv(self.enc_out(swish(self.encoder(x))))
        z = h.permute(0, 2, 3, 1).contiguous()
        zf = z.view(-1, z.shape[-1])
        d = torch.sum(zf ** 2, dim=1, keepdim=True) + torch.sum(self.embedding.weight ** 2, dim=1) - 2 * torch.matmul(zf, self.embedding.weight.t())
        idx = torch.argmin(d, dim=1)
        zq = self.embedding(idx).view(z.shape).permute(0, 3, 1, 2)
        rec = self.dec_out(swish(self.decoder(self.post_quant_conv(zq))))
        return rec, idx.view(z.shape[0], z.shape[1], z.shape[2])


# ---------------------------------------------------------------- DCGAN generator (Radford et al. 2016; pytorch/examples)
def dcgan_generator(nz=100, ngf=32):
    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh())


# ---------------------------------------------------------------- RCAN (Zhang et al. 2018; EDSR-PyTorch rcan.py)
class MeanShift(nn.Conv2d):
    def __init__(self, sign, rgb_range=1., mean=(0.4488, 0.4371, 0.4040)):
        super().__init__(3, 3, 1)
        self.weight.data = torch.eye(3).view(3, 3, 1, 1)
        self.bias.data = sign * rgb_range * torch.tensor(mean)
        for p in self.parameters():
            p.requires_grad = False


class CALayer(nn.Module):
    def __init__(self, c, r=16):
        super().__init__()
        self.avg = nn.AdaptiveAvgPool2d(1)
        self.du = nn.Sequential(nn.Conv2d(c, c // r, 1), nn.ReLU(True), nn.Conv2d(c // r, c, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.du(self.avg(x))


class RCAB(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.ReLU(True), nn.Conv2d(c, c, 3, 1, 1), CALayer(c))

    def forward(self, x):
        return x + self.body(x)


class ResidualGroup(nn.Module):
    def __init__(self, c, n):
        super().__init__()
        self.body = nn.Sequential(*[RCAB(c) for _ in range(n)], nn.Conv2d(c, c, 3, 1, 1))

    def forward(self, x):
        return x + self.body(x)


class RCAN(nn.Module):
    def __init__(self, c=32, groups=3, blocks=3, scale=2):
        super().__init__()
        self.sub_mean, self.add_mean = MeanShift(-1), MeanShift(1)
        self.head = nn.Conv2d(3, c, 3, 1, 1)
        self.body = nn.Sequential(*[ResidualGroup(c, blocks) for _ in range(groups)], nn.Conv2d(c, c, 3, 1, 1))
        self.tail = nn.Sequential(nn.Conv2d(c, 4 * c, 3, 1, 1), nn.PixelShuffle(scale), nn.Conv2d(c, 3, 3, 1, 1))

    def forward(self, x):
        x = self.head(self.sub_mean(x))
        return self.add_mean(self.tail(x + self.body(x)))


# ---------------------------------------------------------------- Super SloMo (Jiang et al. 2018; avinashpaliwal/Super-SloMo)
class Down(nn.Module):
    def __init__(self, i, o, k):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(i, o, k, 1, (k - 1) // 2), nn.Conv2d(o, o, k, 1, (k - 1) // 2)

    def forward(self, x):
        x = F.avg_pool2d(x, 2)
        return F.leaky_relu(self.c2(F.leaky_relu(self.c1(x), 0.1)), 0.1)


class Up(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(i, o, 3, 1, 1), nn.Conv2d(2 * o, o, 3, 1, 1)

    def forward(self, x, skip):
        x = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
        x = F.leaky_relu(self.c1(x), 0.1)
        return F.leaky_relu(self.c2(torch.cat((x, skip), 1)), 0.1)


class UNet(nn.Module):
    def __init__(self, i, o, w=16):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(i, w, 7, 1, 3), nn.Conv2d(w, w, 7, 1, 3)
        self.d = nn.ModuleList([Down(w, 2 * w, 5), Down(2 * w, 4 * w, 3), Down(4 * w, 8 * w, 3), Down(8 * w, 8 * w, 3)])
        self.u = nn.ModuleList([Up(8 * w, 8 * w), Up(8 * w, 4 * w), Up(4 * w, 2 * w), Up(2 * w, w)])
        self.c3 = nn.Conv2d(w, o, 3, 1, 1)

    def forward(self, x):
        x = F.leaky_relu(self.c2(F.leaky_relu(self.c1(x), 0.1)), 0.1)
        skips = [x]
        for d in self.d:
            x = d(x)
            skips.append(x)
        skips.pop()
        for u in self.u:
            x = u(x, skips.pop())
        return F.leaky_relu(self.c3(x), 0.1)


class BackWarp(nn.Module):
    def __init__(self, h, w):
        super().__init__()
        gy, gx = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing='ij')
        self.register_buffer('gx', gx[None])
        self.register_buffer('gy', gy[None])
        self.h, self.w = h, w

    def forward(self, img, flow):
        x = self.gx + flow[:, 0]
        y = self.gy + flow[:, 1]
        x = 2 * (x / self.w - 0.5)
        y = 2 * (y / self.h - 0.5)
        return F.grid_sample(img, torch.stack((x, y), dim=3), align_corners=False)


class SuperSloMo(nn.Module):
    def __init__(self, h=128, w=128, t=0.5):
        super().__init__()
        self.flow, self.interp, self.warp, self.t = UNet(6, 4), UNet(20, 5), BackWarp(h, w), t

    def forward(self, I0, I1):
        f = self.flow(torch.cat((I0, I1), 1)) * 4.0
        F01, F10 = f[:, :2], f[:, 2:]
        t = self.t
        Ft0 = -(1 - t) * t * F01 + t * t * F10
        Ft1 = (1 - t) * (1 - t) * F01 - t * (1 - t) * F10
        g0, g1 = self.warp(I0, Ft0), self.warp(I1, Ft1)
        o = self.interp(torch.cat((I0, I1, F01, F10, Ft1, Ft0, g1, g0), 1))
        Ft0f, Ft1f = o[:, :2] + Ft0, o[:, 2:4] + Ft1
        V0 = torch.sigmoid(o[:, 4:5])
        V1 = 1 - V0
        g0f, g1f = self.warp(I0, Ft0f), self.warp(I1, Ft1f)
        w0, w1 = 1 - t, t
        return (w0 * V0 * g0f + w1 * V1 * g1f) / (w0 * V0 + w1 * V1)


# ---------------------------------------------------------------- FLAVR (Kalluri et al. 2023): 3-D U-Net interpolation
class SEGating(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pool, self.attn = nn.AdaptiveAvgPool3d(1), nn.Sequential(nn.Conv3d(c, c, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.attn(self.pool(x))


class Block3D(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.c1 = nn.Sequential(nn.Conv3d(i, o, 3, s, 1, bias=False), nn.BatchNorm3d(o), nn.ReLU())
        self.c2 = nn.Sequential(nn.Conv3d(o, o, 3, 1, 1, bias=False), nn.BatchNorm3d(o))
        self.gate = SEGating(o)
        self.down = None if i == o and s == 1 else nn.Sequential(nn.Conv3d(i, o, 1, s, bias=False), nn.BatchNorm3d(o))

    def forward(self, x):
        y = self.gate(self.c2(self.c1(x)))
        return F.relu(y + (x if self.down is None else self.down(x)))


class UpConv3d(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.up = nn.ConvTranspose3d(i, o, (3, 4, 4), (1, 2, 2), (1, 1, 1))
        self.gate = SEGating(o)

    def forward(self, x):
        return self.gate(F.leaky_relu(self.up(x), 0.2))


class FLAVR(nn.Module):
    def __init__(self, n_in=4, w=(16, 32, 48, 64)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, w[0], (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False), nn.BatchNorm3d(w[0]), nn.ReLU())
        self.l1, self.l2 = Block3D(w[0], w[0], 1), Block3D(w[0], w[1], (1, 2, 2))
        self.l3, self.l4 = Block3D(w[1], w[2], (1, 2, 2)), Block3D(w[2], w[3], (1, 1, 1))
        self.u1 = nn.Sequential(nn.Conv3d(w[3], w[2], 3, 1, 1), SEGating(w[2]))
        self.u2, self.u3, self.u4 = UpConv3d(2 * w[2], w[1]), UpConv3d(2 * w[1], w[0]), UpConv3d(2 * w[0], w[0])
        self.feature_fuse = nn.Sequential(nn.Conv2d(w[0] * n_in, 32, 1), nn.LeakyReLU(0.2))
        self.out = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(32, 3, 7))

    def forward(self, images):  # [B, 3, T, H, W]
        mean = images.mean((2, 3, 4), keepdim=True)
        x = images - mean
        x0 = self.stem(x)
        x1 = self.l1(x0)
        x2 = self.l2(x1)
        x3 = self.l3(x2)
        x4 = self.l4(x3)
        d = self.u1(x4)
        d = self.u2(torch.cat([d, x3], 1))
        d = self.u3(torch.cat([d, x2], 1))
        d = self.u4(torch.cat([d, x1], 1))
        d = torch.cat(torch.unbind(d, 2), 1)  # time into channels
        return self.out(self.feature_fuse(d)) + mean.squeeze(2)
