"""Ninth sweep: neural audio codecs as their projects write them (small widths, random weights, weight norm kept as
the exports keep it). EnCodec: SEANet encoder / decoder (weight-normed convs with reflect padding, ELU residual units,
strided down / transposed up convs, 2-layer LSTM with skip) and residual vector quantization by the squared distance's
argmax (encode: codes; decode: codes → summed codebook rows). DAC: Snake activations, dilated residual units, factorized
codebooks (in_proj to 8 dims, L2-normalized lookup, out_proj). SNAC: DAC's quantizer at strides 4 / 2 / 1 (avg-pooled
residual, codes repeat_interleave'd back). Mimi: SEANet + a causal transformer with rotary embeddings, a strided
downsample, split RVQ (one semantic codebook, the rest acoustic)."""
import math

import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm


class SConv1d(nn.Module):
    """EnCodec's SConv1d: weight-normed Conv1d with the extra padding that keeps frames whole, reflect-padded."""

    def __init__(self, cin, cout, k, stride=1, dilation=1, causal=False):
        super().__init__()
        self.conv = weight_norm(nn.Conv1d(cin, cout, k, stride, dilation=dilation))
        self.k, self.stride, self.causal = (k - 1) * dilation + 1, stride, causal

    def forward(self, x):
        pad = self.k - self.stride
        length = x.shape[-1]
        n_frames = (length - self.k + pad) / self.stride + 1
        ideal = (math.ceil(n_frames) - 1) * self.stride + (self.k - pad)
        extra = ideal - length
        if self.causal:
            return self.conv(F.pad(x, (pad, extra), mode='reflect'))
        right = pad // 2
        return self.conv(F.pad(x, (pad - right, right + extra), mode='reflect'))


class SConvTranspose1d(nn.Module):
    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.convtr = weight_norm(nn.ConvTranspose1d(cin, cout, k, stride))
        self.pad = k - stride

    def forward(self, x):
        y = self.convtr(x)
        right = self.pad // 2
        return y[..., self.pad - right:y.shape[-1] - right]


