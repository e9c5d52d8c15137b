"""Sixteenth sweep: language and multimodal families not tried in the fifteen earlier sweeps, as their projects'
inference code writes them (random weights, small widths): Reformer (LSH self-attention: random-rotation hashing with
argmax, stable argsort of the buckets, gathers by the sorted order, chunked attention over the chunk and the one before,
shared-QK key normalisation, self-masking, logsumexp over the rounds; reversible residual layers and axial position
embeddings), Nystromformer (segment-mean landmarks, three softmax kernels, the Moore-Penrose iterative inverse, a
depthwise conv on the values), Longformer (HF's ONNX-export path of sliding-chunk attention: overlapping chunks by
slices, the pad-and-transpose diagonal skew, beginning / end masks, global attention of the first token on every key
and of every query on it), InternLM2 with a cache (wqkv packed per kv group as [h, q-per-kv + 2, d]), LayoutLMv3 (text
+ 16x16 image patches, 2-D box embeddings of x0 / y0 / x1 / y1 / h / w, 1-D and 2-D relative position buckets computed
from the inputs, CogView-scaled softmax) and the BLIP-2 Q-Former (learned queries, self-attention, cross-attention to
the image features every other layer, language projection). Models in MODELS, exported by sweep16_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- Reformer: LSH self-attention ---

class LSHSelfAttention(nn.Module):
    def __init__(self, d=32, h=2, dh=16, chunk=16, n_buckets=4, n_hashes=2, causal=True):
        super().__init__()
        self.h, self.dh, self.chunk, self.nb, self.nh, self.causal = h, dh, chunk, n_buckets, n_hashes, causal
        self.query_key = nn.Linear(d, h * dh, bias=False)
        self.value = nn.Linear(d, h * dh, bias=False)
        self.dense = nn.Linear(h * dh, d, bias=False)
        g = torch.Generator().manual_seed(1)
        # HF draws the rotations at every call with a fixed hash_seed at inference: a constant in an export
        self.register_buffer('rotations', torch.randn(h, dh, n_hashes, n_buckets // 2, generator=g))

    def split(self, x, b, t):
        return x.view(b, t, self.h, self.dh).transpose(1, 2)

    def gather(self, x, idx):  # x [b, h, t, dh] repeated per round, idx [b, h, nh*t]
        x = x.repeat(1, 1, self.nh, 1)
        return torch.gather(x, 2, idx.unsqueeze(-1).expand(-1, -1, -1, self.dh))

    @staticmethod
    def look_adjacent(x):  # [b, h, n_chunks, chunk, ...]: the chunk before, then this one
        return torch.cat([torch.cat([x[:, :, -1:], x[:, :, :-1]], 2), x], 3)

    def forward(self, x):
        b, t, _ = x.shape
        qk, v = self.split(self.query_key(x), b, t), self.split(self.value(x), b, t)
        rotated = torch.einsum('bhtd,hdmr->bhmtr', qk, self.rotations)
        rotated = torch.cat([rotated, -rotated], -1)
        buckets = torch.argmax(rotated, -1)  # [b, h, nh, t]
        offsets = (torch.arange(self.nh) * self.nb).view(1, 1, -1, 1)
        buckets = (buckets + offsets).flatten(2)  # [b, h, nh*t]
        pos = torch.arange(self.nh * t).view(1, 1, -1) % t
        sorted_idx = torch.argsort(buckets * t + pos, -1)  # HF's _stable_argsort
        undo = torch.argsort(sorted_idx, -1)
        sq = self.gather(qk, sorted_idx)
        sv = self.gather(v, sorted_idx)
        n_chunks = self.nh * t // self.chunk
        q = sq.view(b, self.h, n_chunks, self.chunk, self.dh)
        k = sq * torch.rsqrt(sq.pow(2).mean(-1, keepdim=True) + 1e-6) * self.dh ** -0.5  # _len_and_dim_norm
        k = self.look_adjacent(k.view(b, self.h, n_chunks, self.chunk, self.dh))
        vv = self.look_adjacent(sv.view(b, self.h, n_chunks, self.chunk, self.dh))
        dots = q @ k.transpose(-1, -2)
        q_pos = (sorted_idx % t).view(b, self.h, n_chunks, self.chunk)
        k_pos = self.look_adjacent(q_pos)
        if self.causal:
            dots = torch.where(q_pos.unsqueeze(-1) >= k_pos.unsqueeze(-2), dots, torch.tensor(-1e9))
        dots = torch.where(q_pos.unsqueeze(-1) != k_pos.unsqueeze(-2), dots, torch.tensor(-1e5))  # self mask
        logits = torch.logsumexp(dots, -1, keepdim=True)
        out = torch.exp(dots - logits) @ vv  # [b, h, c, chunk, dh]
        out, logits = out.flatten(2, 3), logits.flatten(2, 4)  # [b, h, nh*t, dh], [b, h, nh*t]
        out = torch.gather(out, 2, undo.unsqueeze(-1).expand(-1, -1, -1, self.dh))
        logits = torch.gather(logits, 2, undo)
        out = out.view(b, self.h, self.nh, t, self.dh)
        logits = logits.view(b, self.h, self.nh, t, 1)
        w = torch.exp(logits - torch.logsumexp(logits, 2, keepdim=True))
        out = (out * w).sum(2)
        return self.dense(out.transpose(1, 2).reshape(b, t, self.h * self.dh))


class Reformer(nn.Module):
    """Reversible layers (Y1 = X1 + attn(X2), Y2 = X2 + ff(Y1)) on [x, x], axial position embeddings (8 x 8, 16 + 16)."""
    def __init__(self, vocab=128, d=32, layers=2, t=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.axial = nn.ParameterList([nn.Parameter(torch.randn(1, 8, 1, 16) * 0.1), nn.Parameter(torch.randn(1, 1, 8, 16) * 0.1)])
        self.ln_a = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.attn = nn.ModuleList(LSHSelfAttention(d) for _ in range(layers))
        self.ln_f = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, d)) for _ in range(layers))
        self.ln = nn.LayerNorm(2 * d)
        self.head = nn.Linear(2 * d, vocab)

    def forward(self, input_ids):
        b, t = input_ids.shape
        pe = torch.cat([self.axial[0].expand(b, 8, 8, 16), self.axial[1].expand(b, 8, 8, 16)], -1).reshape(b, 64, 32)
        x = self.emb(input_ids) + pe[:, :t]
        x1, x2 = x, x
        for ln_a, attn, ln_f, ff in zip(self.ln_a, self.attn, self.ln_f, self.ff):
            x1 = x1 + attn(ln_a(x2))
            x2 = x2 + ff(ln_f(x1))
        return self.head(self.ln(torch.cat([x1, x2], -1)))


# --- Nystromformer ---

class NystromAttention(nn.Module):
    def __init__(self, d=64, h=4, landmarks=8, conv_k=33, iters=6):
        super().__init__()
        self.h, self.dh, self.m, self.iters = h, d // h, landmarks, iters
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.conv = nn.Conv2d(h, h, (conv_k, 1), padding=(conv_k // 2, 0), bias=False, groups=h)

    def iterative_inv(self, mat):
        i = torch.eye(mat.size(-1))
        k = mat
        v = 1 / torch.max(torch.sum(k, dim=-2)) * k.transpose(-1, -2)  # init_option "original"
        for _ in range(self.iters):
            kv = k @ v
            v = (0.25 * v) @ (13 * i - kv @ (15 * i - kv @ (7 * i - kv)))
        return v

    def forward(self, x, mask):  # mask [b, t] of 1 / 0
        b, t, d = x.shape
        sp = lambda y: y.view(b, t, self.h, self.dh).transpose(1, 2)
        q, k, v = sp(self.q(x)), sp(self.k(x)), sp(self.v(x))
        q = q / math.sqrt(math.sqrt(self.dh))
        k = k / math.sqrt(math.sqrt(self.dh))
        ext = (1.0 - mask[:, None, None, :]) * -10000.0
        q_l = q.reshape(b, self.h, self.m, t // self.m, self.dh).mean(-2)
        k_l = k.reshape(b, self.h, self.m, t // self.m, self.dh).mean(-2)
        k1 = F.softmax(q @ k_l.transpose(-1, -2), -1)
        k2 = F.softmax(q_l @ k_l.transpose(-1, -2), -1)
        k3 = F.softmax(q_l @ k.transpose(-1, -2) + ext, -1)
        ctx = (k1 @ self.iterative_inv(k2)) @ (k3 @ v)
        ctx = ctx + self.conv(v * mask[:, None, :, None])
        return self.o(ctx.transpose(1, 2).reshape(b, t, d))


class PostLNEncoder(nn.Module):
    """BERT-style embeddings (positions from 2, as RoBERTa-derived checkpoints) and post-LN layers around `attention`
    (Nystromformer's, Longformer's)."""
    def __init__(self, attention, vocab=200, d=64, layers=2, t=64):
        super().__init__()
        self.emb, self.pos, self.ln0 = nn.Embedding(vocab, d), nn.Embedding(t + 2, d), nn.LayerNorm(d)
        self.att = nn.ModuleList(attention(d) for _ in range(layers))
        self.ln1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(d, 128), nn.GELU(), nn.Linear(128, d)) for _ in range(layers))
        self.ln2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        x = self.ln0(self.emb(input_ids) + self.pos(torch.arange(t) + 2))
        m = attention_mask.float()
        for att, ln1, ff, ln2 in zip(self.att, self.ln1, self.ff, self.ln2):
            x = ln1(x + att(x, m))
            x = ln2(x + ff(x))
        return x


# --- Longformer: HF's onnx_export path of sliding-chunk attention, global attention on token 0 ---

class LongformerAttention(nn.Module):
    def __init__(self, d=64, h=4, w=8):
        super().__init__()
        self.h, self.dh, self.w = h, d // h, w  # one-sided window w (attention_window 2w)
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.query_global, self.key_global, self.value_global = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.o = nn.Linear(d, d)

    @staticmethod
    def chunk(x, w):  # [B, T, d] -> [B, T/w - 1, 2w, d] overlapping by w (the export path's slices)
        n = x.shape[1] // w - 1
        return torch.stack([x[:, c * w:c * w + 2 * w] for c in range(n)], 1)

    @staticmethod
    def pad_and_transpose_last_two_dims(x, padding):
        x = F.pad(x, padding)
        return x.view(*x.size()[:-2], x.size(-1), x.size(-2))

    @staticmethod
    def pad_and_diagonalize(chunked):
        total, n, w, hd = chunked.size()
        chunked = F.pad(chunked, (0, w + 1))
        chunked = chunked.view(total, n, -1)
        chunked = chunked[:, :, :-w]
        chunked = chunked.view(total, n, w, w + hd)
        return chunked[:, :, :, :-1]

    def sliding_qk(self, q, k, w):  # q, k [B*H, T, d] -> [B*H, T, 2w+1]
        bh, t, d = q.shape
        n = t // w - 1
        qc, kc = self.chunk(q, w), self.chunk(k, w)
        scores = torch.einsum('bcxd,bcyd->bcxy', (qc, kc))
        scores = self.pad_and_transpose_last_two_dims(scores, (0, 0, 0, 1))  # [bh, n, 2w+1, 2w]
        diag = scores.new_zeros((bh, n + 1, w, 2 * w + 1))
        diag[:, :-1, :, w:] = scores[:, :, :w, :w + 1]
        diag[:, -1, :, w:] = scores[:, -1, w:, :w + 1]
        diag[:, 1:, :, :w] = scores[:, :, -(w + 1):-1, w + 1:]
        diag[:, 0, 1:w, 1:w] = scores[:, 0, :w - 1, 1 - w:]
        return diag.view(bh, t, 2 * w + 1)

    def sliding_pv(self, probs, v, w):  # probs [B*H, T, 2w+1], v [B*H, T, d]
        bh, t, d = v.shape
        n = t // w
        probs_c = probs.view(bh, n, w, 2 * w + 1)
        padded_v = F.pad(v, (0, 0, w, w), value=-1)
        chunked_v = torch.stack([padded_v[:, c * w:c * w + 3 * w] for c in range(n)], 1)
        probs_c = self.pad_and_diagonalize(probs_c)
        return torch.einsum('bcwd,bcdh->bcwh', (probs_c, chunked_v)).reshape(bh, t, d)

    def forward(self, x, mask):  # mask [B, T]: 1 real, 0 padding; token 0 global
        b, t, d = x.shape
        w, h, dh = self.w, self.h, self.dh
        q = self.query(x) / math.sqrt(dh)
        k, v = self.key(x), self.value(x)
        fold = lambda y: y.view(b, t, h, dh).transpose(1, 2).reshape(b * h, t, dh)
        scores = self.sliding_qk(fold(q), fold(k), w).view(b, h, t, 2 * w + 1)
        # padding and the window's ends: -inf (HF's _mask_invalid_locations plus the float mask through the same skew)
        rel = torch.arange(2 * w + 1) - w
        kpos = torch.arange(t)[:, None] + rel[None]
        valid = (kpos >= 0) & (kpos < t)
        kmask = F.pad(mask, (w, w))  # [B, T + 2w]
        kvalid = torch.stack([kmask[:, i:i + 2 * w + 1] for i in range(t)], 1) > 0
        local_ok = valid[None] & kvalid & (kpos != 0)[None]  # token 0 is read through the global column
        scores = scores.masked_fill(~local_ok[:, None], -10000.0)
        g_scores = torch.einsum('bhtd,bhd->bht', q.view(b, t, h, dh).transpose(1, 2), k.view(b, t, h, dh)[:, 0])
        allp = F.softmax(torch.cat([g_scores.unsqueeze(-1), scores], -1), -1)
        allp = allp * mask[:, None, :, None]
        out_g = allp[..., 0:1] * v.view(b, t, h, dh)[:, 0].unsqueeze(2)
        out_l = self.sliding_pv(allp[..., 1:].reshape(b * h, t, 2 * w + 1), fold(v), w).view(b, h, t, dh)
        out = (out_g + out_l).transpose(1, 2).reshape(b, t, d)
        # the global token attends to every key with its own projections
        qg = self.query_global(x[:, :1]).view(b, 1, h, dh).transpose(1, 2) / math.sqrt(dh)
        kg = self.key_global(x).view(b, t, h, dh).transpose(1, 2)
        vg = self.value_global(x).view(b, t, h, dh).transpose(1, 2)
        sg = (qg @ kg.transpose(-1, -2)).masked_fill(mask[:, None, None, :] == 0, -10000.0)
        og = (F.softmax(sg, -1) @ vg).transpose(1, 2).reshape(b, 1, d)
        return self.o(torch.cat([og, out[:, 1:]], 1))


# --- InternLM2 with a cache: wqkv packed per kv group ---

class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(d) + 0.1 * torch.randn(d)), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    x1, x2 = x.chunk(2, -1)
    return torch.cat([-x2, x1], -1)


class InternLM2Past(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, kvh=2, layers=2, ffn=112):
        super().__init__()
        self.h, self.kvh, self.hd, self.gs = h, kvh, d // h, h // kvh
        self.tok_embeddings = nn.Embedding(vocab, d)
        self.L = nn.ModuleList(nn.ModuleDict({'attention_norm': RMSNorm(d), 'wqkv': nn.Linear(d, (h + 2 * kvh) * self.hd, bias=False),
                                              'wo': nn.Linear(d, d, bias=False), 'ffn_norm': RMSNorm(d),
                                              'w1': nn.Linear(d, ffn, bias=False), 'w3': nn.Linear(d, ffn, bias=False),
                                              'w2': nn.Linear(ffn, d, bias=False)}) for _ in range(layers))
        self.norm, self.output = RMSNorm(d), nn.Linear(d, vocab, bias=False)
        self.register_buffer('inv_freq', 1.0 / (1000000 ** (torch.arange(0, self.hd, 2).float() / self.hd)))

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t = input_ids.shape
        s = attention_mask.shape[1]
        x = self.tok_embeddings(input_ids)
        freqs = position_ids[..., None].float() * self.inv_freq
        emb = torch.cat([freqs, freqs], -1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        causal = torch.ones(t, s).tril(s - t).bool()
        allowed = causal[None, None] & attention_mask[:, None, None, :].bool()
        bias = torch.zeros(b, 1, t, s).masked_fill(~allowed, torch.finfo(torch.float32).min)
        presents = []
        for i, L in enumerate(self.L):
            hs = L['attention_norm'](x)
            qkv = L['wqkv'](hs).view(b, t, self.kvh, self.gs + 2, self.hd)  # rearrange "b q (h gs d) -> b q h gs d"
            q = qkv[..., :self.gs, :].reshape(b, t, self.h, self.hd).transpose(1, 2)
            k = qkv[..., -2, :].transpose(1, 2)
            v = qkv[..., -1, :].transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = torch.cat([past[2 * i], k], 2)
            v = torch.cat([past[2 * i + 1], v], 2)
            presents += [k, v]
            kr = k[:, :, None].expand(b, self.kvh, self.gs, s, self.hd).reshape(b, self.h, s, self.hd)
            vr = v[:, :, None].expand(b, self.kvh, self.gs, s, self.hd).reshape(b, self.h, s, self.hd)
            a = F.softmax(q @ kr.transpose(-1, -2) / math.sqrt(self.hd) + bias, -1)
            x = x + L['wo']((a @ vr).transpose(1, 2).reshape(b, t, -1))
            hs = L['ffn_norm'](x)
            x = x + L['w2'](F.silu(L['w1'](hs)) * L['w3'](hs))
        return (self.output(self.norm(x)), *presents)


def internlm2_inputs(b=2, t=3, p=4, layers=2, kvh=2, hd=16):
    ids = torch.randint(0, 256, (b, t))
    mask = torch.ones(b, p + t, dtype=torch.long)
    mask[1, :2] = 0  # a left-padded row
    pos = (mask.cumsum(-1) - 1).clamp(min=0)[:, p:]
    past = tuple(torch.randn(b, kvh, p, hd) for _ in range(2 * layers))
    return (ids, mask, pos, *past)


def internlm2_opts(layers=2):
    past = [f'past_key_values.{i}.{kv}' for i in range(layers) for kv in ('key', 'value')]
    present = [f'present.{i}.{kv}' for i in range(layers) for kv in ('key', 'value')]
    names = ['input_ids', 'attention_mask', 'position_ids', *past]
    dyn = {'input_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'total'}, 'position_ids': {0: 'batch', 1: 'seq'}}
    dyn.update({n: {0: 'batch', 2: 'past'} for n in past})
    return {'names': names, 'outputs': ['logits', *present], 'dynamic': dyn, 'opset': 14}


# --- LayoutLMv3: text + image patches, 2-D box embeddings, 1-D / 2-D relative position buckets ---

def relative_position_bucket(rel, num_buckets, max_distance):
    ret = (rel > 0).long() * (num_buckets // 2)
    n = torch.abs(rel)
    nb = num_buckets // 2
    max_exact = nb // 2
    is_small = n < max_exact
    val_large = max_exact + (torch.log(n.float() / max_exact + 1e-9) / math.log(max_distance / max_exact) * (nb - max_exact)).long()
    val_large = torch.min(val_large, torch.full_like(val_large, nb - 1))
    return ret + torch.where(is_small, n, val_large)


class LayoutLMv3(nn.Module):
    def __init__(self, vocab=300, d=96, h=4, layers=2, img=64, patch=16):
        super().__init__()
        self.h, self.dh, self.layers = h, d // h, layers
        c = d // 6
        self.word, self.pos1d = nn.Embedding(vocab, d), nn.Embedding(130, d)
        self.x_pos, self.y_pos, self.h_pos, self.w_pos = (nn.Embedding(1024, c) for _ in range(4))
        self.emb_ln = nn.LayerNorm(d)
        self.patch_embed = nn.Conv2d(3, d, patch, patch)
        n = (img // patch) ** 2
        self.cls_token, self.pos_embed = nn.Parameter(torch.randn(1, 1, d) * 0.02), nn.Parameter(torch.randn(1, n + 1, d) * 0.02)
        self.img_ln = nn.LayerNorm(d)
        self.rel_pos_bias = nn.Linear(32, h, bias=False)
        self.rel_pos_x_bias, self.rel_pos_y_bias = nn.Linear(64, h, bias=False), nn.Linear(64, h, bias=False)
        self.qkv = nn.ModuleList(nn.Linear(d, 3 * d) for _ in range(layers))
        self.o = nn.ModuleList(nn.Linear(d, d) for _ in range(layers))
        self.ln1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)) for _ in range(layers))
        self.ln2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        ps = img // patch
        # visual boxes: each patch's box on the 0-1000 grid, and the cls box
        ys, xs = torch.meshgrid(torch.arange(ps), torch.arange(ps), indexing='ij')
        vb = torch.stack([xs * 1000 // ps, ys * 1000 // ps, (xs + 1) * 1000 // ps, (ys + 1) * 1000 // ps], -1).view(-1, 4)
        self.register_buffer('visual_bbox', torch.cat([torch.tensor([[1, 1, 1000, 1000]]), vb], 0))

    def spatial(self, bbox):
        return torch.cat([self.x_pos(bbox[..., 0]), self.y_pos(bbox[..., 1]), self.x_pos(bbox[..., 2]), self.y_pos(bbox[..., 3]),
                          self.h_pos((bbox[..., 3] - bbox[..., 1]).clamp(0, 1023)), self.w_pos((bbox[..., 2] - bbox[..., 0]).clamp(0, 1023))], -1)

    def forward(self, input_ids, bbox, attention_mask, pixel_values):
        b, t = input_ids.shape
        mask_i = attention_mask.long()
        pos_ids = torch.cumsum(mask_i, 1) * mask_i + 1  # create_position_ids_from_input_ids (padding_idx 1)
        x = self.word(input_ids) + self.pos1d(pos_ids) + self.spatial(bbox)
        x = self.emb_ln(x)
        v = self.patch_embed(pixel_values).flatten(2).transpose(1, 2)
        v = torch.cat([self.cls_token.expand(b, -1, -1), v], 1) + self.pos_embed
        v = self.img_ln(v)
        x = torch.cat([x, v], 1)
        n = x.shape[1]
        vbox = self.visual_bbox[None].expand(b, -1, -1)
        allbox = torch.cat([bbox, vbox], 1)
        vpos = torch.arange(v.shape[1])[None].expand(b, -1)
        allpos = torch.cat([pos_ids, vpos], 1)
        mask = torch.cat([attention_mask.float(), torch.ones(b, v.shape[1])], 1)
        ext = (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min
        rel = allpos[:, None, :] - allpos[:, :, None]
        r1 = self.rel_pos_bias(F.one_hot(relative_position_bucket(rel, 32, 128), 32).float()).permute(0, 3, 1, 2)
        rx = allbox[:, None, :, 0] - allbox[:, :, None, 0]
        ry = allbox[:, None, :, 3] - allbox[:, :, None, 3]
        r2 = (self.rel_pos_x_bias(F.one_hot(relative_position_bucket(rx, 64, 256), 64).float())
              + self.rel_pos_y_bias(F.one_hot(relative_position_bucket(ry, 64, 256), 64).float())).permute(0, 3, 1, 2)
        for i in range(self.layers):
            q, k, vv = self.qkv[i](x).view(b, n, 3, self.h, self.dh).permute(2, 0, 3, 1, 4)
            scores = (q / math.sqrt(self.dh)) @ k.transpose(-1, -2)
            scores = scores + (r1 + r2) / math.sqrt(self.dh) + ext
            alpha = 32.0  # cogview_attention: softmax of (x / alpha - max) * alpha
            scaled = scores / alpha
            p = F.softmax((scaled - scaled.amax(-1, keepdim=True)) * alpha, -1)
            a = (p @ vv).transpose(1, 2).reshape(b, n, -1)
            x = self.ln1[i](x + self.o[i](a))
            x = self.ln2[i](x + self.ff[i](x))
        return x


def layoutlmv3_inputs(b=2, t=12):
    ids = torch.randint(3, 300, (b, t))
    x0 = torch.randint(0, 800, (b, t, 1))
    y0 = torch.randint(0, 900, (b, t, 1))
    bbox = torch.cat([x0, y0, x0 + torch.randint(5, 200, (b, t, 1)), y0 + torch.randint(5, 60, (b, t, 1))], -1)
    mask = torch.ones(b, t, dtype=torch.long)
    mask[1, 9:] = 0
    return ids, bbox, mask, torch.rand(b, 3, 64, 64)


# --- BLIP-2 Q-Former ---

class QFormerLayer(nn.Module):
    def __init__(self, d, h, cross, enc_d):
        super().__init__()
        self.h, self.dh = h, d // h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln1 = nn.LayerNorm(d, eps=1e-12)
        self.cross = cross
        if cross:
            self.cq, self.ck, self.cv, self.co = nn.Linear(d, d), nn.Linear(enc_d, d), nn.Linear(enc_d, d), nn.Linear(d, d)
            self.ln_c = nn.LayerNorm(d, eps=1e-12)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))  # intermediate_query / output_query
        self.ln2 = nn.LayerNorm(d, eps=1e-12)

    def attn(self, x, kv, q, k, v, o, mask=None):
        b, n, _ = x.shape
        m = kv.shape[1]
        sp = lambda y, l: y.view(b, l, self.h, self.dh).permute(0, 2, 1, 3)
        s = sp(q(x), n) @ sp(k(kv), m).transpose(-1, -2) / math.sqrt(self.dh)
        if mask is not None:
            s = s + mask
        return o((F.softmax(s, -1) @ sp(v(kv), m)).permute(0, 2, 1, 3).reshape(b, n, -1))

    def forward(self, x, enc, enc_mask):
        x = self.ln1(x + self.attn(x, x, self.q, self.k, self.v, self.o))
        if self.cross:
            x = self.ln_c(x + self.attn(x, enc, self.cq, self.ck, self.cv, self.co, enc_mask))
        return self.ln2(x + self.ff(x))


class Blip2QFormer(nn.Module):
    def __init__(self, enc_d=80, d=64, h=4, layers=4, queries=8, lm_d=96):
        super().__init__()
        self.query_tokens = nn.Parameter(torch.randn(1, queries, d) * 0.02)
        self.ln_vision = nn.LayerNorm(enc_d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList(QFormerLayer(d, h, i % 2 == 0, enc_d) for i in range(layers))  # cross_attention_frequency 2
        self.language_projection = nn.Linear(d, lm_d)

    def forward(self, image_embeds):
        b = image_embeds.shape[0]
        enc = self.ln_vision(image_embeds)
        enc_mask = torch.zeros(b, 1, 1, enc.shape[1])  # get_extended_attention_mask of all ones
        x = self.ln(self.query_tokens.expand(b, -1, -1))
        for L in self.layers:
            x = L(x, enc, enc_mask)
        return self.language_projection(x)


MODELS = {
    'reformer_lsh': lambda: (Reformer().eval(), torch.randint(0, 128, (2, 64)), {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}),
    'nystromformer': lambda: (PostLNEncoder(NystromAttention).eval(), (torch.randint(0, 200, (2, 64)), torch.cat([torch.ones(1, 64), torch.cat([torch.ones(1, 50), torch.zeros(1, 14)], 1)]).long()),
                              {'names': ['input_ids', 'attention_mask'], 'outputs': ['last_hidden_state'], 'opset': 14}),
    'longformer': lambda: (PostLNEncoder(LongformerAttention).eval(), (torch.randint(0, 200, (2, 64)), torch.cat([torch.ones(1, 64), torch.cat([torch.ones(1, 52), torch.zeros(1, 12)], 1)]).long()),
                           {'names': ['input_ids', 'attention_mask'], 'outputs': ['last_hidden_state'], 'opset': 14}),
    'internlm2_past': lambda: (InternLM2Past().eval(), internlm2_inputs(), internlm2_opts()),
    'layoutlmv3': lambda: (LayoutLMv3().eval(), layoutlmv3_inputs(), {'names': ['input_ids', 'bbox', 'attention_mask', 'pixel_values'],
                                                                      'outputs': ['last_hidden_state'], 'opset': 14}),
    'blip2_qformer': lambda: (Blip2QFormer().eval(), torch.randn(1, 65, 80), {'names': ['image_embeds'], 'outputs': ['query_output'], 'opset': 14}),
}
