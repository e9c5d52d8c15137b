"""Third sweep, sequence families in plain torch.nn (same math as their public code, random weights): LLaMA-style
decoder blocks with a KV cache, a Whisper-style encoder-decoder, T5's relative position bias, torch.jit.script loops
(data-dependent trip counts, tensors that grow: greedy decoding), CLIP's text encoder, a DINOv2-style ViT and
Deformable DETR's sampling attention. Imported by sweep.py (MODELS3)."""
import math
from typing import Tuple

import torch
from torch import nn
import torch.nn.functional as F


# --- LLaMA (RMSNorm, rotary embeddings by rotate_half with sin/cos, SwiGLU, grouped KV heads, KV concat) ---
class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight, self.eps = nn.Parameter(1 + 0.1 * torch.randn(d)), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class LlamaBlock(nn.Module):
    def __init__(self, d=64, heads=4, kv_heads=2, ff=160):
        super().__init__()
        self.h, self.kvh, self.hd = heads, kv_heads, d // heads
        self.q = nn.Linear(d, d, bias=False)
        self.k = nn.Linear(d, kv_heads * self.hd, bias=False)
        self.v = nn.Linear(d, kv_heads * self.hd, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.gate, self.up, self.down = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)
        self.n1, self.n2 = RMSNorm(d), RMSNorm(d)

    def forward(self, x, cos, sin, past_k, past_v, mask):
        b, n, _ = x.shape
        h = self.n1(x)
        q = self.q(h).view(b, n, self.h, self.hd).transpose(1, 2)
        k = self.k(h).view(b, n, self.kvh, self.hd).transpose(1, 2)
        v = self.v(h).view(b, n, self.kvh, self.hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
        rep = self.h // self.kvh  # repeat_kv: expand + reshape
        kk = k[:, :, None].expand(b, self.kvh, rep, k.shape[2], self.hd).reshape(b, self.h, k.shape[2], self.hd)
        vv = v[:, :, None].expand(b, self.kvh, rep, v.shape[2], self.hd).reshape(b, self.h, v.shape[2], self.hd)
        a = (q @ kk.transpose(2, 3) / math.sqrt(self.hd) + mask).softmax(-1)
        x = x + self.o((a @ vv).transpose(1, 2).reshape(b, n, -1))
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h)), k, v


class Llama(nn.Module):
    """Two blocks; ids [1, n] with a past of `past` positions: logits and the new KV cache."""

    def __init__(self, vocab=256, d=64, layers=2, base=10000.0, ff=160):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(LlamaBlock(d, ff=ff) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)
        self.register_buffer('inv_freq', 1.0 / (base ** (torch.arange(0, 16, 2).float() / 16)))

    def forward(self, ids, past_k, past_v):
        n, p = ids.shape[1], past_k.shape[3]
        pos = torch.arange(p, p + n, dtype=torch.float32)
        freqs = pos[:, None] * self.inv_freq[None]
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        i = torch.arange(n)[:, None] + p
        j = torch.arange(p + n)[None]
        mask = torch.where(j > i, torch.tensor(float('-inf')), torch.tensor(0.0))
        x = self.emb(ids)
        ks, vs = [], []
        for li, blk in enumerate(self.blocks):
            x, k, v = blk(x, cos, sin, past_k[li], past_v[li], mask)
            ks.append(k)
            vs.append(v)
        return self.head(self.norm(x)), torch.stack(ks), torch.stack(vs)