class SEANetResnetBlock(nn.Module):
    def __init__(self, dim, dilation, act):
        super().__init__()
        self.block = nn.ModuleList([act(), SConv1d(dim, dim // 2, 3, dilation=dilation), act(), SConv1d(dim // 2, dim, 1)])
        self.shortcut = SConv1d(dim, dim, 1)

    def forward(self, x):
        y = x
        for m in self.block:
            y = m(y)
        return self.shortcut(x) + y


class SLSTM(nn.Module):
    def __init__(self, dim, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(dim, dim, layers)

    def forward(self, x):
        x = x.permute(2, 0, 1)
        y, _ = self.lstm(x)
        return (y + x).permute(1, 2, 0)


class SEANetEncoder(nn.Module):
    def __init__(self, ch=1, n_filters=8, ratios=(8, 5, 4, 2), dim=64, act=nn.ELU, lstm=True):
        super().__init__()
        mult, layers = 1, [SConv1d(ch, n_filters, 7)]
        for r in reversed(ratios):
            layers += [SEANetResnetBlock(mult * n_filters, 1, act), act(), SConv1d(mult * n_filters, mult * n_filters * 2, 2 * r, stride=r)]
            mult *= 2
        if lstm:
            layers.append(SLSTM(mult * n_filters))
        layers += [act(), SConv1d(mult * n_filters, dim, 7)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class SEANetDecoder(nn.Module):
    def __init__(self, ch=1, n_filters=8, ratios=(8, 5, 4, 2), dim=64, act=nn.ELU, lstm=True):
        super().__init__()
        mult = 2 ** len(ratios)
        layers = [SConv1d(dim, mult * n_filters, 7)]
        if lstm:
            layers.append(SLSTM(mult * n_filters))
        for r in ratios:
            layers += [act(), SConvTranspose1d(mult * n_filters, mult * n_filters // 2, 2 * r, r), SEANetResnetBlock(mult * n_filters // 2, 1, act)]
            mult //= 2
        layers += [act(), SConv1d(n_filters, ch, 7)]
        self.model = nn.Sequential(*layers)

    def forward(self, z):
        return self.model(z)


class EuclideanCodebook(nn.Module):
    def __init__(self, dim, bins):
        super().__init__()
        self.register_buffer('embed', torch.randn(bins, dim))

    def encode(self, x):  # x (N, dim)
        e = self.embed.t()
        dist = -(x.pow(2).sum(1, keepdim=True) - 2 * x @ e + e.pow(2).sum(0, keepdim=True))
        return dist.max(dim=-1).indices

    def decode(self, ind):
        return F.embedding(ind, self.embed)


class ResidualVQ(nn.Module):
    def __init__(self, dim=64, bins=64, n_q=4):
        super().__init__()
        self.layers = nn.ModuleList(EuclideanCodebook(dim, bins) for _ in range(n_q))

    def encode(self, x):  # x (B, D, T) → codes (n_q, B, T)
        residual, codes = x, []
        for layer in self.layers:
            b, d, t = residual.shape
            flat = residual.permute(0, 2, 1).reshape(-1, d)
            ind = layer.encode(flat)
            q = layer.decode(ind).view(b, t, d).permute(0, 2, 1)
            residual = residual - q
            codes.append(ind.view(b, t))
        return torch.stack(codes)

    def decode(self, codes):
        out = 0.0
        for i, layer in enumerate(self.layers):
            out = out + layer.decode(codes[i]).permute(0, 2, 1)
        return out


class EncodecEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder, self.quantizer = SEANetEncoder(), ResidualVQ()

    def forward(self, audio):
        return self.quantizer.encode(self.encoder(audio))


class EncodecDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.quantizer, self.decoder = ResidualVQ(), SEANetDecoder()

    def forward(self, codes):
        return self.decoder(self.quantizer.decode(codes))


class Snake1d(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.alpha = nn.Parameter(1 + 0.1 * torch.randn(1, ch, 1))

    def forward(self, x):
        shape = x.shape
        x = x.reshape(shape[0], shape[1], -1)
        x = x + (self.alpha + 1e-9).reciprocal() * torch.sin(self.alpha * x).pow(2)
        return x.reshape(shape)


class DacResidualUnit(nn.Module):
    def __init__(self, dim, dilation):
        super().__init__()
        pad = ((7 - 1) * dilation) // 2
        self.block = nn.Sequential(Snake1d(dim), weight_norm(nn.Conv1d(dim, dim, 7, dilation=dilation, padding=pad)),
                                   Snake1d(dim), weight_norm(nn.Conv1d(dim, dim, 1)))

    def forward(self, x):
        y = self.block(x)
        pad = (x.shape[-1] - y.shape[-1]) // 2
        if pad > 0:
            x = x[..., pad:-pad]
        return x + y


class FactorizedVQ(nn.Module):
    """DAC's VectorQuantize: project to codebook_dim, L2-normalize both, nearest by the normalized distance."""

    def __init__(self, dim=64, bins=64, cdim=8, stride=1):
        super().__init__()
        self.stride = stride
        self.in_proj = weight_norm(nn.Conv1d(dim, cdim, 1))
        self.out_proj = weight_norm(nn.Conv1d(cdim, dim, 1))
        self.codebook = nn.Embedding(bins, cdim)

    def forward(self, z):
        if self.stride > 1:
            z = F.avg_pool1d(z, self.stride, self.stride)
        z_e = self.in_proj(z)
        b, d, t = z_e.shape
        enc = F.normalize(z_e.permute(0, 2, 1).reshape(b * t, d))
        cb = F.normalize(self.codebook.weight)
        dist = enc.pow(2).sum(1, keepdim=True) - 2 * enc @ cb.t() + cb.pow(2).sum(1, keepdim=True).t()
        ind = (-dist).max(1)[1].view(b, t)
        z_q = self.out_proj(F.embedding(ind, self.codebook.weight).transpose(1, 2))
        if self.stride > 1:
            # SNAC writes z_q.repeat_interleave(stride, dim=-1); torch 1.13's export of it rewrites a shared -1 constant
            # (an earlier Snake's Reshape asks for [1, 16, 2]: onnxruntime refuses the model). The same values:
            b, d, t = z_q.shape
            z_q = z_q.unsqueeze(-1).expand(b, d, t, self.stride).reshape(b, d, t * self.stride)
        return z_q, ind


class DacCodec(nn.Module):
    """DAC / SNAC encode → quantize → decode (one model: codes and the reconstruction)."""

    def __init__(self, d=16, strides=(2, 4, 5), latent=64, strides_q=(1, 1, 1, 1)):
        super().__init__()
        enc = [weight_norm(nn.Conv1d(1, d, 7, padding=3))]
        for s in strides:
            enc += [DacResidualUnit(d, 1), DacResidualUnit(d, 3), Snake1d(d), weight_norm(nn.Conv1d(d, 2 * d, 2 * s, s, padding=math.ceil(s / 2)))]
            d *= 2
        enc += [Snake1d(d), weight_norm(nn.Conv1d(d, latent, 3, padding=1))]
        self.encoder = nn.Sequential(*enc)
        self.quantizers = nn.ModuleList(FactorizedVQ(latent, stride=s) for s in strides_q)
        dec = [weight_norm(nn.Conv1d(latent, d, 7, padding=3))]
        for s in reversed(strides):
            dec += [Snake1d(d), weight_norm(nn.ConvTranspose1d(d, d // 2, 2 * s, s, padding=math.ceil(s / 2))),
                    DacResidualUnit(d // 2, 1), DacResidualUnit(d // 2, 3)]
            d //= 2
        dec += [Snake1d(d), weight_norm(nn.Conv1d(d, 1, 7, padding=3)), nn.Tanh()]
        self.decoder = nn.Sequential(*dec)

    def forward(self, audio):
        z = self.encoder(audio)
        residual, z_q, codes = z, 0.0, []
        for q in self.quantizers:
            zq_i, ind = q(residual)
            z_q = z_q + zq_i
            residual = residual - zq_i
            codes.append(ind)
        return self.decoder(z_q), codes[0], codes[-1]


def rotary(x, pos):  # x (B, H, T, D): Mimi's rope on interleaved pairs
    d = x.shape[-1]
    freqs = torch.exp(torch.arange(d // 2).float() * (-math.log(10000.0) * 2 / d))
    ang = pos.float()[:, None] * freqs[None, :]
    c, s = torch.cos(ang), torch.sin(ang)
    xr, xi = x[..., 0::2], x[..., 1::2]
    return torch.stack([xr * c - xi * s, xr * s + xi * c], dim=-1).flatten(-2)


class CausalRopeLayer(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h = h
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.in_proj, self.out_proj = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d, bias=False), nn.GELU(), nn.Linear(4 * d, d, bias=False))
        self.scale1, self.scale2 = nn.Parameter(0.01 * torch.ones(d)), nn.Parameter(0.01 * torch.ones(d))

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.in_proj(self.norm1(x)).view(b, t, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        pos = torch.arange(t)
        q, k = rotary(q, pos), rotary(k, pos)
        mask = pos[None, :] > pos[:, None]
        s = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.h)
        a = torch.softmax(s.masked_fill(mask, float('-inf')), dim=-1) @ v
        x = x + self.scale1 * self.out_proj(a.transpose(1, 2).reshape(b, t, d))
        return x + self.scale2 * self.ff(self.norm2(x))


class MimiEncoder(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.encoder = SEANetEncoder(ratios=(8, 6, 5, 4), dim=d, lstm=False)
        self.transformer = nn.ModuleList(CausalRopeLayer(d) for _ in range(2))
        self.downsample = SConv1d(d, d, 4, stride=2, causal=True)
        self.semantic = ResidualVQ(d, n_q=1)
        self.acoustic = ResidualVQ(d, n_q=3)
        self.in_sem, self.in_ac = nn.Conv1d(d, d, 1, bias=False), nn.Conv1d(d, d, 1, bias=False)

    def forward(self, audio):
        x = self.encoder(audio).transpose(1, 2)
        for layer in self.transformer:
            x = layer(x)
        x = self.downsample(x.transpose(1, 2))
        return torch.cat([self.semantic.encode(self.in_sem(x)), self.acoustic.encode(self.in_ac(x))], dim=0)
