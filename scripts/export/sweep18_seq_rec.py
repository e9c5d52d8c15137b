"""Eighteenth sweep: recommenders and graph nets not tried in the seventeen earlier sweeps, as their reference code
writes them (random weights, small widths): FFM (field-aware factorization machine, torchfm: one embedding table per
field, every field pair's crossed embeddings), FinalMLP (feature gating from field embeddings, two MLP streams,
multi-head bilinear fusion by einsum), Caser (horizontal convolutions of every height over the embedding matrix with
max-over-time, a vertical convolution, user embedding, candidate scores by baddbmm), SR-GNN (gated GNN on a session
graph's in / out adjacency, GRU-style gates, alias gather back to positions, last-click gather by the mask's sum,
soft attention), Graphormer (degree centrality embeddings, spatial-encoding attention bias from shortest-path
distances gathered per head, a virtual graph token) and PaiNN (radial basis of pair distances with a cosine cutoff,
equivariant vector features [N, 3, F], gated scalar / vector messages and updates) and DimeNet++-lite (dense
triplets: angles by atan2 of cross / dot, spherical Bessel and Legendre bases, directional message passing).
Models in MODELS, exported by sweep18_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep18_seq_audio import atan2_symbolic

FIELDS = (20, 30, 15, 40, 25, 10)


def offsets(fields=FIELDS):
    o = [0]
    for f in fields[:-1]:
        o.append(o[-1] + f)
    return torch.tensor(o)


def sparse_ids(b=4, fields=FIELDS, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randint(0, f, (b,), generator=g) for f in fields], 1)


# --- FFM ---

class FFM(nn.Module):
    def __init__(self, fields=FIELDS, k=8):
        super().__init__()
        self.n = len(fields)
        self.register_buffer('offsets', offsets(fields))
        self.linear, self.bias = nn.Embedding(sum(fields), 1), nn.Parameter(torch.zeros(1))
        self.embeddings = nn.ModuleList(nn.Embedding(sum(fields), k) for _ in range(self.n))

    def forward(self, x):
        x = x + self.offsets
        xs = [e(x) for e in self.embeddings]
        ix = [xs[j][:, i] * xs[i][:, j] for i in range(self.n - 1) for j in range(i + 1, self.n)]
        ffm = torch.stack(ix, 1).sum(1).sum(1, keepdim=True)
        return torch.sigmoid(self.linear(x).sum(1) + self.bias + ffm)


# --- FinalMLP ---

def mlp(i, hs):
    layers = []
    for h in hs:
        layers += [nn.Linear(i, h), nn.BatchNorm1d(h), nn.ReLU()]
        i = h
    return nn.Sequential(*layers)


class FinalMLP(nn.Module):
    def __init__(self, fields=FIELDS, k=8, h=(64, 32), heads=4):
        super().__init__()
        self.register_buffer('offsets', offsets(fields))
        self.emb = nn.Embedding(sum(fields), k)
        d = k * len(fields)
        self.ctx1, self.ctx2 = nn.Parameter(torch.randn(1, k)), nn.Parameter(torch.randn(1, k))
        self.gate1 = nn.Sequential(nn.Linear(k, 32), nn.ReLU(), nn.Linear(32, d))
        self.gate2 = nn.Sequential(nn.Linear(k, 32), nn.ReLU(), nn.Linear(32, d))
        self.mlp1, self.mlp2 = mlp(d, h), mlp(d, h)
        o = h[-1]
        self.heads, self.hd = heads, o // heads
        self.w_x, self.w_y = nn.Linear(o, 1), nn.Linear(o, 1)
        self.w_xy = nn.Parameter(torch.randn(heads * self.hd * self.hd, 1) * 0.1)

    def forward(self, x):
        e = self.emb(x + self.offsets).flatten(1)
        b = e.shape[0]
        x1 = e * 2 * torch.sigmoid(self.gate1(self.ctx1.repeat(b, 1)))
        x2 = e * 2 * torch.sigmoid(self.gate2(self.ctx2.repeat(b, 1)))
        x, y = self.mlp1(x1), self.mlp2(x2)
        out = self.w_x(x) + self.w_y(y)
        xh, yh = x.view(b, self.heads, self.hd), y.view(b, self.heads, self.hd)
        w = self.w_xy.view(self.heads, self.hd, self.hd)
        xy = torch.einsum('bhi,hij,bhj->bh', xh, w, yh)
        return torch.sigmoid(out + xy.sum(1, keepdim=True))


# --- Caser ---

class Caser(nn.Module):
    def __init__(self, users=50, items=300, d=32, L=5, n_v=4, n_h=16):
        super().__init__()
        self.user_embeddings, self.item_embeddings = nn.Embedding(users, d), nn.Embedding(items, d)
        self.conv_v = nn.Conv2d(1, n_v, (L, 1))
        self.conv_h = nn.ModuleList(nn.Conv2d(1, n_h, (i, d)) for i in range(1, L + 1))
        self.fc1 = nn.Linear(n_v * d + n_h * L, d)
        self.W2, self.b2 = nn.Embedding(items, 2 * d), nn.Embedding(items, 1)
        self.L = L

    def forward(self, seq, user, items):  # seq [B, L], user [B], items [B, C]
        e = self.item_embeddings(seq).unsqueeze(1)  # [B, 1, L, d]
        u = self.user_embeddings(user)
        out_v = self.conv_v(e).view(e.shape[0], -1)
        out_hs = []
        for conv in self.conv_h:
            conv_out = F.relu(conv(e).squeeze(3))
            out_hs.append(F.max_pool1d(conv_out, self.L - conv.kernel_size[0] + 1).squeeze(2))
        z = F.relu(self.fc1(torch.cat([out_v, torch.cat(out_hs, 1)], 1)))
        x = torch.cat([z, u], 1)
        w2, b2 = self.W2(items), self.b2(items)
        return torch.baddbmm(b2, w2, x.unsqueeze(2)).squeeze(-1)


def caser_inputs():
    g = torch.Generator().manual_seed(3)
    return torch.randint(1, 300, (4, 5), generator=g), torch.randint(0, 50, (4,), generator=g), torch.randint(1, 300, (4, 20), generator=g)


# --- SR-GNN ---

class SRGNN(nn.Module):
    def __init__(self, items=300, d=32, step=1):
        super().__init__()
        self.embedding = nn.Embedding(items, d)
        self.w_ih, self.w_hh = nn.Parameter(torch.randn(3 * d, 2 * d) * 0.1), nn.Parameter(torch.randn(3 * d, d) * 0.1)
        self.b_ih, self.b_hh = nn.Parameter(torch.randn(3 * d) * 0.1), nn.Parameter(torch.randn(3 * d) * 0.1)
        self.b_iah, self.b_oah = nn.Parameter(torch.randn(d) * 0.1), nn.Parameter(torch.randn(d) * 0.1)
        self.linear_edge_in, self.linear_edge_out = nn.Linear(d, d), nn.Linear(d, d)
        self.linear_one, self.linear_two = nn.Linear(d, d), nn.Linear(d, d)
        self.linear_three = nn.Linear(d, 1, bias=False)
        self.linear_transform = nn.Linear(2 * d, d)
        self.step = step

    def cell(self, A, hidden):
        n = A.shape[1]
        input_in = torch.matmul(A[:, :, :n], self.linear_edge_in(hidden)) + self.b_iah
        input_out = torch.matmul(A[:, :, n:2 * n], self.linear_edge_out(hidden)) + self.b_oah
        inputs = torch.cat([input_in, input_out], 2)
        gi, gh = F.linear(inputs, self.w_ih, self.b_ih), F.linear(hidden, self.w_hh, self.b_hh)
        i_r, i_i, i_n = gi.chunk(3, 2)
        h_r, h_i, h_n = gh.chunk(3, 2)
        resetgate, inputgate = torch.sigmoid(i_r + h_r), torch.sigmoid(i_i + h_i)
        newgate = torch.tanh(i_n + resetgate * h_n)
        return newgate + inputgate * (hidden - newgate)

    def forward(self, items, A, alias, mask):  # items [B, n], A [B, n, 2n], alias [B, L], mask [B, L]
        hidden = self.embedding(items)
        for _ in range(self.step):
            hidden = self.cell(A, hidden)
        seq_hidden = torch.gather(hidden, 1, alias.unsqueeze(-1).expand(-1, -1, hidden.shape[2]))
        last = mask.sum(1) - 1
        ht = seq_hidden[torch.arange(mask.shape[0]), last]
        q1 = self.linear_one(ht).view(ht.shape[0], 1, ht.shape[1])
        q2 = self.linear_two(seq_hidden)
        alpha = self.linear_three(torch.sigmoid(q1 + q2))
        a = torch.sum(alpha * seq_hidden * mask.view(mask.shape[0], -1, 1).float(), 1)
        a = self.linear_transform(torch.cat([a, ht], 1))
        return a @ self.embedding.weight[1:].transpose(1, 0)


def srgnn_inputs():
    sessions = [[5, 9, 5, 12, 40, 0], [7, 7, 3, 0, 0, 0], [11, 22, 33, 44, 55, 66]]
    n = 6
    items, A, alias, mask = [], [], [], []
    for s in sessions:
        real = [i for i in s if i]
        nodes = sorted(set(real))
        u = torch.zeros(n, n)
        for a, b in zip(real[:-1], real[1:]):
            u[nodes.index(a), nodes.index(b)] = 1
        u_in = u / u.sum(0).clamp(min=1)
        u_out = u.t() / u.sum(1).clamp(min=1)
        A.append(torch.cat([u_in.t(), u_out.t()], 1))
        items.append(nodes + [0] * (n - len(nodes)))
        alias.append([nodes.index(i) if i else 0 for i in s])
        mask.append([1 if i else 0 for i in s])
    return torch.tensor(items), torch.stack(A), torch.tensor(alias), torch.tensor(mask)


# --- Graphormer ---

class Graphormer(nn.Module):
    def __init__(self, atoms=64, d=64, h=4, layers=2, max_degree=16, spatial=12, feats=3):
        super().__init__()
        self.atom_encoder = nn.Embedding(atoms * feats + 1, d, padding_idx=0)
        self.in_degree_encoder, self.out_degree_encoder = nn.Embedding(max_degree, d, padding_idx=0), nn.Embedding(max_degree, d, padding_idx=0)
        self.graph_token = nn.Embedding(1, d)
        self.spatial_pos_encoder = nn.Embedding(spatial, h, padding_idx=0)
        self.graph_token_virtual_distance = nn.Embedding(1, h)
        layer = nn.TransformerEncoderLayer(d, h, 2 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.layers = nn.ModuleList(layer for _ in range(layers))
        self.h, self.d = h, d
        self.head = nn.Linear(d, 1)

    def forward(self, x, in_degree, out_degree, spatial_pos, attn_bias):  # x [B, n, feats]; spatial_pos [B, n, n]; attn_bias [B, n+1, n+1]
        b, n = x.shape[:2]
        gab = attn_bias.unsqueeze(1).repeat(1, self.h, 1, 1)
        sp = self.spatial_pos_encoder(spatial_pos).permute(0, 3, 1, 2)
        gab[:, :, 1:, 1:] = gab[:, :, 1:, 1:] + sp
        t = self.graph_token_virtual_distance.weight.view(1, self.h, 1)
        gab[:, :, 1:, 0] = gab[:, :, 1:, 0] + t
        gab[:, :, 0, :] = gab[:, :, 0, :] + t
        node = self.atom_encoder(x).sum(-2) + self.in_degree_encoder(in_degree) + self.out_degree_encoder(out_degree)
        h = torch.cat([self.graph_token.weight.unsqueeze(0).repeat(b, 1, 1), node], 1)
        mask = gab.reshape(b * self.h, n + 1, n + 1)
        for layer in self.layers:
            h = layer(h, src_mask=mask)
        return self.head(h[:, 0])


def graphormer_inputs():
    g = torch.Generator().manual_seed(6)
    b, n = 2, 9
    x = torch.randint(1, 64 * 3, (b, n, 3), generator=g)
    deg = torch.randint(1, 5, (b, n), generator=g)
    sp = torch.randint(1, 6, (b, n, n), generator=g)
    sp = torch.minimum(sp, sp.transpose(1, 2))
    bias = torch.zeros(b, n + 1, n + 1)
    bias[1, :, 8:] = float('-inf')  # graph 2 has 7 nodes
    x[1, 7:] = 0
    return x, deg, deg, sp, bias


# --- PaiNN ---

def cosine_cutoff(d, rc):
    return 0.5 * (torch.cos(d * math.pi / rc) + 1) * (d < rc).float()


class PaiNNLayer(nn.Module):
    def __init__(self, f=32, rbf=16):
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(f, f), nn.SiLU(), nn.Linear(f, 3 * f))
        self.W = nn.Linear(rbf, 3 * f)
        self.U, self.V = nn.Linear(f, f, bias=False), nn.Linear(f, f, bias=False)
        self.a = nn.Sequential(nn.Linear(2 * f, f), nn.SiLU(), nn.Linear(f, 3 * f))
        self.f = f

    def forward(self, s, v, rbf, fcut, unit, adj):  # s [N, F], v [N, 3, F], rbf [N, N, R], unit [N, N, 3]
        x = self.phi(s)[None] * self.W(rbf) * (fcut * adj)[..., None]  # [i, j, 3F]
        ds, dvv, dvs = torch.split(x, self.f, -1)
        s = s + ds.sum(1)
        v = v + (dvv[:, :, None, :] * v[None] + dvs[:, :, None, :] * unit[..., None]).sum(1)
        uv, vv = self.U(v), self.V(v)
        vn = torch.sqrt((vv ** 2).sum(1) + 1e-8)
        a_vv, a_sv, a_ss = torch.split(self.a(torch.cat([s, vn], -1)), self.f, -1)
        return s + a_ss + a_sv * (uv * vv).sum(1), v + a_vv[:, None] * uv


class PaiNN(nn.Module):
    def __init__(self, f=32, rbf=16, rc=5.0, layers=3):
        super().__init__()
        self.emb = nn.Embedding(10, f)
        self.layers = nn.ModuleList(PaiNNLayer(f, rbf) for _ in range(layers))
        self.register_buffer('n', torch.arange(1, rbf + 1).float())
        self.out = nn.Sequential(nn.Linear(f, f), nn.SiLU(), nn.Linear(f, 1))
        self.rc, self.f = rc, f

    def forward(self, z, pos, adj):
        r = pos[None] - pos[:, None]  # [i, j, 3]: r_j - r_i
        d = torch.sqrt((r ** 2).sum(-1) + 1e-9)
        rbf = torch.sin(self.n * math.pi * d[..., None] / self.rc) / d[..., None]
        fcut = cosine_cutoff(d, self.rc)
        unit = r / d[..., None]
        s = self.emb(z)
        v = torch.zeros(z.shape[0], 3, self.f)
        for layer in self.layers:
            s, v = layer(s, v, rbf, fcut, unit, adj)
        return self.out(s).sum(0), v


def molecule(n=10, seed=7):
    g = torch.Generator().manual_seed(seed)
    pos = torch.randn(n, 3, generator=g) * 1.5
    adj = (torch.cdist(pos, pos) < 3.0).float() * (1 - torch.eye(n))
    return torch.randint(0, 10, (n,), generator=g), pos, adj


# --- DimeNet++ (dense triplets) ---

class DimeNetLite(nn.Module):
    def __init__(self, f=32, nr=6, ns=3, rc=5.0, blocks=2):
        super().__init__()
        self.emb = nn.Embedding(10, f)
        self.register_buffer('freq', torch.arange(1, nr + 1).float() * math.pi)
        self.rbf_proj = nn.Linear(nr, f)
        self.edge_init = nn.Linear(3 * f, f)
        self.sbf_proj = nn.ModuleList(nn.Linear(ns * nr, f, bias=False) for _ in range(blocks))
        self.down = nn.ModuleList(nn.Linear(f, f // 2) for _ in range(blocks))
        self.up = nn.ModuleList(nn.Linear(f // 2, f) for _ in range(blocks))
        self.kj, self.ji = nn.ModuleList(nn.Linear(f, f) for _ in range(blocks)), nn.ModuleList(nn.Linear(f, f) for _ in range(blocks))
        self.out = nn.Sequential(nn.Linear(f, f), nn.SiLU(), nn.Linear(f, 1))
        self.rc, self.ns, self.nr = rc, ns, nr

    def forward(self, z, pos, adj):
        r = pos[:, None] - pos[None]  # [j, i, 3]: x_j - x_i ... edge j -> i
        d = torch.sqrt((r ** 2).sum(-1) + 1e-9) / self.rc
        env = (1 - 6 * d ** 5 + 15 * d ** 4 - 10 * d ** 3) * (d < 1).float()  # polynomial envelope p=5 (DimeNet++)
        rbf = env[..., None] * torch.sin(self.freq * d[..., None]) / d[..., None]  # [j, i, R]
        # angle at j between edges k->j and j->i: vectors (x_k - x_j) and (x_i - x_j)
        v_ji = -r  # [j, i, 3]: x_i - x_j
        v_kj = r.transpose(0, 1)  # [k, j, 3] stored [j, k]: x_k - x_j
        dot = (v_kj[:, :, None, :] * v_ji[:, None, :, :]).sum(-1)  # [j, k, i]
        cross = torch.cross(v_kj[:, :, None, :].expand(-1, -1, z.shape[0], -1), v_ji[:, None, :, :].expand(-1, z.shape[0], -1, -1), dim=-1)
        angle = torch.atan2(torch.sqrt((cross ** 2).sum(-1) + 1e-9), dot)
        ct = torch.cos(angle)
        leg = torch.stack([torch.ones_like(ct), ct, 1.5 * ct ** 2 - 0.5], -1)  # [j, k, i, S]
        x = d.transpose(0, 1)[..., None] * self.freq  # spherical Bessel j0, j1, j2 of the k->j distance [j, k, R]
        j0 = torch.sin(x) / x
        j1 = torch.sin(x) / x ** 2 - torch.cos(x) / x
        j2 = (3 / x ** 2 - 1) * torch.sin(x) / x - 3 * torch.cos(x) / x ** 2
        sb = torch.stack([j0, j1, j2], -1) * env.transpose(0, 1)[..., None, None]  # [j, k, R, S]
        sbf = (sb.unsqueeze(2) * leg.unsqueeze(3)).flatten(-2)  # [j, k, i, R*S]
        at = adj.transpose(0, 1)
        trip = at[:, :, None] * adj[:, None, :] * (1 - torch.eye(z.shape[0]))[None]  # k->j and j->i, k != i
        h = self.emb(z)
        m = F.silu(self.edge_init(torch.cat([h[:, None].expand(-1, z.shape[0], -1), h[None].expand(z.shape[0], -1, -1), self.rbf_proj(rbf)], -1)))  # m_ji [j, i, F]
        for sp, dn, up, kj, ji in zip(self.sbf_proj, self.down, self.up, self.kj, self.ji):
            x_kj = F.silu(dn(F.silu(kj(m)).transpose(0, 1)))  # messages k->j as [j, k, F/2]
            w = sp(sbf)  # [j, k, i, F]
            agg = (w[..., :x_kj.shape[-1]] * x_kj[:, :, None] * trip[..., None]).sum(1)  # [j, i, F/2]
            m = m + F.silu(ji(m)) + F.silu(up(agg))
        node = (m * adj[..., None]).sum(0)  # messages into each i
        return self.out(node).sum(0)


MODELS = {
    'ffm': lambda: (FFM().eval(), sparse_ids(), {'names': ['sparse'], 'outputs': ['ctr'], 'opset': 14}),
    'finalmlp': lambda: (FinalMLP().eval(), sparse_ids(seed=1), {'names': ['sparse'], 'outputs': ['ctr'], 'opset': 14}),
    'caser': lambda: (Caser().eval(), caser_inputs(), {'names': ['seq', 'user', 'items'], 'outputs': ['scores'], 'opset': 14}),
    'sr_gnn': lambda: (SRGNN().eval(), srgnn_inputs(), {'names': ['items', 'A', 'alias', 'mask'], 'outputs': ['scores'], 'opset': 14}),
    'graphormer': lambda: (Graphormer().eval(), graphormer_inputs(), {'names': ['x', 'in_degree', 'out_degree', 'spatial_pos', 'attn_bias'], 'outputs': ['y'], 'opset': 14}),
    'painn': lambda: (PaiNN().eval(), molecule(), {'names': ['z', 'pos', 'adj'], 'outputs': ['energy', 'vectors'], 'opset': 14}),
    'dimenet_lite': lambda: (DimeNetLite().eval(), molecule(8, 9), {'names': ['z', 'pos', 'adj'], 'outputs': ['energy'], 'opset': 14,
                                                                  'symbolics': {'aten::atan2': atan2_symbolic}}),
}
