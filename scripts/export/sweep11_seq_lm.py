"""Eleventh sweep: language and sequence models as their projects' exports write them (random weights, small widths):
RetNet (parallel retention with the decay mask, and the recurrent step with its state), Llama 3 as optimum / transformers.js
run it (rope with Llama 3's frequency scaling, `position_ids` from the attention mask's cumsum, the 4-D causal mask
with finfo.min), BGE-small (CLS pooling, L2-normalised) and E5 / GTE (mean pooling over the mask), NLLB / M2M100's
encoder and decoder step (sinusoidal positions from the ids' non-pad cumsum, scaled embeddings, pre-LN), and long
convolutions by rfft / irfft (S4D's kernel from its diagonal SSM, Hyena's implicit filter). Models in MODELS,
exported by sweep11_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import LlamaBlock, RMSNorm  # noqa: E402 — LLaMA's block (RMSNorm, rotate_half, repeat_kv, SwiGLU)


# --- RetNet (microsoft/torchscale MultiScaleRetention) ---

class Retention(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h, self.dk = h, d // h
        self.q, self.k, self.v, self.g, self.o = (nn.Linear(d, d, bias=False) for _ in range(5))
        self.gn = nn.GroupNorm(h, d, affine=False)
        self.register_buffer('decay', torch.log(1 - 2 ** (-5 - torch.arange(h, dtype=torch.float))))
        self.register_buffer('angle', 1.0 / (10000 ** torch.linspace(0, 1, self.dk // 2)).repeat_interleave(2))

    def rot(self, x, pos):  # xpos-style rotation of pairs
        s, c = torch.sin(pos[:, None] * self.angle), torch.cos(pos[:, None] * self.angle)
        x2 = torch.stack([-x[..., 1::2], x[..., ::2]], -1).flatten(-2)
        return x * c + x2 * s

    def heads(self, x, b, t):
        return x.view(b, t, self.h, self.dk).transpose(1, 2)

    def parallel(self, x):
        b, t, d = x.shape
        pos = torch.arange(t, dtype=x.dtype)
        q, k = self.rot(self.heads(self.q(x), b, t), pos), self.rot(self.heads(self.k(x), b, t), pos) * self.dk ** -0.5
        v = self.heads(self.v(x), b, t)
        idx = torch.arange(t)
        delta = (idx[:, None] - idx[None, :]).to(x.dtype)
        mask = torch.exp(delta * self.decay[:, None, None]).masked_fill(idx[:, None] < idx[None, :], 0.0)
        mask = mask / mask.sum(-1, keepdim=True).sqrt()
        qk = (q @ k.transpose(-1, -2)) * mask
        qk = qk / qk.detach().abs().sum(-1, keepdim=True).clamp(min=1)
        y = (qk @ v).transpose(1, 2).reshape(b * t, d, 1)  # GroupNorm on [N, C, 1]: torch 1.13 cannot export it on [N, C]
        y = self.gn(y).view(b, t, d)
        return self.o(F.silu(self.g(x)) * y)

    def recurrent(self, x, state, scale, pos):  # x [B, 1, d], state [B, h, dk, dk], scale [B, h, 1, 1]
        b, t, d = x.shape
        q, k = self.rot(self.heads(self.q(x), b, 1), pos), self.rot(self.heads(self.k(x), b, 1), pos) * self.dk ** -0.5
        v = self.heads(self.v(x), b, 1)
        kv = k.transpose(-1, -2) * v
        decay = torch.exp(self.decay).view(1, self.h, 1, 1)
        new_scale = scale * decay + 1
        new_state = state * (scale.sqrt() * decay / new_scale.sqrt()) + kv / new_scale.sqrt()
        y = q @ new_state
        y = y / y.detach().abs().sum(-1, keepdim=True).clamp(min=1)
        y = self.gn(y.transpose(1, 2).reshape(b, d, 1)).view(b, 1, d)
        return self.o(F.silu(self.g(x)) * y), new_state, new_scale


class RetNet(nn.Module):
    def __init__(self, vocab=200, d=64, h=4, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.ret = nn.ModuleList([Retention(d, h) for _ in range(layers)])
        self.ffn = nn.ModuleList([nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)) for _ in range(layers)])
        self.ln1 = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)])
        self.ln2 = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)])
        self.head = nn.Linear(d, vocab, bias=False)


class RetNetParallel(RetNet):
    def forward(self, input_ids):
        x = self.emb(input_ids)
        for r, f, a, b in zip(self.ret, self.ffn, self.ln1, self.ln2):
            x = x + r.parallel(a(x))
            x = x + f(b(x))
        return self.head(x)


class RetNetStep(RetNet):
    def forward(self, input_ids, position, state0, scale0, state1, scale1):
        x = self.emb(input_ids)
        pos = position.to(torch.float).view(1)
        outs = []
        for r, f, a, b, s, sc in zip(self.ret, self.ffn, self.ln1, self.ln2, (state0, state1), (scale0, scale1)):
            y, ns, nsc = r.recurrent(a(x), s, sc, pos)
            outs += [ns, nsc]
            x = x + y
            x = x + f(b(x))
        return (self.head(x), *outs)


# --- Llama 3 as optimum / transformers.js export it ---

def llama3_inv_freq(dk, base=500000.0, factor=8.0, low=1.0, high=4.0, old_ctx=8192):
    inv = 1.0 / (base ** (torch.arange(0, dk, 2, dtype=torch.float) / dk))
    wavelen = 2 * math.pi / inv
    low_wl, high_wl = old_ctx / low, old_ctx / high
    smooth = (old_ctx / wavelen - low) / (high - low)
    scaled = torch.where(wavelen > low_wl, inv / factor, inv)
    mid = (1 - smooth) * scaled / factor + smooth * scaled
    return torch.where((wavelen >= high_wl) & (wavelen <= low_wl), mid, scaled)


class Llama3Past(nn.Module):
    """input_ids, attention_mask (over past + new), past keys / values; position_ids = cumsum(mask) - 1 (1 where
    masked), as transformers' prepare_inputs_for_generation and transformers.js compute them."""
    def __init__(self, vocab=256, d=64, h=4, kvh=2, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([LlamaBlock(d, h, kvh, ff=128) for _ in range(layers)])
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)
        self.register_buffer('inv_freq', llama3_inv_freq(d // h))

    def forward(self, input_ids, attention_mask, *past):
        b, t = input_ids.shape
        pos = attention_mask.long().cumsum(-1) - 1
        pos = pos.masked_fill(attention_mask == 0, 1)[:, -t:]
        freqs = pos[:, None, :, None].float() * self.inv_freq[None, None, None, :]
        emb = torch.cat([freqs, freqs], -1)
        cos, sin = emb.cos(), emb.sin()
        total = attention_mask.shape[1]
        past_len = total - t
        fmin = torch.finfo(torch.float32).min
        causal = torch.full((t, total), fmin).triu(past_len + 1)
        pad = (1.0 - attention_mask[:, None, None, :].float()) * fmin
        mask = (causal[None, None] + pad).clamp(min=fmin)
        x = self.emb(input_ids)
        present = []
        for i, layer in enumerate(self.layers):
            x, k, v = layer(x, cos, sin, past[2 * i], past[2 * i + 1], mask)
            present += [k, v]
        return (self.head(self.norm(x)), *present)


def llama3_inputs(b=2, past=4, t=3, layers=2, kvh=2, dk=16):
    ids = torch.randint(3, 256, (b, t))
    mask = torch.ones(b, past + t, dtype=torch.long)
    mask[1, :2] = 0
    return (ids, mask, *(torch.randn(b, kvh, past, dk) for _ in range(2 * layers)))


# --- text embedders: BERT with CLS pooling (BGE) or mean pooling (E5 / GTE) ---

class BertEmbedder(nn.Module):
    def __init__(self, vocab=300, d=64, h=4, layers=2, pool='cls'):
        super().__init__()
        self.tok, self.pos, self.typ = nn.Embedding(vocab, d), nn.Embedding(128, d), nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.h, self.pool = h, pool
        self.enc = nn.ModuleList([nn.ModuleDict({'qkv': nn.Linear(d, 3 * d), 'o': nn.Linear(d, d), 'ln1': nn.LayerNorm(d, eps=1e-12),
                                                 'f1': nn.Linear(d, 4 * d), 'f2': nn.Linear(4 * d, d), 'ln2': nn.LayerNorm(d, eps=1e-12)}) for _ in range(layers)])

    def forward(self, input_ids, attention_mask, token_type_ids):
        b, t = input_ids.shape
        x = self.ln(self.tok(input_ids) + self.pos(torch.arange(t)[None]) + self.typ(token_type_ids))
        ext = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        dk = x.shape[-1] // self.h
        for L in self.enc:
            q, k, v = (z.view(b, t, self.h, dk).transpose(1, 2) for z in L['qkv'](x).chunk(3, -1))
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dk) + ext, -1) @ v
            x = L['ln1'](x + L['o'](a.transpose(1, 2).reshape(b, t, -1)))
            x = L['ln2'](x + L['f2'](F.gelu(L['f1'](x))))
        if self.pool == 'cls':
            e = x[:, 0]
        else:
            m = attention_mask[..., None].float()
            e = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return F.normalize(e, p=2, dim=1)


