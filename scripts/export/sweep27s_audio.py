#!/usr/bin/env python3
"""Twenty-seventh sweep (sequence), audio families (imported by sweep27s_lm.py, which exports them): CosyVoice2's causal
flow-matching decoder sampled by a scripted Euler loop with classifier-free guidance, a BigCodec codec (cosine
nearest code of a factorized VQ), MP-SENet (magnitude mask and atan2 phase), a SimAM-ResNet speaker embedding, a TENet
keyword spotter (multi-branch temporal convs), Beat This! (partial frequency / time transformers), a streaming
Sortformer diarization step (arrival-ordered speaker cache kept by per-speaker top-k) and a cache-aware streaming
FastConformer step (attention and depthwise-conv caches in / out) — random weights, small widths."""
import math

import torch
from torch import nn, Tensor
import torch.nn.functional as F

from sweep11_seq_cf import _script
from sweep18_seq_audio import atan2_symbolic
from sweep20_seq_lm import rope


# --- CosyVoice2 flow decoder (causal conditional U-Net-1D estimator, chunk-masked attention), Euler steps on the
# cosine schedule in a scripted loop, classifier-free guidance on a doubled batch ---

class CausalBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv, self.norm = nn.Conv1d(cin, cout, 3), nn.LayerNorm(cout)

    def forward(self, x: Tensor) -> Tensor:
        y = self.conv(F.pad(x, (2, 0)))
        return F.mish(self.norm(y.transpose(1, 2)).transpose(1, 2))


class CausalResnet(nn.Module):
    def __init__(self, cin: int, cout: int, temb: int):
        super().__init__()
        self.b1, self.b2 = CausalBlock(cin, cout), CausalBlock(cout, cout)
        self.t, self.res = nn.Linear(temb, cout), nn.Conv1d(cin, cout, 1)

    def forward(self, x: Tensor, t: Tensor) -> Tensor:
        h = self.b1(x) + self.t(F.mish(t))[:, :, None]
        return self.b2(h) + self.res(x)


