"""Seventeenth sweep: recommenders and graph nets not tried in the sixteen earlier sweeps, as their reference code writes
them (random weights, small widths): BST (Alibaba's Behavior Sequence Transformer: the behaviour sequence with the
target item appended, item + category + position embeddings, one transformer layer, LeakyReLU MLP over the flattened
sequence and other features), SASRec (causal self-attention over the item history, timeline mask multiplied in, point-wise
Conv1d FFN over a transposed sequence, scores against candidate items' embeddings), AutoInt (field embeddings,
interacting layers of multi-head self-attention with a residual projection), FiBiNET (SENET field re-weighting and
field-all bilinear interactions over every field pair), DCN-v2 (mixture of low-rank cross experts gated by softmax,
stacked with a deep tower), GATv2 (dense adjacency: W [h_i || h_j] split into left and right, LeakyReLU before the
attention vector, masked softmax over neighbours with self-loops, heads concatenated then averaged) and EGNN
(E(n)-equivariant: edge MLP on [h_i, h_j, |x_i - x_j|^2], coordinate updates by the normalised differences times
an MLP of the message, node MLP on the summed messages). Models in MODELS, exported by sweep17_seq.py."""
import itertools

import torch
from torch import nn
import torch.nn.functional as F

FIELDS = (10, 20, 7, 50, 4, 30, 12, 3)


def offsets_buffer(fields):
    return torch.tensor([0, *torch.tensor(fields).cumsum(0)[:-1].tolist()])


# --- BST ---

class BST(nn.Module):
    def __init__(self, items=300, cats=20, d=32, seq=8, other=6):
        super().__init__()
        self.item, self.cat = nn.Embedding(items, d), nn.Embedding(cats, d)
        self.pos = nn.Embedding(seq + 1, 2 * d)
        self.layer = nn.TransformerEncoderLayer(2 * d, 4, 4 * d, dropout=0.0, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear((seq + 1) * 2 * d + other, 128), nn.LeakyReLU(), nn.Linear(128, 64), nn.LeakyReLU(),
                                 nn.Linear(64, 1))

    def forward(self, hist_items, hist_cats, target_item, target_cat, other):
        items = torch.cat([hist_items, target_item[:, None]], 1)
        cats = torch.cat([hist_cats, target_cat[:, None]], 1)
        x = torch.cat([self.item(items), self.cat(cats)], -1)
        x = x + self.pos(torch.arange(items.shape[1]))[None]
        x = self.layer(x)
        return torch.sigmoid(self.mlp(torch.cat([x.flatten(1), other], 1)))


# --- SASRec ---

class SASRec(nn.Module):
    def __init__(self, items=300, d=32, maxlen=10, blocks=2, heads=2):
        super().__init__()
        self.item_emb = nn.Embedding(items + 1, d, padding_idx=0)
        self.pos_emb = nn.Embedding(maxlen, d)
        self.attn_ln = nn.ModuleList(nn.LayerNorm(d, eps=1e-8) for _ in range(blocks))
        self.attn = nn.ModuleList(nn.MultiheadAttention(d, heads) for _ in range(blocks))
        self.fwd_ln = nn.ModuleList(nn.LayerNorm(d, eps=1e-8) for _ in range(blocks))
        self.conv1 = nn.ModuleList(nn.Conv1d(d, d, 1) for _ in range(blocks))
        self.conv2 = nn.ModuleList(nn.Conv1d(d, d, 1) for _ in range(blocks))
        self.last_ln = nn.LayerNorm(d, eps=1e-8)
        self.d = d

    def log2feats(self, seqs_ids):
        seqs = self.item_emb(seqs_ids) * self.d ** 0.5
        seqs = seqs + self.pos_emb(torch.arange(seqs_ids.shape[1]))[None]
        timeline_mask = seqs_ids == 0
        seqs = seqs * ~timeline_mask.unsqueeze(-1)
        t = seqs.shape[1]
        attention_mask = ~torch.tril(torch.ones((t, t), dtype=torch.bool))
        for i in range(len(self.attn)):
            seqs = torch.transpose(seqs, 0, 1)
            q = self.attn_ln[i](seqs)
            out, _ = self.attn[i](q, seqs, seqs, attn_mask=attention_mask)
            seqs = torch.transpose(q + out, 0, 1)
            seqs = self.fwd_ln[i](seqs)
            ff = self.conv2[i](F.relu(self.conv1[i](seqs.transpose(-1, -2)))).transpose(-1, -2)
            seqs = (ff + seqs) * ~timeline_mask.unsqueeze(-1)
        return self.last_ln(seqs)

    def forward(self, log_seqs, item_indices):  # predict(): scores of candidate items after the last step
        final_feat = self.log2feats(log_seqs)[:, -1, :]
        item_embs = self.item_emb(item_indices)  # [B, I, d]
        return item_embs.matmul(final_feat.unsqueeze(-1)).squeeze(-1)


