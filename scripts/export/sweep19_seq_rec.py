"""Nineteenth sweep: recommenders and graph nets not tried in the eighteen earlier sweeps, as their reference code
writes them (random weights, small widths): MIND (multi-interest capsules: a shared bilinear map of the behaviours,
B2I dynamic routing for 3 iterations with masked softmax and squash, label-aware attention with a power of 2 against
the target), HSTU (Meta's generative recommender: pointwise SiLU attention divided by n with U / V / Q / K from one SiLU
projection, relative bias from position and log-bucketed timestamp gaps, LayerNorm(AV) ⊙ U, causal and padding
masks, L2-normalised outputs scored against a candidate), MaskNet (serial MaskBlocks: instance-guided masks from the
whole embedding, LayerNorm of the embedding or the previous block), Graph U-Net (GCN on a dense normalised adjacency,
gPool by top-k projection scores gathering nodes and rows / columns of the 2-hop graph, gUnpool by index_put back,
skips), MeshGraphNet (encode-process-decode on an edge list: edge MLPs on gathered sender / receiver features, node
MLPs on scatter_add sums, LayerNorm) and MPNN (Gilmer et al.'s edge network: a per-edge F×F matrix from edge features,
dense messages, GRU update, Set2Set readout). Models in MODELS, exported by sweep19_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- MIND (Li et al. 2019; DeepMatch's CapsuleLayer) ---

def squash(x):
    n2 = (x ** 2).sum(-1, keepdim=True)
    return n2 / (1 + n2) / torch.sqrt(n2 + 1e-9) * x


class MIND(nn.Module):
    def __init__(self, items=500, d=32, seq=20, k=4, iters=3, p=2.0):
        super().__init__()
        self.emb = nn.Embedding(items, d, padding_idx=0)
        self.S = nn.Parameter(torch.randn(d, d) / math.sqrt(d))
        self.register_buffer('routing_logits', torch.randn(1, k, seq))
        self.iters, self.p = iters, p
        self.user = nn.Sequential(nn.Linear(d, 4 * d), nn.ReLU(), nn.Linear(4 * d, d))

    def forward(self, hist_items, hist_mask, target_item):
        low = self.emb(hist_items) @ self.S  # [B, L, d]
        pad = (hist_mask == 0)[:, None, :]  # [B, 1, L]
        b = self.routing_logits.expand(hist_items.shape[0], -1, -1)
        for i in range(self.iters):
            w = b.masked_fill(pad, -2.0 ** 32 + 1).softmax(-1)  # [B, K, L]
            high = squash(w @ low)  # [B, K, d]
            if i < self.iters - 1:
                b = b + high @ low.transpose(1, 2)
        interests = self.user(high)
        t = self.emb(target_item)  # [B, d]
        att = (interests @ t[..., None]).squeeze(-1).pow(self.p).softmax(-1)  # label-aware attention
        u = (att[..., None] * interests).sum(1)
        return interests, (u * t).sum(-1)


def mind_inputs():
    ids = torch.randint(1, 500, (2, 20))
    mask = torch.ones(2, 20, dtype=torch.long)
    mask[0, 14:] = 0
    ids[0, 14:] = 0
    return ids, mask, torch.randint(1, 500, (2,))


# --- HSTU (facebookresearch/generative-recommenders, hstu.py) ---

class HSTULayer(nn.Module):
    def __init__(self, d=32, heads=2, dqk=16, dv=16, n=24, buckets=32):
        super().__init__()
        self.h, self.dqk, self.dv, self.n = heads, dqk, dv, n
        self.uvqk = nn.Linear(d, heads * (2 * dv + 2 * dqk))
        self.o = nn.Linear(heads * dv, d)
        self.pos_w = nn.Parameter(0.02 * torch.randn(2 * n - 1))
        self.ts_w = nn.Parameter(0.02 * torch.randn(buckets + 1))
        self.buckets = buckets
        self.n_in, self.n_av = nn.LayerNorm(d, eps=1e-6, elementwise_affine=False), nn.LayerNorm(heads * dv, eps=1e-6, elementwise_affine=False)

    def rab(self, ts):  # RelativeBucketedTimeAndPositionBasedBias
        n = self.n
        ext = torch.cat([ts, ts[:, n - 1:n]], 1)
        diff = ext[:, 1:, None] - ext[:, None, :-1]  # [B, n, n]
        bucket = (torch.log(diff.abs().clamp(min=1).float()) / 0.301).long().clamp(min=0, max=self.buckets)
        t = F.embedding(bucket, self.ts_w[:, None]).squeeze(-1)
        idx = (n - 1) + torch.arange(n)[None, :] - torch.arange(n)[:, None]
        return self.pos_w[idx][None] + t

    def forward(self, x, ts, mask):
        b, n = x.shape[0], self.n
        h = F.silu(self.uvqk(self.n_in(x)))
        u, v, q, k = h.split([self.h * self.dv, self.h * self.dv, self.h * self.dqk, self.h * self.dqk], -1)
        q = q.view(b, n, self.h, self.dqk)
        k = k.view(b, n, self.h, self.dqk)
        qk = torch.einsum('bnhd,bmhd->bhnm', q, k) + self.rab(ts)[:, None]
        a = F.silu(qk) / n * mask[:, None]
        av = torch.einsum('bhnm,bmhd->bnhd', a, v.reshape(b, n, self.h, self.dv)).reshape(b, n, -1)
        return x + self.o(self.n_av(av) * u)


class HSTU(nn.Module):
    def __init__(self, items=500, d=32, n=24, layers=2):
        super().__init__()
        self.emb, self.pos = nn.Embedding(items, d, padding_idx=0), nn.Embedding(n, d)
        self.layers = nn.ModuleList(HSTULayer(d, n=n) for _ in range(layers))
        self.d = d

    def forward(self, item_ids, timestamps, candidate_ids):
        b, n = item_ids.shape
        valid = (item_ids != 0).float()
        x = (self.emb(item_ids) * math.sqrt(self.d) + self.pos(torch.arange(n))) * valid[..., None]
        mask = torch.tril(torch.ones(n, n))[None] * valid[:, None, :] * valid[:, :, None]
        for l in self.layers:
            x = l(x, timestamps, mask) * valid[..., None]
        x = x / x.norm(dim=-1, keepdim=True).clamp(min=1e-6)
        last = x.gather(1, (valid.sum(1).long() - 1).clamp(min=0)[:, None, None].expand(-1, 1, self.d)).squeeze(1)
        cand = self.emb(candidate_ids)
        cand = cand / cand.norm(dim=-1, keepdim=True).clamp(min=1e-6)
        return (cand @ last[..., None]).squeeze(-1)  # [B, C]


def hstu_inputs():
    ids = torch.randint(1, 500, (2, 24))
    ids[1, 17:] = 0
    ts = torch.cumsum(torch.randint(1, 5000, (2, 24)), 1) + 1_700_000_000
    return ids, ts, torch.randint(1, 500, (2, 10))


# --- MaskNet (Wang et al. 2021, serial) ---

class MaskBlock(nn.Module):
    def __init__(self, emb_dim, in_dim, hidden, red=2):
        super().__init__()
        self.mask = nn.Sequential(nn.Linear(emb_dim, emb_dim * red), nn.ReLU(), nn.Linear(emb_dim * red, in_dim))
        self.ln_in = nn.LayerNorm(in_dim)
        self.hidden, self.ln = nn.Linear(in_dim, hidden, bias=False), nn.LayerNorm(hidden)

    def forward(self, emb, x, first):
        m = self.mask(emb)
        x = self.ln_in(x) if first else x
        return F.relu(self.ln(self.hidden(m * x)))


class MaskNet(nn.Module):
    def __init__(self, fields=(20, 30, 15, 40, 25, 10), k=8, hidden=32, blocks=3):
        super().__init__()
        o = [0]
        for f in fields[:-1]:
            o.append(o[-1] + f)
        self.register_buffer('offsets', torch.tensor(o))
        self.emb = nn.Embedding(sum(fields), k)
        e = k * len(fields)
        self.blocks = nn.ModuleList(MaskBlock(e, e if i == 0 else hidden, hidden) for i in range(blocks))
        self.out = nn.Linear(hidden, 1)

    def forward(self, sparse):
        emb = self.emb(sparse + self.offsets).flatten(1)
        x = emb
        for i, blk in enumerate(self.blocks):
            x = blk(emb, x, i == 0)
        return torch.sigmoid(self.out(x))


# --- Graph U-Net (Gao & Ji 2019, HongyangGao/Graph-U-Nets ops.py) ---

def gcn_norm(adj):
    a = adj + torch.eye(adj.shape[-1])
    d = a.sum(-1).pow(-0.5)
    return d[:, None] * a * d[None, :]


class GraphUNet(nn.Module):
    def __init__(self, f=16, h=32, classes=4, ks=(0.75, 0.5)):
        super().__init__()
        self.start = nn.Linear(f, h)
        self.down = nn.ModuleList(nn.Linear(h, h) for _ in ks)
        self.pool = nn.ModuleList(nn.Linear(h, 1) for _ in ks)
        self.bottom = nn.Linear(h, h)
        self.up = nn.ModuleList(nn.Linear(h, h) for _ in ks)
        self.ks = ks
        self.end = nn.Linear(2 * h, classes)

    def forward(self, x, adj):  # x [N, F], adj [N, N]
        g = adj
        h = F.elu(gcn_norm(g) @ self.start(x))
        org = h
        adjs, downs, idxs = [], [], []
        for lin, pool, k in zip(self.down, self.pool, self.ks):
            h = F.elu(gcn_norm(g) @ lin(h))
            adjs.append(g)
            downs.append(h)
            scores = torch.sigmoid(pool(h).squeeze(-1) / 100)
            n = max(2, int(k * g.shape[0]))
            vals, idx = torch.topk(scores, n)
            h = h[idx] * vals[:, None]
            g2 = ((g @ g) != 0).float()  # 2-hop connectivity
            g = g2[idx][:, idx]
            idxs.append(idx)
        h = F.elu(gcn_norm(g) @ self.bottom(h))
        for i, lin in enumerate(self.up):
            j = len(self.ks) - 1 - i
            g = adjs[j]
            new = torch.zeros(g.shape[0], h.shape[1])
            new[idxs[j]] = h
            h = F.elu(gcn_norm(g) @ lin(new)) + downs[j]
        return self.end(torch.cat([h, org], -1)).log_softmax(-1)


def graph_inputs(n=16, f=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = (torch.rand(n, n, generator=g) < 0.3).float()
    a = ((a + a.t()) > 0).float() * (1 - torch.eye(n))
    return torch.randn(n, f, generator=g), a


# --- MeshGraphNet (DeepMind / NVIDIA Modulus, encode-process-decode) ---

def mgn_mlp(i, o, hidden=32, norm=True):
    layers = [nn.Linear(i, hidden), nn.ReLU(), nn.Linear(hidden, o)]
    if norm:
        layers.append(nn.LayerNorm(o))
    return nn.Sequential(*layers)


class MeshGraphNet(nn.Module):
    def __init__(self, fn=6, fe=3, h=32, steps=3, out=2):
        super().__init__()
        self.node_enc, self.edge_enc = mgn_mlp(fn, h), mgn_mlp(fe, h)
        self.edge_mlps = nn.ModuleList(mgn_mlp(3 * h, h) for _ in range(steps))
        self.node_mlps = nn.ModuleList(mgn_mlp(2 * h, h) for _ in range(steps))
        self.dec = mgn_mlp(h, out, norm=False)

    def forward(self, node_features, edge_features, edge_index):
        x, e = self.node_enc(node_features), self.edge_enc(edge_features)
        s, r = edge_index[0], edge_index[1]
        for em, nm in zip(self.edge_mlps, self.node_mlps):
            e = e + em(torch.cat([e, x[s], x[r]], -1))
            agg = torch.zeros_like(x).scatter_add(0, r[:, None].expand(-1, x.shape[1]), e)
            x = x + nm(torch.cat([x, agg], -1))
        return self.dec(x)


def mesh_inputs(rows=4, cols=5):
    """A triangulated grid's edges, both directions; edge features: relative position and length."""
    pos = torch.stack(torch.meshgrid(torch.arange(rows).float(), torch.arange(cols).float(), indexing='ij'), -1).reshape(-1, 2)
    e = []
    for i in range(rows):
        for j in range(cols):
            v = i * cols + j
            if j + 1 < cols:
                e.append((v, v + 1))
            if i + 1 < rows:
                e.append((v, v + cols))
            if i + 1 < rows and j + 1 < cols:
                e.append((v, v + cols + 1))
    e = torch.tensor(e).t()
    ei = torch.cat([e, e.flip(0)], 1)
    rel = pos[ei[0]] - pos[ei[1]]
    ef = torch.cat([rel, rel.norm(dim=-1, keepdim=True)], -1)
    return torch.randn(rows * cols, 6), ef, ei


