"""Thirteenth sweep: text encoders as their projects write them (random weights, small widths, batch 2 with a padded
row): DeBERTa-v3 (disentangled attention: log-bucketed relative positions, c2p / p2c by torch.gather, XSoftmax),
ModernBERT (global / sliding-window local layers with their own rope bases, GeGLU, bias-free LayerNorm; mean pooling),
ColBERT (query encoder, L2-normalised token embeddings, MaxSim against padded document embeddings), jina-embeddings-v2
(bidirectional ALiBi, GLU feed-forward, post-LN; mean pooling) and an XLM-RoBERTa reranker. Models in MODELS, exported
by sweep13_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep13_seq_lm import FMIN, inv_freq, rotate_half


# --- DeBERTa-v3 ---

def make_log_bucket_position(relative_pos, bucket_size, max_position):
    sign = torch.sign(relative_pos)
    mid = bucket_size // 2
    abs_pos = torch.where((relative_pos < mid) & (relative_pos > -mid), torch.tensor(mid - 1).type_as(relative_pos), torch.abs(relative_pos))
    log_pos = torch.ceil(torch.log(abs_pos / mid) / torch.log(torch.tensor((max_position - 1) / mid)) * (mid - 1)) + mid
    return torch.where(abs_pos <= mid, relative_pos.type_as(log_pos), log_pos * sign)


def build_relative_position(q, k, bucket_size, max_position):
    q_ids, k_ids = torch.arange(0, q), torch.arange(0, k)
    rel = q_ids[:, None] - k_ids[None, :]
    rel = make_log_bucket_position(rel, bucket_size, max_position)
    return rel.to(torch.long)[:q, :].unsqueeze(0)


class DebertaV3(nn.Module):
    """position_buckets 8 / max_relative_positions 32 (v3-base: 256 / 512) so that a 12-token input reaches the log
    buckets; share_att_key, pos_att_type c2p|p2c, relative embeddings LayerNormed; ContextPooler + classifier."""
    def __init__(self, vocab=300, d=64, h=4, layers=2, buckets=8, max_rel=32, labels=3):
        super().__init__()
        self.h, self.hd, self.buckets, self.max_rel = h, d // h, buckets, max_rel
        self.emb, self.emb_ln = nn.Embedding(vocab, d), nn.LayerNorm(d, eps=1e-7)
        self.rel, self.rel_ln = nn.Embedding(2 * buckets, d), nn.LayerNorm(d, eps=1e-7)
        self.L = nn.ModuleList(nn.ModuleDict({'q': nn.Linear(d, d), 'k': nn.Linear(d, d), 'v': nn.Linear(d, d), 'o': nn.Linear(d, d), 'ln1': nn.LayerNorm(d, eps=1e-7),
                                              'f1': nn.Linear(d, 4 * d), 'f2': nn.Linear(4 * d, d), 'ln2': nn.LayerNorm(d, eps=1e-7)}) for _ in range(layers))
        self.pool, self.cls = nn.Linear(d, d), nn.Linear(d, labels)

    def heads(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.h, -1).permute(0, 2, 1, 3).contiguous().view(-1, t, self.hd)

    def forward(self, input_ids, attention_mask):
        b, t = input_ids.shape
        x = self.emb_ln(self.emb(input_ids)) * attention_mask.unsqueeze(-1).to(torch.float)
        ext = attention_mask.unsqueeze(1).unsqueeze(2)
        ext = (ext * ext.squeeze(-2).unsqueeze(-1)).to(torch.bool)  # [B, 1, T, T]
        rel_pos = build_relative_position(t, t, self.buckets, self.max_rel)
        rel = self.rel_ln(self.rel.weight).unsqueeze(0)
        span = self.buckets
        scale = math.sqrt(self.hd * 3)
        c2p_pos = torch.clamp(rel_pos + span, 0, span * 2 - 1)
        p2c_pos = torch.clamp(-rel_pos + span, 0, span * 2 - 1)
        for L in self.L:
            q, k, v = self.heads(L['q'](x)), self.heads(L['k'](x)), self.heads(L['v'](x))
            pq = self.heads(L['q'](rel)).repeat(b, 1, 1)
            pk = self.heads(L['k'](rel)).repeat(b, 1, 1)
            s = torch.bmm(q, k.transpose(-1, -2) / torch.tensor(scale, dtype=q.dtype))
            c2p = torch.bmm(q, pk.transpose(-1, -2))
            c2p = torch.gather(c2p, dim=-1, index=c2p_pos.squeeze(0).expand([b * self.h, t, t]))
            p2c = torch.bmm(k, pq.transpose(-1, -2))
            p2c = torch.gather(p2c, dim=-1, index=p2c_pos.squeeze(0).expand([b * self.h, t, t])).transpose(-1, -2)
            s = (s + c2p / scale + p2c / scale).view(b, self.h, t, t)
            s = s.masked_fill(~ext, FMIN)  # XSoftmax
            p = torch.softmax(s, -1).masked_fill(~ext, 0.0)
            a = torch.bmm(p.view(-1, t, t), v).view(b, self.h, t, self.hd).permute(0, 2, 1, 3).reshape(b, t, -1)
            x = L['ln1'](x + L['o'](a))
            x = L['ln2'](x + L['f2'](F.gelu(L['f1'](x))))
        return self.cls(F.gelu(self.pool(x[:, 0])))


# --- ModernBERT ---

class ModernBert(nn.Module):
    """global_attn_every_n_layers 3 (layers 0 and 3 global), local window 4 (ModernBERT: 128), rope theta 160000 global /
    10000 local, fused Wqkv, GeGLU, LayerNorms without bias (`window_mask.logical_not()` written `~window_mask`: torch 1.13 has no export of aten::logical_not); sentence-transformers' mean pooling over the mask."""
    def __init__(self, vocab=300, d=64, h=4, layers=4, window=4, ff=96):
        super().__init__()
        self.h, self.hd, self.half = h, d // h, window // 2
        self.emb = nn.Embedding(vocab, d)
        self.norm_w = nn.ParameterList(nn.Parameter(1 + 0.1 * torch.randn(d)) for _ in range(2 * layers + 2))
        self.L = nn.ModuleList(nn.ModuleDict({'Wqkv': nn.Linear(d, 3 * d, bias=False), 'Wo': nn.Linear(d, d, bias=False),
                                              'Wi': nn.Linear(d, 2 * ff, bias=False), 'mWo': nn.Linear(ff, d, bias=False)}) for _ in range(layers))
        self.register_buffer('inv_global', inv_freq(self.hd, 160000.0))
        self.register_buffer('inv_local', inv_freq(self.hd, 10000.0))

    def ln(self, x, i):
        return F.layer_norm(x, (self.norm_w[i].shape[0],), self.norm_w[i], None, 1e-5)

    def forward(self, input_ids, attention_mask):
        b, t = input_ids.shape
        glob = (1.0 - attention_mask[:, None, None, :].float()) * FMIN
        glob = glob.expand(b, 1, t, t)
        rows = torch.arange(t).unsqueeze(0)
        distance = torch.abs(rows - rows.T)
        window_mask = (distance <= self.half).unsqueeze(0).unsqueeze(0)
        local = glob.masked_fill(~window_mask, FMIN)
        pos = torch.arange(t).float()
        x = self.ln(self.emb(input_ids), 0)
        for i, L in enumerate(self.L):
            is_global = i % 3 == 0
            f = pos[:, None] * (self.inv_global if is_global else self.inv_local)[None]
            emb = torch.cat([f, f], -1)
            cos, sin = emb.cos(), emb.sin()
            hx = x if i == 0 else self.ln(x, 2 * i + 1)
            qkv = L['Wqkv'](hx).view(b, -1, 3, self.h, self.hd)
            q, k, v = qkv.transpose(3, 1).unbind(dim=2)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            a = torch.softmax(q @ k.transpose(-1, -2) * self.hd ** -0.5 + (glob if is_global else local), -1) @ v
            x = x + L['Wo'](a.transpose(1, 2).reshape(b, t, -1))
            inp, gate = L['Wi'](self.ln(x, 2 * i + 2)).chunk(2, dim=-1)
            x = x + L['mWo'](F.gelu(inp) * gate)
        x = self.ln(x, 2 * len(self.L) + 1)
        m = attention_mask.unsqueeze(-1).expand(x.size()).float()
        return torch.sum(x * m, 1) / torch.clamp(m.sum(1), min=1e-9)


