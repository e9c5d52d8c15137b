"""Fifteenth sweep: speech / audio encoders, source separators, a sparse text encoder and a vision tower, as their
projects write them (random weights, small widths): data2vec-audio (conv feature encoder with channel LayerNorms, a
positional embedding of 5 grouped convs with affine-free LayerNorms, post-LN encoder), Conv-TasNet (asteroid: encoder
conv, TCN of dilated depthwise blocks with PReLU and global LayerNorm, skip sums, sigmoid masks, transposed-conv
decoder), DPRNN (Yi Luo's reference: 50 %-overlap segmentation and overlap-add by padding / reshapes, intra-chunk BiLSTM
and inter-chunk BiLSTM with global norms, tanh x sigmoid output gate), BS-RoFormer (lucidrains: band-split RMSNorm +
Linear per band, axial time / band transformers with interleaved rotary and per-head sigmoid gates, per-band MLP + GLU
mask estimators, complex mask multiply), RawNet2 (SincNet's sinc band-pass filters computed from learned edges,
max-pooled residual blocks with filter-wise feature map scaling, GRU), Squeezeformer (NeMo: depthwise 2-D conv
subsampling, Transformer-XL relative position attention with pos_bias_u / v and rel_shift, post-LN blocks with
learned scale / bias, time reduction by a strided depthwise conv and recovery by repeat_interleave + residual), SPLADE
(BERT MLM logits, log(1 + relu) masked, max over tokens) and Qwen2-VL's vision tower (Conv3d patch embedding of
flattened patches, 2-D rotary positions in 2 x 2 merge order, quick-GELU blocks, patch merger). Models in MODELS,
exported by sweep15_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep13_seq_lm import FMIN, RMSNorm, rotate_half


# --- data2vec-audio ---

class ChanLN(nn.Module):
    """A LayerNorm over the channels of [B, C, T] (transpose, norm, transpose back), as wav2vec2-style models write it."""
    def __init__(self, c, affine=True):
        super().__init__()
        self.ln = nn.LayerNorm(c, elementwise_affine=affine)

    def forward(self, x):
        return self.ln(x.transpose(-2, -1)).transpose(-2, -1)


class EncLayer(nn.Module):
    """Post-LN transformer encoder layer (wav2vec2 / BERT style), optional key padding bias."""
    def __init__(self, d, h, ff, act=F.gelu):
        super().__init__()
        self.h, self.hd, self.act = h, d // h, act
        self.q, self.k, self.v, self.o = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.ln1, self.ff1, self.ff2, self.ln2 = nn.LayerNorm(d), nn.Linear(d, ff), nn.Linear(ff, d), nn.LayerNorm(d)

    def forward(self, x, bias=None):
        b, t, _ = x.shape
        q = (self.q(x) * self.hd ** -0.5).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k(x).view(b, t, self.h, self.hd).transpose(1, 2)
        v = self.v(x).view(b, t, self.h, self.hd).transpose(1, 2)
        s = q @ k.transpose(2, 3)
        if bias is not None:
            s = s + bias
        a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, t, -1)
        x = self.ln1(x + self.o(a))
        return self.ln2(x + self.ff2(self.act(self.ff1(x))))


class Data2VecAudio(nn.Module):
    def __init__(self, c=32, d=64, h=4, layers=2, kernels=(10, 3, 3, 3, 3, 2, 2), strides=(5, 2, 2, 2, 2, 2, 2), pos_k=19, pos_layers=5):
        super().__init__()
        self.convs = nn.ModuleList(nn.Sequential(nn.Conv1d(1 if i == 0 else c, c, k, s), ChanLN(c), nn.GELU())
                                   for i, (k, s) in enumerate(zip(kernels, strides)))
        self.fp_ln, self.fp = nn.LayerNorm(c), nn.Linear(c, d)
        self.pos = nn.ModuleList(nn.Sequential(nn.Conv1d(d, d, pos_k, padding=pos_k // 2, groups=16), ChanLN(d, affine=False), nn.GELU())
                                 for _ in range(pos_layers))
        self.enc_ln = nn.LayerNorm(d)
        self.layers = nn.ModuleList(EncLayer(d, h, 4 * d) for _ in range(layers))

    def forward(self, input_values):
        x = input_values[:, None]
        for conv in self.convs:
            x = conv(x)
        x = self.fp(self.fp_ln(x.transpose(1, 2)))
        p = x.transpose(1, 2)
        for conv in self.pos:
            p = conv(p)
        x = self.enc_ln(x + p.transpose(1, 2))
        for layer in self.layers:
            x = layer(x)
        return x


# --- Conv-TasNet (asteroid) ---

class GLN(nn.Module):
    """Global layer norm: statistics over channels and time of [B, C, T]."""
    def __init__(self, c):
        super().__init__()
        self.gamma, self.beta = nn.Parameter(1 + 0.1 * torch.randn(1, c, 1)), nn.Parameter(0.1 * torch.randn(1, c, 1))

    def forward(self, x):
        mean = x.mean(dim=(1, 2), keepdim=True)
        var = ((x - mean) ** 2).mean(dim=(1, 2), keepdim=True)
        return self.gamma * (x - mean) / (var + 1e-8).sqrt() + self.beta


class TasBlock(nn.Module):
    def __init__(self, b, h, sc, p, dil):
        super().__init__()
        self.shared = nn.Sequential(nn.Conv1d(b, h, 1), nn.PReLU(), GLN(h), nn.Conv1d(h, h, p, padding=(p - 1) * dil // 2, dilation=dil, groups=h),
                                    nn.PReLU(), GLN(h))
        self.res, self.skip = nn.Conv1d(h, b, 1), nn.Conv1d(h, sc, 1)

    def forward(self, x):
        y = self.shared(x)
        return self.res(y), self.skip(y)


class ConvTasNet(nn.Module):
    def __init__(self, n=64, L=16, b=32, h=64, sc=32, p=3, x=4, r=2, n_src=2):
        super().__init__()
        self.n, self.n_src = n, n_src
        self.encoder = nn.Conv1d(1, n, L, stride=L // 2, bias=False)
        self.bottleneck = nn.Sequential(GLN(n), nn.Conv1d(n, b, 1))
        self.blocks = nn.ModuleList(TasBlock(b, h, sc, p, 2 ** i) for _ in range(r) for i in range(x))
        self.mask_net = nn.Sequential(nn.PReLU(), nn.Conv1d(sc, n_src * n, 1))
        self.decoder = nn.ConvTranspose1d(n, 1, L, stride=L // 2, bias=False)

    def forward(self, wav):
        w = F.relu(self.encoder(wav[:, None]))
        out = self.bottleneck(w)
        skip = 0.0
        for blk in self.blocks:
            res, s = blk(out)
            out, skip = out + res, skip + s
        m = torch.sigmoid(self.mask_net(skip)).view(w.shape[0], self.n_src, self.n, -1)
        masked = (m * w[:, None]).view(-1, self.n, w.shape[-1])
        return self.decoder(masked).view(wav.shape[0], self.n_src, -1)


# --- DPRNN (Yi Luo's reference segmentation / overlap-add) ---

def split_feature(x, seg):
    """[B, N, L] → [B, N, seg, K] 50 %-overlapping segments (zero-padded ends), as the reference's _Segmentation."""
    b, n, L = x.shape
    stride = seg // 2
    rest = seg - (stride + L % seg) % seg
    if rest > 0:
        x = torch.cat([x, torch.zeros(b, n, rest)], 2)
    x = torch.cat([torch.zeros(b, n, stride), x, torch.zeros(b, n, stride)], 2)
    s1 = x[:, :, :-stride].contiguous().view(b, n, -1, seg)
    s2 = x[:, :, stride:].contiguous().view(b, n, -1, seg)
    return torch.cat([s1, s2], 3).view(b, n, -1, seg).transpose(2, 3).contiguous(), rest


