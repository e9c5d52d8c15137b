"""Tenth sweep (docs/model-sweep.md): matching and 3-D written as their projects write them (small widths, random
weights): LoFTR coarse stage (ResNet-FPN 1/8, 2-D sine positions, self / cross layers with ELU+1 linear attention,
dual-softmax confidence and mutual nearest neighbours), XFeat (InstanceNorm input, fused pyramid, 8x8 keypoint logits
by unfold, heatmap, descriptors), DISK (U-Net with InstanceNorm + PReLU, heatmap NMS by max-pool, top-k), PointPillars
(OpenPCDet PillarVFE with cluster / centre offsets and the padding mask, PointPillarScatter onto the BEV canvas,
BaseBEVBackbone with deconvs, anchor head). Imported by sweep10_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, bias=False), nn.BatchNorm2d(o), nn.ReLU(True))


# --- LoFTR (zju3dv/LoFTR src/loftr/backbone/resnet_fpn.py, loftr_module/linear_attention.py, coarse_matching.py) ---
class LinearAttention(nn.Module):
    def forward(self, queries, keys, values, eps=1e-6):
        Q, K = F.elu(queries) + 1, F.elu(keys) + 1
        v_length = values.size(1)
        values = values / v_length
        KV = torch.einsum('nshd,nshv->nhdv', K, values)
        Z = 1 / (torch.einsum('nlhd,nhd->nlh', Q, K.sum(dim=1)) + eps)
        return torch.einsum('nlhd,nhdv,nlh->nlhv', Q, KV, Z) * v_length


class LoFTREncoderLayer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.dim = h, d // h
        self.q_proj, self.k_proj, self.v_proj = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.attention, self.merge = LinearAttention(), nn.Linear(d, d, bias=False)
        self.mlp = nn.Sequential(nn.Linear(2 * d, 2 * d, bias=False), nn.ReLU(True), nn.Linear(2 * d, d, bias=False))
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, x, source):
        bs = x.size(0)
        q = self.q_proj(x).view(bs, -1, self.h, self.dim)
        k = self.k_proj(source).view(bs, -1, self.h, self.dim)
        v = self.v_proj(source).view(bs, -1, self.h, self.dim)
        message = self.norm1(self.merge(self.attention(q, k, v).reshape(bs, -1, self.h * self.dim)))
        message = self.norm2(self.mlp(torch.cat([x, message], dim=2)))
        return x + message


class LoFTRCoarse(nn.Module):
    def __init__(self, d=128, heads=8, layers=('self', 'cross', 'self', 'cross'), size=(240, 320), temperature=0.1, thr=0.2):
        super().__init__()
        self.backbone = nn.Sequential(cbr(1, 64, 7, 2), cbr(64, 64), cbr(64, 96, 3, 2), cbr(96, 96), cbr(96, d, 3, 2), cbr(d, d))
        self.layers, self.names = nn.ModuleList([LoFTREncoderLayer(d, heads) for _ in layers]), layers
        h, w = size[0] // 8, size[1] // 8
        pe = torch.zeros(d, h, w)
        y = torch.ones(h, w).cumsum(0).float().unsqueeze(0)
        x = torch.ones(h, w).cumsum(1).float().unsqueeze(0)
        div = torch.exp(torch.arange(0, d // 2, 2).float() * (-math.log(10000.0) / (d // 2)))[:, None, None]
        pe[0::4], pe[1::4], pe[2::4], pe[3::4] = torch.sin(x * div), torch.cos(x * div), torch.sin(y * div), torch.cos(y * div)
        self.register_buffer('pe', pe.unsqueeze(0))
        self.temperature, self.thr = temperature, thr

    def forward(self, image0, image1):
        f = self.backbone(torch.cat([image0, image1], 0))
        f0, f1 = f.split(1)
        f0 = (f0 + self.pe).flatten(2).transpose(1, 2)  # rearrange 'n c h w -> n (h w) c'
        f1 = (f1 + self.pe).flatten(2).transpose(1, 2)
        for layer, name in zip(self.layers, self.names):
            if name == 'self':
                f0, f1 = layer(f0, f0), layer(f1, f1)
            else:
                f0, f1 = layer(f0, f1), layer(f1, f0)
        f0, f1 = f0 / f0.shape[-1] ** 0.5, f1 / f1.shape[-1] ** 0.5
        sim = torch.einsum('nlc,nsc->nls', f0, f1) / self.temperature
        conf = F.softmax(sim, 1) * F.softmax(sim, 2)
        mask = (conf > self.thr) & (conf == conf.max(dim=2, keepdim=True)[0]) & (conf == conf.max(dim=1, keepdim=True)[0])
        return conf, mask.float()


# --- XFeat (verlab/accelerated_features modules/model.py XFeatModel) ---
class BasicLayer(nn.Module):
    def __init__(self, i, o, k=3, s=1, p=1):
        super().__init__()
        self.layer = nn.Sequential(nn.Conv2d(i, o, k, s, p, bias=False), nn.BatchNorm2d(o, affine=False), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.layer(x)


class XFeat(nn.Module):
    def __init__(self, unfold='unfold'):
        super().__init__()
        self.norm = nn.InstanceNorm2d(1)
        self.skip1 = nn.Sequential(nn.AvgPool2d(4, stride=4), nn.Conv2d(1, 24, 1, 1, 0))
        self.block1 = nn.Sequential(BasicLayer(1, 4, s=1), BasicLayer(4, 8, s=2), BasicLayer(8, 8, s=1), BasicLayer(8, 24, s=2))
        self.block2 = nn.Sequential(BasicLayer(24, 24, s=1), BasicLayer(24, 24, s=1))
        self.block3 = nn.Sequential(BasicLayer(24, 64, s=2), BasicLayer(64, 64, s=1), BasicLayer(64, 64, 1, p=0))
        self.block4 = nn.Sequential(BasicLayer(64, 64, s=2), BasicLayer(64, 64, s=1), BasicLayer(64, 64, s=1))
        self.block5 = nn.Sequential(BasicLayer(64, 128, s=2), BasicLayer(128, 128, s=1), BasicLayer(128, 128, s=1), BasicLayer(128, 64, 1, p=0))
        self.block_fusion = nn.Sequential(BasicLayer(64, 64, s=1), BasicLayer(64, 64, s=1), nn.Conv2d(64, 64, 1, padding=0))
        self.heatmap_head = nn.Sequential(BasicLayer(64, 64, 1, p=0), BasicLayer(64, 64, 1, p=0), nn.Conv2d(64, 1, 1), nn.Sigmoid())
        self.keypoint_head = nn.Sequential(BasicLayer(64, 64, 1, p=0), BasicLayer(64, 64, 1, p=0), BasicLayer(64, 64, 1, p=0), nn.Conv2d(64, 65, 1))
        self.unfold = unfold

    def _unfold2d(self, x, ws=2):
        B, C, H, W = x.shape
        if self.unfold == 'pixel_unshuffle':
            return F.pixel_unshuffle(x, ws)
        x = x.unfold(2, ws, ws).unfold(3, ws, ws).reshape(B, C, H // ws, W // ws, ws ** 2)
        return x.permute(0, 1, 4, 2, 3).reshape(B, -1, H // ws, W // ws)

    def forward(self, x):
        with torch.no_grad():
            x = x.mean(dim=1, keepdim=True)
            x = self.norm(x)
        x1 = self.block1(x)
        x2 = self.block2(x1 + self.skip1(x))
        x3 = self.block3(x2)
        x4 = self.block4(x3)
        x5 = self.block5(x4)
        x4 = F.interpolate(x4, (x3.shape[-2], x3.shape[-1]), mode='bilinear')
        x5 = F.interpolate(x5, (x3.shape[-2], x3.shape[-1]), mode='bilinear')
        feats = self.block_fusion(x3 + x4 + x5)
        heatmap = self.heatmap_head(feats)
        keypoints = self.keypoint_head(self._unfold2d(x, ws=8))
        # get_kpts_heatmap: softmax over 65, dustbin dropped, 8x8 cells to pixels
        scores = F.softmax(keypoints, 1)[:, :64]
        B, _, H, W = scores.shape
        heat = scores.permute(0, 2, 3, 1).reshape(B, H, W, 8, 8).permute(0, 1, 3, 2, 4).reshape(B, 1, H * 8, W * 8)
        return F.normalize(feats, dim=1), heatmap, heat


# --- DISK (cvlab-epfl/disk, kornia.feature.disk: thin U-Net, heatmap NMS) ---
class DiskConv(nn.Module):
    def __init__(self, i, o, k=5):
        super().__init__()
        self.seq = nn.Sequential(nn.InstanceNorm2d(i, affine=True), nn.PReLU(i), nn.Conv2d(i, o, k, padding=k // 2))

    def forward(self, x):
        return self.seq(x)


class DISK(nn.Module):
    def __init__(self, down=(16, 32, 64, 64, 64), up=(64, 64, 64, 1), desc=128, k=256, window=5):
        super().__init__()
        self.inp = nn.Conv2d(3, down[0], 5, padding=2)
        self.down = nn.ModuleList([nn.Sequential(DiskConv(a, b), DiskConv(b, b)) for a, b in zip(down[:-1], down[1:])])
        ups = []
        chans = list(down[::-1])
        prev = down[-1]
        for i, o in enumerate(up[:-1]):
            ups.append(nn.Sequential(DiskConv(prev + chans[i + 1], o), DiskConv(o, o)))
            prev = o
        self.up = nn.ModuleList(ups)
        self.out = nn.Sequential(DiskConv(prev + down[0], desc + 1, 1))
        self.k, self.window = k, window

    def forward(self, x):
        x = self.inp(x)
        skips = [x]
        for d in self.down:
            x = d(F.avg_pool2d(x, 2))
            skips.append(x)
        skips.pop()
        for u in self.up:
            s = skips.pop()
            x = u(torch.cat([F.interpolate(x, size=s.shape[-2:], mode='bilinear', align_corners=False), s], 1))
        s = skips.pop()
        x = self.out(torch.cat([F.interpolate(x, size=s.shape[-2:], mode='bilinear', align_corners=False), s], 1))
        desc, heat = x[:, :-1], x[:, -1:]
        # nms(heatmap, window) then top-k as kornia's heatmap_to_keypoints does
        maxed = F.max_pool2d(heat, self.window, 1, self.window // 2)
        heat = torch.where(heat == maxed, heat, torch.zeros_like(heat))
        b, _, h, w = heat.shape
        scores, idx = heat.reshape(b, -1).topk(self.k)
        xy = torch.stack([idx % w, torch.div(idx, w, rounding_mode='floor')], -1)
        return F.normalize(desc, dim=1), xy, scores


# --- PointPillars (open-mmlab/OpenPCDet pcdet/models/backbones_3d/vfe/pillar_vfe.py, backbones_2d/map_to_bev/
# pointpillar_scatter.py, backbones_2d/base_bev_backbone.py, dense_heads/anchor_head_single.py) ---
class PointPillars(nn.Module):
    def __init__(self, nx=128, ny=128, vx=0.5, vy=0.5, vz=4.0, pc_min=(0.0, -32.0, -3.0), c=32, anchors=2, nc=3):
        super().__init__()
        self.nx, self.ny, self.vx, self.vy, self.vz, self.pc_min = nx, ny, vx, vy, vz, pc_min
        self.x_offset, self.y_offset = vx / 2 + pc_min[0], vy / 2 + pc_min[1]
        self.z_offset = vz / 2 + pc_min[2]
        self.pfn = nn.Linear(10, c, bias=False)
        self.pfn_norm = nn.BatchNorm1d(c, eps=1e-3, momentum=0.01)
        self.b1 = nn.Sequential(cbr(c, c, 3, 2), cbr(c, c), cbr(c, c))
        self.b2 = nn.Sequential(cbr(c, 2 * c, 3, 2), cbr(2 * c, 2 * c), cbr(2 * c, 2 * c))
        self.b3 = nn.Sequential(cbr(2 * c, 4 * c, 3, 2), cbr(4 * c, 4 * c), cbr(4 * c, 4 * c))
        up = lambda i, s: nn.Sequential(nn.ConvTranspose2d(i, 2 * c, s, s, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(True))  # noqa: E731
        self.d1, self.d2, self.d3 = up(c, 1), up(2 * c, 2), up(4 * c, 4)
        self.cls, self.box, self.dir = nn.Conv2d(6 * c, anchors * nc, 1), nn.Conv2d(6 * c, anchors * 7, 1), nn.Conv2d(6 * c, anchors * 2, 1)
        self.c = c

    def forward(self, voxels, voxel_num_points, voxel_coords):
        # PillarVFE
        points_mean = voxels[:, :, :3].sum(dim=1, keepdim=True) / voxel_num_points.type_as(voxels).view(-1, 1, 1)
        f_cluster = voxels[:, :, :3] - points_mean
        f_center = torch.zeros_like(voxels[:, :, :3])
        f_center[:, :, 0] = voxels[:, :, 0] - (voxel_coords[:, 3].to(voxels.dtype).unsqueeze(1) * self.vx + self.x_offset)
        f_center[:, :, 1] = voxels[:, :, 1] - (voxel_coords[:, 2].to(voxels.dtype).unsqueeze(1) * self.vy + self.y_offset)
        f_center[:, :, 2] = voxels[:, :, 2] - (voxel_coords[:, 1].to(voxels.dtype).unsqueeze(1) * self.vz + self.z_offset)
        features = torch.cat([voxels, f_cluster, f_center], dim=-1)
        n = features.shape[1]
        max_num = torch.arange(n, dtype=torch.int32).view(1, -1)
        mask = (voxel_num_points.unsqueeze(1).int() > max_num).unsqueeze(-1).type_as(voxels)
        x = self.pfn(features * mask)
        x = F.relu(self.pfn_norm(x.permute(0, 2, 1)).permute(0, 2, 1))
        pillar_features = torch.max(x, dim=1, keepdim=True)[0].squeeze(1)  # [P, C]
        # PointPillarScatter (batch 1)
        spatial = torch.zeros(self.c, self.nx * self.ny, dtype=pillar_features.dtype)
        indices = (voxel_coords[:, 1] + voxel_coords[:, 2] * self.nx + voxel_coords[:, 3]).long()
        spatial[:, indices] = pillar_features.t()
        x = spatial.view(1, self.c, self.ny, self.nx)
        # BaseBEVBackbone + AnchorHeadSingle
        x1 = self.b1(x)
        x2 = self.b2(x1)
        x3 = self.b3(x2)
        f = torch.cat([self.d1(x1), self.d2(x2), self.d3(x3)], 1)
        return (self.cls(f).permute(0, 2, 3, 1).contiguous(), self.box(f).permute(0, 2, 3, 1).contiguous(),
                self.dir(f).permute(0, 2, 3, 1).contiguous())


def pillars_inputs(p=1200, n=32, nx=128, ny=128, seed=0):
    g = torch.Generator().manual_seed(seed)
    cells = torch.randperm(nx * ny, generator=g)[:p]
    coords = torch.stack([torch.zeros(p, dtype=torch.long), torch.zeros(p, dtype=torch.long), cells // nx, cells % nx], 1).int()
    num = torch.randint(1, n + 1, (p,), generator=g).int()
    pts = torch.rand(p, n, 4, generator=g)
    pts[..., 0] = (coords[:, 3, None].float() + pts[..., 0]) * 0.5
    pts[..., 1] = (coords[:, 2, None].float() + pts[..., 1]) * 0.5 - 32
    pts[..., 2] = pts[..., 2] * 4 - 3
    pts = pts * (torch.arange(n)[None, :, None] < num[:, None, None])
    return pts, num, coords
