"""Eighteenth sweep: speech and audio families not tried in the seventeen earlier sweeps, as their reference code writes
them (random weights, small widths): DCCRN (STFT by a fixed Conv1d basis, complex Conv2d encoder / ConvTranspose2d
decoder with skips, a complex LSTM, the E mask: tanh magnitude with the phase by atan2, inverse STFT by ConvTranspose1d
and a window-sum normaliser), Sudo rm -rf (successive strided depthwise downsampling, nearest upsampling and
summation in U-ConvBlocks, global LayerNorm, masks on a learned encoder), RMVPE (mel U-Net with residual blocks,
BiGRU, 360-bin salience, local weighted average of cents around the argmax), Glow-TTS (flow decoder in reverse:
squeeze, ActNorm, invertible 1x1 conv over channel groups, affine coupling with a gated WaveNet), BSRNN (band split of a
complex spectrogram, interleaved BLSTMs over time and over bands, per-band GLU mask estimation) and MusicGen (4
delayed codebooks summed, sinusoidal positions, causal self-attention and cross-attention to text conditioning, 4
heads). Models in MODELS, exported by sweep18_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- DCCRN ---

def stft_kernels(win_len, fft_len, invers=False):
    window = torch.hann_window(win_len, periodic=True) ** 0.5
    n = torch.arange(win_len).float()
    k = torch.arange(fft_len // 2 + 1).float()
    ang = 2 * math.pi * k[:, None] * n[None] / fft_len
    kernel = torch.cat([torch.cos(ang), -torch.sin(ang)], 0) * window  # [2 * (F), win]
    if invers:
        kernel = torch.linalg.pinv(kernel).T
    return kernel[:, None, :], window


class ConvSTFT(nn.Module):
    def __init__(self, win=400, hop=100, fft=512):
        super().__init__()
        k, _ = stft_kernels(win, fft)
        self.register_buffer('weight', k)
        self.hop, self.dim = hop, fft // 2 + 1

    def forward(self, x):  # [B, S]
        out = F.conv1d(x.unsqueeze(1), self.weight, stride=self.hop)
        return out[:, :self.dim], out[:, self.dim:]


class ConviSTFT(nn.Module):
    def __init__(self, win=400, hop=100, fft=512):
        super().__init__()
        k, window = stft_kernels(win, fft, invers=True)
        self.register_buffer('weight', k)
        self.register_buffer('window', window[None, :, None])
        self.register_buffer('enframe', torch.eye(win)[:, None, :])
        self.hop, self.win = hop, win

    def forward(self, spec):  # [B, 2F, T]
        out = F.conv_transpose1d(spec, self.weight, stride=self.hop)
        t = self.window.repeat(1, 1, spec.shape[-1]) ** 2
        coff = F.conv_transpose1d(t, self.enframe, stride=self.hop)
        return (out / (coff + 1e-8)).squeeze(1)


class ComplexConv2d(nn.Module):
    def __init__(self, cin, cout, k=(5, 2), s=(2, 1), p=(2, 1), transpose=False):
        super().__init__()
        c = nn.ConvTranspose2d if transpose else nn.Conv2d
        kw = dict(output_padding=(1, 0)) if transpose else {}
        pad = (p[0], 0) if transpose else (p[0], p[1])
        self.real, self.imag = c(cin // 2, cout // 2, k, s, pad, **kw), c(cin // 2, cout // 2, k, s, pad, **kw)
        self.transpose = transpose

    def forward(self, x):
        r, i = x.chunk(2, 1)
        real = self.real(r) - self.imag(i)
        imag = self.real(i) + self.imag(r)
        out = torch.cat([real, imag], 1)
        return out[..., :-1] if not self.transpose else out[..., :-1]


class ComplexLSTM(nn.Module):  # NavieComplexLSTM
    def __init__(self, din, h):
        super().__init__()
        self.real, self.imag = nn.LSTM(din // 2, h // 2), nn.LSTM(din // 2, h // 2)

    def forward(self, r, i):
        rr, ii = self.real(r)[0], self.imag(i)[0]
        ri, ir = self.imag(r)[0], self.real(i)[0]
        return rr - ii, ri + ir


class DCCRN(nn.Module):
    def __init__(self, ch=(16, 32, 64, 64), hidden=64, fft=512):
        super().__init__()
        self.stft, self.istft = ConvSTFT(fft=fft), ConviSTFT(fft=fft)
        chans = (2,) + ch
        self.enc = nn.ModuleList(nn.Sequential(ComplexConv2d(chans[i], chans[i + 1]), nn.BatchNorm2d(chans[i + 1]), nn.PReLU())
                                 for i in range(len(ch)))
        f = fft // 2
        for _ in ch:
            f //= 2
        self.f = f
        self.lstm = ComplexLSTM(f * ch[-1], hidden)
        self.tr = nn.Linear(hidden // 2, f * ch[-1] // 2)
        self.ti = nn.Linear(hidden // 2, f * ch[-1] // 2)
        self.dec = nn.ModuleList()
        for i in range(len(ch) - 1, 0, -1):
            self.dec.append(nn.Sequential(ComplexConv2d(chans[i + 1] * 2, chans[i], transpose=True), nn.BatchNorm2d(chans[i]), nn.PReLU()))
        self.dec.append(nn.Sequential(ComplexConv2d(chans[1] * 2, 2, transpose=True)))

    def forward(self, wav):
        real, imag = self.stft(wav)
        real, imag = real[:, 1:], imag[:, 1:]
        mags = torch.sqrt(real ** 2 + imag ** 2 + 1e-8)
        phase = torch.atan2(imag, real)
        out = torch.stack([real, imag], 1)
        skips = []
        for layer in self.enc:
            out = layer(out)
            skips.append(out)
        b, c, d, t = out.shape
        out = out.permute(3, 0, 1, 2)
        r, i = out[:, :, :c // 2], out[:, :, c // 2:]
        r, i = r.reshape(t, b, -1), i.reshape(t, b, -1)
        r, i = self.lstm(r, i)
        r, i = self.tr(r).view(t, b, c // 2, d), self.ti(i).view(t, b, c // 2, d)
        out = torch.cat([r, i], 2).permute(1, 2, 3, 0)
        for idx, layer in enumerate(self.dec):
            out = layer(torch.cat([out, skips[-1 - idx]], 1))
        mr, mi = F.pad(out[:, 0], [0, 0, 1, 0]), F.pad(out[:, 1], [0, 0, 1, 0])
        mask_mags = torch.tanh(torch.sqrt(mr ** 2 + mi ** 2 + 1e-8))
        mask_phase = torch.atan2(mi + 1e-8, mr)
        mags = F.pad(mags, [0, 0, 1, 0])
        phase = F.pad(phase, [0, 0, 1, 0])
        est_m, est_p = mags * mask_mags, phase + mask_phase
        spec = torch.cat([est_m * torch.cos(est_p), est_m * torch.sin(est_p)], 1)
        return torch.clamp(self.istft(spec), -1, 1)


def atan2_symbolic(g, y, x):
    """torch 2.x's ONNX export of atan2 (torch 1.13 has none): Atan(y / x) moved by pi where x < 0."""
    atan = g.op('Atan', g.op('Div', y, x))
    zero, pi = g.op('Constant', value_t=torch.tensor(0.0)), g.op('Constant', value_t=torch.tensor(math.pi))
    second_third = g.op('Where', g.op('Greater', y, zero), g.op('Add', atan, pi), g.op('Sub', atan, pi))
    return g.op('Where', g.op('Less', x, zero), second_third, atan)