# --- AutoInt ---

class AutoInt(nn.Module):
    def __init__(self, fields=FIELDS, d=16, layers=3, heads=2, att=32):
        super().__init__()
        self.register_buffer('offsets', offsets_buffer(fields))
        self.embedding = nn.Embedding(sum(fields), d)
        self.layers = nn.ModuleList()
        prev = d
        for _ in range(layers):
            self.layers.append(nn.ModuleDict({
                'q': nn.Linear(prev, att, bias=False), 'k': nn.Linear(prev, att, bias=False), 'v': nn.Linear(prev, att, bias=False),
                'res': nn.Linear(prev, att, bias=False)}))
            prev = att
        self.heads = heads
        self.out = nn.Linear(len(fields) * att, 1)

    def forward(self, x):
        e = self.embedding(x + self.offsets[None])
        b, f, _ = e.shape
        for layer in self.layers:
            q, k, v = layer['q'](e), layer['k'](e), layer['v'](e)
            dh = q.shape[-1] // self.heads
            q = torch.stack(torch.split(q, dh, dim=2))  # [H, B, F, dh]
            k = torch.stack(torch.split(k, dh, dim=2))
            v = torch.stack(torch.split(v, dh, dim=2))
            w = F.softmax(torch.einsum('bnik,bnjk->bnij', q, k), dim=-1)
            r = torch.matmul(w, v)
            r = torch.cat(torch.split(r, 1), dim=-1).squeeze(0)
            e = F.relu(r + layer['res'](e))
        return torch.sigmoid(self.out(e.reshape(b, -1)))


# --- FiBiNET ---

