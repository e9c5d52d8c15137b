"""Twentieth sweep: recommenders and graph nets not tried in the nineteen earlier sweeps, as their reference code writes
them (random weights, small widths): NeuMF (NCF: a GMF product and an MLP tower over user / item embeddings, fused),
GRU4Rec (RecBole: item embeddings with padding, a GRU, the hidden state at each sequence's last valid position by a
gathered index, scores against every item), ESMM (shared field embeddings, CTR and CVR towers, pCTCVR = pCTR · pCVR),
LightGCN (the symmetric-normalised bipartite adjacency built from an interaction matrix input, 3 propagation layers
averaged, user · item scores), GCNII (initial residual and identity mapping over D^-½(A + I)D^-½, 8 layers, β_l =
log(λ / l + 1)), ChebNet (Chebyshev polynomials T_k of the scaled Laplacian, K = 3, by the recurrence), GraphGPS
(GatedGCN local message passing over an int64 edge list with edge gates normalised by a scatter sum, a global
MultiheadAttention over the nodes, random-walk structural encodings diag(Pᵏ) from the edge list) and TorchMD-Net's
equivariant transformer (all-pairs distances with a cosine cutoff, exp-normal radial basis, neighbour embedding,
attention with distance filters updating scalar and vector features, a gated equivariant output, the energy summed).
Models in MODELS, exported by sweep20_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- NeuMF (hexiangnan/neural_collaborative_filtering, PyTorch port guoyang9/NCF) ---

class NeuMF(nn.Module):
    def __init__(self, users=100, items=200, factors=16, layers=3):
        super().__init__()
        self.gu, self.gi = nn.Embedding(users, factors), nn.Embedding(items, factors)
        mlp_d = factors * 2 ** (layers - 1)
        self.mu, self.mi = nn.Embedding(users, mlp_d), nn.Embedding(items, mlp_d)
        mods, d = [], 2 * mlp_d
        for _ in range(layers):
            mods += [nn.Linear(d, d // 2), nn.ReLU()]
            d //= 2
        self.mlp = nn.Sequential(*mods)
        self.predict = nn.Linear(2 * factors, 1)

    def forward(self, user, item):
        gmf = self.gu(user) * self.gi(item)
        mlp = self.mlp(torch.cat([self.mu(user), self.mi(item)], -1))
        return torch.sigmoid(self.predict(torch.cat([gmf, mlp], -1)).view(-1))


# --- GRU4Rec (RUCAIBox/RecBole sequential_recommender/gru4rec.py) ---

class GRU4Rec(nn.Module):
    def __init__(self, items=300, emb=32, hidden=64):
        super().__init__()
        self.emb = nn.Embedding(items, emb, padding_idx=0)
        self.gru = nn.GRU(emb, hidden, batch_first=True, bias=False)
        self.dense = nn.Linear(hidden, emb)

    def forward(self, item_seq, item_seq_len):  # [B, L] int (0 = padding at the end), [B] int
        out, _ = self.gru(self.emb(item_seq))
        out = self.dense(out)
        idx = (item_seq_len - 1).view(-1, 1, 1).expand(-1, -1, out.shape[-1])
        h = out.gather(1, idx).squeeze(1)
        return h @ self.emb.weight.t()


# --- ESMM (Ma et al. 2018; shenweichen/DeepCTR-Torch esmm.py) ---

class ESMM(nn.Module):
    def __init__(self, fields=(20, 30, 15, 40, 25, 10), emb=8):
        super().__init__()
        self.register_buffer('offsets', torch.tensor([0, *torch.tensor(fields).cumsum(0)[:-1].tolist()]))
        self.emb = nn.Embedding(sum(fields), emb)
        d = emb * len(fields)
        self.ctr = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
        self.cvr = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, sparse):  # [B, fields] int
        x = self.emb(sparse + self.offsets).flatten(1)
        ctr, cvr = torch.sigmoid(self.ctr(x)), torch.sigmoid(self.cvr(x))
        return ctr, ctr * cvr


# --- LightGCN (gusye1234/LightGCN-PyTorch model.py, dense) ---

class LightGCN(nn.Module):
    def __init__(self, users=24, items=40, d=16, layers=3):
        super().__init__()
        self.users, self.layers = users, layers
        self.user_emb, self.item_emb = nn.Embedding(users, d), nn.Embedding(items, d)

    def forward(self, R, user, item):  # R [U, I] float interactions; user, item [B] int
        u, i = R.shape
        A = torch.cat([torch.cat([torch.zeros(u, u), R], 1), torch.cat([R.t(), torch.zeros(i, i)], 1)], 0)
        deg = A.sum(1)
        dinv = torch.where(deg > 0, deg.clamp(min=1e-12).pow(-0.5), torch.zeros_like(deg))
        G = dinv[:, None] * A * dinv[None]
        e = torch.cat([self.user_emb.weight, self.item_emb.weight], 0)
        embs = [e]
        for _ in range(self.layers):
            e = G @ e
            embs.append(e)
        out = torch.stack(embs, 1).mean(1)
        us, its = out[:u], out[u:]
        return (us[user] * its[item]).sum(-1)


# --- GCNII (chennnM/GCNII model.py, dense) ---

def sym_norm(adj):
    a = adj + torch.eye(adj.shape[0])
    d = a.sum(1).pow(-0.5)
    return d[:, None] * a * d[None]


class GCNII(nn.Module):
    def __init__(self, nfeat=16, hidden=32, classes=5, layers=8, alpha=0.1, lamda=0.5):
        super().__init__()
        self.fc_in, self.fc_out = nn.Linear(nfeat, hidden), nn.Linear(hidden, classes)
        self.weights = nn.ParameterList(nn.Parameter(torch.randn(hidden, hidden) / math.sqrt(hidden)) for _ in range(layers))
        self.alpha, self.lamda = alpha, lamda

    def forward(self, x, adj):
        A = sym_norm(adj)
        h = h0 = F.relu(self.fc_in(x))
        for i, w in enumerate(self.weights):
            beta = math.log(self.lamda / (i + 1) + 1)
            support = (1 - self.alpha) * (A @ h) + self.alpha * h0
            h = F.relu(beta * (support @ w) + (1 - beta) * support)
        return F.log_softmax(self.fc_out(h), -1)


# --- ChebNet (mdeff/cnn_graph, PyG ChebConv, dense) ---

class ChebConv(nn.Module):
    def __init__(self, cin, cout, K=3):
        super().__init__()
        self.lins = nn.ModuleList(nn.Linear(cin, cout, bias=False) for _ in range(K))
        self.bias = nn.Parameter(torch.zeros(cout))

    def forward(self, x, L):
        tx0, out = x, self.lins[0](x)
        tx1 = L @ x
        out = out + self.lins[1](tx1)
        for lin in self.lins[2:]:
            tx2 = 2 * (L @ tx1) - tx0
            out = out + lin(tx2)
            tx0, tx1 = tx1, tx2
        return out + self.bias


class ChebNet(nn.Module):
    def __init__(self, nfeat=16, hidden=32, classes=5):
        super().__init__()
        self.c1, self.c2 = ChebConv(nfeat, hidden), ChebConv(hidden, classes)

    def forward(self, x, adj):
        deg = adj.sum(1)
        dinv = torch.where(deg > 0, deg.clamp(min=1e-12).pow(-0.5), torch.zeros_like(deg))
        L = -(dinv[:, None] * adj * dinv[None])  # 2L / λmax - I with λmax = 2
        return F.log_softmax(self.c2(F.relu(self.c1(x, L)), L), -1)


# --- GraphGPS (rampasek/GraphGPS: GatedGCN local + Transformer global, RWSE) ---

class GatedGCN(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.A, self.B, self.C, self.D, self.E = (nn.Linear(d, d) for _ in range(5))
        self.bn_h, self.bn_e = nn.BatchNorm1d(d), nn.BatchNorm1d(d)

    def forward(self, h, e, src, dst):
        n = h.shape[0]
        Ah, Bh, Dh, Eh, Ce = self.A(h), self.B(h), self.D(h), self.E(h), self.C(e)
        e_new = Dh[dst] + Eh[src] + Ce
        sigma = torch.sigmoid(e_new)
        idx = dst[:, None].expand_as(sigma)  # torch_scatter's scatter(..., reduce='sum')
        num = torch.zeros(n, h.shape[1]).scatter_add(0, idx, sigma * Bh[src])
        den = torch.zeros(n, h.shape[1]).scatter_add(0, idx, sigma)
        h_new = Ah + num / (den + 1e-6)
        return h + F.relu(self.bn_h(h_new)), e + F.relu(self.bn_e(e_new))


class GPSLayer(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.local = GatedGCN(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.bn1, self.bn2 = nn.BatchNorm1d(d), nn.BatchNorm1d(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.bn3 = nn.BatchNorm1d(d)

    def forward(self, h, e, src, dst):
        hl, e = self.local(h, e, src, dst)
        ha, _ = self.attn(h[None], h[None], h[None], need_weights=False)
        h = self.bn1(hl) + self.bn2(h + ha[0])
        return self.bn3(h + self.ff(h)), e


class GraphGPS(nn.Module):
    def __init__(self, nfeat=9, efeat=3, d=32, layers=2, rw_steps=8, classes=1):
        super().__init__()
        self.rw = rw_steps
        self.node_in, self.rw_in, self.edge_in = nn.Linear(nfeat, d - 8), nn.Linear(rw_steps, 8), nn.Linear(efeat, d)
        self.layers = nn.ModuleList(GPSLayer(d) for _ in range(layers))
        self.head = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, classes))

    def forward(self, x, edge_index, edge_attr):
        n = x.shape[0]
        src, dst = edge_index[0], edge_index[1]
        # PyG's to_dense_adj: a scatter sum over flat indices (torch 1.13 exports index_put(accumulate=True) as a
        # ScatterND that assigns: repeated edges counted once, 1.4e-3 off PyTorch in onnxruntime too)
        A = torch.zeros(n * n).scatter_add(0, src * n + dst, torch.ones(src.shape[0])).view(n, n)
        P = A / A.sum(1, keepdim=True).clamp(min=1)
        Pk, rw = P, []
        eye = torch.eye(n)
        for _ in range(self.rw):
            rw.append((Pk * eye).sum(-1))
            Pk = Pk @ P
        h = torch.cat([self.node_in(x), self.rw_in(torch.stack(rw, -1))], -1)
        e = self.edge_in(edge_attr)
        for lyr in self.layers:
            h, e = lyr(h, e, src, dst)
        return self.head(h.mean(0, keepdim=True))


# --- TorchMD-Net equivariant transformer (torchmd/torchmd-net torchmdnet/models/torchmd_et.py, dense pairs) ---

class CosineCutoff(nn.Module):
    def __init__(self, cutoff):
        super().__init__()
        self.cutoff = cutoff

    def forward(self, d):
        return 0.5 * (torch.cos(d * math.pi / self.cutoff) + 1.0) * (d < self.cutoff).float()


class ExpNormalSmearing(nn.Module):
    def __init__(self, cutoff=5.0, n=16):
        super().__init__()
        self.cut, self.alpha = CosineCutoff(cutoff), 5.0 / cutoff
        start = math.exp(-cutoff)
        self.register_buffer('means', torch.linspace(start, 1, n))
        self.register_buffer('betas', torch.tensor([(2 / n * (1 - start)) ** -2] * n))

    def forward(self, d):
        d = d[..., None]
        return self.cut(d) * torch.exp(-self.betas * (torch.exp(self.alpha * -d) - self.means) ** 2)


class EquivariantAttention(nn.Module):
    def __init__(self, d, heads, rbf, cutoff):
        super().__init__()
        self.h, self.hd = heads, d // heads
        self.norm = nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, 3 * d), nn.Linear(d, 3 * d)
        self.vec_proj = nn.Linear(d, 3 * d, bias=False)
        self.dk, self.dv = nn.Linear(rbf, d), nn.Linear(rbf, 3 * d)
        self.cut = CosineCutoff(cutoff)

    def forward(self, x, vec, dist, f_ij, d_ij, mask):  # x [N, d], vec [N, 3, d], dist [N, N], f_ij [N, N, rbf], d_ij [N, N, 3]
        n, d = x.shape
        x = self.norm(x)
        vec1, vec2, vec3 = self.vec_proj(vec).split(d, -1)
        vec_dot = (vec1 * vec2).sum(1)
        q = self.q(x).view(n, self.h, self.hd)
        k = self.k(x).view(n, self.h, self.hd)
        v = self.v(x).view(n, self.h, 3 * self.hd)
        dk = F.silu(self.dk(f_ij)).view(n, n, self.h, self.hd)
        dv = F.silu(self.dv(f_ij)).view(n, n, self.h, 3 * self.hd)
        attn = (q[:, None] * k[None] * dk).sum(-1)  # [i, j, h]
        attn = F.silu(attn) * self.cut(dist)[..., None] * mask[..., None]
        vj = v[None] * dv * attn[..., None]  # [i, j, h, 3hd]
        xm, v1, v2 = vj.split(self.hd, -1)
        x_out = xm.sum(1).reshape(n, d)
        vec_out = (vec[None] * v1.reshape(n, n, 1, d) + v2.reshape(n, n, 1, d) * d_ij[..., None]).sum(1)  # [N, 3, d]
        o1, o2, o3 = self.o(x_out).split(d, -1)
        dx = vec_dot * o2 + o3
        dvec = vec3 * o1[:, None] + vec_out
        return dx, dvec


class GatedEquivariantBlock(nn.Module):
    def __init__(self, d, out):
        super().__init__()
        self.vp1, self.vp2 = nn.Linear(d, d, bias=False), nn.Linear(d, out, bias=False)
        self.update = nn.Sequential(nn.Linear(2 * d, d), nn.SiLU(), nn.Linear(d, 2 * out))
        self.out = out

    def forward(self, x, v):
        vec1 = torch.norm(self.vp1(v), dim=-2)
        vec2 = self.vp2(v)
        x, gate = self.update(torch.cat([x, vec1], -1)).split(self.out, -1)
        return F.silu(x), gate[:, None] * vec2


class TorchMDET(nn.Module):
    def __init__(self, types=10, d=32, heads=4, layers=2, rbf=16, cutoff=5.0):
        super().__init__()
        self.emb, self.nb_emb = nn.Embedding(types, d), nn.Embedding(types, d)
        self.rbf, self.cut = ExpNormalSmearing(cutoff, rbf), CosineCutoff(cutoff)
        self.nb_dist, self.nb_comb = nn.Linear(rbf, d), nn.Linear(2 * d, d)
        self.layers = nn.ModuleList(EquivariantAttention(d, heads, rbf, cutoff) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.out1, self.out2 = GatedEquivariantBlock(d, d // 2), GatedEquivariantBlock(d // 2, 1)

    def forward(self, z, pos):  # [N] int atom types, [N, 3]
        n = z.shape[0]
        rel = pos[:, None] - pos[None]  # [i, j, 3]
        dist = torch.sqrt((rel ** 2).sum(-1) + 1e-12)
        mask = 1 - torch.eye(n)
        d_ij = rel / (dist[..., None] + torch.eye(n)[..., None])
        f_ij = self.rbf(dist)
        x = self.emb(z)
        W = self.nb_dist(f_ij) * (self.cut(dist) * mask)[..., None]
        x_nb = (W * self.nb_emb(z)[None]).sum(1)
        x = self.nb_comb(torch.cat([x, x_nb], -1))
        vec = torch.zeros(n, 3, x.shape[1])
        for lyr in self.layers:
            dx, dvec = lyr(x, vec, dist, f_ij, d_ij, mask)
            x, vec = x + dx, vec + dvec
        x = self.norm(x)
        x, v = self.out1(x, vec)
        x, _ = self.out2(x, v)
        return x.sum(0)


def graph_inputs(n=30, f=16, p=0.15):
    g = torch.Generator().manual_seed(3)
    a = (torch.rand(n, n, generator=g) < p).float()
    a = ((a + a.t()) > 0).float() * (1 - torch.eye(n))
    return torch.randn(n, f, generator=g), a


def gps_inputs(n=14, e=40):
    g = torch.Generator().manual_seed(4)
    src = torch.randint(0, n, (e,), generator=g)
    dst = (src + torch.randint(1, n, (e,), generator=g)) % n
    return torch.randn(n, 9, generator=g), torch.stack([src, dst]), torch.randn(e, 3, generator=g)


def molecule():
    g = torch.Generator().manual_seed(5)
    return torch.randint(0, 10, (12,), generator=g), torch.randn(12, 3, generator=g) * 1.5


def lightgcn_inputs():
    g = torch.Generator().manual_seed(6)
    return (torch.rand(24, 40, generator=g) < 0.15).float(), torch.randint(0, 24, (8,), generator=g), torch.randint(0, 40, (8,), generator=g)


MODELS = {
    'neumf': lambda: (NeuMF().eval(), (torch.randint(0, 100, (8,)), torch.randint(0, 200, (8,))), {'names': ['user', 'item'], 'outputs': ['score'], 'opset': 14}),
    'gru4rec': lambda: (GRU4Rec().eval(), (torch.cat([torch.randint(1, 300, (2, 12)), torch.zeros(2, 8, dtype=torch.long)], 1) * (torch.arange(20) < torch.tensor([[12], [7]])).long(), torch.tensor([12, 7])),
                        {'names': ['item_seq', 'item_seq_len'], 'outputs': ['scores'], 'opset': 14}),
    'esmm': lambda: (ESMM().eval(), torch.stack([torch.randint(0, f, (4,)) for f in (20, 30, 15, 40, 25, 10)], 1), {'names': ['sparse'], 'outputs': ['pctr', 'pctcvr'], 'opset': 14}),
    'lightgcn': lambda: (LightGCN().eval(), lightgcn_inputs(), {'names': ['R', 'user', 'item'], 'outputs': ['score'], 'opset': 14}),
    'gcnii': lambda: (GCNII().eval(), graph_inputs(), {'names': ['x', 'adj'], 'outputs': ['logprobs'], 'opset': 14}),
    'chebnet': lambda: (ChebNet().eval(), graph_inputs(), {'names': ['x', 'adj'], 'outputs': ['logprobs'], 'opset': 14}),
    'graphgps': lambda: (GraphGPS().eval(), gps_inputs(), {'names': ['x', 'edge_index', 'edge_attr'], 'outputs': ['y'], 'opset': 16}),
    'torchmd_et': lambda: (TorchMDET().eval(), molecule(), {'names': ['z', 'pos'], 'outputs': ['energy'], 'opset': 14}),
}
