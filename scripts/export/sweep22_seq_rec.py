"""Twenty-second sweep: time-series foundation models, set and graph nets not tried before, as their reference code
writes them (random weights, small widths): MOMENT (masked patch reconstruction: RevIN over the observed steps, a
mask token for masked patches, a T5 encoder with bucketed relative position bias), Toto (Datadog: a causal running
mean / std scaler, patches, time-wise causal and space-wise (across variates) attention, a Student-T mixture head),
the Set Transformer (ISAB with inducing points, PMA pooling by seed vectors, heads split into the batch) and SAGPool
(hierarchical graph classification: GCN layers, self-attention scores, top-k nodes kept with their adjacency).
Models in MODELS, exported by sweep22_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import RMSNorm  # noqa: E402


# --- MOMENT (moment-timeseries-foundation-model: RevIN, patching, mask token, T5 encoder, reconstruction head) ---

def t5_buckets(n, buckets=16, max_distance=64):
    rel = torch.arange(n)[None] - torch.arange(n)[:, None]  # key - query, bidirectional
    nb = buckets // 2
    out = (rel > 0).long() * nb
    rel = rel.abs()
    exact = nb // 2
    large = exact + (torch.log(rel.float().clamp(min=1) / exact) / math.log(max_distance / exact) * (nb - exact)).long()
    return out + torch.where(rel < exact, rel, large.clamp(max=nb - 1))


class T5Layer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.n1, self.n2 = h, RMSNorm(d), RMSNorm(d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.wi0, self.wi1, self.wo = nn.Linear(d, 2 * d, bias=False), nn.Linear(d, 2 * d, bias=False), nn.Linear(2 * d, d, bias=False)

    def forward(self, x, bias):
        b, n, d = x.shape
        y = self.n1(x)
        q, k, v = (m(y).view(b, n, self.h, -1).transpose(1, 2) for m in (self.q, self.k, self.v))
        w = (q @ k.transpose(-1, -2) + bias).softmax(-1)  # T5: no 1/√d
        x = x + self.o((w @ v).transpose(1, 2).reshape(b, n, d))
        y = self.n2(x)
        return x + self.wo(F.gelu(self.wi0(y), approximate='tanh') * self.wi1(y))


class Moment(nn.Module):
    def __init__(self, seq=128, patch=8, d=32, h=4, layers=2):
        super().__init__()
        self.p, self.h = patch, h
        self.embed, self.mask_token = nn.Linear(patch, d), nn.Parameter(torch.randn(d) * 0.1)
        self.rel_bias = nn.Embedding(16, h)
        self.register_buffer('buckets', t5_buckets(seq // patch))
        self.layers = nn.ModuleList(T5Layer(d, h) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, patch)

    def forward(self, x_enc, input_mask, mask):  # [b, 1, L], [b, L] observed, [b, L] 1 = keep
        obs = input_mask[:, None]
        n = obs.sum(-1, keepdim=True).clamp(min=1)
        mean = (x_enc * obs).sum(-1, keepdim=True) / n
        std = torch.sqrt(((x_enc - mean) ** 2 * obs).sum(-1, keepdim=True) / n + 1e-5)
        x = ((x_enc - mean) / std * obs)[:, 0]
        b, L = x.shape
        patches = x.view(b, L // self.p, self.p)
        keep = (mask * input_mask).view(b, L // self.p, self.p).min(-1)[0][..., None]
        z = self.embed(patches) * keep + self.mask_token * (1 - keep)
        bias = self.rel_bias(self.buckets).permute(2, 0, 1)[None]
        for layer in self.layers:
            z = layer(z, bias)
        rec = self.head(self.norm(z)).reshape(b, 1, L)
        return rec * std + mean


# --- Toto (DataDog/toto: causal std-mean scaler, patch embedding, time / space attention, Student-T mixture) ---

class TotoAttention(nn.Module):
    def __init__(self, d, h, time_wise):
        super().__init__()
        self.h, self.time_wise, self.norm = h, time_wise, RMSNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.ff = nn.Sequential(RMSNorm(d), nn.Linear(d, 2 * d), nn.SiLU(), nn.Linear(2 * d, d))

    def forward(self, x):  # [b, V, P, d]
        b, nv, p, d = x.shape
        y = x if self.time_wise else x.transpose(1, 2)
        s = y.reshape(-1, y.shape[2], d)
        q, k, v = self.qkv(self.norm(s)).view(s.shape[0], s.shape[1], 3, self.h, -1).permute(2, 0, 3, 1, 4)
        n, hd = s.shape[1], d // self.h
        if self.time_wise:
            inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
            f = torch.arange(n).float()[:, None] * inv[None]
            cos, sin = torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)
            q = q * cos + torch.cat([-q[..., hd // 2:], q[..., :hd // 2]], -1) * sin
            k = k * cos + torch.cat([-k[..., hd // 2:], k[..., :hd // 2]], -1) * sin
        w = q @ k.transpose(-1, -2) / math.sqrt(hd)
        if self.time_wise:
            w = w + torch.triu(torch.full((n, n), -1e9), 1)
        s = s + self.o((w.softmax(-1) @ v).transpose(1, 2).reshape(s.shape[0], n, d))
        s = s + self.ff(s)
        s = s.view(y.shape)
        return s if self.time_wise else s.transpose(1, 2)


class Toto(nn.Module):
    def __init__(self, patch=8, d=32, h=4, mix=3):
        super().__init__()
        self.p, self.mix = patch, mix
        self.embed = nn.Linear(patch, d)
        self.blocks = nn.Sequential(TotoAttention(d, h, True), TotoAttention(d, h, True), TotoAttention(d, h, False), TotoAttention(d, h, True))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, patch * mix * 3 + mix)

    def forward(self, series):  # [b, V, T]
        b, nv, t = series.shape
        cnt = torch.arange(1, t + 1).float()
        mean = series.cumsum(-1) / cnt
        var = ((series ** 2).cumsum(-1) / cnt - mean ** 2).clamp(min=0)
        std = torch.sqrt(var + 1e-3)
        # each patch scaled by the statistics at its last step (causal: no later step leaks in)
        m_p, s_p = mean[..., self.p - 1::self.p, None], std[..., self.p - 1::self.p, None]
        x = (series.view(b, nv, t // self.p, self.p) - m_p) / s_p
        z = self.norm(self.blocks(self.embed(x)))
        o = self.head(z)
        k = self.p * self.mix
        df = 2.0 + F.softplus(o[..., :k]).view(b, nv, -1, self.p, self.mix)
        loc = o[..., k:2 * k].view(b, nv, -1, self.p, self.mix)
        scale = F.softplus(o[..., 2 * k:3 * k]).view(b, nv, -1, self.p, self.mix) + 1e-3
        weights = o[..., 3 * k:].softmax(-1)[..., None, :]
        mean_next = (weights * loc).sum(-1) * s_p + m_p
        return df, loc * s_p[..., None] + m_p[..., None], scale * s_p[..., None], weights, mean_next.reshape(b, nv, t)


# --- Set Transformer (juho-lee/set_transformer modules.py: MAB with heads split into the batch, ISAB, PMA) ---

class MAB(nn.Module):
    def __init__(self, dq, dk, dv, h, ln=True):
        super().__init__()
        self.dv, self.h = dv, h
        self.fc_q, self.fc_k, self.fc_v, self.fc_o = nn.Linear(dq, dv), nn.Linear(dk, dv), nn.Linear(dk, dv), nn.Linear(dv, dv)
        self.ln0, self.ln1 = (nn.LayerNorm(dv), nn.LayerNorm(dv)) if ln else (nn.Identity(), nn.Identity())

    def forward(self, Q, K, key_bias=None):
        Q = self.fc_q(Q)
        K, V = self.fc_k(K), self.fc_v(K)
        split = self.dv // self.h
        Q_, K_, V_ = (torch.cat(t.split(split, 2), 0) for t in (Q, K, V))
        s = Q_.bmm(K_.transpose(1, 2)) / math.sqrt(self.dv)
        if key_bias is not None:
            s = s + key_bias.repeat(self.h, 1, 1)
        O = torch.cat((Q_ + torch.softmax(s, 2).bmm(V_)).split(Q.size(0), 0), 2)
        O = self.ln0(O)
        return self.ln1(O + F.relu(self.fc_o(O)))


class ISAB(nn.Module):
    def __init__(self, di, do, h, m):
        super().__init__()
        self.I = nn.Parameter(torch.randn(1, m, do) * 0.3)
        self.mab0, self.mab1 = MAB(do, di, do, h), MAB(di, do, do, h)

    def forward(self, X, key_bias):
        H = self.mab0(self.I.repeat(X.size(0), 1, 1), X, key_bias)
        return self.mab1(X, H)


class SetTransformer(nn.Module):
    def __init__(self, di=3, d=32, h=4, m=8, seeds=1, classes=10):
        super().__init__()
        self.isab1, self.isab2 = ISAB(di, d, h, m), ISAB(d, d, h, m)
        self.S = nn.Parameter(torch.randn(1, seeds, d) * 0.3)
        self.pma, self.sab, self.out = MAB(d, d, d, h), MAB(d, d, d, h), nn.Linear(d, classes)

    def forward(self, points, mask):  # [b, n, 3], [b, n] 1 = a set element
        key_bias = ((1 - mask) * -1e9)[:, None]
        x = self.isab2(self.isab1(points, key_bias), key_bias)
        y = self.pma(self.S.repeat(x.size(0), 1, 1), x, key_bias)
        return self.out(self.sab(y, y))


def set_inputs(n=20, real=14):
    g = torch.Generator().manual_seed(11)
    mask = (torch.arange(n) < real).float()[None]
    return torch.randn(1, n, 3, generator=g) * mask[..., None], mask


# --- SAGPool (inyeoplee77/SAGPool, hierarchical: GCN, self-attention pooling by top-k, readouts summed) ---

def gcn_norm(a):
    a = a + torch.eye(a.shape[-1])
    d = a.sum(-1).rsqrt()
    return d[:, None] * a * d[None]


class SAGPoolNet(nn.Module):
    def __init__(self, f=8, d=32, classes=4, ratio=0.5, levels=3):
        super().__init__()
        self.convs = nn.ModuleList(nn.Linear(f if i == 0 else d, d) for i in range(levels))
        self.scores = nn.ModuleList(nn.Linear(d, 1) for _ in range(levels))
        self.ratio = ratio
        self.mlp = nn.Sequential(nn.Linear(2 * d, d), nn.ReLU(), nn.Linear(d, d // 2), nn.ReLU(), nn.Linear(d // 2, classes))

    def forward(self, x, adj):  # [N, f], [N, N]
        total = 0
        for conv, score in zip(self.convs, self.scores):
            an = gcn_norm(adj)
            x = F.relu(an @ conv(x))
            s = torch.tanh(an @ score(x)).squeeze(-1)
            k = int(math.ceil(self.ratio * x.shape[0]))
            val, perm = s.topk(k)
            x = x[perm] * val[:, None]
            adj = adj[perm][:, perm]
            total = total + torch.cat([x.max(0)[0], x.mean(0)])
        return F.log_softmax(self.mlp(total), -1)


def sag_inputs(n=24, f=8, p=0.2):
    g = torch.Generator().manual_seed(13)
    a = (torch.rand(n, n, generator=g) < p).float()
    a = ((a + a.t()) > 0).float() * (1 - torch.eye(n))
    return torch.randn(n, f, generator=g), a


def moment_inputs(L=128):
    g = torch.Generator().manual_seed(12)
    t = torch.arange(L).float()
    x = (torch.sin(t / 6) + 0.3 * torch.randn(L, generator=g))[None, None]
    observed = (t >= 16).float()[None]  # left padding
    keep = torch.ones(1, L)
    keep[:, 64:80] = 0  # one masked stretch to reconstruct
    return x, observed, keep


MODELS = {
    'moment': lambda: (Moment().eval(), moment_inputs(), {'names': ['x_enc', 'input_mask', 'mask'], 'outputs': ['reconstruction'], 'opset': 14}),
    'toto': lambda: (Toto().eval(), torch.randn(1, 4, 64).cumsum(-1) * 0.2 + 3, {'names': ['series'], 'outputs': ['df', 'loc', 'scale', 'mixture_weights', 'mean'], 'opset': 14}),
    'set_transformer': lambda: (SetTransformer().eval(), set_inputs(), {'names': ['points', 'mask'], 'outputs': ['logits'], 'opset': 14}),
    'sagpool': lambda: (SAGPoolNet().eval(), sag_inputs(), {'names': ['x', 'adj'], 'outputs': ['logprobs'], 'opset': 14}),
}
