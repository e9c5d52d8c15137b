"""Sixteenth sweep, dense prediction / detection / pose (docs/model-sweep.md): DANet (position and channel attention
modules), CCNet (criss-cross attention, recurrence 2), ERFNet (factorized dilated non-bottleneck-1D,
downsampler concat of conv and max-pool, ConvTranspose ups), PointRend (coarse masks refined at the N most uncertain
points by top-k, point_sample = grid_sample, point head MLP, scatter back), MTCNN (P-Net / O-Net with PReLU,
ceil-mode max pools, softmax over channels), Stacked Hourglass (recursive nearest-upsampled hourglass, intermediate
supervision), Attention U-Net (additive attention gates) — plain torch.nn with the math of their public code (small
widths, random weights)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1, p=None, d=1, g=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2 * d if p is None else p, dilation=d, groups=g, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


def tiny_resnet(widths=(32, 64, 96, 128), dilate_last=True):
    """A ResNet-ish trunk: stride 4 stem, 4 stages; (dilated last two stages: output stride 8, as DANet / CCNet)."""
    layers = [cbr(3, widths[0], 3, 2), cbr(widths[0], widths[0]), nn.MaxPool2d(3, 2, 1)]
    stages, c = [], widths[0]
    for i, w in enumerate(widths):
        s = 1 if i == 0 or (dilate_last and i >= 2) else 2
        d = 2 ** (i - 1) if dilate_last and i >= 2 else 1
        stages.append(nn.Sequential(cbr(c, w, 3, s, d=d), cbr(w, w, 3, 1, d=d)))
        c = w
    return nn.Sequential(*layers), nn.ModuleList(stages)


# ---------------------------------------------------------------- DANet (Fu et al. 2019)
class PAM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.q, self.k, self.v = nn.Conv2d(c, c // 8, 1), nn.Conv2d(c, c // 8, 1), nn.Conv2d(c, c, 1)
        self.gamma = nn.Parameter(torch.tensor([0.5]))

    def forward(self, x):
        B, C, H, W = x.shape
        q = self.q(x).view(B, -1, H * W).permute(0, 2, 1)
        k = self.k(x).view(B, -1, H * W)
        a = torch.softmax(torch.bmm(q, k), dim=-1)
        v = self.v(x).view(B, -1, H * W)
        out = torch.bmm(v, a.permute(0, 2, 1)).view(B, C, H, W)
        return self.gamma * out + x


class CAM(nn.Module):
    def __init__(self):
        super().__init__()
        self.gamma = nn.Parameter(torch.tensor([0.5]))

    def forward(self, x):
        B, C, H, W = x.shape
        q = x.view(B, C, -1)
        e = torch.bmm(q, q.permute(0, 2, 1))
        e_new = torch.max(e, -1, keepdim=True)[0].expand_as(e) - e
        a = torch.softmax(e_new, dim=-1)
        out = torch.bmm(a, x.view(B, C, -1)).view(B, C, H, W)
        return self.gamma * out + x


class DANet(nn.Module):
    def __init__(self, classes=19):
        super().__init__()
        self.stem, self.stages = tiny_resnet()
        c, i = 128, 32
        self.conv5a, self.conv5c = cbr(c, i), cbr(c, i)
        self.pam, self.cam = PAM(i), CAM()
        self.conv51, self.conv52 = cbr(i, i), cbr(i, i)
        self.conv8 = nn.Conv2d(i, classes, 1)

    def forward(self, x):
        h, w = x.shape[2:]
        y = self.stem(x)
        for s in self.stages:
            y = s(y)
        sa = self.conv51(self.pam(self.conv5a(y)))
        sc = self.conv52(self.cam(self.conv5c(y)))
        return F.interpolate(self.conv8(sa + sc), (h, w), mode='bilinear', align_corners=True)


# ---------------------------------------------------------------- CCNet (Huang et al. 2019)
def inf_diag(B, H, W):
    """CCNet's INF(): -inf on the diagonal of [B*W, H, H] (torch.diag has no ONNX export in torch 1.13: same values by masked_fill)."""
    eye = torch.eye(int(H), dtype=torch.bool)
    return torch.zeros(int(H), int(H)).masked_fill(eye, float('-inf')).unsqueeze(0).repeat(int(B) * int(W), 1, 1)


class CrissCrossAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.q, self.k, self.v = nn.Conv2d(c, c // 8, 1), nn.Conv2d(c, c // 8, 1), nn.Conv2d(c, c, 1)
        self.gamma = nn.Parameter(torch.tensor([0.5]))

    def forward(self, x):
        B, _, H, W = x.shape
        q = self.q(x)
        q_H = q.permute(0, 3, 1, 2).contiguous().view(B * W, -1, H).permute(0, 2, 1)
        q_W = q.permute(0, 2, 1, 3).contiguous().view(B * H, -1, W).permute(0, 2, 1)
        k = self.k(x)
        k_H = k.permute(0, 3, 1, 2).contiguous().view(B * W, -1, H)
        k_W = k.permute(0, 2, 1, 3).contiguous().view(B * H, -1, W)
        v = self.v(x)
        v_H = v.permute(0, 3, 1, 2).contiguous().view(B * W, -1, H)
        v_W = v.permute(0, 2, 1, 3).contiguous().view(B * H, -1, W)
        e_H = (torch.bmm(q_H, k_H) + inf_diag(B, H, W)).view(B, W, H, H).permute(0, 2, 1, 3)
        e_W = torch.bmm(q_W, k_W).view(B, H, W, W)
        concate = torch.softmax(torch.cat([e_H, e_W], 3), dim=3)
        att_H = concate[:, :, :, 0:H].permute(0, 2, 1, 3).contiguous().view(B * W, H, H)
        att_W = concate[:, :, :, H:H + W].contiguous().view(B * H, W, W)
        out_H = torch.bmm(v_H, att_H.permute(0, 2, 1)).view(B, W, -1, H).permute(0, 2, 3, 1)
        out_W = torch.bmm(v_W, att_W.permute(0, 2, 1)).view(B, H, -1, W).permute(0, 2, 1, 3)
        return self.gamma * (out_H + out_W) + x


class CCNet(nn.Module):
    def __init__(self, classes=19, recurrence=2):
        super().__init__()
        self.stem, self.stages = tiny_resnet()
        self.conva, self.cca, self.convb = cbr(128, 32), CrissCrossAttention(32), cbr(32, 32)
        self.bottleneck = nn.Sequential(cbr(128 + 32, 32), nn.Conv2d(32, classes, 1))
        self.recurrence = recurrence

    def forward(self, x):
        h, w = x.shape[2:]
        y = self.stem(x)
        for s in self.stages:
            y = s(y)
        o = self.conva(y)
        for _ in range(self.recurrence):
            o = self.cca(o)
        o = self.bottleneck(torch.cat([y, self.convb(o)], 1))
        return F.interpolate(o, (h, w), mode='bilinear', align_corners=True)


# ---------------------------------------------------------------- ERFNet (Romera et al. 2017)
class DownsamplerBlock(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv, self.pool, self.bn = nn.Conv2d(i, o - i, 3, 2, 1), nn.MaxPool2d(2, 2), nn.BatchNorm2d(o, eps=1e-3)

    def forward(self, x):
        return F.relu(self.bn(torch.cat([self.conv(x), self.pool(x)], 1)))


class NonBottleneck1D(nn.Module):
    def __init__(self, c, d):
        super().__init__()
        self.c31_1, self.c13_1 = nn.Conv2d(c, c, (3, 1), 1, (1, 0)), nn.Conv2d(c, c, (1, 3), 1, (0, 1))
        self.bn1 = nn.BatchNorm2d(c, eps=1e-3)
        self.c31_2, self.c13_2 = nn.Conv2d(c, c, (3, 1), 1, (d, 0), dilation=(d, 1)), nn.Conv2d(c, c, (1, 3), 1, (0, d), dilation=(1, d))
        self.bn2 = nn.BatchNorm2d(c, eps=1e-3)

    def forward(self, x):
        y = F.relu(self.c31_1(x))
        y = F.relu(self.bn1(self.c13_1(y)))
        y = F.relu(self.c31_2(y))
        y = self.bn2(self.c13_2(y))
        return F.relu(y + x)


class UpsamplerBlock(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv, self.bn = nn.ConvTranspose2d(i, o, 3, 2, 1, output_padding=1), nn.BatchNorm2d(o, eps=1e-3)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class ERFNet(nn.Module):
    def __init__(self, classes=20):
        super().__init__()
        self.enc = nn.Sequential(DownsamplerBlock(3, 16), DownsamplerBlock(16, 32), NonBottleneck1D(32, 1), NonBottleneck1D(32, 1),
                                 DownsamplerBlock(32, 64), *[NonBottleneck1D(64, d) for d in (2, 4, 8, 16)])
        self.dec = nn.Sequential(UpsamplerBlock(64, 32), NonBottleneck1D(32, 1), UpsamplerBlock(32, 16), NonBottleneck1D(16, 1),
                                 nn.ConvTranspose2d(16, classes, 2, 2, 0, output_padding=0))

    def forward(self, x):
        return self.dec(self.enc(x))


# ---------------------------------------------------------------- PointRend (Kirillov et al. 2020), inference
def point_sample(x, coords):
    """detectron2's point_sample: coords [N, P, 2] in [0, 1] -> features [N, C, P] (grid_sample, align_corners False)."""
    return F.grid_sample(x, 2.0 * coords.unsqueeze(2) - 1.0, align_corners=False).squeeze(3)


class PointRendSemSeg(nn.Module):
    """PointRend's semantic segmentation head at inference: coarse logits at 1/8, 2 subdivision steps (x2 bilinear,
    uncertainty = -(top1 - top2), the N most uncertain points by top-k, fine features and coarse logits sampled there,
    the point head MLP (Conv1d with the coarse logits re-concatenated each layer), logits scattered back)."""

    def __init__(self, classes=8, points=256, steps=2):
        super().__init__()
        self.stem, self.stages = tiny_resnet()
        self.fine = cbr(32, 32, 1)  # "res2" features at 1/4
        self.coarse = nn.Sequential(cbr(128, 64), nn.Conv2d(64, classes, 1))
        self.fc = nn.ModuleList([nn.Conv1d(32 + classes, 64, 1), nn.Conv1d(64 + classes, 64, 1), nn.Conv1d(64 + classes, 64, 1)])
        self.pred = nn.Conv1d(64 + classes, classes, 1)
        self.points, self.steps = points, steps

    def point_head(self, fine, coarse):
        x = torch.cat([fine, coarse], 1)
        for fc in self.fc:
            x = torch.cat([F.relu(fc(x)), coarse], 1)
        return self.pred(x)

    def forward(self, x):
        y = self.stem(x)
        fine = None
        for i, s in enumerate(self.stages):
            y = s(y)
            if i == 0:
                fine = self.fine(y)
        logits = self.coarse(y)
        for _ in range(self.steps):
            logits = F.interpolate(logits, scale_factor=2, mode='bilinear', align_corners=False)
            N, C, H, W = logits.shape
            top2 = torch.topk(logits, k=2, dim=1)[0]
            unc = -(top2[:, 0] - top2[:, 1])  # [N, H, W]
            idx = torch.topk(unc.view(N, H * W), k=self.points, dim=1)[1]
            hs, ws = 1.0 / H, 1.0 / W
            coords = torch.stack([ws / 2.0 + (idx % W).to(torch.float) * ws, hs / 2.0 + torch.div(idx, W, rounding_mode='floor').to(torch.float) * hs], 2)
            p = self.point_head(point_sample(fine, coords), point_sample(logits, coords))
            flat = logits.reshape(N, C, H * W)
            logits = flat.scatter(2, idx.unsqueeze(1).expand(-1, C, -1), p).view(N, C, H, W)
        return logits


# ---------------------------------------------------------------- MTCNN (Zhang et al. 2016), facenet-pytorch's nets
class PNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1, self.pool1 = nn.Conv2d(3, 10, 3), nn.PReLU(10), nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(10, 16, 3), nn.PReLU(16)
        self.conv3, self.prelu3 = nn.Conv2d(16, 32, 3), nn.PReLU(32)
        self.conv4_1, self.softmax4_1, self.conv4_2 = nn.Conv2d(32, 2, 1), nn.Softmax(dim=1), nn.Conv2d(32, 4, 1)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.prelu3(self.conv3(self.prelu2(self.conv2(x))))
        return self.conv4_2(x), self.softmax4_1(self.conv4_1(x))


class ONet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1, self.pool1 = nn.Conv2d(3, 32, 3), nn.PReLU(32), nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2, self.pool2 = nn.Conv2d(32, 64, 3), nn.PReLU(64), nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3, self.pool3 = nn.Conv2d(64, 64, 3), nn.PReLU(64), nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4, self.prelu4 = nn.Conv2d(64, 128, 2), nn.PReLU(128)
        self.dense5, self.prelu5 = nn.Linear(1152, 256), nn.PReLU(256)
        self.dense6_1, self.softmax6_1 = nn.Linear(256, 2), nn.Softmax(dim=1)
        self.dense6_2, self.dense6_3 = nn.Linear(256, 4), nn.Linear(256, 10)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu4(self.conv4(x))
        x = x.permute(0, 3, 2, 1).contiguous()  # facenet-pytorch: the Caffe weights' order
        x = self.prelu5(self.dense5(x.view(x.shape[0], -1)))
        return self.dense6_2(x), self.dense6_3(x), self.softmax6_1(self.dense6_1(x))


# ---------------------------------------------------------------- Stacked Hourglass (Newell et al. 2016)
class Residual(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.bn1, self.c1 = nn.BatchNorm2d(i), nn.Conv2d(i, o // 2, 1)
        self.bn2, self.c2 = nn.BatchNorm2d(o // 2), nn.Conv2d(o // 2, o // 2, 3, 1, 1)
        self.bn3, self.c3 = nn.BatchNorm2d(o // 2), nn.Conv2d(o // 2, o, 1)
        self.skip = nn.Conv2d(i, o, 1) if i != o else None

    def forward(self, x):
        y = self.c1(F.relu(self.bn1(x)))
        y = self.c2(F.relu(self.bn2(y)))
        y = self.c3(F.relu(self.bn3(y)))
        return y + (x if self.skip is None else self.skip(x))


class Hourglass(nn.Module):
    def __init__(self, n, f):
        super().__init__()
        self.up1, self.low1 = Residual(f, f), Residual(f, f)
        self.low2 = Hourglass(n - 1, f) if n > 1 else Residual(f, f)
        self.low3 = Residual(f, f)
        self.n = n

    def forward(self, x):
        up1 = self.up1(x)
        low = self.low3(self.low2(self.low1(F.max_pool2d(x, 2, 2))))
        return up1 + F.interpolate(low, scale_factor=2, mode='nearest')


class StackedHourglass(nn.Module):
    def __init__(self, stacks=2, f=64, joints=16):
        super().__init__()
        self.pre = nn.Sequential(cbr(3, 32, 7, 2), Residual(32, 64), nn.MaxPool2d(2, 2), Residual(64, 64), Residual(64, f))
        self.hgs = nn.ModuleList(Hourglass(4, f) for _ in range(stacks))
        self.features = nn.ModuleList(nn.Sequential(Residual(f, f), cbr(f, f, 1)) for _ in range(stacks))
        self.outs = nn.ModuleList(nn.Conv2d(f, joints, 1) for _ in range(stacks))
        self.merge_f = nn.ModuleList(nn.Conv2d(f, f, 1) for _ in range(stacks - 1))
        self.merge_p = nn.ModuleList(nn.Conv2d(joints, f, 1) for _ in range(stacks - 1))

    def forward(self, x):
        x = self.pre(x)
        preds = []
        for i, hg in enumerate(self.hgs):
            feat = self.features[i](hg(x))
            p = self.outs[i](feat)
            preds.append(p)
            if i < len(self.hgs) - 1:
                x = x + self.merge_p[i](p) + self.merge_f[i](feat)
        return torch.stack(preds, 1)


# ---------------------------------------------------------------- Attention U-Net (Oktay et al. 2018)
class AttentionGate(nn.Module):
    def __init__(self, fg, fl, fint):
        super().__init__()
        self.W_g = nn.Sequential(nn.Conv2d(fg, fint, 1), nn.BatchNorm2d(fint))
        self.W_x = nn.Sequential(nn.Conv2d(fl, fint, 1), nn.BatchNorm2d(fint))
        self.psi = nn.Sequential(nn.Conv2d(fint, 1, 1), nn.BatchNorm2d(1), nn.Sigmoid())

    def forward(self, g, x):
        return x * self.psi(F.relu(self.W_g(g) + self.W_x(x)))


class AttU_Net(nn.Module):
    def __init__(self, ch=(16, 32, 64, 128), classes=2):
        super().__init__()
        self.enc = nn.ModuleList(nn.Sequential(cbr(3 if i == 0 else ch[i - 1], c), cbr(c, c)) for i, c in enumerate(ch))
        self.ups = nn.ModuleList(nn.Sequential(nn.Upsample(scale_factor=2), cbr(ch[i], ch[i - 1])) for i in range(len(ch) - 1, 0, -1))
        self.atts = nn.ModuleList(AttentionGate(ch[i - 1], ch[i - 1], ch[i - 1] // 2) for i in range(len(ch) - 1, 0, -1))
        self.decs = nn.ModuleList(nn.Sequential(cbr(2 * ch[i - 1], ch[i - 1]), cbr(ch[i - 1], ch[i - 1])) for i in range(len(ch) - 1, 0, -1))
        self.final = nn.Conv2d(ch[0], classes, 1)

    def forward(self, x):
        skips = []
        for i, e in enumerate(self.enc):
            x = e(x if i == 0 else F.max_pool2d(x, 2, 2))
            skips.append(x)
        y = skips[-1]
        for up, att, dec, skip in zip(self.ups, self.atts, self.decs, skips[-2::-1]):
            d = up(y)
            y = dec(torch.cat([att(d, skip), d], 1))
        return self.final(y)
