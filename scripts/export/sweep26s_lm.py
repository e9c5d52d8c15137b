#!/usr/bin/env python3
"""Twenty-sixth sweep (docs/model-sweep.md "Twenty-sixth sweep (sequence)"): small-LM and attention families not tried
in the twenty-five earlier sweeps, in plain torch 1.13 as their papers' reference code writes them (random weights,
small widths): a MiniCPM decode step (muP scalings, grouped-query attention, KV past in / out), a StreamingLLM decode
step (attention sinks and a rolling cache written by index_put at a slot chosen by a scripted If), Gated Slot
Attention, ReBased, Tokenformer (Pattention), a PEER product-key expert layer, Aaren (attention as a prefix scan),
Mixture of Recursions (expert-choice recursion routing), KERPLE's log bias and Scalable-Softmax; the audio models in
sweep26s_audio.py, Chronos-2 in sweep26s_ts.py.

Usage: `/usr/bin/python3 scripts/export/sweep26s_lm.py OUT_DIR [NAME ...]` (OUT_DIR outside the repository; every
model of the three files), then `node bin/onnx2lite.js convert OUT_DIR/NAME.onnx`; `--reference OUT_DIR NAME` writes
NAME with its own inputs and PyTorch's outputs beside it (scripts/check-vs-torch.ts)."""
import math
import os
import sys

import torch
from torch import nn, Tensor
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402
from sweep3_seq import RMSNorm  # noqa: E402
from sweep11_seq_cf import _script  # noqa: E402
from sweep20_seq_lm import PreNormLM, SwiGLU, ids, rope  # noqa: E402
from sweep21_seq_lm import repeat_kv  # noqa: E402
from sweep22_seq_lm import heads, merge, NEG, causal  # noqa: E402
from sweep24_seq import QKV  # noqa: E402

LM = {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}


def causal_mix(q, k, v, bias=0.0):  # softmax(q·kᵀ / √d + bias) over the causal row, heads merged
    n = q.shape[2]
    w = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias).masked_fill(~causal(n), NEG).softmax(-1)
    return merge(w @ v)


# --- MiniCPM decode step: scale_emb, residuals scaled by scale_depth / √L, logits / (d / dim_model_base), GQA ---

class MiniCPMStep(nn.Module):
    def __init__(self, vocab=300, d=64, h=4, kvh=2, layers=2, scale_emb=12.0, scale_depth=1.4, base=16):
        super().__init__()
        self.h, self.kvh, self.hd, self.layers = h, kvh, d // h, layers
        self.scale_emb, self.res, self.logit = scale_emb, scale_depth / math.sqrt(layers), d / base
        self.emb = nn.Embedding(vocab, d)
        self.q = nn.ModuleList(nn.Linear(d, d, bias=False) for _ in range(layers))
        self.kv = nn.ModuleList(nn.Linear(d, 2 * kvh * self.hd, bias=False) for _ in range(layers))
        self.o = nn.ModuleList(nn.Linear(d, d, bias=False) for _ in range(layers))
        self.mlp = nn.ModuleList(SwiGLU(d, 2 * d) for _ in range(layers))
        self.n1 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids, position, past_k, past_v):  # [1, 1], [1] int64, [L, 1, kvh, P, hd] each
        x = self.emb(input_ids) * self.scale_emb
        ks, vs = [], []
        for i in range(self.layers):
            y = self.n1[i](x)
            q = rope(heads(self.q[i](y), self.h), position)
            k, v = self.kv[i](y).chunk(2, -1)
            k, v = rope(heads(k, self.kvh), position), heads(v, self.kvh)
            k, v = torch.cat([past_k[i], k], 2), torch.cat([past_v[i], v], 2)
            ks.append(k)
            vs.append(v)
            rep = self.h // self.kvh
            w = (q @ repeat_kv(k, rep).transpose(-1, -2) / math.sqrt(self.hd)).softmax(-1)
            x = x + self.o[i](merge(w @ repeat_kv(v, rep))) * self.res
            x = x + self.mlp[i](self.n2[i](x)) * self.res
        return self.head(self.norm(x) / self.logit), torch.stack(ks), torch.stack(vs)


# --- StreamingLLM decode step: 4 attention sinks + a rolling window of 4; the slot chosen by a scripted If ---

