"""Ninth sweep (docs/model-sweep.md): MediaPipe-style models (BlazeBlocks with channel padding and TF 'same' padding
for stride 2 as the PyTorch ports write them: face mesh, hand landmark with handedness, selfie segmentation with
its transposed-conv decoder, BlazePose landmark with heatmap and segmentation), recommenders (DLRM with EmbeddingBag
tables fed indices + offsets and the dot interaction's triangle, a two-tower retrieval model), graph networks written
with index_add / scatter_add over an edge_index input (GCN, GraphSAGE-mean), and time series (PatchTST with RevIN and
unfold patches, N-BEATS generic / trend / seasonality blocks, TimesNet-style 2-D period blocks with fixed periods, an
LSTM autoencoder). Plain torch.nn, small widths, random weights. Imported by sweep9_more.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- MediaPipe (zmurez/MediaPipePyTorch blazebase.py BlazeBlock, blazeface_landmark.py, blazehand_landmark.py) ---
class BlazeBlock(nn.Module):
    def __init__(self, i, o, k=3, s=1, act='relu'):
        super().__init__()
        self.s, self.pad_c = s, o - i
        self.pool = nn.MaxPool2d(s, s) if s == 2 else None
        pad = 0 if s == 2 else (k - 1) // 2
        self.convs = nn.Sequential(nn.Conv2d(i, i, k, s, pad, groups=i), nn.Conv2d(i, o, 1))
        self.act = nn.PReLU(o) if act == 'prelu' else nn.ReLU(True)
        self.k = k

    def forward(self, x):
        if self.s == 2:
            h = F.pad(x, (0, self.k - 2, 0, self.k - 2), 'constant', 0)
            x = self.pool(x)
        else:
            h = x
        if self.pad_c > 0:
            x = F.pad(x, (0, 0, 0, 0, 0, self.pad_c), 'constant', 0)
        return self.act(self.convs(h) + x)


def blaze_stack(spec, act):
    return nn.Sequential(*[BlazeBlock(i, o, 3, s, act) for i, o, s in spec])


class FaceMesh(nn.Module):
    """BlazeFaceLandmark (face_landmark.tflite's graph): 192², 468 landmarks × 3 and the face flag."""

    def __init__(self):
        super().__init__()
        self.backbone1 = nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(3, 16, 3, 2), nn.PReLU(16),
                                       blaze_stack([(16, 16, 1), (16, 16, 1), (16, 32, 2), (32, 32, 1), (32, 32, 1), (32, 64, 2),
                                                    (64, 64, 1), (64, 64, 1), (64, 64, 2), (64, 64, 1), (64, 64, 1), (64, 64, 2),
                                                    (64, 64, 1), (64, 64, 1)], 'prelu'))
        self.backbone2a = nn.Sequential(blaze_stack([(64, 64, 2), (64, 64, 1), (64, 64, 1)], 'prelu'), nn.Conv2d(64, 32, 1), nn.PReLU(32),
                                        BlazeBlock(32, 32, 3, 1, 'prelu'), nn.Conv2d(32, 1404, 3))
        self.backbone2b = nn.Sequential(blaze_stack([(64, 64, 2)], 'prelu'), nn.Conv2d(64, 32, 1), nn.PReLU(32),
                                        BlazeBlock(32, 32, 3, 1, 'prelu'), nn.Conv2d(32, 1, 3))

    def forward(self, x):
        x = self.backbone1(x * 2 - 1)
        landmarks = self.backbone2a(x).view(-1, 1404) / 192
        flag = torch.sigmoid(self.backbone2b(x).view(-1))
        return flag, landmarks.view(-1, 468, 3)


