#!/usr/bin/env python3
"""Twenty-fourth sweep (docs/model-sweep.md "Twenty-fourth sweep (sequence)"): sequence blocks not tried in the
twenty-three earlier sweeps, in plain torch 1.13 as their reference code writes them (random weights, small widths):
Hymba (parallel attention + SSM heads, meta tokens), CoPE (contextual position encoding), softpick attention,
Hedgehog (learned softmax feature maps for linear attention), the Memorizing Transformer (top-k kNN memory),
TTT-Linear (a test-time-trained inner model), BLT's local encoder (hashed byte n-grams, patch cross-attention),
Moshi's depth transformer (per-codebook weights); QRNN, SRU, KAN, xPatch and TQNet in sweep24_seq_ts.py.

Usage: `/usr/bin/python3 scripts/export/sweep24_seq.py OUT_DIR [NAME ...]` (OUT_DIR outside the repository), then
`node bin/onnx2lite.js convert OUT_DIR/NAME.onnx`; `sweep24_seq.py --reference OUT_DIR NAME` writes NAME with its own
inputs and PyTorch's outputs beside it (scripts/check-vs-torch.ts)."""
import math
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402
from sweep3_seq import RMSNorm  # noqa: E402
from sweep20_seq_lm import SwiGLU, PreNormLM, ids  # noqa: E402
from sweep22_seq_lm import heads, merge, NEG, causal  # noqa: E402

LM = {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}


class QKV(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h, self.hd = h, d // h
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)

    def split(self, x):
        return [heads(t, self.h) for t in self.qkv(x).chunk(3, -1)]


# --- Hymba (NVIDIA 2024): attention heads and Mamba heads in parallel on the same input, meta tokens prepended ---

class HymbaBlock(nn.Module):
    def __init__(self, d=64, h=4, state=8, window=6, meta=4):
        super().__init__()
        self.attn, self.window, self.meta = QKV(d, h), window, meta
        self.xz = nn.Linear(d, 2 * d, bias=False)
        self.conv = nn.Conv1d(d, d, 4, groups=d)
        self.dt, self.bc = nn.Linear(d, d), nn.Linear(d, 2 * state, bias=False)
        self.a_log = nn.Parameter(torch.log(torch.arange(1, state + 1).float()).repeat(d, 1))
        self.dskip = nn.Parameter(torch.ones(d))
        self.na, self.ns = RMSNorm(d), RMSNorm(d)
        self.beta = nn.Parameter(torch.tensor([1.0, 0.8]))
        self.o = nn.Linear(d, d, bias=False)

    def ssm(self, x):
        n = x.shape[1]
        u, z = self.xz(x).chunk(2, -1)
        u = F.silu(self.conv(F.pad(u.transpose(1, 2), (3, 0)))).transpose(1, 2)
        dt = F.softplus(self.dt(u))
        bm, cm = self.bc(u).chunk(2, -1)
        a = -torch.exp(self.a_log)
        s = torch.zeros(x.shape[0], x.shape[2], a.shape[1])
        ys = []
        for t in range(n):  # the selective scan, unrolled
            s = torch.exp(dt[:, t, :, None] * a) * s + dt[:, t, :, None] * bm[:, t, None, :] * u[:, t, :, None]
            ys.append((s * cm[:, t, None, :]).sum(-1))
        return (torch.stack(ys, 1) + self.dskip * u) * F.silu(z)

    def forward(self, x):
        n = x.shape[1]
        q, k, v = self.attn.split(x)
        i = torch.arange(n)
        keep = causal(n, self.window) | ((i[None] < self.meta) & (i[None] <= i[:, None]))  # SWA + meta tokens always seen
        w = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).masked_fill(~keep, NEG).softmax(-1)
        a = self.attn.o(merge(w @ v))
        return self.o((self.beta[0] * self.na(a) + self.beta[1] * self.ns(self.ssm(x))) / 2)


class HymbaLM(PreNormLM):
    def __init__(self, meta=4):
        super().__init__(lambda i: HymbaBlock(meta=meta))
        self.meta_tokens = nn.Parameter(torch.randn(1, meta, 64) * 0.5)

    def forward(self, ids):
        x = torch.cat([self.meta_tokens, self.emb(ids)], 1)
        for a, m, n1, n2 in zip(self.attn, self.mlp, self.n1, self.n2):
            x = x + a(n1(x))
            x = x + m(n2(x))
        return self.head(self.norm(x[:, self.meta_tokens.shape[1]:]))


