"""Twenty-third sweep (docs/model-sweep.md): head pose, gaze and 3-D body from one image as their public code writes
them — FSA-Net (shamangary/FSA-Net: two streams (ReLU / tanh, avg / max pools) at three stages, fine-grained
structure mapping (1x1 attention maps, a learned mapping S to M' pixels), capsule routing (3 iterations, squash),
soft stagewise regression: per stage 3 bins' probabilities, shift and scale for yaw / pitch / roll), GazeTR-Hybrid
(yihuacheng/GazeTR: a conv trunk to 7x7 tokens, a cls token and learned positions, a 6-layer pre-norm transformer,
pitch / yaw and the 3-D gaze vector by sin / cos) and HybrIK (Jeff-sjtu/HybrIK: 3-D heatmaps J·D channels by a
deconv head, integral regression (softmax over D·H·W, expected x, y, z), twist angles as normalised (cos, sin), the
swing that takes each template bone to the predicted one by Rodrigues' formula (axis = cross, angle from dot), the
twist about the bone composed on it). Plain torch.nn, small widths, random weights. Imported by sweep23_vis.py."""
import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(232)


def cba(i, o, act, s=1):
    return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), act())


class FSANet(nn.Module):
    def __init__(self, c=16, caps=3, caps_dim=8, routing=3, bins=3, m=5):
        super().__init__()
        self.a = nn.ModuleList([nn.Sequential(cba(3 if i == 0 else c, c, nn.ReLU), cba(c, c, nn.ReLU)) for i in range(3)])
        self.b = nn.ModuleList([nn.Sequential(cba(3 if i == 0 else c, c, nn.Tanh), cba(c, c, nn.Tanh)) for i in range(3)])
        self.att = nn.ModuleList([nn.Conv2d(c, 1, 1) for _ in range(3)])
        self.m, self.caps, self.cd, self.r, self.bins = m, caps, caps_dim, routing, bins
        self.smap = nn.Linear(3 * 8 * 8, 3 * m)  # fine-grained structure: pixel map S
        self.W = nn.Parameter(0.1 * torch.randn(caps, 3 * m, caps_dim, c, generator=g))
        self.heads = nn.ModuleList([nn.Linear(caps_dim, 3 * (2 * bins + 1)) for _ in range(caps)])

    def forward(self, x):
        xa, xb, feats = x, x, []
        for i in range(3):
            xa, xb = F.avg_pool2d(self.a[i](xa), 2), F.max_pool2d(self.b[i](xb), 2)
            f = F.adaptive_avg_pool2d(xa * xb, 8)
            feats.append(f)
        atts = torch.cat([torch.sigmoid(self.att[i](f)).flatten(1) for i, f in enumerate(feats)], 1)  # [b, 3·64]
        S = self.smap(atts).reshape(-1, 3 * self.m, 1).softmax(1)
        U = torch.cat([f.flatten(2).transpose(1, 2) for f in feats], 1)  # [b, 3·64, c]
        pooled = atts[..., None] * U  # attention-weighted pixels
        grouped = pooled.reshape(x.shape[0], 3, 64, -1).mean(2)  # [b, 3, c]
        prim = grouped[:, :, None].expand(-1, 3, self.m, grouped.shape[-1]).reshape(x.shape[0], 3 * self.m, -1) * S  # M' primary capsules
        u_hat = torch.einsum('kpdc,bpc->bkpd', self.W, prim)
        logits = torch.zeros(x.shape[0], self.caps, 3 * self.m)
        for it in range(self.r):
            cpl = logits.softmax(1)
            s = (cpl[..., None] * u_hat).sum(2)
            n2 = (s * s).sum(-1, keepdim=True)
            v = n2 / (1 + n2) * s / torch.sqrt(n2 + 1e-7)
            if it < self.r - 1:
                logits = logits + (u_hat * v[:, :, None]).sum(-1)
        # soft stagewise regression: stage k gives p over 3 bins, shift η and scale Δ per angle
        angles = 0
        scale = 1.0
        for k in range(self.caps):
            o = self.heads[k](v[:, k]).reshape(-1, 3, 2 * self.bins + 1)
            p, shift, delta = o[..., :self.bins].softmax(-1), o[..., self.bins:2 * self.bins].tanh(), o[..., -1:].tanh()
            idx = torch.arange(self.bins, dtype=torch.float32) - (self.bins - 1) / 2
            scale = scale * self.bins * (1 + delta)
            angles = angles + (p * (idx + shift)).sum(-1, keepdim=True) / scale
        return angles.squeeze(-1) * 99.0