class HandLandmark(nn.Module):
    """BlazeHandLandmark: 256², FPN-like fusion of three scales by bilinear ×2, 21 × 3 landmarks, handedness, presence."""

    def __init__(self):
        super().__init__()
        self.b1 = nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(3, 24, 3, 2), nn.ReLU(True),
                                blaze_stack([(24, 24, 1), (24, 24, 1), (24, 48, 2)], 'relu'))
        self.b2 = blaze_stack([(48, 48, 1), (48, 96, 2)], 'relu')
        self.b3 = blaze_stack([(96, 96, 1), (96, 96, 2)], 'relu')
        self.b4 = blaze_stack([(96, 96, 1), (96, 96, 2)], 'relu')
        self.l3, self.l2 = BlazeBlock(96, 96), nn.Sequential(nn.Conv2d(96, 48, 1), nn.ReLU(True))
        self.b5 = blaze_stack([(48, 48, 1), (48, 96, 2), (96, 96, 1), (96, 96, 2), (96, 96, 1), (96, 96, 2), (96, 96, 2), (96, 96, 2), (96, 96, 1)], 'relu')
        self.hand_flag, self.handed, self.lm = nn.Conv2d(96, 1, 2), nn.Conv2d(96, 1, 2), nn.Conv2d(96, 63, 2)

    def forward(self, x):
        x1 = self.b1(x)
        x2 = self.b2(x1)
        x3 = self.b3(x2)
        x4 = self.b4(x3)
        x3 = self.l3(x3 + F.interpolate(x4, scale_factor=2., mode='bilinear', align_corners=False))
        x2 = x2 + F.interpolate(x3, scale_factor=2., mode='bilinear', align_corners=False)
        x1 = x1 + F.interpolate(self.l2(x2), scale_factor=2., mode='bilinear', align_corners=False)
        y = self.b5(x1)
        return self.hand_flag(y).sigmoid().view(-1), self.handed(y).sigmoid().view(-1), self.lm(y).view(-1, 21, 3) / 256


class SelfieSegmentation(nn.Module):
    """selfie_segmentation (MobileNetV3-like encoder with hard-swish, SE, decoder of bilinear ups with attention gates,
    a final 2× transposed conv, sigmoid)."""

    def __init__(self):
        super().__init__()

        def ir(i, e, o, k, s, se):
            return nn.ModuleDict({'ex': nn.Sequential(nn.Conv2d(i, e, 1), nn.Hardswish()),
                                  'dw': nn.Sequential(nn.Conv2d(e, e, k, s, k // 2, groups=e), nn.Hardswish()),
                                  'se': nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(e, e // 4, 1), nn.ReLU(), nn.Conv2d(e // 4, e, 1), nn.Sigmoid()) if se else nn.Identity(),
                                  'pr': nn.Conv2d(e, o, 1)})
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.Hardswish())
        self.blocks = nn.ModuleList([ir(16, 16, 16, 3, 2, True), ir(16, 72, 24, 3, 2, False), ir(24, 88, 24, 3, 1, False),
                                     ir(24, 96, 32, 5, 2, True), ir(32, 128, 32, 5, 1, True), ir(32, 128, 64, 5, 2, True)])
        self.gates = nn.ModuleList(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c, 1), nn.Sigmoid()) for c in (32, 24, 16))
        self.reduce = nn.ModuleList(nn.Conv2d(i, o, 1) for i, o in ((64, 32), (32, 24), (24, 16)))
        self.out = nn.ConvTranspose2d(16, 1, 2, 2)

    def forward(self, x):
        x = self.stem(x)
        skips = []
        for i, b in enumerate(self.blocks):
            y = b['dw'](b['ex'](x))
            y = b['pr'](y * b['se'](y) if not isinstance(b['se'], nn.Identity) else y)
            x = x + y if y.shape == x.shape else y
            if i in (0, 2, 4):
                skips.append(x)
        for r, g, s in zip(self.reduce, self.gates, reversed(skips)):
            x = F.interpolate(r(x), size=s.shape[-2:], mode='bilinear', align_corners=False)
            x = s * g(x) + x
        return torch.sigmoid(self.out(x))


