"""Fifteenth sweep, 3-D / video / multi-camera / points (docs/model-sweep.md): MONAI SegResNet (3-D, GroupNorm,
trilinear ups), UniFormer video (3-D depthwise relation aggregators, then global attention over T·H·W), PETR (3-D
position embeddings of camera frustums), DETR3D (reference points projected into each camera, grid_sample),
Fast-BEV (voxels filled from the cameras by a fixed look-up table), PointMLP-elite (kNN groups with the geometric
affine module) in plain torch.nn with the projects' math (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from sweep15_vis_seg import cbr


# --- MONAI SegResNet ---

class ResBlock3d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n1, self.n2 = nn.GroupNorm(8, c), nn.GroupNorm(8, c)
        self.c1, self.c2 = nn.Conv3d(c, c, 3, 1, 1, bias=False), nn.Conv3d(c, c, 3, 1, 1, bias=False)

    def forward(self, x):
        y = self.c1(F.relu(self.n1(x)))
        y = self.c2(F.relu(self.n2(y)))
        return y + x


class SegResNet(nn.Module):
    def __init__(self, cin=4, f=8, down=(1, 2, 2, 4), classes=3):
        super().__init__()
        self.init = nn.Conv3d(cin, f, 3, 1, 1, bias=False)
        self.downs = nn.ModuleList()
        for i, n in enumerate(down):
            c = f * 2 ** i
            pre = nn.Conv3d(c // 2, c, 3, 2, 1, bias=False) if i > 0 else nn.Identity()
            self.downs.append(nn.Sequential(pre, *[ResBlock3d(c) for _ in range(n)]))
        self.up_convs = nn.ModuleList(nn.Conv3d(f * 2 ** i, f * 2 ** (i - 1), 1, bias=False) for i in range(len(down) - 1, 0, -1))
        self.up_blocks = nn.ModuleList(ResBlock3d(f * 2 ** (i - 1)) for i in range(len(down) - 1, 0, -1))
        self.final = nn.Sequential(nn.GroupNorm(8, f), nn.ReLU(), nn.Conv3d(f, classes, 1))

    def forward(self, x):
        x = self.init(x)
        skips = []
        for d in self.downs:
            x = d(x)
            skips.append(x)
        for conv, blk, skip in zip(self.up_convs, self.up_blocks, reversed(skips[:-1])):
            x = F.interpolate(conv(x), scale_factor=2, mode='trilinear', align_corners=False) + skip
            x = blk(x)
        return self.final(x)


# --- UniFormer (video) ---

class CBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pos = nn.Conv3d(c, c, 3, 1, 1, groups=c)
        self.n1, self.n2 = nn.BatchNorm3d(c), nn.BatchNorm3d(c)
        self.conv1, self.conv2 = nn.Conv3d(c, c, 1), nn.Conv3d(c, c, 1)
        self.attn = nn.Conv3d(c, c, 5, 1, 2, groups=c)
        self.mlp = nn.Sequential(nn.Conv3d(c, 4 * c, 1), nn.GELU(), nn.Conv3d(4 * c, c, 1))

    def forward(self, x):
        x = x + self.pos(x)
        x = x + self.conv2(self.attn(self.conv1(self.n1(x))))
        return x + self.mlp(self.n2(x))


class SABlock(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.pos = nn.Conv3d(c, c, 3, 1, 1, groups=c)
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.h = heads
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(self, x):
        x = x + self.pos(x)
        b, c, t, h, w = x.shape
        x = x.flatten(2).transpose(1, 2)
        y = self.n1(x)
        qkv = self.qkv(y).reshape(b, -1, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        attn = ((qkv[0] @ qkv[1].transpose(-2, -1)) * (c // self.h) ** -0.5).softmax(-1)
        x = x + self.proj((attn @ qkv[2]).transpose(1, 2).reshape(b, -1, c))
        x = x + self.mlp(self.n2(x))
        return x.transpose(1, 2).reshape(b, c, t, h, w)


class UniFormerVideo(nn.Module):
    def __init__(self, dims=(16, 32, 64, 128), classes=400):
        super().__init__()
        self.embeds = nn.ModuleList([nn.Conv3d(3, dims[0], (3, 4, 4), (2, 4, 4), (1, 0, 0))] +
                                    [nn.Conv3d(dims[i - 1], dims[i], (1, 2, 2), (1, 2, 2)) for i in range(1, 4)])
        self.enorms = nn.ModuleList(nn.LayerNorm(d) for d in dims)
        self.stages = nn.ModuleList([CBlock(dims[0]), CBlock(dims[1]), SABlock(dims[2], 2), SABlock(dims[3], 4)])
        self.norm, self.head = nn.BatchNorm3d(dims[3]), nn.Linear(dims[3], classes)

    def forward(self, x):
        for emb, n, st in zip(self.embeds, self.enorms, self.stages):
            x = emb(x)
            b, c, t, h, w = x.shape
            x = n(x.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, c, t, h, w)
            x = st(x)
        return self.head(self.norm(x).flatten(2).mean(-1))


# --- PETR ---

def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(min=0, max=1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


def pos2posemb3d(pos, feats=64, temperature=10000):
    scale = 2 * math.pi
    pos = pos * scale
    dim_t = torch.arange(feats, dtype=torch.float32)
    dim_t = temperature ** (2 * torch.div(dim_t, 2, rounding_mode='floor') / feats)
    out = []
    for i in (1, 0, 2):
        p = pos[..., i, None] / dim_t
        out.append(torch.stack((p[..., 0::2].sin(), p[..., 1::2].cos()), dim=-1).flatten(-2))
    return torch.cat(out, dim=-1)


class DecoderLayer(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.sa, self.ca = nn.MultiheadAttention(d, heads), nn.MultiheadAttention(d, heads)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.ffn = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))

    def forward(self, q, qpos, mem, mpos):
        x = q + qpos
        q = self.n1(q + self.sa(x, x, q)[0])
        q = self.n2(q + self.ca(q + qpos, mem + mpos, mem)[0])
        return self.n3(q + self.ffn(q))


class PETR(nn.Module):
    def __init__(self, cams=6, d=64, depth_bins=16, queries=50, classes=10, layers=2, img=(128, 352),
                 pc_range=(-51.2, -51.2, -5.0, 51.2, 51.2, 3.0)):
        super().__init__()
        self.backbone = nn.Sequential(cbr(3, 16, 3, 2), cbr(16, 32, 3, 2), cbr(32, 48, 3, 2), cbr(48, 64, 3, 2), nn.Conv2d(64, d, 1))
        self.cams, self.d, self.D, self.img = cams, d, depth_bins, img
        self.pc = pc_range
        # LID depth bins (PETR's coords_d with LID=True, depth_start 1, depth_max 61)
        idx = torch.arange(depth_bins, dtype=torch.float32)
        bin_size = (61 - 1) / (depth_bins * (1 + depth_bins))
        self.register_buffer('coords_d', 1 + bin_size * idx * (idx + 1))
        self.pos_encoder = nn.Sequential(nn.Conv2d(depth_bins * 3, 4 * d, 1), nn.ReLU(), nn.Conv2d(4 * d, d, 1))
        self.input_proj = nn.Conv2d(d, d, 1)
        self.reference_points = nn.Embedding(queries, 3)
        nn.init.uniform_(self.reference_points.weight, 0, 1)
        self.query_embedding = nn.Sequential(nn.Linear(3 * d // 2, d), nn.ReLU(), nn.Linear(d, d))
        self.layers = nn.ModuleList(DecoderLayer(d) for _ in range(layers))
        self.cls = nn.Linear(d, classes)
        self.reg = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 10))

    def forward(self, imgs, img2lidars):  # imgs [1, N, 3, H, W], img2lidars [1, N, 4, 4]
        b, n = imgs.shape[:2]
        f = self.input_proj(self.backbone(imgs.flatten(0, 1)))  # [N, d, h, w]
        h, w = f.shape[2:]
        H, W = self.img
        xs = (torch.arange(w, dtype=torch.float32) + 0.5) * W / w
        ys = (torch.arange(h, dtype=torch.float32) + 0.5) * H / h
        D = self.D
        coords = torch.stack([xs.view(1, w, 1).expand(h, w, D), ys.view(h, 1, 1).expand(h, w, D), self.coords_d.view(1, 1, D).expand(h, w, D),
                              torch.ones(h, w, D)], -1)  # [h, w, D, 4]
        coords = torch.cat([coords[..., :2] * coords[..., 2:3], coords[..., 2:]], -1)
        c3 = torch.matmul(img2lidars.view(b, n, 1, 1, 1, 4, 4), coords.view(1, 1, h, w, D, 4, 1)).squeeze(-1)[..., :3]
        lo, hi = torch.tensor(self.pc[:3]), torch.tensor(self.pc[3:])
        c3 = (c3 - lo) / (hi - lo)
        c3 = c3.permute(0, 1, 4, 5, 2, 3).reshape(b * n, D * 3, h, w)
        pos = self.pos_encoder(inverse_sigmoid(c3))  # [N, d, h, w]
        mem = f.view(b, n, self.d, h * w).permute(1, 3, 0, 2).reshape(n * h * w, b, self.d)
        mpos = pos.view(b, n, self.d, h * w).permute(1, 3, 0, 2).reshape(n * h * w, b, self.d)
        ref = self.reference_points.weight
        qpos = self.query_embedding(pos2posemb3d(ref, self.d // 2)).unsqueeze(1)
        q = torch.zeros_like(qpos)
        for layer in self.layers:
            q = layer(q, qpos, mem, mpos)
        q = q.transpose(0, 1)
        logits = self.cls(q)
        reg = self.reg(q)
        centre = torch.sigmoid(reg[..., :3] + inverse_sigmoid(ref)[None])
        lo3, hi3 = torch.tensor(self.pc[:3]), torch.tensor(self.pc[3:])
        return torch.sigmoid(logits), torch.cat([centre * (hi3 - lo3) + lo3, reg[..., 3:]], -1)


# --- DETR3D ---

class DETR3DCrossAttn(nn.Module):
    def __init__(self, d, cams, levels, pc_range, img):
        super().__init__()
        self.cams, self.levels, self.pc, self.img = cams, levels, pc_range, img
        self.attention_weights = nn.Linear(d, cams * levels)
        self.output_proj = nn.Linear(d, d)
        self.position_encoder = nn.Sequential(nn.Linear(3, d), nn.LayerNorm(d), nn.ReLU(), nn.Linear(d, d), nn.LayerNorm(d), nn.ReLU())

    def forward(self, q, feats, ref, lidar2img):  # q [B, Q, d], feats list [B·N, d, h, w], ref [B, Q, 3] in [0, 1]
        b, nq, d = q.shape
        n = self.cams
        lo, hi = torch.tensor(self.pc[:3]), torch.tensor(self.pc[3:])
        pts = ref * (hi - lo) + lo
        pts = torch.cat([pts, torch.ones_like(pts[..., :1])], -1)  # [B, Q, 4]
        cam = torch.matmul(lidar2img.view(b, n, 1, 4, 4), pts.view(b, 1, nq, 4, 1)).squeeze(-1)  # [B, N, Q, 4]
        eps = 1e-5
        mask = cam[..., 2:3] > eps
        xy = cam[..., :2] / torch.maximum(cam[..., 2:3], torch.ones_like(cam[..., 2:3]) * eps)
        xy = xy / torch.tensor([self.img[1], self.img[0]], dtype=torch.float32)
        xy = (xy - 0.5) * 2
        mask = mask & (xy[..., :1] > -1.0) & (xy[..., :1] < 1.0) & (xy[..., 1:2] > -1.0) & (xy[..., 1:2] < 1.0)
        sampled = []
        for f in feats:
            s = F.grid_sample(f, xy.view(b * n, nq, 1, 2), align_corners=False)  # [B·N, d, Q, 1]
            sampled.append(s.view(b, n, d, nq).permute(0, 2, 3, 1))  # [B, d, Q, N]
        sampled = torch.stack(sampled, -1)  # [B, d, Q, N, L]
        w = torch.sigmoid(self.attention_weights(q)).view(b, 1, nq, n, self.levels)
        m = mask.view(b, n, nq).permute(0, 2, 1).float().view(b, 1, nq, n, 1)
        out = (sampled * w * m).sum(-1).sum(-1).permute(0, 2, 1)  # [B, Q, d]
        return self.output_proj(out) + self.position_encoder(inverse_sigmoid(ref))


class DETR3D(nn.Module):
    def __init__(self, cams=6, d=64, queries=50, classes=10, layers=2, img=(128, 352), pc_range=(-51.2, -51.2, -5.0, 51.2, 51.2, 3.0)):
        super().__init__()
        self.trunk = nn.ModuleList([nn.Sequential(cbr(3, 16, 3, 2), cbr(16, 32, 3, 2), cbr(32, 48, 3, 2)), cbr(48, 64, 3, 2), cbr(64, 96, 3, 2)])
        self.lat = nn.ModuleList(nn.Conv2d(c, d, 1) for c in (48, 64, 96))
        self.query_embedding = nn.Embedding(queries, 2 * d)
        self.reference_points = nn.Linear(d, 3)
        self.sa = nn.ModuleList(nn.MultiheadAttention(d, 4) for _ in range(layers))
        self.ca = nn.ModuleList(DETR3DCrossAttn(d, cams, 3, pc_range, img) for _ in range(layers))
        self.norms = nn.ModuleList(nn.ModuleList(nn.LayerNorm(d) for _ in range(3)) for _ in range(layers))
        self.ffn = nn.ModuleList(nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d)) for _ in range(layers))
        self.cls = nn.ModuleList(nn.Linear(d, classes) for _ in range(layers))
        self.reg = nn.ModuleList(nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 10)) for _ in range(layers))
        self.d, self.pc = d, pc_range

    def forward(self, imgs, lidar2img):
        b, n = imgs.shape[:2]
        x = imgs.flatten(0, 1)
        feats = []
        for t, l in zip(self.trunk, self.lat):
            x = t(x)
            feats.append(l(x))
        qpos, q = torch.split(self.query_embedding.weight, self.d, 1)
        qpos, q = qpos[None].expand(b, -1, -1), q[None].expand(b, -1, -1)
        ref = torch.sigmoid(self.reference_points(qpos))
        for i in range(len(self.sa)):
            x = (q + qpos).transpose(0, 1)
            q = self.norms[i][0](q + self.sa[i](x, x, q.transpose(0, 1))[0].transpose(0, 1))
            q = self.norms[i][1](q + self.ca[i](q + qpos, feats, ref, lidar2img))
            q = self.norms[i][2](q + self.ffn[i](q))
            reg = self.reg[i](q)
            ref = torch.sigmoid(reg[..., :3] + inverse_sigmoid(ref)).detach()
        lo, hi = torch.tensor(self.pc[:3]), torch.tensor(self.pc[3:])
        return torch.sigmoid(self.cls[-1](q)), torch.cat([ref * (hi - lo) + lo, reg[..., 3:]], -1)


# --- Fast-BEV ---

class FastBEV(nn.Module):
    """Fast-BEV's deploy form: the voxel → (camera, pixel) look-up table computed once from the cameras (here fixed
    random pinhole cameras around the ego car), multi-camera features gathered into the voxels (the first camera
    that sees a voxel wins; unseen voxels read a zero row), Z folded into channels, a BEV encoder and heads."""

    def __init__(self, cams=6, c=32, grid=(64, 64, 4), img=(128, 352), stride=8, classes=10):
        super().__init__()
        self.trunk = nn.Sequential(cbr(3, 16, 3, 2), cbr(16, 32, 3, 2), cbr(32, c, 3, 2))
        X, Y, Z = grid
        fh, fw = img[0] // stride, img[1] // stride
        xs = torch.linspace(-40, 40, X)
        ys = torch.linspace(-40, 40, Y)
        zs = torch.linspace(-2, 2, Z)
        pts = torch.stack(torch.meshgrid(xs, ys, zs, indexing='ij'), -1).view(-1, 3)
        lut = torch.full((pts.shape[0],), cams * fh * fw, dtype=torch.long)
        for k in range(cams):
            yaw = 2 * math.pi * k / cams
            rot = torch.tensor([[math.sin(yaw), -math.cos(yaw), 0.0], [0.0, 0.0, -1.0], [math.cos(yaw), math.sin(yaw), 0.0]])
            cam = pts @ rot.T
            z = cam[:, 2]
            u = cam[:, 0] / z.clamp(min=1e-3) * 160 + img[1] / 2
            v = cam[:, 1] / z.clamp(min=1e-3) * 160 + img[0] / 2
            ok = (z > 0.5) & (u >= 0) & (u < img[1]) & (v >= 0) & (v < img[0]) & (lut == cams * fh * fw)
            idx = k * fh * fw + (v / stride).long().clamp(0, fh - 1) * fw + (u / stride).long().clamp(0, fw - 1)
            lut = torch.where(ok, idx, lut)
        self.register_buffer('lut', lut)
        self.grid, self.c = grid, c
        self.bev = nn.Sequential(cbr(c * Z, 64), cbr(64, 64, 3, 2), cbr(64, 64))
        self.heat, self.box = nn.Conv2d(64, classes, 1), nn.Conv2d(64, 9, 1)

    def forward(self, imgs):  # [1, N, 3, H, W]
        f = self.trunk(imgs.flatten(0, 1))  # [N, C, h, w]
        flat = f.permute(0, 2, 3, 1).reshape(-1, self.c)
        flat = torch.cat([flat, torch.zeros(1, self.c)], 0)
        X, Y, Z = self.grid
        vox = flat[self.lut].view(X, Y, Z, self.c).permute(3, 2, 0, 1).reshape(1, self.c * Z, X, Y)
        y = self.bev(vox)
        return torch.sigmoid(self.heat(y)), self.box(y)


# --- PointMLP-elite ---

def knn(new_xyz, xyz, k):
    d = (new_xyz ** 2).sum(-1, keepdim=True) - 2 * new_xyz @ xyz.transpose(1, 2) + (xyz ** 2).sum(-1)[:, None]
    return torch.topk(d, k, dim=-1, largest=False)[1]


def fps(xyz, m):
    b, n, _ = xyz.shape
    dist = torch.full((b, n), 1e10)
    far = torch.zeros(b, dtype=torch.long)
    idx = []
    for _ in range(m):
        idx.append(far)
        c = torch.gather(xyz, 1, far.view(b, 1, 1).expand(b, 1, 3))
        dist = torch.minimum(dist, ((xyz - c) ** 2).sum(-1))
        far = torch.argmax(dist, -1)
    return torch.stack(idx, 1)


def gather_points(x, idx):  # x [B, N, C], idx [B, ...]
    b = x.shape[0]
    flat = idx.reshape(b, -1)
    out = torch.gather(x, 1, flat[..., None].expand(b, flat.shape[1], x.shape[-1]))
    return out.view(*idx.shape, x.shape[-1])


class ConvBNReLURes1D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.net1 = nn.Sequential(nn.Conv1d(c, c // 2, 1, bias=False), nn.BatchNorm1d(c // 2), nn.ReLU())
        self.net2 = nn.Sequential(nn.Conv1d(c // 2, c, 1, bias=False), nn.BatchNorm1d(c))

    def forward(self, x):
        return F.relu(self.net2(self.net1(x)) + x)


class PointMLPStage(nn.Module):
    def __init__(self, cin, cout, samples, k):
        super().__init__()
        self.m, self.k = samples, k
        self.alpha, self.beta = nn.Parameter(torch.ones(1, 1, 1, cin + 3)), nn.Parameter(torch.zeros(1, 1, 1, cin + 3))
        self.transfer = nn.Sequential(nn.Conv1d(2 * cin + 3, cout, 1, bias=False), nn.BatchNorm1d(cout), nn.ReLU())
        self.pre, self.pos = ConvBNReLURes1D(cout), ConvBNReLURes1D(cout)

    def forward(self, xyz, x):  # xyz [B, N, 3], x [B, N, C]
        b, n, c = x.shape
        idx = fps(xyz, self.m)
        new_xyz, new_x = gather_points(xyz, idx), gather_points(x, idx)
        nb = knn(new_xyz, xyz, self.k)
        g_xyz, g_x = gather_points(xyz, nb), gather_points(x, nb)  # [B, S, K, 3 / C]
        g = torch.cat([g_x, g_xyz], -1)
        mean = torch.cat([new_x, new_xyz], -1).unsqueeze(-2)  # anchor normalisation
        std = torch.std((g - mean).reshape(b, -1), dim=-1, keepdim=True).view(b, 1, 1, 1)
        g = self.alpha * ((g - mean) / (std + 1e-5)) + self.beta
        g = torch.cat([g, new_x.unsqueeze(-2).expand(-1, -1, self.k, -1)], -1)  # [B, S, K, 2C + 3]
        s = g.shape[1]
        y = g.permute(0, 1, 3, 2).reshape(b * s, -1, self.k)
        y = self.pre(self.transfer(y))
        y = F.adaptive_max_pool1d(y, 1).view(b, s, -1).permute(0, 2, 1)
        return new_xyz, self.pos(y).permute(0, 2, 1)


class PointMLP(nn.Module):
    def __init__(self, n=256, classes=40):
        super().__init__()
        self.embed = nn.Sequential(nn.Conv1d(3, 32, 1, bias=False), nn.BatchNorm1d(32), nn.ReLU())
        self.stages = nn.ModuleList([PointMLPStage(32, 64, n // 2, 12), PointMLPStage(64, 128, n // 8, 12)])
        self.cls = nn.Sequential(nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, classes))

    def forward(self, xyz):  # [B, N, 3]
        x = self.embed(xyz.permute(0, 2, 1)).permute(0, 2, 1)
        for st in self.stages:
            xyz, x = st(xyz, x)
        return self.cls(x.max(1)[0])
