"""Thirteenth sweep: LLM decoder steps with a KV cache as optimum / transformers write them (random weights, small
widths, batch 2 with a left-padded row): Qwen3 (per-head q / k RMSNorm), Gemma 2 (logit soft-capping, sandwich norms,
sliding-window layers), Gemma 3 (q / k norm, local / global rope bases), Mixtral's sparse MoE (top-2 routing, the
expert loop with torch.where / index_add_), DeepSeek-V2's multi-head latent attention, BLOOM (ALiBi from the mask's
cumsum, its [B·H, dk, T] key cache), OPT (learned positions from the mask's cumsum + 2), GPT-J (interleaved partial
rotary from a sinusoid table gathered by position_ids, parallel attention / MLP) and a static KV cache (transformers'
StaticCache: index_copy_ at cache_position). Models in MODELS, exported by sweep13_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

FMIN = torch.finfo(torch.float32).min


class RMSNorm(nn.Module):
    """LLaMA / Qwen RMSNorm (weight) or Gemma's (1 + weight)."""
    def __init__(self, d, eps=1e-6, plus_one=False):
        super().__init__()
        self.weight = nn.Parameter(0.1 * torch.randn(d) + (0.0 if plus_one else 1.0))
        self.eps, self.plus_one = eps, plus_one

    def forward(self, x):
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return y * (1.0 + self.weight) if self.plus_one else y * self.weight


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope(position_ids, inv_freq):
    freqs = position_ids[:, None, :, None].float() * inv_freq[None, None, None, :]
    emb = torch.cat([freqs, freqs], -1)
    return emb.cos(), emb.sin()


def inv_freq(dk, base=10000.0, factor=1.0):
    return 1.0 / (base ** (torch.arange(0, dk, 2, dtype=torch.float) / dk)) / factor


def masks(attention_mask, t, window=None):
    """transformers' 4-D causal + padding mask with finfo.min; a sliding window masks keys more than `window` back."""
    total = attention_mask.shape[1]
    past = total - t
    q = torch.arange(t)[:, None] + past
    k = torch.arange(total)[None, :]
    blocked = k > q
    if window is not None:
        blocked = blocked | (k <= q - window)
    causal = torch.zeros(t, total).masked_fill(blocked, FMIN)
    pad = (1.0 - attention_mask[:, None, None, :].float()) * FMIN
    return (causal[None, None] + pad).clamp(min=FMIN)


def repeat_kv(x, n):
    b, h, s, d = x.shape
    return x[:, :, None].expand(b, h, n, s, d).reshape(b, h * n, s, d)


class Attn(nn.Module):
    def __init__(self, d, h, kvh, hd, bias=False, qk_norm=None, softcap=None, scale=None, window=None, base=10000.0):
        super().__init__()
        self.h, self.kvh, self.hd, self.softcap, self.window = h, kvh, hd, softcap, window
        self.scale = scale if scale is not None else hd ** -0.5
        self.q, self.k, self.v = nn.Linear(d, h * hd, bias=bias), nn.Linear(d, kvh * hd, bias=bias), nn.Linear(d, kvh * hd, bias=bias)
        self.o = nn.Linear(h * hd, d, bias=False)
        self.q_norm = RMSNorm(hd, plus_one=qk_norm == 'gemma') if qk_norm else None
        self.k_norm = RMSNorm(hd, plus_one=qk_norm == 'gemma') if qk_norm else None
        self.register_buffer('inv_freq', inv_freq(hd, base))

    def forward(self, x, position_ids, past_k, past_v, mask):
        b, t, _ = x.shape
        q = self.q(x).view(b, t, self.h, self.hd)
        k = self.k(x).view(b, t, self.kvh, self.hd)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), self.v(x).view(b, t, self.kvh, self.hd).transpose(1, 2)
        cos, sin = rope(position_ids, self.inv_freq)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
        rep = self.h // self.kvh
        s = q @ repeat_kv(k, rep).transpose(2, 3) * self.scale
        if self.softcap is not None:
            s = torch.tanh(s / self.softcap) * self.softcap
        a = torch.softmax(s + mask, -1, dtype=torch.float32) @ repeat_kv(v, rep)
        return self.o(a.transpose(1, 2).reshape(b, t, -1)), k, v


