"""Sixteenth sweep: recommenders and graph nets not tried in the fifteen earlier sweeps, as their reference code writes
them (random weights, small widths): DeepFM (one embedding table for all fields by per-field offsets, first-order
weights, FM second order as (sum e)^2 - sum e^2, DNN, sigmoid), xDeepFM (compressed interaction network: outer
products of x0 and x_k by einsum, 1x1 convs, sum pooling, split halves; plus linear and DNN parts), DIEN (GRU interest
extractor over the behaviour sequence, DIN-style attention MLP over [h, t, h - t, h * t] masked to the sequence
length, AUGRU whose update gate is scaled by the attention score unrolled over the steps, Dice activations with their
running statistics), MMoE (shared experts, a softmax gate per task, towers), SchNet (atom-type embedding, pairwise
distances in the graph, Gaussian radial basis, cosine cutoff, continuous-filter convolutions with shifted softplus,
sum readout) and PNA (dense adjacency: mean / max / min / std aggregators with identity / amplification / attenuation
degree scalers, towers). Models in MODELS, exported by sweep16_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- DeepFM ---

FIELDS = (10, 20, 7, 50, 4, 30, 12, 3)


class DeepFM(nn.Module):
    def __init__(self, fields=FIELDS, k=8, dnn=(64, 32)):
        super().__init__()
        self.register_buffer('offsets', torch.tensor([0, *torch.tensor(fields).cumsum(0)[:-1].tolist()]))
        n = sum(fields)
        self.embedding = nn.Embedding(n, k)
        self.fc = nn.Embedding(n, 1)
        self.bias = nn.Parameter(torch.zeros(1))
        layers, d = [], len(fields) * k
        for h in dnn:
            layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU()]
            d = h
        self.mlp = nn.Sequential(*layers, nn.Linear(d, 1))

    def forward(self, x):  # [B, fields] int64 ids per field
        x = x + self.offsets[None]
        e = self.embedding(x)
        linear = self.fc(x).sum(1) + self.bias
        square_of_sum = e.sum(1) ** 2
        sum_of_square = (e ** 2).sum(1)
        fm = 0.5 * (square_of_sum - sum_of_square).sum(1, keepdim=True)
        return torch.sigmoid(linear + fm + self.mlp(e.view(e.shape[0], -1)))[:, 0]


# --- xDeepFM ---

class CIN(nn.Module):
    def __init__(self, m, layers=(16, 16, 16), split_half=True):
        super().__init__()
        self.split_half = split_half
        self.convs = nn.ModuleList()
        prev, self.fc_dim = m, 0
        for i, h in enumerate(layers):
            self.convs.append(nn.Conv1d(m * prev, h, 1))
            if split_half and i != len(layers) - 1:
                h //= 2
            prev = h
            self.fc_dim += prev
        self.fc = nn.Linear(self.fc_dim, 1)

    def forward(self, x0):  # [B, m, D]
        xs, h = [], x0
        for i, conv in enumerate(self.convs):
            z = torch.einsum('bhd,bmd->bhmd', h, x0)
            b, hh, m, d = z.shape
            x = F.relu(conv(z.view(b, hh * m, d)))
            if self.split_half and i != len(self.convs) - 1:
                x, h = torch.split(x, x.shape[1] // 2, 1)
            else:
                h = x
            xs.append(x)
        return self.fc(torch.sum(torch.cat(xs, 1), 2))


class XDeepFM(nn.Module):
    def __init__(self, fields=FIELDS, k=8):
        super().__init__()
        self.register_buffer('offsets', torch.tensor([0, *torch.tensor(fields).cumsum(0)[:-1].tolist()]))
        n = sum(fields)
        self.embedding, self.fc, self.bias = nn.Embedding(n, k), nn.Embedding(n, 1), nn.Parameter(torch.zeros(1))
        self.cin = CIN(len(fields))
        self.mlp = nn.Sequential(nn.Linear(len(fields) * k, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        x = x + self.offsets[None]
        e = self.embedding(x)
        return torch.sigmoid(self.fc(x).sum(1) + self.bias + self.cin(e) + self.mlp(e.flatten(1)))[:, 0]


# --- DIEN ---

class Dice(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.bn = nn.BatchNorm1d(d, eps=1e-9, affine=False)
        self.alpha = nn.Parameter(torch.zeros(d) + 0.25)

    def forward(self, x):
        p = torch.sigmoid(self.bn(x))
        return p * x + (1 - p) * self.alpha * x


class AUGRUCell(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.x2h = nn.Linear(d, 3 * h)
        self.h2h = nn.Linear(h, 3 * h)

    def forward(self, x, hx, att):
        gi, gh = self.x2h(x), self.h2h(hx)
        i_r, i_u, i_n = gi.chunk(3, 1)
        h_r, h_u, h_n = gh.chunk(3, 1)
        r = torch.sigmoid(i_r + h_r)
        u = torch.sigmoid(i_u + h_u) * att  # attentional update gate
        n = torch.tanh(i_n + r * h_n)
        return (1.0 - u) * hx + u * n


class DIEN(nn.Module):
    def __init__(self, items=100, cats=20, d=8, h=16, steps=10):
        super().__init__()
        self.steps = steps
        self.item, self.cat = nn.Embedding(items, d), nn.Embedding(cats, d)
        e = 2 * d
        self.gru = nn.GRU(e, h, batch_first=True)
        self.att = nn.Sequential(nn.Linear(4 * h, 32), nn.Sigmoid(), nn.Linear(32, 16), nn.Sigmoid(), nn.Linear(16, 1))
        self.target_proj = nn.Linear(e, h, bias=False)
        self.augru = AUGRUCell(h, h)
        self.mlp = nn.Sequential(nn.Linear(h + 3 * e, 64), Dice(64), nn.Linear(64, 32), Dice(32), nn.Linear(32, 2))

    def forward(self, hist_item, hist_cat, seq_len, target_item, target_cat):
        b, t = hist_item.shape
        hist = torch.cat([self.item(hist_item), self.cat(hist_cat)], -1)  # [B, T, 2d]
        target = torch.cat([self.item(target_item), self.cat(target_cat)], -1)  # [B, 2d]
        mask = torch.arange(t)[None] < seq_len[:, None]
        interest, _ = self.gru(hist)  # the interest extractor
        tq = self.target_proj(target)[:, None].expand(-1, t, -1)
        score = self.att(torch.cat([interest, tq, interest - tq, interest * tq], -1))[..., 0]
        score = score.masked_fill(~mask, -2 ** 32 + 1.0)
        score = F.softmax(score, -1)
        hx = torch.zeros(b, interest.shape[-1])
        for i in range(self.steps):  # AUGRU interest evolution; padded steps keep the state
            nh = self.augru(interest[:, i], hx, score[:, i:i + 1])
            hx = torch.where(mask[:, i:i + 1], nh, hx)
        behave_sum = (hist * mask[..., None]).sum(1)
        x = torch.cat([hx, target, behave_sum, target * behave_sum], -1)
        return F.softmax(self.mlp(x), -1)


def dien_inputs(b=3, t=10):
    return (torch.randint(0, 100, (b, t)), torch.randint(0, 20, (b, t)), torch.tensor([10, 6, 3]),
            torch.randint(0, 100, (b,)), torch.randint(0, 20, (b,)))


# --- MMoE ---

class MMoE(nn.Module):
    def __init__(self, dense=13, fields=FIELDS, k=8, experts=4, expert_d=32, tasks=2):
        super().__init__()
        self.register_buffer('offsets', torch.tensor([0, *torch.tensor(fields).cumsum(0)[:-1].tolist()]))
        self.embedding = nn.Embedding(sum(fields), k)
        d = dense + len(fields) * k
        self.experts = nn.ModuleList(nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, expert_d), nn.ReLU()) for _ in range(experts))
        self.gates = nn.ModuleList(nn.Linear(d, experts, bias=False) for _ in range(tasks))
        self.towers = nn.ModuleList(nn.Sequential(nn.Linear(expert_d, 16), nn.ReLU(), nn.Linear(16, 1)) for _ in range(tasks))

    def forward(self, dense, sparse):
        x = torch.cat([dense, self.embedding(sparse + self.offsets[None]).flatten(1)], 1)
        ex = torch.stack([e(x) for e in self.experts], 1)  # [B, E, d]
        outs = []
        for gate, tower in zip(self.gates, self.towers):
            g = F.softmax(gate(x), -1)[..., None]
            outs.append(torch.sigmoid(tower((g * ex).sum(1))))
        return torch.cat(outs, 1)


# --- SchNet ---

class SchNet(nn.Module):
    def __init__(self, types=10, d=32, filters=32, gaussians=25, cutoff=5.0, interactions=3):
        super().__init__()
        self.cutoff = cutoff
        self.embedding = nn.Embedding(types, d)
        self.register_buffer('offset', torch.linspace(0, cutoff, gaussians))
        self.coeff = -0.5 / (cutoff / (gaussians - 1)) ** 2
        self.filt = nn.ModuleList(nn.Sequential(nn.Linear(gaussians, filters), nn.Softplus(), nn.Linear(filters, filters)) for _ in range(interactions))
        self.lin1 = nn.ModuleList(nn.Linear(d, filters, bias=False) for _ in range(interactions))
        self.lin2 = nn.ModuleList(nn.Linear(filters, d) for _ in range(interactions))
        self.lin = nn.ModuleList(nn.Linear(d, d) for _ in range(interactions))
        self.out1, self.out2 = nn.Linear(d, d // 2), nn.Linear(d // 2, 1)

    @staticmethod
    def ssp(x):
        return F.softplus(x) - math.log(2.0)

    def forward(self, z, pos):  # z [N] atom types, pos [N, 3]
        n = z.shape[0]
        diff = pos[:, None] - pos[None]
        dist = torch.sqrt((diff ** 2).sum(-1) + 1e-12)  # [N, N]
        adj = (dist < self.cutoff) & ~torch.eye(n, dtype=torch.bool)
        rbf = torch.exp(self.coeff * (dist[..., None] - self.offset) ** 2)
        c = 0.5 * (torch.cos(dist * math.pi / self.cutoff) + 1.0) * adj.float()
        h = self.embedding(z)
        for filt, l1, l2, lin in zip(self.filt, self.lin1, self.lin2, self.lin):
            w = self.ssp(filt[0](rbf))
            w = filt[2](w) * c[..., None]  # [N, N, F]
            x = l1(h)
            m = (w * x[None]).sum(1)  # CFConv: sum over neighbours j of W_ij * x_j
            h = h + lin(self.ssp(l2(m)))
        return self.out2(self.ssp(self.out1(h))).sum(0)


def schnet_inputs(n=12):
    g = torch.Generator().manual_seed(3)
    return torch.randint(1, 10, (n,), generator=g), torch.randn(n, 3, generator=g) * 1.6


# --- PNA (dense adjacency) ---

class PNALayer(nn.Module):
    def __init__(self, d, avg_log_deg, towers=2):
        super().__init__()
        self.avg, self.towers, self.dt = avg_log_deg, towers, d // towers
        self.pre = nn.ModuleList(nn.Linear(2 * self.dt, self.dt) for _ in range(towers))
        self.post = nn.ModuleList(nn.Linear(13 * self.dt, self.dt) for _ in range(towers))  # x + 4 aggregators x 3 scalers
        self.lin = nn.Linear(d, d)

    def forward(self, x, adj):  # x [N, d], adj [N, N] float 0 / 1 (row i: i's neighbours)
        n = x.shape[0]
        deg = adj.sum(1, keepdim=True).clamp(min=1)
        amp = torch.log(deg + 1) / self.avg
        att = self.avg / torch.log(deg + 1)
        outs = []
        for t in range(self.towers):
            xt = x[:, t * self.dt:(t + 1) * self.dt]
            msg = self.pre[t](torch.cat([xt[:, None].expand(n, n, self.dt), xt[None].expand(n, n, self.dt)], -1))  # [i, j, dt]
            a = adj[..., None]
            mean = (msg * a).sum(1) / deg
            mx = msg.masked_fill(a == 0, -1e9).amax(1)
            mn = msg.masked_fill(a == 0, 1e9).amin(1)
            var = ((msg * msg) * a).sum(1) / deg - mean * mean
            std = torch.sqrt(F.relu(var) + 1e-5)
            agg = torch.cat([mean, mx, mn, std], -1)
            agg = torch.cat([agg, agg * amp, agg * att], -1)
            outs.append(self.post[t](torch.cat([xt, agg], -1)))
        return self.lin(torch.cat(outs, -1))


class PNA(nn.Module):
    def __init__(self, fin=9, d=32, layers=3, classes=4):
        super().__init__()
        self.inp = nn.Linear(fin, d)
        self.layers = nn.ModuleList(PNALayer(d, avg_log_deg=math.log(4.0)) for _ in range(layers))
        self.bns = nn.ModuleList(nn.BatchNorm1d(d) for _ in range(layers))
        self.head = nn.Sequential(nn.Linear(d, 16), nn.ReLU(), nn.Linear(16, classes))

    def forward(self, x, adj):
        h = self.inp(x)
        for layer, bn in zip(self.layers, self.bns):
            h = h + F.relu(bn(layer(h, adj)))
        return self.head(h.mean(0, keepdim=True))


def pna_inputs(n=16):
    g = torch.Generator().manual_seed(4)
    a = (torch.rand(n, n, generator=g) < 0.25).float()
    a = ((a + a.t()) > 0).float() * (1 - torch.eye(n))
    return torch.randn(n, 9, generator=g), a


def sparse_ids(b=4, fields=FIELDS):
    return torch.stack([torch.randint(0, f, (b,)) for f in fields], 1)


MODELS = {
    'deepfm': lambda: (DeepFM().eval(), sparse_ids(), {'names': ['sparse'], 'outputs': ['ctr'], 'opset': 13}),
    'xdeepfm': lambda: (XDeepFM().eval(), sparse_ids(), {'names': ['sparse'], 'outputs': ['ctr'], 'opset': 13}),
    'dien': lambda: (DIEN().eval(), dien_inputs(), {'names': ['hist_item', 'hist_cat', 'seq_len', 'target_item', 'target_cat'],
                                                    'outputs': ['probs'], 'opset': 13}),
    'mmoe': lambda: (MMoE().eval(), (torch.randn(4, 13), sparse_ids()), {'names': ['dense', 'sparse'], 'outputs': ['task_probs'], 'opset': 13}),
    'schnet': lambda: (SchNet().eval(), schnet_inputs(), {'names': ['z', 'pos'], 'outputs': ['energy'], 'opset': 13}),
    'pna': lambda: (PNA().eval(), pna_inputs(), {'names': ['x', 'adj'], 'outputs': ['logits'], 'opset': 13}),
}
