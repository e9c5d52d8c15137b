"""Thirteenth sweep, DETR family (docs/model-sweep.md): DINO-DETR (deformable encoder over 3 levels, two-stage query
selection by TopK over the encoder's proposals, mixed queries, deformable decoder with box refinement and DINO's
postprocessor) and DAB-DETR / Conditional DETR (anchor-box queries: sine embedding of the 4-d anchors, conditional
spatial queries with per-head concatenated content / position parts, width / height modulated attention), in plain
torch.nn with the projects' math (small widths, random weights)."""
import math

import torch
import torch.nn as nn

from sweep10_vis_dense import ms_deform_attn as ms_deform_attn_core  # Deformable-DETR's grid_sample core


def cbr(i, o, k=3, s=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, bias=False), nn.BatchNorm2d(o), nn.ReLU())


class Backbone(nn.Module):
    """ResNet-ish: strides 8 / 16 / 32 out."""

    def __init__(self, w=32):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, w, 3, 2), cbr(w, w, 3, 2), cbr(w, 2 * w, 3, 2), cbr(2 * w, 2 * w))
        self.s16 = nn.Sequential(cbr(2 * w, 4 * w, 3, 2), cbr(4 * w, 4 * w))
        self.s32 = nn.Sequential(cbr(4 * w, 8 * w, 3, 2), cbr(8 * w, 8 * w))
        self.chans = [2 * w, 4 * w, 8 * w]

    def forward(self, x):
        a = self.stem(x)
        b = self.s16(a)
        return [a, b, self.s32(b)]


