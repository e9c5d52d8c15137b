"""Tenth sweep: language models as exported for edge, in plain torch 1.13 with Hugging Face transformers' math (not
packaged in Debian): T5-small's decoder step with past self-attention keys / values and cross keys / values
(optimum's decoder_with_past, relative position buckets offset by the past length), Gemma (RMSNorm with 1 + w, the
embedding scaled by sqrt(d), GeGLU with tanh GELU, head_dim 256-style wider than hidden / heads, multi-query, tied
head), Phi-3 (fused qkv_proj and gate_up_proj), SmolLM (LLaMA with tied embeddings, 3 q heads per kv head),
MobileBERT (NoNorm, bottlenecks, 4 stacked FFNs, trigram embedding), ELECTRA-small (128-wide embeddings projected to
256) at small widths, random weights."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep7_seq_models import repeat_kv, rotate_half
from sweep7_seq_text import t5_bucket

FMIN = torch.finfo(torch.float32).min


class RMSNorm(nn.Module):
    def __init__(self, d, plus_one=False, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(d) * 0.1 + (0.0 if plus_one else 1.0))
        self.plus_one, self.eps = plus_one, eps

    def forward(self, x):
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return x * (1.0 + self.weight) if self.plus_one else self.weight * x


class Rotary(nn.Module):
    def __init__(self, dim, base=10000.0, max_pos=128):
        super().__init__()
        inv = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        t = torch.arange(max_pos).float()
        emb = torch.cat([torch.outer(t, inv)] * 2, dim=-1)
        self.register_buffer('cos_cached', emb.cos(), persistent=False)
        self.register_buffer('sin_cached', emb.sin(), persistent=False)

    def forward(self, q, k, position_ids):
        cos = self.cos_cached[position_ids].unsqueeze(1)
        sin = self.sin_cached[position_ids].unsqueeze(1)
        return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


def causal_mask(attention_mask, q_len, past_len):
    """transformers' _prepare_4d_causal_attention_mask: finfo.min above the diagonal (offset by the past) and at padding."""
    b, total = attention_mask.shape
    i = torch.arange(q_len)[:, None] + past_len
    j = torch.arange(total)[None, :]
    causal = torch.zeros(q_len, total).masked_fill(j > i, FMIN)[None, None].expand(b, 1, q_len, total)
    pad = (1.0 - attention_mask[:, None, None, :].float()) * FMIN
    return (causal + pad).clamp(min=FMIN)


class DecoderLayer(nn.Module):
    def __init__(self, d, heads, kv_heads, head_dim, ff, kind):
        super().__init__()
        self.h, self.kvh, self.hd, self.kind = heads, kv_heads, head_dim, kind
        if kind == 'phi3':
            self.qkv_proj = nn.Linear(d, (heads + 2 * kv_heads) * head_dim, bias=False)
            self.gate_up_proj = nn.Linear(d, 2 * ff, bias=False)
        else:
            self.q_proj = nn.Linear(d, heads * head_dim, bias=False)
            self.k_proj = nn.Linear(d, kv_heads * head_dim, bias=False)
            self.v_proj = nn.Linear(d, kv_heads * head_dim, bias=False)
            self.gate_proj, self.up_proj = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False)
        self.o_proj = nn.Linear(heads * head_dim, d, bias=False)
        self.down_proj = nn.Linear(ff, d, bias=False)
        plus = kind == 'gemma'
        self.input_layernorm, self.post_attention_layernorm = RMSNorm(d, plus), RMSNorm(d, plus)
        self.rotary = Rotary(head_dim)

    def forward(self, x, mask, position_ids, past_k, past_v):
        b, s, _ = x.shape
        h = self.input_layernorm(x)
        if self.kind == 'phi3':
            qkv = self.qkv_proj(h)
            qp = self.h * self.hd
            q, k, v = qkv[..., :qp], qkv[..., qp:qp + self.kvh * self.hd], qkv[..., qp + self.kvh * self.hd:]
        else:
            q, k, v = self.q_proj(h), self.k_proj(h), self.v_proj(h)
        q = q.view(b, s, self.h, self.hd).transpose(1, 2)
        k = k.view(b, s, self.kvh, self.hd).transpose(1, 2)
        v = v.view(b, s, self.kvh, self.hd).transpose(1, 2)
        q, k = self.rotary(q, k, position_ids)
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        present = (k, v)
        k, v = repeat_kv(k, self.h // self.kvh), repeat_kv(v, self.h // self.kvh)
        a = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd) + mask
        a = torch.softmax(a.float(), dim=-1)
        o = torch.matmul(a, v).transpose(1, 2).reshape(b, s, self.h * self.hd)
        x = x + self.o_proj(o)
        h = self.post_attention_layernorm(x)
        if self.kind == 'phi3':
            gate, up = self.gate_up_proj(h).chunk(2, dim=-1)
            h = F.silu(gate) * up
        elif self.kind == 'gemma':
            h = F.gelu(self.gate_proj(h), approximate='tanh') * self.up_proj(h)
        else:
            h = F.silu(self.gate_proj(h)) * self.up_proj(h)
        return x + self.down_proj(h), present


