"""Fourteenth sweep, detection / pose / tracking (docs/model-sweep.md): RF-DETR (windowed DINOv2 backbone, C2f
projector, LW-DETR two-stage deformable decoder with box reparameterization), RT-DETRv2 with its 'discrete'
deformable sampling (rounded coordinates gathered by advanced indexing instead of grid_sample), Lite-HRNet
(conditional channel weighting, channel shuffle), RTMDet-Ins (dynamic mask kernels after NMS), OSTrack (one-stream
ViT with candidate elimination, center head) in plain torch.nn with the projects' math (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def cba(i, o, k=3, s=1, g=1, act=nn.SiLU):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o), act())


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(0, 1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


def sine_embed(pos, d=32, t=10000):
    """DAB / DINO's gen_sineembed_for_position: [.., 4] boxes → [.., 4·d]."""
    dim_t = t ** (2 * (torch.arange(d, dtype=torch.float32) // 2) / d)
    outs = []
    for i in (1, 0, 2, 3):
        p = pos[..., i:i + 1] * 2 * math.pi / dim_t
        outs.append(torch.stack([p[..., 0::2].sin(), p[..., 1::2].cos()], -1).flatten(-2))
    return torch.cat(outs, -1)


class MLP(nn.Module):
    def __init__(self, i, h, o, n):
        super().__init__()
        dims = [i] + [h] * (n - 1)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:] + [o]))

    def forward(self, x):
        for j, l in enumerate(self.layers):
            x = l(x) if j == len(self.layers) - 1 else F.relu(l(x))
        return x


class DeformAttn(nn.Module):
    """Multi-scale deformable attention; 'default' samples by grid_sample (RF-DETR / LW-DETR), 'discrete' as
    RT-DETRv2's deformable_attention_core_func_v2: (loc · [w, h] + 0.5) to int64, clamp(0, h − 1), values gathered
    by advanced indexing value_l[s_idx, :, y, x]."""

    def __init__(self, c, shapes, heads=4, points=4, method='default'):
        super().__init__()
        self.shapes, self.h, self.p, self.method = shapes, heads, points, method
        L = len(shapes)
        self.off = nn.Linear(c, heads * L * points * 2)
        self.aw = nn.Linear(c, heads * L * points)
        self.vp, self.op = nn.Linear(c, c), nn.Linear(c, c)
        nn.init.uniform_(self.off.bias, -2, 2)

    def forward(self, q, ref, value):
        b, lq, c = q.shape
        L, h, p, d = len(self.shapes), self.h, self.p, c // self.h
        v = self.vp(value).view(b, value.shape[1], h, d)
        off = self.off(q).view(b, lq, h, L, p, 2)
        aw = self.aw(q).view(b, lq, h, L * p).softmax(-1).view(b, lq, h, L, p)
        # 4-d reference boxes: offsets scaled by half the box (RT-DETR / LW-DETR)
        loc = ref[:, :, None, None, None, :2] + off / p * ref[:, :, None, None, None, 2:] * 0.5
        vals = v.split([hh * ww for hh, ww in self.shapes], 1)
        outs = []
        for lid, (hh, ww) in enumerate(self.shapes):
            vl = vals[lid].flatten(2).transpose(1, 2).reshape(b * h, d, hh, ww)
            g = loc[:, :, :, lid].transpose(1, 2).flatten(0, 1)  # [b·h, lq, p, 2]
            if self.method == 'default':
                outs.append(F.grid_sample(vl, 2 * g - 1, mode='bilinear', padding_mode='zeros', align_corners=False))
            else:
                coord = (g * torch.tensor([[ww, hh]], dtype=torch.float32) + 0.5).to(torch.int64)
                coord = coord.clamp(0, hh - 1).reshape(b * h, lq * p, 2)  # (the code's "FIX ME? for rectangle input")
                s_idx = torch.arange(coord.shape[0]).unsqueeze(-1).repeat(1, coord.shape[1])
                sv = vl[s_idx, :, coord[..., 1], coord[..., 0]]  # [b·h, lq·p, d]
                outs.append(sv.permute(0, 2, 1).reshape(b * h, d, lq, p))
        w = aw.transpose(1, 2).reshape(b * h, 1, lq, L * p)
        o = (torch.cat(outs, -1) * w).sum(-1).view(b, h * d, lq).transpose(1, 2)
        return self.op(o)


