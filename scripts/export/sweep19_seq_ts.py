"""Nineteenth sweep: forecasters, anomaly detectors and spatio-temporal graphs not tried in the eighteen earlier sweeps,
as their reference code writes them (random weights, small widths): TinyTimeMixer (granite-tsfm TTM: standard
scaling, patches by unfold, adaptive patching that re-splits each patch's features at every level, MLP-mixer blocks
over patches and features with gated attention, a flattened forecast head), SparseTSF (period-wise sparse forecasting:
a sliding aggregation Conv1d, the series folded into [segments, period], a Linear over segments shared by every
phase), MTGNN (graph learning by asymmetric node embeddings with a top-k mask per row written by scatter, mix-hop
propagation over the learned graph and its transpose, dilated inception convolutions with gates, LayerNorm over
(C, N, T)), DCRNN (diffusion-convolution GRU on forward / backward random-walk supports built from a float adjacency,
an encoder and a decoder unrolled with the decoder's own outputs fed back) and Anomaly Transformer (anomaly
attention: series association beside a learned-σ Gaussian prior 3^σ - 1 of |i - j|, reconstruction, and the test
criterion: the association discrepancy as symmetric KL, softmax(-discrepancy) × reconstruction error). Models in
MODELS, exported by sweep19_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- TinyTimeMixer (granite-tsfm tinytimemixer) ---

class GatedAttention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.attn = nn.Linear(d, d)

    def forward(self, x):
        return x * self.attn(x).softmax(-1)


class MixerMLP(nn.Module):
    """TTM's mixer over the last axis: LayerNorm, MLP (expansion 2, GELU), gated attention, residual."""
    def __init__(self, d):
        super().__init__()
        self.norm, self.fc1, self.fc2, self.gate = nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.Linear(2 * d, d), GatedAttention(d)

    def forward(self, x):
        return x + self.gate(self.fc2(F.gelu(self.fc1(self.norm(x)))))


class TTMBlock(nn.Module):
    def __init__(self, patches, d):
        super().__init__()
        self.patch_mix, self.feat_mix = MixerMLP(patches), MixerMLP(d)

    def forward(self, x):  # [B, C, P, d]
        x = self.patch_mix(x.transpose(2, 3)).transpose(2, 3)
        return self.feat_mix(x)


