"""Thirteenth sweep, more vision (docs/model-sweep.md): BiRefNet (swin-t on the image and on its half, context
concatenation, image patches into every decoder level, ASPP with modulated deformable convs written as
deform_conv2d_onnx_exporter writes them: gathered corners, then a k-strided conv), Lift-Splat-Shoot (depth
distribution × features, frustum geometry with 3×3 inverses written out, voxel pooling with the cumsum trick:
kept points, argsort of ranks, run ends, scatter into the BEV grid), SparseInst (instance activation maps, no NMS),
SFNet's flow alignment module (grid_sample by a predicted flow) and StarNet-S1 (star operation), in plain torch.nn
with the projects' math (small widths, random weights)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def cbr(i, o, k=3, s=1, act=True):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, bias=False), nn.BatchNorm2d(o), nn.ReLU() if act else nn.Identity())


# --- BiRefNet ---

def deform_conv2d(x, offset, mask, weight, bias, k, pad):
    """torchvision's deform_conv2d (stride 1, dilation 1) as deform_conv2d_onnx_exporter writes it: the k² sampling
    points per output pixel, the 4 bilinear corners gathered (zero outside), × mask, laid out [B, C, H·k, W·k] and
    convolved with stride k."""
    b, c, h, w = x.shape
    kk = k * k
    off = offset.view(b, kk, 2, h, w)
    ky = (torch.arange(k).view(k, 1).expand(k, k).reshape(1, kk, 1, 1) - pad).float()
    kx = (torch.arange(k).view(1, k).expand(k, k).reshape(1, kk, 1, 1) - pad).float()
    py = torch.arange(h).float().view(1, 1, h, 1) + ky + off[:, :, 0]
    px = torch.arange(w).float().view(1, 1, 1, w) + kx + off[:, :, 1]
    y0, x0 = torch.floor(py), torch.floor(px)
    flat = x.view(b, c, h * w)
    out = 0
    for dy in (0, 1):
        for dx in (0, 1):
            yy, xx = y0 + dy, x0 + dx
            wt = (1 - (py - yy).abs()) * (1 - (px - xx).abs())
            valid = ((yy >= 0) & (yy <= h - 1) & (xx >= 0) & (xx <= w - 1)).float()
            idx = (yy.clamp(0, h - 1) * w + xx.clamp(0, w - 1)).long().view(b, 1, kk * h * w).expand(b, c, kk * h * w)
            v = torch.gather(flat, 2, idx).view(b, c, kk, h, w)
            out = out + v * (wt * valid).unsqueeze(1)
    out = out * mask.unsqueeze(1)
    cols = out.view(b, c, k, k, h, w).permute(0, 1, 4, 2, 5, 3).reshape(b, c, h * k, w * k)
    return F.conv2d(cols, weight, bias, stride=k)


class DeformableConv2d(nn.Module):
    def __init__(self, i, o, k):
        super().__init__()
        self.offset_conv = nn.Conv2d(i, 2 * k * k, k, 1, k // 2)
        self.modulator_conv = nn.Conv2d(i, k * k, k, 1, k // 2)
        self.regular_conv = nn.Conv2d(i, o, k, 1, k // 2, bias=False)
        nn.init.normal_(self.offset_conv.weight, std=0.01)
        self.k = k

    def forward(self, x):
        off = self.offset_conv(x)
        mod = 2.0 * torch.sigmoid(self.modulator_conv(x))
        return deform_conv2d(x, off, mod, self.regular_conv.weight, None, self.k, self.k // 2)


class ASPPDeformable(nn.Module):
    def __init__(self, i, o, inter=32, sizes=(1, 3, 7)):
        super().__init__()
        self.aspp1 = nn.Sequential(DeformableConv2d(i, inter, 1), nn.BatchNorm2d(inter), nn.ReLU())
        self.deforms = nn.ModuleList([nn.Sequential(DeformableConv2d(i, inter, k), nn.BatchNorm2d(inter), nn.ReLU()) for k in sizes])
        self.gap = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(i, inter, 1, bias=False), nn.BatchNorm2d(inter), nn.ReLU())
        self.out = cbr(inter * (len(sizes) + 2), o, 1)

    def forward(self, x):
        g = F.interpolate(self.gap(x), size=x.shape[2:], mode='bilinear', align_corners=True)
        return self.out(torch.cat([self.aspp1(x)] + [d(x) for d in self.deforms] + [g], 1))


class DecBlk(nn.Module):
    """BasicDecBlk: conv_in, ReLU, ASPPDeformable, conv_out + BN."""

    def __init__(self, i, o, inter=64):
        super().__init__()
        self.conv_in = cbr(i, inter)
        self.att = ASPPDeformable(inter, inter)
        self.conv_out = nn.Sequential(nn.Conv2d(inter, o, 3, 1, 1), nn.BatchNorm2d(o))

    def forward(self, x):
        return self.conv_out(self.att(self.conv_in(x)))


def image2patches(x, ref):
    """einops 'b c (hg h) (wg w) -> b (c hg wg) h w' with the grid of ref's size."""
    b, c, H, W = x.shape
    hg, wg = ref.shape[-2:]
    h, w = H // hg, W // wg
    return x.view(b, c, hg, h, wg, w).permute(0, 1, 2, 4, 3, 5).reshape(b, c * hg * wg, h, w)


