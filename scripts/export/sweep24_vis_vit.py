"""Twenty-fourth sweep (docs/model-sweep.md): backbones and a recogniser as their public code writes them — TransNeXt
(DaiShiResearch/TransNeXt: aggregated attention — each query attends to its 3x3 sliding window (unfold) and to a
pooled map in one softmax, length-scaled cosine attention with a learned temperature, query embedding, learnable
tokens and bias on the local branch, log-CPB position bias of the pooled branch; convolutional GLU), DINOv3
(facebookresearch/dinov3: cls + 4 register tokens, 2-D RoPE with coordinates normalised to [-1, 1] and periods
base^(2i/D) computed from H, W in forward, patch tokens only, LayerScale), SigLIP 2 NaFlex (HF Siglip2: pre-cut patches
with an attention mask for the padding, a 16x16 position table resized bilinearly to the image's 12x20 patch grid,
MAP pooling by a probe token with the padding masked) and CPPD (PaddleOCR: SVTR-style encoder, the character counting
module — one query per character class attending to the image, a count distribution per class — and the character
ordering module — position queries attending to the image and then to the counted character nodes), and
EfficientTAM's memory attention (yformer/EfficientTAM: memory frames average-pooled 2x2 before the cross-attention,
SAM 2's axial RoPE at the pooled positions, object pointers not rotated). Plain
torch.nn, small widths, random weights. Imported by sweep24_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep24_vis_seg import Attn, Block, mlp, rand

g = torch.Generator().manual_seed(243)


# ---------------------------------------------------------------------------------------------------------- TransNeXt
class AggregatedAttention(nn.Module):
    def __init__(self, c, heads, size, pool):
        super().__init__()
        self.h, self.hd, self.size, self.pool = heads, c // heads, size, pool
        self.q, self.kv = nn.Linear(c, c), nn.Linear(c, 2 * c)
        self.temperature = nn.Parameter(torch.log(torch.exp(torch.ones(heads, 1, 1) / 0.24) - 1))
        self.query_embedding = rand(heads, 1, self.hd, scale=0.02)
        self.sr, self.sr_norm = nn.Conv2d(c, c, 1), nn.LayerNorm(c)
        self.rpb_local = rand(heads, 9, scale=0.02)
        self.learnable_tokens = rand(heads, self.hd, 9, scale=0.02)
        self.learnable_bias = nn.Parameter(torch.zeros(heads, 1, 9))
        n = size * size
        self.seq_scale = math.log(9 + pool * pool)
        # log-spaced continuous position bias from each query to each pooled cell
        qy, qx = torch.meshgrid(torch.arange(size).float(), torch.arange(size).float(), indexing='ij')
        py, px = torch.meshgrid((torch.arange(pool).float() + 0.5) * size / pool - 0.5, (torch.arange(pool).float() + 0.5) * size / pool - 0.5, indexing='ij')
        rel = torch.stack([qy.reshape(n, 1) - py.reshape(1, -1), qx.reshape(n, 1) - px.reshape(1, -1)], -1) / size * 8
        self.register_buffer('coords', torch.sign(rel) * torch.log2(rel.abs() + 1) / 3)
        self.cpb = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, heads))
        self.proj = nn.Linear(c, c)

    def forward(self, x):
        b, n, c = x.shape
        s = self.size
        q = self.q(x).view(b, n, self.h, self.hd).permute(0, 2, 1, 3)
        qn = F.normalize(q, dim=-1)
        qs = (qn + self.query_embedding) * F.softplus(self.temperature) * self.seq_scale
        k, v = self.kv(x).chunk(2, -1)
        # local 3x3 windows by unfold of the keys / values as maps
        kl = F.normalize(k.view(b, n, self.h, self.hd), dim=-1).permute(0, 2, 3, 1).reshape(b, c, s, s)
        kl = F.unfold(kl, 3, padding=1).view(b, self.h, self.hd, 9, n).permute(0, 1, 4, 2, 3)  # [b, h, n, hd, 9]
        vl = F.unfold(v.transpose(1, 2).reshape(b, c, s, s), 3, padding=1).view(b, self.h, self.hd, 9, n).permute(0, 1, 4, 3, 2)
        a_local = (qs.unsqueeze(-2) @ kl).squeeze(-2) + self.rpb_local.unsqueeze(1)  # [b, h, n, 9]
        # pooled branch
        xp = F.adaptive_avg_pool2d(x.transpose(1, 2).reshape(b, c, s, s), self.pool)
        xp = F.gelu(self.sr_norm(self.sr(xp).flatten(2).transpose(1, 2)))
        kp, vp = self.kv(xp).chunk(2, -1)
        kp = F.normalize(kp.view(b, -1, self.h, self.hd), dim=-1).permute(0, 2, 3, 1)
        vp = vp.view(b, -1, self.h, self.hd).transpose(1, 2)
        bias = self.cpb(self.coords).permute(2, 0, 1).unsqueeze(0)  # [1, h, n, P]
        a_pool = qs @ kp + bias
        a = torch.cat([a_local, a_pool], -1).softmax(-1)
        al, ap = a[..., :9], a[..., 9:]
        al = al + (qn @ self.learnable_tokens) + self.learnable_bias
        out = (al.unsqueeze(-2) @ vl).squeeze(-2) + ap @ vp
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class ConvGLU(nn.Module):
    def __init__(self, c, size, r=2):
        super().__init__()
        self.size = size
        self.fc1, self.dw, self.fc2 = nn.Linear(c, 2 * r * c), nn.Conv2d(r * c, r * c, 3, 1, 1, groups=r * c), nn.Linear(r * c, c)

    def forward(self, x):
        b, n, _ = x.shape
        a, v = self.fc1(x).chunk(2, -1)
        a = self.dw(a.transpose(1, 2).reshape(b, -1, self.size, self.size)).flatten(2).transpose(1, 2)
        return self.fc2(F.gelu(a) * v)


class TNBlock(nn.Module):
    def __init__(self, c, heads, size, pool):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.attn = AggregatedAttention(c, heads, size, pool) if pool else Attn(c, heads)
        self.ffn = ConvGLU(c, size)

    def forward(self, x):
        x = x + self.attn(self.n1(x))
        return x + self.ffn(self.n2(x))


class TransNeXt(nn.Module):
    """128² -> stages at 32² / 16² (aggregated attention, pools 4 / 2) and 8² (full attention), 10 classes."""
    def __init__(self, dims=(32, 64, 96), heads=(2, 4, 4), pools=(4, 2, 0), nc=10):
        super().__init__()
        sizes = (32, 16, 8)
        self.embeds = nn.ModuleList([nn.Conv2d(3 if i == 0 else dims[i - 1], d, 7 if i == 0 else 3, 4 if i == 0 else 2,
                                               3 if i == 0 else 1) for i, d in enumerate(dims)])
        self.norms = nn.ModuleList([nn.LayerNorm(d) for d in dims])
        self.stages = nn.ModuleList([nn.ModuleList([TNBlock(d, h, s, p) for _ in range(2)])
                                     for d, h, s, p in zip(dims, heads, sizes, pools)])
        self.head = nn.Linear(dims[-1], nc)

    def forward(self, x):
        for emb, norm, stage in zip(self.embeds, self.norms, self.stages):
            x = emb(x)
            b, c, h, w = x.shape
            t = norm(x.flatten(2).transpose(1, 2))
            for blk in stage:
                t = blk(t)
            x = t.transpose(1, 2).reshape(b, c, h, w)
        return self.head(x.mean((2, 3)))


# ------------------------------------------------------------------------------------------------------------- DINOv3
class DINOv3(nn.Module):
    """ViT-S/16-ish at 160² (10² patches), cls + 4 registers, RoPE over patches, LayerScale; returns the normed cls
    token and patch tokens."""
    def __init__(self, d=96, heads=4, depth=4, regs=4, base=100.0):
        super().__init__()
        self.h, self.regs = heads, regs
        self.embed = nn.Conv2d(3, d, 16, 16)
        self.cls, self.reg = rand(1, 1, d), rand(1, regs, d)
        hd = d // heads
        self.register_buffer('periods', base ** (2 * torch.arange(hd // 4).float() / (hd // 2)))
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(depth)])
        self.ls = nn.ParameterList([nn.Parameter(torch.full((d,), 0.5)) for _ in range(2 * depth)])
        self.norm = nn.LayerNorm(d)

    def rope(self, h, w):
        cy = (torch.arange(h, dtype=torch.float32) + 0.5) / h * 2 - 1
        cx = (torch.arange(w, dtype=torch.float32) + 0.5) / w * 2 - 1
        yy, xx = torch.meshgrid(cy, cx, indexing='ij')
        coords = torch.stack([yy, xx], -1).flatten(0, 1)  # [HW, 2]
        ang = 2 * math.pi * coords[:, :, None] / self.periods[None, None, :]
        ang = ang.flatten(1).repeat(1, 2)  # [HW, hd]; the project tiles (torch 1.13 has no tile export)
        return ang.sin(), ang.cos()

    def forward(self, x):
        t = self.embed(x)
        h, w = t.shape[2], t.shape[3]
        t = t.flatten(2).transpose(1, 2)
        b = t.shape[0]
        t = torch.cat([self.cls.expand(b, -1, -1), self.reg.expand(b, -1, -1), t], 1)
        sin, cos = self.rope(h, w)
        k = 1 + self.regs

        def rot(z):
            p = z[..., k:, :]
            a, bb = p.chunk(2, -1)
            p = p * cos + torch.cat([-bb, a], -1) * sin
            return torch.cat([z[..., :k, :], p], -2)

        for i, blk in enumerate(self.blocks):
            t = t + self.ls[2 * i] * blk.a(blk.n1(t), rope=rot)
            t = t + self.ls[2 * i + 1] * blk.m(blk.n3(t))
        t = self.norm(t)
        return t[:, 0], t[:, k:]


# ----------------------------------------------------------------------------------------------------- SigLIP 2 NaFlex
class SigLIP2NaFlex(nn.Module):
    """256 patch slots (a 12 x 20 grid of 16² patches + 16 padding slots), 4 layers, MAP head -> a normalised embedding."""
    def __init__(self, d=96, heads=4, depth=4, grid=(12, 20), table=16):
        super().__init__()
        self.h, self.grid, self.table = heads, grid, table
        self.patch = nn.Linear(3 * 16 * 16, d)
        self.pos = rand(table * table, d, scale=0.1)
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation='gelu', batch_first=True,
                                                                norm_first=True) for _ in range(depth)])
        self.post = nn.LayerNorm(d)
        self.probe = rand(1, 1, d)
        self.map = nn.MultiheadAttention(d, heads, batch_first=True)
        self.map_ln, self.map_mlp = nn.LayerNorm(d), mlp(d, 4)

    def forward(self, pixel_values, pixel_attention_mask):
        b, n, _ = pixel_values.shape
        x = self.patch(pixel_values)
        gh, gw = self.grid
        pos = self.pos.view(1, self.table, self.table, -1).permute(0, 3, 1, 2)
        pos = F.interpolate(pos, size=(gh, gw), mode='bilinear', align_corners=False)  # HF uses antialias (no 1.13 export)
        pos = pos.flatten(2).transpose(1, 2)
        pos = torch.cat([pos, pos.new_zeros(1, n - gh * gw, pos.shape[-1])], 1)
        x = x + pos
        pad = pixel_attention_mask == 0
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=pad)
        x = self.post(x)
        p = self.map(self.probe.expand(b, -1, -1), x, x, key_padding_mask=pad, need_weights=False)[0]
        p = p + self.map_mlp(self.map_ln(p))
        return F.normalize(p[:, 0], dim=-1), x


# --------------------------------------------------------------------------------------------------------------- CPPD
class CPPD(nn.Module):
    """48 x 160 line -> 3 x 20 tokens, 40 character classes, counts up to 8, 25 positions."""
    def __init__(self, d=96, vocab=40, max_count=8, length=25):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, d // 2, 3, 2, 1), nn.BatchNorm2d(d // 2), nn.GELU(),
                                  nn.Conv2d(d // 2, d, 3, 2, 1), nn.BatchNorm2d(d), nn.GELU(),
                                  nn.Conv2d(d, d, 3, (2, 2), 1), nn.BatchNorm2d(d), nn.GELU(),
                                  nn.Conv2d(d, d, 3, (2, 2), 1), nn.BatchNorm2d(d), nn.GELU())
        self.pos = rand(1, 30, d, scale=0.1)
        self.enc = nn.ModuleList([Block(d) for _ in range(3)])
        self.enc_n = nn.LayerNorm(d)
        self.char_node = rand(1, vocab, d)
        self.pos_node = rand(1, length, d)
        self.cc = nn.ModuleList([Block(d, cross=True) for _ in range(2)])
        self.cc_head = nn.Linear(d, max_count)
        self.co_vis = Block(d, cross=True)
        self.co_char = Block(d, cross=True)
        self.edge = nn.Linear(d, d)
        self.out = nn.Linear(d, vocab)

    def forward(self, x):
        v = self.stem(x).flatten(2).transpose(1, 2)
        v = v + self.pos[:, :v.shape[1]]
        for b in self.enc:
            v = b(v)
        v = self.enc_n(v)
        c = self.char_node.expand(v.shape[0], -1, -1)
        for b in self.cc:
            c = b(c, v)
        counts = self.cc_head(c).softmax(-1)  # [B, vocab, max_count]
        p = self.co_vis(self.pos_node.expand(v.shape[0], -1, -1), v)
        p = self.co_char(p, c)
        logits = self.edge(p) @ c.transpose(1, 2) + self.out(p)  # ordering: positions x counted characters
        return logits.softmax(-1), counts


# ------------------------------------------------------------------------------------------------------- EfficientTAM
class AxialRope(nn.Module):
    """SAM 2's axial RoPE (complex pairs of adjacent channels: x on the first half of the frequencies, y on the second)
    at positions scaled by `stride` (the pooled memory's cells sit at every other position)."""
    def __init__(self, hd, side, stride=1.0, theta=10000.0):
        super().__init__()
        freqs = 1.0 / theta ** (torch.arange(0, hd, 4)[: hd // 4].float() / hd)
        t = torch.arange(side * side).float()
        x, y = (t % side) * stride, torch.div(t, side, rounding_mode='floor') * stride
        ang = torch.cat([torch.outer(x, freqs), torch.outer(y, freqs)], -1)  # [N, hd / 2]
        self.register_buffer('c', ang.cos())
        self.register_buffer('s', ang.sin())

    def forward(self, z):  # z [..., N, hd] with (re, im) adjacent
        re, im = z[..., 0::2], z[..., 1::2]
        return torch.stack([re * self.c - im * self.s, re * self.s + im * self.c], -1).flatten(-2)


class EfficientTAMMemory(nn.Module):
    """EfficientTAM's memory attention (yformer/EfficientTAM): current frame 16² tokens, 2 memory frames whose spatial
    tokens are average-pooled 2x2 before the cross-attention (its efficient cross-attention), 4 object-pointer tokens
    kept whole and not rotated; 2 layers."""
    def __init__(self, d=64, side=16, frames=2, ptrs=4, layers=2):
        super().__init__()
        self.side, self.frames, self.ptrs = side, frames, ptrs
        self.rq, self.rk = AxialRope(d, side), AxialRope(d, side // 2, 2.0)
        self.sa = nn.ModuleList([Attn(d, 1) for _ in range(layers)])
        self.ca = nn.ModuleList([Attn(d, 1) for _ in range(layers)])
        self.n = nn.ModuleList([nn.LayerNorm(d) for _ in range(3 * layers)])
        self.m = nn.ModuleList([mlp(d, 4, nn.ReLU) for _ in range(layers)])
        self.out = nn.LayerNorm(d)

    def forward(self, curr, curr_pos, memory, memory_pos):  # memory [1, frames·side² + ptrs, d]
        b, n, d = curr.shape
        s, f = self.side, self.frames
        sp = (memory + 0.1 * memory_pos)[:, :f * s * s].reshape(b * f, s, s, d).permute(0, 3, 1, 2)
        sp = F.avg_pool2d(sp, 2).flatten(2).transpose(1, 2).reshape(b, f * (s // 2) ** 2, d)
        mem = torch.cat([sp, memory[:, f * s * s:]], 1)
        k_sp = f * (s // 2) ** 2

        def rope_k(z):  # rotate each frame's pooled cells, not the pointers
            cells = z[..., :k_sp, :].reshape(*z.shape[:-2], f, (s // 2) ** 2, z.shape[-1])
            return torch.cat([self.rk(cells).flatten(-3, -2), z[..., k_sp:, :]], -2)

        x = curr
        for i in range(len(self.sa)):
            y = self.n[3 * i](x)
            x = x + self.sa[i](y + 0.1 * curr_pos, rope=self.rq)
            y = self.n[3 * i + 1](x)
            q = self.ca[i].q(y + 0.1 * curr_pos).unsqueeze(1)
            k = self.ca[i].k(mem).unsqueeze(1)
            v = self.ca[i].v(mem).unsqueeze(1)
            a = (self.rq(q) @ rope_k(k).transpose(-1, -2) / math.sqrt(d)).softmax(-1) @ v
            x = x + self.ca[i].o(a[:, 0])
            x = x + self.m[i](self.n[3 * i + 2](x))
        return self.out(x)
