"""Twenty-second sweep: speech and audio models not tried before, as their reference code writes them (random weights,
small widths): an FSQ audio codec (finite scalar quantization: bounded by tanh, rounded, codes as mixed-radix indices),
Mel-RoFormer (overlapping mel bands gathered from the spectrogram, axial RoPE transformers over time and bands, masks
scatter-added back and averaged per frequency), AASIST (spoofing detection: a raw-waveform encoder, spectral and
temporal graph attention with top-k graph pooling, a heterogeneous stacking graph layer with a master node) and
FreeV (a vocoder: the pseudo-inverse mel basis, ConvNeXt amplitude and phase branches, phase by atan2, iSTFT by
inverse-DFT matrices and overlap-add). Models in MODELS, exported by sweep22_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import RMSNorm  # noqa: E402


# --- FSQ codec (google-research FSQ, Mentzer et al. 2023; the quantizer of Stable Codec / SQ-Codec) ---

class FSQ(nn.Module):
    def __init__(self, levels=(8, 5, 5, 5)):
        super().__init__()
        lv = torch.tensor(levels).float()
        self.register_buffer('half_l', (lv - 1) * (1 + 1e-3) / 2)
        self.register_buffer('offset', torch.where(lv % 2 == 0, 0.5, 0.0))
        self.register_buffer('shift', torch.atanh(self.offset / self.half_l))
        self.register_buffer('half_w', torch.floor(lv / 2))
        basis = torch.cumprod(torch.tensor([1] + list(levels[:-1])), 0).float()
        self.register_buffer('basis', basis)

    def forward(self, z):  # [b, n, len(levels)]
        bounded = torch.tanh(z + self.shift) * self.half_l - self.offset
        zhat = torch.round(bounded) / self.half_w
        idx = ((zhat * self.half_w + self.half_w) * self.basis).sum(-1)
        return zhat, idx.long()


class FSQCodec(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv1d(1, c, 7, padding=3), nn.ELU(), nn.Conv1d(c, 2 * c, 8, 4, 2), nn.ELU(),
                                 nn.Conv1d(2 * c, 4 * c, 8, 4, 2), nn.ELU(), nn.Conv1d(4 * c, 4, 3, padding=1))
        self.fsq = FSQ()
        self.dec = nn.Sequential(nn.Conv1d(4, 4 * c, 3, padding=1), nn.ELU(), nn.ConvTranspose1d(4 * c, 2 * c, 8, 4, 2), nn.ELU(),
                                 nn.ConvTranspose1d(2 * c, c, 8, 4, 2), nn.ELU(), nn.Conv1d(c, 1, 7, padding=3), nn.Tanh())

    def forward(self, wav):
        zhat, codes = self.fsq(self.enc(wav).transpose(1, 2))
        return self.dec(zhat.transpose(1, 2)), codes


# --- Mel-RoFormer (lucidrains/BS-RoFormer mel_band_roformer.py: overlapping mel bands, axial transformers) ---

def mel_band_indices(n_freq=65, bands=8):
    edges = torch.linspace(0, n_freq - 1, bands + 2).round().long()
    idx = [torch.arange(int(edges[i]), int(edges[i + 2]) + 1) for i in range(bands)]  # each band overlaps the next
    return idx


class AxialBlock(nn.Module):
    def __init__(self, d, h=2):
        super().__init__()
        self.h, self.n1, self.n2 = h, RMSNorm(d), RMSNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):  # [B, n, d], rotary positions along n
        b, n, d = x.shape
        q, k, v = self.qkv(self.n1(x)).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        hd = d // self.h
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        f = torch.arange(n).float()[:, None] * inv[None]
        cos, sin = torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)
        rot = lambda t: t * cos + torch.cat([-t[..., hd // 2:], t[..., :hd // 2]], -1) * sin  # noqa: E731
        w = (rot(q) @ rot(k).transpose(-1, -2) / math.sqrt(hd)).softmax(-1)
        x = x + self.o((w @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.ff(self.n2(x))


class MelRoFormer(nn.Module):
    def __init__(self, n_freq=65, bands=8, d=32):
        super().__init__()
        self.bands = mel_band_indices(n_freq, bands)
        self.sizes = [len(i) for i in self.bands]
        self.register_buffer('freq_idx', torch.cat(self.bands))
        counts = torch.zeros(n_freq).index_add(0, self.freq_idx, torch.ones(len(self.freq_idx)))
        self.register_buffer('counts', counts)
        self.split = nn.ModuleList(nn.Sequential(RMSNorm(2 * s), nn.Linear(2 * s, d)) for s in self.sizes)
        self.time_tf, self.band_tf = nn.ModuleList(AxialBlock(d) for _ in range(2)), nn.ModuleList(AxialBlock(d) for _ in range(2))
        self.mask = nn.ModuleList(nn.Sequential(RMSNorm(d), nn.Linear(d, 4 * d), nn.Tanh(), nn.Linear(4 * d, 2 * 2 * s), nn.GLU(-1)) for s in self.sizes)
        self.n_freq = n_freq

    def forward(self, spec):  # [b, F, T, 2] (real, imag)
        b, fr, t, _ = spec.shape
        x = spec[:, self.freq_idx].permute(0, 2, 1, 3)  # [b, T, ΣF, 2]
        parts, o = [], 0
        for s, proj in zip(self.sizes, self.split):
            parts.append(proj(x[:, :, o:o + s].reshape(b, t, 2 * s)))
            o += s
        x = torch.stack(parts, 2)  # [b, T, bands, d]
        nb, d = x.shape[2], x.shape[3]
        for tt, bt in zip(self.time_tf, self.band_tf):
            x = tt(x.transpose(1, 2).reshape(b * nb, t, d)).view(b, nb, t, d).transpose(1, 2)
            x = bt(x.reshape(b * t, nb, d)).view(b, t, nb, d)
        masks = torch.cat([m(x[:, :, i]).view(b, t, s, 2) for i, (s, m) in enumerate(zip(self.sizes, self.mask))], 2)
        idx = self.freq_idx.view(1, 1, -1, 1).expand(b, t, -1, 2)
        summed = torch.zeros(b, t, fr, 2).scatter_add(2, idx, masks)
        m = (summed / self.counts[:, None]).transpose(1, 2)  # [b, F, T, 2]
        re = spec[..., 0] * m[..., 0] - spec[..., 1] * m[..., 1]
        im = spec[..., 0] * m[..., 1] + spec[..., 1] * m[..., 0]
        return torch.stack([re, im], -1)


# --- AASIST (clovaai/aasist models/AASIST.py: GAT layers, graph pooling, HS-GAL with a master node) ---

class GraphAttention(nn.Module):
    def __init__(self, i, o, temp=2.0):
        super().__init__()
        self.att_proj, self.att_w = nn.Linear(i, o), nn.Parameter(torch.randn(o, 1) * 0.3)
        self.with_att, self.without_att, self.bn, self.temp = nn.Linear(i, o), nn.Linear(i, o), nn.BatchNorm1d(o), temp

    def forward(self, x):  # [b, n, i]
        m = torch.tanh(self.att_proj(x[:, :, None] * x[:, None]))  # pairwise products
        att = torch.softmax(torch.matmul(m, self.att_w) / self.temp, dim=-2)  # [b, n, n, 1]
        y = self.with_att(torch.matmul(att.squeeze(-1), x)) + self.without_att(x)
        return F.selu(self.bn(y.transpose(1, 2)).transpose(1, 2))


class GraphPool(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.proj, self.k = nn.Linear(d, 1), k

    def forward(self, h):
        s = torch.sigmoid(self.proj(h))
        idx = s.squeeze(-1).topk(self.k, -1)[1]
        return torch.gather(h * s, 1, idx[..., None].expand(-1, -1, h.shape[-1]))


class HSGAL(nn.Module):
    """Heterogeneous stacking graph attention: type-specific attention for T-T, S-S and T-S pairs, a master node."""
    def __init__(self, i, o, temp=100.0):
        super().__init__()
        self.proj_t, self.proj_s = nn.Linear(i, i), nn.Linear(i, i)
        self.att_proj, self.att_proj_m = nn.Linear(i, o), nn.Linear(i, o)
        self.w11, self.w22, self.w12, self.wm = (nn.Parameter(torch.randn(o, 1) * 0.3) for _ in range(4))
        self.with_att, self.without_att = nn.Linear(i, o), nn.Linear(i, o)
        self.with_att_m, self.without_att_m = nn.Linear(i, o), nn.Linear(i, o)
        self.bn, self.temp = nn.BatchNorm1d(o), temp

    def forward(self, x1, x2, master):
        n1 = x1.shape[1]
        x = torch.cat([self.proj_t(x1), self.proj_s(x2)], 1)
        m = torch.tanh(self.att_proj(x[:, :, None] * x[:, None]))
        a11, a22, a12 = torch.matmul(m, self.w11), torch.matmul(m, self.w22), torch.matmul(m, self.w12)
        n = x.shape[1]
        r = torch.arange(n)
        t1 = (r < n1).float()
        same1, same2 = (t1[:, None] * t1[None])[None, :, :, None], ((1 - t1)[:, None] * (1 - t1)[None])[None, :, :, None]
        att = a11 * same1 + a22 * same2 + a12 * (1 - same1 - same2)
        att = torch.softmax(att / self.temp, dim=-2).squeeze(-1)
        am = torch.softmax(torch.matmul(torch.tanh(self.att_proj_m(x * master)), self.wm) / self.temp, dim=-2)
        master = self.with_att_m(torch.matmul(am.transpose(1, 2), x)) + self.without_att_m(master)
        y = self.with_att(torch.matmul(att, x)) + self.without_att(x)
        y = F.selu(self.bn(y.transpose(1, 2)).transpose(1, 2))
        return y[:, :n1], y[:, n1:], master


class ResBlock2d(nn.Module):
    def __init__(self, i, o, first=False):
        super().__init__()
        self.bn1 = nn.Identity() if first else nn.BatchNorm2d(i)
        self.conv1, self.bn2, self.conv2 = nn.Conv2d(i, o, (2, 3), padding=(1, 1)), nn.BatchNorm2d(o), nn.Conv2d(o, o, (2, 3), padding=(0, 1))
        self.down = nn.Conv2d(i, o, (1, 3), padding=(0, 1)) if i != o else nn.Identity()
        self.pool = nn.MaxPool2d((1, 3))

    def forward(self, x):
        y = self.conv2(F.selu(self.bn2(self.conv1(F.selu(self.bn1(x))))))
        return self.pool(y + self.down(x))


class AASIST(nn.Module):
    def __init__(self, filts=24, c=(8, 16), gd=16):
        super().__init__()
        self.sinc = nn.Conv1d(1, filts, 65, padding=32, bias=False)  # SincConv's band-pass filters, frozen
        self.bn0 = nn.BatchNorm2d(1)
        self.enc = nn.Sequential(ResBlock2d(1, c[0], True), ResBlock2d(c[0], c[1]), ResBlock2d(c[1], c[1]))
        self.pos_s = nn.Parameter(torch.randn(1, filts // 3, c[1]) * 0.1)
        self.gat_s, self.gat_t = GraphAttention(c[1], gd, 2.0), GraphAttention(c[1], gd, 2.0)
        self.pool_s, self.pool_t = GraphPool(gd, 4), GraphPool(gd, 6)
        self.master = nn.Parameter(torch.randn(1, 1, gd))
        self.hs1, self.hs2 = HSGAL(gd, gd), HSGAL(gd, gd)
        self.out = nn.Linear(5 * gd, 2)

    def forward(self, wav):  # [b, samples]
        x = torch.abs(self.sinc(wav[:, None]))[:, None]  # [b, 1, filts, T]
        x = F.selu(self.bn0(F.max_pool2d(x, 3)))
        e = self.enc(x)  # [b, C, F', T']
        es = torch.max(torch.abs(e), dim=3)[0].transpose(1, 2) + self.pos_s  # spectral nodes
        et = torch.max(torch.abs(e), dim=2)[0].transpose(1, 2)  # temporal nodes
        gs, gt = self.pool_s(self.gat_s(es)), self.pool_t(self.gat_t(et))
        m = self.master.expand(wav.shape[0], -1, -1)
        t1, s1, m1 = self.hs1(gt, gs, m)
        t2, s2, m2 = self.hs2(gt, gs, m)
        t, s, m = torch.max(t1, t2), torch.max(s1, s2), torch.max(m1, m2)
        feat = torch.cat([t.abs().max(1)[0], t.mean(1), s.abs().max(1)[0], s.mean(1), m.squeeze(1)], 1)
        return self.out(feat)


# --- FreeV (BakerBunker/FreeV: pseudo-inverse mel, ConvNeXt amplitude / phase spectra, atan2, iSTFT) ---

class ConvNeXt1d(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dw, self.norm = nn.Conv1d(d, d, 7, padding=3, groups=d), nn.LayerNorm(d)
        self.pw1, self.pw2, self.gamma = nn.Linear(d, 3 * d), nn.Linear(3 * d, d), nn.Parameter(torch.full((d,), 0.1))

    def forward(self, x):
        y = self.norm(self.dw(x).transpose(1, 2))
        return x + (self.gamma * self.pw2(F.gelu(self.pw1(y)))).transpose(1, 2)


class FreeV(nn.Module):
    def __init__(self, mels=32, n_fft=64, hop=16, d=48):
        super().__init__()
        nf = n_fft // 2 + 1
        fb = torch.relu(1 - torch.abs(torch.arange(nf).float()[None] - torch.linspace(0, nf - 1, mels)[:, None]) / 2.5)
        self.register_buffer('inv_mel', torch.linalg.pinv(fb))  # [F, mels]
        self.amp_in, self.amp_out = nn.Conv1d(nf, d, 7, padding=3), nn.Conv1d(d, nf, 7, padding=3)
        self.pha_in = nn.Conv1d(mels, d, 7, padding=3)
        self.pha_r, self.pha_i = nn.Conv1d(d, nf, 7, padding=3), nn.Conv1d(d, nf, 7, padding=3)
        self.amp_blocks, self.pha_blocks = nn.Sequential(*(ConvNeXt1d(d) for _ in range(2))), nn.Sequential(*(ConvNeXt1d(d) for _ in range(2)))
        n, k = torch.arange(n_fft).float(), torch.arange(nf).float()
        ang = 2 * math.pi * n[:, None] * k[None] / n_fft
        scale = torch.full((nf,), 2.0)
        scale[0] = scale[-1] = 1.0
        win = torch.hann_window(n_fft)
        self.register_buffer('cos_b', (torch.cos(ang) * scale / n_fft * win[:, None]))  # [n_fft, F]
        self.register_buffer('sin_b', (-torch.sin(ang) * scale / n_fft * win[:, None]))
        env = F.conv_transpose1d(torch.ones(1, 1, 40), (win ** 2).view(1, 1, -1), stride=hop)
        self.register_buffer('ola', torch.eye(n_fft)[:, None])  # overlap-add as a strided transposed conv
        self.register_buffer('env', env.clamp(min=1e-8))
        self.hop, self.n_fft = hop, n_fft

    def forward(self, mel):  # [b, mels, T] log-mel
        lin = torch.log(torch.clamp(torch.matmul(self.inv_mel, torch.exp(mel)), min=1e-5))
        logamp = lin + self.amp_out(self.amp_blocks(self.amp_in(lin)))
        h = self.pha_blocks(self.pha_in(mel))
        pha = torch.atan2(self.pha_i(h), self.pha_r(h))
        amp = torch.exp(logamp)
        re, im = (amp * torch.cos(pha)).transpose(1, 2), (amp * torch.sin(pha)).transpose(1, 2)  # [b, T, F]
        frames = (torch.matmul(re, self.cos_b.t()) + torch.matmul(im, self.sin_b.t())).transpose(1, 2)  # [b, n_fft, T]
        wav = F.conv_transpose1d(frames, self.ola, stride=self.hop)
        t = mel.shape[-1]
        return (wav / self.env[..., :wav.shape[-1]])[:, 0, self.n_fft // 2: self.n_fft // 2 + (t - 1) * self.hop], logamp, pha


def atan2_symbolic(g, y, x):
    """torch 2's opset-9 export of aten::atan2 (torch 1.13 has none): Atan(y / x), moved by ±π where x < 0."""
    atan = g.op('Atan', g.op('Div', y, x))
    zero, pi = g.op('Constant', value_t=torch.tensor(0.0)), g.op('Constant', value_t=torch.tensor(math.pi))
    upper = g.op('Where', g.op('Greater', y, zero), g.op('Add', atan, pi), g.op('Sub', atan, pi))
    return g.op('Where', g.op('Less', x, zero), upper, atan)


MODELS = {
    'fsq_codec': lambda: (FSQCodec().eval(), torch.randn(1, 1, 2048) * 0.3, {'names': ['audio'], 'outputs': ['reconstruction', 'codes'], 'opset': 14}),
    'mel_roformer': lambda: (MelRoFormer().eval(), torch.randn(1, 65, 24, 2), {'names': ['spec'], 'outputs': ['separated'], 'opset': 16}),
    'aasist': lambda: (AASIST().eval(), torch.randn(1, 4000) * 0.1, {'names': ['waveform'], 'outputs': ['logits'], 'opset': 14}),
    'freev': lambda: (FreeV().eval(), torch.randn(1, 32, 40) * 0.5 - 2, {'names': ['mel'], 'outputs': ['audio', 'log_amplitude', 'phase'], 'opset': 14, 'symbolics': {'aten::atan2': atan2_symbolic}}),
}
