"""Fourteenth sweep, stereo / optical flow / depth / salient objects (docs/model-sweep.md): HITNet (tile
hypotheses, warping by gathers, slanted-plane propagation), CREStereo (LoFTR linear attention, adaptive group
correlation with learned offsets by grid_sample, cascaded GRU), GMFlow (split-window self / cross attention, global
correlation softmax, flow propagation), Depth Pro (multi-resolution patch encoder: overlapping patches of three
scales through one ViT, merged back, fused with a global ViT), InSPyReNet (pyramid of saliency maps reconstructed
Laplacian-style) in plain torch.nn with the projects' math (small widths, random weights)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1, d=1, act=True):
    layers = [nn.Conv2d(i, o, k, s, d * (k // 2), dilation=d, bias=False), nn.BatchNorm2d(o)]
    return nn.Sequential(*layers, nn.LeakyReLU(0.2)) if act else nn.Sequential(*layers)


# --- HITNet ---

class HITNet(nn.Module):
    """HITNet_XL-ish at 1/4 and 1/8: U-Net features; initialization by tile matching (4×4 tiles of the left features
    against the right ones shifted over D disparities, L1 cost, argmin + cost + descriptor); propagation per level
    (the right features warped by the tile's slanted plane d + dx·u + dy·v with linear interpolation by gathers,
    the local cost of ±1 disparity, residual update of the hypotheses), upsampling of the plane to the next level."""

    def __init__(self, D=16):
        super().__init__()
        self.D = D
        self.f1 = nn.Sequential(cbr(3, 16, s=2), cbr(16, 16))  # 1/2
        self.f2 = nn.Sequential(cbr(16, 24, s=2), cbr(24, 24))  # 1/4
        self.f3 = nn.Sequential(cbr(24, 32, s=2), cbr(32, 32))  # 1/8
        self.up3 = cbr(32 + 24, 24)
        self.tile = nn.Conv2d(24, 16, 4, 4)  # tile features at 1/4 → 1/16 tiles
        self.tile8 = nn.Conv2d(32, 16, 4, 4)
        self.desc = nn.Sequential(nn.Conv2d(16 + 1, 13, 1), nn.LeakyReLU(0.2))
        self.prop16 = nn.Sequential(cbr(3 * 3 + 13 + 3, 32), cbr(32, 32, d=2), nn.Conv2d(32, 3 + 13, 3, 1, 1))
        self.prop4 = nn.Sequential(cbr(3 * 3 + 13 + 3 + 24, 32), cbr(32, 32, d=2), nn.Conv2d(32, 3 + 13, 3, 1, 1))

    def feats(self, x):
        a = self.f1(x)
        b = self.f2(a)
        c = self.f3(b)
        b = self.up3(torch.cat([F.interpolate(c, scale_factor=2.0, mode='bilinear', align_corners=False), b], 1))
        return b, c

    def init(self, fl, fr, tile):
        tl, tr = tile(fl), tile(fr)
        costs = []
        for d in range(self.D):
            shifted = F.pad(tr[:, :, :, :tr.shape[3] - d], (d, 0, 0, 0)) if d else tr
            costs.append((tl - shifted).abs().sum(1, keepdim=True))
        cost = torch.cat(costs, 1)
        cmin, d = cost.min(1, keepdim=True)
        return d.float(), cmin, self.desc(torch.cat([tl, cmin], 1))

    @staticmethod
    def warp(fr, disp):
        """Right features sampled at x − disp along each row, linear between the two nearest columns (gathers)."""
        b, c, h, w = fr.shape
        xs = torch.arange(w, dtype=torch.float32).view(1, 1, 1, w) - disp
        xs = xs.clamp(0, w - 1)
        x0 = xs.floor()
        a = xs - x0
        x1 = (x0 + 1).clamp(max=w - 1)
        i0 = x0.long().expand(b, c, h, w)
        i1 = x1.long().expand(b, c, h, w)
        return fr.gather(3, i0) * (1 - a) + fr.gather(3, i1) * a

    def propagate(self, net, fl, fr, d, dx, dy, desc, extra=None):
        b, _, h, w = fl.shape
        # the tile's plane expanded to pixels: d + dx·(u − 1.5) + dy·(v − 1.5) inside each 4×4 tile
        t = F.interpolate(torch.cat([d, dx, dy], 1), size=(h, w), mode='nearest')
        u = (torch.arange(w, dtype=torch.float32) % 4 - 1.5).view(1, 1, 1, w)
        v = (torch.arange(h, dtype=torch.float32) % 4 - 1.5).view(1, 1, h, 1)
        plane = t[:, :1] + t[:, 1:2] * u + t[:, 2:3] * v
        costs = []
        for o in (-1.0, 0.0, 1.0):
            costs.append((fl - self.warp(fr, plane + o)).abs().mean(1, keepdim=True))
        cost = F.avg_pool2d(torch.cat(costs, 1), 4)  # per tile
        cost = torch.cat([cost, cost.min(1, keepdim=True)[0].expand_as(cost), cost.softmax(1)], 1)
        ins = [cost, desc, d, dx, dy] + ([extra] if extra is not None else [])
        r = net(torch.cat(ins, 1))
        return d + r[:, :1], dx + r[:, 1:2], dy + r[:, 2:3], desc + r[:, 3:]

    def forward(self, left, right):
        fl4, fl8 = self.feats(left)
        fr4, fr8 = self.feats(right)
        d, _, desc = self.init(fl4, fr4, self.tile)  # tiles of the 1/4 map: 1/16
        dx, dy = torch.zeros_like(d), torch.zeros_like(d)
        d, dx, dy, desc = self.propagate(self.prop16, fl4, fr4, d * 4, dx, dy, desc)
        # 1/16 plane up to 1/4 tiles' resolution, then propagated again with the left features pooled
        d2, dx2, dy2, desc2 = (F.interpolate(t, scale_factor=4.0, mode='nearest') for t in (d, dx, dy, desc))
        fl1 = F.interpolate(fl4, scale_factor=4.0, mode='bilinear', align_corners=False)
        fr1 = F.interpolate(fr4, scale_factor=4.0, mode='bilinear', align_corners=False)
        d2, dx2, dy2, _ = self.propagate(self.prop4, fl1, fr1, d2 * 4, dx2, dy2, desc2, F.avg_pool2d(fl1, 4))
        out = F.interpolate(d2, scale_factor=4.0, mode='nearest')
        h, w = out.shape[2:]
        u = (torch.arange(w, dtype=torch.float32) % 4 - 1.5).view(1, 1, 1, w)
        v = (torch.arange(h, dtype=torch.float32) % 4 - 1.5).view(1, 1, h, 1)
        return out + F.interpolate(dx2, scale_factor=4.0, mode='nearest') * u + F.interpolate(dy2, scale_factor=4.0, mode='nearest') * v


# --- CREStereo ---

def elu1(x):
    return F.elu(x) + 1


class LinearAttention(nn.Module):
    """LoFTR's linear attention (elu + 1 feature map), 4 heads, as CREStereo's LocalFeatureTransformer uses it."""

    def __init__(self, c, heads=4):
        super().__init__()
        self.h = heads
        self.q, self.k, self.v, self.merge = (nn.Linear(c, c, bias=False) for _ in range(4))
        self.mlp = nn.Sequential(nn.Linear(2 * c, 2 * c, bias=False), nn.ReLU(), nn.Linear(2 * c, c, bias=False))
        self.n1, self.n2 = nn.LayerNorm(c), nn.LayerNorm(c)

    def forward(self, x, src):
        b, n, c = x.shape
        d = c // self.h
        q = elu1(self.q(x).view(b, n, self.h, d))
        k = elu1(self.k(src).view(b, -1, self.h, d))
        v = self.v(src).view(b, -1, self.h, d) / src.shape[1]
        kv = torch.einsum('nshd,nshv->nhdv', k, v)
        z = 1 / (torch.einsum('nlhd,nhd->nlh', q, k.sum(1)) + 1e-6)
        msg = torch.einsum('nlhd,nhdv,nlh->nlhv', q, kv, z) * src.shape[1]
        msg = self.n1(self.merge(msg.reshape(b, n, c)))
        return x + self.n2(self.mlp(torch.cat([x, msg], 2)))


class AGCL(nn.Module):
    """Adaptive group correlation: the right map sampled at flow + search offsets (+ learned offsets) by grid_sample,
    correlated with the left one in 4 groups; 1×9 search for the 1-D pass, 3×3 with offsets for the 2-D pass."""

    def __init__(self, c, groups=4):
        super().__init__()
        self.g = groups
        self.offset = nn.Conv2d(c, 2 * 9, 3, 1, 1)

    def sample(self, fr, coords):
        b, _, h, w = fr.shape
        gx = coords[:, 0] / (w - 1) * 2 - 1
        gy = coords[:, 1] / (h - 1) * 2 - 1
        return F.grid_sample(fr, torch.stack([gx, gy], -1), mode='bilinear', padding_mode='zeros', align_corners=True)

    def forward(self, fl, fr, flow, two_d):
        b, c, h, w = fl.shape
        ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing='ij')
        base = torch.stack([xs, ys], 0)[None] + flow
        if two_d:
            offs = [(dx, dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
            learned = self.offset(fl).view(b, 9, 2, h, w)
        else:
            offs = [(dx, 0) for dx in range(-4, 5)]
            learned = None
        corrs = []
        flg = fl.view(b, self.g, c // self.g, h, w)
        for i, (dx, dy) in enumerate(offs):
            pos = base + torch.tensor([dx, dy], dtype=torch.float32).view(1, 2, 1, 1)
            if learned is not None:
                pos = pos + learned[:, i]
            s = self.sample(fr, pos).view(b, self.g, c // self.g, h, w)
            corrs.append((flg * s).mean(2))
        return torch.cat(corrs, 1)


class CREStereo(nn.Module):
    """CREStereo at one level (1/4) plus its 1/8 start: features, self / cross linear attention at 1/8 with sine
    positions, AGCL 1-D / 2-D alternating over 4 GRU iterations, convex ×4 upsampling; flow's x is −disparity."""

    def __init__(self, c=64):
        super().__init__()
        self.fnet = nn.Sequential(cbr(3, 32, 7, 2), cbr(32, 48, s=2), cbr(48, c))
        self.cnet = nn.Sequential(cbr(3, 32, 7, 2), cbr(32, 48, s=2), cbr(48, 2 * c))
        self.down = nn.AvgPool2d(2)
        self.self_att, self.cross_att = LinearAttention(c), LinearAttention(c)
        self.corr = AGCL(c)
        self.gru = nn.ModuleList(nn.Conv2d(c + 36 + 2 + c, c, 3, 1, 1) for _ in range(3))
        self.flow_head = nn.Sequential(nn.Conv2d(c, 64, 3, 1, 1), nn.ReLU(), nn.Conv2d(64, 2, 3, 1, 1))
        self.mask = nn.Sequential(nn.Conv2d(c, 64, 3, 1, 1), nn.ReLU(), nn.Conv2d(64, 16 * 9, 1))
        self.c = c

    def pos(self, h, w):
        ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing='ij')
        div = torch.exp(torch.arange(0, self.c // 2, 2, dtype=torch.float32) * (-math.log(10000.0) / (self.c // 2)))
        pe = [torch.sin(xs[None] * div[:, None, None]), torch.cos(xs[None] * div[:, None, None]),
              torch.sin(ys[None] * div[:, None, None]), torch.cos(ys[None] * div[:, None, None])]
        return torch.cat(pe, 0)[None]

    def forward(self, left, right):
        fl, fr = self.fnet(left), self.fnet(right)
        net, inp = torch.split(self.cnet(left), [self.c, self.c], 1)
        net, inp = torch.tanh(net), F.relu(inp)
        # attention at 1/8, upsampled back onto the 1/4 maps
        l8, r8 = self.down(fl), self.down(fr)
        b, c, h, w = l8.shape
        p = self.pos(h, w)
        lt = (l8 + p).flatten(2).transpose(1, 2)
        rt = (r8 + p).flatten(2).transpose(1, 2)
        lt, rt = self.self_att(lt, lt), self.self_att(rt, rt)
        lt, rt = self.cross_att(lt, rt), self.cross_att(rt, lt)
        fl = fl + F.interpolate(lt.transpose(1, 2).reshape(b, c, h, w), scale_factor=2.0, mode='bilinear', align_corners=True)
        fr = fr + F.interpolate(rt.transpose(1, 2).reshape(b, c, h, w), scale_factor=2.0, mode='bilinear', align_corners=True)
        flow = torch.zeros(b, 2, *fl.shape[2:])
        for it in range(4):
            corr = self.corr(fl, fr, flow, two_d=it % 2 == 1)
            x = torch.cat([net, corr, flow, inp], 1)
            z = torch.sigmoid(self.gru[0](x))
            r = torch.sigmoid(self.gru[1](x))
            q = torch.tanh(self.gru[2](torch.cat([r * net, corr, flow, inp], 1)))
            net = (1 - z) * net + z * q
            flow = flow + self.flow_head(net)
        mask = self.mask(net).view(b, 1, 9, 4, 4, *fl.shape[2:]).softmax(2)
        up = F.unfold(4 * flow, 3, padding=1).view(b, 2, 9, 1, 1, *fl.shape[2:])
        up = (mask * up).sum(2).permute(0, 1, 4, 2, 5, 3)
        return up.reshape(b, 2, 4 * fl.shape[2], 4 * fl.shape[3])


# --- GMFlow ---

def split_windows(x, s):
    """[B, H, W, C] → [B·s², H/s, W/s, C] (GMFlow's split_feature)."""
    b, h, w, c = x.shape
    x = x.view(b, s, h // s, s, w // s, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b * s * s, h // s, w // s, c)


def merge_windows(x, s):
    bs, h, w, c = x.shape
    b = bs // (s * s)
    x = x.view(b, s, s, h, w, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, s * h, s * w, c)


class GMBlock(nn.Module):
    """TransformerBlock: self-attention then cross-attention, each single-head softmax attention in 2×2 split windows
    (the second block of each pair shifted by half a window with GMFlow's attention mask), FFN with GELU."""

    def __init__(self, c):
        super().__init__()
        self.q, self.k, self.v, self.merge = (nn.Linear(c, c, bias=False) for _ in range(4))
        self.n1 = nn.LayerNorm(c)
        self.mlp = nn.Sequential(nn.Linear(2 * c, 4 * c, bias=False), nn.GELU(), nn.Linear(4 * c, c, bias=False))
        self.n2 = nn.LayerNorm(c)

    def attend(self, x, src, h, w, s, shift):
        b, n, c = x.shape
        q, k, v = self.q(x).view(b, h, w, c), self.k(src).view(b, h, w, c), self.v(src).view(b, h, w, c)
        wh, ww = h // s, w // s
        mask = None
        if shift:
            q, k, v = (torch.roll(t, shifts=(-(wh // 2), -(ww // 2)), dims=(1, 2)) for t in (q, k, v))
            img = torch.zeros(1, h, w, 1)
            cnt = 0
            for hs in (slice(0, -wh), slice(-wh, -(wh // 2)), slice(-(wh // 2), None)):
                for ws in (slice(0, -ww), slice(-ww, -(ww // 2)), slice(-(ww // 2), None)):
                    img[:, hs, ws, :] = cnt
                    cnt += 1
            mw = split_windows(img, s).view(-1, wh * ww)
            mask = (mw[:, None] - mw[:, :, None]) != 0
            mask = torch.zeros(mask.shape).masked_fill(mask, -100.0).repeat(b, 1, 1)
        qs, ks, vs = (split_windows(t, s).view(b * s * s, wh * ww, c) for t in (q, k, v))
        sc = qs @ ks.transpose(1, 2) / c ** 0.5
        if mask is not None:
            sc = sc + mask
        out = (sc.softmax(-1) @ vs).view(b * s * s, wh, ww, c)
        out = merge_windows(out, s)
        if shift:
            out = torch.roll(out, shifts=(wh // 2, ww // 2), dims=(1, 2))
        return self.n1(self.merge(out.reshape(b, n, c)))

    def forward(self, x, src, h, w, shift):
        msg = self.attend(x, src, h, w, 2, shift)
        return x + self.n2(self.mlp(torch.cat([x, msg], -1)))


class GMFlow(nn.Module):
    """GMFlow (1 scale, 1/8): CNN encoder, 4 transformer layers (self + cross blocks, alternating shifted windows),
    global correlation softmax (flow = softmax(corr) · grid − grid), flow propagation by self-attention over the
    feature (softmax over all positions), convex ×8 upsampling."""

    def __init__(self, c=64, layers=2):
        super().__init__()
        self.enc = nn.Sequential(cbr(3, 32, 7, 2), cbr(32, 48, s=2), cbr(48, c, s=2), cbr(c, c))
        self.selfb = nn.ModuleList(GMBlock(c) for _ in range(layers))
        self.crossb = nn.ModuleList(GMBlock(c) for _ in range(layers))
        self.pq, self.pk = nn.Linear(c, c), nn.Linear(c, c)
        self.up = nn.Sequential(nn.Conv2d(2 + c, 128, 3, 1, 1), nn.ReLU(), nn.Conv2d(128, 8 * 8 * 9, 1))
        self.c = c

    def forward(self, img0, img1):
        x = torch.cat([img0, img1], 0)
        f = self.enc((x - 0.45) / 0.225)
        b2, c, h, w = f.shape
        # sine positions (PositionEmbeddingSine, normalize)
        ys = (torch.arange(1, h + 1, dtype=torch.float32) / h * 2 * math.pi).view(h, 1).expand(h, w)
        xs = (torch.arange(1, w + 1, dtype=torch.float32) / w * 2 * math.pi).view(1, w).expand(h, w)
        dim_t = 10000 ** (2 * (torch.arange(c // 2, dtype=torch.float32) // 2) / (c // 2))
        px, py = xs[..., None] / dim_t, ys[..., None] / dim_t
        px = torch.stack([px[..., 0::2].sin(), px[..., 1::2].cos()], 3).flatten(2)
        py = torch.stack([py[..., 0::2].sin(), py[..., 1::2].cos()], 3).flatten(2)
        pos = torch.cat([py, px], 2).permute(2, 0, 1)[None]
        f = f + pos
        f0, f1 = f[:1].flatten(2).transpose(1, 2), f[1:].flatten(2).transpose(1, 2)
        for i, (sb, cb) in enumerate(zip(self.selfb, self.crossb)):
            shift = i % 2 == 1
            f0, f1 = sb(f0, f0, h, w, shift), sb(f1, f1, h, w, shift)
            f0, f1 = cb(f0, f1, h, w, shift), cb(f1, f0, h, w, shift)
        corr = f0 @ f1.transpose(1, 2) / c ** 0.5
        gy, gx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing='ij')
        grid = torch.stack([gx, gy], -1).view(1, h * w, 2)
        flow = corr.softmax(-1) @ grid - grid  # [1, HW, 2]
        # propagation: self-attention of the feature over the flow
        att = (self.pq(f0) @ self.pk(f0).transpose(1, 2) / c ** 0.5).softmax(-1)
        flow = (att @ flow).transpose(1, 2).reshape(1, 2, h, w)
        feat0 = f0.transpose(1, 2).reshape(1, c, h, w)
        mask = self.up(torch.cat([flow, feat0], 1)).view(1, 1, 9, 8, 8, h, w).softmax(2)
        upf = F.unfold(8 * flow, 3, padding=1).view(1, 2, 9, 1, 1, h, w)
        upf = (mask * upf).sum(2).permute(0, 1, 4, 2, 5, 3)
        return upf.reshape(1, 2, 8 * h, 8 * w)


# --- Depth Pro ---

class ViTBlock(nn.Module):
    def __init__(self, c, heads=4):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(c, eps=1e-6), nn.LayerNorm(c, eps=1e-6)
        self.attn = nn.MultiheadAttention(c, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
        self.ls1, self.ls2 = nn.Parameter(0.1 * torch.ones(c)), nn.Parameter(0.1 * torch.ones(c))

    def forward(self, x):
        y = self.n1(x)
        x = x + self.ls1 * self.attn(y, y, y, need_weights=False)[0]
        return x + self.ls2 * self.mlp(self.n2(x))


class TinyViT(nn.Module):
    """DINOv2-style ViT (patch 16, class token, layer scale) returning the patch tokens as a map and one inner layer."""

    def __init__(self, c=96, depth=4, size=64):
        super().__init__()
        self.patch = nn.Conv2d(3, c, 16, 16)
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, c))
        self.pos = nn.Parameter(0.02 * torch.randn(1, 1 + (size // 16) ** 2, c))
        self.blocks = nn.ModuleList(ViTBlock(c) for _ in range(depth))
        self.norm = nn.LayerNorm(c, eps=1e-6)

    def forward(self, x):
        t = self.patch(x)
        b, c, h, w = t.shape
        t = torch.cat([self.cls.expand(b, -1, -1), t.flatten(2).transpose(1, 2)], 1) + self.pos
        inner = None
        for i, blk in enumerate(self.blocks):
            t = blk(t)
            if i == 1:
                inner = t
        as_map = lambda z: z[:, 1:].transpose(1, 2).reshape(b, c, h, w)  # noqa: E731
        return as_map(self.norm(t)), as_map(inner)


class DepthPro(nn.Module):
    """Depth Pro's DepthProEncoder at 1/6 of its sizes (384 → 64 patches): the image at 1×, ½×, ¼× (bilinear), the
    two larger ones cut into overlapping 64² patches (25 % overlap: 5×5 and 3×3), all patches batched through one
    patch ViT, each pyramid level merged back by dropping the overlaps (`merge`), a global image ViT on the ¼× image,
    upsampling ConvTranspose blocks, a DPT-like fusion decoder and the canonical inverse-depth head; fov head out."""

    def __init__(self, c=96, dec=64):
        super().__init__()
        self.patch_vit, self.image_vit = TinyViT(c), TinyViT(c)
        self.up_lat = nn.ModuleList(nn.Sequential(nn.Conv2d(c, dec, 1), nn.ConvTranspose2d(dec, dec, 2, 2, bias=False))
                                    for _ in range(4))
        self.fuse = nn.ModuleList(nn.Sequential(nn.Conv2d(dec, dec, 3, 1, 1), nn.ReLU(), nn.Conv2d(dec, dec, 3, 1, 1)) for _ in range(4))
        self.head = nn.Sequential(nn.Conv2d(dec, dec // 2, 3, 1, 1), nn.ConvTranspose2d(dec // 2, dec // 2, 2, 2),
                                  nn.Conv2d(dec // 2, 32, 3, 1, 1), nn.ReLU(), nn.Conv2d(32, 1, 1), nn.ReLU())
        self.fov = nn.Sequential(nn.Conv2d(c, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 1, 2))

    @staticmethod
    def split(x, n, p=64):
        """n × n overlapping p² patches of x, into the batch (Depth Pro's `split` with its stride)."""
        s = (x.shape[-1] - p) // (n - 1)
        return torch.cat([x[..., j * s:j * s + p, i * s:i * s + p] for j in range(n) for i in range(n)], 0)

    @staticmethod
    def merge(x, n, pad):
        """Back from the batch: each patch's map without `pad` border cells where it overlaps its neighbours."""
        rows = []
        for j in range(n):
            cols = []
            for i in range(n):
                t = x[j * n + i:j * n + i + 1]
                t = t[..., pad if j else 0:t.shape[-2] - (pad if j < n - 1 else 0), pad if i else 0:t.shape[-1] - (pad if i < n - 1 else 0)]
                cols.append(t)
            rows.append(torch.cat(cols, 3))
        return torch.cat(rows, 2)

    def forward(self, x):
        x1 = x
        x2 = F.interpolate(x, scale_factor=0.5, mode='bilinear', align_corners=False)
        x4 = F.interpolate(x, scale_factor=0.25, mode='bilinear', align_corners=False)
        p1, p2 = self.split(x1, 5), self.split(x2, 3)
        feats, inner = self.patch_vit(torch.cat([p1, p2, x4], 0))
        f1 = self.merge(feats[:25], 5, 1)  # 4 tokens a patch, overlaps of 1 token ...
        f2 = self.merge(feats[25:34], 3, 1)
        f4 = feats[34:]
        i1 = self.merge(inner[:25], 5, 1)
        glob, _ = self.image_vit(x4)
        lv = [self.up_lat[0](i1), self.up_lat[1](f1), self.up_lat[2](f2), self.up_lat[3](f4 + glob)]
        y = self.fuse[3](lv[3])
        for k in (2, 1, 0):
            y = F.interpolate(y, size=lv[k].shape[2:], mode='bilinear', align_corners=False)
            y = self.fuse[k](y + lv[k])
        inv = self.head(y)
        fov = self.fov(glob.detach()).flatten(1)
        return F.interpolate(inv, size=x.shape[2:], mode='bilinear', align_corners=False), fov


# --- InSPyReNet ---

class PAA(nn.Module):
    """Pyramid axial attention decoder (PAA_d-ish): features fused, self-attention on a ¼-pooled map, a saliency map."""

    def __init__(self, i, c=32):
        super().__init__()
        self.conv = cbr(i, c)
        self.q, self.k, self.v = nn.Conv2d(c, c // 2, 1), nn.Conv2d(c, c // 2, 1), nn.Conv2d(c, c, 1)
        self.out = nn.Sequential(cbr(c, c), nn.Conv2d(c, 1, 1))
        self.c = c

    def forward(self, x):
        x = self.conv(x)
        b, c, h, w = x.shape
        s = F.avg_pool2d(x, 2)
        q = self.q(x).flatten(2).transpose(1, 2)
        k = self.k(s).flatten(2)
        v = self.v(s).flatten(2).transpose(1, 2)
        a = (q @ k / (c // 2) ** 0.5).softmax(-1)
        x = x + (a @ v).transpose(1, 2).reshape(b, c, h, w)
        return x, self.out(x)


class InSPyReNet(nn.Module):
    """InSPyReNet (Res2Net-ish small backbone): context modules at 1/8-1/32, a pyramid of saliency maps: the 1/32
    map, then at each finer level a Laplacian residual added to the upsampled map (Gaussian 5×5 pyramid upsample:
    zero insertion by ConvTranspose, blur), reverse attention on (1 − sigmoid) of the coarser map; sigmoid, min-max."""

    def __init__(self, w=32):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, w, s=2), cbr(w, w, s=2))
        self.l2, self.l3, self.l4 = cbr(w, 2 * w, s=2), cbr(2 * w, 4 * w, s=2), cbr(4 * w, 4 * w, s=2)
        self.d4, self.d3, self.d2 = PAA(4 * w), PAA(4 * w + 32 + 1), PAA(2 * w + 32 + 1)
        g = torch.tensor([1.0, 4, 6, 4, 1])
        k = (g[:, None] * g[None]) / 256
        self.register_buffer('kernel', k.expand(1, 1, 5, 5).contiguous())

    def expand(self, x):
        """ImagePyramid.expand: zeros between pixels (conv_transpose with a one-hot 2×2 kernel), Gaussian blur × 4."""
        b, c, h, w = x.shape
        z = torch.zeros(b, c, h, 2, w, 2)
        z[:, :, :, 0, :, 0] = x
        z = z.view(b, c, 2 * h, 2 * w)
        return F.conv2d(F.pad(z, (2, 2, 2, 2), mode='reflect'), 4 * self.kernel)  # one-channel saliency maps

    def forward(self, x):
        x = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        f1 = self.stem(x)
        f2 = self.l2(f1)
        f3 = self.l3(f2)
        f4 = self.l4(f3)
        c4, s4 = self.d4(f4)
        s4u = self.expand(s4)
        c3, r3 = self.d3(torch.cat([f3 * (1 - torch.sigmoid(s4u)), F.interpolate(c4, size=f3.shape[2:], mode='bilinear', align_corners=False), s4u], 1))
        s3 = s4u + r3
        s3u = self.expand(s3)
        _, r2 = self.d2(torch.cat([f2 * (1 - torch.sigmoid(s3u)), F.interpolate(c3, size=f2.shape[2:], mode='bilinear', align_corners=False), s3u], 1))
        s2 = s3u + r2
        out = torch.sigmoid(F.interpolate(s2, size=x.shape[2:], mode='bilinear', align_corners=False))
        return (out - out.min()) / (out.max() - out.min() + 1e-8)
