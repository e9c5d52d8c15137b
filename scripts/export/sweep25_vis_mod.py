"""Twenty-fifth sweep, vision families (docs/model-sweep.md "Twenty-fifth sweep"): CoTracker3's online tracker,
EdgeTAM's 2-D spatial perceiver, DSINE's ray-conditioned normals, LivePortrait's motion extractor and warping,
OverLoCK's ContMix, MobileMamba's wavelet-enhanced Mamba, DDQ's distinct queries by NMS. Plain torch 1.13 with
the math of their public code, small widths, random weights; driven by sweep25_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F
import torchvision

from sweep20_vis_gen import ConvGRU  # Metric3D's, the same as DSINE's
from sweep22_seq_lm import heads, merge


class Attn(nn.Module):
    def __init__(self, d, h=4, kv=None):
        super().__init__()
        self.h = h
        self.q, self.kv, self.o = nn.Linear(d, d), nn.Linear(kv or d, 2 * d), nn.Linear(d, d)

    def forward(self, x, y=None, bias=None):
        q = heads(self.q(x), self.h)
        k, v = [heads(t, self.h) for t in self.kv(x if y is None else y).chunk(2, -1)]
        s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        return self.o(merge((s if bias is None else s + bias).softmax(-1) @ v))


class Block(nn.Module):
    def __init__(self, d, h=4, kv=None):
        super().__init__()
        self.n1, self.n2, self.attn = nn.LayerNorm(d), nn.LayerNorm(d), Attn(d, h, kv)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, y=None):
        x = x + self.attn(self.n1(x), y)
        return x + self.mlp(self.n2(x))


def conv(i, o, k=3, s=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2), nn.BatchNorm2d(o), nn.ReLU())


def posenc(x, d, base=10.0):  # CoTracker's get_1d_sincos: x [..., 1] -> [..., d]
    f = x * base ** (-torch.arange(d // 2).float() / (d // 2))
    return torch.cat([f.sin(), f.cos()], -1)


# --- CoTracker3 online (facebookresearch/co-tracker cotracker3_online): correlation around tracks, time + virtual attn ---

class CoTracker3(nn.Module):
    def __init__(self, d=64, r=3, levels=2, virtual=8, iters=2, stride=4):
        super().__init__()
        self.r, self.levels, self.iters, self.stride = r, levels, iters, stride
        self.fnet = nn.Sequential(conv(3, 32, 7, 2), conv(32, 48, 3, 2), nn.Conv2d(48, 32, 1))
        k = (2 * r + 1) ** 2
        self.corr_mlp = nn.Sequential(nn.Linear(levels * k, 64), nn.GELU(), nn.Linear(64, 64))
        self.inp = nn.Linear(64 + 32 + 2, d)
        self.time = nn.ModuleList(Block(d) for _ in range(2))
        self.v2t, self.t2v = nn.ModuleList(Block(d) for _ in range(2)), nn.ModuleList(Block(d) for _ in range(2))
        self.vself = nn.ModuleList(Block(d) for _ in range(2))
        self.virtual = nn.Parameter(torch.randn(1, virtual, 1, d))
        self.time_emb = nn.Parameter(0.1 * torch.randn(1, 1, 8, d))
        self.head = nn.Linear(d, 2 + 2)  # delta xy, visibility / confidence logits

    def sample(self, f, xy):  # f [BT, C, h, w], xy [BT, N, K, 2] in pixels of f -> [BT, C, N, K]
        h, w = f.shape[-2:]
        g = torch.stack([2 * xy[..., 0] / (w - 1) - 1, 2 * xy[..., 1] / (h - 1) - 1], -1)
        return F.grid_sample(f, g, align_corners=True)

    def forward(self, video, queries):  # video [1, T, 3, H, W], queries [1, N, 2] (x, y on frame 0)
        b, t = video.shape[:2]
        n = queries.shape[1]
        fm = self.fnet(video.flatten(0, 1) * 2 - 1)  # [T, C, h, w]
        fm = fm / fm.norm(dim=1, keepdim=True).clamp(min=1e-6)
        pyr = [fm, F.avg_pool2d(fm, 2)]
        q = queries / self.stride
        track_feat = self.sample(fm[:1], q[:, :, None]).squeeze(-1).permute(0, 2, 1)  # [1, N, C]
        coords = q[:, None].expand(b, t, n, 2)
        dl = torch.arange(-self.r, self.r + 1).float()
        offs = torch.stack(torch.meshgrid(dl, dl, indexing='xy'), -1).view(1, 1, -1, 2)
        for _ in range(self.iters):
            corrs = []
            for lvl, f in enumerate(pyr):
                pts = coords.reshape(b * t, n, 1, 2) / 2 ** lvl + offs
                s = self.sample(f, pts)  # [T, C, N, K]
                corrs.append(torch.einsum('tcnk,nc->tnk', s, track_feat[0]))
            corr = self.corr_mlp(torch.cat(corrs, -1)).permute(1, 0, 2)[None]  # [1, N, T, 64]
            rel = (coords - coords[:, :1]).permute(0, 2, 1, 3)  # displacement from the query frame [1, N, T, 2]
            x = self.inp(torch.cat([corr, track_feat[:, :, None].expand(-1, -1, t, -1), rel / 8.0], -1)) + self.time_emb[:, :, :t]
            v = self.virtual.expand(b, -1, t, -1)
            for tb, v2t, vs, t2v in zip(self.time, self.v2t, self.vself, self.t2v):
                x = tb(x.flatten(0, 1)).view(b, n, t, -1)  # attention over time, per track
                xs, vv = x.permute(0, 2, 1, 3).flatten(0, 1), v.permute(0, 2, 1, 3).flatten(0, 1)  # [T, N, d], per frame
                vv = vs(v2t(vv, xs))  # virtual tracks read the real ones, then each other
                xs = t2v(xs, vv)
                x, v = xs.view(b, t, n, -1).permute(0, 2, 1, 3), vv.view(b, t, -1, vv.shape[-1]).permute(0, 2, 1, 3)
            out = self.head(x)
            coords = coords + out[..., :2].permute(0, 2, 1, 3)
        return coords * self.stride, torch.sigmoid(out[..., 2]).permute(0, 2, 1), torch.sigmoid(out[..., 3]).permute(0, 2, 1)


# --- EdgeTAM (facebookresearch/EdgeTAM perceiver.py): memory compressed by global latents and 2-D windowed latents ---

class EdgeTAMPerceiver(nn.Module):
    def __init__(self, d=64, n_global=32, window=4, layers=2):
        super().__init__()
        self.window = window
        self.latents_g = nn.Parameter(torch.randn(1, n_global, d))
        self.latent_2d = nn.Parameter(torch.randn(1, 1, d))  # one query shared by every window
        self.cross_g = nn.ModuleList(Block(d) for _ in range(layers))
        self.self_g = nn.ModuleList(Block(d) for _ in range(layers))
        self.cross_l = nn.ModuleList(Block(d) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.mem_attn = nn.ModuleList(Block(d) for _ in range(2))
        self.self_cur = nn.ModuleList(Block(d) for _ in range(2))

    def pos2d(self, h, w, d):  # SAM 2's PositionEmbeddingSine for the 2-D latents' cells
        y, x = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing='ij')
        return torch.cat([posenc(y.reshape(-1, 1) / h * 2 * math.pi, d // 2, 1e4), posenc(x.reshape(-1, 1) / w * 2 * math.pi, d // 2, 1e4)], -1)

    def compress(self, mem, pos):  # mem [B, C, H, W] -> [B, G + (H/w)(W/w), C]
        b, c, h, w = mem.shape
        x = (mem + pos).flatten(2).transpose(1, 2)
        g = self.latents_g.expand(b, -1, -1)
        for cr, sf in zip(self.cross_g, self.self_g):
            g = sf(cr(g, x))
        s = self.window
        win = (mem + pos).view(b, c, h // s, s, w // s, s).permute(0, 2, 4, 3, 5, 1).reshape(-1, s * s, c)
        lat = self.latent_2d.expand(win.shape[0], -1, -1)
        for cr in self.cross_l:
            lat = cr(lat, win)
        lat = lat.view(b, (h // s) * (w // s), c) + self.pos2d(h // s, w // s, c)
        return self.norm(torch.cat([g, lat], 1))

    def forward(self, curr, mem0, mem1, pos):  # curr [1, 256, C], memories [1, C, 16, 16], pos [1, C, 16, 16]
        memory = torch.cat([self.compress(mem0, pos), self.compress(mem1, pos)], 1)
        x = curr
        for sf, ma in zip(self.self_cur, self.mem_attn):
            x = ma(sf(x), memory)
        return x


# --- DSINE (baegwangbin/DSINE): rays from intrinsics, ray-ReLU, ConvGRU refinement by local rotations, convex upsampling ---

def axis_angle_rotate(n, aa):  # Rodrigues: rotate unit normals n [B, 3, ...] by axis-angle aa [B, 3, ...]
    theta = aa.norm(dim=1, keepdim=True).clamp(min=1e-6)
    k = aa / theta
    c, s = torch.cos(theta), torch.sin(theta)
    k0, k1, k2 = k[:, 0:1], k[:, 1:2], k[:, 2:3]
    n0, n1, n2 = n[:, 0:1], n[:, 1:2], n[:, 2:3]
    kxn = torch.cat([k1 * n2 - k2 * n1, k2 * n0 - k0 * n2, k0 * n1 - k1 * n0], 1)
    return n * c + kxn * s + k * (k * n).sum(1, keepdim=True) * (1 - c)


class DSINE(nn.Module):
    def __init__(self, d=48, iters=2):
        super().__init__()
        self.iters = iters
        self.enc = nn.Sequential(conv(3, 24, 3, 2), conv(24, 32, 3, 2), conv(32, d, 3, 2))  # 1/8
        self.ctx = nn.Conv2d(d + 3, d, 3, 1, 1)
        self.init = nn.Conv2d(d + 3, 3, 3, 1, 1)
        self.gru = ConvGRU(d, d + 3 + 3)
        self.rot = nn.Sequential(nn.Conv2d(d, 32, 3, 1, 1), nn.ReLU(), nn.Conv2d(32, 3 + 9, 1))  # axis-angle, 3x3 weights
        self.up = nn.Sequential(nn.Conv2d(d, 64, 3, 1, 1), nn.ReLU(), nn.Conv2d(64, 9 * 64, 1))

    def rays(self, k, h, w, stride):
        v, u = torch.meshgrid(torch.arange(h).float() * stride + stride / 2, torch.arange(w).float() * stride + stride / 2, indexing='ij')
        uv1 = torch.stack([u, v, torch.ones_like(u)], 0).view(1, 3, -1)
        r = self.kinv(k) @ uv1
        r = r / r.norm(dim=1, keepdim=True)
        return r.view(-1, 3, h, w)

    @staticmethod
    def kinv(k):  # inverse of an intrinsics matrix [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] in closed form
        fx, fy, cx, cy = k[:, 0, 0], k[:, 1, 1], k[:, 0, 2], k[:, 1, 2]
        z, o = torch.zeros_like(fx), torch.ones_like(fx)
        return torch.stack([torch.stack([1 / fx, z, -cx / fx], -1), torch.stack([z, 1 / fy, -cy / fy], -1), torch.stack([z, z, o], -1)], 1)

    @staticmethod
    def ray_relu(n, r):  # the normal must face the camera: remove the component along the ray that points away
        n = n - F.relu((n * r).sum(1, keepdim=True)) * r
        return n / n.norm(dim=1, keepdim=True).clamp(min=1e-6)

    def forward(self, image, intrins):
        f = self.enc(image)
        b, _, h, w = f.shape
        r = self.rays(intrins, h, w, 8)
        hid = torch.tanh(self.ctx(torch.cat([f, r], 1)))
        n = self.ray_relu(self.init(torch.cat([f, r], 1)), r)
        for _ in range(self.iters):
            hid = self.gru(hid, torch.cat([f, r, n], 1))
            p = self.rot(hid)
            aa, wts = p[:, :3], p[:, 3:].softmax(1)
            nb = F.unfold(n, 3, padding=1).view(b, 3, 9, h, w)  # each pixel's 3x3 neighbours' normals
            rot = axis_angle_rotate(nb, aa[:, :, None])  # every neighbour rotated by the pixel's axis-angle
            n = (rot * wts[:, None]).sum(2)
            n = self.ray_relu(n, r)
        m = self.up(hid).view(b, 1, 9, 8, 8, h, w).softmax(2)  # RAFT's convex upsampling
        nu = F.unfold(n, 3, padding=1).view(b, 3, 9, 1, 1, h, w)
        up = (m * nu).sum(2).permute(0, 1, 4, 2, 5, 3).reshape(b, 3, 8 * h, 8 * w)
        return up / up.norm(dim=1, keepdim=True).clamp(min=1e-6)


# --- LivePortrait (KwaiVGI/LivePortrait): motion extractor (bins -> angles -> rotation), keypoint warping of a 3-D volume ---

def euler_to_rotation(pitch, yaw, roll):  # degrees [B] -> [B, 3, 3] (LivePortrait's get_rotation_matrix)
    p, y, r = [t * math.pi / 180 for t in (pitch, yaw, roll)]
    o, z = torch.ones_like(p), torch.zeros_like(p)
    rx = torch.stack([o, z, z, z, p.cos(), -p.sin(), z, p.sin(), p.cos()], 1).view(-1, 3, 3)
    ry = torch.stack([y.cos(), z, y.sin(), z, o, z, -y.sin(), z, y.cos()], 1).view(-1, 3, 3)
    rz = torch.stack([r.cos(), -r.sin(), z, r.sin(), r.cos(), z, z, z, o], 1).view(-1, 3, 3)
    return (rz @ ry @ rx).transpose(1, 2)


class LivePortraitMotion(nn.Module):
    """Motion extractor: pose bins (66 each, softmax expectation · 3 − 97.5 degrees), expression deltas, scale,
    translation, canonical keypoints; returns the transformed keypoints x_s = s · (x_c R + exp) + t."""

    def __init__(self, k=15):
        super().__init__()
        self.k = k
        self.body = nn.Sequential(conv(3, 32, 3, 2), conv(32, 64, 3, 2), conv(64, 96, 3, 2), conv(96, 128, 3, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(128, 3 * 66 + 3 * k + 3 * k + 1 + 3)

    def forward(self, image):
        o = self.head(self.body(image))
        bins = o[:, :198].view(-1, 3, 66).softmax(-1)
        ang = (bins * torch.arange(66).float()).sum(-1) * 3 - 97.5
        k = self.k
        kp = o[:, 198: 198 + 3 * k].view(-1, k, 3)
        exp = o[:, 198 + 3 * k: 198 + 6 * k].view(-1, k, 3)
        scale, t = o[:, 198 + 6 * k: 199 + 6 * k], o[:, 199 + 6 * k:]
        t = t * torch.tensor([1.0, 1.0, 0.0])  # tz zeroed as LivePortrait does
        rot = euler_to_rotation(ang[:, 0], ang[:, 1], ang[:, 2])
        return scale[:, :, None] * (kp @ rot + exp) + t[:, None], ang


class LivePortraitWarp(nn.Module):
    """Dense motion from keypoint Gaussians over the 3-D grid, K + 1 deformed volumes by 5-D grid_sample, a 3-D
    hourglass for the mask, the volume warped once more, folded to 2-D, occlusion, SPADE decoder with pixel shuffle."""

    def __init__(self, c=8, dd=8, hw=32, k=15):
        super().__init__()
        self.k = k
        z, y, x = torch.meshgrid(*(torch.linspace(-1, 1, n) for n in (dd, hw, hw)), indexing='ij')
        self.register_buffer('grid', torch.stack([x, y, z], -1))  # [D, H, W, 3] (x, y, z) as grid_sample reads
        self.comp = nn.Conv3d(c, 4, 1)
        self.hg = nn.Sequential(nn.Conv3d((k + 1) * 5, 32, 3, 1, 1), nn.ReLU(), nn.Conv3d(32, 32, 3, 1, 1), nn.ReLU())
        self.mask = nn.Conv3d(32, k + 1, 7, 1, 3)
        self.occ = nn.Conv2d(32 * dd, 1, 7, 1, 3)
        self.fold = nn.Conv2d(c * dd, 64, 3, 1, 1)
        self.spade_g, self.spade_b = nn.Conv2d(64, 64, 3, 1, 1), nn.Conv2d(64, 64, 3, 1, 1)
        self.dec = nn.Sequential(nn.Conv2d(64, 4 * 32, 3, 1, 1), nn.PixelShuffle(2), nn.LeakyReLU(0.2), nn.Conv2d(32, 3, 3, 1, 1), nn.Sigmoid())

    def forward(self, feature_3d, kp_source, kp_driving):
        b, c, d, h, w = feature_3d.shape
        g = self.grid[None, None]  # [1, 1, D, H, W, 3]
        gd = torch.exp(-((g - kp_driving[:, :, None, None, None]) ** 2).sum(-1) / 0.01)
        gs = torch.exp(-((g - kp_source[:, :, None, None, None]) ** 2).sum(-1) / 0.01)
        heat = torch.cat([torch.zeros_like(gd[:, :1]), gd - gs], 1)  # [B, K + 1, D, H, W]
        sparse = torch.cat([g.expand(b, 1, d, h, w, 3), g - kp_driving[:, :, None, None, None] + kp_source[:, :, None, None, None]], 1)
        f = self.comp(feature_3d)
        fr = f[:, None].expand(-1, self.k + 1, -1, -1, -1, -1).reshape(b * (self.k + 1), -1, d, h, w)
        deformed = F.grid_sample(fr, sparse.reshape(b * (self.k + 1), d, h, w, 3), align_corners=False).view(b, self.k + 1, -1, d, h, w)
        inp = torch.cat([heat[:, :, None], deformed], 2).view(b, -1, d, h, w)
        pred = self.hg(inp)
        mask = self.mask(pred).softmax(1)
        deformation = (sparse * mask[..., None]).sum(1)  # [B, D, H, W, 3]
        warped = F.grid_sample(feature_3d, deformation, align_corners=False)
        occlusion = torch.sigmoid(self.occ(pred.reshape(b, -1, h, w)))
        x = self.fold(warped.reshape(b, c * d, h, w)) * occlusion
        mu, var = x.mean((2, 3), keepdim=True), x.var((2, 3), keepdim=True, unbiased=False)
        x = (x - mu) / torch.sqrt(var + 1e-5) * (1 + self.spade_g(x)) + self.spade_b(x)  # SPADE over an instance norm
        return self.dec(x)


# --- OverLoCK (LMMMEng/OverLoCK): ContMix — per-pixel kernels from affinities to pooled region centres ---

class ContMix(nn.Module):
    def __init__(self, c, groups=4, k=5, regions=7):
        super().__init__()
        self.g, self.k, self.regions = groups, k, regions
        self.q, self.kk, self.v = nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.to_kernel = nn.Linear(regions * regions, k * k)
        self.proj = nn.Conv2d(c, c, 1)
        self.lepe = nn.Conv2d(c, c, 5, 1, 2, groups=c)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        g, k = self.g, self.k
        q = self.q(x).view(b, g, c // g, h * w).transpose(-1, -2)  # [B, G, HW, c/G]
        r = F.adaptive_avg_pool2d(self.kk(ctx), self.regions).view(b, g, c // g, -1)  # [B, G, c/G, 49]
        aff = (q @ r) / math.sqrt(c // g)
        kern = self.to_kernel(aff).softmax(-1)  # [B, G, HW, k²]
        v = self.v(x)
        cols = F.unfold(v, k, padding=k // 2).view(b, g, c // g, k * k, h * w)
        out = torch.einsum('bgnk,bgckn->bgcn', kern, cols).reshape(b, c, h, w)
        return self.proj(out + self.lepe(v))


class OverLoCKBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, 1, 1, groups=c)
        self.bn1, self.bn2 = nn.BatchNorm2d(c), nn.BatchNorm2d(c)
        self.mix = ContMix(c)
        self.gate = nn.Conv2d(c, c, 1)
        self.ffn = nn.Sequential(nn.Conv2d(c, 2 * c, 1), nn.GELU(), nn.Conv2d(2 * c, 2 * c, 3, 1, 1, groups=2 * c), nn.GELU(), nn.Conv2d(2 * c, c, 1))

    def forward(self, x, ctx):
        x = x + self.dw(x)
        y = self.bn1(x)
        x = x + self.mix(y, ctx) * torch.sigmoid(self.gate(ctx))  # the overview net's context gates the focus net
        return x + self.ffn(self.bn2(x))


class OverLoCK(nn.Module):
    """Base-net, an Overview-Net giving a coarse context prior, a Focus-Net of ContMix blocks guided by it."""

    def __init__(self, classes=100):
        super().__init__()
        self.stem = nn.Sequential(conv(3, 32, 3, 2), conv(32, 64, 3, 2), conv(64, 64, 3, 2))  # 1/8
        self.overview = nn.Sequential(conv(64, 96, 3, 2), conv(96, 96), nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False), nn.Conv2d(96, 64, 1))
        self.focus = nn.ModuleList(OverLoCKBlock(64) for _ in range(2))
        self.down = conv(64, 128, 3, 2)
        self.focus2 = nn.ModuleList(OverLoCKBlock(128) for _ in range(2))
        self.ctx2 = nn.Conv2d(64, 128, 3, 2, 1)
        self.head = nn.Linear(128, classes)

    def forward(self, x):
        x = self.stem(x)
        ctx = self.overview(x)
        for blk in self.focus:
            x = blk(x, ctx)
        x, ctx = self.down(x), self.ctx2(ctx)
        for blk in self.focus2:
            x = blk(x, ctx)
        return self.head(x.mean((2, 3)))


# --- MobileMamba (lewandofskee/MobileMamba): MRFFI — Haar wavelet-enhanced Mamba, multi-kernel convs, identity ---

class SSD(nn.Module):
    """Mamba-2's selective state-space in its quadratic (masked attention) form over the L tokens."""

    def __init__(self, d, state=8):
        super().__init__()
        self.in_proj = nn.Linear(d, 2 * d + 2 * state + 1)
        self.conv = nn.Conv1d(d, d, 3, padding=2, groups=d)
        self.a_log = nn.Parameter(torch.tensor(0.5))
        self.dskip = nn.Parameter(torch.ones(d))
        self.out = nn.Linear(d, d)
        self.d, self.state = d, state

    def forward(self, x):  # [B, L, d]
        d, s = self.d, self.state
        p = self.in_proj(x)
        u, z, bm, cm, dt = p[..., :d], p[..., d: 2 * d], p[..., 2 * d: 2 * d + s], p[..., 2 * d + s: 2 * d + 2 * s], p[..., -1:]
        u = F.silu(self.conv(u.transpose(1, 2))[..., : x.shape[1]]).transpose(1, 2)
        dt = F.softplus(dt)  # [B, L, 1]
        la = (-torch.exp(self.a_log) * dt).squeeze(-1).cumsum(-1)  # [B, L]
        seg = la[:, :, None] - la[:, None, :]
        n = x.shape[1]
        causal = torch.ones(n, n, dtype=torch.bool).tril()
        decay = torch.exp(seg.masked_fill(~causal, -1e4))
        att = (cm @ bm.transpose(1, 2)) * decay * dt.transpose(1, 2)
        y = att @ u + self.dskip * u
        return self.out(y * F.silu(z))


