"""Nineteenth sweep (docs/model-sweep.md): multi-camera BEV, point clouds, 3-D pose lifting and video as their public
code writes them — BEVFormer (fundamentalvision/BEVFormer: temporal self-attention over [prev_bev, bev] by deformable
sampling, spatial cross-attention to 6 cameras through pillar reference points projected by lidar2img with a visibility
mask and per-query hit counts; the pure-PyTorch multi_scale_deformable_attn by grid_sample), PCT (MenghaoGuo/PCT:
kNN neighbour embedding, offset-attention with its double normalization), RandLA-Net (aRI0U/RandLA-Net-pytorch:
kNN by TopK, local spatial encoding, attentive pooling, random-sampling decimation, nearest upsampling), PVCNN
(mit-han-lab/pvcnn: average voxelization by scatter-add, 3-D convs, trilinear devoxelization by 8 gathers), VideoPose3D
(facebookresearch/VideoPose3D TemporalModel: dilated Conv1d over 243 frames with sliced residuals), MotionBERT's
DSTformer (Walter0807/MotionBERT: spatial and temporal attention streams fused by learned softmax weights) and TANet's
temporal adaptive module (liu-zhy/temporal-adaptive-module: per-video kernels computed by an MLP, applied as a grouped
conv with computed weights). Plain torch.nn, small widths, random weights. Imported by sweep19_vis.py."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep19_vis_seg import Basic, cbr


# --- BEVFormer ---
def ms_deform_attn(value, shapes, loc, attn):
    """mmcv's multi_scale_deformable_attn_pytorch for one level: value [b, n, heads, d], loc [b, q, heads, 1, p, 2]."""
    b, _, heads, d = value.shape
    _, q, _, levels, points, _ = loc.shape
    h, w = shapes[0]
    v = value.flatten(2).transpose(1, 2).reshape(b * heads, d, h, w)
    grid = (2 * loc[:, :, :, 0] - 1).transpose(1, 2).flatten(0, 1)        # b*heads, q, p, 2
    s = F.grid_sample(v, grid, mode='bilinear', padding_mode='zeros', align_corners=False)   # b*heads, d, q, p
    a = attn.transpose(1, 2).reshape(b * heads, 1, q, levels * points)
    return (s * a).sum(-1).view(b, heads * d, q).transpose(1, 2).contiguous()