def sine_pos(h, w, d, device=None):
    """DETR's PositionEmbeddingSine (normalize=True) over an all-valid mask, as the projects compute it in forward."""
    not_mask = torch.ones(1, h, w)
    y = not_mask.cumsum(1, dtype=torch.float32)
    x = not_mask.cumsum(2, dtype=torch.float32)
    y = y / (y[:, -1:, :] + 1e-6) * 2 * math.pi
    x = x / (x[:, :, -1:] + 1e-6) * 2 * math.pi
    dim_t = torch.arange(d // 2, dtype=torch.float32)
    dim_t = 10000 ** (2 * (dim_t // 2) / (d // 2))
    px, py = x[:, :, :, None] / dim_t, y[:, :, :, None] / dim_t
    px = torch.stack((px[:, :, :, 0::2].sin(), px[:, :, :, 1::2].cos()), dim=4).flatten(3)
    py = torch.stack((py[:, :, :, 0::2].sin(), py[:, :, :, 1::2].cos()), dim=4).flatten(3)
    return torch.cat((py, px), dim=3).permute(0, 3, 1, 2)


def gen_sineembed_for_position(pos, d=128):
    """DINO / DAB-DETR: 2-d or 4-d normalized positions to d / 2 sine features each."""
    scale = 2 * math.pi
    dim_t = torch.arange(d // 2, dtype=torch.float32)
    dim_t = 10000 ** (2 * (dim_t // 2) / (d // 2))
    out = []
    for i in [1, 0, 2, 3][:pos.shape[-1]]:
        e = pos[:, :, i] * scale
        p = e[:, :, None] / dim_t
        out.append(torch.stack((p[:, :, 0::2].sin(), p[:, :, 1::2].cos()), dim=3).flatten(2))
    return torch.cat(out, dim=2)


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(min=0, max=1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


class MSDeformAttn(nn.Module):
    def __init__(self, d=128, levels=3, heads=8, points=4):
        super().__init__()
        self.l, self.m, self.p = levels, heads, points
        self.sampling_offsets = nn.Linear(d, heads * levels * points * 2)
        self.attention_weights = nn.Linear(d, heads * levels * points)
        self.value_proj = nn.Linear(d, d)
        self.output_proj = nn.Linear(d, d)

    def forward(self, query, reference_points, value, shapes):
        n, lq, _ = query.shape
        v = self.value_proj(value).view(n, value.shape[1], self.m, -1)
        off = self.sampling_offsets(query).view(n, lq, self.m, self.l, self.p, 2)
        aw = self.attention_weights(query).view(n, lq, self.m, self.l * self.p).softmax(-1)
        aw = aw.view(n, lq, self.m, self.l, self.p)
        if reference_points.shape[-1] == 2:
            norm = torch.tensor([[w, h] for h, w in shapes], dtype=torch.float32)
            loc = reference_points[:, :, None, :, None, :] + off / norm[None, None, None, :, None, :]
        else:
            loc = reference_points[:, :, None, :, None, :2] + off / self.p * reference_points[:, :, None, :, None, 2:] * 0.5
        return self.output_proj(ms_deform_attn_core(v, shapes, loc, aw))


class EncLayer(nn.Module):
    def __init__(self, d=128, ff=512):
        super().__init__()
        self.attn = MSDeformAttn(d)
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.ReLU(), nn.Linear(ff, d))

    def forward(self, src, pos, ref, shapes):
        src = self.n1(src + self.attn(src + pos, ref, src, shapes))
        return self.n2(src + self.ff(src))


class DecLayer(nn.Module):
    def __init__(self, d=128, ff=512, heads=8):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.cross = MSDeformAttn(d)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.ReLU(), nn.Linear(ff, d))

    def forward(self, tgt, pos, ref, memory, shapes):
        q = tgt + pos
        tgt = self.n2(tgt + self.self_attn(q, q, tgt, need_weights=False)[0])
        tgt = self.n1(tgt + self.cross(tgt + pos, ref, memory, shapes))
        return self.n3(tgt + self.ff(tgt))


def mlp(i, h, o, n):
    layers = []
    for j in range(n):
        layers += [nn.Linear(i if j == 0 else h, o if j == n - 1 else h)] + ([nn.ReLU()] if j < n - 1 else [])
    return nn.Sequential(*layers)


class DINO(nn.Module):
    """DINO-4scale's inference path at 3 levels: input_proj (1×1 conv + GroupNorm), level embeddings, deformable
    encoder with 2-d reference points at pixel centres, gen_encoder_output_proposals (valid mask by the 0.01..0.99 box
    range, inverse sigmoid, masked memory, enc_output + LayerNorm), two-stage TopK of the encoder's max class logit,
    learned content queries with the selected boxes as positions, decoder with box refinement, PostProcess (sigmoid,
    TopK over queries × classes, cxcywh → xyxy × image size)."""

    def __init__(self, d=128, classes=91, queries=100, enc=2, dec=3, size=320):
        super().__init__()
        self.backbone = Backbone()
        self.input_proj = nn.ModuleList([nn.Sequential(nn.Conv2d(c, d, 1), nn.GroupNorm(32, d)) for c in self.backbone.chans])
        self.level_embed = nn.Parameter(torch.randn(3, d) * 0.1)
        self.enc = nn.ModuleList([EncLayer(d) for _ in range(enc)])
        self.dec = nn.ModuleList([DecLayer(d) for _ in range(dec)])
        self.enc_output, self.enc_norm = nn.Linear(d, d), nn.LayerNorm(d)
        self.enc_class, self.enc_bbox = nn.Linear(d, classes), mlp(d, d, 4, 3)
        self.tgt_embed = nn.Embedding(queries, d)
        self.ref_point_head = mlp(2 * d, d, d, 2)
        self.class_embed = nn.ModuleList([nn.Linear(d, classes) for _ in range(dec)])
        self.bbox_embed = nn.ModuleList([mlp(d, d, 4, 3) for _ in range(dec)])
        self.dec_norm = nn.LayerNorm(d)
        self.d, self.q, self.size = d, queries, size

    def forward(self, x):
        feats = self.backbone(x)
        srcs, poss, shapes = [], [], []
        for lvl, (f, proj) in enumerate(zip(feats, self.input_proj)):
            s = proj(f)
            h, w = s.shape[-2:]
            shapes.append((h, w))
            srcs.append(s.flatten(2).transpose(1, 2))
            poss.append(sine_pos(h, w, self.d).flatten(2).transpose(1, 2) + self.level_embed[lvl].view(1, 1, -1))
        src, pos = torch.cat(srcs, 1), torch.cat(poss, 1)
        refs, props = [], []
        for lvl, (h, w) in enumerate(shapes):
            gy, gx = torch.meshgrid(torch.linspace(0.5, h - 0.5, h, dtype=torch.float32), torch.linspace(0.5, w - 0.5, w, dtype=torch.float32), indexing="ij")
            ref = torch.stack((gx.reshape(-1) / w, gy.reshape(-1) / h), -1)
            refs.append(ref)
            wh = torch.ones_like(ref) * 0.05 * (2.0 ** lvl)
            props.append(torch.cat((ref, wh), -1))
        ref = torch.cat(refs, 0)[None, :, None, :].repeat(1, 1, len(shapes), 1)
        memory = src
        for layer in self.enc:
            memory = layer(memory, pos, ref, shapes)
        proposals = torch.cat(props, 0)[None]
        valid = ((proposals > 0.01) & (proposals < 0.99)).all(-1, keepdim=True)
        proposals = torch.log(proposals / (1 - proposals))
        proposals = proposals.masked_fill(~valid, float('inf'))
        out_mem = memory.masked_fill(~valid, float(0))
        out_mem = self.enc_norm(self.enc_output(out_mem))
        enc_logits = self.enc_class(out_mem)
        enc_coord = self.enc_bbox(out_mem) + proposals
        topk = torch.topk(enc_logits.max(-1)[0], self.q, dim=1)[1]
        ref_unsig = torch.gather(enc_coord, 1, topk.unsqueeze(-1).repeat(1, 1, 4))
        reference = ref_unsig.sigmoid()
        tgt = self.tgt_embed.weight[None]
        logits = boxes = None
        for layer, cls, box in zip(self.dec, self.class_embed, self.bbox_embed):
            ref_in = reference[:, :, None].repeat(1, 1, len(shapes), 1)
            qpos = self.ref_point_head(gen_sineembed_for_position(ref_in[:, :, 0, :], self.d))
            tgt = layer(tgt, qpos, ref_in, memory, shapes)
            out = self.dec_norm(tgt)
            boxes = (box(out) + inverse_sigmoid(reference)).sigmoid()
            logits = cls(out)
            reference = boxes
        prob = logits.sigmoid()
        scores, idx = torch.topk(prob.view(1, -1), self.q, dim=1)
        labels = idx % logits.shape[2]
        rows = torch.div(idx, logits.shape[2], rounding_mode='floor')
        cx, cy, w, h = boxes.unbind(-1)
        xyxy = torch.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), -1) * self.size
        xyxy = torch.gather(xyxy, 1, rows.unsqueeze(-1).repeat(1, 1, 4))
        return scores, labels, xyxy


class DABDecoderLayer(nn.Module):
    """Conditional DETR / DAB-DETR decoder layer: separate content / position projections, cross-attention queries and
    keys the per-head concatenation of content and sine-position parts (2 × head dim)."""

    def __init__(self, d=128, heads=8, ff=512, first=False):
        super().__init__()
        self.h, self.first = heads, first
        self.sa_qc, self.sa_qp, self.sa_kc, self.sa_kp, self.sa_v = [nn.Linear(d, d) for _ in range(5)]
        self.sa = nn.MultiheadAttention(d, heads)
        self.ca_qc, self.ca_kc, self.ca_kp, self.ca_v, self.ca_qs = [nn.Linear(d, d) for _ in range(5)]
        self.ca_qp = nn.Linear(d, d) if first else None
        self.ca_out = nn.Linear(d, d)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.ReLU(), nn.Linear(ff, d))

    def forward(self, tgt, memory, pos, query_pos, query_sine):
        q = self.sa_qc(tgt) + self.sa_qp(query_pos)
        k = self.sa_kc(tgt) + self.sa_kp(query_pos)
        tgt = self.n1(tgt + self.sa(q, k, self.sa_v(tgt), need_weights=False)[0])
        nq, bs, d = tgt.shape
        hw = memory.shape[0]
        qc, kc, v = self.ca_qc(tgt), self.ca_kc(memory), self.ca_v(memory)
        kp = self.ca_kp(pos)
        if self.first:
            qc = qc + self.ca_qp(query_pos)
            kc = kc + kp
        qs = self.ca_qs(query_sine)
        hd = d // self.h
        q = torch.cat([qc.view(nq, bs, self.h, hd), qs.view(nq, bs, self.h, hd)], 3).view(nq, bs * self.h, 2 * hd).transpose(0, 1)
        k = torch.cat([kc.view(hw, bs, self.h, hd), kp.view(hw, bs, self.h, hd)], 3).view(hw, bs * self.h, 2 * hd).transpose(0, 1)
        v = v.view(hw, bs * self.h, hd).transpose(0, 1)
        attn = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(2 * hd), -1)
        out = (attn @ v).transpose(0, 1).reshape(nq, bs, d)
        tgt = self.n2(tgt + self.ca_out(out))
        return self.n3(tgt + self.ff(tgt))


class DABDETR(nn.Module):
    """DAB-DETR (R50 → small ResNet-ish, single level, 6 → 3 decoder layers, 300 → 100 anchors): transformer encoder
    with the query_scale (sine positions scaled by an MLP of the content), decoder with learned anchor boxes,
    query_pos = ref_point_head(sine(anchor)), query_scale, modulated width / height attention (ref_anchor_head),
    iterative anchor refinement, sigmoid class scores and cxcywh boxes; its PostProcess (TopK over queries × classes,
    xyxy × image size)."""

    def __init__(self, d=128, heads=8, classes=91, queries=100, enc=2, dec=3, size=320):
        super().__init__()
        self.backbone = Backbone()
        self.input_proj = nn.Conv2d(self.backbone.chans[-1], d, 1)
        self.enc = nn.ModuleList([nn.TransformerEncoderLayer(d, heads, 512, dropout=0.0) for _ in range(enc)])
        self.enc_scale = mlp(d, d, d, 2)
        self.dec = nn.ModuleList([DABDecoderLayer(d, heads, first=i == 0) for i in range(dec)])
        self.refpoint_embed = nn.Embedding(queries, 4)
        nn.init.uniform_(self.refpoint_embed.weight, -2, 2)
        self.query_scale, self.ref_point_head, self.ref_anchor_head = mlp(d, d, d, 2), mlp(2 * d, d, d, 2), mlp(d, d, 2, 2)
        self.bbox_embed, self.class_embed = mlp(d, d, 4, 3), nn.Linear(d, classes)
        self.norm = nn.LayerNorm(d)
        self.d, self.q, self.size = d, queries, size

    def forward(self, x):
        f = self.input_proj(self.backbone(x)[-1])
        h, w = f.shape[-2:]
        src = f.flatten(2).permute(2, 0, 1)
        pos = sine_pos(h, w, self.d).flatten(2).permute(2, 0, 1)
        mem = src
        for layer in self.enc:
            p = pos * self.enc_scale(mem)
            mem = layer.norm1(mem + layer.self_attn(mem + p, mem + p, mem, need_weights=False)[0])
            mem = layer.norm2(mem + layer._ff_block(mem))
        ref = self.refpoint_embed.weight[:, None].sigmoid()
        tgt = torch.zeros(self.q, 1, self.d)
        for i, layer in enumerate(self.dec):
            sine = gen_sineembed_for_position(ref.transpose(0, 1), self.d).transpose(0, 1)
            qpos = self.ref_point_head(sine)
            scale = 1 if i == 0 else self.query_scale(tgt)
            qsine = sine[..., :self.d] * scale
            hw_cond = self.ref_anchor_head(tgt).sigmoid()
            qsine = torch.cat([qsine[..., :self.d // 2] * (hw_cond[..., 1] / ref[..., 3]).unsqueeze(-1),
                               qsine[..., self.d // 2:] * (hw_cond[..., 0] / ref[..., 2]).unsqueeze(-1)], -1)
            tgt = layer(tgt, mem, pos, qpos, qsine)
            ref = (self.bbox_embed(self.norm(tgt)) + inverse_sigmoid(ref)).sigmoid()
        out = self.norm(tgt).transpose(0, 1)
        prob = self.class_embed(out).sigmoid()
        boxes = ref.transpose(0, 1)
        scores, idx = torch.topk(prob.view(1, -1), self.q, dim=1)
        labels = idx % prob.shape[2]
        rows = torch.div(idx, prob.shape[2], rounding_mode='floor')
        cx, cy, bw, bh = boxes.unbind(-1)
        xyxy = torch.stack((cx - 0.5 * bw, cy - 0.5 * bh, cx + 0.5 * bw, cy + 0.5 * bh), -1) * self.size
        return scores, labels, torch.gather(xyxy, 1, rows.unsqueeze(-1).repeat(1, 1, 4))
