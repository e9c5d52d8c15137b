"""Twenty-third sweep (docs/model-sweep.md): point clouds, occupancy and neural rendering as their public code writes
them — Point Transformer V3 (Pointcept: grid coordinates by floor(xyz / grid size), serialisation by z-order codes
(bits of x, y, z interleaved; a second order with the axes swapped, "z-trans"), points sorted by the code (argsort),
patch attention over 64 consecutive points in that order, the inverse order by a scatter, xCPE as a Linear of the
coordinates here (the project's is a sparse conv), one order per block), FlashOcc (Yzichen/FlashOcc: an LSS view
transformer — per camera pixel a depth distribution × context features, pooled into a 64 x 64 BEV grid by
scatter_add at precomputed voxel ranks (BEVPoolv2's rank tables) — a BEV encoder and the channel-to-height head: one
conv to classes·Z channels viewed [B, H, W, Z, classes]), an EG3D-style tri-plane field (NVlabs/eg3d: each 3-D sample
projected on the xy / xz / zy planes, three grid_samples summed, a small decoder MLP to density and colour, volume
rendering along each ray: α = 1 − exp(−σδ), transmittance by an exclusive cumulative sum of log(1 − α)),
Instant-NGP's multiresolution hash encoding (NVlabs/tiny-cuda-nn: 8 levels, per level the 8 corners' integer
coordinates hashed by (x·1 + y·2654435761 + z·805459861) mod 2^12 in int64 (the project xors the products: torch 1.13
has no bitwise_xor export), trilinear weights, a 2-layer density MLP and a colour MLP on degree-4 spherical harmonics
of the view direction) and a 3-D Gaussian splat rasteriser (graphdeco-inria/gaussian-splatting's forward: covariance
R·S·Sᵀ·Rᵀ from quaternion and scale, EWA projection with the perspective Jacobian, 2-D conic by the inverse, a 0.3
dilation, per-pixel α = min(0.99, o·exp(−½ dᵀΣ⁻¹d)), Gaussians sorted by depth, front-to-back compositing by the
exclusive cumulative product of 1 − α, here dense over a 32 x 32 tile instead of per-tile lists). Plain torch.nn,
small widths, random weights. Imported by sweep23_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(233)


def zorder(grid, bits=6, swap=False):
    """Morton code of integer grid coordinates [b, n, 3] (floats holding integers), by arithmetic on each bit."""
    x, y, z = grid.unbind(-1)
    if swap:
        x, y = y, x
    code = torch.zeros_like(x)
    for i in range(bits):
        p = 2.0 ** i
        bx, by, bz = [torch.remainder(torch.floor(c / p), 2.0) for c in (x, y, z)]
        code = code + (bz + 2 * by + 4 * bx) * (8.0 ** i)
    return code


class PatchAttention(nn.Module):
    def __init__(self, c, heads=4, patch=64):
        super().__init__()
        self.cpe = nn.Sequential(nn.Linear(3, c), nn.LayerNorm(c))
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.mlp = nn.Sequential(nn.Linear(c, 2 * c), nn.GELU(), nn.Linear(2 * c, c))
        self.h, self.p = heads, patch

    def forward(self, feat, coord, order, inverse):
        feat = feat + self.cpe(coord)
        b, n, c = feat.shape
        x = torch.gather(self.n1(feat), 1, order[..., None].expand(-1, -1, c))
        q, k, v = self.qkv(x).reshape(b * n // self.p, self.p, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = ((q @ k.transpose(-1, -2)) / math.sqrt(c // self.h)).softmax(-1) @ v
        a = self.proj(a.transpose(1, 2).reshape(b, n, c))
        feat = feat + torch.gather(a, 1, inverse[..., None].expand(-1, -1, c))
        return feat + self.mlp(self.n2(feat))


class PTv3(nn.Module):
    def __init__(self, c=48, blocks=2, classes=13, grid=0.05):
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(6, c), nn.LayerNorm(c), nn.GELU())
        self.blocks = nn.ModuleList([PatchAttention(c) for _ in range(blocks)])
        self.head = nn.Sequential(nn.Linear(c, c), nn.GELU(), nn.Linear(c, classes))
        self.grid = grid

    def forward(self, points):
        coord = points[..., :3]
        cell = torch.floor((coord - coord.min(1, keepdim=True)[0]) / self.grid)
        orders = []
        for swap in (False, True):
            order = torch.argsort(zorder(cell, swap=swap), dim=1)
            inverse = torch.zeros_like(order).scatter(1, order, torch.arange(order.shape[1])[None].expand_as(order))
            orders.append((order, inverse))
        feat = self.embed(points)
        for i, blk in enumerate(self.blocks):
            feat = blk(feat, coord, *orders[i % 2])
        return self.head(feat)


class FlashOcc(nn.Module):
    def __init__(self, cams=2, depth=16, c=32, bev=64, z=8, classes=17, fh=8, fw=22):
        super().__init__()
        self.enc = nn.Sequential(*[nn.Sequential(nn.Conv2d(a, b, 3, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU())
                                   for a, b in [(3, 16), (16, 32), (32, 48)]])
        self.depthnet = nn.Conv2d(48, depth + c, 1)
        self.d, self.c, self.bev, self.z, self.k = depth, c, bev, z, classes
        self.bev_enc = nn.Sequential(nn.Conv2d(c, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                     nn.Conv2d(64, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.c2h = nn.Sequential(nn.Conv2d(64, 128, 3, 1, 1), nn.Softplus(), nn.Conv2d(128, classes * z, 1))
        # BEVPoolv2's precomputed ranks: each (camera, depth bin, pixel) frustum point's BEV cell, from fixed
        # intrinsics / extrinsics (the project computes them once per calibration, outside the network)
        n = cams * depth * fh * fw
        ds = torch.linspace(1.0, 45.0, depth)
        u = (torch.arange(fw) + 0.5) / fw * 2 - 1
        pts = []
        for cam in range(cams):
            yaw = cam * math.pi
            ang = yaw + u * 0.6
            r = ds[:, None]
            x, y = r * torch.cos(ang)[None], r * torch.sin(ang)[None]
            pts.append(torch.stack([x, y], -1)[:, None].expand(depth, fh, fw, 2))
        xy = torch.stack(pts, 0).reshape(n, 2)
        cell = ((xy + 51.2) / 102.4 * bev).floor().clamp(0, bev - 1).long()
        self.rank = cell[:, 1] * bev + cell[:, 0]

    def forward(self, imgs):
        b, n = imgs.shape[:2]
        f = self.depthnet(self.enc(imgs.flatten(0, 1)))
        depth, ctx = f[:, :self.d].softmax(1), f[:, self.d:]
        vol = depth[:, None] * ctx[:, :, None]  # [b·n, c, d, h, w]
        vol = vol.reshape(b, n, self.c, self.d, *ctx.shape[-2:]).permute(0, 2, 1, 3, 4, 5).reshape(b, self.c, -1)
        bev = torch.zeros(b, self.c, self.bev * self.bev).scatter_add(2, self.rank[None, None].expand(b, self.c, -1), vol)
        bev = self.bev_enc(bev.reshape(b, self.c, self.bev, self.bev))
        occ = self.c2h(bev).permute(0, 3, 2, 1).reshape(b, self.bev, self.bev, self.z, self.k)
        return occ.softmax(-1)


class TriplaneField(nn.Module):
    def __init__(self, c=32, res=64, rays=256, samples=24):
        super().__init__()
        self.dec = nn.Sequential(nn.Linear(c, 64), nn.Softplus(), nn.Linear(64, 1 + 3))
        self.c, self.s = c, samples
        self.t = torch.linspace(0.1, 2.0, samples)

    def forward(self, planes, origins, dirs):
        b, r = origins.shape[:2]
        pts = origins[:, :, None] + dirs[:, :, None] * self.t[:, None]  # [b, r, s, 3]
        pts = pts.reshape(b, 1, r * self.s, 3)
        pl = planes.reshape(b * 3, self.c, *planes.shape[-2:])
        coords = torch.cat([pts[..., [0, 1]], pts[..., [0, 2]], pts[..., [2, 1]]], 0)  # xy, xz, zy
        feats = F.grid_sample(pl, coords, align_corners=False).reshape(b, 3, self.c, r * self.s).mean(1)
        out = self.dec(feats.transpose(1, 2)).reshape(b, r, self.s, 4)
        sigma, rgb = F.softplus(out[..., 0] - 1), torch.sigmoid(out[..., 1:]) * 1.002 - 0.001
        delta = torch.cat([self.t[1:] - self.t[:-1], torch.full((1,), 1e10)])
        alpha = 1 - torch.exp(-sigma * delta)
        logt = torch.cumsum(torch.log(1 - alpha + 1e-10), -1)
        trans = torch.exp(torch.cat([torch.zeros(b, r, 1), logt[..., :-1]], -1))
        w = alpha * trans
        return (w[..., None] * rgb).sum(2), (w * self.t).sum(-1)


def sh4(d):
    """Real spherical harmonics up to degree 3 (16 coefficients) of unit directions, as tiny-cuda-nn writes them."""
    x, y, z = d.unbind(-1)
    xx, yy, zz, xy, yz, xz = x * x, y * y, z * z, x * y, y * z, x * z
    return torch.stack([
        0.28209479177387814 * torch.ones_like(x), -0.48860251190291987 * y, 0.48860251190291987 * z, -0.48860251190291987 * x,
        1.0925484305920792 * xy, -1.0925484305920792 * yz, 0.94617469575755997 * zz - 0.31539156525251999, -1.0925484305920792 * xz,
        0.54627421529603959 * (xx - yy), 0.59004358992664352 * y * (-3.0 * xx + yy), 2.8906114426405538 * xy * z,
        0.45704579946446572 * y * (1.0 - 5.0 * zz), 0.3731763325901154 * z * (5.0 * zz - 3.0), 0.45704579946446572 * x * (1.0 - 5.0 * zz),
        1.4453057213202769 * z * (xx - yy), 0.59004358992664352 * x * (-xx + 3.0 * yy)], -1)


class InstantNGP(nn.Module):
    def __init__(self, levels=8, feats=2, log2_t=12, base=16, scale=1.5):
        super().__init__()
        self.t = 2 ** log2_t
        self.res = [int(math.floor(base * scale ** i)) for i in range(levels)]
        self.tables = nn.Parameter(1e-1 * (torch.rand(levels, self.t, feats, generator=g) * 2 - 1))
        self.density = nn.Sequential(nn.Linear(levels * feats, 64), nn.ReLU(), nn.Linear(64, 16))
        self.color = nn.Sequential(nn.Linear(16 + 16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
        self.primes = torch.tensor([1, 2654435761, 805459861])
        self.corners = torch.tensor([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)])

    def forward(self, x, d):
        enc = []
        for lvl, r in enumerate(self.res):
            p = x * r
            p0 = torch.floor(p)
            frac = p - p0
            c = p0.long()[:, :, None] + self.corners  # [b, n, 8, 3]
            idx = torch.remainder((c * self.primes).sum(-1), self.t)
            w = torch.where(self.corners.bool(), frac[:, :, None], 1 - frac[:, :, None]).prod(-1)  # [b, n, 8]
            f = self.tables[lvl][idx]  # [b, n, 8, F]
            enc.append((w[..., None] * f).sum(2))
        h = self.density(torch.cat(enc, -1))
        sigma = torch.exp(h[..., :1])
        rgb = torch.sigmoid(self.color(torch.cat([sh4(F.normalize(d, dim=-1)), h], -1)))
        return sigma, rgb


class GaussianSplat(nn.Module):
    def __init__(self, size=32, focal=40.0):
        super().__init__()
        self.size, self.f = size, focal
        ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32) + 0.5, torch.arange(size, dtype=torch.float32) + 0.5, indexing='ij')
        self.pix = torch.stack([xs, ys], -1).reshape(1, -1, 1, 2)
        self.view = nn.Linear(3, 3)  # the camera's world-to-view rotation and translation

    def forward(self, means, log_scales, quats, opacity, colors):
        m = self.view(means)
        m = torch.cat([m[..., :2], m[..., 2:3].abs() + 2.0], -1)
        q = F.normalize(quats, dim=-1)
        r, x, y, z = q.unbind(-1)
        R = torch.stack([1 - 2 * (y * y + z * z), 2 * (x * y - r * z), 2 * (x * z + r * y),
                         2 * (x * y + r * z), 1 - 2 * (x * x + z * z), 2 * (y * z - r * x),
                         2 * (x * z - r * y), 2 * (y * z + r * x), 1 - 2 * (x * x + y * y)], -1).reshape(*q.shape[:-1], 3, 3)
        M = R * torch.exp(log_scales)[..., None, :]
        cov = M @ M.transpose(-1, -2)
        W = self.view.weight
        tx, ty, tz = m.unbind(-1)
        zero = torch.zeros_like(tz)
        J = torch.stack([self.f / tz, zero, -self.f * tx / (tz * tz), zero, self.f / tz, -self.f * ty / (tz * tz)], -1).reshape(*tz.shape, 2, 3)
        T = J @ W
        cov2 = T @ cov @ T.transpose(-1, -2) + 0.3 * torch.eye(2)
        a, b_, c = cov2[..., 0, 0], cov2[..., 0, 1], cov2[..., 1, 1]
        det = a * c - b_ * b_
        conic = torch.stack([c / det, -b_ / det, a / det], -1)
        xy = torch.stack([self.f * tx / tz, self.f * ty / tz], -1) + self.size / 2
        order = torch.argsort(tz, dim=1)
        take = lambda t: torch.gather(t, 1, order[..., None].expand(-1, -1, t.shape[-1]))  # noqa: E731
        xy, conic, op, col = take(xy), take(conic), take(torch.sigmoid(opacity)), take(colors)
        dxy = self.pix - xy[:, None]  # [b, P, N, 2]
        dx, dy = dxy[..., 0], dxy[..., 1]
        power = -0.5 * (conic[:, None, :, 0] * dx * dx + conic[:, None, :, 2] * dy * dy) - conic[:, None, :, 1] * dx * dy
        alpha = torch.clamp(op[:, None, :, 0] * torch.exp(torch.clamp(power, max=0.0)), max=0.99)
        logt = torch.cumsum(torch.log(1 - alpha), -1)
        trans = torch.exp(logt - torch.log(1 - alpha))
        img = (trans * alpha) @ col  # [b, P, 3]
        return img.transpose(1, 2).reshape(-1, 3, self.size, self.size)
