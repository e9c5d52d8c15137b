"""Seventh sweep: T5 encoder-decoder (relative position buckets, bidirectional and causal, padding masks),
sentence-transformers mean pooling, DistilBERT and ALBERT, as Hugging Face writes them (plain torch)."""
import math
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep7_seq_models import NEG  # noqa: E402
from transformers import HfBertModel  # noqa: E402  (scripts/export/transformers.py)


def t5_bucket(rel, bidirectional, num_buckets=32, max_distance=128):
    buckets = 0
    if bidirectional:
        num_buckets //= 2
        buckets += (rel > 0).to(torch.long) * num_buckets
        rel = torch.abs(rel)
    else:
        rel = -torch.min(rel, torch.zeros_like(rel))
    max_exact = num_buckets // 2
    small = rel < max_exact
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(small, rel, large)


class T5Norm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(1 + 0.1 * torch.randn(d))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.to(torch.float32).pow(2).mean(-1, keepdim=True) + 1e-6))


class T5Attn(nn.Module):
    def __init__(self, d, h, has_bias, bidirectional):
        super().__init__()
        self.h, self.hd, self.bi = h, d // h, bidirectional
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.rel = nn.Embedding(32, h) if has_bias else None

    def bias(self, q_len, k_len):
        ctx = torch.arange(q_len, dtype=torch.long)[:, None]
        mem = torch.arange(k_len, dtype=torch.long)[None, :]
        return self.rel(t5_bucket(mem - ctx, self.bi)).permute([2, 0, 1]).unsqueeze(0)

    def forward(self, x, mask, bias=None, kv=None):
        b, s, d = x.shape
        src = x if kv is None else kv
        sh = lambda t: t.view(b, -1, self.h, self.hd).transpose(1, 2)
        q, k, v = sh(self.q(x)), sh(self.k(src)), sh(self.v(src))
        if bias is None:
            bias = self.bias(s, src.shape[1]) if self.rel is not None else torch.zeros(1, self.h, s, src.shape[1])
            bias = bias + mask
        w = torch.matmul(q, k.transpose(3, 2)) + bias
        o = torch.matmul(F.softmax(w.float(), dim=-1), v)
        return self.o(o.transpose(1, 2).contiguous().view(b, -1, d)), bias


class T5EncDec(nn.Module):
    """T5ForConditionalGeneration's forward with labels-free decoder_input_ids: the first layer of each stack makes the
    position bias (+ the extended mask) and the others reuse it; causal decoder mask from compared aranges."""

    def __init__(self, vocab=100, d=64, h=4, layers=2, ff=128):
        super().__init__()
        self.shared, self.d = nn.Embedding(vocab, d), d
        self.enc, self.dec = nn.ModuleList(), nn.ModuleList()
        for i in range(layers):
            e = nn.Module()
            e.attn, e.n1, e.n2 = T5Attn(d, h, i == 0, True), T5Norm(d), T5Norm(d)
            e.wi, e.wo = nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)
            self.enc.append(e)
            m = nn.Module()
            m.attn, m.cross = T5Attn(d, h, i == 0, False), T5Attn(d, h, False, True)
            m.n1, m.n2, m.n3 = T5Norm(d), T5Norm(d), T5Norm(d)
            m.wi, m.wo = nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)
            self.dec.append(m)
        self.enc_norm, self.dec_norm = T5Norm(d), T5Norm(d)

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        b, s = input_ids.shape
        t = decoder_input_ids.shape[1]
        ext = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * NEG
        x, bias = self.shared(input_ids), None
        for e in self.enc:
            a, bias = e.attn(e.n1(x), ext, bias)
            x = x + a
            x = x + e.wo(F.relu(e.wi(e.n2(x))))
        enc = self.enc_norm(x)
        seq = torch.arange(t)
        causal = (seq[None, None, :].repeat(b, t, 1) <= seq[None, :, None]).to(torch.float32)
        dmask = (1.0 - causal[:, None, :, :]) * NEG
        y, sbias, cbias = self.shared(decoder_input_ids), None, None
        for m in self.dec:
            a, sbias = m.attn(m.n1(y), dmask, sbias)
            y = y + a
            a, cbias = m.cross(m.n2(y), ext, cbias, kv=enc)
            y = y + a
            y = y + m.wo(F.relu(m.wi(m.n3(y))))
        y = self.dec_norm(y) * (self.d ** -0.5)
        return y @ self.shared.weight.t()