class StreamingSinkStep(nn.Module):
    def __init__(self, vocab: int = 200, d: int = 32, h: int = 4, sinks: int = 4, cap: int = 8):
        super().__init__()
        self.h, self.hd, self.d, self.sinks, self.cap = h, d // h, d, sinks, cap
        self.emb, self.qkv, self.o = nn.Embedding(vocab, d), nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.head = nn.Linear(d, vocab, bias=False)
        self.register_buffer('inv', 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd)))

    def rot(self, x: Tensor, pos: Tensor) -> Tensor:  # x [h, n, hd], pos [n] float
        f = pos[:, None] * self.inv[None]
        cos, sin = torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)
        half = self.hd // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin

    def forward(self, token: Tensor, n_seen: Tensor, k_cache: Tensor, v_cache: Tensor):  # [1], [1], [h, cap, hd] x2
        n = torch.clamp(n_seen[0], 0, 1000000)
        if bool(n < self.cap):
            slot = n
        else:
            slot = self.sinks + torch.remainder(n - self.sinks, self.cap - self.sinks)
        x = self.emb(token)                                          # [1, d]
        q, k, v = self.qkv(x).split(self.d, dim=1)
        k_cache = k_cache.clone()
        v_cache = v_cache.clone()
        k_cache[:, slot] = k.reshape(self.h, self.hd)                # un-rotated keys: positions are cache positions
        v_cache[:, slot] = v.reshape(self.h, self.hd)
        w = self.cap - self.sinks
        qpos = torch.clamp(n, 0, self.cap - 1)
        i = torch.arange(self.cap)
        age = torch.remainder(slot - i, w)
        kpos = torch.where(i < self.sinks, i, qpos - age)
        valid = i <= qpos
        qr = self.rot(q.reshape(self.h, 1, self.hd), qpos.float().reshape(1))
        kr = self.rot(k_cache, kpos.float())
        s = (qr @ kr.transpose(1, 2)) / math.sqrt(self.hd)
        s = torch.where(valid[None, None], s, torch.full_like(s, -1e9))
        y = (s.softmax(-1) @ v_cache).reshape(1, self.d)
        return self.head(x + self.o(y)), k_cache, v_cache


# --- Gated Slot Attention (Zhang et al. 2024): a bounded slot memory written with per-slot forget gates, read by softmax ---

class GSA(nn.Module):
    def __init__(self, d=64, h=4, slots=8):
        super().__init__()
        self.att, self.h, self.m = QKV(d, h), h, slots
        self.f = nn.Linear(d, h * slots)

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = self.att.split(x)                                       # [b, h, n, hd]
        a = torch.sigmoid(self.f(x)).view(b, n, self.h, self.m).transpose(1, 2) ** (1 / 8)   # damped gates [b, h, n, m]
        kt = torch.zeros(b, self.h, self.m, k.shape[-1])
        vt = torch.zeros_like(kt)
        ys = []
        for t in range(n):
            at = a[:, :, t, :, None]
            kt = at * kt + (1 - at) * k[:, :, t, None, :]
            vt = at * vt + (1 - at) * v[:, :, t, None, :]
            p = (kt @ q[:, :, t, :, None]).squeeze(-1).softmax(-1)     # [b, h, m]
            ys.append((p[..., None] * vt).sum(-2))
        return self.att.o(merge(torch.stack(ys, 2)))


# --- ReBased (Aksenov et al. 2024): φ(x) = (γ·LN(x) + β)⊗(γ·LN(x) + β), causal linear attention by CumSum of kvᵀ ---