def embedder_inputs(b=2, t=12):
    ids = torch.randint(5, 300, (b, t))
    mask = torch.ones(b, t, dtype=torch.long)
    mask[1, 8:] = 0
    return ids, mask, torch.zeros(b, t, dtype=torch.long)


# --- NLLB / M2M100 ---

def m2m_sinusoid(n, d, pad=1):
    half = d // 2
    f = torch.exp(torch.arange(half, dtype=torch.float) * -(math.log(10000.0) / (half - 1)))
    e = torch.arange(n, dtype=torch.float)[:, None] * f[None]
    e = torch.cat([torch.sin(e), torch.cos(e)], 1)
    e[pad] = 0
    return e


def m2m_positions(ids, pad=1, past=0):
    mask = ids.ne(pad).int()
    return (torch.cumsum(mask, 1).type_as(mask) + past) * mask + pad


class M2MLayer(nn.Module):
    def __init__(self, d=64, h=4, cross=False):
        super().__init__()
        self.h = h
        self.sa = nn.ModuleList([nn.Linear(d, d) for _ in range(4)])
        self.ca = nn.ModuleList([nn.Linear(d, d) for _ in range(4)]) if cross else None
        self.ln1, self.ln2, self.ln3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.f1, self.f2 = nn.Linear(d, 2 * d), nn.Linear(2 * d, d)

    def attn(self, p, x, k, v, bias):
        b, t, d = x.shape
        dk = d // self.h
        q = (p[0](x) * dk ** -0.5).view(b, t, self.h, dk).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) + bias, -1) @ v
        return p[3](a.transpose(1, 2).reshape(b, t, d))

    def kv(self, p, y):
        b, s, d = y.shape
        dk = d // self.h
        return p[1](y).view(b, s, self.h, dk).transpose(1, 2), p[2](y).view(b, s, self.h, dk).transpose(1, 2)