def merge_feature(x, rest):
    """[B, N, seg, K] → [B, N, L]: the reference's overlap-add by two strided views."""
    b, n, seg, _ = x.shape
    stride = seg // 2
    x = x.transpose(2, 3).contiguous().view(b, n, -1, seg * 2)
    x1 = x[:, :, :, :seg].contiguous().view(b, n, -1)[:, :, stride:]
    x2 = x[:, :, :, seg:].contiguous().view(b, n, -1)[:, :, :-stride]
    out = x1 + x2
    return out[:, :, :-rest] if rest > 0 else out


class DprnnBlock(nn.Module):
    def __init__(self, n, hid):
        super().__init__()
        self.intra, self.inter = nn.LSTM(n, hid, batch_first=True, bidirectional=True), nn.LSTM(n, hid, batch_first=True, bidirectional=True)
        self.intra_fc, self.inter_fc = nn.Linear(2 * hid, n), nn.Linear(2 * hid, n)
        self.intra_norm, self.inter_norm = nn.GroupNorm(1, n, eps=1e-8), nn.GroupNorm(1, n, eps=1e-8)

    def forward(self, x):
        b, n, seg, k = x.shape
        y = x.permute(0, 3, 2, 1).reshape(b * k, seg, n)
        y = self.intra_fc(self.intra(y)[0]).view(b, k, seg, n).permute(0, 3, 2, 1)
        x = x + self.intra_norm(y)
        y = x.permute(0, 2, 3, 1).reshape(b * seg, k, n)
        y = self.inter_fc(self.inter(y)[0]).view(b, seg, k, n).permute(0, 3, 1, 2)
        return x + self.inter_norm(y)


