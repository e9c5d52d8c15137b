"""Eighteenth sweep: language and multimodal families not tried in the seventeen earlier sweeps, as their reference code
writes them (random weights, small widths): ConvBERT (mixed attention: span-based dynamic convolution by a softmaxed
per-token kernel over `unfold`ed values beside half the heads of self-attention), SqueezeBERT (grouped Conv1d
projections over a [B, C, T] stream, LayerNorm over channels), Funnel Transformer (queries mean-pooled by 2 with the
CLS kept apart, keys / values unpooled, upsampling by repeat back to full length), cosFormer (ReLU feature maps
re-weighted by cos / sin of position, linear attention by einsum), Charformer GBST (block means at 4 block sizes,
scored, upsampled by repeat, softmax over block sizes with score consensus, downsampled), Flamingo (Perceiver
resampler over media + latents, gated tanh cross-attention with a media-location mask from a cumsum) and LXMERT
(language / object-relationship encoders, visual features + boxes embedding, bidirectional cross-modality layers).
Models in MODELS, exported by sweep18_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def ids(b, t, vocab=300, seed=0):
    return torch.randint(1, vocab, (b, t), generator=torch.Generator().manual_seed(seed))


def heads(x, h):  # [B, T, D] -> [B, H, T, d]
    b, t, d = x.shape
    return x.view(b, t, h, d // h).transpose(1, 2)


def merge(x):  # [B, H, T, d] -> [B, T, D]
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


class BertFFN(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.i, self.o, self.ln = nn.Linear(d, h), nn.Linear(h, d), nn.LayerNorm(d, eps=1e-12)

    def forward(self, x):
        return self.ln(x + self.o(F.gelu(self.i(x))))


class BertEmb(nn.Module):
    def __init__(self, vocab, d, n=64):
        super().__init__()
        self.w, self.p, self.t = nn.Embedding(vocab, d), nn.Embedding(n, d), nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)

    def forward(self, ids, tt=None):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.w(ids) + self.p(pos) + (self.t(tt) if tt is not None else self.t.weight[0])
        return self.ln(x)


def ext_mask(mask):  # [B, T] 1 / 0 -> additive [B, 1, 1, T]
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


# --- ConvBERT ---

class SeparableConv1D(nn.Module):
    def __init__(self, cin, cout, k):
        super().__init__()
        self.depthwise = nn.Conv1d(cin, cin, k, padding=k // 2, groups=cin, bias=False)
        self.pointwise = nn.Conv1d(cin, cout, 1, bias=False)
        self.bias = nn.Parameter(torch.randn(cout, 1) * 0.1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x)) + self.bias


class ConvBertAttention(nn.Module):
    def __init__(self, d=64, n_heads=4, head_ratio=2, k=9):
        super().__init__()
        self.h = n_heads // head_ratio
        self.hs = d // n_heads
        a = self.h * self.hs
        self.k, self.a = k, a
        self.query, self.key, self.value = nn.Linear(d, a), nn.Linear(d, a), nn.Linear(d, a)
        self.key_conv_attn_layer = SeparableConv1D(d, a, k)
        self.conv_kernel_layer = nn.Linear(a, self.h * k)
        self.conv_out_layer = nn.Linear(d, a)
        self.dense, self.ln = nn.Linear(2 * a, d), nn.LayerNorm(d, eps=1e-12)

    def forward(self, x, mask):
        b, t, _ = x.shape
        q, kk, v = self.query(x), self.key(x), self.value(x)
        kc = self.key_conv_attn_layer(x.transpose(1, 2)).transpose(1, 2)
        conv_attn = kc * q
        ck = torch.softmax(self.conv_kernel_layer(conv_attn).reshape(-1, self.k, 1), 1)
        co = self.conv_out_layer(x).transpose(1, 2).contiguous().unsqueeze(-1)
        co = F.unfold(co, [self.k, 1], dilation=1, padding=[(self.k - 1) // 2, 0], stride=1)
        co = co.transpose(1, 2).reshape(b, -1, self.a, self.k).reshape(-1, self.hs, self.k)
        co = torch.matmul(co, ck).reshape(-1, self.h, self.hs)
        s = heads(q, self.h) @ heads(kk, self.h).transpose(-1, -2) / math.sqrt(self.hs) + mask
        ctx = torch.softmax(s, -1) @ heads(v, self.h)
        ctx = torch.cat([ctx.permute(0, 2, 1, 3), co.reshape(b, t, self.h, self.hs)], 2).reshape(b, t, 2 * self.a)
        return self.ln(x + self.dense(ctx))


class ConvBert(nn.Module):
    def __init__(self, vocab=300, d=64, layers=2):
        super().__init__()
        self.emb = BertEmb(vocab, d)
        self.layers = nn.ModuleList(nn.ModuleList([ConvBertAttention(d), BertFFN(d, 4 * d)]) for _ in range(layers))

    def forward(self, ids, mask):
        x, m = self.emb(ids), ext_mask(mask)
        for a, f in self.layers:
            x = f(a(x, m))
        return x


# --- SqueezeBERT ---

class ConvLN(nn.Module):  # SqueezeBERT ConvDropoutLayerNorm: grouped conv, residual, LayerNorm over channels
    def __init__(self, cin, cout, groups):
        super().__init__()
        self.conv, self.ln = nn.Conv1d(cin, cout, 1, groups=groups), nn.LayerNorm(cout, eps=1e-12)

    def forward(self, x, res):
        x = self.conv(x) + res
        return self.ln(x.permute(0, 2, 1)).permute(0, 2, 1)


class SqueezeBertLayer(nn.Module):
    def __init__(self, d=64, h=4, g=4):
        super().__init__()
        self.h = h
        self.query, self.key, self.value = (nn.Conv1d(d, d, 1, groups=g) for _ in range(3))
        self.post_attention = ConvLN(d, d, g)
        self.intermediate = nn.Conv1d(d, 4 * d, 1, groups=g)
        self.output = ConvLN(4 * d, d, g)

    def forward(self, x, mask):  # x [B, C, T]
        b, c, t = x.shape
        q = self.query(x).view(b, self.h, c // self.h, t).permute(0, 1, 3, 2)
        k = self.key(x).view(b, self.h, c // self.h, t)
        v = self.value(x).view(b, self.h, c // self.h, t).permute(0, 1, 3, 2)
        p = torch.softmax(q @ k / math.sqrt(c // self.h) + mask, -1)
        ctx = (p @ v).permute(0, 1, 3, 2).contiguous().view(b, c, t)
        a = self.post_attention(ctx, x)
        return self.output(F.gelu(self.intermediate(a)), a)


class SqueezeBert(nn.Module):
    def __init__(self, vocab=300, d=64, layers=2):
        super().__init__()
        self.emb = BertEmb(vocab, d)
        self.layers = nn.ModuleList(SqueezeBertLayer(d) for _ in range(layers))
        self.pool = nn.Linear(d, d)

    def forward(self, ids, mask):
        x, m = self.emb(ids).permute(0, 2, 1), ext_mask(mask)
        for layer in self.layers:
            x = layer(x, m)
        x = x.permute(0, 2, 1)
        return x, torch.tanh(self.pool(x[:, 0]))


# --- Funnel Transformer ---

class FunnelAttn(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h = h
        self.q, self.kv, self.o = nn.Linear(d, d, bias=False), nn.Linear(d, 2 * d), nn.Linear(d, d)
        self.ln = nn.LayerNorm(d, eps=1e-9)

    def forward(self, q_in, kv_in, mask):
        k, v = self.kv(kv_in).chunk(2, -1)
        p = torch.softmax(heads(self.q(q_in), self.h) @ heads(k, self.h).transpose(-1, -2) / math.sqrt(16) + mask, -1)
        return self.ln(q_in + self.o(merge(p @ heads(v, self.h))))


class Funnel(nn.Module):
    def __init__(self, vocab=300, d=64, blocks=(2, 2)):
        super().__init__()
        self.emb = BertEmb(vocab, d)
        self.blocks = nn.ModuleList(nn.ModuleList(nn.ModuleList([FunnelAttn(d), BertFFN(d, 4 * d)]) for _ in range(n)) for n in blocks)
        self.dec = nn.ModuleList(nn.ModuleList([FunnelAttn(d), BertFFN(d, 4 * d)]) for _ in range(2))

    @staticmethod
    def pool(x):  # separate_cls mean pooling of [B, T, D] by 2 (truncate_seq)
        cls, rest = x[:, :1], x[:, 1:-1]
        return torch.cat([cls, F.avg_pool1d(rest.transpose(1, 2), 2, 2).transpose(1, 2)], 1)

    @staticmethod
    def pool_mask(m):  # min pooling of the 0 / 1 mask
        cls, rest = m[:, :1], m[:, 1:-1]
        return torch.cat([cls, -F.max_pool1d(-rest.unsqueeze(1), 2, 2).squeeze(1)], 1)

    def forward(self, ids, mask):
        x = self.emb(ids)
        m = mask.float()
        first = None
        for bi, block in enumerate(self.blocks):
            for li, (a, f) in enumerate(block):
                if bi > 0 and li == 0:
                    q = self.pool(x)
                    x = f(a(q, x, ext_mask(m)))
                    m = self.pool_mask(m)
                else:
                    x = f(a(x, x, ext_mask(m)))
            if bi == 0:
                first = x
        t = first.shape[1]
        cls, rest = x[:, :1], x[:, 1:]
        up = rest.unsqueeze(2).expand(-1, -1, 2, -1).reshape(x.shape[0], -1, x.shape[2])
        up = torch.cat([cls, up, up[:, -1:]], 1)[:, :t]
        x = up + first
        for a, f in self.dec:
            x = f(a(x, x, ext_mask(mask)))
        return x


# --- cosFormer ---

class CosFormerAttn(nn.Module):
    def __init__(self, d=64, h=4, eps=1e-6):
        super().__init__()
        self.h, self.eps = h, eps
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, pad):  # pad [B, T] 1 keep / 0 pad
        b, t, d = x.shape
        q = F.relu(self.q(x)).view(b, t, self.h, -1).transpose(1, 2).reshape(b * self.h, t, -1)
        k = (F.relu(self.k(x)) * pad[..., None]).view(b, t, self.h, -1).transpose(1, 2).reshape(b * self.h, t, -1)
        v = self.v(x).view(b, t, self.h, -1).transpose(1, 2).reshape(b * self.h, t, -1)
        idx = math.pi / 2 * torch.arange(1, t + 1).float().view(1, -1, 1) / t
        q_ = torch.cat([q * torch.sin(idx), q * torch.cos(idx)], -1)
        k_ = torch.cat([k * torch.sin(idx), k * torch.cos(idx)], -1)
        kv = torch.einsum('nld,nlm->ndm', k_, v)
        z = 1 / torch.clamp_min(torch.einsum('nld,nd->nl', q_, k_.sum(1)), self.eps)
        out = torch.einsum('nld,ndm,nl->nlm', q_, kv, z)
        return self.o(out.view(b, self.h, t, -1).transpose(1, 2).reshape(b, t, d))


class CosFormer(nn.Module):
    def __init__(self, vocab=300, d=64, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(nn.ModuleList([nn.LayerNorm(d), CosFormerAttn(d), nn.LayerNorm(d),
                                                   nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))]) for _ in range(layers))
        self.head = nn.Linear(d, 3)

    def forward(self, ids, mask):
        x, m = self.emb(ids), mask.float()
        for n1, a, n2, f in self.layers:
            x = x + a(n1(x), m)
            x = x + f(n2(x))
        return self.head((x * m[..., None]).sum(1) / m.sum(1, keepdim=True))


# --- Charformer GBST ---

class GBST(nn.Module):
    def __init__(self, vocab=259, d=64, max_block=4, rate=2, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos_conv = nn.Conv1d(d, d, max_block, padding=0)
        self.max_block, self.rate = max_block, rate
        self.score = nn.Linear(d, 1)
        enc = nn.TransformerEncoderLayer(d, 4, 4 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(enc, layers, enable_nested_tensor=False)

    def forward(self, ids):
        x = self.emb(ids)
        b, n, d = x.shape
        x = self.pos_conv(F.pad(x.transpose(1, 2), (0, self.max_block - 1))).transpose(1, 2)
        blocks, scores = [], []
        for s in range(1, self.max_block + 1):
            xb = F.avg_pool1d(x.transpose(1, 2), s, s, ceil_mode=False).transpose(1, 2) if s > 1 else x
            sb = self.score(xb)
            if s > 1:
                xb = xb.unsqueeze(2).expand(-1, -1, s, -1).reshape(b, -1, d)
                sb = sb.unsqueeze(2).expand(-1, -1, s, -1).reshape(b, -1, 1)
            blocks.append(xb[:, :n])
            scores.append(sb[:, :n])
        blocks = torch.stack(blocks, 2)  # [B, N, S, D]
        scores = torch.softmax(torch.cat(scores, -1), -1)  # [B, N, S]
        sim = torch.softmax(scores @ scores.transpose(1, 2), -1)  # score consensus
        scores = sim @ scores
        x = (blocks * scores.unsqueeze(-1)).sum(2)
        x = F.avg_pool1d(x.transpose(1, 2), self.rate, self.rate).transpose(1, 2)
        return self.enc(x)


# --- Flamingo ---

class PerceiverAttention(nn.Module):
    def __init__(self, d=64, h=4, dh=16):
        super().__init__()
        self.h, self.scale = h, dh ** -0.5
        self.norm_media, self.norm_latents = nn.LayerNorm(d), nn.LayerNorm(d)
        self.to_q, self.to_kv, self.to_out = nn.Linear(d, h * dh, bias=False), nn.Linear(d, 2 * h * dh, bias=False), nn.Linear(h * dh, d, bias=False)

    def forward(self, x, latents):  # x [B, T, n, D], latents [B, T, L, D]
        x, latents = self.norm_media(x), self.norm_latents(latents)
        q = self.to_q(latents)
        k, v = self.to_kv(torch.cat((x, latents), -2)).chunk(2, -1)
        b, t = q.shape[:2]
        q, k, v = (y.reshape(b, t, y.shape[2], self.h, -1).permute(0, 3, 1, 2, 4) for y in (q, k, v))
        sim = (q * self.scale) @ k.transpose(-1, -2)
        sim = sim - sim.amax(-1, keepdim=True).detach()
        out = sim.softmax(-1) @ v
        return self.to_out(out.permute(0, 2, 3, 1, 4).reshape(b, t, -1, self.h * v.shape[-1]))


class FF(nn.Sequential):
    def __init__(self, d, mult=4):
        super().__init__(nn.LayerNorm(d), nn.Linear(d, d * mult, bias=False), nn.GELU(), nn.Linear(d * mult, d, bias=False))


class MaskedCrossAttention(nn.Module):
    def __init__(self, d=64, h=4, dh=16):
        super().__init__()
        self.h, self.scale = h, dh ** -0.5
        self.norm = nn.LayerNorm(d)
        self.to_q, self.to_kv, self.to_out = nn.Linear(d, h * dh, bias=False), nn.Linear(d, 2 * h * dh, bias=False), nn.Linear(h * dh, d, bias=False)

    def forward(self, x, media, media_locations):  # media [B, T_img, n, D]; media_locations [B, T_txt] bool
        b, t_img, n, _ = media.shape
        x = self.norm(x)
        q = heads(self.to_q(x), self.h) * self.scale
        k, v = self.to_kv(media.reshape(b, t_img * n, -1)).chunk(2, -1)
        sim = q @ heads(k, self.h).transpose(-1, -2)
        text_time = media_locations.long().cumsum(-1)  # which image each token follows
        media_time = torch.arange(t_img) + 1
        mask = text_time[:, None, :, None] == media_time.repeat_interleave(n)[None, None, None, :]
        sim = sim.masked_fill(~mask, -torch.finfo(sim.dtype).max)
        sim = sim - sim.amax(-1, keepdim=True).detach()
        attn = sim.softmax(-1)
        attn = attn.masked_fill((text_time == 0)[:, None, :, None], 0.0)  # tokens before any image attend nothing
        return self.to_out(merge(attn @ heads(v, self.h)))


class GatedXAttnBlock(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.attn, self.ff = MaskedCrossAttention(d), FF(d)
        self.attn_gate, self.ff_gate = nn.Parameter(torch.tensor([0.3])), nn.Parameter(torch.tensor([-0.2]))

    def forward(self, x, media, loc):
        x = self.attn(x, media, loc) * self.attn_gate.tanh() + x
        return self.ff(x) * self.ff_gate.tanh() + x


class Flamingo(nn.Module):
    def __init__(self, vocab=300, d=64, latents=8, depth=2, n_media=2, patches=16):
        super().__init__()
        self.vis = nn.Linear(48, d)  # stand-in for the frozen vision encoder's patch features
        self.latents = nn.Parameter(torch.randn(latents, d))
        self.media_time = nn.Parameter(torch.randn(n_media, 1, d) * 0.1)
        self.resampler = nn.ModuleList(nn.ModuleList([PerceiverAttention(d), FF(d)]) for _ in range(depth))
        self.norm = nn.LayerNorm(d)
        self.emb = nn.Embedding(vocab, d)
        self.xattn = nn.ModuleList(GatedXAttnBlock(d) for _ in range(2))
        lm = nn.TransformerEncoderLayer(d, 4, 4 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.lm = nn.ModuleList(nn.TransformerEncoder(lm, 1, enable_nested_tensor=False) for _ in range(2))
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, patches, ids, media_locations):  # patches [B, T_img, n, 48]
        x = self.vis(patches) + self.media_time
        b, t = x.shape[:2]
        lat = self.latents.expand(b, t, -1, -1)
        for a, f in self.resampler:
            lat = a(x, lat) + lat
            lat = f(lat) + lat
        media = self.norm(lat)
        h = self.emb(ids)
        n = ids.shape[1]
        causal = torch.ones(n, n, dtype=torch.bool).triu(1)
        for xa, layer in zip(self.xattn, self.lm):
            h = layer(xa(h, media, media_locations), mask=causal)
        return self.head(h)


def flamingo_inputs():
    g = torch.Generator().manual_seed(5)
    loc = torch.zeros(2, 12, dtype=torch.bool)
    loc[0, 1] = loc[0, 7] = True
    loc[1, 0] = loc[1, 5] = True
    return torch.randn(2, 2, 16, 48, generator=g), torch.randint(1, 300, (2, 12), generator=g), loc


# --- LXMERT ---

class XAttn(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h = h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln = nn.LayerNorm(d, eps=1e-12)

    def forward(self, x, ctx, mask):
        p = torch.softmax(heads(self.q(x), self.h) @ heads(self.k(ctx), self.h).transpose(-1, -2) / 4.0 + mask, -1)
        return self.ln(x + self.o(merge(p @ heads(self.v(ctx), self.h))))


class LxmertXLayer(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.visual_attention = XAttn(d)  # shared by both directions, as LXMERT does
        self.lang_self, self.visn_self = XAttn(d), XAttn(d)
        self.lang_ffn, self.visn_ffn = BertFFN(d, 4 * d), BertFFN(d, 4 * d)

    def forward(self, lang, lm, visn, vm):
        lang_x = self.visual_attention(lang, visn, vm)
        visn_x = self.visual_attention(visn, lang, lm)
        lang_x, visn_x = self.lang_self(lang_x, lang_x, lm), self.visn_self(visn_x, visn_x, vm)
        return self.lang_ffn(lang_x), self.visn_ffn(visn_x)


class Lxmert(nn.Module):
    def __init__(self, vocab=300, d=64, feat=128, l_layers=2, r_layers=1, x_layers=2):
        super().__init__()
        self.emb = BertEmb(vocab, d)
        self.visn_fc, self.visn_ln = nn.Linear(feat, d), nn.LayerNorm(d, eps=1e-12)
        self.box_fc, self.box_ln = nn.Linear(4, d), nn.LayerNorm(d, eps=1e-12)
        self.l_layers = nn.ModuleList(nn.ModuleList([XAttn(d), BertFFN(d, 4 * d)]) for _ in range(l_layers))
        self.r_layers = nn.ModuleList(nn.ModuleList([XAttn(d), BertFFN(d, 4 * d)]) for _ in range(r_layers))
        self.x_layers = nn.ModuleList(LxmertXLayer(d) for _ in range(x_layers))
        self.pool = nn.Linear(d, d)
        self.answer = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.LayerNorm(2 * d, eps=1e-12), nn.Linear(2 * d, 10))

    def forward(self, ids, tt, mask, feats, boxes):
        lang, lm = self.emb(ids, tt), ext_mask(mask)
        visn = (self.visn_ln(self.visn_fc(feats)) + self.box_ln(self.box_fc(boxes))) / 2
        vm = torch.zeros(1, 1, 1, visn.shape[1])
        for a, f in self.l_layers:
            lang = f(a(lang, lang, lm))
        for a, f in self.r_layers:
            visn = f(a(visn, visn, vm))
        for x in self.x_layers:
            lang, visn = x(lang, lm, visn, vm)
        return self.answer(torch.tanh(self.pool(lang[:, 0]))), visn


def lxmert_inputs():
    g = torch.Generator().manual_seed(6)
    m = torch.ones(2, 14, dtype=torch.long)
    m[1, 10:] = 0
    return (torch.randint(1, 300, (2, 14), generator=g), torch.zeros(2, 14, dtype=torch.long), m,
            torch.rand(2, 12, 128, generator=g), torch.rand(2, 12, 4, generator=g))


def masked(b, t, seed, vocab=300):
    x = ids(b, t, vocab, seed)
    m = torch.ones(b, t, dtype=torch.long)
    if b > 1:
        m[1, t - 5:] = 0
    return x, m


MODELS = {
    'convbert': lambda: (ConvBert().eval(), masked(2, 16, 1), {'names': ['input_ids', 'attention_mask'], 'outputs': ['hidden'], 'opset': 14}),
    'squeezebert': lambda: (SqueezeBert().eval(), masked(2, 16, 2), {'names': ['input_ids', 'attention_mask'], 'outputs': ['hidden', 'pooled'], 'opset': 14}),
    'funnel': lambda: (Funnel().eval(), masked(2, 18, 3), {'names': ['input_ids', 'attention_mask'], 'outputs': ['hidden'], 'opset': 14}),
    'cosformer': lambda: (CosFormer().eval(), masked(2, 20, 4), {'names': ['input_ids', 'attention_mask'], 'outputs': ['logits'], 'opset': 14}),
    'charformer_gbst': lambda: (GBST().eval(), ids(1, 24, 259, 7), {'names': ['byte_ids'], 'outputs': ['hidden'], 'opset': 14}),
    'flamingo': lambda: (Flamingo().eval(), flamingo_inputs(), {'names': ['patches', 'input_ids', 'media_locations'], 'outputs': ['logits'], 'opset': 14}),
    'lxmert': lambda: (Lxmert().eval(), lxmert_inputs(), {'names': ['input_ids', 'token_type_ids', 'attention_mask', 'visual_feats', 'visual_pos'], 'outputs': ['answer', 'visn'], 'opset': 14}),
}
