"""Twenty-seventh sweep: graphs (DiffPool, Graph U-Net, HGT), tabular (FT-Transformer, TabR), and torch.jit.script
control flow (an adaptive Dormand-Prince neural ODE, a SORT tracker step with greedy matching), plain torch.nn with
the math of their projects' code, small widths, random weights. Exported by sweep27_vis.py."""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F


def gcn(a, x, lin):
    """Dense GCN: D^-1/2 (A + I) D^-1/2 X W."""
    a = a + torch.eye(a.shape[-1])
    dinv = a.sum(-1).clamp(min=1).pow(-0.5)
    return lin((dinv[..., :, None] * a * dinv[..., None, :]) @ x)


class DiffPool(nn.Module):
    """DiffPool (Ying et al., 2018), dense: per level a GCN embedding Z and a GCN assignment S = softmax(GCN(A, X)),
    X' = Sᵀ Z, A' = Sᵀ A S; 32 nodes → 8 → 2 clusters, max / mean readout, graph logits."""

    def __init__(self, fin=8, d=32, clusters=(8, 2), classes=4):
        super().__init__()
        self.emb, self.ass = nn.ModuleList(), nn.ModuleList()
        c = fin
        for k in clusters:
            self.emb.append(nn.Linear(c, d))
            self.ass.append(nn.Linear(c, k))
            c = d
        self.last = nn.Linear(d, d)
        self.head = nn.Linear(2 * d, classes)

    def forward(self, x, adj):
        for e, s in zip(self.emb, self.ass):
            z = F.relu(gcn(adj, x, e))
            a = gcn(adj, x, s).softmax(-1)
            x, adj = a.transpose(-1, -2) @ z, a.transpose(-1, -2) @ adj @ a
        x = F.relu(gcn(adj, x, self.last))
        return self.head(torch.cat([x.max(1)[0], x.mean(1)], -1))


class GraphUNet(nn.Module):
    """Graph U-Net (Gao & Ji, 2019): gPool — scores y = X·p/‖p‖, TopK k nodes, X[idx]·tanh(y[idx]), the adjacency's
    rows and columns gathered (after A² augmentation, binarised) — twice, GCN at each level; gUnpool scatters the
    pooled nodes back into zeros at their indices, skip-added; node logits."""

    def __init__(self, fin=8, d=32, ks=(16, 8), classes=3):
        super().__init__()
        self.ks = ks
        self.inp = nn.Linear(fin, d)
        self.down = nn.ModuleList([nn.Linear(d, d) for _ in ks])
        self.p = nn.ParameterList([nn.Parameter(torch.randn(d)) for _ in ks])
        self.bottom = nn.Linear(d, d)
        self.up = nn.ModuleList([nn.Linear(d, d) for _ in ks])
        self.out = nn.Linear(2 * d, classes)

    def forward(self, x, adj):
        x = F.relu(gcn(adj, x, self.inp))
        x0, stack = x, []
        for k, lin, p in zip(self.ks, self.down, self.p):
            x = F.relu(gcn(adj, x, lin))
            stack.append((x, adj))
            y = (x @ p) / p.norm()
            val, idx = y.topk(k, 1)
            x = x.gather(1, idx[..., None].expand(-1, -1, x.shape[-1])) * torch.tanh(val)[..., None]
            a2 = ((adj @ adj + adj) > 0).float()
            adj = a2.gather(1, idx[..., None].expand(-1, -1, a2.shape[-1])).gather(2, idx[:, None, :].expand(-1, k, -1))
            stack[-1] = stack[-1] + (idx,)
        x = F.relu(gcn(adj, x, self.bottom))
        for lin, (skip, a, idx) in zip(self.up, reversed(stack)):
            x = torch.zeros_like(skip).scatter(1, idx[..., None].expand(-1, -1, x.shape[-1]), x) + skip
            x = F.relu(gcn(a, x, lin))
        return self.out(torch.cat([x, x0], -1))