class DecoderLayer(nn.Module):
    def __init__(self, c, shapes, method):
        super().__init__()
        self.sa = nn.MultiheadAttention(c, 4, batch_first=True)
        self.ca = DeformAttn(c, shapes, method=method)
        self.n1, self.n2, self.n3 = nn.LayerNorm(c), nn.LayerNorm(c), nn.LayerNorm(c)
        self.ffn = nn.Sequential(nn.Linear(c, 4 * c), nn.ReLU(), nn.Linear(4 * c, c))

    def forward(self, t, qpos, ref, mem):
        q = t + qpos
        t = self.n1(t + self.sa(q, q, t, need_weights=False)[0])
        t = self.n2(t + self.ca(t + qpos, ref, mem))
        return self.n3(t + self.ffn(t))


class TwoStageDecoder(nn.Module):
    """gen_encoder_output_proposals (grid anchors, wh 0.05·2^lvl, valid by 0.01 < p < 0.99, inverse sigmoid), enc
    output Linear + LayerNorm, class scores, TopK queries, reference boxes (LW-DETR's bbox_reparam: xy = δxy · wh +
    xy_ref, wh = exp(δwh) · wh_ref; RT-DETR: sigmoid(δ + inverse_sigmoid(ref))), decoder layers with box refinement."""

    def __init__(self, c, shapes, nc, nq, layers, method, reparam):
        super().__init__()
        self.shapes, self.nq, self.reparam = shapes, nq, reparam
        self.enc_out = nn.Sequential(nn.Linear(c, c), nn.LayerNorm(c))
        self.enc_cls, self.enc_box = nn.Linear(c, nc), MLP(c, c, 4, 3)
        self.tgt = nn.Embedding(nq, c)
        self.qpos = MLP(4 * 32, c, c, 2)
        self.layers = nn.ModuleList(DecoderLayer(c, shapes, method) for _ in range(layers))
        self.cls = nn.ModuleList(nn.Linear(c, nc) for _ in range(layers))
        self.box = nn.ModuleList(MLP(c, c, 4, 3) for _ in range(layers))

    def refine(self, delta, ref):
        if self.reparam:
            return torch.cat([delta[..., :2] * ref[..., 2:] + ref[..., :2], delta[..., 2:].exp() * ref[..., 2:]], -1)
        return torch.sigmoid(delta + inverse_sigmoid(ref))

    def forward(self, mem):
        props = []
        for lvl, (h, w) in enumerate(self.shapes):
            gy, gx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing='ij')
            xy = (torch.stack([gx, gy], -1) + 0.5) / torch.tensor([w, h], dtype=torch.float32)
            props.append(torch.cat([xy, torch.full_like(xy, 0.05 * 2.0 ** lvl)], -1).view(1, -1, 4))
        props = torch.cat(props, 1)
        valid = ((props > 0.01) & (props < 0.99)).all(-1, keepdim=True)
        if not self.reparam:
            props = torch.log(props / (1 - props)).masked_fill(~valid, float('inf'))
        out = self.enc_out(mem.masked_fill(~valid, 0.0))
        logits = self.enc_cls(out)
        delta = self.enc_box(out)
        boxes = self.refine(delta, props) if self.reparam else torch.sigmoid(delta + props)
        idx = logits.max(-1)[0].topk(self.nq, dim=1)[1]
        ref = boxes.gather(1, idx.unsqueeze(-1).repeat(1, 1, 4)).detach()
        t = self.tgt.weight.unsqueeze(0).expand(mem.shape[0], -1, -1)
        for layer, cls, box in zip(self.layers, self.cls, self.box):
            qpos = self.qpos(sine_embed(ref))
            t = layer(t, qpos, ref, mem)
            ref = self.refine(box(t), ref)
            logits = cls(t)
        return logits, ref


# --- RF-DETR ---