class PoseLandmark(nn.Module):
    """BlazePose landmark (lite): 256², 39 × 5 landmarks (x, y, z, visibility, presence), 64² heatmap, segmentation."""

    def __init__(self):
        super().__init__()
        self.b1 = nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(3, 24, 3, 2), nn.ReLU(True), blaze_stack([(24, 24, 1), (24, 48, 2)], 'relu'))
        self.b2 = blaze_stack([(48, 48, 1), (48, 96, 2)], 'relu')
        self.b3 = blaze_stack([(96, 96, 1), (96, 128, 2)], 'relu')
        self.up = nn.ModuleList([nn.Conv2d(128, 96, 1), nn.Conv2d(96, 48, 1)])
        self.heat, self.seg = nn.Conv2d(48, 39, 3, padding=1), nn.Conv2d(48, 1, 3, padding=1)
        self.reg = nn.Sequential(blaze_stack([(48, 96, 2), (96, 128, 2), (128, 128, 2), (128, 128, 2), (128, 128, 2)], 'relu'), nn.Conv2d(128, 195, 2))
        self.world = nn.Sequential(nn.Conv2d(128, 117, 2))

    def forward(self, x):
        x1 = self.b1(x)
        x2 = self.b2(x1)
        x3 = self.b3(x2)
        y = self.up[0](F.interpolate(x3, scale_factor=2., mode='bilinear', align_corners=False)) + x2
        y = self.up[1](F.interpolate(y, scale_factor=2., mode='bilinear', align_corners=False)) + x1
        lm = self.reg(y)
        return lm.view(-1, 195), self.seg(y), self.heat(y).sigmoid(), self.world(F.avg_pool2d(x3, 8)).view(-1, 117)


