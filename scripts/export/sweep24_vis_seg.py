"""Twenty-fourth sweep (docs/model-sweep.md): prompt / text-conditioned segmentation and multi-view geometry as their
public code writes them — SAM-HQ's mask decoder (SysCV/sam-hq: SAM's prompt encoder (random Fourier positions,
label embeddings chosen by where), two-way transformer, plus the HQ output token and the global-local fusion of an
early ViT layer with the decoder's upscaled map), CLIPSeg (timojl/clipseg: activations of three ViT layers,
FiLM by the text embedding, a 3-layer transformer decoder, a transposed-conv head), CAT-Seg (KU-CVLAB/CAT-Seg: the
image x text cosine cost volume, spatial aggregation by window attention per class (classes in the batch, one window
shifted by roll), class aggregation by linear attention over classes per pixel, an upsampling decoder with guidance),
DUSt3R / MASt3R (naver/dust3r, mast3r: a shared ViT encoder with 2-D RoPE (CroCo's, x / y halves of each head),
two decoders whose blocks cross-attend to the other view, a linear head by pixel shuffle, exp depth mode, MASt3R's
L2-normalised local descriptors) and VGGT (facebookresearch/vggt: camera + register tokens (frame 0's own), alternating
frame / global attention, a camera head to a 9-D pose encoding, a DPT-lite depth head with exp + 1 confidence).
Plain torch.nn, small widths, random weights. Imported by sweep24_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(242)


def rand(*s, scale=0.3):
    return nn.Parameter(torch.randn(*s, generator=g) * scale)


class Attn(nn.Module):
    """Multi-head attention with separate q / kv inputs and an optional rotary hook on q and k."""
    def __init__(self, d, heads=4, dk=None):
        super().__init__()
        dk = dk or d
        self.h = heads
        self.q, self.k, self.v, self.o = nn.Linear(d, dk), nn.Linear(d, dk), nn.Linear(d, dk), nn.Linear(dk, d)

    def forward(self, x, y=None, rope=None):
        y = x if y is None else y
        b, n, _ = x.shape
        m = y.shape[1]
        q = self.q(x).view(b, n, self.h, -1).transpose(1, 2)
        k = self.k(y).view(b, m, self.h, -1).transpose(1, 2)
        v = self.v(y).view(b, m, self.h, -1).transpose(1, 2)
        if rope is not None:
            q, k = rope(q), rope(k)
        a = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).softmax(-1) @ v
        return self.o(a.transpose(1, 2).reshape(b, n, -1))


def mlp(d, r=2, act=nn.GELU):
    return nn.Sequential(nn.Linear(d, r * d), act(), nn.Linear(r * d, d))


class Block(nn.Module):
    def __init__(self, d, heads=4, cross=False):
        super().__init__()
        self.n1, self.a = nn.LayerNorm(d), Attn(d, heads)
        self.cross = cross
        if cross:
            self.n2, self.ny, self.c = nn.LayerNorm(d), nn.LayerNorm(d), Attn(d, heads)
        self.n3, self.m = nn.LayerNorm(d), mlp(d, 4)

    def forward(self, x, y=None, rope=None):
        x = x + self.a(self.n1(x), rope=rope)
        if self.cross:
            x = x + self.c(self.n2(x), self.ny(y), rope=rope)
        return x + self.m(self.n3(x))


# ------------------------------------------------------------------------------------------------------------- SAM-HQ
class SAMHQDecoder(nn.Module):
    """Image embedding [1, 64, 16, 16], early ViT features [1, 16, 16, 96], 2 points with labels -> 4 SAM masks + the
    HQ mask at 64², IoU scores."""
    def __init__(self, d=64, vit=96, masks=4):
        super().__init__()
        self.nm = masks
        self.gauss = nn.Parameter(torch.randn(2, d // 2, generator=g), requires_grad=False)
        self.pt = rand(4, d)  # negative, positive, (box corners unused), not-a-point
        self.iou_tok, self.mask_tok, self.hf_tok = rand(1, d), rand(masks, d), rand(1, d)
        self.no_mask = rand(1, d)
        self.layers = nn.ModuleList([nn.ModuleDict({'sa': Attn(d), 't2i': Attn(d, dk=d // 2), 'i2t': Attn(d, dk=d // 2),
                                                    'mlp': mlp(d, 2, nn.ReLU), 'n': nn.ModuleList([nn.LayerNorm(d) for _ in range(4)])})
                                     for _ in range(2)])
        self.final, self.nf = Attn(d, dk=d // 2), nn.LayerNorm(d)
        self.up = nn.Sequential(nn.ConvTranspose2d(d, d // 4, 2, 2), nn.GroupNorm(1, d // 4), nn.GELU(),
                                nn.ConvTranspose2d(d // 4, d // 8, 2, 2), nn.GELU())
        self.hyper = nn.ModuleList([mlp(d, 1, nn.ReLU) for _ in range(masks + 1)])
        self.hyper_out = nn.ModuleList([nn.Linear(d, d // 8) for _ in range(masks + 1)])
        self.iou = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, masks))
        # HQ: global-local fusion
        self.compress = nn.Sequential(nn.ConvTranspose2d(vit, d, 2, 2), nn.GroupNorm(1, d), nn.GELU(), nn.ConvTranspose2d(d, d // 8, 2, 2))
        self.enc = nn.Sequential(nn.ConvTranspose2d(d, d // 4, 2, 2), nn.GroupNorm(1, d // 4), nn.GELU(), nn.ConvTranspose2d(d // 4, d // 8, 2, 2))
        self.maskfeat = nn.Sequential(nn.Conv2d(d // 8, d // 4, 3, 1, 1), nn.GroupNorm(1, d // 4), nn.GELU(), nn.Conv2d(d // 4, d // 8, 3, 1, 1))

    def pe(self, xy):  # xy in [0, 1]
        c = (2 * xy - 1) @ self.gauss * (2 * math.pi)
        return torch.cat([c.sin(), c.cos()], -1)

    def forward(self, image_embeddings, interm_embeddings, point_coords, point_labels):
        b, d, h, w = image_embeddings.shape
        lab = point_labels.unsqueeze(-1)
        sparse = self.pe((point_coords + 0.5) / 64.0)
        sparse = torch.where(lab == -1, self.pt[3], sparse)
        sparse = sparse + torch.where(lab == 0, self.pt[0], torch.zeros_like(self.pt[0])) + torch.where(lab == 1, self.pt[1], torch.zeros_like(self.pt[1]))
        tokens = torch.cat([self.iou_tok, self.mask_tok, self.hf_tok], 0).unsqueeze(0).expand(b, -1, -1)
        tokens = torch.cat([tokens, sparse], 1)
        # get_dense_pe(): SAM's ONNX export takes it as a constant of the embedding's size
        ys, xs = torch.meshgrid((torch.arange(16.0) + 0.5) / 16, (torch.arange(16.0) + 0.5) / 16, indexing='ij')
        ipe = self.pe(torch.stack([xs, ys], -1)).flatten(0, 1).unsqueeze(0)
        src = (image_embeddings + self.no_mask.view(1, d, 1, 1)).flatten(2).transpose(1, 2)
        q, k = tokens, src
        for i, L in enumerate(self.layers):
            q = L['n'][0](q + L['sa'](q) if i else L['sa'](q))
            q = L['n'][1](q + L['t2i'](q + tokens, k + ipe))
            q = L['n'][2](q + L['mlp'](q))
            k = L['n'][3](k + L['i2t'](k + ipe, q + tokens))
        q = self.nf(q + self.final(q + tokens, k + ipe))
        up = self.up(k.transpose(1, 2).reshape(b, d, h, w))
        hq = self.enc(image_embeddings) + self.compress(interm_embeddings.permute(0, 3, 1, 2))
        up_hq = self.maskfeat(up) + hq
        hyper = torch.stack([self.hyper_out[i](self.hyper[i](q[:, 1 + i])) for i in range(self.nm + 1)], 1)
        hh, ww = up.shape[2], up.shape[3]
        m_sam = (hyper[:, :self.nm] @ up.flatten(2)).view(b, self.nm, hh, ww)
        m_hq = (hyper[:, self.nm:] @ up_hq.flatten(2)).view(b, 1, hh, ww)
        return torch.cat([m_sam, m_hq], 1), self.iou(q[:, 0])


# ------------------------------------------------------------------------------------------------------------ CLIPSeg
class ViT(nn.Module):
    def __init__(self, d=96, depth=6, patch=16, size=224, cls=True):
        super().__init__()
        self.patch = nn.Conv2d(3, d, patch, patch, bias=False)
        n = (size // patch) ** 2 + (1 if cls else 0)
        self.cls = rand(1, 1, d) if cls else None
        self.pos = rand(1, n, d, scale=0.1)
        self.pre = nn.LayerNorm(d)
        self.blocks = nn.ModuleList([Block(d) for _ in range(depth)])

    def forward(self, x, keep=()):
        t = self.patch(x).flatten(2).transpose(1, 2)
        if self.cls is not None:
            t = torch.cat([self.cls.expand(t.shape[0], -1, -1), t], 1)
        t = self.pre(t + self.pos)
        acts = []
        for i, b in enumerate(self.blocks):
            t = b(t)
            if i in keep:
                acts.append(t)
        return t, acts


class CLIPSeg(nn.Module):
    def __init__(self, d=96, r=48, cond=64, layers=(2, 4, 5)):
        super().__init__()
        self.keep = layers
        self.vit = ViT(d)
        self.reduces = nn.ModuleList([nn.Linear(d, r) for _ in layers])
        self.film_mul, self.film_add = nn.Linear(cond, r), nn.Linear(cond, r)
        self.dec = nn.ModuleList([nn.TransformerEncoderLayer(r, 4, 2 * r, dropout=0.0, batch_first=True) for _ in layers])
        self.head = nn.Sequential(nn.Conv2d(r, r, 3, 1, 1), nn.ReLU(), nn.ConvTranspose2d(r, r // 2, 4, 4), nn.ReLU(),
                                  nn.ConvTranspose2d(r // 2, 1, 4, 4))

    def forward(self, image, conditional):
        _, acts = self.vit(image, self.keep)
        a = None
        for i, (act, red, blk) in enumerate(zip(acts[::-1], self.reduces, self.dec)):
            a = red(act) if a is None else a + red(act)
            if i == 0:
                a = self.film_mul(conditional).unsqueeze(1) * a + self.film_add(conditional).unsqueeze(1)
            a = blk(a)
        a = a[:, 1:]
        s = int(math.sqrt(a.shape[1]))
        return self.head(a.transpose(1, 2).reshape(a.shape[0], -1, s, s))


# ------------------------------------------------------------------------------------------------------------ CAT-Seg
class WindowAttn(nn.Module):
    def __init__(self, d, ws=6, shift=0, heads=4):
        super().__init__()
        self.ws, self.shift = ws, shift
        self.n1, self.a, self.n2, self.m = nn.LayerNorm(d), Attn(d, heads), nn.LayerNorm(d), mlp(d, 2)

    def forward(self, x):  # [B, H, W, C]
        b, h, w, c = x.shape
        ws = self.ws
        y = self.n1(x)
        if self.shift:
            y = torch.roll(y, (-self.shift, -self.shift), (1, 2))
        y = y.view(b, h // ws, ws, w // ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, c)
        y = self.a(y).view(b, h // ws, w // ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(b, h, w, c)
        if self.shift:
            y = torch.roll(y, (self.shift, self.shift), (1, 2))
        x = x + y
        return x + self.m(self.n2(x))


class LinearClassAttn(nn.Module):
    """Linear attention over the classes at each pixel (elu + 1 kernels), text guidance added to q / k."""
    def __init__(self, d, guide, heads=4):
        super().__init__()
        self.h = heads
        self.n, self.q, self.k, self.v = nn.LayerNorm(d), nn.Linear(d + guide, d), nn.Linear(d + guide, d), nn.Linear(d, d)
        self.o, self.n2, self.m = nn.Linear(d, d), nn.LayerNorm(d), mlp(d, 2)

    def forward(self, x, gd):  # x [P, T, d], gd [P, T, g]
        p, t, d = x.shape
        y = self.n(x)
        yg = torch.cat([y, gd], -1)
        q = F.elu(self.q(yg).view(p, t, self.h, -1)) + 1
        k = F.elu(self.k(yg).view(p, t, self.h, -1)) + 1
        v = self.v(y).view(p, t, self.h, -1)
        kv = torch.einsum('pthd,pthe->phde', k, v)
        z = 1 / (torch.einsum('pthd,phd->pth', q, k.sum(1)) + 1e-6)
        out = torch.einsum('pthd,phde,pth->pthe', q, kv, z).reshape(p, t, d)
        x = x + self.o(out)
        return x + self.m(self.n2(x))


class CATSeg(nn.Module):
    """CLIP-like image tower (192², 12² tokens), 8 class embeddings x 1 prompt -> [1, 8, 48, 48] logits."""
    def __init__(self, d=96, hid=32, guide=16, classes=8):
        super().__init__()
        self.vit = ViT(d, depth=4, size=192, cls=False)
        self.proj = nn.Linear(d, d)
        self.corr = nn.Conv2d(1, hid, 7, 1, 3)
        self.gimg = nn.Conv2d(d, guide, 1)
        self.gtxt = nn.Linear(d, guide)
        self.spatial = nn.ModuleList([WindowAttn(hid + guide, 6, 0), WindowAttn(hid + guide, 6, 3)])
        self.sp_out = nn.Linear(hid + guide, hid)
        self.cls_agg = LinearClassAttn(hid, guide)
        self.up1 = nn.Sequential(nn.ConvTranspose2d(hid, hid // 2, 2, 2), nn.GroupNorm(4, hid // 2), nn.GELU())
        self.up2 = nn.Sequential(nn.ConvTranspose2d(hid // 2, hid // 4, 2, 2), nn.GroupNorm(2, hid // 4), nn.GELU())
        self.g1 = nn.Sequential(nn.ConvTranspose2d(d, 8, 2, 2))
        self.fuse1 = nn.Conv2d(hid // 2 + 8, hid // 2, 3, 1, 1)
        self.head = nn.Conv2d(hid // 4, 1, 3, 1, 1)

    def forward(self, image, text):  # text [1, T, d]
        t, _ = self.vit(image)
        b, n, d = t.shape
        s = int(math.sqrt(n))
        feat = self.proj(t)
        img = F.normalize(feat, dim=-1).transpose(1, 2).reshape(b, d, s, s)
        txt = F.normalize(text, dim=-1)
        nt = txt.shape[1]
        cost = torch.einsum('bchw,btc->bthw', img, txt)
        x = self.corr(cost.reshape(b * nt, 1, s, s))  # [T, hid, s, s]
        gi = self.gimg(t.transpose(1, 2).reshape(b, d, s, s))
        x = torch.cat([x, gi.expand(nt, -1, -1, -1)], 1).permute(0, 2, 3, 1)
        for blk in self.spatial:
            x = blk(x)
        x = self.sp_out(x)  # [T, s, s, hid]
        hid = x.shape[-1]
        px = x.permute(1, 2, 0, 3).reshape(s * s, nt, hid)
        gt = self.gtxt(text[0]).unsqueeze(0).expand(s * s, -1, -1)
        px = self.cls_agg(px, gt)
        x = px.view(s, s, nt, hid).permute(2, 3, 0, 1)  # [T, hid, s, s]
        x = self.up1(x)
        gg = self.g1(t.transpose(1, 2).reshape(b, d, s, s)).expand(nt, -1, -1, -1)
        x = self.fuse1(torch.cat([x, gg], 1))
        x = self.up2(x)
        return self.head(x).view(b, nt, 4 * s, 4 * s)


# ------------------------------------------------------------------------------------------------------ DUSt3R / MASt3R
class Rope2D(nn.Module):
    """CroCo's RoPE2D: the first half of each head rotated by the patch's y, the second by its x."""
    def __init__(self, hd, gh, gw, base=100.0):
        super().__init__()
        half = hd // 2
        inv = 1.0 / base ** (torch.arange(0, half, 2).float() / half)
        ys, xs = torch.meshgrid(torch.arange(gh).float(), torch.arange(gw).float(), indexing='ij')
        fy, fx = torch.outer(ys.flatten(), inv), torch.outer(xs.flatten(), inv)
        fy, fx = torch.cat([fy, fy], -1), torch.cat([fx, fx], -1)
        self.register_buffer('cy', fy.cos())
        self.register_buffer('sy', fy.sin())
        self.register_buffer('cx', fx.cos())
        self.register_buffer('sx', fx.sin())

    @staticmethod
    def rot(t, c, s):
        a, b = t.chunk(2, -1)
        return t * c + torch.cat([-b, a], -1) * s

    def forward(self, t):
        y, x = t.chunk(2, -1)
        return torch.cat([self.rot(y, self.cy, self.sy), self.rot(x, self.cx, self.sx)], -1)


class DUSt3R(nn.Module):
    """Two 128² views, patch 16 (8² tokens), 3 encoder + 2 decoder blocks per view; pts3d, conf, (MASt3R) descriptors."""
    def __init__(self, d=96, dd=64, patch=16, size=128, desc=24, mast3r=True):
        super().__init__()
        self.p, self.gs, self.desc = patch, size // patch, desc if mast3r else 0
        self.embed = nn.Conv2d(3, d, patch, patch)
        self.rope_e, self.rope_d = Rope2D(d // 4, self.gs, self.gs), Rope2D(dd // 4, self.gs, self.gs)
        self.enc = nn.ModuleList([Block(d) for _ in range(3)])
        self.enc_n, self.to_dec = nn.LayerNorm(d), nn.Linear(d, dd)
        self.dec1 = nn.ModuleList([Block(dd, cross=True) for _ in range(2)])
        self.dec2 = nn.ModuleList([Block(dd, cross=True) for _ in range(2)])
        out = 4 + self.desc
        self.head1, self.head2 = nn.Linear(dd, out * patch * patch), nn.Linear(dd, out * patch * patch)

    def encode(self, x):
        t = self.embed(x).flatten(2).transpose(1, 2)
        for b in self.enc:
            t = b(t, rope=self.rope_e)
        return self.enc_n(t)

    def head(self, lin, t):
        b = t.shape[0]
        y = lin(t).transpose(1, 2).reshape(b, -1, self.gs, self.gs)
        y = F.pixel_shuffle(y, self.p)  # [B, 4 + desc, H, W]
        xyz, c = y[:, :3], y[:, 3:4]
        dist = xyz.norm(dim=1, keepdim=True).clamp(min=1e-8)
        pts = xyz / dist * (dist.exp() - 1)  # torch 1.13 has no expm1 export
        outs = [pts.permute(0, 2, 3, 1), 1 + c.exp()[:, 0]]
        if self.desc:
            outs.append(F.normalize(y[:, 4:], dim=1).permute(0, 2, 3, 1))
        return outs

    def forward(self, view1, view2):
        a, b = self.to_dec(self.encode(view1)), self.to_dec(self.encode(view2))
        for b1, b2 in zip(self.dec1, self.dec2):
            a, b = b1(a, b, rope=self.rope_d), b2(b, a, rope=self.rope_d)
        return tuple(self.head(self.head1, a) + self.head(self.head2, b))


# --------------------------------------------------------------------------------------------------------------- VGGT
class VGGT(nn.Module):
    """2 frames of 112² (patch 14: 8² tokens), camera + 4 register tokens, 2 x (frame, global) attention pairs,
    camera head (9-D pose encoding) and a DPT-lite depth head (depth, exp + 1 confidence)."""
    def __init__(self, d=96, patch=14, size=112, regs=4, pairs=2):
        super().__init__()
        self.gs, self.regs = size // patch, regs
        self.embed = nn.Conv2d(3, d, patch, patch)
        self.cam_tok, self.reg_tok = rand(1, 2, 1, d), rand(1, 2, regs, d)
        self.rope = Rope2D(d // 4, self.gs, self.gs)
        self.frame = nn.ModuleList([Block(d) for _ in range(pairs)])
        self.glob = nn.ModuleList([Block(d) for _ in range(pairs)])
        self.cam = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU(), nn.Linear(d, 9))
        self.reasm = nn.ModuleList([nn.Conv2d(2 * d, 48, 1) for _ in range(pairs)])
        self.fuse = nn.Sequential(nn.Conv2d(48, 48, 3, 1, 1), nn.ReLU(), nn.Conv2d(48, 48, 3, 1, 1))
        self.out = nn.Sequential(nn.Conv2d(48, 24, 3, 1, 1), nn.ReLU(), nn.Conv2d(24, 2, 1))

    def rope_special(self, t):
        """RoPE on patch tokens only: the 1 + regs special tokens of each frame keep position 0 (not rotated)."""
        k = 1 + self.regs
        return torch.cat([t[..., :k, :], self.rope(t[..., k:, :])], -2)

    def forward(self, images):  # [1, S, 3, H, W]
        b, s = images.shape[:2]
        t = self.embed(images.flatten(0, 1)).flatten(2).transpose(1, 2).view(b, s, -1, self.embed.out_channels)
        p, d = t.shape[2], t.shape[3]
        cam = torch.cat([self.cam_tok[:, :1], self.cam_tok[:, 1:].expand(-1, s - 1, -1, -1)], 1).expand(b, -1, -1, -1)
        reg = torch.cat([self.reg_tok[:, :1], self.reg_tok[:, 1:].expand(-1, s - 1, -1, -1)], 1).expand(b, -1, -1, -1)
        t = torch.cat([cam, reg, t], 2)
        n = t.shape[2]
        inter = []
        for fb, gb in zip(self.frame, self.glob):
            f = fb(t.view(b * s, n, d), rope=self.rope_special).view(b, s, n, d)
            gq = f.view(b, s * n, d)
            # global attention: rope applied per frame on the patch tokens
            gl = gb(gq, rope=lambda z: self.rope_special(z.view(z.shape[0], z.shape[1], s, n, -1)).view(z.shape)).view(b, s, n, d)
            t = gl
            inter.append(torch.cat([f, gl], -1))
        pose = self.cam(t[:, :, 0])
        maps = 0
        for i, z in enumerate(inter):
            z = z[:, :, 1 + self.regs:].reshape(b * s, self.gs, self.gs, 2 * d).permute(0, 3, 1, 2)
            maps = maps + self.reasm[i](z)
        m = F.interpolate(self.fuse(maps), scale_factor=4.0, mode='bilinear', align_corners=True)
        y = self.out(m)
        depth = y[:, :1].exp().view(b, s, 1, 4 * self.gs, 4 * self.gs)
        conf = (1 + y[:, 1:].exp()).view(b, s, 4 * self.gs, 4 * self.gs)
        return pose, depth, conf

