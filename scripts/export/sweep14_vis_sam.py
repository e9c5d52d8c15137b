"""Fourteenth sweep, SAM 2 (docs/model-sweep.md): the Hiera image encoder with its FPN neck as SAM 2's ONNX exporters
split it (image_embed + the two high-res feature maps), the memory attention (self-attention and cross-attention to
memories with axial 2-D RoPE written with real cos / sin, object-pointer tokens excluded from the rotation, the
rotation repeated over a run-time number of memory frames) and the prompt encoder + mask decoder with points / boxes
as inputs (labels −1 / 0 / 1 / 2 / 3), mask input, high-res features in the upscaling, object score. Small widths,
random weights."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from sweep9_mm import LayerNorm2d  # noqa: F401 (SAM's, as EfficientSAM's)


def window_partition(x, ws):
    b, h, w, c = x.shape
    ph, pw = (ws - h % ws) % ws, (ws - w % ws) % ws
    if ph or pw:
        x = F.pad(x, (0, 0, 0, pw, 0, ph))
    hp, wp = h + ph, w + pw
    x = x.view(b, hp // ws, ws, wp // ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws, ws, c)
    return x, (hp, wp)


def window_unpartition(x, ws, pad_hw, hw):
    hp, wp = pad_hw
    h, w = hw
    b = x.shape[0] // (hp * wp // ws // ws)
    x = x.view(b, hp // ws, wp // ws, ws, ws, -1).permute(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, -1)
    return x[:, :h, :w, :].contiguous() if hp > h or wp > w else x


def pool2(x):
    """do_pool: [B, H, W, C] max-pooled 2×2 in NCHW and back."""
    return F.max_pool2d(x.permute(0, 3, 1, 2), 2, 2).permute(0, 2, 3, 1)


class MSBlock(nn.Module):
    """Hiera MultiScaleBlock: (projection +) pooled shortcut, windowed MultiScaleAttention with q pooled by 2×2
    max-pool at a stage's first block, window unpartition, MLP."""

    def __init__(self, dim, out, heads, ws, q_pool):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(out, eps=1e-6)
        self.proj = nn.Linear(dim, out) if dim != out else None
        self.qkv, self.aproj = nn.Linear(dim, 3 * out), nn.Linear(out, out)
        self.mlp = nn.Sequential(nn.Linear(out, 4 * out), nn.GELU(), nn.Linear(4 * out, out))
        self.heads, self.ws, self.q_pool, self.out = heads, ws, q_pool, out

    def forward(self, x):
        shortcut = x
        x = self.n1(x)
        if self.proj is not None:
            shortcut = self.proj(x)
            if self.q_pool:
                shortcut = pool2(shortcut)
        b, h, w, _ = x.shape
        ws = self.ws
        pad_hw = (h, w)
        if ws > 0:
            x, pad_hw = window_partition(x, ws)
        bw, hh, ww, _ = x.shape
        qkv = self.qkv(x).reshape(bw, hh * ww, 3, self.heads, -1)
        q, k, v = torch.unbind(qkv, 2)
        if self.q_pool:
            q = pool2(q.reshape(bw, hh, ww, -1))
            hh, ww = q.shape[1:3]
            q = q.reshape(bw, hh * ww, self.heads, -1)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        a = (q @ k.transpose(-2, -1) * q.shape[-1] ** -0.5).softmax(-1)
        x = (a @ v).transpose(1, 2).reshape(bw, hh, ww, -1)
        x = self.aproj(x)
        if self.q_pool:
            ws = ws // 2
            h, w = shortcut.shape[1:3]
            pad_hw = ((h + ws - 1) // ws * ws, (w + ws - 1) // ws * ws) if ws > 0 else (h, w)
        if ws > 0:
            x = window_unpartition(x, ws, pad_hw, (h, w))
        x = shortcut + x
        return x + self.mlp(self.n2(x))


class SAM2Encoder(nn.Module):
    """Hiera (embed 48, stages 1 / 2 / 3 / 1, q-pool at each stage start, windows 8 / 4 / 8 / 8, global attention in
    stage 3's last block; bicubic-interpolated pos_embed + tiled window pos embed) on a 256² image, FpnNeck (1×1
    laterals, nearest top-down to levels 2 / 3, scalp 1), conv_s0 / conv_s1 high-res maps, no_mem_embed added."""

    def __init__(self, e=48, d=64):
        super().__init__()
        self.patch = nn.Conv2d(3, e, 7, 4, 3)
        self.pos_embed = nn.Parameter(0.02 * torch.randn(1, e, 7, 7))
        self.pos_win = nn.Parameter(0.02 * torch.randn(1, e, 8, 8))
        dims, heads, wins = [e, 2 * e, 4 * e, 8 * e], [1, 2, 4, 8], [8, 4, 8, 8]
        self.blocks = nn.ModuleList()
        self.stage_ends = []
        dim = e
        for s, n in enumerate((1, 2, 3, 1)):
            for j in range(n):
                out = dims[s]
                ws = 0 if (s == 2 and j == n - 1) else wins[s]
                if j == 0 and s > 0:
                    ws = wins[s - 1]
                self.blocks.append(MSBlock(dim, out, heads[s], ws, j == 0 and s > 0))
                dim = out
            self.stage_ends.append(len(self.blocks) - 1)
        self.lat = nn.ModuleList(nn.Conv2d(c, d, 1) for c in dims)
        self.conv_s0, self.conv_s1 = nn.Conv2d(d, d // 8, 1), nn.Conv2d(d, d // 4, 1)
        self.no_mem = nn.Parameter(0.02 * torch.randn(1, d, 1, 1))

    def forward(self, image):
        x = (image - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        x = self.patch(x)
        h, w = x.shape[2:]
        pos = F.interpolate(self.pos_embed, size=(h, w), mode='bicubic')
        pos = pos + self.pos_win.repeat(1, 1, h // 8, w // 8)  # .tile (aten::tile has no torch 1.13 export)
        x = (x + pos).permute(0, 2, 3, 1)
        outs = []
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if i in self.stage_ends:
                outs.append(x.permute(0, 3, 1, 2))
        lat = [l(o) for l, o in zip(self.lat, outs)]
        prev = None
        feats = [None] * 4
        for i in (3, 2, 1, 0):
            y = lat[i]
            if prev is not None and i in (2,):  # fpn_top_down_levels [2, 3]
                y = y + F.interpolate(prev, scale_factor=2.0, mode='nearest')
            feats[i] = y
            prev = y
        return feats[2] + self.no_mem, self.conv_s0(feats[0]), self.conv_s1(feats[1])


# --- memory attention ---

def axial_rope(dim, ex, ey, theta=10000.0):
    """compute_axial_cis as (cos, sin) of [ex·ey, dim / 2]: half the pairs rotate by x, half by y."""
    f = 1.0 / (theta ** (torch.arange(0, dim, 4)[: dim // 4].float() / dim))
    t = torch.arange(ex * ey, dtype=torch.float32)
    tx, ty = t % ex, torch.div(t, ex, rounding_mode='floor')
    ang = torch.cat([torch.outer(tx, f), torch.outer(ty, f)], -1)
    return ang.cos(), ang.sin()


def rope(x, cos, sin):
    """apply_rotary_enc with real arithmetic: x [B, H, N, D] as D / 2 pairs."""
    b, h, n, d = x.shape
    xp = x.reshape(b, h, n, d // 2, 2)
    a, c = xp[..., 0], xp[..., 1]
    return torch.stack([a * cos - c * sin, a * sin + c * cos], -1).flatten(3)


class RoPEAttention(nn.Module):
    def __init__(self, d, kv=None, feat=16):
        super().__init__()
        kv = kv or d
        self.q, self.k, self.v, self.o = nn.Linear(d, d), nn.Linear(kv, d), nn.Linear(kv, d), nn.Linear(d, d)
        cos, sin = axial_rope(d, feat, feat)
        self.register_buffer('cos', cos)
        self.register_buffer('sin', sin)

    def forward(self, q, k, v, exclude=0):
        q, k, v = self.q(q)[:, None], self.k(k)[:, None], self.v(v)[:, None]  # one head
        q = rope(q, self.cos, self.sin)
        nk = k.shape[-2] - exclude
        r = nk // q.shape[-2]
        kr = rope(k[:, :, :nk], self.cos.repeat(r, 1), self.sin.repeat(r, 1))
        k = torch.cat([kr, k[:, :, nk:]], 2)
        a = (q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5).softmax(-1)
        return self.o((a @ v)[:, 0])


class MemoryAttention(nn.Module):
    """SAM 2 MemoryAttention (2 layers, d 64, memory dim 32): pos_enc_at_input (curr + 0.1 · pos), self RoPE attention,
    cross RoPE attention to memory + memory_pos (the last 16 tokens, object pointers, not rotated), ReLU FFN, final
    LayerNorm; sequence-first [N, 1, C] in and out as SAM 2 keeps them."""

    def __init__(self, d=64, mem=32, layers=2):
        super().__init__()
        self.sa = nn.ModuleList(RoPEAttention(d) for _ in range(layers))
        self.ca = nn.ModuleList(RoPEAttention(d, mem) for _ in range(layers))
        self.n1, self.n2, self.n3 = (nn.ModuleList(nn.LayerNorm(d) for _ in range(layers)) for _ in range(3))
        self.ffn = nn.ModuleList(nn.Sequential(nn.Linear(d, 4 * d), nn.ReLU(), nn.Linear(4 * d, d)) for _ in range(layers))
        self.norm = nn.LayerNorm(d)

    def forward(self, curr, memory, curr_pos, memory_pos):
        x = (curr + 0.1 * curr_pos).transpose(0, 1)
        m, mp = memory.transpose(0, 1), memory_pos.transpose(0, 1)
        for sa, ca, n1, n2, n3, ffn in zip(self.sa, self.ca, self.n1, self.n2, self.n3, self.ffn):
            y = n1(x)
            x = x + sa(y, y, y)
            y = n2(x)
            x = x + ca(y, m + mp, m, exclude=16)
            x = x + ffn(n3(x))
        return self.norm(x).transpose(0, 1)


# --- prompt encoder + mask decoder ---

class TwoWayBlock(nn.Module):
    def __init__(self, d, skip_pe):
        super().__init__()
        self.sa = nn.MultiheadAttention(d, 4, batch_first=True)
        self.t2i = nn.MultiheadAttention(d, 4, batch_first=True, kdim=d, vdim=d)
        self.i2t = nn.MultiheadAttention(d, 4, batch_first=True)
        self.n = nn.ModuleList(nn.LayerNorm(d) for _ in range(4))
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.skip_pe = skip_pe

    def forward(self, q, k, qpe, kpe):
        if self.skip_pe:
            q = self.sa(q, q, q, need_weights=False)[0]
        else:
            qq = q + qpe
            q = q + self.sa(qq, qq, q, need_weights=False)[0]
        q = self.n[0](q)
        q = self.n[1](q + self.t2i(q + qpe, k + kpe, k, need_weights=False)[0])
        q = self.n[2](q + self.mlp(q))
        k = self.n[3](k + self.i2t(k + kpe, q + qpe, q, need_weights=False)[0])
        return q, k


class SAM2Decoder(nn.Module):
    """PromptEncoder (random Fourier positional encoding of (coords + 0.5) / 256, label embeddings selected by
    comparisons as SAM 2's exporters write them, mask_input downscaled × has_mask_input + no_mask_embed × (1 −
    has_mask_input)) and MaskDecoder (obj-score / iou / 4 mask tokens, two-way transformer depth 2, upscaling with
    high-res feature maps added, hypernetwork MLPs, sigmoid IoU head, object score); multimask outputs 1-3."""

    def __init__(self, d=64):
        super().__init__()
        self.gauss = nn.Parameter(torch.randn(2, d // 2))
        self.point_emb = nn.Parameter(0.5 * torch.randn(4, d))
        self.not_a_point = nn.Parameter(0.5 * torch.randn(1, d))
        self.no_mask = nn.Parameter(0.5 * torch.randn(1, d, 1, 1))
        self.mask_down = nn.Sequential(nn.Conv2d(1, 4, 2, 2), LayerNorm2d(4), nn.GELU(), nn.Conv2d(4, 16, 2, 2), LayerNorm2d(16), nn.GELU(), nn.Conv2d(16, d, 1))
        self.tokens = nn.Parameter(0.5 * torch.randn(6, d))  # obj score, iou, 4 masks
        self.blocks = nn.ModuleList([TwoWayBlock(d, True), TwoWayBlock(d, False)])
        self.final = nn.MultiheadAttention(d, 4, batch_first=True)
        self.nf = nn.LayerNorm(d)
        self.up1, self.ln = nn.ConvTranspose2d(d, d // 4, 2, 2), LayerNorm2d(d // 4)
        self.up2 = nn.ConvTranspose2d(d // 4, d // 8, 2, 2)
        self.hyper = nn.ModuleList(nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d // 8)) for _ in range(4))
        self.iou = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4))
        self.obj = nn.Linear(d, 1)

    def pe(self, coords):
        c = 2 * coords - 1
        c = 2 * math.pi * (c @ self.gauss)
        return torch.cat([c.sin(), c.cos()], -1)

    def forward(self, image_embed, high_res_feats_0, high_res_feats_1, point_coords, point_labels, mask_input, has_mask_input):
        b, d, h, w = image_embed.shape
        sp = self.pe((point_coords + 0.5) / 256.0)
        lab = point_labels.unsqueeze(-1).expand_as(sp)
        sp = sp * (lab != -1) + self.not_a_point * (lab == -1)
        for i in range(4):
            sp = sp + self.point_emb[i] * (lab == i)
        dense = self.mask_down(mask_input) * has_mask_input.view(-1, 1, 1, 1) + self.no_mask * (1 - has_mask_input).view(-1, 1, 1, 1)
        gy, gx = torch.meshgrid((torch.arange(h, dtype=torch.float32) + 0.5) / h, (torch.arange(w, dtype=torch.float32) + 0.5) / w, indexing='ij')
        kpe = self.pe(torch.stack([gx, gy], -1)).view(1, h * w, d)
        tok = torch.cat([self.tokens[None].expand(b, -1, -1), sp], 1)
        src = (image_embed + dense).flatten(2).transpose(1, 2)
        q, k = tok, src
        for blk in self.blocks:
            q, k = blk(q, k, tok, kpe)
        q = self.nf(q + self.final(q + tok, k + kpe, k, need_weights=False)[0])
        src = k.transpose(1, 2).reshape(b, d, h, w)
        up = F.gelu(self.ln(self.up1(src) + high_res_feats_1))
        up = F.gelu(self.up2(up) + high_res_feats_0)
        hyper = torch.stack([m(q[:, 2 + i]) for i, m in enumerate(self.hyper)], 1)
        masks = (hyper @ up.flatten(2)).view(b, 4, up.shape[2], up.shape[3])
        iou = torch.sigmoid(self.iou(q[:, 1]))
        return masks[:, 1:], iou[:, 1:], self.obj(q[:, 0])