# --- MPNN (Gilmer et al. 2017: edge network, GRU update, Set2Set) ---

class MPNN(nn.Module):
    def __init__(self, fn=11, fe=4, h=16, steps=3, s2s=3, out=1):
        super().__init__()
        self.h, self.steps, self.s2s = h, steps, s2s
        self.inp = nn.Linear(fn, h)
        self.edge_net = nn.Sequential(nn.Linear(fe, 32), nn.ReLU(), nn.Linear(32, h * h))
        self.gru = nn.GRUCell(h, h)
        self.lstm = nn.LSTMCell(2 * h, h)
        self.out = nn.Sequential(nn.Linear(2 * h, h), nn.ReLU(), nn.Linear(h, out))

    def forward(self, x, edge_attr, adj):  # x [N, fn], edge_attr [N, N, fe], adj [N, N]
        n = x.shape[0]
        h = F.relu(self.inp(x))
        w = self.edge_net(edge_attr).view(n, n, self.h, self.h)
        for _ in range(self.steps):
            m = (adj[..., None] * (w @ h[None, :, :, None]).squeeze(-1)).sum(1)  # m_i = Σ_j A(e_ij) h_j
            h = self.gru(F.relu(m), h)
        # Set2Set
        q_star = torch.zeros(1, 2 * self.h)
        hc = (torch.zeros(1, self.h), torch.zeros(1, self.h))
        for _ in range(self.s2s):
            hc = self.lstm(q_star, hc)
            q = hc[0]
            a = (h @ q.t()).softmax(0)  # [N, 1]
            r = (a * h).sum(0, keepdim=True)
            q_star = torch.cat([q, r], -1)
        return self.out(q_star)