class GatedMLP(nn.Module):
    def __init__(self, d, ff, act=F.silu):
        super().__init__()
        self.gate, self.up, self.down, self.act = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False), act


    def forward(self, x):
        return self.down(self.act(self.gate(x)) * self.up(x))


def gelu_tanh(x):
    return F.gelu(x, approximate='tanh')


class Block(nn.Module):
    """Pre-norm block; `sandwich` adds Gemma 2 / 3's post-attention and post-feed-forward norms."""
    def __init__(self, d, attn, mlp, sandwich=False, gemma=False):
        super().__init__()
        self.attn, self.mlp, self.sandwich = attn, mlp, sandwich
        self.n1, self.n2 = RMSNorm(d, plus_one=gemma), RMSNorm(d, plus_one=gemma)
        if sandwich:
            self.n1b, self.n2b = RMSNorm(d, plus_one=gemma), RMSNorm(d, plus_one=gemma)

    def forward(self, x, position_ids, pk, pv, masks_by_window):
        a, k, v = self.attn(self.n1(x), position_ids, pk, pv, masks_by_window[self.attn.window])
        x = x + (self.n1b(a) if self.sandwich else a)
        m = self.mlp(self.n2(x))
        return x + (self.n2b(m) if self.sandwich else m), k, v


class DecoderPast(nn.Module):
    """input_ids, attention_mask, position_ids, past_key_values.{i}.key / value → logits, present.{i}.key / value."""
    def __init__(self, blocks, vocab=256, d=64, gemma=False, final_softcap=None, tied=True):
        super().__init__()
        self.emb, self.blocks = nn.Embedding(vocab, d), nn.ModuleList(blocks)
        self.norm = RMSNorm(d, plus_one=gemma)
        self.head = nn.Linear(d, vocab, bias=False)
        if tied:
            self.head.weight = self.emb.weight
        self.gemma, self.final_softcap = gemma, final_softcap

    def forward(self, input_ids, attention_mask, position_ids, *past):
        t = input_ids.shape[1]
        x = self.emb(input_ids)
        if self.gemma:
            x = x * torch.tensor(x.shape[-1] ** 0.5, dtype=x.dtype)
        windows = {blk.attn.window for blk in self.blocks}
        mk = {w: masks(attention_mask, t, w) for w in windows}
        present = []
        for i, blk in enumerate(self.blocks):
            x, k, v = blk(x, position_ids, past[2 * i], past[2 * i + 1], mk)
            present += [k, v]
        logits = self.head(self.norm(x))
        if self.final_softcap is not None:
            logits = torch.tanh(logits / self.final_softcap) * self.final_softcap
        return (logits, *present)


def qwen3():
    return DecoderPast([Block(64, Attn(64, 4, 2, 16, qk_norm='rms', base=1e6), GatedMLP(64, 128)) for _ in range(2)])


def gemma2():
    return DecoderPast([Block(64, Attn(64, 4, 2, 32, qk_norm=None, softcap=50.0, scale=24 ** -0.5, window=4 if i % 2 == 0 else None),
                              GatedMLP(64, 128, gelu_tanh), sandwich=True, gemma=True) for i in range(2)], gemma=True, final_softcap=30.0)


def gemma3():
    return DecoderPast([Block(64, Attn(64, 4, 1, 32, qk_norm='gemma', window=4 if i == 0 else None, base=10000.0 if i == 0 else 1e6),
                              GatedMLP(64, 128, gelu_tanh), sandwich=True, gemma=True) for i in range(2)], gemma=True)


# --- Mixtral's sparse MoE block as transformers writes it (the expert loop, torch.where, index_add_) ---

