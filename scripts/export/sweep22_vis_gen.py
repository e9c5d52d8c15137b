"""Twenty-second sweep (docs/model-sweep.md): image-generation pieces as their public code writes them — the DC-AE
decoder (mit-han-lab/efficientvit, deep compression autoencoder: EfficientViT blocks of ReLU linear attention with
multi-scale 5x5 aggregation of q / k / v and v padded with ones for the normaliser, GLU MBConv, RMSNorm over channels,
ResBlocks at high resolution, pixel-shuffle upsampling plus a channel-duplicating pixel-shuffle shortcut), U-ViT
(baofff/U-ViT: the time step and the class label as tokens, long skips concatenated then projected, unpatchify and a
3x3 conv) and one MaskGIT decoding step (google-research/maskgit: a bidirectional transformer over VQ tokens with the
unknown positions given the mask id, tied-embedding logits, arg-max ids and their probabilities, the cosine
schedule's number of tokens to mask at the step's ratio, the lowest-confidence unknown tokens masked again by the
threshold read from the sorted confidences). Plain torch.nn, small widths, random weights. Imported by
sweep22_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(27)


class RMSNorm2d(nn.Module):
    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.w, self.b = nn.Parameter(1 + 0.1 * torch.randn(c, generator=g)), nn.Parameter(0.1 * torch.randn(c, generator=g))
        self.eps = eps

    def forward(self, x):
        x = x * torch.rsqrt(x.pow(2).mean(1, keepdim=True) + self.eps)
        return x * self.w.view(1, -1, 1, 1) + self.b.view(1, -1, 1, 1)


class LiteMLA(nn.Module):
    def __init__(self, c, dim=16, eps=1e-15):
        super().__init__()
        heads = c // dim
        self.qkv = nn.Conv2d(c, 3 * c, 1, bias=False)
        self.aggreg = nn.Sequential(nn.Conv2d(3 * c, 3 * c, 5, 1, 2, groups=3 * c, bias=False), nn.Conv2d(3 * c, 3 * c, 1, groups=3 * heads, bias=False))
        self.proj = nn.Sequential(nn.Conv2d(2 * c, c, 1, bias=False), RMSNorm2d(c))
        self.dim, self.eps = dim, eps

    def forward(self, x):
        b, _, h, w = x.shape
        qkv = self.qkv(x)
        qkv = torch.cat([qkv, self.aggreg(qkv)], 1).reshape(b, -1, 3 * self.dim, h * w)
        q, k, v = F.relu(qkv[:, :, :self.dim]), F.relu(qkv[:, :, self.dim:2 * self.dim]), qkv[:, :, 2 * self.dim:]
        v = F.pad(v, (0, 0, 0, 1), mode='constant', value=1)
        out = (v @ k.transpose(-1, -2)) @ q
        out = out[:, :, :-1] / (out[:, :, -1:] + self.eps)
        return x + self.proj(out.reshape(b, -1, h, w))


class GLUMBConv(nn.Module):
    def __init__(self, c, e=4):
        super().__init__()
        self.inv = nn.Conv2d(c, 2 * e * c, 1)
        self.dw = nn.Conv2d(2 * e * c, 2 * e * c, 3, 1, 1, groups=2 * e * c)
        self.pt = nn.Sequential(nn.Conv2d(e * c, c, 1, bias=False), RMSNorm2d(c))

    def forward(self, x):
        y, gate = self.dw(F.silu(self.inv(x))).chunk(2, 1)
        return x + self.pt(y * F.silu(gate))


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.c2, self.n = nn.Conv2d(c, c, 3, 1, 1), nn.Conv2d(c, c, 3, 1, 1, bias=False), RMSNorm2d(c)

    def forward(self, x):
        return x + self.n(self.c2(F.silu(self.c1(x))))


def repeat_channels(x, r):
    """`x.repeat_interleave(r, 1)` as unsqueeze / expand / reshape: torch 1.13 exports repeat_interleave over a non-last
    axis as a Loop that onnxruntime cannot run (docs/model-sweep.md, first sweep: WaveRNN)."""
    b, c, h, w = x.shape
    return x[:, :, None].expand(b, c, r, h, w).reshape(b, c * r, h, w)


class UpSample(nn.Module):
    """DC-AE's up block: conv to 4·cout channels + pixel_shuffle, plus the channel-duplicating shortcut
    (repeat_interleave to 4·cout, pixel_shuffle)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, 4 * cout, 3, 1, 1)
        self.rep = 4 * cout // cin

    def forward(self, x):
        return F.pixel_shuffle(self.conv(x), 2) + F.pixel_shuffle(repeat_channels(x, self.rep), 2)