class BiRefNet(nn.Module):
    """BiRefNet_lite (swin_v1_t; 1024 → 256): mul_scl_ipt 'cat' (the backbone on x and x/2, features concatenated),
    cxt 3 (x1-x3 resized onto x4), squeeze_module (a BasicDecBlk), decoder with dec_ipt (image patches by the level's
    grid resized to it, SimpleConvs), BasicDecBlk per level, lateral 1×1s, bilinear align_corners ups, 1-channel out."""

    def __init__(self, size=256):
        super().__init__()
        self.bb = torchvision.models.swin_t().features
        patches = 3 * (size // 32) ** 2  # the image cut by x4's grid: 3 · (size / 32)² channels
        ch = [192, 384, 768, 1536]
        c4 = ch[3] + ch[0] + ch[1] + ch[2]
        self.squeeze = DecBlk(c4, c4 // 8)
        self.ipt = nn.ModuleList([nn.Sequential(nn.Conv2d(patches, 16, 3, 1, 1), nn.Conv2d(16, 16, 3, 1, 1)) for _ in range(4)])
        self.dec4, self.dec3 = DecBlk(c4 // 8 + 16, 96), DecBlk(96 + 16, 64)
        self.dec2, self.dec1 = DecBlk(64 + 16, 48), DecBlk(48 + 16, 32)
        self.lat4, self.lat3, self.lat2 = nn.Conv2d(ch[2], 96, 1), nn.Conv2d(ch[1], 64, 1), nn.Conv2d(ch[0], 48, 1)
        self.ipt1 = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1), nn.Conv2d(16, 16, 3, 1, 1))
        self.conv_out = nn.Conv2d(32 + 16, 1, 1)

    def feats(self, x):
        out = []
        for i, layer in enumerate(self.bb):
            x = layer(x)
            if i in (1, 3, 5, 7):
                out.append(x.permute(0, 3, 1, 2))
        return out

    def forward(self, x):
        fs = self.feats(x)
        hs = self.feats(F.interpolate(x, scale_factor=0.5, mode='bilinear', align_corners=True))
        fs = [torch.cat([f, F.interpolate(g, size=f.shape[2:], mode='bilinear', align_corners=True)], 1) for f, g in zip(fs, hs)]
        x1, x2, x3, x4 = fs
        x4 = torch.cat([F.interpolate(t, size=x4.shape[2:], mode='bilinear', align_corners=True) for t in (x1, x2, x3)] + [x4], 1)
        x4 = self.squeeze(x4)

        def ipt(blk, ref):
            p = image2patches(x, x4)
            return blk(F.interpolate(p, size=ref.shape[2:], mode='bilinear', align_corners=True))
        p4 = self.dec4(torch.cat([x4, ipt(self.ipt[0], x4)], 1))
        p3 = F.interpolate(p4, size=x3.shape[2:], mode='bilinear', align_corners=True) + self.lat4(x3)
        p3 = self.dec3(torch.cat([p3, ipt(self.ipt[1], x3)], 1))
        p2 = F.interpolate(p3, size=x2.shape[2:], mode='bilinear', align_corners=True) + self.lat3(x2)
        p2 = self.dec2(torch.cat([p2, ipt(self.ipt[2], x2)], 1))
        p1 = F.interpolate(p2, size=x1.shape[2:], mode='bilinear', align_corners=True) + self.lat2(x1)
        p1 = self.dec1(torch.cat([p1, ipt(self.ipt[3], x1)], 1))
        p1 = F.interpolate(p1, size=x.shape[2:], mode='bilinear', align_corners=True)
        return self.conv_out(torch.cat([p1, self.ipt1(x)], 1))



class BiRefNetConvPyramid(BiRefNet):
    """BiRefNet_lite's decoder as above (squeeze block, four decoder blocks with their deformable ASPPs, lateral and
    image-patch inputs) on a four-stage strided-conv pyramid of swin_t's widths in place of swin_t, whose torch 1.13
    export at 128² had not finished after 32 minutes: the decoder's layout moves, in a file that converts in minutes."""

    def __init__(self, size=128):
        super().__init__(size)
        del self.bb
        ch = [96, 192, 384, 768]  # swin_t's stages (the image and its half concatenated: the widths above)
        self.pyr = nn.ModuleList([nn.Conv2d(3, ch[0], 4, 4), nn.Conv2d(ch[0], ch[1], 2, 2), nn.Conv2d(ch[1], ch[2], 2, 2), nn.Conv2d(ch[2], ch[3], 2, 2)])

    def feats(self, x):
        out = []
        for conv in self.pyr:
            x = F.relu(conv(x))
            out.append(x)
        return out

# --- Lift-Splat-Shoot ---

def inv3(m):
    """3×3 inverses by the adjugate (torch 1.13 has no export of torch.inverse)."""
    a, b, c = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    d, e, f = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    g, h, i = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    A, B, C = e * i - f * h, -(d * i - f * g), d * h - e * g
    det = a * A + b * B + c * C
    adj = torch.stack([A, -(b * i - c * h), b * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * h - b * g), a * e - b * d], -1)
    return (adj / det.unsqueeze(-1)).view(m.shape)