class HGTLayer(nn.Module):
    """HGT (Hu et al., 2020) on a dense typed graph: K / Q / V per source / target node type (weights gathered by the
    node-type ids, batched products), per edge type an attention matrix W_att and message matrix W_msg and a prior
    μ, softmax per target over incoming edges of all types (masked dense logits), target-type output projection,
    gated skip σ(skip[type])."""

    def __init__(self, d, ntypes=3, etypes=2, heads=4):
        super().__init__()
        self.h, self.dk = heads, d // heads
        self.wk, self.wq, self.wv, self.wa = (nn.Parameter(torch.randn(ntypes, d, d) * d ** -0.5) for _ in range(4))
        self.att = nn.Parameter(torch.randn(etypes, heads, self.dk, self.dk) * self.dk ** -0.5)
        self.msg = nn.Parameter(torch.randn(etypes, heads, self.dk, self.dk) * self.dk ** -0.5)
        self.mu, self.skip = nn.Parameter(torch.ones(etypes, heads)), nn.Parameter(torch.ones(ntypes))
        self.norm = nn.LayerNorm(d)

    def typed(self, w, x, t):
        return (x.unsqueeze(-2) @ w[t]).squeeze(-2)  # [N, d] by each node's own matrix

    def forward(self, x, ntype, adj):
        n, d = x.shape
        k = self.typed(self.wk, x, ntype).reshape(n, self.h, self.dk)
        q = self.typed(self.wq, x, ntype).reshape(n, self.h, self.dk)
        v = self.typed(self.wv, x, ntype).reshape(n, self.h, self.dk)
        logits, msgs = [], []
        for e in range(adj.shape[0]):
            ke = torch.einsum('nhd,hde->hne', k, self.att[e])
            logits.append(torch.einsum('hse,the->hts', ke, q) * self.mu[e][:, None, None] / self.dk ** 0.5)
            msgs.append(torch.einsum('nhd,hde->hne', v, self.msg[e]))
        mask = adj > 0  # [E, T, S]
        lg = torch.stack(logits, 1).masked_fill(~mask[None], -1e9)  # [h, E, T, S]
        a = lg.permute(0, 2, 1, 3).reshape(self.h, n, -1).softmax(-1).reshape(self.h, n, adj.shape[0], n)
        m = torch.stack(msgs, 1)  # [h, E, S, dk]
        agg = torch.einsum('htes,hesd->thd', a, m).reshape(n, d)
        out = self.typed(self.wa, F.gelu(agg), ntype)
        g = torch.sigmoid(self.skip[ntype])[:, None]
        return self.norm(g * out + (1 - g) * x)


class HGT(nn.Module):
    def __init__(self, fin=16, d=32, classes=5):
        super().__init__()
        self.inp = nn.Parameter(torch.randn(3, fin, d) * fin ** -0.5)
        self.layers = nn.ModuleList([HGTLayer(d) for _ in range(2)])
        self.head = nn.Linear(d, classes)

    def forward(self, x, ntype, adj):
        x = torch.tanh((x.unsqueeze(-2) @ self.inp[ntype]).squeeze(-2))
        for layer in self.layers:
            x = layer(x, ntype, adj)
        return self.head(x)


class FTTransformer(nn.Module):
    """FT-Transformer (Gorishniy et al., 2021): numeric features tokenised x_j·W_j + b_j, categorical ids offset
    into one embedding table plus per-column biases, [CLS] appended last, pre-norm blocks (first block without the
    attention norm) with ReGLU FFNs, head on [CLS]."""

    def __init__(self, n_num=6, cards=(4, 9, 3), d=32, depth=3, classes=3):
        super().__init__()
        self.w, self.b = nn.Parameter(torch.randn(n_num, d) * 0.3), nn.Parameter(torch.randn(n_num, d) * 0.3)
        self.register_buffer('offsets', torch.tensor([0] + list(cards[:-1])).cumsum(0))
        self.emb, self.cb = nn.Embedding(sum(cards), d), nn.Parameter(torch.randn(len(cards), d) * 0.3)
        self.cls = nn.Parameter(torch.randn(1, 1, d) * 0.3)
        self.blocks = nn.ModuleList([nn.ModuleDict({'n1': nn.LayerNorm(d) if i else nn.Identity(), 'attn': nn.MultiheadAttention(d, 4, batch_first=True),
                                                    'n2': nn.LayerNorm(d), 'f1': nn.Linear(d, 4 * d), 'f2': nn.Linear(2 * d, d)})
                                     for i in range(depth)])
        self.head = nn.Sequential(nn.LayerNorm(d), nn.ReLU(), nn.Linear(d, classes))

    def forward(self, x_num, x_cat):
        t = torch.cat([x_num[..., None] * self.w + self.b, self.emb(x_cat + self.offsets) + self.cb, self.cls.expand(x_num.shape[0], -1, -1)], 1)
        for b in self.blocks:
            h = b['n1'](t)
            t = t + b['attn'](h, h, h, need_weights=False)[0]
            a, g = b['f1'](b['n2'](t)).chunk(2, -1)
            t = t + b['f2'](a * F.relu(g))
        return self.head(t[:, -1])


