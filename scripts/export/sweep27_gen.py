"""Twenty-seventh sweep: robot policies and world models — ACT (action chunking), a pi0-style flow-matching action
expert, V-JEPA 2-AC's action-conditioned predictor, RT-1 (FiLM + TokenLearner + action bins) — plain torch.nn with
the math of their projects' code, small widths, random weights. Exported by sweep27_vis.py."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def backbone(c=64):
    return nn.Sequential(nn.Conv2d(3, 32, 7, 2, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
                         nn.Conv2d(32, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU())


def sine_pos(h, w, d, temp=10000.0):
    """DETR's PositionEmbeddingSine (normalize=True) from an all-valid mask: cumsums along H / W, sin / cos."""
    not_mask = torch.ones(1, h, w)
    y, x = not_mask.cumsum(1), not_mask.cumsum(2)
    y, x = y / (y[:, -1:, :] + 1e-6) * 2 * math.pi, x / (x[:, :, -1:] + 1e-6) * 2 * math.pi
    dim_t = temp ** (2 * (torch.arange(d // 2) // 2) / (d // 2))
    px, py = x[..., None] / dim_t, y[..., None] / dim_t
    px = torch.stack([px[..., 0::2].sin(), px[..., 1::2].cos()], 4).flatten(3)
    py = torch.stack([py[..., 0::2].sin(), py[..., 1::2].cos()], 4).flatten(3)
    return torch.cat([py, px], 3).permute(0, 3, 1, 2)


class DetrEncLayer(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.sa = nn.MultiheadAttention(d, heads)
        self.l1, self.l2, self.n1, self.n2 = nn.Linear(d, 2 * d), nn.Linear(2 * d, d), nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, x, pos):
        q = x + pos
        x = self.n1(x + self.sa(q, q, x)[0])
        return self.n2(x + self.l2(F.relu(self.l1(x))))


class DetrDecLayer(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.sa, self.ca = nn.MultiheadAttention(d, heads), nn.MultiheadAttention(d, heads)
        self.l1, self.l2 = nn.Linear(d, 2 * d), nn.Linear(2 * d, d)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, t, mem, pos, qpos):
        q = t + qpos
        t = self.n1(t + self.sa(q, q, t)[0])
        t = self.n2(t + self.ca(t + qpos, mem + pos, mem)[0])
        return self.n3(t + self.l2(F.relu(self.l1(t))))


class ACT(nn.Module):
    """ACT (Zhao et al., 2023, ALOHA) at inference: a ResNet-ish backbone per camera (shared), 1x1 input projection,
    DETR sine positions, the CVAE latent zero (its projection a constant), proprioception token, a DETR-style
    post-norm encoder over [latent, proprio, both cameras' tokens] and decoder with 20 query embeddings: a chunk of
    20 14-d joint actions and is-pad logits."""

    def __init__(self, d=64, chunk=20, adim=14):
        super().__init__()
        self.bb, self.proj = backbone(), nn.Conv2d(64, d, 1)
        self.latent_out, self.proprio = nn.Linear(32, d), nn.Linear(adim, d)
        self.extra_pos, self.query = nn.Embedding(2, d), nn.Embedding(chunk, d)
        self.enc = nn.ModuleList([DetrEncLayer(d) for _ in range(2)])
        self.dec = nn.ModuleList([DetrDecLayer(d) for _ in range(2)])
        self.dn = nn.LayerNorm(d)
        self.action_head, self.pad_head = nn.Linear(d, adim), nn.Linear(d, 1)

    def forward(self, qpos, images):
        feats, poss = [], []
        for cam in range(images.shape[1]):
            f = self.proj(self.bb(images[:, cam]))
            feats.append(f)
            poss.append(sine_pos(f.shape[2], f.shape[3], f.shape[1]))
        src = torch.cat(feats, 3).flatten(2).permute(2, 0, 1)
        pos = torch.cat(poss, 3).flatten(2).permute(2, 0, 1)
        latent = self.latent_out(torch.zeros(qpos.shape[0], 32))
        src = torch.cat([latent[None], self.proprio(qpos)[None], src], 0)
        pos = torch.cat([self.extra_pos.weight[:, None], pos], 0)
        for layer in self.enc:
            src = layer(src, pos)
        qp = self.query.weight[:, None].expand(-1, qpos.shape[0], -1)
        t = torch.zeros_like(qp)
        for layer in self.dec:
            t = layer(t, src, pos, qp)
        t = self.dn(t).transpose(0, 1)
        return self.action_head(t), self.pad_head(t)


class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.w


class Pi0Layer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h, self.n1, self.n2 = heads, RMSNorm(d), RMSNorm(d)
        self.q, self.k, self.v, self.o = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.gate, self.up, self.down = nn.Linear(d, 2 * d, bias=False), nn.Linear(d, 2 * d, bias=False), nn.Linear(2 * d, d, bias=False)

    def kv(self, x):
        b, n, d = x.shape
        h = self.n1(x)
        return self.k(h).reshape(b, n, self.h, -1).transpose(1, 2), self.v(h).reshape(b, n, self.h, -1).transpose(1, 2)

    def forward(self, x, k, v, mask):
        b, n, d = x.shape
        q = self.q(self.n1(x)).reshape(b, n, self.h, -1).transpose(1, 2)
        a = (q @ k.transpose(-1, -2) * (d // self.h) ** -0.5).masked_fill(~mask, -1e9).softmax(-1)
        x = x + self.o((a @ v).transpose(1, 2).reshape(b, n, d))
        h = self.n2(x)
        return x + self.down(F.gelu(self.gate(h), approximate='tanh') * self.up(h))


class Pi0(nn.Module):
    """pi0-style VLA (Black et al., 2024) at inference: a prefix (64 image patch tokens, 8 text tokens) run once
    through the VLM layers, keeping each layer's keys / values; the action expert (its own weights, same depth) runs
    10 Euler steps of flow matching from the noise input: suffix = [state token, 8 action tokens (action ‖ sine time
    embedding → swish MLP)], block-causal mask (prefix sees prefix, state sees prefix + itself, actions see all),
    v_t from the action tokens, x ← x − 0.1·v_t."""

    def __init__(self, d=64, heads=4, layers=2, horizon=8, adim=7, vocab=100, steps=10):
        super().__init__()
        self.d, self.h, self.steps, self.horizon = d, heads, steps, horizon
        self.patch, self.tok = nn.Conv2d(3, d, 8, 8), nn.Embedding(vocab, d)
        self.vlm = nn.ModuleList([Pi0Layer(d, heads) for _ in range(layers)])
        self.expert = nn.ModuleList([Pi0Layer(d, heads) for _ in range(layers)])
        self.state_in, self.action_in = nn.Linear(adim, d), nn.Linear(adim, d)
        self.time_mlp = nn.Sequential(nn.Linear(2 * d, d), nn.SiLU(), nn.Linear(d, d))
        self.action_out, self.norm = nn.Linear(d, adim), RMSNorm(d)

    def time_emb(self, t):
        freq = torch.exp(-math.log(1000.0) * torch.arange(self.d // 2) / (self.d // 2)) * 2 * math.pi * 250.0
        x = torch.full((1, 1), t) * freq
        return torch.cat([x.sin(), x.cos()], -1)

    def forward(self, image, ids, state, noise):
        prefix = torch.cat([self.patch(image).flatten(2).transpose(1, 2), self.tok(ids) * math.sqrt(self.d)], 1)
        np_, ns = prefix.shape[1], 1 + self.horizon
        pm = torch.ones(np_, np_, dtype=torch.bool)
        kvs, x = [], prefix
        for layer in self.vlm:
            k, v = layer.kv(x)
            kvs.append((k, v))
            x = layer(x, k, v, pm)
        sm = torch.cat([torch.ones(ns, np_, dtype=torch.bool), torch.ones(ns, ns, dtype=torch.bool).tril() | torch.cat([torch.zeros(1, ns), torch.ones(self.horizon, ns)], 0).bool()], 1)
        a, st = noise, self.state_in(state)[:, None]
        for i in range(self.steps):
            t = 1.0 - i / self.steps
            te = self.time_emb(t)[:, None].expand(a.shape[0], self.horizon, -1)
            s = torch.cat([st, self.time_mlp(torch.cat([self.action_in(a), te], -1))], 1)
            for layer, (pk, pv) in zip(self.expert, kvs):
                k, v = layer.kv(s)
                s = layer(s, torch.cat([pk, k], 2), torch.cat([pv, v], 2), sm)
            a = a - self.action_out(self.norm(s[:, 1:])) / self.steps
        return a


def rope3d(x, pos, d3):
    """x [B, h, N, D], pos [N, 3] integer positions (t, y, x): D split in three, each part's (even, odd) pairs rotated
    by its axis' angle (V-JEPA 2's rotate_queries_or_keys: unflatten to pairs, stack (−y2, y1), flatten)."""
    outs = []
    for ax in range(3):
        part = x[..., ax * d3:(ax + 1) * d3]
        freq = 1.0 / (10000 ** (torch.arange(0, d3, 2).float() / d3))
        ang = pos[:, ax:ax + 1].float() * freq
        cos, sin = torch.stack([ang.cos(), ang.cos()], -1).flatten(-2), torch.stack([ang.sin(), ang.sin()], -1).flatten(-2)
        y1, y2 = part.reshape(part.shape[0], part.shape[1], part.shape[2], d3 // 2, 2).unbind(-1)  # unflatten: no export in 1.13
        rot = torch.stack([-y2, y1], -1).flatten(-2)
        outs.append(part * cos + rot * sin)
    return torch.cat(outs, -1)


class RopeBlock(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.h, self.dh, self.n1, self.n2 = heads, d // heads, nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x, pos, mask=None):
        # The head width from the module, not x.shape: traced shape arithmetic made torch 1.13 write an invalid file
        # (the rotary frequencies in double, a stack's axis lost; onnxruntime refuses to load it).
        b, n, d = x.shape
        q, k, v = self.qkv(self.n1(x)).reshape(b, n, 3, self.h, self.dh).permute(2, 0, 3, 1, 4)
        q, k = rope3d(q, pos, self.dh // 3), rope3d(k, pos, self.dh // 3)
        a = q @ k.transpose(-1, -2) * self.dh ** -0.5
        if mask is not None:
            a = a + mask
        x = x + self.proj((a.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.mlp(self.n2(x))


class VJEPA2AC(nn.Module):
    """V-JEPA 2-AC (Assran et al., 2025): a frozen video ViT encodes each frame as a tubelet of two copies (Conv3d
    (2, 8, 8)), 3-D RoPE over (t, y, x); the action-conditioned predictor reads per step [action, state, 64 patch
    tokens] with a block-causal mask over steps (RoPE positions (t, 0, 0) for action / state) and predicts the next
    step's patch features."""

    def __init__(self, d=96, adim=7):
        super().__init__()
        self.tube = nn.Conv3d(3, d, (2, 8, 8), (2, 8, 8))
        self.enc = nn.ModuleList([RopeBlock(d) for _ in range(2)])
        self.en = nn.LayerNorm(d)
        self.a_in, self.s_in, self.p_in = nn.Linear(adim, d), nn.Linear(adim, d), nn.Linear(d, d)
        self.pred = nn.ModuleList([RopeBlock(d) for _ in range(2)])
        self.pn, self.p_out = nn.LayerNorm(d), nn.Linear(d, d)

    def forward(self, frames, actions, states):
        b, c, t, hh, ww = frames.shape
        x = self.tube(frames.unsqueeze(3).expand(b, c, t, 2, hh, ww).reshape(b, c, 2 * t, hh, ww))  # [B, d, T, 8, 8]
        d, gh, gw = x.shape[1], x.shape[3], x.shape[4]
        x = x.flatten(2).transpose(1, 2)
        tt, yy, xx = torch.meshgrid(torch.arange(t), torch.arange(gh), torch.arange(gw), indexing='ij')
        pos = torch.stack([tt, yy, xx], -1).reshape(-1, 3)
        for blk in self.enc:
            x = blk(x, pos)
        x = self.p_in(self.en(x)).reshape(b, t, gh * gw, d)
        z = torch.cat([self.a_in(actions)[:, :, None], self.s_in(states)[:, :, None], x], 2).reshape(b, -1, d)
        per = gh * gw + 2
        zeros2 = torch.zeros(2, 3, dtype=torch.long)
        ppos = torch.cat([torch.cat([zeros2 + torch.tensor([i, 0, 0]), pos[i * gh * gw:(i + 1) * gh * gw]], 0) for i in range(t)], 0)
        step = torch.arange(t).repeat_interleave(per)
        mask = torch.zeros(step.shape[0], step.shape[0]).masked_fill(step[None, :] > step[:, None], -1e9)
        for blk in self.pred:
            z = blk(z, ppos, mask)
        z = self.p_out(self.pn(z)).reshape(b, t, per, d)[:, :, 2:]
        return z.reshape(b, t * gh * gw, d)


class RT1(nn.Module):
    """RT-1 (Brohan et al., 2022): a FiLM-conditioned conv tower per frame (γ, β from the instruction embedding,
    x·(1+γ) + β), TokenLearner to 8 tokens per frame (spatial attention maps by a 1x1-conv MLP, sigmoid, weighted
    means), a causal transformer over 6 frames × 8 tokens, and per action dimension 256-bin logits with their
    arg-max decoded to [-1, 1]."""

    def __init__(self, d=64, tokens=8, frames=6, adim=7, bins=256):
        super().__init__()
        self.adim, self.bins, self.frames, self.tokens = adim, bins, frames, tokens
        self.convs = nn.ModuleList([nn.Conv2d(3, 32, 3, 2, 1), nn.Conv2d(32, 48, 3, 2, 1), nn.Conv2d(48, d, 3, 2, 1)])
        self.films = nn.ModuleList([nn.Linear(128, 2 * c) for c in (32, 48, d)])
        self.tl = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU(), nn.Linear(d, tokens))
        self.pos = nn.Parameter(torch.randn(1, frames * tokens, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, 4, 2 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.tf = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(d, adim * bins)

    def forward(self, images, instr):
        b = images.shape[0]
        x = images.flatten(0, 1)
        e = instr.repeat_interleave(self.frames, 0)
        for c, f in zip(self.convs, self.films):
            x = F.silu(c(x))
            g, bt = f(e).chunk(2, -1)
            x = x * (1 + g[..., None, None]) + bt[..., None, None]
        f = x.flatten(2).transpose(1, 2)  # [B·T, HW, d]
        att = torch.sigmoid(self.tl(f)).transpose(1, 2)  # [B·T, S, HW]
        tok = (att @ f) / f.shape[1]
        tok = tok.reshape(b, self.frames * self.tokens, -1) + self.pos
        n = tok.shape[1]
        mask = torch.triu(torch.full((n, n), float('-inf')), 1)
        y = self.tf(tok, mask=mask)[:, -1]
        logits = self.head(y).reshape(b, self.adim, self.bins)
        return logits, logits.argmax(-1).float() / (self.bins - 1) * 2 - 1


class ChannelAttention(nn.Module):
    """DaViT's channel group attention: per head the [d, d] attention between channels over all tokens
    (kᵀ·v scaled by N^-0.5, softmax over channels), q multiplied by it."""

    def __init__(self, d, heads=4):
        super().__init__()
        self.h, self.qkv, self.proj = heads, nn.Linear(d, 3 * d), nn.Linear(d, d)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        a = ((k * n ** -0.5).transpose(-1, -2) @ v).softmax(-1)
        return self.proj((a @ q.transpose(-1, -2)).transpose(-1, -2).transpose(1, 2).reshape(b, n, d))


class Florence2Step(nn.Module):
    """Florence-2-style decode step (Xiao et al., 2024): a DaViT-ish image encoder (4x4 patch conv, a window-attention
    block over 8x8 windows, a channel-attention block), image tokens projected with learned 2-D positions and joined
    with the prompt's token embeddings, a post-norm BART encoder layer; then one BART decoder step for the next token:
    self-attention over a 6-position KV cache (past keys / values in, present out), cross-attention over the
    encoder states, tied LM head."""

    def __init__(self, d=64, heads=4, vocab=200, layers=2):
        super().__init__()
        self.d, self.h, self.layers = d, heads, layers
        self.patch, self.win = nn.Conv2d(3, d, 4, 4), nn.MultiheadAttention(d, heads, batch_first=True)
        self.n_win, self.n_ch, self.ch = nn.LayerNorm(d), nn.LayerNorm(d), ChannelAttention(d, heads)
        self.img_pos, self.img_proj = nn.Parameter(torch.randn(1, 256, d) * 0.02), nn.Linear(d, d)
        self.tok, self.enc_pos, self.dec_pos = nn.Embedding(vocab, d), nn.Embedding(300, d), nn.Embedding(64, d)
        self.enc = nn.TransformerEncoderLayer(d, heads, 2 * d, dropout=0.0, batch_first=True, activation='gelu')
        self.sa = nn.ModuleList([nn.Linear(d, 3 * d) for _ in range(layers)])
        self.sa_o = nn.ModuleList([nn.Linear(d, d) for _ in range(layers)])
        self.ca = nn.ModuleList([nn.MultiheadAttention(d, heads, batch_first=True) for _ in range(layers)])
        self.ff = nn.ModuleList([nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)) for _ in range(layers)])
        self.norms = nn.ModuleList([nn.LayerNorm(d) for _ in range(3 * layers)])

    def encode(self, pixels, prompt):
        x = self.patch(pixels)  # [1, d, 16, 16]
        b, d, hh, ww = x.shape
        w = x.reshape(b, d, hh // 8, 8, ww // 8, 8).permute(0, 2, 4, 3, 5, 1).reshape(-1, 64, d)
        w = w + self.win(self.n_win(w), self.n_win(w), self.n_win(w), need_weights=False)[0]
        x = w.reshape(b, hh // 8, ww // 8, 8, 8, d).permute(0, 1, 3, 2, 4, 5).reshape(b, hh * ww, d)
        x = x + self.ch(self.n_ch(x))
        x = torch.cat([self.img_proj(x + self.img_pos), self.tok(prompt)], 1)
        return self.enc(x + self.enc_pos.weight[:x.shape[1]])

    def forward(self, pixels, prompt, token, past_key, past_value):
        mem = self.encode(pixels, prompt)
        past = past_key.shape[3]
        x = self.tok(token) + self.dec_pos.weight[past:past + 1]
        keys, values = [], []
        for i in range(self.layers):
            q, k, v = self.sa[i](x).reshape(1, 1, 3, self.h, self.d // self.h).permute(2, 0, 3, 1, 4)
            k, v = torch.cat([past_key[i], k], 2), torch.cat([past_value[i], v], 2)
            keys.append(k)
            values.append(v)
            a = (q @ k.transpose(-1, -2) * (self.d // self.h) ** -0.5).softmax(-1)
            x = self.norms[3 * i](x + self.sa_o[i]((a @ v).transpose(1, 2).reshape(1, 1, self.d)))
            x = self.norms[3 * i + 1](x + self.ca[i](x, mem, mem, need_weights=False)[0])
            x = self.norms[3 * i + 2](x + self.ff[i](x))
        return x @ self.tok.weight.t(), torch.stack(keys), torch.stack(values)