class GazeTR(nn.Module):
    def __init__(self, d=64, layers=6, heads=4):
        super().__init__()
        self.trunk = nn.Sequential(cba(3, 16, nn.ReLU, 2), cba(16, 32, nn.ReLU, 2), cba(32, 48, nn.ReLU, 2), cba(48, d, nn.ReLU, 2), cba(d, d, nn.ReLU, 2))
        self.cls = nn.Parameter(torch.randn(1, 1, d, generator=g))
        self.pos = nn.Parameter(0.1 * torch.randn(50, 1, d, generator=g))
        layer = nn.TransformerEncoderLayer(d, heads, 128, dropout=0.0, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d))
        self.fc = nn.Linear(d, 2)

    def forward(self, face):
        f = self.trunk(face).flatten(2).permute(2, 0, 1)  # [49, b, d], sequence first as in the project
        f = torch.cat([self.cls.expand(-1, f.shape[1], -1), f], 0) + self.pos
        py = self.fc(self.enc(f)[0])
        pitch, yaw = py[:, 0], py[:, 1]
        vec = torch.stack([-pitch.cos() * yaw.sin(), -pitch.sin(), -pitch.cos() * yaw.cos()], -1)
        return py, vec


def rodrigues(axis, cos, sin):
    """Rotation matrices [..., 3, 3] about unit axes by the angle with the given cos / sin."""
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    zero = torch.zeros_like(x)
    K = torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1).reshape(*x.shape, 3, 3)
    eye = torch.eye(3).expand_as(K)
    return eye + sin[..., None, None] * K + (1 - cos)[..., None, None] * (K @ K)


class HybrIK(nn.Module):
    def __init__(self, joints=24, depth=16, c=64):
        super().__init__()
        self.j, self.d = joints, depth
        self.trunk = nn.Sequential(cba(3, 16, nn.ReLU, 2), cba(16, 32, nn.ReLU, 2), cba(32, 48, nn.ReLU, 2), cba(48, c, nn.ReLU, 2), cba(c, c, nn.ReLU, 2))
        self.deconv = nn.Sequential(nn.ConvTranspose2d(c, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                                    nn.ConvTranspose2d(c, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.hm = nn.Conv2d(c, joints * depth, 1)
        self.twist = nn.Linear(c, joints * 2)
        parents = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21]
        self.parents = parents[:joints]
        self.template = 0.2 * torch.randn(joints, 3, generator=g)

    def forward(self, x):
        f = self.trunk(x)
        hm = self.hm(self.deconv(f))  # [b, J·D, H, W]
        b, _, h, w = hm.shape
        p = hm.reshape(b, self.j, -1).softmax(-1).reshape(b, self.j, self.d, h, w)
        lin = lambda n: torch.linspace(-0.5, 0.5, n)  # noqa: E731
        jx = (p.sum((2, 3)) * lin(w)).sum(-1)
        jy = (p.sum((2, 4)) * lin(h)).sum(-1)
        jz = (p.sum((3, 4)) * lin(self.d)).sum(-1)
        joints = torch.stack([jx, jy, jz], -1)  # [b, J, 3]
        tw = self.twist(f.mean((2, 3))).reshape(b, self.j, 2)
        tw = tw / (tw.norm(dim=-1, keepdim=True) + 1e-8)
        par = torch.tensor([max(q, 0) for q in self.parents])
        bone = joints - joints[:, par]
        tmpl = (self.template - self.template[par])[None].expand_as(bone)
        bu = bone / (bone.norm(dim=-1, keepdim=True) + 1e-8)
        tu = tmpl / (tmpl.norm(dim=-1, keepdim=True) + 1e-8)
        axis = torch.cross(tu, bu, dim=-1)
        sin = axis.norm(dim=-1)
        axis = axis / (sin[..., None] + 1e-8)
        cos = (tu * bu).sum(-1)
        swing = rodrigues(axis, cos, sin)
        twist = rodrigues(bu, tw[..., 0], tw[..., 1])
        return joints, twist @ swing