class LSS(nn.Module):
    """LiftSplatShoot (nuScenes setup scaled down: 2 cameras of 64×176, depth 4-44 m by 4, 32 features, a 64×64 BEV
    of 0.8 m): CamEncode (CNN trunk, D + C channels, softmax depth × features), get_geometry (frustum − post_trans,
    inverse post_rots, × depth, rots · intrins⁻¹, + trans), voxel_pooling (kept points inside the grid, ranks,
    argsort, QuickCumsum's cumsum and run ends, scatter into the BEV grid, z collapsed), BevEncode (convs, ×2 up)."""

    def __init__(self, n=2, h=64, w=176, d=(4.0, 44.0, 4.0), c=32, xb=(-25.6, 25.6, 0.8), zb=(-10.0, 10.0, 20.0)):
        super().__init__()
        fh, fw = h // 16, w // 16
        ds = torch.arange(*d).view(-1, 1, 1).expand(-1, fh, fw)
        D = ds.shape[0]
        xs = torch.linspace(0, w - 1, fw).view(1, 1, fw).expand(D, fh, fw)
        ys = torch.linspace(0, h - 1, fh).view(1, fh, 1).expand(D, fh, fw)
        self.register_buffer('frustum', torch.stack((xs, ys, ds), -1))
        self.trunk = nn.Sequential(cbr(3, 32, 3, 2), cbr(32, 64, 3, 2), cbr(64, 64, 3, 2), cbr(64, 128, 3, 2), cbr(128, 128))
        self.depthnet = nn.Conv2d(128, D + c, 1)
        self.bev = nn.Sequential(cbr(c, 64, 3, 2), cbr(64, 64), nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True),
                                 cbr(64, 32), nn.Conv2d(32, 1, 1))
        self.register_buffer('dx', torch.tensor([xb[2], xb[2], zb[2]]))
        self.register_buffer('bx', torch.tensor([xb[0] + xb[2] / 2, xb[0] + xb[2] / 2, zb[0] + zb[2] / 2]))
        self.nx = [int(round((xb[1] - xb[0]) / xb[2]))] * 2 + [int(round((zb[1] - zb[0]) / zb[2]))]
        self.n, self.D, self.c = n, D, c

    def forward(self, imgs, rots, trans, intrins, post_rots, post_trans):
        B, N = imgs.shape[:2]
        pts = self.frustum - post_trans.view(B, N, 1, 1, 1, 3)
        pts = inv3(post_rots).view(B, N, 1, 1, 1, 3, 3).matmul(pts.unsqueeze(-1))
        pts = torch.cat((pts[:, :, :, :, :, :2] * pts[:, :, :, :, :, 2:3], pts[:, :, :, :, :, 2:3]), 5)
        combine = rots.matmul(inv3(intrins))
        geom = combine.view(B, N, 1, 1, 1, 3, 3).matmul(pts).squeeze(-1) + trans.view(B, N, 1, 1, 1, 3)
        x = self.depthnet(self.trunk(imgs.view(B * N, *imgs.shape[2:])))
        depth = x[:, :self.D].softmax(dim=1)
        x = depth.unsqueeze(1) * x[:, self.D:self.D + self.c].unsqueeze(2)
        x = x.view(B, N, self.c, self.D, *x.shape[3:]).permute(0, 1, 3, 4, 5, 2)
        nprime = B * N * self.D * x.shape[3] * x.shape[4]
        x = x.reshape(nprime, self.c)
        g = ((geom - (self.bx - self.dx / 2.0)) / self.dx).long().view(nprime, 3)
        g = torch.cat((g, torch.zeros(nprime, 1, dtype=torch.long)), 1)
        kept = (g[:, 0] >= 0) & (g[:, 0] < self.nx[0]) & (g[:, 1] >= 0) & (g[:, 1] < self.nx[1]) & (g[:, 2] >= 0) & (g[:, 2] < self.nx[2])
        x, g = x[kept], g[kept]
        ranks = g[:, 0] * (self.nx[1] * self.nx[2] * B) + g[:, 1] * (self.nx[2] * B) + g[:, 2] * B + g[:, 3]
        sorts = ranks.argsort()
        x, g, ranks = x[sorts], g[sorts], ranks[sorts]
        x = x.cumsum(0)
        last = torch.cat((ranks[1:] != ranks[:-1], torch.ones(1, dtype=torch.bool)))
        x, g = x[last], g[last]
        x = torch.cat((x[:1], x[1:] - x[:-1]))
        # `final[g[:, 3], :, g[:, 2], g[:, 0], g[:, 1]] = x` has no torch 1.13 export (index_put of non-consecutive
        # index tensors): exportable forks scatter the rows into a flat [B·Z·X·Y, C] canvas by one index.
        flat = ((g[:, 3] * self.nx[2] + g[:, 2]) * self.nx[0] + g[:, 0]) * self.nx[1] + g[:, 1]
        canvas = torch.zeros((B * self.nx[2] * self.nx[0] * self.nx[1], self.c))
        canvas[flat] = x
        final = canvas.view(B, self.nx[2], self.nx[0], self.nx[1], self.c).permute(0, 1, 4, 2, 3)
        final = torch.cat(final.unbind(dim=1), 1)
        return self.bev(final)


