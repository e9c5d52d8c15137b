"""Seventh sweep (docs/model-sweep.md): attention-based vision families in plain torch.nn with the math of their public
code, small widths, random weights: RT-DETR (hybrid encoder, query selection by TopK + Gather, multi-scale
deformable attention by grid_sample), Depth-Anything (DINOv2 ViT + DPT head), SegFormer and EfficientViT.
Imported by sweep7.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def conv_bn(c1, c2, k=1, s=1, act=True):
    return nn.Sequential(nn.Conv2d(c1, c2, k, s, k // 2, bias=False), nn.BatchNorm2d(c2), nn.SiLU() if act else nn.Identity())


# --- RT-DETR (lyuwenyu/RT-DETR rtdetr_pytorch: HybridEncoder with AIFI, RTDETRTransformer decoder) ---
def sincos_2d(w, h, dim, temperature=10000.0):
    grid_w, grid_h = torch.meshgrid(torch.arange(int(w), dtype=torch.float32), torch.arange(int(h), dtype=torch.float32), indexing='ij')
    pos_dim = dim // 4
    omega = 1.0 / (temperature ** (torch.arange(pos_dim, dtype=torch.float32) / pos_dim))
    out_w = grid_w.flatten()[..., None] @ omega[None]
    out_h = grid_h.flatten()[..., None] @ omega[None]
    return torch.cat([out_w.sin(), out_w.cos(), out_h.sin(), out_h.cos()], dim=1)[None]


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(min=0., max=1.)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


class MSDeformAttn(nn.Module):
    def __init__(self, d, heads=4, levels=3, points=4):
        super().__init__()
        self.h, self.l, self.p = heads, levels, points
        self.sampling_offsets = nn.Linear(d, heads * levels * points * 2)
        self.attention_weights = nn.Linear(d, heads * levels * points)
        self.value_proj, self.output_proj = nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, query, ref, value, shapes):
        bs, nq, d = query.shape
        hd = d // self.h
        value = self.value_proj(value).view(bs, -1, self.h, hd)
        off = self.sampling_offsets(query).view(bs, nq, self.h, self.l, self.p, 2)
        aw = self.attention_weights(query).view(bs, nq, self.h, self.l * self.p).softmax(-1).view(bs, nq, self.h, self.l, self.p)
        # box references (cx, cy, w, h): offsets scaled by half the box (RT-DETR's 4-d reference)
        loc = ref[:, :, None, None, None, :2] + off / self.p * ref[:, :, None, None, None, 2:] * 0.5
        grids = 2 * loc - 1
        splits = [h * w for h, w in shapes]
        vals = value.split(splits, dim=1)
        outs = []
        for lvl, (h, w) in enumerate(shapes):
            v = vals[lvl].flatten(2).permute(0, 2, 1).reshape(bs * self.h, hd, h, w)
            g = grids[:, :, :, lvl].permute(0, 2, 1, 3, 4).flatten(0, 1)
            outs.append(F.grid_sample(v, g, mode='bilinear', padding_mode='zeros', align_corners=False))
        aw = aw.permute(0, 2, 1, 3, 4).reshape(bs * self.h, 1, nq, self.l * self.p)
        o = (torch.stack(outs, dim=-2).flatten(-2) * aw).sum(-1).view(bs, d, nq)
        return self.output_proj(o.permute(0, 2, 1))


class RtDetr(nn.Module):
    def __init__(self, d=64, nc=80, queries=30, size=320):
        super().__init__()
        self.b3 = nn.Sequential(conv_bn(3, 32, 3, 2), conv_bn(32, 32, 3, 2), conv_bn(32, 64, 3, 2))
        self.b4, self.b5 = conv_bn(64, 96, 3, 2), conv_bn(96, 128, 3, 2)
        self.proj = nn.ModuleList(conv_bn(c, d, 1, 1, False) for c in (64, 96, 128))
        self.aifi = nn.TransformerEncoderLayer(d, 4, 128, 0.0, 'gelu', batch_first=True)
        self.lat = nn.ModuleList(conv_bn(d, d) for _ in range(2))
        self.fpn = nn.ModuleList(conv_bn(2 * d, d, 3) for _ in range(2))
        self.down = nn.ModuleList(conv_bn(d, d, 3, 2) for _ in range(2))
        self.pan = nn.ModuleList(conv_bn(2 * d, d, 3) for _ in range(2))
        self.enc_output = nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d))
        self.enc_score_head, self.enc_bbox_head = nn.Linear(d, nc), nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4))
        self.query_pos_head = nn.Sequential(nn.Linear(4, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.self_attn = nn.MultiheadAttention(d, 4, batch_first=True)
        self.cross_attn = MSDeformAttn(d)
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(3))
        self.ffn = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, d))
        self.dec_score, self.dec_bbox = nn.Linear(d, nc), nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4))
        self.q, self.d = queries, d

    def anchors(self, shapes, grid_size=0.05, eps=1e-2):
        anchors = []
        for lvl, (h, w) in enumerate(shapes):
            gy, gx = torch.meshgrid(torch.arange(end=h, dtype=torch.float32), torch.arange(end=w, dtype=torch.float32), indexing='ij')
            xy = (torch.stack([gx, gy], -1).unsqueeze(0) + 0.5) / torch.tensor([w, h], dtype=torch.float32)
            wh = torch.ones_like(xy) * grid_size * (2.0 ** lvl)
            anchors.append(torch.cat([xy, wh], -1).reshape(-1, h * w, 4))
        anchors = torch.cat(anchors, 1)
        valid = ((anchors > eps) * (anchors < 1 - eps)).all(-1, keepdim=True)
        anchors = torch.log(anchors / (1 - anchors))
        return torch.where(valid, anchors, torch.full_like(anchors, float('inf'))), valid

    def forward(self, x):
        c3 = self.b3(x)
        c4 = self.b4(c3)
        c5 = self.b5(c4)
        s3, s4, s5 = (p(c) for p, c in zip(self.proj, (c3, c4, c5)))
        b, d, h5, w5 = s5.shape
        pos = sincos_2d(w5, h5, d)
        s5 = self.aifi(s5.flatten(2).permute(0, 2, 1) + pos)
        s5 = s5.permute(0, 2, 1).reshape(b, d, h5, w5)
        t5 = self.lat[0](s5)
        t4 = self.lat[1](self.fpn[0](torch.cat([F.interpolate(t5, scale_factor=2.0, mode='nearest'), s4], 1)))
        o3 = self.fpn[1](torch.cat([F.interpolate(t4, scale_factor=2.0, mode='nearest'), s3], 1))
        o4 = self.pan[0](torch.cat([self.down[0](o3), t4], 1))
        o5 = self.pan[1](torch.cat([self.down[1](o4), t5], 1))
        feats = (o3, o4, o5)
        shapes = [(f.shape[2], f.shape[3]) for f in feats]
        memory = torch.cat([f.flatten(2).permute(0, 2, 1) for f in feats], 1)
        anchors, valid = self.anchors(shapes)
        out_mem = self.enc_output(valid.to(memory.dtype) * memory)
        enc_logits = self.enc_score_head(out_mem)
        enc_coord = self.enc_bbox_head(out_mem) + anchors
        _, idx = torch.topk(enc_logits.max(-1).values, self.q, dim=1)
        ref_unact = enc_coord.gather(1, idx.unsqueeze(-1).repeat(1, 1, 4))
        target = out_mem.gather(1, idx.unsqueeze(-1).repeat(1, 1, self.d))
        ref = ref_unact.sigmoid()
        qpos = self.query_pos_head(ref)
        q = target + qpos
        t = self.norms[0](target + self.self_attn(q, q, target)[0])
        t = self.norms[1](t + self.cross_attn(t + qpos, ref, memory, shapes))
        t = self.norms[2](t + self.ffn(t))
        boxes = (self.dec_bbox(t) + inverse_sigmoid(ref)).sigmoid()
        return self.dec_score(t).sigmoid(), boxes


# --- Depth-Anything (DINOv2 ViT-S-like encoder with bicubic position interpolation, DPT head) ---
class DepthAnything(nn.Module):
    def __init__(self, d=64, depth=4, heads=4, patch=14, grid=8, feats=32, outs=(16, 32, 64, 64)):
        super().__init__()
        self.patch, self.grid, self.d = patch, grid, d
        self.patch_embed = nn.Conv2d(3, d, patch, patch)
        self.cls_token = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.pos_embed = nn.Parameter(0.02 * torch.randn(1, grid * grid + 1, d))
        self.blocks = nn.ModuleList(nn.TransformerEncoderLayer(d, heads, 4 * d, 0.0, 'gelu', batch_first=True, norm_first=True) for _ in range(depth))
        self.norm = nn.LayerNorm(d)
        self.projects = nn.ModuleList(nn.Conv2d(d, c, 1) for c in outs)
        self.resize = nn.ModuleList([nn.ConvTranspose2d(outs[0], outs[0], 4, 4), nn.ConvTranspose2d(outs[1], outs[1], 2, 2),
                                     nn.Identity(), nn.Conv2d(outs[3], outs[3], 3, 2, 1)])
        self.layer_rn = nn.ModuleList(nn.Conv2d(c, feats, 3, 1, 1, bias=False) for c in outs)
        self.rcu1 = nn.ModuleList(self.rcu(feats) for _ in range(4))
        self.rcu2 = nn.ModuleList(self.rcu(feats) for _ in range(4))
        self.fuse_out = nn.ModuleList(nn.Conv2d(feats, feats, 1) for _ in range(4))
        self.head1 = nn.Conv2d(feats, feats // 2, 3, 1, 1)
        self.head2 = nn.Sequential(nn.Conv2d(feats // 2, 16, 3, 1, 1), nn.ReLU(True), nn.Conv2d(16, 1, 1), nn.ReLU(True))
        nn.init.constant_(self.head2[2].bias, 0.5)  # a depth map above the final ReLU (random weights left it all 0)

    @staticmethod
    def rcu(c):
        return nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, 3, 1, 1), nn.ReLU(), nn.Conv2d(c, c, 3, 1, 1))

    def interpolate_pos(self, h, w):
        pos = self.pos_embed
        cls_pos, patch_pos = pos[:, :1], pos[:, 1:]
        patch_pos = patch_pos.reshape(1, self.grid, self.grid, self.d).permute(0, 3, 1, 2)
        # DINOv2 (interpolate_offset 0): bicubic to the patch grid, antialias off
        patch_pos = F.interpolate(patch_pos, size=(h, w), mode='bicubic', align_corners=False)
        return torch.cat((cls_pos, patch_pos.permute(0, 2, 3, 1).reshape(1, -1, self.d)), 1)

    def forward(self, x):
        b, _, hh, ww = x.shape
        ph, pw = hh // self.patch, ww // self.patch
        t = self.patch_embed(x).flatten(2).transpose(1, 2)
        t = torch.cat((self.cls_token.expand(b, -1, -1), t), 1) + self.interpolate_pos(ph, pw)
        layers = []
        for blk in self.blocks:
            t = blk(t)
            layers.append(self.norm(t))
        paths = []
        for i, f in enumerate(layers):
            f = f[:, 1:].permute(0, 2, 1).reshape(b, self.d, ph, pw)
            paths.append(self.layer_rn[i](self.resize[i](self.projects[i](f))))
        out = None
        for i in (3, 2, 1, 0):
            p = paths[i] if out is None else self.rcu1[i](paths[i]) + paths[i] + out
            p = self.rcu2[i](p) + p
            size = paths[i - 1].shape[2:] if i > 0 else None
            p = F.interpolate(p, size=size, scale_factor=None if size is not None else 2.0, mode='bilinear', align_corners=True)
            out = self.fuse_out[i](p)
        out = self.head1(out)
        out = F.interpolate(out, (ph * 14, pw * 14), mode='bilinear', align_corners=True)
        return self.head2(out).squeeze(1)


# --- SegFormer (NVlabs/SegFormer mix_transformer: overlap patch embed, efficient attention with sr_ratio, MixFFN) ---
class SegBlock(nn.Module):
    def __init__(self, d, heads, sr):
        super().__init__()
        self.h, self.sr_ratio = heads, sr
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.kv, self.proj = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)
        if sr > 1:
            self.sr, self.sr_norm = nn.Conv2d(d, d, sr, sr), nn.LayerNorm(d)
        self.fc1, self.dw, self.fc2 = nn.Linear(d, 4 * d), nn.Conv2d(4 * d, 4 * d, 3, 1, 1, groups=4 * d), nn.Linear(4 * d, d)

    def attn(self, x, H, W):
        B, N, C = x.shape
        hd = C // self.h
        q = self.q(x).reshape(B, N, self.h, hd).permute(0, 2, 1, 3)
        if self.sr_ratio > 1:
            x_ = self.sr(x.permute(0, 2, 1).reshape(B, C, H, W)).reshape(B, C, -1).permute(0, 2, 1)
            x = self.sr_norm(x_)
        kv = self.kv(x).reshape(B, -1, 2, self.h, hd).permute(2, 0, 3, 1, 4)
        k, v = kv[0], kv[1]
        a = ((q @ k.transpose(-2, -1)) * hd ** -0.5).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(B, N, C))

    def forward(self, x, H, W):
        x = x + self.attn(self.n1(x), H, W)
        y = self.fc1(self.n2(x))
        B, N, C = y.shape
        y = self.dw(y.transpose(1, 2).view(B, C, H, W)).flatten(2).transpose(1, 2)
        return x + self.fc2(F.gelu(y))


class SegFormer(nn.Module):
    def __init__(self, dims=(16, 32, 80, 128), heads=(1, 2, 5, 8), srs=(8, 4, 2, 1), nc=19, e=64):
        super().__init__()
        self.embeds = nn.ModuleList(nn.Conv2d(c1, c2, 7 if i == 0 else 3, 4 if i == 0 else 2, 3 if i == 0 else 1)
                                    for i, (c1, c2) in enumerate(zip((3,) + dims[:-1], dims)))
        self.enorms = nn.ModuleList(nn.LayerNorm(c) for c in dims)
        self.blocks = nn.ModuleList(SegBlock(c, h, s) for c, h, s in zip(dims, heads, srs))
        self.norms = nn.ModuleList(nn.LayerNorm(c) for c in dims)
        self.mlps = nn.ModuleList(nn.Linear(c, e) for c in dims)
        self.fuse = nn.Sequential(nn.Conv2d(4 * e, e, 1, bias=False), nn.BatchNorm2d(e), nn.ReLU())
        self.pred = nn.Conv2d(e, nc, 1)

    def forward(self, x):
        B = x.shape[0]
        outs = []
        for emb, en, blk, n in zip(self.embeds, self.enorms, self.blocks, self.norms):
            x = emb(x)
            _, _, H, W = x.shape
            t = blk(en(x.flatten(2).transpose(1, 2)), H, W)
            x = n(t).reshape(B, H, W, -1).permute(0, 3, 1, 2).contiguous()
            outs.append(x)
        size = outs[0].shape[2:]
        ms = []
        for f, mlp in zip(outs, self.mlps):
            m = mlp(f.flatten(2).transpose(1, 2)).permute(0, 2, 1).reshape(B, -1, f.shape[2], f.shape[3])
            ms.append(F.interpolate(m, size=size, mode='bilinear', align_corners=False))
        return self.pred(self.fuse(torch.cat(ms[::-1], 1)))


# --- EfficientViT (mit-han-lab efficientvit: MBConv, LiteMLA ReLU linear attention with multi-scale aggregation) ---
class LiteMLA(nn.Module):
    def __init__(self, c, dim=16, scales=(5,), eps=1e-15):
        super().__init__()
        self.heads, self.dim, self.eps = c // dim, dim, eps
        total = 3 * c
        self.qkv = nn.Conv2d(c, total, 1, bias=False)
        self.aggreg = nn.ModuleList(nn.Sequential(nn.Conv2d(total, total, s, 1, s // 2, groups=total, bias=False),
                                                  nn.Conv2d(total, total, 1, groups=3 * self.heads, bias=False)) for s in scales)
        self.proj = nn.Sequential(nn.Conv2d(c * (1 + len(scales)), c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        B, _, H, W = x.shape
        qkv = self.qkv(x)
        qkv = torch.cat([qkv] + [op(qkv) for op in self.aggreg], 1)
        qkv = qkv.reshape(B, -1, 3 * self.dim, H * W).transpose(-1, -2)
        q, k, v = qkv[..., :self.dim], qkv[..., self.dim:2 * self.dim], qkv[..., 2 * self.dim:]
        q, k = F.relu(q), F.relu(k)
        v = F.pad(v, (0, 1), mode='constant', value=1)
        vk = torch.matmul(k.transpose(-1, -2), v)
        out = torch.matmul(q, vk)
        out = out[..., :-1] / (out[..., -1:] + self.eps)
        out = out.transpose(-1, -2).reshape(B, -1, H, W)
        return x + self.proj(out)


class MBConv(nn.Module):
    def __init__(self, c1, c2, s=1, e=4):
        super().__init__()
        m = c1 * e
        self.body = nn.Sequential(nn.Conv2d(c1, m, 1), nn.Hardswish(), nn.Conv2d(m, m, 3, s, 1, groups=m), nn.Hardswish(),
                                  nn.Conv2d(m, c2, 1, bias=False), nn.BatchNorm2d(c2))
        self.res = s == 1 and c1 == c2

    def forward(self, x):
        return x + self.body(x) if self.res else self.body(x)


class EfficientViT(nn.Module):
    def __init__(self, widths=(16, 32, 64, 128), nc=100):
        super().__init__()
        w = widths
        self.stem = nn.Sequential(nn.Conv2d(3, w[0], 3, 2, 1), nn.BatchNorm2d(w[0]), nn.Hardswish(), MBConv(w[0], w[0]))
        self.s1 = nn.Sequential(MBConv(w[0], w[1], 2), MBConv(w[1], w[1]))
        self.s2 = nn.Sequential(MBConv(w[1], w[2], 2), MBConv(w[2], w[2]))
        self.s3 = nn.Sequential(MBConv(w[2], w[3], 2), LiteMLA(w[3]), MBConv(w[3], w[3]), LiteMLA(w[3]), MBConv(w[3], w[3]))
        self.head = nn.Sequential(nn.Conv2d(w[3], 256, 1), nn.Hardswish(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(256, 256), nn.LayerNorm(256), nn.Hardswish(), nn.Linear(256, nc))

    def forward(self, x):
        return self.head(self.s3(self.s2(self.s1(self.stem(x)))))


# --- MobileViT v2 (apple/ml-cvnets: separable linear self-attention, unfold by a constant conv, fold by PixelShuffle) ---
class LinearSelfAttention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.d = d
        self.qkv_proj, self.out_proj = nn.Conv2d(d, 1 + 2 * d, 1), nn.Conv2d(d, d, 1)

    def forward(self, x):  # [B, d, P, N]
        query, key, value = torch.split(self.qkv_proj(x), [1, self.d, self.d], dim=1)
        context = torch.sum(key * F.softmax(query, dim=-1), dim=-1, keepdim=True)
        return self.out_proj(F.relu(value) * context.expand_as(value))


class MobileViTv2Block(nn.Module):
    """unfolding_coreml / folding_coreml: patches by a grouped conv with one-hot weights, folded back by PixelShuffle."""

    def __init__(self, c, d, p=2):
        super().__init__()
        self.p = p
        self.local = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c), nn.BatchNorm2d(c), nn.SiLU(), nn.Conv2d(c, d, 1, bias=False))
        self.norm1, self.norm2 = nn.GroupNorm(1, d), nn.GroupNorm(1, d)
        self.attn = LinearSelfAttention(d)
        self.ffn = nn.Sequential(nn.Conv2d(d, 2 * d, 1), nn.SiLU(), nn.Conv2d(2 * d, d, 1))
        self.proj = nn.Sequential(nn.Conv2d(d, c, 1, bias=False), nn.BatchNorm2d(c))
        w = torch.eye(p * p).reshape(p * p, 1, p, p).repeat(d, 1, 1, 1)
        self.register_buffer('unfold_w', w)

    def forward(self, x):
        f = self.local(x)
        b, d, h, w = f.shape
        patches = F.conv2d(f, self.unfold_w, stride=self.p, groups=d)  # [B, d·p², h/p, w/p]
        patches = patches.reshape(b, d, self.p * self.p, -1)
        patches = patches + self.attn(self.norm1(patches))
        patches = patches + self.ffn(self.norm2(patches))
        f = F.pixel_shuffle(patches.reshape(b, d * self.p * self.p, h // self.p, w // self.p), self.p)
        return self.proj(f)


class MobileViTv2(nn.Module):
    def __init__(self, nc=100):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 16, 3, 2), conv_bn(16, 32, 3, 2), conv_bn(32, 64, 3, 2))
        self.b1, self.down = MobileViTv2Block(64, 64), conv_bn(64, 96, 3, 2)
        self.b2 = MobileViTv2Block(96, 96)
        self.head = nn.Linear(96, nc)

    def forward(self, x):
        return self.head(self.b2(self.down(self.b1(self.stem(x)))).mean((2, 3)))