class TemporalSelfAttention(nn.Module):
    def __init__(self, c, bev, heads=4, points=4):
        super().__init__()
        self.c, self.bev, self.heads, self.points = c, bev, heads, points
        self.offsets = nn.Linear(2 * c, 2 * heads * points * 2)
        self.weights = nn.Linear(2 * c, 2 * heads * points)
        self.value, self.out = nn.Linear(c, c), nn.Linear(c, c)

    def forward(self, query, prev_bev, ref2d):
        b, q, c = query.shape
        h = self.heads
        value = self.value(torch.cat([prev_bev, query], 0)).view(2 * b, q, h, c // h)
        qq = torch.cat([prev_bev, query], -1)                                   # b, q, 2c
        off = self.offsets(qq).view(b, q, h, 2, self.points, 2).permute(0, 3, 1, 2, 4, 5).reshape(2 * b, q, h, 1, self.points, 2)
        w = self.weights(qq).view(b, q, h, 2, self.points).softmax(-1).permute(0, 3, 1, 2, 4).reshape(2 * b, q, h, 1, self.points)
        norm = torch.tensor([self.bev, self.bev], dtype=torch.float32)
        loc = ref2d.repeat(2, 1, 1)[:, :, None, None, None, :] + off / norm
        out = ms_deform_attn(value, [(self.bev, self.bev)], loc, w)             # 2b, q, c
        out = (out[:b] + out[b:]) / 2
        return self.out(out) + query


class SpatialCrossAttention(nn.Module):
    def __init__(self, c, heads=4, points=2, cams=6):
        super().__init__()
        self.c, self.heads, self.points, self.cams = c, heads, points, cams
        self.offsets = nn.Linear(c, heads * points * 2)
        self.weights = nn.Linear(c, heads * points)
        self.value, self.out = nn.Linear(c, c), nn.Linear(c, c)

    def forward(self, query, feats, ref_cam, mask, fh, fw):
        # query [1, q, c]; feats [cams, fh*fw, c]; ref_cam [cams, q, z, 2]; mask [cams, q, z]
        b, q, c = query.shape
        h, z = self.heads, ref_cam.shape[2]
        value = self.value(feats).view(self.cams, fh * fw, h, c // h)
        off = self.offsets(query).view(1, q, h, 1, self.points, 2) / torch.tensor([fw, fh], dtype=torch.float32)
        w = self.weights(query).view(1, q, h, self.points).softmax(-1)
        # each pillar anchor gets the query's points (BEVFormer's offsets are split over the Z anchors)
        loc = ref_cam[:, :, None, None, None, :, :] + off.unsqueeze(5)              # cams, q, h, 1, p, z, 2
        loc = loc.flatten(4, 5)
        a = w.unsqueeze(-1).expand(1, q, h, self.points, z).reshape(1, q, h, 1, self.points * z) / z
        a = a.expand(self.cams, q, h, 1, self.points * z)
        slots = ms_deform_attn(value, [(fh, fw)], loc, a)                         # cams, q, c
        hit = mask.any(-1).float()                                                # cams, q
        slots = (slots * hit.unsqueeze(-1)).sum(0, keepdim=True)
        count = hit.sum(0).clamp(min=1.0)
        return self.out(slots / count[None, :, None]) + query


class BEVFormerLite(nn.Module):
    def __init__(self, c=64, bev=20, z=4, cams=6, layers=2, ncls=4):
        super().__init__()
        self.backbone = nn.Sequential(cbr(3, 16, 3, 2), Basic(16, 32, 2), Basic(32, 64, 2), Basic(64, c, 2))
        self.bev_embed = nn.Parameter(torch.randn(bev * bev, c) * 0.5)
        self.pos = nn.Conv2d(2, c, 1)
        self.cam_embed, self.level_embed = nn.Parameter(torch.randn(cams, c) * 0.1), nn.Parameter(torch.randn(c) * 0.1)
        self.tsa = nn.ModuleList(TemporalSelfAttention(c, bev) for _ in range(layers))
        self.sca = nn.ModuleList(SpatialCrossAttention(c, cams=cams) for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(c) for _ in range(3 * layers))
        self.ffn = nn.ModuleList(nn.Sequential(nn.Linear(c, 2 * c), nn.ReLU(), nn.Linear(2 * c, c)) for _ in range(layers))
        self.seg = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, ncls, 1))
        self.c, self.bev, self.cams = c, bev, cams
        # BEVFormer's get_reference_points: 2-D for TSA (cell centres), 3-D pillars for SCA (z anchors), pc_range 51.2 m
        ys, xs = torch.meshgrid(torch.linspace(0.5, bev - 0.5, bev) / bev, torch.linspace(0.5, bev - 0.5, bev) / bev)
        self.register_buffer('ref2d', torch.stack([xs.reshape(-1), ys.reshape(-1)], -1)[None])
        zs = torch.linspace(0.5, z - 0.5, z) / z
        ref3d = torch.stack([xs.reshape(-1, 1).expand(-1, z), ys.reshape(-1, 1).expand(-1, z), zs.expand(bev * bev, z)], -1)
        rng = torch.tensor([-51.2, -51.2, -5.0]), torch.tensor([51.2, 51.2, 3.0])
        self.register_buffer('ref3d', ref3d * (rng[1] - rng[0]) + rng[0])       # q, z, 3 in metres

    def point_sampling(self, lidar2img, img_h, img_w):
        q, z = self.ref3d.shape[:2]
        pts = torch.cat([self.ref3d, torch.ones(q, z, 1)], -1)                    # q, z, 4
        cam = torch.einsum('nij,qzj->nqzi', lidar2img[0], pts)                    # cams, q, z, 4
        eps = 1e-5
        mask = cam[..., 2:3] > eps
        uv = cam[..., 0:2] / torch.maximum(cam[..., 2:3], torch.ones_like(cam[..., 2:3]) * eps)
        uv = uv / torch.tensor([img_w, img_h], dtype=torch.float32)
        mask = mask & (uv[..., 1:2] > 0.0) & (uv[..., 1:2] < 1.0) & (uv[..., 0:1] < 1.0) & (uv[..., 0:1] > 0.0)
        return uv, mask.squeeze(-1)

    def forward(self, images, lidar2img, prev_bev):
        n, _, ih, iw = images.shape[1:]
        f = self.backbone(images[0])                                              # cams, c, fh, fw
        fh, fw = f.shape[2:]
        feats = f.flatten(2).transpose(1, 2) + self.cam_embed[:, None, :] + self.level_embed
        ref_cam, mask = self.point_sampling(lidar2img, ih, iw)
        pos = self.pos(self.ref2d.transpose(1, 2).reshape(1, 2, self.bev, self.bev)).flatten(2).transpose(1, 2)
        x = self.bev_embed[None] + pos
        for i in range(len(self.tsa)):
            x = self.norms[3 * i](self.tsa[i](x, prev_bev, self.ref2d))
            x = self.norms[3 * i + 1](self.sca[i](x, feats, ref_cam, mask, fh, fw))
            x = self.norms[3 * i + 2](x + self.ffn[i](x))
        seg = self.seg(x.transpose(1, 2).reshape(1, self.c, self.bev, self.bev))
        return x, seg