def mpnn_inputs(n=9, seed=1):
    g = torch.Generator().manual_seed(seed)
    x, adj = graph_inputs(n, 11, seed)
    return x, torch.rand(n, n, 4, generator=g), adj


MODELS = {
    'mind': lambda: (MIND().eval(), mind_inputs(), {'names': ['hist_items', 'hist_mask', 'target_item'], 'outputs': ['interests', 'score'], 'opset': 14}),
    'hstu': lambda: (HSTU().eval(), hstu_inputs(), {'names': ['item_ids', 'timestamps', 'candidate_ids'], 'outputs': ['scores'], 'opset': 14}),
    'masknet': lambda: (MaskNet().eval(), torch.stack([torch.randint(0, f, (4,)) for f in (20, 30, 15, 40, 25, 10)], 1), {'names': ['sparse'], 'outputs': ['ctr'], 'opset': 14}),
    'graph_unet': lambda: (GraphUNet().eval(), graph_inputs(), {'names': ['x', 'adj'], 'outputs': ['logprobs'], 'opset': 14}),
    'meshgraphnet': lambda: (MeshGraphNet().eval(), mesh_inputs(), {'names': ['node_features', 'edge_features', 'edge_index'], 'outputs': ['y'], 'opset': 16}),
    'mpnn': lambda: (MPNN().eval(), mpnn_inputs(), {'names': ['x', 'edge_attr', 'adj'], 'outputs': ['y'], 'opset': 14}),
}
