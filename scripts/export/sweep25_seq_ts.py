#!/usr/bin/env python3
"""Twenty-fifth sweep (sequence), time-series and audio half (imported by sweep25_seq.py, which exports them):
TiRex (sLSTM forecaster with quantile head), Sundial (causal patch transformer with a flow-matching head, Euler steps
from given noise), ULCNet (two-stage low-complexity speech enhancement: power-law compression, channel-wise feature
reorientation, subband GRU, then a complex ratio mask) and a spiking keyword spotter (LIF neurons, Heaviside spikes
with subtractive reset) — random weights, small widths."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep10_seq_misc import SLSTMStep


# --- TiRex (NX-AI 2025): patches, residual embedding, sLSTM with exponential gates and stabiliser, quantile head ---

class SLSTM(nn.Module):  # the tenth sweep's sLSTM step (exponential gates, max stabiliser, per-head recurrence) over time
    def __init__(self, d=32, h=4):
        super().__init__()
        self.step = SLSTMStep(d, h)

    def forward(self, x):
        y = torch.zeros(x.shape[0], x.shape[2])
        c, nrm, m = torch.zeros_like(y), torch.zeros_like(y), torch.zeros_like(y)
        out = []
        for t in range(x.shape[1]):
            o, y, c, nrm, m = self.step(x[:, t], y, c, nrm, m)
            out.append(o)
        return torch.stack(out, 1)


class TiRex(nn.Module):
    def __init__(self, patch=8, d=32, q=9):
        super().__init__()
        self.patch, self.q = patch, q
        self.emb = nn.Sequential(nn.Linear(2 * patch, d), nn.SiLU(), nn.Linear(d, d))
        self.skip = nn.Linear(2 * patch, d)
        self.cells = nn.ModuleList(SLSTM(d) for _ in range(2))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(2))
        self.head = nn.Linear(d, patch * q)

    def forward(self, series):  # [b, 96] with NaN-free history; instance-scaled
        mu, sd = series.mean(-1, keepdim=True), series.std(-1, keepdim=True) + 1e-5
        x = ((series - mu) / sd).view(series.shape[0], -1, self.patch)
        x = torch.cat([x, torch.ones_like(x)], -1)                 # value and its "observed" mask
        hdn = self.emb(x) + self.skip(x)
        for cell, norm in zip(self.cells, self.norms):
            hdn = hdn + cell(norm(hdn))
        qs = self.head(hdn[:, -1]).view(-1, self.q, self.patch)
        return qs * sd[:, :, None] + mu[:, :, None]


# --- Sundial (THUML 2025): causal patch transformer, TimeFlow head: Euler steps of a conditional velocity MLP ---

class CausalLayer(nn.Module):
    def __init__(self, d=32, h=4):
        super().__init__()
        self.h = h
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(self.n1(x)).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        mask = torch.ones(n, n).tril() > 0
        w = (q @ k.transpose(-1, -2) / (d // self.h) ** 0.5).masked_fill(~mask, -1e9).softmax(-1)
        x = x + self.o((w @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.ff(self.n2(x))


class Sundial(nn.Module):
    def __init__(self, patch=16, d=32, steps=4):
        super().__init__()
        self.patch, self.steps = patch, steps
        self.emb = nn.Linear(patch, d)
        self.layers = nn.ModuleList(CausalLayer(d) for _ in range(2))
        self.norm = nn.LayerNorm(d)
        self.t_emb = nn.Linear(1, d)
        self.vel = nn.Sequential(nn.Linear(patch + d, 64), nn.SiLU(), nn.Linear(64, 64), nn.SiLU(), nn.Linear(64, patch))

    def forward(self, series, noise):  # series [b, 128], noise [b, samples, patch]
        mu, sd = series.mean(-1, keepdim=True), series.std(-1, keepdim=True) + 1e-5
        x = self.emb(((series - mu) / sd).view(series.shape[0], -1, self.patch))
        for layer in self.layers:
            x = layer(x)
        cond = self.norm(x[:, -1])[:, None].expand(-1, noise.shape[1], -1)      # [b, s, d]
        z = noise
        for i in range(self.steps):
            t = torch.full_like(z[..., :1], i / self.steps)
            z = z + self.vel(torch.cat([z, cond + self.t_emb(t)], -1)) / self.steps
        return z * sd[:, :, None] + mu[:, :, None]


# --- ULCNet (Shetu et al. 2024): two-stage ultra-low-complexity speech enhancement on the STFT ---

class ULCNet(nn.Module):
    def __init__(self, freq=64, sub=4, ch=16, hid=32):
        super().__init__()
        self.sub = sub
        fs = freq // sub
        self.convs = nn.Sequential(nn.Conv2d(sub, ch, (2, 3), padding=(0, 1)), nn.BatchNorm2d(ch), nn.ReLU(),
                                   nn.Conv2d(ch, ch, (2, 3), padding=(0, 1), stride=(1, 2)), nn.BatchNorm2d(ch), nn.ReLU())
        self.sub_gru = nn.GRU(ch, hid, batch_first=True)                  # intra-frame (over the subband axis)
        self.gru = nn.GRU(hid * fs // 2, 2 * hid, batch_first=True)       # inter-frame
        self.mask = nn.Linear(2 * hid, freq)
        self.crm = nn.Sequential(nn.Conv2d(4, 16, (2, 3), padding=(0, 1)), nn.ReLU(),
                                 nn.Conv2d(16, 16, (1, 3), padding=(0, 1), groups=16), nn.ReLU(), nn.Conv2d(16, 2, 1))

    def forward(self, re, im):  # [b, T, F]
        b, t, f = re.shape
        mag = torch.sqrt(re * re + im * im + 1e-8)
        comp = mag ** 0.3
        x = comp.view(b, t, self.sub, f // self.sub).permute(0, 2, 1, 3)     # channel-wise feature reorientation
        x = self.convs(F.pad(x, (0, 0, 2, 0)))                            # causal in time: [b, ch, T, F']
        c, fp = x.shape[1], x.shape[3]
        y, _ = self.sub_gru(x.permute(0, 2, 3, 1).reshape(b * t, fp, c))
        y, _ = self.gru(y.reshape(b, t, -1))
        m = torch.sigmoid(self.mask(y))
        er, ei = re * m, im * m
        z = self.crm(F.pad(torch.stack([er, ei, re, im], 1), (0, 0, 1, 0)))   # stage 2: complex ratio mask
        mr, mi = z[:, 0], z[:, 1]
        return er * mr - ei * mi, er * mi + ei * mr


# --- spiking keyword spotter (snnTorch-style LIF): Heaviside spikes, subtractive reset, membrane readout ---

class LIFKWS(nn.Module):
    def __init__(self, feats=40, hid=64, classes=12, beta=0.9):
        super().__init__()
        self.fc1, self.fc2, self.out = nn.Linear(feats, hid), nn.Linear(hid, hid), nn.Linear(hid, classes)
        self.beta = nn.Parameter(torch.full((hid,), beta))

    def forward(self, x):  # [b, T, feats]
        cur1, v1 = self.fc1(x), torch.zeros(x.shape[0], self.fc1.out_features)
        v2, vo = torch.zeros_like(v1), torch.zeros(x.shape[0], self.out.out_features)
        rates, mems = [], []
        for t in range(x.shape[1]):
            v1 = self.beta.clamp(0, 1) * v1 + cur1[:, t]
            s1 = (v1 > 1.0).float()
            v1 = v1 - s1
            v2 = self.beta.clamp(0, 1) * v2 + self.fc2(s1)
            s2 = (v2 > 1.0).float()
            v2 = v2 - s2
            vo = 0.95 * vo + self.out(s2)
            rates.append(s2)
            mems.append(vo)
        return torch.stack(mems, 1).mean(1), torch.stack(rates, 1).mean((1, 2))


MODELS = {
    'tirex': lambda: (TiRex().eval(), torch.randn(1, 96).cumsum(-1), {'names': ['series'], 'outputs': ['quantiles'], 'opset': 14}),
    'sundial': lambda: (Sundial().eval(), (torch.randn(1, 128).cumsum(-1), torch.randn(1, 4, 16)),
                        {'names': ['series', 'noise'], 'outputs': ['samples'], 'opset': 17}),
    'ulcnet': lambda: (ULCNet().eval(), (torch.randn(1, 16, 64), torch.randn(1, 16, 64)),
                       {'names': ['re', 'im'], 'outputs': ['out_re', 'out_im'], 'opset': 14}),
    'lif_kws': lambda: (LIFKWS().eval(), torch.randn(1, 20, 40) * 2, {'names': ['mfcc'], 'outputs': ['logits', 'rate'], 'opset': 13}),
}