class MRFFI(nn.Module):
    def __init__(self, c, ratio=0.5, kr=0.25):
        super().__init__()
        self.cg = int(c * ratio)  # global (wavelet-enhanced Mamba) channels
        self.cl = int(c * kr)  # local multi-kernel channels
        self.mamba = SSD(self.cg)
        haar = torch.tensor([[[1, 1], [1, 1]], [[1, 1], [-1, -1]], [[1, -1], [1, -1]], [[1, -1], [-1, 1]]]).float() / 2
        self.register_buffer('haar', haar[:, None].repeat(self.cg, 1, 1, 1))  # [4·cg, 1, 2, 2]
        self.wt_conv = nn.Conv2d(4 * self.cg, 4 * self.cg, 3, 1, 1, groups=4 * self.cg)
        self.wt_scale = nn.Parameter(0.1 * torch.ones(1, 4 * self.cg, 1, 1))
        self.mk = nn.ModuleList(nn.Conv2d(self.cl // 2, self.cl // 2, k, 1, k // 2, groups=self.cl // 2) for k in (3, 7))
        self.proj = nn.Sequential(nn.Conv2d(c, c, 1), nn.BatchNorm2d(c))

    def forward(self, x):
        b, c, h, w = x.shape
        xg, xl, xi = x[:, : self.cg], x[:, self.cg: self.cg + self.cl], x[:, self.cg + self.cl:]
        yg = self.mamba(xg.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, self.cg, h, w)
        wt = F.conv2d(xg, self.haar, stride=2, groups=self.cg)  # Haar DWT: 4 sub-bands per channel
        wt = self.wt_conv(wt) * self.wt_scale
        yw = F.conv_transpose2d(wt, self.haar, stride=2, groups=self.cg)  # inverse DWT
        a, bb = xl.chunk(2, 1)
        yl = torch.cat([self.mk[0](a), self.mk[1](bb)], 1)
        return self.proj(torch.cat([yg + yw, yl, xi], 1))


class MobileMamba(nn.Module):
    def __init__(self, classes=100):
        super().__init__()
        self.stem = nn.Sequential(conv(3, 32, 3, 2), conv(32, 64, 3, 2), conv(64, 96, 3, 2))  # 1/8
        self.blocks = nn.ModuleList(MRFFI(96) for _ in range(2))
        self.ffn = nn.ModuleList(nn.Sequential(nn.Conv2d(96, 192, 1), nn.BatchNorm2d(192), nn.ReLU(), nn.Conv2d(192, 96, 1), nn.BatchNorm2d(96)) for _ in range(2))
        self.dw = nn.ModuleList(nn.Sequential(nn.Conv2d(96, 96, 3, 1, 1, groups=96), nn.BatchNorm2d(96)) for _ in range(2))
        self.down = conv(96, 160, 3, 2)
        self.blocks2 = nn.ModuleList(MRFFI(160) for _ in range(1))
        self.head = nn.Linear(160, classes)

    def forward(self, x):
        x = self.stem(x)
        for blk, ffn, dw in zip(self.blocks, self.ffn, self.dw):
            x = x + dw(x)
            x = x + blk(x)
            x = x + ffn(x)
        x = self.down(x)
        for blk in self.blocks2:
            x = x + blk(x)
        return self.head(x.mean((2, 3)))


# --- DDQ-DETR (jshilong/DDQ): dense queries, class-agnostic NMS keeps distinct ones, top-k of the kept, decoder ---

class DDQ(nn.Module):
    def __init__(self, d=64, classes=20, k=50, iou=0.8):
        super().__init__()
        self.k, self.iou = k, iou
        self.backbone = nn.Sequential(conv(3, 32, 3, 2), conv(32, 48, 3, 2), conv(48, 64, 3, 2), conv(64, d, 3, 2))  # 1/16
        self.cls, self.reg = nn.Linear(d, classes), nn.Linear(d, 4)
        self.dec = nn.ModuleList(Block(d) for _ in range(2))
        self.cross = nn.ModuleList(Block(d) for _ in range(2))
        self.cls2, self.reg2 = nn.Linear(d, classes), nn.Linear(d, 4)

    def forward(self, image):
        f = self.backbone(image)
        b, d, h, w = f.shape
        mem = f.flatten(2).transpose(1, 2)  # [1, HW, d]
        ys, xs = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing='ij')
        ctr = torch.stack([(xs + 0.5) / w, (ys + 0.5) / h], -1).view(1, -1, 2)
        r = self.reg(mem)
        cxcy = ctr + 0.1 * torch.tanh(r[..., :2])
        wh = 0.4 * torch.sigmoid(r[..., 2:])
        boxes = torch.cat([cxcy - wh / 2, cxcy + wh / 2], -1)  # [1, HW, 4]
        score = self.cls(mem).sigmoid().max(-1)[0]  # [1, HW]
        keep = torchvision.ops.nms(boxes[0], score[0], self.iou)  # class-agnostic: distinct queries
        distinct = torch.zeros_like(score[0])
        distinct[keep] = 1.0  # DDQ's distinct-query mask (index_put by the kept indices)
        sel = torch.where(distinct > 0, score[0], torch.full_like(score[0], -1.0)).topk(self.k).indices
        q, qb = mem[:, sel], boxes[:, sel]
        for sa, ca in zip(self.dec, self.cross):
            q = ca(sa(q), mem)
        logits = self.cls2(q)
        out = qb + 0.05 * torch.tanh(self.reg2(q))
        return logits.sigmoid(), out.clamp(0, 1)
