"""Nineteenth sweep: language and multimodal families not tried in the eighteen earlier sweeps, as their reference code
writes them (random weights, small widths): Linformer (keys and values projected along the sequence by E / F, shared
across heads), LongT5 transient-global attention (local blocks of radius r with the neighbouring blocks, global
tokens summed per block of 4, T5 relative buckets for both, gated-GELU FFN, RMSNorm), GLA (gated linear attention,
flash-linear-attention's chunkwise form: log-sigmoid key gates, cumulative sums per chunk, intra-chunk causal
scores, an inter-chunk state carried across chunks, swish output gate and per-head RMSNorm), Nemotron (decoder step
with past keys / values: LayerNorm1p, 50% partial rotary, squared-ReLU MLP, GQA), Fuyu (raw 30×30 image patches
linearly projected and scattered into the token embeddings at the image positions, Persimmon decoder with q / k
LayerNorm and partial rotary) and InternVL (ViT tokens pixel-shuffled by 0.5, MLP projector, placed at the image
context tokens of the LLM embeddings by a cumulative index). Models in MODELS, exported by sweep19_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import RMSNorm  # noqa: E402


# --- Linformer (lucidrains/linformer) ---

class LinformerSelfAttention(nn.Module):
    def __init__(self, d, seq_len, k=16, heads=4, share_kv=False):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.to_q, self.to_k, self.to_v = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.proj_k = nn.Parameter(torch.randn(seq_len, k) / math.sqrt(k))
        self.proj_v = nn.Parameter(torch.randn(seq_len, k) / math.sqrt(k))
        self.to_out = nn.Linear(d, d)

    def forward(self, x):
        b, n, _ = x.shape
        q, keys, values = self.to_q(x), self.to_k(x), self.to_v(x)
        keys = torch.einsum('bnd,nk->bkd', keys, self.proj_k[:n])
        values = torch.einsum('bnd,nk->bkd', values, self.proj_v[:n])
        q = q.reshape(b, n, self.h, -1).transpose(1, 2)
        keys = keys.reshape(b, -1, self.h, self.dh).transpose(1, 2)
        values = values.reshape(b, -1, self.h, self.dh).transpose(1, 2)
        dots = torch.einsum('bhnd,bhkd->bhnk', q, keys) * self.dh ** -0.5
        out = torch.einsum('bhnk,bhkd->bhnd', dots.softmax(-1), values)
        return self.to_out(out.transpose(1, 2).reshape(b, n, -1))


class Linformer(nn.Module):
    def __init__(self, vocab=300, d=64, n=64, depth=2, classes=5):
        super().__init__()
        self.emb, self.pos = nn.Embedding(vocab, d), nn.Embedding(n, d)
        self.layers = nn.ModuleList(nn.ModuleList([nn.LayerNorm(d), LinformerSelfAttention(d, n), nn.LayerNorm(d),
                                                   nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))]) for _ in range(depth))
        self.head = nn.Linear(d, classes)

    def forward(self, ids):
        x = self.emb(ids) + self.pos(torch.arange(ids.shape[1]))
        for n1, att, n2, ff in self.layers:
            x = x + att(n1(x))
            x = x + ff(n2(x))
        return self.head(x.mean(1))


# --- LongT5 transient-global attention (HF modeling_longt5, LongT5TransientGlobalAttention) ---

def rel_bucket(rel, num_buckets=32, max_distance=128):
    """T5's bidirectional relative position buckets."""
    num_buckets //= 2
    ret = (rel > 0).long() * num_buckets
    n = rel.abs()
    max_exact = num_buckets // 2
    is_small = n < max_exact
    large = max_exact + (torch.log(n.float().clamp(min=1) / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)).long()
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return ret + torch.where(is_small, n, large)


