"""Twenty-first sweep (docs/model-sweep.md): lightweight / lidar / contour segmenters as their public code writes them —
LEDNet (xiaoyufenfei/LEDNet: split-shuffle non-bottleneck blocks of factorized dilated convs, attention pyramid decoder),
DABNet (Reagan1311/DABNet: depthwise asymmetric bottlenecks with dilated branches, PReLU, the downsampled input image
concatenated at each stage), SalsaNext (TiagoCortinhal/SalsaNext: lidar range images, residual context blocks, 2x2
dilated convs, pixel-shuffle up blocks) and Deep Snake (zju3dv/snake: CenterNet detections -> ellipse contours per box,
features sampled at the vertices by grid_sample, circular dilated Conv1d snake, 3 evolutions). Plain torch.nn, small
widths, random weights. Imported by sweep21_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep20_vis_bb import cbr
from sweep21_vis_det import IDAUp, feats, head, peaks, trunk


# --- LEDNet ---
def channel_shuffle(x, g):
    b, c, h, w = x.shape
    return x.view(b, g, c // g, h, w).transpose(1, 2).contiguous().view(b, c, h, w)


class Down(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout - cin, 3, 2, 1)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(torch.cat([self.conv(x), F.max_pool2d(x, 2)], 1)))


class SSnbt(nn.Module):
    def __init__(self, c, d):
        super().__init__()
        h = c // 2
        def branch(first):
            k = [(3, 1), (1, 3)] if first else [(1, 3), (3, 1)]
            p = lambda kk, dd: (kk[0] // 2 * dd, kk[1] // 2 * dd)
            return nn.Sequential(nn.Conv2d(h, h, k[0], 1, p(k[0], 1)), nn.ReLU(), nn.Conv2d(h, h, k[1], 1, p(k[1], 1)), nn.BatchNorm2d(h), nn.ReLU(),
                                 nn.Conv2d(h, h, k[0], 1, p(k[0], d), (d, 1) if k[0] == (3, 1) else (1, d)), nn.ReLU(),
                                 nn.Conv2d(h, h, k[1], 1, p(k[1], d), (d, 1) if k[1] == (3, 1) else (1, d)), nn.BatchNorm2d(h))
        self.l, self.r = branch(True), branch(False)

    def forward(self, x):
        a, b = x.chunk(2, 1)
        return channel_shuffle(F.relu(torch.cat([self.l(a), self.r(b)], 1) + x), 2)


class APN(nn.Module):
    def __init__(self, c, nc):
        super().__init__()
        self.d1, self.d2, self.d3 = cbr(c, 1, 7, 2), cbr(1, 1, 5, 2), cbr(1, 1, 3, 2)
        self.c1, self.c2, self.c3 = cbr(1, 1, 7), cbr(1, 1, 5), cbr(1, 1, 3)
        self.mid = cbr(c, nc, 1)
        self.glob = cbr(c, nc, 1)

    def forward(self, x):
        h, w = x.shape[2:]
        b1 = self.d1(x)
        b2 = self.d2(b1)
        b3 = self.c3(self.d3(b2))
        up = lambda t, r: F.interpolate(t, size=r.shape[2:], mode='bilinear', align_corners=True)
        b2 = self.c2(b2) + up(b3, b2)
        b1 = self.c1(b1) + up(b2, b1)
        att = F.interpolate(b1, size=(h, w), mode='bilinear', align_corners=True)
        g = F.interpolate(self.glob(F.adaptive_avg_pool2d(x, 1)), size=(h, w), mode='bilinear', align_corners=True)
        return self.mid(x) * att + g


class LEDNet(nn.Module):
    def __init__(self, nc=19):
        super().__init__()
        self.enc = nn.Sequential(Down(3, 32), *[SSnbt(32, 1) for _ in range(3)], Down(32, 64), SSnbt(64, 1), SSnbt(64, 1),
                                 Down(64, 128), *[SSnbt(128, d) for d in (1, 2, 5, 9, 2, 5, 9, 17)])
        self.apn = APN(128, nc)

    def forward(self, x):
        return F.interpolate(self.apn(self.enc(x)), size=x.shape[2:], mode='bilinear', align_corners=True)


# --- DABNet ---
def bnp(c):
    return nn.Sequential(nn.BatchNorm2d(c, eps=1e-3), nn.PReLU(c))


class DAB(nn.Module):
    def __init__(self, c, d):
        super().__init__()
        h = c // 2
        self.bn1, self.conv3x3 = bnp(c), nn.Sequential(nn.Conv2d(c, h, 3, 1, 1, bias=False), bnp(h))
        self.dconv3x1 = nn.Sequential(nn.Conv2d(h, h, (3, 1), 1, (1, 0), groups=h, bias=False), bnp(h))
        self.dconv1x3 = nn.Sequential(nn.Conv2d(h, h, (1, 3), 1, (0, 1), groups=h, bias=False), bnp(h))
        self.ddconv3x1 = nn.Sequential(nn.Conv2d(h, h, (3, 1), 1, (d, 0), (d, 1), groups=h, bias=False), bnp(h))
        self.ddconv1x3 = nn.Sequential(nn.Conv2d(h, h, (1, 3), 1, (0, d), (1, d), groups=h, bias=False), bnp(h))
        self.bn2, self.conv1x1 = bnp(h), nn.Conv2d(h, c, 1, bias=False)

    def forward(self, x):
        y = self.conv3x3(self.bn1(x))
        y = self.dconv1x3(self.dconv3x1(y)) + self.ddconv1x3(self.ddconv3x1(y))
        return self.conv1x1(self.bn2(y)) + x


class DownsamplingBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout - cin if cin < cout else cout, 3, 2, 1, bias=False)
        self.cat = cin < cout
        self.bn = bnp(cout)

    def forward(self, x):
        y = self.conv(x)
        return self.bn(torch.cat([y, F.max_pool2d(x, 2)], 1) if self.cat else y)


class DABNet(nn.Module):
    def __init__(self, nc=19, b1=3, b2=6):
        super().__init__()
        self.init = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1, bias=False), bnp(32), nn.Conv2d(32, 32, 3, 1, 1, bias=False), bnp(32),
                                  nn.Conv2d(32, 32, 3, 1, 1, bias=False), bnp(32))
        self.bn1 = bnp(35)
        self.down1 = DownsamplingBlock(35, 64)
        self.dab1 = nn.Sequential(*[DAB(64, 2) for _ in range(b1)])
        self.bn2 = bnp(128 + 3)
        self.down2 = DownsamplingBlock(128 + 3, 128)
        self.dab2 = nn.Sequential(*[DAB(128, d) for d in (4, 4, 8, 8, 16, 16)[:b2]])
        self.bn3 = bnp(256 + 3)
        self.classifier = nn.Conv2d(256 + 3, nc, 1)

    def forward(self, x):
        d1 = F.avg_pool2d(x, 3, 2, 1)
        d2 = F.avg_pool2d(d1, 3, 2, 1)
        d3 = F.avg_pool2d(d2, 3, 2, 1)
        o0 = self.bn1(torch.cat([self.init(x), d1], 1))
        o1 = self.down1(o0)
        o1 = self.bn2(torch.cat([self.dab1(o1), o1, d2], 1))
        o2 = self.down2(o1)
        o2 = self.bn3(torch.cat([self.dab2(o2), o2, d3], 1))
        return F.interpolate(self.classifier(o2), size=x.shape[2:], mode='bilinear', align_corners=False)


# --- SalsaNext ---
class ResContext(nn.Module):
    def __init__(self, cin, c):
        super().__init__()
        self.c1 = nn.Sequential(nn.Conv2d(cin, c, 1), nn.LeakyReLU())
        self.c2 = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.LeakyReLU(), nn.BatchNorm2d(c))
        self.c3 = nn.Sequential(nn.Conv2d(c, c, 3, 1, 2, 2), nn.LeakyReLU(), nn.BatchNorm2d(c))

    def forward(self, x):
        s = self.c1(x)
        return s + self.c3(self.c2(s))


class SalsaRes(nn.Module):
    def __init__(self, cin, c, pool=True):
        super().__init__()
        self.c1 = nn.Sequential(nn.Conv2d(cin, c, 1), nn.LeakyReLU())
        self.c2 = nn.Sequential(nn.Conv2d(cin, c, 3, 1, 1), nn.LeakyReLU(), nn.BatchNorm2d(c))
        self.c3 = nn.Sequential(nn.Conv2d(c, c, 3, 1, 2, 2), nn.LeakyReLU(), nn.BatchNorm2d(c))
        self.c4 = nn.Sequential(nn.Conv2d(c, c, 2, 1, 1, 2), nn.LeakyReLU(), nn.BatchNorm2d(c))
        self.c5 = nn.Sequential(nn.Conv2d(3 * c, c, 1), nn.LeakyReLU(), nn.BatchNorm2d(c))
        self.pool = pool

    def forward(self, x):
        s = self.c1(x)
        a = self.c2(x)
        b = self.c3(a)
        c = self.c4(b)
        y = self.c5(torch.cat([a, b, c], 1)) + s
        return (F.avg_pool2d(y, 3, 2, 1), y) if self.pool else y


class SalsaUp(nn.Module):
    def __init__(self, cin, c):
        super().__init__()
        self.c1 = nn.Sequential(nn.Conv2d(cin // 4 + 2 * c, c, 3, 1, 1), nn.LeakyReLU(), nn.BatchNorm2d(c))
        self.c2 = nn.Sequential(nn.Conv2d(c, c, 3, 1, 2, 2), nn.LeakyReLU(), nn.BatchNorm2d(c))
        self.c3 = nn.Sequential(nn.Conv2d(c, c, 2, 1, 1, 2), nn.LeakyReLU(), nn.BatchNorm2d(c))
        self.c4 = nn.Sequential(nn.Conv2d(3 * c, c, 1), nn.LeakyReLU(), nn.BatchNorm2d(c))

    def forward(self, x, skip):
        u = torch.cat([F.pixel_shuffle(x, 2), skip], 1)
        a = self.c1(u)
        b = self.c2(a)
        c = self.c3(b)
        return self.c4(torch.cat([a, b, c], 1))


class SalsaNext(nn.Module):
    def __init__(self, cin=5, w=16, nc=20):
        super().__init__()
        self.ctx = nn.Sequential(ResContext(cin, 2 * w), ResContext(2 * w, 2 * w), ResContext(2 * w, 2 * w))
        self.r1, self.r2 = SalsaRes(2 * w, 4 * w), SalsaRes(4 * w, 8 * w)
        self.r3, self.r4 = SalsaRes(8 * w, 16 * w), SalsaRes(16 * w, 16 * w)
        self.r5 = SalsaRes(16 * w, 16 * w, pool=False)
        self.u1, self.u2 = SalsaUp(16 * w, 8 * w), SalsaUp(8 * w, 8 * w)
        self.u3, self.u4 = SalsaUp(8 * w, 4 * w), SalsaUp(4 * w, 2 * w)
        self.logits = nn.Conv2d(2 * w, nc, 1)

    def forward(self, x):
        x = self.ctx(x)
        d1, s1 = self.r1(x)
        d2, s2 = self.r2(d1)
        d3, s3 = self.r3(d2)
        d4, s4 = self.r4(d3)
        y = self.r5(d4)
        y = self.u4(self.u3(self.u2(self.u1(y, s4), s3), s2), s1)
        return F.softmax(self.logits(y), 1)


# --- Deep Snake ---
class CircConv(nn.Module):
    def __init__(self, cin, cout, n_adj=4, d=1):
        super().__init__()
        self.pad = n_adj * d
        self.conv = nn.Conv1d(cin, cout, 2 * n_adj + 1, dilation=d)

    def forward(self, x):
        return self.conv(torch.cat([x[..., -self.pad:], x, x[..., :self.pad]], -1))


class Snake(nn.Module):
    def __init__(self, cin, c=64, dil=(1, 1, 1, 2, 2, 4, 4)):
        super().__init__()
        self.head = nn.Sequential(CircConv(cin, c), nn.ReLU(), nn.BatchNorm1d(c))
        self.res = nn.ModuleList(nn.Sequential(CircConv(c, c, 4, d), nn.ReLU(), nn.BatchNorm1d(c)) for d in dil)
        n = len(dil) + 1
        self.fusion = nn.Conv1d(n * c, 128, 1)
        self.pred = nn.Sequential(nn.Conv1d(n * c + 128, 128, 1), nn.ReLU(), nn.Conv1d(128, 32, 1), nn.ReLU(), nn.Conv1d(32, 2, 1))

    def forward(self, x):
        states = [self.head(x)]
        for r in self.res:
            states.append(r(states[-1]) + states[-1])
        s = torch.cat(states, 1)
        g = torch.max(self.fusion(s), 2, keepdim=True)[0].expand(-1, -1, s.shape[2])
        return self.pred(torch.cat([g, s], 1))


class DeepSnake(nn.Module):
    def __init__(self, w=16, K=8, n=40, iters=3):
        super().__init__()
        self.stem, self.stages = trunk(w, 3)
        self.up = IDAUp(w, 3)
        self.hm, self.wh = head(w, 1, bias=-2.19), head(w, 2)
        self.snakes = nn.ModuleList(Snake(w + 2) for _ in range(iters))
        ang = torch.arange(n).float() * 2 * math.pi / n
        self.register_buffer('circle', torch.stack([torch.cos(ang), torch.sin(ang)], 1).view(1, 1, n, 2))
        self.K, self.n = K, n

    def forward(self, x):
        f = self.up(feats(self.stem, self.stages, x))
        scores, inds, b, w = peaks(self.hm(f), self.K)
        h = f.shape[2]
        ctr = torch.stack([(inds % w).float(), (inds // w).float()], 2)  # [b, K, 2] (x, y)
        wh = self.wh(f).view(b, 2, -1).permute(0, 2, 1).gather(1, inds.unsqueeze(2).expand(b, self.K, 2)).relu()
        poly = ctr.unsqueeze(2) + self.circle * wh.unsqueeze(2) / 2  # [b, K, n, 2]
        size = torch.tensor([w - 1., h - 1.])
        for snake in self.snakes:
            grid = poly / size * 2 - 1
            samp = F.grid_sample(f, grid, align_corners=True)  # [b, C, K, n]
            samp = samp.permute(0, 2, 1, 3).reshape(b * self.K, -1, self.n)
            rel = (poly - poly.min(2, keepdim=True)[0]).reshape(b * self.K, self.n, 2).permute(0, 2, 1)
            off = snake(torch.cat([samp, rel], 1)).permute(0, 2, 1).reshape(b, self.K, self.n, 2)
            poly = poly + off
        return poly * 4, scores
