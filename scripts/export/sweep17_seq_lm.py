"""Seventeenth sweep: language and multimodal families not tried in the sixteen earlier sweeps, as their reference code
writes them (random weights, small widths): Qwen2-MoE (softmax router, top-4 of 8 unnormalised, experts by
where / index_add, a shared expert behind a sigmoid gate; q / k / v biases, rotary, 2 KV heads), XLNet (sequence-first
relative attention: content, position and segment terms by einsum, bidirectional sinusoid, rel_shift by reshape),
BigBird (block-sparse ITC attention: global first / last blocks, sliding window of 3 blocks, 2 random blocks from a
fixed plan), Performer (FAVOR+ positive orthogonal random features, non-causal linear attention), CANINE (hash
embeddings by 8 primes and modulo, local attention in windows, strided downsampling conv, repeat upsampling), Pix2Struct
(variable-resolution patches with row / column ids read from the input, mask from empty patches, T5 encoder),
BitNet b1.58 (BitLinear: per-token absmax int8 activation rounding and ternary absmean weights, SubLN, relu² GLU),
ViLT (text and patch embeddings with modality types, one ViT encoder, pooler, ITM head) and PaliGemma (SigLIP tower,
projector, Gemma decoder with a prefix-LM mask from token types). Models in MODELS, exported by sweep17_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def rotate_half(x):
    x1, x2 = x.chunk(2, -1)
    return torch.cat((-x2, x1), -1)


def rope(t, d, base=10000.0):
    inv = 1.0 / (base ** (torch.arange(0, d, 2).float() / d))
    f = torch.outer(torch.arange(t).float(), inv)
    e = torch.cat((f, f), -1)
    return e.cos(), e.sin()


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6, plus_one=False):
        super().__init__()
        self.w = nn.Parameter(torch.randn(d) * 0.1 + (0 if plus_one else 1))
        self.eps, self.plus_one = eps, plus_one

    def forward(self, x):
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return x * (1 + self.w if self.plus_one else self.w)


# --- Qwen2-MoE ---

class QwenMLP(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.gate_proj, self.up_proj, self.down_proj = nn.Linear(d, h, bias=False), nn.Linear(d, h, bias=False), nn.Linear(h, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Qwen2MoeBlock(nn.Module):
    def __init__(self, d=64, experts=8, top_k=4, h=32, shared=96):
        super().__init__()
        self.gate = nn.Linear(d, experts, bias=False)
        self.experts = nn.ModuleList(QwenMLP(d, h) for _ in range(experts))
        self.shared_expert = QwenMLP(d, shared)
        self.shared_expert_gate = nn.Linear(d, 1, bias=False)
        self.n, self.top_k = experts, top_k

    def forward(self, hidden):
        b, t, d = hidden.shape
        hidden = hidden.view(-1, d)
        router_logits = self.gate(hidden)
        routing_weights = F.softmax(router_logits, dim=1, dtype=torch.float)
        routing_weights, selected = torch.topk(routing_weights, self.top_k, dim=-1)  # norm_topk_prob False
        final = torch.zeros((b * t, d), dtype=hidden.dtype)
        expert_mask = F.one_hot(selected, num_classes=self.n).permute(2, 1, 0)
        for e in range(self.n):
            idx, top_x = torch.where(expert_mask[e])
            current = hidden[None, top_x].reshape(-1, d)
            current = self.experts[e](current) * routing_weights[top_x, idx, None]
            final.index_add_(0, top_x, current)
        shared = self.shared_expert(hidden)
        shared = torch.sigmoid(self.shared_expert_gate(hidden)) * shared
        return (final + shared).reshape(b, t, d)


class Qwen2MoeLayer(nn.Module):
    def __init__(self, d=64, heads=4, kv=2):
        super().__init__()
        self.hd, self.h, self.kv = d // heads, heads, kv
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, kv * self.hd)
        self.v_proj = nn.Linear(d, kv * self.hd)
        self.o_proj = nn.Linear(d, d, bias=False)
        self.ln1, self.ln2 = RMSNorm(d), RMSNorm(d)
        self.mlp = Qwen2MoeBlock(d)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        h = self.ln1(x)
        q = self.q_proj(h).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(h).view(b, t, self.kv, self.hd).transpose(1, 2)
        v = self.v_proj(h).view(b, t, self.kv, self.hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = self.h // self.kv
        k = k[:, :, None].expand(b, self.kv, rep, t, self.hd).reshape(b, self.h, t, self.hd)
        v = v[:, :, None].expand(b, self.kv, rep, t, self.hd).reshape(b, self.h, t, self.hd)
        a = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(self.hd) + mask, -1) @ v
        x = x + self.o_proj(a.transpose(1, 2).reshape(b, t, -1))
        return x + self.mlp(self.ln2(x))


class Qwen2Moe(nn.Module):
    def __init__(self, vocab=200, d=64, layers=2, t=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(Qwen2MoeLayer(d) for _ in range(layers))
        self.norm = RMSNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        cos, sin = rope(t, d // 4, 1e6)
        self.register_buffer('cos', cos)
        self.register_buffer('sin', sin)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.embed(ids)
        mask = torch.full((t, t), torch.finfo(torch.float32).min).triu(1)
        for layer in self.layers:
            x = layer(x, self.cos[:t], self.sin[:t], mask)
        return self.lm_head(self.norm(x))


# --- XLNet ---

class XLNetLayer(nn.Module):
    def __init__(self, d=64, n=4):
        super().__init__()
        self.n, self.dh = n, d // n
        self.q, self.k, self.v, self.o, self.r = (nn.Parameter(torch.randn(d, n, d // n) * 0.1) for _ in range(5))
        self.r_r_bias, self.r_s_bias, self.r_w_bias = (nn.Parameter(torch.randn(n, d // n) * 0.1) for _ in range(3))
        self.seg_embed = nn.Parameter(torch.randn(2, n, d // n) * 0.1)
        self.ln, self.ln_ff = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff1, self.ff2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    @staticmethod
    def rel_shift_bnij(x, klen):
        s = x.shape
        x = x.reshape(s[0], s[1], s[3], s[2])[:, :, 1:, :]
        x = x.reshape(s[0], s[1], s[2], s[3] - 1)
        return torch.index_select(x, 3, torch.arange(klen, dtype=torch.long))

    def forward(self, h, pos_emb, seg_mat, attn_mask):
        q = torch.einsum('ibh,hnd->ibnd', h, self.q)
        k = torch.einsum('ibh,hnd->ibnd', h, self.k)
        v = torch.einsum('ibh,hnd->ibnd', h, self.v)
        kr = torch.einsum('ibh,hnd->ibnd', pos_emb, self.r)
        ac = torch.einsum('ibnd,jbnd->bnij', q + self.r_w_bias, k)
        bd = self.rel_shift_bnij(torch.einsum('ibnd,jbnd->bnij', q + self.r_r_bias, kr), klen=ac.shape[3])
        ef = torch.einsum('ibnd,snd->ibns', q + self.r_s_bias, self.seg_embed)
        ef = torch.einsum('ijbs,ibns->bnij', seg_mat, ef)
        score = (ac + bd + ef) * (1 / self.dh ** 0.5)
        score = score - 1e30 * torch.einsum('ijbn->bnij', attn_mask)
        prob = F.softmax(score, dim=3)
        vec = torch.einsum('bnij,jbnd->ibnd', prob, v)
        h = self.ln(torch.einsum('ibnd,hnd->ibh', vec, self.o) + h)
        return self.ln_ff(h + self.ff2(F.gelu(self.ff1(h))))


class XLNet(nn.Module):
    def __init__(self, vocab=200, d=64, layers=2):
        super().__init__()
        self.word_embedding = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(XLNetLayer(d) for _ in range(layers))
        self.d = d

    def forward(self, ids, token_type_ids, attention_mask):  # [B, T] each
        ids, tt = ids.transpose(0, 1), token_type_ids.transpose(0, 1)
        t, b = ids.shape
        input_mask = 1.0 - attention_mask.transpose(0, 1).float()
        data_mask = input_mask[None]  # [1, T, B]
        attn_mask = (data_mask[:, :, :, None] > 0).float()
        attn_mask = (attn_mask - torch.eye(t)[:, :, None, None]).clamp(min=0)  # non_tgt_mask
        h = self.word_embedding(ids)
        seg_mat = (tt[:, None] != tt[None, :]).long()
        seg_mat = F.one_hot(seg_mat, num_classes=2).float()
        freq = 1.0 / (10000 ** (torch.arange(0, self.d, 2.0) / self.d))
        pos_seq = torch.arange(t, -t, -1.0)
        sinusoid = torch.einsum('i,d->id', pos_seq, freq)
        pos_emb = torch.cat([torch.sin(sinusoid), torch.cos(sinusoid)], -1)[:, None].expand(-1, b, -1)
        for layer in self.layers:
            h = layer(h, pos_emb, seg_mat, attn_mask)
        return h.permute(1, 0, 2)


# --- BigBird block-sparse attention ---

class BigBirdAttention(nn.Module):
    """HF BigBirdBlockSparseAttention's ITC pattern in its einsum-free form: every query block but the first and last
    attends to the first and last (global) blocks, its 3-block sliding window and 2 random blocks of a fixed plan."""

    def __init__(self, d=64, heads=4, bs=4, nb=8, r=2):
        super().__init__()
        self.h, self.dh, self.bs, self.nb, self.r = heads, d // heads, bs, nb, r
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        g = torch.Generator().manual_seed(7)
        plan = []
        for i in range(1, nb - 1):
            choices = [j for j in range(1, nb - 1) if abs(j - i) > 1]
            plan.append([choices[k] for k in torch.randperm(len(choices), generator=g)[:r].tolist()])
        self.register_buffer('rand_attn', torch.tensor(plan))  # [nb - 2, r]

    def forward(self, x):
        b, t, d = x.shape
        h, dh, bs, nb = self.h, self.dh, self.bs, self.nb
        q = self.query(x).view(b, t, h, dh).transpose(1, 2)
        k = self.key(x).view(b, t, h, dh).transpose(1, 2)
        v = self.value(x).view(b, t, h, dh).transpose(1, 2)
        scale = 1 / math.sqrt(dh)
        qb, kb, vb = (z.reshape(b, h, nb, bs, dh) for z in (q, k, v))
        # first and last query blocks: dense over every key
        first = torch.softmax(qb[:, :, 0] @ k.transpose(2, 3) * scale, -1) @ v
        last = torch.softmax(qb[:, :, -1] @ k.transpose(2, 3) * scale, -1) @ v
        # middle blocks: [global first, window (3), random (r), global last]
        mid_q = qb[:, :, 1:-1]  # [b, h, nb-2, bs, dh]
        win_k = torch.cat([kb[:, :, :-2], kb[:, :, 1:-1], kb[:, :, 2:]], 3)
        win_v = torch.cat([vb[:, :, :-2], vb[:, :, 1:-1], vb[:, :, 2:]], 3)
        rk = kb.index_select(2, self.rand_attn.flatten()).reshape(b, h, nb - 2, self.r * bs, dh)
        rv = vb.index_select(2, self.rand_attn.flatten()).reshape(b, h, nb - 2, self.r * bs, dh)
        gk0 = kb[:, :, :1].expand(b, h, nb - 2, bs, dh)
        gk1 = kb[:, :, -1:].expand(b, h, nb - 2, bs, dh)
        gv0 = vb[:, :, :1].expand(b, h, nb - 2, bs, dh)
        gv1 = vb[:, :, -1:].expand(b, h, nb - 2, bs, dh)
        keys = torch.cat([gk0, win_k, rk, gk1], 3)
        vals = torch.cat([gv0, win_v, rv, gv1], 3)
        p = torch.softmax(mid_q @ keys.transpose(3, 4) * scale, -1)
        mid = (p @ vals).reshape(b, h, (nb - 2) * bs, dh)
        out = torch.cat([first, mid, last], 2)
        return out.transpose(1, 2).reshape(b, t, d)


class BigBird(nn.Module):
    def __init__(self, vocab=200, d=64, layers=2, t=32):
        super().__init__()
        self.emb, self.pos = nn.Embedding(vocab, d), nn.Parameter(torch.randn(t, d) * 0.1)
        self.attn = nn.ModuleList(BigBirdAttention(d) for _ in range(layers))
        self.o = nn.ModuleList(nn.Linear(d, d) for _ in range(layers))
        self.ln1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)) for _ in range(layers))
        self.ln2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))

    def forward(self, ids):
        x = self.emb(ids) + self.pos
        for a, o, l1, ff, l2 in zip(self.attn, self.o, self.ln1, self.ff, self.ln2):
            x = l1(x + o(a(x)))
            x = l2(x + ff(x))
        return x


# --- Performer (FAVOR+) ---

def orthogonal_features(m, d, g):
    blocks = []
    for _ in range(math.ceil(m / d)):
        q, _ = torch.linalg.qr(torch.randn(d, d, generator=g))
        blocks.append(q.t())
    w = torch.cat(blocks)[:m]
    return torch.randn(m, d, generator=g).norm(dim=1)[:, None] * w


class PerformerAttention(nn.Module):
    def __init__(self, d=64, heads=4, m=32, seed=0):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.to_q, self.to_k, self.to_v, self.to_out = (nn.Linear(d, d) for _ in range(4))
        self.register_buffer('proj', orthogonal_features(m, self.dh, torch.Generator().manual_seed(seed)))

    def softmax_kernel(self, data, is_query, eps=1e-4):
        normalizer = data.shape[-1] ** -0.25
        ratio = self.proj.shape[0] ** -0.5
        data_dash = torch.einsum('...id,jd->...ij', normalizer * data, self.proj)
        diag = (data ** 2).sum(-1) / 2.0 * normalizer ** 2
        diag = diag.unsqueeze(-1)
        if is_query:
            return ratio * (torch.exp(data_dash - diag - torch.amax(data_dash, -1, keepdim=True)) + eps)
        return ratio * (torch.exp(data_dash - diag - torch.amax(data_dash, (-1, -2), keepdim=True)) + eps)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = (f(x).view(b, t, self.h, self.dh).transpose(1, 2) for f in (self.to_q, self.to_k, self.to_v))
        q, k = self.softmax_kernel(q, True), self.softmax_kernel(k, False)
        k_cumsum = k.sum(-2)
        d_inv = 1.0 / torch.einsum('...nd,...d->...n', q, k_cumsum.type_as(q))
        context = torch.einsum('...nd,...ne->...de', k, v)
        out = torch.einsum('...de,...nd,...n->...ne', context, q, d_inv)
        return self.to_out(out.transpose(1, 2).reshape(b, t, -1))


class Performer(nn.Module):
    def __init__(self, vocab=200, d=64, layers=2, t=24):
        super().__init__()
        self.emb, self.pos = nn.Embedding(vocab, d), nn.Parameter(torch.randn(t, d) * 0.1)
        self.attn = nn.ModuleList(PerformerAttention(d, seed=i) for i in range(layers))
        self.n1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)) for _ in range(layers))
        self.out = nn.Linear(d, vocab)

    def forward(self, ids):
        x = self.emb(ids) + self.pos
        for a, n1, n2, ff in zip(self.attn, self.n1, self.n2, self.ff):
            x = x + a(n1(x))
            x = x + ff(n2(x))
        return self.out(x)


# --- CANINE ---

PRIMES = (31, 43, 59, 61, 73, 97, 103, 113)


class SimpleLayer(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def attend(self, x, bias=None):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, self.dh).permute(2, 0, 3, 1, 4)
        s = q @ k.transpose(-1, -2) / math.sqrt(self.dh)
        if bias is not None:
            s = s + bias
        return self.o((torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, t, d))

    def forward(self, x, bias=None):
        x = self.ln1(x + self.attend(x, bias))
        return self.ln2(x + self.ff(x))


class Canine(nn.Module):
    def __init__(self, d=64, buckets=512, rate=4, t=32, window=8):
        super().__init__()
        self.shard = d // len(PRIMES)
        self.hash_emb = nn.ModuleList(nn.Embedding(buckets, self.shard) for _ in PRIMES)
        self.buckets, self.rate = buckets, rate
        self.char_pos = nn.Parameter(torch.randn(t, d) * 0.1)
        self.initial = SimpleLayer(d)
        local = torch.zeros(t, t)
        for i in range(t):
            for j in range(t):
                if i // window != j // window:
                    local[i, j] = -10000.0
        self.register_buffer('local', local)
        self.down = nn.Conv1d(d, d, rate, stride=rate)
        self.down_ln = nn.LayerNorm(d)
        self.deep = nn.ModuleList(SimpleLayer(d) for _ in range(2))
        self.up = nn.Conv1d(2 * d, d, rate, stride=1)
        self.up_ln = nn.LayerNorm(d)
        self.final = SimpleLayer(d)

    def forward(self, codepoints, attention_mask):
        embs = [e(((codepoints + 1) * p) % self.buckets) for p, e in zip(PRIMES, self.hash_emb)]
        x = torch.cat(embs, -1) + self.char_pos
        mask = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        chars = self.initial(x, self.local + mask)
        cls = chars[:, :1]
        mol = F.gelu(self.down(chars.transpose(1, 2))).transpose(1, 2)
        mol = self.down_ln(torch.cat([cls, mol], 1))
        for layer in self.deep:
            mol = layer(mol)
        # HF: torch.repeat_interleave(molecules, repeats=rate, dim=-2); torch 1.13 exports that wrong (an invalid
        # MatMul shape, onnxruntime refuses the file), so the same repeat as expand + reshape
        m = mol[:, 1:]
        rep = m[:, :, None].expand(m.shape[0], m.shape[1], self.rate, m.shape[2]).reshape(m.shape[0], -1, m.shape[2])
        cat = torch.cat([chars, rep], -1).transpose(1, 2)
        cat = F.pad(cat, (1, 2))
        up = self.up_ln(F.gelu(self.up(cat)).transpose(1, 2))
        return self.final(up, mask), mol[:, 0]


# --- Pix2Struct ---

class T5Layer(nn.Module):
    def __init__(self, d=64, heads=4, ff=128):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.n1, self.n2 = RMSNorm(d), RMSNorm(d)
        self.wi_0, self.wi_1, self.wo = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)

    def forward(self, x, mask):
        b, t, d = x.shape
        h = self.n1(x)
        q, k, v = (f(h).view(b, t, self.h, self.dh).transpose(1, 2) for f in (self.q, self.k, self.v))
        a = torch.softmax(q @ k.transpose(-1, -2) + mask, -1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(b, t, d))
        h = self.n2(x)
        return x + self.wo(F.gelu(self.wi_0(h), approximate='tanh') * self.wi_1(h))


class Pix2Struct(nn.Module):
    def __init__(self, p=8, d=64, rows=32, layers=2):
        super().__init__()
        self.patch_projection = nn.Linear(p * p * 3, d)
        self.row_embedder, self.column_embedder = nn.Embedding(rows, d), nn.Embedding(rows, d)
        self.layers = nn.ModuleList(T5Layer(d) for _ in range(layers))
        self.norm = RMSNorm(d)

    def forward(self, flattened_patches):  # [B, N, 2 + p*p*3]: row id, column id, pixels
        row = flattened_patches[:, :, 0].long()
        col = flattened_patches[:, :, 1].long()
        x = self.patch_projection(flattened_patches[:, :, 2:]) + self.row_embedder(row) + self.column_embedder(col)
        attention_mask = (flattened_patches.sum(-1) != 0).float()
        mask = (1.0 - attention_mask[:, None, None, :]) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, mask)
        return self.norm(x)


def pix2struct_inputs(b=2, rows=5, cols=6, pad=6, p=8):
    g = torch.Generator().manual_seed(3)
    r, c = torch.meshgrid(torch.arange(1, rows + 1), torch.arange(1, cols + 1), indexing='ij')
    ids = torch.stack([r.flatten(), c.flatten()], -1).float()
    pix = torch.rand(b, rows * cols, p * p * 3, generator=g)
    x = torch.cat([ids[None].expand(b, -1, -1), pix], -1)
    return torch.cat([x, torch.zeros(b, pad, x.shape[-1])], 1)


# --- BitNet b1.58 ---

class BitLinear(nn.Linear):
    def forward(self, x):
        s = 127.0 / x.abs().max(dim=-1, keepdim=True).values.clamp_(min=1e-5)
        xq = (x * s).round().clamp(-128, 127) / s
        w = self.weight
        ws = 1.0 / w.abs().mean().clamp_(min=1e-5)
        wq = (w * ws).round().clamp(-1, 1) / ws
        return F.linear(xq, wq, self.bias)


class BitNetLayer(nn.Module):
    def __init__(self, d=64, heads=4, kv=2, ff=128):
        super().__init__()
        self.h, self.kv, self.dh = heads, kv, d // heads
        self.q, self.k, self.v = BitLinear(d, d, bias=False), BitLinear(d, kv * self.dh, bias=False), BitLinear(d, kv * self.dh, bias=False)
        self.o = BitLinear(d, d, bias=False)
        self.attn_sub_norm, self.ffn_sub_norm = RMSNorm(d, 1e-5), RMSNorm(ff, 1e-5)
        self.gate, self.up, self.down = BitLinear(d, ff, bias=False), BitLinear(d, ff, bias=False), BitLinear(ff, d, bias=False)
        self.n1, self.n2 = RMSNorm(d, 1e-5), RMSNorm(d, 1e-5)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        h = self.n1(x)
        q = self.q(h).view(b, t, self.h, self.dh).transpose(1, 2)
        k = self.k(h).view(b, t, self.kv, self.dh).transpose(1, 2)
        v = self.v(h).view(b, t, self.kv, self.dh).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = self.h // self.kv  # repeat_kv (expand + reshape): torch 1.13 exports repeat_interleave wrong
        k = k[:, :, None].expand(b, self.kv, rep, t, self.dh).reshape(b, self.h, t, self.dh)
        v = v[:, :, None].expand(b, self.kv, rep, t, self.dh).reshape(b, self.h, t, self.dh)
        a = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(self.dh) + mask, -1) @ v
        x = x + self.o(self.attn_sub_norm(a.transpose(1, 2).reshape(b, t, -1)))
        h = self.n2(x)
        return x + self.down(self.ffn_sub_norm(F.relu(self.gate(h)) ** 2 * self.up(h)))


class BitNet(nn.Module):
    def __init__(self, vocab=200, d=64, layers=2, t=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(BitNetLayer(d) for _ in range(layers))
        self.norm = RMSNorm(d, 1e-5)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        cos, sin = rope(t, d // 4, 5e5)
        self.register_buffer('cos', cos)
        self.register_buffer('sin', sin)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.embed(ids)
        mask = torch.full((t, t), float('-inf')).triu(1)
        for layer in self.layers:
            x = layer(x, self.cos[:t], self.sin[:t], mask)
        return self.lm_head(self.norm(x))


# --- ViLT ---

class PreNormLayer(nn.Module):
    def __init__(self, d=64, heads=4, approximate='none'):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.n1, self.n2 = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.approximate = approximate

    def forward(self, x, mask=None):
        b, t, d = x.shape
        q, k, v = self.qkv(self.n1(x)).reshape(b, t, 3, self.h, self.dh).permute(2, 0, 3, 1, 4)
        s = (q * self.dh ** -0.5) @ k.transpose(-2, -1)
        if mask is not None:
            s = s + mask
        x = x + self.proj((s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(F.gelu(self.fc1(self.n2(x)), approximate=self.approximate))


class ViLT(nn.Module):
    def __init__(self, vocab=200, d=64, t=12, img=64, p=16, layers=2):
        super().__init__()
        self.word, self.text_pos = nn.Embedding(vocab, d), nn.Parameter(torch.randn(1, t, d) * 0.1)
        self.text_ln = nn.LayerNorm(d)
        self.patch = nn.Conv2d(3, d, p, p)
        n = (img // p) ** 2
        self.cls, self.img_pos = nn.Parameter(torch.randn(1, 1, d) * 0.1), nn.Parameter(torch.randn(1, n + 1, d) * 0.1)
        self.token_type = nn.Embedding(2, d)
        self.layers = nn.ModuleList(PreNormLayer(d) for _ in range(layers))
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.pooler = nn.Linear(d, d)
        self.itm = nn.Linear(d, 2)

    def forward(self, input_ids, attention_mask, pixel_values):
        b = input_ids.shape[0]
        txt = self.text_ln(self.word(input_ids) + self.text_pos)
        txt = txt + self.token_type(torch.zeros_like(input_ids))
        img = self.patch(pixel_values).flatten(2).transpose(1, 2)
        img = torch.cat([self.cls.expand(b, -1, -1), img], 1) + self.img_pos
        img = img + self.token_type(torch.ones(img.shape[:2], dtype=torch.long))
        x = torch.cat([txt, img], 1)
        m = torch.cat([attention_mask.float(), torch.ones(img.shape[:2])], 1)
        mask = (1.0 - m[:, None, None, :]) * -10000.0
        for layer in self.layers:
            x = layer(x, mask)
        x = self.norm(x)
        return self.itm(torch.tanh(self.pooler(x[:, 0])))


# --- PaliGemma ---

class GemmaLayer(nn.Module):
    def __init__(self, d=64, heads=4, kv=1, ff=128):
        super().__init__()
        self.h, self.kv, self.dh = heads, kv, d // heads
        self.q, self.k, self.v = nn.Linear(d, d, bias=False), nn.Linear(d, kv * self.dh, bias=False), nn.Linear(d, kv * self.dh, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.n1, self.n2 = RMSNorm(d, plus_one=True), RMSNorm(d, plus_one=True)
        self.gate, self.up, self.down = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        h = self.n1(x)
        q = self.q(h).view(b, t, self.h, self.dh).transpose(1, 2)
        k = self.k(h).view(b, t, self.kv, self.dh).transpose(1, 2)
        v = self.v(h).view(b, t, self.kv, self.dh).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        a = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(self.dh) + mask, -1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(b, t, -1))
        h = self.n2(x)
        return x + self.down(F.gelu(self.gate(h), approximate='tanh') * self.up(h))


class PaliGemma(nn.Module):
    def __init__(self, vocab=200, d=64, img=64, p=16, t=10):
        super().__init__()
        self.patch = nn.Conv2d(3, 48, p, p)
        n = (img // p) ** 2
        self.vis_pos = nn.Parameter(torch.randn(1, n, 48) * 0.1)
        self.vis = nn.ModuleList(PreNormLayer(48, approximate='tanh') for _ in range(2))
        self.vis_norm = nn.LayerNorm(48, eps=1e-6)
        self.projector = nn.Linear(48, d)
        self.embed = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(GemmaLayer(d) for _ in range(2))
        self.norm = RMSNorm(d, plus_one=True)
        cos, sin = rope(n + t, d // 4)
        self.register_buffer('cos', cos)
        self.register_buffer('sin', sin)
        self.d, self.n = d, n

    def forward(self, pixel_values, input_ids, token_type_ids):
        b = pixel_values.shape[0]
        v = self.patch(pixel_values).flatten(2).transpose(1, 2) + self.vis_pos
        for layer in self.vis:
            v = layer(v)
        img = self.projector(self.vis_norm(v)) / math.sqrt(self.d)
        txt = self.embed(input_ids)
        x = torch.cat([img, txt], 1) * math.sqrt(self.d)
        tt = torch.cat([torch.zeros(b, self.n, dtype=torch.long), token_type_ids], 1)
        t = x.shape[1]
        causal = torch.ones(t, t).tril().bool()
        prefix = (tt == 0)[:, None, :] & (tt == 0)[:, :, None]
        allowed = causal[None] | prefix
        mask = torch.where(allowed, torch.tensor(0.0), torch.tensor(torch.finfo(torch.float32).min))[:, None]
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, mask)
        return F.linear(self.norm(x), self.embed.weight)


def ids(b, t, vocab=200, seed=0):
    return torch.randint(1, vocab, (b, t), generator=torch.Generator().manual_seed(seed))


def xlnet_inputs():
    i = ids(2, 10)
    tt = torch.tensor([[0] * 6 + [1] * 4, [0] * 4 + [1] * 6])
    m = torch.tensor([[1] * 10, [1] * 7 + [0] * 3])
    return i, tt, m


def canine_inputs():
    cp = torch.randint(32, 0x3000, (2, 32), generator=torch.Generator().manual_seed(5))
    m = torch.ones(2, 32, dtype=torch.long)
    m[1, 26:] = 0
    return cp, m


def vilt_inputs():
    m = torch.ones(2, 12, dtype=torch.long)
    m[1, 9:] = 0
    return ids(2, 12), m, torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(2))


def paligemma_inputs():
    tt = torch.tensor([[0] * 6 + [1] * 4])
    return torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(2)), ids(1, 10), tt


MODELS = {
    'qwen2_moe': lambda: (Qwen2Moe().eval(), ids(1, 8), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'xlnet': lambda: (XLNet().eval(), xlnet_inputs(), {'names': ['input_ids', 'token_type_ids', 'attention_mask'], 'outputs': ['hidden'], 'opset': 14}),
    'bigbird_block': lambda: (BigBird().eval(), ids(1, 32), {'names': ['input_ids'], 'outputs': ['hidden'], 'opset': 14}),
    'performer': lambda: (Performer().eval(), ids(1, 24), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'canine': lambda: (Canine().eval(), canine_inputs(), {'names': ['input_ids', 'attention_mask'], 'outputs': ['hidden', 'pooled'], 'opset': 14}),
    'pix2struct_enc': lambda: (Pix2Struct().eval(), pix2struct_inputs(), {'names': ['flattened_patches'], 'outputs': ['hidden'], 'opset': 14}),
    'bitnet_b158': lambda: (BitNet().eval(), ids(1, 8), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'vilt_itm': lambda: (ViLT().eval(), vilt_inputs(), {'names': ['input_ids', 'attention_mask', 'pixel_values'], 'outputs': ['itm_logits'], 'opset': 14}),
    'paligemma': lambda: (PaliGemma().eval(), paligemma_inputs(), {'names': ['pixel_values', 'input_ids', 'token_type_ids'], 'outputs': ['logits'], 'opset': 14}),
}
