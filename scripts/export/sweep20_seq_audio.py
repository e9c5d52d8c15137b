"""Twentieth sweep: speech and audio families not tried in the nineteen earlier sweeps, as their reference code writes
them (random weights, small widths): LPCNet (frame-rate network: pitch embedding, two Conv1d and two dense tanh
layers, upsampled to samples; sample-rate network: μ-law signal / prediction / excitation embeddings, GRU A, GRU B,
dual fully-connected tanh mixture, softmax over 256 levels), Spleeter (2 stems: one U-Net per stem of 5×5 stride-2
convs with BatchNorm / leaky ReLU and transposed convs, sigmoid masks normalised as ratio masks against the mix),
DeepVQE (echo control: residual encoder blocks on the mic and far-end spectra, the alignment block's soft delay
attention over 8 delays of the far end, sub-pixel decoder, a 3×3 complex convolving mask), EEND-EDA (diarization:
transformer encoder without positions, LSTM encoder-decoder attractors from the embeddings, attractor existence
probabilities, speaker activities sigmoid(e·aᵀ)) and Grad-TTS's score estimator (one diffusion step of its 2-D U-Net:
Mish, GroupNorm, time MLP, linear attention with keys softmaxed over positions, Rezero, masks at every level).
Models in MODELS, exported by sweep20_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- LPCNet (xiph/LPCNet lpcnet.py, training graph: teacher-forced) ---

class LPCNet(nn.Module):
    def __init__(self, nb_features=20, frame=16, emb=32, cond=64, gru_a=64, gru_b=16, levels=256):
        super().__init__()
        self.frame = frame
        self.pitch = nn.Embedding(256, 16)
        self.c1, self.c2 = nn.Conv1d(nb_features + 16, cond, 3, padding=1), nn.Conv1d(cond, cond, 3, padding=1)
        self.f1, self.f2 = nn.Linear(cond, cond), nn.Linear(cond, cond)
        self.embed_sig = nn.Embedding(levels, emb)
        self.gru_a = nn.GRU(3 * emb + cond, gru_a, batch_first=True)
        self.gru_b = nn.GRU(gru_a + cond, gru_b, batch_first=True)
        self.dual_w1, self.dual_w2 = nn.Linear(gru_b, levels), nn.Linear(gru_b, levels)
        self.a1, self.a2 = nn.Parameter(torch.rand(levels) + 0.5), nn.Parameter(torch.rand(levels) + 0.5)

    def forward(self, features, periods, signals):  # [b, F, 20], [b, F] int, [b, F·16, 3] int (μ-law sig, pred, exc)
        x = torch.cat([features, self.pitch(periods)], -1).transpose(1, 2)
        c = torch.tanh(self.c2(torch.tanh(self.c1(x)))).transpose(1, 2)
        c = torch.tanh(self.f2(torch.tanh(self.f1(c))))
        c = c.repeat_interleave(self.frame, 1)  # per sample
        e = self.embed_sig(signals).flatten(2)
        a, _ = self.gru_a(torch.cat([e, c], -1))
        b, _ = self.gru_b(torch.cat([a, c], -1))
        p = torch.tanh(self.dual_w1(b)) * self.a1 + torch.tanh(self.dual_w2(b)) * self.a2
        return p.softmax(-1)


# --- Spleeter (deezer/spleeter unet.py, 2 stems) ---

class SpleeterUNet(nn.Module):
    def __init__(self, ch=(8, 16, 32, 64, 128, 256)):
        super().__init__()
        self.enc, prev = nn.ModuleList(), 2
        for c in ch:
            self.enc.append(nn.ModuleDict({'conv': nn.Conv2d(prev, c, 5, 2, 2), 'bn': nn.BatchNorm2d(c)}))
            prev = c
        self.dec = nn.ModuleList()
        rev = list(reversed(ch[:-1]))
        for i, c in enumerate(rev):
            inp = ch[-1] if i == 0 else 2 * rev[i - 1]
            self.dec.append(nn.ModuleDict({'deconv': nn.ConvTranspose2d(inp, c, 5, 2, 2, output_padding=1), 'bn': nn.BatchNorm2d(c)}))
        self.last = nn.ConvTranspose2d(2 * ch[0], 1, 5, 2, 2, output_padding=1)
        self.bn_last = nn.BatchNorm2d(1)
        self.mask = nn.Conv2d(1, 2, 4, dilation=2, padding=3)

    def forward(self, x):
        skips = []
        for blk in self.enc:
            x = F.leaky_relu(blk['bn'](blk['conv'](x)), 0.2)
            skips.append(x)
        skips.pop()
        for blk in self.dec:
            x = blk['bn'](F.relu(blk['deconv'](x)))
            x = torch.cat([skips.pop(), x], 1)
        x = self.bn_last(F.relu(self.last(x)))
        return torch.sigmoid(self.mask(x))


class Spleeter(nn.Module):
    def __init__(self, stems=2):
        super().__init__()
        self.unets = nn.ModuleList(SpleeterUNet() for _ in range(stems))

    def forward(self, mix):  # [b, 2 channels, T, F] magnitudes
        masks = torch.stack([u(mix) for u in self.unets], 0)
        sq = masks ** 2
        ratio = (sq + 1e-10 / 2) / (sq.sum(0, keepdim=True) + 1e-10)
        return ratio * mix[None]


# --- DeepVQE (Indenbom et al. 2023; Xiaobin-Rong/deepvqe) ---

class FE(nn.Module):  # power-law compressed real / imag
    def forward(self, x):  # [b, 2, T, F]
        mag = torch.sqrt(x[:, :1] ** 2 + x[:, 1:] ** 2 + 1e-12)
        return x * mag ** (0.3 - 1)


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pad, self.conv, self.bn = nn.ZeroPad2d((1, 1, 3, 0)), nn.Conv2d(c, c, (4, 3)), nn.BatchNorm2d(c)

    def forward(self, x):
        return F.elu(self.bn(self.conv(self.pad(x)))) + x


class EncoderBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.pad, self.conv, self.bn, self.res = nn.ZeroPad2d((1, 1, 3, 0)), nn.Conv2d(cin, cout, (4, 3), (1, 2)), nn.BatchNorm2d(cout), ResBlock(cout)

    def forward(self, x):
        return self.res(F.elu(self.bn(self.conv(self.pad(x)))))


class AlignBlock(nn.Module):
    def __init__(self, c, hidden=8, dmax=8):
        super().__init__()
        self.pmic, self.pref, self.dmax = nn.Conv2d(c, hidden, 1), nn.Conv2d(c, hidden, 1), dmax
        self.pad, self.conv = nn.ZeroPad2d((1, 1, 4, 0)), nn.Conv2d(hidden, 1, (5, 3))

    def forward(self, x_mic, x_ref):  # [b, c, T, F]
        q, k = self.pmic(x_mic), self.pref(x_ref)
        t = x_mic.shape[2]
        kp = F.pad(k, (0, 0, self.dmax - 1, 0))
        ku = torch.stack([kp[:, :, i:i + t] for i in range(self.dmax)], -2)  # [b, h, T, D, F]
        v = (q[:, :, :, None] * ku).sum(-1)  # [b, h, T, D]
        a = self.conv(self.pad(v)).softmax(-1)  # [b, 1, T, D]
        rp = F.pad(x_ref, (0, 0, self.dmax - 1, 0))
        ru = torch.stack([rp[:, :, i:i + t] for i in range(self.dmax)], -2)  # [b, c, T, D, F]
        return (ru * a[..., None]).sum(-2)


class DecoderBlock(nn.Module):
    def __init__(self, cin, cout, last=False):
        super().__init__()
        self.skip, self.res = nn.Conv2d(cin, cin, 1), ResBlock(cin)
        self.pad, self.conv = nn.ZeroPad2d((1, 1, 3, 0)), nn.Conv2d(cin, 2 * cout, (4, 3))  # sub-pixel ×2 in F
        self.bn, self.last, self.cout = nn.BatchNorm2d(cout), last, cout

    def forward(self, x, en):
        y = self.res(x + self.skip(en))
        y = self.conv(self.pad(y))
        b, _, t, f = y.shape
        y = y.view(b, 2, self.cout, t, f).permute(0, 2, 3, 4, 1).reshape(b, self.cout, t, 2 * f)
        return y if self.last else F.elu(self.bn(y))


class CCM(nn.Module):
    """Complex convolving mask: 27 channels = 3 (cubic coordinates) × 9 taps, applied to the 3×3 neighbourhood."""
    def forward(self, m, x):  # m [b, 27, T, F], x [b, 2, T, F]
        b, _, t, f = m.shape
        m = m.view(b, 3, 9, t, f)
        h = torch.tensor([[1.0, -0.5, -0.5], [0.0, math.sqrt(3) / 2, -math.sqrt(3) / 2]])
        mr = torch.einsum('rc,bckhw->brkhw', h, m)  # [b, 2, 9, T, F]
        xp = F.pad(x, (1, 1, 2, 0))
        xu = torch.stack([xp[:, :, i:i + t, j:j + f] for i in range(3) for j in range(3)], 2)  # [b, 2, 9, T, F]
        re = (mr[:, 0] * xu[:, 0] - mr[:, 1] * xu[:, 1]).sum(1)
        im = (mr[:, 0] * xu[:, 1] + mr[:, 1] * xu[:, 0]).sum(1)
        return torch.stack([re, im], 1)


class DeepVQE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fe = FE()
        self.mic1, self.mic2 = EncoderBlock(2, 16), EncoderBlock(16, 24)
        self.ref1 = EncoderBlock(2, 16)
        self.align = AlignBlock(16)
        self.enc3, self.enc4 = EncoderBlock(40, 32), EncoderBlock(32, 32)
        self.bottle = nn.GRU(32 * 4, 32 * 4, batch_first=True)
        self.fc = nn.Linear(32 * 4, 32 * 4)
        self.dec4, self.dec3 = DecoderBlock(32, 32), DecoderBlock(32, 40)
        self.dec2, self.dec1 = DecoderBlock(40, 16), DecoderBlock(16, 27, last=True)
        self.ccm = CCM()

    def forward(self, mic, ref):  # [b, 2, T, 33] STFT real / imag
        m, r = self.fe(mic), self.fe(ref)
        e1 = self.mic1(m)  # F 17
        r1 = self.ref1(r)
        e2 = self.mic2(e1)  # F 9
        e2 = torch.cat([e2, self.align(e1, r1)[:, :, :, ::2]], 1)
        e3 = self.enc3(e2)  # F 5
        e4 = self.enc4(e3)  # F 3 -> pad to 4
        e4 = F.pad(e4, (0, 1))
        b, c, t, f = e4.shape
        z, _ = self.bottle(e4.permute(0, 2, 1, 3).reshape(b, t, c * f))
        z = self.fc(z).view(b, t, c, f).permute(0, 2, 1, 3)
        d4 = self.dec4(z, e4)[..., :5]
        d3 = self.dec3(d4, e3)[..., :9]
        d2 = self.dec2(d3, e2)[..., :17]
        d1 = self.dec1(d2, e1)[..., :33]
        return self.ccm(d1, mic)


# --- EEND-EDA (hitachi-speech/EEND eend/pytorch_backend/models.py) ---

class EENDEDA(nn.Module):
    def __init__(self, in_dim=69, d=64, heads=4, layers=2, max_spk=3):
        super().__init__()
        self.inp, self.norm_in = nn.Linear(in_dim, d), nn.LayerNorm(d)
        self.enc = nn.ModuleList(nn.TransformerEncoderLayer(d, heads, 2 * d, 0.0, batch_first=True) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.eda_enc, self.eda_dec = nn.LSTM(d, d, batch_first=True), nn.LSTM(d, d, batch_first=True)
        self.counter = nn.Linear(d, 1)
        self.max_spk = max_spk

    def forward(self, feats):  # [b, T, 69] (log-mel ×23 with context splicing)
        e = self.norm_in(self.inp(feats))
        for lyr in self.enc:
            e = lyr(e)
        e = self.norm(e)
        _, (h, c) = self.eda_enc(e)
        zeros = torch.zeros(e.shape[0], self.max_spk + 1, e.shape[2])
        att, _ = self.eda_dec(zeros, (h, c))
        exist = torch.sigmoid(self.counter(att)).squeeze(-1)
        act = torch.sigmoid(e @ att[:, :self.max_spk].transpose(1, 2))
        return act, exist


# --- Grad-TTS score estimator (huawei-noah/Speech-Backbones GradTTS diffusion.py GradLogPEstimator2d) ---

class Mish(nn.Module):
    def forward(self, x):
        return x * torch.tanh(F.softplus(x))


class Block(nn.Module):
    def __init__(self, cin, cout, groups=8):
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.GroupNorm(groups, cout), Mish())

    def forward(self, x, mask):
        return self.block(x * mask) * mask


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout, tdim):
        super().__init__()
        self.mlp = nn.Sequential(Mish(), nn.Linear(tdim, cout))
        self.b1, self.b2 = Block(cin, cout), Block(cout, cout)
        self.res = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, mask, t):
        h = self.b1(x, mask) + self.mlp(t)[:, :, None, None]
        return self.b2(h, mask) + self.res(x * mask)


class LinearAttention(nn.Module):
    def __init__(self, dim, heads=4, dim_head=16):
        super().__init__()
        self.h, hidden = heads, heads * dim_head
        self.qkv, self.out = nn.Conv2d(dim, hidden * 3, 1, bias=False), nn.Conv2d(hidden, dim, 1)

    def forward(self, x):
        b, c, hh, w = x.shape
        q, k, v = self.qkv(x).view(b, 3, self.h, -1, hh * w).unbind(1)  # [b, heads, d, n]
        k = k.softmax(-1)
        context = torch.einsum('bhdn,bhen->bhde', k, v)
        out = torch.einsum('bhde,bhdn->bhen', context, q).reshape(b, -1, hh, w)
        return self.out(out)


class Rezero(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn, self.g = fn, nn.Parameter(torch.tensor(0.5))

    def forward(self, x):
        return x + self.fn(x) * self.g


class GradTTSEstimator(nn.Module):
    def __init__(self, dim=16, mults=(1, 2, 4), pe_scale=1000):
        super().__init__()
        self.pe_scale, self.dim = pe_scale, dim
        self.time_mlp = nn.Sequential(nn.Linear(dim, dim * 4), Mish(), nn.Linear(dim * 4, dim))
        dims = [2, *[dim * m for m in mults]]
        io = list(zip(dims[:-1], dims[1:]))
        self.downs, self.ups = nn.ModuleList(), nn.ModuleList()
        for i, (a, b) in enumerate(io):
            last = i == len(io) - 1
            self.downs.append(nn.ModuleList([ResnetBlock(a, b, dim), ResnetBlock(b, b, dim), Rezero(LinearAttention(b)),
                                             nn.Conv2d(b, b, 3, 2, 1) if not last else nn.Identity()]))
        mid = dims[-1]
        self.mid1, self.mid_attn, self.mid2 = ResnetBlock(mid, mid, dim), Rezero(LinearAttention(mid)), ResnetBlock(mid, mid, dim)
        for a, b in reversed(io[1:]):
            self.ups.append(nn.ModuleList([ResnetBlock(b * 2, a, dim), ResnetBlock(a, a, dim), Rezero(LinearAttention(a)),
                                           nn.ConvTranspose2d(a, a, 4, 2, 1)]))
        self.final_block, self.final = Block(dim, dim), nn.Conv2d(dim, 1, 1)

    def forward(self, x, mask, mu, t):  # x, mu [b, 32 feats, T]; mask [b, 1, T]; t [b]
        half = self.dim // 2
        f = math.log(10000) / (half - 1)
        emb = (self.pe_scale * t)[:, None] * torch.exp(torch.arange(half).float() * -f)[None]
        t = self.time_mlp(torch.cat([emb.sin(), emb.cos()], -1))
        x = torch.stack([mu, x], 1)
        mask = mask[:, None]  # [b, 1, 1, T]
        masks, hiddens = [mask], []
        for r1, r2, attn, down in self.downs:
            m = masks[-1]
            x = r1(x, m, t)
            x = r2(x, m, t)
            x = attn(x)
            hiddens.append(x)
            x = down(x * m)
            masks.append(m[:, :, :, ::2])
        masks = masks[:-1]
        m = masks[-1]
        x = self.mid2(self.mid_attn(self.mid1(x, m, t)), m, t)
        for r1, r2, attn, up in self.ups:
            m = masks.pop()
            x = torch.cat([x, hiddens.pop()], 1)
            x = attn(r2(r1(x, m, t), m, t))
            x = up(x * m)
        x = self.final_block(x, mask)
        return (self.final(x * mask) * mask).squeeze(1)


def grad_tts_inputs():
    mask = (torch.arange(32) < 28).float()[None, None]
    return torch.randn(1, 32, 32), mask, torch.randn(1, 32, 32), torch.tensor([0.37])


MODELS = {
    'lpcnet': lambda: (LPCNet().eval(), (torch.randn(1, 4, 20), torch.randint(32, 256, (1, 4)), torch.randint(0, 256, (1, 64, 3))),
                       {'names': ['features', 'periods', 'signals'], 'outputs': ['probs'], 'opset': 14}),
    'spleeter': lambda: (Spleeter().eval(), torch.rand(1, 2, 64, 128), {'names': ['mix_magnitude'], 'outputs': ['stems'], 'opset': 14}),
    'deepvqe': lambda: (DeepVQE().eval(), (torch.randn(1, 2, 20, 33), torch.randn(1, 2, 20, 33)), {'names': ['mic', 'ref'], 'outputs': ['enhanced'], 'opset': 14}),
    'eend_eda': lambda: (EENDEDA().eval(), torch.randn(1, 50, 69), {'names': ['feats'], 'outputs': ['activities', 'attractor_prob'], 'opset': 14}),
    'grad_tts': lambda: (GradTTSEstimator().eval(), grad_tts_inputs(), {'names': ['x_t', 'mask', 'mu', 't'], 'outputs': ['score'], 'opset': 14}),
}