class CausalLM(nn.Module):
    """transformers' *ForCausalLM forward with past_key_values as optimum exports it (flattened per layer)."""
    def __init__(self, kind, vocab=256, d=64, heads=4, kv_heads=4, head_dim=16, ff=128, layers=2, tied=True):
        super().__init__()
        self.kind, self.d = kind, d
        self.embed_tokens = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(DecoderLayer(d, heads, kv_heads, head_dim, ff, kind) for _ in range(layers))
        self.norm = RMSNorm(d, kind == 'gemma')
        self.lm_head = nn.Linear(d, vocab, bias=False)
        if tied:
            self.lm_head.weight = self.embed_tokens.weight

    def forward(self, input_ids, attention_mask, position_ids, *past):
        x = self.embed_tokens(input_ids)
        if self.kind == 'gemma':
            x = x * torch.tensor(self.d ** 0.5, dtype=x.dtype)
        past_len = past[0].shape[2]
        mask = causal_mask(attention_mask, input_ids.shape[1], past_len)
        presents = []
        for i, layer in enumerate(self.layers):
            x, (k, v) = layer(x, mask, position_ids, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        return (self.lm_head(self.norm(x)), *presents)


def causal_lm_export(kind, layers=2, kv_heads=4, head_dim=16, heads=4, past=4, new=3, batch=2, **kw):
    torch.manual_seed(3)
    m = CausalLM(kind, heads=heads, kv_heads=kv_heads, head_dim=head_dim, layers=layers, **kw)
    ids = torch.randint(0, 256, (batch, new))
    mask = torch.ones(batch, past + new, dtype=torch.long)
    mask[1, :2] = 0  # a left-padded row
    pos = (mask.cumsum(-1) - 1).clamp(min=0)[:, past:]
    pkv = []
    names, outs, dyn = ['input_ids', 'attention_mask', 'position_ids'], ['logits'], {
        'input_ids': {0: 'batch_size', 1: 'sequence_length'}, 'attention_mask': {0: 'batch_size', 1: 'past_sequence_length + 1'},
        'position_ids': {0: 'batch_size', 1: 'sequence_length'}, 'logits': {0: 'batch_size', 1: 'sequence_length'}}
    for i in range(layers):
        for t in ('key', 'value'):
            pkv.append(torch.randn(batch, kv_heads, past, head_dim))
            names.append(f'past_key_values.{i}.{t}')
            outs.append(f'present.{i}.{t}')
            dyn[names[-1]] = {0: 'batch_size', 2: 'past_sequence_length'}
            dyn[outs[-1]] = {0: 'batch_size', 2: 'past_sequence_length + 1'}
    return m, (ids, mask, pos, *pkv), {'names': names, 'outputs': outs, 'opset': 14, 'dynamic': dyn}


# --- T5 decoder step (optimum decoder_with_past_model) ---

class T5LayerNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(d) + 0.5)

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))


class T5DecoderStep(nn.Module):
    def __init__(self, vocab=128, d=64, h=4, dk=16, ff=128, layers=2):
        super().__init__()
        self.h, self.dk, self.nl = h, dk, layers
        self.shared = nn.Embedding(vocab, d)
        mk = lambda: nn.ModuleDict(dict(q=nn.Linear(d, h * dk, bias=False), k=nn.Linear(d, h * dk, bias=False),  # noqa: E731
                                        v=nn.Linear(d, h * dk, bias=False), o=nn.Linear(h * dk, d, bias=False)))
        self.self_attn = nn.ModuleList(mk() for _ in range(layers))
        self.cross_attn = nn.ModuleList(mk() for _ in range(layers))
        self.ln = nn.ModuleList(T5LayerNorm(d) for _ in range(3 * layers + 1))
        self.wi = nn.ModuleList(nn.Linear(d, ff, bias=False) for _ in range(layers))
        self.wo = nn.ModuleList(nn.Linear(ff, d, bias=False) for _ in range(layers))
        self.relative_attention_bias = nn.Embedding(32, h)
        self.d = d

    def heads(self, x):
        return x.view(x.shape[0], -1, self.h, self.dk).transpose(1, 2)

    def forward(self, input_ids, encoder_attention_mask, *past):
        b, s = input_ids.shape
        x = self.shared(input_ids)
        past_len = past[0].shape[2]
        # compute_bias(past + 1, past + 1)[:, :, -1:, :]: the one query sits at position past_len
        ctx = torch.arange(past_len + s)[:, None][-s:]
        mem = torch.arange(past_len + s)[None, :]
        bias = self.relative_attention_bias(t5_bucket(mem - ctx, False)).permute(2, 0, 1).unsqueeze(0)
        cross_mask = (1.0 - encoder_attention_mask[:, None, None, :].float()) * FMIN
        presents = []
        for i in range(self.nl):
            sa, ca = self.self_attn[i], self.cross_attn[i]
            h = self.ln[3 * i](x)
            k = torch.cat([past[4 * i], self.heads(sa['k'](h))], dim=2)
            v = torch.cat([past[4 * i + 1], self.heads(sa['v'](h))], dim=2)
            a = torch.softmax(torch.matmul(self.heads(sa['q'](h)), k.transpose(3, 2)) + bias, dim=-1)
            x = x + sa['o'](torch.matmul(a, v).transpose(1, 2).reshape(b, s, -1))
            h = self.ln[3 * i + 1](x)
            ck, cv = past[4 * i + 2], past[4 * i + 3]
            a = torch.softmax(torch.matmul(self.heads(ca['q'](h)), ck.transpose(3, 2)) + cross_mask, dim=-1)
            x = x + ca['o'](torch.matmul(a, cv).transpose(1, 2).reshape(b, s, -1))
            x = x + self.wo[i](F.relu(self.wi[i](self.ln[3 * i + 2](x))))
            presents += [k, v]
        x = self.ln[-1](x) * (self.d ** -0.5)
        return (F.linear(x, self.shared.weight), *presents)