class SparseMoE(nn.Module):
    def __init__(self, d=64, ff=96, experts=4, top_k=2):
        super().__init__()
        self.gate = nn.Linear(d, experts, bias=False)
        self.experts = nn.ModuleList(GatedMLP(d, ff) for _ in range(experts))
        self.top_k, self.n = top_k, experts

    def forward(self, hidden_states):
        b, s, d = hidden_states.shape
        hidden_states = hidden_states.view(-1, d)
        routing_weights = F.softmax(self.gate(hidden_states), dim=1, dtype=torch.float)
        routing_weights, selected_experts = torch.topk(routing_weights, self.top_k, dim=-1)
        routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
        final = torch.zeros((b * s, d), dtype=hidden_states.dtype)
        expert_mask = F.one_hot(selected_experts, num_classes=self.n).permute(2, 1, 0)
        for expert_idx in range(self.n):
            idx, top_x = torch.where(expert_mask[expert_idx])
            current_state = hidden_states[None, top_x].reshape(-1, d)
            current = self.experts[expert_idx](current_state) * routing_weights[top_x, idx, None]
            final.index_add_(0, top_x, current.to(hidden_states.dtype))
        return final.reshape(b, s, d)


def mixtral():
    return DecoderPast([Block(64, Attn(64, 4, 2, 16, base=1e6), SparseMoE()) for _ in range(2)], tied=False)


# --- DeepSeek-V2 multi-head latent attention (q LoRA, compressed kv + a shared rope key, interleaved rope) ---

class MLA(nn.Module):
    def __init__(self, d=64, h=4, q_lora=32, kv_lora=32, nope=16, rope_d=8, vd=16):
        super().__init__()
        self.h, self.nope, self.rope_d, self.vd, self.kv_lora = h, nope, rope_d, vd, kv_lora
        self.window = None
        self.q_a, self.q_a_norm, self.q_b = nn.Linear(d, q_lora, bias=False), RMSNorm(q_lora), nn.Linear(q_lora, h * (nope + rope_d), bias=False)
        self.kv_a = nn.Linear(d, kv_lora + rope_d, bias=False)
        self.kv_a_norm, self.kv_b = RMSNorm(kv_lora), nn.Linear(kv_lora, h * (nope + vd), bias=False)
        self.o = nn.Linear(h * vd, d, bias=False)
        self.scale = (nope + rope_d) ** -0.5
        self.register_buffer('inv_freq', inv_freq(rope_d))

    @staticmethod
    def rot(x, cos, sin):  # DeepseekV2's apply_rotary_pos_emb: pairs de-interleaved first
        b, h, s, d = x.shape
        x = x.view(b, h, s, d // 2, 2).transpose(4, 3).reshape(b, h, s, d)
        return x * cos + rotate_half(x) * sin

    def forward(self, x, position_ids, past_k, past_v, mask):
        b, t, _ = x.shape
        q = self.q_b(self.q_a_norm(self.q_a(x))).view(b, t, self.h, -1).transpose(1, 2)
        q_nope, q_pe = torch.split(q, [self.nope, self.rope_d], dim=-1)
        ckv = self.kv_a(x)
        ckv, k_pe = torch.split(ckv, [self.kv_lora, self.rope_d], dim=-1)
        k_pe = k_pe.view(b, t, 1, self.rope_d).transpose(1, 2)
        kv = self.kv_b(self.kv_a_norm(ckv)).view(b, t, self.h, self.nope + self.vd).transpose(1, 2)
        k_nope, v = torch.split(kv, [self.nope, self.vd], dim=-1)
        cos, sin = rope(position_ids, self.inv_freq)
        q_pe, k_pe = self.rot(q_pe, cos, sin), self.rot(k_pe, cos, sin)
        q = torch.cat([q_nope, q_pe], -1)
        k = torch.cat([k_nope, k_pe.expand(b, self.h, t, self.rope_d)], -1)
        k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
        a = torch.softmax(q @ k.transpose(2, 3) * self.scale + mask, -1, dtype=torch.float32) @ v
        return self.o(a.transpose(1, 2).reshape(b, t, -1)), k, v


def deepseek_mla():
    return DecoderPast([Block(64, MLA(), GatedMLP(64, 128)) for _ in range(2)], tied=False)


def past_names(layers=2):
    return [f'past_key_values.{i}.{kv}' for i in range(layers) for kv in ('key', 'value')]


def present_names(layers=2):
    return [f'present.{i}.{kv}' for i in range(layers) for kv in ('key', 'value')]


def lm_inputs(kvh, kd, vd=None, b=2, past=4, t=3, layers=2, positions=True):
    ids = torch.randint(3, 256, (b, t))
    mask = torch.ones(b, past + t, dtype=torch.long)
    mask[1, :2] = 0
    pos = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)[:, -t:]
    kv = [torch.randn(b, kvh, past, d) for _ in range(layers) for d in (kd, vd or kd)]
    return (ids, mask, pos, *kv) if positions else (ids, mask, *kv)