class MeanPooled(nn.Module):
    """sentence-transformers' Pooling(mean) + Normalize over a Hugging Face BERT (MiniLM / mpnet-style)."""

    def __init__(self):
        super().__init__()
        self.bert = HfBertModel(vocab=100, d=32, layers=2, max_len=16)

    def forward(self, input_ids, attention_mask, token_type_ids):
        tokens = self.bert(input_ids, attention_mask, token_type_ids)[0]
        m = attention_mask.unsqueeze(-1).expand(tokens.size()).float()
        emb = torch.sum(tokens * m, 1) / torch.clamp(m.sum(1), min=1e-9)
        return F.normalize(emb, p=2, dim=1)


class DistilBert(nn.Module):
    """DistilBertModel: word + position embeddings, LayerNorm; attention with q / sqrt(d) before the matmul and
    masked_fill(mask == 0, finfo.min) over a view + expand_as of the mask; GELU FFN; post-norms."""

    def __init__(self, vocab=100, d=64, h=4, layers=2, ff=128, max_len=16):
        super().__init__()
        self.h, self.hd = h, d // h
        self.word, self.pos, self.ln = nn.Embedding(vocab, d), nn.Embedding(max_len, d), nn.LayerNorm(d, eps=1e-12)
        self.register_buffer('position_ids', torch.arange(max_len).expand((1, -1)), persistent=False)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            m = nn.Module()
            m.q, m.k, m.v, m.o = (nn.Linear(d, d) for _ in range(4))
            m.n1, m.n2 = nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12)
            m.l1, m.l2 = nn.Linear(d, ff), nn.Linear(ff, d)
            self.layers.append(m)

    def forward(self, input_ids, attention_mask):
        b, s = input_ids.shape
        x = self.ln(self.word(input_ids) + self.pos(self.position_ids[:, :s]))
        sh = lambda t: t.view(b, -1, self.h, self.hd).transpose(1, 2)
        for m in self.layers:
            q = sh(m.q(x)) / math.sqrt(self.hd)
            w = torch.matmul(q, sh(m.k(x)).transpose(2, 3))
            mask = (attention_mask == 0).view(b, 1, 1, s).expand_as(w)
            w = w.masked_fill(mask, torch.tensor(NEG))
            c = torch.matmul(F.softmax(w, dim=-1), sh(m.v(x))).transpose(1, 2).contiguous().view(b, -1, self.h * self.hd)
            x = m.n1(m.o(c) + x)
            x = m.n2(m.l2(F.gelu(m.l1(x))) + x)
        return x


class Albert(nn.Module):
    """AlbertModel: 16-wide factorised embeddings mapped to the hidden size, one layer's weights shared by every
    layer, gelu_new, the extended mask, tanh pooler on [CLS]."""

    def __init__(self, vocab=100, e=16, d=64, h=4, layers=3, ff=128, max_len=16):
        super().__init__()
        self.h, self.hd, self.n = h, d // h, layers
        self.word, self.pos, self.tok = nn.Embedding(vocab, e), nn.Embedding(max_len, e), nn.Embedding(2, e)
        self.eln, self.map = nn.LayerNorm(e, eps=1e-12), nn.Linear(e, d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.n1, self.n2 = nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12)
        self.ffn, self.ffo, self.pool = nn.Linear(d, ff), nn.Linear(ff, d), nn.Linear(d, d)

    def forward(self, input_ids, attention_mask, token_type_ids):
        b, s = input_ids.shape
        pos = torch.arange(s).unsqueeze(0)
        x = self.map(self.eln(self.word(input_ids) + self.pos(pos) + self.tok(token_type_ids)))
        ext = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * NEG
        sh = lambda t: t.view(b, -1, self.h, self.hd).permute(0, 2, 1, 3)
        for _ in range(self.n):
            w = torch.matmul(sh(self.q(x)), sh(self.k(x)).transpose(-1, -2)) / math.sqrt(self.hd) + ext
            c = torch.matmul(w.softmax(-1), sh(self.v(x))).transpose(2, 1).flatten(2)
            x = self.n1(x + self.o(c))
            x = self.n2(self.ffo(F.gelu(self.ffn(x), approximate='tanh')) + x)
        return x, torch.tanh(self.pool(x[:, 0]))
