"""Twenty-first sweep: language-model blocks not tried in the twenty earlier sweeps, as their reference code writes them
(random weights, small widths): nGPT (every hidden vector on the unit sphere, eigen learning rates α, scaled q / k
norms and logits), the Forgetting Transformer (FoX: a per-head forget gate whose cumulative log-sigmoid biases the
causal softmax, QK-norm, output gate), YOCO (a sliding-window self-decoder, one global KV cache made once and read by
every cross-decoder layer with GQA and RoPE), expert-choice MoE (each expert takes its top-c tokens), Mixture-of-Depths
(a router sends the top half of the tokens through a block, the rest skip it), HGRN2 (gated linear RNN with state
expansion, keys tied to 1 - forget gate), DeepSeek-V3's multi-token prediction module, MEGABYTE (a global model over
patches and a local model inside each) and native sparse attention (NSA: compressed, top-n selected and sliding-window
branches, gated). Models in MODELS, exported by sweep21_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import RMSNorm  # noqa: E402
from sweep20_seq_lm import rope, SwiGLU, PreNormLM, LlamaBlock, ids  # noqa: E402

NEG = -1e9


def repeat_kv(x, rep):  # transformers' repeat_kv: [b, kvh, n, d] -> [b, kvh * rep, n, d]
    b, kvh, n, d = x.shape
    return x[:, :, None].expand(b, kvh, rep, n, d).reshape(b, kvh * rep, n, d)


def rope_tables(n, d):
    """cos / sin tables made once (NSA's buffers): torch 1.13's export of NSA with tables built in forward from traced
    sizes gives their cat the axis of a rank-4 value (3 for rank-2 tables), a file onnxruntime refuses."""
    inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
    f = torch.arange(n)[:, None].float() * inv[None]
    return torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)


def rope_tab(x, cos, sin):
    d = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., d:], x[..., :d]], -1) * sin


def attend(q, k, v, keep):
    w = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).masked_fill(~keep, NEG).softmax(-1)
    return w @ v, w


def causal(n, window=None):
    i = torch.arange(n)
    keep = i[None] <= i[:, None]
    if window is not None:
        keep = keep & (i[:, None] - i[None] < window)
    return keep


# --- nGPT (NVIDIA ngpt, model.py: normalized Transformer) ---

def unit(x):
    return x / x.norm(dim=-1, keepdim=True)


class NGPTBlock(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h = h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.u, self.nu, self.down = nn.Linear(d, 2 * d, bias=False), nn.Linear(d, 2 * d, bias=False), nn.Linear(2 * d, d, bias=False)
        self.alpha_a, self.alpha_m = nn.Parameter(0.05 + 0.01 * torch.rand(d)), nn.Parameter(0.05 + 0.01 * torch.rand(d))
        self.s_qk, self.s_u, self.s_nu = nn.Parameter(1 + 0.1 * torch.rand(d)), nn.Parameter(1 + 0.1 * torch.rand(2 * d)), nn.Parameter(1 + 0.1 * torch.rand(2 * d))

    def forward(self, x):
        b, n, d = x.shape
        sqk = self.s_qk.view(self.h, 1, d // self.h)
        q = self.q(x).view(b, n, self.h, -1).transpose(1, 2)
        k = self.k(x).view(b, n, self.h, -1).transpose(1, 2)
        v = self.v(x).view(b, n, self.h, -1).transpose(1, 2)
        pos = torch.arange(n)
        q, k = unit(rope(q, pos)) * sqk, unit(rope(k, pos)) * sqk
        w = (q @ k.transpose(-1, -2)) * math.sqrt(d // self.h)
        w = w.masked_fill(~causal(n), NEG).softmax(-1)
        ha = unit(self.o((w @ v).transpose(1, 2).reshape(b, n, d)))
        x = unit(x + self.alpha_a * (ha - x))
        hm = unit(self.down(self.u(x) * self.s_u * F.silu(self.nu(x) * self.s_nu * math.sqrt(d))))
        return unit(x + self.alpha_m * (hm - x))


class NGPT(nn.Module):
    def __init__(self, vocab=300, d=64, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(NGPTBlock(d) for _ in range(layers))
        self.head, self.s_z = nn.Linear(d, vocab, bias=False), nn.Parameter(1 + 0.1 * torch.rand(vocab))

    def forward(self, ids):
        x = unit(self.emb(ids))
        for blk in self.blocks:
            x = blk(x)
        return self.head(x) * self.s_z


# --- Forgetting Transformer (zhixuan-lin/forgetting-transformer, FoX Pro: QK-norm, output gate) ---

class FoXAttention(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h, self.hd = h, d // h
        self.q, self.k, self.v, self.o, self.g = (nn.Linear(d, d, bias=False) for _ in range(5))
        self.fgate = nn.Linear(d, h)
        self.qn, self.kn = RMSNorm(self.hd), RMSNorm(self.hd)

    def forward(self, x):
        b, n, d = x.shape
        q = self.qn(self.q(x).view(b, n, self.h, self.hd)).transpose(1, 2)
        k = self.kn(self.k(x).view(b, n, self.h, self.hd)).transpose(1, 2)
        v = self.v(x).view(b, n, self.h, self.hd).transpose(1, 2)
        c = F.logsigmoid(self.fgate(x)).transpose(1, 2).cumsum(-1)  # [b, h, n]
        w = q @ k.transpose(-1, -2) / math.sqrt(self.hd) + (c[..., :, None] - c[..., None, :])
        w = w.masked_fill(~causal(n), NEG).softmax(-1)
        o = (w @ v).transpose(1, 2).reshape(b, n, d)
        return self.o(o * torch.sigmoid(self.g(x)))


# --- YOCO (microsoft/unilm YOCO: self-decoder with sliding-window attention, cross-decoder on one KV cache) ---

class SWABlock(LlamaBlock):
    """LlamaBlock's layers with a sliding-window causal mask."""
    def __init__(self, d, h, window):
        super().__init__(d, h)
        self.window = window

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(self.n1(x)).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        pos = torch.arange(n)
        o, _ = attend(rope(qkv[0], pos), rope(qkv[1], pos), qkv[2], causal(n, self.window))
        x = x + self.o(o.transpose(1, 2).reshape(b, n, d))
        return x + self.mlp(self.n2(x))


class CrossDecoderBlock(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.q, self.o = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.n1, self.n2, self.mlp = RMSNorm(d), RMSNorm(d), SwiGLU(d, 2 * d)

    def forward(self, x, k, v):  # k, v: [b, kvh, n, hd] (rope applied once)
        b, n, d = x.shape
        q = rope(self.q(self.n1(x)).view(b, n, self.h, -1).transpose(1, 2), torch.arange(n))
        rep = self.h // k.shape[1]
        k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        o, _ = attend(q, k, v, causal(n))
        x = x + self.o(o.transpose(1, 2).reshape(b, n, d))
        return x + self.mlp(self.n2(x))


class YOCO(nn.Module):
    def __init__(self, vocab=300, d=64, h=4, kvh=1, layers=2, window=8):
        super().__init__()
        self.emb, self.kvh, self.hd = nn.Embedding(vocab, d), kvh, d // h
        self.self_dec = nn.ModuleList(SWABlock(d, h, window) for _ in range(layers))
        self.kv_norm, self.kv = RMSNorm(d), nn.Linear(d, 2 * kvh * (d // h), bias=False)
        self.cross_dec = nn.ModuleList(CrossDecoderBlock(d, h) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        x = self.emb(ids)
        for blk in self.self_dec:
            x = blk(x)
        b, n, _ = x.shape
        k, v = self.kv(self.kv_norm(x)).view(b, n, 2, self.kvh, self.hd).permute(2, 0, 3, 1, 4)
        k = rope(k, torch.arange(n))
        for blk in self.cross_dec:
            x = blk(x, k, v)
        return self.head(self.norm(x))


# --- expert-choice MoE (Zhou et al. 2022: experts choose their top-c tokens) ---

class ExpertChoiceMoE(nn.Module):
    def __init__(self, d=64, experts=4, hidden=96, capacity=2.0):
        super().__init__()
        self.router, self.e, self.capacity = nn.Linear(d, experts, bias=False), experts, capacity
        self.w1 = nn.Parameter(torch.randn(experts, d, hidden) / math.sqrt(d))
        self.w2 = nn.Parameter(torch.randn(experts, hidden, d) / math.sqrt(hidden))

    def forward(self, x):
        b, n, d = x.shape
        t = x.reshape(b * n, d)
        s = self.router(t).softmax(-1)  # [tokens, E]
        c = int(b * n * self.capacity / self.e)
        g, idx = s.t().topk(c, -1)  # [E, c]: each expert's tokens
        xe = t[idx]  # [E, c, d]
        ye = torch.bmm(F.gelu(torch.bmm(xe, self.w1)), self.w2) * g[..., None]
        out = torch.zeros(b * n, d).scatter_add(0, idx.reshape(-1, 1).expand(-1, d), ye.reshape(-1, d))
        return out.view(b, n, d)


class MoEBlock(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.attn, self.moe, self.n = LlamaBlock(d, h), ExpertChoiceMoE(d), RMSNorm(d)

    def forward(self, x):
        x = self.attn(x)
        return x + self.moe(self.n(x))


class BlockLM(nn.Module):
    def __init__(self, block, vocab=300, d=64, layers=2):
        super().__init__()
        self.emb, self.blocks = nn.Embedding(vocab, d), nn.ModuleList(block() for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        x = self.emb(ids)
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x))


# --- Mixture-of-Depths (Raposo et al. 2024: top-k tokens through the block, in order, the rest skip) ---

class MoDBlock(nn.Module):
    def __init__(self, d=64, h=4, frac=0.5):
        super().__init__()
        self.router, self.block, self.frac = nn.Linear(d, 1), LlamaBlock(d, h), frac

    def forward(self, x):
        b, n, d = x.shape
        r = self.router(x).squeeze(-1)  # [b, n]
        k = int(n * self.frac)
        w, idx = r.topk(k, -1)
        idx, order = idx.sort(-1)  # keep the chosen tokens in sequence order (causality)
        w = w.gather(1, order)
        gi = idx[..., None].expand(-1, -1, d)
        sel = x.gather(1, gi)
        upd = (self.block(sel) - sel) * torch.sigmoid(w)[..., None]
        return x.scatter_add(1, gi, upd)


# --- HGRN2 (fla-org flash-linear-attention, hgrn2.py, recurrent form) ---

class HGRN2Layer(nn.Module):
    def __init__(self, d=64, expand=16, lower_bound=0.5):
        super().__init__()
        self.h, self.e, self.lb = d // expand, expand, lower_bound
        self.q, self.f, self.i, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.g, self.norm = nn.Linear(d, d, bias=False), RMSNorm(expand)

    def forward(self, x):
        b, n, d = x.shape
        q = F.silu(self.q(x)).view(b, n, self.h, self.e)
        g = self.lb + (1 - self.lb) * torch.sigmoid(self.f(x))
        k = (1 - g).view(b, n, self.h, self.e)
        g = g.view(b, n, self.h, self.e)
        v = self.i(x).view(b, n, self.h, self.e)
        s = torch.zeros(b, self.h, self.e, self.e)
        outs = []
        for t in range(n):
            s = s * g[:, t, :, :, None] + k[:, t, :, :, None] * v[:, t, :, None, :]
            outs.append((q[:, t, :, :, None] * s).sum(-2))
        o = self.norm(torch.stack(outs, 1)).reshape(b, n, d)
        return self.o(o * F.silu(self.g(x)))


# --- DeepSeek-V3 multi-token prediction (one MTP module sharing embedding and head) ---

class MTP(nn.Module):
    def __init__(self, vocab=300, d=64, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(LlamaBlock(d, 4) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)
        self.h_norm, self.e_norm, self.proj = RMSNorm(d), RMSNorm(d), nn.Linear(2 * d, d, bias=False)
        self.mtp_block, self.mtp_norm = LlamaBlock(d, 4), RMSNorm(d)

    def forward(self, ids):
        x = self.emb(ids)
        for blk in self.blocks:
            x = blk(x)
        logits = self.head(self.norm(x))
        h = self.proj(torch.cat([self.h_norm(x[:, :-1]), self.e_norm(self.emb(ids[:, 1:]))], -1))
        return logits, self.head(self.mtp_norm(self.mtp_block(h)))


# --- MEGABYTE (lucidrains/MEGABYTE-pytorch, two stages: global over patches, local inside each) ---

class Megabyte(nn.Module):
    def __init__(self, vocab=256, patch=4, dg=96, dl=32, layers=2):
        super().__init__()
        self.p, self.dl = patch, dl
        self.g_emb, self.g_pos = nn.Embedding(vocab, dg // patch), nn.Parameter(torch.randn(64, dg) * 0.02)
        self.g_start, self.l_start = nn.Parameter(torch.randn(dg)), nn.Parameter(torch.randn(dl))
        self.g_blocks = nn.ModuleList(LlamaBlock(dg, 4) for _ in range(layers))
        self.to_local = nn.Linear(dg // patch, dl)
        self.l_emb = nn.Embedding(vocab, dl)
        self.l_blocks = nn.ModuleList(LlamaBlock(dl, 2) for _ in range(layers))
        self.norm, self.head = RMSNorm(dl), nn.Linear(dl, vocab, bias=False)

    def forward(self, ids):  # [b, P * patch] bytes
        b, n = ids.shape
        P = n // self.p
        g = self.g_emb(ids).view(b, P, -1) + self.g_pos[:P]
        g = torch.cat([self.g_start.expand(b, 1, -1), g[:, :-1]], 1)  # each patch sees the earlier ones
        for blk in self.g_blocks:
            g = blk(g)
        g = self.to_local(g.view(b * P, self.p, -1))
        x = self.l_emb(ids.view(b * P, self.p))
        x = torch.cat([self.l_start.expand(b * P, 1, -1), x[:, :-1]], 1) + g
        for blk in self.l_blocks:
            x = blk(x)
        return self.head(self.norm(x)).view(b, n, -1)


# --- native sparse attention (DeepSeek NSA, Yuan et al. 2025; GQA, compression l = d = 4, select top-2 blocks of 4) ---

class NSA(nn.Module):
    def __init__(self, d=64, h=4, kvh=1, block=4, top=2, window=8, max_len=32):
        super().__init__()
        self.h, self.kvh, self.hd, self.blk, self.top, self.window = h, kvh, d // h, block, top, window
        self.q = nn.Linear(d, d, bias=False)
        self.kv = nn.ModuleList(nn.Linear(d, 2 * kvh * self.hd, bias=False) for _ in range(3))  # cmp, slc, swa
        self.cmp_pos = nn.Parameter(torch.randn(block, self.hd) * 0.1)
        self.cmp_k, self.cmp_v = nn.Linear(block * self.hd, self.hd), nn.Linear(block * self.hd, self.hd)
        self.gate, self.o = nn.Linear(d, 3 * h), nn.Linear(d, d, bias=False)
        cos, sin = rope_tables(max_len, self.hd)
        self.register_buffer('cos', cos)
        self.register_buffer('sin', sin)

    def forward(self, x):
        b, n, d = x.shape
        nb, rep = n // self.blk, self.h // self.kvh
        pos, cos, sin = torch.arange(n), self.cos[:n], self.sin[:n]
        q = rope_tab(self.q(x).view(b, n, self.h, self.hd).transpose(1, 2), cos, sin)
        kvs = [m(x).view(b, n, 2, self.kvh, self.hd).permute(2, 0, 3, 1, 4) for m in self.kv]
        # compression: each block of 4 keys / values through an MLP with intra-block positions
        kc = (kvs[0][0].reshape(b, self.kvh, nb, self.blk, self.hd) + self.cmp_pos).reshape(b, self.kvh, nb, self.blk * self.hd)
        vc = (kvs[0][1].reshape(b, self.kvh, nb, self.blk, self.hd) + self.cmp_pos).reshape(b, self.kvh, nb, self.blk * self.hd)
        kc, vc = repeat_kv(self.cmp_k(kc), rep), repeat_kv(self.cmp_v(vc), rep)
        blk_end = torch.arange(nb) * self.blk + self.blk - 1
        seen = blk_end[None] <= pos[:, None]  # [n, nb]
        o_cmp, p_cmp = attend(q, kc, vc, seen)
        # selection: block importance summed over the heads of a group; top-n blocks plus the query's own block
        imp = (p_cmp * seen).view(b, self.kvh, rep, n, nb).sum(2)
        own = (pos[:, None] // self.blk) == torch.arange(nb)[None]
        imp = imp + own * 1e4
        sel = torch.zeros(b, self.kvh, n, nb).scatter(-1, imp.topk(self.top, -1)[1], 1.0) > 0
        keep = sel.repeat_interleave(self.blk, -1) & causal(n)
        ks, vs = repeat_kv(rope_tab(kvs[1][0], cos, sin), rep), repeat_kv(kvs[1][1], rep)
        o_slc, _ = attend(q, ks, vs, repeat_kv(keep, rep))
        kw, vw = repeat_kv(rope_tab(kvs[2][0], cos, sin), rep), repeat_kv(kvs[2][1], rep)
        o_swa, _ = attend(q, kw, vw, causal(n, self.window))
        g = torch.sigmoid(self.gate(x)).view(b, n, 3, self.h).permute(2, 0, 3, 1)[..., None]
        o = g[0] * o_cmp + g[1] * o_slc + g[2] * o_swa
        return self.o(o.transpose(1, 2).reshape(b, n, d))


MODELS = {
    'ngpt': lambda: (NGPT().eval(), ids(24), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'fox': lambda: (PreNormLM(lambda i: FoXAttention()).eval(), ids(24), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'yoco': lambda: (YOCO().eval(), ids(24), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'expert_choice_moe': lambda: (BlockLM(MoEBlock).eval(), ids(16), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 16}),
    'mixture_of_depths': lambda: (BlockLM(MoDBlock).eval(), ids(16), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 16}),
    'hgrn2': lambda: (PreNormLM(lambda i: HGRN2Layer()).eval(), ids(12), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'mtp': lambda: (MTP().eval(), ids(16), {'names': ['input_ids'], 'outputs': ['logits', 'mtp_logits'], 'opset': 14}),
    'megabyte': lambda: (Megabyte().eval(), ids(32, 256), {'names': ['bytes'], 'outputs': ['logits'], 'opset': 14}),
    'nsa': lambda: (PreNormLM(lambda i: NSA()).eval(), ids(32), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
}
