"""Twenty-fifth sweep, tabular / recommendation / graph / time-series families (docs/model-sweep.md "Twenty-fifth
sweep"): TabNet (sparsemax attentive masks), NODE (oblivious trees, entmax-1.5), TabPFN v2 (attention across features
and items), TabM (BatchEnsemble), DIN (target attention with Dice), GraphCast (grid -> multi-mesh -> grid interaction
networks), WPMixer (wavelet patch mixer), Timer-XL (Kronecker-masked multivariate next-patch decoder). Plain torch
1.13 with the math of their public code, small widths, random weights; driven by sweep25_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep20_seq_lm import rope
from sweep22_seq_lm import heads, merge, NEG


def sparsemax(z, dim=-1):
    """entmax's sparsemax (Martins & Astudillo 2016): sort, cumsum, support size, threshold (over the last axis)."""
    zs, _ = torch.sort(z, dim=dim, descending=True)
    cs = zs.cumsum(dim) - 1
    rho = torch.arange(1, z.shape[dim] + 1, dtype=z.dtype)
    k = (rho * zs > cs).sum(dim, keepdim=True)
    tau = cs.gather(dim, k - 1) / k.to(z.dtype)
    return torch.clamp(z - tau, min=0)


def entmax15(x, dim=-1):
    """entmax's exact entmax-1.5 by sorting (Peters et al. 2019)."""
    if dim not in (-1, x.dim() - 1):
        return entmax15(x.transpose(dim, -1)).transpose(dim, -1)
    x = x / 2
    x = x - x.max(dim, keepdim=True)[0]
    xs, _ = torch.sort(x, descending=True, dim=dim)
    rho = torch.arange(1, x.shape[dim] + 1, dtype=x.dtype)
    mean = xs.cumsum(dim) / rho
    mean_sq = (xs ** 2).cumsum(dim) / rho
    delta = (1 - rho * (mean_sq - mean ** 2)) / rho
    tau = mean - torch.sqrt(torch.clamp(delta, min=0))
    support = (tau <= xs).sum(dim, keepdim=True)
    return torch.clamp(x - tau.gather(dim, support - 1), min=0) ** 2


# --- TabNet (dreamquark-ai/tabnet tab_network.py): shared + step GLU blocks, attentive transformer, sparsemax ---

