"""Nineteenth sweep: speech and audio families not tried in the eighteen earlier sweeps, as their reference code writes
them (random weights, small widths): HTS-AT (CLAP's audio encoder: a log-mel [B, 1, T, F] folded into a square image by
reshape / permute, Swin stages with shifted windows and relative position bias, patch merging, the token-semantic
Conv2d head and its frame-wise / clip-wise outputs), Multi-band MelGAN (MelGAN generator to 4 sub-bands, PQMF synthesis
by a stride-4 ConvTranspose1d of a zero-inserting filter and the synthesis Conv1d), Parallel WaveGAN (upsampling net
of nearest Stretch2d and Conv2d (1, 2s+1) smoothing, non-causal WaveNet with gated activations conditioned by 1×1
convs and skip sums), DiffWave (one denoising step: diffusion-step embedding gathered from a sinusoid table by an
integer step, mel conditioner upsampled by ConvTranspose2d, dilated residual layers) and DPTNet (dual-path chunking by
unfold with 50% overlap, improved transformer whose FFN is an LSTM, overlap-add back). Models in MODELS, exported by
sweep19_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep10_vis_dense import window_partition, window_reverse  # SwinIR's, as HTS-AT writes them


# --- HTS-AT (CLAP audio encoder, RetrieVA-AudioLDM / LAION-CLAP htsat.py) ---

class WindowAttention(nn.Module):
    def __init__(self, dim, ws, heads):
        super().__init__()
        self.ws, self.h, self.scale = ws, heads, (dim // heads) ** -0.5
        self.table = nn.Parameter(0.02 * torch.randn((2 * ws - 1) ** 2, heads))
        c = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing='ij')).flatten(1)
        r = (c[:, :, None] - c[:, None, :]).permute(1, 2, 0)
        self.register_buffer('index', (r[..., 0] + ws - 1) * (2 * ws - 1) + r[..., 1] + ws - 1)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        a = q @ k.transpose(-2, -1)
        a = a + self.table[self.index.view(-1)].view(n, n, -1).permute(2, 0, 1)[None]
        if mask is not None:
            nw = mask.shape[0]
            a = a.view(b // nw, nw, self.h, n, n) + mask[None, :, None]
            a = a.view(-1, self.h, n, n)
        return self.proj((a.softmax(-1) @ v).transpose(1, 2).reshape(b, n, c))


class SwinBlock(nn.Module):
    def __init__(self, dim, res, heads, ws, shift):
        super().__init__()
        self.res, self.ws, self.shift = res, ws, shift
        self.n1, self.attn, self.n2 = nn.LayerNorm(dim), WindowAttention(dim, ws, heads), nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        if shift:
            img = torch.zeros(1, res, res, 1)
            cnt = 0
            for hs in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                for wsl in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                    img[:, hs, wsl, :] = cnt
                    cnt += 1
            mw = window_partition(img, ws).view(-1, ws * ws)
            m = mw[:, None] - mw[:, :, None]
            self.register_buffer('mask', m.masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0))
        else:
            self.mask = None

    def forward(self, x):
        b, l, c = x.shape
        h = w = self.res
        s = self.n1(x).view(b, h, w, c)
        if self.shift:
            s = torch.roll(s, (-self.shift, -self.shift), (1, 2))
        win = window_partition(s, self.ws).view(-1, self.ws * self.ws, c)
        win = self.attn(win, self.mask).view(-1, self.ws, self.ws, c)
        s = window_reverse(win, self.ws, h, w)
        if self.shift:
            s = torch.roll(s, (self.shift, self.shift), (1, 2))
        x = x + s.reshape(b, l, c)
        return x + self.mlp(self.n2(x))


class PatchMerging(nn.Module):
    def __init__(self, res, dim):
        super().__init__()
        self.res, self.norm, self.red = res, nn.LayerNorm(4 * dim), nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x):
        b, l, c = x.shape
        x = x.view(b, self.res, self.res, c)
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1).view(b, -1, 4 * c)
        return self.red(self.norm(x))


class HTSAT(nn.Module):
    def __init__(self, mel=16, spec=64, ratio=4, patch=4, dim=32, ws=4, classes=10):
        super().__init__()
        self.ratio, self.spec = ratio, spec
        self.bn0 = nn.BatchNorm2d(mel)
        self.patch = nn.Conv2d(1, dim, patch, patch)
        self.pnorm = nn.LayerNorm(dim)
        r = spec // patch
        self.stages = nn.ModuleList([
            nn.ModuleList([SwinBlock(dim, r, 2, ws, 0), SwinBlock(dim, r, 2, ws, ws // 2)]),
            nn.ModuleList([SwinBlock(2 * dim, r // 2, 4, ws, 0), SwinBlock(2 * dim, r // 2, 4, ws, ws // 2)])])
        self.merge = PatchMerging(r, dim)
        self.norm = nn.LayerNorm(2 * dim)
        self.tscam = nn.Conv2d(2 * dim, classes, (r // 2 // ratio, 3), padding=(0, 1))
        self.bn0.running_mean.normal_(0, 1)
        self.bn0.running_var.uniform_(0.5, 2)

    def forward(self, mel):  # [B, 1, T, F] log-mel
        x = self.bn0(mel.transpose(1, 3)).transpose(1, 3)
        b, c, t, f = x.shape
        # reshape_wav2img: fold time into the frequency axis to a square image
        x = x.permute(0, 1, 3, 2).contiguous().reshape(b, c, f, self.ratio, t // self.ratio)
        x = x.permute(0, 1, 3, 2, 4).contiguous().reshape(b, c, self.ratio * f, t // self.ratio)
        x = self.pnorm(self.patch(x).flatten(2).transpose(1, 2))
        for blk in self.stages[0]:
            x = blk(x)
        x = self.merge(x)
        for blk in self.stages[1]:
            x = blk(x)
        x = self.norm(x)
        bb, n, cc = x.shape
        r = int(math.sqrt(n))
        x = x.permute(0, 2, 1).contiguous().reshape(bb, cc, r, r)
        # token-semantic module: group the frequency rows back by the fold ratio
        x = x.reshape(bb, cc, r // self.ratio, self.ratio, r).permute(0, 1, 2, 4, 3).contiguous().reshape(bb, cc, r // self.ratio, -1)
        x = self.tscam(x).flatten(2)  # [B, classes, T']
        framewise = torch.sigmoid(x).transpose(1, 2)
        clipwise = torch.sigmoid(F.adaptive_avg_pool1d(x, 1).flatten(1))
        return clipwise, framewise


# --- Multi-band MelGAN (kan-bayashi/ParallelWaveGAN: MelGANGenerator + PQMF) ---

def pqmf_filters(subbands=4, taps=62, cutoff=0.142, beta=9.0):
    import numpy as np
    omega_c = np.pi * cutoff
    n = np.arange(taps + 1)
    with np.errstate(invalid='ignore'):
        h = np.sin(omega_c * (n - 0.5 * taps)) / (np.pi * (n - 0.5 * taps))
    h[taps // 2] = np.cos(0) * cutoff
    proto = h * torch.kaiser_window(taps + 1, periodic=False, beta=beta).double().numpy()
    ana = np.zeros((subbands, len(proto)))
    syn = np.zeros((subbands, len(proto)))
    for k in range(subbands):
        ph = (2 * k + 1) * (np.pi / (2 * subbands)) * (np.arange(taps + 1) - taps / 2)
        ana[k] = 2 * proto * np.cos(ph + (-1) ** k * np.pi / 4)
        syn[k] = 2 * proto * np.cos(ph - (-1) ** k * np.pi / 4)
    return torch.tensor(ana, dtype=torch.float32), torch.tensor(syn, dtype=torch.float32)


class ResStack(nn.Module):
    def __init__(self, c, dil):
        super().__init__()
        self.stack = nn.Sequential(nn.LeakyReLU(0.2), nn.ReflectionPad1d(dil), nn.Conv1d(c, c, 3, dilation=dil), nn.LeakyReLU(0.2), nn.Conv1d(c, c, 1))
        self.skip = nn.Conv1d(c, c, 1)

    def forward(self, x):
        return self.stack(x) + self.skip(x)


class MBMelGAN(nn.Module):
    def __init__(self, mels=80, ch=128, ups=(2, 4, 4), subbands=4):
        super().__init__()
        layers = [nn.ReflectionPad1d(3), nn.Conv1d(mels, ch, 7)]
        for s in ups:
            layers += [nn.LeakyReLU(0.2), nn.ConvTranspose1d(ch, ch // 2, 2 * s, s, padding=s // 2 + s % 2, output_padding=s % 2)]
            ch //= 2
            layers += [ResStack(ch, 3 ** j) for j in range(3)]
        layers += [nn.LeakyReLU(0.2), nn.ReflectionPad1d(3), nn.Conv1d(ch, subbands, 7), nn.Tanh()]
        self.melgan = nn.Sequential(*layers)
        ana, syn = pqmf_filters(subbands)
        self.sb = subbands
        self.register_buffer('synthesis_filter', syn[None])  # [1, sb, taps + 1]
        up = torch.zeros(subbands, subbands, subbands)
        for k in range(subbands):
            up[k, k, 0] = 1.0
        self.register_buffer('updown_filter', up)
        self.pad = nn.ConstantPad1d(31, 0.0)

    def forward(self, mel):
        x = self.melgan(mel)  # [B, 4, T·32]
        x = F.conv_transpose1d(x, self.updown_filter * self.sb, stride=self.sb)
        return F.conv1d(self.pad(x), self.synthesis_filter)  # [B, 1, T·128]


# --- Parallel WaveGAN generator ---

class Stretch2d(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s

    def forward(self, x):
        return F.interpolate(x, scale_factor=(1, self.s), mode='nearest')


class PWGResidual(nn.Module):
    def __init__(self, res=32, gate=64, skip=32, aux=80, dil=1):
        super().__init__()
        self.conv = nn.Conv1d(res, gate, 3, padding=dil, dilation=dil)
        self.aux = nn.Conv1d(aux, gate, 1, bias=False)
        self.out, self.skip = nn.Conv1d(gate // 2, res, 1), nn.Conv1d(gate // 2, skip, 1)

    def forward(self, x, c):
        h = self.conv(x)
        xa, xb = h.split(h.shape[1] // 2, 1)
        ca, cb = self.aux(c).split(h.shape[1] // 2, 1)
        h = torch.tanh(xa + ca) * torch.sigmoid(xb + cb)
        return (self.out(h) + x) * math.sqrt(0.5), self.skip(h)


class ParallelWaveGAN(nn.Module):
    def __init__(self, aux=80, layers=8, stacks=2, scales=(4, 4, 4)):
        super().__init__()
        self.first = nn.Conv1d(1, 32, 1)
        up = []
        for s in scales:
            up += [Stretch2d(s), nn.Conv2d(1, 1, (1, 2 * s + 1), padding=(0, s), bias=False)]
        self.upsample = nn.ModuleList(up)
        for m in self.upsample:
            if isinstance(m, nn.Conv2d):
                m.weight.data.fill_(1.0 / m.weight.shape[-1])
        self.conv_in = nn.Conv1d(aux, aux, 5, bias=False)  # aux_context_window 2
        per = layers // stacks
        self.layers = nn.ModuleList(PWGResidual(aux=aux, dil=2 ** (i % per)) for i in range(layers))
        self.last = nn.Sequential(nn.ReLU(), nn.Conv1d(32, 32, 1), nn.ReLU(), nn.Conv1d(32, 1, 1))
        self.nl = layers

    def forward(self, noise, mel):
        c = self.conv_in(F.pad(mel, (2, 2), mode='replicate'))[:, None]  # [B, 1, aux, T]
        for f in self.upsample:
            c = f(c)
        c = c.squeeze(1)
        x = self.first(noise)
        skips = 0
        for l in self.layers:
            x, h = l(x, c)
            skips = skips + h
        return self.last(skips * math.sqrt(1.0 / self.nl))


# --- DiffWave (lmnt-com/diffwave model.py) one denoising step ---

class DiffWave(nn.Module):
    def __init__(self, mels=80, ch=32, layers=6, cycle=3, steps=50):
        super().__init__()
        dims = torch.arange(64)[None].float()
        table = torch.arange(steps)[:, None].float() * 10.0 ** (dims * 4.0 / 63.0)
        self.register_buffer('embedding', torch.cat([torch.sin(table), torch.cos(table)], 1), persistent=False)
        self.proj1, self.proj2 = nn.Linear(128, 512), nn.Linear(512, 512)
        self.up1 = nn.ConvTranspose2d(1, 1, (3, 32), stride=(1, 16), padding=(1, 8))
        self.up2 = nn.ConvTranspose2d(1, 1, (3, 32), stride=(1, 16), padding=(1, 8))
        self.inp = nn.Conv1d(1, ch, 1)
        self.dil = nn.ModuleList(nn.Conv1d(ch, 2 * ch, 3, padding=2 ** (i % cycle), dilation=2 ** (i % cycle)) for i in range(layers))
        self.dproj = nn.ModuleList(nn.Linear(512, ch) for _ in range(layers))
        self.cproj = nn.ModuleList(nn.Conv1d(mels, 2 * ch, 1) for _ in range(layers))
        self.outp = nn.ModuleList(nn.Conv1d(ch, 2 * ch, 1) for _ in range(layers))
        self.skip_proj, self.out = nn.Conv1d(ch, ch, 1), nn.Conv1d(ch, 1, 1)
        self.n = layers

    def forward(self, audio, diffusion_step, spectrogram):
        x = F.relu(self.inp(audio[:, None]))
        d = self.embedding[diffusion_step]
        d = F.silu(self.proj2(F.silu(self.proj1(d))))
        c = F.leaky_relu(self.up1(spectrogram[:, None]), 0.4)
        c = F.leaky_relu(self.up2(c), 0.4).squeeze(1)
        skip = 0
        for dil, dp, cp, op in zip(self.dil, self.dproj, self.cproj, self.outp):
            y = dil(x + dp(d)[..., None]) + cp(c)
            g, f = y.chunk(2, 1)
            y = op(torch.sigmoid(g) * torch.tanh(f))
            r, s = y.chunk(2, 1)
            x = (x + r) / math.sqrt(2.0)
            skip = skip + s
        return self.out(F.relu(self.skip_proj(skip / math.sqrt(self.n))))


# --- DPTNet (asteroid DPTNet: dual-path improved transformer) ---

class ImprovedTransformer(nn.Module):
    def __init__(self, d=32, heads=4, hidden=32, bidirectional=True):
        super().__init__()
        self.mha = nn.MultiheadAttention(d, heads, batch_first=False)
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.rnn = nn.LSTM(d, hidden, bidirectional=bidirectional)
        self.lin = nn.Linear(hidden * (2 if bidirectional else 1), d)

    def forward(self, x):  # [L, N, d]
        x = self.n1(x + self.mha(x, x, x, need_weights=False)[0])
        y = self.lin(F.relu(self.rnn(x)[0]))
        return self.n2(x + y)


class DPTNet(nn.Module):
    def __init__(self, n=32, kernel=16, chunk=20, repeats=2, sources=2):
        super().__init__()
        self.k, self.chunk, self.hop, self.src = kernel, chunk, chunk // 2, sources
        self.enc = nn.Conv1d(1, n, kernel, kernel // 2, bias=False)
        self.norm = nn.GroupNorm(1, n)
        self.intra = nn.ModuleList(ImprovedTransformer(n) for _ in range(repeats))
        self.inter = nn.ModuleList(ImprovedTransformer(n) for _ in range(repeats))
        self.inorm = nn.ModuleList(nn.GroupNorm(1, n) for _ in range(repeats))
        self.enorm = nn.ModuleList(nn.GroupNorm(1, n) for _ in range(repeats))
        self.prelu, self.mask = nn.PReLU(), nn.Conv2d(n, n * sources, 1)
        self.dec = nn.ConvTranspose1d(n, 1, kernel, kernel // 2, bias=False)

    def forward(self, wav):  # [B, 1, T]
        w = F.relu(self.enc(wav))  # [B, N, L]
        b, n, l = w.shape
        x = self.norm(w)
        # asteroid's unfold chunking with 50% overlap
        x = F.unfold(x[..., None], (self.chunk, 1), padding=(self.chunk, 0), stride=(self.hop, 1))
        k = x.shape[-1]
        x = x.reshape(b, n, self.chunk, k)
        for intra, inter, ni, ne in zip(self.intra, self.inter, self.inorm, self.enorm):
            y = x.permute(2, 0, 3, 1).reshape(self.chunk, b * k, n)  # along each chunk
            y = intra(y).reshape(self.chunk, b, k, n).permute(1, 3, 0, 2)
            x = x + ni(y)
            y = x.permute(3, 0, 2, 1).reshape(k, b * self.chunk, n)  # across chunks
            y = inter(y).reshape(k, b, self.chunk, n).permute(1, 3, 2, 0)
            x = x + ne(y)
        m = self.mask(self.prelu(x)).reshape(b * self.src, n, self.chunk, k)
        # overlap-add (50%): each chunk's first half plus the previous chunk's second half, the padding cropped
        ola = F.pad(m[:, :, :self.hop], (0, 1)) + F.pad(m[:, :, self.hop:], (1, 0))  # [B·src, N, hop, K + 1]
        ola = ola.permute(0, 1, 3, 2).reshape(b * self.src, n, -1)[..., self.chunk:self.chunk + l]
        m = F.relu(ola.reshape(b, self.src, n, l))
        est = w[:, None] * m
        return self.dec(est.reshape(b * self.src, n, l)).reshape(b, self.src, -1)


MODELS = {
    'htsat': lambda: (HTSAT().eval(), torch.randn(1, 1, 256, 16), {'names': ['mel'], 'outputs': ['clipwise', 'framewise'], 'opset': 14}),
    'mb_melgan': lambda: (MBMelGAN().eval(), torch.randn(1, 80, 20), {'names': ['mel'], 'outputs': ['wav'], 'opset': 14}),
    'parallel_wavegan': lambda: (ParallelWaveGAN().eval(), (torch.randn(1, 1, 20 * 64), torch.randn(1, 80, 20)), {'names': ['noise', 'mel'], 'outputs': ['wav'], 'opset': 14}),
    'diffwave_step': lambda: (DiffWave().eval(), (torch.randn(1, 16 * 256), torch.tensor([17]), torch.randn(1, 80, 16)),
                              {'names': ['audio', 'diffusion_step', 'spectrogram'], 'outputs': ['noise'], 'opset': 14}),
    'dptnet': lambda: (DPTNet().eval(), torch.randn(1, 1, 1600), {'names': ['wav'], 'outputs': ['sources'], 'opset': 14}),
}