# --- Sudo rm -rf ---

class GlobLN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.g, self.b = nn.Parameter(torch.rand(1, c, 1) + 0.5), nn.Parameter(torch.randn(1, c, 1) * 0.1)

    def forward(self, x):
        m = x.mean((1, 2), keepdim=True)
        v = ((x - m) ** 2).mean((1, 2), keepdim=True)
        return self.g * (x - m) / (v + 1e-8).sqrt() + self.b


class ConvNormAct(nn.Sequential):
    def __init__(self, cin, cout, k, s=1, groups=1, act=True):
        super().__init__(nn.Conv1d(cin, cout, k, s, (k - 1) // 2, groups=groups), GlobLN(cout), *([nn.PReLU()] if act else []))


class UConvBlock(nn.Module):
    def __init__(self, out_ch=32, in_ch=64, depth=4):
        super().__init__()
        self.proj_1x1 = ConvNormAct(out_ch, in_ch, 1)
        self.spp_dw = nn.ModuleList([nn.Sequential(nn.Conv1d(in_ch, in_ch, 5, 1, 2, groups=in_ch), GlobLN(in_ch))])
        for _ in range(1, depth):
            self.spp_dw.append(nn.Sequential(nn.Conv1d(in_ch, in_ch, 5, 2, 2, groups=in_ch), GlobLN(in_ch)))
        self.final_norm = nn.Sequential(GlobLN(in_ch), nn.PReLU())
        self.res_conv = nn.Conv1d(in_ch, out_ch, 1)
        self.depth = depth

    def forward(self, x):
        output1 = self.proj_1x1(x)
        output = [self.spp_dw[0](output1)]
        for k in range(1, self.depth):
            output.append(self.spp_dw[k](output[-1]))
        for _ in range(self.depth - 1):
            resampled = F.interpolate(output[-1], size=output[-2].shape[-1], mode='nearest')
            output[-2] = output[-2] + resampled
            output.pop(-1)
        return self.res_conv(self.final_norm(output[-1])) + x


class SuDORMRF(nn.Module):
    def __init__(self, n_src=2, enc=128, out_ch=32, in_ch=64, blocks=4, k=21):
        super().__init__()
        self.encoder = nn.Conv1d(1, enc, k, k // 2, k // 2, bias=False)
        self.ln, self.l1 = GlobLN(enc), nn.Conv1d(enc, out_ch, 1)
        self.sm = nn.Sequential(*[UConvBlock(out_ch, in_ch) for _ in range(blocks)])
        self.reshape_before_masks = nn.Conv1d(out_ch, enc * n_src, 1)
        self.decoder = nn.ConvTranspose1d(enc * n_src, n_src, k, k // 2, k // 2, output_padding=k // 2 - 1, groups=n_src, bias=False)
        self.n_src, self.enc = n_src, enc

    def forward(self, wav):  # [B, 1, S]
        w = F.relu(self.encoder(wav))
        x = self.reshape_before_masks(self.sm(self.l1(self.ln(w))))
        x = F.relu(x.view(x.shape[0], self.n_src, self.enc, -1))
        x = (x * w.unsqueeze(1)).view(x.shape[0], self.n_src * self.enc, -1)
        return self.decoder(x)


# --- RMVPE ---

class ConvBlockRes(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                                  nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        return self.conv(x) + (self.shortcut(x) if self.shortcut is not None else x)


class RMVPE(nn.Module):
    def __init__(self, mels=128, ch=8, levels=4, hidden=64):
        super().__init__()
        self.bn = nn.BatchNorm2d(1)
        chans = [1] + [ch * 2 ** i for i in range(levels + 1)]
        self.enc = nn.ModuleList(ConvBlockRes(chans[i], chans[i + 1]) for i in range(levels))
        self.mid = ConvBlockRes(chans[levels], chans[levels + 1])
        self.up = nn.ModuleList(nn.Sequential(nn.ConvTranspose2d(chans[i + 1], chans[i], 3, 2, 1, output_padding=1, bias=False),
                                              nn.BatchNorm2d(chans[i]), nn.ReLU()) for i in range(levels, 0, -1))
        self.dec = nn.ModuleList(ConvBlockRes(2 * chans[i], chans[i]) for i in range(levels, 0, -1))
        self.cnn = nn.Conv2d(chans[1], 3, 3, 1, 1)
        self.gru = nn.GRU(3 * mels, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 360)
        cents = 20 * torch.arange(360).float() + 1997.3794084376191
        self.register_buffer('cents', F.pad(cents, (4, 4)))

    def forward(self, mel):  # [B, mels, T]
        x = self.bn(mel.transpose(-1, -2).unsqueeze(1))
        skips = []
        for e in self.enc:
            x = e(x)
            skips.append(x)
            x = F.avg_pool2d(x, 2)
        x = self.mid(x)
        for u, d in zip(self.up, self.dec):
            x = d(torch.cat([u(x), skips.pop()], 1))
        x = self.cnn(x).transpose(1, 2).flatten(-2)  # [B, T, 3 * mels]
        sal = torch.sigmoid(self.fc(self.gru(x)[0]))  # [B, T, 360]
        center = sal.argmax(-1, keepdim=True)  # local average of cents around the peak
        idx = center + torch.arange(9) # index into the 4-padded salience
        sp = F.pad(sal, (4, 4))
        w = torch.gather(sp, 2, idx)
        c = torch.gather(self.cents.expand(sal.shape[0], sal.shape[1], -1), 2, idx)
        cents = (w * c).sum(-1) / w.sum(-1)
        f0 = 10 * 2 ** (cents / 1200)
        return sal, torch.where(sal.max(-1)[0] > 0.03, f0, torch.zeros_like(f0))


# --- Glow-TTS decoder ---

class ActNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.logs, self.bias = nn.Parameter(torch.randn(1, c, 1) * 0.1), nn.Parameter(torch.randn(1, c, 1) * 0.1)

    def forward(self, x, mask):  # reverse
        return (x - self.bias) * torch.exp(-self.logs) * mask


class InvConvNear(nn.Module):
    def __init__(self, c, n_split=4):
        super().__init__()
        w = torch.linalg.qr(torch.randn(n_split, n_split))[0]
        self.weight = nn.Parameter(w)
        self.register_buffer('weight_inv', torch.inverse(w))  # glow-tts store_inverse() before inference
        self.c, self.n_split = c, n_split

    def forward(self, x, mask):  # reverse
        b, c, t = x.shape
        x = x.view(b, 2, c // self.n_split, self.n_split // 2, t).permute(0, 1, 3, 2, 4).contiguous().view(b, self.n_split, c // self.n_split, t)
        w = self.weight_inv.view(self.n_split, self.n_split, 1, 1)
        z = F.conv2d(x, w)
        z = z.view(b, 2, self.n_split // 2, c // self.n_split, t).permute(0, 1, 3, 2, 4).contiguous().view(b, c, t)
        return z * mask


class WN(nn.Module):
    def __init__(self, h, k=5, layers=4):
        super().__init__()
        self.h = h
        self.in_layers = nn.ModuleList(nn.Conv1d(h, 2 * h, k, dilation=1, padding=k // 2) for _ in range(layers))
        self.res_skip = nn.ModuleList(nn.Conv1d(h, 2 * h if i < layers - 1 else h, 1) for i in range(layers))

    def forward(self, x, mask):
        out = torch.zeros_like(x)
        for i, (a, r) in enumerate(zip(self.in_layers, self.res_skip)):
            z = a(x)
            acts = torch.tanh(z[:, :self.h]) * torch.sigmoid(z[:, self.h:])
            rs = r(acts)
            if i < len(self.in_layers) - 1:
                x = (x + rs[:, :self.h]) * mask
                out = out + rs[:, self.h:]
            else:
                out = out + rs
        return out * mask


class CouplingBlock(nn.Module):
    def __init__(self, c, h=64):
        super().__init__()
        self.start, self.wn, self.end = nn.Conv1d(c // 2, h, 1), WN(h), nn.Conv1d(h, c, 1)
        nn.init.normal_(self.end.weight, std=0.02)

    def forward(self, x, mask):  # reverse
        c = x.shape[1]
        x0, x1 = x[:, :c // 2], x[:, c // 2:]
        out = self.end(self.wn(self.start(x0) * mask, mask))
        m, logs = out[:, :c // 2], out[:, c // 2:]
        return torch.cat([x0, (x1 - m) * torch.exp(-logs) * mask], 1)


class GlowTTSDecoder(nn.Module):
    def __init__(self, c=80, blocks=4, n_sqz=2):
        super().__init__()
        cs = c * n_sqz
        self.flows = nn.ModuleList()
        for _ in range(blocks):
            self.flows.extend([ActNorm(cs), InvConvNear(cs), CouplingBlock(cs)])
        self.n_sqz = n_sqz

    def forward(self, z, mask):  # z [B, 80, T] (T even), mask [B, 1, T]
        b, c, t = z.shape
        x = z.view(b, c, t // 2, 2).permute(0, 3, 1, 2).contiguous().view(b, c * 2, t // 2)
        m = mask[:, :, 1::2]
        x = x * m
        for f in reversed(self.flows):
            x = f(x, m)
        x = x.view(b, 2, c, t // 2).permute(0, 2, 3, 1).contiguous().view(b, c, t)
        return x * mask


def glow_inputs():
    g = torch.Generator().manual_seed(8)
    mask = torch.ones(1, 1, 64)
    mask[..., 58:] = 0
    return torch.randn(1, 80, 64, generator=g) * 0.667, mask


# --- BSRNN ---

class BSRNN(nn.Module):
    def __init__(self, bands=(4, 4, 8, 8, 16, 16, 32, 41), n=32, layers=2):
        super().__init__()
        self.bands, self.n = bands, n
        self.norms = nn.ModuleList(nn.GroupNorm(1, 2 * w) for w in bands)
        self.fcs = nn.ModuleList(nn.Linear(2 * w, n) for w in bands)
        self.t_norm = nn.ModuleList(nn.GroupNorm(1, n) for _ in range(layers))
        self.t_rnn = nn.ModuleList(nn.LSTM(n, 2 * n, batch_first=True, bidirectional=True) for _ in range(layers))
        self.t_fc = nn.ModuleList(nn.Linear(4 * n, n) for _ in range(layers))
        self.k_norm = nn.ModuleList(nn.GroupNorm(1, n) for _ in range(layers))
        self.k_rnn = nn.ModuleList(nn.LSTM(n, 2 * n, batch_first=True, bidirectional=True) for _ in range(layers))
        self.k_fc = nn.ModuleList(nn.Linear(4 * n, n) for _ in range(layers))
        self.masks = nn.ModuleList(nn.Sequential(nn.GroupNorm(1, n), nn.Conv1d(n, 4 * n, 1), nn.Tanh(), nn.Conv1d(4 * n, 8 * w, 1), nn.GLU(1)) for w in bands)

    def forward(self, spec):  # [B, F, T, 2] real / imag
        b, f, t, _ = spec.shape
        subs, start = [], 0
        for w, norm, fc in zip(self.bands, self.norms, self.fcs):
            sb = spec[:, start:start + w].permute(0, 1, 3, 2).reshape(b, 2 * w, t)
            subs.append(fc(norm(sb).transpose(1, 2)))  # [B, T, N]
            start += w
        x = torch.stack(subs, 1)  # [B, K, T, N]
        k = x.shape[1]
        for tn, tr, tf, kn, kr, kf in zip(self.t_norm, self.t_rnn, self.t_fc, self.k_norm, self.k_rnn, self.k_fc):
            y = tn(x.reshape(b * k, t, self.n).transpose(1, 2)).transpose(1, 2)
            x = x + tf(tr(y)[0]).view(b, k, t, self.n)
            y = x.permute(0, 2, 1, 3).reshape(b * t, k, self.n)
            y = kn(y.transpose(1, 2)).transpose(1, 2)
            x = x + kf(kr(y)[0]).view(b, t, k, self.n).permute(0, 2, 1, 3)
        outs, start = [], 0
        for i, (w, m) in enumerate(zip(self.bands, self.masks)):
            mk = m(x[:, i].transpose(1, 2)).view(b, 2, 2, w, t)  # [B, re/im, re/im..., w, T] -> complex mask
            mr, mi = mk[:, 0, 0] + mk[:, 1, 0], mk[:, 0, 1] + mk[:, 1, 1]
            sr, si = spec[:, start:start + w, :, 0], spec[:, start:start + w, :, 1]
            outs.append(torch.stack([mr * sr - mi * si, mr * si + mi * sr], -1))
            start += w
        return torch.cat(outs, 1)


# --- MusicGen ---

class MusicGenLayer(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h = h
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.sa = nn.MultiheadAttention(d, h, bias=False, batch_first=True)
        self.ca = nn.MultiheadAttention(d, h, bias=False, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d, bias=False), nn.GELU(), nn.Linear(4 * d, d, bias=False))

    def forward(self, x, causal, cond, cond_pad):
        y = self.n1(x)
        x = x + self.sa(y, y, y, attn_mask=causal, need_weights=False)[0]
        y = self.n2(x)
        x = x + self.ca(y, cond, cond, key_padding_mask=cond_pad, need_weights=False)[0]
        return x + self.ff(self.n3(x))


class MusicGen(nn.Module):
    def __init__(self, codebooks=4, card=128, d=64, layers=2, t5=48):
        super().__init__()
        self.emb = nn.ModuleList(nn.Embedding(card + 1, d) for _ in range(codebooks))  # + special token
        self.cond_proj = nn.Linear(t5, d)
        self.layers = nn.ModuleList(MusicGenLayer(d) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.heads = nn.ModuleList(nn.Linear(d, card, bias=False) for _ in range(codebooks))
        self.d = d

    def forward(self, codes, cond, cond_mask):  # codes [B, K, T] (delay pattern applied), cond [B, S, t5], mask [B, S]
        x = sum(self.emb[k](codes[:, k]) for k in range(codes.shape[1]))
        t = codes.shape[-1]
        half = self.d // 2
        adim = torch.arange(half).float().view(1, -1)
        phase = torch.arange(t).float().view(-1, 1) / (10000 ** (adim / (half - 1)))
        x = x + torch.cat([torch.cos(phase), torch.sin(phase)], -1)
        causal = torch.ones(t, t, dtype=torch.bool).triu(1)
        c = self.cond_proj(cond) * cond_mask[..., None]
        for layer in self.layers:
            x = layer(x, causal, c, cond_mask == 0)
        x = self.norm(x)
        return torch.stack([h(x) for h in self.heads], 1)  # [B, K, T, card]


def musicgen_inputs():
    g = torch.Generator().manual_seed(9)
    codes = torch.randint(0, 128, (2, 4, 12), generator=g)
    for k in range(4):  # delay pattern: codebook k starts k steps late with the special token
        codes[:, k, :k] = 128
    mask = torch.ones(2, 10, dtype=torch.long)
    mask[1, 7:] = 0
    return codes, torch.randn(2, 10, 48, generator=g), mask


MODELS = {
    'dccrn': lambda: (DCCRN().eval(), torch.randn(1, 8000, generator=torch.Generator().manual_seed(1)) * 0.1, {'names': ['wav'], 'outputs': ['enhanced'], 'opset': 14, 'symbolics': {'aten::atan2': atan2_symbolic}}),
    'sudormrf': lambda: (SuDORMRF().eval(), torch.randn(1, 1, 8000, generator=torch.Generator().manual_seed(2)) * 0.1, {'names': ['mixture'], 'outputs': ['sources'], 'opset': 14}),
    'rmvpe': lambda: (RMVPE().eval(), torch.randn(1, 128, 32, generator=torch.Generator().manual_seed(3)), {'names': ['mel'], 'outputs': ['salience', 'f0'], 'opset': 14}),
    'glow_tts_dec': lambda: (GlowTTSDecoder().eval(), glow_inputs(), {'names': ['z', 'z_mask'], 'outputs': ['mel'], 'opset': 14}),
    'bsrnn': lambda: (BSRNN().eval(), torch.randn(1, 129, 20, 2, generator=torch.Generator().manual_seed(4)), {'names': ['spec'], 'outputs': ['est'], 'opset': 14}),
    'musicgen': lambda: (MusicGen().eval(), musicgen_inputs(), {'names': ['codes', 'cond', 'cond_mask'], 'outputs': ['logits'], 'opset': 14}),
}
