"""Eighteenth sweep, matching / flow / points / OCR (docs/model-sweep.md): SuperGlue (keypoint encoder, attentional
GNN of self / cross layers with Conv1d projections and einsum heads, log-space Sinkhorn optimal transport with a
dustbin, mutual-nearest match extraction), PWC-Net (feature pyramid, 9x9 correlation cost volume by shifted products,
backward warping by grid_sample with its validity mask, DenseNet-style flow estimators, ConvTranspose flow / feature
ups, dilated context network), KPConv (kNN by TopK, kernel-point correlation max(0, 1 - d / sigma) against 15 rigid
kernel points, shadow neighbour, strided KPConv on a subsample, nearest upsampling, segmentation head), SATRN (shallow
CNN, adaptive 2-D positional encoding, locality-aware feed-forward with a depthwise conv on the 2-D map, transformer
decoder over teacher-forced ids) — plain torch.nn with the math of their public code (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- SuperGlue (Sarlin et al. 2020)
def MLP(channels):
    layers = []
    for i in range(1, len(channels)):
        layers.append(nn.Conv1d(channels[i - 1], channels[i], 1, bias=True))
        if i < len(channels) - 1:
            layers += [nn.BatchNorm1d(channels[i]), nn.ReLU()]
    return nn.Sequential(*layers)


class KeypointEncoder(nn.Module):
    def __init__(self, d, layers=(32, 64)):
        super().__init__()
        self.encoder = MLP([3, *layers, d])

    def forward(self, kpts, scores):
        return self.encoder(torch.cat([kpts.transpose(1, 2), scores.unsqueeze(1)], dim=1))


class MultiHeadedAttention(nn.Module):
    def __init__(self, heads, d):
        super().__init__()
        self.dim, self.h = d // heads, heads
        self.merge = nn.Conv1d(d, d, 1)
        self.proj = nn.ModuleList(nn.Conv1d(d, d, 1) for _ in range(3))

    def forward(self, q, k, v):
        b = q.size(0)
        q, k, v = [l(x).view(b, self.dim, self.h, -1) for l, x in zip(self.proj, (q, k, v))]
        s = torch.einsum('bdhn,bdhm->bhnm', q, k) / self.dim ** .5
        x = torch.einsum('bhnm,bdhm->bdhn', F.softmax(s, dim=-1), v)
        return self.merge(x.contiguous().view(b, self.dim * self.h, -1))


class AttentionalPropagation(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.attn = MultiHeadedAttention(heads, d)
        self.mlp = MLP([2 * d, 2 * d, d])

    def forward(self, x, source):
        return self.mlp(torch.cat([x, self.attn(x, source, source)], dim=1))


def log_sinkhorn(Z, log_mu, log_nu, iters):
    u, v = torch.zeros_like(log_mu), torch.zeros_like(log_nu)
    for _ in range(iters):
        u = log_mu - torch.logsumexp(Z + v.unsqueeze(1), dim=2)
        v = log_nu - torch.logsumexp(Z + u.unsqueeze(2), dim=1)
    return Z + u.unsqueeze(2) + v.unsqueeze(1)


def log_optimal_transport(scores, alpha, iters):
    b, m, n = scores.shape
    ms, ns = float(m), float(n)
    bins0 = alpha.expand(b, m, 1)
    bins1 = alpha.expand(b, 1, n)
    alpha = alpha.expand(b, 1, 1)
    couplings = torch.cat([torch.cat([scores, bins0], -1), torch.cat([bins1, alpha], -1)], 1)
    norm = -math.log(ms + ns)
    log_mu = torch.cat([torch.full((m,), norm), torch.full((1,), math.log(ns) + norm)]).expand(b, -1)
    log_nu = torch.cat([torch.full((n,), norm), torch.full((1,), math.log(ms) + norm)]).expand(b, -1)
    return log_sinkhorn(couplings, log_mu, log_nu, iters) - norm


class SuperGlue(nn.Module):
    def __init__(self, d=64, heads=4, pairs=3, iters=20, size=(480, 640)):
        super().__init__()
        self.kenc = KeypointEncoder(d)
        self.layers = nn.ModuleList(AttentionalPropagation(d, heads) for _ in range(2 * pairs))
        self.names = ['self', 'cross'] * pairs
        self.final_proj = nn.Conv1d(d, d, 1)
        self.bin_score = nn.Parameter(torch.tensor(1.))
        self.d, self.iters, self.size = d, iters, size

    def normalize(self, kpts):
        h, w = self.size
        center = torch.tensor([w / 2, h / 2])
        scaling = max(w, h) * 0.7
        return (kpts * torch.tensor([w, h]) - center) / scaling   # keypoints given in [0, 1) of the image

    def forward(self, kpts0, scores0, desc0, kpts1, scores1, desc1):
        desc0 = desc0 + self.kenc(self.normalize(kpts0), scores0)
        desc1 = desc1 + self.kenc(self.normalize(kpts1), scores1)
        for layer, name in zip(self.layers, self.names):
            src0, src1 = (desc1, desc0) if name == 'cross' else (desc0, desc1)
            delta0, delta1 = layer(desc0, src0), layer(desc1, src1)
            desc0, desc1 = desc0 + delta0, desc1 + delta1
        md0, md1 = self.final_proj(desc0), self.final_proj(desc1)
        scores = torch.einsum('bdn,bdm->bnm', md0, md1) / self.d ** .5
        scores = log_optimal_transport(scores, self.bin_score, self.iters)
        max0, max1 = scores[:, :-1, :-1].max(2), scores[:, :-1, :-1].max(1)
        indices0, indices1 = max0.indices, max1.indices
        ar0 = torch.arange(indices0.shape[1]).unsqueeze(0)
        ar1 = torch.arange(indices1.shape[1]).unsqueeze(0)
        mutual0 = ar0 == indices1.gather(1, indices0)
        mutual1 = ar1 == indices0.gather(1, indices1)
        zero = scores.new_tensor(0)
        mscores0 = torch.where(mutual0, max0.values.exp(), zero)
        mscores1 = torch.where(mutual1, mscores0.gather(1, indices1), zero)
        valid0 = mutual0 & (mscores0 > 0.2)
        valid1 = mutual1 & valid0.gather(1, indices1)
        return (torch.where(valid0, indices0, indices0.new_tensor(-1)), torch.where(valid1, indices1, indices1.new_tensor(-1)),
                mscores0, mscores1, scores)


# ---------------------------------------------------------------- PWC-Net (Sun et al. 2018; the PyTorch port's math)
def conv(i, o, k=3, s=1, d=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, (k - 1) * d // 2, d), nn.LeakyReLU(0.1))


def correlation(f1, f2, md=4):
    """Cost volume over (2 md + 1)^2 displacements: mean over channels of f1 * shifted f2 (the CUDA Correlation's
    kernel_size 1 form), as ONNX-exportable ports write it."""
    h, w = f1.shape[2], f1.shape[3]
    f2p = F.pad(f2, (md, md, md, md))
    out = [(f1 * f2p[:, :, dy:dy + h, dx:dx + w]).mean(1, keepdim=True)
           for dy in range(2 * md + 1) for dx in range(2 * md + 1)]
    return F.leaky_relu(torch.cat(out, 1), 0.1)


def warp(x, flo):
    _, _, h, w = x.shape
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
    grid = torch.stack([xx, yy], 0).float().unsqueeze(0) + flo
    gx = 2.0 * grid[:, 0] / max(w - 1, 1) - 1.0
    gy = 2.0 * grid[:, 1] / max(h - 1, 1) - 1.0
    g = torch.stack([gx, gy], 3)
    out = F.grid_sample(x, g, align_corners=True)
    mask = F.grid_sample(torch.ones_like(x[:, :1]), g, align_corners=True)
    mask = (mask >= 0.9999).float()
    return out * mask


class Estimator(nn.Module):
    def __init__(self, i, widths=(32, 32, 24, 16, 8)):
        super().__init__()
        self.convs, c = nn.ModuleList(), i
        for w in widths:
            self.convs.append(conv(c, w))
            c += w
        self.predict = nn.Conv2d(c, 2, 3, 1, 1)
        self.out_c = c

    def forward(self, x):
        for cv in self.convs:
            x = torch.cat([cv(x), x], 1)
        return x, self.predict(x)


class PWCNet(nn.Module):
    def __init__(self, chs=(8, 16, 24, 32, 48), md=4):
        super().__init__()
        self.pyr, c = nn.ModuleList(), 3
        for w in chs:
            self.pyr.append(nn.Sequential(conv(c, w, 3, 2), conv(w, w), conv(w, w)))
            c = w
        nd = (2 * md + 1) ** 2
        self.md = md
        self.est, self.upflow, self.upfeat = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for lvl in range(len(chs) - 1, 0, -1):                  # levels 5 .. 2 (1-based pyramid levels 6 .. 3)
            i = nd if lvl == len(chs) - 1 else nd + chs[lvl] + 2 + 2
            e = Estimator(i)
            self.est.append(e)
            self.upflow.append(nn.ConvTranspose2d(2, 2, 4, 2, 1))
            self.upfeat.append(nn.ConvTranspose2d(e.out_c, 2, 4, 2, 1))
        self.context = nn.Sequential(conv(self.est[-1].out_c, 32, 3, 1, 1), conv(32, 32, 3, 1, 2), conv(32, 32, 3, 1, 4),
                                     conv(32, 24, 3, 1, 8), conv(24, 16, 3, 1, 16), conv(16, 8), nn.Conv2d(8, 2, 3, 1, 1))

    def forward(self, im1, im2):
        c1, c2 = [], []
        a, b = im1, im2
        for p in self.pyr:
            a, b = p(a), p(b)
            c1.append(a)
            c2.append(b)
        n = len(c1)
        flow = feat_up = x = None
        scales = [20.0 / 2 ** (i + 1) for i in range(n)]            # PWC's 20 / stride scaling of the flow before warping
        for k, lvl in enumerate(range(n - 1, 0, -1)):
            if flow is None:
                corr = correlation(c1[lvl], c2[lvl], self.md)
                x, flow = self.est[k](corr)
            else:
                warped = warp(c2[lvl], up_flow * scales[lvl])
                corr = correlation(c1[lvl], warped, self.md)
                x, flow = self.est[k](torch.cat([corr, c1[lvl], up_flow, feat_up], 1))
            up_flow, feat_up = self.upflow[k](flow), self.upfeat[k](x)
        return flow + self.context(x)


# ---------------------------------------------------------------- KPConv (Thomas et al. 2019), kNN neighbourhoods
def knn(q, p, k):
    d = (q * q).sum(-1, keepdim=True) - 2 * q @ p.transpose(0, 1) + (p * p).sum(-1).unsqueeze(0)
    return d.topk(k, dim=1, largest=False).indices


class KPConv(nn.Module):
    def __init__(self, i, o, extent, kp=15):
        super().__init__()
        g = torch.Generator().manual_seed(7)
        pts = torch.randn(kp, 3, generator=g)
        pts = pts / pts.norm(dim=1, keepdim=True) * torch.rand(kp, 1, generator=g) ** (1 / 3) * 1.5 * extent
        pts[0] = 0
        self.register_buffer('kernel_points', pts)
        self.weights = nn.Parameter(torch.randn(kp, i, o) / math.sqrt(kp * i))
        self.extent = extent

    def forward(self, q_pts, s_pts, neighb_inds, x):
        s_pts = torch.cat((s_pts, torch.zeros_like(s_pts[:1, :]) + 1e6), 0)   # shadow point
        neighbors = s_pts[neighb_inds, :] - q_pts.unsqueeze(1)                    # [n, K, 3]
        differences = neighbors.unsqueeze(2) - self.kernel_points                 # [n, K, kp, 3]
        sq_distances = torch.sum(differences ** 2, dim=3)
        all_weights = torch.clamp(1 - torch.sqrt(sq_distances) / self.extent, min=0.0).transpose(1, 2)
        x = torch.cat((x, torch.zeros_like(x[:1, :])), 0)
        neighb_x = x[neighb_inds, :]                                              # [n, K, C]
        weighted = torch.matmul(all_weights, neighb_x).permute(1, 0, 2)           # [kp, n, C]
        out = torch.matmul(weighted, self.weights).sum(0)
        nn_num = torch.sum(torch.gt(torch.sum(neighb_x, dim=2), 0.0), dim=1).clamp(min=1)
        return out / nn_num.unsqueeze(1)


class KPBlock(nn.Module):
    def __init__(self, i, o, extent):
        super().__init__()
        self.u1 = nn.Linear(i, o // 4)
        self.kp = KPConv(o // 4, o // 4, extent)
        self.n1, self.n2 = nn.BatchNorm1d(o // 4), nn.BatchNorm1d(o)
        self.u2 = nn.Linear(o // 4, o)
        self.short = nn.Linear(i, o) if i != o else nn.Identity()

    def forward(self, q, s, inds, x, pool=None):
        h = F.leaky_relu(self.u1(x), 0.1)
        h = F.leaky_relu(self.n1(self.kp(q, s, inds, h)), 0.1)
        h = self.n2(self.u2(h))
        sc = self.short(x)
        if pool is not None:                     # strided block: max over the neighbourhood for the shortcut
            sc = torch.cat((sc, torch.zeros_like(sc[:1])), 0)[pool].max(1).values
        return F.leaky_relu(h + sc, 0.1)


class KPFCNN(nn.Module):
    def __init__(self, classes=13, k=16, n=1024):
        super().__init__()
        self.k, self.n = k, n
        self.stem = nn.Linear(4, 32)
        self.b1 = KPBlock(32, 64, 0.12)
        self.b2 = KPBlock(64, 64, 0.12)
        self.b3 = KPBlock(64, 128, 0.24)            # strided: queries are the subsample
        self.b4 = KPBlock(128, 128, 0.24)
        self.head = nn.Sequential(nn.Linear(128 + 64, 64), nn.BatchNorm1d(64), nn.LeakyReLU(0.1), nn.Linear(64, classes))

    def forward(self, points, feats):            # [N, 3] in [0, 1), [N, 1]
        p = points
        p2 = p[: self.n // 4]                     # the next level's points (a stand-in for grid subsampling)
        i11 = knn(p, p, self.k)
        i21 = knn(p2, p, self.k)
        i22 = knn(p2, p2, self.k)
        i12 = knn(p, p2, 1)
        x = F.leaky_relu(self.stem(torch.cat([feats, torch.ones_like(feats[:, :1]), p[:, 2:3], p[:, :1]], 1)), 0.1)
        x1 = self.b2(p, p, i11, self.b1(p, p, i11, x))
        x2 = self.b4(p2, p2, i22, self.b3(p2, p, i21, x1, pool=i21))
        up = x2[i12[:, 0]]                        # nearest upsampling
        return self.head(torch.cat([up, x1], 1))


# ---------------------------------------------------------------- SATRN (Lee et al. 2020; MMOCR's form)
class Adaptive2DPE(nn.Module):
    def __init__(self, d, h, w):
        super().__init__()
        pos = torch.arange(max(h, w)).float().unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        pe = torch.zeros(max(h, w), d)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer('h_pe', pe[:h].t().reshape(1, d, h, 1))
        self.register_buffer('w_pe', pe[:w].t().reshape(1, d, 1, w))
        self.h_scale = nn.Sequential(nn.Conv2d(d, d, 1), nn.ReLU(), nn.Conv2d(d, d, 1), nn.Sigmoid())
        self.w_scale = nn.Sequential(nn.Conv2d(d, d, 1), nn.ReLU(), nn.Conv2d(d, d, 1), nn.Sigmoid())

    def forward(self, x):
        avg = F.adaptive_avg_pool2d(x, 1)
        return x + self.h_scale(avg) * self.h_pe + self.w_scale(avg) * self.w_pe


class SatrnEncoderLayer(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ff = nn.Sequential(nn.Conv2d(d, ff, 1), nn.ReLU(), nn.Conv2d(ff, ff, 3, 1, 1, groups=ff), nn.ReLU(),
                                nn.Conv2d(ff, d, 1))

    def forward(self, x, h, w):
        y = self.n1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        y = self.n2(x).transpose(1, 2).reshape(x.shape[0], -1, h, w)
        return x + self.ff(y).flatten(2).transpose(1, 2)


class SATRN(nn.Module):
    def __init__(self, vocab=40, d=128, heads=4, enc=3, dec=2, h=32, w=100, T=25):
        super().__init__()
        self.shallow = nn.Sequential(nn.Conv2d(3, d // 2, 3, 1, 1, bias=False), nn.BatchNorm2d(d // 2), nn.ReLU(),
                                     nn.MaxPool2d(2), nn.Conv2d(d // 2, d, 3, 1, 1, bias=False), nn.BatchNorm2d(d),
                                     nn.ReLU(), nn.MaxPool2d(2))
        self.hw = (h // 4, w // 4)
        self.pe = Adaptive2DPE(d, *self.hw)
        self.enc = nn.ModuleList(SatrnEncoderLayer(d, heads, 2 * d) for _ in range(enc))
        self.enc_norm = nn.LayerNorm(d)
        self.emb = nn.Embedding(vocab, d)
        pos = torch.arange(T).float().unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        pe = torch.zeros(T, d)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer('dec_pe', pe.unsqueeze(0))
        layer = nn.TransformerDecoderLayer(d, heads, 2 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.dec = nn.TransformerDecoder(layer, dec)
        self.out = nn.Linear(d, vocab)

    def forward(self, img, tgt):
        f = self.pe(self.shallow(img))
        h, w = self.hw
        x = f.flatten(2).transpose(1, 2)
        for layer in self.enc:
            x = layer(x, h, w)
        mem = self.enc_norm(x)
        t = tgt.shape[1]
        y = self.emb(tgt) + self.dec_pe[:, :t]
        causal = torch.triu(torch.full((t, t), float('-inf')), diagonal=1)
        return self.out(self.dec(y, mem, tgt_mask=causal)).softmax(-1)
