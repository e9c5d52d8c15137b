#!/usr/bin/env python3
"""Twenty-third sweep (docs/model-sweep.md "Twenty-third sweep (sequence)"): sequence blocks not tried in the twenty-two
earlier sweeps, in plain torch 1.13 as their reference code writes them (random weights, small widths): value-residual
learning (ResFormer), partial RoPE with soft-capped logits, Dynamic Tanh (DyT) in place of norms, Canon layers,
Gated DeltaProduct (several Householder steps per token), Kimi Delta Attention (channel-wise decay), minLSTM (log-space
parallel scan), Nyströmformer (landmarks + iterative pseudo-inverse), BERT4Rec (bidirectional item transformer); MesaNet, S5 and the
Tiny Recursive Model in sweep23_seq_rec.py:

    /usr/bin/python3 scripts/export/sweep23_seq.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx -o OUT_DIR/tflite/NAME.tflite
    /usr/bin/python3 scripts/export/sweep23_seq.py --reference OUT_DIR NAME

--reference: exports NAME with its own inputs and PyTorch's outputs beside it for scripts/check-vs-torch.ts.
Keep OUT_DIR outside the repository."""
import math
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402
from sweep3_seq import RMSNorm  # noqa: E402
from sweep20_seq_lm import SwiGLU, PreNormLM, ShortConv, ids  # noqa: E402
from sweep21_seq_lm import repeat_kv, causal  # noqa: E402
from sweep22_seq_lm import heads, merge, NEG  # noqa: E402

LM = {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}


