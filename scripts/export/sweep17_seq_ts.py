"""Seventeenth sweep: forecasters not tried in the sixteen earlier sweeps, as their reference code writes them (random
weights, small widths): MICN (series decomposition by several replicate-padded moving averages, linear trend
regression, multi-scale isometric convolution: strided downsampling conv, an isometric conv over the zero-padded
sequence, ConvTranspose1d back up, a Conv2d merging the scales), SOFTS (series as tokens, STAR: an MLP to a core by
softmax-weighted pooling over the variates, the core repeated and fused back), TimeXer (endogenous patches with a
global token, exogenous variates as inverted tokens, self-attention over patches, cross-attention from the global
token to the variates) and CfC (liquid closed-form continuous-time cell: backbone on [x, h], two tanh heads mixed by
a sigmoid time gate of the step's elapsed time, unrolled). Models in MODELS, exported by sweep17_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- MICN ---

class MovingAvg(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
        self.avg = nn.AvgPool1d(k, stride=1)

    def forward(self, x):  # [B, L, C]
        front = x[:, :1].repeat(1, (self.k - 1) // 2, 1)
        end = x[:, -1:].repeat(1, (self.k - 1) // 2, 1)
        x = torch.cat([front, x, end], 1)
        return self.avg(x.permute(0, 2, 1)).permute(0, 2, 1)


class SeriesDecompMulti(nn.Module):
    def __init__(self, kernels):
        super().__init__()
        self.avgs = nn.ModuleList(MovingAvg(k) for k in kernels)

    def forward(self, x):
        means = [a(x) for a in self.avgs]
        mean = sum(means) / len(means)
        return x - mean, mean


class MIC(nn.Module):
    def __init__(self, d, length, conv_kernel=(12, 16)):
        super().__init__()
        iso = [(length + k) // k if k % 2 == 0 else (length + k - 1) // k for k in conv_kernel]
        self.conv = nn.ModuleList(nn.Conv1d(d, d, k, stride=k, padding=k // 2) for k in conv_kernel)
        self.isometric = nn.ModuleList(nn.Conv1d(d, d, i, stride=1) for i in iso)
        self.trans = nn.ModuleList(nn.ConvTranspose1d(d, d, k, stride=k) for k in conv_kernel)
        self.decomp = nn.ModuleList(SeriesDecompMulti([k + 1 if k % 2 == 0 else k]) for k in conv_kernel)
        self.merge = nn.Conv2d(d, d, (len(conv_kernel), 1))
        self.norm = nn.LayerNorm(d)
        self.fnn = nn.Sequential(nn.Conv1d(d, 4 * d, 1), nn.GELU(), nn.Conv1d(4 * d, d, 1))
        self.norm2 = nn.LayerNorm(d)

    def branch(self, x, conv, iso, trans):
        b, l, c = x.shape
        x = x.permute(0, 2, 1)
        x1 = torch.tanh(conv(x))
        x = x1
        zeros = torch.zeros((b, c, x.shape[2] - 1))
        x = torch.tanh(iso(torch.cat((zeros, x), 2)))
        x = self.norm((x + x1).permute(0, 2, 1)).permute(0, 2, 1)
        x = torch.tanh(trans(x))[:, :, :l]
        return self.norm(x.permute(0, 2, 1))

    def forward(self, src):
        outs = []
        for conv, iso, trans, dec in zip(self.conv, self.isometric, self.trans, self.decomp):
            s, _ = dec(src)
            outs.append(self.branch(s, conv, iso, trans))
        mg = torch.stack(outs, 1)  # [B, n, L, C]
        mg = self.merge(mg.permute(0, 3, 1, 2)).squeeze(-2).permute(0, 2, 1)
        y = self.norm2(mg)
        return self.norm2(mg + self.fnn(y.transpose(-1, 1)).transpose(-1, 1))


class MICN(nn.Module):
    def __init__(self, c=7, seq=96, pred=48, d=32):
        super().__init__()
        self.pred = pred
        self.decomp = SeriesDecompMulti([13, 17])
        self.regression = nn.Linear(seq, pred)
        self.value = nn.Conv1d(c, d, 3, padding=1, padding_mode='circular', bias=False)
        self.mic = nn.ModuleList(MIC(d, seq + pred) for _ in range(2))
        self.projection = nn.Linear(d, c)

    def forward(self, x):  # [B, seq, C]
        seasonal, trend = self.decomp(x)
        trend = self.regression(trend.permute(0, 2, 1)).permute(0, 2, 1)
        zeros = torch.zeros([x.shape[0], self.pred, x.shape[2]])
        seasonal = torch.cat([seasonal, zeros], 1)
        h = self.value(seasonal.permute(0, 2, 1)).transpose(1, 2)
        pe = torch.zeros(h.shape[1], h.shape[2])
        pos = torch.arange(h.shape[1]).float()[:, None]
        div = torch.exp(torch.arange(0, h.shape[2], 2).float() * -(math.log(10000.0) / h.shape[2]))
        pe = torch.stack([torch.sin(pos * div), torch.cos(pos * div)], -1).flatten(1)
        h = h + pe
        for m in self.mic:
            h = m(h)
        return self.projection(h)[:, -self.pred:] + trend


# --- SOFTS ---

class STAR(nn.Module):
    def __init__(self, d, core):
        super().__init__()
        self.gen1, self.gen2 = nn.Linear(d, d), nn.Linear(d, core)
        self.gen3, self.gen4 = nn.Linear(d + core, d), nn.Linear(d, d)

    def forward(self, x):  # [B, C, d]
        b, c, d = x.shape
        combined = self.gen2(F.gelu(self.gen1(x)))
        weight = F.softmax(combined, dim=1)
        combined_mean = torch.sum(combined * weight, dim=1, keepdim=True).repeat(1, c, 1)
        cat = torch.cat([x, combined_mean], -1)
        return self.gen4(F.gelu(self.gen3(cat)))


class SOFTS(nn.Module):
    def __init__(self, c=7, seq=96, pred=24, d=64, core=32, layers=2):
        super().__init__()
        self.embed = nn.Linear(seq, d)
        self.star = nn.ModuleList(STAR(d, core) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Conv1d(d, 2 * d, 1), nn.GELU(), nn.Conv1d(2 * d, d, 1)) for _ in range(layers))
        self.n1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.proj = nn.Linear(d, pred)

    def forward(self, x):  # [B, seq, C]
        means = x.mean(1, keepdim=True).detach()
        x = x - means
        stdev = torch.sqrt(torch.var(x, dim=1, keepdim=True, unbiased=False) + 1e-5)
        x = x / stdev
        h = self.embed(x.permute(0, 2, 1))
        for star, ff, n1, n2 in zip(self.star, self.ff, self.n1, self.n2):
            h = n1(h + star(h))
            h = n2(h + ff(h.transpose(-1, 1)).transpose(-1, 1))
        out = self.proj(h).permute(0, 2, 1)
        return out * stdev + means


# --- TimeXer ---

class Attn(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, m):
        b, l, d = x.shape
        s = m.shape[1]
        q = self.q(x).view(b, l, self.h, self.dh)
        k = self.k(m).view(b, s, self.h, self.dh)
        v = self.v(m).view(b, s, self.h, self.dh)
        scores = torch.einsum('blhe,bshe->bhls', q, k)
        a = torch.softmax(scores / math.sqrt(self.dh), -1)
        return self.o(torch.einsum('bhls,bshd->blhd', a, v).reshape(b, l, d))


class TimeXerLayer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.self_attn, self.cross_attn = Attn(d), Attn(d)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.conv1, self.conv2 = nn.Conv1d(d, 2 * d, 1), nn.Conv1d(2 * d, d, 1)

    def forward(self, x, cross):
        b = cross.shape[0]
        x = self.n1(x + self.self_attn(x, x))
        x_glb_ori = x[:, -1, :].unsqueeze(1)
        x_glb = torch.reshape(x_glb_ori, (b, -1, x.shape[2]))
        x_glb_attn = self.cross_attn(x_glb, cross)
        x_glb_attn = torch.reshape(x_glb_attn, (x_glb_attn.shape[0] * x_glb_attn.shape[1], x_glb_attn.shape[2])).unsqueeze(1)
        x_glb = self.n2(x_glb_ori + x_glb_attn)
        y = x = torch.cat([x[:, :-1, :], x_glb], dim=1)
        y = self.conv2(F.relu(self.conv1(y.transpose(-1, 1)))).transpose(-1, 1)
        return self.n3(x + y)


class TimeXer(nn.Module):
    def __init__(self, c=7, seq=96, pred=24, d=64, patch=16, layers=2):
        super().__init__()
        self.patch, self.c = patch, c
        self.n = seq // patch
        self.glb_token = nn.Parameter(torch.randn(1, 1, 1, d))
        self.value_embedding = nn.Linear(patch, d, bias=False)
        self.pos = nn.Parameter(torch.randn(1, self.n, d) * 0.1)
        self.ex_embedding = nn.Linear(seq, d)
        self.layers = nn.ModuleList(TimeXerLayer(d) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d * (self.n + 1), pred)

    def forward(self, x_enc, x_mark):  # [B, seq, C] (the last variate endogenous), [B, seq, 4] time features
        means = x_enc.mean(1, keepdim=True)
        x_enc = x_enc - means
        stdev = torch.sqrt(torch.var(x_enc, dim=1, keepdim=True, unbiased=False) + 1e-5)
        x_enc = x_enc / stdev
        b = x_enc.shape[0]
        en = x_enc[:, :, -1].unsqueeze(-1).permute(0, 2, 1)  # [B, 1, seq]
        glb = self.glb_token.repeat((b, 1, 1, 1))
        # TimeXer: en.unfold(dimension=-1, size=patch, step=patch); torch 1.13 exports that unfold with a wrong shape
        # (onnxruntime refuses the file), and with step == size it is this reshape
        xp = en.reshape(b, 1, self.n, self.patch)
        xp = torch.reshape(xp, (xp.shape[0] * xp.shape[1], xp.shape[2], xp.shape[3]))
        xp = self.value_embedding(xp) + self.pos
        xp = torch.reshape(xp, (-1, 1, xp.shape[-2], xp.shape[-1]))
        en_embed = torch.cat([xp, glb], dim=2)
        en_embed = torch.reshape(en_embed, (en_embed.shape[0] * en_embed.shape[1], en_embed.shape[2], en_embed.shape[3]))
        ex = torch.cat([x_enc[:, :, :-1], x_mark], -1).permute(0, 2, 1)
        ex_embed = self.ex_embedding(ex)
        h = en_embed
        for layer in self.layers:
            h = layer(h, ex_embed)
        h = self.norm(h)
        h = torch.reshape(h, (-1, 1, h.shape[-2], h.shape[-1])).permute(0, 1, 3, 2)
        out = self.head(h.flatten(-2)).permute(0, 2, 1)  # [B, pred, 1]
        return out * stdev[:, :, -1:] + means[:, :, -1:]


# --- CfC ---

class CfCCell(nn.Module):
    def __init__(self, inp, hidden, backbone=64):
        super().__init__()
        self.backbone = nn.Linear(inp + hidden, backbone)
        self.ff1, self.ff2 = nn.Linear(backbone, hidden), nn.Linear(backbone, hidden)
        self.time_a, self.time_b = nn.Linear(backbone, hidden), nn.Linear(backbone, hidden)

    def forward(self, x, h, ts):
        z = self.backbone(torch.cat([x, h], 1))
        z = 1.7159 * torch.tanh(0.666 * z)  # ncps' LeCun tanh
        ff1, ff2 = torch.tanh(self.ff1(z)), torch.tanh(self.ff2(z))
        t_interp = torch.sigmoid(self.time_a(z) * ts + self.time_b(z))
        return ff1 * (1.0 - t_interp) + t_interp * ff2


class CfC(nn.Module):
    def __init__(self, inp=5, hidden=32, out=3):
        super().__init__()
        self.cell = CfCCell(inp, hidden)
        self.fc = nn.Linear(hidden, out)
        self.hidden = hidden

    def forward(self, x, timespans):  # [B, T, inp], [B, T]
        b, t, _ = x.shape
        h = torch.zeros(b, self.hidden)
        outs = []
        for i in range(t):
            h = self.cell(x[:, i], h, timespans[:, i:i + 1])
            outs.append(self.fc(h))
        return torch.stack(outs, 1)


def g(seed):
    return torch.Generator().manual_seed(seed)


MODELS = {
    'micn': lambda: (MICN().eval(), torch.randn(2, 96, 7, generator=g(1)), {'names': ['x_enc'], 'outputs': ['forecast'], 'opset': 14}),
    'softs': lambda: (SOFTS().eval(), torch.randn(2, 96, 7, generator=g(2)), {'names': ['x_enc'], 'outputs': ['forecast'], 'opset': 14}),
    'timexer': lambda: (TimeXer().eval(), (torch.randn(2, 96, 7, generator=g(3)), torch.rand(2, 96, 4, generator=g(4)) - 0.5),
                        {'names': ['x_enc', 'x_mark'], 'outputs': ['forecast'], 'opset': 14}),
    'cfc': lambda: (CfC().eval(), (torch.randn(2, 20, 5, generator=g(5)), torch.rand(2, 20, generator=g(6)) * 2),
                    {'names': ['x', 'timespans'], 'outputs': ['y'], 'opset': 14}),
}
