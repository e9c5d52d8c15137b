"""Fifteenth sweep, restoration / interpolation (docs/model-sweep.md): IFRNet (frame interpolation: a 4-level
encoder pyramid, coarse-to-fine decoders of flows and an intermediate feature, backward warps by grid_sample,
occlusion mask and residual), HINet (two U-Nets with half instance normalization, cross-stage feature fusion and a
supervised attention module) in plain torch.nn with the projects' math (small widths, random weights)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from sweep12_vis_more import warp  # RIFE's / IFRNet's backward warp (border padding, align_corners)


def conv_prelu(i, o, k=3, s=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2), nn.PReLU(o))


def resize(x, s):
    return F.interpolate(x, scale_factor=s, mode='bilinear', align_corners=False)


class IFResBlock(nn.Module):
    def __init__(self, c, side):
        super().__init__()
        self.side = side
        self.conv1, self.conv3, self.conv5 = conv_prelu(c, c), conv_prelu(c, c), nn.Conv2d(c, c, 3, 1, 1)
        self.conv2, self.conv4 = conv_prelu(side, side), conv_prelu(side, side)
        self.prelu = nn.PReLU(c)

    def forward(self, x):
        out = self.conv1(x)
        out = self.conv3(torch.cat([out[:, :-self.side], self.conv2(out[:, -self.side:])], 1))
        out = torch.cat([out[:, :-self.side], self.conv4(out[:, -self.side:])], 1)
        return self.prelu(x + self.conv5(out))


class IFDecoder(nn.Module):
    def __init__(self, cin, c, cout, side):
        super().__init__()
        self.net = nn.Sequential(conv_prelu(cin, c), IFResBlock(c, side), nn.ConvTranspose2d(c, cout, 4, 2, 1))

    def forward(self, x):
        return self.net(x)


class IFRNet(nn.Module):
    def __init__(self, ch=(16, 24, 36, 48), side=8):
        super().__init__()
        self.enc = nn.ModuleList(nn.Sequential(conv_prelu(3 if i == 0 else ch[i - 1], c, 3, 2), conv_prelu(c, c)) for i, c in enumerate(ch))
        self.dec4 = IFDecoder(2 * ch[3] + 1, 2 * ch[3], 4 + ch[2], side)
        self.dec3 = IFDecoder(3 * ch[2] + 4, 2 * ch[2], 4 + ch[1], side)
        self.dec2 = IFDecoder(3 * ch[1] + 4, 2 * ch[1], 4 + ch[0], side)
        self.dec1 = IFDecoder(3 * ch[0] + 4, 2 * ch[0], 8, side)

    def forward(self, img0, img1, embt):
        mean_ = torch.cat([img0, img1], 2).mean(1, keepdim=True).mean(2, keepdim=True).mean(3, keepdim=True)
        img0, img1 = img0 - mean_, img1 - mean_
        f0, f1 = [], []
        x0, x1 = img0, img1
        for e in self.enc:
            x0, x1 = e(x0), e(x1)
            f0.append(x0)
            f1.append(x1)
        out4 = self.dec4(torch.cat([f0[3], f1[3], embt.expand(-1, -1, f0[3].shape[2], f0[3].shape[3])], 1))
        flow0, flow1, ft = out4[:, 0:2], out4[:, 2:4], out4[:, 4:]
        for dec, lvl in ((self.dec3, 2), (self.dec2, 1)):
            out = dec(torch.cat([ft, warp(f0[lvl], flow0), warp(f1[lvl], flow1), flow0, flow1], 1))
            flow0 = out[:, 0:2] + 2.0 * resize(flow0, 2.0)
            flow1 = out[:, 2:4] + 2.0 * resize(flow1, 2.0)
            ft = out[:, 4:]
        out1 = self.dec1(torch.cat([ft, warp(f0[0], flow0), warp(f1[0], flow1), flow0, flow1], 1))
        flow0 = out1[:, 0:2] + 2.0 * resize(flow0, 2.0)
        flow1 = out1[:, 2:4] + 2.0 * resize(flow1, 2.0)
        mask = torch.sigmoid(out1[:, 4:5])
        res = out1[:, 5:]
        w0, w1 = warp(img0, flow0), warp(img1, flow1)
        merge = mask * w0 + (1 - mask) * w1 + mean_
        return torch.clamp(merge + res, 0, 1)


class HINBlock(nn.Module):
    def __init__(self, i, o, down, hin):
        super().__init__()
        self.identity = nn.Conv2d(i, o, 1)
        self.c1, self.c2 = nn.Conv2d(i, o, 3, 1, 1), nn.Conv2d(o, o, 3, 1, 1)
        self.norm = nn.InstanceNorm2d(o // 2, affine=True) if hin else None
        self.down = nn.Conv2d(o, o, 4, 2, 1, bias=False) if down else None
        self.csff_enc, self.csff_dec = nn.Conv2d(o, o, 3, 1, 1), nn.Conv2d(o, o, 3, 1, 1)

    def forward(self, x, enc=None, dec=None):
        out = self.c1(x)
        if self.norm is not None:
            a, b = torch.chunk(out, 2, dim=1)
            out = torch.cat([self.norm(a), b], 1)
        out = F.leaky_relu(out, 0.2)
        out = F.leaky_relu(self.c2(out), 0.2)
        out = out + self.identity(x)
        if enc is not None:
            out = out + self.csff_enc(enc) + self.csff_dec(dec)
        if self.down is not None:
            return self.down(out), out
        return out, out


class HINUp(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.up = nn.ConvTranspose2d(i, o, 2, 2)
        self.block = HINBlock(2 * o, o, False, False)

    def forward(self, x, skip):
        return self.block(torch.cat([self.up(x), skip], 1))[0]


class SAM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.c2, self.c3 = nn.Conv2d(c, c, 3, 1, 1), nn.Conv2d(c, 3, 3, 1, 1), nn.Conv2d(3, c, 3, 1, 1)

    def forward(self, x, img):
        x1 = self.c1(x)
        im = self.c2(x) + img
        return x1 * torch.sigmoid(self.c3(im)) + x, im


class HINet(nn.Module):
    def __init__(self, wf=16, depth=3):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, wf, 3, 1, 1), nn.Conv2d(3, wf, 3, 1, 1)
        chans = [wf * 2 ** i for i in range(depth)]
        self.down1 = nn.ModuleList(HINBlock(chans[i - 1] if i else wf, c, i < depth - 1, True) for i, c in enumerate(chans))
        self.down2 = nn.ModuleList(HINBlock(chans[i - 1] if i else wf, c, i < depth - 1, True) for i, c in enumerate(chans))
        self.up1 = nn.ModuleList(HINUp(chans[i + 1], chans[i]) for i in reversed(range(depth - 1)))
        self.up2 = nn.ModuleList(HINUp(chans[i + 1], chans[i]) for i in reversed(range(depth - 1)))
        self.sam = SAM(wf)
        self.cat12 = nn.Conv2d(2 * wf, wf, 1)
        self.last = nn.Conv2d(wf, 3, 3, 1, 1)

    def forward(self, image):
        x1 = self.conv1(image)
        encs = []
        for i, d in enumerate(self.down1):
            x1, skip = d(x1)
            if i < len(self.down1) - 1:
                encs.append(skip)
        decs = []
        for i, u in enumerate(self.up1):
            x1 = u(x1, encs[-i - 1])
            decs.append(x1)
        sam_feat, out1 = self.sam(x1, image)
        x2 = self.cat12(torch.cat([self.conv2(image), sam_feat], 1))
        blocks = []
        for i, d in enumerate(self.down2):
            if i < len(self.down2) - 1:
                x2, skip = d(x2, encs[i], decs[-i - 1])
                blocks.append(skip)
            else:
                x2, _ = d(x2)
        for i, u in enumerate(self.up2):
            x2 = u(x2, blocks[-i - 1])
        return out1, self.last(x2) + image