class WinBlock(nn.Module):
    def __init__(self, c, heads=4):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(c, eps=1e-6), nn.LayerNorm(c, eps=1e-6)
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
        self.ls1, self.ls2 = nn.Parameter(0.1 * torch.ones(c)), nn.Parameter(0.1 * torch.ones(c))
        self.h = heads

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(self.n1(x)).reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = (q @ k.transpose(-2, -1) * (c // self.h) ** -0.5).softmax(-1)
        x = x + self.ls1 * self.proj((a @ v).transpose(1, 2).reshape(b, n, c))
        return x + self.ls2 * self.mlp(self.n2(x))


class RFDETR(nn.Module):
    """RF-DETR nano-ish: DINOv2 with windowed attention (WindowedDinov2WithRegistersBackbone: the patch grid cut into
    2 × 2 windows moved into the batch, each with its own class token; blocks 3, 6, 9 attend globally over the windows
    put back), out features of 4 blocks, MultiScaleProjector (concatenated, C2f with LayerNorm2d) at P4, the two-stage
    deformable decoder (one level, bbox reparam), pred_logits / pred_boxes out as its export writes them."""

    def __init__(self, c=96, depth=10, size=320, nq=60, nc=91):
        super().__init__()
        self.patch = nn.Conv2d(3, c, 16, 16)
        g = size // 16
        self.g, self.nw = g, 2
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, c))
        self.pos = nn.Parameter(0.02 * torch.randn(1, 1 + g * g, c))
        self.blocks = nn.ModuleList(WinBlock(c) for _ in range(depth))
        self.global_at, self.out_at = {3, 6, 9}, (2, 5, 7, 9)
        self.proj_in = cba(4 * c, 128, 1)
        self.c2f = nn.ModuleList(nn.Sequential(nn.Conv2d(64, 64, 3, 1, 1, bias=False), nn.GroupNorm(1, 64), nn.SiLU()) for _ in range(3))
        self.proj_out = cba(128 + 3 * 64, 128, 1)
        self.dec = TwoStageDecoder(128, [(g, g)], nc, nq, 3, 'default', True)

    def forward(self, x):
        x = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        t = self.patch(x)
        b, c, g, _ = t.shape
        nw, s = self.nw, g // self.nw
        t = (t.flatten(2).transpose(1, 2) + self.pos[:, 1:]).view(b, g, g, c)
        # windows: [B, nw, s, nw, s, C] → [B·nw², s², C], each with a class token
        t = t.view(b, nw, s, nw, s, c).permute(0, 1, 3, 2, 4, 5).reshape(b * nw * nw, s * s, c)
        cls = (self.cls + self.pos[:, :1]).expand(b * nw * nw, -1, -1)
        t = torch.cat([cls, t], 1)
        feats = []
        for i, blk in enumerate(self.blocks):
            if i in self.global_at:
                t = blk(t.reshape(b, nw * nw * (1 + s * s), c)).reshape(b * nw * nw, 1 + s * s, c)
            else:
                t = blk(t)
            if i in self.out_at:
                p = t[:, 1:].reshape(b, nw, nw, s, s, c).permute(0, 5, 1, 3, 2, 4).reshape(b, c, g, g)
                feats.append(p)
        y = self.proj_in(torch.cat(feats, 1))
        y1, y2 = y.chunk(2, 1)
        ys = [y1, y2]
        for m in self.c2f:
            ys.append(m(ys[-1]))
        y = self.proj_out(torch.cat(ys, 1))
        logits, boxes = self.dec(y.flatten(2).transpose(1, 2))
        return boxes, logits


# --- RT-DETRv2 (discrete sampling) ---

