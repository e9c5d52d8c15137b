"""Eleventh sweep, generative and face models (docs/model-sweep.md): StyleGAN2's modulated convs (rosinality), pix2pix's
U-Net and CycleGAN's ResNet generators (junyanz), 3DDFA-V2 with its BFM reconstruction, in plain torch.nn."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class EqualLinear(nn.Module):
    def __init__(self, cin, cout, bias_init=0.0, lr_mul=1.0, act=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin) / lr_mul)
        self.bias = nn.Parameter(torch.full((cout,), bias_init))
        self.scale, self.lr_mul, self.act = 1 / math.sqrt(cin) * lr_mul, lr_mul, act

    def forward(self, x):
        if self.act:  # fused_leaky_relu's native form: leaky_relu(x + b, 0.2) · √2
            return F.leaky_relu(F.linear(x, self.weight * self.scale) + self.bias * self.lr_mul, 0.2) * math.sqrt(2)
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


def blur_kernel(k=(1, 3, 3, 1)):
    k = torch.tensor(k, dtype=torch.float32)
    k = k[None, :] * k[:, None]
    return k / k.sum()


def upfirdn_native(x, kernel, up=1, pad=(0, 0)):
    """upfirdn2d_native for up = 1 or 2, down 1: zero-insert, pad, the channels folded into the batch, conv with the
    flipped kernel (flipped when stored: the blur kernels are symmetric)."""
    b, c, h, w = x.shape
    if up > 1:
        x = x.view(b, c, h, 1, w, 1)
        x = F.pad(x, (0, up - 1, 0, 0, 0, up - 1))
        x = x.view(b, c, h * up, w * up)
    x = F.pad(x, (pad[0], pad[1], pad[0], pad[1]))
    out = F.conv2d(x.reshape(-1, 1, x.shape[2], x.shape[3]), kernel.view(1, 1, *kernel.shape))
    return out.view(b, c, out.shape[2], out.shape[3])


class ModulatedConv(nn.Module):
    def __init__(self, cin, cout, k, style_dim, demodulate=True, upsample=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, cout, cin, k, k))
        self.mod = EqualLinear(style_dim, cin, bias_init=1.0)
        self.scale, self.pad, self.cin, self.cout, self.k = 1 / math.sqrt(cin * k * k), k // 2, cin, cout, k
        self.demodulate, self.upsample, self.fused = demodulate, upsample, False
        self.register_buffer('blur', blur_kernel() * 4)

    def forward(self, x, style):
        if self.fused:
            return self.forward_fused(x, style)
        return self.forward_unfused(x, style)

    def forward_fused(self, x, style):
        """rosinality's default (`fused=True`): the weight modulated and demodulated per sample, a grouped conv over
        the batch folded into the channels; exportable with torch 1.13 only with the batch fixed (a python int)."""
        b = int(x.shape[0])
        s = self.mod(style).view(b, 1, self.cin, 1, 1)
        w = self.scale * self.weight * s
        if self.demodulate:
            w = w * torch.rsqrt(w.pow(2).sum([2, 3, 4]) + 1e-8).view(b, self.cout, 1, 1, 1)
        if self.upsample:
            w = w.view(b, self.cout, self.cin, self.k, self.k).transpose(1, 2).reshape(b * self.cin, self.cout, self.k, self.k)
            out = F.conv_transpose2d(x.view(1, b * self.cin, x.shape[2], x.shape[3]), w, padding=0, stride=2, groups=b)
            return upfirdn_native(out.view(b, self.cout, out.shape[2], out.shape[3]), self.blur, pad=(1, 1))
        out = F.conv2d(x.view(1, b * self.cin, x.shape[2], x.shape[3]), w.view(b * self.cout, self.cin, self.k, self.k), padding=self.pad, groups=b)
        return out.view(b, self.cout, out.shape[2], out.shape[3])

    def forward_unfused(self, x, style):
        """rosinality's `fused=False` path (the one ONNX exports take: a run-time conv weight has no export): the
        input scaled by the style, the shared weight, the output scaled by the demodulation coefficients."""
        b = x.shape[0]
        s = self.mod(style)
        w = self.scale * self.weight.squeeze(0)
        if self.demodulate:
            dcoefs = ((w.unsqueeze(0) * s.view(b, 1, self.cin, 1, 1)).square().sum((2, 3, 4)) + 1e-8).rsqrt()
        x = x * s.reshape(b, self.cin, 1, 1)
        if self.upsample:
            out = F.conv_transpose2d(x, w.transpose(0, 1), padding=0, stride=2)
            out = upfirdn_native(out, self.blur, pad=(1, 1))
        else:
            out = F.conv2d(x, w, padding=self.pad)
        return out * dcoefs.view(b, -1, 1, 1) if self.demodulate else out


class StyledConv(nn.Module):
    def __init__(self, cin, cout, style_dim, upsample=False, size=4):
        super().__init__()
        self.conv = ModulatedConv(cin, cout, 3, style_dim, upsample=upsample)
        self.noise_weight = nn.Parameter(torch.full((1,), 0.1))
        self.register_buffer('noise', torch.randn(1, 1, size, size))  # randomize_noise=False: the stored noise
        self.bias = nn.Parameter(0.1 * torch.randn(1, cout, 1, 1))

    def forward(self, x, style):
        out = self.conv(x, style) + self.noise_weight * self.noise
        return F.leaky_relu(out + self.bias, 0.2) * math.sqrt(2)


class ToRGB(nn.Module):
    def __init__(self, cin, style_dim, upsample=True):
        super().__init__()
        self.conv = ModulatedConv(cin, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))
        self.upsample = upsample
        self.register_buffer('blur', blur_kernel() * 4)

    def forward(self, x, style, skip=None):
        out = self.conv(x, style) + self.bias
        if skip is not None:
            out = out + upfirdn_native(skip, self.blur, up=2, pad=(2, 1))
        return out


class StyleGAN2(nn.Module):
    """rosinality stylegan2-pytorch Generator (size 32, channels 64): PixelNorm + 4 EqualLinear mapping layers,
    truncation toward the mean latent, constant input, modulated / demodulated grouped convs, transposed-conv
    upsampling with the blur, stored noise, skip ToRGBs."""

    def __init__(self, size=32, style_dim=64, ch=64, n_mlp=4):
        super().__init__()
        self.style = nn.Sequential(*[EqualLinear(style_dim, style_dim, lr_mul=0.01, act=True) for _ in range(n_mlp)])
        self.const = nn.Parameter(torch.randn(1, ch, 4, 4))
        self.conv1 = StyledConv(ch, ch, style_dim, size=4)
        self.to_rgb1 = ToRGB(ch, style_dim, upsample=False)
        self.convs, self.to_rgbs = nn.ModuleList(), nn.ModuleList()
        s = 8
        while s <= size:
            self.convs.append(StyledConv(ch, ch, style_dim, upsample=True, size=s))
            self.convs.append(StyledConv(ch, ch, style_dim, size=s))
            self.to_rgbs.append(ToRGB(ch, style_dim))
            s *= 2
        self.register_buffer('mean_latent', torch.randn(1, style_dim))

    def fused(self):
        for m in self.modules():
            if isinstance(m, ModulatedConv):
                m.fused = True
        return self

    def forward(self, z):
        z = z * torch.rsqrt(torch.mean(z ** 2, dim=1, keepdim=True) + 1e-8)
        w = self.mean_latent + 0.7 * (self.style(z) - self.mean_latent)
        out = self.conv1(self.const.repeat(z.shape[0], 1, 1, 1), w)
        skip = self.to_rgb1(out, w)
        for i, to_rgb in enumerate(self.to_rgbs):
            out = self.convs[2 * i + 1](self.convs[2 * i](out, w), w)
            skip = to_rgb(out, w, skip)
        return skip


class UnetBlock(nn.Module):
    """pix2pix UnetSkipConnectionBlock (norm 'batch', use_dropout at inner blocks as the export keeps in eval)."""

    def __init__(self, outer, inner, sub=None, outermost=False, innermost=False, cin=None, dropout=False):
        super().__init__()
        cin = cin or outer
        self.outermost = outermost
        down = [nn.LeakyReLU(0.2), nn.Conv2d(cin, inner, 4, 2, 1, bias=False)]
        if outermost:
            model = [down[1], sub, nn.ReLU(), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
        elif innermost:
            model = down + [nn.ReLU(), nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
        else:
            model = down + [nn.BatchNorm2d(inner), sub, nn.ReLU(), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
            if dropout:
                model.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def pix2pix_unet(ngf=16, downs=8):
    b = UnetBlock(ngf * 8, ngf * 8, innermost=True)
    for _ in range(downs - 5):
        b = UnetBlock(ngf * 8, ngf * 8, b, dropout=True)
    b = UnetBlock(ngf * 4, ngf * 8, b)
    b = UnetBlock(ngf * 2, ngf * 4, b)
    b = UnetBlock(ngf, ngf * 2, b)
    return UnetBlock(3, ngf, b, outermost=True, cin=3)


class ResnetBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.b = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c), nn.ReLU(True),
                               nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c))

    def forward(self, x):
        return x + self.b(x)


def cyclegan_resnet(ngf=16, blocks=6):
    """CycleGAN ResnetGenerator (norm 'instance': InstanceNorm2d without affine or running stats)."""
    m = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
    for i in range(2):
        c = ngf * 2 ** i
        m += [nn.Conv2d(c, c * 2, 3, 2, 1), nn.InstanceNorm2d(c * 2), nn.ReLU(True)]
    m += [ResnetBlock(ngf * 4) for _ in range(blocks)]
    for i in range(2):
        c = ngf * 2 ** (2 - i)
        m += [nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1), nn.InstanceNorm2d(c // 2), nn.ReLU(True)]
    m += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
    return nn.Sequential(*m)


def dw_block(cin, cout, s):
    return nn.Sequential(nn.Conv2d(cin, cin, 3, s, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU(True),
                         nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class TDDFA(nn.Module):
    """3DDFA-V2 (mb1_120x120, width 0.5) with its onnx BFM reconstruction (bfm_onnx.py): 62 parameters
    denormalized by mean / std, split into the [3, 4] pose (R, offset), 40 shape and 10 expression coefficients;
    vertices = R · (u + W_shp α_shp + W_exp α_exp) viewed [3, N] + offset."""

    def __init__(self, vertices=4000):
        super().__init__()
        cfg = [(16, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 256, 1), (256, 512, 2), (512, 512, 1)]
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(True))
        self.body = nn.Sequential(*[dw_block(a, b, s) for a, b, s in cfg])
        self.fc = nn.Linear(512, 62)
        self.register_buffer('param_mean', 0.1 * torch.randn(62))
        self.register_buffer('param_std', 0.5 + torch.rand(62))
        self.register_buffer('u', torch.randn(3 * vertices, 1) * 50)
        self.register_buffer('w_shp', torch.randn(3 * vertices, 40))
        self.register_buffer('w_exp', torch.randn(3 * vertices, 10))

    def forward(self, x):
        p = self.fc(F.adaptive_avg_pool2d(self.body(self.stem(x)), 1).flatten(1))
        p = p * self.param_std + self.param_mean
        trans = p[:, :12].reshape(-1, 3, 4)
        r, offset = trans[:, :, :3], trans[:, :, 3:]
        alpha_shp, alpha_exp = p[:, 12:52].reshape(-1, 40, 1), p[:, 52:].reshape(-1, 10, 1)
        pts = (self.u + self.w_shp @ alpha_shp + self.w_exp @ alpha_exp).view(x.shape[0], -1, 3).transpose(1, 2)
        return p, r @ pts + offset