class DCAEDecoder(nn.Module):
    def __init__(self, latent=32, cs=(128, 64, 32, 32, 16)):
        super().__init__()
        self.conv_in = nn.Conv2d(latent, cs[0], 3, 1, 1)
        self.rep_in = cs[0] // latent
        layers = [LiteMLA(cs[0]), GLUMBConv(cs[0])]
        for i, (a, b) in enumerate(zip(cs, cs[1:])):
            layers.append(UpSample(a, b))
            layers += [LiteMLA(b), GLUMBConv(b)] if i == 0 else [ResBlock(b)]
        self.body = nn.Sequential(*layers)
        self.out = nn.Sequential(RMSNorm2d(cs[-1]), nn.ReLU(), nn.Conv2d(cs[-1], 3, 3, 1, 1))

    def forward(self, z):
        x = self.conv_in(z) + repeat_channels(z, self.rep_in)
        return self.out(self.body(x))


def timestep_embedding(t, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half).float() / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], -1)


class UViTBlock(nn.Module):
    def __init__(self, d, heads, skip=False):
        super().__init__()
        self.skip = nn.Linear(2 * d, d) if skip else None
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.h = heads

    def forward(self, x, skip=None):
        if self.skip is not None:
            x = self.skip(torch.cat([x, skip], -1))
        b, n, d = x.shape
        q, k, v = self.qkv(self.n1(x)).view(b, n, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-1, -2) * (d // self.h) ** -0.5).softmax(-1)
        x = x + self.o((a @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.mlp(self.n2(x))


class UViT(nn.Module):
    def __init__(self, size=32, c=4, p=2, d=128, depth=7, heads=4, ncls=10):
        super().__init__()
        self.patch = nn.Conv2d(c, d, p, p)
        self.time = nn.Sequential(nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, d))
        self.label = nn.Embedding(ncls + 1, d)
        n = (size // p) ** 2
        self.pos = nn.Parameter(torch.randn(1, 2 + n, d, generator=g) * 0.02)
        self.ins = nn.ModuleList([UViTBlock(d, heads) for _ in range(depth // 2)])
        self.mid = UViTBlock(d, heads)
        self.outs = nn.ModuleList([UViTBlock(d, heads, True) for _ in range(depth // 2)])
        self.norm = nn.LayerNorm(d)
        self.pred = nn.Linear(d, p * p * c)
        self.final = nn.Conv2d(c, c, 3, 1, 1)
        self.p, self.c, self.g = p, c, size // p

    def forward(self, x, t, y):
        tok = self.patch(x).flatten(2).transpose(1, 2)
        tt = self.time(timestep_embedding(t, tok.shape[-1]))[:, None]
        x = torch.cat([tt, self.label(y)[:, None], tok], 1) + self.pos
        skips = []
        for blk in self.ins:
            x = blk(x)
            skips.append(x)
        x = self.mid(x)
        for blk in self.outs:
            x = blk(x, skips.pop())
        x = self.pred(self.norm(x))[:, 2:]
        b = x.shape[0]
        x = x.view(b, self.g, self.g, self.p, self.p, self.c).permute(0, 5, 1, 3, 2, 4).reshape(b, self.c, self.g * self.p, self.g * self.p)
        return self.final(x)


class MaskGITStep(nn.Module):
    def __init__(self, n=256, codes=512, d=128, depth=4, heads=4):
        super().__init__()
        self.emb = nn.Embedding(codes + 1, d)
        self.pos = nn.Parameter(torch.randn(1, n, d, generator=g) * 0.02)
        self.ln = nn.LayerNorm(d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.0, 'gelu', batch_first=True)
        self.enc = nn.TransformerEncoder(layer, depth)
        self.mlm = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.LayerNorm(d))
        self.bias = nn.Parameter(torch.zeros(codes))
        self.n, self.codes = n, codes

    def forward(self, tokens, unknown, ratio):
        unk = unknown > 0
        ids = torch.where(unk, torch.full_like(tokens, self.codes), tokens)
        h = self.enc(self.ln(self.emb(ids) + self.pos))
        logits = self.mlm(h) @ self.emb.weight[:self.codes].t() + self.bias
        probs = logits.softmax(-1)
        sampled = torch.where(unk, logits.argmax(-1), tokens)
        conf = torch.gather(probs, -1, sampled[..., None]).squeeze(-1)
        conf = torch.where(unk, conf, torch.full_like(conf, 1e4))
        n_unk = unk.sum(-1, keepdim=True)
        mask_len = torch.floor(self.n * torch.cos(math.pi / 2 * ratio)).long().view(-1, 1)
        mask_len = torch.maximum(torch.ones_like(mask_len), torch.minimum(n_unk - 1, mask_len))
        cut = torch.gather(torch.sort(conf, -1)[0], -1, mask_len)
        return torch.where(conf < cut, torch.full_like(sampled, self.codes), sampled), logits
