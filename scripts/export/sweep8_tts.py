"""Eighth sweep: vocoders and TTS pieces. MelGAN (descript's / seungwonpark's: reflection pads, weight-normed convs and
ConvTranspose1d, dilated residual stacks), Vocos (ConvNeXt backbone, ISTFT head; torch 1.13 cannot export
torch.istft or complex tensors, so the head's inverse FFT is written as ONNX ports of Vocos write it: the inverse real
DFT by a matrix product, the window, overlap-add by conv_transpose1d and the window envelope), and StyleTTS 2 /
Kokoro's prosody pieces (AdaIN1d, AdaLayerNorm, AdainResBlk1d with its depthwise ConvTranspose1d upsampling, the
duration LSTM and the F0 / energy branch)."""
import math

import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm, remove_weight_norm


def wn_conv(*a, **k):
    return weight_norm(nn.Conv1d(*a, **k))


class MelGANResStack(nn.Module):
    def __init__(self, ch, dilation):
        super().__init__()
        self.block = nn.Sequential(nn.LeakyReLU(0.2), nn.ReflectionPad1d(dilation), wn_conv(ch, ch, 3, dilation=dilation),
                                   nn.LeakyReLU(0.2), wn_conv(ch, ch, 1))
        self.shortcut = wn_conv(ch, ch, 1)

    def forward(self, x):
        return self.shortcut(x) + self.block(x)


