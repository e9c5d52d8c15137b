"""Twenty-fifth sweep, generative / multimodal / audio families (docs/model-sweep.md "Twenty-fifth sweep"): Sana's
linear DiT, FLUX's double / single-stream MMDiT, SmolVLM's pixel-shuffle connector and token merge, Qwen2.5-VL's
windowed vision encoder, Wav2Lip, FRCRN. Plain torch 1.13 with the
math of their public code, small widths, random weights; driven by sweep25_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import RMSNorm
from sweep20_seq_lm import rope, SwiGLU
from sweep22_seq_lm import heads, merge


def timestep_embedding(t, d, max_period=10000.0):
    f = torch.exp(-math.log(max_period) * torch.arange(d // 2).float() / (d // 2))
    a = t[:, None].float() * f[None]
    return torch.cat([a.cos(), a.sin()], -1)


# --- Sana (NVlabs/Sana): ReLU linear attention, Mix-FFN (GLU through a depthwise conv), adaLN-single, cross-attention ---

class SanaBlock(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h = h
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d)
        self.cq, self.ckv, self.co = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)
        self.n1, self.n2 = nn.LayerNorm(d, elementwise_affine=False), nn.LayerNorm(d, elementwise_affine=False)
        self.inv = nn.Conv2d(d, 4 * d, 1)
        self.dw = nn.Conv2d(4 * d, 4 * d, 3, 1, 1, groups=4 * d)
        self.pt = nn.Conv2d(2 * d, d, 1, bias=False)
        self.sst = nn.Parameter(torch.randn(6, d) / math.sqrt(d))

    def linear_attn(self, x):
        q, k, v = [heads(t, self.h) for t in self.qkv(x).chunk(3, -1)]
        q, k = F.relu(q), F.relu(k)
        kv = k.transpose(-1, -2) @ v  # [b, h, d, d]
        num = q @ kv
        den = q @ k.sum(2, keepdim=True).transpose(-1, -2)
        return self.o(merge(num / (den + 1e-15)))

    def forward(self, x, y, t6, hw):
        sh_msa, sc_msa, g_msa, sh_mlp, sc_mlp, g_mlp = (self.sst[None] + t6.view(-1, 6, t6.shape[-1] // 6)).chunk(6, 1)
        x = x + g_msa * self.linear_attn(self.n1(x) * (1 + sc_msa) + sh_msa)
        q = heads(self.cq(x), self.h)
        k, v = [heads(t, self.h) for t in self.ckv(y).chunk(2, -1)]
        x = x + self.co(merge((q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).softmax(-1) @ v))
        u = self.n2(x) * (1 + sc_mlp) + sh_mlp
        b, n, d = u.shape
        u = self.dw(F.silu(self.inv(u.transpose(1, 2).reshape(b, d, hw, hw))))
        a, g = u.chunk(2, 1)
        u = self.pt(a * F.silu(g)).flatten(2).transpose(1, 2)
        return x + g_mlp * u


class Sana(nn.Module):
    def __init__(self, c=8, d=64, p=1, layers=3, text=32):
        super().__init__()
        self.p, self.c = p, c
        self.patch = nn.Conv2d(c, d, p, p)
        self.t_emb = nn.Sequential(nn.Linear(64, d), nn.SiLU(), nn.Linear(d, d))
        self.t_block = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))
        self.y_proj = nn.Sequential(nn.Linear(text, d), nn.GELU(approximate='tanh'), nn.Linear(d, d))
        self.y_norm = RMSNorm(d)
        self.blocks = nn.ModuleList(SanaBlock(d) for _ in range(layers))
        self.final_norm = nn.LayerNorm(d, elementwise_affine=False)
        self.final_sst = nn.Parameter(torch.randn(2, d) / math.sqrt(d))
        self.out = nn.Linear(d, p * p * c)

    def forward(self, latent, timestep, caption):
        b, c, hh, ww = latent.shape
        x = self.patch(latent)
        hw = x.shape[-1]
        x = x.flatten(2).transpose(1, 2)  # no position embedding: Sana's Mix-FFN conv carries position
        t = self.t_emb(timestep_embedding(timestep, 64))
        t6 = self.t_block(t)
        y = self.y_norm(self.y_proj(caption))
        for blk in self.blocks:
            x = blk(x, y, t6, hw)
        sh, sc = (self.final_sst[None] + t[:, None]).chunk(2, 1)
        x = self.out(self.final_norm(x) * (1 + sc) + sh)
        return x.transpose(1, 2).reshape(b, c, hh, ww)


# --- FLUX.1 (black-forest-labs/flux): double-stream and single-stream blocks, 3-axis RoPE as 2x2 rotations ---

def flux_rope(pos, dim, theta=10000):  # pos [B, N] -> [B, N, dim/2, 2, 2]
    scale = torch.arange(0, dim, 2).float() / dim
    omega = 1.0 / theta ** scale
    out = pos[..., None].float() * omega
    return torch.stack([out.cos(), -out.sin(), out.sin(), out.cos()], -1).view(*out.shape, 2, 2)


def apply_rope(x, freqs):  # x [B, H, N, D], freqs [B, 1, N, D/2, 2, 2]
    x_ = x.reshape(*x.shape[:-1], -1, 1, 2)
    return (freqs[..., 0] * x_[..., 0] + freqs[..., 1] * x_[..., 1]).reshape(x.shape)


class Modulation(nn.Module):
    def __init__(self, d, double):
        super().__init__()
        self.n = 6 if double else 3
        self.lin = nn.Linear(d, self.n * d)

    def forward(self, vec):
        return self.lin(F.silu(vec))[:, None].chunk(self.n, -1)


class QKNorm(nn.Module):
    def __init__(self, hd):
        super().__init__()
        self.q, self.k = RMSNorm(hd), RMSNorm(hd)


class DoubleBlock(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.img_mod, self.txt_mod = Modulation(d, True), Modulation(d, True)
        self.img_qkv, self.txt_qkv = nn.Linear(d, 3 * d), nn.Linear(d, 3 * d)
        self.img_norm, self.txt_norm = QKNorm(d // h), QKNorm(d // h)
        self.img_proj, self.txt_proj = nn.Linear(d, d), nn.Linear(d, d)
        self.img_mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate='tanh'), nn.Linear(4 * d, d))
        self.txt_mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate='tanh'), nn.Linear(4 * d, d))
        self.ln = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)

    def qkv(self, x, lin, norm, sh, sc):
        q, k, v = [heads(t, self.h) for t in lin((1 + sc) * self.ln(x) + sh).chunk(3, -1)]
        return norm.q(q), norm.k(k), v

    def forward(self, img, txt, vec, pe):
        im = self.img_mod(vec)
        tm = self.txt_mod(vec)
        iq, ik, iv = self.qkv(img, self.img_qkv, self.img_norm, im[0], im[1])
        tq, tk, tv = self.qkv(txt, self.txt_qkv, self.txt_norm, tm[0], tm[1])
        q, k, v = torch.cat([tq, iq], 2), torch.cat([tk, ik], 2), torch.cat([tv, iv], 2)
        q, k = apply_rope(q, pe), apply_rope(k, pe)
        a = merge((q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).softmax(-1) @ v)
        ta, ia = a[:, : txt.shape[1]], a[:, txt.shape[1]:]
        img = img + im[2] * self.img_proj(ia)
        img = img + im[5] * self.img_mlp((1 + im[4]) * self.ln(img) + im[3])
        txt = txt + tm[2] * self.txt_proj(ta)
        txt = txt + tm[5] * self.txt_mlp((1 + tm[4]) * self.ln(txt) + tm[3])
        return img, txt


class SingleBlock(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.d = h, d
        self.mod = Modulation(d, False)
        self.lin1, self.lin2 = nn.Linear(d, 3 * d + 4 * d), nn.Linear(d + 4 * d, d)
        self.norm = QKNorm(d // h)
        self.ln = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)

    def forward(self, x, vec, pe):
        sh, sc, g = self.mod(vec)
        qkv, m = torch.split(self.lin1((1 + sc) * self.ln(x) + sh), [3 * self.d, 4 * self.d], -1)
        q, k, v = [heads(t, self.h) for t in qkv.chunk(3, -1)]
        q, k = apply_rope(self.norm.q(q), pe), apply_rope(self.norm.k(k), pe)
        a = merge((q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).softmax(-1) @ v)
        return x + g * self.lin2(torch.cat([a, F.gelu(m, approximate='tanh')], -1))


class Flux(nn.Module):
    def __init__(self, c=16, d=64, h=4, txt=32, pooled=32, axes=(4, 6, 6)):
        super().__init__()
        self.axes = axes
        self.img_in, self.txt_in = nn.Linear(c, d), nn.Linear(txt, d)
        self.time_in = nn.Sequential(nn.Linear(64, d), nn.SiLU(), nn.Linear(d, d))
        self.guid_in = nn.Sequential(nn.Linear(64, d), nn.SiLU(), nn.Linear(d, d))
        self.vec_in = nn.Sequential(nn.Linear(pooled, d), nn.SiLU(), nn.Linear(d, d))
        self.double_blocks = nn.ModuleList(DoubleBlock(d, h) for _ in range(2))
        self.single_blocks = nn.ModuleList(SingleBlock(d, h) for _ in range(2))
        self.final_mod = nn.Linear(d, 2 * d)
        self.final = nn.Linear(d, c)
        self.ln = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)

    def forward(self, img, img_ids, txt, txt_ids, timesteps, y, guidance):
        x, t = self.img_in(img), self.txt_in(txt)
        vec = self.time_in(timestep_embedding(timesteps * 1000, 64)) + self.guid_in(timestep_embedding(guidance * 1000, 64)) + self.vec_in(y)
        ids = torch.cat([txt_ids, img_ids], 1)
        pe = torch.cat([flux_rope(ids[..., i], a) for i, a in enumerate(self.axes)], -3)[:, None]
        for blk in self.double_blocks:
            x, t = blk(x, t, vec, pe)
        z = torch.cat([t, x], 1)
        for blk in self.single_blocks:
            z = blk(z, vec, pe)
        x = z[:, t.shape[1]:]
        sh, sc = self.final_mod(F.silu(vec))[:, None].chunk(2, -1)
        return self.final((1 + sc) * self.ln(x) + sh)


# --- SmolVLM (HuggingFace Idefics3 / SmolVLM): SigLIP tokens, pixel shuffle, MLP connector, image tokens merged ---

class EncoderLayer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate='tanh'), nn.Linear(4 * d, d))

    def forward(self, x, bias=None):
        q, k, v = [heads(t, self.h) for t in self.qkv(self.n1(x)).chunk(3, -1)]
        s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        x = x + self.o(merge((s if bias is None else s + bias).softmax(-1) @ v))
        return x + self.mlp(self.n2(x))


class LlamaLayer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.n1, self.n2 = RMSNorm(d), RMSNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.mlp = SwiGLU(d, 2 * d)

    def forward(self, x, pos, mask):
        q, k, v = [heads(t, self.h) for t in self.qkv(self.n1(x)).chunk(3, -1)]
        q, k = rope(q, pos), rope(k, pos)
        s = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).masked_fill(~mask, -1e9)
        x = x + self.o(merge(s.softmax(-1) @ v))
        return x + self.mlp(self.n2(x))


class SmolVLM(nn.Module):
    def __init__(self, d_v=48, d=64, vocab=300, image_token=299, scale=2, patch=8):
        super().__init__()
        self.scale, self.image_token = scale, image_token
        self.patch = nn.Conv2d(3, d_v, patch, patch)
        self.pos = nn.Embedding(64, d_v)
        self.vit = nn.ModuleList(EncoderLayer(d_v, 4) for _ in range(2))
        self.post = nn.LayerNorm(d_v)
        self.connector = nn.Linear(d_v * scale * scale, d, bias=False)
        self.emb = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(LlamaLayer(d, 4) for _ in range(2))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def pixel_shuffle(self, x):  # Idefics3Connector.pixel_shuffle
        b, n, e = x.shape
        s, side = self.scale, int(math.sqrt(n))
        x = x.view(b, side, side, e).view(b, side, side // s, e * s).permute(0, 2, 1, 3)
        x = x.reshape(b, side // s, side // s, e * s * s).permute(0, 2, 1, 3)
        return x.reshape(b, n // (s * s), e * s * s)

    def forward(self, pixel_values, input_ids):
        v = self.patch(pixel_values).flatten(2).transpose(1, 2) + self.pos.weight[None]
        for layer in self.vit:
            v = layer(v)
        img = self.connector(self.pixel_shuffle(self.post(v)))  # [1, 16, d]
        x = self.emb(input_ids)
        is_img = input_ids == self.image_token
        idx = (is_img.long().cumsum(-1) - 1).clamp(min=0)  # the k-th image token takes the k-th image feature
        x = torch.where(is_img[..., None], img[:, idx[0]], x)
        n = x.shape[1]
        pos = torch.arange(n)
        mask = torch.ones(n, n, dtype=torch.bool).tril()
        for layer in self.layers:
            x = layer(x, pos, mask)
        return self.head(self.norm(x[:, -1:]))


# --- Qwen2.5-VL vision (transformers modeling_qwen2_5_vl): Conv3d patches, window reorder, 2-D RoPE, patch merger ---

class Qwen25VLVision(nn.Module):
    def __init__(self, d=64, h=4, grid=(8, 8), merge_size=2, window_units=2, full=(3,), layers=4, out=96):
        super().__init__()
        self.h, self.full = h, full
        self.patch = nn.Conv3d(3, d, (2, 8, 8), (2, 8, 8), bias=False)
        self.layers = nn.ModuleList(nn.ModuleDict({'n1': RMSNorm(d), 'n2': RMSNorm(d), 'qkv': nn.Linear(d, 3 * d), 'o': nn.Linear(d, d),
                                                   'mlp': SwiGLU(d, 2 * d)}) for _ in range(layers))
        self.ln_q = RMSNorm(d)
        self.merger = nn.Sequential(nn.Linear(4 * d, 4 * d), nn.GELU(), nn.Linear(4 * d, out))
        gh, gw = grid
        m = merge_size
        # position ids in merge-unit order (as rot_pos_emb builds them)
        hp = torch.arange(gh)[:, None].expand(gh, gw).reshape(gh // m, m, gw // m, m).permute(0, 2, 1, 3).flatten()
        wp = torch.arange(gw)[None].expand(gh, gw).reshape(gh // m, m, gw // m, m).permute(0, 2, 1, 3).flatten()
        # window index (get_window_index): merge units grouped by windows of window_units x window_units
        uh, uw = gh // m, gw // m
        units = torch.arange(uh * uw).view(uh, uw)
        win = units.view(uh // window_units, window_units, uw // window_units, window_units).permute(0, 2, 1, 3).reshape(-1)
        self.register_buffer('window_index', win)
        self.register_buffer('reverse', torch.argsort(win))
        self.register_buffer('pos', torch.stack([hp, wp], -1))
        per_win = window_units * window_units * m * m
        n = gh * gw
        wid = torch.arange(n) // per_win
        self.register_buffer('win_bias', torch.where(wid[:, None] == wid[None], 0.0, -1e9)[None, None])

    def rot(self, x, pos):  # 2-D RoPE: h positions on the first half of each head, w on the second
        hd = x.shape[-1] // 2
        return torch.cat([rope(x[..., :hd], pos[:, 0]), rope(x[..., hd:], pos[:, 1])], -1)

    def forward(self, pixel_values):  # [N patches, 3 * 2 * 8 * 8] as the processor flattens them
        x = self.patch(pixel_values.view(-1, 3, 2, 8, 8)).view(-1, self.patch.out_channels)
        n, d = x.shape
        x = x.view(n // 4, 4, d)[self.window_index].reshape(n, d)
        pos = self.pos.view(n // 4, 4, 2)[self.window_index].reshape(n, 2)
        x = x[None]
        for i, L in enumerate(self.layers):
            q, k, v = [heads(t, self.h) for t in L['qkv'](L['n1'](x)).chunk(3, -1)]
            q, k = self.rot(q, pos), self.rot(k, pos)
            s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
            if i not in self.full:
                s = s + self.win_bias
            x = x + L['o'](merge(s.softmax(-1) @ v))
            x = x + L['mlp'](L['n2'](x))
        y = self.merger(self.ln_q(x[0]).view(-1, 4 * d))
        return y[self.reverse]


# --- Wav2Lip (Rudrabha/Wav2Lip): audio encoder, face encoder with skips, decoder by transposed convs ---

class C2d(nn.Module):
    def __init__(self, i, o, k, s, p, residual=False, transpose=False, op=0):
        super().__init__()
        self.conv = nn.ConvTranspose2d(i, o, k, s, p, op) if transpose else nn.Conv2d(i, o, k, s, p)
        self.bn, self.residual = nn.BatchNorm2d(o), residual

    def forward(self, x):
        y = self.bn(self.conv(x))
        return F.relu(y + x if self.residual else y)


class Wav2Lip(nn.Module):
    def __init__(self, w=16):
        super().__init__()
        self.face = nn.ModuleList([
            nn.Sequential(C2d(6, w, 7, 1, 3)),  # 96
            nn.Sequential(C2d(w, 2 * w, 3, 2, 1), C2d(2 * w, 2 * w, 3, 1, 1, True)),  # 48
            nn.Sequential(C2d(2 * w, 4 * w, 3, 2, 1), C2d(4 * w, 4 * w, 3, 1, 1, True)),  # 24
            nn.Sequential(C2d(4 * w, 8 * w, 3, 2, 1), C2d(8 * w, 8 * w, 3, 1, 1, True)),  # 12
            nn.Sequential(C2d(8 * w, 8 * w, 3, 2, 1), C2d(8 * w, 8 * w, 3, 1, 1, True)),  # 6
            nn.Sequential(C2d(8 * w, 16 * w, 3, 2, 1)),  # 3
            nn.Sequential(C2d(16 * w, 16 * w, 3, 1, 0), C2d(16 * w, 16 * w, 1, 1, 0))])  # 1
        self.audio = nn.Sequential(C2d(1, w, 3, 1, 1), C2d(w, w, 3, 1, 1, True), C2d(w, 2 * w, 3, (3, 1), 1),
                                   C2d(2 * w, 2 * w, 3, 1, 1, True), C2d(2 * w, 4 * w, 3, 3, 1), C2d(4 * w, 4 * w, 3, 1, 1, True),
                                   C2d(4 * w, 8 * w, 3, (3, 2), 1), C2d(8 * w, 16 * w, 3, 1, 0), C2d(16 * w, 16 * w, 1, 1, 0))
        self.dec = nn.ModuleList([
            nn.Sequential(C2d(16 * w, 16 * w, 1, 1, 0)),
            nn.Sequential(C2d(32 * w, 16 * w, 3, 1, 0, transpose=True)),  # 3
            nn.Sequential(C2d(32 * w, 8 * w, 3, 2, 1, transpose=True, op=1), C2d(8 * w, 8 * w, 3, 1, 1, True)),  # 6
            nn.Sequential(C2d(16 * w, 8 * w, 3, 2, 1, transpose=True, op=1), C2d(8 * w, 8 * w, 3, 1, 1, True)),  # 12
            nn.Sequential(C2d(16 * w, 4 * w, 3, 2, 1, transpose=True, op=1), C2d(4 * w, 4 * w, 3, 1, 1, True)),  # 24
            nn.Sequential(C2d(8 * w, 2 * w, 3, 2, 1, transpose=True, op=1), C2d(2 * w, 2 * w, 3, 1, 1, True)),  # 48
            nn.Sequential(C2d(4 * w, w, 3, 2, 1, transpose=True, op=1), C2d(w, w, 3, 1, 1, True))])  # 96
        self.out = nn.Sequential(C2d(2 * w, w, 3, 1, 1), nn.Conv2d(w, 3, 1), nn.Sigmoid())

    def forward(self, mel, face):  # mel [B, 1, 80, 16], face [B, 6, 96, 96] (masked target + reference)
        a = self.audio(mel)
        feats, x = [], face
        for f in self.face:
            x = f(x)
            feats.append(x)
        x = a
        for d in self.dec:
            x = torch.cat([d(x), feats.pop()], 1)
        return self.out(x)


# --- FRCRN (modelscope speech_frcrn_ans_cirm_16k): ConvSTFT, complex U-Net with complex FSMN, CRM, ConviSTFT ---

class ComplexConv(nn.Module):
    def __init__(self, i, o, k, s, p, transpose=False, op=(0, 0)):
        super().__init__()
        mk = (lambda: nn.ConvTranspose2d(i, o, k, s, p, op)) if transpose else (lambda: nn.Conv2d(i, o, k, s, p))
        self.re, self.im = mk(), mk()

    def forward(self, re, im):
        return self.re(re) - self.im(im), self.re(im) + self.im(re)


class ComplexFSMN(nn.Module):
    """Complex FSMN along frequency (the frequency recurrence): linear projection, memory by a depthwise conv."""

    def __init__(self, c, f):
        super().__init__()
        self.lin_re, self.lin_im = nn.Linear(c, c), nn.Linear(c, c)
        self.mem_re, self.mem_im = nn.Conv1d(c, c, 5, 1, 2, groups=c, bias=False), nn.Conv1d(c, c, 5, 1, 2, groups=c, bias=False)

    def forward(self, re, im):  # [B, C, F, T]
        b, c, f, t = re.shape
        r, i = [x.permute(0, 3, 2, 1).reshape(b * t, f, c) for x in (re, im)]
        r, i = self.lin_re(r) - self.lin_im(i), self.lin_re(i) + self.lin_im(r)
        r2, i2 = r.transpose(1, 2), i.transpose(1, 2)
        mr, mi = self.mem_re(r2) - self.mem_im(i2), self.mem_re(i2) + self.mem_im(r2)
        r, i = (r2 + mr).transpose(1, 2), (i2 + mi).transpose(1, 2)
        back = lambda x: x.reshape(b, t, f, c).permute(0, 3, 2, 1)
        return re + back(r), im + back(i)


class FRCRN(nn.Module):
    def __init__(self, win=320, hop=160, w=16):
        super().__init__()
        self.win, self.hop = win, hop
        n = torch.arange(win).float()
        window = torch.hann_window(win, periodic=True) ** 0.5
        k = torch.arange(win // 2 + 1).float()
        ang = 2 * math.pi * k[:, None] * n[None] / win
        kern = torch.cat([torch.cos(ang), -torch.sin(ang)], 0) * window  # [2F, win]
        self.register_buffer('stft_k', kern[:, None])
        inv = torch.linalg.pinv(kern).T  # [2F, win]
        self.register_buffer('istft_k', (inv * window)[:, None])
        self.register_buffer('env_k', (window ** 2)[None, None, :].repeat(1, 1, 1))
        self.e1, self.e2 = ComplexConv(1, w, (5, 2), (2, 1), (2, 0)), ComplexConv(w, w, (5, 2), (2, 1), (2, 0))
        self.fsmn = ComplexFSMN(w, 41)
        self.d2 = ComplexConv(2 * w, w, (5, 2), (2, 1), (2, 0), transpose=True)
        self.d1 = ComplexConv(2 * w, 1, (5, 2), (2, 1), (2, 0), transpose=True)

    def forward(self, wav):  # [1, samples]
        f = self.win // 2 + 1
        spec = F.conv1d(F.pad(wav[:, None], (self.win - self.hop, self.win - self.hop)), self.stft_k, stride=self.hop)
        re, im = spec[:, :f, None].transpose(1, 2), spec[:, f:, None].transpose(1, 2)  # [B, 1, F, T]
        causal = lambda x: F.pad(x, (1, 0))  # kernel 2 along time, causal
        r1, i1 = self.e1(causal(re), causal(im))
        r1, i1 = F.leaky_relu(r1, 0.2), F.leaky_relu(i1, 0.2)
        r2, i2 = self.e2(causal(r1), causal(i1))
        r2, i2 = F.leaky_relu(r2, 0.2), F.leaky_relu(i2, 0.2)
        fr, fi = self.fsmn(r2, i2)
        r3, i3 = self.d2(torch.cat([fr, r2], 1), torch.cat([fi, i2], 1))  # skip: the encoder's output at this level
        r3, i3 = F.leaky_relu(r3[..., :-1], 0.2), F.leaky_relu(i3[..., :-1], 0.2)
        mr, mi = self.d1(torch.cat([r3, r1], 1), torch.cat([i3, i1], 1))
        mr, mi = mr[..., :-1], mi[..., :-1]
        mr, mi = mr[:, :, :f], mi[:, :, :f]
        mag = torch.tanh(torch.sqrt(mr ** 2 + mi ** 2 + 1e-8))  # the complex ratio mask, magnitude bounded
        pr, pi = mr / torch.sqrt(mr ** 2 + mi ** 2 + 1e-8), mi / torch.sqrt(mr ** 2 + mi ** 2 + 1e-8)
        er = mag * (re * pr - im * pi)
        ei = mag * (re * pi + im * pr)
        out = torch.cat([er[:, 0], ei[:, 0]], 1)  # [B, 2F, T]
        y = F.conv_transpose1d(out, self.istft_k, stride=self.hop)
        env = F.conv_transpose1d(torch.ones(1, 1, out.shape[-1]), self.env_k, stride=self.hop)
        y = y / (env + 1e-8)
        return y[:, 0, self.win - self.hop: self.win - self.hop + wav.shape[-1]]