class M2MEncoder(nn.Module):
    def __init__(self, vocab=300, d=64, layers=2):
        super().__init__()
        self.emb, self.scale = nn.Embedding(vocab, d, padding_idx=1), math.sqrt(d)
        self.register_buffer('pos', m2m_sinusoid(128, d))
        self.layers = nn.ModuleList([M2MLayer(d) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)

    def forward(self, input_ids, attention_mask):
        x = self.emb(input_ids) * self.scale + self.pos[m2m_positions(input_ids).long()]
        bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for L in self.layers:
            y = L.ln1(x)
            k, v = L.kv(L.sa, y)
            x = x + L.attn(L.sa, y, k, v, bias)
            x = x + L.f2(F.relu(L.f1(L.ln2(x))))
        return self.ln(x)


class M2MDecoderStep(nn.Module):
    """optimum's decoder_with_past for M2M100 / NLLB: one token, past self keys / values, encoder keys / values."""
    def __init__(self, vocab=300, d=64, layers=2):
        super().__init__()
        self.emb, self.scale = nn.Embedding(vocab, d, padding_idx=1), math.sqrt(d)
        self.register_buffer('pos', m2m_sinusoid(128, d))
        self.layers = nn.ModuleList([M2MLayer(d, cross=True) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids, encoder_attention_mask, *past):
        past_len = past[0].shape[2]
        x = self.emb(input_ids) * self.scale + self.pos[m2m_positions(input_ids, past=past_len).long()]
        enc_bias = (1.0 - encoder_attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        out = []
        for i, L in enumerate(self.layers):
            pk, pv, ek, ev = past[4 * i:4 * i + 4]
            y = L.ln1(x)
            k, v = L.kv(L.sa, y)
            k, v = torch.cat([pk, k], 2), torch.cat([pv, v], 2)
            x = x + L.attn(L.sa, y, k, v, 0.0)
            x = x + L.attn(L.ca, L.ln2(x), ek, ev, enc_bias)
            x = x + L.f2(F.relu(L.f1(L.ln3(x))))
            out += [k, v]
        return (self.head(self.ln(x)), *out)


def m2m_step_inputs(b=2, past=4, src=10, layers=2, h=4, dk=16):
    mask = torch.ones(b, src, dtype=torch.long)
    mask[1, 7:] = 0
    return (torch.randint(5, 300, (b, 1)), mask, *(torch.randn(b, h, past if j < 2 else src, dk) for _ in range(layers) for j in range(4)))


# --- long convolutions by FFT: S4D and Hyena ---

class Rfft(torch.autograd.Function):
    """torch.fft.rfft(x, n) over the last axis as real / imaginary pairs [..., n // 2 + 1, 2], exported as a later
    torch writes it at opset 17 (Unsqueeze, DFT with dft_length n, onesided); torch 1.13 exports no fft op."""
    @staticmethod
    def forward(ctx, x, n: int):
        return torch.view_as_real(torch.fft.rfft(x, n=n))

    @staticmethod
    def symbolic(g, x, n: int):
        rank = len(x.type().sizes())
        xr = g.op('Unsqueeze', x, g.op('Constant', value_t=torch.tensor([-1])))
        return g.op('DFT', xr, g.op('Constant', value_t=torch.tensor(n)), axis_i=rank - 1, onesided_i=1)


class Irfft(torch.autograd.Function):
    """torch.fft.irfft(X, n) of pairs [..., n // 2 + 1, 2]: the full spectrum rebuilt from the conjugate mirror, DFT
    inverse (1 / n), the real part (the form onnxscript's _fft_c2r writes)."""
    @staticmethod
    def forward(ctx, X, n: int):
        return torch.fft.irfft(torch.view_as_complex(X.contiguous()), n=n)

    @staticmethod
    def symbolic(g, X, n: int):
        rank = len(X.type().sizes())
        ax = rank - 2
        f = n // 2 + 1
        c = lambda v: g.op('Constant', value_t=torch.tensor(v))  # noqa: E731
        mirror = g.op('Slice', X, c([f - 2]), c([0]), c([ax]), c([-1]))
        conj = g.op('Mul', mirror, c([1.0, -1.0]))
        full = g.op('Concat', X, conj, axis_i=ax)
        y = g.op('DFT', full, axis_i=ax, inverse_i=1, onesided_i=0)
        re = g.op('Slice', y, c([0]), c([1]), c([rank - 1]))
        return g.op('Squeeze', re, c([rank - 1]))


def cmul(a, b):
    ar, ai, br, bi = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    return torch.stack([ar * br - ai * bi, ar * bi + ai * br], -1)


def fftconv(u, k):
    """state-spaces' fftconv: rfft of the signal and the kernel over 2L, product, irfft, the first L samples."""
    n = int(u.shape[-1])  # a Python int: the trace would make a shape value a tensor
    return Irfft.apply(cmul(Rfft.apply(u, 2 * n), Rfft.apply(k, 2 * n)), 2 * n)[..., :n]


class S4D(nn.Module):
    """S4D (state-spaces/s4 s4d.py) with the kernel computed from its diagonal SSM in forward (real / imag parts kept
    apart: Vandermonde of exp(dtA * l)), convolved by rfft / irfft over 2L, D skip, GELU, output linear."""
    def __init__(self, d=32, n=16):
        super().__init__()
        self.log_dt = nn.Parameter(torch.rand(d) * (math.log(0.1) - math.log(0.001)) + math.log(0.001))
        self.log_A_real = nn.Parameter(torch.log(0.5 * torch.ones(d, n // 2)))
        self.A_imag = nn.Parameter(math.pi * torch.arange(n // 2).float().repeat(d, 1))
        self.C_re, self.C_im = nn.Parameter(torch.randn(d, n // 2) * 0.5), nn.Parameter(torch.randn(d, n // 2) * 0.5)
        self.D = nn.Parameter(torch.randn(d))
        self.out = nn.Conv1d(d, 2 * d, 1)

    def kernel(self, L: int):
        dt = torch.exp(self.log_dt)[:, None]
        a_re, a_im = -torch.exp(self.log_A_real) * dt, self.A_imag * dt
        # C * (exp(dtA) - 1) / A, complex arithmetic by parts
        e_re, e_im = torch.exp(a_re) * torch.cos(a_im) - 1, torch.exp(a_re) * torch.sin(a_im)
        A_re, A_im = -torch.exp(self.log_A_real), self.A_imag
        den = A_re ** 2 + A_im ** 2
        q_re, q_im = (e_re * A_re + e_im * A_im) / den, (e_im * A_re - e_re * A_im) / den
        c_re, c_im = self.C_re * q_re - self.C_im * q_im, self.C_re * q_im + self.C_im * q_re
        l = torch.arange(L, dtype=torch.float)
        ang_re, ang_im = a_re[..., None] * l, a_im[..., None] * l
        v_re, v_im = torch.exp(ang_re) * torch.cos(ang_im), torch.exp(ang_re) * torch.sin(ang_im)
        return 2 * (c_re[..., None] * v_re - c_im[..., None] * v_im).sum(1)

    def forward(self, u):  # u [B, d, L]
        y = fftconv(u, self.kernel(u.shape[-1])) + u * self.D[:, None]
        return F.glu(self.out(F.gelu(y)), dim=1)


class HyenaOperator(nn.Module):
    """Hyena (HazyResearch safari hyena.py) order 2: in_proj to 3 branches, short depthwise conv, an implicit long
    filter (an FFN over sinusoidal positions times an exponential decay window) applied by fftconv, gated."""
    def __init__(self, d=32, L=64, emb=9, ffn=32):
        super().__init__()
        self.d, self.L = d, L
        self.in_proj, self.out_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.short = nn.Conv1d(3 * d, 3 * d, 3, padding=2, groups=3 * d)
        t = torch.linspace(0, 1, L)[None, :, None]
        bands = (emb - 1) // 2
        w = 2 * math.pi * torch.linspace(1e-4, bands - 1, bands)[None, None]
        z = torch.cat([t, torch.cos(w * torch.linspace(0, 1, L)[None, :, None] * L / L), torch.sin(w * t)], -1)
        self.register_buffer('z', z)
        self.register_buffer('deltas', torch.linspace(math.log(1e-2) / 1.5, math.log(1e-2) / 0.3, d)[None, None].abs())
        self.register_buffer('t', t)
        self.filter = nn.Sequential(nn.Linear(emb, ffn), nn.SiLU(), nn.Linear(ffn, ffn), nn.SiLU(), nn.Linear(ffn, d, bias=False))
        self.bias = nn.Parameter(torch.randn(d))

    def forward(self, u):  # u [B, L, d]
        L = u.shape[1]
        x = self.short(self.in_proj(u).transpose(1, 2))[..., :L]
        x0, x1, v = x.split(self.d, 1)
        h = self.filter(self.z[:, :L]) * torch.exp(-self.t[:, :L] * self.deltas)
        h = h[0].transpose(0, 1)  # [d, L]
        v = v * x1
        v = fftconv(v, h) + v * self.bias[:, None]
        return self.out_proj((v * x0).transpose(1, 2))


MODELS = {
    'retnet_parallel': lambda: (RetNetParallel().eval(), torch.randint(0, 200, (2, 16)),
                                {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14, 'dynamic': {'input_ids': {0: 'batch', 1: 'seq'}}}),
    'retnet_step': lambda: (RetNetStep().eval(), (torch.randint(0, 200, (2, 1)), torch.tensor(5), *(t for _ in range(2) for t in (torch.randn(2, 4, 16, 16) * 0.1, torch.full((2, 4, 1, 1), 3.0)))),
                            {'names': ['input_ids', 'position', 'state0', 'scale0', 'state1', 'scale1'],
                             'outputs': ['logits', 'state0_out', 'scale0_out', 'state1_out', 'scale1_out'], 'opset': 14}),
    'llama3_past': lambda: (Llama3Past().eval(), llama3_inputs(),
                            {'names': ['input_ids', 'attention_mask'] + [f'past_key_values.{i}.{kv}' for i in range(2) for kv in ('key', 'value')],
                             'outputs': ['logits'] + [f'present.{i}.{kv}' for i in range(2) for kv in ('key', 'value')], 'opset': 14,
                             'dynamic': {'input_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'total'},
                                         **{f'past_key_values.{i}.{kv}': {0: 'batch', 2: 'past'} for i in range(2) for kv in ('key', 'value')}}}),
    'bge_small_cls': lambda: (BertEmbedder(pool='cls').eval(), embedder_inputs(),
                              {'names': ['input_ids', 'attention_mask', 'token_type_ids'], 'outputs': ['sentence_embedding'], 'opset': 14,
                               'dynamic': {n: {0: 'batch', 1: 'seq'} for n in ('input_ids', 'attention_mask', 'token_type_ids')}}),
    'gte_mean_pool': lambda: (BertEmbedder(pool='mean').eval(), embedder_inputs(),
                              {'names': ['input_ids', 'attention_mask', 'token_type_ids'], 'outputs': ['sentence_embedding'], 'opset': 14,
                               'dynamic': {n: {0: 'batch', 1: 'seq'} for n in ('input_ids', 'attention_mask', 'token_type_ids')}}),
    'm2m100_encoder': lambda: (M2MEncoder().eval(), (torch.cat([torch.randint(5, 300, (2, 10))], 1), torch.tensor([[1] * 10, [1] * 7 + [0] * 3])),
                               {'names': ['input_ids', 'attention_mask'], 'outputs': ['last_hidden_state'], 'opset': 14,
                                'dynamic': {'input_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'seq'}}}),
    'm2m100_decoder_step': lambda: (M2MDecoderStep().eval(), m2m_step_inputs(),
                                    {'names': ['input_ids', 'encoder_attention_mask'] + [f'past_key_values.{i}.{n}' for i in range(2) for n in ('decoder.key', 'decoder.value', 'encoder.key', 'encoder.value')],
                                     'outputs': ['logits'] + [f'present.{i}.decoder.{kv}' for i in range(2) for kv in ('key', 'value')], 'opset': 14}),
    's4d_fftconv': lambda: (S4D().eval(), torch.randn(1, 32, 64), {'names': ['u'], 'outputs': ['y'], 'opset': 17}),
    'hyena_fftconv': lambda: (HyenaOperator().eval(), torch.randn(1, 64, 32), {'names': ['u'], 'outputs': ['y'], 'opset': 17}),
}
