"""Twenty-first sweep (docs/model-sweep.md): depth / stereo / event cameras / radar as their public code writes them —
StereoNet (meteorshowers/StereoNet-ActiveStereoNet: 1/8 cost volume of feature differences, 3-D conv filtering, soft
argmin, edge-aware refinement by dilated residual blocks on [disparity, image]), ACVNet (gangweiX/ACVNet: group-wise
correlation volume -> attention weights (3-D hourglass) on a concatenation volume, 3-D hourglasses, trilinear
upsampling, disparity regression), FastDepth (dwofk/fast-depth: MobileNet encoder, NNConv5 decoder of depthwise 5x5
+ pointwise + nearest x2 with additive skips), E2VID (uzh-rpg/rpg_e2vid: events -> voxel grid with bilinear weights in
time by scatter-add, nonzero mean / std normalization, recurrent UNet of ConvLSTM encoders), EV-FlowNet (daniilidis-
group/EV-FlowNet: 4-channel event image, encoder-decoder with multi-scale tanh flow predictions) and RODNet-CDC
(yizhou-wang/RODNet: radar range-azimuth chirp sequences through 3-D conv encoder / ConvTranspose3d decoder, sigmoid
confidence maps). Plain torch.nn, small widths, random weights. Imported by sweep21_vis.py."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep20_vis_bb import cbr


def cbr3(cin, cout, k=3, s=1, act=True):
    layers = [nn.Conv3d(cin, cout, k, s, k // 2 if isinstance(k, int) else tuple(i // 2 for i in k), bias=False), nn.BatchNorm3d(cout)]
    return nn.Sequential(*layers, nn.ReLU()) if act else nn.Sequential(*layers)


class Res(nn.Module):
    def __init__(self, c, d=1, act=nn.LeakyReLU):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(c, c, 3, 1, d, d, bias=False), nn.BatchNorm2d(c), act())
        self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, d, d, bias=False), nn.BatchNorm2d(c))
        self.act = act()

    def forward(self, x):
        return self.act(x + self.b(self.a(x)))


def shifted(r, i):
    """The right view moved i pixels right (zeros in front), as the cost volumes' loops over disparities index it."""
    return r if i == 0 else F.pad(r[..., :-i], (i, 0))