class Dprnn(nn.Module):
    def __init__(self, n=32, L=8, hid=32, seg=20, blocks=2, n_src=2):
        super().__init__()
        self.n, self.seg, self.n_src = n, seg, n_src
        self.encoder = nn.Conv1d(1, n, L, stride=L // 2, bias=False)
        self.bottleneck = nn.Sequential(nn.GroupNorm(1, n, eps=1e-8), nn.Conv1d(n, n, 1, bias=False))
        self.blocks = nn.ModuleList(DprnnBlock(n, hid) for _ in range(blocks))
        self.prelu, self.conv2d = nn.PReLU(), nn.Conv2d(n, n * n_src, 1)
        self.out, self.gate = nn.Conv1d(n, n, 1), nn.Conv1d(n, n, 1)
        self.decoder = nn.ConvTranspose1d(n, 1, L, stride=L // 2, bias=False)

    def forward(self, wav):
        w = F.relu(self.encoder(wav[:, None]))
        b, n, frames = w.shape
        x, rest = split_feature(self.bottleneck(w), self.seg)
        for blk in self.blocks:
            x = blk(x)
        x = self.conv2d(self.prelu(x))
        x = x.view(b * self.n_src, n, self.seg, -1)
        x = merge_feature(x, rest)
        m = F.relu(torch.tanh(self.out(x)) * torch.sigmoid(self.gate(x))).view(b, self.n_src, n, frames)
        return self.decoder((m * w[:, None]).view(-1, n, frames)).view(b, self.n_src, -1)


# --- BS-RoFormer (lucidrains): band split, axial rotary transformers with gates, per-band mask estimators ---

def rot_interleaved(x, cos, sin):
    """rotary_embedding_torch: pairs (2i, 2i + 1) rotated; cos / sin repeated per pair."""
    x1, x2 = x[..., 0::2], x[..., 1::2]
    rot = torch.stack([-x2, x1], dim=-1).reshape(x.shape)
    return x * cos + rot * sin


class GatedAttn(nn.Module):
    def __init__(self, d, h=4):
        super().__init__()
        self.h, self.hd = h, d // h
        self.norm, self.to_qkv, self.to_gates, self.to_out = RMSNorm(d), nn.Linear(d, 3 * d, bias=False), nn.Linear(d, h), nn.Linear(d, d, bias=False)

    def forward(self, x, cos, sin):
        b, n, d = x.shape
        x = self.norm(x)
        q, k, v = self.to_qkv(x).view(b, n, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)
        q, k = rot_interleaved(q, cos, sin), rot_interleaved(k, cos, sin)
        o = torch.softmax(q @ k.transpose(-1, -2) * self.hd ** -0.5, -1) @ v
        o = o * torch.sigmoid(self.to_gates(x)).transpose(1, 2)[..., None]
        return self.to_out(o.transpose(1, 2).reshape(b, n, d))


def rope_cs(n, hd):
    inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
    f = torch.arange(n).float()[:, None] * inv[None]
    f = torch.stack([f, f], -1).reshape(n, hd)
    return f.cos(), f.sin()


class BsRoformer(nn.Module):
    def __init__(self, bands=(4, 4, 4, 4, 8, 8, 9), d=64, depth=2, t=32):
        super().__init__()
        self.bands = bands
        self.split = nn.ModuleList(nn.Sequential(RMSNorm(2 * f), nn.Linear(2 * f, d)) for f in bands)
        self.layers = nn.ModuleList(nn.ModuleList([GatedAttn(d), nn.Sequential(RMSNorm(d), nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)),
                                                   GatedAttn(d), nn.Sequential(RMSNorm(d), nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))])
                                    for _ in range(depth))
        self.final_norm = RMSNorm(d)
        self.masks = nn.ModuleList(nn.Sequential(nn.Linear(d, 4 * d), nn.Tanh(), nn.Linear(4 * d, 2 * 2 * f), nn.GLU(-1)) for f in bands)
        ct, st = rope_cs(t, 16)
        cb, sb = rope_cs(len(bands), 16)
        self.register_buffer('ct', ct)
        self.register_buffer('st', st)
        self.register_buffer('cb', cb)
        self.register_buffer('sb', sb)

    def forward(self, stft_repr):
        # stft_repr [B, F, T, 2] (real, imag): 'b f t c -> b t (f c)'
        b, f, t, _ = stft_repr.shape
        x = stft_repr.permute(0, 2, 1, 3).reshape(b, t, f * 2)
        parts, i = [], 0
        for fb, mod in zip(self.bands, self.split):
            parts.append(mod(x[..., 2 * i: 2 * (i + fb)]))
            i += fb
        x = torch.stack(parts, dim=2)  # [B, T, bands, D]
        nb, d = x.shape[2], x.shape[3]
        for ta, tf, fa, ff in self.layers:
            y = x.permute(0, 2, 1, 3).reshape(b * nb, t, d)
            y = y + ta(y, self.ct, self.st)
            y = y + tf(y)
            x = y.view(b, nb, t, d).permute(0, 2, 1, 3).reshape(b * t, nb, d)
            x = x + fa(x, self.cb, self.sb)
            x = x + ff(x)
            x = x.view(b, t, nb, d)
        x = self.final_norm(x)
        mask = torch.cat([est(x[:, :, j]) for j, est in enumerate(self.masks)], dim=-1)  # [B, T, F * 2]
        mask = mask.view(b, t, f, 2).permute(0, 2, 1, 3)
        re = stft_repr[..., 0] * mask[..., 0] - stft_repr[..., 1] * mask[..., 1]
        im = stft_repr[..., 0] * mask[..., 1] + stft_repr[..., 1] * mask[..., 0]
        return torch.stack([re, im], dim=-1)


