"""Nineteenth sweep (docs/model-sweep.md): text recognition / detection, faces and local features as their public code
writes them — TRBA (clovaai/deep-text-recognition-benchmark: TPS spatial transformer with its constant inverse
delta_C, grid_sample, ResNet encoder, two BiLSTMs, Bahdanau attention decoder fed its own argmax as a scattered one-hot
for 8 steps), PAN (WenmuZhou/PAN.pytorch: FPEM up / down enhancement with depthwise convs, FFM fusion, 6-channel head),
6DRepNet (thohemp/6DRepNet: RepVGG deploy-form backbone, 6-D to rotation matrix by Gram-Schmidt with cross products,
the model returns R; Euler angles are the caller's), LightCNN-29v2 (AlfredXiangWu/LightCNN: max-feature-map splits, ceil-mode max + avg pooling)
and R2D2 (naver/r2d2 Quad_L2Net_ConfCFS: dilated convs without stride, affine-free BatchNorm, L2-normalized
descriptors, reliability / repeatability heads, local-maximum NMS by a 3x3 max pool). Plain torch.nn, small widths,
random weights. Imported by sweep19_vis.py."""

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from sweep19_vis_seg import Basic, cbr


# --- TRBA: TPS-ResNet-BiLSTM-Attn ---
class TPS(nn.Module):
    """modules/transformation.py: LocalizationNetwork + GridGenerator (build_inv_delta_C / build_P_hat as constants)."""

    def __init__(self, f=20, size=(32, 100), c=1):
        super().__init__()
        self.f, self.size = f, size
        self.loc = nn.Sequential(cbr(c, 32), nn.MaxPool2d(2, 2), cbr(32, 64), nn.MaxPool2d(2, 2), cbr(64, 64),
                                 nn.MaxPool2d(2, 2), cbr(64, 128), nn.AdaptiveAvgPool2d(1))
        self.fc1 = nn.Sequential(nn.Linear(128, 128), nn.ReLU())
        self.fc2 = nn.Linear(128, f * 2)
        # initial fiducial points (a rectangle), as the repo initialises fc2's bias
        cx = np.linspace(-1.0, 1.0, f // 2)
        ctrl = np.concatenate([np.stack([cx, -np.ones(f // 2)], 1), np.stack([cx, np.ones(f // 2)], 1)], 0)
        with torch.no_grad():
            self.fc2.weight.mul_(0.1)
            self.fc2.bias.copy_(torch.from_numpy(ctrl).float().view(-1))
        C = ctrl
        hat_C = np.linalg.norm(C[:, None] - C[None], axis=2) ** 2
        np.fill_diagonal(hat_C, 1)
        hat_C = hat_C * np.log(hat_C)
        delta_C = np.concatenate([np.concatenate([np.ones((f, 1)), C, hat_C], 1),
                                  np.concatenate([np.zeros((2, 3)), C.T], 1),
                                  np.concatenate([np.zeros((1, 3)), np.ones((1, f))], 1)], 0)
        h, w = size
        gx = (np.arange(-w, w, 2) + 1.0) / w
        gy = (np.arange(-h, h, 2) + 1.0) / h
        P = np.stack(np.meshgrid(gx, gy), 2).reshape(-1, 2)
        rbf = np.linalg.norm(P[:, None] - C[None], axis=2)
        rbf = np.square(rbf) * np.log(rbf + 1e-6)
        P_hat = np.concatenate([np.ones((P.shape[0], 1)), P, rbf], 1)
        self.register_buffer('inv_delta_C', torch.from_numpy(np.linalg.inv(delta_C)).float())
        self.register_buffer('P_hat', torch.from_numpy(P_hat).float())

    def forward(self, x):
        b = x.shape[0]
        c_prime = self.fc2(self.fc1(self.loc(x).view(b, -1))).view(b, self.f, 2)
        c_zero = torch.cat([c_prime, torch.zeros(b, 3, 2)], dim=1)
        t = torch.bmm(self.inv_delta_C.repeat(b, 1, 1), c_zero)
        p_prime = torch.bmm(self.P_hat.repeat(b, 1, 1), t).reshape(b, self.size[0], self.size[1], 2)
        return F.grid_sample(x, p_prime, padding_mode='border', align_corners=False)


class AttentionCell(nn.Module):
    def __init__(self, inp, hidden, ncls):
        super().__init__()
        self.i2h, self.h2h, self.score = nn.Linear(inp, hidden, bias=False), nn.Linear(hidden, hidden), nn.Linear(hidden, 1, bias=False)
        self.rnn = nn.LSTMCell(inp + ncls, hidden)

    def forward(self, prev, feats, onehot):
        e = self.score(torch.tanh(self.i2h(feats) + self.h2h(prev[0]).unsqueeze(1)))
        alpha = F.softmax(e, dim=1)
        ctx = torch.bmm(alpha.permute(0, 2, 1), feats).squeeze(1)
        return self.rnn(torch.cat([ctx, onehot], 1), prev)


class TRBA(nn.Module):
    def __init__(self, ncls=38, hidden=64, steps=8):
        super().__init__()
        self.tps = TPS()
        self.enc = nn.Sequential(cbr(1, 32), nn.MaxPool2d(2, 2), Basic(32, 64), nn.MaxPool2d(2, 2), Basic(64, 128),
                                 nn.MaxPool2d((2, 1), (2, 1)), Basic(128, 128), nn.MaxPool2d((2, 1), (2, 1)), cbr(128, 128, 2, 1, 0))
        self.lstm1, self.lin1 = nn.LSTM(128, hidden, bidirectional=True, batch_first=True), nn.Linear(2 * hidden, hidden)
        self.lstm2, self.lin2 = nn.LSTM(hidden, hidden, bidirectional=True, batch_first=True), nn.Linear(2 * hidden, hidden)
        self.cell = AttentionCell(hidden, hidden, ncls)
        self.gen = nn.Linear(hidden, ncls)
        self.ncls, self.hidden, self.steps = ncls, hidden, steps

    def forward(self, image):
        x = self.enc(self.tps(image))                                  # b, 128, 1, w'
        x = F.adaptive_avg_pool2d(x.permute(0, 3, 1, 2), (None, 1)).squeeze(3)
        x = self.lin1(self.lstm1(x)[0])
        feats = self.lin2(self.lstm2(x)[0])
        b = feats.shape[0]
        h = (torch.zeros(b, self.hidden), torch.zeros(b, self.hidden))
        target = torch.zeros(b, 1, dtype=torch.long)                  # [GO]
        probs = []
        for _ in range(self.steps):
            onehot = torch.zeros(b, self.ncls).scatter_(1, target, 1)
            h = self.cell(h, feats, onehot)
            p = self.gen(h[0])
            probs.append(p.unsqueeze(1))
            target = p.argmax(1, keepdim=True)
        return torch.cat(probs, 1)


# --- PAN (FPEM + FFM) ---
def dwsep(c, s=1):
    return nn.Sequential(nn.Conv2d(c, c, 3, s, 1, groups=c), nn.Conv2d(c, c, 1), nn.BatchNorm2d(c), nn.ReLU())


class FPEM(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.up3, self.up4, self.up5 = dwsep(c), dwsep(c), dwsep(c)
        self.dn3, self.dn4, self.dn5 = dwsep(c, 2), dwsep(c, 2), dwsep(c, 2)

    @staticmethod
    def up_add(x, y):
        return F.interpolate(x, size=y.shape[2:], mode='bilinear', align_corners=False) + y

    def forward(self, c2, c3, c4, c5):
        c4 = self.up4(self.up_add(c5, c4))
        c3 = self.up3(self.up_add(c4, c3))
        c2 = self.up5(self.up_add(c3, c2))
        c3 = self.dn3(self.up_add(c3, c2))
        c4 = self.dn4(self.up_add(c4, c3))
        c5 = self.dn5(self.up_add(c5, c4))
        return c2, c3, c4, c5


class PAN(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 32, 3, 2), nn.MaxPool2d(3, 2, 1))
        self.l1, self.l2, self.l3, self.l4 = Basic(32, 32), Basic(32, 64, 2), Basic(64, 128, 2), Basic(128, 256, 2)
        self.reduce = nn.ModuleList(cbr(i, c, 1, p=0) for i in (32, 64, 128, 256))
        self.fpem1, self.fpem2 = FPEM(c), FPEM(c)
        self.head = nn.Sequential(cbr(4 * c, c), nn.Conv2d(c, 6, 1))

    def forward(self, image):
        f1 = self.l1(self.stem(image))
        f2 = self.l2(f1)
        f3 = self.l3(f2)
        fs = [r(f) for r, f in zip(self.reduce, (f1, f2, f3, self.l4(f3)))]
        a = self.fpem1(*fs)
        b = self.fpem2(*a)
        s = [x + y for x, y in zip(a, b)]
        size = s[0].shape[2:]
        fused = torch.cat([s[0]] + [F.interpolate(t, size=size, mode='bilinear', align_corners=False) for t in s[1:]], 1)
        y = F.interpolate(self.head(fused), size=image.shape[2:], mode='bilinear', align_corners=False)
        return torch.sigmoid(y[:, :2]), y[:, 2:]


# --- 6DRepNet ---
def normalize_vector(v):
    mag = torch.sqrt(v.pow(2).sum(1))
    mag = torch.max(mag, torch.tensor([1e-8]))
    return v / mag.view(-1, 1).expand(v.shape[0], v.shape[1])


def cross_product(u, v):
    i = u[:, 1] * v[:, 2] - u[:, 2] * v[:, 1]
    j = u[:, 2] * v[:, 0] - u[:, 0] * v[:, 2]
    k = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    return torch.cat((i.view(-1, 1), j.view(-1, 1), k.view(-1, 1)), 1)


class SixDRepNet(nn.Module):
    def __init__(self):
        super().__init__()
        widths = (32, 48, 96, 192, 384)
        blocks = [nn.Sequential(nn.Conv2d(3, widths[0], 3, 2, 1), nn.ReLU())]
        for i, (a, b) in enumerate(zip(widths, widths[1:])):
            blocks += [nn.Sequential(nn.Conv2d(a, b, 3, 2, 1), nn.ReLU()), nn.Sequential(nn.Conv2d(b, b, 3, 1, 1), nn.ReLU())]
        self.backbone = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(1))
        self.linear_reg = nn.Linear(widths[-1], 6)

    def forward(self, image):
        p = self.linear_reg(torch.flatten(self.backbone(image), 1))
        x = normalize_vector(p[:, 0:3])
        z = normalize_vector(cross_product(x, p[:, 3:6]))
        y = cross_product(z, x)
        R = torch.cat((x.view(-1, 3, 1), y.view(-1, 3, 1), z.view(-1, 3, 1)), 2)
        return R                                     # the repo's forward (Euler angles are computed outside)


# --- LightCNN-29 v2 ---
class MFM(nn.Module):
    def __init__(self, i, o, k=3, s=1, p=1, linear=False):
        super().__init__()
        self.o = o
        self.filter = nn.Linear(i, 2 * o) if linear else nn.Conv2d(i, 2 * o, k, s, p)

    def forward(self, x):
        a, b = torch.split(self.filter(x), self.o, 1)
        return torch.max(a, b)


class Group(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.a, self.b = MFM(i, i, 1, 1, 0), MFM(i, o)

    def forward(self, x):
        return self.b(self.a(x))


class ResMFM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.c2 = MFM(c, c), MFM(c, c)

    def forward(self, x):
        return self.c2(self.c1(x)) + x


class LightCNN29v2(nn.Module):
    def __init__(self, ncls=500, w=(24, 48, 96, 64, 64)):
        super().__init__()
        self.conv1 = MFM(1, w[0], 5, 1, 2)
        self.pool = lambda x: F.max_pool2d(x, 2, 2, ceil_mode=True) + F.avg_pool2d(x, 2, 2, ceil_mode=True)
        self.b1, self.g1 = ResMFM(w[0]), Group(w[0], w[1])
        self.b2, self.g2 = ResMFM(w[1]), Group(w[1], w[2])
        self.b3, self.g3 = ResMFM(w[2]), Group(w[2], w[3])
        self.b4, self.g4 = ResMFM(w[3]), Group(w[3], w[4])
        self.fc = nn.Linear(8 * 8 * w[4], 128)
        self.fc2 = nn.Linear(128, ncls, bias=False)

    def forward(self, image):
        x = self.pool(self.conv1(image))
        x = self.pool(self.g1(self.b1(x)))
        x = self.pool(self.g2(self.b2(x)))
        x = self.g3(self.b3(x))
        x = self.pool(self.g4(self.b4(x)))
        fc = self.fc(torch.flatten(x, 1))
        return self.fc2(F.dropout(fc, training=self.training)), fc


# --- R2D2 (Quad_L2Net_ConfCFS) ---
class R2D2(nn.Module):
    def __init__(self, mchan=2, dim=64):
        super().__init__()
        layers, d, c = [], 1, 3

        def add(o, k=3, stride=1, bn=True, relu=True):
            nonlocal d, c
            conv_d = d
            if stride == 2:
                d *= 2
            layers.append(nn.Conv2d(c, o, k, padding=((k - 1) * conv_d) // 2, dilation=conv_d))
            if bn:
                layers.append(nn.BatchNorm2d(o, affine=False))
            if relu:
                layers.append(nn.ReLU())
            c = o
        add(8 * mchan); add(8 * mchan); add(16 * mchan, stride=2); add(16 * mchan)
        add(32 * mchan, stride=2); add(32 * mchan)
        add(32 * mchan, k=2, stride=2, relu=False); add(32 * mchan, k=2, stride=2, relu=False)
        add(dim, k=2, stride=2, bn=False, relu=False)
        self.ops = nn.Sequential(*layers)
        self.clf, self.sal = nn.Conv2d(dim, 2, 1), nn.Conv2d(dim, 2, 1)

    def forward(self, image):
        x = self.ops(image)
        ureliability, urepeatability = self.clf(x ** 2), self.sal(x ** 2)
        descriptors = F.normalize(x, p=2, dim=1)
        reliability = F.softmax(ureliability, dim=1)[:, 1:2]
        repeatability = F.softmax(urepeatability, dim=1)[:, 1:2]
        maxima = (repeatability == F.max_pool2d(repeatability, 3, 1, 1))
        maxima = maxima * (reliability >= 0.7) * (repeatability >= 0.7)
        return descriptors, reliability, repeatability, maxima.float()