# --- StereoNet ---
class StereoNet(nn.Module):
    def __init__(self, w=16, k=3, maxdisp=192):
        super().__init__()
        self.k, self.d = k, (maxdisp + 1) // 2 ** k
        down = [nn.Conv2d(3 if i == 0 else w, w, 5, 2, 2) for i in range(k)]
        self.feat = nn.Sequential(*down, *[Res(w) for _ in range(6)], nn.Conv2d(w, w, 3, 1, 1))
        self.filter = nn.Sequential(*[nn.Sequential(nn.Conv3d(w, w, 3, 1, 1), nn.BatchNorm3d(w), nn.LeakyReLU(0.2)) for _ in range(4)], nn.Conv3d(w, 1, 3, 1, 1))
        self.refine = nn.Sequential(nn.Conv2d(4, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.LeakyReLU(0.2),
                                    *[Res(32, d) for d in (1, 2, 4, 8, 1, 1)], nn.Conv2d(32, 1, 3, 1, 1))

    def forward(self, left, right):
        fl, fr = self.feat(left), self.feat(right)
        cost = torch.stack([fl - shifted(fr, i) for i in range(self.d)], 2)
        cost = self.filter(cost).squeeze(1)
        disps = torch.arange(self.d, dtype=torch.float32).view(1, -1, 1, 1)
        disp = (F.softmax(-cost, 1) * disps).sum(1, keepdim=True)
        disp = F.interpolate(disp, size=left.shape[2:], mode='bilinear', align_corners=False) * (left.shape[3] / fl.shape[3])
        return F.relu(disp + self.refine(torch.cat([disp, left], 1)))


# --- ACVNet ---
class Hourglass3d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.c2 = cbr3(c, 2 * c, 3, 2), cbr3(2 * c, 2 * c)
        self.c3, self.c4 = cbr3(2 * c, 4 * c, 3, 2), cbr3(4 * c, 4 * c)
        self.c5 = nn.Sequential(nn.ConvTranspose3d(4 * c, 2 * c, 3, 2, 1, 1, bias=False), nn.BatchNorm3d(2 * c))
        self.c6 = nn.Sequential(nn.ConvTranspose3d(2 * c, c, 3, 2, 1, 1, bias=False), nn.BatchNorm3d(c))
        self.r1, self.r2 = cbr3(c, c, 1, act=False), cbr3(2 * c, 2 * c, 1, act=False)

    def forward(self, x):
        a = self.c2(self.c1(x))
        b = self.c4(self.c3(a))
        a = F.relu(self.c5(b) + self.r2(a))
        return F.relu(self.c6(a) + self.r1(x))


class ACVNet(nn.Module):
    def __init__(self, w=16, groups=8, maxdisp=96, cc=8):
        super().__init__()
        self.g, self.d = groups, maxdisp // 4
        self.feat = nn.Sequential(cbr(3, w, 3, 2), cbr(w, w, 3), cbr(w, 2 * w, 3, 2), Res(2 * w, act=nn.ReLU), Res(2 * w, 2, act=nn.ReLU))
        self.gwc_feat = nn.Conv2d(2 * w, 4 * w, 1)
        self.concat_feat = nn.Sequential(cbr(2 * w, w, 3), nn.Conv2d(w, cc, 1))
        self.att = nn.Sequential(cbr3(groups, 8), cbr3(8, 8), Hourglass3d(8), nn.Conv3d(8, 1, 3, 1, 1))
        self.dres0 = nn.Sequential(cbr3(2 * cc, 16), cbr3(16, 16))
        self.hg1, self.hg2 = Hourglass3d(16), Hourglass3d(16)
        self.classif = nn.Sequential(cbr3(16, 16), nn.Conv3d(16, 1, 3, 1, 1))

    def forward(self, left, right):
        fl, fr = self.feat(left), self.feat(right)
        gl, gr = self.gwc_feat(fl), self.gwc_feat(fr)
        b, c, h, w = gl.shape
        corr = torch.stack([(gl * shifted(gr, i)).view(b, self.g, c // self.g, h, w).mean(2) for i in range(self.d)], 2)
        att = self.att(corr)
        cl, cr = self.concat_feat(fl), self.concat_feat(fr)
        concat = torch.stack([torch.cat([cl, shifted(cr, i)], 1) for i in range(self.d)], 2)
        v = F.softmax(att, 2) * concat
        v = self.dres0(v)
        v = self.hg2(self.hg1(v))
        cost = self.classif(v)
        cost = F.interpolate(cost, [self.d * 4, left.shape[2], left.shape[3]], mode='trilinear', align_corners=False).squeeze(1)
        disps = torch.arange(self.d * 4, dtype=torch.float32).view(1, -1, 1, 1)
        return (F.softmax(cost, 1) * disps).sum(1, keepdim=True)


# --- FastDepth ---
def dws(cin, cout, s=1, k=3):
    return nn.Sequential(cbr(cin, cin, k, s, g=cin), cbr(cin, cout, 1))


class FastDepth(nn.Module):
    def __init__(self, a=0.5):
        super().__init__()
        c = [int(x * a) for x in (32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024)]
        s = [2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]
        self.enc = nn.ModuleList([cbr(3, c[0], 3, 2)] + [dws(c[i - 1], c[i], s[i]) for i in range(1, 14)])
        dec = [int(x * a) for x in (1024, 512, 256, 128, 64, 32)]
        self.dec = nn.ModuleList(dws(dec[i], dec[i + 1], 1, 5) for i in range(5))
        self.out = nn.Sequential(cbr(dec[5], dec[5], 1), nn.Conv2d(dec[5], 1, 1))

    def forward(self, x):
        skips = {}
        for i, layer in enumerate(self.enc):
            x = layer(x)
            if i in (1, 3, 5):
                skips[i] = x
        for i, layer in enumerate(self.dec):
            x = F.interpolate(layer(x), scale_factor=2., mode='nearest')
            if i == 1:
                x = x + skips[5]
            elif i == 2:
                x = x + skips[3]
            elif i == 3:
                x = x + skips[1]
        return self.out(x)


# --- E2VID ---
class ConvLSTM(nn.Module):
    def __init__(self, cin, c):
        super().__init__()
        self.gates = nn.Conv2d(cin + c, 4 * c, 3, 1, 1)

    def forward(self, x, h, c):
        i, r, o, g = self.gates(torch.cat([x, h], 1)).chunk(4, 1)
        c = torch.sigmoid(r) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c


class E2VID(nn.Module):
    """Events [N, 4] (t, x, y, p), coordinates normalized to [0, 1) of the sensor; ConvLSTM states in and out."""

    def __init__(self, bins=5, h=128, w=160, base=16):
        super().__init__()
        self.bins, self.h, self.w = bins, h, w
        self.head = nn.Sequential(nn.Conv2d(bins, base, 5, 1, 2), nn.ReLU())
        ch = [base, 2 * base, 4 * base, 8 * base]
        self.down = nn.ModuleList(nn.Sequential(nn.Conv2d(ch[i], ch[i + 1], 5, 2, 2), nn.ReLU()) for i in range(3))
        self.lstm = nn.ModuleList(ConvLSTM(ch[i + 1], ch[i + 1]) for i in range(3))
        self.res = nn.Sequential(Res(ch[3], act=nn.ReLU), Res(ch[3], act=nn.ReLU))
        self.up = nn.ModuleList(nn.Sequential(nn.Conv2d(ch[i + 1], ch[i], 5, 1, 2), nn.ReLU()) for i in (2, 1, 0))
        self.pred = nn.Conv2d(base, 1, 1)

    def voxel(self, ev):
        t, x, y, p = ev[:, 0], ev[:, 1], ev[:, 2], ev[:, 3]
        ts = (self.bins - 1) * (t - t.min()) / (t.max() - t.min() + 1e-9)
        xs = torch.clamp(torch.floor(x * self.w), 0, self.w - 1)
        ys = torch.clamp(torch.floor(y * self.h), 0, self.h - 1)
        tis = torch.floor(ts)
        dts = ts - tis
        base = xs + ys * self.w
        size = self.bins * self.h * self.w
        left_i = (base + tis * self.w * self.h).long()
        right_i = (base + torch.clamp(tis + 1, max=self.bins - 1) * self.w * self.h).long()
        vals_r = torch.where(tis + 1 < self.bins, p * dts, torch.zeros_like(p))
        vox = torch.zeros(size).scatter_add(0, left_i, p * (1.0 - dts)).scatter_add(0, right_i, vals_r)
        vox = vox.view(1, self.bins, self.h, self.w)
        nz = (vox != 0).float()
        n = nz.sum().clamp(min=1.)
        mean = vox.sum() / n
        std = torch.sqrt(((vox - mean) ** 2 * nz).sum() / n)
        return torch.where(vox != 0, (vox - mean) / (std + 1e-6), vox)

    def forward(self, events, h1, c1, h2, c2, h3, c3):
        x = self.head(self.voxel(events))
        skips, states = [x], []
        for i, (hs, cs) in enumerate(((h1, c1), (h2, c2), (h3, c3))):
            x = self.down[i](x)
            hs, cs = self.lstm[i](x, hs, cs)
            x = hs
            states += [hs, cs]
            skips.append(x)
        x = self.res(x)
        for i, up in enumerate(self.up):
            x = up(F.interpolate(x + skips[3 - i], scale_factor=2., mode='bilinear', align_corners=False))
        return (torch.sigmoid(self.pred(x + skips[0])), *states)


# --- EV-FlowNet ---
class EVFlowNet(nn.Module):
    def __init__(self, w=16):
        super().__init__()
        ch = [4, w, 2 * w, 4 * w, 8 * w]
        self.enc = nn.ModuleList(cbr(ch[i], ch[i + 1], 3, 2) for i in range(4))
        self.res = nn.Sequential(Res(8 * w, act=nn.ReLU), Res(8 * w, act=nn.ReLU))
        self.dec, self.flow = nn.ModuleList(), nn.ModuleList()
        cin = 8 * w
        for i in (3, 2, 1, 0):
            skip, cout = ch[i + 1], ch[i + 1] // 2
            self.dec.append(cbr(cin + skip, cout, 3))
            self.flow.append(nn.Conv2d(cout, 2, 1))
            cin = cout + 2

    def forward(self, x):
        skips = []
        for e in self.enc:
            x = e(x)
            skips.append(x)
        x, flows = self.res(x), []
        for i, (d, f) in enumerate(zip(self.dec, self.flow)):
            x = d(torch.cat([x, skips[3 - i]], 1))
            x = F.interpolate(x, scale_factor=2., mode='nearest')
            flow = torch.tanh(f(x)) * 256.
            flows.append(flow)
            x = torch.cat([x, flow], 1)
        return flows[-1], flows[-2]


# --- RODNet-CDC ---
class RODNetCDC(nn.Module):
    def __init__(self, w=16, nc=3):
        super().__init__()
        self.enc = nn.Sequential(
            cbr3(2, w, (9, 5, 5)), cbr3(w, 2 * w, (9, 5, 5), (2, 2, 2)),
            cbr3(2 * w, 2 * w, (9, 5, 5)), cbr3(2 * w, 4 * w, (9, 5, 5), (2, 2, 2)),
            cbr3(4 * w, 4 * w, (9, 5, 5)), cbr3(4 * w, 8 * w, (9, 5, 5), (1, 2, 2)))
        self.dec = nn.Sequential(
            nn.ConvTranspose3d(8 * w, 4 * w, (3, 6, 6), (1, 2, 2), (1, 2, 2)), nn.PReLU(),
            nn.ConvTranspose3d(4 * w, 2 * w, (4, 6, 6), (2, 2, 2), (1, 2, 2)), nn.PReLU(),
            nn.ConvTranspose3d(2 * w, nc, (4, 6, 6), (2, 2, 2), (1, 2, 2)))

    def forward(self, x):
        return torch.sigmoid(self.dec(self.enc(x)))