# --- RawNet2 with SincNet filters ---

class SincConv(nn.Module):
    """SincNet: band-pass filters from learned low / band edges (mel-initialised), Hamming window, computed in forward."""
    def __init__(self, out=20, k=129, sr=16000, min_low=50.0, min_band=50.0):
        super().__init__()
        self.k, self.sr, self.min_low, self.min_band = k, sr, min_low, min_band
        mel = torch.linspace(2595 * math.log10(1 + 30 / 700), 2595 * math.log10(1 + (sr / 2 - min_low - min_band) / 700), out + 1)
        hz = 700 * (10 ** (mel / 2595) - 1)
        self.low_hz_ = nn.Parameter(hz[:-1].view(-1, 1))
        self.band_hz_ = nn.Parameter(torch.diff(hz).view(-1, 1))
        n_lin = torch.linspace(0, (k / 2) - 1, steps=k // 2)
        self.register_buffer('window_', 0.54 - 0.46 * torch.cos(2 * math.pi * n_lin / k))
        self.register_buffer('n_', 2 * math.pi * torch.arange(-(k - 1) / 2.0, 0).view(1, -1) / sr)

    def forward(self, x):
        low = self.min_low + torch.abs(self.low_hz_)
        high = torch.clamp(low + self.min_band + torch.abs(self.band_hz_), self.min_low, self.sr / 2)
        band = (high - low)[:, 0]
        f_low, f_high = low @ self.n_, high @ self.n_
        left = ((torch.sin(f_high) - torch.sin(f_low)) / (self.n_ / 2)) * self.window_
        center = 2 * band.view(-1, 1)
        right = torch.flip(left, dims=[1])
        filt = torch.cat([left, center, right], dim=1) / (2 * band[:, None])
        return F.conv1d(x, filt.view(-1, 1, self.k))


class RawBlock(nn.Module):
    def __init__(self, i, o, first=False):
        super().__init__()
        self.first = first
        self.bn1, self.conv1 = (None if first else nn.BatchNorm1d(i)), nn.Conv1d(i, o, 3, padding=1)
        self.bn2, self.conv2 = nn.BatchNorm1d(o), nn.Conv1d(o, o, 3, padding=1)
        self.down = nn.Conv1d(i, o, 1) if i != o else None
        self.pool, self.fc = nn.MaxPool1d(3), nn.Linear(o, o)

    def forward(self, x):
        y = x if self.first else F.leaky_relu(self.bn1(x), 0.3)
        y = self.conv2(F.leaky_relu(self.bn2(self.conv1(y)), 0.3))
        y = self.pool(y + (self.down(x) if self.down is not None else x))
        s = torch.sigmoid(self.fc(y.mean(-1))).unsqueeze(-1)  # filter-wise feature map scaling
        return y * s + s


class RawNet2(nn.Module):
    def __init__(self):
        super().__init__()
        self.sinc, self.bn0 = SincConv(), nn.BatchNorm1d(20)
        self.blocks = nn.Sequential(RawBlock(20, 20, first=True), RawBlock(20, 20), RawBlock(20, 32), RawBlock(32, 32))
        self.bn_gru, self.gru = nn.BatchNorm1d(32), nn.GRU(32, 64, num_layers=2, batch_first=True)
        self.fc1, self.fc2 = nn.Linear(64, 64), nn.Linear(64, 2)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)

    def forward(self, wav):
        x = F.selu(self.bn0(F.max_pool1d(torch.abs(self.sinc(wav[:, None])), 3)))
        x = self.blocks(x)
        x = F.leaky_relu(self.bn_gru(x), 0.3).transpose(1, 2)
        x = self.gru(x)[0][:, -1]
        return self.fc2(self.fc1(x))