def lm_opts(positions=True, opset=14, layers=2, past_axes=None):
    names = ['input_ids', 'attention_mask'] + (['position_ids'] if positions else []) + past_names(layers)
    dyn = {'input_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'total'}}
    if positions:
        dyn['position_ids'] = {0: 'batch', 1: 'seq'}
    dyn.update({n: past_axes or {0: 'batch', 2: 'past'} for n in past_names(layers)})
    return {'names': names, 'outputs': ['logits'] + present_names(layers), 'opset': opset, 'dynamic': dyn}


# --- BLOOM: ALiBi built from the attention mask, fused qkv per head, its [B·H, dk, past] key cache ---

def bloom_slopes(h):
    p = 2 ** math.floor(math.log2(h))
    base = 2 ** (-(2 ** -(math.log2(p) - 3)))
    return torch.tensor([base ** i for i in range(1, p + 1)], dtype=torch.float32)


class BloomPast(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, layers=2):
        super().__init__()
        self.h, self.hd = h, d // h
        self.emb, self.emb_ln = nn.Embedding(vocab, d), nn.LayerNorm(d)
        self.L = nn.ModuleList(nn.ModuleDict({'ln1': nn.LayerNorm(d), 'qkv': nn.Linear(d, 3 * d), 'dense': nn.Linear(d, d), 'ln2': nn.LayerNorm(d),
                                              'up': nn.Linear(d, 4 * d), 'down': nn.Linear(4 * d, d)}) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer('slopes', bloom_slopes(h))

    @staticmethod
    def gelu(x):
        return x * 0.5 * (1.0 + torch.tanh(0.79788456 * x * (1 + 0.044715 * x * x)))

    def forward(self, input_ids, attention_mask, *past):
        b, t = input_ids.shape
        total = attention_mask.shape[1]
        arange = ((attention_mask.cumsum(-1) - 1) * attention_mask)[:, None, :]
        alibi = (self.slopes[..., None] * arange).reshape(b * self.h, 1, total)
        causal = torch.ones(t, total, dtype=torch.bool).triu(total - t + 1)
        blocked = causal[None, None] | (attention_mask[:, None, None, :] < 0.5)
        x = self.emb_ln(self.emb(input_ids))
        present = []
        for i, L in enumerate(self.L):
            h = L['ln1'](x)
            fused = L['qkv'](h).view(b, t, self.h, 3, self.hd)
            q = fused[..., 0, :].transpose(1, 2).reshape(b * self.h, t, self.hd)
            k = fused[..., 1, :].permute(0, 2, 3, 1).reshape(b * self.h, self.hd, t)
            v = fused[..., 2, :].transpose(1, 2).reshape(b * self.h, t, self.hd)
            k, v = torch.cat([past[2 * i], k], 2), torch.cat([past[2 * i + 1], v], 1)
            present += [k, v]
            s = alibi.baddbmm(batch1=q, batch2=k, beta=1.0, alpha=1.0 / math.sqrt(self.hd)).view(b, self.h, t, total)
            p = torch.softmax(s.masked_fill(blocked, FMIN), -1, dtype=torch.float32).view(b * self.h, t, total)
            a = torch.bmm(p, v).view(b, self.h, t, self.hd).permute(0, 2, 1, 3).reshape(b, t, -1)
            x = x + L['dense'](a)
            x = x + L['down'](self.gelu(L['up'](L['ln2'](x))))
        return (F.linear(self.ln_f(x), self.emb.weight), *present)


def bloom_inputs(b=2, past=4, t=3, h=4, hd=16):
    ids, mask, *_ = lm_inputs(2, hd, b=b, past=past, t=t, positions=False)
    return (ids, mask, *(z for _ in range(2) for z in (torch.randn(b * h, hd, past), torch.randn(b * h, past, hd))))


# --- OPT: learned positions from the mask's cumsum offset by 2, pre-LN, ReLU ---

class OptPast(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, layers=2, max_pos=64):
        super().__init__()
        self.h, self.hd = h, d // h
        self.emb, self.pos = nn.Embedding(vocab, d), nn.Embedding(max_pos + 2, d)
        self.L = nn.ModuleList(nn.ModuleDict({'ln1': nn.LayerNorm(d), 'q': nn.Linear(d, d), 'k': nn.Linear(d, d), 'v': nn.Linear(d, d), 'o': nn.Linear(d, d),
                                              'ln2': nn.LayerNorm(d), 'fc1': nn.Linear(d, 4 * d), 'fc2': nn.Linear(4 * d, d)}) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, input_ids, attention_mask, *past):
        b, t = input_ids.shape
        past_len = attention_mask.shape[1] - t
        positions = (torch.cumsum(attention_mask, dim=1).type_as(attention_mask) * attention_mask).long() - 1
        positions = positions[:, past_len:]
        x = self.emb(input_ids) + self.pos(positions + 2)
        mask = masks(attention_mask, t)
        present = []
        for i, L in enumerate(self.L):
            h = L['ln1'](x)
            q = (L['q'](h) * self.hd ** -0.5).view(b, t, self.h, self.hd).transpose(1, 2)
            k = torch.cat([past[2 * i], L['k'](h).view(b, t, self.h, self.hd).transpose(1, 2)], 2)
            v = torch.cat([past[2 * i + 1], L['v'](h).view(b, t, self.h, self.hd).transpose(1, 2)], 2)
            present += [k, v]
            a = torch.softmax(q @ k.transpose(2, 3) + mask, -1) @ v
            x = x + L['o'](a.transpose(1, 2).reshape(b, t, -1))
            x = x + L['fc2'](F.relu(L['fc1'](L['ln2'](x))))
        return (F.linear(self.ln_f(x), self.emb.weight), *present)


# --- GPT-J: a sinusoid table gathered by position_ids, rotate_every_two on the first rotary_dim, parallel block ---

def rotate_every_two(x):
    x1, x2 = x[:, :, :, ::2], x[:, :, :, 1::2]
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


class GptjPast(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, layers=2, rot=8, max_pos=64):
        super().__init__()
        self.h, self.hd, self.rot = h, d // h, rot
        self.emb = nn.Embedding(vocab, d)
        self.L = nn.ModuleList(nn.ModuleDict({'ln': nn.LayerNorm(d), 'q': nn.Linear(d, d, bias=False), 'k': nn.Linear(d, d, bias=False),
                                              'v': nn.Linear(d, d, bias=False), 'o': nn.Linear(d, d, bias=False),
                                              'fc_in': nn.Linear(d, 4 * d), 'fc_out': nn.Linear(4 * d, d)}) for _ in range(layers))
        self.ln_f, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)
        inv = 1.0 / (10000 ** (torch.arange(0, rot, 2, dtype=torch.float) / rot))
        sinusoid = torch.einsum('i , j -> i j', torch.arange(max_pos, dtype=torch.float), inv)
        self.register_buffer('embed_positions', torch.cat((torch.sin(sinusoid), torch.cos(sinusoid)), dim=1))

    def apply_rot(self, x, sin, cos):
        sin = torch.repeat_interleave(sin[:, :, None, :], 2, 3)
        cos = torch.repeat_interleave(cos[:, :, None, :], 2, 3)
        return (x * cos) + (rotate_every_two(x) * sin)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t = input_ids.shape
        sincos = self.embed_positions[position_ids]
        sin, cos = torch.split(sincos, sincos.shape[-1] // 2, dim=-1)
        mask = masks(attention_mask, t)
        x = self.emb(input_ids)
        present = []
        for i, L in enumerate(self.L):
            h = L['ln'](x)
            q, k, v = (L[n](h).view(b, t, self.h, self.hd) for n in 'qkv')
            q = torch.cat([self.apply_rot(q[..., :self.rot], sin, cos), q[..., self.rot:]], -1).permute(0, 2, 1, 3)
            k = torch.cat([self.apply_rot(k[..., :self.rot], sin, cos), k[..., self.rot:]], -1).permute(0, 2, 1, 3)
            k, v = torch.cat([past[2 * i], k], 2), torch.cat([past[2 * i + 1], v.permute(0, 2, 1, 3)], 2)
            present += [k, v]
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd) + mask, -1) @ v
            x = x + L['o'](a.permute(0, 2, 1, 3).reshape(b, t, -1)) + L['fc_out'](F.gelu(L['fc_in'](h), approximate='tanh'))
        return (self.head(self.ln_f(x)), *present)


