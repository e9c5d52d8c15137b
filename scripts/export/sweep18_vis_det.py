"""Eighteenth sweep, detection / pose / face / skeletons (docs/model-sweep.md): CornerNet-Squeeze (fire-module
hourglass, corner pooling as a log-step running max, heatmaps / embeddings / offsets), PIPNet (pixel-in-pixel face
landmarks: heatmap, offsets and neighbour offsets, decoded in the graph by argmax and gathers, neighbours merged by a
constant reverse index), HMR + SMPL (iterative 6-D rotation regressor, Gram-Schmidt, SMPL blend shapes, kinematic
chain of 4x4 transforms, linear blend skinning, weak-perspective camera), ST-GCN (spatial graph conv by einsum with
learnable edge importance, temporal (9, 1) convs, persons folded into the batch), CTR-GCN (channel-wise topology
refinement tanh(x_i - x_j), multi-scale dilated temporal convs) — plain torch.nn with the math of their public code
(small widths, random weights)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1, p=None, g=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2 if p is None else p, groups=g, bias=False), nn.BatchNorm2d(o),
                         nn.ReLU(inplace=True))


# ---------------------------------------------------------------- CornerNet-Squeeze (Law et al. 2019; CornerNet-Lite)
class Fire(nn.Module):
    def __init__(self, i, o, s=1):
        super().__init__()
        self.squeeze = cbr(i, o // 2, 1)
        self.e1 = nn.Conv2d(o // 2, o // 2, 1, s, bias=False)
        self.e3 = nn.Conv2d(o // 2, o // 2, 3, s, 1, groups=o // 2, bias=False)
        self.bn = nn.BatchNorm2d(o)
        self.skip = s == 1 and i == o

    def forward(self, x):
        h = self.squeeze(x)
        h = self.bn(torch.cat([self.e1(h), self.e3(h)], 1))
        return F.relu(h + x) if self.skip else F.relu(h)


class Hourglass(nn.Module):
    def __init__(self, n, dims):
        super().__init__()
        c, c2 = dims[0], dims[1]
        self.up1 = Fire(c, c)
        self.low1 = Fire(c, c2, 2)
        self.low2 = Hourglass(n - 1, dims[1:]) if n > 1 else Fire(c2, c2)
        self.low3 = Fire(c2, c)
        self.up2 = nn.ConvTranspose2d(c, c, 4, 2, 1)

    def forward(self, x):
        return self.up1(x) + self.up2(self.low3(self.low2(self.low1(x))))


def running_max(x, dim, reverse):
    """CornerNet's TopPool / LeftPool (max over everything below / right of a pixel) and BottomPool / RightPool, written
    as the ONNX-exportable log-step form (torch.cummax has no export): max with the map shifted by 1, 2, 4, ...
    positions, edge-replicated so the border row takes part."""
    n = x.shape[dim]
    k = 1
    while k < n:
        if dim == 2:
            pad = (0, 0, 0, k) if reverse else (0, 0, k, 0)
            y = F.pad(x, pad, mode='replicate')
            y = y[:, :, k:, :] if reverse else y[:, :, :n, :]
        else:
            pad = (0, k, 0, 0) if reverse else (k, 0, 0, 0)
            y = F.pad(x, pad, mode='replicate')
            y = y[:, :, :, k:] if reverse else y[:, :, :, :n]
        x = torch.max(x, y)
        k *= 2
    return x


class CornerPool(nn.Module):
    def __init__(self, c, top_left):
        super().__init__()
        self.p1, self.p2 = cbr(c, 64), cbr(c, 64)
        self.p_conv = nn.Sequential(nn.Conv2d(64, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        self.skip = nn.Sequential(nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))
        self.conv2 = cbr(c, c)
        self.tl = top_left

    def forward(self, x):
        # top-left corners: TopPool (max below) on p1 + LeftPool (max to the right) on p2; bottom-right the reverse
        a = running_max(self.p1(x), 2, reverse=self.tl)
        b = running_max(self.p2(x), 3, reverse=self.tl)
        return self.conv2(F.relu(self.p_conv(a + b) + self.skip(x)))


class CornerNetSqueeze(nn.Module):
    def __init__(self, classes=10, c=64):
        super().__init__()
        self.pre = nn.Sequential(cbr(3, 32, 7, 2), Fire(32, c, 2), Fire(c, c, 2))
        self.hg = Hourglass(3, [c, 96, 128, 160])
        self.cnv = cbr(c, c)
        self.tl, self.br = CornerPool(c, True), CornerPool(c, False)

        def head(o):
            return nn.Sequential(nn.Conv2d(c, c, 1), nn.ReLU(inplace=True), nn.Conv2d(c, o, 1))
        self.tl_heat, self.br_heat = head(classes), head(classes)
        self.tl_tag, self.br_tag = head(1), head(1)
        self.tl_off, self.br_off = head(2), head(2)

    def forward(self, x):
        f = self.cnv(self.hg(self.pre(x)))
        tl, br = self.tl(f), self.br(f)
        th, bh = torch.sigmoid(self.tl_heat(tl)), torch.sigmoid(self.br_heat(br))
        # CornerNet's _nms: keep local maxima of the heatmaps (3x3 max pool equality)
        th = th * (F.max_pool2d(th, 3, 1, 1) == th).float()
        bh = bh * (F.max_pool2d(bh, 3, 1, 1) == bh).float()
        return th, bh, self.tl_tag(tl), self.br_tag(br), self.tl_off(tl), self.br_off(br)


# ---------------------------------------------------------------- PIPNet (Jin et al. 2021)
class BasicBlock(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.c1, self.c2 = cbr(i, o, 3, s), nn.Sequential(nn.Conv2d(o, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o))
        self.down = nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o)) if s != 1 or i != o else None

    def forward(self, x):
        return F.relu(self.c2(self.c1(x)) + (self.down(x) if self.down is not None else x))


def resnet_trunk(widths=(32, 64, 96, 128)):
    layers, c = [cbr(3, widths[0], 7, 2), nn.MaxPool2d(3, 2, 1)], widths[0]
    for i, w in enumerate(widths):
        layers += [BasicBlock(c, w, 1 if i == 0 else 2), BasicBlock(w, w, 1)]
        c = w
    return nn.Sequential(*layers)


class PIPNet(nn.Module):
    def __init__(self, lms=68, nb=10, size=256, stride=32):
        super().__init__()
        self.trunk = resnet_trunk()
        self.cls, self.x, self.y = (nn.Conv2d(128, lms, 1) for _ in range(3))
        self.nb_x, self.nb_y = nn.Conv2d(128, nb * lms, 1), nn.Conv2d(128, nb * lms, 1)
        self.lms, self.nb, self.g = lms, nb, size // stride
        g = torch.Generator().manual_seed(3)
        # meanface neighbours (each landmark's 10 nearest in the mean face) and the reverse index: for landmark j,
        # the (i, k) pairs whose k-th neighbour is j (padded by repeating), as PIPNet's get_meanface builds them
        mean = torch.rand(lms, 2, generator=g)
        d = ((mean[:, None] - mean[None]) ** 2).sum(-1) + torch.eye(lms) * 1e9
        nbi = d.topk(nb, largest=False).indices
        rev = [[(i, k) for i in range(lms) for k in range(nb) if int(nbi[i, k]) == j] for j in range(lms)]
        width = max(len(r) for r in rev)
        rev = [r + [r[0]] * (width - len(r)) if r else [(j, 0)] * width for j, r in enumerate(rev)]
        self.register_buffer('rev', torch.tensor([[i * nb + k for i, k in r] for r in rev]), persistent=False)

    def forward(self, img):
        f = self.trunk(img)
        cls, ox, oy = self.cls(f), self.x(f), self.y(f)
        nx, ny = self.nb_x(f), self.nb_y(f)
        L, nb, g = self.lms, self.nb, self.g
        cls = cls.view(1, L, -1)
        idx = cls.argmax(2)                                     # [1, L]
        score = cls.max(2).values
        gx = (idx % g).float()
        gy = torch.div(idx, g, rounding_mode='floor').float()
        px = ox.view(1, L, -1).gather(2, idx.unsqueeze(2)).squeeze(2)
        py = oy.view(1, L, -1).gather(2, idx.unsqueeze(2)).squeeze(2)
        nbx = nx.view(1, L, nb, -1).gather(3, idx.view(1, L, 1, 1).expand(1, L, nb, 1)).squeeze(3)
        nby = ny.view(1, L, nb, -1).gather(3, idx.view(1, L, 1, 1).expand(1, L, nb, 1)).squeeze(3)
        lx, ly = (gx + px) / g, (gy + py) / g                     # [1, L]
        nlx = ((gx.unsqueeze(2) + nbx) / g).view(1, L * nb)      # landmark i's prediction of its k-th neighbour
        nly = ((gy.unsqueeze(2) + nby) / g).view(1, L * nb)
        mx = torch.cat([lx.unsqueeze(2), nlx[:, self.rev]], 2).mean(2)
        my = torch.cat([ly.unsqueeze(2), nly[:, self.rev]], 2).mean(2)
        return torch.stack([mx, my], 2), score


# ---------------------------------------------------------------- HMR / SPIN regressor + SMPL (Kanazawa 2018; Kolotouros 2019)
SMPL_PARENTS = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21]


def rot6d_to_rotmat(x):
    x = x.view(-1, 3, 2)
    a1, a2 = x[:, :, 0], x[:, :, 1]
    b1 = F.normalize(a1)
    b2 = F.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1)
    b3 = torch.cross(b1, b2, dim=1)
    return torch.stack((b1, b2, b3), dim=-1)


class HMRSMPL(nn.Module):
    def __init__(self, verts=431, iters=3):
        super().__init__()
        self.trunk = resnet_trunk()
        self.fc1, self.fc2 = nn.Linear(128 + 24 * 6 + 13, 256), nn.Linear(256, 256)
        self.decpose, self.decshape, self.deccam = nn.Linear(256, 24 * 6), nn.Linear(256, 10), nn.Linear(256, 3)
        self.iters = iters
        g = torch.Generator().manual_seed(5)
        self.register_buffer('init_pose', torch.tensor([1., 0, 0, 1, 0, 0]).repeat(24).view(1, -1) + 0.05 * torch.randn(1, 144, generator=g))
        self.register_buffer('init_shape', torch.zeros(1, 10))
        self.register_buffer('init_cam', torch.tensor([[0.9, 0., 0.]]))
        self.register_buffer('v_template', torch.randn(verts, 3, generator=g) * 0.3)
        self.register_buffer('shapedirs', torch.randn(verts, 3, 10, generator=g) * 0.01)
        self.register_buffer('posedirs', torch.randn(207, verts * 3, generator=g) * 0.01)
        jr = torch.rand(24, verts, generator=g) ** 8
        self.register_buffer('J_regressor', jr / jr.sum(1, keepdim=True))
        w = torch.rand(verts, 24, generator=g) ** 6
        self.register_buffer('lbs_weights', w / w.sum(1, keepdim=True))

    def smpl(self, rotmat, betas):
        v_shaped = self.v_template + torch.einsum('bl,mkl->bmk', betas, self.shapedirs)
        J = torch.einsum('bik,ji->bjk', v_shaped, self.J_regressor)
        ident = torch.eye(3)
        b = betas.shape[0]
        pose_feature = (rotmat[:, 1:] - ident).view(b, -1)
        v_posed = v_shaped + torch.matmul(pose_feature, self.posedirs).view(b, -1, 3)
        rel_j = J.clone()
        rel_j[:, 1:] = rel_j[:, 1:] - J[:, SMPL_PARENTS[1:]]
        tm = torch.cat([F.pad(rotmat, (0, 0, 0, 1)), F.pad(rel_j.unsqueeze(-1), (0, 0, 0, 1), value=1)], dim=3)
        chain = [tm[:, 0]]
        for i in range(1, 24):
            chain.append(torch.matmul(chain[SMPL_PARENTS[i]], tm[:, i]))
        transforms = torch.stack(chain, dim=1)                    # [1, 24, 4, 4]
        posed_joints = transforms[:, :, :3, 3]
        jh = F.pad(J, (0, 1)).unsqueeze(-1)                       # [1, 24, 4, 1] homogeneous 0
        rel_t = transforms - F.pad(torch.matmul(transforms, jh), (3, 0))
        T = torch.matmul(self.lbs_weights, rel_t.view(b, 24, 16)).view(b, -1, 4, 4)
        vh = F.pad(v_posed, (0, 1), value=1.0)
        verts = torch.matmul(T, vh.unsqueeze(-1))[:, :, :3, 0]
        joints = torch.einsum('bik,ji->bjk', verts, self.J_regressor)
        return verts, joints, posed_joints

    def forward(self, img):
        xf = F.adaptive_avg_pool2d(self.trunk(img), 1).flatten(1)
        b = xf.shape[0]
        pose, shape, cam = self.init_pose.expand(b, -1), self.init_shape.expand(b, -1), self.init_cam.expand(b, -1)
        for _ in range(self.iters):
            xc = F.relu(self.fc2(F.relu(self.fc1(torch.cat([xf, pose, shape, cam], 1)))))
            pose = self.decpose(xc) + pose
            shape = self.decshape(xc) + shape
            cam = self.deccam(xc) + cam
        rotmat = rot6d_to_rotmat(pose).view(b, 24, 3, 3)
        verts, joints, _ = self.smpl(rotmat, shape)
        kp2d = cam[:, None, 0:1] * (joints[:, :, :2] + cam[:, None, 1:3])
        return verts, kp2d, rotmat


# ---------------------------------------------------------------- ST-GCN (Yan et al. 2018) and CTR-GCN (Chen et al. 2021)
def graph_A(V, edges, parts=3):
    """Spatial partitioning (root / centripetal / centrifugal), normalized, as ST-GCN's Graph builds it."""
    A = torch.zeros(V, V)
    for i, j in edges:
        A[i, j] = A[j, i] = 1
    hop = torch.eye(V) + A
    dl = hop.sum(0)
    An = hop / dl
    out = torch.zeros(parts, V, V)
    out[0] = torch.eye(V) * An
    depth = torch.full((V,), 9.0)
    depth[1] = 0
    for _ in range(V):
        for i, j in edges:
            depth[i] = min(depth[i], depth[j] + 1)
            depth[j] = min(depth[j], depth[i] + 1)
    for i in range(V):
        for j in range(V):
            if i != j and A[i, j]:
                out[1 if depth[j] <= depth[i] else 2][j, i] = An[j, i]
    return out