class FiBiNET(nn.Module):
    def __init__(self, fields=FIELDS, d=8, reduction=3):
        super().__init__()
        f = len(fields)
        self.register_buffer('offsets', offsets_buffer(fields))
        self.embedding = nn.Embedding(sum(fields), d)
        r = max(1, f // reduction)
        self.excitation = nn.Sequential(nn.Linear(f, r, bias=False), nn.ReLU(), nn.Linear(r, f, bias=False), nn.ReLU())
        self.bilinear = nn.Linear(d, d, bias=False)  # field-all type
        pairs = f * (f - 1) // 2
        self.dnn = nn.Sequential(nn.Linear(2 * pairs * d, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
        self.linear = nn.Embedding(sum(fields), 1)

    def interactions(self, e):
        embs = torch.split(e, 1, dim=1)
        return torch.cat([self.bilinear(v_i) * v_j for v_i, v_j in itertools.combinations(embs, 2)], dim=1)

    def forward(self, x):
        x = x + self.offsets[None]
        e = self.embedding(x)
        z = torch.mean(e, dim=-1)
        a = self.excitation(z)
        senet = e * a.unsqueeze(2)
        bi = torch.cat([self.interactions(e), self.interactions(senet)], 1)
        return torch.sigmoid(self.dnn(bi.flatten(1)) + self.linear(x).sum(1))


# --- DCN-v2 (mixture of low-rank experts) ---

class CrossMix(nn.Module):
    def __init__(self, d, layers=3, experts=4, rank=8):
        super().__init__()
        self.U = nn.ParameterList(nn.Parameter(torch.randn(experts, d, rank) * 0.1) for _ in range(layers))
        self.V = nn.ParameterList(nn.Parameter(torch.randn(experts, d, rank) * 0.1) for _ in range(layers))
        self.C = nn.ParameterList(nn.Parameter(torch.randn(experts, rank, rank) * 0.1) for _ in range(layers))
        self.gating = nn.ModuleList(nn.Linear(d, 1, bias=False) for _ in range(experts))
        self.bias = nn.ParameterList(nn.Parameter(torch.zeros(d, 1)) for _ in range(layers))
        self.layers, self.experts = layers, experts

    def forward(self, inputs):
        x_0 = inputs.unsqueeze(2)  # [B, d, 1]
        x_l = x_0
        for i in range(self.layers):
            outs, gates = [], []
            for e in range(self.experts):
                gates.append(self.gating[e](x_l.squeeze(2)))
                v_x = torch.matmul(self.V[i][e].t(), x_l)
                v_x = torch.tanh(v_x)
                v_x = torch.matmul(self.C[i][e], v_x)
                v_x = torch.tanh(v_x)
                uv_x = torch.matmul(self.U[i][e], v_x)
                outs.append((x_0 * (uv_x + self.bias[i])).squeeze(2))
            outs = torch.stack(outs, 2)
            gates = torch.stack(gates, 1)
            moe = torch.matmul(outs, gates.softmax(1))
            x_l = moe + x_l
        return x_l.squeeze(2)


class DCNv2(nn.Module):
    def __init__(self, fields=FIELDS, k=8, dense=13):
        super().__init__()
        self.register_buffer('offsets', offsets_buffer(fields))
        self.embedding = nn.Embedding(sum(fields), k)
        d = len(fields) * k + dense
        self.cross = CrossMix(d)
        self.deep = nn.Sequential(nn.Linear(d, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.out = nn.Linear(d + 32, 1)

    def forward(self, dense, sparse):
        e = self.embedding(sparse + self.offsets[None]).flatten(1)
        x = torch.cat([e, dense], 1)
        return torch.sigmoid(self.out(torch.cat([self.cross(x), self.deep(x)], 1)))


# --- GATv2 ---

class GATv2Layer(nn.Module):
    def __init__(self, fin, fout, heads=4, concat=True):
        super().__init__()
        self.lin_l, self.lin_r = nn.Linear(fin, heads * fout), nn.Linear(fin, heads * fout)
        self.att = nn.Parameter(torch.randn(1, 1, heads, fout) * 0.3)
        self.bias = nn.Parameter(torch.zeros(heads * fout if concat else fout))
        self.h, self.f, self.concat = heads, fout, concat

    def forward(self, x, adj):  # x [N, F], adj [N, N] (row i: the sources j that send to i)
        n = x.shape[0]
        x_l = self.lin_l(x).view(n, self.h, self.f)  # source j
        x_r = self.lin_r(x).view(n, self.h, self.f)  # target i
        e = F.leaky_relu(x_r[:, None] + x_l[None], 0.2)  # [N_i, N_j, H, F]
        alpha = (e * self.att).sum(-1)  # [N, N, H]
        mask = (adj + torch.eye(n)) > 0
        alpha = alpha.masked_fill(~mask[:, :, None], float('-inf'))
        alpha = torch.softmax(alpha, 1)
        out = torch.einsum('ijh,jhf->ihf', alpha, x_l)
        out = out.reshape(n, -1) if self.concat else out.mean(1)
        return out + self.bias


class GATv2(nn.Module):
    def __init__(self, fin=12, hidden=16, classes=5):
        super().__init__()
        self.l1 = GATv2Layer(fin, hidden)
        self.l2 = GATv2Layer(4 * hidden, classes, heads=2, concat=False)

    def forward(self, x, adj):
        return torch.log_softmax(self.l2(F.elu(self.l1(x, adj)), adj), -1)


# --- EGNN ---

class EGCL(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.edge_mlp = nn.Sequential(nn.Linear(2 * d + 1, d), nn.SiLU(), nn.Linear(d, d), nn.SiLU())
        self.node_mlp = nn.Sequential(nn.Linear(2 * d, d), nn.SiLU(), nn.Linear(d, d))
        self.coord_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, 1, bias=False))

    def forward(self, h, x, adj):  # h [N, d], x [N, 3], adj [N, N] 0 / 1 without self-loops
        n = h.shape[0]
        diff = x[:, None] - x[None]  # [N, N, 3]
        radial = (diff ** 2).sum(-1, keepdim=True)
        diff = diff / (torch.sqrt(radial).detach() + 1.0)  # norm_diff, epsilon 1
        m = self.edge_mlp(torch.cat([h[:, None].expand(n, n, -1), h[None].expand(n, n, -1), radial], -1))
        m = m * adj[:, :, None]
        trans = diff * self.coord_mlp(m)
        x = x + trans.sum(1) / (adj.sum(1, keepdim=True) + 1e-6)  # coords_agg 'mean' over neighbours
        agg = m.sum(1)
        h = h + self.node_mlp(torch.cat([h, agg], -1))
        return h, x


class EGNN(nn.Module):
    def __init__(self, fin=6, d=32, layers=3):
        super().__init__()
        self.emb_in = nn.Linear(fin, d)
        self.layers = nn.ModuleList(EGCL(d) for _ in range(layers))
        self.emb_out = nn.Linear(d, 1)

    def forward(self, h, x, adj):
        h = self.emb_in(h)
        for layer in self.layers:
            h, x = layer(h, x, adj)
        return self.emb_out(h).sum(0), x


def graph(n=14, seed=4, p=0.3):
    g = torch.Generator().manual_seed(seed)
    a = (torch.rand(n, n, generator=g) < p).float()
    return ((a + a.t()) > 0).float() * (1 - torch.eye(n)), g


def gat_inputs():
    a, g = graph()
    return torch.randn(14, 12, generator=g), a


def egnn_inputs():
    a, g = graph(10, 5, 0.5)
    return torch.randn(10, 6, generator=g), torch.randn(10, 3, generator=g), a


def sparse_ids(b=4, fields=FIELDS, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randint(0, f, (b,), generator=g) for f in fields], 1)


def bst_inputs():
    g = torch.Generator().manual_seed(1)
    return (torch.randint(0, 300, (4, 8), generator=g), torch.randint(0, 20, (4, 8), generator=g), torch.randint(0, 300, (4,), generator=g),
            torch.randint(0, 20, (4,), generator=g), torch.randn(4, 6, generator=g))


def sasrec_inputs():
    g = torch.Generator().manual_seed(2)
    seq = torch.randint(1, 301, (3, 10), generator=g)
    seq[1, :4] = 0  # left-padded history
    return seq, torch.randint(1, 301, (3, 20), generator=g)


MODELS = {
    'bst': lambda: (BST().eval(), bst_inputs(), {'names': ['hist_items', 'hist_cats', 'target_item', 'target_cat', 'other'], 'outputs': ['ctr'], 'opset': 13}),
    'sasrec': lambda: (SASRec().eval(), sasrec_inputs(), {'names': ['log_seqs', 'item_indices'], 'outputs': ['scores'], 'opset': 14}),
    'autoint': lambda: (AutoInt().eval(), sparse_ids(), {'names': ['sparse'], 'outputs': ['ctr'], 'opset': 13}),
    'fibinet': lambda: (FiBiNET().eval(), sparse_ids(), {'names': ['sparse'], 'outputs': ['ctr'], 'opset': 13}),
    'dcn_v2_mix': lambda: (DCNv2().eval(), (torch.randn(4, 13, generator=torch.Generator().manual_seed(3)), sparse_ids()),
                           {'names': ['dense', 'sparse'], 'outputs': ['ctr'], 'opset': 13}),
    'gatv2': lambda: (GATv2().eval(), gat_inputs(), {'names': ['x', 'adj'], 'outputs': ['logprobs'], 'opset': 13}),
    'egnn': lambda: (EGNN().eval(), egnn_inputs(), {'names': ['h', 'pos', 'adj'], 'outputs': ['energy', 'pos_out'], 'opset': 13}),
}