def rope_part(x, pos, rot):  # rotary on the first `rot` dims of each head only (GPT-NeoX rotary_pct, Phi partial_rotary)
    inv = 1.0 / (10000 ** (torch.arange(0, rot, 2).float() / rot))
    f = pos[:, None].float() * inv[None]
    cos, sin = torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)
    xr, xp = x[..., :rot], x[..., rot:]
    x1, x2 = xr[..., : rot // 2], xr[..., rot // 2:]
    return torch.cat([xr * cos + torch.cat([-x2, x1], -1) * sin, xp], -1)


class Attention(nn.Module):
    """Causal GQA attention, partial RoPE; `values` lets value-residual learning mix the first layer's V in."""
    def __init__(self, d=64, h=4, kvh=2, rot=8, qk_norm=False):
        super().__init__()
        self.h, self.kvh, self.hd, self.rot = h, kvh, d // h, rot
        self.q, self.k = nn.Linear(d, d, bias=False), nn.Linear(d, kvh * self.hd, bias=False)
        self.v, self.o = nn.Linear(d, kvh * self.hd, bias=False), nn.Linear(d, d, bias=False)
        self.qn, self.kn = (RMSNorm(self.hd), RMSNorm(self.hd)) if qk_norm else (nn.Identity(), nn.Identity())

    def qkv(self, x):
        n = x.shape[1]
        pos = torch.arange(n)
        q = rope_part(self.qn(heads(self.q(x), self.h)), pos, self.rot)
        k = rope_part(self.kn(heads(self.k(x), self.kvh)), pos, self.rot)
        return q, k, heads(self.v(x), self.kvh)

    def attend(self, q, k, v):
        rep = self.h // self.kvh
        k, v = repeat_kv(k, rep), repeat_kv(v, rep)
        w = (q @ k.transpose(-1, -2) / math.sqrt(self.hd)).masked_fill(~causal(q.shape[2]), NEG)
        return self.o(merge(w.softmax(-1) @ v))

    def forward(self, x):
        return self.attend(*self.qkv(x))


# --- value-residual learning (ResFormer / SVFormer, Zhou et al. 2024; modded-nanogpt's lambdas) ---

class ValueResidualLM(nn.Module):
    """Every layer after the first mixes its values with the first layer's: v_n ← λ1 v_n + λ2 v_1 (learned per layer)."""
    def __init__(self, vocab=300, d=64, layers=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.attn = nn.ModuleList(Attention(d, rot=16) for _ in range(layers))
        self.mlp = nn.ModuleList(SwiGLU(d, 2 * d) for _ in range(layers))
        self.n1 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.lam = nn.Parameter(torch.rand(layers, 2) * 0.5 + 0.5)
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, ids_):
        x, v1 = self.emb(ids_), None
        for i, (a, m, n1, n2) in enumerate(zip(self.attn, self.mlp, self.n1, self.n2)):
            q, k, v = a.qkv(n1(x))
            if v1 is None:
                v1 = v
            else:
                v = self.lam[i, 0] * v + self.lam[i, 1] * v1
            x = x + a.attend(q, k, v)
            x = x + m(n2(x))
        return self.head(self.norm(x))


# --- partial RoPE with QK-norm and soft-capped final logits (Phi / StableLM rotary_pct 0.25, Gemma-2 final cap) ---

class SoftcapLM(nn.Module):
    def __init__(self, cap=30.0):
        super().__init__()
        self.lm, self.cap = PreNormLM(lambda i: Attention(rot=4, qk_norm=True)), cap

    def forward(self, ids_):
        return torch.tanh(self.lm(ids_) / self.cap) * self.cap


# --- Dynamic Tanh (DyT, Zhu et al. 2025): γ · tanh(α x) + β in place of every norm ---

class DyT(nn.Module):
    def __init__(self, d, alpha=0.5):
        super().__init__()
        self.alpha = nn.Parameter(torch.full((1,), alpha))
        self.weight, self.bias = nn.Parameter(1 + 0.1 * torch.randn(d)), nn.Parameter(0.1 * torch.randn(d))

    def forward(self, x):
        return torch.tanh(self.alpha * x) * self.weight + self.bias


def dyt_lm():
    lm = PreNormLM(lambda i: Attention())
    lm.n1 = nn.ModuleList(DyT(64) for _ in range(2))
    lm.n2 = nn.ModuleList(DyT(64) for _ in range(2))
    lm.norm = DyT(64)
    return lm


# --- Canon layers (Allen-Zhu, Physics of LMs 4.1): causal depthwise conv (k = 4) + residual at A, B, C, D ---

class Canon(nn.Module):
    def __init__(self, d, k=4):
        super().__init__()
        self.conv, self.k = nn.Conv1d(d, d, k, groups=d), k

    def forward(self, x):  # [b, n, d], causal, residual
        return x + self.conv(F.pad(x.transpose(1, 2), (self.k - 1, 0))).transpose(1, 2)


class CanonAttention(Attention):
    def __init__(self, d=64):
        super().__init__(d, h=4, kvh=4, rot=16)
        self.canon_a, self.canon_b = Canon(d), Canon(3 * d)

    def forward(self, x):
        x = self.canon_a(x)
        qkv = self.canon_b(torch.cat([self.q(x), self.k(x), self.v(x)], -1))  # Canon-B on the concatenated q, k, v
        q, k, v = (heads(t, 4) for t in qkv.split(64, -1))
        pos = torch.arange(x.shape[1])
        return self.attend(rope_part(q, pos, 16), rope_part(k, pos, 16), v)


class CanonMLP(nn.Module):
    def __init__(self, d=64, hidden=128):
        super().__init__()
        self.canon_c, self.canon_d = Canon(d), Canon(2 * hidden)
        self.up, self.down = nn.Linear(d, 2 * hidden, bias=False), nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        g, u = self.canon_d(self.up(self.canon_c(x))).chunk(2, -1)
        return self.down(F.silu(g) * u)


def canon_lm():
    lm = PreNormLM(lambda i: CanonAttention())
    lm.mlp = nn.ModuleList(CanonMLP() for _ in range(2))
    return lm


# --- Gated DeltaProduct (Siems et al. 2025; fla naive): n_h Householder delta steps per token, one decay ---

class GatedDeltaProduct(nn.Module):
    def __init__(self, d=64, h=2, dk=16, dv=32, nh=2):
        super().__init__()
        self.h, self.dk, self.dv, self.nh = h, dk, dv, nh
        self.q = nn.Linear(d, h * dk, bias=False)
        self.k, self.v = nn.Linear(d, nh * h * dk, bias=False), nn.Linear(d, nh * h * dv, bias=False)
        self.b, self.a = nn.Linear(d, nh * h, bias=False), nn.Linear(d, h, bias=False)
        self.g = nn.Linear(d, h * dv, bias=False)
        self.A_log = nn.Parameter(torch.log(torch.rand(h) * 15 + 1))
        self.dt_bias = nn.Parameter(torch.rand(h) - 4)
        self.cq, self.ck, self.cv = ShortConv(h * dk), ShortConv(nh * h * dk), ShortConv(nh * h * dv)
        self.onorm, self.o = RMSNorm(dv), nn.Linear(h * dv, d, bias=False)

    def forward(self, x):
        b, n, _ = x.shape
        q = F.normalize(self.cq(self.q(x)).view(b, n, self.h, self.dk), dim=-1) * self.dk ** -0.5
        k = F.normalize(self.ck(self.k(x)).view(b, n, self.nh, self.h, self.dk), dim=-1)
        v = self.cv(self.v(x)).view(b, n, self.nh, self.h, self.dv)
        beta = 2 * self.b(x).sigmoid().view(b, n, self.nh, self.h)  # allow_neg_eigval: β in (0, 2)
        g = -self.A_log.exp() * F.softplus(self.a(x) + self.dt_bias)  # [b, n, h]
        S, outs = torch.zeros(b, self.h, self.dk, self.dv), []
        for t in range(n):
            S = S * g[:, t].exp()[..., None, None]
            for j in range(self.nh):
                kt, vt = k[:, t, j], v[:, t, j]
                err = vt - (S * kt[..., None]).sum(-2)
                S = S + kt[..., None] * (beta[:, t, j, :, None] * err)[..., None, :]
            outs.append((q[:, t, :, :, None] * S).sum(-2))
        o = self.onorm(torch.stack(outs, 1)) * F.silu(self.g(x).view(b, n, self.h, self.dv))
        return self.o(o.reshape(b, n, -1))


# --- Kimi Delta Attention (Kimi Linear 2025; fla naive_recurrent_kda): gated delta rule, channel-wise decay ---

class KimiDeltaAttention(nn.Module):
    def __init__(self, d=64, h=2, dk=16, dv=32):
        super().__init__()
        self.h, self.dk, self.dv = h, dk, dv
        self.q, self.k = nn.Linear(d, h * dk, bias=False), nn.Linear(d, h * dk, bias=False)
        self.v, self.b = nn.Linear(d, h * dv, bias=False), nn.Linear(d, h, bias=False)
        self.f = nn.Sequential(nn.Linear(d, dv, bias=False), nn.Linear(dv, h * dk, bias=False))  # low-rank decay
        self.gate = nn.Sequential(nn.Linear(d, dv, bias=False), nn.Linear(dv, h * dv, bias=True))
        self.A_log = nn.Parameter(torch.log(torch.rand(h) * 15 + 1))
        self.dt_bias = nn.Parameter(torch.rand(h * dk) - 4)
        self.cq, self.ck, self.cv = ShortConv(h * dk), ShortConv(h * dk), ShortConv(h * dv)
        self.onorm, self.o = RMSNorm(dv), nn.Linear(h * dv, d, bias=False)

    def forward(self, x):
        b, n, _ = x.shape
        q = F.normalize(self.cq(self.q(x)).view(b, n, self.h, self.dk), dim=-1) * self.dk ** -0.5
        k = F.normalize(self.ck(self.k(x)).view(b, n, self.h, self.dk), dim=-1)
        v = self.cv(self.v(x)).view(b, n, self.h, self.dv)
        beta = self.b(x).sigmoid()
        g = -self.A_log.exp()[:, None] * F.softplus((self.f(x) + self.dt_bias).view(b, n, self.h, self.dk))
        S, outs = torch.zeros(b, self.h, self.dk, self.dv), []
        for t in range(n):
            S = S * g[:, t].exp()[..., None]  # a decay per key channel: diag(α_t) S
            kt = k[:, t]
            err = v[:, t] - (S * kt[..., None]).sum(-2)
            S = S + kt[..., None] * (beta[:, t, :, None] * err)[..., None, :]
            outs.append((q[:, t, :, :, None] * S).sum(-2))
        o = self.onorm(torch.stack(outs, 1)) * self.gate(x).view(b, n, self.h, self.dv).sigmoid()
        return self.o(o.reshape(b, n, -1))


# --- minLSTM (Feng et al. 2024 "Were RNNs all we needed?"): log-space parallel scan ---

def log_g(x):  # g(x) = x + 0.5 for x >= 0, σ(x) otherwise; in log space
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


def logcumsumexp(x, dim):  # stable log Σ exp along dim (torch 1.13 exports no aten::logcumsumexp)
    m = x.max(dim, keepdim=True)[0]
    return torch.log(torch.cumsum(torch.exp(x - m), dim)) + m


class MinLSTM(nn.Module):
    def __init__(self, d=64, hidden=64):
        super().__init__()
        self.f, self.i, self.h = nn.Linear(d, hidden), nn.Linear(d, hidden), nn.Linear(d, hidden)
        self.h0 = nn.Parameter(0.1 * torch.randn(hidden))
        self.o = nn.Linear(hidden, d)

    def forward(self, x):
        diff = F.softplus(-self.f(x)) - F.softplus(-self.i(x))
        log_f, log_i = -F.softplus(diff), -F.softplus(-diff)  # normalised gates f' + i' = 1
        log_h0 = log_g(self.h0).expand(x.shape[0], 1, -1)
        log_values = torch.cat([log_h0, log_i + log_g(self.h(x))], 1)
        a_star = F.pad(torch.cumsum(log_f, 1), (0, 0, 1, 0))
        h = torch.exp(a_star + logcumsumexp(log_values - a_star, 1))[:, 1:]
        return self.o(h)


# --- Nyströmformer (mlpen/Nystromformer NystromAttention): segment-mean landmarks, iterative pinv, conv on V ---

class NystromAttention(nn.Module):
    def __init__(self, d=64, h=4, landmarks=8, iters=6, conv=9):
        super().__init__()
        self.h, self.hd, self.m, self.iters = h, d // h, landmarks, iters
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d)
        self.conv = nn.Conv2d(h, h, (conv, 1), padding=(conv // 2, 0), groups=h, bias=False)

    def pinv(self, K):
        I = torch.eye(K.shape[-1])
        V = K.transpose(-1, -2) / (K.abs().sum(-2).max() * K.abs().sum(-1).max())  # the reference's init
        for _ in range(self.iters):
            KV = K @ V
            V = 0.25 * V @ (13 * I - KV @ (15 * I - KV @ (7 * I - KV)))
        return V

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = (heads(t, self.h) for t in self.qkv(x).chunk(3, -1))
        q = q / math.sqrt(math.sqrt(self.hd))
        k = k / math.sqrt(math.sqrt(self.hd))
        ql = q.reshape(b, self.h, self.m, n // self.m, self.hd).mean(-2)
        kl = k.reshape(b, self.h, self.m, n // self.m, self.hd).mean(-2)
        k1, k2, k3 = (q @ kl.transpose(-1, -2)).softmax(-1), (ql @ kl.transpose(-1, -2)).softmax(-1), \
            (ql @ k.transpose(-1, -2)).softmax(-1)
        out = (k1 @ self.pinv(k2)) @ (k3 @ v) + self.conv(v)
        return self.o(merge(out))


class NystromEncoder(nn.Module):
    def __init__(self, vocab=300, d=64, n=64, layers=2, classes=4):
        super().__init__()
        self.emb, self.pos = nn.Embedding(vocab, d), nn.Parameter(0.1 * torch.randn(n, d))
        self.attn = nn.ModuleList(NystromAttention(d) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)) for _ in range(layers))
        self.n1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.head = nn.Linear(d, classes)

    def forward(self, ids_):
        x = self.emb(ids_) + self.pos
        for a, f, n1, n2 in zip(self.attn, self.ff, self.n1, self.n2):
            x = x + a(n1(x))
            x = x + f(n2(x))
        return self.head(x.mean(1))


# --- BERT4Rec (FeiSun/BERT4Rec; pmixer/BERT4Rec-pytorch): bidirectional item transformer, padding mask, tied output ---

class Bert4Rec(nn.Module):
    def __init__(self, items=500, d=64, n=20, h=2, layers=2):
        super().__init__()
        self.items, self.h = items, h
        self.emb, self.pos = nn.Embedding(items + 2, d, padding_idx=0), nn.Embedding(n, d)  # item 0 pad, items+1 [MASK]
        self.ln_in = nn.LayerNorm(d)
        self.qkv = nn.ModuleList(nn.Linear(d, 3 * d) for _ in range(layers))
        self.o = nn.ModuleList(nn.Linear(d, d) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)) for _ in range(layers))
        self.n1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.out = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.LayerNorm(d))
        self.bias = nn.Parameter(torch.zeros(items + 2))

    def forward(self, seq):  # [b, n] item ids, 0 = padding (left-padded)
        n = seq.shape[1]
        keep = (seq > 0)[:, None, None, :]  # [b, 1, 1, n] keys
        x = self.ln_in(self.emb(seq) + self.pos(torch.arange(n))[None])
        for qkv, o, ff, n1, n2 in zip(self.qkv, self.o, self.ff, self.n1, self.n2):
            q, k, v = (heads(t, self.h) for t in qkv(x).chunk(3, -1))
            w = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).masked_fill(~keep, NEG).softmax(-1)
            x = n1(x + o(merge(w @ v)))  # post-norm, as BERT
            x = n2(x + ff(x))
        return self.out(x[:, -1]) @ self.emb.weight.t() + self.bias  # scores of every item for the [MASK] at the end


