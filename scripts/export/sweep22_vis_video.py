"""Twenty-second sweep (docs/model-sweep.md): skeleton and heatmap-volume action recognition as their public code writes
them — MS-G3D (kenziyuliu/MS-G3D: the data BatchNorm over M·V·C, multi-scale disentangled graph convs with k-hop
adjacencies plus a learned residual (`einsum('vu,nctu->nctv')`), G3D pathways over temporal windows unfolded by
nn.Unfold into τ·V-node graphs and collapsed by a (1, τ, 1) Conv3d, multi-branch dilated temporal convs with a
max-pool branch, persons averaged) and PoseC3D (kennymckormick/pyskl: a SlowOnly 3-D ResNet over stacked keypoint
heatmaps [17, T, H, W]: (1, 7, 7) stem, bottlenecks with (3, 1, 1) inflated temporal convs in the later stages,
(1, 3, 3) spatial convs with stride, global pooling). Plain torch.nn, small widths, random weights. Imported by
sweep22_vis.py."""
import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(25)


def skeleton(v=25):
    """A tree over v joints (each joint linked to an earlier one), symmetric, as NTU's bone list is."""
    a = torch.zeros(v, v)
    for i in range(1, v):
        j = int(torch.randint(0, i, (1,), generator=g))
        a[i, j] = a[j, i] = 1
    return a


def k_hop(a, scales):
    """MS-G3D's disentangled adjacencies: the nodes exactly k hops away, each row-normalised, stacked [K·V, V]."""
    v = a.shape[0]
    reach = [torch.eye(v)]
    ai = ((a + torch.eye(v)) > 0).float()
    p = torch.eye(v)
    for _ in range(1, scales):
        p = ((p @ ai) > 0).float()
        reach.append(p)
    out = [reach[0]] + [(reach[k] - reach[k - 1]).clamp(min=0) for k in range(1, scales)]
    out = [m + torch.eye(v) for m in out]
    return torch.cat([m / m.sum(1, keepdim=True) for m in out], 0)


class MSGCN(nn.Module):
    def __init__(self, cin, cout, a, scales=4):
        super().__init__()
        self.register_buffer('A', k_hop(a, scales))
        self.res = nn.Parameter(torch.empty_like(self.A).uniform_(-1e-6, 1e-6, generator=g))
        self.mlp = nn.Sequential(nn.Conv2d(scales * cin, cout, 1), nn.BatchNorm2d(cout), nn.ReLU())
        self.k = scales

    def forward(self, x):
        n, c, t, v = x.shape
        s = torch.einsum('vu,nctu->nctv', self.A + self.res, x).view(n, c, t, self.k, v)
        return self.mlp(s.permute(0, 3, 1, 2, 4).reshape(n, self.k * c, t, v))


class G3D(nn.Module):
    def __init__(self, cin, cout, a, window=3, dilation=1, scales=3):
        super().__init__()
        v = a.shape[0]
        big = a.repeat(window, window) + torch.eye(v).repeat(window, window)
        self.unfold = nn.Unfold((window, 1), (dilation, 1), ((window + (window - 1) * (dilation - 1) - 1) // 2, 0))
        self.gcn = MSGCN(cin, cout, (big > 0).float() - torch.eye(window * v), scales)
        self.collapse = nn.Conv3d(cout, cout, (1, window, 1))
        self.bn = nn.BatchNorm2d(cout)
        self.w = window

    def forward(self, x):
        n, c, t, v = x.shape
        x = self.unfold(x).view(n, c, self.w, t, v).permute(0, 1, 3, 2, 4).reshape(n, c, t, self.w * v)
        x = self.gcn(x)
        return self.bn(self.collapse(x.view(n, -1, t, self.w, v)).squeeze(3))


class MSTCN(nn.Module):
    def __init__(self, c, stride=1, dilations=(1, 2)):
        super().__init__()
        b = c // (len(dilations) + 2)
        self.branches = nn.ModuleList([nn.Sequential(nn.Conv2d(c, b, 1), nn.BatchNorm2d(b), nn.ReLU(),
                                                     nn.Conv2d(b, b, (5, 1), (stride, 1), (2 * d, 0), (d, 1)), nn.BatchNorm2d(b))
                                       for d in dilations])
        self.pool = nn.Sequential(nn.Conv2d(c, b, 1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d((3, 1), (stride, 1), (1, 0)), nn.BatchNorm2d(b))
        self.one = nn.Sequential(nn.Conv2d(c, c - b * (len(dilations) + 1), 1, (stride, 1)), nn.BatchNorm2d(c - b * (len(dilations) + 1)))

    def forward(self, x):
        return F.relu(torch.cat([br(x) for br in self.branches] + [self.pool(x), self.one(x)], 1) + (x if x.shape[2] == 1 else 0))


class MSG3D(nn.Module):
    def __init__(self, v=25, m=2, nc=60, cs=(48, 96)):
        super().__init__()
        a = skeleton(v)
        self.data_bn = nn.BatchNorm1d(m * v * 3)
        self.blocks = nn.ModuleList()
        cin = 3
        for i, c in enumerate(cs):
            self.blocks.append(nn.ModuleDict({'g3d': G3D(cin, c, a), 'gcn': MSGCN(cin, c, a), 'tcn': MSTCN(c, 1 if i == 0 else 2)}))
            cin = c
        self.fc = nn.Linear(cs[-1], nc)

    def forward(self, x):
        n, c, t, v, m = x.shape
        x = self.data_bn(x.permute(0, 4, 3, 1, 2).reshape(n, m * v * c, t))
        x = x.view(n, m, v, c, t).permute(0, 1, 3, 4, 2).reshape(n * m, c, t, v)
        for b in self.blocks:
            x = b['tcn'](F.relu(b['g3d'](x) + b['gcn'](x)))
        x = x.view(n, m, x.shape[1], -1).mean(3).mean(1)
        return self.fc(x)


class Bottleneck3d(nn.Module):
    def __init__(self, cin, mid, cout, s, inflate):
        super().__init__()
        def cb(a, b, k, st=(1, 1, 1)):
            return nn.Sequential(nn.Conv3d(a, b, k, st, tuple(x // 2 for x in k), bias=False), nn.BatchNorm3d(b))
        self.body = nn.Sequential(cb(cin, mid, (3, 1, 1) if inflate else (1, 1, 1)), nn.ReLU(), cb(mid, mid, (1, 3, 3), (1, s, s)), nn.ReLU(),
                                  cb(mid, cout, (1, 1, 1)))
        self.down = cb(cin, cout, (1, 1, 1), (1, s, s)) if s != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return F.relu(self.body(x) + self.down(x))


class PoseC3D(nn.Module):
    def __init__(self, k=17, nc=60):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(k, 32, (1, 7, 7), 1, (0, 3, 3), bias=False), nn.BatchNorm3d(32), nn.ReLU())
        self.stages = nn.Sequential(Bottleneck3d(32, 16, 64, 1, False), Bottleneck3d(64, 32, 128, 2, True), Bottleneck3d(128, 64, 256, 2, True))
        self.fc = nn.Linear(256, nc)

    def forward(self, x):
        return self.fc(self.stages(self.stem(x)).mean((2, 3, 4)))
