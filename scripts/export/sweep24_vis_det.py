"""Twenty-fourth sweep (docs/model-sweep.md): detection heads as their public code writes them — YOLOv13
(iMoonLab/yolov13: HyperACE, adaptive hyperedges generated from learnable prototypes plus a context offset, vertex ->
hyperedge participation softmaxed over the vertices, hypergraph convolution A·(Aᵀ·X), FullPAD gated tunnels back to
P3 / P4 / P5, DS-C3k depthwise-separable blocks, a DFL box head), Sparse4D (HorizonRobotics/Sparse4D: 3-D anchors,
fixed + learnable keypoints rotated by yaw, projected into each camera by lidar2img, sampled by grid_sample on two
levels, softmax weights over cameras x levels x points, anchors refined per decoder layer), MapTR (hustvl/MapTR:
hierarchical instance + point queries, deformable attention on the BEV map, point positions refined through
inverse_sigmoid, the class from the instance's mean point query), Pix2Seq (google-research/pix2seq: objects as
token sequences [ymin, xmin, ymax, xmax, class], greedy decoding unrolled with a key / value cache and the vocabulary
constrained per token position) and TriDet (dingfengshi/TriDet: SGP layers — instant-level gate by the clip mean,
window-level branch of two depthwise kernels — a 1-D pyramid, the Trident head: relative boundary distributions over
neighbouring bins plus centre offsets). Plain torch.nn, small widths, random weights. Imported by sweep24_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(241)


def cbs(i, o, k=3, s=1, groups=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(o), nn.SiLU())


def dsconv(i, o, k=3, s=1):
    """YOLOv13's DSConv: depthwise k x k then pointwise, BN + SiLU."""
    return nn.Sequential(nn.Conv2d(i, i, k, s, k // 2, groups=i, bias=False), nn.Conv2d(i, o, 1, bias=False),
                         nn.BatchNorm2d(o), nn.SiLU())


class DSC3k(nn.Module):
    def __init__(self, c, n=1):
        super().__init__()
        h = c // 2
        self.a, self.b = cbs(c, h, 1), cbs(c, h, 1)
        self.m = nn.Sequential(*[nn.Sequential(dsconv(h, h, 7), dsconv(h, h, 7)) for _ in range(n)])
        self.o = cbs(2 * h, c, 1)

    def forward(self, x):
        return self.o(torch.cat([self.m(self.a(x)) + self.a(x), self.b(x)], 1))


class AdaHyperedgeGen(nn.Module):
    def __init__(self, c, edges=8, heads=4):
        super().__init__()
        self.heads, self.edges = heads, edges
        self.proto = nn.Parameter(torch.randn(edges, c, generator=g) * 0.3)
        self.ctx = nn.Linear(2 * c, edges * c)
        self.pre = nn.Linear(c, c)

    def forward(self, x):  # x [B, N, C]
        b, n, c = x.shape
        ctx = torch.cat([x.mean(1), x.amax(1)], -1)
        protos = self.proto.unsqueeze(0) + self.ctx(ctx).view(b, self.edges, c)
        d = c // self.heads
        xh = self.pre(x).view(b, n, self.heads, d).transpose(1, 2)
        ph = protos.view(b, self.edges, self.heads, d).transpose(1, 2)
        logits = (xh @ ph.transpose(-1, -2)).mean(1) / math.sqrt(d)  # [B, N, E]
        return logits.softmax(1)


class HyperACE(nn.Module):
    """Multi-scale fusion -> hypergraph convolution over every pixel -> the enhanced map."""
    def __init__(self, c, edges=8):
        super().__init__()
        self.fuse = cbs(3 * c, c, 1)
        self.gen = AdaHyperedgeGen(c, edges)
        self.edge = nn.Sequential(nn.Linear(c, c), nn.GELU())
        self.node = nn.Sequential(nn.Linear(c, c), nn.GELU())
        self.low = DSC3k(c)
        self.out = cbs(2 * c, c, 1)

    def forward(self, p3, p4, p5):
        x = self.fuse(torch.cat([F.avg_pool2d(p3, 2), p4, F.interpolate(p5, scale_factor=2.0, mode='nearest')], 1))
        b, c, h, w = x.shape
        t = x.flatten(2).transpose(1, 2)
        a = self.gen(t)
        he = self.edge(a.transpose(1, 2) @ t)
        t = t + self.node(a @ he)
        hi = t.transpose(1, 2).reshape(b, c, h, w)
        return self.out(torch.cat([hi, self.low(x)], 1))


class YOLOv13(nn.Module):
    def __init__(self, c=(16, 32, 48, 64), nc=8, reg=8):
        super().__init__()
        self.reg, self.nc = reg, nc
        self.stem = nn.Sequential(cbs(3, c[0], 3, 2), cbs(c[0], c[1], 3, 2), DSC3k(c[1]))
        self.d3 = nn.Sequential(cbs(c[1], c[2], 3, 2), DSC3k(c[2]))
        self.d4 = nn.Sequential(dsconv(c[2], c[2], 3, 2), DSC3k(c[2]))
        self.d5 = nn.Sequential(dsconv(c[2], c[2], 3, 2), DSC3k(c[2]))
        self.ace = HyperACE(c[2])
        self.gates = nn.Parameter(torch.tensor([0.3, 0.5, 0.7]))
        self.up = nn.ModuleList([cbs(c[2], c[2], 1) for _ in range(3)])
        self.box = nn.ModuleList([nn.Sequential(cbs(c[2], c[3]), nn.Conv2d(c[3], 4 * reg, 1)) for _ in range(3)])
        self.cls = nn.ModuleList([nn.Sequential(dsconv(c[2], c[3]), nn.Conv2d(c[3], nc, 1)) for _ in range(3)])

    def forward(self, x):
        p3 = self.d3(self.stem(x))
        p4 = self.d4(p3)
        p5 = self.d5(p4)
        e = self.ace(p3, p4, p5)
        # FullPAD: the enhanced map tunnelled to each level through a learnable gate
        feats = [p3 + self.gates[0] * self.up[0](F.interpolate(e, scale_factor=2.0, mode='nearest')),
                 p4 + self.gates[1] * self.up[1](e), p5 + self.gates[2] * self.up[2](F.avg_pool2d(e, 2))]
        boxes, scores = [], []
        proj = torch.arange(self.reg, dtype=torch.float32)
        for i, f in enumerate(feats):
            b, _, h, w = f.shape
            s = 8.0 * 2 ** i
            d = self.box[i](f).view(b, 4, self.reg, h * w).softmax(2)
            d = (d * proj.view(1, 1, -1, 1)).sum(2)  # DFL
            ys, xs = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing='ij')
            anc = torch.stack([xs.flatten(), ys.flatten()], 0).unsqueeze(0)
            boxes.append(torch.cat([anc - d[:, :2], anc + d[:, 2:]], 1) * s)
            scores.append(self.cls[i](f).flatten(2).sigmoid())
        return torch.cat(boxes, 2).transpose(1, 2), torch.cat(scores, 2).transpose(1, 2)