def rec_seq(n=20, items=500, pad=6):
    s = torch.randint(1, items + 1, (1, n))
    s[:, :pad] = 0
    s[:, -1] = items + 1
    return s


MODELS = {
    'value_residual': lambda: (ValueResidualLM().eval(), ids(24), LM),
    'partial_rope_softcap': lambda: (SoftcapLM().eval(), ids(24), LM),
    'dyt_lm': lambda: (dyt_lm().eval(), ids(24), LM),
    'canon_lm': lambda: (canon_lm().eval(), ids(24), LM),
    'gated_deltaproduct': lambda: (PreNormLM(lambda i: GatedDeltaProduct()).eval(), ids(12), LM),
    'kimi_delta_attn': lambda: (PreNormLM(lambda i: KimiDeltaAttention()).eval(), ids(12), LM),
    'minlstm': lambda: (PreNormLM(lambda i: MinLSTM()).eval(), ids(24), LM),
    'nystromformer': lambda: (NystromEncoder().eval(), ids(64), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'bert4rec': lambda: (Bert4Rec().eval(), rec_seq(), {'names': ['item_seq'], 'outputs': ['scores'], 'opset': 14}),
}
MODELS.update(__import__('sweep23_seq_rec').MODELS)  # MesaNet, S5, the Tiny Recursive Model

if __name__ == '__main__':
    if sys.argv[1:2] == ['--reference']:
        from sweep12_vis_torchref import export_with_reference
        export_with_reference(MODELS, sys.argv[1:])
    else:
        export_all(MODELS, sys.argv, default_opset=None)