# --- Whisper-style encoder-decoder (log-mel conv front end with GELU, sinusoidal encoder positions, learned decoder
# positions, pre-norm blocks, cross attention, tied token head) ---
def sinusoids(length, channels, max_timescale=10000):
    inc = math.log(max_timescale) / (channels // 2 - 1)
    inv = torch.exp(-inc * torch.arange(channels // 2))
    t = torch.arange(length)[:, None] * inv[None, :]
    return torch.cat([torch.sin(t), torch.cos(t)], dim=1)


class WhisperAttn(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.query, self.key, self.value, self.out = nn.Linear(d, d), nn.Linear(d, d, bias=False), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x, xa=None, mask=None):
        q, k, v = self.query(x), self.key(x if xa is None else xa), self.value(x if xa is None else xa)
        b, n, d = q.shape
        scale = (d // self.h) ** -0.25
        q = q.view(b, n, self.h, -1).permute(0, 2, 1, 3) * scale
        k = k.view(b, k.shape[1], self.h, -1).permute(0, 2, 3, 1) * scale
        v = v.view(b, v.shape[1], self.h, -1).permute(0, 2, 1, 3)
        qk = q @ k
        if mask is not None:
            qk = qk + mask[:n, :n]
        return self.out((qk.float().softmax(-1) @ v).permute(0, 2, 1, 3).flatten(2))


class WhisperBlock(nn.Module):
    def __init__(self, d, h, cross=False):
        super().__init__()
        self.attn, self.attn_ln = WhisperAttn(d, h), nn.LayerNorm(d)
        self.cross = WhisperAttn(d, h) if cross else None
        self.cross_ln = nn.LayerNorm(d) if cross else None
        self.mlp, self.mlp_ln = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)), nn.LayerNorm(d)

    def forward(self, x, xa=None, mask=None):
        x = x + self.attn(self.attn_ln(x), mask=mask)
        if self.cross is not None:
            x = x + self.cross(self.cross_ln(x), xa)
        return x + self.mlp(self.mlp_ln(x))


class Whisper(nn.Module):
    def __init__(self, n_mels=40, frames=100, d=64, h=4, vocab=300, n_text=16):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv1d(n_mels, d, 3, padding=1), nn.Conv1d(d, d, 3, stride=2, padding=1)
        self.register_buffer('pos', sinusoids(frames // 2, d))
        self.enc = nn.ModuleList(WhisperBlock(d, h) for _ in range(2))
        self.ln_post = nn.LayerNorm(d)
        self.tok = nn.Embedding(vocab, d)
        self.dpos = nn.Parameter(0.02 * torch.randn(n_text, d))
        self.dec = nn.ModuleList(WhisperBlock(d, h, True) for _ in range(2))
        self.ln = nn.LayerNorm(d)
        self.register_buffer('mask', torch.empty(n_text, n_text).fill_(-float('inf')).triu_(1))

    def forward(self, mel, tokens):
        x = F.gelu(self.conv2(F.gelu(self.conv1(mel)))).permute(0, 2, 1)
        x = x + self.pos
        for b in self.enc:
            x = b(x)
        xa = self.ln_post(x)
        y = self.tok(tokens) + self.dpos[: tokens.shape[-1]]
        for b in self.dec:
            y = b(y, xa, self.mask)
        return self.ln(y) @ self.tok.weight.t()


class LogMelFrontEnd(nn.Module):
    """Whisper's log_mel_spectrogram after the STFT: power -> mel -> log10, clamp to max - 8, scale."""

    def __init__(self, n_fft_bins=101, n_mels=40):
        super().__init__()
        self.register_buffer('filters', torch.rand(n_mels, n_fft_bins) * 0.1)
        self.w = Whisper(n_mels)

    def forward(self, power, tokens):
        mel = self.filters @ power
        log_spec = torch.clamp(mel, min=1e-10).log10()
        log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
        return self.w((log_spec + 4.0) / 4.0, tokens)


# --- T5 relative position bias (bucketed with log, computed in the graph from arange) ---
class T5Attention(nn.Module):
    def __init__(self, d=64, h=4, buckets=32, max_distance=128, bidirectional=True):
        super().__init__()
        self.h, self.buckets, self.maxd, self.bi = h, buckets, max_distance, bidirectional
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.rel = nn.Embedding(buckets, h)
        self.ln = nn.Parameter(1 + 0.1 * torch.randn(d))

    def bucket(self, rel):
        nb, ret = self.buckets, 0
        if self.bi:
            nb //= 2
            ret = (rel > 0).to(torch.long) * nb
            rel = torch.abs(rel)
        else:
            rel = -torch.min(rel, torch.zeros_like(rel))
        max_exact = nb // 2
        small = rel < max_exact
        large = max_exact + (torch.log(rel.float() / max_exact) / math.log(self.maxd / max_exact) * (nb - max_exact)).to(torch.long)
        large = torch.min(large, torch.full_like(large, nb - 1))
        return ret + torch.where(small, rel, large)

    def forward(self, x):
        b, n, d = x.shape
        h = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.ln  # T5LayerNorm
        ctx = torch.arange(n, dtype=torch.long)[:, None]
        mem = torch.arange(n, dtype=torch.long)[None, :]
        bias = self.rel(self.bucket(mem - ctx)).permute(2, 0, 1).unsqueeze(0)
        s = lambda t: t.view(b, n, self.h, -1).transpose(1, 2)
        q, k, v = s(self.q(h)), s(self.k(h)), s(self.v(h))
        a = (q @ k.transpose(3, 2) + bias).softmax(-1)  # T5 has no 1/sqrt(d)
        return x + self.o((a @ v).transpose(1, 2).reshape(b, n, d))


class T5Encoder(nn.Module):
    def __init__(self, vocab=200, d=64):
        super().__init__()
        self.emb, self.a1, self.a2 = nn.Embedding(vocab, d), T5Attention(d), T5Attention(d)
        self.ff = nn.Sequential(nn.Linear(d, 128, bias=False), nn.ReLU(), nn.Linear(128, d, bias=False))

    def forward(self, ids):
        x = self.a2(self.a1(self.emb(ids)))
        return x + self.ff(x)


# --- torch.jit.script loops ---
class GreedyDecoder(nn.Module):
    """Greedy decoding with a recurrent cell (tanh; torch 1.13 cannot export aten::gru_cell): stops at the end token or after max_len steps (a Loop whose trip count
    depends on the data) and grows the token tensor by one each step (a loop-carried tensor that grows)."""

    def __init__(self, vocab: int = 20, d: int = 32):
        super().__init__()
        self.emb, self.wx, self.wh, self.out = nn.Embedding(vocab, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, vocab)

    def forward(self, h: torch.Tensor, max_len: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        tok = torch.zeros(1, dtype=torch.long)
        tokens = torch.zeros(1, 0, dtype=torch.long)
        i = 0
        while i < int(max_len):
            h = torch.tanh(self.wx(self.emb(tok)) + self.wh(h))
            tok = self.out(h).argmax(-1)
            tokens = torch.cat([tokens, tok[:, None]], 1)
            if int(tok) == 1:
                break
            i += 1
        return tokens, h


class CumulativeLoop(nn.Module):
    """A for loop over a sequence's length (trip count from the input's shape) carrying a state and stacking the
    outputs: an explicit RNN the way hand-written scripted models do it."""

    def __init__(self, d: int = 16):
        super().__init__()
        self.w, self.u = nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(x.shape[0], x.shape[2])
        outs = torch.zeros(x.shape[0], 0, x.shape[2])
        for t in range(x.shape[1]):
            h = torch.tanh(self.w(x[:, t]) + self.u(h))
            outs = torch.cat([outs, h[:, None]], 1)
        return outs


# --- CLIP text encoder (causal mask buffer, EOT pooling by argmax of the token ids, projection) ---
class ClipText(nn.Module):
    def __init__(self, vocab=100, n=16, d=64, heads=4, layers=2):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Parameter(0.02 * torch.randn(n, d))
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation='gelu', batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)
        self.ln, self.proj = nn.LayerNorm(d), nn.Parameter(0.1 * torch.randn(d, 32))
        self.register_buffer('mask', torch.empty(n, n).fill_(float('-inf')).triu_(1))

    def forward(self, text):
        x = self.enc(self.tok(text) + self.pos, mask=self.mask)
        x = self.ln(x)
        return x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.proj


# --- DINOv2-style ViT: position embeddings interpolated (bicubic) to the input's patch grid, register tokens ---
class DinoV2(nn.Module):
    def __init__(self, d=64, patch=14, grid=8, heads=4, layers=2):
        super().__init__()
        self.patch = nn.Conv2d(3, d, patch, patch)
        self.cls, self.reg = nn.Parameter(0.02 * torch.randn(1, 1, d)), nn.Parameter(0.02 * torch.randn(1, 4, d))
        self.pos = nn.Parameter(0.02 * torch.randn(1, 1 + grid * grid, d))
        self.grid, self.p = grid, patch
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation='gelu', batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)
        self.ln = nn.LayerNorm(d)

    def forward(self, img):
        b, _, h, w = img.shape
        x = self.patch(img).flatten(2).transpose(1, 2)
        cls_pos, patch_pos = self.pos[:, :1], self.pos[:, 1:]
        gh, gw = h // self.p, w // self.p
        patch_pos = F.interpolate(patch_pos.reshape(1, self.grid, self.grid, -1).permute(0, 3, 1, 2), size=(gh, gw),
                                  mode='bicubic', align_corners=False).permute(0, 2, 3, 1).flatten(1, 2)
        x = torch.cat([self.cls.expand(b, -1, -1) + cls_pos, self.reg.expand(b, -1, -1), x + patch_pos], 1)
        return self.ln(self.enc(x))[:, 0]


# --- Deformable attention (Deformable DETR / RT-DETR's MSDeformAttn, one level, PyTorch reference path) ---
class DeformAttn(nn.Module):
    def __init__(self, d=32, heads=4, points=4, queries=20):
        super().__init__()
        self.h, self.p, self.d = heads, points, d
        self.query = nn.Parameter(torch.randn(1, queries, d))
        self.ref = nn.Parameter(torch.rand(1, queries, 2))
        self.offsets, self.weights = nn.Linear(d, heads * points * 2), nn.Linear(d, heads * points)
        self.value_proj, self.out = nn.Linear(d, d), nn.Linear(d, d)
        self.backbone = nn.Sequential(nn.Conv2d(3, d, 3, 4, 1), nn.ReLU(), nn.Conv2d(d, d, 3, 2, 1))

    def forward(self, img):
        f = self.backbone(img)
        b, c, hh, ww = f.shape
        value = self.value_proj(f.flatten(2).transpose(1, 2)).view(b, hh * ww, self.h, c // self.h)
        q = self.query.expand(b, -1, -1)
        nq = q.shape[1]
        off = self.offsets(q).view(b, nq, self.h, self.p, 2)
        aw = self.weights(q).view(b, nq, self.h, self.p).softmax(-1)
        norm = torch.tensor([ww, hh], dtype=torch.float32)
        loc = self.ref[:, :, None, None, :] + off / norm
        grids = 2 * loc - 1
        v = value.flatten(2).transpose(1, 2).reshape(b * self.h, c // self.h, hh, ww)
        g = grids.transpose(1, 2).flatten(0, 1)  # [b*h, nq, p, 2]
        s = F.grid_sample(v, g, mode='bilinear', padding_mode='zeros', align_corners=False)  # [b*h, dh, nq, p]
        aw = aw.transpose(1, 2).reshape(b * self.h, 1, nq, self.p)
        o = (s * aw).sum(-1).view(b, c, nq).transpose(1, 2)
        return self.out(o)


# --- SAM image encoder attention (segment-anything: decomposed relative positions added with einsum) ---
class SamAttention(nn.Module):
    def __init__(self, d=64, heads=4, size=(8, 8)):
        super().__init__()
        self.h, self.hd = heads, d // heads
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.rel_pos_h = nn.Parameter(0.1 * torch.randn(2 * size[0] - 1, self.hd))
        self.rel_pos_w = nn.Parameter(0.1 * torch.randn(2 * size[1] - 1, self.hd))
        self.norm = nn.LayerNorm(d)

    @staticmethod
    def rel(q_size, k_size, rel_pos):
        coords = torch.arange(q_size)[:, None] - torch.arange(k_size)[None, :] + (k_size - 1)
        return rel_pos[coords.long()]

    def forward(self, x):
        b, hh, ww, _ = x.shape
        x = self.norm(x)
        qkv = self.qkv(x).reshape(b, hh * ww, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.reshape(3, b * self.h, hh * ww, -1).unbind(0)
        attn = (q * self.hd ** -0.5) @ k.transpose(-2, -1)
        rh, rw = self.rel(hh, hh, self.rel_pos_h), self.rel(ww, ww, self.rel_pos_w)
        r_q = q.reshape(b * self.h, hh, ww, self.hd)
        rel_h = torch.einsum('bhwc,hkc->bhwk', r_q, rh)
        rel_w = torch.einsum('bhwc,wkc->bhwk', r_q, rw)
        attn = (attn.view(b * self.h, hh, ww, hh, ww) + rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]).view(b * self.h, hh * ww, hh * ww)
        x = (attn.softmax(-1) @ v).view(b, self.h, hh, ww, -1).permute(0, 2, 3, 1, 4).reshape(b, hh, ww, -1)
        return self.proj(x)


class SamBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, 64, 16, 16)
        self.attn = SamAttention()
        self.neck = nn.Sequential(nn.Conv2d(64, 32, 1, bias=False), nn.Conv2d(32, 32, 3, padding=1, bias=False))

    def forward(self, img):
        x = self.patch(img).permute(0, 2, 3, 1)
        x = x + self.attn(x)
        return self.neck(x.permute(0, 3, 1, 2))