OPENPOSE_EDGES = [(4, 3), (3, 2), (7, 6), (6, 5), (13, 12), (12, 11), (10, 9), (9, 8), (11, 5), (8, 2), (5, 1), (2, 1),
                  (0, 1), (15, 0), (14, 0), (17, 15), (16, 14)]
NTU_EDGES = [(0, 1), (1, 20), (2, 20), (3, 2), (4, 20), (5, 4), (6, 5), (7, 6), (8, 20), (9, 8), (10, 9), (11, 10),
             (12, 0), (13, 12), (14, 13), (15, 14), (16, 0), (17, 16), (18, 17), (19, 18), (21, 22), (22, 7), (23, 24),
             (24, 11)]


def temporal_residual(i, o, s, residual):
    """ST-GCN / CTR-GCN block shortcut: none, identity, or a strided 1x1 conv + BN."""
    if not residual:
        return None
    if i == o and s == 1:
        return nn.Identity()
    return nn.Sequential(nn.Conv2d(i, o, 1, (s, 1)), nn.BatchNorm2d(o))


class STGCNBlock(nn.Module):
    def __init__(self, i, o, K, s=1, residual=True):
        super().__init__()
        self.K = K
        self.gcn = nn.Conv2d(i, o * K, 1)
        self.tcn = nn.Sequential(nn.BatchNorm2d(o), nn.ReLU(inplace=True), nn.Conv2d(o, o, (9, 1), (s, 1), (4, 0)),
                                 nn.BatchNorm2d(o))
        self.res = temporal_residual(i, o, s, residual)

    def forward(self, x, A):
        n, _, t, v = x.shape
        y = self.gcn(x).view(n, self.K, -1, t, v)
        y = torch.einsum('nkctv,kvw->nctw', y, A)
        y = self.tcn(y)
        return F.relu(y + self.res(x)) if self.res is not None else F.relu(y)


