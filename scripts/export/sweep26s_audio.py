#!/usr/bin/env python3
"""Twenty-sixth sweep (sequence), audio half (imported by sweep26s_lm.py, which exports them): PercepNet (band gains
and pitch-filter strengths, and the comb filter reading the past signal at the run-time pitch period), DPCRN (dual-path
conv-recurrent enhancement), musicnn (musically motivated timbral / temporal front end, tagging), a kws_streaming SVDF
keyword spotter in external-state streaming form, ReDimNet (speaker embeddings alternating 2-D and 1-D views of one map)
and an XCodec2-style decoder (FSQ code digits, transformer, Vocos ConvNeXt, iSTFT by inverse-DFT matrices and an
overlap-add ConvTranspose) — random weights, small widths."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- PercepNet (Valin et al. 2020): 32 ERB-ish band gains and pitch-filter strengths; comb filter at the pitch period ---

class PercepNet(nn.Module):
    def __init__(self, feats=70, bands=32, bins=129, hid=64, frame=64):
        super().__init__()
        self.frame = frame
        self.c1, self.c2 = nn.Conv1d(feats, hid, 5), nn.Conv1d(hid, hid, 3)
        self.grus = nn.ModuleList(nn.GRU(hid, hid, batch_first=True) for _ in range(3))
        self.gain, self.strength = nn.Linear(3 * hid, bands), nn.Linear(3 * hid, bands)
        edges = torch.linspace(0, bins - 1, bands)
        centre = torch.arange(bins).float()[:, None]
        width = (edges[1] - edges[0])
        self.register_buffer('interp', F.relu(1 - (centre - edges[None]).abs() / width))   # [bins, bands] triangles
        self.register_buffer('taps', torch.tensor([0.25, 0.5, 0.25]))

    def forward(self, feats, mag, past, period):  # [1, T, 70], [1, T, 129], [1, T, 3·frame], [1, T] int64
        h = torch.tanh(self.c1(F.pad(feats.transpose(1, 2), (4, 0))))
        h = torch.tanh(self.c2(F.pad(h, (2, 0)))).transpose(1, 2)
        outs = []
        for g in self.grus:
            h, _ = g(h)
            outs.append(h)
        h = torch.cat(outs, -1)
        gains, r = torch.sigmoid(self.gain(h)), torch.sigmoid(self.strength(h))
        # comb filter over the last frame of `past` (3 frames): y[n] = Σ_k taps[k] · x[n − (k − 1)·T]
        n = torch.arange(self.frame) + 2 * self.frame                     # the newest frame's samples
        p = period.clamp(1, self.frame)[..., None, None]                  # [1, T, 1, 1]
        idx = n[None, None, None] - (torch.arange(3) - 1)[None, None, :, None] * p   # [1, T, 3, frame]
        idx = idx.clamp(0, 3 * self.frame - 1)
        taps = torch.gather(past[:, :, None].expand(-1, -1, 3, -1), 3, idx)
        comb = (taps * self.taps[:, None]).sum(2)
        rm = r.mean(-1, keepdim=True)
        frame = (1 - rm) * past[..., 2 * self.frame:] + rm * comb
        return mag * (gains @ self.interp.t()), frame


# --- DPCRN (Le et al. 2021): conv encoder, dual-path (intra BiLSTM over frequency, inter LSTM over time), deconv decoder ---

class DPRNNBlock(nn.Module):
    def __init__(self, c, f):
        super().__init__()
        self.intra, self.intra_fc = nn.LSTM(c, c // 2, batch_first=True, bidirectional=True), nn.Linear(c, c)
        self.inter, self.inter_fc = nn.LSTM(c, c, batch_first=True), nn.Linear(c, c)
        self.ln1, self.ln2 = nn.LayerNorm([f, c]), nn.LayerNorm([f, c])

    def forward(self, x):  # [b, T, F, C]
        b, t, f, c = x.shape
        y, _ = self.intra(x.reshape(b * t, f, c))
        x = x + self.ln1(self.intra_fc(y).view(b, t, f, c))
        y, _ = self.inter(x.transpose(1, 2).reshape(b * f, t, c))
        return x + self.ln2(self.inter_fc(y).view(b, f, t, c).transpose(1, 2))


class DPCRN(nn.Module):
    def __init__(self, freq=64, c=32):
        super().__init__()
        self.e1, self.e2 = nn.Conv2d(2, 16, (2, 5), (1, 2), (0, 2)), nn.Conv2d(16, c, (2, 3), (1, 2), (0, 1))
        self.b1, self.b2 = nn.BatchNorm2d(16), nn.BatchNorm2d(c)
        self.dp = nn.Sequential(DPRNNBlock(c, freq // 4), DPRNNBlock(c, freq // 4))
        self.d2 = nn.ConvTranspose2d(2 * c, 16, (1, 4), (1, 2), (0, 1))
        self.d1 = nn.ConvTranspose2d(32, 2, (1, 4), (1, 2), (0, 1))

    def forward(self, spec):  # [b, 2, T, F] real / imaginary
        x1 = F.elu(self.b1(self.e1(F.pad(spec, (0, 0, 1, 0)))))
        x2 = F.elu(self.b2(self.e2(F.pad(x1, (0, 0, 1, 0)))))
        y = self.dp(x2.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        y = F.elu(self.d2(torch.cat([y, x2], 1)))
        m = self.d1(torch.cat([y, x1], 1))
        re, im = spec[:, 0], spec[:, 1]
        return torch.stack([re * m[:, 0] - im * m[:, 1], re * m[:, 1] + im * m[:, 0]], 1)


# --- musicnn (Pons & Serra 2019): timbral (tall) and temporal (wide) filters, dense mid-end, max + mean pooled tags ---

class Musicnn(nn.Module):
    def __init__(self, mels=96, ch=16, mid=64, tags=50):
        super().__init__()
        self.bn = nn.BatchNorm2d(1)
        self.timbral = nn.ModuleList([nn.Conv2d(1, ch, (int(0.9 * mels), 7), padding=(0, 3)),
                                      nn.Conv2d(1, ch, (int(0.4 * mels), 7), padding=(0, 3))])
        self.temporal = nn.ModuleList([nn.Conv1d(1, ch, k, padding=k // 2) for k in (65, 33, 17)])
        self.m1 = nn.Conv1d(5 * ch, mid, 7, padding=3)
        self.m2, self.m3 = nn.Conv1d(mid, mid, 7, padding=3), nn.Conv1d(mid, mid, 7, padding=3)
        self.dense = nn.Sequential(nn.Linear(2 * (5 * ch + 3 * mid), 100), nn.BatchNorm1d(100), nn.ReLU(), nn.Linear(100, tags))

    def forward(self, mel):  # [b, 96, T]
        x = self.bn(mel[:, None])
        fe = [F.relu(c(x)).amax(2) for c in self.timbral]                   # max over the remaining frequency
        avg = x.mean(2)                                                      # [b, 1, T]
        fe += [F.relu(c(avg)) for c in self.temporal]
        fe = torch.cat(fe, 1)                                               # [b, 5ch, T]
        m1 = F.relu(self.m1(fe))
        m2 = F.relu(self.m2(m1)) + m1
        m3 = F.relu(self.m3(m2)) + m2
        z = torch.cat([fe, m1, m2, m3], 1)
        return torch.sigmoid(self.dense(torch.cat([z.amax(-1), z.mean(-1)], 1)))


# --- SVDF keyword spotter (google-research kws_streaming, external-state streaming mode): one frame in, states in / out ---

class SVDF(nn.Module):
    def __init__(self, din, units, rank=2, memory=8):
        super().__init__()
        self.units, self.rank = units, rank
        self.feature = nn.Linear(din, units * rank, bias=False)
        self.time = nn.Parameter(torch.randn(units * rank, memory) * 0.3)
        self.bias = nn.Parameter(torch.zeros(units))

    def forward(self, x, state):  # [b, din], [b, units·rank, memory]
        f = self.feature(x)
        state = torch.cat([state[:, :, 1:], f[:, :, None]], 2)             # drop the oldest frame, append the new one
        y = (state * self.time).sum(-1).view(-1, self.units, self.rank).sum(-1)
        return F.relu(y + self.bias), state


class SVDFSpotter(nn.Module):
    def __init__(self, feats=40, units=(64, 64, 32), classes=12):
        super().__init__()
        dins = (feats,) + units[:-1]
        self.layers = nn.ModuleList(SVDF(a, b) for a, b in zip(dins, units))
        self.out = nn.Linear(units[-1], classes)

    def forward(self, frame, s0, s1, s2):
        x, out = frame, []
        for layer, s in zip(self.layers, (s0, s1, s2)):
            x, s = layer(x, s)
            out.append(s)
        return (self.out(x).softmax(-1), *out)


# --- ReDimNet (Yakovlev et al. 2024): stages alternate a 2-D view [b, C, F, T] and a 1-D view [b, C·F, T] of one map ---

class ReDimStage(nn.Module):
    def __init__(self, c, f, fstride):
        super().__init__()
        self.down = nn.Conv2d(c, 2 * c, (fstride, 1), (fstride, 1))
        c2, f2 = 2 * c, f // fstride
        self.dw, self.pw = nn.Conv2d(c2, c2, 3, padding=1, groups=c2), nn.Conv2d(c2, c2, 1)
        self.bn = nn.BatchNorm2d(c2)
        self.conv1d = nn.Conv1d(c2 * f2, c2 * f2, 3, padding=1, groups=4)
        self.att = nn.MultiheadAttention(c2 * f2, 4, batch_first=True)
        self.ln = nn.LayerNorm(c2 * f2)

    def forward(self, x):  # [b, C, F, T]
        x = self.down(x)
        x = x + self.pw(F.gelu(self.bn(self.dw(x))))                        # 2-D block
        b, c, f, t = x.shape
        y = x.reshape(b, c * f, t)                                           # redimension to 1-D
        y = y + F.gelu(self.conv1d(y))
        z = self.ln(y.transpose(1, 2))
        y = y + self.att(z, z, z, need_weights=False)[0].transpose(1, 2)
        return y.reshape(b, c, f, t)


class ReDimNet(nn.Module):
    def __init__(self, mels=32, c=8, emb=64):
        super().__init__()
        self.stem = nn.Conv2d(1, c, 3, padding=1)
        self.s1, self.s2 = ReDimStage(c, mels, 2), ReDimStage(2 * c, mels // 2, 2)
        self.mix = nn.Parameter(torch.tensor([0.5, 0.5]))
        d = 4 * c * mels // 4
        self.proj1 = nn.Conv1d(2 * c * mels // 2, d, 1)
        self.att = nn.Sequential(nn.Conv1d(3 * d, 64, 1), nn.Tanh(), nn.Conv1d(64, d, 1))
        self.emb = nn.Linear(2 * d, emb)

    def forward(self, mel):  # [b, mels, T]
        x1 = self.s1(self.stem(mel[:, None]))
        x2 = self.s2(x1)
        b, t = mel.shape[0], mel.shape[2]
        h = self.mix[0] * self.proj1(x1.reshape(b, -1, t)) + self.mix[1] * x2.reshape(b, -1, t)   # stage outputs mixed
        mu, sd = h.mean(-1, keepdim=True), h.std(-1, keepdim=True)
        w = self.att(torch.cat([h, mu.expand_as(h), sd.expand_as(h)], 1)).softmax(-1)              # attentive stats
        m = (w * h).sum(-1)
        s = torch.sqrt(((w * h * h).sum(-1) - m * m).clamp(min=1e-5))
        return F.normalize(self.emb(torch.cat([m, s], 1)), dim=-1)


# --- XCodec2-style decoder: FSQ digits of each code, transformer, Vocos ConvNeXt backbone, iSTFT as matrices ---

class ConvNeXt1d(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dw, self.ln = nn.Conv1d(d, d, 7, padding=3, groups=d), nn.LayerNorm(d)
        self.p1, self.p2, self.g = nn.Linear(d, 3 * d), nn.Linear(3 * d, d), nn.Parameter(torch.full((d,), 0.1))

    def forward(self, x):  # [b, d, T]
        y = self.ln(self.dw(x).transpose(1, 2))
        return x + (self.g * self.p2(F.gelu(self.p1(y)))).transpose(1, 2)


class XCodec2Decoder(nn.Module):
    def __init__(self, levels=(4, 4, 4, 4, 4, 4, 4, 4), d=64, n_fft=64, hop=16):
        super().__init__()
        self.register_buffer('levels', torch.tensor(levels))
        self.register_buffer('basis', torch.cumprod(torch.tensor((1,) + levels[:-1]), 0))
        self.proj = nn.Linear(len(levels), d)
        self.layer = nn.TransformerEncoderLayer(d, 4, 2 * d, 0.0, batch_first=True, norm_first=True)
        self.blocks = nn.Sequential(ConvNeXt1d(d), ConvNeXt1d(d))
        self.head = nn.Linear(d, n_fft + 2)
        self.n_fft, self.hop = n_fft, hop
        k = torch.arange(n_fft // 2 + 1).float()[:, None]
        n = torch.arange(n_fft).float()[None]
        wgt = torch.full((n_fft // 2 + 1, 1), 2.0)
        wgt[0] = wgt[-1] = 1.0
        win = torch.hann_window(n_fft)
        self.register_buffer('icos', wgt * torch.cos(2 * math.pi * k * n / n_fft) / n_fft * win)
        self.register_buffer('isin', -wgt * torch.sin(2 * math.pi * k * n / n_fft) / n_fft * win)
        self.register_buffer('ola', torch.eye(n_fft)[:, None])
        env = F.conv_transpose1d((win ** 2)[None, :, None].expand(1, n_fft, 24), self.ola, stride=hop)
        self.register_buffer('env', env.clamp(min=1e-6))

    def forward(self, codes):  # [b, T] int64 in [0, 4^8)
        digits = torch.div(codes[..., None], self.basis, rounding_mode='floor') % self.levels
        half = (self.levels - 1).float() / 2
        x = self.layer(self.proj((digits.float() - half) / half))
        x = self.blocks(x.transpose(1, 2)).transpose(1, 2)
        mag, ph = self.head(x).chunk(2, -1)                                   # [b, T, n_fft/2 + 1]
        mag = torch.exp(mag).clamp(max=100.0)
        re, im = mag * torch.cos(ph), mag * torch.sin(ph)
        frames = (re @ self.icos + im @ self.isin).transpose(1, 2)            # [b, n_fft, T] windowed frames
        audio = F.conv_transpose1d(frames, self.ola, stride=self.hop)          # overlap-add
        pad = (self.n_fft - self.hop) // 2
        return (audio / self.env[..., :audio.shape[-1]])[:, 0, pad:-pad]


MODELS = {
    'percepnet': lambda: (PercepNet().eval(), (torch.randn(1, 10, 70), torch.rand(1, 10, 129), torch.randn(1, 10, 192),
                                                 torch.randint(20, 60, (1, 10))),
                          {'names': ['features', 'magnitude', 'past', 'period'], 'outputs': ['enhanced', 'comb_frame'], 'opset': 14}),
    'dpcrn': lambda: (DPCRN().eval(), torch.randn(1, 2, 12, 64), {'names': ['spec'], 'outputs': ['enhanced'], 'opset': 14}),
    'musicnn': lambda: (Musicnn().eval(), torch.randn(1, 96, 128), {'names': ['mel'], 'outputs': ['tags'], 'opset': 13}),
    'svdf_kws': lambda: (SVDFSpotter().eval(), (torch.randn(1, 40), torch.randn(1, 128, 8), torch.randn(1, 128, 8),
                                                  torch.randn(1, 64, 8)),
                         {'names': ['frame', 'state0', 'state1', 'state2'], 'outputs': ['probs', 'next0', 'next1', 'next2'],
                          'opset': 13}),
    'redimnet': lambda: (ReDimNet().eval(), torch.randn(1, 32, 40), {'names': ['mel'], 'outputs': ['embedding'], 'opset': 14}),
    'xcodec2_dec': lambda: (XCodec2Decoder().eval(), torch.randint(0, 4 ** 8, (1, 24)),
                            {'names': ['codes'], 'outputs': ['audio'], 'opset': 14}),
}
