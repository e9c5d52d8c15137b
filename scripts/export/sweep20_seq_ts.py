"""Twentieth sweep: forecasters not tried in the nineteen earlier sweeps, as their reference code writes them (random
weights, small widths): LightTS (Time-Series-Library: continuous and interval sampling of chunks, IEBlocks of an MLP
over the chunk and a Linear across chunks, a linear highway), STID (spatial and temporal identity embeddings: time of
day and day of week read from the history's time features as fractions × table size cast to indices, node
embeddings, a residual 1×1-conv MLP), CycleNet (a learnable cycle [W, C] gathered at (cycle_index + t) mod W and
removed before an MLP over time, added back for the horizon, instance-normalised) and GMAN (graph multi-attention:
spatio-temporal embeddings from node vectors and one-hot day / time, heads split into the batch by
cat(split(..., d), 0), spatial attention over nodes, causal temporal attention, gated fusion, transform attention from
history to horizon). Models in MODELS, exported by sweep20_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- LightTS (thuml/Time-Series-Library models/LightTS.py) ---

class IEBlock(nn.Module):
    def __init__(self, input_dim, hid_dim, output_dim, num_node):
        super().__init__()
        self.spatial_proj = nn.Sequential(nn.Linear(input_dim, hid_dim), nn.LeakyReLU(), nn.Linear(hid_dim, hid_dim // 4))
        self.channel_proj = nn.Linear(num_node, num_node)
        self.output_proj = nn.Linear(hid_dim // 4, output_dim)

    def forward(self, x):
        x = self.spatial_proj(x.permute(0, 2, 1))
        x = x.permute(0, 2, 1) + self.channel_proj(x.permute(0, 2, 1))
        x = self.output_proj(x.permute(0, 2, 1))
        return x.permute(0, 2, 1)


class LightTS(nn.Module):
    def __init__(self, seq_len=96, pred_len=48, enc_in=7, d_model=64, chunk=12):
        super().__init__()
        self.chunk, self.n = chunk, seq_len // chunk
        self.layer_1 = IEBlock(chunk, d_model // 4, d_model // 4, self.n)
        self.chunk_proj_1 = nn.Linear(self.n, 1)
        self.layer_2 = IEBlock(chunk, d_model // 4, d_model // 4, self.n)
        self.chunk_proj_2 = nn.Linear(self.n, 1)
        self.layer_3 = IEBlock(d_model // 2, d_model // 2, pred_len, enc_in)
        self.ar = nn.Linear(seq_len, pred_len)

    def forward(self, x):  # [B, T, N]
        b, _, n = x.shape
        highway = self.ar(x.permute(0, 2, 1)).permute(0, 2, 1)
        x1 = x.reshape(b, self.n, self.chunk, n).permute(0, 3, 2, 1).reshape(-1, self.chunk, self.n)
        x1 = self.chunk_proj_1(self.layer_1(x1)).squeeze(-1)
        x2 = x.reshape(b, self.chunk, self.n, n).permute(0, 3, 1, 2).reshape(-1, self.chunk, self.n)
        x2 = self.chunk_proj_2(self.layer_2(x2)).squeeze(-1)
        x3 = torch.cat([x1, x2], -1).reshape(b, n, -1).permute(0, 2, 1)
        return self.layer_3(x3) + highway


# --- STID (GestaltCogTeam/STID stid_arch.py) ---

class STIDMLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(d, d, 1), nn.Conv2d(d, d, 1)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x))) + x


class STID(nn.Module):
    def __init__(self, nodes=20, in_len=12, out_len=12, d=32, tod=288, dow=7, layers=3):
        super().__init__()
        self.tod, self.dow = tod, dow
        self.node_emb = nn.Parameter(torch.randn(nodes, d) * 0.1)
        self.tod_emb, self.dow_emb = nn.Parameter(torch.randn(tod, d) * 0.1), nn.Parameter(torch.randn(dow, d) * 0.1)
        self.ts_emb = nn.Conv2d(in_len, d, 1)
        self.encoder = nn.Sequential(*[STIDMLP(4 * d) for _ in range(layers)])
        self.regression = nn.Conv2d(4 * d, out_len, 1)

    def forward(self, history):  # [B, L, N, 3]: value, time of day in [0, 1), day of week / 7
        b, l, n, _ = history.shape
        tod = self.tod_emb[(history[:, -1, :, 1] * self.tod).type(torch.LongTensor)]  # [B, N, d]
        dow = self.dow_emb[(history[:, -1, :, 2] * self.dow).type(torch.LongTensor)]
        x = history[..., :1].transpose(1, 2).reshape(b, n, -1).transpose(1, 2).unsqueeze(-1)  # [B, L, N, 1]
        h = torch.cat([self.ts_emb(x), self.node_emb[None].expand(b, -1, -1).transpose(1, 2)[..., None],
                       tod.transpose(1, 2)[..., None], dow.transpose(1, 2)[..., None]], 1)
        return self.regression(self.encoder(h))  # [B, out_len, N, 1]


# --- CycleNet (ACAT-SCUT/CycleNet models/CycleNet.py, MLP backbone) ---

class CycleNet(nn.Module):
    def __init__(self, seq_len=96, pred_len=24, channels=7, cycle=24, hidden=64):
        super().__init__()
        self.L, self.H, self.W = seq_len, pred_len, cycle
        self.cycle = nn.Parameter(torch.randn(cycle, channels) * 0.5)
        self.model = nn.Sequential(nn.Linear(seq_len, hidden), nn.ReLU(), nn.Linear(hidden, pred_len))

    def queue(self, index, length):
        return self.cycle[(index.view(-1, 1) + torch.arange(length).view(1, -1)) % self.W]

    def forward(self, x, cycle_index):  # [B, L, C], [B] int
        mean = x.mean(1, keepdim=True)
        var = x.var(1, keepdim=True, unbiased=False) + 1e-5
        x = (x - mean) / torch.sqrt(var)
        x = x - self.queue(cycle_index, self.L)
        y = self.model(x.permute(0, 2, 1)).permute(0, 2, 1)
        y = y + self.queue((cycle_index + self.L) % self.W, self.H)
        return y * torch.sqrt(var) + mean


# --- GMAN (zhengchuanpan/GMAN, PyTorch port GMAN-PyTorch model/model_.py) ---

class Conv2d_(nn.Module):
    def __init__(self, cin, cout, act=True, bias=True):
        super().__init__()
        self.conv, self.bn, self.act = nn.Conv2d(cin, cout, 1, bias=bias), nn.BatchNorm2d(cout), act

    def forward(self, x):  # [B, T, N, C]
        x = self.bn(self.conv(x.permute(0, 3, 2, 1)))
        x = F.relu(x) if self.act else x
        return x.permute(0, 3, 2, 1)


def fc(dims, acts, bias=True):
    return nn.Sequential(*[Conv2d_(a, b, act, bias) for (a, b), act in zip(zip(dims[:-1], dims[1:]), acts)])


class HeadsAttention(nn.Module):
    """GMAN's attention layers: q / k / v FCs of [X, STE] (2D -> D; D -> D for the transform attention), heads of d
    channels split into the batch, a 2-layer output FC."""
    def __init__(self, K, d, cin=2):
        super().__init__()
        D = K * d
        self.d, self.K = d, K
        self.q, self.k, self.v = fc((cin * D, D), (True,)), fc((cin * D, D), (True,)), fc((cin * D, D), (True,))
        self.o = fc((D, D, D), (True, False))

    def heads(self, proj, x):
        return torch.cat(torch.split(proj(x), self.d, -1), 0)


class SpatialAttention(HeadsAttention):
    def forward(self, X, STE):
        b = X.shape[0]
        X = torch.cat([X, STE], -1)
        q = self.heads(self.q, X)
        k = self.heads(self.k, X)
        v = self.heads(self.v, X)
        a = (q @ k.transpose(2, 3) / math.sqrt(self.d)).softmax(-1)
        X = torch.cat(torch.split(a @ v, b, 0), -1)
        return self.o(X)


class TemporalAttention(HeadsAttention):
    def forward(self, X, STE):
        b, t = X.shape[0], X.shape[1]
        X = torch.cat([X, STE], -1)
        q = self.heads(self.q, X).permute(0, 2, 1, 3)
        k = self.heads(self.k, X).permute(0, 2, 3, 1)
        v = self.heads(self.v, X).permute(0, 2, 1, 3)
        a = q @ k / math.sqrt(self.d)
        mask = torch.tril(torch.ones(t, t)).bool()
        a = torch.where(mask, a, torch.tensor(-2 ** 15 + 1.0)).softmax(-1)
        X = (a @ v).permute(0, 2, 1, 3)
        return self.o(torch.cat(torch.split(X, b, 0), -1))


class GatedFusion(nn.Module):
    def __init__(self, D):
        super().__init__()
        self.xs, self.xt = fc((D, D), (False,), bias=False), fc((D, D), (False,))
        self.h = fc((D, D, D), (True, False))

    def forward(self, HS, HT):
        z = torch.sigmoid(self.xs(HS) + self.xt(HT))
        return self.h(z * HS + (1 - z) * HT)


class STAttBlock(nn.Module):
    def __init__(self, K, d):
        super().__init__()
        self.s, self.t, self.g = SpatialAttention(K, d), TemporalAttention(K, d), GatedFusion(K * d)

    def forward(self, X, STE):
        return X + self.g(self.s(X, STE), self.t(X, STE))


class TransformAttention(HeadsAttention):
    def __init__(self, K, d):
        super().__init__(K, d, cin=1)

    def forward(self, X, STE_his, STE_pred):
        b = X.shape[0]
        q = self.heads(self.q, STE_pred).permute(0, 2, 1, 3)
        k = self.heads(self.k, STE_his).permute(0, 2, 3, 1)
        v = self.heads(self.v, X).permute(0, 2, 1, 3)
        a = (q @ k / math.sqrt(self.d)).softmax(-1)
        X = (a @ v).permute(0, 2, 1, 3)
        return self.o(torch.cat(torch.split(X, b, 0), -1))


class GMAN(nn.Module):
    def __init__(self, nodes=10, P=6, K=4, d=8, T=288):
        super().__init__()
        D = K * d
        self.P, self.T = P, T
        self.SE = nn.Parameter(torch.randn(nodes, D))
        self.fc_se, self.fc_te = fc((D, D, D), (True, False)), fc((7 + T, D, D), (True, False))
        self.fc1, self.fc2 = fc((1, D, D), (True, False)), fc((D, D, 1), (True, False))
        self.enc, self.dec = STAttBlock(K, d), STAttBlock(K, d)
        self.trans = TransformAttention(K, d)

    def forward(self, X, TE):  # [B, P, N], [B, P + Q, 2] int (day of week, time of day)
        X = self.fc1(X[..., None])
        SE = self.fc_se(self.SE[None, None])
        te = torch.cat([F.one_hot(TE[..., 0] % 7, 7), F.one_hot(TE[..., 1] % self.T, self.T)], -1).float()
        STE = SE + self.fc_te(te[:, :, None])
        his, pred = STE[:, :self.P], STE[:, self.P:]
        X = self.enc(X, his)
        X = self.trans(X, his, pred)
        X = self.dec(X, pred)
        return self.fc2(X).squeeze(3)


def stid_inputs():
    h = torch.zeros(2, 12, 20, 3)
    h[..., 0] = torch.randn(2, 12, 20)
    h[..., 1] = ((torch.arange(12)[None, :, None] + torch.tensor([17, 250])[:, None, None]) / 288.0).expand(2, 12, 20)
    h[..., 2] = (torch.tensor([2, 6])[:, None, None].float() / 7).expand(2, 12, 20)
    return h


def gman_inputs():
    t = torch.arange(12)[None] + torch.tensor([[100], [283]])
    te = torch.stack([torch.tensor([[3], [5]]).expand(2, 12) + t // 288, t], -1)
    return torch.randn(2, 6, 10), te


MODELS = {
    'lightts': lambda: (LightTS().eval(), torch.randn(2, 96, 7), {'names': ['x'], 'outputs': ['y'], 'opset': 14}),
    'stid': lambda: (STID().eval(), stid_inputs(), {'names': ['history'], 'outputs': ['prediction'], 'opset': 14}),
    'cyclenet': lambda: (CycleNet().eval(), (torch.randn(2, 96, 7), torch.tensor([5, 23])), {'names': ['x', 'cycle_index'], 'outputs': ['y'], 'opset': 14}),
    'gman': lambda: (GMAN().eval(), gman_inputs(), {'names': ['X', 'TE'], 'outputs': ['y'], 'opset': 14}),
}
