"""Fifteenth sweep, detection / keypoints / OCR (docs/model-sweep.md): Sparse R-CNN (learned proposals, multi-scale
RoIAlign, dynamic instance interaction), TOOD (task-aligned head: layer attention, task decomposition by a run-time
1×1 weight, deformable sampling of the predictions), ALIKED (DKD keypoints + SDDH deformable descriptors), LPRNet
(licence plates: MaxPool3d over channels, global context), SMOKE (monocular 3-D boxes decoded in the graph) in plain
torch.nn with the projects' math (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import MultiScaleRoIAlign

from sweep15_vis_seg import cbr


class TinyFPN(nn.Module):
    """A small ResNet-ish trunk with an FPN: P2-P5 (strides 4-32) of `ch` channels."""

    def __init__(self, ch=64, widths=(16, 32, 64, 96), levels=4):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 16, 3, 2), cbr(16, widths[0], 3, 2))
        self.stages = nn.ModuleList([cbr(widths[0], widths[0])] + [nn.Sequential(cbr(widths[i - 1], widths[i], 3, 2), cbr(widths[i], widths[i])) for i in range(1, 4)])
        self.lat = nn.ModuleList(nn.Conv2d(w, ch, 1) for w in widths)
        self.out = nn.ModuleList(nn.Conv2d(ch, ch, 3, 1, 1) for _ in widths)
        self.levels = levels

    def forward(self, x):
        x = self.stem(x)
        cs = []
        for s in self.stages:
            x = s(x)
            cs.append(x)
        ps = [self.lat[3](cs[3])]
        for i in range(2, -1, -1):
            ps.insert(0, self.lat[i](cs[i]) + F.interpolate(ps[0], size=cs[i].shape[2:], mode='nearest'))
        ps = [o(p) for o, p in zip(self.out, ps)]
        return ps[4 - self.levels:]


# --- Sparse R-CNN ---

class DynamicConv(nn.Module):
    def __init__(self, d, dyn=16, pool=7):
        super().__init__()
        self.d, self.dyn = d, dyn
        self.dynamic_layer = nn.Linear(d, 2 * d * dyn)
        self.n1, self.n2, self.n3 = nn.LayerNorm(dyn), nn.LayerNorm(d), nn.LayerNorm(d)
        self.out_layer = nn.Linear(d * pool * pool, d)

    def forward(self, pro, roi):  # pro [1, B·N, d], roi [49, B·N, d]
        feats = roi.permute(1, 0, 2)
        params = self.dynamic_layer(pro).permute(1, 0, 2)
        p1 = params[:, :, :self.d * self.dyn].view(-1, self.d, self.dyn)
        p2 = params[:, :, self.d * self.dyn:].view(-1, self.dyn, self.d)
        feats = F.relu(self.n1(torch.bmm(feats, p1)))
        feats = F.relu(self.n2(torch.bmm(feats, p2)))
        return F.relu(self.n3(self.out_layer(feats.flatten(1))))


class RCNNHead(nn.Module):
    def __init__(self, d, classes, heads=4):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads)
        self.inst = DynamicConv(d)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.ffn = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.cls = nn.Sequential(nn.Linear(d, d, bias=False), nn.LayerNorm(d), nn.ReLU(), nn.Linear(d, classes))
        self.reg = nn.Sequential(nn.Linear(d, d, bias=False), nn.LayerNorm(d), nn.ReLU(), nn.Linear(d, 4))
        self.clamp = math.log(100000.0 / 16)

    def apply_deltas(self, deltas, boxes):
        widths, heights = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        cx, cy = boxes[:, 0] + 0.5 * widths, boxes[:, 1] + 0.5 * heights
        dx, dy = deltas[:, 0] / 2.0, deltas[:, 1] / 2.0
        dw, dh = torch.clamp(deltas[:, 2], max=self.clamp), torch.clamp(deltas[:, 3], max=self.clamp)
        pcx, pcy = dx * widths + cx, dy * heights + cy
        pw, ph = torch.exp(dw) * widths, torch.exp(dh) * heights
        return torch.stack([pcx - 0.5 * pw, pcy - 0.5 * ph, pcx + 0.5 * pw, pcy + 0.5 * ph], 1)

    def forward(self, feats, boxes, pro, pooler, image_size):
        n, d = pro.shape[1], pro.shape[2]
        roi = pooler({str(i): f for i, f in enumerate(feats)}, [boxes], [image_size])  # [N, d, 7, 7]
        roi = roi.view(n, d, -1).permute(2, 0, 1)
        pro = pro.permute(1, 0, 2)  # [N, 1, d]
        pro = self.n1(pro + self.self_attn(pro, pro, pro)[0])
        pro = pro.reshape(1, n, d)
        obj = self.n2(pro.transpose(0, 1).reshape(n, d) + self.inst(pro, roi))
        obj = self.n3(obj + self.ffn(obj))
        return self.cls(obj), self.apply_deltas(self.reg(obj), boxes), obj[None]


class SparseRCNN(nn.Module):
    def __init__(self, n=20, d=64, classes=20, stages=2, size=256):
        super().__init__()
        self.fpn = TinyFPN(d)
        self.init_boxes = nn.Embedding(n, 4)
        nn.init.constant_(self.init_boxes.weight[:, :2], 0.5)
        nn.init.constant_(self.init_boxes.weight[:, 2:], 1.0)
        with torch.no_grad():
            self.init_boxes.weight.add_(0.2 * (torch.rand(n, 4) - 0.5))
        self.init_feats = nn.Embedding(n, d)
        self.heads = nn.ModuleList(RCNNHead(d, classes) for _ in range(stages))
        self.pooler = MultiScaleRoIAlign(['0', '1', '2', '3'], 7, 2)
        self.size = size

    def forward(self, x):
        feats = self.fpn(x)
        b = self.init_boxes.weight
        s = float(self.size)
        boxes = torch.stack([b[:, 0] - 0.5 * b[:, 2], b[:, 1] - 0.5 * b[:, 3], b[:, 0] + 0.5 * b[:, 2], b[:, 1] + 0.5 * b[:, 3]], 1) * s
        pro = self.init_feats.weight[None]
        for h in self.heads:
            logits, boxes, pro = h(feats, boxes, pro, self.pooler, (self.size, self.size))
            boxes = boxes.detach()
        return torch.sigmoid(logits), boxes.clamp(0, s)


# --- TOOD ---

class TaskDecomposition(nn.Module):
    def __init__(self, ch, stacked, la_down=8):
        super().__init__()
        self.ch, self.s = ch, stacked
        self.la1, self.la2 = nn.Conv2d(ch * stacked, ch * stacked // la_down, 1), nn.Conv2d(ch * stacked // la_down, stacked, 1)
        self.reduction = nn.Conv2d(ch * stacked, ch, 1, bias=False)
        self.gn = nn.GroupNorm(16, ch)

    def forward(self, feat):
        b, _, h, w = feat.shape
        avg = F.adaptive_avg_pool2d(feat, 1)
        att = torch.sigmoid(self.la2(F.relu(self.la1(avg))))
        wt = att.reshape(b, 1, self.s, 1) * self.reduction.weight.reshape(1, self.ch, self.s, self.ch)
        wt = wt.reshape(b, self.ch, self.s * self.ch)
        feat = torch.bmm(wt, feat.reshape(b, self.s * self.ch, h * w)).reshape(b, self.ch, h, w)
        return F.relu(self.gn(feat))


def deform_sampling(feat, offset):
    """mmdet TOOD's deform_sampling: a 1×1 deformable conv with an identity weight, one offset group per channel —
    each channel read bilinearly at its own (y, x) offset (zero outside)."""
    b, c, h, w = feat.shape
    off = offset.view(b, c, 2, h, w)
    ys = torch.arange(h, dtype=torch.float32).view(1, 1, h, 1) + off[:, :, 0]
    xs = torch.arange(w, dtype=torch.float32).view(1, 1, 1, w) + off[:, :, 1]
    grid = torch.stack([xs * (2.0 / (w - 1)) - 1, ys * (2.0 / (h - 1)) - 1], -1).view(b * c, h, w, 2)
    return F.grid_sample(feat.reshape(b * c, 1, h, w), grid, mode='bilinear', padding_mode='zeros', align_corners=True).view(b, c, h, w)


class TOOD(nn.Module):
    def __init__(self, ch=64, classes=20, stacked=3, strides=(8, 16, 32)):
        super().__init__()
        self.fpn = TinyFPN(ch, levels=3)
        self.strides = strides
        self.inter = nn.ModuleList(nn.Sequential(nn.Conv2d(ch, ch, 3, 1, 1, bias=False), nn.GroupNorm(16, ch), nn.ReLU()) for _ in range(stacked))
        self.cls_decomp, self.reg_decomp = TaskDecomposition(ch, stacked), TaskDecomposition(ch, stacked)
        self.tood_cls, self.tood_reg = nn.Conv2d(ch, classes, 3, 1, 1), nn.Conv2d(ch, 4, 3, 1, 1)
        self.cls_prob = nn.Sequential(nn.Conv2d(ch * stacked, ch // 4, 1), nn.ReLU(), nn.Conv2d(ch // 4, 1, 3, 1, 1))
        self.reg_offset = nn.Sequential(nn.Conv2d(ch * stacked, ch // 4, 1), nn.ReLU(), nn.Conv2d(ch // 4, 4 * 2, 3, 1, 1))
        self.scales = nn.Parameter(torch.ones(len(strides)))

    def forward(self, x):
        scores, boxes = [], []
        for i, (f, s) in enumerate(zip(self.fpn(x), self.strides)):
            b, _, h, w = f.shape
            inter = []
            for conv in self.inter:
                f = conv(f)
                inter.append(f)
            feat = torch.cat(inter, 1)
            cls_logits = self.tood_cls(self.cls_decomp(feat))
            reg_feat = self.reg_decomp(feat)
            cls_score = torch.sqrt(torch.sigmoid(cls_logits) * torch.sigmoid(self.cls_prob(feat)))
            dist = torch.exp(self.scales[i] * self.tood_reg(reg_feat)) * s
            ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing='ij')
            cx, cy = (xs + 0.5) * s, (ys + 0.5) * s
            reg_bbox = torch.stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]], 1)
            bbox = deform_sampling(reg_bbox, self.reg_offset(feat))
            scores.append(cls_score.flatten(2).transpose(1, 2))
            boxes.append(bbox.flatten(2).transpose(1, 2))
        return torch.cat(scores, 1), torch.cat(boxes, 1)


# --- ALIKED (DKD + SDDH) ---

class ALIKED(nn.Module):
    def __init__(self, c=(16, 32, 64, 64), dim=64, top_k=200, radius=2, m=8, k=3):
        super().__init__()
        self.b1 = nn.Sequential(cbr(3, c[0]), cbr(c[0], c[0]))
        self.b2 = nn.Sequential(cbr(c[0], c[1]), cbr(c[1], c[1]))
        self.b3 = nn.Sequential(cbr(c[1], c[2]), cbr(c[2], c[2]))
        self.b4 = nn.Sequential(cbr(c[2], c[3]), cbr(c[3], c[3]))
        self.conv1, self.conv2, self.conv3, self.conv4 = (nn.Conv2d(ci, dim // 4, 1) for ci in c)
        self.score_head = nn.Sequential(nn.Conv2d(dim, 8, 1), nn.SELU(), nn.Conv2d(8, 4, 3, 1, 1), nn.SELU(), nn.Conv2d(4, 4, 3, 1, 1), nn.SELU(), nn.Conv2d(4, 1, 3, 1, 1))
        # SDDH
        self.offset_conv = nn.Sequential(nn.Conv2d(dim, 2 * m, k), nn.SELU(), nn.Conv2d(2 * m, 2 * m, 1))
        self.sf_conv = nn.Conv2d(dim, dim, 1, bias=False)
        self.agg_weights = nn.Parameter(0.1 * torch.randn(m, dim, dim))
        self.top_k, self.radius, self.m, self.k = top_k, radius, m, k

    def simple_nms(self, scores):
        r = self.radius

        def max_pool(x):
            return F.max_pool2d(x, 2 * r + 1, 1, r)
        zeros = torch.zeros_like(scores)
        max_mask = scores == max_pool(scores)
        for _ in range(2):
            supp = max_pool(max_mask.float()) > 0
            supp_scores = torch.where(supp, zeros, scores)
            new_max = supp_scores == max_pool(supp_scores)
            max_mask = max_mask | (new_max & (~supp))
        return torch.where(max_mask, scores, zeros)

    def forward(self, image):
        b, _, h, w = image.shape
        x1 = self.b1(image)
        x2 = self.b2(F.avg_pool2d(x1, 2))
        x3 = self.b3(F.avg_pool2d(x2, 4))
        x4 = self.b4(F.avg_pool2d(x3, 4))
        up = lambda t: F.interpolate(t, size=(h, w), mode='bilinear', align_corners=True)  # noqa: E731
        feats = torch.cat([F.selu(self.conv1(x1)), up(F.selu(self.conv2(x2))), up(F.selu(self.conv3(x3))), up(F.selu(self.conv4(x4)))], 1)
        score_map = torch.sigmoid(self.score_head(feats))
        feats = F.normalize(feats, p=2, dim=1)
        # DKD: NMS, border removal, top-k, soft-argmax refinement in a (2r+1)² window
        nms = self.simple_nms(score_map)
        r = self.radius
        nms = F.pad(nms[:, :, r + 1:-(r + 1), r + 1:-(r + 1)], [r + 1] * 4)
        scores, idx = torch.topk(nms.view(b, -1), self.top_k)
        kx, ky = (idx % w).float(), torch.div(idx, w, rounding_mode='floor').float()
        patches = F.unfold(score_map, 2 * r + 1, padding=r)  # [b, (2r+1)², h·w]
        patch = torch.gather(patches, 2, idx[:, None, :].expand(b, (2 * r + 1) ** 2, self.top_k))
        patch = patch - patch.max(1, keepdim=True)[0]
        wts = torch.softmax(patch / 0.1, 1)
        gy, gx = torch.meshgrid(torch.arange(-r, r + 1, dtype=torch.float32), torch.arange(-r, r + 1, dtype=torch.float32), indexing='ij')
        dx, dy = (wts * gx.reshape(1, -1, 1)).sum(1), (wts * gy.reshape(1, -1, 1)).sum(1)
        kx, ky = kx + dx, ky + dy
        kpts = torch.stack([kx / (w - 1) * 2 - 1, ky / (h - 1) * 2 - 1], -1)  # [b, K, 2]
        kscores = F.grid_sample(score_map, kpts[:, :, None], mode='bilinear', align_corners=True)[:, 0, :, 0]
        # SDDH: k×k patches at the keypoints, offsets, deformable samples, per-sample weights
        kk = self.k
        oy, ox = torch.meshgrid(torch.arange(kk, dtype=torch.float32) - kk // 2, torch.arange(kk, dtype=torch.float32) - kk // 2, indexing='ij')
        pg = torch.stack([ox.reshape(-1) * 2 / (w - 1), oy.reshape(-1) * 2 / (h - 1)], -1)  # [k², 2]
        pgrid = kpts[:, :, None, :] + pg[None, None]  # [b, K, k², 2]
        patch = F.grid_sample(feats, pgrid, mode='bilinear', align_corners=True)  # [b, C, K, k²]
        patch = patch.permute(0, 2, 1, 3).reshape(b * self.top_k, -1, kk, kk)
        offset = self.offset_conv(patch).clamp(-r, r).view(b, self.top_k, self.m, 2)
        pos = kpts[:, :, None, :] + offset * torch.tensor([2.0 / (w - 1), 2.0 / (h - 1)])
        sf = F.grid_sample(feats, pos, mode='bilinear', align_corners=True)  # [b, C, K, M]
        sf = F.selu(self.sf_conv(sf))
        desc = torch.einsum('bckm,mdc->bkd', sf, self.agg_weights)
        return kpts, F.normalize(desc, p=2, dim=2), kscores


# --- LPRNet ---

def small_basic_block(i, o):
    return nn.Sequential(nn.Conv2d(i, o // 4, 1), nn.ReLU(), nn.Conv2d(o // 4, o // 4, (3, 1), padding=(1, 0)), nn.ReLU(),
                         nn.Conv2d(o // 4, o // 4, (1, 3), padding=(0, 1)), nn.ReLU(), nn.Conv2d(o // 4, o, 1))


class LPRNet(nn.Module):
    def __init__(self, classes=68):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 64, 3, 1), nn.BatchNorm2d(64), nn.ReLU(),                       # 0-2
            nn.MaxPool3d((1, 3, 3), (1, 1, 1)),                                           # 3
            small_basic_block(64, 128), nn.BatchNorm2d(128), nn.ReLU(),                   # 4-6
            nn.MaxPool3d((1, 3, 3), (2, 1, 2)),                                           # 7
            small_basic_block(64, 256), nn.BatchNorm2d(256), nn.ReLU(),                   # 8-10
            small_basic_block(256, 256), nn.BatchNorm2d(256), nn.ReLU(),                  # 11-13
            nn.MaxPool3d((1, 3, 3), (4, 1, 2)),                                           # 14
            nn.Dropout(0.5),
            nn.Conv2d(64, 256, (1, 4), 1), nn.BatchNorm2d(256), nn.ReLU(),                # 16-18
            nn.Dropout(0.5),
            nn.Conv2d(256, classes, (13, 1), 1), nn.BatchNorm2d(classes), nn.ReLU())      # 20-22
        self.container = nn.Conv2d(448 + classes, classes, 1)

    def forward(self, x):
        keep = []
        for i, layer in enumerate(self.backbone):
            x = layer(x)
            if i in (2, 6, 13, 22):
                keep.append(x)
        glob = []
        for i, f in enumerate(keep):
            if i in (0, 1):
                f = F.avg_pool2d(f, 5, 5)
            if i == 2:
                f = F.avg_pool2d(f, (4, 10), (4, 2))
            f = f / torch.mean(torch.pow(f, 2))
            glob.append(f)
        x = self.container(torch.cat(glob, 1))
        return torch.mean(x, dim=2)


# --- SMOKE (monocular 3-D detection with the decode) ---

class SMOKE(nn.Module):
    def __init__(self, classes=3, k=50, ch=64):
        super().__init__()
        self.trunk = nn.Sequential(cbr(3, 16, 3, 2), cbr(16, 32, 3, 2), cbr(32, 48, 3, 2), cbr(48, 64, 3, 2), cbr(64, 64))
        self.up = nn.Sequential(nn.ConvTranspose2d(64, ch, 4, 2, 1, bias=False), nn.GroupNorm(32, ch), nn.ReLU())
        self.hm = nn.Sequential(nn.Conv2d(ch, 64, 3, 1, 1), nn.GroupNorm(32, 64), nn.ReLU(), nn.Conv2d(64, classes, 1))
        self.reg = nn.Sequential(nn.Conv2d(ch, 64, 3, 1, 1), nn.GroupNorm(32, 64), nn.ReLU(), nn.Conv2d(64, 8, 1))
        self.k = k
        self.register_buffer('dim_ref', torch.tensor([[3.88, 1.63, 1.53], [1.78, 1.70, 0.58], [0.88, 1.73, 0.67]]))
        self.depth_ref = (28.01, 16.32)

    def forward(self, image, K, trans_mat):  # K [1, 3, 3] camera, trans_mat [1, 3, 3] feature → image
        f = self.up(self.trunk(image))
        heat = torch.clamp(torch.sigmoid(self.hm(f)), 1e-4, 1 - 1e-4)
        reg = self.reg(f)
        offset_dims = torch.sigmoid(reg[:, 3:6]) - 0.5
        vector_ori = F.normalize(reg[:, 6:8], dim=1)
        reg = torch.cat([reg[:, :3], offset_dims, vector_ori], 1)
        b, c, h, w = heat.shape
        peaks = (heat == F.max_pool2d(heat, 3, 1, 1)).float() * heat
        scores, idx = torch.topk(peaks.view(b, -1), self.k)
        cls = torch.div(idx, h * w, rounding_mode='floor')
        pix = idx % (h * w)
        ys, xs = torch.div(pix, w, rounding_mode='floor').float(), (pix % w).float()
        r = torch.gather(reg.view(b, 8, -1), 2, pix[:, None, :].expand(b, 8, self.k)).transpose(1, 2)[0]  # [K, 8]
        depth = r[:, 0] * self.depth_ref[1] + self.depth_ref[0]
        pts = torch.stack([xs[0] + r[:, 1], ys[0] + r[:, 2], torch.ones_like(depth)], 0)  # [3, K]
        # trans_mat⁻¹ and K⁻¹ by the adjugate (torch 1.13 has no inverse export)
        def inv3(m):
            a = m[0]
            def cross(u, v):
                return torch.stack([u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]])
            c0, c1, c2 = cross(a[1], a[2]), cross(a[2], a[0]), cross(a[0], a[1])
            det = (a[0] * c0).sum()
            return torch.stack([c0, c1, c2], 1) / det
        img_pts = inv3(trans_mat) @ pts
        cam = inv3(K) @ (img_pts * depth[None])  # [3, K]
        dims = torch.exp(r[:, 3:6]) * self.dim_ref[cls[0]]
        loc = cam.transpose(0, 1) + torch.stack([torch.zeros_like(depth), 0.5 * dims[:, 1], torch.zeros_like(depth)], 1)
        rays = torch.atan(loc[:, 0] / (loc[:, 2] + 1e-7))
        alphas = torch.atan(r[:, 6] / (r[:, 7] + 1e-7))
        alphas = torch.where(r[:, 7] >= 0, alphas - math.pi / 2, alphas + math.pi / 2)
        rotys = alphas + rays
        rotys = torch.where(rotys > math.pi, rotys - 2 * math.pi, rotys)
        rotys = torch.where(rotys < -math.pi, rotys + 2 * math.pi, rotys)
        return torch.cat([cls[0, :, None].float(), alphas[:, None], dims, loc, rotys[:, None], scores[0, :, None]], 1)