class TabR(nn.Module):
    """TabR (Gorishniy et al., 2024): encoder MLP, retrieval from a 256-row candidate memory (keys and labels kept
    in the model): similarity −‖k − k_i‖², TopK 16 neighbours, gathered keys and labels, values W_y(y_i) + T(k − k_i),
    softmax-weighted sum added to the row, predictor MLP."""

    def __init__(self, fin=10, d=32, cands=256, k=16, classes=3):
        super().__init__()
        self.k = k
        self.enc = nn.Sequential(nn.Linear(fin, d), nn.ReLU(), nn.Linear(d, d))
        self.norm, self.key = nn.LayerNorm(d), nn.Linear(d, d)
        self.register_buffer('cand_x', torch.randn(cands, fin))
        self.register_buffer('cand_y', torch.randint(0, classes, (cands,)))
        self.label = nn.Embedding(classes, d)
        self.t = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d, bias=False))
        self.pred = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.ReLU(), nn.Linear(d, classes))

    def forward(self, x):
        h = self.enc(x)
        k = self.key(self.norm(h))
        ck = self.key(self.norm(self.enc(self.cand_x)))
        sim = -(k * k).sum(-1, keepdim=True) + 2 * k @ ck.t() - (ck * ck).sum(-1)
        s, idx = sim.topk(self.k, -1)
        nk = ck[idx]  # [B, K, d]
        v = self.label(self.cand_y[idx]) + self.t(k[:, None] - nk)
        h = h + (s.softmax(-1)[..., None] * v).sum(1)
        return self.pred(h)