class MelGAN(nn.Module):
    def __init__(self, n_mels=80, ngf=16, ratios=(8, 8, 2, 2), n_res=3):
        super().__init__()
        mult = 2 ** len(ratios)
        layers = [nn.ReflectionPad1d(3), wn_conv(n_mels, mult * ngf, 7)]
        for r in ratios:
            layers += [nn.LeakyReLU(0.2), weight_norm(nn.ConvTranspose1d(mult * ngf, mult * ngf // 2, r * 2, stride=r,
                                                                         padding=r // 2 + r % 2, output_padding=r % 2))]
            layers += [MelGANResStack(mult * ngf // 2, 3 ** j) for j in range(n_res)]
            mult //= 2
        layers += [nn.LeakyReLU(0.2), nn.ReflectionPad1d(3), wn_conv(ngf, 1, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, mel):
        return self.model(mel)


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim, inter, scale):
        super().__init__()
        self.dwconv = nn.Conv1d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1, self.act, self.pwconv2 = nn.Linear(dim, inter), nn.GELU(), nn.Linear(inter, dim)
        self.gamma = nn.Parameter(scale * torch.ones(dim))

    def forward(self, x):
        residual = x
        x = self.dwconv(x).transpose(1, 2)
        x = self.pwconv2(self.act(self.pwconv1(self.norm(x))))
        x = (self.gamma * x).transpose(1, 2)
        return residual + x


class Vocos(nn.Module):
    """Vocos (mel 100 bands, dim 64, 4 blocks) with its ISTFT head at n_fft 256, hop 64, padding 'same'."""

    def __init__(self, n_mels=100, dim=64, layers=4, n_fft=256, hop=64):
        super().__init__()
        self.embed = nn.Conv1d(n_mels, dim, 7, padding=3)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.blocks = nn.ModuleList(ConvNeXtBlock(dim, 3 * dim, 1 / layers) for _ in range(layers))
        self.final_layer_norm = nn.LayerNorm(dim, eps=1e-6)
        self.out = nn.Linear(dim, n_fft + 2)
        self.n_fft, self.hop = n_fft, hop
        k = torch.arange(n_fft // 2 + 1, dtype=torch.float64)
        n = torch.arange(n_fft, dtype=torch.float64)
        ang = 2 * math.pi * k[:, None] * n[None, :] / n_fft
        scale = torch.full((n_fft // 2 + 1, 1), 2.0, dtype=torch.float64)
        scale[0] = scale[-1] = 1.0
        window = torch.hann_window(n_fft, dtype=torch.float64)
        self.register_buffer('icos', (scale * torch.cos(ang) / n_fft * window).float())
        self.register_buffer('isin', (-scale * torch.sin(ang) / n_fft * window).float())
        self.register_buffer('window_sq', (window ** 2).float().view(1, 1, n_fft))
        self.register_buffer('eye', torch.eye(n_fft).unsqueeze(1))

    def forward(self, mel):
        x = self.norm(self.embed(mel).transpose(1, 2)).transpose(1, 2)
        for b in self.blocks:
            x = b(x)
        x = self.out(self.final_layer_norm(x.transpose(1, 2))).transpose(1, 2)
        mag, p = x.chunk(2, dim=1)
        mag = torch.exp(mag).clip(max=1e2)
        real, imag = mag * torch.cos(p), mag * torch.sin(p)
        frames = torch.matmul(real.transpose(1, 2), self.icos) + torch.matmul(imag.transpose(1, 2), self.isin)
        frames = frames.transpose(1, 2)  # [B, n_fft, T]
        t = frames.shape[-1]
        y = F.conv_transpose1d(frames, self.eye, stride=self.hop)
        env = F.conv_transpose1d(self.window_sq.expand(1, t, self.n_fft).transpose(1, 2), self.eye, stride=self.hop)
        pad = (self.n_fft - self.hop) // 2
        y = y[:, :, pad:-pad] / env[:, :, pad:-pad]
        return y.squeeze(1)


class AdaIN1d(nn.Module):
    def __init__(self, style_dim, num_features):
        super().__init__()
        self.norm = nn.InstanceNorm1d(num_features, affine=True)
        self.fc = nn.Linear(style_dim, num_features * 2)

    def forward(self, x, s):
        h = self.fc(s)
        h = h.view(h.size(0), h.size(1), 1)
        gamma, beta = torch.chunk(h, chunks=2, dim=1)
        return (1 + gamma) * self.norm(x) + beta


class AdainResBlk1d(nn.Module):
    def __init__(self, dim_in, dim_out, style_dim=64, upsample=False):
        super().__init__()
        self.upsample_type, self.learned_sc = upsample, dim_in != dim_out
        self.conv1, self.conv2 = wn_conv(dim_in, dim_out, 3, 1, 1), wn_conv(dim_out, dim_out, 3, 1, 1)
        self.norm1, self.norm2 = AdaIN1d(style_dim, dim_in), AdaIN1d(style_dim, dim_out)
        self.actv = nn.LeakyReLU(0.2)
        if upsample:
            self.pool = weight_norm(nn.ConvTranspose1d(dim_in, dim_in, 3, stride=2, groups=dim_in, padding=1, output_padding=1))
        else:
            self.pool = nn.Identity()
        if self.learned_sc:
            self.conv1x1 = wn_conv(dim_in, dim_out, 1, 1, 0, bias=False)

    def _shortcut(self, x):
        if self.upsample_type:
            x = F.interpolate(x, scale_factor=2, mode='nearest')
        return self.conv1x1(x) if self.learned_sc else x

    def _residual(self, x, s):
        x = self.pool(self.actv(self.norm1(x, s)))
        x = self.conv1(x)
        return self.conv2(self.actv(self.norm2(x, s)))

    def forward(self, x, s):
        return (self._residual(x, s) + self._shortcut(x)) / math.sqrt(2)


class AdaLayerNorm(nn.Module):
    def __init__(self, style_dim, channels, eps=1e-5):
        super().__init__()
        self.channels, self.eps = channels, eps
        self.fc = nn.Linear(style_dim, channels * 2)

    def forward(self, x, s):
        x = x.transpose(-1, -2).transpose(1, -1)
        h = self.fc(s).view(s.size(0), -1, 1)
        gamma, beta = torch.chunk(h, chunks=2, dim=1)
        gamma, beta = gamma.transpose(1, -1), beta.transpose(1, -1)
        x = F.layer_norm(x, (self.channels,), eps=self.eps)
        x = (1 + gamma) * x + beta
        return x.transpose(1, -1).transpose(-1, -2)


class StyleTTSProsody(nn.Module):
    """StyleTTS 2's ProsodyPredictor as Kokoro runs it: DurationEncoder (bidirectional LSTMs, AdaLayerNorm, style
    concatenated to every frame), the duration LSTM and projection (sigmoid, summed), and F0 / energy from the aligned
    features through AdainResBlk1d (one upsampling) and a 1x1 conv. `en` [1, d, T_frames] is given aligned."""

    def __init__(self, style_dim=64, d_hid=64, nlayers=2, max_dur=20):
        super().__init__()
        self.lstms, self.norms = nn.ModuleList(), nn.ModuleList()
        for _ in range(nlayers):
            self.lstms.append(nn.LSTM(d_hid + style_dim, d_hid // 2, 1, batch_first=True, bidirectional=True))
            self.norms.append(AdaLayerNorm(style_dim, d_hid))
        self.lstm = nn.LSTM(d_hid + style_dim, d_hid // 2, 1, batch_first=True, bidirectional=True)
        self.duration_proj = nn.Linear(d_hid, max_dur)
        self.shared = nn.LSTM(d_hid + style_dim, d_hid // 2, 1, batch_first=True, bidirectional=True)
        self.F0 = nn.ModuleList([AdainResBlk1d(d_hid, d_hid, style_dim), AdainResBlk1d(d_hid, d_hid // 2, style_dim, upsample=True),
                                 AdainResBlk1d(d_hid // 2, d_hid // 2, style_dim)])
        self.F0_proj = nn.Conv1d(d_hid // 2, 1, 1)

    def forward(self, d_en, style, en):
        x = d_en  # [B, d, T]
        s = style.unsqueeze(2).expand(-1, -1, x.shape[2])
        x = torch.cat([x, s], dim=1)
        for lstm, norm in zip(self.lstms, self.norms):
            y, _ = lstm(x.transpose(1, 2))
            y = norm(y, style).transpose(1, 2)
            x = torch.cat([y, s], dim=1)
        h, _ = self.lstm(x.transpose(1, 2))
        duration = torch.sigmoid(self.duration_proj(h)).sum(dim=-1)
        x, _ = self.shared(torch.cat([en, style.unsqueeze(2).expand(-1, -1, en.shape[2])], 1).transpose(1, 2))
        f0 = x.transpose(1, 2)
        for block in self.F0:
            f0 = block(f0, style)
        return duration, self.F0_proj(f0).squeeze(1)


def remove_all_weight_norm(m):
    for mod in m.modules():
        if hasattr(mod, 'weight_g'):
            remove_weight_norm(mod)
    return m
