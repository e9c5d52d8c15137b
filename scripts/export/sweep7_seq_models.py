"""Seventh sweep's sequence / language / speech families (docs/model-sweep.md), written in plain torch as Hugging Face
transformers, sentence-transformers, RWKV, Mamba and torchaudio write them (their math, small widths, random
weights; transformers is not packaged in Debian). Exported by sweep7_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

NEG = torch.finfo(torch.float32).min


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class RMSNorm(nn.Module):
    """LlamaRMSNorm: variance in float32, then the weight."""

    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight, self.eps = nn.Parameter(1 + 0.1 * torch.randn(d)), eps

    def forward(self, x):
        v = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(v + self.eps))


class RotaryCache(nn.Module):
    """LlamaRotaryEmbedding: cos / sin caches over max positions (buffers), indexed by the position_ids input."""

    def __init__(self, dim, max_pos=64, base=10000.0):
        super().__init__()
        inv = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        f = torch.outer(torch.arange(max_pos).float(), inv)
        emb = torch.cat((f, f), dim=-1)
        self.register_buffer('cos_cached', emb.cos(), persistent=False)
        self.register_buffer('sin_cached', emb.sin(), persistent=False)

    def forward(self, seq_len):
        return self.cos_cached[:seq_len], self.sin_cached[:seq_len]


def apply_rotary(q, k, cos, sin, position_ids):
    cos, sin = cos[position_ids].unsqueeze(1), sin[position_ids].unsqueeze(1)
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


def repeat_kv(x, n_rep):
    b, kvh, s, d = x.shape
    if n_rep == 1:
        return x
    return x[:, :, None, :, :].expand(b, kvh, n_rep, s, d).reshape(b, kvh * n_rep, s, d)


def hf_4d_mask(attention_mask, tgt, past, sliding_window=None):
    """transformers' _prepare_4d_causal_attention_mask: a causal [tgt, tgt] mask of finfo.min (masked_fill over a
    compared arange), zeros for the past, the sliding window's triu, then the padding mask expanded and inverted."""
    b = attention_mask.shape[0]
    mask = torch.full((tgt, tgt), NEG)
    cond = torch.arange(tgt)
    mask.masked_fill_(cond < (cond + 1).view(tgt, 1), 0.0)
    mask = torch.cat([torch.zeros(tgt, past), mask], dim=-1)
    if sliding_window is not None:
        diagonal = past - sliding_window + 1
        context = 1 - torch.triu(torch.ones_like(mask, dtype=torch.int), diagonal=diagonal)
        mask = mask.masked_fill(context.bool(), NEG)
    causal = mask[None, None, :, :].expand(b, 1, tgt, tgt + past)
    expanded = attention_mask[:, None, None, :].expand(b, 1, tgt, tgt + past).to(torch.float32)
    inverted = 1.0 - expanded
    inverted = inverted.masked_fill(inverted.to(torch.bool), NEG)
    return inverted.masked_fill(causal.bool(), NEG)


class HFAttention(nn.Module):
    """LlamaAttention / MistralAttention / Qwen2Attention / PhiAttention / GPTNeoXAttention's math: separate or packed
    (NeoX) projections, rotary on all or part of the head (Phi, NeoX), repeat_kv for GQA, past concat, present out."""

    def __init__(self, d, heads, kv_heads, bias=False, rotary_frac=1.0, packed=False, max_pos=64):
        super().__init__()
        self.h, self.kvh, self.hd = heads, kv_heads, d // heads
        self.rot = int(self.hd * rotary_frac)
        self.packed = packed
        if packed:
            self.qkv = nn.Linear(d, 3 * d, bias=True)
        else:
            self.q_proj = nn.Linear(d, heads * self.hd, bias=bias)
            self.k_proj = nn.Linear(d, kv_heads * self.hd, bias=bias)
            self.v_proj = nn.Linear(d, kv_heads * self.hd, bias=bias)
        self.o_proj = nn.Linear(heads * self.hd, d, bias=bias or packed)
        self.rotary = RotaryCache(self.rot, max_pos)

    def forward(self, x, mask, position_ids, past_k, past_v):
        b, s, _ = x.shape
        if self.packed:  # GPT-NeoX: [b, s, h, 3 * hd] then split
            qkv = self.qkv(x).view(b, s, self.h, 3 * self.hd).permute(0, 2, 1, 3)
            q, k, v = qkv[..., :self.hd], qkv[..., self.hd:2 * self.hd], qkv[..., 2 * self.hd:]
        else:
            q = self.q_proj(x).view(b, s, self.h, self.hd).transpose(1, 2)
            k = self.k_proj(x).view(b, s, self.kvh, self.hd).transpose(1, 2)
            v = self.v_proj(x).view(b, s, self.kvh, self.hd).transpose(1, 2)
        kv_len = s + past_k.shape[-2]
        cos, sin = self.rotary(kv_len)
        if self.rot < self.hd:
            qr, qp = q[..., :self.rot], q[..., self.rot:]
            kr, kp = k[..., :self.rot], k[..., self.rot:]
            qr, kr = apply_rotary(qr, kr, cos, sin, position_ids)
            q, k = torch.cat((qr, qp), dim=-1), torch.cat((kr, kp), dim=-1)
        else:
            q, k = apply_rotary(q, k, cos, sin, position_ids)
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        present = (k, v)
        k, v = repeat_kv(k, self.h // self.kvh), repeat_kv(v, self.h // self.kvh)
        w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd) + mask
        w = F.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2).contiguous().reshape(b, s, self.h * self.hd)
        return self.o_proj(o), present