# --- CoPE (Golovneva et al. 2024): positions counted by sigmoid gates, interpolated position logits ---

class CoPEAttention(QKV):
    def __init__(self, d=64, h=4, npos=12):
        super().__init__(d, h)
        self.npos, self.pos_emb = npos, nn.Parameter(torch.randn(1, 1, self.hd, npos) * 0.3)

    def forward(self, x):
        q, k, v = self.split(x)
        n = x.shape[1]
        logits = (q @ k.transpose(-1, -2) / math.sqrt(self.hd)).masked_fill(~causal(n), float('-inf'))
        gates = torch.sigmoid(logits)
        pos = gates.flip(-1).cumsum(-1).flip(-1).clamp(max=self.npos - 1)
        pc, pf = pos.ceil().long(), pos.floor().long()
        li = q @ self.pos_emb
        w = pos - pf
        logits = logits + li.gather(-1, pc) * w + li.gather(-1, pf) * (1 - w)
        return self.o(merge(logits.softmax(-1) @ v))


# --- softpick (Zuhri et al. 2025): rectified softmax, rows need not sum to 1 (attention sinks go away) ---

class SoftpickAttention(QKV):
    def forward(self, x):
        q, k, v = self.split(x)
        keep = causal(x.shape[1]).float()
        s = (q @ k.transpose(-1, -2) / math.sqrt(self.hd)).masked_fill(keep == 0, NEG)
        m = s.max(-1, keepdim=True).values.detach()
        e = torch.exp(s - m) - torch.exp(-m)
        p = F.relu(e) * keep / ((e.abs() * keep).sum(-1, keepdim=True) + 1e-6)
        return self.o(merge(p @ v))


# --- Hedgehog (Zhang et al. 2024): linear attention with a learned per-head feature map [softmax(xW), softmax(-xW)] ---

class HedgehogAttention(QKV):
    def __init__(self, d=64, h=4):
        super().__init__(d, h)
        self.fw = nn.Parameter(torch.eye(self.hd).repeat(h, 1, 1) + 0.1 * torch.randn(h, self.hd, self.hd))
        self.fb = nn.Parameter(torch.zeros(h, 1, self.hd))

    def phi(self, x):
        z = torch.einsum('bhnd,hde->bhne', x, self.fw) + self.fb
        return torch.cat([z.softmax(-1), (-z).softmax(-1)], -1)

    def forward(self, x):
        q, k, v = self.split(x)
        a = (self.phi(q) @ self.phi(k).transpose(-1, -2)) * causal(x.shape[1]).float()
        return self.o(merge((a @ v) / (a.sum(-1, keepdim=True) + 1e-6)))


# --- Memorizing Transformer (Wu et al. 2022): local attention gated with top-k attention over an external kNN memory ---

class MemorizingLM(nn.Module):
    def __init__(self, vocab=300, d=64, h=4, topk=4):
        super().__init__()
        self.emb, self.h, self.topk = nn.Embedding(vocab, d), h, topk
        self.attn, self.mlp = QKV(d, h), SwiGLU(d, 2 * d)
        self.n1, self.n2, self.norm = RMSNorm(d), RMSNorm(d), RMSNorm(d)
        self.scale = nn.Parameter(torch.tensor(8.0))
        self.gate = nn.Parameter(torch.randn(1, h, 1, 1))
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids, mem_k, mem_v):
        x = self.emb(ids)
        q, k, v = self.attn.split(self.n1(x))
        q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)  # the kNN keys are normalised
        w = (self.scale * q @ k.transpose(-1, -2)).masked_fill(~causal(x.shape[1]), NEG).softmax(-1)
        local = w @ v
        s, idx = (self.scale * q @ F.normalize(mem_k, dim=-1).transpose(-1, -2)).topk(self.topk, -1)
        b, h, n, _ = q.shape
        vs = mem_v[:, :, None].expand(b, h, n, mem_v.shape[2], mem_v.shape[3])
        vs = vs.gather(3, idx[..., None].expand(b, h, n, self.topk, mem_v.shape[3]))
        mem = (s.softmax(-1)[..., None] * vs).sum(-2)
        g = torch.sigmoid(self.gate)
        x = x + self.attn.o(merge(g * mem + (1 - g) * local))
        x = x + self.mlp(self.n2(x))
        return self.head(self.norm(x))


# --- TTT-Linear (Sun et al. 2024): a linear inner model with LayerNorm, one gradient step per mini-batch of tokens ---