def past_cross_inputs(past, enc, b=1, h=4, hd=16, layers=2):
    """optimum's decoder_with_past inputs after the ids: per layer past_key_values.i.{decoder,encoder}.{key,value}
    (random), their dynamic axes, and the present.i.decoder.{key,value} output names."""
    names, outs, dyn, pkv = [], [], {}, []
    for i in range(layers):
        for part, n in (('decoder', past), ('encoder', enc)):
            for t in ('key', 'value'):
                pkv.append(torch.randn(b, h, n, hd))
                names.append(f'past_key_values.{i}.{part}.{t}')
                dyn[names[-1]] = {0: 'batch_size', 2: 'past_decoder_sequence_length' if part == 'decoder' else 'encoder_sequence_length_out'}
        outs += [f'present.{i}.decoder.key', f'present.{i}.decoder.value']
    return names, outs, dyn, pkv


def t5_decoder_step_export():
    torch.manual_seed(4)
    m = T5DecoderStep()
    enc, b = 9, 1
    names, outs, dyn, pkv = past_cross_inputs(5, enc, b)
    dyn.update({'input_ids': {0: 'batch_size'}, 'encoder_attention_mask': {0: 'batch_size', 1: 'encoder_sequence_length'}})
    return m, (torch.randint(0, 128, (b, 1)), torch.ones(b, enc, dtype=torch.long), *pkv), {
        'names': ['input_ids', 'encoder_attention_mask'] + names, 'outputs': ['logits'] + outs, 'opset': 13, 'dynamic': dyn}


# --- encoders ---

class NoNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight, self.bias = nn.Parameter(torch.rand(d) + 0.5), nn.Parameter(torch.randn(d) * 0.1)

    def forward(self, x):
        return x * self.weight + self.bias


class MobileBertLayer(nn.Module):
    def __init__(self, d=128, inner=32, h=4, ffn=4):
        super().__init__()
        self.h = h
        self.bottleneck_in, self.bottleneck_attn = nn.Linear(d, inner), nn.Linear(d, inner)
        self.bn_in, self.bn_attn = NoNorm(inner), NoNorm(inner)
        self.q, self.k, self.v = nn.Linear(inner, inner), nn.Linear(inner, inner), nn.Linear(d, inner)
        self.attn_out, self.attn_norm = nn.Linear(inner, inner), NoNorm(inner)
        self.ffn = nn.ModuleList(nn.ModuleList([nn.Linear(inner, 4 * inner), nn.Linear(4 * inner, inner), NoNorm(inner)]) for _ in range(ffn - 1))
        self.inter, self.out = nn.Linear(inner, 4 * inner), nn.Linear(4 * inner, inner)
        self.out_norm, self.out_bottleneck, self.out_bottleneck_norm = NoNorm(inner), nn.Linear(inner, d), NoNorm(d)

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.h, -1).permute(0, 2, 1, 3)

    def forward(self, x, ext_mask):
        b, s, _ = x.shape
        layer_in = self.bn_in(self.bottleneck_in(x))
        shared = self.bn_attn(self.bottleneck_attn(x))  # key_query_shared_bottleneck
        q, k, v = self.split(self.q(shared)), self.split(self.k(shared)), self.split(self.v(x))
        a = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) + ext_mask, dim=-1)
        ctx = torch.matmul(a, v).permute(0, 2, 1, 3).reshape(b, s, -1)
        h = self.attn_norm(self.attn_out(ctx) + layer_in)
        for fc1, fc2, norm in self.ffn:
            h = norm(fc2(F.relu(fc1(h))) + h)
        h = self.out_norm(self.out(F.relu(self.inter(h))) + h)
        return self.out_bottleneck_norm(self.out_bottleneck(h) + x)


