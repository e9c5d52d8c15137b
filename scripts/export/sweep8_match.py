"""Eighth sweep (docs/model-sweep.md): keypoints, matching and self-supervised depth — SuperPoint (magicleap's
SuperPointPretrainedNetwork / SuperGlue's superpoint.py: VGG encoder, 65-bin softmax, depth-to-space, simple_nms by
max-pool, top-k, descriptors sampled by grid_sample and L2-normalized), a LightGlue-style matcher (cvg/LightGlue:
rotary positions from keypoints, self / bidirectional cross attention, MatchAssignment's double log-softmax with
matchability) over dynamic keypoint counts, Lite-Mono (noahzn/Lite-Mono: dilated depthwise conv blocks, LGFI's
cross-covariance attention, disparity decoder). Plain torch.nn, small widths, random weights. Imported by sweep8.py."""
import torch
from torch import nn
import torch.nn.functional as F


def cr(i, o, k=3, s=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2), nn.ReLU())


def max_pool(x, r):
    return F.max_pool2d(x, kernel_size=r * 2 + 1, stride=1, padding=r)


def simple_nms(scores, r):
    zeros = torch.zeros_like(scores)
    max_mask = scores == max_pool(scores, r)
    for _ in range(2):
        supp_mask = max_pool(max_mask.float(), r) > 0
        supp_scores = torch.where(supp_mask, zeros, scores)
        new_max_mask = supp_scores == max_pool(supp_scores, r)
        max_mask = max_mask | (new_max_mask & (~supp_mask))
    return torch.where(max_mask, scores, zeros)


class SuperPoint(nn.Module):
    """Grey image [1, 1, H, W] → keypoints [1, K, 2] (x, y pixels), scores [1, K], descriptors [1, K, 256]."""

    def __init__(self, k=256, r=4, c=(32, 32, 64, 64)):
        super().__init__()
        self.k, self.r = k, r
        self.enc = nn.Sequential(cr(1, c[0]), cr(c[0], c[0]), nn.MaxPool2d(2), cr(c[0], c[1]), cr(c[1], c[1]), nn.MaxPool2d(2),
                                 cr(c[1], c[2]), cr(c[2], c[2]), nn.MaxPool2d(2), cr(c[2], c[3]), cr(c[3], c[3]))
        self.det = nn.Sequential(cr(c[3], 128), nn.Conv2d(128, 65, 1))
        self.desc = nn.Sequential(cr(c[3], 128), nn.Conv2d(128, 256, 1))

    def forward(self, x):
        f = self.enc(x)
        s = F.softmax(self.det(f), 1)[:, :-1]
        b, _, h, w = s.shape
        s = s.permute(0, 2, 3, 1).reshape(b, h, w, 8, 8).permute(0, 1, 3, 2, 4).reshape(b, h * 8, w * 8)
        s = simple_nms(s[:, None], self.r)  # [B, 1, H, W], as LightGlue-ONNX's SuperPoint (a 3-D max_pool2d exports invalid ONNX)
        scores, idx = torch.topk(s.reshape(b, -1), self.k, dim=1)
        kx, ky = idx % (w * 8), torch.div(idx, w * 8, rounding_mode='floor')
        kpts = torch.stack([kx, ky], -1).float()
        d = F.normalize(self.desc(f), p=2, dim=1)
        grid = (kpts - 8 / 2 + 0.5) / (torch.tensor([w * 8, h * 8]).float() - 8 / 2 - 0.5) * 2 - 1
        d = F.grid_sample(d, grid.view(b, 1, -1, 2), mode='bilinear', align_corners=True)
        d = F.normalize(d.reshape(b, 256, -1), p=2, dim=1)
        return kpts, scores, d.transpose(1, 2)


def rotate_half(x):
    x = x.reshape(x.shape[0], x.shape[1], x.shape[2], -1, 2)  # LightGlue-ONNX's reshape for torch's unflatten
    x1, x2 = x.unbind(dim=-1)
    return torch.stack((-x2, x1), dim=-1).flatten(start_dim=-2)