class HFDecoder(nn.Module):
    """A Hugging Face causal LM as torch.onnx sees it with use_cache: input_ids, attention_mask [B, P + S],
    position_ids [B, S], past key / value per layer [B, kv_heads, P, hd] in; logits and present key / value out.
    style: llama (RMSNorm, SwiGLU), qwen2 (llama + q/k/v bias), mistral (llama + sliding window), phi (LayerNorm,
    parallel attention + MLP from one norm, partial rotary, gelu_new), neox (packed qkv, partial rotary, parallel
    residual with two norms, GELU)."""

    def __init__(self, style='llama', vocab=128, d=64, heads=4, kv_heads=2, layers=2, ff=128, window=None):
        super().__init__()
        self.style, self.window = style, window
        rms = style in ('llama', 'qwen2', 'mistral')
        self.embed = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            m = nn.Module()
            m.attn = HFAttention(d, heads, kv_heads, bias=style in ('qwen2', 'phi'),
                                 rotary_frac={'phi': 0.5, 'neox': 0.25}.get(style, 1.0), packed=style == 'neox')
            m.ln1 = RMSNorm(d) if rms else nn.LayerNorm(d)
            m.ln2 = RMSNorm(d) if rms else nn.LayerNorm(d)
            if rms:
                m.gate, m.up, m.down = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)
            else:
                m.fc1, m.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)
            self.layers.append(m)
        self.norm = RMSNorm(d) if rms else nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=style == 'phi')

    def mlp(self, m, x):
        if hasattr(m, 'gate'):
            return m.down(F.silu(m.gate(x)) * m.up(x))
        return m.fc2(F.gelu(m.fc1(x), approximate='tanh' if self.style == 'phi' else 'none'))

    def forward(self, input_ids, attention_mask, position_ids, *past):
        s, p = input_ids.shape[1], past[0].shape[2]
        mask = hf_4d_mask(attention_mask, s, p, self.window)
        h = self.embed(input_ids)
        presents = []
        for i, m in enumerate(self.layers):
            if self.style == 'phi':
                n = m.ln1(h)
                a, pr = m.attn(n, mask, position_ids, past[2 * i], past[2 * i + 1])
                h = a + self.mlp(m, n) + h
            elif self.style == 'neox':
                a, pr = m.attn(m.ln1(h), mask, position_ids, past[2 * i], past[2 * i + 1])
                h = h + a + self.mlp(m, m.ln2(h))
            else:
                a, pr = m.attn(m.ln1(h), mask, position_ids, past[2 * i], past[2 * i + 1])
                h = h + a
                h = h + self.mlp(m, m.ln2(h))
            presents += list(pr)
        return (self.lm_head(self.norm(h)),) + tuple(presents)


def decoder_inputs(style, batch=2, seq=3, past=4, kv_heads=2, hd=16, layers=2, vocab=128):
    """input_ids, attention_mask (the second row left-padded by 2), position_ids (from the mask's cumsum, as
    generate() makes them), past caches."""
    ids = torch.randint(0, vocab, (batch, seq))
    mask = torch.ones(batch, past + seq, dtype=torch.long)
    if batch > 1:
        mask[1, :2] = 0
    pos = (mask.cumsum(-1) - 1).clamp(min=0)[:, -seq:]
    kv = tuple(torch.randn(batch, kv_heads, past, hd) for _ in range(2 * layers))
    return (ids, mask, pos) + kv


def decoder_names(layers=2):
    ins = ['input_ids', 'attention_mask', 'position_ids']
    outs = ['logits']
    for i in range(layers):
        ins += [f'past_key_values.{i}.key', f'past_key_values.{i}.value']
        outs += [f'present.{i}.key', f'present.{i}.value']
    return ins, outs


def decoder_dynamic(layers=2):
    ins, outs = decoder_names(layers)
    dyn = {'input_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'total'},
           'position_ids': {0: 'batch', 1: 'seq'}, 'logits': {0: 'batch', 1: 'seq'}}
    for n in ins[3:] + outs[1:]:
        dyn[n] = {0: 'batch', 2: 'past' if n.startswith('past') else 'total'}
    return dyn
