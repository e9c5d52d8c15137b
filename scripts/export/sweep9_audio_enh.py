"""Ninth sweep: speech enhancement and separation as their projects write them (small widths, random weights). DCCRN
(ConvSTFT by Conv1d, complex Conv2d / ConvTranspose2d by real and imaginary convs, complex LSTM, E-mask with tanh
magnitude and atan2 phase or C-mask, ConviSTFT by conv_transpose1d), NSNet2 (FC / GRU / FC gains on log power), FullSubNet
(full-band LSTM, sub-band unfold of reflect-padded neighbours, per-frequency LSTM, cIRM), Open-Unmix (magnitude in,
input / output scaling, BatchNorm'd FCs, 3-layer BiLSTM with skip, the mask times the mix), SepFormer (conv encoder,
50%-overlap chunking, intra / inter transformers, overlap-add, gated masks, ConvTranspose1d decoder) and GTCRN (ERB
bands, SFE unfold, grouped-temporal convs with channel shuffle and temporal recurrent attention, grouped dual-path GRUs,
complex mask)."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep8_kokoro import atan2


def dft_kernels(n_fft, win):
    w = torch.hann_window(win, periodic=True)
    n = torch.arange(n_fft).float()
    k = torch.arange(n_fft // 2 + 1).float().unsqueeze(1)
    real, imag = torch.cos(2 * math.pi * k * n / n_fft) * w, -torch.sin(2 * math.pi * k * n / n_fft) * w
    return torch.cat([real, imag], 0).unsqueeze(1)  # (2 * bins, 1, n_fft)


class ComplexConv2d(nn.Module):
    def __init__(self, cin, cout, k=(5, 2), stride=(2, 1), padding=(2, 0), transpose=False):
        super().__init__()
        conv = nn.ConvTranspose2d if transpose else nn.Conv2d
        kw = dict(output_padding=(1, 0)) if transpose else {}
        self.real = conv(cin // 2, cout // 2, k, stride, padding, **kw)
        self.imag = conv(cin // 2, cout // 2, k, stride, padding, **kw)
        self.transpose = transpose

    def forward(self, x):
        if not self.transpose:
            x = F.pad(x, [1, 0, 0, 0])  # causal in time
        r, i = torch.chunk(x, 2, 1)
        out = torch.cat([self.real(r) - self.imag(i), self.real(i) + self.imag(r)], 1)
        return out[..., :-1] if self.transpose else out


class DCCRN(nn.Module):
    def __init__(self, n_fft=64, hop=16, ch=(16, 32, 32), hidden=32, mode='E'):
        super().__init__()
        self.n_fft, self.hop, self.mode = n_fft, hop, mode
        self.register_buffer('kernel', dft_kernels(n_fft, n_fft))
        self.enc = nn.ModuleList()
        c = 2
        for co in ch:
            self.enc.append(nn.Sequential(ComplexConv2d(c, co), nn.BatchNorm2d(co), nn.PReLU()))
            c = co
        f = n_fft // 2
        for _ in ch:
            f = (f + 4 - 5) // 2 + 1
        self.f_enc = f
        self.real_lstm = nn.LSTM(c // 2 * f, hidden)
        self.imag_lstm = nn.LSTM(c // 2 * f, hidden)
        self.tr = nn.Linear(hidden, c // 2 * f)
        self.ti = nn.Linear(hidden, c // 2 * f)
        self.dec = nn.ModuleList()
        for j in range(len(ch) - 1, -1, -1):
            co = ch[j - 1] if j > 0 else 2
            layers = [ComplexConv2d(ch[j] * 2, co, transpose=True)]
            if j > 0:
                layers += [nn.BatchNorm2d(co), nn.PReLU()]
            self.dec.append(nn.Sequential(*layers))

    def forward(self, wav):
        spec = F.conv1d(wav, self.kernel, stride=self.hop)  # (B, 2*bins, T)
        bins = self.n_fft // 2 + 1
        real, imag = spec[:, :bins], spec[:, bins:]
        mags = torch.sqrt(real ** 2 + imag ** 2 + 1e-8)
        phase = atan2(imag, real)
        x = torch.stack([real[:, 1:], imag[:, 1:]], 1)  # (B, 2, F, T)
        skips = []
        for layer in self.enc:
            x = layer(x)
            skips.append(x)
        b, c, f, t = x.shape
        r, i = torch.chunk(x, 2, 1)
        r = r.permute(3, 0, 1, 2).reshape(t, b, -1)
        i = i.permute(3, 0, 1, 2).reshape(t, b, -1)
        r2r, r2i = self.real_lstm(r)[0], self.imag_lstm(r)[0]
        i2r, i2i = self.real_lstm(i)[0], self.imag_lstm(i)[0]
        r, i = self.tr(r2r - i2i), self.ti(i2r + r2i)
        x = torch.cat([r.view(t, b, c // 2, f), i.view(t, b, c // 2, f)], 2).permute(1, 2, 3, 0)
        for layer in self.dec:
            x = layer(torch.cat([x, skips.pop()], 1))
        m_r, m_i = x[:, 0], x[:, 1]
        m_r, m_i = F.pad(m_r, [0, 0, 1, 0]), F.pad(m_i, [0, 0, 1, 0])
        if self.mode == 'E':  # atan2(0, 0) at the zero-padded DC bin: NaN on both runtimes (Atan of 0 / 0)
            mask_mags = torch.sqrt(m_r ** 2 + m_i ** 2)
            mask_phase = atan2(m_i / (mask_mags + 1e-8), m_r / (mask_mags + 1e-8))
            est_mags, est_phase = mags * torch.tanh(mask_mags), phase + mask_phase
            out = torch.cat([est_mags * torch.cos(est_phase), est_mags * torch.sin(est_phase)], 1)
        else:  # 'C': complex multiplication
            out = torch.cat([real * m_r - imag * m_i, real * m_i + imag * m_r], 1)
        return F.conv_transpose1d(out, self.kernel, stride=self.hop)


class NSNet2(nn.Module):
    def __init__(self, bins=161, h=64):
        super().__init__()
        self.fc1 = nn.Linear(bins, h)
        self.gru1, self.gru2 = nn.GRU(h, h, batch_first=True), nn.GRU(h, h, batch_first=True)
        self.fc2, self.fc3, self.fc4 = nn.Linear(h, 96), nn.Linear(96, 96), nn.Linear(96, bins)

    def forward(self, x, h0):
        x = self.fc1(x)
        x, h1 = self.gru1(x, h0[0:1])
        x, h2 = self.gru2(x, h0[1:2])
        x = torch.relu(self.fc3(torch.relu(self.fc2(x))))
        return torch.sigmoid(self.fc4(x)), torch.cat([h1, h2], 0)


def unfold_neighbours(x, n):
    b, c, f, t = x.size()
    out = F.pad(x.reshape(b * c, 1, f, t), [0, 0, n, n], mode='reflect')
    out = F.unfold(out, (n * 2 + 1, t))  # (B*C, (2n+1)*T, F)
    out = out.reshape(b, c, n * 2 + 1, t, -1).permute(0, 1, 4, 2, 3)
    return out.reshape(b, c, f, n * 2 + 1, t)


class FullSubNet(nn.Module):
    def __init__(self, f=65, fb_h=64, sb_h=32, n=7):
        super().__init__()
        self.n = n
        self.fb = nn.LSTM(f, fb_h, 2, batch_first=True)
        self.fb_fc = nn.Linear(fb_h, f)
        self.sb = nn.LSTM(2 * n + 2, sb_h, 2, batch_first=True)
        self.sb_fc = nn.Linear(sb_h, 2)

    def forward(self, noisy_mag):
        b, c, f, t = noisy_mag.shape
        x = noisy_mag / (torch.mean(noisy_mag, dim=(1, 2, 3), keepdim=True) + 1e-5)
        fb = torch.relu(self.fb_fc(self.fb(x.reshape(b, f, t).transpose(1, 2))[0])).transpose(1, 2).reshape(b, 1, f, t)
        fb_unf = fb.reshape(b, f, 1, t)
        noisy_unf = unfold_neighbours(x, self.n).reshape(b, f, 2 * self.n + 1, t)
        sb_in = torch.cat([noisy_unf, fb_unf], dim=2)
        sb_in = sb_in / (torch.mean(sb_in, dim=(2, 3), keepdim=True) + 1e-5)
        sb_in = sb_in.reshape(b * f, 2 * self.n + 2, t).transpose(1, 2)
        sb = self.sb_fc(self.sb(sb_in)[0])  # (B*F, T, 2)
        return sb.reshape(b, f, t, 2).permute(0, 3, 1, 2)


class OpenUnmix(nn.Module):
    def __init__(self, bins=257, max_bin=200, ch=2, h=64):
        super().__init__()
        self.bins, self.max_bin, self.ch, self.h = bins, max_bin, ch, h
        self.input_mean, self.input_scale = nn.Parameter(0.1 * torch.randn(max_bin)), nn.Parameter(1 + 0.1 * torch.randn(max_bin))
        self.fc1, self.bn1 = nn.Linear(max_bin * ch, h, bias=False), nn.BatchNorm1d(h)
        self.lstm = nn.LSTM(h, h // 2, 3, bidirectional=True)
        self.fc2, self.bn2 = nn.Linear(2 * h, h, bias=False), nn.BatchNorm1d(h)
        self.fc3, self.bn3 = nn.Linear(h, bins * ch, bias=False), nn.BatchNorm1d(bins * ch)
        self.output_scale, self.output_mean = nn.Parameter(1 + 0.1 * torch.randn(bins)), nn.Parameter(0.1 * torch.randn(bins))

    def forward(self, x):
        x = x.permute(3, 0, 1, 2)
        t, b, c, bins = x.shape
        mix = x.detach().clone()
        x = (x[..., :self.max_bin] + self.input_mean) * self.input_scale
        x = torch.tanh(self.bn1(self.fc1(x.reshape(-1, c * self.max_bin))).reshape(t, b, self.h))
        x = torch.cat([x, self.lstm(x)[0]], -1)
        x = torch.relu(self.bn2(self.fc2(x.reshape(-1, x.shape[-1]))))
        x = self.bn3(self.fc3(x)).reshape(t, b, c, self.bins)
        x = torch.relu(x * self.output_scale + self.output_mean) * mix
        return x.permute(1, 2, 3, 0)


class DualPathBlock(nn.Module):
    def __init__(self, n, heads=4):
        super().__init__()
        self.intra = nn.TransformerEncoderLayer(n, heads, 2 * n, dropout=0.0, batch_first=True, norm_first=True)
        self.inter = nn.TransformerEncoderLayer(n, heads, 2 * n, dropout=0.0, batch_first=True, norm_first=True)
        self.intra_norm, self.inter_norm = nn.GroupNorm(1, n, eps=1e-8), nn.GroupNorm(1, n, eps=1e-8)

    def forward(self, x):  # (B, N, K, S)
        b, n, k, s = x.shape
        intra = self.intra(x.permute(0, 3, 2, 1).reshape(b * s, k, n)).reshape(b, s, k, n).permute(0, 3, 2, 1)
        x = x + self.intra_norm(intra)
        inter = self.inter(x.permute(0, 2, 3, 1).reshape(b * k, s, n)).reshape(b, k, s, n).permute(0, 3, 1, 2)
        return x + self.inter_norm(inter)


class SepFormer(nn.Module):
    def __init__(self, n=64, k=50, spks=2, blocks=2):
        super().__init__()
        self.n, self.k, self.spks = n, k, spks
        self.encoder = nn.Conv1d(1, n, 16, stride=8, bias=False)
        self.norm, self.conv1d = nn.GroupNorm(1, n, eps=1e-8), nn.Conv1d(n, n, 1, bias=False)
        self.blocks = nn.ModuleList(DualPathBlock(n) for _ in range(blocks))
        self.prelu, self.conv2d = nn.PReLU(), nn.Conv2d(n, n * spks, 1)
        self.output, self.output_gate, self.end_conv1x1 = nn.Conv1d(n, n, 1), nn.Conv1d(n, n, 1), nn.Conv1d(n, n, 1, bias=False)
        self.decoder = nn.ConvTranspose1d(n, 1, 16, stride=8, bias=False)

    def segment(self, x):
        b, d, length = x.shape
        p = self.k // 2
        gap = self.k - (p + length % self.k) % self.k
        x = F.pad(x, (p, gap + p))
        i1 = x[:, :, :-p].contiguous().view(b, d, -1, self.k)
        i2 = x[:, :, p:].contiguous().view(b, d, -1, self.k)
        return torch.cat([i1, i2], dim=3).view(b, d, -1, self.k).transpose(2, 3), gap

    def over_add(self, x, gap):
        b, n, k, s = x.shape
        p = k // 2
        x = x.transpose(2, 3).contiguous().view(b, n, -1, k * 2)
        i1 = x[:, :, :, :k].contiguous().view(b, n, -1)[:, :, p:]
        i2 = x[:, :, :, k:].contiguous().view(b, n, -1)[:, :, :-p]
        return (i1 + i2)[:, :, :-gap]

    def forward(self, mix):
        e = torch.relu(self.encoder(mix.unsqueeze(1)))
        x = self.conv1d(self.norm(e))
        x, gap = self.segment(x)
        pe = torch.sin(torch.arange(self.n).float()[:, None, None] * 0.1 + torch.arange(self.k).float()[None, :, None] * 0.05)
        x = x + pe
        for blk in self.blocks:
            x = blk(x)
        x = self.conv2d(self.prelu(x))
        b, _, k, s = x.shape
        x = self.over_add(x.view(b * self.spks, self.n, k, s), gap)
        x = torch.tanh(self.output(x)) * torch.sigmoid(self.output_gate(x))
        masks = torch.relu(self.end_conv1x1(x)).view(b, self.spks, self.n, -1).transpose(0, 1)
        est = torch.stack([self.decoder(e * masks[i]).squeeze(1) for i in range(self.spks)], dim=-1)
        return est


class TRA(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.att_gru, self.att_fc = nn.GRU(c, c * 2, batch_first=True), nn.Linear(c * 2, c)

    def forward(self, x):  # (B, C, T, F)
        zt = torch.mean(x.pow(2), dim=-1)
        at = torch.sigmoid(self.att_fc(self.att_gru(zt.transpose(1, 2))[0]).transpose(1, 2))
        return x * at[..., None]


class GTConvBlock(nn.Module):
    def __init__(self, c, h, dilation):
        super().__init__()
        self.pad = (3 - 1) * dilation
        self.point1 = nn.Sequential(nn.Conv2d(c // 2 * 3, h, 1), nn.BatchNorm2d(h), nn.PReLU())
        self.depth = nn.Sequential(nn.Conv2d(h, h, 3, dilation=(dilation, 1), padding=(0, 1), groups=h), nn.BatchNorm2d(h), nn.PReLU())
        self.point2 = nn.Sequential(nn.Conv2d(h, c // 2, 1), nn.BatchNorm2d(c // 2))
        self.tra = TRA(c // 2)
        self.sfe = nn.Unfold((1, 3), stride=(1, 1), padding=(0, 1))

    def forward(self, x):
        x1, x2 = torch.chunk(x, 2, dim=1)
        b, c, t, f = x1.shape
        h = self.sfe(x1).reshape(b, c * 3, t, f)
        h = self.point1(h)
        h = self.depth(F.pad(h, [0, 0, self.pad, 0]))
        h = self.tra(self.point2(h))
        x = torch.stack([h, x2], dim=1).transpose(1, 2).contiguous()  # channel shuffle
        return x.reshape(b, -1, t, f)


class GRNN(nn.Module):
    def __init__(self, size, hidden, bidirectional=False):
        super().__init__()
        self.rnn1 = nn.GRU(size // 2, hidden // 2, batch_first=True, bidirectional=bidirectional)
        self.rnn2 = nn.GRU(size // 2, hidden // 2, batch_first=True, bidirectional=bidirectional)

    def forward(self, x):
        x1, x2 = torch.chunk(x, 2, dim=-1)
        return torch.cat([self.rnn1(x1)[0], self.rnn2(x2)[0]], dim=-1)


class DPGRNN(nn.Module):
    def __init__(self, c, width):
        super().__init__()
        self.intra_rnn, self.intra_fc, self.intra_ln = GRNN(c, c // 2, True), nn.Linear(c, c), nn.LayerNorm((width, c))
        self.inter_rnn, self.inter_fc, self.inter_ln = GRNN(c, c), nn.Linear(c, c), nn.LayerNorm((width, c))

    def forward(self, x):  # (B, C, T, F)
        x = x.permute(0, 2, 3, 1)
        b, t, f, c = x.shape
        intra = self.intra_fc(self.intra_rnn(x.reshape(b * t, f, c))).reshape(b, t, f, c)
        x = x + self.intra_ln(intra)
        inter = self.inter_fc(self.inter_rnn(x.permute(0, 2, 1, 3).reshape(b * f, t, c))).reshape(b, f, t, c).permute(0, 2, 1, 3)
        x = x + self.inter_ln(inter)
        return x.permute(0, 3, 1, 2)


class GTCRN(nn.Module):
    def __init__(self, bins=257, low=65, high_bands=64, c=16):
        super().__init__()
        self.low = low
        self.erb_fc = nn.Linear(bins - low, high_bands, bias=False)
        self.ierb_fc = nn.Linear(high_bands, bins - low, bias=False)
        self.sfe = nn.Unfold((1, 3), stride=(1, 1), padding=(0, 1))
        self.en_conv = nn.Sequential(nn.Conv2d(9, c, (1, 5), stride=(1, 2), padding=(0, 2)), nn.BatchNorm2d(c), nn.PReLU())
        self.en_gt = nn.ModuleList(GTConvBlock(c, c, d) for d in (1, 2))
        w = (low + high_bands + 2 * 2 - 5) // 2 + 1
        self.dpgrnn = DPGRNN(c, w)
        self.de_gt = nn.ModuleList(GTConvBlock(c, c, d) for d in (2, 1))
        self.de_conv = nn.ConvTranspose2d(c, 2, (1, 5), stride=(1, 2), padding=(0, 2))

    def forward(self, spec):  # (B, F, T, 2)
        spec_ref = spec
        real, imag = spec[..., 0].permute(0, 2, 1), spec[..., 1].permute(0, 2, 1)  # (B, T, F)
        mag = torch.sqrt(real ** 2 + imag ** 2 + 1e-12)
        feat = torch.stack([mag, real, imag], dim=1)
        feat = torch.cat([feat[..., :self.low], self.erb_fc(feat[..., self.low:])], dim=-1)
        b, c, t, f = feat.shape
        feat = self.sfe(feat).reshape(b, c * 3, t, f)
        x = self.en_conv(feat)
        skips = []
        for blk in self.en_gt:
            x = blk(x)
            skips.append(x)
        x = self.dpgrnn(x)
        for blk in self.de_gt:
            x = blk(x + skips.pop())
        m = torch.tanh(self.de_conv(x))
        m = torch.cat([m[..., :self.low], self.ierb_fc(m[..., self.low:self.low + self.erb_fc.out_features])], dim=-1)
        s_r, s_i = spec_ref[..., 0], spec_ref[..., 1]
        m_r, m_i = m[:, 0].permute(0, 2, 1), m[:, 1].permute(0, 2, 1)
        return torch.stack([s_r * m_r - s_i * m_i, s_i * m_r + s_r * m_i], dim=-1)
