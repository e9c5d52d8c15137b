#!/usr/bin/env python3
"""Twenty-seventh sweep (docs/model-sweep.md "Twenty-seventh sweep (sequence)"): small-LM, attention and state-space
families not tried in the twenty-six earlier sweeps, in plain torch 1.13 as their papers' reference code writes them
(random weights, small widths): Cog attention (signed weights), PaTH attention (accumulated Householder transforms of a
key cache, a scripted loop), a decode step with Canon layers, gated attention and a static KV cache written at the
position, Dual Chunk Attention's remapped rotary positions, LinOSS (an oscillatory SSM by a 2x2 associative scan) and
Hydra (a bidirectional quasiseparable mixer); the audio models in sweep27s_audio.py, time series in sweep27s_ts.py,
a speculative-decoding tree verification and a scripted VAD state machine in sweep27s_cf.py.

Usage: `/usr/bin/python3 scripts/export/sweep27s_lm.py OUT_DIR [NAME ...]` (OUT_DIR outside the repository; every
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


# --- Cog attention (Lv et al. 2024): softmax over |q·kᵀ| then the scores' signs, so weights can be negative ---

class CogAttention(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.att = QKV(d, h)

    def forward(self, x):
        n = x.shape[1]
        q, k, v = self.att.split(x)
        pos = torch.arange(n)
        q, k = rope(q, pos), rope(k, pos)
        s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        w = s.abs().masked_fill(~causal(n), NEG).softmax(-1) * torch.sign(s)
        return self.att.o(merge(w @ v))


# --- PaTH attention (Yang et al. 2025): q_iᵀ (∏_{j<s≤i} H_s) k_j with H_s = I − β_s w_s w_sᵀ, the key cache
# transformed by each step's Householder reflection and the step's key written into it (a scripted loop) ---

class PaTHLayer(nn.Module):
    def __init__(self, d: int = 32, h: int = 2):
        super().__init__()
        self.h, self.hd, self.d = h, d // h, d
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.w, self.beta = nn.Linear(d, d, bias=False), nn.Linear(d, h)
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff1, self.ff2 = nn.Linear(d, 2 * d), nn.Linear(2 * d, d)

    def forward(self, x: Tensor) -> Tensor:  # [n, d]
        n = x.shape[0]
        q, k, v = self.qkv(self.n1(x)).split(self.d, dim=1)
        q, k, v = q.reshape(n, self.h, self.hd), k.reshape(n, self.h, self.hd), v.reshape(n, self.h, self.hd)
        w = F.normalize(self.w(self.n1(x)).reshape(n, self.h, self.hd), dim=-1)
        beta = 2.0 * torch.sigmoid(self.beta(self.n1(x)))                    # [n, h] in (0, 2)
        cache = torch.zeros(self.h, n, self.hd)
        out = torch.zeros(n, self.h, self.hd)
        idx = torch.arange(n)
        for i in range(n):
            wi = w[i][:, None, :]                                              # [h, 1, hd]
            proj = (cache * wi).sum(-1, keepdim=True)                          # [h, n, 1]
            cache = cache - beta[i][:, None, None] * proj * wi                 # H_i applied to keys j < i
            cache[:, i] = k[i]
            s = (cache * q[i][:, None, :]).sum(-1) / math.sqrt(self.hd)        # [h, n]
            s = torch.where((idx <= i)[None], s, torch.full_like(s, -1e9))
            out[i] = (s.softmax(-1)[:, :, None] * v.transpose(0, 1)).sum(1)
        x = x + self.o(out.reshape(n, self.d))
        return x + self.ff2(F.gelu(self.ff1(self.n2(x))))


class PaTHLM(nn.Module):
    def __init__(self, vocab: int = 200, d: int = 32):
        super().__init__()
        self.emb, self.l1, self.l2 = nn.Embedding(vocab, d), PaTHLayer(d), PaTHLayer(d)
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids: Tensor) -> Tensor:  # [n]
        return self.head(self.norm(self.l2(self.l1(self.emb(input_ids)))))


# --- Canon layers (Allen-Zhu 2025) in a decode step: causal depthwise conv (kernel 4) + residual before attention
# (A), on q / k / v (B), before the MLP (C), inside it (D), each with its 3-frame conv state in / out; Qwen3-Next's
# gated attention (σ(x·W_g) on the heads), QK-norm, GQA, a static KV cache written at `position` ---

class Canon(nn.Module):
    def __init__(self, c, k=4):
        super().__init__()
        self.w = nn.Parameter(torch.randn(c, k) * 0.3)

    def forward(self, x, state):  # x [1, 1, c], state [1, k-1, c] -> x + conv, new state
        win = torch.cat([state, x], 1)                                         # [1, k, c]
        return x + (win * self.w.t()[None]).sum(1, keepdim=True), win[:, 1:]


class CanonStep(nn.Module):
    def __init__(self, vocab=300, d=64, h=4, kvh=2, layers=2, cap=16):
        super().__init__()
        self.h, self.kvh, self.hd, self.layers, self.cap = h, kvh, d // h, layers, cap
        self.emb = nn.Embedding(vocab, d)
        qkv = d + 2 * kvh * self.hd
        self.qkv = nn.ModuleList(nn.Linear(d, qkv, bias=False) for _ in range(layers))
        self.gate = nn.ModuleList(nn.Linear(d, d, bias=False) for _ in range(layers))
        self.o = nn.ModuleList(nn.Linear(d, d, bias=False) for _ in range(layers))
        self.up = nn.ModuleList(nn.Linear(d, 4 * d, bias=False) for _ in range(layers))
        self.down = nn.ModuleList(nn.Linear(2 * d, d, bias=False) for _ in range(layers))
        self.ca = nn.ModuleList(Canon(d) for _ in range(layers))
        self.cb = nn.ModuleList(Canon(qkv) for _ in range(layers))
        self.cc = nn.ModuleList(Canon(d) for _ in range(layers))
        self.cd = nn.ModuleList(Canon(4 * d) for _ in range(layers))
        self.qn, self.kn = RMSNorm(self.hd), RMSNorm(self.hd)
        self.n1 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids, position, k_cache, v_cache, sa, sb, sc, sd):
        # [1, 1], [1] int64, [L, kvh, cap, hd] x2, conv states [L, 1, 3, d | qkv | d | 4d]
        x = self.emb(input_ids)
        d = x.shape[-1]
        keep = (torch.arange(self.cap) <= position)[None, None, None]          # [1, 1, 1, cap]
        kcs, vcs, na, nb, nc, nd = [], [], [], [], [], []
        for i in range(self.layers):
            y, s = self.ca[i](self.n1[i](x), sa[i])
            na.append(s)
            t, s = self.cb[i](self.qkv[i](y), sb[i])
            nb.append(s)
            q, k, v = t.split([d, self.kvh * self.hd, self.kvh * self.hd], -1)
            q = rope(self.qn(heads(q, self.h)), position)
            k = rope(self.kn(heads(k, self.kvh)), position)[0]                  # [kvh, 1, hd]
            kc, vc = k_cache[i].clone(), v_cache[i].clone()
            kc[:, position] = k
            vc[:, position] = heads(v, self.kvh)[0]
            kcs.append(kc)
            vcs.append(vc)
            rep = self.h // self.kvh
            s = (q @ repeat_kv(kc[None], rep).transpose(-1, -2)) / math.sqrt(self.hd)
            a = s.masked_fill(~keep, NEG).softmax(-1) @ repeat_kv(vc[None], rep)
            x = x + self.o[i](merge(a) * torch.sigmoid(self.gate[i](y)))
            y, s = self.cc[i](self.n2[i](x), sc[i])
            nc.append(s)
            u, s = self.cd[i](self.up[i](y), sd[i])
            nd.append(s)
            g, u = u.chunk(2, -1)
            x = x + self.down[i](F.silu(g) * u)
        return (self.head(self.norm(x)), torch.stack(kcs), torch.stack(vcs), torch.stack(na), torch.stack(nb),
                torch.stack(nc), torch.stack(nd))


def canon_inputs(layers=2, d=64, qkv=128, cap=16, pos=9):
    return (torch.randint(1, 300, (1, 1)), torch.tensor([pos]), torch.randn(layers, 2, cap, 16),
            torch.randn(layers, 2, cap, 16), torch.randn(layers, 1, 3, d), torch.randn(layers, 1, 3, qkv),
            torch.randn(layers, 1, 3, d), torch.randn(layers, 1, 3, 4 * d))


# --- Dual Chunk Attention (An et al. 2024, Qwen2.5-1M): keys at j mod s; queries at i mod s within their chunk,
# s + (i mod s) (or c past the local window) against the previous chunk, c against older chunks; one softmax ---

class DCA(nn.Module):
    def __init__(self, d=64, h=4, s=8, w=4, c=14):
        super().__init__()
        self.att, self.s, self.w, self.c = QKV(d, h), s, w, c

    def forward(self, x):
        n = x.shape[1]
        q, k, v = self.att.split(x)
        i = torch.arange(n)
        local = i % self.s
        chunk = torch.div(i, self.s, rounding_mode='floor')
        kr = rope(k, local)
        succ = torch.where(local < self.w, local + self.s, torch.full_like(local, self.c))
        scale = 1.0 / math.sqrt(q.shape[-1])
        intra = rope(q, local) @ kr.transpose(-1, -2) * scale
        suc = rope(q, succ) @ kr.transpose(-1, -2) * scale
        inter = rope(q, torch.full_like(local, self.c)) @ kr.transpose(-1, -2) * scale
        gap = chunk[:, None] - chunk[None]
        s = torch.where(gap == 0, intra, torch.where(gap == 1, suc, inter))
        return self.att.o(merge(s.masked_fill(~causal(n), NEG).softmax(-1) @ v))


# --- LinOSS-IMEX (Rusch & Rus 2025): y'' = −A y + B u discretised z_n = z_{n−1} + Δ(−A y_{n−1} + B u_n),
# y_n = y_{n−1} + Δ z_n, i.e. a 2x2 recurrence per channel, run by a Hillis-Steele associative scan ---

class LinOSSLayer(nn.Module):
    def __init__(self, d=32, p=48):
        super().__init__()
        self.a = nn.Parameter(torch.rand(p))
        self.log_dt = nn.Parameter(torch.log(torch.rand(p) * 0.5 + 0.1))
        self.b, self.c = nn.Linear(d, p, bias=False), nn.Linear(p, d, bias=False)
        self.dskip, self.glu, self.norm = nn.Parameter(torch.randn(d)), nn.Linear(d, 2 * d), nn.LayerNorm(d)

    def forward(self, x):  # [b, n, d]
        n = x.shape[1]
        a, dt = F.relu(self.a), torch.exp(self.log_dt)
        bu = self.b(self.norm(x))                                              # [b, n, p]
        m11, m12 = torch.ones_like(a), -dt * a                                 # M = [[1, −ΔA], [Δ, 1 − Δ²A]]
        m21, m22 = dt, 1 - dt * dt * a
        f1, f2 = dt * bu, dt * dt * bu                                         # F = [Δ Bu, Δ² Bu]
        e11, e12, e21, e22 = [t.expand_as(bu) for t in (m11, m12, m21, m22)]
        shift = 1
        while shift < n:                                                       # (M_b M_a, M_b F_a + F_b)
            p11, p12, p21, p22, g1, g2 = [F.pad(t, (0, 0, shift, 0))[:, :n] for t in (e11, e12, e21, e22, f1, f2)]
            valid = (torch.arange(n) >= shift).float()[None, :, None]
            p11, p22 = p11 + (1 - valid), p22 + (1 - valid)                    # identity before the start
            f1, f2 = e11 * g1 + e12 * g2 + f1, e21 * g1 + e22 * g2 + f2
            e11, e12, e21, e22 = (e11 * p11 + e12 * p21, e11 * p12 + e12 * p22,
                                  e21 * p11 + e22 * p21, e21 * p12 + e22 * p22)
            shift *= 2
        y = self.c(f2) + self.dskip * x
        g, u = self.glu(F.gelu(y)).chunk(2, -1)
        return x + g * torch.sigmoid(u)


class LinOSS(nn.Module):
    def __init__(self, ch=3, d=32, classes=5):
        super().__init__()
        self.enc, self.layers = nn.Linear(ch, d), nn.ModuleList(LinOSSLayer(d) for _ in range(2))
        self.head = nn.Linear(d, classes)

    def forward(self, series):  # [b, n, ch]
        x = self.enc(series)
        for layer in self.layers:
            x = layer(x)
        return self.head(x.mean(1)), x


# --- Hydra (Hwang et al. 2024): quasiseparable mixer shift(SS(x)) + flip(shift(SS(flip(x)))) + D·x, SS a Mamba-2
# selective scalar-decay SSM in its masked (quadratic) form, both directions sharing the projections ---

class Hydra(nn.Module):
    def __init__(self, d=64, state=16, h=4):
        super().__init__()
        self.h, self.p, self.n = h, 2 * d // h, state
        e = 2 * d
        self.inp = nn.Linear(d, 2 * e + 4 * state + 2 * h, bias=False)        # z, x, B/C fwd + bwd, dt fwd + bwd
        self.conv = nn.Conv1d(e + 4 * state, e + 4 * state, 7, padding=3, groups=e + 4 * state)
        self.a_log, self.dt_bias = nn.Parameter(torch.log(torch.rand(h) * 4 + 1)), nn.Parameter(torch.randn(h) * 0.5)
        self.dd, self.norm, self.out = nn.Parameter(torch.randn(h)), RMSNorm(e), nn.Linear(e, d, bias=False)

    def ss(self, x, b, c, dt):  # x [B, L, h, p], b / c [B, L, n], dt [B, L, h] -> [B, L, h, p]
        L = x.shape[1]
        a = -torch.exp(self.a_log) * dt                                        # [B, L, h]
        cs = torch.cumsum(a, 1).transpose(1, 2)                                # [B, h, L]
        seg = cs[..., :, None] - cs[..., None, :]                              # Σ_{j<t≤i} a_t
        decay = torch.exp(seg.masked_fill(~causal(L), -1e4))                   # [B, h, L, L]
        s = (c @ b.transpose(1, 2))[:, None] * decay                           # [B, h, L, L]
        return (s @ (x * dt[..., None]).transpose(1, 2)).transpose(1, 2)

    def forward(self, x):  # [B, L, d]
        B, L, _ = x.shape
        e = 2 * x.shape[-1]
        z, xbc, dt = self.inp(x).split([e, e + 4 * self.n, 2 * self.h], -1)
        xbc = F.silu(self.conv(xbc.transpose(1, 2)).transpose(1, 2))
        u, bf, cf, bb, cb = xbc.split([e, self.n, self.n, self.n, self.n], -1)
        dt = F.softplus(dt + self.dt_bias.repeat(2))
        xh = u.reshape(B, L, self.h, self.p)
        fwd = self.ss(xh, bf, cf, dt[..., :self.h])
        bwd = self.ss(xh.flip(1), bb.flip(1), cb.flip(1), dt[..., self.h:].flip(1))
        shift = lambda t: F.pad(t, (0, 0, 0, 0, 1, 0))[:, :L]                  # noqa: E731 — the strict part
        y = shift(fwd) + shift(bwd).flip(1) + xh * self.dd[:, None]
        y = self.norm(y.reshape(B, L, e) * F.silu(z))
        return self.out(y)


class HydraEncoder(nn.Module):  # bidirectional: a sequence tagger over tokens
    def __init__(self, vocab=300, d=64, tags=9):
        super().__init__()
        self.emb, self.mix = nn.Embedding(vocab, d), nn.ModuleList(Hydra(d) for _ in range(2))
        self.n = nn.ModuleList(RMSNorm(d) for _ in range(2))
        self.mlp = nn.ModuleList(SwiGLU(d, 2 * d) for _ in range(2))
        self.m = nn.ModuleList(RMSNorm(d) for _ in range(2))
        self.head = nn.Linear(d, tags)

    def forward(self, ids):
        x = self.emb(ids)
        for mix, n, mlp, m in zip(self.mix, self.n, self.mlp, self.m):
            x = x + mix(n(x))
            x = x + mlp(m(x))
        return self.head(x)


MODELS = {
    'cog_attn': lambda: (PreNormLM(lambda i: CogAttention()).eval(), ids(20), {**LM, 'opset': 14}),
    'path_attn_script': lambda: (_script(PaTHLM()), torch.randint(1, 200, (10,)),
                                 {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'canon_step': lambda: (CanonStep().eval(), canon_inputs(),
                           {'names': ['input_ids', 'position', 'k_cache', 'v_cache', 'canon_a', 'canon_b', 'canon_c',
                                      'canon_d'],
                            'outputs': ['logits', 'k_out', 'v_out', 'canon_a_out', 'canon_b_out', 'canon_c_out',
                                        'canon_d_out'], 'opset': 14}),
    'dca': lambda: (PreNormLM(lambda i: DCA()).eval(), ids(24), {**LM, 'opset': 16}),
    'linoss': lambda: (LinOSS().eval(), torch.randn(1, 24, 3),
                       {'names': ['series'], 'outputs': ['logits', 'features'], 'opset': 14}),
    'hydra': lambda: (HydraEncoder().eval(), ids(16), {'names': ['input_ids'], 'outputs': ['tags'], 'opset': 15}),
}
MODELS.update(__import__('sweep27s_audio').MODELS)
MODELS.update(__import__('sweep27s_ts').MODELS)
MODELS.update(__import__('sweep27s_cf').MODELS)

if __name__ == '__main__':
    if sys.argv[1:2] == ['--reference']:
        from sweep12_vis_torchref import export_with_reference
        opts = MODELS[sys.argv[3]]()[2]
        for op, fn in opts.get('symbolics', {}).items():
            torch.onnx.register_custom_op_symbolic(op, fn, opts['opset'])
        export_with_reference(MODELS, sys.argv[1:])
    else:
        export_all(MODELS, sys.argv, default_opset=None)
