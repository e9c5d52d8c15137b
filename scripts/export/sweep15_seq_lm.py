"""Fifteenth sweep: decoder steps and causal sequence models not tried in the fourteen earlier sweeps, as their projects'
inference code writes them (random weights, small widths, batch 2 with a left-padded row where there is a mask):
ChatGLM3 (sequence-first [S, B, G, d] caches, fused query_key_value with multi-query groups, 2-D RoPE on half of each
head as interleaved pairs from a rope cache gathered by position_ids, boolean mask filled with -inf), Cohere Command-R
(LayerNorm without bias centred in float, per-head q / k LayerNorms, interleaved rotary (repeat_interleave as stack), parallel
attention + MLP, logit_scale), MobileLLM-LS (deep-thin LLaMA with block-wise weight sharing: each block runs twice, each
run with its own cache), MusicGen's decoder step (4 codebooks' embeddings summed, cos-first sinusoidal positions at the
past length, pre-LN self + cross attention with caches, one LM head per codebook), the SpeechT5 TTS decoder step
(speech prenet, scaled positional encoding, L2-normalised speaker embedding concatenated, post-LN decoder, mel frames
and stop logits for the reduction factor), Lag-Llama (mean scaler, lagged values gathered by slices, log-scale
features, LLaMA blocks, Student-t head) and a Jamba prefill (Mamba layers with dt / B / C RMSNorms and an unrolled
selective scan, grouped-query attention without position encoding, top-2 MoE). Models in MODELS, exported by
sweep15_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep13_seq_lm import FMIN, RMSNorm, GatedMLP, rotate_half, masks, repeat_kv, lm_inputs, lm_opts, past_names, present_names, inv_freq


# --- ChatGLM3: [S, B, G, d] caches, multi-query groups, rotary on half of each head as interleaved pairs ---

class ChatGlm3Past(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, groups=2, layers=2, ffn=96, seq_len=64):
        super().__init__()
        self.h, self.g, self.hd = h, groups, d // h
        self.word_embeddings = nn.Embedding(vocab, d)
        self.L = nn.ModuleList(nn.ModuleDict({'input_layernorm': RMSNorm(d, 1e-5), 'query_key_value': nn.Linear(d, d + 2 * groups * self.hd),
                                              'dense': nn.Linear(d, d, bias=False), 'post_attention_layernorm': RMSNorm(d, 1e-5),
                                              'dense_h_to_4h': nn.Linear(d, 2 * ffn, bias=False), 'dense_4h_to_h': nn.Linear(ffn, d, bias=False)})
                               for _ in range(layers))
        self.final_layernorm = RMSNorm(d, 1e-5)
        self.output_layer = nn.Linear(d, vocab, bias=False)
        # RotaryEmbedding(kv_channels // 2): a [seq_len, dim / 4, 2] cache of (cos, sin)
        dim = self.hd // 2
        theta = 1.0 / (10000 ** (torch.arange(0, dim, 2, dtype=torch.float) / dim))
        idx_theta = torch.outer(torch.arange(seq_len, dtype=torch.float), theta)
        self.register_buffer('rope_cache', torch.stack([torch.cos(idx_theta), torch.sin(idx_theta)], -1))

    @staticmethod
    def apply_rotary(x, rope_cache):
        sq, b, np_, hn = x.shape
        rot_dim = rope_cache.shape[-2] * 2
        x, x_pass = x[..., :rot_dim], x[..., rot_dim:]
        rope_cache = rope_cache[:sq]
        xshaped = x.reshape(sq, -1, np_, rot_dim // 2, 2)
        rope_cache = rope_cache.view(sq, -1, 1, xshaped.size(3), 2)
        x_out2 = torch.stack([xshaped[..., 0] * rope_cache[..., 0] - xshaped[..., 1] * rope_cache[..., 1],
                              xshaped[..., 1] * rope_cache[..., 0] + xshaped[..., 0] * rope_cache[..., 1]], -1)
        return torch.cat((x_out2.flatten(3), x_pass), dim=-1)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t = input_ids.shape
        s = attention_mask.shape[1]
        x = self.word_embeddings(input_ids).transpose(0, 1)  # [S, B, D]
        rope = self.rope_cache[position_ids].transpose(0, 1).contiguous()  # [t, B, dim/4, 2]
        # get_masks with a past: tril of the new rows, the past all visible, times padding; True = blocked
        full = torch.tril(torch.ones(t, t))
        full = torch.cat([torch.ones(t, s - t), full], -1)[None] * attention_mask[:, None, :].float()
        blocked = (full < 0.5).unsqueeze(1)
        present = []
        for i, L in enumerate(self.L):
            qkv = L['query_key_value'](L['input_layernorm'](x))
            q, k, v = qkv.split([self.h * self.hd, self.g * self.hd, self.g * self.hd], dim=-1)
            q = q.view(t, b, self.h, self.hd)
            k = k.view(t, b, self.g, self.hd)
            v = v.view(t, b, self.g, self.hd)
            q, k = self.apply_rotary(q, rope), self.apply_rotary(k, rope)
            k, v = torch.cat((past[2 * i], k), dim=0), torch.cat((past[2 * i + 1], v), dim=0)
            present += [k, v]
            rep = self.h // self.g
            kk = k.unsqueeze(-2).expand(-1, -1, -1, rep, -1).contiguous().view(s, b, self.h, self.hd)
            vv = v.unsqueeze(-2).expand(-1, -1, -1, rep, -1).contiguous().view(s, b, self.h, self.hd)
            qh, kh, vh = (z.permute(1, 2, 0, 3) for z in (q, kk, vv))
            coeff = float(i + 1)  # apply_query_key_layer_scaling
            scores = (qh / (math.sqrt(self.hd) * coeff)) @ kh.transpose(2, 3) * coeff
            scores = scores.float().masked_fill(blocked, float('-inf'))
            ctx = torch.softmax(scores, dim=-1) @ vh  # [B, H, t, d]
            ctx = ctx.permute(2, 0, 1, 3).reshape(t, b, self.h * self.hd)
            x = x + L['dense'](ctx)
            a, g = L['dense_h_to_4h'](L['post_attention_layernorm'](x)).chunk(2, dim=-1)
            x = x + L['dense_4h_to_h'](F.silu(a) * g)
        logits = self.output_layer(self.final_layernorm(x)).transpose(0, 1).contiguous()
        return (logits, *present)


def chatglm_inputs(b=2, past=4, t=3, g=2, hd=16):
    ids, mask, pos, *_ = lm_inputs(g, hd, b=b, past=past, t=t)
    return (ids, mask, pos, *[torch.randn(past, b, g, hd) for _ in range(4)])


# --- Cohere Command-R: LayerNorm without bias, per-head q / k norms, interleaved rotary, parallel block ---

class CohereLayerNorm(nn.Module):
    def __init__(self, shape, eps=1e-5):
        super().__init__()
        self.weight, self.eps = nn.Parameter(1.0 + 0.1 * torch.randn(shape)), eps

    def forward(self, x):
        x = x.to(torch.float32)
        mean = x.mean(-1, keepdim=True)
        var = (x - mean).pow(2).mean(-1, keepdim=True)
        return self.weight * ((x - mean) * torch.rsqrt(var + self.eps))


def rotate_interleaved(x):
    x1, x2 = x[..., ::2], x[..., 1::2]
    return torch.stack([-x2, x1], dim=-1).flatten(-2)


class CoherePast(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, kvh=2, layers=2, ff=128, logit_scale=0.0625):
        super().__init__()
        self.h, self.kvh, self.hd, self.logit_scale = h, kvh, d // h, logit_scale
        self.embed_tokens = nn.Embedding(vocab, d)
        self.L = nn.ModuleList(nn.ModuleDict({'input_layernorm': CohereLayerNorm(d), 'q': nn.Linear(d, d, bias=False),
                                              'k': nn.Linear(d, kvh * self.hd, bias=False), 'v': nn.Linear(d, kvh * self.hd, bias=False),
                                              'o': nn.Linear(d, d, bias=False), 'q_norm': CohereLayerNorm((h, self.hd)),
                                              'k_norm': CohereLayerNorm((kvh, self.hd)), 'mlp': GatedMLP(d, ff)}) for _ in range(layers))
        self.norm = CohereLayerNorm(d)
        self.register_buffer('inv_freq', inv_freq(self.hd, 8e6))

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t = input_ids.shape
        x = self.embed_tokens(input_ids)
        mask = masks(attention_mask, t)
        freqs = position_ids[:, :, None].float() * self.inv_freq[None, None, :]
        # transformers: torch.repeat_interleave(freqs, 2, dim=-1). torch 1.13 exports it without a rank, and every
        # negative dim after it (stack, flatten, softmax, reshape -1) is then written against a wrong rank: an invalid
        # model onnxruntime refuses (the converter refuses it in one line). The same values by stack + reshape:
        emb = torch.stack([freqs, freqs], dim=-1).reshape(b, t, -1)
        cos, sin = emb.cos().unsqueeze(1), emb.sin().unsqueeze(1)
        present = []
        for i, L in enumerate(self.L):
            hcur = L['input_layernorm'](x)
            q = L['q_norm'](L['q'](hcur).view(b, t, self.h, self.hd)).transpose(1, 2)
            k = L['k_norm'](L['k'](hcur).view(b, t, self.kvh, self.hd)).transpose(1, 2)
            v = L['v'](hcur).view(b, t, self.kvh, self.hd).transpose(1, 2)
            q, k = q * cos + rotate_interleaved(q) * sin, k * cos + rotate_interleaved(k) * sin
            k, v = torch.cat([past[2 * i], k], 2), torch.cat([past[2 * i + 1], v], 2)
            present += [k, v]
            rep = self.h // self.kvh
            a = torch.softmax(q @ repeat_kv(k, rep).transpose(2, 3) / math.sqrt(self.hd) + mask, -1) @ repeat_kv(v, rep)
            x = x + L['o'](a.transpose(1, 2).reshape(b, t, -1)) + L['mlp'](hcur)
        logits = F.linear(self.norm(x), self.embed_tokens.weight) * self.logit_scale
        return (logits, *present)


# --- MobileLLM-LS: deep-thin LLaMA, each block run twice in a row (shared weights, one cache per run) ---

class MobileLlmLs(nn.Module):
    def __init__(self, vocab=256, d=48, h=6, kvh=2, blocks=2, repeat=2, ff=128):
        super().__init__()
        self.h, self.kvh, self.hd, self.repeat = h, kvh, d // h, repeat
        self.embed_tokens = nn.Embedding(vocab, d)
        self.L = nn.ModuleList(nn.ModuleDict({'n1': RMSNorm(d, 1e-5), 'q': nn.Linear(d, d, bias=False), 'k': nn.Linear(d, kvh * self.hd, bias=False),
                                              'v': nn.Linear(d, kvh * self.hd, bias=False), 'o': nn.Linear(d, d, bias=False),
                                              'n2': RMSNorm(d, 1e-5), 'mlp': GatedMLP(d, ff)}) for _ in range(blocks))
        self.norm = RMSNorm(d, 1e-5)
        self.register_buffer('inv_freq', inv_freq(self.hd))

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t = input_ids.shape
        x = self.embed_tokens(input_ids)
        mask = masks(attention_mask, t)
        freqs = position_ids[:, None, :, None].float() * self.inv_freq[None, None, None, :]
        emb = torch.cat([freqs, freqs], -1)
        cos, sin = emb.cos(), emb.sin()
        present, j = [], 0
        for L in self.L:
            for _ in range(self.repeat):
                hcur = L['n1'](x)
                q = L['q'](hcur).view(b, t, self.h, self.hd).transpose(1, 2)
                k = L['k'](hcur).view(b, t, self.kvh, self.hd).transpose(1, 2)
                v = L['v'](hcur).view(b, t, self.kvh, self.hd).transpose(1, 2)
                q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
                k, v = torch.cat([past[2 * j], k], 2), torch.cat([past[2 * j + 1], v], 2)
                present += [k, v]
                j += 1
                rep = self.h // self.kvh
                a = torch.softmax(q @ repeat_kv(k, rep).transpose(2, 3) / math.sqrt(self.hd) + mask, -1) @ repeat_kv(v, rep)
                x = x + L['o'](a.transpose(1, 2).reshape(b, t, -1))
                x = x + L['mlp'](L['n2'](x))
        return (F.linear(self.norm(x), self.embed_tokens.weight), *present)


# --- encoder-decoder steps (optimum's decoder_with_past: self cache grows, cross cache `.encoder.` read) ---

class CachedSteps(nn.Module):
    """The cached self-attention and cross-attention of one decoder step, q scaled before the scores (BART-style)."""
    def heads(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.h, self.hd).transpose(1, 2)

    def self_step(self, A, x, pk, pv):
        b, t, _ = x.shape
        q = self.heads(A['q'](x) * self.hd ** -0.5)
        k, v = torch.cat([pk, self.heads(A['k'](x))], 2), torch.cat([pv, self.heads(A['v'](x))], 2)
        a = torch.softmax(q @ k.transpose(2, 3), -1) @ v  # one new frame: sees every cached one
        return A['o'](a.transpose(1, 2).reshape(b, t, -1)), k, v

    def cross_step(self, C, x, ek, ev, enc_bias):
        b, t, _ = x.shape
        q = self.heads(C['q'](x) * self.hd ** -0.5)
        a = torch.softmax(q @ ek.transpose(2, 3) + enc_bias, -1) @ ev
        return C['o'](a.transpose(1, 2).reshape(b, t, -1))


def enc_dec_export(model, firsts, first_names, first_dyn, first_outs, b=2, past=4, enc=10, valid=7):
    """Inputs (firsts, encoder_attention_mask with row 1 padded after `valid`, 2 layers of decoder / encoder caches),
    names, dynamic axes and outputs as optimum writes a decoder_with_past."""
    kv = []
    for _ in range(2):
        kv += [torch.randn(b, 4, past, 16), torch.randn(b, 4, past, 16), torch.randn(b, 4, enc, 16), torch.randn(b, 4, enc, 16)]
    mask = torch.ones(b, enc, dtype=torch.long)
    mask[1, valid:] = 0
    names = first_names + ['encoder_attention_mask'] + [f'past_key_values.{i}.{s}.{n}' for i in range(2) for s in ('decoder', 'encoder') for n in ('key', 'value')]
    dyn = {**first_dyn, 'encoder_attention_mask': {0: 'batch', 1: 'enc'}}
    for n in names[len(first_names) + 1:]:
        dyn[n] = {0: 'batch', 2: 'past' if '.decoder.' in n else 'enc'}
    outs = first_outs + [f'present.{i}.decoder.{n}' for i in range(2) for n in ('key', 'value')]
    return model.eval(), (*firsts, mask, *kv), {'names': names, 'outputs': outs, 'opset': 14, 'dynamic': dyn}


# --- MusicGen decoder step: codebook embeddings summed, cos-first sinusoids, self + cross caches, a head per codebook ---

def musicgen_sinusoids(n, d):
    half = d // 2
    emb = math.log(10000) / (half - 1)
    emb = torch.exp(torch.arange(half, dtype=torch.float) * -emb)
    emb = torch.arange(n, dtype=torch.float).unsqueeze(1) * emb.unsqueeze(0)
    return torch.cat([torch.cos(emb), torch.sin(emb)], dim=1)


class MusicgenStep(CachedSteps):
    def __init__(self, vocab=65, d=64, h=4, layers=2, codebooks=4, max_pos=64):
        super().__init__()
        self.h, self.hd, self.cb = h, d // h, codebooks
        self.embed_tokens = nn.ModuleList(nn.Embedding(vocab, d) for _ in range(codebooks))
        self.register_buffer('weights', musicgen_sinusoids(max_pos, d))
        mk = lambda: nn.ModuleDict({'q': nn.Linear(d, d, bias=False), 'k': nn.Linear(d, d, bias=False), 'v': nn.Linear(d, d, bias=False),  # noqa: E731
                                    'o': nn.Linear(d, d, bias=False)})
        self.L = nn.ModuleList(nn.ModuleDict({'self_attn': mk(), 'self_attn_layer_norm': nn.LayerNorm(d), 'encoder_attn': mk(),
                                              'encoder_attn_layer_norm': nn.LayerNorm(d), 'fc1': nn.Linear(d, 4 * d, bias=False),
                                              'fc2': nn.Linear(4 * d, d, bias=False), 'final_layer_norm': nn.LayerNorm(d)}) for _ in range(layers))
        self.layer_norm = nn.LayerNorm(d)
        self.lm_heads = nn.ModuleList(nn.Linear(d, vocab, bias=False) for _ in range(codebooks))

    def forward(self, input_ids, encoder_attention_mask, *past):
        bc, t = input_ids.shape
        ids = input_ids.reshape(-1, self.cb, t)
        x = sum(self.embed_tokens[c](ids[:, c]) for c in range(self.cb))
        past_len = past[0].shape[2]
        x = x + self.weights.index_select(0, torch.arange(t) + past_len)[None]
        enc_bias = (1.0 - encoder_attention_mask[:, None, None, :].float()) * FMIN
        present = []
        for i, L in enumerate(self.L):
            pk, pv, ek, ev = past[4 * i: 4 * i + 4]
            a, k, v = self.self_step(L['self_attn'], L['self_attn_layer_norm'](x), pk, pv)
            present += [k, v]
            x = x + a
            x = x + self.cross_step(L['encoder_attn'], L['encoder_attn_layer_norm'](x), ek, ev, enc_bias)
            x = x + L['fc2'](F.gelu(L['fc1'](L['final_layer_norm'](x))))
        hcur = self.layer_norm(x)
        logits = torch.stack([head(hcur) for head in self.lm_heads], dim=1)  # [B, codebooks, t, vocab]
        return (logits.reshape(-1, t, logits.shape[-1]), *present)


def musicgen_export():
    return enc_dec_export(MusicgenStep(), (torch.randint(0, 65, (8, 1)),), ['input_ids'], {'input_ids': {0: 'batch_x_codebooks'}}, ['logits'],
                          past=5, enc=12, valid=9)


# --- SpeechT5 TTS decoder step: speech prenet, scaled positions, speaker embedding, post-LN decoder, mel + stop ---

class SpeechT5Step(CachedSteps):
    def __init__(self, mel=16, d=64, h=4, layers=2, units=32, spk=32, reduction=2, max_pos=64):
        super().__init__()
        self.h, self.hd, self.mel, self.r = h, d // h, mel, reduction
        self.prenet = nn.ModuleList([nn.Linear(mel, units), nn.Linear(units, units)])  # consistent dropout left out: random at inference
        self.final_layer = nn.Linear(units, d)
        pe = torch.zeros(max_pos, d)
        pos = torch.arange(max_pos).unsqueeze(1).float()
        div = torch.exp(torch.arange(0, d, 2).float() * -(math.log(10000.0) / d))
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer('pe', pe.unsqueeze(0))
        self.alpha = nn.Parameter(torch.tensor(1.3))
        self.speaker_embeds_layer = nn.Linear(spk + d, d)
        mk = lambda: nn.ModuleDict({'q': nn.Linear(d, d), 'k': nn.Linear(d, d), 'v': nn.Linear(d, d), 'o': nn.Linear(d, d)})  # noqa: E731
        self.L = nn.ModuleList(nn.ModuleDict({'self_attn': mk(), 'self_attn_layer_norm': nn.LayerNorm(d), 'encoder_attn': mk(),
                                              'encoder_attn_layer_norm': nn.LayerNorm(d), 'fc1': nn.Linear(d, 4 * d), 'fc2': nn.Linear(4 * d, d),
                                              'final_layer_norm': nn.LayerNorm(d)}) for _ in range(layers))
        self.feat_out = nn.Linear(d, mel * reduction)
        self.prob_out = nn.Linear(d, reduction)

    def forward(self, output_sequence, speaker_embeddings, encoder_attention_mask, *past):
        b, t, _ = output_sequence.shape
        x = output_sequence
        for lin in self.prenet:
            x = F.relu(lin(x))
        x = self.final_layer(x)
        past_len = past[0].shape[2]
        x = x + self.alpha * self.pe[:, past_len: past_len + t]
        spk = F.normalize(speaker_embeddings)
        x = F.relu(self.speaker_embeds_layer(torch.cat([x, spk.unsqueeze(1).expand(-1, t, -1)], dim=-1)))
        enc_bias = (1.0 - encoder_attention_mask[:, None, None, :].float()) * FMIN
        present = []
        for i, L in enumerate(self.L):
            pk, pv, ek, ev = past[4 * i: 4 * i + 4]
            a, k, v = self.self_step(L['self_attn'], x, pk, pv)
            present += [k, v]
            x = L['self_attn_layer_norm'](x + a)
            x = L['encoder_attn_layer_norm'](x + self.cross_step(L['encoder_attn'], x, ek, ev, enc_bias))
            x = L['final_layer_norm'](x + L['fc2'](F.gelu(L['fc1'](x))))
        last = x[:, -1]
        spectrum = self.feat_out(last).view(b, self.r, self.mel)
        prob = torch.sigmoid(self.prob_out(last))
        return (spectrum, prob, *present)


def speecht5_export():
    return enc_dec_export(SpeechT5Step(), (torch.randn(2, 1, 16), torch.randn(2, 32)), ['output_sequence', 'speaker_embeddings'],
                          {'output_sequence': {0: 'batch'}, 'speaker_embeddings': {0: 'batch'}}, ['spectrum', 'prob'], valid=6)


# --- Lag-Llama: mean scaler, lags by slices, LLaMA blocks, Student-t head ---

class LagLlama(nn.Module):
    def __init__(self, context=32, lags=(1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 24, 28, 30, 48), d=64, h=4, layers=2):
        super().__init__()
        self.context, self.lags, self.h, self.hd = context, lags, h, d // h
        feat = len(lags) + 2
        self.wte = nn.Linear(feat, d)
        self.L = nn.ModuleList(nn.ModuleDict({'n1': RMSNorm(d), 'q_proj': nn.Linear(d, d, bias=False), 'kv_proj': nn.Linear(d, 2 * d, bias=False),
                                              'c_proj': nn.Linear(d, d, bias=False), 'n2': RMSNorm(d), 'mlp': GatedMLP(d, 128)}) for _ in range(layers))
        self.ln_f = RMSNorm(d)
        self.df, self.loc, self.scale = nn.Linear(d, 1), nn.Linear(d, 1), nn.Linear(d, 1)
        self.register_buffer('inv_freq', inv_freq(self.hd))

    def forward(self, past_target, past_observed_values):
        # MeanScaler (gluonts): |x| averaged over observed values, default scale where a row has none, min 1e-10
        obs = past_observed_values[:, -self.context:]
        ctx = past_target[:, -self.context:]
        ts_sum = (ctx * obs).abs().sum(1, keepdim=True)
        num = obs.sum(1, keepdim=True)
        scale = ts_sum / torch.clamp(num, min=1.0)
        default = ts_sum.sum(0) / torch.clamp(num.sum(0), min=1.0)
        scale = torch.where(num > 0, scale, default).clamp(min=1e-10)
        scaled = past_target / scale
        t = self.context
        total = scaled.shape[1]
        lagged = torch.stack([scaled[:, total - lag - t: total - lag] for lag in self.lags], dim=-1)  # [B, t, lags]
        static = torch.cat([torch.zeros_like(scale).abs().log1p(), scale.log()], dim=-1)  # loc (0 for the mean scaler), log scale
        x = self.wte(torch.cat([lagged, static[:, None].expand(-1, t, -1)], dim=-1))
        b = x.shape[0]
        pos = torch.arange(t).float()
        freqs = pos[:, None] * self.inv_freq[None]
        emb = torch.cat([freqs, freqs], -1)
        cos, sin = emb.cos(), emb.sin()
        causal = torch.full((t, t), FMIN).triu(1)
        for L in self.L:
            hcur = L['n1'](x)
            q = L['q_proj'](hcur).view(b, t, self.h, self.hd).transpose(1, 2)
            k, v = L['kv_proj'](hcur).split(self.h * self.hd, dim=2)
            k = k.view(b, t, self.h, self.hd).transpose(1, 2)
            v = v.view(b, t, self.h, self.hd).transpose(1, 2)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            a = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(self.hd) + causal, -1) @ v
            x = x + L['c_proj'](a.transpose(1, 2).reshape(b, t, -1))
            x = x + L['mlp'](L['n2'](x))
        x = self.ln_f(x)
        df = 2.0 + F.softplus(self.df(x)).squeeze(-1)
        loc = self.loc(x).squeeze(-1) * scale
        sc = F.softplus(self.scale(x)).squeeze(-1) * scale
        return df, loc, sc


def lag_llama_inputs(b=2, n=80):
    obs = torch.ones(b, n)
    obs[1, -10:-7] = 0
    return 5.0 + torch.randn(b, n).cumsum(-1), obs


# --- Jamba prefill: Mamba layers (dt / B / C RMSNorm, unrolled selective scan), attention without rope, top-2 MoE ---

class JambaMamba(nn.Module):
    def __init__(self, d=64, d_state=8, d_conv=4, expand=2):
        super().__init__()
        di = expand * d
        self.di, self.ds, self.dt_rank = di, d_state, math.ceil(d / 16)
        self.in_proj = nn.Linear(d, 2 * di, bias=False)
        self.conv1d = nn.Conv1d(di, di, d_conv, groups=di, padding=d_conv - 1)
        self.x_proj = nn.Linear(di, self.dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, di)
        self.dt_layernorm, self.b_layernorm, self.c_layernorm = RMSNorm(self.dt_rank), RMSNorm(d_state), RMSNorm(d_state)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, d_state + 1, dtype=torch.float)).repeat(di, 1))
        self.D = nn.Parameter(torch.ones(di))
        self.out_proj = nn.Linear(di, d, bias=False)

    def forward(self, x):
        b, t, _ = x.shape
        xz = self.in_proj(x).transpose(1, 2)
        hs, gate = xz.chunk(2, dim=1)
        hs = F.silu(self.conv1d(hs)[..., :t])
        ssm = self.x_proj(hs.transpose(1, 2))
        dt, B, C = torch.split(ssm, [self.dt_rank, self.ds, self.ds], dim=-1)
        dt, B, C = self.dt_layernorm(dt), self.b_layernorm(B), self.c_layernorm(C)
        dt = F.softplus(self.dt_proj(dt)).transpose(1, 2)  # [B, di, t]
        A = -torch.exp(self.A_log)
        dA = torch.exp(A[None, :, None, :] * dt[:, :, :, None])
        dBu = dt[:, :, :, None] * B[:, None, :, :] * hs[:, :, :, None]
        state = torch.zeros(b, self.di, self.ds)
        ys = []
        for i in range(t):
            state = dA[:, :, i] * state + dBu[:, :, i]
            ys.append((state * C[:, None, i, :]).sum(-1))
        y = torch.stack(ys, dim=-1) + hs * self.D[None, :, None]
        return self.out_proj((y * F.silu(gate)).transpose(1, 2))


class JambaMoE(nn.Module):
    def __init__(self, d=64, ff=96, experts=4, top_k=2):
        super().__init__()
        self.router, self.top_k = nn.Linear(d, experts, bias=False), top_k
        self.experts = nn.ModuleList(GatedMLP(d, ff) for _ in range(experts))

    def forward(self, x):
        b, t, d = x.shape
        h = x.reshape(-1, d)
        w = torch.softmax(self.router(h), dim=1)
        w, sel = torch.topk(w, self.top_k, dim=-1)  # Jamba keeps the top-k softmax weights as they are
        # each expert weighted by its routing weight where chosen (0 elsewhere); Mixtral's gather / index_add_ form is sweep 13's
        out = torch.zeros_like(h)
        for e, expert in enumerate(self.experts):
            we = (w * (sel == e).float()).sum(-1, keepdim=True)
            out = out + we * expert(h)
        return out.view(b, t, d)


class JambaPrefill(nn.Module):
    def __init__(self, vocab=256, d=64, h=4, kvh=2, layers=4, attn_offset=2, expert_period=2):
        super().__init__()
        self.h, self.kvh, self.hd = h, kvh, d // h
        self.embed_tokens = nn.Embedding(vocab, d)
        self.kinds = ['attn' if i % 4 == attn_offset else 'mamba' for i in range(layers)]
        self.L = nn.ModuleList()
        for i, kind in enumerate(self.kinds):
            m = nn.ModuleDict({'input_layernorm': RMSNorm(d), 'pre_ff_layernorm': RMSNorm(d),
                               'ff': JambaMoE(d) if i % expert_period == 1 else GatedMLP(d, 128)})
            if kind == 'attn':
                m.update({'q': nn.Linear(d, d, bias=False), 'k': nn.Linear(d, kvh * self.hd, bias=False),
                          'v': nn.Linear(d, kvh * self.hd, bias=False), 'o': nn.Linear(d, d, bias=False)})
            else:
                m['mamba'] = JambaMamba(d)
            self.L.append(m)
        self.final_layernorm = RMSNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids, attention_mask):
        b, t = input_ids.shape
        x = self.embed_tokens(input_ids)
        mask = masks(attention_mask, t)
        for kind, L in zip(self.kinds, self.L):
            hcur = L['input_layernorm'](x)
            if kind == 'attn':
                q = L['q'](hcur).view(b, t, self.h, self.hd).transpose(1, 2)
                k = L['k'](hcur).view(b, t, self.kvh, self.hd).transpose(1, 2)
                v = L['v'](hcur).view(b, t, self.kvh, self.hd).transpose(1, 2)
                rep = self.h // self.kvh
                a = torch.softmax(q @ repeat_kv(k, rep).transpose(2, 3) / math.sqrt(self.hd) + mask, -1) @ repeat_kv(v, rep)
                x = x + L['o'](a.transpose(1, 2).reshape(b, t, -1))
            else:
                x = x + L['mamba'](hcur)
            x = x + L['ff'](L['pre_ff_layernorm'](x))
        return self.lm_head(self.final_layernorm(x))


def jamba_inputs(b=2, t=10):
    mask = torch.ones(b, t, dtype=torch.long)
    mask[1, :3] = 0
    return torch.randint(3, 256, (b, t)), mask


MODELS = {
    'chatglm3_past': lambda: (ChatGlm3Past().eval(), chatglm_inputs(),
                              {**lm_opts(), 'dynamic': {'input_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'total'},
                                                        'position_ids': {0: 'batch', 1: 'seq'}, **{n: {0: 'past', 1: 'batch'} for n in past_names()}}}),
    'cohere_past': lambda: (CoherePast().eval(), lm_inputs(2, 16), lm_opts()),
    'mobilellm_ls_past': lambda: (MobileLlmLs().eval(), lm_inputs(2, 8, layers=4), lm_opts(layers=4)),
    'musicgen_decoder_step': musicgen_export,
    'speecht5_decoder_step': speecht5_export,
    'lag_llama': lambda: (LagLlama().eval(), lag_llama_inputs(),
                          {'names': ['past_target', 'past_observed_values'], 'outputs': ['df', 'loc', 'scale'], 'opset': 14,
                           'dynamic': {'past_target': {0: 'batch'}, 'past_observed_values': {0: 'batch'}}}),
    'jamba_prefill': lambda: (JambaPrefill().eval(), jamba_inputs(),
                              {'names': ['input_ids', 'attention_mask'], 'outputs': ['logits'], 'opset': 14,
                               'dynamic': {'input_ids': {0: 'batch'}, 'attention_mask': {0: 'batch'}}}),
}