class TGlobalAttention(nn.Module):
    def __init__(self, d=64, heads=4, radius=4, gblock=4, buckets=32):
        super().__init__()
        self.h, self.dh, self.r, self.g = heads, d // heads, radius, gblock
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.rel = nn.Embedding(buckets, heads)
        self.grel = nn.Embedding(buckets, heads)
        self.gnorm = RMSNorm(d)

    def split(self, x):
        return x.reshape(x.shape[0], x.shape[1], self.h, self.dh)

    def forward(self, x, mask):
        b, n, d = x.shape
        blk = self.r  # block length = radius (LongT5: block_len = local_radius + 1; kept a divisor of n here)
        nb = n // blk
        # global tokens: the sum of each block of `gblock` tokens (mask-weighted), RMSNormed
        gid = torch.arange(n) // self.g
        ng = n // self.g
        onehot = (gid[:, None] == torch.arange(ng)[None]).float() * mask[:, :, None]  # [b, n, ng]
        gx = self.gnorm(torch.einsum('bnd,bng->bgd', x, onehot))
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        gk, gv = self.split(self.k(gx)), self.split(self.v(gx))
        # local: each block attends to [previous, current, next] blocks
        qb = q.reshape(b, nb, blk, self.h, self.dh)
        kb = F.pad(k.reshape(b, nb, blk, self.h, self.dh), (0, 0, 0, 0, 0, 0, 1, 1))
        vb = F.pad(v.reshape(b, nb, blk, self.h, self.dh), (0, 0, 0, 0, 0, 0, 1, 1))
        k3 = torch.cat([kb[:, :-2], kb[:, 1:-1], kb[:, 2:]], 2)  # [b, nb, 3blk, h, dh]
        v3 = torch.cat([vb[:, :-2], vb[:, 1:-1], vb[:, 2:]], 2)
        mb = F.pad(mask.reshape(b, nb, blk), (0, 0, 1, 1))
        m3 = torch.cat([mb[:, :-2], mb[:, 1:-1], mb[:, 2:]], 2)  # [b, nb, 3blk]
        pos = torch.arange(3 * blk)[None, :] - (torch.arange(blk)[:, None] + blk)
        lbias = self.rel(rel_bucket(pos)).permute(2, 0, 1)  # [h, blk, 3blk]
        lbias = lbias[None, None] + (1.0 - m3[:, :, None, None, :]) * -1e9  # [b, nb, h, blk, 3blk]
        # side (global) bias: relative bucket between a token's global block and each global token
        gpos = torch.arange(ng)[None, :] - gid[:, None]  # [n, ng]
        gbias = self.grel(rel_bucket(gpos)).permute(2, 0, 1)  # [h, n, ng]
        gmask = (onehot.sum(1) > 0).float()  # [b, ng]
        gbias = gbias[None] + (1.0 - gmask[:, None, None, :]) * -1e9  # [b, h, n, ng]
        gbias = gbias.reshape(b, self.h, nb, blk, ng).permute(0, 2, 1, 3, 4)  # [b, nb, h, blk, ng]
        sl = torch.einsum('bnqhd,bnkhd->bnhqk', qb, k3) + lbias
        sg = torch.einsum('bnqhd,bghd->bnhqg', qb, gk) + gbias
        w = torch.cat([sl, sg], -1).softmax(-1)
        out = torch.einsum('bnhqk,bnkhd->bnqhd', w[..., :3 * blk], v3) + torch.einsum('bnhqg,bghd->bnqhd', w[..., 3 * blk:], gv)
        return self.o(out.reshape(b, n, d))