class STGCN(nn.Module):
    def __init__(self, classes=60, C=3, V=18, M=2):
        super().__init__()
        A = graph_A(V, OPENPOSE_EDGES)
        self.register_buffer('A', A)
        self.data_bn = nn.BatchNorm1d(C * V * M)
        cfg = [(C, 32, 1, False), (32, 32, 1, True), (32, 64, 2, True), (64, 64, 1, True), (64, 128, 2, True), (128, 128, 1, True)]
        self.blocks = nn.ModuleList(STGCNBlock(i, o, A.shape[0], s, r) for i, o, s, r in cfg)
        self.edge_importance = nn.ParameterList(nn.Parameter(1 + 0.2 * torch.rand(A.shape)) for _ in cfg)
        self.fcn = nn.Conv2d(128, classes, 1)

    def forward(self, x):                                         # [N, C, T, V, M]
        n, c, t, v, m = x.shape
        x = x.permute(0, 4, 3, 1, 2).contiguous().view(n, m * v * c, t)
        x = self.data_bn(x)
        x = x.view(n, m, v, c, t).permute(0, 1, 3, 4, 2).contiguous().view(n * m, c, t, v)
        for blk, imp in zip(self.blocks, self.edge_importance):
            x = blk(x, self.A * imp)
        x = F.avg_pool2d(x, (int(x.shape[2]), int(x.shape[3]))).view(n, m, -1, 1, 1).mean(dim=1)   # x.size()[2:]: no export
        return self.fcn(x).view(n, -1)