# --- DLRM (facebookresearch/dlrm dlrm_s_pytorch.py: EmbeddingBag(mode='sum') per table, interact_features 'dot') ---
class DLRM(nn.Module):
    def __init__(self, rows=(200000, 100000, 50000, 1000), d=16, dense=13):
        super().__init__()
        self.emb = nn.ModuleList(nn.EmbeddingBag(n, d, mode='sum') for n in rows)
        for e in self.emb:
            nn.init.uniform_(e.weight, -math.sqrt(1 / e.num_embeddings) * 30, math.sqrt(1 / e.num_embeddings) * 30)
        self.bot = nn.Sequential(nn.Linear(dense, 64), nn.ReLU(), nn.Linear(64, d), nn.ReLU())
        n = len(rows) + 1
        self.li, self.lj = zip(*[(i, j) for i in range(n) for j in range(i)])
        self.top = nn.Sequential(nn.Linear(d + len(self.li), 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())

    def forward(self, dense_x, offsets, indices):
        x = self.bot(dense_x)
        ly = [e(indices[k], offsets[k]) for k, e in enumerate(self.emb)]
        b, d = x.shape
        T = torch.cat([x] + ly, dim=1).view((b, -1, d))
        Z = torch.bmm(T, torch.transpose(T, 1, 2))
        Zflat = Z[:, torch.tensor(self.li), torch.tensor(self.lj)]
        return self.top(torch.cat([x, Zflat], dim=1))


class TwoTower(nn.Module):
    """Two-tower retrieval: user id + history (EmbeddingBag mean of item ids) + features; item id + category; L2-
    normalised towers, dot-product score against a batch of candidates."""

    def __init__(self, users=50000, items=100000, cats=500, d=32):
        super().__init__()
        self.user, self.item, self.cat = nn.Embedding(users, d), nn.Embedding(items, d), nn.Embedding(cats, d)
        self.hist = nn.EmbeddingBag(items, d, mode='mean')
        self.ut = nn.Sequential(nn.Linear(2 * d + 8, 64), nn.ReLU(), nn.Linear(64, d))
        self.it = nn.Sequential(nn.Linear(2 * d, 64), nn.ReLU(), nn.Linear(64, d))

    def forward(self, user_id, history, user_feats, item_ids, item_cats):
        u = self.ut(torch.cat([self.user(user_id), self.hist(history), user_feats], -1))
        i = self.it(torch.cat([self.item(item_ids), self.cat(item_cats)], -1))
        return F.normalize(u, dim=-1) @ F.normalize(i, dim=-1).t()


# --- graph networks written as torch_geometric's message passing does, over an edge_index input ---
class GCN(nn.Module):
    def __init__(self, f=16, h=32, c=7, layers=2):
        super().__init__()
        self.lins = nn.ModuleList(nn.Linear(f if i == 0 else h, h if i < layers - 1 else c, bias=False) for i in range(layers))
        self.bias = nn.ParameterList(nn.Parameter(0.1 * torch.randn(h if i < layers - 1 else c)) for i in range(layers))

    def forward(self, x, edge_index):
        n = x.shape[0]
        loop = torch.arange(n).unsqueeze(0).repeat(2, 1)
        ei = torch.cat([edge_index, loop], 1)
        row, col = ei[0], ei[1]
        deg = torch.zeros(n).index_add_(0, col, torch.ones(col.shape[0]))
        dis = deg.pow(-0.5)
        norm = dis[row] * dis[col]
        for i, lin in enumerate(self.lins):
            h = lin(x)
            x = torch.zeros(n, h.shape[1]).index_add_(0, col, h[row] * norm.unsqueeze(-1)) + self.bias[i]
            if i < len(self.lins) - 1:
                x = F.relu(x)
        return F.log_softmax(x, dim=-1)


class GraphSAGE(nn.Module):
    def __init__(self, f=16, h=32, c=7, layers=2):
        super().__init__()
        self.l = nn.ModuleList(nn.Linear(f if i == 0 else h, h if i < layers - 1 else c) for i in range(layers))
        self.r = nn.ModuleList(nn.Linear(f if i == 0 else h, h if i < layers - 1 else c, bias=False) for i in range(layers))

    def forward(self, x, edge_index):
        src, dst = edge_index[0], edge_index[1]
        n = x.shape[0]
        cnt = torch.zeros(n).scatter_add(0, dst, torch.ones_like(dst, dtype=torch.float)).clamp(min=1).unsqueeze(-1)
        for i in range(len(self.l)):
            msg = x[src]
            agg = torch.zeros(n, x.shape[1]).index_add(0, dst, msg) / cnt
            x = self.l[i](agg) + self.r[i](x)
            if i < len(self.l) - 1:
                x = F.relu(F.normalize(x, p=2., dim=-1))
        return x


# --- time series ---
class PatchTST(nn.Module):
    """PatchTST (yuqinie98/PatchTST): RevIN, replication pad + unfold into patches, channel-independent transformer
    with BatchNorm (Transpose-BatchNorm1d-Transpose), flatten head, de-normalisation."""

    def __init__(self, c=7, seq=336, pred=96, patch=16, stride=8, d=64, heads=4, layers=2, unfold=True):
        super().__init__()
        self.patch, self.stride, self.unfold = patch, stride, unfold
        self.n = (seq - patch) // stride + 2
        self.affine_w, self.affine_b = nn.Parameter(torch.ones(c)), nn.Parameter(torch.zeros(c))
        self.W_P, self.W_pos = nn.Linear(patch, d), nn.Parameter(0.02 * torch.randn(self.n, d))
        self.layers = nn.ModuleList(nn.ModuleDict({'attn': nn.MultiheadAttention(d, heads, batch_first=True), 'bn1': nn.BatchNorm1d(d),
                                                   'ff': nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)), 'bn2': nn.BatchNorm1d(d)})
                                    for _ in range(layers))
        self.head = nn.Linear(d * self.n, pred)

    def forward(self, x):
        mean = x.mean(1, keepdim=True).detach()
        std = torch.sqrt(torch.var(x, dim=1, keepdim=True, unbiased=False) + 1e-5).detach()
        x = (x - mean) / std * self.affine_w + self.affine_b
        z = x.permute(0, 2, 1)
        z = torch.cat([z, z[:, :, -1:].repeat(1, 1, self.stride)], -1)
        if self.unfold:  # torch 1.13 exports unfold with its last two axes swapped (onnxruntime refuses the MatMul after)
            z = z.unfold(dimension=-1, size=self.patch, step=self.stride)
        else:
            z = torch.stack([z[..., i * self.stride:i * self.stride + self.patch] for i in range(self.n)], 2)
        b, c, n, p = z.shape
        u = self.W_P(z).reshape(b * c, n, -1) + self.W_pos
        for l in self.layers:
            u = l['bn1']((u + l['attn'](u, u, u, need_weights=False)[0]).transpose(1, 2)).transpose(1, 2)
            u = l['bn2']((u + l['ff'](u)).transpose(1, 2)).transpose(1, 2)
        y = self.head(u.reshape(b, c, -1)).permute(0, 2, 1)
        return (y - self.affine_b) / (self.affine_w + 1e-10) * std + mean


