"""Seventh sweep: Whisper (encoder, decoder with self + cross attention and KV caches as optimum exports them) and
CLIP's text / vision towers, as Hugging Face writes them (plain torch, small widths, random weights)."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import sinusoids  # Whisper's sinusoidal positions
from sweep7_seq_models import NEG


class BartAttention(nn.Module):
    """WhisperAttention / BartAttention: q scaled after q_proj, k_proj without bias, _shape = view + transpose."""

    def __init__(self, d, h, k_bias=False):
        super().__init__()
        self.h, self.hd, self.scale = h, d // h, (d // h) ** -0.5
        self.q_proj, self.k_proj = nn.Linear(d, d), nn.Linear(d, d, bias=k_bias)
        self.v_proj, self.out_proj = nn.Linear(d, d), nn.Linear(d, d)

    def shape(self, t, b):
        return t.view(b, -1, self.h, self.hd).transpose(1, 2).contiguous()

    def forward(self, x, kv=None, past=None, mask=None, cross_cache=None):
        b, s, d = x.shape
        q = self.shape(self.q_proj(x) * self.scale, b)
        if cross_cache is not None:  # cross-attention reading the cached encoder keys / values
            k, v = cross_cache
        else:
            src = x if kv is None else kv
            k, v = self.shape(self.k_proj(src), b), self.shape(self.v_proj(src), b)
            if past is not None:
                k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        w = torch.matmul(q, k.transpose(2, 3))
        if mask is not None:
            w = w + mask
        o = torch.matmul(w.softmax(-1), v).transpose(1, 2).reshape(b, s, d)
        return self.out_proj(o), (k, v)


class WhisperEncoder(nn.Module):
    def __init__(self, mels=80, d=64, h=4, layers=2, frames=200):
        super().__init__()
        self.conv1 = nn.Conv1d(mels, d, 3, padding=1)
        self.conv2 = nn.Conv1d(d, d, 3, stride=2, padding=1)
        self.register_buffer('embed_positions', sinusoids(frames // 2, d))
        self.layers = nn.ModuleList()
        for _ in range(layers):
            m = nn.Module()
            m.attn, m.ln1, m.ln2 = BartAttention(d, h), nn.LayerNorm(d), nn.LayerNorm(d)
            m.fc1, m.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
            self.layers.append(m)
        self.ln = nn.LayerNorm(d)

    def forward(self, input_features):
        x = F.gelu(self.conv2(F.gelu(self.conv1(input_features)))).permute(0, 2, 1)
        x = x + self.embed_positions[:x.shape[1]]
        for m in self.layers:
            x = x + m.attn(m.ln1(x))[0]
            x = x + m.fc2(F.gelu(m.fc1(m.ln2(x))))
        return self.ln(x)


class WhisperDecoder(nn.Module):
    """optimum's two decoder files: `prompt` (decoder_input_ids + encoder_hidden_states → logits, present self and
    cross keys / values) and `step` (one token, past self and cross caches in; present self out). Learned positions
    sliced from the past length; the causal mask as _prepare_4d_causal_attention_mask builds it."""

    def __init__(self, step, vocab=100, d=64, h=4, layers=2, max_pos=32):
        super().__init__()
        self.step, self.layers_n = step, layers
        self.embed_tokens, self.embed_positions = nn.Embedding(vocab, d), nn.Embedding(max_pos, d)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            m = nn.Module()
            m.self_attn, m.cross = BartAttention(d, h), BartAttention(d, h)
            m.ln1, m.ln2, m.ln3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
            m.fc1, m.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
            self.layers.append(m)
        self.ln = nn.LayerNorm(d)

    def forward(self, ids, enc, *past):
        s = ids.shape[1]
        p = past[0].shape[2] if self.step else 0
        x = self.embed_tokens(ids) + self.embed_positions.weight[p:p + s]
        mask = None
        if s > 1:
            m = torch.full((s, s), NEG)
            c = torch.arange(s)
            m.masked_fill_(c < (c + 1).view(s, 1), 0.0)
            mask = m[None, None].expand(ids.shape[0], 1, s, s)
        out = []
        for i, m in enumerate(self.layers):
            sp = (past[4 * i], past[4 * i + 1]) if self.step else None
            a, self_kv = m.self_attn(m.ln1(x), past=sp, mask=mask)
            x = x + a
            cc = (past[4 * i + 2], past[4 * i + 3]) if self.step else None
            a, cross_kv = m.cross(m.ln2(x), kv=enc, cross_cache=cc)
            x = x + a
            x = x + m.fc2(F.gelu(m.fc1(m.ln3(x))))
            out += list(self_kv) + ([] if self.step else list(cross_kv))
        logits = self.ln(x) @ self.embed_tokens.weight.t()
        return (logits,) + tuple(out)


def whisper_decoder_io(step, layers=2, h=4, hd=16, frames=50, past=5):
    ids = torch.randint(0, 100, (1, 1 if step else 4))
    enc = torch.randn(1, frames, h * hd)
    ins, outs = ['decoder_input_ids', 'encoder_hidden_states'], ['logits']
    args = [ids, enc]
    for i in range(layers):
        outs += [f'present.{i}.decoder.key', f'present.{i}.decoder.value']
        if not step:
            outs += [f'present.{i}.encoder.key', f'present.{i}.encoder.value']
        else:
            for kind, n in (('decoder', past), ('encoder', frames)):
                ins += [f'past_key_values.{i}.{kind}.key', f'past_key_values.{i}.{kind}.value']
                args += [torch.randn(1, h, n, hd), torch.randn(1, h, n, hd)]
    return tuple(args), ins, outs


class ClipLayer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.attn, self.ln1, self.ln2 = BartAttention(d, h, k_bias=True), nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x, mask=None):
        x = x + self.attn(self.ln1(x), mask=mask)[0]
        y = self.fc1(self.ln2(x))
        return x + self.fc2(y * torch.sigmoid(1.702 * y))  # quick_gelu


class ClipText(nn.Module):
    """CLIPTextModelWithProjection: position_ids buffer sliced to the length, _build_causal_attention_mask (fill
    finfo.min, triu_(1)) plus the expanded padding mask, pooled at input_ids.argmax(-1) (the EOT id is the largest)."""

    def __init__(self, vocab=100, d=64, h=4, layers=2, max_len=16, proj=32):
        super().__init__()
        self.token, self.position = nn.Embedding(vocab, d), nn.Embedding(max_len, d)
        self.register_buffer('position_ids', torch.arange(max_len).expand((1, -1)))
        self.layers = nn.ModuleList(ClipLayer(d, h) for _ in range(layers))
        self.final, self.proj = nn.LayerNorm(d), nn.Linear(d, proj, bias=False)

    def forward(self, input_ids, attention_mask):
        b, s = input_ids.shape
        x = self.token(input_ids) + self.position(self.position_ids[:, :s])
        causal = torch.empty(b, s, s).fill_(NEG).triu_(1).unsqueeze(1)
        pad = 1.0 - attention_mask[:, None, None, :].expand(b, 1, s, s).to(torch.float32)
        mask = causal + pad.masked_fill(pad.to(torch.bool), NEG)
        for m in self.layers:
            x = m(x, mask)
        x = self.final(x)
        pooled = x[torch.arange(b), input_ids.to(torch.int).argmax(dim=-1)]
        return x, self.proj(pooled)


class ClipVision(nn.Module):
    """CLIPVisionModelWithProjection: patch conv without bias, class embedding concatenated, pre_layrnorm, pooled
    class token through post_layernorm and the projection."""

    def __init__(self, size=64, patch=16, d=64, h=4, layers=2, proj=32):
        super().__init__()
        self.patch = nn.Conv2d(3, d, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(d))
        n = (size // patch) ** 2 + 1
        self.position = nn.Embedding(n, d)
        self.register_buffer('position_ids', torch.arange(n).expand((1, -1)))
        self.pre, self.post = nn.LayerNorm(d), nn.LayerNorm(d)
        self.layers = nn.ModuleList(ClipLayer(d, h) for _ in range(layers))
        self.proj = nn.Linear(d, proj, bias=False)

    def forward(self, pixel_values):
        b = pixel_values.shape[0]
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(b, 1, -1), x], dim=1) + self.position(self.position_ids)
        x = self.pre(x)
        for m in self.layers:
            x = m(x)
        return x, self.proj(self.post(x[:, 0, :]))