def ln_fused_l2_bwd(z, target, gamma, beta, eps=1e-6):  # d/dz of ½‖LN(z) − target‖² (the reference's closed form)
    d = z.shape[-1]
    mu = z.mean(-1, keepdim=True)
    std = torch.sqrt(((z - mu) ** 2).mean(-1, keepdim=True) + eps)
    xh = (z - mu) / std
    gx = (gamma * xh + beta - target) * gamma
    return (d * gx - gx.sum(-1, keepdim=True) - xh * (gx * xh).sum(-1, keepdim=True)) / (d * std)


def ln(z, gamma, beta, eps=1e-6):
    mu = z.mean(-1, keepdim=True)
    return gamma * (z - mu) / torch.sqrt(((z - mu) ** 2).mean(-1, keepdim=True) + eps) + beta


class TTTLinear(QKV):
    def __init__(self, d=64, h=4, mini=4, lr=1.0):
        super().__init__(d, h)
        self.mini, self.lr = mini, lr
        self.w0 = nn.Parameter(0.02 * torch.randn(h, self.hd, self.hd))
        self.b0 = nn.Parameter(torch.zeros(h, 1, self.hd))
        self.gamma, self.beta = nn.Parameter(torch.ones(h, 1, self.hd)), nn.Parameter(torch.zeros(h, 1, self.hd))
        self.eta = nn.Linear(d, h)

    def forward(self, x):
        q, k, v = self.split(x)
        eta = (self.lr * torch.sigmoid(self.eta(x)) / self.hd).transpose(1, 2)[..., None]  # [b, h, n, 1]
        w, b = self.w0[None], self.b0[None]
        outs = []
        for s in range(0, x.shape[1], self.mini):
            xq, xk, xv, e = (t[:, :, s:s + self.mini] for t in (q, k, v, eta))
            g = ln_fused_l2_bwd(xk @ w + b, xv - xk, self.gamma, self.beta) * e
            w, b = w - xk.transpose(-1, -2) @ g, b - g.sum(-2, keepdim=True)
            outs.append(xq + ln(xq @ w + b, self.gamma, self.beta))
        return self.o(merge(torch.cat(outs, 2)))


# --- BLT (Byte Latent Transformer, Pagnoni et al. 2024): local encoder over bytes with hashed n-gram embeddings ---

PRIMES = [1000000007, 5915587277, 1500450271]


def ngram_hash(x, n, prime, buckets):  # blt's byte_group_hash_function: rolling polynomial hash in int64, then % buckets
    xp = torch.cat([torch.zeros(x.shape[0], n - 1, dtype=torch.int64), x], 1)
    win = torch.stack([xp[:, i:i + x.shape[1]] for i in range(n)], -1)
    wrap = [(prime ** i + 2 ** 63) % 2 ** 64 - 2 ** 63 for i in range(n)]  # torch's int64 prime**i wraps the same way
    powers = torch.tensor(wrap, dtype=torch.int64)
    return (win * powers).sum(-1) % buckets


