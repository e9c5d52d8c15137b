"""Eighth sweep: Kokoro's iSTFTNet decoder (StyleTTS 2's Generator as kokoro writes it for ONNX): AdaINResBlock1 with
Snake activations and style, weight-normed ConvTranspose1d upsampling, the harmonic source through kokoro's
CustomSTFT (forward STFT by Conv1d with DFT kernels, magnitude, atan2 phase with its ONNX correction
`phase[(imag == 0) & (real < 0)] = pi`), noise convs and residual AdaIN blocks, reflection pad, conv_post, exp / sin,
and the inverse STFT by conv_transpose1d with the window envelope. The SineGen source is random: `har` is an input."""
import math

import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

from sweep8_tts import AdaIN1d


def atan2(y, x):
    """torch.atan2 as torch >= 2.0's exporter writes it (Div, Atan, Where on the quadrants); torch 1.13 has no export."""
    atan = torch.atan(y / x)
    second_third = torch.where(y > 0, atan + math.pi, atan - math.pi)
    return torch.where(x < 0, second_third, atan)


class CustomSTFT(nn.Module):
    def __init__(self, n_fft=20, hop=5):
        super().__init__()
        self.n_fft, self.hop, self.freq_bins = n_fft, hop, n_fft // 2 + 1
        n = torch.arange(n_fft, dtype=torch.float32)
        window = torch.hann_window(n_fft, periodic=True)
        k = torch.arange(self.freq_bins, dtype=torch.float32)[:, None]
        ang = 2 * math.pi * k * n[None, :] / n_fft
        self.register_buffer('weight_forward_real', (torch.cos(ang) * window).unsqueeze(1))
        self.register_buffer('weight_forward_imag', (-torch.sin(ang) * window).unsqueeze(1))
        scale = torch.full((self.freq_bins, 1), 2.0)
        scale[0] = scale[-1] = 1.0
        self.register_buffer('weight_backward_real', (scale * torch.cos(ang) / n_fft * window).unsqueeze(1))
        self.register_buffer('weight_backward_imag', (-scale * torch.sin(ang) / n_fft * window).unsqueeze(1))
        self.register_buffer('window', window)

    def transform(self, waveform):  # [B, L] → magnitude, phase [B, F, frames]
        x = F.pad(waveform.unsqueeze(1), (self.n_fft // 2, self.n_fft // 2), mode='replicate')
        real_out = F.conv1d(x, self.weight_forward_real, stride=self.hop)
        imag_out = F.conv1d(x, self.weight_forward_imag, stride=self.hop)
        magnitude = torch.sqrt(real_out ** 2 + imag_out ** 2 + 1e-14)
        phase = atan2(imag_out, real_out)
        correction_mask = (imag_out == 0) & (real_out < 0)
        phase[correction_mask] = torch.pi
        return magnitude, phase

    def inverse(self, magnitude, phase):
        real, imag = magnitude * torch.cos(phase), magnitude * torch.sin(phase)
        y = F.conv_transpose1d(real, self.weight_backward_real, stride=self.hop) \
            + F.conv_transpose1d(imag, self.weight_backward_imag, stride=self.hop)
        frames = magnitude.shape[-1]
        env = F.conv_transpose1d((self.window ** 2).view(1, self.n_fft, 1).expand(1, self.n_fft, frames),
                                 torch.eye(self.n_fft).unsqueeze(1), stride=self.hop)
        pad = self.n_fft // 2
        return (y[..., pad:-pad] / env[..., pad:-pad].clamp(min=1e-8)).squeeze(1)


class AdaINResBlock1(nn.Module):
    def __init__(self, ch, k=3, dilation=(1, 3, 5), style_dim=64):
        super().__init__()
        pad = lambda d: (k * d - d) // 2  # noqa: E731
        self.convs1 = nn.ModuleList(weight_norm(nn.Conv1d(ch, ch, k, dilation=d, padding=pad(d))) for d in dilation)
        self.convs2 = nn.ModuleList(weight_norm(nn.Conv1d(ch, ch, k, padding=pad(1))) for _ in dilation)
        self.adain1 = nn.ModuleList(AdaIN1d(style_dim, ch) for _ in dilation)
        self.adain2 = nn.ModuleList(AdaIN1d(style_dim, ch) for _ in dilation)
        self.alpha1 = nn.ParameterList(nn.Parameter(torch.ones(1, ch, 1) + 0.1 * torch.rand(1, ch, 1)) for _ in dilation)
        self.alpha2 = nn.ParameterList(nn.Parameter(torch.ones(1, ch, 1) + 0.1 * torch.rand(1, ch, 1)) for _ in dilation)

    def forward(self, x, s):
        for c1, c2, n1, n2, a1, a2 in zip(self.convs1, self.convs2, self.adain1, self.adain2, self.alpha1, self.alpha2):
            xt = n1(x, s)
            xt = xt + (1 / a1) * (torch.sin(a1 * xt) ** 2)
            xt = c1(xt)
            xt = n2(xt, s)
            xt = xt + (1 / a2) * (torch.sin(a2 * xt) ** 2)
            xt = c2(xt)
            x = xt + x
        return x


class KokoroGenerator(nn.Module):
    def __init__(self, ch=64, style_dim=64, rates=(10, 6), kernels=(20, 12), rb_kernels=(3, 7), n_fft=20, hop=5):
        super().__init__()
        self.num_kernels, self.num_upsamples, self.post_n_fft = len(rb_kernels), len(rates), n_fft
        self.stft = CustomSTFT(n_fft, hop)
        self.ups, self.noise_convs, self.noise_res, self.resblocks = (nn.ModuleList() for _ in range(4))
        for i, (u, k) in enumerate(zip(rates, kernels)):
            c_cur = ch // 2 ** (i + 1)
            self.ups.append(weight_norm(nn.ConvTranspose1d(ch // 2 ** i, c_cur, k, u, padding=(k - u) // 2)))
            if i + 1 < len(rates):
                stride_f0 = math.prod(rates[i + 1:])
                self.noise_convs.append(nn.Conv1d(n_fft + 2, c_cur, kernel_size=stride_f0 * 2, stride=stride_f0, padding=(stride_f0 + 1) // 2))
                self.noise_res.append(AdaINResBlock1(c_cur, 7, (1, 3, 5), style_dim))
            else:
                self.noise_convs.append(nn.Conv1d(n_fft + 2, c_cur, kernel_size=1))
                self.noise_res.append(AdaINResBlock1(c_cur, 11, (1, 3, 5), style_dim))
            for rk in rb_kernels:
                self.resblocks.append(AdaINResBlock1(c_cur, rk, (1, 3, 5), style_dim))
        self.conv_post = weight_norm(nn.Conv1d(c_cur, n_fft + 2, 7, 1, padding=3))
        self.reflection_pad = nn.ReflectionPad1d((1, 0))

    def forward(self, x, s, har_source):
        har_spec, har_phase = self.stft.transform(har_source)
        har = torch.cat([har_spec, har_phase], dim=1)
        for i in range(self.num_upsamples):
            x = F.leaky_relu(x, 0.1)
            x_source = self.noise_res[i](self.noise_convs[i](har), s)
            x = self.ups[i](x)
            if i == self.num_upsamples - 1:
                x = self.reflection_pad(x)
            x = x + x_source
            xs = None
            for j in range(self.num_kernels):
                y = self.resblocks[i * self.num_kernels + j](x, s)
                xs = y if xs is None else xs + y
            x = xs / self.num_kernels
        x = self.conv_post(F.leaky_relu(x))
        spec = torch.exp(x[:, :self.post_n_fft // 2 + 1, :])
        phase = torch.sin(x[:, self.post_n_fft // 2 + 1:, :])
        return self.stft.inverse(spec, phase)