class ChunkAttention(nn.Module):
    def __init__(self, d: int, h: int, chunk: int):
        super().__init__()
        self.h, self.hd, self.chunk = h, d // h, chunk
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ff1, self.ff2 = nn.Linear(d, 2 * d), nn.Linear(2 * d, d)

    def forward(self, x: Tensor) -> Tensor:  # [b, c, n]
        b, d, n = x.shape
        y = x.transpose(1, 2)
        qkv = self.qkv(self.n1(y)).reshape(b, n, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        i = torch.arange(n)
        seen = i[None] < (torch.div(i, self.chunk, rounding_mode='floor')[:, None] + 1) * self.chunk
        s = q @ k.transpose(-1, -2) / math.sqrt(self.hd)
        s = torch.where(seen[None, None], s, torch.full_like(s, -1e9))
        y = y + self.o((s.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d))
        y = y + self.ff2(F.gelu(self.ff1(self.n2(y))))
        return y.transpose(1, 2)


class FlowEstimator(nn.Module):
    def __init__(self, mels: int = 32, d: int = 64):
        super().__init__()
        self.half = 16
        self.t1, self.t2 = nn.Linear(32, d), nn.Linear(d, d)
        self.r1, self.att, self.r2 = CausalResnet(4 * mels, d, d), ChunkAttention(d, 2, 4), CausalResnet(d, d, d)
        self.out = nn.Conv1d(d, mels, 1)

    def forward(self, x: Tensor, mu: Tensor, t: Tensor, spks: Tensor, cond: Tensor) -> Tensor:
        f = torch.exp(torch.arange(self.half) * (-math.log(10000.0) / (self.half - 1)))
        a = 1000.0 * t[:, None] * f[None]
        temb = self.t2(F.silu(self.t1(torch.cat([a.sin(), a.cos()], -1))))
        h = torch.cat([x, mu, spks[:, :, None].expand(-1, -1, x.shape[2]), cond], 1)
        h = self.r2(self.att(self.r1(h, temb)), temb)
        return self.out(h)


class CosyFlowSampler(nn.Module):
    def __init__(self, mels: int = 32):
        super().__init__()
        self.est, self.cfg = FlowEstimator(mels), 0.7

    def forward(self, noise: Tensor, mu: Tensor, spks: Tensor, cond: Tensor, n_steps: Tensor) -> Tensor:
        steps = int(n_steps[0])
        x = noise
        zmu, zspk, zcond = torch.zeros_like(mu), torch.zeros_like(spks), torch.zeros_like(cond)
        for i in range(steps):
            t0 = 1.0 - torch.cos(torch.full([1], float(i) / float(steps)) * (math.pi / 2))
            t1 = 1.0 - torch.cos(torch.full([1], float(i + 1) / float(steps)) * (math.pi / 2))
            v = self.est(torch.cat([x, x]), torch.cat([mu, zmu]), torch.cat([t0, t0]), torch.cat([spks, zspk]),
                         torch.cat([cond, zcond]))
            v = (1.0 + self.cfg) * v[:1] - self.cfg * v[1:]
            x = x + (t1 - t0) * v
        return x


# --- BigCodec (Xin et al. 2024): Snake conv encoder + LSTM, a factorized VQ (8-d, l2-normalised codes, nearest by
# cosine), LSTM + transposed-conv Snake decoder ---

class Snake(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.alpha = nn.Parameter(1 + 0.1 * torch.randn(1, c, 1))

    def forward(self, x):
        return x + (self.alpha + 1e-9).reciprocal() * torch.sin(self.alpha * x).pow(2)


class ResUnit(nn.Module):
    def __init__(self, c, dil):
        super().__init__()
        self.b = nn.Sequential(Snake(c), nn.Conv1d(c, c, 7, dilation=dil, padding=3 * dil), Snake(c), nn.Conv1d(c, c, 1))

    def forward(self, x):
        return x + self.b(x)


class BigCodec(nn.Module):
    def __init__(self, ch=8, strides=(2, 4, 5), d=64, codes=512, cd=8):
        super().__init__()
        enc, c = [nn.Conv1d(1, ch, 7, padding=3)], ch
        for s in strides:
            enc += [ResUnit(c, 1), ResUnit(c, 3), Snake(c), nn.Conv1d(c, 2 * c, 2 * s, stride=s, padding=math.ceil(s / 2))]
            c *= 2
        enc += [Snake(c), nn.Conv1d(c, d, 3, padding=1)]
        self.enc, self.elstm, self.dlstm = nn.Sequential(*enc), nn.LSTM(d, d, 2, batch_first=True), nn.LSTM(d, d, 2, batch_first=True)
        self.inp, self.outp = nn.Linear(d, cd), nn.Linear(cd, d)
        self.codebook = nn.Parameter(torch.randn(codes, cd))
        dec, c = [nn.Conv1d(d, 8 * ch, 7, padding=3)], 8 * ch
        for s in reversed(strides):
            dec += [Snake(c), nn.ConvTranspose1d(c, c // 2, 2 * s, stride=s, padding=math.ceil(s / 2), output_padding=s % 2),
                    ResUnit(c // 2, 1), ResUnit(c // 2, 3)]
            c //= 2
        dec += [Snake(c), nn.Conv1d(c, 1, 7, padding=3), nn.Tanh()]
        self.dec = nn.Sequential(*dec)

    def forward(self, wav):  # [1, 1, 1600]
        h = self.enc(wav).transpose(1, 2)                                       # [1, 40, d]
        h = h + self.elstm(h)[0]
        z = F.normalize(self.inp(h), dim=-1)
        code = (z @ F.normalize(self.codebook, dim=-1).t()).argmax(-1)          # [1, 40]
        q = self.outp(F.embedding(code, self.codebook))
        q = q + self.dlstm(q)[0]
        return self.dec(q.transpose(1, 2)), code


# --- MP-SENet (Lu et al. 2023): compressed magnitude + phase, dense encoder, time / frequency conformers, magnitude
# mask by a learnable per-bin sigmoid, phase by atan2 of two convs ---

def in_prelu(c):
    return nn.Sequential(nn.InstanceNorm2d(c, affine=True), nn.PReLU(c))


class DenseBlock(nn.Module):
    def __init__(self, c, depth=2):
        super().__init__()
        self.layers = nn.ModuleList(nn.Sequential(nn.Conv2d(c * (i + 1), c, (3, 3), dilation=(2 ** i, 1), padding=(2 ** i, 1)),
                                                  in_prelu(c)) for i in range(depth))

    def forward(self, x):
        skip = x
        for layer in self.layers:
            x = layer(skip)
            skip = torch.cat([x, skip], 1)
        return x


class Conformer(nn.Module):
    def __init__(self, d, h=4, k=7):
        super().__init__()
        ff = lambda: nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.SiLU(), nn.Linear(2 * d, d))  # noqa: E731
        self.ff1, self.ff2, self.na, self.nc, self.nout = ff(), ff(), nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.att = nn.MultiheadAttention(d, h, batch_first=True)
        self.pw1, self.dw = nn.Conv1d(d, 2 * d, 1), nn.Conv1d(d, d, k, padding=k // 2, groups=d)
        self.bn, self.pw2 = nn.BatchNorm1d(d), nn.Conv1d(d, d, 1)

    def forward(self, x):  # [b, n, d]
        x = x + 0.5 * self.ff1(x)
        y = self.na(x)
        x = x + self.att(y, y, y, need_weights=False)[0]
        y = F.glu(self.pw1(self.nc(x).transpose(1, 2)), dim=1)
        x = x + self.pw2(F.silu(self.bn(self.dw(y)))).transpose(1, 2)
        return self.nout(x + 0.5 * self.ff2(x))


class MPSENet(nn.Module):
    def __init__(self, c=16, bins=65):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(2, c, 1), in_prelu(c), DenseBlock(c), nn.Conv2d(c, c, (1, 3), stride=(1, 2)), in_prelu(c))
        self.tc, self.fc = nn.ModuleList(Conformer(c) for _ in range(2)), nn.ModuleList(Conformer(c) for _ in range(2))
        self.mdec = nn.Sequential(DenseBlock(c), nn.ConvTranspose2d(c, c, (1, 3), stride=(1, 2)), nn.Conv2d(c, 1, 1),
                                  in_prelu(1), nn.Conv2d(1, 1, 1))
        self.pdec = nn.Sequential(DenseBlock(c), nn.ConvTranspose2d(c, c, (1, 3), stride=(1, 2)), in_prelu(c))
        self.pr, self.pi = nn.Conv2d(c, 1, 1), nn.Conv2d(c, 1, 1)
        self.slope = nn.Parameter(torch.ones(bins) + 0.2 * torch.randn(bins))

    def forward(self, mag, pha):  # [b, F, T] each (compressed magnitude, phase)
        x = self.enc(torch.stack([mag, pha], 1).transpose(2, 3))                # [b, c, T, F']
        b, c, t, f = x.shape
        for tc, fc in zip(self.tc, self.fc):
            x = x.permute(0, 3, 2, 1).reshape(b * f, t, c)
            x = x + tc(x)
            x = x.reshape(b, f, t, c).permute(0, 2, 1, 3).reshape(b * t, f, c)
            x = x + fc(x)
            x = x.reshape(b, t, f, c).permute(0, 3, 1, 2)
        mask = 2.0 * torch.sigmoid(self.slope * self.mdec(x))                   # β = 2, slope per bin
        p = self.pdec(x)
        phase = torch.atan2(self.pi(p), self.pr(p))
        dmag, dpha = (mask * mag.transpose(1, 2)[:, None])[:, 0].transpose(1, 2), phase[:, 0].transpose(1, 2)
        return dmag, dpha, torch.stack([dmag * torch.cos(dpha), dmag * torch.sin(dpha)], -1)


# --- SimAM-ResNet (WeSpeaker): residual blocks with the parameter-free SimAM energy attention, statistics pooling ---

class SimAM(nn.Module):
    def forward(self, x, lam=1e-4):
        n = x.shape[2] * x.shape[3] - 1
        d = (x - x.mean(dim=[2, 3], keepdim=True)).pow(2)
        v = d.sum(dim=[2, 3], keepdim=True) / n
        return x * torch.sigmoid(d / (4 * (v + lam)) + 0.5)


class SimAMBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.sim = SimAM()
        self.short = nn.Sequential() if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.sim(self.b2(self.c2(F.relu(self.b1(self.c1(x))))))
        return F.relu(y + self.short(x))


class SimAMResNet(nn.Module):
    def __init__(self, feat=40, emb=128, chans=(16, 32, 64, 128)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, chans[0], 3, 1, 1, bias=False), nn.BatchNorm2d(chans[0]), nn.ReLU())
        blocks, c = [], chans[0]
        for i, co in enumerate(chans):
            blocks += [SimAMBlock(c, co, 1 if i == 0 else 2), SimAMBlock(co, co, 1)]
            c = co
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(2 * c * (feat // 8), emb)

    def forward(self, fbank):  # [b, T, F]
        x = self.blocks(self.stem(fbank.transpose(1, 2)[:, None]))              # [b, C, F/8, T/8]
        x = x.flatten(1, 2)
        mean = x.mean(-1)
        std = torch.sqrt(x.var(-1, unbiased=True) + 1e-7)
        return self.fc(torch.cat([mean, std], -1))


# --- TENet (Li et al. 2020): MFCC channels × time, inverted bottlenecks whose depthwise conv is a multi-branch
# temporal conv (9 / 7 / 5 / 3 × 1 branches with their own BatchNorms, summed: MTConv before re-parameterising) ---

class MTConv(nn.Module):
    def __init__(self, c, stride):
        super().__init__()
        self.br = nn.ModuleList(nn.Sequential(nn.Conv2d(c, c, (k, 1), (stride, 1), (k // 2, 0), groups=c, bias=False),
                                              nn.BatchNorm2d(c)) for k in (9, 7, 5, 3))

    def forward(self, x):
        return sum(b(x) for b in self.br)


class IBB(nn.Module):
    def __init__(self, cin, cout, stride, ratio=3):
        super().__init__()
        m = cin * ratio
        self.ex = nn.Sequential(nn.Conv2d(cin, m, 1, bias=False), nn.BatchNorm2d(m), nn.ReLU())
        self.dw, self.pr = MTConv(m, stride), nn.Sequential(nn.Conv2d(m, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.short = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, (stride, 1), bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        y = self.pr(F.relu(self.dw(self.ex(x))))
        return F.relu(y + (x if self.short is None else self.short(x)))


class TENet(nn.Module):
    def __init__(self, mfcc=40, c=32, classes=12):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(mfcc, c, (3, 1), padding=(1, 0), bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.blocks = nn.Sequential(*[IBB(c, c, 2 if j == 0 else 1) for _ in range(3) for j in range(2)])
        self.fc = nn.Linear(c, classes)

    def forward(self, mfcc):  # [b, 40, T]
        x = self.blocks(self.stem(mfcc[..., None]))                             # [b, c, T', 1]
        return self.fc(x.mean([2, 3]))


# --- Beat This! (Foscarin et al. 2024): conv stem over mel bins, partial transformers along frequency then time
# with RoPE, frequency halved by strided convs, a time transformer, beat / downbeat heads (beat = beat + downbeat) ---

class RoPEBlock(nn.Module):
    def __init__(self, d, h=2):
        super().__init__()
        self.h = h
        self.n1, self.n2, self.qkv, self.o = nn.LayerNorm(d), nn.LayerNorm(d), nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):  # [b, n, d]
        b, n, d = x.shape
        q, k, v = self.qkv(self.n1(x)).reshape(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        pos = torch.arange(n)
        a = (rope(q, pos) @ rope(k, pos).transpose(-1, -2) / math.sqrt(d // self.h)).softmax(-1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(b, n, d))
        return x + self.ff(self.n2(x))


class BeatThis(nn.Module):
    def __init__(self, mels=64, c=16, d=64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, c, (4, 3), (4, 1), (0, 1)), nn.BatchNorm2d(c), nn.GELU())
        self.fblk, self.tblk, self.down = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        f = mels // 4
        for _ in range(3):
            self.fblk.append(RoPEBlock(c))
            self.tblk.append(RoPEBlock(c))
            self.down.append(nn.Sequential(nn.Conv2d(c, 2 * c, (2, 3), (2, 1), (0, 1)), nn.BatchNorm2d(2 * c), nn.GELU()))
            c, f = 2 * c, f // 2
        self.proj, self.blocks, self.head = nn.Linear(c * f, d), nn.Sequential(RoPEBlock(d), RoPEBlock(d)), nn.Linear(d, 2)

    def forward(self, mel):  # [b, T, F]
        x = self.stem(mel.transpose(1, 2)[:, None])                             # [b, c, f, T]
        for fb, tb, down in zip(self.fblk, self.tblk, self.down):
            b, c, f, t = x.shape
            y = fb(x.permute(0, 3, 2, 1).reshape(b * t, f, c))                  # along frequency
            y = y.reshape(b, t, f, c).permute(0, 2, 1, 3).reshape(b * f, t, c)
            y = tb(y)                                                           # along time
            x = down(y.reshape(b, f, t, c).permute(0, 3, 1, 2))
        b, c, f, t = x.shape
        y = self.head(self.blocks(self.proj(x.permute(0, 3, 1, 2).reshape(b, t, c * f))))
        return y[..., 0] + y[..., 1], y[..., 1]


# --- streaming Sortformer step (NVIDIA 2025): [speaker cache, FIFO, chunk] through a transformer, 4 sigmoid speaker
# tracks; the FIFO's popped frames and the cache compressed back to 16 frames, 4 per speaker by top-k of the frame's
# "only this speaker" score (frames taken masked out), kept in arrival order ---

class SortformerStep(nn.Module):
    def __init__(self, d=32, spk=4, cache=16):
        super().__init__()
        self.spk, self.cache = spk, cache
        layer = nn.TransformerEncoderLayer(d, 4, 2 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.enc, self.out = nn.TransformerEncoder(layer, 2), nn.Linear(d, spk)

    def forward(self, chunk, spk_cache, fifo):  # [1, 8, d], [1, 16, d], [1, 8, d]
        x = torch.cat([spk_cache, fifo, chunk], 1)
        p = torch.sigmoid(self.out(self.enc(x)))[0]                             # [32, spk]
        n_old = spk_cache.shape[1] + fifo.shape[1]
        lp, l1 = torch.log(p[:n_old] + 1e-6), torch.log(1 - p[:n_old] + 1e-6)
        score = (lp - l1 + l1.sum(-1, keepdim=True)).t()                        # [spk, 24]
        per = self.cache // self.spk
        taken = torch.zeros(n_old)
        picks = []
        for s in range(self.spk):
            idx = (score[s] - 1e4 * taken).topk(per).indices
            picks.append(idx)
            taken = taken.scatter(0, idx, torch.ones(per))
        order = torch.sort(torch.cat(picks)).values
        old = torch.cat([spk_cache, fifo], 1)[0]
        return p[n_old:][None], old[order][None], chunk


# --- cache-aware streaming FastConformer step (NeMo): each layer's attention sees its last 8 input frames (cached) and
# the chunk; its depthwise conv reads the last 6 frames (cached); caches out, CTC log-probabilities ---

class CacheConformer(nn.Module):
    def __init__(self, d=64, h=4, k=7):
        super().__init__()
        self.h = h
        ff = lambda: nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.SiLU(), nn.Linear(2 * d, d))  # noqa: E731
        self.ff1, self.ff2, self.na, self.nc, self.nout = ff(), ff(), nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.kv, self.o = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)
        self.pw1, self.dw = nn.Conv1d(d, 2 * d, 1), nn.Conv1d(d, d, k, groups=d)
        self.bn, self.pw2 = nn.BatchNorm1d(d), nn.Conv1d(d, d, 1)

    def forward(self, x, c_ch, c_t):  # [1, n, d], [1, 8, d], [1, d, 6]
        b, n, d = x.shape
        x = x + 0.5 * self.ff1(x)
        y = self.na(x)
        ctx = torch.cat([c_ch, y], 1)
        q = self.q(y).reshape(b, n, self.h, -1).transpose(1, 2)
        k, v = [t.reshape(b, -1, self.h, d // self.h).transpose(1, 2) for t in self.kv(ctx).chunk(2, -1)]
        a = (q @ k.transpose(-1, -2) / math.sqrt(d // self.h)).softmax(-1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(b, n, d))
        y = F.glu(self.pw1(self.nc(x).transpose(1, 2)), dim=1)
        ycat = torch.cat([c_t, y], 2)
        x = x + self.pw2(F.silu(self.bn(self.dw(ycat)))).transpose(1, 2)
        return self.nout(x + 0.5 * self.ff2(x)), ctx[:, -c_ch.shape[1]:], ycat[:, :, -c_t.shape[2]:]


class CacheAwareStep(nn.Module):
    def __init__(self, feat=80, d=64, layers=2, vocab=33):
        super().__init__()
        self.sub = nn.Sequential(nn.Conv2d(1, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 8, 3, 2, 1, groups=8), nn.Conv2d(8, 8, 1), nn.ReLU())
        self.lin, self.layers, self.ctc = nn.Linear(8 * feat // 4, d), nn.ModuleList(CacheConformer(d) for _ in range(layers)), nn.Linear(d, vocab)

    def forward(self, feats, cache_ch, cache_t):  # [1, 16, 80], [L, 1, 8, d], [L, 1, d, 6]
        x = self.sub(feats[:, None])                                            # [1, 8, 4, 20]
        b, c, t, f = x.shape
        x = self.lin(x.transpose(1, 2).reshape(b, t, c * f))
        chs, ts = [], []
        for i, layer in enumerate(self.layers):
            x, a, c2 = layer(x, cache_ch[i], cache_t[i])
            chs.append(a)
            ts.append(c2)
        return self.ctc(x).log_softmax(-1), torch.stack(chs), torch.stack(ts)


MODELS = {
    'cosyvoice2_flow_script': lambda: (_script(CosyFlowSampler()), (torch.randn(1, 32, 16), torch.randn(1, 32, 16),
                                       torch.randn(1, 32), torch.randn(1, 32, 16), torch.tensor([4])),
                                       {'names': ['noise', 'mu', 'spks', 'cond', 'n_steps'], 'outputs': ['mel'], 'opset': 14}),
    'bigcodec': lambda: (BigCodec().eval(), torch.randn(1, 1, 1600) * 0.3,
                         {'names': ['wav'], 'outputs': ['recon', 'codes'], 'opset': 14}),
    'mp_senet': lambda: (MPSENet().eval(), (torch.rand(1, 65, 24), (torch.rand(1, 65, 24) * 2 - 1) * math.pi),
                         {'names': ['mag', 'pha'], 'outputs': ['mag_out', 'pha_out', 'com_out'], 'opset': 14,
                          'symbolics': {'aten::atan2': atan2_symbolic}}),
    'simam_resnet': lambda: (SimAMResNet().eval(), torch.randn(1, 64, 40), {'names': ['fbank'], 'outputs': ['embedding'], 'opset': 13}),
    'tenet_kws': lambda: (TENet().eval(), torch.randn(1, 40, 101), {'names': ['mfcc'], 'outputs': ['logits'], 'opset': 13}),
    'beat_this': lambda: (BeatThis().eval(), torch.randn(1, 48, 64), {'names': ['mel'], 'outputs': ['beat', 'downbeat'], 'opset': 17}),
    'sortformer_step': lambda: (SortformerStep().eval(), (torch.randn(1, 8, 32), torch.randn(1, 16, 32), torch.randn(1, 8, 32)),
                                {'names': ['chunk', 'spk_cache', 'fifo'], 'outputs': ['probs', 'spk_cache_out', 'fifo_out'], 'opset': 14}),
    'cache_aware_step': lambda: (CacheAwareStep().eval(), (torch.randn(1, 16, 80), torch.randn(2, 1, 8, 64), torch.randn(2, 1, 64, 6)),
                                 {'names': ['feats', 'cache_ch', 'cache_t'], 'outputs': ['logprobs', 'cache_ch_out', 'cache_t_out'], 'opset': 14}),
}