# --- ColBERT ---

class BertLayer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.f1, self.f2, self.ln1, self.ln2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d), nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12)

    def forward(self, x, bias):
        b, t, d = x.shape
        q, k, v = (z.view(b, t, self.h, -1).transpose(1, 2) for z in (self.q(x), self.k(x), self.v(x)))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.h) + bias, -1) @ v
        x = self.ln1(x + self.o(a.transpose(1, 2).reshape(b, t, d)))
        return self.ln2(x + self.f2(F.gelu(self.f1(x))))


class ColBert(nn.Module):
    """Q = normalize(linear(BERT(query))); colbert_score: scores = D_padded @ Qᵀ, colbert_score_reduce's
    `scores_padded[~D_mask.bool()] = -9999` (a [B, Ld] mask on [B, Ld, Lq] scores; `filled`: the same written
    masked_fill of the mask unsqueezed, as a later torch exports that index_put), max over the document, sum over the
    query."""
    def __init__(self, vocab=300, d=64, h=4, layers=2, dim=32, filled=False):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(64, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.L = nn.ModuleList(BertLayer(d, h) for _ in range(layers))
        self.linear = nn.Linear(d, dim, bias=False)
        self.filled = filled

    def forward(self, input_ids, attention_mask, doc_embeddings, doc_mask):
        t = input_ids.shape[1]
        x = self.ln(self.tok(input_ids) + self.pos(torch.arange(t)[None]))
        bias = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        for L in self.L:
            x = L(x, bias)
        Q = F.normalize(self.linear(x), p=2, dim=2)
        scores = doc_embeddings @ Q.permute(0, 2, 1)  # [B, Ld, Lq]
        padding = ~doc_mask.view(scores.size(0), scores.size(1)).bool()
        if self.filled:
            scores = scores.masked_fill(padding[..., None], -9999)
        else:
            scores[padding] = -9999
        return scores.max(1).values.sum(-1)


# --- jina-embeddings-v2 (JinaBERT) ---

def alibi_slopes(h):
    start = 2 ** (-2 ** -(math.log2(h) - 3))
    return [start * start ** i for i in range(h)]


class JinaBert(nn.Module):
    def __init__(self, vocab=300, d=64, h=4, layers=2, ff=96):
        super().__init__()
        self.h = h
        self.tok, self.typ = nn.Embedding(vocab, d), nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.L = nn.ModuleList(nn.ModuleDict({'q': nn.Linear(d, d), 'k': nn.Linear(d, d), 'v': nn.Linear(d, d), 'o': nn.Linear(d, d), 'ln1': nn.LayerNorm(d, eps=1e-12),
                                              'gated': nn.Linear(d, 2 * ff, bias=False), 'wo': nn.Linear(ff, d), 'ln2': nn.LayerNorm(d, eps=1e-12)}) for _ in range(layers))
        self.register_buffer('slopes', torch.tensor(alibi_slopes(h)))

    def forward(self, input_ids, attention_mask, token_type_ids):
        b, t = input_ids.shape
        ctx = torch.arange(t)[:, None]
        mem = torch.arange(t)[None, :]
        rel = torch.abs(mem - ctx).unsqueeze(0).expand(self.h, -1, -1)
        alibi = (self.slopes.unsqueeze(1).unsqueeze(1) * -rel).unsqueeze(0)  # [1, H, T, T]
        bias = alibi + (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        x = self.ln(self.tok(input_ids) + self.typ(token_type_ids))
        for L in self.L:
            q, k, v = (L[n](x).view(b, t, self.h, -1).transpose(1, 2) for n in 'qkv')
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias, -1) @ v
            x = L['ln1'](x + L['o'](a.transpose(1, 2).reshape(b, t, -1)))
            h = L['gated'](x)
            ff = h.shape[-1] // 2
            x = L['ln2'](x + L['wo'](F.gelu(h[..., :ff]) * h[..., ff:]))
        m = attention_mask.unsqueeze(-1).float()
        return torch.sum(x * m, 1) / torch.clamp(m.sum(1), min=1e-9)


# --- XLM-RoBERTa cross-encoder (bge-reranker / ms-marco rerankers): positions from the ids' non-pad cumsum, CLS
# head dense → tanh → one score ---

class XlmrReranker(nn.Module):
    def __init__(self, vocab=300, d=64, h=4, layers=2, pad=1):
        super().__init__()
        self.pad = pad
        self.tok, self.pos, self.typ = nn.Embedding(vocab, d, padding_idx=pad), nn.Embedding(80, d, padding_idx=pad), nn.Embedding(1, d)
        self.ln = nn.LayerNorm(d, eps=1e-5)
        self.L = nn.ModuleList(BertLayer(d, h) for _ in range(layers))
        self.dense, self.out_proj = nn.Linear(d, d), nn.Linear(d, 1)

    def forward(self, input_ids, attention_mask):
        mask = input_ids.ne(self.pad).int()
        positions = (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() + self.pad
        x = self.ln(self.tok(input_ids) + self.pos(positions) + self.typ(torch.zeros_like(input_ids)))
        bias = (1.0 - attention_mask[:, None, None, :].float()) * FMIN
        for L in self.L:
            x = L(x, bias)
        return self.out_proj(torch.tanh(self.dense(x[:, 0])))


def enc_inputs(b=2, t=12, vocab=300):
    ids = torch.randint(5, vocab, (b, t))
    mask = torch.ones(b, t, dtype=torch.long)
    mask[1, 8:] = 0
    return ids, mask


SEQ = {0: 'batch', 1: 'seq'}
MODELS = {
    'deberta_v3_cls': lambda: (DebertaV3().eval(), enc_inputs(), {'names': ['input_ids', 'attention_mask'], 'outputs': ['logits'], 'opset': 14,
                                                                     'dynamic': {'input_ids': SEQ, 'attention_mask': SEQ}}),
    'modernbert_mean': lambda: (ModernBert().eval(), enc_inputs(), {'names': ['input_ids', 'attention_mask'], 'outputs': ['sentence_embedding'], 'opset': 14,
                                                                     'dynamic': {'input_ids': SEQ, 'attention_mask': SEQ}}),
    'colbert_maxsim': lambda: (ColBert().eval(), (*enc_inputs(t=10), F.normalize(torch.randn(2, 16, 32), dim=-1), torch.tensor([[1] * 16, [1] * 11 + [0] * 5])),
                               {'names': ['input_ids', 'attention_mask', 'doc_embeddings', 'doc_mask'], 'outputs': ['scores'], 'opset': 14,
                                'dynamic': {'input_ids': SEQ, 'attention_mask': SEQ, 'doc_embeddings': {0: 'batch', 1: 'doc_len'}, 'doc_mask': {0: 'batch', 1: 'doc_len'}}}),
    'colbert_maxsim_filled': lambda: (ColBert(filled=True).eval(), (*enc_inputs(t=10), F.normalize(torch.randn(2, 16, 32), dim=-1), torch.tensor([[1] * 16, [1] * 11 + [0] * 5])),
                               {'names': ['input_ids', 'attention_mask', 'doc_embeddings', 'doc_mask'], 'outputs': ['scores'], 'opset': 14,
                                'dynamic': {'input_ids': SEQ, 'attention_mask': SEQ, 'doc_embeddings': {0: 'batch', 1: 'doc_len'}, 'doc_mask': {0: 'batch', 1: 'doc_len'}}}),
    'xlmr_reranker': lambda: (XlmrReranker().eval(), (torch.cat([torch.randint(5, 300, (2, 12))]).masked_fill(torch.tensor([[0] * 12, [0] * 8 + [1] * 4]).bool(), 1),
                                                       enc_inputs()[1]),
                              {'names': ['input_ids', 'attention_mask'], 'outputs': ['logits'], 'opset': 14, 'dynamic': {'input_ids': SEQ, 'attention_mask': SEQ}}),
    'jina_alibi_mean': lambda: (JinaBert().eval(), (*enc_inputs(), torch.zeros(2, 12, dtype=torch.long)),
                                {'names': ['input_ids', 'attention_mask', 'token_type_ids'], 'outputs': ['sentence_embedding'], 'opset': 14,
                                 'dynamic': {n: SEQ for n in ('input_ids', 'attention_mask', 'token_type_ids')}}),
}