class LongT5TGlobal(nn.Module):
    def __init__(self, vocab=300, d=64, depth=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(nn.ModuleList([RMSNorm(d), TGlobalAttention(d), RMSNorm(d), nn.Linear(d, 128, bias=False),
                                                   nn.Linear(d, 128, bias=False), nn.Linear(128, d, bias=False)]) for _ in range(depth))
        self.final = RMSNorm(d)

    def forward(self, input_ids, attention_mask):
        x = self.emb(input_ids)
        m = attention_mask.float()
        for n1, att, n2, wi0, wi1, wo in self.layers:
            x = x + att(n1(x), m)
            h = n2(x)
            x = x + wo(F.gelu(wi0(h), approximate='tanh') * wi1(h))
        return self.final(x)


# --- GLA (flash-linear-attention, chunkwise form of gated linear attention) ---

class GLALayer(nn.Module):
    def __init__(self, d=64, heads=4, chunk=8, low_rank=16):
        super().__init__()
        self.h, self.dk, self.dv, self.c = heads, d // 2 // heads, d // heads, chunk
        self.q, self.k = nn.Linear(d, d // 2, bias=False), nn.Linear(d, d // 2, bias=False)
        self.v, self.g = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.gk = nn.Sequential(nn.Linear(d, low_rank, bias=False), nn.Linear(low_rank, d // 2))
        self.norm = RMSNorm(self.dv, 1e-5)
        self.o = nn.Linear(d, d, bias=False)

    def forward(self, x):
        b, n, d = x.shape
        c, nc = self.c, n // self.c
        sh = lambda t, e: t.reshape(b, nc, c, self.h, e).permute(0, 3, 1, 2, 4)  # [b, h, nc, c, e]
        q, k, v = sh(self.q(x), self.dk) * self.dk ** -0.5, sh(self.k(x), self.dk), sh(self.v(x), self.dv)
        g = sh(F.logsigmoid(self.gk(x)) / 16, self.dk).cumsum(3)  # cumulative log gates within a chunk
        qg, kg = q * g.exp(), k * (-g).exp()
        causal = torch.tril(torch.ones(c, c))
        intra = (qg @ kg.transpose(-1, -2)) * causal  # [b, h, nc, c, c]
        o_intra = intra @ v
        glast = g[:, :, :, -1:]  # [b, h, nc, 1, dk]
        kdecay = k * (glast - g).exp()
        s = torch.zeros(b, self.h, self.dk, self.dv)
        outs = []
        for i in range(nc):
            outs.append(qg[:, :, i] @ s)
            s = s * glast[:, :, i].transpose(-1, -2).exp() + kdecay[:, :, i].transpose(-1, -2) @ v[:, :, i]
        o = o_intra + torch.stack(outs, 2)
        o = self.norm(o).permute(0, 2, 3, 1, 4).reshape(b, n, d)
        return self.o(o * F.silu(self.g(x)))


class GLA(nn.Module):
    def __init__(self, vocab=300, d=64, depth=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(nn.ModuleList([RMSNorm(d), GLALayer(d), RMSNorm(d), nn.Linear(d, 2 * 128, bias=False),
                                                   nn.Linear(128, d, bias=False)]) for _ in range(depth))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        x = self.emb(ids)
        for n1, att, n2, gu, down in self.layers:
            x = x + att(n1(x))
            a, bb = gu(n2(x)).chunk(2, -1)
            x = x + down(F.silu(a) * bb)
        return self.head(self.norm(x))


# --- rotary helpers (partial rotary, NeoX half split) ---

def rope(x, pos, rot, base=10000.0):
    inv = 1.0 / (base ** (torch.arange(0, rot, 2).float() / rot))
    fr = pos.float()[..., None] * inv  # [b, n, rot/2]
    emb = torch.cat([fr, fr], -1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]
    xr, xp = x[..., :rot], x[..., rot:]
    x1, x2 = xr[..., :rot // 2], xr[..., rot // 2:]
    xr = xr * cos + torch.cat([-x2, x1], -1) * sin
    return torch.cat([xr, xp], -1)


# --- Nemotron (HF modeling_nemotron) decoder step with past ---

class LayerNorm1p(nn.LayerNorm):
    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight + 1, self.bias, self.eps)


class NemotronPast(nn.Module):
    def __init__(self, vocab=300, d=64, heads=4, kv=2, depth=2, ff=192):
        super().__init__()
        self.h, self.kv, self.dh, self.depth = heads, kv, d // heads, depth
        self.emb = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(nn.ModuleList([LayerNorm1p(d), nn.Linear(d, d, bias=False), nn.Linear(d, kv * self.dh, bias=False),
                                                   nn.Linear(d, kv * self.dh, bias=False), nn.Linear(d, d, bias=False), LayerNorm1p(d),
                                                   nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)]) for _ in range(depth))
        for l in self.layers:
            for m in (l[0], l[5]):
                nn.init.normal_(m.weight, 0, 0.1)
        self.norm, self.head = LayerNorm1p(d), nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids, position_ids, past_key_values):
        b, n = input_ids.shape
        x = self.emb(input_ids)
        ks, vs = [], []
        for i, (n1, wq, wk, wv, wo, n2, up, down) in enumerate(self.layers):
            h = n1(x)
            q = wq(h).reshape(b, n, self.h, self.dh).transpose(1, 2)
            k = wk(h).reshape(b, n, self.kv, self.dh).transpose(1, 2)
            v = wv(h).reshape(b, n, self.kv, self.dh).transpose(1, 2)
            q, k = rope(q, position_ids, self.dh // 2), rope(k, position_ids, self.dh // 2)
            k = torch.cat([past_key_values[2 * i], k], 2)
            v = torch.cat([past_key_values[2 * i + 1], v], 2)
            ks.append(k)
            vs.append(v)
            kr = k.repeat_interleave(self.h // self.kv, 1)
            vr = v.repeat_interleave(self.h // self.kv, 1)
            p = k.shape[2]
            s = q @ kr.transpose(-1, -2) / math.sqrt(self.dh)
            causal = torch.arange(p)[None, :] <= (torch.arange(n)[:, None] + p - n)
            s = s.masked_fill(~causal, torch.finfo(torch.float32).min)
            a = (s.softmax(-1) @ vr).transpose(1, 2).reshape(b, n, -1)
            x = x + wo(a)
            x = x + down(F.relu(up(n2(x))) ** 2)
        return self.head(self.norm(x)), torch.stack([t for kv in zip(ks, vs) for t in kv])


def nemotron_inputs():
    past = torch.randn(4, 1, 2, 7, 16)
    return torch.randint(0, 300, (1, 1)), torch.tensor([[7]]), past


# --- Fuyu (HF modeling_fuyu + Persimmon decoder) ---

class PersimmonLayer(nn.Module):
    def __init__(self, d=64, heads=4):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.ln1, self.qkv, self.dense = nn.LayerNorm(d), nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.qln, self.kln = nn.LayerNorm(self.dh), nn.LayerNorm(self.dh)
        self.ln2, self.up, self.down = nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x, pos, mask):
        b, n, d = x.shape
        qkv = self.qkv(self.ln1(x)).view(b, n, self.h, 3, self.dh)
        q, k, v = qkv[..., 0, :], qkv[..., 1, :], qkv[..., 2, :]
        q, k = self.qln(q).transpose(1, 2), self.kln(k).transpose(1, 2)
        v = v.transpose(1, 2)
        q, k = rope(q, pos, self.dh // 2, 25000.0), rope(k, pos, self.dh // 2, 25000.0)
        s = q @ k.transpose(-1, -2) / math.sqrt(self.dh) + mask
        a = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d)
        x = x + self.dense(a)
        return x + self.down(F.relu(self.up(self.ln2(x))) ** 2)


class Fuyu(nn.Module):
    def __init__(self, vocab=300, d=64, patch=30, depth=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.vision_embed_tokens = nn.Linear(patch * patch * 3, d)
        self.layers = nn.ModuleList(PersimmonLayer(d) for _ in range(depth))
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids, image_patches, image_patches_indices):
        b, n = input_ids.shape
        x = self.emb(input_ids)
        pe = self.vision_embed_tokens(image_patches)  # [b, p, d]
        # gather_continuous_embeddings: positions whose index is >= 0 take patch `index`
        idx = image_patches_indices.clamp(min=0)
        picked = torch.gather(pe, 1, idx[..., None].expand(-1, -1, x.shape[-1]))
        x = torch.where((image_patches_indices >= 0)[..., None], picked, x)
        pos = torch.arange(n)[None].expand(b, -1)
        mask = torch.triu(torch.full((n, n), -1e9), 1)
        for l in self.layers:
            x = l(x, pos, mask)
        return self.head(self.norm(x))


def fuyu_inputs():
    n_img, n_txt = 12, 8  # 3 rows of 4 patches (each row ends in a newline token), then text
    ids = torch.randint(3, 300, (1, n_img + 3 + n_txt))
    idx = torch.full((1, n_img + 3 + n_txt), -1)
    j = 0
    for r in range(3):
        for c in range(4):
            idx[0, r * 5 + c] = j
            ids[0, r * 5 + c] = 1  # |SPEAKER| placeholder
            j += 1
        ids[0, r * 5 + 4] = 2  # |NEWLINE|
    return ids, torch.randn(1, n_img, 30 * 30 * 3), idx


# --- InternVL (pixel shuffle + MLP projector into the LLM embeddings) ---

class InternVL(nn.Module):
    def __init__(self, vocab=300, d_vit=48, d=64, img=56, patch=14, depth=2, img_ctx=1):
        super().__init__()
        self.g = img // patch
        self.patch = nn.Conv2d(3, d_vit, patch, patch)
        self.cls = nn.Parameter(torch.randn(1, 1, d_vit))
        self.pos = nn.Parameter(0.1 * torch.randn(1, self.g * self.g + 1, d_vit))
        self.vit = nn.ModuleList(nn.TransformerEncoderLayer(d_vit, 4, 4 * d_vit, 0.0, activation='gelu', batch_first=True, norm_first=True) for _ in range(depth))
        self.mlp1 = nn.Sequential(nn.LayerNorm(4 * d_vit), nn.Linear(4 * d_vit, d), nn.GELU(), nn.Linear(d, d))
        self.emb = nn.Embedding(vocab, d)
        self.lm = nn.ModuleList(nn.TransformerEncoderLayer(d, 4, 2 * d, 0.0, batch_first=True, norm_first=True) for _ in range(depth))
        self.head = nn.Linear(d, vocab, bias=False)
        self.ctx_id = img_ctx

    def pixel_shuffle(self, x, s=0.5):
        n, w, h, c = x.shape
        x = x.view(n, w, int(h * s), int(c / s))
        x = x.permute(0, 2, 1, 3).contiguous()
        x = x.view(n, int(h * s), int(w * s), int(c / (s * s)))
        return x.permute(0, 2, 1, 3).contiguous()

    def forward(self, pixel_values, input_ids):
        v = self.patch(pixel_values).flatten(2).transpose(1, 2)
        v = torch.cat([self.cls.expand(v.shape[0], -1, -1), v], 1) + self.pos
        for l in self.vit:
            v = l(v)
        v = v[:, 1:].reshape(v.shape[0], self.g, self.g, -1)
        v = self.pixel_shuffle(v).reshape(v.shape[0], -1, 4 * v.shape[-1])
        vit_embeds = self.mlp1(v)  # [b, g*g/4, d]
        x = self.emb(input_ids)
        sel = input_ids == self.ctx_id
        idx = (sel.long().cumsum(1) - 1).clamp(min=0)
        picked = torch.gather(vit_embeds, 1, idx[..., None].expand(-1, -1, x.shape[-1]))
        x = torch.where(sel[..., None], picked, x)
        n = x.shape[1]
        mask = torch.triu(torch.full((n, n), float('-inf')), 1)
        for l in self.lm:
            x = l(x, src_mask=mask)
        return self.head(x)


def internvl_inputs():
    ids = torch.randint(2, 300, (1, 14))
    ids[0, 2:6] = 1  # <IMG_CONTEXT> × 4 (a 4×4 grid pixel-shuffled to 2×2)
    return torch.rand(1, 3, 56, 56), ids


MODELS = {
    'linformer': lambda: (Linformer().eval(), torch.randint(0, 300, (1, 64)), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'longt5_tglobal': lambda: (LongT5TGlobal().eval(), (torch.randint(0, 300, (1, 32)), torch.cat([torch.ones(1, 26, dtype=torch.long), torch.zeros(1, 6, dtype=torch.long)], 1)),
                               {'names': ['input_ids', 'attention_mask'], 'outputs': ['hidden'], 'opset': 14}),
    'gla_chunk': lambda: (GLA().eval(), torch.randint(0, 300, (1, 32)), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'nemotron_past': lambda: (NemotronPast().eval(), nemotron_inputs(), {'names': ['input_ids', 'position_ids', 'past_key_values'], 'outputs': ['logits', 'present'], 'opset': 14}),
    'fuyu': lambda: (Fuyu().eval(), fuyu_inputs(), {'names': ['input_ids', 'image_patches', 'image_patches_indices'], 'outputs': ['logits'], 'opset': 14}),
    'internvl': lambda: (InternVL().eval(), internvl_inputs(), {'names': ['pixel_values', 'input_ids'], 'outputs': ['logits'], 'opset': 14}),
}
