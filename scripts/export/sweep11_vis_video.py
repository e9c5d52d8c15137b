"""Eleventh sweep, video / 3-D / optical flow (docs/model-sweep.md): X3D, MoViNet streaming, TSM, SlowFast, nnU-Net's
PlainConvUNet, V-Net and PWC-Net in plain torch.nn with the math of their projects' code (small widths)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def bn3(c):
    return nn.BatchNorm3d(c)


class X3DBlock(nn.Module):
    """pytorchvideo's X3D bottleneck: 1×1×1, depthwise 3×3×3 (spatial stride), SE on every other block, Swish, 1×1×1."""

    def __init__(self, cin, cmid, cout, stride, se):
        super().__init__()
        self.a = nn.Sequential(nn.Conv3d(cin, cmid, 1, bias=False), bn3(cmid), nn.ReLU())
        self.b = nn.Sequential(nn.Conv3d(cmid, cmid, 3, (1, stride, stride), 1, groups=cmid, bias=False), bn3(cmid))
        self.se = nn.Sequential(nn.AdaptiveAvgPool3d(1), nn.Conv3d(cmid, cmid // 4, 1), nn.ReLU(), nn.Conv3d(cmid // 4, cmid, 1), nn.Sigmoid()) if se else None
        self.c = nn.Sequential(nn.Conv3d(cmid, cout, 1, bias=False), bn3(cout))
        self.short = None if cin == cout and stride == 1 else nn.Sequential(nn.Conv3d(cin, cout, 1, (1, stride, stride), bias=False), bn3(cout))

    def forward(self, x):
        y = self.b(self.a(x))
        if self.se is not None:
            y = y * self.se(y)
        y = self.c(y * torch.sigmoid(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


class X3D(nn.Module):
    def __init__(self, widths=(24, 48, 96, 192), depths=(1, 2, 3, 2), classes=400):
        super().__init__()
        c0 = widths[0]
        self.stem = nn.Sequential(nn.Conv3d(3, c0, (1, 3, 3), (1, 2, 2), (0, 1, 1), bias=False),
                                  nn.Conv3d(c0, c0, (5, 1, 1), 1, (2, 0, 0), groups=c0, bias=False), bn3(c0), nn.ReLU())
        blocks, cin = [], c0
        for w, d in zip(widths, depths):
            for i in range(d):
                blocks.append(X3DBlock(cin, int(w * 2.25), w, 2 if i == 0 else 1, i % 2 == 0))
                cin = w
        self.blocks = nn.Sequential(*blocks)
        self.pre = nn.Sequential(nn.Conv3d(cin, cin * 2, 1, bias=False), bn3(cin * 2), nn.ReLU())
        self.post = nn.Sequential(nn.Conv3d(cin * 2, 256, 1, bias=False), nn.ReLU())
        self.fc = nn.Linear(256, classes)

    def forward(self, x):
        x = self.pre(self.blocks(self.stem(x)))
        x = self.post(F.avg_pool3d(x, x.shape[2:]))
        return F.softmax(self.fc(x.flatten(1)), -1)


class MoViNetStream(nn.Module):
    """MoViNet-A0-style streaming step (Atze00/MoViNet-pytorch, causal): one frame in; each causal (k_t, 3, 3) depthwise
    conv reads its k_t - 1 buffered frames concatenated before it and hands back the new buffer; SE squeezes by the
    cumulative mean (a running sum state and the frame count); causal stream buffers in and out."""

    def __init__(self, cfg=((16, 40, 24, 3, 2), (24, 64, 24, 3, 1), (24, 72, 48, 5, 2), (48, 112, 48, 3, 1)), classes=600):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 16, (1, 3, 3), (1, 2, 2), (0, 1, 1), bias=False), bn3(16), nn.Hardswish())
        self.exp, self.dw, self.se, self.proj, self.kt, self.res = nn.ModuleList(), nn.ModuleList(), nn.ModuleList(), nn.ModuleList(), [], []
        for cin, cmid, cout, kt, s in cfg:
            self.exp.append(nn.Sequential(nn.Conv3d(cin, cmid, 1, bias=False), bn3(cmid), nn.Hardswish()))
            self.dw.append(nn.Sequential(nn.Conv3d(cmid, cmid, (kt, 3, 3), (1, s, s), (0, 1, 1), groups=cmid, bias=False), bn3(cmid), nn.Hardswish()))
            self.se.append(nn.Sequential(nn.Conv3d(cmid, cmid // 4, 1), nn.ReLU(), nn.Conv3d(cmid // 4, cmid, 1), nn.Hardsigmoid()))
            self.proj.append(nn.Sequential(nn.Conv3d(cmid, cout, 1, bias=False), bn3(cout)))
            self.kt.append(kt)
            self.res.append(cin == cout and s == 1)
        self.head = nn.Sequential(nn.Conv3d(cfg[-1][2], 480, 1, bias=False), bn3(480), nn.Hardswish())
        self.cls = nn.Sequential(nn.Conv3d(480, 256, 1), nn.Hardswish(), nn.Conv3d(256, classes, 1))

    def forward(self, frame, count, *states):
        x = self.stem(frame)
        out_states = []
        for i in range(len(self.exp)):
            buf, se_sum = states[2 * i], states[2 * i + 1]
            y = self.exp[i](x)
            cat = torch.cat([buf, y], 2)
            out_states.append(cat[:, :, -(self.kt[i] - 1):])
            y = self.dw[i](cat)
            s = se_sum + y.mean((3, 4), keepdim=True).sum(2, keepdim=True)
            out_states.append(s)
            y = y * self.se[i](s / (count + y.shape[2]))
            y = self.proj[i](y)
            x = x + y if self.res[i] else y
        x = self.head(x)
        pool = states[-1] + x.mean((3, 4), keepdim=True)
        logits = self.cls(pool / (count + 1)).flatten(1)
        return (logits, count + 1, *out_states, pool)

    def states(self, h):
        out, c = [], 16
        size = h // 2
        for (cin, cmid, cout, kt, s) in [(e[0].in_channels, e[0].out_channels, 0, k, d[0].stride[1]) for e, d, k in zip(self.exp, self.dw, self.kt)]:
            out.append(0.1 * torch.rand(1, cmid, kt - 1, size, size))
            size //= s
            out.append(torch.rand(1, cmid, 1, 1, 1))
        out.append(torch.rand(1, 480, 1, 1, 1))
        return out


class TemporalShift(nn.Module):
    """mit-han-lab temporal-shift-module's offline shift (zeros_like and slice assignments over [N, T, C, H, W])."""

    def __init__(self, segments, div=8):
        super().__init__()
        self.t, self.div = segments, div

    def forward(self, x):
        nt, c, h, w = x.size()
        x = x.view(nt // self.t, self.t, c, h, w)
        fold = c // self.div
        out = torch.zeros_like(x)
        out[:, :-1, :fold] = x[:, 1:, :fold]
        out[:, 1:, fold:2 * fold] = x[:, :-1, fold:2 * fold]
        out[:, :, 2 * fold:] = x[:, :, 2 * fold:]
        return out.view(nt, c, h, w)


class TSMBlock(nn.Module):
    def __init__(self, c, segments):
        super().__init__()
        self.shift = TemporalShift(segments)
        self.body = nn.Sequential(nn.Conv2d(c, c * 4, 1, bias=False), nn.BatchNorm2d(c * 4), nn.ReLU6(),
                                  nn.Conv2d(c * 4, c * 4, 3, 1, 1, groups=c * 4, bias=False), nn.BatchNorm2d(c * 4), nn.ReLU6(),
                                  nn.Conv2d(c * 4, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.body(self.shift(x))


class TSM(nn.Module):
    """TSM on a MobileNetV2-like trunk: the shift in each inverted residual's branch, segment consensus by mean."""

    def __init__(self, segments=8, classes=174):
        super().__init__()
        self.t = segments
        layers, c = [nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6()], 16
        for co in (24, 32, 64):
            layers += [nn.Conv2d(c, co, 3, 2, 1, bias=False), nn.BatchNorm2d(co), nn.ReLU6(), TSMBlock(co, segments), TSMBlock(co, segments)]
            c = co
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):  # [N·T, 3, H, W] as TSM's dataloader stacks the segments
        x = self.features(x).mean((2, 3))
        return self.fc(x).view(-1, self.t, self.fc.out_features).mean(1)


def res3(cin, cout, kt, stride):
    return nn.Sequential(nn.Conv3d(cin, cout, (kt, 1, 1), 1, (kt // 2, 0, 0), bias=False), bn3(cout), nn.ReLU(),
                         nn.Conv3d(cout, cout, (1, 3, 3), (1, stride, stride), (0, 1, 1), bias=False), bn3(cout))


class SlowFastStage(nn.Module):
    def __init__(self, cin, cout, kt, stride):
        super().__init__()
        self.body = res3(cin, cout, kt, stride)
        self.short = nn.Sequential(nn.Conv3d(cin, cout, 1, (1, stride, stride), bias=False), bn3(cout))

    def forward(self, x):
        return F.relu(self.body(x) + self.short(x))


class SlowFast(nn.Module):
    """pytorchvideo SlowFast (alpha 4, beta 1/8): slow and fast pathways, time-strided lateral convs fast → slow
    concatenated into the slow path, pooled heads concatenated."""

    def __init__(self, classes=400):
        super().__init__()
        self.s_stem = nn.Sequential(nn.Conv3d(3, 32, (1, 7, 7), (1, 2, 2), (0, 3, 3), bias=False), bn3(32), nn.ReLU(), nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)))
        self.f_stem = nn.Sequential(nn.Conv3d(3, 4, (5, 7, 7), (1, 2, 2), (2, 3, 3), bias=False), bn3(4), nn.ReLU(), nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)))
        sw, fw = (32, 64, 128), (4, 8, 16)
        self.lat = nn.ModuleList([nn.Conv3d(f, 2 * f, (5, 1, 1), (4, 1, 1), (2, 0, 0), bias=False) for f in fw])
        self.slow = nn.ModuleList([SlowFastStage(s + 2 * f, so, 1 if i == 0 else 3, 1 if i == 0 else 2) for i, (s, f, so) in enumerate(zip(sw, fw, (64, 128, 256)))])
        self.fast = nn.ModuleList([SlowFastStage(f, fo, 3, 1 if i == 0 else 2) for i, (f, fo) in enumerate(zip(fw, (8, 16, 32)))])
        self.proj = nn.Linear(256 + 32, classes)

    def forward(self, slow, fast):
        s, f = self.s_stem(slow), self.f_stem(fast)
        for lat, sb, fb in zip(self.lat, self.slow, self.fast):
            s = sb(torch.cat([s, lat(f)], 1))
            f = fb(f)
        x = torch.cat([F.adaptive_avg_pool3d(s, 1).flatten(1), F.adaptive_avg_pool3d(f, 1).flatten(1)], 1)
        return F.softmax(self.proj(x), -1)


def conv_in(cin, cout, stride=1):
    return nn.Sequential(nn.Conv3d(cin, cout, 3, stride, 1), nn.InstanceNorm3d(cout, eps=1e-5, affine=True), nn.LeakyReLU(0.01, inplace=True))


class NnUNet3d(nn.Module):
    """nnU-Net v2 PlainConvUNet (3d_fullres): two conv–InstanceNorm3d–LeakyReLU per stage, strided-conv downs,
    ConvTranspose3d ups, skip concat, 1×1×1 segmentation head (deep supervision off at inference)."""

    def __init__(self, cin=1, classes=3, widths=(8, 16, 32, 64)):
        super().__init__()
        self.enc = nn.ModuleList()
        c = cin
        for i, w in enumerate(widths):
            self.enc.append(nn.Sequential(conv_in(c, w, 1 if i == 0 else 2), conv_in(w, w)))
            c = w
        self.up, self.dec = nn.ModuleList(), nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(nn.ConvTranspose3d(c, w, 2, 2, bias=False))
            self.dec.append(nn.Sequential(conv_in(2 * w, w), conv_in(w, w)))
            c = w
        self.seg = nn.Conv3d(c, classes, 1)

    def forward(self, x):
        skips = []
        for e in self.enc:
            x = e(x)
            skips.append(x)
        x = skips.pop()
        for up, dec in zip(self.up, self.dec):
            x = dec(torch.cat([up(x), skips.pop()], 1))
        return self.seg(x)


class LUConv(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv, self.bn, self.act = nn.Conv3d(c, c, 5, padding=2), bn3(c), nn.PReLU(c)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class VNet(nn.Module):
    """mattmacy/vnet.pytorch: input transition adds the image repeated over 16 channels, strided 2×2×2 down convs,
    5×5×5 LUConv stacks with residuals, ConvTranspose3d ups, softmax over the [voxels, 2] view."""

    def __init__(self, c=8, convs=(1, 2, 2, 2)):
        super().__init__()
        self.c = c
        self.inp = nn.Sequential(nn.Conv3d(1, c, 5, padding=2), bn3(c))
        self.in_act = nn.PReLU(c)
        self.down, self.down_convs, self.down_act = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        ch = c
        for n in convs:
            self.down.append(nn.Sequential(nn.Conv3d(ch, 2 * ch, 2, 2), bn3(2 * ch), nn.PReLU(2 * ch)))
            ch *= 2
            self.down_convs.append(nn.Sequential(*[LUConv(ch) for _ in range(n)]))
            self.down_act.append(nn.PReLU(ch))
        self.up, self.up_convs, self.up_act = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for i, n in enumerate(reversed(convs)):  # UpTransition(in, out): ConvTranspose3d in → out / 2, + skip (out / 2)
            co = ch // 2 ** i
            self.up.append(nn.Sequential(nn.ConvTranspose3d(ch if i == 0 else 2 * co, co // 2, 2, 2), bn3(co // 2), nn.PReLU(co // 2)))
            self.up_convs.append(nn.Sequential(*[LUConv(co) for _ in range(n)]))
            self.up_act.append(nn.PReLU(co))
        self.out = nn.Sequential(nn.Conv3d(2 * c, 2, 5, padding=2), bn3(2), nn.PReLU(2), nn.Conv3d(2, 2, 1))

    def forward(self, x):
        x = self.in_act(self.inp(x) + torch.cat([x] * self.c, 1))
        skips = [x]
        for d, cv, act in zip(self.down, self.down_convs, self.down_act):
            x = d(x)
            x = act(cv(x) + x)
            skips.append(x)
        skips.pop()
        for u, cv, act in zip(self.up, self.up_convs, self.up_act):
            x = torch.cat([u(x), skips.pop()], 1)
            x = act(cv(x) + x)
        out = self.out(x).permute(0, 2, 3, 4, 1).contiguous()
        return F.softmax(out.view(out.numel() // 2, 2), dim=1)


def conv_lr(cin, cout, k=3, s=1, d=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, ((k - 1) * d) // 2, d), nn.LeakyReLU(0.1))


def correlation(f1, f2, md):
    """The cost volume as ONNX-exportable PWC-Net forks write it: mean over channels of f1 · f2 shifted by (dy, dx)."""
    h, w = f1.shape[2:]
    p = F.pad(f2, (md, md, md, md))
    return torch.cat([(f1 * p[:, :, dy:dy + h, dx:dx + w]).mean(1, keepdim=True) for dy in range(2 * md + 1) for dx in range(2 * md + 1)], 1)


def warp(x, flo):
    """PWC-Net's warp: grid of pixel centres + flow, normalized to [-1, 1], grid_sample, and the validity mask."""
    b, _, h, w = x.shape
    xx = torch.arange(0, w, dtype=x.dtype).view(1, 1, 1, w).expand(b, 1, h, w)
    yy = torch.arange(0, h, dtype=x.dtype).view(1, 1, h, 1).expand(b, 1, h, w)
    v = torch.cat([xx, yy], 1) + flo
    g = torch.cat([2.0 * v[:, :1] / max(w - 1, 1) - 1.0, 2.0 * v[:, 1:] / max(h - 1, 1) - 1.0], 1).permute(0, 2, 3, 1)
    out = F.grid_sample(x, g, align_corners=True)
    mask = F.grid_sample(torch.ones_like(x), g, align_corners=True)
    mask = (mask >= 0.9999).to(x.dtype)
    return out * mask


class PWCNet(nn.Module):
    """PWC-Net (NVlabs, 3 pyramid levels here): feature pyramid, warping by the upsampled flow, correlation (md 2),
    densely connected estimators, ConvTranspose up-flow / up-feat, dilated context network."""

    def __init__(self, md=2, widths=(16, 32, 48)):
        super().__init__()
        self.md = md
        self.pyr = nn.ModuleList()
        c = 3
        for w in widths:
            self.pyr.append(nn.Sequential(conv_lr(c, w, 3, 2), conv_lr(w, w), conv_lr(w, w)))
            c = w
        nd = (2 * md + 1) ** 2
        self.est, self.flow, self.upflow, self.upfeat = nn.ModuleList(), nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        dd = (32, 32, 24, 16)
        for lvl, w in enumerate(reversed(widths)):
            cin = nd if lvl == 0 else nd + w + 4
            layers, c = nn.ModuleList(), cin
            for d in dd:
                layers.append(conv_lr(c, d))
                c += d
            self.est.append(layers)
            self.flow.append(nn.Conv2d(c, 2, 3, 1, 1))
            if lvl < len(widths) - 1:
                self.upflow.append(nn.ConvTranspose2d(2, 2, 4, 2, 1))
                self.upfeat.append(nn.ConvTranspose2d(c, 2, 4, 2, 1))
        self.ctx = nn.Sequential(conv_lr(c + 2, 32, 3, 1, 1), conv_lr(32, 32, 3, 1, 2), conv_lr(32, 32, 3, 1, 4), conv_lr(32, 16, 3, 1, 8), conv_lr(16, 16), nn.Conv2d(16, 2, 3, 1, 1))
        self.scales = [0.625 * 2 ** (2 - i) for i in range(len(widths))][::-1]

    def forward(self, im1, im2):
        p1, p2 = [], []
        a, b = im1, im2
        for m in self.pyr:
            a, b = m(a), m(b)
            p1.append(a)
            p2.append(b)
        flow = up_flow = up_feat = None
        for lvl in range(len(p1)):
            f1, f2 = p1[-1 - lvl], p2[-1 - lvl]
            if lvl == 0:
                x = F.leaky_relu(correlation(f1, f2, self.md), 0.1)
            else:
                w2 = warp(f2, up_flow * self.scales[-1 - lvl])
                x = torch.cat([F.leaky_relu(correlation(f1, w2, self.md), 0.1), f1, up_flow, up_feat], 1)
            for layer in self.est[lvl]:
                x = torch.cat([layer(x), x], 1)
            flow = self.flow[lvl](x)
            if lvl < len(p1) - 1:
                up_flow, up_feat = self.upflow[lvl](flow), self.upfeat[lvl](x)
        flow = flow + self.ctx(torch.cat([x, flow], 1))
        return F.interpolate(flow * 20.0, scale_factor=2, mode='bilinear', align_corners=False)