class LGAttn(nn.Module):
    def __init__(self, d, h, cross):
        super().__init__()
        self.h, self.cross = h, cross
        self.qkv = nn.Linear(d, (2 if cross else 3) * d)
        self.out = nn.Linear(d, d)
        self.ffn = nn.Sequential(nn.Linear(2 * d, 2 * d), nn.LayerNorm(2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def heads(self, t):
        b, n, _ = t.shape
        return t.reshape(b, n, self.h, -1).transpose(1, 2)

    def merge(self, t):
        return self.out(t.transpose(1, 2).flatten(start_dim=-2))

    def self_attn(self, x, enc):
        q, k, v = (self.heads(t) for t in self.qkv(x).chunk(3, -1))
        q, k = q * enc[0] + rotate_half(q) * enc[1], k * enc[0] + rotate_half(k) * enc[1]
        a = F.softmax(q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5, -1)
        m = self.merge(a @ v)
        return x + self.ffn(torch.cat([x, m], -1))

    def cross_attn(self, x0, x1):
        qk0, v0 = (self.heads(t) for t in self.qkv(x0).chunk(2, -1))
        qk1, v1 = (self.heads(t) for t in self.qkv(x1).chunk(2, -1))
        s = qk0.shape[-1] ** -0.25
        sim = (qk0 * s) @ (qk1 * s).transpose(-1, -2)
        m0, m1 = self.merge(F.softmax(sim, -1) @ v1), self.merge(F.softmax(sim.transpose(-2, -1).contiguous(), -1) @ v0)
        return x0 + self.ffn(torch.cat([x0, m0], -1)), x1 + self.ffn(torch.cat([x1, m1], -1))


class LightGlue(nn.Module):
    """kpts0 [1, N, 2], kpts1 [1, M, 2] (normalized), desc0 [1, N, 256], desc1 [1, M, 256] → scores [1, N, M]
    (log assignment without the dustbins); N and M dynamic."""

    def __init__(self, din=256, d=64, h=4, layers=2):
        super().__init__()
        self.proj = nn.Linear(din, d)
        self.wr = nn.Linear(2, d // h // 2, bias=False)
        self.blocks = nn.ModuleList([nn.ModuleList([LGAttn(d, h, False), LGAttn(d, h, True)]) for _ in range(layers)])
        self.final = nn.Linear(d, d)
        self.match = nn.Linear(d, 1)

    def posenc(self, k):
        p = self.wr(k)
        p = torch.stack([p, p], -1).reshape(p.shape[0], 1, p.shape[1], -1)  # repeat_interleave(2), as LightGlue-ONNX
        return torch.cos(p), torch.sin(p)

    def forward(self, kpts0, kpts1, desc0, desc1):
        e0, e1 = self.posenc(kpts0), self.posenc(kpts1)
        x0, x1 = self.proj(desc0), self.proj(desc1)
        for sa, ca in self.blocks:
            x0, x1 = sa.self_attn(x0, e0), sa.self_attn(x1, e1)
            x0, x1 = ca.cross_attn(x0, x1)
        m0, m1 = self.final(x0), self.final(x1)
        d = m0.shape[-1]
        sim = (m0 / d ** 0.25) @ (m1 / d ** 0.25).transpose(-1, -2)
        z0, z1 = self.match(x0), self.match(x1)
        return F.log_softmax(sim, 2) + F.log_softmax(sim, 1) + F.logsigmoid(z0) + F.logsigmoid(z1).transpose(1, 2)


# --- Lite-Mono (noahzn/Lite-Mono networks/depth_encoder.py, depth_decoder.py) ---
def cbg(i, o, k=3, s=1, d=1, g=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, d * (k // 2), dilation=d, groups=g), nn.BatchNorm2d(o), nn.GELU())


class CDilated(nn.Module):
    def __init__(self, c, d):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, 1, d, dilation=d, groups=c)
        self.bn, self.pw1, self.pw2 = nn.BatchNorm2d(c), nn.Linear(c, 4 * c), nn.Linear(4 * c, c)
        self.gamma = nn.Parameter(1e-1 * torch.ones(c))

    def forward(self, x):
        y = self.bn(self.dw(x)).permute(0, 2, 3, 1)
        y = self.gamma * self.pw2(F.gelu(self.pw1(y)))
        return x + y.permute(0, 3, 1, 2)


class XCA(nn.Module):
    def __init__(self, c, h=4):
        super().__init__()
        self.h = h
        self.temperature = nn.Parameter(torch.ones(h, 1, 1))
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0].transpose(-2, -1), qkv[1].transpose(-2, -1), qkv[2].transpose(-2, -1)
        q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
        a = ((q @ k.transpose(-2, -1)) * self.temperature).softmax(dim=-1)
        return self.proj((a @ v).permute(0, 3, 1, 2).reshape(b, n, c))


class LGFI(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n1, self.n2, self.xca = nn.LayerNorm(c), nn.LayerNorm(c), XCA(c)
        self.pw1, self.pw2 = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)
        self.g1, self.g2 = nn.Parameter(1e-1 * torch.ones(c)), nn.Parameter(1e-1 * torch.ones(c))

    def forward(self, x):
        b, c, h, w = x.shape
        t = x.reshape(b, c, h * w).permute(0, 2, 1)
        t = t + self.g1 * self.xca(self.n1(t))
        t = t.reshape(b, h, w, c)
        t = t + self.g2 * self.pw2(F.gelu(self.pw1(self.n2(t))))
        return t.permute(0, 3, 1, 2)


class LiteMono(nn.Module):
    """192×640 → disparities at scales 0..2 (sigmoid), as the project's depth decoder outputs."""

    def __init__(self, dims=(32, 64, 96)):
        super().__init__()
        self.stem = nn.Sequential(cbg(3, dims[0], 3, 2), cbg(dims[0], dims[0]), cbg(dims[0], dims[0]))
        self.stem2 = cbg(dims[0] + 3, dims[0], 3, 2)
        self.ds = nn.ModuleList([cbg(dims[0] + 3, dims[1], 3, 2), cbg(dims[1] + 3, dims[2], 3, 2)])
        self.stages = nn.ModuleList([nn.Sequential(CDilated(d, 1), CDilated(d, 2), CDilated(d, 3), LGFI(d)) for d in dims])
        self.pool = nn.ModuleList([nn.AvgPool2d(3, 2, 1) for _ in range(3)])
        ch = (16, 32, 64)
        self.up0 = nn.ModuleList([cbg(dims[2] if i == 2 else ch[i + 1], ch[i]) for i in range(3)])
        self.up1 = nn.ModuleList([cbg(ch[i] + (dims[i - 1] if i else 0), ch[i]) for i in range(3)])
        self.disp = nn.ModuleList([nn.Conv2d(ch[i], 1, 3, 1, 1) for i in range(3)])

    def forward(self, x):
        x_down = [x]
        for p in self.pool:
            x_down.append(p(x_down[-1]))
        f = self.stem(x)
        f = self.stem2(torch.cat([f, x_down[1]], 1))
        feats = [self.stages[0](f)]
        for i in range(2):
            f = self.ds[i](torch.cat([feats[-1], x_down[i + 2]], 1))
            feats.append(self.stages[i + 1](f))
        outs, y = [], feats[2]
        for i in (2, 1, 0):
            y = F.interpolate(self.up0[i](y), scale_factor=2.0, mode='nearest')
            if i:
                y = torch.cat([y, feats[i - 1]], 1)
            y = self.up1[i](y)
            outs.append(torch.sigmoid(self.disp[i](y)))
        return tuple(outs)