# --- a static KV cache (transformers' StaticCache, ExecuTorch / LiteRT-style exports): fixed [B, kvH, max_len, dk]
# caches updated in place by index_copy_ at cache_position, the mask from cache_position against arange(max_len) ---

class StaticCacheLlama(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, kvh=2, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, Attn(d, h, kvh, d // h, base=500000.0), GatedMLP(d, 128)) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids, cache_position, *cache):
        b, t = input_ids.shape
        max_len = cache[0].shape[2]
        position_ids = cache_position[None].expand(b, t)
        blocked = torch.arange(max_len)[None, :] > cache_position[:, None]
        mask = torch.zeros(t, max_len).masked_fill(blocked, FMIN)[None, None]
        x = self.emb(input_ids)
        out = []
        for i, blk in enumerate(self.blocks):
            kc, vc = cache[2 * i].clone(), cache[2 * i + 1].clone()
            h = blk.n1(x)
            at = blk.attn
            q = at.q(h).view(b, t, at.h, at.hd).transpose(1, 2)
            k = at.k(h).view(b, t, at.kvh, at.hd).transpose(1, 2)
            v = at.v(h).view(b, t, at.kvh, at.hd).transpose(1, 2)
            cos, sin = rope(position_ids, at.inv_freq)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            kc.index_copy_(2, cache_position, k)
            vc.index_copy_(2, cache_position, v)
            rep = at.h // at.kvh
            a = torch.softmax(q @ repeat_kv(kc, rep).transpose(2, 3) * at.scale + mask, -1) @ repeat_kv(vc, rep)
            x = x + at.o(a.transpose(1, 2).reshape(b, t, -1))
            x = x + blk.mlp(blk.n2(x))
            out += [kc, vc]
        return (self.head(self.norm(x)), *out)


MODELS = {
    'qwen3_past': lambda: (qwen3().eval(), lm_inputs(2, 16), lm_opts()),
    'gemma2_past': lambda: (gemma2().eval(), lm_inputs(2, 32), lm_opts()),
    'gemma3_past': lambda: (gemma3().eval(), lm_inputs(1, 32), lm_opts()),
    'mixtral_moe_past': lambda: (mixtral().eval(), lm_inputs(2, 16), lm_opts()),
    'deepseek_mla_past': lambda: (deepseek_mla().eval(), lm_inputs(4, 24, 16), lm_opts()),
    'bloom_alibi_past': lambda: (BloomPast().eval(), bloom_inputs(),
                                 {**lm_opts(positions=False), 'dynamic': {'input_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'total'},
                                                                          **{n: ({0: 'batch_x_heads', 2: 'past'} if n.endswith('key') else {0: 'batch_x_heads', 1: 'past'}) for n in past_names()}}}),
    'opt_past': lambda: (OptPast().eval(), lm_inputs(4, 16, positions=False), lm_opts(positions=False)),
    'llama_static_cache': lambda: (StaticCacheLlama().eval(), (torch.randint(3, 256, (1, 3)), torch.tensor([4, 5, 6]),
                                                                *(0.5 * torch.randn(1, 2, 16, 16) for _ in range(4))),
                                   {'names': ['input_ids', 'cache_position'] + [f'{n}_cache.{i}' for i in range(2) for n in ('key', 'value')],
                                    'outputs': ['logits'] + [f'updated_{n}_cache.{i}' for i in range(2) for n in ('key', 'value')], 'opset': 14,
                                    'dynamic': {'input_ids': {1: 'seq'}, 'cache_position': {0: 'seq'}}}),
    'gptj_past': lambda: (GptjPast().eval(), lm_inputs(4, 16), lm_opts()),
}