class NBeats(nn.Module):
    def __init__(self, back=96, fore=24, h=128, degree=3, harmonics=8):
        super().__init__()

        def fc():
            return nn.Sequential(nn.Linear(back, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU())
        self.generic = nn.ModuleList(nn.ModuleDict({'fc': fc(), 'theta': nn.Linear(h, back + fore)}) for _ in range(2))
        self.trend, self.trend_theta = fc(), nn.Linear(h, 2 * (degree + 1))
        self.season, self.season_theta = fc(), nn.Linear(h, 2 * 2 * harmonics)
        tb, tf = torch.arange(back) / back, torch.arange(back, back + fore) / back
        self.register_buffer('tb', torch.stack([tb ** i for i in range(degree + 1)]))
        self.register_buffer('tf', torch.stack([tf ** i for i in range(degree + 1)]))
        fb = [f(2 * math.pi * k * tb) for f in (torch.cos, torch.sin) for k in range(harmonics)]
        ff = [f(2 * math.pi * k * tf) for f in (torch.cos, torch.sin) for k in range(harmonics)]
        self.register_buffer('sb', torch.stack(fb))
        self.register_buffer('sf', torch.stack(ff))
        self.back, self.p, self.s = back, degree + 1, 2 * harmonics

    def forward(self, x):
        res, fore = x, 0
        for g in self.generic:
            th = g['theta'](g['fc'](res))
            res, fore = res - th[:, :self.back], fore + th[:, self.back:]
        th = self.trend_theta(self.trend(res))
        res, fore = res - th[:, :self.p] @ self.tb, fore + th[:, self.p:] @ self.tf
        th = self.season_theta(self.season(res))
        return fore + th[:, self.s:] @ self.sf, res - th[:, :self.s] @ self.sb


class TimesNetStyle(nn.Module):
    """TimesNet TimesBlock with the periods fixed (its FFT top-k does not export): per period pad, fold to 2-D,
    Inception (mean of 1×1 … 5×5 convs), GELU, Inception, unfold, softmax-weighted sum, residual."""

    def __init__(self, c=7, seq=96, d=32, periods=(24, 12, 8), blocks=2):
        super().__init__()
        self.seq, self.periods = seq, periods
        self.emb = nn.Conv1d(c, d, 3, padding=1, padding_mode='circular')
        self.blocks = nn.ModuleList(nn.ModuleList([nn.ModuleList(nn.Conv2d(d, 2 * d, 2 * k + 1, padding=k) for k in range(3)),
                                                   nn.ModuleList(nn.Conv2d(2 * d, d, 2 * k + 1, padding=k) for k in range(3)),
                                                   nn.Linear(d, len(periods))]) for _ in range(blocks))
        self.ln, self.proj = nn.LayerNorm(d), nn.Linear(d, c)

    def forward(self, x):
        enc = self.emb(x.permute(0, 2, 1)).permute(0, 2, 1)
        for inc1, inc2, wlin in self.blocks:
            b, t, n = enc.shape
            w = F.softmax(wlin(enc.abs().mean(1)), -1)
            res = []
            for p in self.periods:
                L = math.ceil(t / p) * p
                y = torch.cat([enc, torch.zeros(b, L - t, n)], 1) if L != t else enc
                y = y.reshape(b, L // p, p, n).permute(0, 3, 1, 2)
                y = torch.stack([k(y) for k in inc1], -1).mean(-1)
                y = torch.stack([k(F.gelu(y)) for k in inc2], -1).mean(-1)
                res.append(y.permute(0, 2, 3, 1).reshape(b, -1, n)[:, :t])
            enc = self.ln((torch.stack(res, -1) * w.unsqueeze(1).unsqueeze(1)).sum(-1) + enc)
        return self.proj(enc)


class LstmAutoencoder(nn.Module):
    def __init__(self, f=8, h=32, z=16, seq=64):
        super().__init__()
        self.seq = seq
        self.enc1, self.enc2 = nn.LSTM(f, h, batch_first=True), nn.LSTM(h, z, batch_first=True)
        self.dec1, self.dec2 = nn.LSTM(z, z, batch_first=True), nn.LSTM(z, h, batch_first=True)
        self.out = nn.Linear(h, f)

    def forward(self, x):
        y, _ = self.enc1(x)
        _, (hn, _) = self.enc2(y)
        z = hn[-1].unsqueeze(1).repeat(1, self.seq, 1)
        y, _ = self.dec1(z)
        y, _ = self.dec2(y)
        rec = self.out(y)
        return rec, ((rec - x) ** 2).mean(dim=(1, 2))
