"""Tenth sweep (docs/model-sweep.md): dense prediction written as their projects write them (small widths, random
weights): SwinIR lightweight x2 (check_image_size reflect pad, shifted windows with the attention-mask buffer,
relative position bias, pixelshuffledirect), Restormer (MDTA transposed attention, GDFN, to_3d LayerNorm, pixel
(un)shuffle), Zero-DCE and Zero-DCE++ (curve estimation, 8 iterations of LE(x) = x + r(x² − x)), U²-Netp (RSU blocks,
ceil-mode pools, bilinear _upsample_like), a Mask2Former-style pixel decoder (multi-scale deformable attention by
grid_sample per level) with a masked-attention transformer decoder. Imported by sweep10_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- SwinIR (JingyunLiang/SwinIR models/network_swinir.py), upsampler 'pixelshuffledirect' ---
def window_partition(x, ws):
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, c)


def window_reverse(windows, ws, h, w):
    b = int(windows.shape[0] / (h * w / ws / ws))
    x = windows.view(b, h // ws, w // ws, ws, ws, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(b, h, w, -1)


class WindowAttention(nn.Module):
    def __init__(self, c, ws, heads):
        super().__init__()
        self.ws, self.h, self.scale = ws, heads, (c // heads) ** -0.5
        self.table = nn.Parameter(0.02 * torch.randn((2 * ws - 1) ** 2, heads))
        coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing='ij')).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += ws - 1
        rel[:, :, 1] += ws - 1
        rel[:, :, 0] *= 2 * ws - 1
        self.register_buffer('relative_position_index', rel.sum(-1))
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)

    def forward(self, x, mask=None):
        b_, n, c = x.shape
        qkv = self.qkv(x).reshape(b_, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        bias = self.table[self.relative_position_index.view(-1)].view(n, n, -1).permute(2, 0, 1).contiguous()
        attn = attn + bias.unsqueeze(0)
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.view(b_ // nw, nw, self.h, n, n) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.h, n, n)
        attn = attn.softmax(-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b_, n, c))


class SwinLayer(nn.Module):
    def __init__(self, c, res, heads, ws, shift):
        super().__init__()
        self.ws, self.shift, self.res = ws, shift, res
        self.norm1, self.norm2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.attn = WindowAttention(c, ws, heads)
        self.mlp = nn.Sequential(nn.Linear(c, 2 * c), nn.GELU(), nn.Linear(2 * c, c))
        self.register_buffer('attn_mask', self.calculate_mask(res) if shift else None)

    def calculate_mask(self, x_size):
        h, w = x_size
        img_mask = torch.zeros((1, h, w, 1))
        sl = (slice(0, -self.ws), slice(-self.ws, -self.shift), slice(-self.shift, None))
        cnt = 0
        for hs in sl:
            for wsl in sl:
                img_mask[:, hs, wsl, :] = cnt
                cnt += 1
        mw = window_partition(img_mask, self.ws).view(-1, self.ws * self.ws)
        m = mw.unsqueeze(1) - mw.unsqueeze(2)
        return m.masked_fill(m != 0, float(-100.0)).masked_fill(m == 0, float(0.0))

    def forward(self, x, x_size):
        h, w = x_size
        b, _, c = x.shape
        shortcut = x
        x = self.norm1(x).view(b, h, w, c)
        if self.shift:
            x = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        xw = window_partition(x, self.ws).view(-1, self.ws * self.ws, c)
        if self.res == x_size:
            aw = self.attn(xw, mask=self.attn_mask)
        else:
            aw = self.attn(xw, mask=self.calculate_mask(x_size) if self.shift else None)
        x = window_reverse(aw.view(-1, self.ws, self.ws, c), self.ws, h, w)
        if self.shift:
            x = torch.roll(x, shifts=(self.shift, self.shift), dims=(1, 2))
        x = shortcut + x.view(b, h * w, c)
        return x + self.mlp(self.norm2(x))


class RSTB(nn.Module):
    def __init__(self, c, res, depth, heads, ws):
        super().__init__()
        self.blocks = nn.ModuleList([SwinLayer(c, res, heads, ws, 0 if i % 2 == 0 else ws // 2) for i in range(depth)])
        self.conv = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x, x_size):
        y = x
        for blk in self.blocks:
            y = blk(y, x_size)
        b, n, c = y.shape
        y = self.conv(y.transpose(1, 2).view(b, c, x_size[0], x_size[1])).flatten(2).transpose(1, 2)
        return y + x


class SwinIR(nn.Module):
    def __init__(self, img=64, c=60, depths=(2, 2, 2, 2), heads=6, ws=8, upscale=2):
        super().__init__()
        self.ws, self.upscale = ws, upscale
        self.register_buffer('mean', torch.Tensor((0.4488, 0.4371, 0.4040)).view(1, 3, 1, 1))
        self.conv_first = nn.Conv2d(3, c, 3, 1, 1)
        self.pe_norm = nn.LayerNorm(c)
        self.layers = nn.ModuleList([RSTB(c, (img, img), d, heads, ws) for d in depths])
        self.norm = nn.LayerNorm(c)
        self.conv_after_body = nn.Conv2d(c, c, 3, 1, 1)
        self.upsample = nn.Sequential(nn.Conv2d(c, 3 * upscale ** 2, 3, 1, 1), nn.PixelShuffle(upscale))

    def check_image_size(self, x):
        _, _, h, w = x.size()
        ph, pw = (self.ws - h % self.ws) % self.ws, (self.ws - w % self.ws) % self.ws
        return F.pad(x, (0, pw, 0, ph), 'reflect')

    def forward(self, x):
        H, W = x.shape[2:]
        x = self.check_image_size(x)
        x = x - self.mean
        x = self.conv_first(x)
        x_size = (x.shape[2], x.shape[3])
        y = self.pe_norm(x.flatten(2).transpose(1, 2))
        for layer in self.layers:
            y = layer(y, x_size)
        b, n, c = y.shape
        y = self.norm(y).transpose(1, 2).view(b, c, x_size[0], x_size[1])
        x = self.conv_after_body(y) + x
        x = self.upsample(x) + self.mean
        return x[:, :, :H * self.upscale, :W * self.upscale]


# --- Restormer (swz30/Restormer basicsr/models/archs/restormer_arch.py) ---
class WithBiasLayerNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.weight, self.bias = nn.Parameter(1 + 0.1 * torch.randn(c)), nn.Parameter(0.1 * torch.randn(c))

    def forward(self, x):
        h, w = x.shape[-2:]
        x = x.flatten(2).transpose(1, 2)  # to_3d: rearrange 'b c h w -> b (h w) c'
        mu = x.mean(-1, keepdim=True)
        sigma = x.var(-1, keepdim=True, unbiased=False)
        x = (x - mu) / torch.sqrt(sigma + 1e-5) * self.weight + self.bias
        return x.transpose(1, 2).reshape(x.shape[0], -1, h, w)  # to_4d


class MDTA(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.h = heads
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1) + 0.2 * torch.rand(heads, 1, 1))
        self.qkv = nn.Conv2d(c, 3 * c, 1, bias=False)
        self.qkv_dwconv = nn.Conv2d(3 * c, 3 * c, 3, 1, 1, groups=3 * c, bias=False)
        self.project_out = nn.Conv2d(c, c, 1, bias=False)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv_dwconv(self.qkv(x)).chunk(3, dim=1)
        q = q.reshape(b, self.h, c // self.h, h * w)  # 'b (head c) h w -> b head c (h w)'
        k = k.reshape(b, self.h, c // self.h, h * w)
        v = v.reshape(b, self.h, c // self.h, h * w)
        q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
        attn = ((q @ k.transpose(-2, -1)) * self.temperature).softmax(-1)
        return self.project_out((attn @ v).reshape(b, c, h, w))


class GDFN(nn.Module):
    def __init__(self, c, f=2.66):
        super().__init__()
        hid = int(c * f)
        self.project_in = nn.Conv2d(c, hid * 2, 1, bias=False)
        self.dwconv = nn.Conv2d(hid * 2, hid * 2, 3, 1, 1, groups=hid * 2, bias=False)
        self.project_out = nn.Conv2d(hid, c, 1, bias=False)

    def forward(self, x):
        x1, x2 = self.dwconv(self.project_in(x)).chunk(2, dim=1)
        return self.project_out(F.gelu(x1) * x2)


class RestormerBlock(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.norm1, self.attn, self.norm2, self.ffn = WithBiasLayerNorm(c), MDTA(c, heads), WithBiasLayerNorm(c), GDFN(c)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.ffn(self.norm2(x))


class Restormer(nn.Module):
    def __init__(self, c=24, blocks=(1, 1, 1, 2), heads=(1, 2, 4, 8), refinement=1):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, c, 3, 1, 1, bias=False)
        B = lambda ch, n, h: nn.Sequential(*[RestormerBlock(ch, h) for _ in range(n)])  # noqa: E731
        self.enc1, self.down12 = B(c, blocks[0], heads[0]), nn.Sequential(nn.Conv2d(c, c // 2, 3, 1, 1, bias=False), nn.PixelUnshuffle(2))
        self.enc2, self.down23 = B(2 * c, blocks[1], heads[1]), nn.Sequential(nn.Conv2d(2 * c, c, 3, 1, 1, bias=False), nn.PixelUnshuffle(2))
        self.enc3, self.down34 = B(4 * c, blocks[2], heads[2]), nn.Sequential(nn.Conv2d(4 * c, 2 * c, 3, 1, 1, bias=False), nn.PixelUnshuffle(2))
        self.latent = B(8 * c, blocks[3], heads[3])
        self.up43 = nn.Sequential(nn.Conv2d(8 * c, 16 * c, 3, 1, 1, bias=False), nn.PixelShuffle(2))
        self.reduce3, self.dec3 = nn.Conv2d(8 * c, 4 * c, 1, bias=False), B(4 * c, blocks[2], heads[2])
        self.up32 = nn.Sequential(nn.Conv2d(4 * c, 8 * c, 3, 1, 1, bias=False), nn.PixelShuffle(2))
        self.reduce2, self.dec2 = nn.Conv2d(4 * c, 2 * c, 1, bias=False), B(2 * c, blocks[1], heads[1])
        self.up21 = nn.Sequential(nn.Conv2d(2 * c, 4 * c, 3, 1, 1, bias=False), nn.PixelShuffle(2))
        self.dec1, self.refinement = B(2 * c, blocks[0], heads[0]), B(2 * c, refinement, heads[0])
        self.output = nn.Conv2d(2 * c, 3, 3, 1, 1, bias=False)

    def forward(self, inp):
        e1 = self.enc1(self.patch_embed(inp))
        e2 = self.enc2(self.down12(e1))
        e3 = self.enc3(self.down23(e2))
        lat = self.latent(self.down34(e3))
        d3 = self.dec3(self.reduce3(torch.cat([self.up43(lat), e3], 1)))
        d2 = self.dec2(self.reduce2(torch.cat([self.up32(d3), e2], 1)))
        d1 = self.dec1(torch.cat([self.up21(d2), e1], 1))
        return self.output(self.refinement(d1)) + inp


# --- Zero-DCE (Li-Chongyi/Zero-DCE model.py) and Zero-DCE++ (Zero-DCE_extension model.py) ---
class ZeroDCE(nn.Module):
    def __init__(self, n=32):
        super().__init__()
        self.e1, self.e2, self.e3, self.e4 = nn.Conv2d(3, n, 3, 1, 1), nn.Conv2d(n, n, 3, 1, 1), nn.Conv2d(n, n, 3, 1, 1), nn.Conv2d(n, n, 3, 1, 1)
        self.e5, self.e6, self.e7 = nn.Conv2d(2 * n, n, 3, 1, 1), nn.Conv2d(2 * n, n, 3, 1, 1), nn.Conv2d(2 * n, 24, 3, 1, 1)

    def forward(self, x):
        x1 = F.relu(self.e1(x))
        x2 = F.relu(self.e2(x1))
        x3 = F.relu(self.e3(x2))
        x4 = F.relu(self.e4(x3))
        x5 = F.relu(self.e5(torch.cat([x3, x4], 1)))
        x6 = F.relu(self.e6(torch.cat([x2, x5], 1)))
        x_r = torch.tanh(self.e7(torch.cat([x1, x6], 1)))
        r = torch.split(x_r, 3, dim=1)
        for i in range(4):
            x = x + r[i] * (torch.pow(x, 2) - x)
        enhance_1 = x
        for i in range(4, 8):
            x = x + r[i] * (torch.pow(x, 2) - x)
        return enhance_1, x, x_r


class CSDNTem(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.depth_conv = nn.Conv2d(i, i, 3, 1, 1, groups=i)
        self.point_conv = nn.Conv2d(i, o, 1)

    def forward(self, x):
        return self.point_conv(self.depth_conv(x))


class ZeroDCEpp(nn.Module):
    def __init__(self, scale_factor=2, n=32):
        super().__init__()
        self.scale_factor = scale_factor
        self.e = nn.ModuleList([CSDNTem(3, n), CSDNTem(n, n), CSDNTem(n, n), CSDNTem(n, n), CSDNTem(2 * n, n), CSDNTem(2 * n, n), CSDNTem(2 * n, 3)])

    def forward(self, x):
        x_down = x if self.scale_factor == 1 else F.interpolate(x, scale_factor=1 / self.scale_factor, mode='bilinear')
        x1 = F.relu(self.e[0](x_down))
        x2 = F.relu(self.e[1](x1))
        x3 = F.relu(self.e[2](x2))
        x4 = F.relu(self.e[3](x3))
        x5 = F.relu(self.e[4](torch.cat([x3, x4], 1)))
        x6 = F.relu(self.e[5](torch.cat([x2, x5], 1)))
        x_r = torch.tanh(self.e[6](torch.cat([x1, x6], 1)))
        if self.scale_factor != 1:
            x_r = nn.UpsamplingBilinear2d(scale_factor=self.scale_factor)(x_r)
        for _ in range(8):
            x = x + x_r * (torch.pow(x, 2) - x)
        return x, x_r


# --- U²-Netp (xuebinqin/U-2-Net model/u2net.py U2NETP) ---
class REBNCONV(nn.Module):
    def __init__(self, i, o, d=1):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(i, o, 3, padding=d, dilation=d), nn.BatchNorm2d(o)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def up_like(src, tar):
    return F.interpolate(src, size=tar.shape[2:], mode='bilinear')


class RSU(nn.Module):
    """RSU-L (L = 7..4): encoder of REBNCONVs with ceil-mode pools, dilated bottom, decoder with bilinear ups."""

    def __init__(self, L, i, m, o):
        super().__init__()
        self.L = L
        self.rin = REBNCONV(i, o)
        self.enc = nn.ModuleList([REBNCONV(o, m)] + [REBNCONV(m, m) for _ in range(L - 2)])
        self.bottom = REBNCONV(m, m, 2)
        self.dec = nn.ModuleList([REBNCONV(2 * m, m) for _ in range(L - 2)] + [REBNCONV(2 * m, o)])
        self.pool = nn.MaxPool2d(2, 2, ceil_mode=True)

    def forward(self, x):
        hxin = self.rin(x)
        hs, h = [], hxin
        for j, e in enumerate(self.enc):
            h = e(h if j == 0 else self.pool(h))
            hs.append(h)
        d = self.bottom(hs[-1])
        for j, dec in enumerate(self.dec):
            skip = hs[-1 - j]
            d = dec(torch.cat((d if j == 0 else up_like(d, skip), skip), 1))
        return d + hxin


class RSU4F(nn.Module):
    def __init__(self, i, m, o):
        super().__init__()
        self.rin = REBNCONV(i, o)
        self.e1, self.e2, self.e3, self.e4 = REBNCONV(o, m, 1), REBNCONV(m, m, 2), REBNCONV(m, m, 4), REBNCONV(m, m, 8)
        self.d3, self.d2, self.d1 = REBNCONV(2 * m, m, 4), REBNCONV(2 * m, m, 2), REBNCONV(2 * m, o, 1)

    def forward(self, x):
        hxin = self.rin(x)
        h1 = self.e1(hxin)
        h2 = self.e2(h1)
        h3 = self.e3(h2)
        h4 = self.e4(h3)
        d3 = self.d3(torch.cat((h4, h3), 1))
        d2 = self.d2(torch.cat((d3, h2), 1))
        return self.d1(torch.cat((d2, h1), 1)) + hxin


class U2NETP(nn.Module):
    def __init__(self):
        super().__init__()
        self.stage1, self.stage2, self.stage3 = RSU(7, 3, 16, 64), RSU(6, 64, 16, 64), RSU(5, 64, 16, 64)
        self.stage4, self.stage5, self.stage6 = RSU(4, 64, 16, 64), RSU4F(64, 16, 64), RSU4F(64, 16, 64)
        self.stage5d, self.stage4d, self.stage3d = RSU4F(128, 16, 64), RSU(4, 128, 16, 64), RSU(5, 128, 16, 64)
        self.stage2d, self.stage1d = RSU(6, 128, 16, 64), RSU(7, 128, 16, 64)
        self.side = nn.ModuleList([nn.Conv2d(64, 1, 3, padding=1) for _ in range(6)])
        self.outconv = nn.Conv2d(6, 1, 1)
        self.pool = nn.MaxPool2d(2, 2, ceil_mode=True)

    def forward(self, x):
        hx1 = self.stage1(x)
        hx2 = self.stage2(self.pool(hx1))
        hx3 = self.stage3(self.pool(hx2))
        hx4 = self.stage4(self.pool(hx3))
        hx5 = self.stage5(self.pool(hx4))
        hx6 = self.stage6(self.pool(hx5))
        hx5d = self.stage5d(torch.cat((up_like(hx6, hx5), hx5), 1))
        hx4d = self.stage4d(torch.cat((up_like(hx5d, hx4), hx4), 1))
        hx3d = self.stage3d(torch.cat((up_like(hx4d, hx3), hx3), 1))
        hx2d = self.stage2d(torch.cat((up_like(hx3d, hx2), hx2), 1))
        hx1d = self.stage1d(torch.cat((up_like(hx2d, hx1), hx1), 1))
        ds = [self.side[0](hx1d)] + [up_like(s(h), hx1d) for s, h in zip(self.side[1:], (hx2d, hx3d, hx4d, hx5d, hx6))]
        d0 = self.outconv(torch.cat(ds, 1))
        return tuple(torch.sigmoid(d) for d in [d0] + ds)


# --- Mask2Former (facebookresearch/Mask2Former msdeformattn.py pixel decoder, mask2former_transformer_decoder.py) ---
def ms_deform_attn(value, shapes, loc, weights):
    """ms_deform_attn_core_pytorch: grid_sample per level, weighted sum."""
    n, _, m, d = value.shape
    _, lq, _, L, p, _ = loc.shape
    values = value.split([h * w for h, w in shapes], dim=1)
    grids = 2 * loc - 1
    out = []
    for lid, (h, w) in enumerate(shapes):
        v = values[lid].flatten(2).transpose(1, 2).reshape(n * m, d, h, w)
        g = grids[:, :, :, lid].transpose(1, 2).flatten(0, 1)
        out.append(F.grid_sample(v, g, mode='bilinear', padding_mode='zeros', align_corners=False))
    weights = weights.transpose(1, 2).reshape(n * m, 1, lq, L * p)
    o = (torch.stack(out, dim=-2).flatten(-2) * weights).sum(-1).view(n, m * d, lq)
    return o.transpose(1, 2).contiguous()


class MSDeformAttn(nn.Module):
    def __init__(self, c=64, levels=3, heads=4, points=4):
        super().__init__()
        self.L, self.h, self.p = levels, heads, points
        self.sampling_offsets = nn.Linear(c, heads * levels * points * 2)
        self.attention_weights = nn.Linear(c, heads * levels * points)
        self.value_proj, self.output_proj = nn.Linear(c, c), nn.Linear(c, c)

    def forward(self, query, ref, value, shapes):
        n, lq, c = query.shape
        v = self.value_proj(value).view(n, value.shape[1], self.h, c // self.h)
        off = self.sampling_offsets(query).view(n, lq, self.h, self.L, self.p, 2)
        aw = F.softmax(self.attention_weights(query).view(n, lq, self.h, self.L * self.p), -1).view(n, lq, self.h, self.L, self.p)
        norm = torch.tensor([[w, h] for h, w in shapes], dtype=torch.float32)
        loc = ref[:, :, None, :, None, :] + off / norm[None, None, None, :, None, :]
        return self.output_proj(ms_deform_attn(v, shapes, loc, aw))


def sine_pos(h, w, c, temperature=10000):
    y = torch.arange(1, h + 1, dtype=torch.float32)[:, None].expand(h, w) / (h + 1e-6) * 2 * math.pi
    x = torch.arange(1, w + 1, dtype=torch.float32)[None, :].expand(h, w) / (w + 1e-6) * 2 * math.pi
    dim_t = temperature ** (2 * (torch.arange(c // 2) // 2) / (c // 2))
    px, py = x[..., None] / dim_t, y[..., None] / dim_t
    px = torch.stack((px[..., 0::2].sin(), px[..., 1::2].cos()), dim=3).flatten(2)
    py = torch.stack((py[..., 0::2].sin(), py[..., 1::2].cos()), dim=3).flatten(2)
    return torch.cat((py, px), dim=2).permute(2, 0, 1)[None]


class Mask2FormerLite(nn.Module):
    def __init__(self, c=64, queries=20, nc=20, heads=4, dec_layers=3, size=256):
        super().__init__()
        import torchvision
        r = torchvision.models.resnet18()
        self.res2 = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1)
        self.res3, self.res4, self.res5 = r.layer2, r.layer3, r.layer4
        self.input_proj = nn.ModuleList([nn.Sequential(nn.Conv2d(ci, c, 1), nn.GroupNorm(32, c)) for ci in (512, 256, 128)])
        self.level_embed = nn.Parameter(torch.randn(3, c))
        self.enc_attn, self.enc_norm1 = MSDeformAttn(c), nn.LayerNorm(c)
        self.enc_ffn, self.enc_norm2 = nn.Sequential(nn.Linear(c, 4 * c), nn.ReLU(), nn.Linear(4 * c, c)), nn.LayerNorm(c)
        self.lateral = nn.Sequential(nn.Conv2d(64, c, 1, bias=False), nn.GroupNorm(32, c))
        self.output = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.GroupNorm(32, c), nn.ReLU())
        self.mask_features = nn.Conv2d(c, c, 1)
        self.shapes = [(size // s, size // s) for s in (32, 16, 8)]
        self.register_buffer('pos', torch.cat([sine_pos(h, w, c).flatten(2) for h, w in self.shapes], 2).transpose(1, 2))
        refs = []
        for h, w in self.shapes:
            ry, rx = torch.meshgrid(torch.linspace(0.5, h - 0.5, h) / h, torch.linspace(0.5, w - 0.5, w) / w, indexing='ij')
            refs.append(torch.stack((rx.reshape(-1), ry.reshape(-1)), -1))
        self.register_buffer('ref', torch.cat(refs, 0)[None, :, None].expand(1, -1, 3, 2).contiguous())
        # transformer decoder
        self.h, self.q = heads, queries
        self.query_feat, self.query_embed = nn.Embedding(queries, c), nn.Embedding(queries, c)
        self.dec_level_embed = nn.Embedding(3, c)
        self.cross = nn.ModuleList([nn.MultiheadAttention(c, heads) for _ in range(dec_layers)])
        self.selfa = nn.ModuleList([nn.MultiheadAttention(c, heads) for _ in range(dec_layers)])
        self.ffn = nn.ModuleList([nn.Sequential(nn.Linear(c, 2 * c), nn.ReLU(), nn.Linear(2 * c, c)) for _ in range(dec_layers)])
        self.norms = nn.ModuleList([nn.LayerNorm(c) for _ in range(3 * dec_layers)])
        self.decoder_norm = nn.LayerNorm(c)
        self.class_embed = nn.Linear(c, nc + 1)
        self.mask_embed = nn.Sequential(nn.Linear(c, c), nn.ReLU(), nn.Linear(c, c), nn.ReLU(), nn.Linear(c, c))
        self.dec_pos = [sine_pos(h, w, c).flatten(2).permute(2, 0, 1) for h, w in self.shapes]
        for i, p in enumerate(self.dec_pos):
            self.register_buffer(f'dec_pos{i}', p)

    def pred(self, out, mask_features, size):
        d = self.decoder_norm(out).transpose(0, 1)
        cls = self.class_embed(d)
        masks = torch.einsum('bqc,bchw->bqhw', self.mask_embed(d), mask_features)
        am = F.interpolate(masks, size=size, mode='bilinear', align_corners=False)
        am = (am.sigmoid().flatten(2).unsqueeze(1).repeat(1, self.h, 1, 1).flatten(0, 1) < 0.5).bool()
        return cls, masks, am.detach()

    def forward(self, x):
        r2 = self.res2(x)
        r3 = self.res3(r2)
        r4 = self.res4(r3)
        r5 = self.res5(r4)
        srcs = [p(f) for p, f in zip(self.input_proj, (r5, r4, r3))]
        flat = torch.cat([s.flatten(2).transpose(1, 2) for s in srcs], 1)
        lvl = torch.cat([self.level_embed[i].view(1, 1, -1).expand(1, h * w, -1) for i, (h, w) in enumerate(self.shapes)], 1)
        q = flat + self.pos + lvl
        flat = self.enc_norm1(flat + self.enc_attn(q, self.ref, flat, self.shapes))
        flat = self.enc_norm2(flat + self.enc_ffn(flat))
        outs = flat.split([h * w for h, w in self.shapes], 1)
        maps = [o.transpose(1, 2).reshape(x.shape[0], -1, h, w) for o, (h, w) in zip(outs, self.shapes)]
        y = self.lateral(r2) + F.interpolate(maps[-1], size=r2.shape[-2:], mode='bilinear', align_corners=False)
        mask_features = self.mask_features(self.output(y))
        # masked-attention decoder, one layer per level (round robin)
        bs = x.shape[0]
        qe = self.query_embed.weight.unsqueeze(1).repeat(1, bs, 1)
        out = self.query_feat.weight.unsqueeze(1).repeat(1, bs, 1)
        src = [maps[i].flatten(2).permute(2, 0, 1) + self.dec_level_embed.weight[i][None, None] for i in range(3)]
        _, _, am = self.pred(out, mask_features, self.shapes[0])
        for i in range(len(self.cross)):
            lv = i % 3
            am[torch.where(am.sum(-1) == am.shape[-1])] = False
            pos = getattr(self, f'dec_pos{lv}')
            t = self.cross[i](out + qe, src[lv] + pos, src[lv], attn_mask=am)[0]
            out = self.norms[3 * i](out + t)
            t = self.selfa[i](out + qe, out + qe, out)[0]
            out = self.norms[3 * i + 1](out + t)
            out = self.norms[3 * i + 2](out + self.ffn[i](out))
            cls, masks, am = self.pred(out, mask_features, self.shapes[(i + 1) % 3])
        return cls, masks