# ----------------------------------------------------------------------------------------------------------- Sparse4D
def small_fpn(c=(16, 32, 48), f=32):
    return nn.ModuleDict({'stem': nn.Sequential(cbs(3, c[0], 3, 2), cbs(c[0], c[1], 3, 2), cbs(c[1], c[1])),
                          's1': nn.Sequential(cbs(c[1], c[2], 3, 2), cbs(c[2], c[2])),
                          'l0': nn.Conv2d(c[1], f, 1), 'l1': nn.Conv2d(c[2], f, 1)})


class Sparse4D(nn.Module):
    """2 cameras x 2 levels, 48 anchors, 7 fixed + 6 learnable keypoints, 2 decoder layers."""
    def __init__(self, f=32, anchors=48, learn=6, layers=2, nc=5, groups=4):
        super().__init__()
        self.f, self.learn, self.groups, self.layers = f, learn, groups, layers
        self.fpn = small_fpn(f=f)
        self.anchor = nn.Parameter(torch.cat([torch.rand(anchors, 3, generator=g) * torch.tensor([40.0, 40.0, 2.0])
                                              - torch.tensor([20.0, 0.0, 1.0]), torch.rand(anchors, 3, generator=g) * 0.5 + 0.5,
                                              torch.rand(anchors, 2, generator=g) * 2 - 1, torch.zeros(anchors, 3)], 1))
        self.inst = nn.Parameter(torch.randn(anchors, f, generator=g) * 0.3)
        fixed = [[0, 0, 0], [0.45, 0, 0], [-0.45, 0, 0], [0, 0.45, 0], [0, -0.45, 0], [0, 0, 0.45], [0, 0, -0.45]]
        self.register_buffer('fixed', torch.tensor(fixed, dtype=torch.float32))
        self.nk = len(fixed) + learn
        self.aemb = nn.Sequential(nn.Linear(11, f), nn.ReLU(), nn.Linear(f, f))
        self.attn = nn.ModuleList([nn.MultiheadAttention(f, 4, batch_first=True) for _ in range(layers)])
        self.kp = nn.ModuleList([nn.Linear(f, learn * 3) for _ in range(layers)])
        self.wts = nn.ModuleList([nn.Linear(f, groups * 2 * 2 * self.nk) for _ in range(layers)])
        self.outp = nn.ModuleList([nn.Linear(f, f) for _ in range(layers)])
        self.ffn = nn.ModuleList([nn.Sequential(nn.Linear(f, 2 * f), nn.ReLU(), nn.Linear(2 * f, f)) for _ in range(layers)])
        self.norm = nn.ModuleList([nn.LayerNorm(f) for _ in range(3 * layers)])
        self.refine = nn.ModuleList([nn.Linear(f, 11) for _ in range(layers)])
        self.cls = nn.Linear(f, nc)

    def keypoints(self, anchor, inst, i):
        a = anchor.shape[0]
        size = anchor[:, 3:6].exp()
        pts = torch.cat([self.fixed.unsqueeze(0).expand(a, -1, -1),
                         self.kp[i](inst).view(a, self.learn, 3).sigmoid() - 0.5], 1) * size.unsqueeze(1)
        s, c = anchor[:, 6:7], anchor[:, 7:8]
        x, y = pts[..., 0] * c - pts[..., 1] * s, pts[..., 0] * s + pts[..., 1] * c
        return torch.stack([x, y, pts[..., 2]], -1) + anchor[:, None, :3]  # [A, K, 3]

    def forward(self, imgs, lidar2img):  # imgs [1, 2, 3, H, W], lidar2img [1, 2, 4, 4]
        n, h, w = imgs.shape[1], imgs.shape[3], imgs.shape[4]
        x = self.fpn['stem'](imgs.flatten(0, 1))
        y = self.fpn['s1'](x)
        levels = [self.fpn['l0'](x), self.fpn['l1'](y)]  # [2, f, h, w] each
        anchor, inst = self.anchor, self.inst
        a, f, gs = anchor.shape[0], self.f, self.groups
        for i in range(self.layers):
            emb = self.aemb(anchor)
            q = (inst + emb).unsqueeze(0)
            inst = self.norm[3 * i](inst + self.attn[i](q, q, inst.unsqueeze(0), need_weights=False)[0][0])
            kp = self.keypoints(anchor, inst, i)
            hom = torch.cat([kp, torch.ones_like(kp[..., :1])], -1).view(1, a * self.nk, 4)
            cam = hom @ lidar2img[0].transpose(1, 2)  # [n, A·K, 4]
            xy = cam[..., :2] / cam[..., 2:3].clamp(min=1e-5)
            grid = (xy / torch.tensor([w, h], dtype=torch.float32) * 2 - 1).view(n, a, self.nk, 2)
            wt = self.wts[i](inst + emb).view(a, gs, n * 2 * self.nk).softmax(-1).view(a, gs, n, 2, self.nk)
            agg = 0
            for l, feat in enumerate(levels):
                s = F.grid_sample(feat, grid, align_corners=False)  # [n, f, A, K]
                s = s.view(n, gs, f // gs, a, self.nk)
                agg = agg + torch.einsum('ngcak,agnk->agc', s, wt[:, :, :, l])
            inst = self.norm[3 * i + 1](inst + self.outp[i](agg.reshape(a, f)))
            inst = self.norm[3 * i + 2](inst + self.ffn[i](inst))
            anchor = anchor + self.refine[i](inst)
        return self.cls(inst).sigmoid().unsqueeze(0), anchor.unsqueeze(0)


# -------------------------------------------------------------------------------------------------------------- MapTR
class DeformBEV(nn.Module):
    """Single-scale deformable attention on the BEV map (MSDeformAttn with one level)."""
    def __init__(self, f, heads=4, points=4):
        super().__init__()
        self.h, self.p = heads, points
        self.off = nn.Linear(f, heads * points * 2)
        self.aw = nn.Linear(f, heads * points)
        self.val = nn.Linear(f, f)
        self.out = nn.Linear(f, f)

    def forward(self, q, ref, bev):  # q [Q, f], ref [Q, 2] in [0, 1], bev [1, f, H, W]
        nq, f = q.shape
        hh, ww = bev.shape[2], bev.shape[3]
        v = self.val(bev.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(self.h, f // self.h, hh, ww)
        off = self.off(q).view(nq, self.h, self.p, 2) / torch.tensor([ww, hh], dtype=torch.float32)
        loc = ref[:, None, None, :] + off
        grid = (2 * loc - 1).permute(1, 0, 2, 3)  # [h, Q, P, 2]
        s = F.grid_sample(v, grid, align_corners=False)  # [h, d, Q, P]
        aw = self.aw(q).view(nq, self.h, self.p).softmax(-1).permute(1, 0, 2).unsqueeze(1)
        return self.out((s * aw).sum(-1).permute(2, 0, 1).reshape(nq, f))


class MapTR(nn.Module):
    """12 map instances x 10 points, 2 decoder layers, 3 classes (divider, crossing, boundary)."""
    def __init__(self, f=64, ni=12, npt=10, layers=2, nc=3):
        super().__init__()
        self.ni, self.np, self.layers = ni, npt, layers
        self.bev = nn.Sequential(nn.Conv2d(f, f, 3, 1, 1), nn.ReLU())
        self.inst = nn.Embedding(ni, 2 * f)
        self.pts = nn.Embedding(npt, 2 * f)
        self.ref = nn.Linear(f, 2)
        self.sa = nn.ModuleList([nn.MultiheadAttention(f, 4, batch_first=True) for _ in range(layers)])
        self.ca = nn.ModuleList([DeformBEV(f) for _ in range(layers)])
        self.ffn = nn.ModuleList([nn.Sequential(nn.Linear(f, 2 * f), nn.ReLU(), nn.Linear(2 * f, f)) for _ in range(layers)])
        self.norm = nn.ModuleList([nn.LayerNorm(f) for _ in range(3 * layers)])
        self.reg = nn.ModuleList([nn.Sequential(nn.Linear(f, f), nn.ReLU(), nn.Linear(f, 2)) for _ in range(layers)])
        self.cls = nn.Sequential(nn.Linear(f, f), nn.LayerNorm(f), nn.ReLU(), nn.Linear(f, nc))
        self.register_buffer('pc', torch.tensor([-15.0, -30.0, 30.0, 60.0]))

    def forward(self, bev):
        bev = self.bev(bev)
        f = bev.shape[1]
        hq = (self.inst.weight.unsqueeze(1) + self.pts.weight.unsqueeze(0)).flatten(0, 1)  # hierarchical queries
        pos, q = hq[:, :f], hq[:, f:]
        ref = self.ref(pos).sigmoid()
        for i in range(self.layers):
            qq = (q + pos).unsqueeze(0)
            q = self.norm[3 * i](q + self.sa[i](qq, qq, q.unsqueeze(0), need_weights=False)[0][0])
            q = self.norm[3 * i + 1](q + self.ca[i](q + pos, ref, bev))
            q = self.norm[3 * i + 2](q + self.ffn[i](q))
            r = ref.clamp(1e-5, 1 - 1e-5)
            ref = (torch.log(r / (1 - r)) + self.reg[i](q)).sigmoid()  # inverse_sigmoid refinement
        cls = self.cls(q.view(self.ni, self.np, f).mean(1))
        pts = ref.view(self.ni, self.np, 2) * self.pc[2:] + self.pc[:2]
        return cls.unsqueeze(0), pts.unsqueeze(0)


# ------------------------------------------------------------------------------------------------------------ Pix2Seq
class Pix2Seq(nn.Module):
    """Patch encoder (64² / 8 -> 64 tokens), 2-layer decoder, 2 objects x 5 tokens decoded greedily with a cache."""
    def __init__(self, d=64, bins=100, nc=10, layers=2, objects=2):
        super().__init__()
        self.d, self.bins, self.nc, self.layers, self.steps = d, bins, nc, layers, 5 * objects
        self.vocab = bins + nc + 2  # coordinate bins, classes, BOS, EOS
        self.patch = nn.Conv2d(3, d, 8, 8)
        self.pe = nn.Parameter(torch.randn(1, 64, d, generator=g) * 0.1)
        enc = nn.TransformerEncoderLayer(d, 4, 2 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(enc, 2, enable_nested_tensor=False)
        self.tok = nn.Embedding(self.vocab, d)
        self.pos = nn.Embedding(self.steps + 1, d)
        self.qkv = nn.ModuleList([nn.Linear(d, 3 * d) for _ in range(layers)])
        self.so = nn.ModuleList([nn.Linear(d, d) for _ in range(layers)])
        self.cq = nn.ModuleList([nn.Linear(d, d) for _ in range(layers)])
        self.ckv = nn.ModuleList([nn.Linear(d, 2 * d) for _ in range(layers)])
        self.co = nn.ModuleList([nn.Linear(d, d) for _ in range(layers)])
        self.ffn = nn.ModuleList([nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)) for _ in range(layers)])
        self.ln = nn.ModuleList([nn.LayerNorm(d) for _ in range(3 * layers + 1)])
        masks = torch.zeros(5, self.vocab)
        masks[:4, bins:] = -1e9  # coordinate positions: only bins
        masks[4, :bins] = -1e9  # class position: only classes
        masks[4, bins + nc:] = -1e9
        self.register_buffer('masks', masks)

    @staticmethod
    def heads(x, h=4):
        return x.view(x.shape[0], -1, h, x.shape[-1] // h).transpose(1, 2)

    def forward(self, image):
        mem = self.enc(self.patch(image).flatten(2).transpose(1, 2) + self.pe)
        cross = [[self.heads(t) for t in self.ckv[i](mem).chunk(2, -1)] for i in range(self.layers)]
        cache = [None] * self.layers
        token = torch.full((1, 1), self.bins + self.nc, dtype=torch.long)  # BOS
        tokens, logits = [], []
        for t in range(self.steps):
            x = self.tok(token) + self.pos.weight[t]
            for i in range(self.layers):
                q, k, v = [self.heads(z) for z in self.qkv[i](self.ln[3 * i](x)).chunk(3, -1)]
                if cache[i] is not None:
                    k, v = torch.cat([cache[i][0], k], 2), torch.cat([cache[i][1], v], 2)
                cache[i] = (k, v)
                a = ((q @ k.transpose(-1, -2)) / 4.0).softmax(-1) @ v
                x = x + self.so[i](a.transpose(1, 2).reshape(1, 1, self.d))
                q = self.heads(self.cq[i](self.ln[3 * i + 1](x)))
                a = ((q @ cross[i][0].transpose(-1, -2)) / 4.0).softmax(-1) @ cross[i][1]
                x = x + self.co[i](a.transpose(1, 2).reshape(1, 1, self.d))
                x = x + self.ffn[i](self.ln[3 * i + 2](x))
            lg = self.ln[-1](x) @ self.tok.weight.t() + self.masks[t % 5]
            token = lg.argmax(-1)
            tokens.append(token)
            logits.append(lg)
        seq = torch.cat(tokens, 1).view(1, -1, 5)
        boxes = seq[..., :4].float() / (self.bins - 1)
        return boxes, seq[..., 4] - self.bins, torch.cat(logits, 1)


# ------------------------------------------------------------------------------------------------------------- TriDet
class SGP(nn.Module):
    def __init__(self, c, k=3, kw=11):
        super().__init__()
        self.ln = nn.GroupNorm(16, c)
        self.fc, self.gfc = nn.Conv1d(c, c, 1), nn.Conv1d(c, c, 1)
        self.psi = nn.Conv1d(c, c, k, 1, k // 2, groups=c)
        self.convw = nn.Conv1d(c, c, k, 1, k // 2, groups=c)
        self.convkw = nn.Conv1d(c, c, kw, 1, kw // 2, groups=c)
        self.ffn = nn.Sequential(nn.Conv1d(c, 4 * c, 1), nn.GELU(), nn.Conv1d(4 * c, c, 1))
        self.gn = nn.GroupNorm(16, c)

    def forward(self, x):
        o = self.ln(x)
        phi = torch.relu(self.gfc(o.mean(-1, keepdim=True)))
        o = self.fc(o) * phi + torch.relu(self.psi(o)) * (self.convw(o) + self.convkw(o)) + o
        x = x + o
        return x + self.ffn(self.gn(x))


class TriDet(nn.Module):
    """Clip features [1, 256, 192] -> 4 levels; 10 action classes; Trident head with 8 bins."""
    def __init__(self, cin=256, c=64, levels=4, nc=10, bins=8):
        super().__init__()
        self.bins, self.levels = bins, levels
        self.embd = nn.Sequential(nn.Conv1d(cin, c, 3, 1, 1), nn.ReLU(), nn.Conv1d(c, c, 3, 1, 1), nn.ReLU())
        self.sgp = nn.ModuleList([SGP(c) for _ in range(levels)])
        self.cls = nn.Sequential(nn.Conv1d(c, c, 3, 1, 1), nn.ReLU(), nn.Conv1d(c, nc, 3, 1, 1))
        self.start = nn.Sequential(nn.Conv1d(c, c, 3, 1, 1), nn.ReLU(), nn.Conv1d(c, 1, 3, 1, 1))
        self.end = nn.Sequential(nn.Conv1d(c, c, 3, 1, 1), nn.ReLU(), nn.Conv1d(c, 1, 3, 1, 1))
        self.off = nn.Sequential(nn.Conv1d(c, c, 3, 1, 1), nn.ReLU(), nn.Conv1d(c, 2 * (bins + 1), 3, 1, 1))
        self.scale = nn.Parameter(torch.ones(levels))

    def neighbours(self, b, left):
        """b [1, 1, T] -> [1, T, bins + 1]: b[t - i] (left) or b[t + i] (right) for i = 0..bins, padded."""
        t = b.shape[-1]
        p = F.pad(b, (self.bins, 0) if left else (0, self.bins))
        cols = [p[..., self.bins - i: self.bins - i + t] if left else p[..., i: i + t] for i in range(self.bins + 1)]
        return torch.cat(cols, 1).transpose(1, 2)

    def forward(self, feats):
        x = self.embd(feats)
        scores, segs = [], []
        for l in range(self.levels):
            if l:
                x = F.max_pool1d(x, 3, 2, 1)
            x = self.sgp[l](x)
            t, stride = x.shape[-1], 2 ** l
            scores.append(self.cls(x).sigmoid().transpose(1, 2))
            off = self.off(x).view(1, 2, self.bins + 1, t)
            pl = (self.neighbours(self.start(x), True) + off[:, 0].transpose(1, 2)).softmax(-1)
            pr = (self.neighbours(self.end(x), False) + off[:, 1].transpose(1, 2)).softmax(-1)
            idx = torch.arange(self.bins + 1, dtype=torch.float32)
            dl, dr = (pl * idx).sum(-1) * self.scale[l], (pr * idx).sum(-1) * self.scale[l]
            centre = torch.arange(t, dtype=torch.float32) + 0.5
            segs.append(torch.stack([centre - dl, centre + dr], -1) * stride)
        return torch.cat(scores, 1), torch.cat(segs, 1)