class CTRGC(nn.Module):
    def __init__(self, i, o, r=8):
        super().__init__()
        rel = max(i // r, 8) if i != 3 else 8
        self.c1, self.c2 = nn.Conv2d(i, rel, 1), nn.Conv2d(i, rel, 1)
        self.c3, self.c4 = nn.Conv2d(i, o, 1), nn.Conv2d(rel, o, 1)

    def forward(self, x, A, alpha):
        x1, x2, x3 = self.c1(x).mean(-2), self.c2(x).mean(-2), self.c3(x)
        x1 = torch.tanh(x1.unsqueeze(-1) - x2.unsqueeze(-2))
        x1 = self.c4(x1) * alpha + A.unsqueeze(0).unsqueeze(0)
        return torch.einsum('ncuv,nctv->nctu', x1, x3)


class CTRGCBlock(nn.Module):
    def __init__(self, i, o, A, s=1, residual=True):
        super().__init__()
        self.register_buffer('A', A)
        self.PA = nn.Parameter(A.clone())
        self.convs = nn.ModuleList(CTRGC(i, o) for _ in range(A.shape[0]))
        self.alpha = nn.Parameter(torch.tensor(0.3))
        self.bn = nn.BatchNorm2d(o)
        self.down = (nn.Sequential(nn.Conv2d(i, o, 1), nn.BatchNorm2d(o)) if i != o else nn.Identity())
        bc = o // 4
        self.branches = nn.ModuleList(
            [nn.Sequential(nn.Conv2d(o, bc, 1), nn.BatchNorm2d(bc), nn.ReLU(inplace=True),
                           nn.Conv2d(bc, bc, (5, 1), (s, 1), (2 * d, 0), (d, 1)), nn.BatchNorm2d(bc)) for d in (1, 2)]
            + [nn.Sequential(nn.Conv2d(o, bc, 1), nn.BatchNorm2d(bc), nn.ReLU(inplace=True),
                             nn.MaxPool2d((3, 1), (s, 1), (1, 0)), nn.BatchNorm2d(bc)),
               nn.Sequential(nn.Conv2d(o, bc, 1, (s, 1)), nn.BatchNorm2d(bc))])
        self.res = temporal_residual(i, o, s, residual)

    def forward(self, x):
        A = self.PA
        y = sum(conv(x, A[k], self.alpha) for k, conv in enumerate(self.convs))
        y = F.relu(self.bn(y) + self.down(x))
        y = torch.cat([b(y) for b in self.branches], 1)
        return F.relu(y + self.res(x)) if self.res is not None else F.relu(y)


class CTRGCN(nn.Module):
    def __init__(self, classes=60, C=3, V=25, M=2):
        super().__init__()
        A = graph_A(V, NTU_EDGES)
        self.data_bn = nn.BatchNorm1d(C * V * M)
        cfg = [(C, 32, 1, False), (32, 32, 1, True), (32, 64, 2, True), (64, 64, 1, True), (64, 128, 2, True)]
        self.blocks = nn.Sequential(*(CTRGCBlock(i, o, A, s, r) for i, o, s, r in cfg))
        self.fc = nn.Linear(128, classes)

    def forward(self, x):                                         # [N, C, T, V, M]
        n, c, t, v, m = x.shape
        x = x.permute(0, 4, 3, 1, 2).contiguous().view(n, m * v * c, t)
        x = self.data_bn(x)
        x = x.view(n, m, v, c, t).permute(0, 1, 3, 4, 2).contiguous().view(n * m, c, t, v)
        x = self.blocks(x)
        x = x.view(n, m, x.size(1), -1).mean(3).mean(1)
        return self.fc(x)