# --- Squeezeformer (NeMo) ---

class RelPosMHA(nn.Module):
    """Transformer-XL relative position attention (NeMo RelPositionMultiHeadAttention): pos_bias_u / v, rel_shift."""
    def __init__(self, d, h):
        super().__init__()
        self.h, self.hd = h, d // h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.pos = nn.Linear(d, d, bias=False)
        self.pos_bias_u, self.pos_bias_v = nn.Parameter(0.1 * torch.randn(h, self.hd)), nn.Parameter(0.1 * torch.randn(h, self.hd))

    @staticmethod
    def rel_shift(x):
        b, h, qlen, pos_len = x.shape
        x = F.pad(x, pad=(1, 0))
        x = x.view(b, h, -1, qlen)[:, :, 1:].view(b, h, qlen, pos_len)
        return x

    def forward(self, x, pos_emb):
        b, t, _ = x.shape
        q = self.q(x).view(b, t, self.h, self.hd)
        k = self.k(x).view(b, t, self.h, self.hd).transpose(1, 2)
        v = self.v(x).view(b, t, self.h, self.hd).transpose(1, 2)
        p = self.pos(pos_emb).view(1, -1, self.h, self.hd).transpose(1, 2)
        ac = (q + self.pos_bias_u).transpose(1, 2) @ k.transpose(-2, -1)
        bd = self.rel_shift((q + self.pos_bias_v).transpose(1, 2) @ p.transpose(-2, -1))[:, :, :, :t]
        a = torch.softmax((ac + bd) / math.sqrt(self.hd), -1) @ v
        return self.o(a.transpose(1, 2).reshape(b, t, -1))


class Scale(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.scale, self.bias = nn.Parameter(1 + 0.1 * torch.randn(d)), nn.Parameter(0.1 * torch.randn(d))

    def forward(self, x):
        return x * self.scale + self.bias


class SqueezeBlock(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.s_att, self.att, self.n_att = Scale(d), RelPosMHA(d, h), nn.LayerNorm(d)
        self.s_ff1, self.ff1, self.n_ff1 = Scale(d), nn.Sequential(nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, d)), nn.LayerNorm(d)
        self.s_conv, self.n_conv = Scale(d), nn.LayerNorm(d)
        self.pw1, self.dw, self.bn, self.pw2 = nn.Conv1d(d, 2 * d, 1), nn.Conv1d(d, d, 31, padding=15, groups=d), nn.BatchNorm1d(d), nn.Conv1d(d, d, 1)
        self.s_ff2, self.ff2, self.n_ff2 = Scale(d), nn.Sequential(nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, d)), nn.LayerNorm(d)
        self.bn.running_mean.normal_(0, 0.1)
        self.bn.running_var.uniform_(0.5, 1.5)

    def forward(self, x, pos):
        x = self.n_att(x + self.att(self.s_att(x), pos))
        x = self.n_ff1(x + self.ff1(self.s_ff1(x)))
        c = F.glu(self.pw1(self.s_conv(x).transpose(1, 2)), dim=1)
        c = self.pw2(F.silu(self.bn(self.dw(c)))).transpose(1, 2)
        x = self.n_conv(x + c)
        return self.n_ff2(x + self.ff2(self.s_ff2(x)))


