"""Fourteenth sweep: LLM decoder steps with a KV cache as transformers / optimum write them (random weights, small
widths, batch 2 with a left-padded row, 3 new tokens after 4 cached): Phi-3.5 / Phi-4-mini (LongRoPE's short / long
factors and its cos / sin scale, fused qkv_proj / gate_up_proj, partial rotary ¾), Granite (embedding / attention /
residual multipliers, logits divided by logits_scaling), OLMo 2 (q / k RMSNorm over the whole projection, post-norm
blocks), StableLM 2 12B (LayerNorm, per-head q / k LayerNorms, partial rotary ¼, parallel residual), Falcon-7B
(multi-query fused query_key_value, parallel attention + MLP), MPT (ALiBi table sliced to the keys, clip_qkv, its
[B, H, d, past] key cache), BART's decoder step (optimum's decoder_with_past: learned positions offset 2,
layernorm_embedding, post-LN, self + cross caches) and Mistral's sliding-window cache (SlidingWindowCache: a
window-sized cache rolled by index and written at cache_position). Models in MODELS, exported by sweep14_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep13_seq_lm import FMIN, RMSNorm, GatedMLP, rotate_half, masks, repeat_kv, lm_inputs, lm_opts, past_names, inv_freq


def rot(q, cos, sin, r):
    """Partial rotary on the first r dims (rotate_half form)."""
    return torch.cat([q[..., :r] * cos + rotate_half(q[..., :r]) * sin, q[..., r:]], -1)


def cos_sin(position_ids, inv, scale=1.0):
    freqs = position_ids[:, None, :, None].float() * inv[None, None, None, :]
    emb = torch.cat([freqs, freqs], -1)
    return emb.cos() * scale, emb.sin() * scale


def no_bias(ln):
    """A LayerNorm written without bias (torch 1.13's LayerNorm has no bias=False): the bias stays zero."""
    ln.bias.requires_grad_(False)
    with torch.no_grad():
        ln.weight.add_(0.1 * torch.randn_like(ln.weight))
        ln.bias.zero_()
    return ln


def attend(q, k, v, past_k, past_v, mask, scale):
    """The cached attention core: k / v after the past ([B, kvH, S, d], the present outputs), grouped-query heads repeated."""
    b, _, t, _ = q.shape
    k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
    rep = q.shape[1] // k.shape[1]
    a = torch.softmax(q @ repeat_kv(k, rep).transpose(2, 3) * scale + mask, -1) @ repeat_kv(v, rep)
    return a.transpose(1, 2).reshape(b, t, -1), k, v


def start(m, input_ids, attention_mask, position_ids, emb):
    """Embeddings, rotary cos / sin by position_ids and the 4-D mask every LLaMA-like step starts with."""
    cos, sin = cos_sin(position_ids, m.inv_freq)
    return input_ids.shape[0], input_ids.shape[1], emb(input_ids), cos, sin, masks(attention_mask, input_ids.shape[1])


def llama_qkv(m, L, h, cos, sin):
    """LLaMA's q / k / v projections viewed heads-first, q and k rotated."""
    b, t, _ = h.shape
    q = L['q'](h).view(b, t, m.h, m.hd).transpose(1, 2)
    k = L['k'](h).view(b, t, m.kvh, m.hd).transpose(1, 2)
    v = L['v'](h).view(b, t, m.kvh, m.hd).transpose(1, 2)
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin, v


# --- Phi-3.5 / Phi-4-mini: LongRoPE ---

class Phi3LongRope(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, kvh=2, layers=2, partial=0.75, orig_max=32, max_pos=128):
        super().__init__()
        self.h, self.kvh, self.hd = h, kvh, d // h
        self.r = int(self.hd * partial)
        self.emb = nn.Embedding(vocab, d)
        self.L = nn.ModuleList(nn.ModuleDict({'n1': RMSNorm(d, 1e-5), 'qkv_proj': nn.Linear(d, (h + 2 * kvh) * self.hd, bias=False),
                                              'o_proj': nn.Linear(d, d, bias=False), 'n2': RMSNorm(d, 1e-5),
                                              'gate_up_proj': nn.Linear(d, 256, bias=False), 'down_proj': nn.Linear(128, d, bias=False)})
                               for _ in range(layers))
        self.norm, self.head = RMSNorm(d, 1e-5), nn.Linear(d, vocab, bias=False)
        self.head.weight = self.emb.weight
        self.register_buffer('short_factor', 1.0 + 0.2 * torch.rand(self.r // 2))
        self.register_buffer('long_factor', 1.0 + 4.0 * torch.rand(self.r // 2))
        self.base, self.orig_max = 10000.0, orig_max
        scale = max_pos / orig_max
        self.attention_factor = math.sqrt(1 + math.log(scale) / math.log(orig_max))

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t = input_ids.shape
        seq_len = torch.max(position_ids) + 1
        # transformers' Phi3LongRoPEScaledRotaryEmbedding: the factor set is a Python choice on a tensor (traced constant)
        ext = self.long_factor if seq_len > self.orig_max else self.short_factor
        inv = 1.0 / (ext * self.base ** (torch.arange(0, self.r, 2).float() / self.r))
        cos, sin = cos_sin(position_ids, inv, self.attention_factor)
        mask = masks(attention_mask, t)
        x = self.emb(input_ids)
        present = []
        qd, kd = self.h * self.hd, self.kvh * self.hd
        for i, L in enumerate(self.L):
            qkv = L['qkv_proj'](L['n1'](x))
            q = qkv[..., :qd].view(b, t, self.h, self.hd).transpose(1, 2)
            k = qkv[..., qd:qd + kd].view(b, t, self.kvh, self.hd).transpose(1, 2)
            v = qkv[..., qd + kd:].view(b, t, self.kvh, self.hd).transpose(1, 2)
            q, k = rot(q, cos, sin, self.r), rot(k, cos, sin, self.r)
            a, k, v = attend(q, k, v, past[2 * i], past[2 * i + 1], mask, 1 / math.sqrt(self.hd))
            present += [k, v]
            x = x + L['o_proj'](a)
            gate, up = L['gate_up_proj'](L['n2'](x)).chunk(2, dim=-1)
            x = x + L['down_proj'](up * F.silu(gate))
        return (self.head(self.norm(x)), *present)


# --- Granite 3: multipliers ---

class GranitePast(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, kvh=2, layers=2, emb_mult=12.0, attn_mult=0.0625, res_mult=0.22, logits_scaling=8.0):
        super().__init__()
        self.h, self.kvh, self.hd = h, kvh, d // h
        self.emb = nn.Embedding(vocab, d)
        self.emb.weight.data *= 0.1
        self.L = nn.ModuleList(nn.ModuleDict({'n1': RMSNorm(d), 'q': nn.Linear(d, d, bias=False), 'k': nn.Linear(d, kvh * self.hd, bias=False),
                                              'v': nn.Linear(d, kvh * self.hd, bias=False), 'o': nn.Linear(d, d, bias=False), 'n2': RMSNorm(d),
                                              'mlp': GatedMLP(d, 128)}) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)
        self.head.weight = self.emb.weight
        self.register_buffer('inv_freq', inv_freq(self.hd, 10000.0))
        self.emb_mult, self.attn_mult, self.res_mult, self.logits_scaling = emb_mult, attn_mult, res_mult, logits_scaling

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t, x, cos, sin, mask = start(self, input_ids, attention_mask, position_ids, self.emb)
        x = x * self.emb_mult
        present = []
        for i, L in enumerate(self.L):
            q, k, v = llama_qkv(self, L, L['n1'](x), cos, sin)
            a, k, v = attend(q, k, v, past[2 * i], past[2 * i + 1], mask, self.attn_mult)
            present += [k, v]
            x = x + L['o'](a) * self.res_mult
            x = x + L['mlp'](L['n2'](x)) * self.res_mult
        return (self.head(self.norm(x)) / self.logits_scaling, *present)


# --- OLMo 2: q / k norm over the projection, post-norm ---

class Olmo2Past(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, layers=2):
        super().__init__()
        self.h, self.hd = h, d // h
        self.emb = nn.Embedding(vocab, d)
        self.L = nn.ModuleList(nn.ModuleDict({'q': nn.Linear(d, d, bias=False), 'k': nn.Linear(d, d, bias=False), 'v': nn.Linear(d, d, bias=False),
                                              'o': nn.Linear(d, d, bias=False), 'q_norm': RMSNorm(d), 'k_norm': RMSNorm(d),
                                              'post_attention_layernorm': RMSNorm(d), 'post_feedforward_layernorm': RMSNorm(d),
                                              'mlp': GatedMLP(d, 128)}) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)
        self.register_buffer('inv_freq', inv_freq(self.hd, 500000.0))

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t, x, cos, sin, mask = start(self, input_ids, attention_mask, position_ids, self.emb)
        present = []
        for i, L in enumerate(self.L):
            q = L['q_norm'](L['q'](x)).view(b, t, self.h, self.hd).transpose(1, 2)
            k = L['k_norm'](L['k'](x)).view(b, t, self.h, self.hd).transpose(1, 2)
            v = L['v'](x).view(b, t, self.h, self.hd).transpose(1, 2)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            a, k, v = attend(q, k, v, past[2 * i], past[2 * i + 1], mask, 1 / math.sqrt(self.hd))
            present += [k, v]
            x = x + L['post_attention_layernorm'](L['o'](a))
            x = x + L['post_feedforward_layernorm'](L['mlp'](x))
        return (self.head(self.norm(x)), *present)


# --- StableLM 2 12B: LayerNorm, per-head q / k LayerNorms, partial rotary ¼, parallel residual ---

class LayerNormPerHead(nn.Module):
    def __init__(self, hd, heads):
        super().__init__()
        self.norms = nn.ModuleList(no_bias(nn.LayerNorm(hd, eps=1e-5)) for _ in range(heads))  # LayerNorm(bias=False)

    def forward(self, x):  # [B, H, T, d]
        states = torch.split(x, 1, dim=1)
        return torch.cat([norm(s) for norm, s in zip(self.norms, states)], dim=1)


class StableLm2Past(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, kvh=2, layers=2, partial=0.25):
        super().__init__()
        self.h, self.kvh, self.hd = h, kvh, d // h
        self.r = int(self.hd * partial)
        self.emb = nn.Embedding(vocab, d)
        self.L = nn.ModuleList(nn.ModuleDict({'ln': nn.LayerNorm(d, eps=1e-5), 'q': nn.Linear(d, d, bias=True), 'k': nn.Linear(d, kvh * self.hd, bias=True),
                                              'v': nn.Linear(d, kvh * self.hd, bias=True), 'o': nn.Linear(d, d, bias=False),
                                              'q_ln': LayerNormPerHead(self.hd, h), 'k_ln': LayerNormPerHead(self.hd, kvh),
                                              'mlp': GatedMLP(d, 128)}) for _ in range(layers))
        self.norm, self.head = nn.LayerNorm(d, eps=1e-5), nn.Linear(d, vocab, bias=False)
        self.register_buffer('inv_freq', inv_freq(self.r, 10000.0))

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t, x, cos, sin, mask = start(self, input_ids, attention_mask, position_ids, self.emb)
        present = []
        for i, L in enumerate(self.L):
            h = L['ln'](x)
            q = L['q_ln'](L['q'](h).view(b, t, self.h, self.hd).transpose(1, 2))
            k = L['k_ln'](L['k'](h).view(b, t, self.kvh, self.hd).transpose(1, 2))
            v = L['v'](h).view(b, t, self.kvh, self.hd).transpose(1, 2)
            q, k = rot(q, cos, sin, self.r), rot(k, cos, sin, self.r)
            a, k, v = attend(q, k, v, past[2 * i], past[2 * i + 1], mask, 1 / math.sqrt(self.hd))
            present += [k, v]
            x = x + L['o'](a) + L['mlp'](h)
        return (self.head(self.norm(x)), *present)


# --- Falcon-7B: multi-query fused query_key_value, parallel attention + MLP from one LayerNorm ---

class FalconPast(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, layers=2):
        super().__init__()
        self.h, self.hd = h, d // h
        self.word_embeddings = nn.Embedding(vocab, d)
        self.L = nn.ModuleList(nn.ModuleDict({'input_layernorm': nn.LayerNorm(d), 'query_key_value': nn.Linear(d, (h + 2) * self.hd, bias=False),
                                              'dense': nn.Linear(d, d, bias=False), 'dense_h_to_4h': nn.Linear(d, 4 * d, bias=False),
                                              'dense_4h_to_h': nn.Linear(4 * d, d, bias=False)}) for _ in range(layers))
        self.ln_f, self.lm_head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)
        self.register_buffer('inv_freq', inv_freq(self.hd, 10000.0))

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t, x, cos, sin, mask = start(self, input_ids, attention_mask, position_ids, self.word_embeddings)
        present = []
        for i, L in enumerate(self.L):
            h = L['input_layernorm'](x)
            fused = L['query_key_value'](h).view(b, t, self.h + 2, self.hd)
            q, k, v = fused[..., :-2, :], fused[..., [-2], :], fused[..., [-1], :]
            q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            a, k, v = attend(q, k, v, past[2 * i], past[2 * i + 1], mask, 1 / math.sqrt(self.hd))
            present += [k, v]
            attn = L['dense'](a)
            x = x + attn + L['dense_4h_to_h'](F.gelu(L['dense_h_to_4h'](h)))
        return (self.lm_head(self.ln_f(x)), *present)


# --- MPT: ALiBi table built once and sliced to the keys, clip_qkv, no biases, key cache [B, H, d, past] ---

def mpt_alibi(h, max_len, alibi_bias_max=8):
    bias = torch.arange(1 - max_len, 1, dtype=torch.float32).view(1, 1, 1, max_len)
    m = torch.arange(1, h + 1, dtype=torch.float32) * (alibi_bias_max / h)
    slopes = (1.0 / torch.pow(2, m)).view(1, h, 1, 1)
    return bias * slopes


class MptPast(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, layers=2, max_len=32, clip_qkv=8.0):
        super().__init__()
        self.h, self.hd, self.clip = h, d // h, clip_qkv
        self.wte = nn.Embedding(vocab, d)
        ln = lambda: no_bias(nn.LayerNorm(d))  # noqa: E731 — MPT's LayerNorm without bias
        self.L = nn.ModuleList(nn.ModuleDict({'norm_1': ln(), 'Wqkv': nn.Linear(d, 3 * d, bias=False), 'out_proj': nn.Linear(d, d, bias=False),
                                              'norm_2': ln(), 'up_proj': nn.Linear(d, 4 * d, bias=False), 'down_proj': nn.Linear(4 * d, d, bias=False)})
                               for _ in range(layers))
        self.norm_f = ln()
        self.register_buffer('attn_bias', mpt_alibi(h, max_len))

    def forward(self, input_ids, attention_mask, *past):
        b, t = input_ids.shape
        s = attention_mask.shape[1]
        x = self.wte(input_ids)
        bias = self.attn_bias[:, :, :, -s:]
        causal = torch.ones(s, s, dtype=torch.bool).tril()[-t:, :].view(1, 1, t, s)
        bias = bias.masked_fill(~causal, FMIN)
        bias = bias.masked_fill(~attention_mask.bool().view(b, 1, 1, s), FMIN)
        present = []
        for i, L in enumerate(self.L):
            qkv = L['Wqkv'](L['norm_1'](x)).clamp(min=-self.clip, max=self.clip)
            q, k, v = qkv.chunk(3, dim=2)
            q = q.view(b, t, self.h, self.hd).permute(0, 2, 1, 3)
            k = k.view(b, t, self.h, self.hd).permute(0, 2, 3, 1)
            v = v.view(b, t, self.h, self.hd).permute(0, 2, 1, 3)
            k, v = torch.cat([past[2 * i], k], dim=3), torch.cat([past[2 * i + 1], v], dim=2)
            present += [k, v]
            w = torch.softmax(q.matmul(k) * (1 / math.sqrt(self.hd)) + bias, dim=-1)
            x = x + L['out_proj']((w.matmul(v)).permute(0, 2, 1, 3).reshape(b, t, -1))
            x = x + L['down_proj'](F.gelu(L['up_proj'](L['norm_2'](x)), approximate='none'))
        return (F.linear(self.norm_f(x), self.wte.weight), *present)


# --- BART decoder with past (optimum's decoder_with_past_model: self cache grows, cross cache fixed) ---

class BartDecoderStep(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, layers=2, max_pos=64):
        super().__init__()
        self.h, self.hd = h, d // h
        self.embed_tokens, self.embed_positions = nn.Embedding(vocab, d, padding_idx=1), nn.Embedding(max_pos + 2, d)
        self.layernorm_embedding = nn.LayerNorm(d)
        mk = lambda: nn.ModuleDict({'q': nn.Linear(d, d), 'k': nn.Linear(d, d), 'v': nn.Linear(d, d), 'o': nn.Linear(d, d)})  # noqa: E731
        self.L = nn.ModuleList(nn.ModuleDict({'self_attn': mk(), 'self_attn_layer_norm': nn.LayerNorm(d), 'encoder_attn': mk(),
                                              'encoder_attn_layer_norm': nn.LayerNorm(d), 'fc1': nn.Linear(d, 4 * d), 'fc2': nn.Linear(4 * d, d),
                                              'final_layer_norm': nn.LayerNorm(d)}) for _ in range(layers))
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.embed_tokens.weight
        self.register_buffer('final_logits_bias', 0.1 * torch.randn(1, vocab))

    def heads(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.h, self.hd).transpose(1, 2)

    def forward(self, input_ids, encoder_attention_mask, *past):
        b, t = input_ids.shape
        past_len = past[0].shape[2]
        positions = torch.arange(past_len, past_len + t, dtype=torch.long)
        x = self.layernorm_embedding(self.embed_tokens(input_ids) + self.embed_positions(positions + 2))
        enc_bias = (1.0 - encoder_attention_mask[:, None, None, :].float()) * FMIN
        present = []
        for i, L in enumerate(self.L):
            sa = L['self_attn']
            q = self.heads(sa['q'](x) * self.hd ** -0.5)
            k = torch.cat([past[4 * i], self.heads(sa['k'](x))], 2)
            v = torch.cat([past[4 * i + 1], self.heads(sa['v'](x))], 2)
            a = torch.softmax(q @ k.transpose(2, 3), -1) @ v
            x = L['self_attn_layer_norm'](x + sa['o'](a.transpose(1, 2).reshape(b, t, -1)))
            ca = L['encoder_attn']
            q = self.heads(ca['q'](x) * self.hd ** -0.5)
            ck, cv = past[4 * i + 2], past[4 * i + 3]
            a = torch.softmax(q @ ck.transpose(2, 3) + enc_bias, -1) @ cv
            x = L['encoder_attn_layer_norm'](x + ca['o'](a.transpose(1, 2).reshape(b, t, -1)))
            x = L['final_layer_norm'](x + L['fc2'](F.gelu(L['fc1'](x))))
            present += [k, v]
        return (self.lm_head(x) + self.final_logits_bias, *present)


def bart_export():
    b, past, enc = 2, 4, 10
    kv = []
    for _ in range(2):
        kv += [torch.randn(b, 4, past, 16), torch.randn(b, 4, past, 16), torch.randn(b, 4, enc, 16), torch.randn(b, 4, enc, 16)]
    mask = torch.ones(b, enc, dtype=torch.long)
    mask[1, 7:] = 0
    names = ['input_ids', 'encoder_attention_mask'] + [f'past_key_values.{i}.{s}.{n}' for i in range(2) for s in ('decoder', 'encoder') for n in ('key', 'value')]
    dyn = {'input_ids': {0: 'batch', 1: 'seq'}, 'encoder_attention_mask': {0: 'batch', 1: 'enc'}}
    for n in names[2:]:
        dyn[n] = {0: 'batch', 2: 'past' if '.decoder.' in n else 'enc'}
    outs = ['logits'] + [f'present.{i}.decoder.{n}' for i in range(2) for n in ('key', 'value')]
    return BartDecoderStep().eval(), (torch.randint(3, 256, (b, 1)), mask, *kv), {'names': names, 'outputs': outs, 'opset': 14, 'dynamic': dyn}


# --- Mistral's SlidingWindowCache decode step: a window-sized cache rolled by index, the new key at cache_position ---

class MistralWindowCache(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, kvh=2, layers=2, window=8):
        super().__init__()
        self.h, self.kvh, self.hd, self.window = h, kvh, d // h, window
        self.emb = nn.Embedding(vocab, d)
        self.L = nn.ModuleList(nn.ModuleDict({'n1': RMSNorm(d), 'q': nn.Linear(d, d, bias=False), 'k': nn.Linear(d, kvh * self.hd, bias=False),
                                              'v': nn.Linear(d, kvh * self.hd, bias=False), 'o': nn.Linear(d, d, bias=False), 'n2': RMSNorm(d),
                                              'mlp': GatedMLP(d, 128)}) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)
        self.register_buffer('inv_freq', inv_freq(self.hd, 1e6))

    def forward(self, input_ids, cache_position, *cache):
        b, t = input_ids.shape  # t == 1: the decode step
        w = self.window
        x = self.emb(input_ids)
        position_ids = cache_position[None].expand(b, t)
        cos, sin = cos_sin(position_ids, self.inv_freq)
        # transformers 4.4x SlidingWindowCache.update
        slicing = torch.ones(w, dtype=torch.long).cumsum(0)
        pos = cache_position.clamp(0, w - 1)
        to_shift = cache_position >= w - 1
        indices = (slicing + to_shift[-1].int() - 1) % w
        valid = torch.arange(w)[None, :] <= pos[:, None]
        mask = torch.zeros(t, w).masked_fill(~valid, FMIN)[None, None]
        out = []
        for i, L in enumerate(self.L):
            q, k, v = llama_qkv(self, L, L['n1'](x), cos, sin)
            k_out, v_out = cache[2 * i][:, :, indices], cache[2 * i + 1][:, :, indices]
            k_out[:, :, pos] = k
            v_out[:, :, pos] = v
            rep = self.h // self.kvh
            a = torch.softmax(q @ repeat_kv(k_out, rep).transpose(2, 3) / math.sqrt(self.hd) + mask, -1) @ repeat_kv(v_out, rep)
            x = x + L['o'](a.transpose(1, 2).reshape(b, t, -1))
            x = x + L['mlp'](L['n2'](x))
            out += [k_out, v_out]
        return (self.head(self.norm(x)), *out)


def mpt_inputs():
    b, past, t = 2, 4, 3
    ids, mask = torch.randint(3, 256, (b, t)), torch.ones(b, past + t, dtype=torch.long)
    mask[1, :2] = 0
    kv = []
    for _ in range(2):
        kv += [torch.randn(b, 4, 16, past), torch.randn(b, 4, past, 16)]
    return (ids, mask, *kv)


MODELS = {
    'phi4mini_longrope_past': lambda: (Phi3LongRope().eval(), lm_inputs(2, 16), lm_opts()),
    'granite_past': lambda: (GranitePast().eval(), lm_inputs(2, 16), lm_opts()),
    'olmo2_past': lambda: (Olmo2Past().eval(), lm_inputs(4, 16), lm_opts()),
    'stablelm2_past': lambda: (StableLm2Past().eval(), lm_inputs(2, 16), lm_opts()),
    'falcon_mqa_past': lambda: (FalconPast().eval(), lm_inputs(1, 16), lm_opts()),
    'mpt_alibi_past': lambda: (MptPast().eval(), mpt_inputs(),
                               {**lm_opts(positions=False), 'dynamic': {'input_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'total'},
                                                                        **{n: ({0: 'batch', 3: 'past'} if n.endswith('key') else {0: 'batch', 2: 'past'})
                                                                           for n in past_names()}}}),
    'bart_decoder_step': bart_export,
    'mistral_window_cache': lambda: (MistralWindowCache().eval(), (torch.randint(3, 256, (1, 1)), torch.tensor([10]),
                                                                    *(0.5 * torch.randn(1, 2, 8, 16) for _ in range(4))),
                                     {'names': ['input_ids', 'cache_position'] + [f'{n}_cache.{i}' for i in range(2) for n in ('key', 'value')],
                                      'outputs': ['logits'] + [f'updated_{n}_cache.{i}' for i in range(2) for n in ('key', 'value')], 'opset': 14}),
}