class GLULayer(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.fc, self.bn = nn.Linear(i, 2 * o, bias=False), nn.BatchNorm1d(2 * o)

    def forward(self, x):
        x = self.bn(self.fc(x))
        return x[:, : x.shape[1] // 2] * torch.sigmoid(x[:, x.shape[1] // 2:])


class FeatTransformer(nn.Module):
    def __init__(self, i, o, shared):
        super().__init__()
        self.layers = nn.ModuleList([*shared, GLULayer(o, o), GLULayer(o, o)])

    def forward(self, x):
        x = self.layers[0](x)
        for layer in self.layers[1:]:
            x = (x + layer(x)) * math.sqrt(0.5)
        return x


class TabNet(nn.Module):
    def __init__(self, f=16, nd=8, na=8, steps=3, gamma=1.3, classes=3):
        super().__init__()
        self.nd, self.steps, self.gamma = nd, steps, gamma
        self.bn = nn.BatchNorm1d(f)
        shared = [GLULayer(f, nd + na), GLULayer(nd + na, nd + na)]
        self.initial = FeatTransformer(f, nd + na, shared)
        self.feat = nn.ModuleList(FeatTransformer(f, nd + na, shared) for _ in range(steps))
        self.att = nn.ModuleList(nn.Sequential(nn.Linear(na, f, bias=False), nn.BatchNorm1d(f)) for _ in range(steps))
        self.head = nn.Linear(nd, classes, bias=False)

    def forward(self, x):
        x = self.bn(x)
        prior = torch.ones_like(x)
        att = self.initial(x)[:, self.nd:]
        out, masks = 0, []
        for feat, a in zip(self.feat, self.att):
            m = sparsemax(a(att) * prior)
            prior = prior * (self.gamma - m)
            h = feat(m * x)
            out = out + F.relu(h[:, : self.nd])
            att = h[:, self.nd:]
            masks.append(m)
        return self.head(out).softmax(-1), torch.stack(masks, 1).sum(1)


# --- NODE (Qwicen/node odst.py): oblivious decision trees, entmax-1.5 feature choice, sparsemoid splits ---

class ODST(nn.Module):
    def __init__(self, f, trees=16, depth=3, dim=1):
        super().__init__()
        self.depth = depth
        self.response = nn.Parameter(torch.randn(trees, dim, 2 ** depth))
        self.sel_logits = nn.Parameter(torch.randn(f, trees, depth))
        self.thresholds = nn.Parameter(0.5 * torch.randn(trees, depth))
        self.log_temps = nn.Parameter(0.3 * torch.randn(trees, depth))
        idx = torch.arange(2 ** depth)
        codes = ((idx.view(1, -1) // 2 ** torch.arange(depth).view(-1, 1)) % 2).float()  # [depth, 2^depth]
        self.register_buffer('codes_1hot', torch.stack([codes, 1 - codes], -1))

    def forward(self, x):
        sel = entmax15(self.sel_logits, dim=0)
        fv = torch.einsum('bi,ind->bnd', x, sel)
        tl = (fv - self.thresholds) * torch.exp(-self.log_temps)
        bins = torch.clamp(0.5 * torch.stack([-tl, tl], -1) + 0.5, 0, 1)  # sparsemoid
        matches = torch.einsum('btds,dcs->btdc', bins, self.codes_1hot)
        w = torch.prod(matches, dim=-2)
        return torch.einsum('bnd,ncd->bnc', w, self.response).flatten(1)


class NODE(nn.Module):
    """DenseBlock of 2 ODST layers (each sees the input and earlier layers' outputs), mean of tree responses."""

    def __init__(self, f=16, trees=16):
        super().__init__()
        self.l1, self.l2 = ODST(f, trees), ODST(f + trees, trees)

    def forward(self, x):
        h1 = self.l1(x)
        h2 = self.l2(torch.cat([x, h1], 1))
        return torch.cat([h1, h2], 1).mean(1, keepdim=True)


# --- TabPFN v2 (PriorLabs/TabPFN): cells as tokens, attention across features per item, across items per feature ---

class TabPFNLayer(nn.Module):
    def __init__(self, d=48, h=4):
        super().__init__()
        self.h = h
        self.feat_qkv, self.feat_o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.item_qkv, self.item_o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)

    def attend(self, q, kv, qkv, o):
        qq = heads(qkv(q)[..., : q.shape[-1]], self.h)
        k, v = [heads(t, self.h) for t in qkv(kv)[..., q.shape[-1]:].chunk(2, -1)]
        return o(merge((qq @ k.transpose(-1, -2) / math.sqrt(k.shape[-1])).softmax(-1) @ v))

    def forward(self, x, n_train):  # x [items, features + 1, d]
        x = self.n1(x + self.attend(x, x, self.feat_qkv, self.feat_o))
        t = x.transpose(0, 1)  # [features + 1, items, d]: every item attends to the training items only
        t = t + self.attend(t, t[:, :n_train], self.item_qkv, self.item_o)
        x = self.n2(t.transpose(0, 1))
        return self.n3(x + self.mlp(x))


class TabPFNv2(nn.Module):
    def __init__(self, f=6, d=48, classes=4, layers=3):
        super().__init__()
        self.enc = nn.Linear(2, d)  # value and its NaN indicator, as TabPFN's nan-handling encoder
        self.feat_emb = nn.Parameter(0.1 * torch.randn(f, d))  # random per-column embedding (subspace in TabPFN)
        self.y_enc = nn.Linear(1, d)
        self.layers = nn.ModuleList(TabPFNLayer(d) for _ in range(layers))
        self.dec = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, classes))

    def forward(self, x_train, y_train, x_test):
        n_train = x_train.shape[0]
        x = torch.cat([x_train, x_test], 0)
        mu, sd = x_train.mean(0, keepdim=True), x_train.std(0, keepdim=True) + 1e-6  # fitted on train rows
        x = torch.clamp((x - mu) / sd, -4, 4)
        cells = self.enc(torch.stack([x, torch.zeros_like(x)], -1)) + self.feat_emb
        y = torch.cat([y_train.float(), torch.full((x_test.shape[0],), -1.0)], 0)  # test targets unknown
        ytok = self.y_enc(y[:, None, None])
        h = torch.cat([cells, ytok], 1)
        for layer in self.layers:
            h = layer(h, n_train)
        return self.dec(h[n_train:, -1]).softmax(-1)


# --- TabM (yandex-research/tabm): BatchEnsemble MLP, k members by rank-1 adapters, mean of members ---

class TabM(nn.Module):
    def __init__(self, f=24, d=64, k=8, out=1, layers=3):
        super().__init__()
        self.k = k
        dims = [f] + [d] * layers
        self.w = nn.ModuleList(nn.Linear(a, b, bias=False) for a, b in zip(dims[:-1], dims[1:]))
        self.r = nn.ParameterList(nn.Parameter(1 + 0.3 * torch.randn(k, a)) for a in dims[:-1])
        self.s = nn.ParameterList(nn.Parameter(1 + 0.3 * torch.randn(k, b)) for b in dims[1:])
        self.b = nn.ParameterList(nn.Parameter(0.1 * torch.randn(k, b)) for b in dims[1:])
        self.head_w = nn.Parameter(torch.randn(k, d, out) / math.sqrt(d))
        self.head_b = nn.Parameter(torch.zeros(k, out))

    def forward(self, x):
        h = x[:, None].expand(-1, self.k, -1)  # [B, k, f]
        for w, r, s, b in zip(self.w, self.r, self.s, self.b):
            h = F.relu(w(h * r) * s + b)
        y = torch.einsum('bkd,kdo->bko', h, self.head_w) + self.head_b
        return y.mean(1)


# --- DIN (Alibaba Deep Interest Network): activation unit over [q, k, q - k, q * k], Dice, masked weighted sum ---

class Dice(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.bn, self.alpha = nn.BatchNorm1d(d, affine=False), nn.Parameter(0.25 * torch.ones(d))

    def forward(self, x):  # x [..., d]
        bn = self.bn  # eval BatchNorm written out (its export needs a static channel count; DIN's batch is dynamic)
        p = torch.sigmoid((x - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps))
        return p * x + (1 - p) * self.alpha * x


class DIN(nn.Module):
    def __init__(self, items=500, cats=40, d=16, t=20):
        super().__init__()
        self.item, self.cat = nn.Embedding(items, d), nn.Embedding(cats, d)
        self.att = nn.Sequential(nn.Linear(8 * d, 36), Dice(36), nn.Linear(36, 1))
        self.profile = nn.Embedding(10, 8)
        self.mlp = nn.Sequential(nn.Linear(4 * d + 8, 80), Dice(80), nn.Linear(80, 40), Dice(40), nn.Linear(40, 1))

    def forward(self, hist_items, hist_cats, hist_len, target_item, target_cat, user_group):
        k = torch.cat([self.item(hist_items), self.cat(hist_cats)], -1)  # [B, T, 2d]
        q = torch.cat([self.item(target_item), self.cat(target_cat)], -1)[:, None].expand_as(k)
        w = self.att(torch.cat([q, k, q - k, q * k], -1)).squeeze(-1)  # no softmax (DIN's weights stay unnormalised)
        mask = torch.arange(k.shape[1])[None] < hist_len[:, None]
        w = torch.where(mask, w, torch.zeros_like(w))
        interest = (w[..., None] * k).sum(1)
        x = torch.cat([interest, q[:, 0], self.profile(user_group)], -1)
        return torch.sigmoid(self.mlp(x))


# --- GraphCast (google-deepmind/graphcast): grid -> mesh encoder, multi-mesh processor, mesh -> grid decoder ---

def mlp(i, o, hidden=64):
    return nn.Sequential(nn.Linear(i, hidden), nn.SiLU(), nn.Linear(hidden, o), nn.LayerNorm(o))


class Interaction(nn.Module):
    """InteractionNetwork: edge MLP over [e, senders, receivers], sum by receiver (scatter_add), node MLP; residuals."""

    def __init__(self, d, senders, receivers, n_recv, update_senders=True):
        super().__init__()
        self.register_buffer('s', senders)
        self.register_buffer('r', receivers)
        self.n_recv = n_recv
        self.edge, self.node = mlp(3 * d, d), mlp(2 * d, d)

    def forward(self, e, vs, vr):
        e = e + self.edge(torch.cat([e, vs[self.s], vr[self.r]], -1))
        agg = torch.zeros(self.n_recv, e.shape[-1]).scatter_add(0, self.r[:, None].expand(-1, e.shape[-1]), e)
        return e, vr + self.node(torch.cat([vr, agg], -1))


def grid_mesh(lat=8, lon=16, mesh=(3, 6)):
    """Grid nodes on a lat-lon grid; a coarse + fine 'multi-mesh' of regular cells (icosahedral in GraphCast);
    grid -> mesh edges to the mesh nodes within a radius, mesh -> grid edges to the containing cell's corners."""
    g = torch.stack(torch.meshgrid(torch.linspace(-1, 1, lat), torch.linspace(-1, 1, lon), indexing='ij'), -1).view(-1, 2)
    m = torch.stack(torch.meshgrid(torch.linspace(-1, 1, mesh[0]), torch.linspace(-1, 1, mesh[1]), indexing='ij'), -1).view(-1, 2)
    d = torch.cdist(g, m)
    g2m = (d < 0.75).nonzero()
    m2g = d.topk(3, 1, largest=False).indices
    m2g = torch.stack([m2g.flatten(), torch.arange(g.shape[0]).repeat_interleave(3)], 1)
    dm = torch.cdist(m, m)
    mm = ((dm > 0) & (dm < 0.9)).nonzero()
    feats = lambda a, b, e: torch.cat([a[e[:, 0]] - b[e[:, 1]], (a[e[:, 0]] - b[e[:, 1]]).norm(dim=-1, keepdim=True)], 1)
    return g, m, g2m, m2g, mm, feats(g, m, g2m), feats(m, g, m2g), feats(m, m, mm)


class GraphCast(nn.Module):
    def __init__(self, c=12, d=48, steps=3):
        super().__init__()
        g, m, g2m, m2g, mm, fg2m, fm2g, fmm = grid_mesh()
        self.ng, self.nm = g.shape[0], m.shape[0]
        self.register_buffer('g_static', torch.cat([g, torch.sin(3 * g)], 1))
        self.register_buffer('m_static', torch.cat([m, torch.sin(3 * m)], 1))
        for n, v in (('f_g2m', fg2m), ('f_m2g', fm2g), ('f_mm', fmm)):
            self.register_buffer(n, v)
        self.grid_emb, self.mesh_emb = mlp(c + 4, d), mlp(4, d)
        self.e_g2m, self.e_m2g, self.e_mm = mlp(3, d), mlp(3, d), mlp(3, d)
        self.enc = Interaction(d, g2m[:, 0], g2m[:, 1], self.nm)
        self.grid_up = mlp(d, d)
        self.proc = nn.ModuleList(Interaction(d, mm[:, 0], mm[:, 1], self.nm) for _ in range(steps))
        self.dec = Interaction(d, m2g[:, 0], m2g[:, 1], self.ng)
        self.out = nn.Linear(d, c)

    def forward(self, x):  # x [lat * lon, c]: the state at t; returns the state at t + 1 (residual prediction)
        vg = self.grid_emb(torch.cat([x, self.g_static], 1))
        vm = self.mesh_emb(self.m_static)
        _, vm = self.enc(self.e_g2m(self.f_g2m), vg, vm)
        vg = vg + self.grid_up(vg)
        e = self.e_mm(self.f_mm)
        for p in self.proc:
            e, vm = p(e, vm, vm)
        _, vg = self.dec(self.e_m2g(self.f_m2g), vm, vg)
        return x + self.out(vg)


# --- WPMixer (Murad et al. AAAI 2025): RevIN, db2 wavelet decomposition, patch mixer per band, inverse wavelet ---

DB2_LO = torch.tensor([-0.12940952255092145, 0.22414386804185735, 0.836516303737469, 0.48296291314469025])
DB2_HI = torch.tensor([-0.48296291314469025, 0.836516303737469, -0.22414386804185735, -0.12940952255092145])


class BandMixer(nn.Module):
    def __init__(self, n_in, n_out, patch=8, stride=4, d=32):
        super().__init__()
        self.patch, self.stride = patch, stride
        n_p = (n_in + stride - patch) // stride + 1
        self.register_buffer('idx', torch.arange(n_p)[:, None] * stride + torch.arange(patch)[None])  # unfold as a gather
        self.emb = nn.Linear(patch, d)
        self.tok = nn.Sequential(nn.LayerNorm(n_p), nn.Linear(n_p, 2 * n_p), nn.GELU(), nn.Linear(2 * n_p, n_p))
        self.ch = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        self.head = nn.Linear(n_p * d, n_out)

    def forward(self, x):  # [B, C, L]
        x = F.pad(x, (0, self.stride), mode='replicate')[..., self.idx]  # [B, C, N, P]
        h = self.emb(x)
        h = h + self.tok(h.transpose(-1, -2)).transpose(-1, -2)
        h = h + self.ch(h)
        return self.head(h.flatten(-2))


class WPMixer(nn.Module):
    def __init__(self, c=7, seq=96, pred=48, levels=2):
        super().__init__()
        self.levels, self.pred = levels, pred
        self.register_buffer('lo', DB2_LO.flip(0).view(1, 1, 4))
        self.register_buffer('hi', DB2_HI.flip(0).view(1, 1, 4))
        lens_in, lens_out, a, b = [], [], seq, pred
        for _ in range(levels):
            a, b = (a + 2) // 2, (b + 2) // 2  # dwt's length with the 3-sample reflect pads
            lens_in.append(a)
            lens_out.append(b)
        self.lens_out = lens_out
        self.mixers = nn.ModuleList([BandMixer(n, m) for n, m in zip(lens_in, lens_out)] + [BandMixer(lens_in[-1], lens_out[-1])])
        self.affine_w, self.affine_b = nn.Parameter(1 + 0.1 * torch.randn(c)), nn.Parameter(0.1 * torch.randn(c))

    def dwt(self, x):  # [B·C, 1, L] -> approximation, detail (periodised-free 'symmetric' padding as pytorch_wavelets)
        x = F.pad(x, (3, 3), mode='reflect')
        return F.conv1d(x, self.lo, stride=2)[..., :-1], F.conv1d(x, self.hi, stride=2)[..., :-1]

    def idwt(self, a, d, n):
        y = F.conv_transpose1d(a, self.lo.flip(-1), stride=2) + F.conv_transpose1d(d, self.hi.flip(-1), stride=2)
        return y[..., 3: 3 + n]

    def forward(self, x):  # x [B, L, C]
        mu, sd = x.mean(1, keepdim=True), torch.sqrt(x.var(1, keepdim=True, unbiased=False) + 1e-5)
        x = ((x - mu) / sd * self.affine_w + self.affine_b).transpose(1, 2)  # [B, C, L]
        b, c, n = x.shape
        a, details = x.reshape(b * c, 1, n), []
        for _ in range(self.levels):
            a, d = self.dwt(a)
            details.append(d)
        outs = [m(t.view(b, c, -1)) for m, t in zip(self.mixers, details + [a])]
        y = outs[-1].reshape(b * c, 1, -1)
        lens = [self.pred] + self.lens_out[:-1]
        for i in reversed(range(self.levels)):
            y = self.idwt(y, outs[i].reshape(b * c, 1, -1), lens[i])
        y = y.view(b, c, -1).transpose(1, 2)
        return (y - self.affine_b) / self.affine_w * sd + mu


# --- Timer-XL (thuml/Timer-XL): patch tokens of every variable, TimeAttention = Kronecker(variables, causal patches) ---

class TimerXL(nn.Module):
    def __init__(self, c=4, patch=16, n=6, d=64, h=4, layers=3, unfold_dim=2):
        super().__init__()
        self.c, self.patch, self.n, self.h, self.unfold_dim = c, patch, n, h, unfold_dim
        self.emb = nn.Linear(patch, d)
        self.qkv = nn.ModuleList(nn.Linear(d, 3 * d) for _ in range(layers))
        self.o = nn.ModuleList(nn.Linear(d, d) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)) for _ in range(layers))
        self.n1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, patch)
        var = torch.ones(c, c, dtype=torch.bool)
        t = torch.ones(n, n, dtype=torch.bool).tril()
        self.register_buffer('mask', torch.kron(var.int(), t.int()).bool())
        self.register_buffer('var_id', torch.arange(c).repeat_interleave(n))
        self.var_bias = nn.Parameter(0.1 * torch.randn(2, h))  # same / other variable bias (TimeAttention's)

    def forward(self, x):  # [B, C, L]
        b, c, length = x.shape
        mu, sd = x.mean(-1, keepdim=True), x.std(-1, keepdim=True) + 1e-5
        # Timer-XL writes unfold(dimension=-1): torch 1.13 exports that with the windows on the wrong axis (an invalid
        # file onnxruntime refuses: timerxl_unfold_neg_op13); the same patches by dimension 2 export right.
        tok = self.emb(((x - mu) / sd).unfold(self.unfold_dim, self.patch, self.patch)).reshape(b, c * self.n, -1)
        pos = torch.arange(self.n).repeat(c)
        same = (self.var_id[:, None] == self.var_id[None]).long()
        bias = self.var_bias[same].permute(2, 0, 1)[None]  # [1, h, CN, CN]
        for qkv, o, ff, n1, n2 in zip(self.qkv, self.o, self.ff, self.n1, self.n2):
            q, k, v = [heads(t, self.h) for t in qkv(n1(tok)).chunk(3, -1)]
            q, k = rope(q, pos), rope(k, pos)
            s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias
            tok = tok + o(merge(s.masked_fill(~self.mask, NEG).softmax(-1) @ v))
            tok = tok + ff(n2(tok))
        nxt = self.head(self.norm(tok)).view(b, c, self.n, self.patch)
        return nxt[:, :, -1] * sd + mu  # the next patch of every variable