def rel_pos_emb(t, d):
    """NeMo RelPositionalEncoding: positions t-1 .. -(t-1), sin / cos interleaved."""
    pos = torch.arange(t - 1, -t, -1).float().unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2).float() * -(math.log(10000.0) / d))
    pe = torch.zeros(2 * t - 1, d)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
    return pe.unsqueeze(0)


class Squeezeformer(nn.Module):
    def __init__(self, mel=80, d=64, h=4, layers=6, reduce_at=2, recover_at=5, t_in=128):
        super().__init__()
        self.reduce_at, self.recover_at = reduce_at, recover_at
        self.conv = nn.Sequential(nn.Conv2d(1, d, 3, 2, 1), nn.ReLU(), nn.Conv2d(d, d, 3, 2, 1, groups=d), nn.Conv2d(d, d, 1), nn.ReLU())
        self.out = nn.Linear(d * ((mel + 3) // 4), d)
        self.blocks = nn.ModuleList(SqueezeBlock(d, h) for _ in range(layers))
        self.reduce_dw, self.reduce_pw = nn.Conv1d(d, d, 5, stride=2, padding=2, groups=d), nn.Conv1d(d, d, 1)
        self.recover = nn.Linear(d, d)
        t = (t_in + 3) // 4
        self.register_buffer('pe', rel_pos_emb(t, d))
        self.register_buffer('pe_half', rel_pos_emb((t + 1) // 2, d))
        self.head = nn.Linear(d, 33)

    def forward(self, audio_signal):
        x = self.conv(audio_signal.transpose(1, 2)[:, None])  # [B, mel, T] → [B, 1, T, mel] → [B, D, T/4, mel/4]
        b, c, t, f = x.shape
        x = self.out(x.transpose(1, 2).reshape(b, t, c * f))
        pos, keep = self.pe, None
        for i, blk in enumerate(self.blocks):
            if i == self.reduce_at:
                keep = x
                x = self.reduce_pw(self.reduce_dw(x.transpose(1, 2))).transpose(1, 2)
                pos = self.pe_half
            if i == self.recover_at:
                x = self.recover(torch.repeat_interleave(x, 2, dim=1)[:, :t]) + keep
                pos = self.pe
            x = blk(x, pos)
        return torch.log_softmax(self.head(x), -1)


# --- SPLADE: MLM logits, log(1 + relu) under the mask, max over tokens ---

class Splade(nn.Module):
    def __init__(self, vocab=512, d=64, h=4, layers=2, max_pos=64):
        super().__init__()
        self.word, self.pos, self.token_type = nn.Embedding(vocab, d), nn.Embedding(max_pos, d), nn.Embedding(2, d)
        self.emb_ln = nn.LayerNorm(d)
        self.layers = nn.ModuleList(EncLayer(d, h, 4 * d) for _ in range(layers))
        self.transform, self.t_ln = nn.Linear(d, d), nn.LayerNorm(d)
        self.decoder_bias = nn.Parameter(0.1 * torch.randn(vocab))

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        x = self.emb_ln(self.word(input_ids) + self.pos(torch.arange(t))[None] + self.token_type.weight[0])
        bias = (1.0 - attention_mask[:, None, None, :].float()) * FMIN
        for layer in self.layers:
            x = layer(x, bias)
        logits = self.t_ln(F.gelu(self.transform(x))) @ self.word.weight.t() + self.decoder_bias
        values, _ = torch.max(torch.log1p(torch.relu(logits)) * attention_mask.unsqueeze(-1), dim=1)
        return values


def splade_inputs():
    mask = torch.ones(2, 12, dtype=torch.long)
    mask[1, 8:] = 0
    return torch.randint(3, 512, (2, 12)), mask


# --- Qwen2-VL vision tower ---

class Qwen2VlVision(nn.Module):
    def __init__(self, d=64, h=4, depth=2, patch=4, tp=2, merge=2, grid=(1, 8, 8), out=96):
        super().__init__()
        self.h, self.hd, self.patch, self.tp, self.merge, self.grid = h, d // h, patch, tp, merge, grid
        self.proj = nn.Conv3d(3, d, (tp, patch, patch), stride=(tp, patch, patch), bias=False)
        self.blocks = nn.ModuleList(nn.ModuleDict({'norm1': nn.LayerNorm(d, eps=1e-6), 'qkv': nn.Linear(d, 3 * d), 'proj': nn.Linear(d, d),
                                                   'norm2': nn.LayerNorm(d, eps=1e-6), 'fc1': nn.Linear(d, 4 * d), 'fc2': nn.Linear(4 * d, d)})
                                    for _ in range(depth))
        self.ln_q = nn.LayerNorm(d, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(d * merge * merge, d * merge * merge), nn.GELU(), nn.Linear(d * merge * merge, out))
        # rot_pos_emb: (h, w) ids in 2 x 2 merge order, each through a dim/4 frequency table; first half h, second w
        t, gh, gw = grid
        hpos = torch.arange(gh).unsqueeze(1).expand(-1, gw).reshape(gh // merge, merge, gw // merge, merge).permute(0, 2, 1, 3).flatten()
        wpos = torch.arange(gw).unsqueeze(0).expand(gh, -1).reshape(gh // merge, merge, gw // merge, merge).permute(0, 2, 1, 3).flatten()
        self.register_buffer('pos_ids', torch.stack([hpos, wpos], -1).repeat(t, 1))
        dim = self.hd // 2
        self.register_buffer('inv_freq', 1.0 / (10000 ** (torch.arange(0, dim, 2, dtype=torch.float) / dim)))

    def forward(self, pixel_values):
        x = pixel_values.view(-1, 3, self.tp, self.patch, self.patch)
        x = self.proj(x).view(-1, self.proj.out_channels)
        n = x.shape[0]
        table = torch.outer(torch.arange(max(self.grid[1:])).float(), self.inv_freq)
        freqs = table[self.pos_ids].flatten(1)  # [N, hd / 2]
        cos = freqs.cos().unsqueeze(1).repeat(1, 1, 2)
        sin = freqs.sin().unsqueeze(1).repeat(1, 1, 2)
        for B in self.blocks:
            hcur = B['norm1'](x)
            q, k, v = B['qkv'](hcur).reshape(n, 3, self.h, self.hd).permute(1, 0, 2, 3).unbind(0)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
            a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(self.hd), -1) @ v  # one image: cu_seqlens block = all
            x = x + B['proj'](a.transpose(0, 1).reshape(n, -1))
            f = B['fc1'](B['norm2'](x))
            x = x + B['fc2'](f * torch.sigmoid(1.702 * f))
        return self.mlp(self.ln_q(x).view(-1, x.shape[-1] * self.merge * self.merge))


MODELS = {
    'data2vec_audio': lambda: (Data2VecAudio().eval(), torch.randn(1, 4000), {'names': ['input_values'], 'outputs': ['last_hidden_state'], 'opset': 14,
                                                                             'dynamic': {'input_values': {0: 'batch', 1: 'samples'}}}),
    'conv_tasnet': lambda: (ConvTasNet().eval(), torch.randn(1, 8000), {'names': ['mixture'], 'outputs': ['sources'], 'opset': 13,
                                                                       'dynamic': {'mixture': {0: 'batch', 1: 'samples'}}}),
    'dprnn': lambda: (Dprnn().eval(), torch.randn(1, 4000), {'names': ['mixture'], 'outputs': ['sources'], 'opset': 13}),
    'bs_roformer': lambda: (BsRoformer().eval(), torch.randn(1, 41, 32, 2), {'names': ['stft_repr'], 'outputs': ['masked'], 'opset': 14}),
    'rawnet2_sinc': lambda: (RawNet2().eval(), torch.randn(1, 8000), {'names': ['wav'], 'outputs': ['logits'], 'opset': 13,
                                                                     'dynamic': {'wav': {0: 'batch'}}}),
    'squeezeformer': lambda: (Squeezeformer().eval(), torch.randn(1, 80, 128), {'names': ['audio_signal'], 'outputs': ['log_probs'], 'opset': 14}),
    'splade': lambda: (Splade().eval(), splade_inputs(), {'names': ['input_ids', 'attention_mask'], 'outputs': ['sparse'], 'opset': 14,
                                                          'dynamic': {'input_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'seq'}}}),
    'qwen2vl_vision': lambda: (Qwen2VlVision().eval(), torch.randn(64, 96), {'names': ['pixel_values'], 'outputs': ['image_embeds'], 'opset': 17}),
}
