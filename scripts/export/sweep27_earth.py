"""Twenty-seventh sweep: a 3-D Earth-specific weather transformer (Pangu-Weather), spatiotemporal LSTMs (PredRNN-v2),
a multi-scale residual VQ tokenizer (VAR) and an NMS-free end-to-end YOLO (YOLO26-style), plain torch.nn with the math
of their projects' code, small widths, random weights. Exported by sweep27_vis.py."""
import itertools

import torch
import torch.nn as nn
import torch.nn.functional as F


class EarthAttention3D(nn.Module):
    """Pangu's 3-D window attention: windows (Wz, Wh, Ww) over [Z, H, W] tokens, an Earth-specific bias per window
    type (pressure-level window × latitude window; longitude shares it) gathered from a table by a constant index,
    optional shift (roll in all three axes, masked across the Z / H seams, longitude periodic)."""

    def __init__(self, d, grid, win=(2, 4, 8), heads=4, shift=False):
        super().__init__()
        self.d, self.h, self.grid, self.win, self.shift = d, heads, grid, win, shift
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        nz, nh = grid[0] // win[0], grid[1] // win[1]
        self.types = nz * nh
        wz, wh, ww = win
        self.table = nn.Parameter(torch.randn((2 * ww - 1) * wh * wh * wz * wz, self.types, heads) * 0.02)
        coords = torch.tensor(list(itertools.product(range(wz), range(wh), range(ww))))  # N x 3
        a, b = coords[:, None, :], coords[None, :, :]
        idx = (a[..., 2] - b[..., 2] + ww - 1) + (2 * ww - 1) * (a[..., 1] + wh * b[..., 1]) + (2 * ww - 1) * wh * wh * (a[..., 0] + wz * b[..., 0])
        self.register_buffer('index', idx.reshape(-1))
        mask = torch.zeros(grid[0], grid[1], grid[2])
        if shift:
            n = 0
            for zs in (slice(0, -wz), slice(-wz, -wz // 2), slice(-wz // 2, None)):
                for hs in (slice(0, -wh), slice(-wh, -wh // 2), slice(-wh // 2, None)):
                    mask[zs, hs, :] = n
                    n += 1
        mw = self.windows(mask[None, ..., None])[..., 0]  # [nWin, N]
        self.register_buffer('mask', ((mw[:, :, None] - mw[:, None, :]) != 0).float() * -100.0)

    def windows(self, x):
        b, z, hh, w, c = x.shape
        wz, wh, ww = self.win
        x = x.reshape(b, z // wz, wz, hh // wh, wh, w // ww, ww, c).permute(0, 1, 3, 5, 2, 4, 6, 7)
        return x.reshape(-1, wz * wh * ww, c)

    def forward(self, x):
        b, z, hh, w, c = x.shape
        wz, wh, ww = self.win
        if self.shift:
            x = torch.roll(x, (-wz // 2, -wh // 2, -ww // 2), (1, 2, 3))
        t = self.windows(x)
        nwin, n = t.shape[0], t.shape[1]
        q, k, v = self.qkv(t).reshape(nwin, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        a = q @ k.transpose(-1, -2) * (c // self.h) ** -0.5
        bias = self.table[self.index].reshape(n, n, self.types, self.h).permute(2, 3, 0, 1)  # [types, h, N, N]
        nz, nh, nw = z // wz, hh // wh, w // ww
        a = a.reshape(b, nz * nh, nw, self.h, n, n) + bias[None, :, None]
        a = a + self.mask.reshape(1, nz * nh, nw, 1, n, n)
        y = (a.softmax(-1).reshape(nwin, self.h, n, n) @ v).transpose(1, 2).reshape(nwin, n, c)
        y = self.proj(y).reshape(b, nz, nh, nw, wz, wh, ww, c).permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(b, z, hh, w, c)
        if self.shift:
            y = torch.roll(y, (wz // 2, wh // 2, ww // 2), (1, 2, 3))
        return y


class PanguLite(nn.Module):
    """Pangu-Weather-ish: upper air [5 vars, 4 levels, 32 lat, 64 lon] by a Conv3d patch embedding (2, 4, 4), surface
    [4, 32, 64] by a Conv2d (4, 4) joined as a level, padded to 4 levels, two Earth-specific 3-D window blocks (plain,
    shifted) with GELU MLPs, patch recovery by ConvTranspose3d / ConvTranspose2d."""

    def __init__(self, d=48):
        super().__init__()
        self.up = nn.Conv3d(5, d, (2, 4, 4), (2, 4, 4))
        self.sf = nn.Conv2d(4, d, 4, 4)
        grid = (4, 8, 16)
        self.blocks = nn.ModuleList([nn.ModuleDict({'n1': nn.LayerNorm(d), 'attn': EarthAttention3D(d, grid, shift=s), 'n2': nn.LayerNorm(d),
                                                    'mlp': nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))})
                                     for s in (False, True)])
        self.up_out = nn.ConvTranspose3d(d, 5, (2, 4, 4), (2, 4, 4))
        self.sf_out = nn.ConvTranspose2d(d, 4, 4, 4)

    def forward(self, upper, surface):
        u = self.up(upper)  # [1, d, 2, 8, 16]
        s = self.sf(surface).unsqueeze(2)
        x = F.pad(torch.cat([u, s], 2), (0, 0, 0, 0, 0, 1)).permute(0, 2, 3, 4, 1)  # [1, 4, 8, 16, d]
        for b in self.blocks:
            x = x + b['attn'](b['n1'](x))
            x = x + b['mlp'](b['n2'](x))
        x = x.permute(0, 4, 1, 2, 3)
        return self.up_out(x[:, :, :2]) + upper, self.sf_out(x[:, :, 2]) + surface


class STLSTMCell(nn.Module):
    """PredRNN's spatiotemporal LSTM cell: temporal memory c and the zigzag spatiotemporal memory m, each with its
    own gates; the output gate reads both memories through a conv; v2's decoupling is a training loss only."""

    def __init__(self, cin, hid, k=3):
        super().__init__()
        p = k // 2
        self.hid = hid
        self.conv_x = nn.Conv2d(cin, 7 * hid, k, 1, p)
        self.conv_h = nn.Conv2d(hid, 4 * hid, k, 1, p)
        self.conv_m = nn.Conv2d(hid, 3 * hid, k, 1, p)
        self.conv_o = nn.Conv2d(2 * hid, hid, k, 1, p)
        self.conv_last = nn.Conv2d(2 * hid, hid, 1)

    def forward(self, x, h, c, m):
        i_x, f_x, g_x, i_xp, f_xp, g_xp, o_x = self.conv_x(x).split(self.hid, 1)
        i_h, f_h, g_h, o_h = self.conv_h(h).split(self.hid, 1)
        i_m, f_m, g_m = self.conv_m(m).split(self.hid, 1)
        i, f, g = torch.sigmoid(i_x + i_h), torch.sigmoid(f_x + f_h + 1.0), torch.tanh(g_x + g_h)
        c = f * c + i * g
        ip, fp, gp = torch.sigmoid(i_xp + i_m), torch.sigmoid(f_xp + f_m + 1.0), torch.tanh(g_xp + g_m)
        m = fp * m + ip * gp
        mem = torch.cat([c, m], 1)
        o = torch.sigmoid(o_x + o_h + self.conv_o(mem))
        return o * torch.tanh(self.conv_last(mem)), c, m


class PredRNN(nn.Module):
    """PredRNN-v2 at inference: frames [1, 8, 1, 32, 32] patched 4x4 into channels (reshape_patch), 2 ST-LSTM
    layers with the m memory passed up the stack and from the top layer to the bottom at the next step, 4 observed
    frames then 3 steps fed back from its own predictions; outputs the 7 next frames unpatched."""

    def __init__(self, hid=16, p=4):
        super().__init__()
        self.p, self.hid = p, hid
        self.cells = nn.ModuleList([STLSTMCell(p * p, hid), STLSTMCell(hid, hid)])
        self.out = nn.Conv2d(hid, p * p, 1, bias=False)

    def forward(self, frames):
        b, t, ch, hh, ww = frames.shape
        p = self.p
        x = frames.reshape(b, t, ch, hh // p, p, ww // p, p).permute(0, 1, 2, 4, 6, 3, 5).reshape(b, t, ch * p * p, hh // p, ww // p)
        z = torch.zeros(b, self.hid, hh // p, ww // p)
        hs, cs, m = [z, z], [z, z], z
        outs, gen = [], x[:, 0]
        for s in range(t - 1):
            inp = x[:, s] if s < 4 else gen
            hs[0], cs[0], m = self.cells[0](inp, hs[0], cs[0], m)
            hs[1], cs[1], m = self.cells[1](hs[0], hs[1], cs[1], m)
            gen = self.out(hs[1])
            outs.append(gen)
        y = torch.stack(outs, 1)
        return y.reshape(b, t - 1, ch, p, p, hh // p, ww // p).permute(0, 1, 2, 5, 3, 6, 4).reshape(b, t - 1, ch, hh, ww)


class VARTokenizer(nn.Module):
    """VAR's multi-scale residual VQ-VAE (Tian et al., 2024): encoder to an 8x8 latent, per scale pn in (1, 2, 4, 8):
    the residual area-downsampled to pn x pn, nearest of 64 codes (argmin of squared distances), looked up, bicubic
    upsampled to 8x8, refined by the scale's phi (h·(1−r) + conv3x3(h)·r), added to f_hat and taken from the residual;
    decoder from f_hat. Outputs the reconstruction and the 85 token ids of all scales."""

    def __init__(self, c=32, codes=64):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, c, 3, 2, 1), nn.SiLU(), nn.Conv2d(c, c, 3, 2, 1), nn.SiLU(), nn.Conv2d(c, c, 3, 2, 1))
        self.codebook = nn.Parameter(torch.randn(codes, c))
        self.scales = (1, 2, 4, 8)
        self.phi = nn.ModuleList([nn.Conv2d(c, c, 3, 1, 1) for _ in self.scales])
        self.dec = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.SiLU(), nn.Upsample(scale_factor=2), nn.Conv2d(c, c, 3, 1, 1), nn.SiLU(),
                                 nn.Upsample(scale_factor=2), nn.Conv2d(c, c, 3, 1, 1), nn.SiLU(), nn.Upsample(scale_factor=2), nn.Conv2d(c, 3, 3, 1, 1))

    def forward(self, img):
        f = self.enc(img)
        b, c, hh, ww = f.shape
        f_rest, f_hat, ids = f, torch.zeros_like(f), []
        for si, pn in enumerate(self.scales):
            z = F.avg_pool2d(f_rest, int(hh) // pn) if pn != hh else f_rest  # 'area' for these divisible scales (torch 1.13 loses the shape)
            zf = z.permute(0, 2, 3, 1).reshape(-1, c)
            d = (zf * zf).sum(1, keepdim=True) + (self.codebook * self.codebook).sum(1) - 2 * zf @ self.codebook.t()
            idx = d.argmin(1)
            ids.append(idx.reshape(b, -1))
            h = self.codebook[idx].reshape(b, pn, pn, c).permute(0, 3, 1, 2)
            if pn != hh:
                h = F.interpolate(h, size=(hh, ww), mode='bicubic')
            h = h * 0.5 + self.phi[si](h) * 0.5
            f_hat = f_hat + h
            f_rest = f_rest - h
        return self.dec(f_hat), torch.cat(ids, 1)


def conv(ci, co, k=3, s=1):
    return nn.Sequential(nn.Conv2d(ci, co, k, s, k // 2, bias=False), nn.BatchNorm2d(co), nn.SiLU())


class C3k2(nn.Module):
    def __init__(self, ci, co):
        super().__init__()
        self.cv1, self.cv2 = conv(ci, co, 1), conv(co + co // 2, co, 1)
        self.m = nn.Sequential(conv(co // 2, co // 2), conv(co // 2, co // 2))

    def forward(self, x):
        a, b = self.cv1(x).chunk(2, 1)
        return self.cv2(torch.cat([a, b, b + self.m(b)], 1))


class YOLO26(nn.Module):
    """YOLO26-style end-to-end detector (Ultralytics 2025-26): C3k2 / SPPF backbone, PAN neck, the one-to-one head
    with no DFL (box sides regressed directly, ReLU, times the stride), sigmoid classes; post-processing in the graph
    without NMS — each anchor's best class score, TopK 100 over anchors, boxes / classes gathered: [1, 100, 6] rows."""

    def __init__(self, nc=20, k=100):
        super().__init__()
        self.nc, self.k = nc, k
        self.b1 = nn.Sequential(conv(3, 16, 3, 2), conv(16, 32, 3, 2), C3k2(32, 32), conv(32, 64, 3, 2), C3k2(64, 64))
        self.b2 = nn.Sequential(conv(64, 96, 3, 2), C3k2(96, 96))
        self.b3 = nn.Sequential(conv(96, 128, 3, 2), C3k2(128, 128), conv(128, 64, 1))
        self.pool = nn.MaxPool2d(5, 1, 2)
        self.sppf = conv(256, 128, 1)
        self.n1, self.n2 = C3k2(128 + 96, 96), C3k2(96 + 64, 64)
        self.heads = nn.ModuleList([nn.ModuleDict({'box': nn.Sequential(conv(c, 32), nn.Conv2d(32, 4, 1)),
                                                   'cls': nn.Sequential(conv(c, 32), nn.Conv2d(32, nc, 1))}) for c in (64, 96, 128)])

    def forward(self, x):
        p3 = self.b1(x)
        p4 = self.b2(p3)
        y = self.b3(p4)
        y1 = self.pool(y)
        y2 = self.pool(y1)
        p5 = self.sppf(torch.cat([y, y1, y2, self.pool(y2)], 1))
        n4 = self.n1(torch.cat([F.interpolate(p5, scale_factor=2.0), p4], 1))
        n3 = self.n2(torch.cat([F.interpolate(n4, scale_factor=2.0), p3], 1))
        boxes, scores = [], []
        for f, hd, s in zip((n3, n4, p5), self.heads, (8, 16, 32)):
            _, _, hh, ww = f.shape
            gy, gx = torch.meshgrid(torch.arange(hh) + 0.5, torch.arange(ww) + 0.5, indexing='ij')
            anchor = torch.stack([gx, gy], 0).reshape(1, 2, -1).float()
            d = F.relu(hd['box'](f)).reshape(1, 4, -1)
            boxes.append(torch.cat([anchor - d[:, :2], anchor + d[:, 2:]], 1) * s)
            scores.append(torch.sigmoid(hd['cls'](f)).reshape(1, self.nc, -1))
        boxes, scores = torch.cat(boxes, 2).transpose(1, 2), torch.cat(scores, 2).transpose(1, 2)
        best, cls = scores.max(-1)
        top, idx = best.topk(self.k, 1)
        b = boxes.gather(1, idx[..., None].expand(-1, -1, 4))
        return torch.cat([b, top[..., None], cls.gather(1, idx)[..., None].float()], -1)
