"""Twenty-fourth sweep (docs/model-sweep.md): audio and edge sequence families as their public code writes them —
RVC's NSF-HiFiGAN decoder (RVC-Project infer_pack models_onnx.py: coarse-pitch embedding, a sine excitation from the
frame-rate f0 upsampled to samples (phase by a cumulative sum of f0 / sr wrapped mod 1), a voiced mask, a linear +
tanh source merged into each upsampling stage by strided noise convs, multi-receptive-field residual blocks, the
speaker embedding added), APNet2 (redmist328/APNet2: ConvNeXt v2 blocks with global response normalisation,
log-amplitude and phase spectra, the phase by atan2 of two parallel estimates, an iSTFT as an inverse-DFT matmul and
an overlap-add by ConvTranspose1d divided by the window envelope), LTC (mlech26l/ncps LTCCell: a liquid
time-constant ODE, 6 semi-implicit Euler unfolds per step, sigmoid synapses over every sensory and recurrent pair,
softplus-constrained parameters, a sparse NCP wiring mask, 16 steps unrolled), LFM2 (Liquid AI: a decode step of
gated short-convolution blocks (B·x → depthwise conv over a 3-sample state → C·) and a GQA block with QK-norm and
RoPE over a 16-token cache) and Gemma 3n (google: AltUp's four streams with tanh routers predicting and correcting,
LAuReL low-rank residuals, per-layer embeddings gated into the streams, activation sparsity by a Gaussian top-k
cut-off (mean + 1.645·std), final logit soft-capping). Plain torch.nn, small widths, random weights. Imported by
sweep24_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(244)


def rand(*s, scale=0.3):
    return nn.Parameter(torch.randn(*s, generator=g) * scale)


# ------------------------------------------------------------------------------------------------------ RVC NSF-HiFiGAN
class ResBlock(nn.Module):
    def __init__(self, c, k, dil=(1, 3, 5)):
        super().__init__()
        self.c1 = nn.ModuleList([nn.Conv1d(c, c, k, 1, d * (k - 1) // 2, dilation=d) for d in dil])
        self.c2 = nn.ModuleList([nn.Conv1d(c, c, k, 1, (k - 1) // 2) for _ in dil])

    def forward(self, x):
        for a, b in zip(self.c1, self.c2):
            x = x + b(F.leaky_relu(a(F.leaky_relu(x, 0.1)), 0.1))
        return x


class RVCDecoder(nn.Module):
    """phone [1, 32, 256] (ContentVec features), pitch / pitchf [1, 32], sid [1], rnd [1, 48, 32] -> 2,048 samples."""
    def __init__(self, cin=256, h=48, c=64, ups=(4, 4, 4), sr=16000.0, spk=4, gin=32):
        super().__init__()
        self.sr, self.upp = sr, math.prod(ups)
        self.enc = nn.Sequential(nn.Conv1d(cin, h, 1), nn.LeakyReLU(0.1), nn.Conv1d(h, h, 3, 1, 1))
        self.pitch = nn.Embedding(256, h)
        self.emb_g = nn.Embedding(spk, gin)
        self.proj = nn.Conv1d(h, 2 * h, 1)
        self.l_linear = nn.Linear(1, 1)
        self.conv_pre = nn.Conv1d(h, c, 7, 1, 3)
        self.cond = nn.Conv1d(gin, c, 1)
        self.ups = nn.ModuleList()
        self.noise = nn.ModuleList()
        self.res = nn.ModuleList()
        ch = c
        for i, u in enumerate(ups):
            self.ups.append(nn.ConvTranspose1d(ch, ch // 2, 2 * u, u, u // 2))
            rest = math.prod(ups[i + 1:])
            self.noise.append(nn.Conv1d(1, ch // 2, 2 * rest, rest, rest // 2) if rest > 1 else nn.Conv1d(1, ch // 2, 1))
            self.res.append(nn.ModuleList([ResBlock(ch // 2, 3), ResBlock(ch // 2, 7)]))
            ch //= 2
        self.conv_post = nn.Conv1d(ch, 1, 7, 1, 3, bias=False)

    def source(self, f0):  # f0 [1, T] Hz -> [1, 1, T·upp]
        f = F.interpolate(f0.unsqueeze(1), scale_factor=float(self.upp), mode='nearest').transpose(1, 2)  # [1, N, 1]
        rad = (f / self.sr) % 1
        phase = torch.cumsum(rad, 1) % 1
        sine = torch.sin(2 * math.pi * phase) * 0.1
        uv = (f > 0).float()
        return torch.tanh(self.l_linear(sine * uv)).transpose(1, 2)

    def forward(self, phone, pitch, pitchf, sid, rnd):
        x = self.enc(phone.transpose(1, 2)) + self.pitch(pitch).transpose(1, 2)
        m, logs = self.proj(x).chunk(2, 1)
        z = m + torch.exp(logs) * rnd * 0.66666  # the prior sampled with the given noise (the flow is left out)
        gsp = self.emb_g(sid).unsqueeze(-1)
        har = self.source(pitchf)
        x = self.conv_pre(z) + self.cond(gsp)
        for up, nz, rb in zip(self.ups, self.noise, self.res):
            x = up(F.leaky_relu(x, 0.1))
            x = x + nz(har)
            x = (rb[0](x) + rb[1](x)) / 2
        return torch.tanh(self.conv_post(F.leaky_relu(x)))


# -------------------------------------------------------------------------------------------------------------- APNet2
class GRN(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.gamma, self.beta = rand(1, 1, d, scale=0.1), rand(1, 1, d, scale=0.1)

    def forward(self, x):  # [B, T, d]
        gx = torch.norm(x, p=2, dim=1, keepdim=True)
        nx = gx / (gx.mean(dim=-1, keepdim=True) + 1e-6)
        return self.gamma * (x * nx) + self.beta + x


class ConvNeXtV2(nn.Module):
    def __init__(self, d, r=3):
        super().__init__()
        self.dw = nn.Conv1d(d, d, 7, 1, 3, groups=d)
        self.n, self.p1, self.grn, self.p2 = nn.LayerNorm(d), nn.Linear(d, r * d), GRN(r * d), nn.Linear(r * d, d)

    def forward(self, x):  # [B, d, T]
        y = self.n(self.dw(x).transpose(1, 2))
        y = self.p2(self.grn(F.gelu(self.p1(y))))
        return x + y.transpose(1, 2)


def atan2(y, x):
    """torch 1.13 has no atan2 export: the quadrant-corrected arctangent ports write instead."""
    base = torch.atan(y / torch.where(x == 0, torch.full_like(x, 1e-12), x))
    return torch.where(x < 0, base + torch.where(y >= 0, torch.full_like(y, math.pi), torch.full_like(y, -math.pi)), base)


class APNet2(nn.Module):
    """80-bin log-mel [1, 80, 64] -> 16 kHz audio with n_fft 256, hop 64 (64 frames -> 4,032 samples)."""
    def __init__(self, mels=80, d=64, blocks=3, n_fft=256, hop=64):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        fb = n_fft // 2 + 1
        self.a_in, self.p_in = nn.Conv1d(mels, d, 7, 1, 3), nn.Conv1d(mels, d, 7, 1, 3)
        self.a_blocks = nn.Sequential(*[ConvNeXtV2(d) for _ in range(blocks)])
        self.p_blocks = nn.Sequential(*[ConvNeXtV2(d) for _ in range(blocks)])
        self.a_n, self.p_n = nn.LayerNorm(d), nn.LayerNorm(d)
        self.a_out, self.p_r, self.p_i = nn.Linear(d, fb), nn.Linear(d, fb), nn.Linear(d, fb)
        n = torch.arange(n_fft).float()
        k = torch.arange(fb).float()
        ang = 2 * math.pi * k[:, None] * n[None, :] / n_fft
        wk = torch.ones(fb)
        wk[1:-1] = 2.0
        win = torch.hann_window(n_fft)
        self.register_buffer('icos', (wk[:, None] * ang.cos() / n_fft) * win)  # irfft rows, windowed
        self.register_buffer('isin', (-wk[:, None] * ang.sin() / n_fft) * win)
        self.register_buffer('ola', torch.eye(n_fft).unsqueeze(1))  # overlap-add kernel
        self.register_buffer('win_sq', (win ** 2).view(1, n_fft, 1))

    def forward(self, mel):
        a = self.a_out(self.a_n(self.a_blocks(self.a_in(mel)).transpose(1, 2)))  # [B, T, F] log amplitude
        p = self.p_n(self.p_blocks(self.p_in(mel)).transpose(1, 2))
        phase = atan2(self.p_i(p), self.p_r(p))
        amp = a.exp()
        re, im = amp * phase.cos(), amp * phase.sin()
        frames = (re @ self.icos + im @ self.isin).transpose(1, 2)  # [B, n_fft, T]
        t = frames.shape[-1]
        y = F.conv_transpose1d(frames, self.ola, stride=self.hop)
        env = F.conv_transpose1d(self.win_sq.expand(1, -1, t), self.ola, stride=self.hop)
        pad = self.n_fft // 2
        y = (y / env.clamp(min=1e-11))[:, 0, pad:-pad]
        return a, phase, y


# ----------------------------------------------------------------------------------------------------------------- LTC
class LTC(nn.Module):
    """ncps LTC with an AutoNCP-like sparse wiring: 8 inputs, 24 neurons (4 motor), 16 steps of 6 unfolds."""
    def __init__(self, nin=8, n=24, motor=4, unfolds=6):
        super().__init__()
        self.n, self.motor, self.unfolds = n, motor, unfolds
        u = lambda *s, lo=0.0, hi=1.0: nn.Parameter(torch.rand(*s, generator=g) * (hi - lo) + lo)
        self.gleak, self.vleak, self.cm = u(n, lo=0.001, hi=1.0), u(n, lo=-0.2, hi=0.2), u(n, lo=0.4, hi=0.6)
        self.sigma, self.mu, self.w = u(n, n, lo=3, hi=8), u(n, n, lo=0.3, hi=0.8), u(n, n, lo=0.001, hi=1.0)
        self.erev = nn.Parameter(torch.randint(0, 2, (n, n), generator=g).float() * 2 - 1)
        self.s_sigma, self.s_mu, self.s_w = u(nin, n, lo=3, hi=8), u(nin, n, lo=0.3, hi=0.8), u(nin, n, lo=0.001, hi=1.0)
        self.s_erev = nn.Parameter(torch.randint(0, 2, (nin, n), generator=g).float() * 2 - 1)
        self.register_buffer('mask', (torch.rand(n, n, generator=g) < 0.4).float())
        self.register_buffer('s_mask', (torch.rand(nin, n, generator=g) < 0.5).float())
        self.input_w, self.input_b = nn.Parameter(torch.ones(nin)), nn.Parameter(torch.zeros(nin))
        self.output_w, self.output_b = nn.Parameter(torch.ones(motor)), nn.Parameter(torch.zeros(motor))

    def step(self, x, v, elapsed):
        x = x * self.input_w + self.input_b
        sp = F.softplus
        s_act = sp(self.s_w) * torch.sigmoid(self.s_sigma * (x.unsqueeze(-1) - self.s_mu)) * self.s_mask
        s_num, s_den = (s_act * self.s_erev).sum(1), s_act.sum(1)
        cm_t = sp(self.cm) / (elapsed / self.unfolds)
        w = sp(self.w) * self.mask
        for _ in range(self.unfolds):
            act = w * torch.sigmoid(self.sigma * (v.unsqueeze(-1) - self.mu))
            num = cm_t * v + sp(self.gleak) * self.vleak + (act * self.erev).sum(1) + s_num
            den = cm_t + sp(self.gleak) + act.sum(1) + s_den
            v = num / (den + 1e-8)
        return v

    def forward(self, x, timespans, h0):  # x [1, T, 8], timespans [1, T], h0 [1, 24]
        v, ys = h0, []
        for t in range(x.shape[1]):
            v = self.step(x[:, t], v, timespans[:, t:t + 1])
            ys.append(v[:, :self.motor] * self.output_w + self.output_b)
        return torch.stack(ys, 1), v


# ----------------------------------------------------------------------------------------------------------------- LFM2
class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5, offset=0.0):
        super().__init__()
        self.w, self.eps, self.offset = nn.Parameter(torch.ones(d) + torch.randn(d, generator=g) * 0.1), eps, offset

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * (self.w + self.offset)


def rope_tables(hd, n, base=10000.0):
    inv = 1.0 / base ** (torch.arange(0, hd, 2).float() / hd)
    f = torch.outer(torch.arange(n).float(), inv)
    f = torch.cat([f, f], -1)
    return f.cos(), f.sin()


def rot_half(x):
    a, b = x.chunk(2, -1)
    return torch.cat([-b, a], -1)


def repeat_kv(x, n):
    """HF's repeat_kv: [B, kv, T, hd] -> [B, kv·n, T, hd] by expand + reshape (torch 1.13 exports repeat_interleave
    over a run-time length with the traced length baked in: onnxruntime fails at any other past length)."""
    b, kv, t, hd = x.shape
    return x[:, :, None].expand(b, kv, n, t, hd).reshape(b, kv * n, t, hd)


class LFM2Step(nn.Module):
    """One decode step: layers conv, conv, attention, conv (d 64, GQA 4 / 2 heads, 16 cached tokens, vocab 300)."""
    def __init__(self, vocab=300, d=64, heads=4, kv=2, kinds=('conv', 'conv', 'attn', 'conv'), L=3, maxpos=64):
        super().__init__()
        self.kinds, self.h, self.kv, self.hd, self.L = kinds, heads, kv, d // heads, L
        self.emb = nn.Embedding(vocab, d)
        self.norms = nn.ModuleList([RMSNorm(d) for _ in kinds])
        self.fnorms = nn.ModuleList([RMSNorm(d) for _ in kinds])
        self.in_proj = nn.ModuleDict({str(i): nn.Linear(d, 3 * d, bias=False) for i, k in enumerate(kinds) if k == 'conv'})
        self.conv_w = nn.ParameterDict({str(i): rand(d, L) for i, k in enumerate(kinds) if k == 'conv'})
        self.out_proj = nn.ModuleDict({str(i): nn.Linear(d, d, bias=False) for i in range(len(kinds))})
        self.qkv = nn.ModuleDict({str(i): nn.Linear(d, (heads + 2 * kv) * self.hd, bias=False) for i, k in enumerate(kinds) if k == 'attn'})
        self.qn, self.kn = RMSNorm(self.hd), RMSNorm(self.hd)
        self.w1 = nn.ModuleList([nn.Linear(d, 2 * d, bias=False) for _ in kinds])
        self.w3 = nn.ModuleList([nn.Linear(d, 2 * d, bias=False) for _ in kinds])
        self.w2 = nn.ModuleList([nn.Linear(2 * d, d, bias=False) for _ in kinds])
        self.final = RMSNorm(d)
        cos, sin = rope_tables(self.hd, maxpos)
        self.register_buffer('cos', cos)
        self.register_buffer('sin', sin)

    def forward(self, input_ids, position, conv_state, past_key, past_value):
        x = self.emb(input_ids)  # [1, 1, d]
        cos, sin = self.cos[position].unsqueeze(1), self.sin[position].unsqueeze(1)  # [1, 1, 1, hd]
        new_conv, ci = [], 0
        new_k = new_v = None
        for i, kind in enumerate(self.kinds):
            y = self.norms[i](x)
            if kind == 'conv':
                b_, c_, xx = self.in_proj[str(i)](y).chunk(3, -1)
                bx = (b_ * xx).transpose(1, 2)  # [1, d, 1]
                win = torch.cat([conv_state[ci], bx], -1)  # [1, d, L]
                new_conv.append(win[..., 1:])
                ci += 1
                y = c_ * (win * self.conv_w[str(i)]).sum(-1).unsqueeze(1)
            else:
                q, k, v = self.qkv[str(i)](y).split([self.h * self.hd, self.kv * self.hd, self.kv * self.hd], -1)
                q = self.qn(q.view(1, 1, self.h, self.hd)).transpose(1, 2)
                k = self.kn(k.view(1, 1, self.kv, self.hd)).transpose(1, 2)
                v = v.view(1, 1, self.kv, self.hd).transpose(1, 2)
                q, k = q * cos + rot_half(q) * sin, k * cos + rot_half(k) * sin
                new_k, new_v = torch.cat([past_key, k], 2), torch.cat([past_value, v], 2)
                kk, vv = repeat_kv(new_k, self.h // self.kv), repeat_kv(new_v, self.h // self.kv)
                a = (q @ kk.transpose(-1, -2) / math.sqrt(self.hd)).softmax(-1) @ vv
                y = a.transpose(1, 2).reshape(1, 1, -1)
            x = x + self.out_proj[str(i)](y)
            f = self.fnorms[i](x)
            x = x + self.w2[i](F.silu(self.w1[i](f)) * self.w3[i](f))
        logits = self.final(x) @ self.emb.weight.t()
        return logits, torch.stack(new_conv), new_k[:, :, 1:], new_v[:, :, 1:]


# ------------------------------------------------------------------------------------------------------------ Gemma 3n
class Gemma3n(nn.Module):
    """8-token prefill, 3 layers (first 2 with activation sparsity), 4 AltUp streams, LAuReL rank 8, per-layer
    embeddings of 16, vocab 256, logits soft-capped at 30."""
    def __init__(self, vocab=256, d=64, heads=4, layers=3, streams=4, dp=16, rank=8, sparse=2, cap=30.0):
        super().__init__()
        self.d, self.h, self.hd, self.nl, self.ns, self.dp, self.sparse, self.cap = d, heads, d // heads, layers, streams, dp, sparse, cap
        self.emb = nn.Embedding(vocab, d)
        self.emb_pl = nn.Embedding(vocab, layers * dp)
        self.pl_proj, self.pl_norm = nn.Linear(d, layers * dp, bias=False), RMSNorm(dp)
        self.alt_proj = nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(streams - 1)])
        self.alt_unproj = nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(streams - 1)])
        L = lambda: nn.ModuleList([nn.Linear(d, d, bias=False) for _ in range(layers)])
        self.router_norm = nn.ModuleList([RMSNorm(d) for _ in range(layers)])
        self.router = nn.ModuleList([nn.Linear(d, streams, bias=False) for _ in range(layers)])
        self.pred = nn.ModuleList([nn.Linear(streams, streams * streams, bias=False) for _ in range(layers)])
        self.corr = nn.ModuleList([nn.Linear(streams, streams, bias=False) for _ in range(layers)])
        self.corr_scale = nn.Parameter(torch.ones(layers, d) + torch.randn(layers, d, generator=g) * 0.1)
        self.in_norm = nn.ModuleList([RMSNorm(d) for _ in range(layers)])
        self.post_attn_norm = nn.ModuleList([RMSNorm(d) for _ in range(layers)])
        self.pre_ffn_norm = nn.ModuleList([RMSNorm(d) for _ in range(layers)])
        self.post_ffn_norm = nn.ModuleList([RMSNorm(d) for _ in range(layers)])
        self.q, self.k, self.v, self.o = L(), L(), L(), L()
        self.qn = nn.ModuleList([RMSNorm(self.hd) for _ in range(layers)])
        self.kn = nn.ModuleList([RMSNorm(self.hd) for _ in range(layers)])
        self.lau_l = nn.ModuleList([nn.Linear(d, rank, bias=False) for _ in range(layers)])
        self.lau_r = nn.ModuleList([nn.Linear(rank, d, bias=False) for _ in range(layers)])
        self.lau_n = nn.ModuleList([RMSNorm(d) for _ in range(layers)])
        self.gate = nn.ModuleList([nn.Linear(d, 4 * d, bias=False) for _ in range(layers)])
        self.up = nn.ModuleList([nn.Linear(d, 4 * d, bias=False) for _ in range(layers)])
        self.down = nn.ModuleList([nn.Linear(4 * d, d, bias=False) for _ in range(layers)])
        self.pl_gate = nn.ModuleList([nn.Linear(d, dp, bias=False) for _ in range(layers)])
        self.pl_out = nn.ModuleList([nn.Linear(dp, d, bias=False) for _ in range(layers)])
        self.pl_post = nn.ModuleList([RMSNorm(d) for _ in range(layers)])
        self.final = RMSNorm(d)
        cos, sin = rope_tables(self.hd, 64)
        self.register_buffer('cos', cos)
        self.register_buffer('sin', sin)

    @staticmethod
    def rms(x):
        return x.pow(2).mean(-1, keepdim=True).sqrt()

    def forward(self, input_ids):
        b, t = input_ids.shape
        x = self.emb(input_ids) * math.sqrt(self.d)
        pl = self.emb_pl(input_ids).view(b, t, self.nl, self.dp) * math.sqrt(self.dp)
        plp = self.pl_norm((self.pl_proj(x) / math.sqrt(self.d)).view(b, t, self.nl, self.dp))
        pl = (plp + pl) * (2 ** -0.5)
        target = self.rms(x)
        streams = [x] + [p(x) * (target / self.rms(p(x)).clamp(min=1e-5)) for p in self.alt_proj]
        s = torch.stack(streams, 0)  # [4, B, T, d]
        cos, sin = self.cos[:t], self.sin[:t]
        mask = torch.full((t, t), float('-inf')).triu(1)
        for i in range(self.nl):
            # AltUp predict
            mod = torch.tanh(self.router[i](self.router_norm[i](s[0])) / self.d)  # [B, T, 4]
            coef = self.pred[i](mod).view(b, t, self.ns, self.ns).permute(2, 3, 0, 1)  # [4, 4, B, T]
            pred = (coef.unsqueeze(-1) * s.unsqueeze(0)).sum(1) + s
            act = pred[0]
            y = self.in_norm[i](act)
            lau = y + self.lau_n[i](self.lau_r[i](self.lau_l[i](y)))
            q = self.qn[i](self.q[i](y).view(b, t, self.h, self.hd)).transpose(1, 2)
            k = self.kn[i](self.k[i](y).view(b, t, self.h, self.hd)).transpose(1, 2)
            v = self.v[i](y).view(b, t, self.h, self.hd).transpose(1, 2)
            q, k = q * cos + rot_half(q) * sin, k * cos + rot_half(k) * sin
            a = (q @ k.transpose(-1, -2) + mask).softmax(-1) @ v
            attn = self.post_attn_norm[i](self.o[i](a.transpose(1, 2).reshape(b, t, self.d)))
            h = (act + attn + lau) * (2 ** -0.5)
            f = self.pre_ffn_norm[i](h)
            gt = self.gate[i](f)
            if i < self.sparse:  # Gaussian top-k: keep what is above mean + 1.645 std
                cut = gt.mean(-1, keepdim=True) + gt.std(-1, keepdim=True, unbiased=False) * 1.6448536
                gt = torch.relu(gt - cut)
            h = h + self.post_ffn_norm[i](self.down[i](F.gelu(gt, approximate='tanh') * self.up[i](f)))
            # AltUp correct
            cc = torch.tanh(self.router[i](self.router_norm[i](h)) / self.d)
            cc = (self.corr[i](cc) + 1).permute(2, 0, 1).unsqueeze(-1)  # [4, B, T, 1]
            s = pred + (h - act).unsqueeze(0) * cc
            first = s[0] * self.corr_scale[i]
            gp = F.gelu(self.pl_gate[i](first), approximate='tanh') * pl[:, :, i]
            extra = self.pl_post[i](self.pl_out[i](gp))
            s = torch.cat([s[:1], s[1:] + extra.unsqueeze(0)], 0)
        target = self.rms(s[0])
        outs = [s[0]] + [u(s[j + 1]) * (target / self.rms(u(s[j + 1])).clamp(min=1e-5)) for j, u in enumerate(self.alt_unproj)]
        hfin = self.final(torch.stack(outs, 0).mean(0))
        logits = hfin @ self.emb.weight.t()
        return torch.tanh(logits / self.cap) * self.cap
