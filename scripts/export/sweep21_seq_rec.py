"""Twenty-first sweep: forecasters, recommenders and graph nets not tried in the twenty earlier sweeps, as their
reference code writes them (random weights, small widths): ModernTCN (patch embedding, large-kernel depthwise conv
per variable and channel, ConvFFNs grouped across channels and across variables, RevIN), Time-MoE (a decoder-only
forecaster: point-wise SwiGLU embedding, top-2 of 4 experts plus a sigmoid-gated shared expert, multi-resolution
heads), Wukong (Meta's stacked factorization machines: FM block and linear compress block per layer, residual,
LayerNorm), TiSASRec (self-attention over an item sequence with absolute position and clipped time-interval
embeddings added to keys and values, interval matrix from a timestamp input) and APPNP (an MLP, then 10 steps of
personalised-PageRank propagation over a normalised dense adjacency). Models in MODELS, exported by sweep21_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import RMSNorm  # noqa: E402
from sweep20_seq_lm import SwiGLU  # noqa: E402
from sweep20_seq_rec import sym_norm, graph_inputs  # noqa: E402


# --- ModernTCN (luodhhh/ModernTCN, forecasting) ---

class ModernTCNBlock(nn.Module):
    def __init__(self, m, d, k=13, ffr=2):
        super().__init__()
        self.m, self.d = m, d
        self.dw, self.bn = nn.Conv1d(m * d, m * d, k, padding=k // 2, groups=m * d), nn.BatchNorm1d(m * d)
        self.ffn1 = nn.Sequential(nn.Conv1d(m * d, m * d * ffr, 1, groups=m), nn.GELU(), nn.Conv1d(m * d * ffr, m * d, 1, groups=m))
        self.ffn2 = nn.Sequential(nn.Conv1d(m * d, m * d * ffr, 1, groups=d), nn.GELU(), nn.Conv1d(m * d * ffr, m * d, 1, groups=d))

    def forward(self, x):  # [B, M, D, N]
        b, m, d, n = x.shape
        y = self.bn(self.dw(x.reshape(b, m * d, n)))
        y = self.ffn1(y).reshape(b, m, d, n)
        y = y.permute(0, 2, 1, 3).reshape(b, d * m, n)
        y = self.ffn2(y).reshape(b, d, m, n).permute(0, 2, 1, 3)
        return x + y


class ModernTCN(nn.Module):
    def __init__(self, vars_=7, seq=96, horizon=24, d=16, patch=8, stride=4, layers=2):
        super().__init__()
        self.patch, self.stride, self.d = patch, stride, d
        self.embed = nn.Conv1d(1, d, patch, stride)
        self.blocks = nn.ModuleList(ModernTCNBlock(vars_, d) for _ in range(layers))
        n = (seq + stride - patch) // stride + 1
        self.head = nn.Linear(d * n, horizon)
        self.affine_w, self.affine_b = nn.Parameter(1 + 0.1 * torch.randn(vars_)), nn.Parameter(0.1 * torch.randn(vars_))

    def forward(self, x):  # [B, L, M]
        mean, std = x.mean(1, keepdim=True), torch.sqrt(x.var(1, keepdim=True, unbiased=False) + 1e-5)
        x = ((x - mean) / std * self.affine_w + self.affine_b).permute(0, 2, 1)  # RevIN, [B, M, L]
        b, m, L = x.shape
        x = F.pad(x, (0, self.stride), mode='replicate')
        x = self.embed(x.reshape(b * m, 1, -1)).reshape(b, m, self.d, -1)
        for blk in self.blocks:
            x = blk(x)
        y = self.head(x.flatten(2)).permute(0, 2, 1)  # [B, H, M]
        return (y - self.affine_b) / (self.affine_w + 1e-10) * std + mean


# --- Time-MoE (Time-MoE/Time-MoE, modeling_time_moe.py) ---

class TimeMoESparse(nn.Module):
    def __init__(self, d, experts=4, hidden=64, top=2):
        super().__init__()
        self.gate, self.top = nn.Linear(d, experts, bias=False), top
        self.experts = nn.ModuleList(SwiGLU(d, hidden) for _ in range(experts))
        self.shared, self.shared_gate = SwiGLU(d, 2 * hidden), nn.Linear(d, 1, bias=False)

    def forward(self, x):
        p = self.gate(x).softmax(-1)
        w, idx = p.topk(self.top, -1)
        w = w / w.sum(-1, keepdim=True)
        dense = torch.zeros_like(p).scatter(-1, idx, w)  # [b, n, E]: each token's two weights
        y = sum(dense[..., e:e + 1] * ex(x) for e, ex in enumerate(self.experts))
        return y + torch.sigmoid(self.shared_gate(x)) * self.shared(x)


class TimeMoEBlock(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        from sweep20_seq_lm import rope
        self.rope, self.h = rope, h
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d, bias=False)
        self.n1, self.n2, self.moe = RMSNorm(d), RMSNorm(d), TimeMoESparse(d)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(self.n1(x)).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        pos = torch.arange(n)
        w = self.rope(q, pos) @ self.rope(k, pos).transpose(-1, -2) / math.sqrt(q.shape[-1])
        w = (w + torch.triu(torch.full((n, n), -1e9), 1)).softmax(-1)
        x = x + self.o((w @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.moe(self.n2(x))


class TimeMoE(nn.Module):
    def __init__(self, d=64, h=4, layers=2, horizons=(1, 8, 32)):
        super().__init__()
        self.embed = nn.ModuleDict({'gate': nn.Linear(1, d, bias=False), 'emb': nn.Linear(1, d, bias=False)})
        self.blocks = nn.ModuleList(TimeMoEBlock(d, h) for _ in range(layers))
        self.norm, self.heads = RMSNorm(d), nn.ModuleList(nn.Linear(d, hz, bias=False) for hz in horizons)

    def forward(self, series):  # [B, L] one variable; per-series scaling as the pipeline does
        mean, std = series.mean(-1, keepdim=True), series.std(-1, keepdim=True) + 1e-6
        x = ((series - mean) / std)[..., None]
        x = F.silu(self.embed['gate'](x)) * self.embed['emb'](x)
        for blk in self.blocks:
            x = blk(x)
        h = self.norm(x[:, -1])
        return tuple(head(h) * std + mean for head in self.heads)


# --- Wukong (Zhang et al. 2024, "Wukong: towards a scaling law for large-scale recommendation") ---

class WukongLayer(nn.Module):
    def __init__(self, n_in, d, n_fmb=8, n_lcb=8, rank=8):
        super().__init__()
        self.proj = nn.Parameter(torch.randn(n_in, rank) / math.sqrt(n_in))  # optimized FM: X (Xᵀ Y)
        self.fmb = nn.Sequential(nn.Linear(n_in * rank, 128), nn.ReLU(), nn.Linear(128, n_fmb * d))
        self.lcb = nn.Linear(n_in, n_lcb, bias=False)
        self.res = nn.Linear(n_in, n_fmb + n_lcb, bias=False) if n_in != n_fmb + n_lcb else None
        self.norm, self.n_fmb, self.d = nn.LayerNorm(d), n_fmb, d

    def forward(self, x):  # [B, n, d]
        b = x.shape[0]
        inter = x @ (x.transpose(1, 2) @ self.proj)  # [B, n, rank]
        fm = self.fmb(inter.flatten(1)).view(b, self.n_fmb, self.d)
        lc = self.lcb(x.transpose(1, 2)).transpose(1, 2)
        res = x if self.res is None else self.res(x.transpose(1, 2)).transpose(1, 2)
        return self.norm(torch.cat([fm, lc], 1) + res)


class Wukong(nn.Module):
    def __init__(self, fields=(30, 20, 50, 10, 40, 25), dense=5, d=16, layers=2):
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(f, d) for f in fields)
        self.dense = nn.Linear(dense, d)
        n = len(fields) + 1
        self.layers = nn.ModuleList(WukongLayer(n if i == 0 else 16, d) for i in range(layers))
        self.mlp = nn.Sequential(nn.Linear(16 * d, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, sparse, dense):  # [B, F] ids, [B, 5]
        x = torch.stack([t(sparse[:, i]) for i, t in enumerate(self.tables)] + [self.dense(dense)], 1)
        for layer in self.layers:
            x = layer(x)
        return torch.sigmoid(self.mlp(x.flatten(1)))


# --- TiSASRec (JiachengLi1995/TiSASRec, model.py: time-interval aware self-attention) ---

class TimeAwareAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.q, self.k, self.v = h, nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x, pk, pv, rk, rv, mask):  # rk / rv [B, n, n, d]
        b, n, d = x.shape
        hd = d // self.h
        split = lambda t: t.view(*t.shape[:-1], self.h, hd)  # noqa: E731
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))  # [B, n, h, hd]
        pk, pv, rk, rv = split(pk), split(pv), split(rk), split(rv)
        w = torch.einsum('bihe,bjhe->bhij', q, k + pk) + torch.einsum('bihe,bijhe->bhij', q, rk)
        w = (w / math.sqrt(hd)).masked_fill(~mask, -2 ** 32 + 1).softmax(-1)
        o = torch.einsum('bhij,bjhe->bihe', w, v + pv) + torch.einsum('bhij,bijhe->bihe', w, rv)
        return o.reshape(b, n, d)


class TiSASRec(nn.Module):
    def __init__(self, items=300, d=32, h=2, layers=2, maxlen=20, span=64):
        super().__init__()
        self.item, self.span = nn.Embedding(items + 1, d, padding_idx=0), span
        self.pos_k, self.pos_v = nn.Embedding(maxlen, d), nn.Embedding(maxlen, d)
        self.int_k, self.int_v = nn.Embedding(span + 1, d), nn.Embedding(span + 1, d)
        self.attn = nn.ModuleList(TimeAwareAttention(d, h) for _ in range(layers))
        self.ln1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.ln2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.ffn = nn.ModuleList(nn.Sequential(nn.Conv1d(d, d, 1), nn.ReLU(), nn.Conv1d(d, d, 1)) for _ in range(layers))
        self.last = nn.LayerNorm(d)

    def forward(self, seq, stamps):  # [B, n] item ids (0 = padding, left-padded), [B, n] int64 time stamps
        b, n = seq.shape
        x = self.item(seq) * math.sqrt(self.item.embedding_dim)
        keep = (seq > 0)[..., None].float()
        x = x * keep
        pos = torch.arange(n)
        pk, pv = self.pos_k(pos).expand(b, -1, -1), self.pos_v(pos).expand(b, -1, -1)
        gap = (stamps[:, :, None] - stamps[:, None, :]).abs().clamp(max=self.span)
        rk, rv = self.int_k(gap), self.int_v(gap)
        mask = torch.tril(torch.ones(n, n, dtype=torch.bool))[None, None]
        for attn, ln1, ln2, ffn in zip(self.attn, self.ln1, self.ln2, self.ffn):
            q = ln1(x)
            x = q + attn(q, pk, pv, rk, rv, mask)
            y = ln2(x)
            x = (y + ffn(y.transpose(1, 2)).transpose(1, 2)) * keep
        h = self.last(x)[:, -1]
        return h @ self.item.weight.t()  # scores of every item


# --- APPNP (Klicpera et al. 2019; PyG APPNP with K = 10, α = 0.1) ---

class APPNP(nn.Module):
    def __init__(self, f=16, hidden=32, classes=5, k=10, alpha=0.1):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(f, hidden), nn.ReLU(), nn.Linear(hidden, classes))
        self.k, self.alpha = k, alpha

    def forward(self, x, adj):
        a = sym_norm(adj)
        h = self.mlp(x)
        z = h
        for _ in range(self.k):
            z = (1 - self.alpha) * (a @ z) + self.alpha * h
        return z.log_softmax(-1)


def tisas_inputs():
    g = torch.Generator().manual_seed(5)
    seq = torch.randint(1, 301, (2, 20), generator=g)
    seq[0, :6] = 0
    stamps = torch.cumsum(torch.randint(0, 12, (2, 20), generator=g), 1)
    return seq, stamps


def wukong_inputs():
    g = torch.Generator().manual_seed(6)
    return torch.stack([torch.randint(0, f, (4,), generator=g) for f in (30, 20, 50, 10, 40, 25)], 1), torch.randn(4, 5, generator=g)


MODELS = {
    'modern_tcn': lambda: (ModernTCN().eval(), torch.randn(1, 96, 7), {'names': ['history'], 'outputs': ['forecast'], 'opset': 14}),
    'time_moe': lambda: (TimeMoE().eval(), torch.randn(1, 64).cumsum(-1), {'names': ['series'], 'outputs': ['h1', 'h8', 'h32'], 'opset': 14}),
    'wukong': lambda: (Wukong().eval(), wukong_inputs(), {'names': ['sparse', 'dense'], 'outputs': ['ctr'], 'opset': 14}),
    'tisasrec': lambda: (TiSASRec().eval(), tisas_inputs(), {'names': ['item_seq', 'timestamps'], 'outputs': ['scores'], 'opset': 14}),
    'appnp': lambda: (APPNP().eval(), graph_inputs(), {'names': ['x', 'adj'], 'outputs': ['logprobs'], 'opset': 14}),
}
