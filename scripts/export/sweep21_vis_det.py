"""Twenty-first sweep (docs/model-sweep.md): detection / pose / tracking / re-id / OCR heads as their public code writes
them — HigherHRNet (HRNet/HigherHRNet-Human-Pose-Estimation: deconv module on [features, heatmaps], heatmaps of two
resolutions averaged, associative-embedding tags), YOLO-Pose (TexasInstruments/edgeai-yolov5: anchor heads with 17
keypoints decoded as (2k - 0.5 + grid) x stride, sigmoid confidences), CenterTrack (xingyizhou/CenterTrack: image,
previous image and previous heatmap summed into the stem, heatmap NMS by 3x3 max-pool, tracking offsets), FairMOT
(ifzhang/FairMOT: heatmap top-k, re-id embeddings L2-normalized and gathered at the detections), MGN (seathiefwang/MGN:
global and 2 / 3 horizontal-stripe max pools over three branches, 1x1 reductions concatenated), PSENet (whai362/PSENet:
FPN, 7 shrunk kernels masked by the text region), TextSnake (princewang1994/TextSnake.pytorch: text region / centre line
softmaxes, sin / cos renormalized, radius), MASTER (wenwenyu/MASTER-pytorch: multi-aspect global context attention,
greedy transformer decoding) and MonoFlex (zhangyp15/MonoFlex: depth from keypoint heights of three groups and a direct
depth, merged by inverse uncertainty). Plain torch.nn, small widths, random weights. Imported by sweep21_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep20_vis_bb import cbr


class Basic(nn.Module):
    def __init__(self, c, cout=None, s=1):
        super().__init__()
        cout = cout or c
        self.a, self.b = cbr(c, cout, 3, s), nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.sc = None if (s == 1 and cout == c) else nn.Sequential(nn.Conv2d(c, cout, 1, s, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.b(self.a(x)) + (x if self.sc is None else self.sc(x)))


def trunk(w, n=4):
    """Stride-2 stages of basic blocks: features at strides 4, 8, 16, 32 (widths w, 2w, 4w, 8w)."""
    stem = nn.Sequential(cbr(3, w, 3, 2), cbr(w, w, 3, 2))
    stages = nn.ModuleList([nn.Sequential(Basic(w))] + [nn.Sequential(Basic(w << i >> 1, w << i, 2), Basic(w << i)) for i in range(1, n)])
    return stem, stages


def feats(stem, stages, x):
    x, out = stem(x), []
    for s in stages:
        x = s(x)
        out.append(x)
    return out


class IDAUp(nn.Module):
    """CenterNet / DLA-up style: deeper levels projected, upsampled (ConvTranspose) and added to shallower ones."""

    def __init__(self, w, n=3):
        super().__init__()
        self.proj = nn.ModuleList(cbr(w << i, w, 3) for i in range(1, n))
        self.up = nn.ModuleList(nn.ConvTranspose2d(w, w, 2 ** (i + 1), 2 ** i, 2 ** (i - 1), groups=w, bias=False) for i in range(1, n))
        self.node = nn.ModuleList(cbr(w, w, 3) for _ in range(1, n))

    def forward(self, fs):
        x = fs[0]
        for i in range(1, len(self.proj) + 1):
            x = self.node[i - 1](x + self.up[i - 1](self.proj[i - 1](fs[i])))
        return x


def peaks(hm_logits, k):
    """CenterNet's decode: sigmoid heatmap, 3x3 max-pool NMS, top-k over the flattened map."""
    heat = hm_logits.sigmoid()
    heat = heat * (F.max_pool2d(heat, 3, 1, 1) == heat).float()
    b, _, h, w = heat.shape
    scores, inds = torch.topk(heat.view(b, -1), k)
    return scores, inds, b, w


def head(cin, cout, mid=32, bias=0.):
    h = nn.Sequential(nn.Conv2d(cin, mid, 3, 1, 1), nn.ReLU(), nn.Conv2d(mid, cout, 1))
    nn.init.constant_(h[-1].bias, bias)
    return h


