"""Twentieth sweep: language and multimodal families not tried in the nineteen earlier sweeps, as their reference code
writes them (random weights, small widths): the Differential Transformer (two softmax maps per head subtracted with a
re-parameterised λ, per-head RMSNorm scaled by 1 - λ_init, RoPE, SwiGLU), Gated DeltaNet (the gated delta rule's
recurrent form: short causal convs, L2-normalised q / k, β-weighted state correction S ← αS(I - βkkᵀ) + βvkᵀ, gated
RMSNorm output), Monarch Mixer (M2: a Monarch matrix along the sequence and block-diagonal Monarch GLU over features,
each two block-diagonal products around a transpose permutation), LLaVA-NeXT (anyres: a base view and a 2×2 grid of
tiles through one ViT, the grid's features unpadded to the image's aspect with a newline token per row, an MLP
projector, spliced between text embeddings) and Medusa (a decoder with three extra ResBlock heads and their top-k
candidates). Models in MODELS, exported by sweep20_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import RMSNorm  # noqa: E402


def rope(x, pos):  # x [b, h, n, d], NeoX halves
    d = x.shape[-1]
    inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
    f = pos[:, None].float() * inv[None]
    cos, sin = torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class SwiGLU(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.w1, self.w2, self.w3 = nn.Linear(d, hidden, bias=False), nn.Linear(hidden, d, bias=False), nn.Linear(d, hidden, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


# --- Differential Transformer (microsoft/unilm Diff-Transformer, multihead_diffattn.py) ---

class DiffAttention(nn.Module):
    def __init__(self, d, heads, depth):
        super().__init__()
        self.h, self.hd = heads, d // heads // 2
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.lambda_init = 0.8 - 0.6 * math.exp(-0.3 * depth)
        self.lq1, self.lk1, self.lq2, self.lk2 = (nn.Parameter(torch.randn(self.hd) * 0.1) for _ in range(4))
        self.subln = RMSNorm(2 * self.hd)

    def forward(self, x):
        b, n, _ = x.shape
        pos = torch.arange(n)
        q = rope(self.q(x).view(b, n, 2 * self.h, self.hd).transpose(1, 2), pos)
        k = rope(self.k(x).view(b, n, 2 * self.h, self.hd).transpose(1, 2), pos)
        v = self.v(x).view(b, n, self.h, 2 * self.hd).transpose(1, 2)
        w = q @ k.transpose(-1, -2) * self.hd ** -0.5
        w = w + torch.triu(torch.full((n, n), float('-inf')), 1)
        w = w.softmax(-1)
        lam = torch.exp((self.lq1 * self.lk1).sum()) - torch.exp((self.lq2 * self.lk2).sum()) + self.lambda_init
        w = w.view(b, self.h, 2, n, n)
        w = w[:, :, 0] - lam * w[:, :, 1]
        o = self.subln(w @ v) * (1 - self.lambda_init)
        return self.o(o.transpose(1, 2).reshape(b, n, -1))


class PreNormLM(nn.Module):
    """Embedding, pre-RMSNorm blocks of a token mixer (mixer(i)) and SwiGLU, final RMSNorm, LM head."""
    def __init__(self, mixer, vocab=300, d=64, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.attn = nn.ModuleList(mixer(i) for i in range(layers))
        self.mlp = nn.ModuleList(SwiGLU(d, 2 * d) for _ in range(layers))
        self.n1 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        x = self.emb(ids)
        for a, m, n1, n2 in zip(self.attn, self.mlp, self.n1, self.n2):
            x = x + a(n1(x))
            x = x + m(n2(x))
        return self.head(self.norm(x))


# --- Gated DeltaNet (NVlabs GatedDeltaNet / fla naive_recurrent_gated_delta_rule) ---

class ShortConv(nn.Module):
    def __init__(self, d, k=4):
        super().__init__()
        self.conv, self.k = nn.Conv1d(d, d, k, groups=d, bias=False), k

    def forward(self, x):  # [b, n, d], causal
        return F.silu(self.conv(F.pad(x.transpose(1, 2), (self.k - 1, 0)))).transpose(1, 2)


class GatedDeltaNetLayer(nn.Module):
    def __init__(self, d=64, heads=2, dk=16, dv=32):
        super().__init__()
        self.h, self.dk, self.dv = heads, dk, dv
        self.q, self.k = nn.Linear(d, heads * dk, bias=False), nn.Linear(d, heads * dk, bias=False)
        self.v, self.g = nn.Linear(d, heads * dv, bias=False), nn.Linear(d, heads * dv, bias=False)
        self.b, self.a = nn.Linear(d, heads, bias=False), nn.Linear(d, heads, bias=False)
        self.A_log = nn.Parameter(torch.log(torch.rand(heads) * 15 + 1))
        self.dt_bias = nn.Parameter(torch.rand(heads) - 4)
        self.cq, self.ck, self.cv = ShortConv(heads * dk), ShortConv(heads * dk), ShortConv(heads * dv)
        self.onorm, self.o = RMSNorm(dv), nn.Linear(heads * dv, d, bias=False)

    def forward(self, x):
        b, n, _ = x.shape
        q = F.normalize(self.cq(self.q(x)).view(b, n, self.h, self.dk), dim=-1) * self.dk ** -0.5
        k = F.normalize(self.ck(self.k(x)).view(b, n, self.h, self.dk), dim=-1)
        v = self.cv(self.v(x)).view(b, n, self.h, self.dv)
        beta = self.b(x).sigmoid()  # [b, n, h]
        g = -self.A_log.exp() * F.softplus(self.a(x) + self.dt_bias)  # log decay [b, n, h]
        S = torch.zeros(b, self.h, self.dk, self.dv)
        outs = []
        for t in range(n):
            S = S * g[:, t].exp()[..., None, None]
            kt, vt = k[:, t], v[:, t]
            err = vt - (S * kt[..., None]).sum(-2)
            S = S + kt[..., None] * (beta[:, t, :, None] * err)[..., None, :]
            outs.append((q[:, t, :, :, None] * S).sum(-2))
        o = torch.stack(outs, 1)  # [b, n, h, dv]
        o = self.onorm(o) * F.silu(self.g(x).view(b, n, self.h, self.dv))
        return self.o(o.reshape(b, n, -1))


# --- Monarch Mixer (HazyResearch m2: blockdiag_multiply, M2 mixer) ---

def blockdiag(x, w):
    """x [..., k·i], w [k, o, i]: each of k blocks of x through its own [o, i] matrix -> [..., k·o]."""
    k = w.shape[0]
    y = torch.einsum('...ki,koi->...ko', x.reshape(*x.shape[:-1], k, -1), w)
    return y.reshape(*x.shape[:-1], -1)


class MonarchLinear(nn.Module):
    """M = P L P R: block-diagonal R, the [k, m] -> [m, k] permutation, block-diagonal L, the permutation back."""
    def __init__(self, n, k):
        super().__init__()
        m = n // k
        self.k, self.m = k, m
        self.R = nn.Parameter(torch.randn(k, m, m) / math.sqrt(m))
        self.L = nn.Parameter(torch.randn(m, k, k) / math.sqrt(k))

    def forward(self, x):  # [..., n]
        y = blockdiag(x, self.R)
        y = y.reshape(*y.shape[:-1], self.k, self.m).transpose(-1, -2).reshape(*y.shape[:-1], -1)
        y = blockdiag(y, self.L)
        return y.reshape(*y.shape[:-1], self.m, self.k).transpose(-1, -2).reshape(*y.shape[:-1], -1)


class M2Block(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.seq_in, self.gate = nn.Linear(d, d), nn.Linear(d, d)
        self.seq_mix = MonarchLinear(n, 4)
        self.up, self.upg = MonarchLinear(d, 4), MonarchLinear(d, 4)
        self.down = MonarchLinear(d, 4)
        self.conv = nn.Conv1d(d, d, 3, padding=1, groups=d)

    def forward(self, x):  # [b, n, d]
        h = self.n1(x)
        u = self.conv(self.seq_in(h).transpose(1, 2))  # [b, d, n]: short conv, then the Monarch along the sequence
        y = self.seq_mix(u).transpose(1, 2) * torch.sigmoid(self.gate(h))
        x = x + y
        h = self.n2(x)
        return x + self.down(F.gelu(self.up(h)) * self.upg(h))


class MonarchMixer(nn.Module):
    def __init__(self, vocab=300, n=64, d=64, layers=2, classes=3):
        super().__init__()
        self.emb, self.pos = nn.Embedding(vocab, d), nn.Parameter(torch.randn(n, d) * 0.02)
        self.blocks = nn.ModuleList(M2Block(n, d) for _ in range(layers))
        self.norm, self.cls = nn.LayerNorm(d), nn.Linear(d, classes)

    def forward(self, ids, mask):
        x = self.emb(ids) + self.pos
        for blk in self.blocks:
            x = blk(x) * mask[..., None]
        pooled = (self.norm(x) * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return self.cls(pooled)


# --- LLaVA-NeXT anyres (transformers LlavaNextForConditionalGeneration, pack_image_features) ---

class TinyViT(nn.Module):
    def __init__(self, d=48, patch=14, layers=3):
        super().__init__()
        self.patch = nn.Conv2d(3, d, patch, patch, bias=False)
        self.cls, self.pos = nn.Parameter(torch.randn(1, 1, d)), nn.Parameter(torch.randn(1, 17, d) * 0.02)
        self.pre = nn.LayerNorm(d)
        self.layers = nn.ModuleList(nn.TransformerEncoderLayer(d, 4, 2 * d, 0.0, activation='gelu', batch_first=True, norm_first=True) for _ in range(layers))

    def forward(self, px):  # [v, 3, 56, 56] -> hidden states of the second-to-last layer without CLS
        x = self.patch(px).flatten(2).transpose(1, 2)
        x = self.pre(torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos)
        for lyr in self.layers[:-1]:
            x = lyr(x)
        return x[:, 1:]


class LlavaNext(nn.Module):
    def __init__(self, vocab=300, d=64, vd=48, orig=(40, 56)):
        super().__init__()
        self.vit = TinyViT(vd)
        self.proj = nn.Sequential(nn.Linear(vd, d), nn.GELU(), nn.Linear(d, d))
        self.newline = nn.Parameter(torch.randn(d))
        self.emb = nn.Embedding(vocab, d)
        self.lm = nn.ModuleList(nn.TransformerEncoderLayer(d, 4, 2 * d, 0.0, activation='gelu', batch_first=True, norm_first=True) for _ in range(2))
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)
        # unpad: a 2x2 grid of 4x4 patches (8x8) covering a 40x56 image letterboxed in 56x56 -> rows to keep
        side = 8
        rows = round(orig[0] * side / max(orig))
        self.r0, self.r1 = (side - rows) // 2, (side - rows) // 2 + rows

    def forward(self, pixel_values, pre_ids, post_ids):  # [5, 3, 56, 56]: base view, then the 2x2 tiles
        f = self.proj(self.vit(pixel_values))  # [5, 16, d]
        base, tiles = f[0], f[1:]
        d = f.shape[-1]
        grid = tiles.view(2, 2, 4, 4, d).permute(4, 0, 2, 1, 3).reshape(d, 8, 8)  # [d, rows, cols]
        grid = grid[:, self.r0:self.r1]
        grid = torch.cat([grid, self.newline[:, None, None].expand(d, grid.shape[1], 1)], -1)
        img = torch.cat([base, grid.flatten(1).transpose(0, 1)], 0)[None]
        x = torch.cat([self.emb(pre_ids), img, self.emb(post_ids)], 1)
        n = x.shape[1]
        causal = torch.triu(torch.full((n, n), float('-inf')), 1)
        for lyr in self.lm:
            x = lyr(x, src_mask=causal)
        return self.head(self.norm(x[:, -post_ids.shape[1]:]))


# --- Medusa (FasterDecoding/Medusa: medusa_model.py ResBlock heads) ---

class LlamaBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.n1, self.n2, self.mlp = RMSNorm(d), RMSNorm(d), SwiGLU(d, 2 * d)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(self.n1(x)).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        pos = torch.arange(n)
        q, k = rope(q, pos), rope(k, pos)
        w = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) + torch.triu(torch.full((n, n), float('-inf')), 1)
        x = x + self.o((w.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.mlp(self.n2(x))


class ResBlock(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.linear = nn.Linear(d, d)

    def forward(self, x):
        return x + F.silu(self.linear(x))


class Medusa(nn.Module):
    def __init__(self, vocab=300, d=64, layers=2, heads=3, topk=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(LlamaBlock(d, 4) for _ in range(layers))
        self.norm, self.lm_head = RMSNorm(d), nn.Linear(d, vocab, bias=False)
        self.medusa = nn.ModuleList(nn.Sequential(ResBlock(d), nn.Linear(d, vocab, bias=False)) for _ in range(heads))
        self.topk = topk

    def forward(self, ids):
        x = self.emb(ids)
        for blk in self.blocks:
            x = blk(x)
        h = self.norm(x)
        logits = self.lm_head(h)
        medusa = torch.stack([m(h) for m in self.medusa], 0)  # [heads, b, n, vocab]
        last = medusa[:, :, -1]
        _, cand = last.topk(self.topk, -1)
        top1 = logits[:, -1].argmax(-1, keepdim=True)  # [b, 1]
        return logits, medusa, torch.cat([top1, cand.permute(1, 0, 2).reshape(ids.shape[0], -1)], -1)


def ids(n, vocab=300):
    return torch.randint(1, vocab, (1, n))


MODELS = {
    'diff_transformer': lambda: (PreNormLM(lambda i: DiffAttention(64, 2, i)).eval(), ids(32), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'gated_deltanet': lambda: (PreNormLM(lambda i: GatedDeltaNetLayer(64)).eval(), ids(12), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'monarch_mixer': lambda: (MonarchMixer().eval(), (ids(64), (torch.arange(64) < 50).float()[None]), {'names': ['input_ids', 'attention_mask'], 'outputs': ['logits'], 'opset': 14}),
    'llava_next': lambda: (LlavaNext().eval(), (torch.randn(5, 3, 56, 56), ids(6), ids(10)), {'names': ['pixel_values', 'pre_ids', 'post_ids'], 'outputs': ['logits'], 'opset': 14}),
    'medusa': lambda: (Medusa().eval(), ids(24), {'names': ['input_ids'], 'outputs': ['logits', 'medusa_logits', 'candidates'], 'opset': 14}),
}