def lidar2img_mats(cams=6, img=(64, 176)):
    """Six cameras around the ego car (yaw every 60 degrees), intrinsics for an img-sized picture: lidar2img [1, 6, 4, 4]."""
    import math
    mats = []
    for i in range(cams):
        yaw = i * 2 * math.pi / cams
        c, s = math.cos(yaw), math.sin(yaw)
        # lidar (x fwd, y left, z up) -> camera (x right, y down, z fwd) looking along yaw
        r = torch.tensor([[s, -c, 0.], [0., 0., -1.], [c, s, 0.]])
        t = torch.tensor([0., 1.5, 0.])
        ext = torch.eye(4)
        ext[:3, :3], ext[:3, 3] = r, t
        k = torch.eye(4)
        k[0, 0] = k[1, 1] = img[1] / 2
        k[0, 2], k[1, 2] = img[1] / 2, img[0] / 2
        mats.append(k @ ext)
    return torch.stack(mats)[None]


# --- PCT (Point Cloud Transformer) ---
def knn_idx(x, k):
    """x [b, n, 3]: the k nearest (itself included) by pairwise squared distance and TopK."""
    d = -2 * torch.matmul(x, x.transpose(1, 2)) + (x ** 2).sum(-1, keepdim=True) + (x ** 2).sum(-1).unsqueeze(1)
    return (-d).topk(k, dim=-1)[1]


def gather_neighbors(f, idx):
    """f [b, n, c], idx [b, m, k] -> [b, m, k, c]."""
    b, m, k = idx.shape
    flat = idx.reshape(b, m * k, 1).expand(b, m * k, f.shape[-1])
    return torch.gather(f, 1, flat).view(b, m, k, f.shape[-1])


class SALayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.q_conv, self.k_conv = nn.Conv1d(c, c // 4, 1, bias=False), nn.Conv1d(c, c // 4, 1, bias=False)
        self.q_conv.weight = self.k_conv.weight
        self.v_conv, self.trans_conv = nn.Conv1d(c, c, 1), nn.Conv1d(c, c, 1)
        self.after_norm = nn.BatchNorm1d(c)

    def forward(self, x):
        x_q = self.q_conv(x).permute(0, 2, 1)
        energy = torch.bmm(x_q, self.k_conv(x))
        attention = F.softmax(energy, dim=-1)
        attention = attention / (1e-9 + attention.sum(dim=1, keepdim=True))
        x_r = torch.bmm(self.v_conv(x), attention)
        return x + F.relu(self.after_norm(self.trans_conv(x - x_r)))


class PCT(nn.Module):
    def __init__(self, ncls=40, c=64, k=16):
        super().__init__()
        self.k = k
        self.embed = nn.Sequential(nn.Conv1d(3, c, 1, bias=False), nn.BatchNorm1d(c), nn.ReLU(),
                                   nn.Conv1d(c, c, 1, bias=False), nn.BatchNorm1d(c), nn.ReLU())
        self.local = nn.Sequential(nn.Conv2d(2 * c, 2 * c, 1, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(),
                                   nn.Conv2d(2 * c, 2 * c, 1, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU())
        self.conv = nn.Sequential(nn.Conv1d(2 * c, 2 * c, 1, bias=False), nn.BatchNorm1d(2 * c), nn.ReLU())
        self.sa = nn.ModuleList(SALayer(2 * c) for _ in range(4))
        self.fuse = nn.Sequential(nn.Conv1d(10 * c, 8 * c, 1, bias=False), nn.BatchNorm1d(8 * c), nn.LeakyReLU(0.2))
        self.head = nn.Sequential(nn.Linear(8 * c, 256, bias=False), nn.BatchNorm1d(256), nn.LeakyReLU(0.2), nn.Linear(256, ncls))

    def forward(self, points):                                       # b, n, 3
        f = self.embed(points.permute(0, 2, 1))                      # b, c, n
        ft = f.permute(0, 2, 1)
        nb = gather_neighbors(ft, knn_idx(points, self.k))            # b, n, k, c
        center = ft.unsqueeze(2).expand_as(nb)
        g = torch.cat([nb - center, center], -1).permute(0, 3, 1, 2)  # b, 2c, n, k
        x = self.conv(self.local(g).max(-1)[0])
        outs = [x]
        for sa in self.sa:
            outs.append(sa(outs[-1]))
        x = self.fuse(torch.cat(outs[1:] + [x], 1))
        x = torch.max(x, 2)[0]
        return self.head(x)


# --- RandLA-Net ---
class LocalSpatialEncoding(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.k = k
        self.mlp = nn.Sequential(nn.Conv2d(10, d, 1), nn.BatchNorm2d(d), nn.ReLU())

    def forward(self, coords, features, idx):
        # coords [b, n, 3]; features [b, d, n, 1]; idx [b, n, k]
        nb = gather_neighbors(coords, idx)                           # b, n, k, 3
        ext = coords.unsqueeze(2).expand_as(nb)
        dist = torch.sqrt(((ext - nb) ** 2).sum(-1, keepdim=True) + 1e-12)
        enc = torch.cat([ext, nb, ext - nb, dist], -1).permute(0, 3, 1, 2)   # b, 10, n, k
        return torch.cat([self.mlp(enc), features.expand(-1, -1, -1, self.k)], 1)


class AttentivePooling(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.score = nn.Sequential(nn.Linear(i, i, bias=False), nn.Softmax(dim=-2))
        self.mlp = nn.Sequential(nn.Conv2d(i, o, 1), nn.BatchNorm2d(o), nn.ReLU())

    def forward(self, x):                                            # b, i, n, k
        scores = self.score(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.mlp(torch.sum(scores * x, dim=-1, keepdim=True))


class LocalFeatureAggregation(nn.Module):
    def __init__(self, i, o, k):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv2d(i, o // 2, 1), nn.LeakyReLU(0.2))
        self.mlp2 = nn.Sequential(nn.Conv2d(o, 2 * o, 1), nn.BatchNorm2d(2 * o))
        self.shortcut = nn.Sequential(nn.Conv2d(i, 2 * o, 1), nn.BatchNorm2d(2 * o))
        self.lse1, self.lse2 = LocalSpatialEncoding(o // 2, k), LocalSpatialEncoding(o // 2, k)
        self.pool1, self.pool2 = AttentivePooling(o, o // 2), AttentivePooling(o, o)

    def forward(self, coords, features, idx):
        x = self.mlp1(features)
        x = self.pool1(self.lse1(coords, x, idx))
        x = self.pool2(self.lse2(coords, x, idx))
        return F.leaky_relu(self.mlp2(x) + self.shortcut(features), 0.2)


class RandLANet(nn.Module):
    def __init__(self, d_in=6, ncls=13, k=16, decimation=4, n=2048):
        super().__init__()
        self.k, self.dec = k, decimation
        self.fc_start = nn.Linear(d_in, 8)
        self.bn_start = nn.Sequential(nn.BatchNorm2d(8), nn.LeakyReLU(0.2))
        self.encoder = nn.ModuleList([LocalFeatureAggregation(8, 16, k), LocalFeatureAggregation(32, 64, k), LocalFeatureAggregation(128, 128, k)])
        self.mlp = nn.Sequential(nn.Conv2d(256, 256, 1), nn.ReLU())
        self.decoder = nn.ModuleList([nn.Sequential(nn.ConvTranspose2d(512, 128, 1), nn.BatchNorm2d(128), nn.ReLU()),
                                      nn.Sequential(nn.ConvTranspose2d(256, 32, 1), nn.BatchNorm2d(32), nn.ReLU()),
                                      nn.Sequential(nn.ConvTranspose2d(64, 8, 1), nn.BatchNorm2d(8), nn.ReLU())])
        self.fc_end = nn.Sequential(nn.Conv2d(8, 64, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.Conv2d(64, 32, 1), nn.BatchNorm2d(32),
                                    nn.ReLU(), nn.Dropout(), nn.Conv2d(32, ncls, 1))
        g = torch.Generator().manual_seed(3)
        self.register_buffer('perm', torch.randperm(n, generator=g))

    def forward(self, points):                                       # b, n, d_in (xyz first, then colours)
        n = points.shape[1]
        coords = points[..., :3]
        x = self.bn_start(self.fc_start(points).transpose(-2, -1).unsqueeze(-1))
        coords, x = coords[:, self.perm], x[:, :, self.perm]
        ratio, stack = 1, []
        for lfa in self.encoder:
            m = n // ratio
            x = lfa(coords[:, :m], x, knn_idx(coords[:, :m], self.k))
            stack.append(x.clone())
            ratio *= self.dec
            x = x[:, :, :n // ratio]
        x = self.mlp(x)
        for mlp in self.decoder:
            m, fine = n // ratio, n * self.dec // ratio
            # the nearest coarse point of each finer point
            d = ((coords[:, :fine].unsqueeze(2) - coords[:, :m].unsqueeze(1)) ** 2).sum(-1)
            nn_idx = d.argmin(-1)                                     # b, fine
            x = torch.gather(x, 2, nn_idx[:, None, :, None].expand(-1, x.shape[1], -1, 1))
            x = mlp(torch.cat([x, stack.pop()], 1))
            ratio //= self.dec
        inv = torch.argsort(self.perm)
        x = x[:, :, inv]
        return self.fc_end(x).squeeze(-1)


# --- PVCNN ---
class PVConv(nn.Module):
    def __init__(self, i, o, r):
        super().__init__()
        self.r = r
        self.voxel = nn.Sequential(nn.Conv3d(i, o, 3, padding=1), nn.BatchNorm3d(o, eps=1e-4), nn.LeakyReLU(0.1),
                                   nn.Conv3d(o, o, 3, padding=1), nn.BatchNorm3d(o, eps=1e-4), nn.LeakyReLU(0.1))
        self.point = nn.Sequential(nn.Conv1d(i, o, 1), nn.BatchNorm1d(o), nn.ReLU())

    def forward(self, features, coords):
        # features [b, c, n], coords [b, 3, n]
        b, c, n = features.shape
        r = self.r
        norm = coords - coords.mean(2, keepdim=True)
        norm = norm / (norm.norm(dim=1, keepdim=True).max(dim=2, keepdim=True).values * 2.0 + 1e-8) + 0.5
        norm = torch.clamp(norm * r, 0, r - 1)
        vox = torch.round(norm).long()
        flat = vox[:, 0] * r * r + vox[:, 1] * r + vox[:, 2]                  # b, n
        grid = torch.zeros(b, c, r ** 3).scatter_add(2, flat.unsqueeze(1).expand(b, c, n), features)
        cnt = torch.zeros(b, 1, r ** 3).scatter_add(2, flat.unsqueeze(1), torch.ones(b, 1, n))
        grid = (grid / cnt.clamp(min=1.0)).view(b, c, r, r, r)
        v = self.voxel(grid).view(b, -1, r ** 3)
        # trilinear devoxelization
        lo = torch.floor(norm)
        frac = norm - lo
        lo = lo.long()
        hi = torch.clamp(lo + 1, max=r - 1)
        out = 0
        for dx in (0, 1):
            for dy in (0, 1):
                for dz in (0, 1):
                    ix = hi[:, 0] if dx else lo[:, 0]
                    iy = hi[:, 1] if dy else lo[:, 1]
                    iz = hi[:, 2] if dz else lo[:, 2]
                    wx = frac[:, 0] if dx else 1 - frac[:, 0]
                    wy = frac[:, 1] if dy else 1 - frac[:, 1]
                    wz = frac[:, 2] if dz else 1 - frac[:, 2]
                    idx = (ix * r * r + iy * r + iz).unsqueeze(1).expand(b, v.shape[1], n)
                    out = out + torch.gather(v, 2, idx) * (wx * wy * wz).unsqueeze(1)
        return out + self.point(features)


class PVCNN(nn.Module):
    def __init__(self, ncls=13):
        super().__init__()
        self.convs = nn.ModuleList([PVConv(3, 32, 8), PVConv(32, 64, 8), PVConv(64, 64, 4)])
        self.head = nn.Sequential(nn.Conv1d(32 + 64 + 64 + 128, 128, 1), nn.BatchNorm1d(128), nn.ReLU(), nn.Conv1d(128, ncls, 1))
        self.glob = nn.Sequential(nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU())

    def forward(self, points):                                        # b, 3, n
        x, outs = points, []
        for pv in self.convs:
            x = pv(x, points)
            outs.append(x)
        g = self.glob(x).max(-1, keepdim=True)[0].expand(-1, -1, points.shape[2])
        return self.head(torch.cat(outs + [g], 1))


# --- VideoPose3D ---
class TemporalModel(nn.Module):
    def __init__(self, joints=17, filter_widths=(3, 3, 3, 3, 3), channels=256):
        super().__init__()
        self.pad = [filter_widths[0] // 2]
        self.expand_conv = nn.Conv1d(joints * 2, channels, filter_widths[0], bias=False)
        self.expand_bn = nn.BatchNorm1d(channels, momentum=0.1)
        layers_conv, layers_bn = [], []
        self.causal_shift = [0]
        next_dilation = filter_widths[0]
        for fw in filter_widths[1:]:
            self.pad.append((fw - 1) * next_dilation // 2)
            self.causal_shift.append(0)
            layers_conv += [nn.Conv1d(channels, channels, fw, dilation=next_dilation, bias=False), nn.Conv1d(channels, channels, 1, bias=False)]
            layers_bn += [nn.BatchNorm1d(channels), nn.BatchNorm1d(channels)]
            next_dilation *= fw
        self.layers_conv, self.layers_bn = nn.ModuleList(layers_conv), nn.ModuleList(layers_bn)
        self.shrink = nn.Conv1d(channels, joints * 3, 1)
        self.joints = joints

    def forward(self, keypoints):                                     # b, 243, 17, 2
        b, t = keypoints.shape[:2]
        x = keypoints.view(b, t, -1).permute(0, 2, 1)
        x = F.relu(self.expand_bn(self.expand_conv(x)))
        for i in range(len(self.pad) - 1):
            pad, shift = self.pad[i + 1], self.causal_shift[i + 1]
            res = x[:, :, pad + shift: x.shape[2] - pad + shift]
            x = F.relu(self.layers_bn[2 * i](self.layers_conv[2 * i](x)))
            x = res + F.relu(self.layers_bn[2 * i + 1](self.layers_conv[2 * i + 1](x)))
        x = self.shrink(x).permute(0, 2, 1)
        return x.view(b, -1, self.joints, 3)


# --- MotionBERT DSTformer ---
class STAttention(nn.Module):
    def __init__(self, dim, heads, mode):
        super().__init__()
        self.h, self.mode, self.scale = heads, mode, (dim // heads) ** -0.5
        self.qkv, self.proj = nn.Linear(dim, dim * 3), nn.Linear(dim, dim)

    def forward(self, x, seqlen):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                                # b, h, n, d
        if self.mode == 's':
            a = ((q @ k.transpose(-2, -1)) * self.scale).softmax(-1)
            x = (a @ v).transpose(1, 2).reshape(b, n, c)
        else:
            qt = q.reshape(-1, seqlen, self.h, n, c // self.h).permute(0, 2, 3, 1, 4)   # B, h, J, T, d
            kt = k.reshape(-1, seqlen, self.h, n, c // self.h).permute(0, 2, 3, 1, 4)
            vt = v.reshape(-1, seqlen, self.h, n, c // self.h).permute(0, 2, 3, 1, 4)
            a = ((qt @ kt.transpose(-2, -1)) * self.scale).softmax(-1)
            x = (a @ vt).permute(0, 3, 2, 1, 4).reshape(b, n, c)
        return self.proj(x)


class STBlock(nn.Module):
    def __init__(self, dim, heads, mode):
        super().__init__()
        self.n1, self.attn, self.n2 = nn.LayerNorm(dim), STAttention(dim, heads, mode), nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x, seqlen):
        x = x + self.attn(self.n1(x), seqlen)
        return x + self.mlp(self.n2(x))


class DSTformer(nn.Module):
    def __init__(self, dim=64, heads=4, depth=2, joints=17, frames=27):
        super().__init__()
        self.joints_embed = nn.Linear(3, dim)
        self.pos_embed = nn.Parameter(torch.randn(1, joints, dim) * 0.02)
        self.temp_embed = nn.Parameter(torch.randn(1, frames, 1, dim) * 0.02)
        self.st = nn.ModuleList(nn.ModuleList([STBlock(dim, heads, 's'), STBlock(dim, heads, 't')]) for _ in range(depth))
        self.ts = nn.ModuleList(nn.ModuleList([STBlock(dim, heads, 't'), STBlock(dim, heads, 's')]) for _ in range(depth))
        self.ts_attn = nn.ModuleList(nn.Linear(2 * dim, 2) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.pre_logits = nn.Sequential(nn.Linear(dim, 128), nn.Tanh())
        self.head = nn.Linear(128, 3)

    def forward(self, x):                                               # b, f, j, 3
        b, f, j, c = x.shape
        x = self.joints_embed(x.reshape(-1, j, c)) + self.pos_embed
        x = x.reshape(-1, f, j, x.shape[-1]) + self.temp_embed[:, :f]
        x = x.reshape(b * f, j, -1)
        for (s1, t1), (t2, s2), fuse in zip(self.st, self.ts, self.ts_attn):
            x_st = t1(s1(x, f), f)
            x_ts = s2(t2(x, f), f)
            alpha = fuse(torch.cat([x_st, x_ts], -1)).softmax(-1)
            x = x_st * alpha[:, :, 0:1] + x_ts * alpha[:, :, 1:2]
        x = self.norm(x).reshape(b, f, j, -1)
        return self.head(self.pre_logits(x))


# --- TANet ---
class TAM(nn.Module):
    def __init__(self, c, t, k=3, beta=4, alpha=2):
        super().__init__()
        self.t, self.k = t, k
        self.G = nn.Sequential(nn.Linear(t, t * alpha, bias=False), nn.BatchNorm1d(t * alpha), nn.ReLU(),
                               nn.Linear(t * alpha, k, bias=False), nn.Softmax(-1))
        self.L = nn.Sequential(nn.Conv1d(c, c // beta, 3, padding=1, bias=False), nn.BatchNorm1d(c // beta), nn.ReLU(),
                               nn.Conv1d(c // beta, c, 1, bias=False), nn.Sigmoid())

    def forward(self, x):
        nt, c, h, w = x.shape
        t = self.t
        n = nt // t
        new_x = x.view(n, t, c, h, w).permute(0, 2, 1, 3, 4).contiguous()
        out = F.adaptive_avg_pool2d(new_x.view(n * c, t, h, w), (1, 1))
        conv_kernel = self.G(out.view(-1, t)).view(n * c, 1, -1, 1)
        local = self.L(out.view(n, c, t)).view(n, c, t, 1, 1)
        new_x = new_x * local
        out = F.conv2d(new_x.view(1, n * c, t, h * w), conv_kernel, bias=None, stride=(1, 1), padding=(self.k // 2, 0), groups=n * c)
        return out.view(n, c, t, h, w).permute(0, 2, 1, 3, 4).contiguous().view(nt, c, h, w)


class TABlock(nn.Module):
    def __init__(self, i, o, t, s=1):
        super().__init__()
        m = o // 4
        self.c1 = cbr(i, m, 1, p=0)
        self.tam = TAM(m, t)
        self.c2, self.c3 = cbr(m, m, 3, s), cbr(m, o, 1, p=0, act=False)
        self.sc = cbr(i, o, 1, s, p=0, act=False) if (s != 1 or i != o) else nn.Identity()

    def forward(self, x):
        return F.relu(self.c3(self.c2(self.tam(self.c1(x)))) + self.sc(x))


class TANet(nn.Module):
    def __init__(self, t=8, ncls=174):
        super().__init__()
        self.t = t
        self.stem = nn.Sequential(cbr(3, 32, 7, 2), nn.MaxPool2d(3, 2, 1))
        self.blocks = nn.Sequential(TABlock(32, 64, t), TABlock(64, 128, t, 2), TABlock(128, 256, t, 2), TABlock(256, 256, t, 2))
        self.fc = nn.Linear(256, ncls)

    def forward(self, frames):                                          # b*t, 3, h, w (TSN's batch of segments)
        x = F.adaptive_avg_pool2d(self.blocks(self.stem(frames)), 1).flatten(1)
        return self.fc(x).view(-1, self.t, self.fc.out_features).mean(1)