# --- HigherHRNet ---
class HigherHRNet(nn.Module):
    def __init__(self, w=16, k=17):
        super().__init__()
        self.stem, self.stages = trunk(w, 3)
        self.fuse = IDAUp(w, 3)
        self.final0 = nn.Conv2d(w, 2 * k, 1)  # heatmaps + tags at 1/4
        self.deconv = nn.Sequential(nn.ConvTranspose2d(w + k, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                                    *[Basic(w) for _ in range(4)])
        self.final1 = nn.Conv2d(w, k, 1)  # heatmaps at 1/2
        self.k = k

    def forward(self, x):
        f = self.fuse(feats(self.stem, self.stages, x))
        y0 = self.final0(f)
        y1 = self.final1(self.deconv(torch.cat([f, y0[:, :self.k]], 1)))
        up = F.interpolate(y0, size=y1.shape[2:], mode='bilinear', align_corners=False)
        heat = (up[:, :self.k] + y1) / 2
        return heat, up[:, self.k:]


# --- YOLO-Pose ---
class YOLOPose(nn.Module):
    def __init__(self, size=320, w=16, nk=17):
        super().__init__()
        self.stem, self.stages = trunk(w, 4)
        self.lat = nn.ModuleList(nn.Conv2d(w << i, 4 * w, 1) for i in (1, 2, 3))
        self.no, self.nk = 6 + 3 * nk, nk
        self.det = nn.ModuleList(nn.Conv2d(4 * w, 3 * 6, 1) for _ in range(3))
        self.kpt = nn.ModuleList(nn.Sequential(cbr(4 * w, 4 * w, 3), nn.Conv2d(4 * w, 3 * 3 * nk, 1)) for _ in range(3))
        anchors = [[(19, 27), (44, 40), (38, 94)], [(96, 68), (86, 152), (180, 137)], [(140, 301), (303, 264), (238, 542)]]
        self.strides = (8, 16, 32)
        for i, (a, s) in enumerate(zip(anchors, self.strides)):
            n = size // s
            yv, xv = torch.meshgrid(torch.arange(n), torch.arange(n))
            self.register_buffer(f'grid{i}', torch.stack((xv, yv), 2).view(1, 1, n, n, 2).float())
            self.register_buffer(f'anchor{i}', torch.tensor(a, dtype=torch.float32).view(1, 3, 1, 1, 2))

    def forward(self, x):
        fs = feats(self.stem, self.stages, x)[1:]
        p5 = self.lat[2](fs[2])
        p4 = self.lat[1](fs[1]) + F.interpolate(p5, scale_factor=2., mode='nearest')
        p3 = self.lat[0](fs[0]) + F.interpolate(p4, scale_factor=2., mode='nearest')
        out = []
        for i, p in enumerate((p3, p4, p5)):
            bs, _, ny, nx = p.shape
            y = torch.cat([self.det[i](p), self.kpt[i](p)], 1).view(bs, 3, self.no, ny, nx).permute(0, 1, 3, 4, 2)
            grid, anchor, s = getattr(self, f'grid{i}'), getattr(self, f'anchor{i}'), self.strides[i]
            d = y[..., :6].sigmoid()
            xy = (d[..., :2] * 2. - 0.5 + grid) * s
            wh = (d[..., 2:4] * 2) ** 2 * anchor
            k = y[..., 6:]
            kx = (k[..., 0::3] * 2. - 0.5 + grid[..., 0:1]) * s
            ky = (k[..., 1::3] * 2. - 0.5 + grid[..., 1:2]) * s
            kc = k[..., 2::3].sigmoid()
            kpts = torch.stack([kx, ky, kc], -1).view(bs, 3, ny, nx, 3 * self.nk)
            out.append(torch.cat([xy, wh, d[..., 4:], kpts], -1).view(bs, -1, self.no))
        return torch.cat(out, 1)


# --- CenterTrack ---
class CenterTrack(nn.Module):
    def __init__(self, w=16, nc=1):
        super().__init__()
        self.base = cbr(3, w, 7)
        self.pre_img = cbr(3, w, 7)
        self.pre_hm = cbr(1, w, 7)
        _, self.stages = trunk(w, 3)
        self.down = nn.Sequential(cbr(w, w, 3, 2), cbr(w, w, 3, 2))
        self.up = IDAUp(w, 3)
        self.hm, self.reg, self.wh, self.tracking = head(w, nc, bias=-2.19), head(w, 2), head(w, 2), head(w, 2)

    def forward(self, image, pre_image, pre_hm):
        x = self.down(self.base(image) + self.pre_img(pre_image) + self.pre_hm(pre_hm))
        fs = []
        for s in self.stages:
            x = s(x)
            fs.append(x)
        f = self.up(fs)
        heat = self.hm(f).sigmoid()
        keep = (F.max_pool2d(heat, 3, 1, 1) == heat).float()
        return heat * keep, self.reg(f), self.wh(f), self.tracking(f)


# --- FairMOT ---
class FairMOT(nn.Module):
    def __init__(self, w=16, emb=64, K=100):
        super().__init__()
        self.stem, self.stages = trunk(w, 3)
        self.up = IDAUp(w, 3)
        self.hm, self.wh, self.reg, self.id = head(w, 1, bias=-2.19), head(w, 4), head(w, 2), head(w, emb, 64)
        self.K = K

    def forward(self, x):
        f = self.up(feats(self.stem, self.stages, x))
        scores, inds, b, w = peaks(self.hm(f), self.K)
        ys, xs = (inds // w).float(), (inds % w).float()
        def gather(m):
            m = m.view(b, m.shape[1], -1).permute(0, 2, 1)
            return m.gather(1, inds.unsqueeze(2).expand(b, self.K, m.shape[2]))
        reg, wh = gather(self.reg(f)), gather(self.wh(f))
        xs, ys = xs.unsqueeze(2) + reg[..., 0:1], ys.unsqueeze(2) + reg[..., 1:2]
        boxes = torch.cat([xs - wh[..., 0:1], ys - wh[..., 1:2], xs + wh[..., 2:3], ys + wh[..., 3:4]], 2)
        ids = F.normalize(gather(self.id(f)), dim=2)
        return torch.cat([boxes, scores.unsqueeze(2)], 2), ids


# --- MGN ---
class MGN(nn.Module):
    def __init__(self, w=16, red=32):
        super().__init__()
        self.stem, stages = trunk(w, 3)
        self.backbone = nn.Sequential(stages[0], stages[1], Basic(2 * w, 4 * w, 2))
        def branch(s):
            return nn.Sequential(Basic(4 * w, 8 * w, s), Basic(8 * w))
        self.p1, self.p2, self.p3 = branch(2), branch(1), branch(1)
        self.red = nn.ModuleList(nn.Sequential(nn.Conv2d(8 * w, red, 1, bias=False), nn.BatchNorm2d(red), nn.ReLU()) for _ in range(8))

    def forward(self, x):
        x = self.backbone(self.stem(x))
        p1, p2, p3 = self.p1(x), self.p2(x), self.p3(x)
        g1 = F.max_pool2d(p1, p1.shape[2:])
        g2 = F.max_pool2d(p2, p2.shape[2:])
        g3 = F.max_pool2d(p3, p3.shape[2:])
        h2, h3 = p2.shape[2] // 2, p3.shape[2] // 3
        z2 = F.max_pool2d(p2, (h2, p2.shape[3]))
        z3 = F.max_pool2d(p3, (h3, p3.shape[3]))
        parts = [g1, g2, g3, z2[:, :, 0:1], z2[:, :, 1:2], z3[:, :, 0:1], z3[:, :, 1:2], z3[:, :, 2:3]]
        return torch.cat([r(p).flatten(1) for r, p in zip(self.red, parts)], 1)


# --- PSENet ---
class PSENet(nn.Module):
    def __init__(self, w=16, kernels=7):
        super().__init__()
        self.stem, self.stages = trunk(w, 4)
        self.lat = nn.ModuleList(cbr(w << i, 2 * w, 1) for i in range(4))
        self.smooth = nn.ModuleList(cbr(2 * w, 2 * w, 3) for _ in range(3))
        self.fuse = cbr(8 * w, 2 * w, 3)
        self.out = nn.Conv2d(2 * w, kernels, 1)

    def forward(self, x):
        c = feats(self.stem, self.stages, x)
        p = self.lat[3](c[3])
        ps = [p]
        for i in (2, 1, 0):
            p = self.smooth[i](F.interpolate(p, size=c[i].shape[2:], mode='bilinear', align_corners=False) + self.lat[i](c[i]))
            ps.insert(0, p)
        size = ps[0].shape[2:]
        f = self.fuse(torch.cat([ps[0]] + [F.interpolate(q, size=size, mode='bilinear', align_corners=False) for q in ps[1:]], 1))
        out = F.interpolate(self.out(f), size=x.shape[2:], mode='bilinear', align_corners=False)
        score = torch.sigmoid(out[:, 0])
        text = out[:, :1] > 0
        kernels = ((out > 0) & text).float()
        return score, kernels


# --- TextSnake ---
class TextSnake(nn.Module):
    def __init__(self, w=16):
        super().__init__()
        self.stem, self.stages = trunk(w, 4)
        self.merge = nn.ModuleList(nn.Sequential(cbr((w << i) + (w << i), w << i, 1), cbr(w << i, w << i, 3)) for i in range(3))
        self.deconv = nn.ModuleList(nn.ConvTranspose2d(w << (i + 1), w << i, 4, 2, 1) for i in range(3))
        self.up0 = nn.ConvTranspose2d(w, w, 4, 2, 1)
        self.predict = nn.Conv2d(w, 7, 1)

    def forward(self, x):
        c = feats(self.stem, self.stages, x)
        u = c[3]
        for i in (2, 1, 0):
            u = self.merge[i](torch.cat([c[i], F.relu(self.deconv[i](u))], 1))
        y = self.predict(F.relu(self.up0(u)))
        tr, tcl = F.softmax(y[:, 0:2], 1), F.softmax(y[:, 2:4], 1)
        sin, cos, radius = y[:, 4:5], y[:, 5:6], y[:, 6:7]
        scale = torch.sqrt(1.0 / (sin ** 2 + cos ** 2))
        return torch.cat([tr, tcl, sin * scale, cos * scale, radius], 1)


# --- MASTER ---
class MultiAspectGCA(nn.Module):
    def __init__(self, c, heads=8, ratio=0.0625):
        super().__init__()
        self.h, self.d = heads, c // heads
        self.mask = nn.Conv2d(self.d, 1, 1)
        r = max(int(c * ratio), 4)
        self.transform = nn.Sequential(nn.Conv2d(c, r, 1), nn.LayerNorm([r, 1, 1]), nn.ReLU(), nn.Conv2d(r, c, 1))

    def forward(self, x):
        b, c, h, w = x.shape
        xh = x.view(b * self.h, self.d, h, w)
        m = F.softmax(self.mask(xh).view(b * self.h, 1, h * w), -1)
        ctx = torch.matmul(xh.view(b * self.h, self.d, h * w), m.transpose(1, 2)).view(b, c, 1, 1)
        return x + self.transform(ctx)


class MASTER(nn.Module):
    def __init__(self, w=32, d=64, vocab=40, steps=6, layers=2):
        super().__init__()
        self.enc = nn.Sequential(cbr(3, w, 3), nn.MaxPool2d(2), Basic(w, 2 * w), MultiAspectGCA(2 * w), nn.MaxPool2d(2),
                                 Basic(2 * w, 2 * w), MultiAspectGCA(2 * w), nn.MaxPool2d((2, 1)), Basic(2 * w, d), MultiAspectGCA(d))
        self.emb = nn.Embedding(vocab, d)
        self.register_buffer('pe', self.sinusoid(256, d))
        layer = nn.TransformerDecoderLayer(d, 4, 2 * d, 0.0, batch_first=True)
        self.dec = nn.TransformerDecoder(layer, layers)
        self.cls = nn.Linear(d, vocab)
        self.steps, self.scale = steps, math.sqrt(d)

    @staticmethod
    def sinusoid(n, d):
        pos = torch.arange(n).float().unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        pe = torch.zeros(n, d)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        return pe.unsqueeze(0)

    def forward(self, x):
        f = self.enc(x)
        mem = f.flatten(2).transpose(1, 2) + self.pe[:, :f.shape[2] * f.shape[3]]
        tokens = torch.zeros(x.shape[0], 1, dtype=torch.long)  # SOS
        logits = []
        for t in range(self.steps):
            q = self.emb(tokens) * self.scale + self.pe[:, :t + 1]
            mask = torch.triu(torch.full((t + 1, t + 1), float('-inf')), 1)
            out = self.cls(self.dec(q, mem, tgt_mask=mask)[:, -1:])
            logits.append(out)
            tokens = torch.cat([tokens, out.argmax(-1)], 1)
        return torch.cat(logits, 1).softmax(-1), tokens[:, 1:]


# --- MonoFlex ---
class MonoFlex(nn.Module):
    def __init__(self, w=16, nc=3, h3d_idx=(0, 1, 2)):
        super().__init__()
        self.stem, self.stages = trunk(w, 3)
        self.up = IDAUp(w, 3)
        self.heat = head(w, nc, bias=-2.19)
        self.box2d, self.offset3d, self.dims = head(w, 4), head(w, 2), head(w, 3)
        self.orient, self.kpts = head(w, 16), head(w, 20)  # multibin 4 bins x (2 cls + 2 sin/cos); 10 keypoints
        self.depth, self.kdepth_unc = head(w, 2), head(w, 3)  # direct depth + its log-uncertainty; 3 keypoint groups
        self.register_buffer('dim_mean', torch.tensor([3.88, 1.63, 1.53]).view(1, 3, 1, 1))

    def forward(self, image, focal):
        f = self.up(feats(self.stem, self.stages, image))
        heat = self.heat(f).sigmoid()
        dims = self.dim_mean * torch.exp(self.dims(f))
        kp = self.kpts(f).view(f.shape[0], 10, 2, f.shape[2], f.shape[3])
        h3d = dims[:, 1:2]
        fy = focal.view(-1, 1, 1, 1) / 4  # feature stride 4
        # keypoint heights: centre (top 9 - bottom 8) and the two diagonals (0+2, 4+6) / (1+3, 5+7)
        hc = (kp[:, 8, 1] - kp[:, 9, 1]).unsqueeze(1)
        h02 = ((kp[:, 4, 1] + kp[:, 6, 1]) - (kp[:, 0, 1] + kp[:, 2, 1])).unsqueeze(1) / 2
        h13 = ((kp[:, 5, 1] + kp[:, 7, 1]) - (kp[:, 1, 1] + kp[:, 3, 1])).unsqueeze(1) / 2
        kd = torch.cat([fy * h3d / F.relu(hc).clamp(min=1.), fy * h3d / F.relu(h02).clamp(min=1.), fy * h3d / F.relu(h13).clamp(min=1.)], 1)
        d = self.depth(f)
        direct = 1. / torch.sigmoid(d[:, :1]) - 1.
        unc = torch.cat([d[:, 1:2], self.kdepth_unc(f)], 1).clamp(-10., 10.).exp()
        wts = (1. / unc) / (1. / unc).sum(1, keepdim=True)
        depth = (torch.cat([direct, kd], 1) * wts).sum(1, keepdim=True)
        o = self.orient(f).view(f.shape[0], 4, 4, f.shape[2], f.shape[3])
        bins = o[:, :, :2].softmax(2)[:, :, 1]
        alpha = torch.atan(o[:, :, 2] / (o[:, :, 3] + 1e-7))  # MonoFlex's decode_axes_orientation
        return heat, depth, dims, torch.cat([self.box2d(f).relu(), self.offset3d(f), bins, alpha], 1)