class ODEFunc(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.l1, self.l2 = nn.Linear(d + 1, 48), nn.Linear(48, d)

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.l2(torch.tanh(self.l1(torch.cat([y, t.expand(y.shape[0], 1)], 1))))


class NeuralODE(nn.Module):
    """A neural ODE solved by adaptive Dormand-Prince 5(4) (torchdiffeq's dopri5) from t = 0 to 1, torch.jit.script:
    a while loop over steps (at most 64), the embedded error's RMS norm against rtol / atol, the step accepted or
    rejected (If), the step size scaled by 0.9·err^(−1/5) clamped to [0.2, 10]; outputs y(1) and the step count."""

    def __init__(self, d=16):
        super().__init__()
        self.f = ODEFunc(d)
        self.inp, self.out = nn.Linear(8, d), nn.Linear(d, 4)

    def forward(self, x: torch.Tensor):
        y = self.inp(x)
        t = torch.zeros(1)
        h = torch.full([1], 0.1)
        steps = torch.zeros(1)
        n = 0
        while bool(t[0] < 1.0) and n < 64:
            h = torch.minimum(h, 1.0 - t)
            k1 = self.f(t, y)
            k2 = self.f(t + h * 0.2, y + h * (0.2 * k1))
            k3 = self.f(t + h * 0.3, y + h * (3.0 / 40 * k1 + 9.0 / 40 * k2))
            k4 = self.f(t + h * 0.8, y + h * (44.0 / 45 * k1 - 56.0 / 15 * k2 + 32.0 / 9 * k3))
            k5 = self.f(t + h * (8.0 / 9), y + h * (19372.0 / 6561 * k1 - 25360.0 / 2187 * k2 + 64448.0 / 6561 * k3 - 212.0 / 729 * k4))
            k6 = self.f(t + h, y + h * (9017.0 / 3168 * k1 - 355.0 / 33 * k2 + 46732.0 / 5247 * k3 + 49.0 / 176 * k4 - 5103.0 / 18656 * k5))
            y5 = y + h * (35.0 / 384 * k1 + 500.0 / 1113 * k3 + 125.0 / 192 * k4 - 2187.0 / 6784 * k5 + 11.0 / 84 * k6)
            k7 = self.f(t + h, y5)
            err = h * (71.0 / 57600 * k1 - 71.0 / 16695 * k3 + 71.0 / 1920 * k4 - 17253.0 / 339200 * k5 + 22.0 / 525 * k6 - 1.0 / 40 * k7)
            tol = 1e-4 + 1e-3 * torch.maximum(y.abs(), y5.abs())
            e = (err / tol).pow(2).mean().sqrt()
            if bool(e <= 1.0):
                y = y5
                t = t + h
                steps = steps + 1
            factor = torch.clamp(0.9 * e.clamp(min=1e-10).pow(-0.2), 0.2, 10.0)
            h = h * factor
            n += 1
        return self.out(y), steps


class SORTStep(nn.Module):
    """A SORT tracker step (Bewley et al., 2016) for 8 tracks and 10 detections, torch.jit.script: constant-velocity
    Kalman predict on [u, v, s, r, u', v', s'] (per-coordinate 2x2 blocks written out: the covariances stay
    block-diagonal), IoU of predicted boxes with detections, greedy matching in a while loop (best IoU above 0.3,
    its row and column masked), Kalman update of the matched tracks (per-coordinate gains); outputs boxes,
    covariances and the detection matched to each track (−1 none)."""

    def forward(self, mean, cov, dets):
        # mean [T, 7], cov [T, 7] diagonal-block form: cov[:, :4] position variances, cov[:, 4:] velocity variances
        # (position-velocity covariances kept in cov_pv = the last input's companion below); dets [D, 4] x1 y1 x2 y2
        pv = cov[:, 7:]
        pp, vv = cov[:, :4], cov[:, 4:7]
        mean = torch.cat([mean[:, :3] + mean[:, 4:7], mean[:, 3:4], mean[:, 4:7]], 1)
        pp3 = pp[:, :3] + 2 * pv + vv + 1.0
        pv = pv + vv
        vv = vv + 0.01
        pp = torch.cat([pp3, pp[:, 3:4] + 1.0], 1)
        s, r = mean[:, 2].clamp(min=1e-3), mean[:, 3].clamp(min=1e-3)
        w = torch.sqrt(s * r)
        h = s / w
        tb = torch.stack([mean[:, 0] - w / 2, mean[:, 1] - h / 2, mean[:, 0] + w / 2, mean[:, 1] + h / 2], 1)
        lt = torch.maximum(tb[:, None, :2], dets[None, :, :2])
        rb = torch.minimum(tb[:, None, 2:], dets[None, :, 2:])
        inter = (rb - lt).clamp(min=0).prod(-1)
        area_t = (tb[:, 2:] - tb[:, :2]).prod(-1)
        area_d = (dets[:, 2:] - dets[:, :2]).prod(-1)
        iou = inter / (area_t[:, None] + area_d[None, :] - inter)
        match = torch.full([mean.shape[0]], -1, dtype=torch.long)
        n = 0
        while bool(iou.max() > 0.3) and n < 8:
            flat = int(iou.argmax())
            ti, di = flat // iou.shape[1], flat % iou.shape[1]
            match[ti] = di
            iou[ti, :] = -1.0
            iou[:, di] = -1.0
            n += 1
        d = dets[match.clamp(min=0)]
        dw, dh = d[:, 2] - d[:, 0], d[:, 3] - d[:, 1]
        z = torch.stack([d[:, 0] + dw / 2, d[:, 1] + dh / 2, dw * dh, dw / dh.clamp(min=1e-3)], 1)
        kg = pp / (pp + 10.0)
        kv = torch.cat([pv, torch.zeros_like(pv[:, :1])], 1) / (pp + 10.0)
        innov = z - mean[:, :4]
        has = (match >= 0).float()[:, None]
        new_pos = mean[:, :4] + has * kg * innov
        new_vel = mean[:, 4:7] + has * kv[:, :3] * innov[:, :3]
        new_pp = pp - has * kg * pp
        new_vv = vv - has * kv[:, :3] * pv
        new_pv = pv - has * kg[:, :3] * pv
        return torch.cat([new_pos, new_vel], 1), torch.cat([new_pp, new_vv, new_pv], 1), match