class MobileBert(nn.Module):
    """MobileBertModel + a 2-way classifier (transformers' MobileBERT: trigram input embedding, NoNorm everywhere)."""
    def __init__(self, vocab=200, emb=32, d=128, layers=3):
        super().__init__()
        self.word = nn.Embedding(vocab, emb)
        self.embedding_transformation = nn.Linear(3 * emb, d)
        self.pos, self.tok = nn.Embedding(64, d), nn.Embedding(2, d)
        self.emb_norm = NoNorm(d)
        self.layers = nn.ModuleList(MobileBertLayer(d) for _ in range(layers))
        self.pool, self.cls = nn.Linear(d, d), nn.Linear(d, 2)

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = input_ids.shape[1]
        e = self.word(input_ids)
        e = torch.cat([F.pad(e[:, 1:], [0, 0, 0, 1, 0, 0], value=0.0), e, F.pad(e[:, :-1], [0, 0, 1, 0, 0, 0], value=0.0)], dim=2)
        x = self.embedding_transformation(e) + self.pos(torch.arange(s)[None]) + self.tok(token_type_ids)
        x = self.emb_norm(x)
        ext = (1.0 - attention_mask[:, None, None, :].float()) * FMIN
        for layer in self.layers:
            x = layer(x, ext)
        return self.cls(torch.tanh(self.pool(x[:, 0])))


class BertLayer(nn.Module):
    def __init__(self, d, h, ff):
        super().__init__()
        self.h = h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12)
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x, ext):
        b, s, d = x.shape
        sp = lambda t: t.view(b, s, self.h, -1).permute(0, 2, 1, 3)  # noqa: E731
        q, k, v = sp(self.q(x)), sp(self.k(x)), sp(self.v(x))
        a = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d // self.h) + ext, dim=-1)
        x = self.ln1(x + self.o(torch.matmul(a, v).permute(0, 2, 1, 3).reshape(b, s, d)))
        return self.ln2(x + self.fc2(F.gelu(self.fc1(x))))


class ElectraSmall(nn.Module):
    """ElectraForSequenceClassification at ELECTRA-small's shape: 128-wide embeddings, embeddings_project to 256,
    4 heads, classifier head on the first token with GELU."""
    def __init__(self, vocab=300, emb=128, d=256, layers=2, labels=3):
        super().__init__()
        self.word, self.pos, self.tok = nn.Embedding(vocab, emb), nn.Embedding(128, emb), nn.Embedding(2, emb)
        self.emb_ln = nn.LayerNorm(emb, eps=1e-12)
        self.project = nn.Linear(emb, d)
        self.layers = nn.ModuleList(BertLayer(d, 4, 4 * d) for _ in range(layers))
        self.dense, self.out = nn.Linear(d, d), nn.Linear(d, labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = input_ids.shape[1]
        x = self.project(self.emb_ln(self.word(input_ids) + self.pos(torch.arange(s)[None]) + self.tok(token_type_ids)))
        ext = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * FMIN
        for layer in self.layers:
            x = layer(x, ext)
        return self.out(F.gelu(self.dense(x[:, 0])))


def encoder_export(cls, vocab, opset=14):
    torch.manual_seed(5)
    ids = torch.randint(0, vocab, (2, 12))
    mask = torch.ones(2, 12, dtype=torch.long)
    mask[1, 8:] = 0
    ax = {0: 'batch_size', 1: 'sequence_length'}
    return cls(), (ids, mask, torch.zeros(2, 12, dtype=torch.long)), {
        'names': ['input_ids', 'attention_mask', 'token_type_ids'], 'outputs': ['logits'], 'opset': opset,
        'dynamic': {'input_ids': ax, 'attention_mask': ax, 'token_type_ids': ax, 'logits': {0: 'batch_size'}}}


MODELS = {
    't5_decoder_step': t5_decoder_step_export,
    'gemma_past': lambda: causal_lm_export('gemma', kv_heads=1, head_dim=32, heads=4, d=64),
    'phi3_past': lambda: causal_lm_export('phi3', kv_heads=4, tied=False),
    'smollm_past': lambda: causal_lm_export('llama', heads=6, kv_heads=2, head_dim=16, d=96),
    'mobilebert_cls': lambda: encoder_export(MobileBert, 200),
    'electra_small_cls': lambda: encoder_export(ElectraSmall, 300),
}