# --- SparseInst ---

class SparseInst(nn.Module):
    """SparseInst-R50-GIoU (R-50 → small ResNet-ish at 320): InstanceContextEncoder (FPN with PPM on C5, fused at
    1/8), coordinates concatenated, inst / mask branches (4 / 4 convs), IAM (sigmoid 3×3 conv, normalized by its
    sum), instance features by bmm, cls / score / kernel heads, masks = kernels ⊗ mask features (bmm), sigmoid,
    scores √(cls · objectness), masks bilinear ×4 to the input (no NMS)."""

    def __init__(self, d=64, n=50, classes=80, kd=64):
        super().__init__()
        from sweep13_vis_det import ResNetish
        self.backbone = ResNetish()
        ch = self.backbone.chans[1:]
        self.lat = nn.ModuleList([nn.Conv2d(c, d, 1) for c in ch])
        self.ppm = nn.ModuleList([nn.Sequential(nn.AdaptiveAvgPool2d(s), nn.Conv2d(d, d // 4, 1), nn.ReLU()) for s in (1, 2, 3, 6)])
        self.ppm_out = nn.Sequential(nn.Conv2d(2 * d, d, 1), nn.ReLU())
        self.fuse = nn.Conv2d(3 * d, d, 1)
        self.inst = nn.Sequential(*[m for j in range(4) for m in (nn.Conv2d(d + 2 if j == 0 else d, d, 3, 1, 1), nn.ReLU())])
        self.mask = nn.Sequential(*[m for j in range(4) for m in (nn.Conv2d(d + 2 if j == 0 else d, d, 3, 1, 1), nn.ReLU())])
        self.iam = nn.Conv2d(d, n, 3, 1, 1)
        self.cls, self.obj, self.kern = nn.Linear(d, classes), nn.Linear(d, 1), nn.Linear(d, kd)
        self.proj = nn.Conv2d(d, kd, 1)
        self.n = n

    def forward(self, x):
        c3, c4, c5 = self.backbone(x)[1:]
        p5 = self.lat[2](c5)
        h5, w5 = p5.shape[2:]
        p5 = self.ppm_out(torch.cat([p5] + [F.interpolate(p(p5), size=(h5, w5), mode='bilinear', align_corners=False) for p in self.ppm], 1))
        p4 = self.lat[1](c4) + F.interpolate(p5, scale_factor=2.0, mode='nearest')
        p3 = self.lat[0](c3) + F.interpolate(p4, scale_factor=2.0, mode='nearest')
        f = self.fuse(torch.cat([p3, F.interpolate(p4, scale_factor=2.0, mode='bilinear', align_corners=False),
                                 F.interpolate(p5, scale_factor=4.0, mode='bilinear', align_corners=False)], 1))
        h, w = f.shape[2:]
        ys = torch.linspace(-1, 1, h).view(1, 1, h, 1).expand(1, 1, h, w)
        xs = torch.linspace(-1, 1, w).view(1, 1, 1, w).expand(1, 1, h, w)
        f = torch.cat([f, xs, ys], 1)
        inst, mask = self.inst(f), self.mask(f)
        iam = self.iam(inst).sigmoid().flatten(2)
        norm = iam.sum(-1).clamp(min=1e-6)
        feats = torch.bmm(iam, inst.flatten(2).permute(0, 2, 1)) / norm[:, :, None]
        logits, obj, k = self.cls(feats), self.obj(feats), self.kern(feats)
        masks = torch.bmm(k, self.proj(mask).flatten(2)).view(1, self.n, h, w)
        masks = F.interpolate(masks, scale_factor=4.0, mode='bilinear', align_corners=False).sigmoid()
        scores = torch.sqrt(logits.sigmoid() * obj.sigmoid())
        return masks, scores


# --- SFNet flow alignment ---

class FAM(nn.Module):
    """AlignedModule: flow from the concatenated low / upsampled high maps, the high map warped by grid_sample."""

    def __init__(self, i, o):
        super().__init__()
        self.down_h, self.down_l = nn.Conv2d(i, o, 1, bias=False), nn.Conv2d(i, o, 1, bias=False)
        self.flow = nn.Conv2d(2 * o, 2, 3, 1, 1, bias=False)

    def forward(self, low, high):
        h, w = low.shape[2:]
        hf = F.interpolate(self.down_h(high), size=(h, w), mode='bilinear', align_corners=True)
        flow = self.flow(torch.cat([hf, self.down_l(low)], 1))
        norm = torch.tensor([[[[w, h]]]], dtype=torch.float32)
        gy = torch.linspace(-1.0, 1.0, h).view(-1, 1).repeat(1, w)
        gx = torch.linspace(-1.0, 1.0, w).repeat(h, 1)
        grid = torch.cat((gx.unsqueeze(2), gy.unsqueeze(2)), 2).unsqueeze(0)
        grid = grid + flow.permute(0, 2, 3, 1) / norm
        return F.grid_sample(high, grid, align_corners=True)


class SFNetLite(nn.Module):
    """SFNet-lite (ResNet-18 → small ResNet-ish, 1024×2048 → 512×1024): PPM head on C5, FPN with a FAM per level,
    the levels aligned onto 1/4 and concatenated, classifier, bilinear ×4."""

    def __init__(self, d=64, classes=19):
        super().__init__()
        from sweep13_vis_det import ResNetish
        self.backbone = ResNetish()
        ch = self.backbone.chans
        self.ppm = nn.ModuleList([nn.Sequential(nn.AdaptiveAvgPool2d(s), nn.Conv2d(ch[3], d, 1), nn.ReLU()) for s in (1, 2, 3, 6)])
        self.ppm_out = cbr(ch[3] + 4 * d, d)
        self.lat = nn.ModuleList([cbr(c, d, 1) for c in ch[:3]])
        self.fam = nn.ModuleList([FAM(d, d // 2) for _ in range(3)])
        self.fpn_out = nn.ModuleList([cbr(d, d) for _ in range(3)])
        self.cls = nn.Sequential(cbr(4 * d, d), nn.Conv2d(d, classes, 1))

    def forward(self, x):
        c = self.backbone(x)
        h5, w5 = c[3].shape[2:]
        f = self.ppm_out(torch.cat([c[3]] + [F.interpolate(p(c[3]), size=(h5, w5), mode='bilinear', align_corners=True) for p in self.ppm], 1))
        outs = [f]
        for i in (2, 1, 0):
            lat = self.lat[i](c[i])
            f = lat + self.fam[i](lat, f)
            outs.insert(0, self.fpn_out[i](f))
        size = outs[0].shape[2:]
        fused = torch.cat([outs[0]] + [F.interpolate(o, size=size, mode='bilinear', align_corners=True) for o in outs[1:]], 1)
        return F.interpolate(self.cls(fused), scale_factor=4.0, mode='bilinear', align_corners=True)


# --- StarNet ---

class StarBlock(nn.Module):
    def __init__(self, d, r=3):
        super().__init__()
        self.dw = nn.Sequential(nn.Conv2d(d, d, 7, 1, 3, groups=d, bias=False), nn.BatchNorm2d(d))
        self.f1, self.f2 = nn.Conv2d(d, r * d, 1), nn.Conv2d(d, r * d, 1)
        self.g = nn.Sequential(nn.Conv2d(r * d, d, 1, bias=False), nn.BatchNorm2d(d))
        self.dw2 = nn.Conv2d(d, d, 7, 1, 3, groups=d)

    def forward(self, x):
        y = self.dw(x)
        y = F.relu6(self.f1(y)) * self.f2(y)
        return x + self.dw2(self.g(y))


class StarNet(nn.Module):
    """StarNet-S1 (base 24, depths 2 / 2 / 8 / 3, mlp ratio 4): ReLU6 stem, strided 3×3 + BN downsampling, star blocks
    (depthwise 7×7, two 1×1 branches multiplied, 1×1 back, depthwise 7×7), BN, global pool, head."""

    def __init__(self, base=24, depths=(2, 2, 8, 3), classes=1000):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6())
        layers, c = [], 32
        for i, n in enumerate(depths):
            o = base * 2 ** i
            layers += [nn.Sequential(nn.Conv2d(c, o, 3, 2, 1, bias=False), nn.BatchNorm2d(o))] + [StarBlock(o, 4) for _ in range(n)]
            c = o
        self.stages = nn.Sequential(*layers)
        self.norm, self.head = nn.BatchNorm2d(c), nn.Linear(c, classes)

    def forward(self, x):
        x = self.norm(self.stages(self.stem(x)))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
