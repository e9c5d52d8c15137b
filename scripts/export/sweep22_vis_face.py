"""Twenty-second sweep (docs/model-sweep.md): face landmarks and hand meshes as their public code writes them — SLPT
(Jiahao-UTS/SLPT-master: a mean face refined in three stages; each landmark's local patch cropped from the feature map
by grid_sample at a shrinking size, embedded by a conv covering the patch, a landmark transformer decoder over the
patch embeddings, offsets scaled by the patch size) and MobRecon (SeanChenxy/HandMesh: 2-D joint heatmaps and their
soft-argmax, image features lifted at the joints by grid_sample, a constant joints-to-vertices map, a spiral mesh
decoder: DSConv = index_select of each vertex's spiral neighbours, a depthwise conv over the spiral, a Linear; the
upsampling between mesh levels as the sparse `Pool` of the project, index_select · value then scatter-add by row).
Plain torch.nn, small widths, random weights. Imported by sweep22_vis.py."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep20_vis_bb import cbr

g = torch.Generator().manual_seed(23)


class SLPT(nn.Module):
    def __init__(self, n=29, c=64, d=64, p=7, stages=(0.25, 0.125, 0.0625)):
        super().__init__()
        self.trunk = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, c, 3, 2), cbr(c, c), cbr(c, c))
        self.embed = nn.Conv2d(c, d, p)
        self.query = nn.Parameter(torch.randn(1, n, d, generator=g) * 0.1)
        self.struct = nn.Parameter(torch.randn(1, n, d, generator=g) * 0.1)
        layer = nn.TransformerDecoderLayer(d, 4, 2 * d, 0.0, batch_first=True)
        self.dec = nn.TransformerDecoder(layer, 2)
        self.head = nn.Linear(d, 2)
        self.register_buffer('mean_face', 0.25 + 0.5 * torch.rand(1, n, 2, generator=g))
        self.register_buffer('patch', torch.linspace(-0.5, 0.5, p))
        self.n, self.p, self.stages = n, p, stages

    def forward(self, x):
        f = self.trunk(x)
        b, c = f.shape[:2]
        lm = self.mean_face.expand(b, -1, -1)
        yy, xx = torch.meshgrid(self.patch, self.patch, indexing='ij')
        offs = torch.stack([xx, yy], -1)
        outs = []
        for size in self.stages:
            grid = lm[:, :, None, None, :] + offs * size
            s = F.grid_sample(f, (2 * grid - 1).view(b, self.n * self.p, self.p, 2), align_corners=False)
            s = s.view(b, c, self.n, self.p, self.p).transpose(1, 2).reshape(b * self.n, c, self.p, self.p)
            e = self.embed(s).view(b, self.n, -1)
            q = self.dec(self.query.expand(b, -1, -1) + self.struct, e + self.struct)
            lm = lm + self.head(q).tanh() * size * 0.5
            outs.append(lm)
        return outs[-1], outs[0]


def spiral(v, s=9):
    """Each vertex's spiral: itself, then random neighbours (the mesh's real spirals come from its faces)."""
    return torch.cat([torch.arange(v)[:, None], torch.randint(0, v, (v, s - 1), generator=g)], 1)


def pool_matrix(vout, vin):
    """A sparse upsampling (row, col, value): each new vertex the mean of two vertices of the coarser level."""
    row = torch.arange(vout).repeat_interleave(2)
    col = torch.randint(0, vin, (2 * vout,), generator=g)
    col[0::2] = torch.arange(vout) % vin
    return row, col, torch.full((2 * vout,), 0.5)


class DSConv(nn.Module):
    def __init__(self, cin, cout, v, s=9):
        super().__init__()
        self.register_buffer('idx', spiral(v, s))
        self.spatial = nn.Conv1d(cin, cin, s, groups=cin, bias=False)
        self.channel = nn.Linear(cin, cout)

    def forward(self, x):
        b, v = x.shape[:2]
        x = torch.index_select(x, 1, self.idx.view(-1)).view(b * v, self.idx.shape[1], -1).transpose(1, 2)
        return self.channel(self.spatial(x).view(b, v, -1))


class Pool(nn.Module):
    def __init__(self, vout, vin):
        super().__init__()
        row, col, val = pool_matrix(vout, vin)
        self.register_buffer('row', row)
        self.register_buffer('col', col)
        self.register_buffer('val', val[:, None])
        self.vout = vout

    def forward(self, x):
        out = torch.index_select(x, 1, self.col) * self.val
        idx = self.row[None, :, None].expand(x.shape[0], -1, x.shape[2])
        return torch.zeros(x.shape[0], self.vout, x.shape[2]).scatter_add(1, idx, out)


class MobRecon(nn.Module):
    def __init__(self, j=21, c=64, verts=(49, 98, 195, 389), chans=(64, 64, 32, 32)):
        super().__init__()
        self.trunk = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 32, 3, 1, 32), cbr(32, c, 1), cbr(c, c, 3, 2, c), cbr(c, c, 1), cbr(c, c))
        self.hm = nn.Conv2d(c, j, 1)
        self.register_buffer('j2v', torch.rand(verts[0], j, generator=g).softmax(-1))
        self.lift = nn.Linear(c + 2, chans[0])
        self.pools = nn.ModuleList([Pool(verts[i + 1], verts[i]) for i in range(len(verts) - 1)])
        self.convs = nn.ModuleList([DSConv(chans[i], chans[i + 1], verts[i + 1]) for i in range(len(verts) - 1)])
        self.head = DSConv(chans[-1], 3, verts[-1])

    def forward(self, x):
        f = self.trunk(x)
        b, c, h, w = f.shape
        hm = self.hm(f).flatten(2).softmax(-1).view(b, -1, h, w)
        ys = (torch.arange(h).float() + 0.5) / h
        xs = (torch.arange(w).float() + 0.5) / w
        jx = (hm.sum(2) * xs).sum(-1)
        jy = (hm.sum(3) * ys).sum(-1)
        joints = torch.stack([jx, jy], -1)
        lifted = F.grid_sample(f, (2 * joints - 1).unsqueeze(2), align_corners=False).squeeze(-1).transpose(1, 2)
        v = self.j2v @ self.lift(torch.cat([lifted, joints], -1))
        for p, conv in zip(self.pools, self.convs):
            v = F.relu(conv(p(v)))
        return self.head(v), joints