class ReBased(nn.Module):
    def __init__(self, d=64, h=4, fd=8):
        super().__init__()
        self.h, self.fd = h, fd
        self.qk, self.v, self.o = nn.Linear(d, 2 * h * fd, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.gamma, self.beta = nn.Parameter(1 + 0.1 * torch.randn(fd)), nn.Parameter(0.1 * torch.randn(fd))

    def phi(self, x):  # [b, h, n, fd] -> [b, h, n, fd²]
        y = self.gamma * F.layer_norm(x, (self.fd,)) + self.beta
        return (y[..., :, None] * y[..., None, :]).flatten(-2)

    def forward(self, x):
        q, k = (self.phi(heads(t, self.h)) for t in self.qk(x).chunk(2, -1))
        v = heads(self.v(x), self.h)
        kv = torch.cumsum(k[..., :, None] * v[..., None, :], 2)            # [b, h, n, fd², hd]
        z = torch.cumsum(k, 2)
        num = (q[..., None, :] @ kv).squeeze(-2)
        den = (q * z).sum(-1, keepdim=True) + 1e-6
        return self.o(merge(num / den))


# --- Tokenformer (Wang et al. 2024): every projection a Pattention over learned key / value tokens, GeLU(θ(S)) ---

class Pattention(nn.Module):
    def __init__(self, din, dout, tokens=32):
        super().__init__()
        self.k, self.v = nn.Parameter(torch.randn(tokens, din) * 0.2), nn.Parameter(torch.randn(tokens, dout) * 0.2)

    def forward(self, x):
        s = x @ self.k.t()
        s = s / s.norm(dim=-1, keepdim=True) * math.sqrt(s.shape[-1])
        return F.gelu(s) @ self.v


class TokenformerLayer(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h, self.q, self.k, self.v, self.o = h, Pattention(d, d), Pattention(d, d), Pattention(d, d), Pattention(d, d)

    def forward(self, x):
        return self.o(causal_mix(heads(self.q(x), self.h), heads(self.k(x), self.h), heads(self.v(x), self.h)))


class TokenformerLM(PreNormLM):
    def __init__(self):
        super().__init__(lambda i: TokenformerLayer())
        self.mlp = nn.ModuleList(nn.Sequential(Pattention(64, 64, 64)) for _ in range(2))


# --- PEER (He 2024): product keys over 16 × 16 single-neuron experts, top-4 of 4 × 4 candidates per head ---

class PEER(nn.Module):
    def __init__(self, d=64, h=2, sub=16, topk=4, dk=16):
        super().__init__()
        self.h, self.sub, self.topk, self.dk = h, sub, topk, dk
        self.q = nn.Linear(d, h * 2 * dk, bias=False)
        self.k1, self.k2 = nn.Parameter(torch.randn(sub, dk)), nn.Parameter(torch.randn(sub, dk))
        self.down, self.up = nn.Embedding(sub * sub, d), nn.Embedding(sub * sub, d)

    def forward(self, x):
        b, n, d = x.shape
        q = self.q(x).view(b, n, self.h, 2, self.dk)
        s1, i1 = (q[..., 0, :] @ self.k1.t()).topk(self.topk, -1)          # [b, n, h, k]
        s2, i2 = (q[..., 1, :] @ self.k2.t()).topk(self.topk, -1)
        s = (s1[..., :, None] + s2[..., None, :]).flatten(-2)              # [b, n, h, k²]
        idx = (i1[..., :, None] * self.sub + i2[..., None, :]).flatten(-2)
        top, j = s.topk(self.topk, -1)
        e = torch.gather(idx, -1, j)                                        # [b, n, h, k] expert ids
        g = F.gelu((self.down(e) * x[:, :, None, None, :]).sum(-1)) * top.softmax(-1)
        return (g[..., None] * self.up(e)).sum((2, 3))


class PEERLM(PreNormLM):
    def __init__(self):
        super().__init__(lambda i: Causal())
        self.mlp = nn.ModuleList(PEER() for _ in range(2))


class Causal(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.att = QKV(d, h)

    def forward(self, x):
        pos = torch.arange(x.shape[1])
        q, k, v = self.att.split(x)
        return self.att.o(causal_mix(rope(q, pos), rope(k, pos), v))


# --- Aaren (Feng et al. 2024): attention of a learned query as a many-to-many RNN, by a Hillis-Steele prefix scan ---

class Aaren(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h, self.hd = h, d // h
        self.query = nn.Parameter(torch.randn(h, self.hd))
        self.kv, self.o = nn.Linear(d, 2 * d, bias=False), nn.Linear(d, d, bias=False)

    def forward(self, x):
        b, n, _ = x.shape
        k, v = (heads(t, self.h) for t in self.kv(x).chunk(2, -1))       # [b, h, n, hd]
        m = (k @ self.query[None, :, :, None]).squeeze(-1) / math.sqrt(self.hd)   # [b, h, n]
        u, w = torch.ones_like(m), v
        shift = 1
        while shift < n:  # combine each prefix with the one `shift` earlier: (max, Σ e^{s-m}, Σ e^{s-m} v)
            mp = F.pad(m[..., :-shift], (shift, 0), value=NEG)
            up = F.pad(u[..., :-shift], (shift, 0))
            wp = F.pad(w[..., :-shift, :], (0, 0, shift, 0))
            mn = torch.maximum(m, mp)
            a, c = torch.exp(m - mn), torch.exp(mp - mn)
            m, u, w = mn, u * a + up * c, w * a[..., None] + wp * c[..., None]
            shift *= 2
        return self.o(merge(w / u[..., None]))


# --- Mixture of Recursions (Bae et al. 2025): a shared block applied up to 3 times to fewer tokens each time ---

class MoRLM(nn.Module):
    def __init__(self, vocab=300, d=64, caps=(12, 8, 4)):
        super().__init__()
        self.emb, self.caps = nn.Embedding(vocab, d), caps
        self.attn, self.mlp, self.n1, self.n2 = Causal(d), SwiGLU(d, 2 * d), RMSNorm(d), RMSNorm(d)
        self.routers = nn.ModuleList(nn.Linear(d, 1) for _ in caps)
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        x = self.emb(ids)
        b, n, d = x.shape
        for cap, router in zip(self.caps, self.routers):
            g = torch.sigmoid(router(x)).squeeze(-1)                         # [b, n]
            top, _ = g.topk(cap, -1)
            idx = torch.sort(g.topk(cap, -1).indices, -1).values            # chosen tokens in causal order
            sel = torch.gather(x, 1, idx[..., None].expand(b, cap, d))
            gs = torch.gather(g, 1, idx)[..., None]
            y = sel + self.attn(self.n1(sel))
            y = y + self.mlp(self.n2(y))
            x = x.scatter(1, idx[..., None].expand(b, cap, d), sel + gs * (y - sel))
        return self.head(self.norm(x))


# --- KERPLE (Chi et al. 2022), log variant: bias −r1·log(1 + r2·|i − j|) per head ---

class Kerple(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.att = QKV(d, h)
        self.r1, self.r2 = nn.Parameter(torch.rand(h) + 0.5), nn.Parameter(torch.rand(h) + 0.5)

    def forward(self, x):
        n = x.shape[1]
        q, k, v = self.att.split(x)
        dist = (torch.arange(n)[:, None] - torch.arange(n)[None]).abs().float()
        bias = -F.softplus(self.r1)[:, None, None] * torch.log1p(F.softplus(self.r2)[:, None, None] * dist)
        return self.att.o(causal_mix(q, k, v, bias))


# --- Scalable-Softmax (Nakanishi 2025): query scaled by s·log(number of keys it sees), s learned per head ---

class SSMax(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.att, self.s = QKV(d, h), nn.Parameter(0.4 + 0.1 * torch.rand(h))

    def forward(self, x):
        n = x.shape[1]
        q, k, v = self.att.split(x)
        seen = torch.log(torch.arange(1, n + 1).float())[:, None]                      # [n, 1]
        return self.att.o(causal_mix(q * (self.s[:, None, None] * seen), k, v))


def minicpm_inputs(past=7, layers=2):
    return (torch.randint(1, 300, (1, 1)), torch.tensor([past]), torch.randn(layers, 1, 2, past, 16),
            torch.randn(layers, 1, 2, past, 16))


MODELS = {
    'minicpm_step': lambda: (MiniCPMStep().eval(), minicpm_inputs(),
                             {'names': ['input_ids', 'position', 'past_k', 'past_v'],
                              'outputs': ['logits', 'present_k', 'present_v'], 'opset': 14}),
    'streaming_sink_script': lambda: (_script(StreamingSinkStep()), (torch.tensor([7]), torch.tensor([11]),
                                      torch.randn(4, 8, 8), torch.randn(4, 8, 8)),
                                      {'names': ['token', 'n_seen', 'k_cache', 'v_cache'],
                                       'outputs': ['logits', 'k_out', 'v_out'], 'opset': 14}),
    'gsa': lambda: (PreNormLM(lambda i: GSA()).eval(), ids(12), {**LM, 'opset': 15}),
    'rebased': lambda: (PreNormLM(lambda i: ReBased()).eval(), ids(16), {**LM, 'opset': 16}),
    'tokenformer': lambda: (TokenformerLM().eval(), ids(16), {**LM, 'opset': 17}),
    'peer': lambda: (PEERLM().eval(), ids(16), {**LM, 'opset': 14}),
    'aaren': lambda: (PreNormLM(lambda i: Aaren()).eval(), ids(16), {**LM, 'opset': 15}),
    'mor': lambda: (MoRLM().eval(), ids(16), {**LM, 'opset': 16}),
    'kerple': lambda: (PreNormLM(lambda i: Kerple()).eval(), ids(24), {**LM, 'opset': 17}),
    'ssmax': lambda: (PreNormLM(lambda i: SSMax()).eval(), ids(24), {**LM, 'opset': 13}),
}
MODELS.update(__import__('sweep26s_audio').MODELS)  # PercepNet, DPCRN, musicnn, SVDF spotter, ReDimNet, XCodec2 decoder
MODELS.update(__import__('sweep26s_ts').MODELS)     # Chronos-2
MODELS.update(__import__('sweep26s_cf').MODELS)     # a scripted static-cache generation loop, a speech-LLM prefill

if __name__ == '__main__':
    if sys.argv[1:2] == ['--reference']:
        from sweep12_vis_torchref import export_with_reference
        opts = MODELS[sys.argv[3]]()[2]
        for op, fn in opts.get('symbolics', {}).items():  # Chronos-2's Asinh / Sinh
            torch.onnx.register_custom_op_symbolic(op, fn, opts['opset'])
        export_with_reference(MODELS, sys.argv[1:])
    else:
        export_all(MODELS, sys.argv, default_opset=None)