class TTM(nn.Module):
    def __init__(self, context=96, patch=8, d=32, horizon=24, levels=3):
        super().__init__()
        self.patch, self.np, self.h = patch, context // patch, horizon
        self.proj = nn.Linear(patch, d)
        # adaptive patching: level i mixes np·2^i patches of d / 2^i features
        self.levels = nn.ModuleList(TTMBlock(self.np * 2 ** i, d // 2 ** i) for i in reversed(range(levels)))
        self.scales = [2 ** i for i in reversed(range(levels))]
        self.dec = TTMBlock(self.np, d)
        self.head = nn.Linear(self.np * d, horizon)

    def forward(self, past_values):  # [B, L, C]
        mean = past_values.mean(1, keepdim=True)
        std = torch.sqrt(past_values.var(1, keepdim=True, unbiased=False) + 1e-5)
        x = ((past_values - mean) / std).transpose(1, 2)  # [B, C, L]
        x = x.unfold(2, self.patch, self.patch)  # [B, C, np, patch] (torch 1.13 exports unfold(-1, ...) with its axes swapped)
        x = self.proj(x)
        b, c, p, d = x.shape
        for s, blk in zip(self.scales, self.levels):
            x = blk(x.reshape(b, c, p * s, d // s)).reshape(b, c, p, d)
        x = self.dec(x)
        y = self.head(x.flatten(2)).transpose(1, 2)  # [B, H, C]
        return y * std + mean


# --- SparseTSF ---

class SparseTSF(nn.Module):
    def __init__(self, seq_len=96, pred_len=48, period=12):
        super().__init__()
        self.l, self.p, self.w = seq_len, pred_len, period
        self.sx, self.sy = seq_len // period, pred_len // period
        self.conv1d = nn.Conv1d(1, 1, 1 + 2 * (period // 2), padding=period // 2, bias=False)
        self.linear = nn.Linear(self.sx, self.sy, bias=False)

    def forward(self, x):  # [B, L, C]
        b, _, c = x.shape
        mean = x.mean(1, keepdim=True)
        x = (x - mean).permute(0, 2, 1)
        x = self.conv1d(x.reshape(-1, 1, self.l)).reshape(-1, c, self.l) + x
        x = x.reshape(-1, self.sx, self.w).permute(0, 2, 1)
        y = self.linear(x)
        y = y.permute(0, 2, 1).reshape(b, c, self.p)
        return y.permute(0, 2, 1) + mean


# --- MTGNN (nnzhan/MTGNN net.py, layer.py) ---

class GraphConstructor(nn.Module):
    def __init__(self, n, k, dim, alpha=3.0):
        super().__init__()
        self.emb1, self.emb2 = nn.Embedding(n, dim), nn.Embedding(n, dim)
        self.lin1, self.lin2 = nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.k, self.alpha = k, alpha

    def forward(self, idx):
        v1 = torch.tanh(self.alpha * self.lin1(self.emb1(idx)))
        v2 = torch.tanh(self.alpha * self.lin2(self.emb2(idx)))
        a = v1 @ v2.t() - v2 @ v1.t()
        adj = F.relu(torch.tanh(self.alpha * a))
        mask = torch.zeros_like(adj)
        s1, t1 = adj.topk(self.k, 1)
        mask = mask.scatter(1, t1, torch.ones_like(s1))
        return adj * mask


class MixProp(nn.Module):
    def __init__(self, c_in, c_out, gdep=2, alpha=0.05):
        super().__init__()
        self.mlp, self.gdep, self.alpha = nn.Conv2d((gdep + 1) * c_in, c_out, 1), gdep, alpha

    def forward(self, x, adj):
        adj = adj + torch.eye(adj.shape[0])
        a = adj / adj.sum(1).view(-1, 1)
        h, out = x, [x]
        for _ in range(self.gdep):
            h = self.alpha * x + (1 - self.alpha) * torch.einsum('ncwl,vw->ncvl', h, a)
            out.append(h)
        return self.mlp(torch.cat(out, 1))


class DilatedInception(nn.Module):
    def __init__(self, c_in, c_out, dil):
        super().__init__()
        self.k = (2, 3, 6, 7)
        self.convs = nn.ModuleList(nn.Conv2d(c_in, c_out // 4, (1, k), dilation=(1, dil)) for k in self.k)

    def forward(self, x):
        xs = [c(x) for c in self.convs]
        t = xs[-1].shape[3]
        return torch.cat([y[..., -t:] for y in xs], 1)


class MTGNN(nn.Module):
    def __init__(self, n=10, in_dim=2, seq=12, out_len=12, layers=3, c=16, k=4):
        super().__init__()
        self.n, self.rf = n, layers * 6 + 1
        self.register_buffer('idx', torch.arange(n))
        self.gc = GraphConstructor(n, k, 8)
        self.start = nn.Conv2d(in_dim, c, 1)
        self.skip0 = nn.Conv2d(in_dim, 2 * c, (1, self.rf))
        self.filt = nn.ModuleList(DilatedInception(c, c, 1) for _ in range(layers))
        self.gate = nn.ModuleList(DilatedInception(c, c, 1) for _ in range(layers))
        lens = [self.rf - 6 * (i + 1) for i in range(layers)]
        self.skips = nn.ModuleList(nn.Conv2d(c, 2 * c, (1, t)) for t in lens)
        self.gc1 = nn.ModuleList(MixProp(c, c) for _ in range(layers))
        self.gc2 = nn.ModuleList(MixProp(c, c) for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm((c, n, t)) for t in lens)
        self.skipE = nn.Conv2d(c, 2 * c, (1, lens[-1]))
        self.end1, self.end2 = nn.Conv2d(2 * c, 32, 1), nn.Conv2d(32, out_len, 1)

    def forward(self, x):  # [B, in_dim, N, T]
        x = F.pad(x, (self.rf - x.shape[3], 0, 0, 0))
        adp = self.gc(self.idx)
        skip = self.skip0(x)
        x = self.start(x)
        for f, g, sk, g1, g2, nm in zip(self.filt, self.gate, self.skips, self.gc1, self.gc2, self.norms):
            res = x
            x = torch.tanh(f(x)) * torch.sigmoid(g(x))
            skip = skip + sk(x)
            x = g1(x, adp) + g2(x, adp.transpose(1, 0))
            x = x + res[..., -x.shape[3]:]
            x = nm(x)
        skip = self.skipE(x) + skip
        return self.end2(F.relu(self.end1(F.relu(skip))))  # [B, out_len, N, 1]


# --- DCRNN (liyaguang/DCRNN, pytorch port dcrnn_cell.py) ---

class DCGRUCell(nn.Module):
    def __init__(self, in_dim, units, k=2):
        super().__init__()
        self.k, self.units = k, units
        m = 2 * k + 1  # two supports, k hops each, plus x itself
        self.gates = nn.Linear((in_dim + units) * m, 2 * units)
        self.cand = nn.Linear((in_dim + units) * m, units)

    def dconv(self, x, supports, lin):  # x [B, N, F]
        xs = [x]
        for s in supports:
            x1 = torch.einsum('nm,bmf->bnf', s, x)
            xs.append(x1)
            x0 = x
            for _ in range(2, self.k + 1):
                x2 = 2 * torch.einsum('nm,bmf->bnf', s, x1) - x0
                xs.append(x2)
                x1, x0 = x2, x1
        return lin(torch.cat(xs, -1))

    def forward(self, x, h, supports):
        ru = torch.sigmoid(self.dconv(torch.cat([x, h], -1), supports, self.gates))
        r, u = ru.split(self.units, -1)
        c = torch.tanh(self.dconv(torch.cat([x, r * h], -1), supports, self.cand))
        return u * h + (1 - u) * c


class DCRNN(nn.Module):
    def __init__(self, units=16, seq=8, horizon=8, layers=2):
        super().__init__()
        self.seq, self.hz, self.units = seq, horizon, units
        self.enc = nn.ModuleList(DCGRUCell(2 if i == 0 else units, units) for i in range(layers))
        self.dec = nn.ModuleList(DCGRUCell(1 if i == 0 else units, units) for i in range(layers))
        self.proj = nn.Linear(units, 1)

    def forward(self, x, adj):  # x [B, T, N, 2], adj [N, N]
        d_out = adj.sum(1).clamp(min=1e-6)
        d_in = adj.sum(0).clamp(min=1e-6)
        supports = [adj / d_out[:, None], adj.t() / d_in[:, None]]  # forward / backward random walks
        b, _, n, _ = x.shape
        hs = [torch.zeros(b, n, self.units) for _ in self.enc]
        for t in range(self.seq):
            inp = x[:, t]
            for i, cell in enumerate(self.enc):
                hs[i] = cell(inp, hs[i], supports)
                inp = hs[i]
        go = torch.zeros(b, n, 1)
        outs = []
        for _ in range(self.hz):
            inp = go
            for i, cell in enumerate(self.dec):
                hs[i] = cell(inp, hs[i], supports)
                inp = hs[i]
            go = self.proj(inp)
            outs.append(go)
        return torch.stack(outs, 1)  # [B, H, N, 1]


# --- Anomaly Transformer (thuml/Anomaly-Transformer) ---

class AnomalyAttention(nn.Module):
    def __init__(self, d, heads, win):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.q, self.k, self.v, self.sigma, self.o = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, heads), nn.Linear(d, d)
        i = torch.arange(win).float()
        self.register_buffer('distances', (i[:, None] - i[None]).abs())

    def forward(self, x):
        b, l, _ = x.shape
        q = self.q(x).view(b, l, self.h, -1)
        k = self.k(x).view(b, l, self.h, -1)
        v = self.v(x).view(b, l, self.h, -1)
        scores = torch.einsum('blhe,bshe->bhls', q, k) / math.sqrt(self.dh)
        sigma = self.sigma(x).transpose(1, 2)  # [b, h, l]
        sigma = torch.sigmoid(sigma * 5) + 1e-5
        sigma = torch.pow(3, sigma) - 1
        sigma = sigma[..., None].repeat(1, 1, 1, l)
        prior = 1.0 / (math.sqrt(2 * math.pi) * sigma) * torch.exp(-self.distances ** 2 / 2 / (sigma ** 2))
        series = scores.softmax(-1)
        out = torch.einsum('bhls,bshd->blhd', series, v).reshape(b, l, -1)
        return self.o(out), series, prior


class AnomalyTransformer(nn.Module):
    def __init__(self, c=8, d=32, heads=4, win=40, layers=2, temperature=50.0):
        super().__init__()
        self.token = nn.Conv1d(c, d, 3, padding=1, padding_mode='circular', bias=False)
        pe = torch.zeros(win, d)
        pos = torch.arange(win).float()[:, None]
        div = torch.exp(torch.arange(0, d, 2).float() * -(math.log(10000.0) / d))
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer('pe', pe[None])
        self.attn = nn.ModuleList(AnomalyAttention(d, heads, win) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Conv1d(d, 4 * d, 1), nn.GELU(), nn.Conv1d(4 * d, d, 1)) for _ in range(layers))
        self.n1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.norm, self.proj, self.t = nn.LayerNorm(d), nn.Linear(d, c), temperature

    def forward(self, x):  # [B, win, C]
        h = self.token(x.transpose(1, 2)).transpose(1, 2) + self.pe
        series_loss, prior_loss = 0, 0
        for at, ff, n1, n2 in zip(self.attn, self.ff, self.n1, self.n2):
            a, series, prior = at(h)
            h = n1(h + a)
            h = n2(h + ff(h.transpose(1, 2)).transpose(1, 2))
            prior = prior / prior.sum(-1, keepdim=True)
            kl = lambda p, q: (p * (torch.log(p + 1e-4) - torch.log(q + 1e-4))).sum(-1)
            series_loss = series_loss + kl(series, prior).mean(1) * self.t
            prior_loss = prior_loss + kl(prior, series).mean(1) * self.t
        rec = self.proj(self.norm(h))
        metric = torch.softmax(-series_loss - prior_loss, -1)
        score = metric * ((x - rec) ** 2).mean(-1)
        return rec, score


MODELS = {
    'ttm': lambda: (TTM().eval(), torch.randn(2, 96, 3), {'names': ['past_values'], 'outputs': ['forecast'], 'opset': 14}),
    'sparsetsf': lambda: (SparseTSF().eval(), torch.randn(2, 96, 7), {'names': ['x'], 'outputs': ['y'], 'opset': 14}),
    'mtgnn': lambda: (MTGNN().eval(), torch.randn(1, 2, 10, 12), {'names': ['x'], 'outputs': ['y'], 'opset': 14}),
    'dcrnn': lambda: (DCRNN().eval(), (torch.randn(1, 8, 10, 2), (torch.rand(10, 10) > 0.6).float()), {'names': ['x', 'adj'], 'outputs': ['y'], 'opset': 14}),
    'anomaly_transformer': lambda: (AnomalyTransformer().eval(), torch.randn(1, 40, 8), {'names': ['x'], 'outputs': ['reconstruction', 'score'], 'opset': 14}),
}