class BLTLocal(nn.Module):
    def __init__(self, d=64, h=4, patch=4, buckets=500, grams=(3, 4, 5)):
        super().__init__()
        self.patch, self.buckets, self.grams = patch, buckets, grams
        self.byte = nn.Embedding(256, d)
        self.hash = nn.ModuleList(nn.Embedding(buckets, d) for _ in grams)
        self.local, self.cross, self.glob = QKV(d, h), QKV(d, h), QKV(d, h)
        self.n1, self.n2, self.n3 = RMSNorm(d), RMSNorm(d), RMSNorm(d)
        self.mlp, self.head = SwiGLU(d, 2 * d), nn.Linear(d, 256, bias=False)

    def forward(self, bytes_):
        x = self.byte(bytes_)
        for j, (n, emb) in enumerate(zip(self.grams, self.hash)):
            x = x + emb(ngram_hash(bytes_, n, PRIMES[j], self.buckets))
        n = x.shape[1]
        q, k, v = self.local.split(self.n1(x))
        w = (q @ k.transpose(-1, -2) / 4.0).masked_fill(~causal(n, 8), NEG).softmax(-1)
        x = x + self.local.o(merge(w @ v))
        p = x.view(x.shape[0], n // self.patch, self.patch, -1).max(2).values  # patch queries: max-pooled bytes
        pid = torch.arange(n) // self.patch
        own = pid[None] == torch.arange(n // self.patch)[:, None]  # each patch reads its own bytes only
        qp = heads(self.cross.qkv(self.n2(p)).chunk(3, -1)[0], 4)
        _, kb, vb = self.cross.split(x)
        w = (qp @ kb.transpose(-1, -2) / 4.0).masked_fill(~own, NEG).softmax(-1)
        p = p + self.cross.o(merge(w @ vb))
        q, k, v = self.glob.split(self.n3(p))
        w = (q @ k.transpose(-1, -2) / 4.0).masked_fill(~causal(p.shape[1]), NEG).softmax(-1)
        p = p + self.glob.o(merge(w @ v))
        return self.head(p + self.mlp(p))


# --- Moshi's depth transformer (Kyutai 2024): over the codebooks of one frame, a weight set per codebook step ---

class MultiLinear(nn.Module):  # moshi's multi_linear: step k uses weight[k]
    def __init__(self, steps, din, dout):
        super().__init__()
        self.w = nn.Parameter(torch.randn(steps, dout, din) / math.sqrt(din))

    def forward(self, x):  # [b, k, din]
        return torch.einsum('bkd,ked->bke', x, self.w)


class DepFormer(nn.Module):
    def __init__(self, dmain=96, d=64, h=4, k=4, card=128, layers=2):
        super().__init__()
        self.k, self.h, self.card = k, h, card
        self.ctx = MultiLinear(k, dmain, d)
        self.emb = nn.Parameter(torch.randn(k, card + 1, d) * 0.5)  # codebook k's previous token (text first)
        self.qkv = nn.ModuleList(MultiLinear(k, d, 3 * d) for _ in range(layers))
        self.o = nn.ModuleList(MultiLinear(k, d, d) for _ in range(layers))
        self.up = nn.ModuleList(MultiLinear(k, d, 4 * d) for _ in range(layers))
        self.down = nn.ModuleList(MultiLinear(k, 2 * d, d) for _ in range(layers))
        self.n1 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.norm, self.out = RMSNorm(d), MultiLinear(k, d, card)

    def forward(self, context, tokens):  # context [b, dmain] (the temporal transformer's output), tokens [b, k]
        flat = self.emb.reshape(-1, self.emb.shape[-1])
        x = self.ctx(context[:, None].expand(-1, self.k, -1)) + flat[tokens + torch.arange(self.k) * (self.card + 1)]
        for qkv, o, up, down, n1, n2 in zip(self.qkv, self.o, self.up, self.down, self.n1, self.n2):
            q, k, v = (heads(t, self.h) for t in qkv(n1(x)).chunk(3, -1))
            w = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).masked_fill(~causal(self.k), NEG).softmax(-1)
            x = x + o(merge(w @ v))
            g, u = up(n2(x)).chunk(2, -1)
            x = x + down(F.silu(g) * u)
        return self.out(self.norm(x))


def mem(h=4, m=64, hd=16):
    return torch.randn(1, h, m, hd), torch.randn(1, h, m, hd)


MODELS = {
    'hymba': lambda: (HymbaLM().eval(), ids(12), LM),
    'cope': lambda: (PreNormLM(lambda i: CoPEAttention()).eval(), ids(24), {**LM, 'opset': 15}),
    'softpick': lambda: (PreNormLM(lambda i: SoftpickAttention()).eval(), ids(24), {**LM, 'opset': 16}),
    'hedgehog': lambda: (PreNormLM(lambda i: HedgehogAttention()).eval(), ids(24), {**LM, 'opset': 17}),
    'memorizing': lambda: (MemorizingLM().eval(), (ids(16), *mem()),
                           {'names': ['input_ids', 'mem_k', 'mem_v'], 'outputs': ['logits'], 'opset': 13}),
    'ttt_linear': lambda: (PreNormLM(lambda i: TTTLinear()).eval(), ids(16), LM),
    'blt_local': lambda: (BLTLocal().eval(), torch.randint(0, 256, (1, 32)),
                          {'names': ['bytes'], 'outputs': ['logits'], 'opset': 14}),
    'moshi_depformer': lambda: (DepFormer().eval(), (torch.randn(1, 96), torch.randint(0, 129, (1, 4))),
                                {'names': ['context', 'tokens'], 'outputs': ['logits'], 'opset': 17}),
}
MODELS.update(__import__('sweep24_seq_ts').MODELS)  # QRNN, SRU, KAN, xPatch, TQNet

if __name__ == '__main__':
    if sys.argv[1:2] == ['--reference']:
        from sweep12_vis_torchref import export_with_reference
        export_with_reference(MODELS, sys.argv[1:])
    else:
        export_all(MODELS, sys.argv, default_opset=None)
