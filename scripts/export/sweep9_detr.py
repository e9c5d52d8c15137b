"""Ninth sweep (docs/model-sweep.md): real-time DETRs of 2024-25 as their projects write them — D-FINE / DEIM (HGNetv2-
like backbone, HybridEncoder with AIFI and RepNCSPELAN4 / SCDown CCFM, anchors for eval_spatial_size, query selection by
TopK + gather, self attention, multi-scale deformable attention by grid_sample per level with per-level point scales,
gateway, fine-grained distribution refinement: softmax over reg_max + 1 bins · the weighting function, distance2bbox
from the first layer's boxes, LQE from the top-k of the corner distributions) and RT-DETRv2 (the same decoder with
inverse-sigmoid box deltas), each with the deploy postprocessor (TopK over flattened scores, labels by mod, boxes
gathered and scaled by the orig_target_sizes input). Plain torch.nn, small widths, random weights. Imported by sweep9.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep9_det import CBA, RepNCSPELAN4


def mlp(i, h, o, n):
    layers = []
    for k in range(n):
        layers += [nn.Linear(i if k == 0 else h, o if k == n - 1 else h)] + ([nn.ReLU()] if k < n - 1 else [])
    return nn.Sequential(*layers)


def inverse_sigmoid(x, eps=1e-5):
    x = x.clip(min=0., max=1.)
    return torch.log(x.clip(min=eps) / (1 - x).clip(min=eps))


def sincos_2d(w, h, dim, temperature=10000.):
    gw, gh = torch.meshgrid(torch.arange(int(w), dtype=torch.float32), torch.arange(int(h), dtype=torch.float32), indexing='ij')
    pos_dim = dim // 4
    omega = 1. / (temperature ** (torch.arange(pos_dim, dtype=torch.float32) / pos_dim))
    out_w, out_h = gw.flatten()[..., None] @ omega[None], gh.flatten()[..., None] @ omega[None]
    return torch.cat([out_w.sin(), out_w.cos(), out_h.sin(), out_h.cos()], dim=1)[None]


class HGBlock(nn.Module):
    """HGNetv2 HG_Block: n light convs in a chain, all concatenated, squeeze + excitation 1×1 convs, residual."""

    def __init__(self, c1, cm, c2, n=3, shortcut=False):
        super().__init__()
        self.m = nn.ModuleList(nn.Sequential(CBA(c1 if i == 0 else cm, cm, 1, act=False), CBA(cm, cm, 3, g=cm, act=nn.ReLU())) for i in range(n))
        self.sc, self.ec, self.add = CBA(c1 + n * cm, c2 // 2, act=nn.ReLU()), CBA(c2 // 2, c2, act=nn.ReLU()), shortcut

    def forward(self, x):
        y = [x]
        y.extend(m(y[-1]) for m in self.m)
        y = self.ec(self.sc(torch.cat(y, 1)))
        return y + x if self.add else y


class SCDown(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        self.cv1, self.cv2 = CBA(c1, c2), CBA(c2, c2, 3, 2, g=c2, act=False)

    def forward(self, x):
        return self.cv2(self.cv1(x))


class MSDeformAttn(nn.Module):
    """D-FINE / RT-DETRv2 MSDeformableAttention: offsets scaled by 1 / points and the box size, grid_sample per level."""

    def __init__(self, d=64, heads=4, levels=3, points=(4, 4, 2), offset_scale=0.5):
        super().__init__()
        self.d, self.h, self.points, self.offset_scale = d, heads, list(points), offset_scale
        self.total = sum(points)
        self.sampling_offsets = nn.Linear(d, heads * self.total * 2)
        self.attention_weights = nn.Linear(d, heads * self.total)
        scale = torch.tensor([1 / n for n in points for _ in range(n)], dtype=torch.float32)
        self.register_buffer('num_points_scale', scale)
        nn.init.uniform_(self.sampling_offsets.bias, -2, 2)

    def forward(self, query, ref, value, shapes):
        bs, q = query.shape[:2]
        off = self.sampling_offsets(query).reshape(bs, q, self.h, self.total, 2)
        aw = self.attention_weights(query).reshape(bs, q, self.h, self.total).softmax(-1)
        offset = off * self.num_points_scale.unsqueeze(-1) * ref[:, :, None, None, 2:] * self.offset_scale
        loc = ref[:, :, None, None, :2] + offset
        # ms_deformable_attn_core (RT-DETRv2 'default' method)
        value = value.reshape(bs, -1, self.h, self.d // self.h).permute(0, 2, 3, 1).flatten(0, 1)
        values = value.split([h * w for h, w in shapes], dim=-1)
        grids = (2 * loc - 1).permute(0, 2, 1, 3, 4).flatten(0, 1).split(self.points, dim=-2)
        out = []
        for (h, w), v, g in zip(shapes, values, grids):
            out.append(F.grid_sample(v.reshape(bs * self.h, self.d // self.h, h, w), g, mode='bilinear', padding_mode='zeros', align_corners=False))
        aw = aw.permute(0, 2, 1, 3).reshape(bs * self.h, 1, q, self.total)
        o = (torch.cat(out, -1) * aw).sum(-1).reshape(bs, self.d, q)
        return o.permute(0, 2, 1)


class Gate(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.gate, self.norm = nn.Linear(2 * d, 2 * d), nn.LayerNorm(d)

    def forward(self, x1, x2):
        g1, g2 = torch.sigmoid(self.gate(torch.cat([x1, x2], -1))).chunk(2, -1)
        return self.norm(g1 * x1 + g2 * x2)


class DecoderLayer(nn.Module):
    def __init__(self, d=64, heads=4):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.norm1, self.cross, self.gateway = nn.LayerNorm(d), MSDeformAttn(d, heads), Gate(d)
        self.ffn, self.norm3 = nn.Sequential(nn.Linear(d, 4 * d), nn.ReLU(), nn.Linear(4 * d, d)), nn.LayerNorm(d)

    def forward(self, x, ref, value, shapes, pos):
        q = k = x + pos
        x = self.norm1(x + self.self_attn(q, k, x, need_weights=False)[0])
        x = self.gateway(x, self.cross(x + pos, ref, value, shapes))
        return self.norm3(x + self.ffn(x))


class DFineStyle(nn.Module):
    def __init__(self, nc=80, size=320, d=64, heads=4, queries=100, layers=3, reg_max=32, fdr=True):
        super().__init__()
        self.nc, self.d, self.nq, self.reg_max, self.fdr = nc, d, queries, reg_max, fdr
        self.stem = nn.Sequential(CBA(3, 16, 3, 2, act=nn.ReLU()), CBA(16, 16, 3, 2, act=nn.ReLU()))
        self.stages = nn.ModuleList([HGBlock(16, 16, 32), nn.Sequential(CBA(32, 32, 3, 2, g=32, act=False), HGBlock(32, 24, 64)),
                                     nn.Sequential(CBA(64, 64, 3, 2, g=64, act=False), HGBlock(64, 32, 128)),
                                     nn.Sequential(CBA(128, 128, 3, 2, g=128, act=False), HGBlock(128, 48, 192))])
        self.input_proj = nn.ModuleList(CBA(c, d, act=False) for c in (64, 128, 192))
        # AIFI on the top level
        self.aifi = nn.TransformerEncoderLayer(d, heads, 2 * d, dropout=0., activation='gelu', batch_first=True)
        self.register_buffer('aifi_pos', sincos_2d(size // 32, size // 32, d))
        self.lateral = nn.ModuleList(CBA(d, d) for _ in range(2))
        self.fpn = nn.ModuleList(RepNCSPELAN4(2 * d, d, d, d // 2) for _ in range(2))
        self.down = nn.ModuleList(SCDown(d, d) for _ in range(2))
        self.pan = nn.ModuleList(RepNCSPELAN4(2 * d, d, d, d // 2) for _ in range(2))
        self.dec_proj = nn.ModuleList(CBA(d, d, act=False) for _ in range(3))
        self.shapes = [(size // s, size // s) for s in (8, 16, 32)]
        anchors, valid = self.make_anchors()
        self.register_buffer('anchors', anchors)
        self.register_buffer('valid_mask', valid)
        self.enc_output = nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d))
        self.enc_score_head, self.enc_bbox_head = nn.Linear(d, nc), mlp(d, d, 4, 3)
        self.query_pos_head = mlp(4, 2 * d, d, 2)
        self.layers = nn.ModuleList(DecoderLayer(d, heads) for _ in range(layers))
        self.score_head = nn.ModuleList(nn.Linear(d, nc) for _ in range(layers))
        self.bbox_head = nn.ModuleList(mlp(d, d, 4 * (reg_max + 1) if fdr else 4, 3) for _ in range(layers))
        self.pre_bbox_head = mlp(d, d, 4, 3)
        self.lqe = nn.ModuleList(mlp(4 * 5, 64, 1, 2) for _ in range(layers))
        self.up, self.reg_scale = nn.Parameter(torch.tensor([0.5]), requires_grad=False), nn.Parameter(torch.tensor([4.0]), requires_grad=False)
        # convert_to_deploy: the weighting function becomes a constant (computed in forward, torch 1.13 exports
        # F.linear by the computed 1-D weight as a Transpose perm [1, 0] of a rank-1 value, which onnxruntime refuses)
        with torch.no_grad():
            self.register_buffer('project', self.weighting_function())

    def make_anchors(self, grid_size=0.05, eps=1e-2):
        anchors = []
        for lvl, (h, w) in enumerate(self.shapes):
            gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
            xy = (torch.stack([gx, gy], -1).float() + 0.5) / torch.tensor([w, h]).float()
            wh = torch.ones_like(xy) * grid_size * (2.0 ** lvl)
            anchors.append(torch.cat([xy, wh], -1).reshape(-1, h * w, 4))
        anchors = torch.cat(anchors, 1)
        valid = ((anchors > eps) * (anchors < 1 - eps)).all(-1, keepdim=True)
        return torch.where(valid, torch.log(anchors / (1 - anchors)), torch.inf), valid.float()

    def weighting_function(self):
        ub1 = self.up.abs() * self.reg_scale.abs()
        ub2 = ub1 * 2
        step = (ub1 + 1) ** (2 / (self.reg_max - 2))
        left = [-(step ** i) + 1 for i in range(self.reg_max // 2 - 1, 0, -1)]
        right = [step ** i - 1 for i in range(1, self.reg_max // 2)]
        return torch.cat([-ub2] + left + [torch.zeros_like(self.up)] + right + [ub2], 0)

    def distance2bbox(self, points, distance):
        rs = self.reg_scale.abs()
        x1 = points[..., 0] - (0.5 * rs + distance[..., 0]) * (points[..., 2] / rs)
        y1 = points[..., 1] - (0.5 * rs + distance[..., 1]) * (points[..., 3] / rs)
        x2 = points[..., 0] + (0.5 * rs + distance[..., 2]) * (points[..., 2] / rs)
        y2 = points[..., 1] + (0.5 * rs + distance[..., 3]) * (points[..., 3] / rs)
        return torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], -1)

    def encoder(self, feats):
        feats = [p(f) for p, f in zip(self.input_proj, feats)]
        b, c, h, w = feats[2].shape
        t = self.aifi(feats[2].flatten(2).permute(0, 2, 1) + self.aifi_pos)
        feats[2] = t.permute(0, 2, 1).reshape(b, c, h, w)
        inner = [feats[2]]
        for i, idx in enumerate((1, 0)):
            hi = self.lateral[i](inner[0])
            inner[0] = hi
            inner.insert(0, self.fpn[i](torch.cat([F.interpolate(hi, scale_factor=2., mode='nearest'), feats[idx]], 1)))
        outs = [inner[0]]
        for i in range(2):
            outs.append(self.pan[i](torch.cat([self.down[i](outs[-1]), inner[i + 1]], 1)))
        return outs

    def forward(self, images, orig_target_sizes):
        x = self.stem(images)
        feats = []
        for s in self.stages:
            x = s(x)
            feats.append(x)
        feats = self.encoder(feats[1:])
        memory = torch.cat([p(f).flatten(2).permute(0, 2, 1) for p, f in zip(self.dec_proj, feats)], 1)
        out_memory = self.enc_output(self.valid_mask * memory)
        logits = self.enc_score_head(out_memory)
        _, idx = torch.topk(logits.max(-1).values, self.nq, dim=-1)
        tgt = out_memory.gather(1, idx.unsqueeze(-1).repeat(1, 1, self.d))
        ref_unact = self.enc_bbox_head(tgt) + self.anchors.repeat(images.shape[0], 1, 1).gather(1, idx.unsqueeze(-1).repeat(1, 1, 4))
        ref = F.sigmoid(ref_unact)
        project = self.project
        ref_initial, corners, first = ref, None, None
        for i, layer in enumerate(self.layers):
            pos = self.query_pos_head(ref).clamp(min=-10, max=10)
            tgt = layer(tgt, ref, memory, self.shapes, pos)
            if self.fdr:
                if i == 0:
                    ref_initial = F.sigmoid(self.pre_bbox_head(tgt) + inverse_sigmoid(ref))
                    first = tgt
                    c = self.bbox_head[i](tgt + first)
                else:
                    c = self.bbox_head[i](tgt + first) + corners
                corners = c
                dist = torch.matmul(F.softmax(c.reshape(-1, self.reg_max + 1), dim=1), project).reshape(c.shape[0], c.shape[1], 4)
                ref = self.distance2bbox(ref_initial, dist)
            else:
                ref = F.sigmoid(self.bbox_head[i](tgt) + inverse_sigmoid(ref))
        scores = self.score_head[-1](tgt)
        if self.fdr:
            b, q, _ = corners.shape
            prob = F.softmax(corners.reshape(b, q, 4, self.reg_max + 1), dim=-1)
            top, _ = prob.topk(4, dim=-1)
            scores = scores + self.lqe[-1](torch.cat([top, top.mean(-1, keepdim=True)], -1).reshape(b, q, -1))
        # PostProcessor (deploy): cxcywh -> xyxy, scaled to the original size, top-k over queries x classes
        cx, cy, w, h = ref.unbind(-1)
        boxes = torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], -1) * orig_target_sizes.repeat(1, 2).unsqueeze(1)
        sc, index = torch.topk(F.sigmoid(scores).flatten(1), self.nq, dim=-1)
        labels = index - index // self.nc * self.nc
        index = index // self.nc
        boxes = boxes.gather(dim=1, index=index.unsqueeze(-1).repeat(1, 1, 4))
        return labels, boxes, sc