class RTDETRv2(nn.Module):
    """RT-DETRv2-S-ish: ResNet-18 stages C3-C5 (torchvision, width kept), HybridEncoder (1×1 input projections, AIFI
    transformer layer on C5 with 2-D sine positions, top-down FPN / bottom-up PAN with RepC3-ish blocks), the decoder
    with discrete sampling, and its deploy PostProcessor: sigmoid, TopK 100 over queries × classes, labels by mod,
    cxcywh → xyxy × orig_target_sizes."""

    def __init__(self, c=128, nq=100, nc=80, size=320):
        super().__init__()
        r = torchvision.models.resnet18()
        self.stem = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1)
        self.c3, self.c4, self.c5 = r.layer2, r.layer3, r.layer4
        self.inp = nn.ModuleList(cba(i, c, 1, act=nn.Identity) for i in (128, 256, 512))
        self.aifi = nn.TransformerEncoderLayer(c, 4, 4 * c, 0.0, activation='gelu', batch_first=True)
        self.lat, self.fpn = nn.ModuleList(cba(c, c, 1) for _ in range(2)), nn.ModuleList(cba(2 * c, c) for _ in range(2))
        self.down, self.pan = nn.ModuleList(cba(c, c, 3, 2) for _ in range(2)), nn.ModuleList(cba(2 * c, c) for _ in range(2))
        shapes = [(size // 8, size // 8), (size // 16, size // 16), (size // 32, size // 32)]
        self.shapes, self.c, self.nc, self.nq = shapes, c, nc, nq
        self.dec = TwoStageDecoder(c, shapes, nc, nq, 3, 'discrete', False)

    def forward(self, images, orig_target_sizes):
        x = self.stem(images)
        f3 = self.c3(x)
        f4 = self.c4(f3)
        f5 = self.c5(f4)
        p3, p4, p5 = (m(f) for m, f in zip(self.inp, (f3, f4, f5)))
        b, c, h, w = p5.shape
        gy, gx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing='ij')
        omega = 1.0 / 10000 ** (torch.arange(c // 4, dtype=torch.float32) / (c // 4))
        ox, oy = gx.flatten()[:, None] @ omega[None], gy.flatten()[:, None] @ omega[None]
        pos = torch.cat([ox.sin(), ox.cos(), oy.sin(), oy.cos()], 1)[None]
        t = p5.flatten(2).transpose(1, 2)
        q = t + pos
        t = self.aifi.norm1(t + self.aifi.self_attn(q, q, t, need_weights=False)[0])
        t = self.aifi.norm2(t + self.aifi.linear2(F.gelu(self.aifi.linear1(t))))
        p5 = t.transpose(1, 2).reshape(b, c, h, w)
        # FPN top-down, PAN bottom-up
        p5 = self.lat[0](p5)
        p4 = self.fpn[0](torch.cat([F.interpolate(p5, scale_factor=2.0, mode='nearest'), p4], 1))
        p4l = self.lat[1](p4)
        p3 = self.fpn[1](torch.cat([F.interpolate(p4l, scale_factor=2.0, mode='nearest'), p3], 1))
        n4 = self.pan[0](torch.cat([self.down[0](p3), p4l], 1))
        n5 = self.pan[1](torch.cat([self.down[1](n4), p5], 1))
        mem = torch.cat([f.flatten(2).transpose(1, 2) for f in (p3, n4, n5)], 1)
        logits, boxes = self.dec(mem)
        cx, cy, bw, bh = boxes.unbind(-1)
        xyxy = torch.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], -1)
        xyxy = xyxy * orig_target_sizes.repeat(1, 2).unsqueeze(1)
        scores = torch.sigmoid(logits)
        scores, index = scores.flatten(1).topk(self.nq, dim=-1)
        labels = index % self.nc
        index = index // self.nc
        boxes = xyxy.gather(1, index.unsqueeze(-1).repeat(1, 1, 4))
        return labels, boxes, scores


# --- Lite-HRNet ---

def channel_shuffle(x, g):
    b, c, h, w = x.shape
    return x.view(b, g, c // g, h, w).transpose(1, 2).contiguous().view(b, c, h, w)


class CCW(nn.Module):
    """ConditionalChannelWeighting: channels split in half; one half through cross-resolution weighting (all branches
    adaptive-avg-pooled to the smallest size, concatenated, 1×1 ReLU, 1×1 sigmoid, split, nearest back, ×), a
    depthwise 3×3 + BN, spatial weighting (global pool, 1×1 ReLU, 1×1 sigmoid, ×); concatenated, shuffled."""

    def __init__(self, chans, r=8):
        super().__init__()
        half = [c // 2 for c in chans]
        t = sum(half)
        self.crw = nn.Sequential(nn.Conv2d(t, t // r, 1), nn.ReLU(), nn.Conv2d(t // r, t, 1), nn.Sigmoid())
        self.dw = nn.ModuleList(nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c, bias=False), nn.BatchNorm2d(c)) for c in half)
        self.sw = nn.ModuleList(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // 4, 1), nn.ReLU(), nn.Conv2d(c // 4, c, 1), nn.Sigmoid())
                                for c in half)
        self.half = half

    def forward(self, xs):
        parts = [x.chunk(2, 1) for x in xs]
        a, b = [p[0] for p in parts], [p[1] for p in parts]
        mini = b[-1].shape[-2:]
        # mmdeploy's rewrite of adaptive_avg_pool2d to a fixed size: an avg pool of the ratio (static shapes)
        w = self.crw(torch.cat([F.avg_pool2d(s, int(s.shape[-1]) // int(mini[-1])) for s in b[:-1]] + [b[-1]], 1))
        ws = w.split(self.half, 1)
        b = [s * F.interpolate(wi, size=s.shape[-2:], mode='nearest') for s, wi in zip(b, ws)]
        b = [dw(s) for dw, s in zip(self.dw, b)]
        b = [s * sw(s) for sw, s in zip(self.sw, b)]
        return [channel_shuffle(torch.cat([x1, x2], 1), 2) for x1, x2 in zip(a, b)]


class LiteHRNet(nn.Module):
    """Lite-HRNet-18 (mmpose, widths 40 / 80 / 160 / 320 halved): stem (3×3 s2, a shuffle block down to 1/4), stages of
    2 / 3 / 4 branches (CCW blocks, HRNet fuse layers: 1×1 + BN + nearest up, depthwise-separable strided downs),
    transitions, a 1×1 head to 17 heatmaps from the 1/4 branch (SimpleBaseline-style)."""

    def __init__(self, chans=(20, 40, 80, 160)):
        super().__init__()
        self.stem = nn.Sequential(cba(3, 32, 3, 2, act=nn.ReLU), cba(32, 32, 3, 2, g=32, act=nn.Identity), cba(32, chans[0], 1, act=nn.ReLU))
        self.stages = nn.ModuleList()
        self.trans = nn.ModuleList()
        self.fuses = nn.ModuleList()
        for n in (2, 3, 4):
            ch = chans[:n]
            self.trans.append(nn.Sequential(cba(ch[-2], ch[-2], 3, 2, g=ch[-2], act=nn.Identity), cba(ch[-2], ch[-1], 1, act=nn.ReLU)))
            self.stages.append(nn.ModuleList([CCW(ch), CCW(ch)]))
            fuse = nn.ModuleDict()
            for i in range(n):
                for j in range(n):
                    if j > i:
                        fuse[f'{i}{j}'] = nn.Sequential(nn.Conv2d(ch[j], ch[i], 1, bias=False), nn.BatchNorm2d(ch[i]))
                    elif j < i:
                        layers = []
                        for k in range(i - j):
                            o = ch[i] if k == i - j - 1 else ch[j]
                            layers += [nn.Conv2d(ch[j], ch[j], 3, 2, 1, groups=ch[j], bias=False), nn.BatchNorm2d(ch[j]),
                                       nn.Conv2d(ch[j], o, 1, bias=False), nn.BatchNorm2d(o)] + ([nn.ReLU()] if k < i - j - 1 else [])
                        fuse[f'{i}{j}'] = nn.Sequential(*layers)
            self.fuses.append(fuse)
        self.head = nn.Conv2d(chans[0], 17, 1)

    def forward(self, x):
        xs = [self.stem(x)]
        for si, (tr, blocks, fuse) in enumerate(zip(self.trans, self.stages, self.fuses)):
            xs = xs + [tr(xs[-1])]
            for blk in blocks:
                xs = blk(xs)
            n = len(xs)
            out = []
            for i in range(n):
                y = xs[i]
                for j in range(n):
                    if j > i:
                        y = y + F.interpolate(fuse[f'{i}{j}'](xs[j]), size=xs[i].shape[-2:], mode='nearest')
                    elif j < i:
                        y = y + fuse[f'{i}{j}'](xs[j])
                out.append(F.relu(y))
            xs = out
        return self.head(xs[0])


# --- RTMDet-Ins ---

class RTMDetIns(nn.Module):
    """RTMDet-Ins-tiny-ish: CSPNeXt-like backbone (strided convs, large-kernel depthwise blocks), PAFPN, shared-conv
    heads with separate BN per level (cls, distance reg × stride, 169 dynamic-kernel parameters), mask feature branch
    (P3 → 8 channels); mmdeploy's end2end: scores / boxes of all priors, NonMaxSuppression (IoU 0.6, score > 0.05,
    at most 20), then the 3 dynamic 1×1 convs (8+2 → 8 → 8 → 1, relative coordinates / 8·stride) on each kept
    instance's kernels, sigmoid masks ×4 bilinear."""

    def __init__(self, w=32, nc=80):
        super().__init__()
        self.stem = nn.Sequential(cba(3, w // 2, 3, 2), cba(w // 2, w, 3, 2))
        self.s3 = nn.Sequential(cba(w, 2 * w, 3, 2), cba(2 * w, 2 * w, 5, g=2 * w), cba(2 * w, 2 * w, 1))
        self.s4 = nn.Sequential(cba(2 * w, 4 * w, 3, 2), cba(4 * w, 4 * w, 5, g=4 * w), cba(4 * w, 4 * w, 1))
        self.s5 = nn.Sequential(cba(4 * w, 8 * w, 3, 2), cba(8 * w, 8 * w, 5, g=8 * w), cba(8 * w, 8 * w, 1))
        self.red5, self.red4 = cba(8 * w, 4 * w, 1), cba(4 * w, 2 * w, 1)
        self.td4, self.td3 = cba(8 * w, 4 * w), cba(4 * w, 2 * w)
        self.bu3, self.bu4 = cba(2 * w, 2 * w, 3, 2), cba(4 * w, 4 * w, 3, 2)
        self.pa4, self.pa5 = cba(4 * w, 4 * w), cba(8 * w, 8 * w)
        self.outs = nn.ModuleList(cba(c, 2 * w, 3) for c in (2 * w, 4 * w, 8 * w))
        shared = nn.Conv2d(2 * w, 2 * w, 3, 1, 1, bias=False)
        self.cls_convs = nn.ModuleList(nn.Sequential(shared, nn.BatchNorm2d(2 * w), nn.SiLU()) for _ in range(3))
        self.cls, self.reg, self.ker = nn.Conv2d(2 * w, nc, 1), nn.Conv2d(2 * w, 4, 1), nn.Conv2d(2 * w, 169, 1)
        self.mask_feat = nn.Sequential(cba(2 * w, 2 * w), nn.Conv2d(2 * w, 8, 1))
        self.nc = nc

    def forward(self, x):
        c3 = self.s3(self.stem(x))
        c4 = self.s4(c3)
        c5 = self.s5(c4)
        p5 = self.red5(c5)
        p4 = self.td4(torch.cat([F.interpolate(p5, scale_factor=2.0, mode='nearest'), c4], 1))
        p4r = self.red4(p4)
        p3 = self.td3(torch.cat([F.interpolate(p4r, scale_factor=2.0, mode='nearest'), c3], 1))
        n4 = self.pa4(torch.cat([self.bu3(p3), p4r], 1))
        n5 = self.pa5(torch.cat([self.bu4(n4), p5], 1))
        feats = [o(f) for o, f in zip(self.outs, (p3, n4, n5))]
        scores, boxes, kernels, priors = [], [], [], []
        for f, conv, s in zip(feats, self.cls_convs, (8, 16, 32)):
            y = conv(f)
            b, _, h, w = y.shape
            gy, gx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing='ij')
            pr = torch.stack([gx.flatten() * s, gy.flatten() * s, torch.full((h * w,), float(s))], 1)
            d = F.relu(self.reg(y)).flatten(2).transpose(1, 2) * s
            xy = pr[None, :, :2]
            boxes.append(torch.cat([xy - d[..., :2], xy + d[..., 2:]], -1))
            scores.append(torch.sigmoid(self.cls(y)).flatten(2).transpose(1, 2))
            kernels.append(self.ker(y).flatten(2).transpose(1, 2))
            priors.append(pr)
        scores, boxes, kernels, priors = torch.cat(scores, 1)[0], torch.cat(boxes, 1)[0], torch.cat(kernels, 1)[0], torch.cat(priors, 0)
        best, labels = scores.max(1)
        keep = best > 0.05
        idx = torch.nonzero(keep)[:, 0]
        sel = torchvision.ops.batched_nms(boxes[idx], best[idx], labels[idx], 0.6)[:20]
        idx = idx[sel]
        k = kernels[idx]  # [N, 169]
        mf = self.mask_feat(feats[0])[0]  # [8, H, W]
        h, w = mf.shape[1:]
        gy, gx = torch.meshgrid(torch.arange(h, dtype=torch.float32) * 8, torch.arange(w, dtype=torch.float32) * 8, indexing='ij')
        pr = priors[idx]
        rx = (pr[:, 0, None, None] - gx[None]) / (pr[:, 2, None, None] * 8)
        ry = (pr[:, 1, None, None] - gy[None]) / (pr[:, 2, None, None] * 8)
        n = k.shape[0]
        m = torch.cat([torch.stack([rx, ry], 1), mf[None].expand(n, -1, -1, -1)], 1)  # [N, 10, H, W]
        w1, w2, w3 = k[:, :80].view(n, 8, 10), k[:, 80:144].view(n, 8, 8), k[:, 144:152].view(n, 1, 8)
        b1, b2, b3 = k[:, 152:160, None], k[:, 160:168, None], k[:, 168:169, None]
        y = m.flatten(2)
        y = F.relu(w1 @ y + b1)
        y = F.relu(w2 @ y + b2)
        y = (w3 @ y + b3).view(n, 1, h, w)
        masks = torch.sigmoid(F.interpolate(y, scale_factor=4.0, mode='bilinear', align_corners=False))[:, 0]
        return boxes[idx], best[idx], labels[idx], masks


# --- OSTrack ---

class OSTrack(nn.Module):
    """OSTrack-256 (ViT-B at ¼ width; 128² template, 256² search): patch 16, template and search tokens with their
    positions concatenated, 8 blocks, candidate elimination at blocks 3 and 6 (search tokens ranked by the template
    centre's attention, the top 70 % kept by TopK / gather; recover_tokens scatters them back before the head), CENTER
    head on the 16² search map: score map (sigmoid), argmax, size and offset gathered there → cx, cy, w, h."""

    def __init__(self, c=192, depth=8, heads=3):
        super().__init__()
        self.patch = nn.Conv2d(3, c, 16, 16)
        self.pos_z, self.pos_x = nn.Parameter(0.02 * torch.randn(1, 64, c)), nn.Parameter(0.02 * torch.randn(1, 256, c))
        self.blocks = nn.ModuleList(WinBlock(c, heads) for _ in range(depth))
        self.ce_at, self.keep = (3, 6), 0.7
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.ctr = nn.Sequential(cba(c, 64, act=nn.ReLU), cba(64, 32, act=nn.ReLU), nn.Conv2d(32, 1, 1))
        self.size = nn.Sequential(cba(c, 64, act=nn.ReLU), cba(64, 32, act=nn.ReLU), nn.Conv2d(32, 2, 1))
        self.off = nn.Sequential(cba(c, 64, act=nn.ReLU), cba(64, 32, act=nn.ReLU), nn.Conv2d(32, 2, 1))
        self.h = heads

    def attn_block(self, blk, x):
        b, n, c = x.shape
        qkv = blk.qkv(blk.n1(x)).reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = (qkv[0] @ qkv[1].transpose(-2, -1) * (c // self.h) ** -0.5).softmax(-1)
        x = x + blk.ls1 * blk.proj((a @ qkv[2]).transpose(1, 2).reshape(b, n, c))
        return x + blk.ls2 * blk.mlp(blk.n2(x)), a

    def forward(self, z, x):
        tz = self.patch(z).flatten(2).transpose(1, 2) + self.pos_z
        tx = self.patch(x).flatten(2).transpose(1, 2) + self.pos_x
        b, nz, c = tz.shape
        t = torch.cat([tz, tx], 1)
        gidx = torch.arange(256).unsqueeze(0).expand(b, -1)
        centre = [27, 28, 35, 36]  # the template's centre 2×2 tokens of its 8×8 grid
        for i, blk in enumerate(self.blocks):
            t, a = self.attn_block(blk, t)
            if i in self.ce_at:
                ns = t.shape[1] - nz
                keep = math.ceil(self.keep * ns)
                score = a[:, :, centre, nz:].mean(2).mean(1)  # [B, Ns]
                top = score.topk(keep, dim=1)[1]
                gidx = gidx.gather(1, top)
                xs = t[:, nz:].gather(1, top.unsqueeze(-1).expand(-1, -1, c))
                t = torch.cat([t[:, :nz], xs], 1)
        t = self.norm(t)
        xs = t[:, nz:]
        full = torch.zeros(b, 256, c).scatter(1, gidx.unsqueeze(-1).expand(-1, -1, c), xs)
        fmap = full.transpose(1, 2).reshape(b, c, 16, 16)
        score = torch.sigmoid(self.ctr(fmap))
        size = torch.sigmoid(self.size(fmap))
        off = self.off(fmap)
        idx = score.flatten(1).max(1, keepdim=True)[1]
        iy = torch.div(idx, 16, rounding_mode='floor')
        ix = idx % 16
        sz = size.flatten(2).gather(2, idx.unsqueeze(1).expand(-1, 2, -1)).squeeze(-1)
        of = off.flatten(2).gather(2, idx.unsqueeze(1).expand(-1, 2, -1)).squeeze(-1)
        box = torch.cat([(ix.float() + of[:, :1]) / 16, (iy.float() + of[:, 1:]) / 16, sz], 1)
        return box, score
