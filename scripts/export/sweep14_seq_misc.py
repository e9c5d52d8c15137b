"""Fourteenth sweep: text encoders and audio generators / encoders as their projects write them (random weights, small
widths): nomic-embed-text (nomic-bert: fused Wqkv, rotary, SwiGLU, post-LN, mean pooling, Matryoshka LayerNorm +
L2), ESM-2 (token dropout rescaling by the observed mask ratio, rotary, pre-LN, tied LM head), BigVGAN v2 (AMP blocks:
SnakeBeta inside anti-aliased Activation1d — replicate-padded kaiser-sinc up / down sampling), an F5-TTS DiT step
(ConvNeXt-V2 text embedding with GRN, conv position embedding with Mish, AdaLayerNormZero, interleaved rotary) and
BEATs (fbank normalisation, 16×16 patch conv, deep-norm post-LN layers with gated relative position bias). Models in
MODELS, exported by sweep14_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

FMIN = torch.finfo(torch.float32).min


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


# --- nomic-embed-text v1.5 (contrastors' NomicBertModel) ---

class NomicBert(nn.Module):
    def __init__(self, vocab=512, d=64, h=4, layers=2, ff=128, base=1000.0):
        super().__init__()
        self.h, self.hd = h, d // h
        self.word_embeddings, self.token_type_embeddings = nn.Embedding(vocab, d), nn.Embedding(2, d)
        self.emb_ln = nn.LayerNorm(d, eps=1e-12)
        self.L = nn.ModuleList(nn.ModuleDict({'Wqkv': nn.Linear(d, 3 * d, bias=False), 'out_proj': nn.Linear(d, d, bias=False), 'norm1': nn.LayerNorm(d, eps=1e-12),
                                              'fc11': nn.Linear(d, ff, bias=False), 'fc12': nn.Linear(d, ff, bias=False), 'fc2': nn.Linear(ff, d, bias=False),
                                              'norm2': nn.LayerNorm(d, eps=1e-12)}) for _ in range(layers))
        self.register_buffer('inv_freq', 1.0 / (base ** (torch.arange(0, self.hd, 2).float() / self.hd)))

    def forward(self, input_ids, attention_mask, token_type_ids):
        b, t = input_ids.shape
        x = self.emb_ln(self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids))
        freqs = torch.outer(torch.arange(t, dtype=torch.float32), self.inv_freq)
        cos, sin = torch.cat([freqs, freqs], -1).cos(), torch.cat([freqs, freqs], -1).sin()
        bias = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        for L in self.L:
            qkv = L['Wqkv'](x).view(b, t, 3, self.h, self.hd)
            q, k, v = qkv.unbind(dim=2)
            q, k = q * cos[:, None] + rotate_half(q) * sin[:, None], k * cos[:, None] + rotate_half(k) * sin[:, None]
            q, k, v = q.permute(0, 2, 1, 3), k.permute(0, 2, 1, 3), v.permute(0, 2, 1, 3)
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd) + bias, -1) @ v
            x = L['norm1'](x + L['out_proj'](a.permute(0, 2, 1, 3).reshape(b, t, -1)))
            x = L['norm2'](x + L['fc2'](L['fc11'](x) * F.silu(L['fc12'](x))))
        m = attention_mask.unsqueeze(-1).float()
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        pooled = F.layer_norm(pooled, (self.hd * self.h,))[:, :32]  # Matryoshka: LayerNorm, then the first 32 dims
        return F.normalize(pooled, p=2, dim=1)


# --- ESM-2 (transformers' EsmModel + EsmForMaskedLM's head) ---

class Esm2(nn.Module):
    def __init__(self, vocab=33, d=64, h=4, layers=2, mask_token_id=32, pad=1):
        super().__init__()
        self.h, self.hd, self.mask_token_id = h, d // h, mask_token_id
        self.word_embeddings = nn.Embedding(vocab, d, padding_idx=pad)
        self.L = nn.ModuleList(nn.ModuleDict({'ln1': nn.LayerNorm(d), 'q': nn.Linear(d, d), 'k': nn.Linear(d, d), 'v': nn.Linear(d, d), 'o': nn.Linear(d, d),
                                              'ln2': nn.LayerNorm(d), 'fc1': nn.Linear(d, 4 * d), 'fc2': nn.Linear(4 * d, d)}) for _ in range(layers))
        self.emb_layer_norm_after = nn.LayerNorm(d)
        self.dense, self.head_ln, self.bias = nn.Linear(d, d), nn.LayerNorm(d), nn.Parameter(0.1 * torch.randn(vocab))
        self.register_buffer('inv_freq', 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd)))

    def forward(self, input_ids, attention_mask):
        b, t = input_ids.shape
        x = self.word_embeddings(input_ids)
        is_mask = (input_ids == self.mask_token_id).unsqueeze(-1)
        x = x.masked_fill(is_mask, 0.0)
        mask_ratio_train = 0.15 * 0.8
        src_lengths = attention_mask.sum(-1)
        mask_ratio_observed = (input_ids == self.mask_token_id).sum(-1).float() / src_lengths
        x = (x * (1 - mask_ratio_train) / (1 - mask_ratio_observed)[:, None, None]).to(x.dtype)
        x = (x * attention_mask.unsqueeze(-1)).to(x.dtype)
        freqs = torch.einsum('i,j->ij', torch.arange(t).type_as(self.inv_freq), self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        bias = (1.0 - attention_mask[:, None, None, :].float()) * FMIN
        for L in self.L:
            h = L['ln1'](x)
            q = L['q'](h).view(b, t, self.h, self.hd).permute(0, 2, 1, 3) * self.hd ** -0.5
            k = L['k'](h).view(b, t, self.h, self.hd).permute(0, 2, 1, 3)
            v = L['v'](h).view(b, t, self.h, self.hd).permute(0, 2, 1, 3)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            a = torch.softmax(q @ k.transpose(-1, -2) + bias, -1) @ v
            x = x + L['o'](a.permute(0, 2, 1, 3).reshape(b, t, -1))
            x = x + L['fc2'](F.gelu(L['fc1'](L['ln2'](x))))
        x = self.emb_layer_norm_after(x)
        logits = F.linear(self.head_ln(F.gelu(self.dense(x))), self.word_embeddings.weight) + self.bias
        return logits, x


# --- BigVGAN v2: AMP blocks with anti-aliased SnakeBeta ---

def kaiser_sinc_filter1d(cutoff, half_width, kernel_size):
    even = kernel_size % 2 == 0
    half_size = kernel_size // 2
    delta_f = 4 * half_width
    A = 2.285 * (half_size - 1) * math.pi * delta_f + 7.95
    beta = 0.1102 * (A - 8.7) if A > 50.0 else (0.5842 * (A - 21) ** 0.4 + 0.07886 * (A - 21.0) if A >= 21.0 else 0.0)
    window = torch.kaiser_window(kernel_size, beta=beta, periodic=False)
    time = torch.arange(-half_size, half_size) + 0.5 if even else torch.arange(kernel_size) - half_size
    f = 2 * cutoff * window * torch.sinc(2 * cutoff * time)
    return (f / f.sum()).view(1, 1, kernel_size)


class UpSample1d(nn.Module):
    """BigVGAN's resample.py reads C = x.shape[1] for filter.expand(C, -1, -1); torch 1.13 cannot export a conv whose
    kernel shape comes from a traced Shape, so the channel count is fixed at construction (the same graph torch 2.x writes)."""
    def __init__(self, c, ratio=2, kernel_size=12):
        super().__init__()
        self.c = c
        self.ratio, self.kernel_size, self.stride = ratio, kernel_size, ratio
        self.pad = kernel_size // ratio - 1
        self.pad_left = self.pad * self.stride + (kernel_size - self.stride) // 2
        self.pad_right = self.pad * self.stride + (kernel_size - self.stride + 1) // 2
        self.register_buffer('filter', kaiser_sinc_filter1d(0.5 / ratio, 0.6 / ratio, kernel_size))

    def forward(self, x):
        C = self.c
        x = F.pad(x, (self.pad, self.pad), mode='replicate')
        x = self.ratio * F.conv_transpose1d(x, self.filter.expand(C, -1, -1), stride=self.stride, groups=C)
        return x[..., self.pad_left:-self.pad_right]


class DownSample1d(nn.Module):
    def __init__(self, c, ratio=2, kernel_size=12):
        super().__init__()
        self.c = c
        self.pad_left, self.pad_right = kernel_size // 2 - 1, kernel_size // 2
        self.stride = ratio
        self.register_buffer('filter', kaiser_sinc_filter1d(0.5 / ratio, 0.6 / ratio, kernel_size))

    def forward(self, x):
        C = self.c
        x = F.pad(x, (self.pad_left, self.pad_right), mode='replicate')
        return F.conv1d(x, self.filter.expand(C, -1, -1), stride=self.stride, groups=C)


class SnakeBeta(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.alpha, self.beta = nn.Parameter(0.3 * torch.randn(c)), nn.Parameter(0.3 * torch.randn(c))

    def forward(self, x):
        alpha, beta = torch.exp(self.alpha.unsqueeze(0).unsqueeze(-1)), torch.exp(self.beta.unsqueeze(0).unsqueeze(-1))
        return x + (1.0 / (beta + 1e-9)) * torch.pow(torch.sin(x * alpha), 2)


class Activation1d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.act, self.upsample, self.downsample = SnakeBeta(c), UpSample1d(c), DownSample1d(c)

    def forward(self, x):
        return self.downsample(self.act(self.upsample(x)))


class AMPBlock1(nn.Module):
    def __init__(self, c, k=3, dilation=(1, 3, 5)):
        super().__init__()
        self.convs1 = nn.ModuleList(nn.Conv1d(c, c, k, 1, dilation=d, padding=(k * d - d) // 2) for d in dilation)
        self.convs2 = nn.ModuleList(nn.Conv1d(c, c, k, 1, dilation=1, padding=(k - 1) // 2) for _ in dilation)
        self.activations = nn.ModuleList(Activation1d(c) for _ in range(2 * len(dilation)))

    def forward(self, x):
        acts1, acts2 = self.activations[::2], self.activations[1::2]
        for c1, c2, a1, a2 in zip(self.convs1, self.convs2, acts1, acts2):
            x = x + c2(a2(c1(a1(x))))
        return x


class BigVGAN(nn.Module):
    def __init__(self, mels=32, ch=64, rates=(4, 4), kernels=(8, 8)):
        super().__init__()
        self.conv_pre = nn.Conv1d(mels, ch, 7, 1, padding=3)
        self.ups, self.resblocks = nn.ModuleList(), nn.ModuleList()
        c = ch
        for u, k in zip(rates, kernels):
            self.ups.append(nn.ConvTranspose1d(c, c // 2, k, u, padding=(k - u) // 2))
            c //= 2
            self.resblocks.append(nn.ModuleList(AMPBlock1(c, ks, (1, 3, 5)) for ks in (3, 7)))
        self.activation_post = Activation1d(c)
        self.conv_post = nn.Conv1d(c, 1, 7, 1, padding=3, bias=False)

    def forward(self, mel):
        x = self.conv_pre(mel)
        for up, blocks in zip(self.ups, self.resblocks):
            x = up(x)
            xs = None
            for blk in blocks:
                xs = blk(x) if xs is None else xs + blk(x)
            x = xs / len(blocks)
        x = self.conv_post(self.activation_post(x))
        return torch.clamp(x, min=-1.0, max=1.0)


# --- F5-TTS DiT: one estimator call of the flow-matching ODE ---

class GRN(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.gamma, self.beta = nn.Parameter(0.1 * torch.randn(1, 1, d)), nn.Parameter(0.1 * torch.randn(1, 1, d))

    def forward(self, x):
        gx = torch.norm(x, p=2, dim=1, keepdim=True)
        nx = gx / (gx.mean(dim=-1, keepdim=True) + 1e-6)
        return self.gamma * (x * nx) + self.beta + x


class ConvNeXtV2Block(nn.Module):
    def __init__(self, d, inter):
        super().__init__()
        self.dwconv = nn.Conv1d(d, d, 7, padding=3, groups=d)
        self.norm, self.pwconv1, self.grn, self.pwconv2 = nn.LayerNorm(d, eps=1e-6), nn.Linear(d, inter), GRN(inter), nn.Linear(inter, d)

    def forward(self, x):
        r = x
        x = self.dwconv(x.transpose(1, 2)).transpose(1, 2)
        return r + self.pwconv2(self.grn(F.gelu(self.pwconv1(self.norm(x)))))


def precompute_freqs_cis(dim, end, theta=10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
    freqs = torch.outer(torch.arange(end).float(), freqs)
    return torch.cat([torch.cos(freqs), torch.sin(freqs)], dim=-1)


def rotate_half_pairs(x):
    x = x.view(*x.shape[:-1], -1, 2)
    x1, x2 = x.unbind(dim=-1)
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


class F5DiT(nn.Module):
    def __init__(self, mel=32, text_vocab=64, text_dim=32, d=64, h=4, depth=2, ff=128):
        super().__init__()
        self.h, self.hd, self.d = h, d // h, d
        self.text_embed = nn.Embedding(text_vocab + 1, text_dim)
        self.register_buffer('text_freqs', precompute_freqs_cis(text_dim, 256))
        self.text_blocks = nn.Sequential(*[ConvNeXtV2Block(text_dim, 2 * text_dim) for _ in range(2)])
        self.time_mlp = nn.Sequential(nn.Linear(64, d), nn.SiLU(), nn.Linear(d, d))
        self.in_proj = nn.Linear(2 * mel + text_dim, d)
        self.conv_pos = nn.Sequential(nn.Conv1d(d, d, 31, groups=16, padding=15), nn.Mish(), nn.Conv1d(d, d, 31, groups=16, padding=15), nn.Mish())
        self.blocks = nn.ModuleList(nn.ModuleDict({'ada': nn.Linear(d, 6 * d), 'q': nn.Linear(d, d), 'k': nn.Linear(d, d), 'v': nn.Linear(d, d),
                                                   'o': nn.Linear(d, d), 'ff1': nn.Linear(d, ff), 'ff2': nn.Linear(ff, d)}) for _ in range(depth))
        self.norm_out_ada, self.proj_out = nn.Linear(d, 2 * d), nn.Linear(d, mel)
        self.register_buffer('inv_freq', 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd)))

    def timestep(self, t, dim=64, scale=1000.0):
        half = dim // 2
        emb = torch.exp(torch.arange(half).float() * -(math.log(10000) / (half - 1)))
        emb = scale * t.unsqueeze(1) * emb.unsqueeze(0)
        return torch.cat((emb.sin(), emb.cos()), dim=-1)

    def forward(self, x, cond, text, time):
        b, n, _ = x.shape
        text = text + 1
        text = F.pad(text, (0, n - text.shape[1]), value=0)
        te = self.text_embed(text)
        te = te + self.text_freqs[:n][None]
        te = self.text_blocks(te)
        t = self.time_mlp(self.timestep(time))
        x = self.in_proj(torch.cat((x, cond, te), dim=-1))
        x = self.conv_pos(x.permute(0, 2, 1)).permute(0, 2, 1) + x
        freqs = torch.outer(torch.arange(n).float(), self.inv_freq)
        freqs = torch.stack((freqs, freqs), dim=-1).flatten(-2)
        cos, sin = freqs.cos(), freqs.sin()
        for B in self.blocks:
            shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = B['ada'](F.silu(t)).chunk(6, dim=1)
            nx = F.layer_norm(x, (self.d,), eps=1e-6) * (1 + scale_msa[:, None]) + shift_msa[:, None]
            q, k, v = B['q'](nx), B['k'](nx), B['v'](nx)
            # x_transformers' apply_rotary_pos_emb on [B, N, inner]: freqs of dim_head rotate the first dim_head dims
            r = cos.shape[-1]
            q = torch.cat([q[..., :r] * cos + rotate_half_pairs(q[..., :r]) * sin, q[..., r:]], -1)
            k = torch.cat([k[..., :r] * cos + rotate_half_pairs(k[..., :r]) * sin, k[..., r:]], -1)
            q, k, v = (z.view(b, -1, self.h, self.hd).transpose(1, 2) for z in (q, k, v))
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd), -1) @ v
            x = x + gate_msa.unsqueeze(1) * B['o'](a.transpose(1, 2).reshape(b, n, -1))
            nx = F.layer_norm(x, (self.d,), eps=1e-6) * (1 + scale_mlp[:, None]) + shift_mlp[:, None]
            x = x + gate_mlp.unsqueeze(1) * B['ff2'](F.gelu(B['ff1'](nx), approximate='tanh'))
        scale, shift = self.norm_out_ada(F.silu(t)).chunk(2, dim=1)
        x = F.layer_norm(x, (self.d,), eps=1e-6) * (1 + scale)[:, None, :] + shift[:, None, :]
        return self.proj_out(x)


# --- BEATs: patch embedding of normalised fbank, deep-norm layers with gated relative position bias ---

class Beats(nn.Module):
    def __init__(self, d=64, h=4, layers=2, buckets=32, max_dist=64, embed=128):
        super().__init__()
        self.h, self.hd, self.buckets, self.max_dist = h, d // h, buckets, max_dist
        self.patch_embedding = nn.Conv2d(1, embed, 16, 16, bias=False)
        self.layer_norm, self.post_extract_proj = nn.LayerNorm(embed), nn.Linear(embed, d)
        self.pos_conv = nn.Conv1d(d, d, 32, padding=16, groups=4)
        self.ln0 = nn.LayerNorm(d)
        self.rel_attn_embed = nn.Embedding(buckets, h)
        self.deep_norm_alpha = math.pow(2 * layers, 1 / 4)
        self.L = nn.ModuleList(nn.ModuleDict({'q': nn.Linear(d, d), 'k': nn.Linear(d, d), 'v': nn.Linear(d, d), 'o': nn.Linear(d, d),
                                              'grep_linear': nn.Linear(self.hd, 8), 'ln1': nn.LayerNorm(d), 'fc1': nn.Linear(d, 4 * d),
                                              'fc2': nn.Linear(4 * d, d), 'ln2': nn.LayerNorm(d)}) for _ in range(layers))
        self.grep_a = nn.ParameterList(nn.Parameter(torch.ones(1, h, 1, 1)) for _ in range(layers))

    def bucket(self, rel):
        nb = self.buckets // 2
        ret = (rel > 0).long() * nb
        n = torch.abs(rel)
        max_exact = nb // 2
        is_small = n < max_exact
        large = max_exact + (torch.log(n.float() / max_exact) / math.log(self.max_dist / max_exact) * (nb - max_exact)).long()
        large = torch.min(large, torch.full_like(large, nb - 1))
        return ret + torch.where(is_small, n, large)

    def forward(self, fbank):
        fbank = (fbank - 15.41663) / (6.55582 * 2)
        x = self.patch_embedding(fbank.unsqueeze(1))
        x = x.reshape(x.shape[0], x.shape[1], -1).transpose(1, 2)
        x = self.post_extract_proj(self.layer_norm(x))
        c = self.pos_conv(x.transpose(1, 2))[:, :, :-1]
        x = self.ln0(x + F.gelu(c).transpose(1, 2))
        b, t, _ = x.shape
        pos = torch.arange(t)
        rel = self.rel_attn_embed(self.bucket(pos[None, :] - pos[:, None])).permute(2, 0, 1)[None]  # [1, H, T, T]
        for i, L in enumerate(self.L):
            r = x
            q = (L['q'](x) * self.hd ** -0.5).view(b, t, self.h, self.hd).transpose(1, 2)
            k = L['k'](x).view(b, t, self.h, self.hd).transpose(1, 2)
            v = L['v'](x).view(b, t, self.h, self.hd).transpose(1, 2)
            qg = q.view(b, self.h, t, self.hd)
            g = torch.sigmoid(L['grep_linear'](qg).view(b, self.h, t, 2, 4).sum(-1))
            ga, gb = g.chunk(2, dim=-1)
            gate = ga * (gb * self.grep_a[i] - 1.0) + 2.0
            a = torch.softmax(q @ k.transpose(-1, -2) + gate * rel, -1) @ v
            x = L['ln1'](r * self.deep_norm_alpha + L['o'](a.transpose(1, 2).reshape(b, t, -1)))
            x = L['ln2'](x * self.deep_norm_alpha + L['fc2'](F.gelu(L['fc1'](x))))
        return x


def enc_opts(extra=()):
    names = ['input_ids', 'attention_mask', *extra]
    return {'names': names, 'outputs': None, 'opset': 14, 'dynamic': {n: {0: 'batch', 1: 'sequence'} for n in names}}


def ids_mask(vocab, b=2, t=12, pad=0):
    ids = torch.randint(3, vocab - 2, (b, t))
    mask = torch.ones(b, t, dtype=torch.long)
    mask[1, 8:] = 0
    ids[1, 8:] = pad
    return ids, mask


MODELS = {
    'nomic_bert_mean': lambda: (NomicBert().eval(), (*ids_mask(512), torch.zeros(2, 12, dtype=torch.long)),
                                {**enc_opts(['token_type_ids']), 'outputs': ['sentence_embedding']}),
    'esm2_mlm': lambda: (Esm2().eval(), ids_mask(33, pad=1), {**enc_opts(), 'outputs': ['logits', 'last_hidden_state']}),
    'bigvgan_v2': lambda: (BigVGAN().eval(), torch.randn(1, 32, 20),
                           {'names': ['mel'], 'outputs': ['waveform'], 'opset': 17, 'dynamic': {'mel': {0: 'batch', 2: 'frames'}}}),
    'f5tts_dit_step': lambda: (F5DiT().eval(), (torch.randn(1, 48, 32), torch.randn(1, 48, 32), torch.randint(0, 64, (1, 20)), torch.tensor([0.3])),
                               {'names': ['noise', 'cond', 'text', 'time'], 'outputs': ['flow'], 'opset': 16,
                                'dynamic': {'noise': {0: 'b', 1: 'n'}, 'cond': {0: 'b', 1: 'n'}, 'text': {0: 'b', 1: 'nt'}, 'time': {0: 'b'}}}),
    'beats_encoder': lambda: (Beats().eval(), 6.0 * torch.randn(1, 160, 128) + 15.0,
                              {'names': ['fbank'], 'outputs': ['features'], 'opset': 14, 'dynamic': {'fbank': {0: 'batch', 1: 'frames'}}}),
}
