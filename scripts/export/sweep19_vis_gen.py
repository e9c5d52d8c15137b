"""Nineteenth sweep (docs/model-sweep.md): diffusion transformers, conditioning and restoration as their public code
writes them — DiT (facebookresearch/DiT models.py: patchify, sinusoidal timestep and label embeddings, adaLN-Zero
modulation, tanh-GELU MLP, unpatchify by einsum, forward_with_cfg), ControlNet (lllyasviel/ControlNet cldm.py: the
hint encoder, zero convs on every encoder level and the middle block, residuals added to a copy of the UNet's skips),
Retinexformer (caiyuanhao1998/Retinexformer: illumination estimator, illumination-guided channel attention with L2-
normalized q / k and a learned rescale, NHWC blocks), IAT (cuiziteng/Illumination-Adaptive-Transformer: Aff_channel
with a colour matrix by tensordot, local mul / add branch, global queries predicting gamma and a 3x3 colour matrix
applied by tensordot and a power), SPAN (hongyuanyu/SPAN: parameter-free attention sigmoid(x) - 0.5, pixel shuffle)
and DehazeFormer (IDKiro/DehazeFormer: RescaleNorm with meta rescale / rebias, reflect-padded shifted windows,
log-spaced relative positions through an MLP, SK fusion, K·x - B + x). Plain torch.nn, small widths, random weights.
Imported by sweep19_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep9_gen import ResBlock, Transformer2D
from sweep3_models import timestep_embedding


# --- DiT ---
def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class DiTBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.norm1, self.norm2 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6), nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate='tanh'), nn.Linear(4 * d, d))
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))

    def attn(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        a = (q @ k.transpose(-2, -1) * (c // self.h) ** -0.5).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, c))

    def forward(self, x, c):
        sh_msa, sc_msa, g_msa, sh_mlp, sc_mlp, g_mlp = self.ada(c).chunk(6, dim=1)
        x = x + g_msa.unsqueeze(1) * self.attn(modulate(self.norm1(x), sh_msa, sc_msa))
        return x + g_mlp.unsqueeze(1) * self.mlp(modulate(self.norm2(x), sh_mlp, sc_mlp))


class DiT(nn.Module):
    def __init__(self, size=32, patch=2, cin=4, d=128, depth=3, heads=4, ncls=1000, cfg_scale=4.0):
        super().__init__()
        self.p, self.cin, self.cout, self.cfg = patch, cin, 2 * cin, cfg_scale
        self.x_embed = nn.Conv2d(cin, d, patch, patch)
        self.t_mlp = nn.Sequential(nn.Linear(256, d), nn.SiLU(), nn.Linear(d, d))
        self.y_table = nn.Embedding(ncls + 1, d)
        n = (size // patch) ** 2
        g = torch.arange(size // patch, dtype=torch.float32)
        omega = 1. / 10000 ** (torch.arange(d // 4, dtype=torch.float32) / (d / 4.))
        gy, gx = torch.meshgrid(g, g)
        emb = lambda pos: torch.cat([torch.sin(pos.reshape(-1)[:, None] * omega), torch.cos(pos.reshape(-1)[:, None] * omega)], 1)
        self.register_buffer('pos_embed', torch.cat([emb(gx), emb(gy)], 1)[None])   # 2-D sin-cos, fixed
        self.blocks = nn.ModuleList(DiTBlock(d, heads) for _ in range(depth))
        self.norm_final = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.final = nn.Linear(d, patch * patch * self.cout)
        self.ada_final = nn.Sequential(nn.SiLU(), nn.Linear(d, 2 * d))
        assert self.pos_embed.shape[1] == n

    @staticmethod
    def timestep_embedding(t, dim=256, max_period=10000):
        half = dim // 2
        freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
        args = t[:, None].float() * freqs[None]
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)

    def unpatchify(self, x):
        c, p = self.cout, self.p
        h = w = int(x.shape[1] ** 0.5)
        x = x.reshape(x.shape[0], h, w, p, p, c)
        x = torch.einsum('nhwpqc->nchpwq', x)
        return x.reshape(x.shape[0], c, h * p, h * p)

    def core(self, x, t, y):
        x = self.x_embed(x).flatten(2).transpose(1, 2) + self.pos_embed
        c = self.t_mlp(self.timestep_embedding(t)) + self.y_table(y)
        for blk in self.blocks:
            x = blk(x, c)
        shift, scale = self.ada_final(c).chunk(2, dim=1)
        return self.unpatchify(self.final(modulate(self.norm_final(x), shift, scale)))

    def forward(self, x, t, y):
        """forward_with_cfg: x [2B, C, H, W] whose halves are equal, y [2B] (the second half the null class)."""
        half = x[: len(x) // 2]
        out = self.core(torch.cat([half, half], 0), t, y)
        eps, rest = out[:, :self.cin], out[:, self.cin:]
        cond, uncond = torch.split(eps, len(eps) // 2, dim=0)
        half_eps = uncond + self.cfg * (cond - uncond)
        return torch.cat([torch.cat([half_eps, half_eps], 0), rest], 1)


# --- ControlNet on the ninth sweep's small SD UNet ---
def zero_conv(c):
    conv = nn.Conv2d(c, c, 1)
    nn.init.zeros_(conv.weight)
    nn.init.zeros_(conv.bias)
    return conv


class ControlledUNet(nn.Module):
    """cldm.py: ControlNet (a copy of the UNet encoder fed hint features) + ControlledUnetModel (skips plus control)."""

    def __init__(self, ch=(32, 64), ctx=64):
        super().__init__()
        te = ch[0] * 4
        self.ch0 = ch[0]

        def encoder():
            return nn.ModuleDict(dict(temb=nn.Sequential(nn.Linear(ch[0], te), nn.SiLU(), nn.Linear(te, te)),
                                      cin=nn.Conv2d(4, ch[0], 3, padding=1), d0=ResBlock(ch[0], ch[0], te), t0=Transformer2D(ch[0], ctx),
                                      down=nn.Conv2d(ch[0], ch[0], 3, 2, 1), d1=ResBlock(ch[0], ch[1], te), t1=Transformer2D(ch[1], ctx),
                                      m1=ResBlock(ch[1], ch[1], te), mt=Transformer2D(ch[1], ctx), m2=ResBlock(ch[1], ch[1], te)))
        self.unet, self.control = encoder(), encoder()
        self.hint = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.SiLU(), nn.Conv2d(16, 16, 3, padding=1), nn.SiLU(),
                                  nn.Conv2d(16, 32, 3, 2, 1), nn.SiLU(), nn.Conv2d(32, 32, 3, padding=1), nn.SiLU(),
                                  nn.Conv2d(32, 32, 3, 2, 1), nn.SiLU(), nn.Conv2d(32, 32, 3, 2, 1), nn.SiLU(), zero_conv(ch[0]))
        self.zeros = nn.ModuleList([zero_conv(ch[0]), zero_conv(ch[0]), zero_conv(ch[1])])
        self.middle_zero = zero_conv(ch[1])
        self.u1, self.ut1 = ResBlock(2 * ch[1], ch[1], te), Transformer2D(ch[1], ctx)
        self.upc = nn.Conv2d(ch[1], ch[1], 3, padding=1)
        self.u0, self.ut0 = ResBlock(ch[1] + ch[0], ch[0], te), Transformer2D(ch[0], ctx)
        self.nout, self.cout = nn.GroupNorm(32, ch[0]), nn.Conv2d(ch[0], 4, 3, padding=1)

    def encode(self, e, x, emb, ctx, hint=None):
        h = e['cin'](x)
        if hint is not None:
            h = h + hint
        hs = [h]
        h = e['t0'](e['d0'](h, emb), ctx)
        hs.append(h)
        h = e['t1'](e['d1'](e['down'](h), emb), ctx)
        hs.append(h)
        return hs, e['m2'](e['mt'](e['m1'](h, emb), ctx), emb)

    def forward(self, sample, timestep, encoder_hidden_states, hint, control_scale):
        ctx = encoder_hidden_states
        t = timestep_embedding(timestep.expand(sample.shape[0]), self.ch0)
        c_emb, u_emb = self.control['temb'](t), self.unet['temb'](t)
        c_hs, c_mid = self.encode(self.control, sample, c_emb, ctx, self.hint(hint))
        control = [z(h) * control_scale for z, h in zip(self.zeros, c_hs)] + [self.middle_zero(c_mid) * control_scale]
        hs, h = self.encode(self.unet, sample, u_emb, ctx)
        h = h + control.pop()
        h = self.ut1(self.u1(torch.cat([h, hs.pop() + control.pop()], 1), u_emb), ctx)
        h = self.upc(F.interpolate(h, scale_factor=2.0, mode='nearest'))
        h = self.ut0(self.u0(torch.cat([h, hs.pop() + control.pop()], 1), u_emb), ctx)
        return self.cout(F.silu(self.nout(h + hs.pop() + control.pop())))


# --- Retinexformer ---
class IlluminationEstimator(nn.Module):
    def __init__(self, mid=40, cin=4, cout=3):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, mid, 1)
        self.depth_conv = nn.Conv2d(mid, mid, 5, padding=2, groups=cin)
        self.conv2 = nn.Conv2d(mid, cout, 1)

    def forward(self, img):
        x = torch.cat([img, img.mean(dim=1).unsqueeze(1)], dim=1)
        fea = self.depth_conv(self.conv1(x))
        return fea, self.conv2(fea)


class IGMSA(nn.Module):
    def __init__(self, dim, dim_head, heads):
        super().__init__()
        self.h, self.d = heads, dim_head
        self.to_q, self.to_k, self.to_v = (nn.Linear(dim, dim_head * heads, bias=False) for _ in range(3))
        self.rescale = nn.Parameter(torch.ones(heads, 1, 1) + 0.1 * torch.randn(heads, 1, 1))
        self.proj = nn.Linear(dim_head * heads, dim)
        self.pos_emb = nn.Sequential(nn.Conv2d(dim, dim, 3, 1, 1, bias=False, groups=dim), nn.GELU(),
                                     nn.Conv2d(dim, dim, 3, 1, 1, bias=False, groups=dim))

    def forward(self, x_in, illu):
        b, h, w, c = x_in.shape
        x = x_in.reshape(b, h * w, c)
        q, k, v_inp = self.to_q(x), self.to_k(x), self.to_v(x)
        split = lambda t: t.reshape(b, h * w, self.h, self.d).transpose(1, 2)   # b h n d
        q, k, v, ia = split(q), split(k), split(v_inp), split(illu.flatten(1, 2))
        v = v * ia
        q, k, v = q.transpose(-2, -1), k.transpose(-2, -1), v.transpose(-2, -1)
        q, k = F.normalize(q, dim=-1, p=2), F.normalize(k, dim=-1, p=2)
        attn = ((k @ q.transpose(-2, -1)) * self.rescale).softmax(dim=-1)
        x = (attn @ v).permute(0, 3, 1, 2).reshape(b, h * w, self.h * self.d)
        out_c = self.proj(x).view(b, h, w, c)
        out_p = self.pos_emb(v_inp.reshape(b, h, w, c).permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return out_c + out_p


class FeedForwardNHWC(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(dim, dim * mult, 1, bias=False), nn.GELU(),
                                 nn.Conv2d(dim * mult, dim * mult, 3, 1, 1, bias=False, groups=dim * mult), nn.GELU(),
                                 nn.Conv2d(dim * mult, dim, 1, bias=False))

    def forward(self, x):
        return self.net(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class IGAB(nn.Module):
    def __init__(self, dim, dim_head, heads, blocks):
        super().__init__()
        self.blocks = nn.ModuleList(nn.ModuleList([IGMSA(dim, dim_head, heads), nn.LayerNorm(dim), FeedForwardNHWC(dim)])
                                    for _ in range(blocks))

    def forward(self, x, illu):
        x = x.permute(0, 2, 3, 1)
        for attn, norm, ff in self.blocks:
            x = attn(x, illu.permute(0, 2, 3, 1)) + x
            x = ff(norm(x)) + x
        return x.permute(0, 3, 1, 2)


class Retinexformer(nn.Module):
    def __init__(self, dim=32, levels=2, blocks=(1, 2, 2)):
        super().__init__()
        self.estimator = IlluminationEstimator(dim)
        self.embedding = nn.Conv2d(3, dim, 3, 1, 1, bias=False)
        self.enc, d = nn.ModuleList(), dim
        for i in range(levels):
            self.enc.append(nn.ModuleList([IGAB(d, dim, d // dim, blocks[i]), nn.Conv2d(d, 2 * d, 4, 2, 1, bias=False),
                                           nn.Conv2d(d, 2 * d, 4, 2, 1, bias=False)]))
            d *= 2
        self.bottleneck = IGAB(d, dim, d // dim, blocks[-1])
        self.dec = nn.ModuleList()
        for i in range(levels):
            self.dec.append(nn.ModuleList([nn.ConvTranspose2d(d, d // 2, 2, 2), nn.Conv2d(d, d // 2, 1, bias=False),
                                           IGAB(d // 2, dim, (d // 2) // dim, blocks[levels - 1 - i])]))
            d //= 2
        self.mapping = nn.Conv2d(dim, 3, 3, 1, 1, bias=False)

    def forward(self, img):
        illu_fea, illu_map = self.estimator(img)
        x = img * illu_map + img
        fea = self.embedding(x)
        skips, illus = [], []
        for igab, down, illu_down in self.enc:
            fea = igab(fea, illu_fea)
            illus.append(illu_fea)
            skips.append(fea)
            fea, illu_fea = down(fea), illu_down(illu_fea)
        fea = self.bottleneck(fea, illu_fea)
        for (up, fuse, igab), skip, illu in zip(self.dec, reversed(skips), reversed(illus)):
            fea = fuse(torch.cat([up(fea), skip], 1))
            fea = igab(fea, illu)
        return self.mapping(fea) + x


# --- IAT ---
class AffChannel(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.alpha, self.beta = nn.Parameter(1 + 0.1 * torch.randn(1, 1, dim)), nn.Parameter(0.1 * torch.randn(1, 1, dim))
        self.color = nn.Parameter(torch.eye(dim) + 0.05 * torch.randn(dim, dim))

    def forward(self, x):                                           # b, n, c
        return torch.tensordot(x, self.color, dims=[[-1], [-1]]) * self.alpha + self.beta


class CBlockLN(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.pos = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm1, self.norm2 = AffChannel(dim), AffChannel(dim)
        self.conv1, self.attn, self.conv2 = nn.Conv2d(dim, dim, 1), nn.Conv2d(dim, dim, 5, padding=2, groups=dim), nn.Conv2d(dim, dim, 1)
        self.g1, self.g2 = nn.Parameter(1e-1 * torch.ones(1, dim, 1, 1)), nn.Parameter(1e-1 * torch.ones(1, dim, 1, 1))
        self.mlp = nn.Sequential(nn.Conv2d(dim, 4 * dim, 1), nn.GELU(), nn.Conv2d(4 * dim, dim, 1))

    def forward(self, x):
        x = x + self.pos(x)
        b, c, h, w = x.shape
        norm = lambda n, t: n(t.flatten(2).transpose(1, 2)).view(b, h, w, c).permute(0, 3, 1, 2)
        x = x + self.g1 * self.conv2(self.attn(self.conv1(norm(self.norm1, x))))
        return x + self.g2 * self.mlp(norm(self.norm2, x))


class IAT(nn.Module):
    def __init__(self, dim=16, queries=10):
        super().__init__()
        # Local_pred_S
        self.conv1 = nn.Conv2d(3, dim, 3, padding=1)
        self.mul_blocks, self.add_blocks = nn.Sequential(CBlockLN(dim), CBlockLN(dim)), nn.Sequential(CBlockLN(dim), CBlockLN(dim))
        self.mul_end, self.add_end = nn.Conv2d(dim, 3, 3, padding=1), nn.Conv2d(dim, 3, 3, padding=1)
        # Global_pred
        self.g_embed = nn.Sequential(nn.Conv2d(3, dim, 3, 2, 1), nn.GELU(), nn.Conv2d(dim, 2 * dim, 3, 2, 1), nn.GELU())
        self.g_block = CBlockLN(2 * dim)
        self.query = nn.Parameter(torch.randn(1, queries, 2 * dim))
        self.q_attn = nn.MultiheadAttention(2 * dim, 4, batch_first=True)
        self.gamma_base, self.color_base = nn.Parameter(torch.ones(1)), nn.Parameter(torch.eye(3))
        self.gamma_linear, self.color_linear = nn.Linear(2 * dim, 1), nn.Linear(2 * dim, 1)

    def forward(self, img_low):
        x = F.leaky_relu(self.conv1(img_low), 0.2)
        mul = F.relu(self.mul_end(self.mul_blocks(x)))
        add = torch.tanh(self.add_end(self.add_blocks(x)))
        img_high = img_low * mul + add
        g = self.g_block(self.g_embed(img_low)).flatten(2).transpose(1, 2)
        q, _ = self.q_attn(self.query.expand(g.shape[0], -1, -1), g, g)
        gamma = self.gamma_linear(q[:, 0]).squeeze(-1) + self.gamma_base          # b
        color = self.color_linear(q[:, 1:]).squeeze(-1)                            # b, 9
        color = color.view(-1, 3, 3) + self.color_base
        b = img_high.shape[0]
        img_high = img_high.permute(0, 2, 3, 1)
        outs = []
        for i in range(b):
            im = torch.tensordot(img_high[i].reshape(-1, 3), color[i], dims=[[-1], [-1]]).view(img_high.shape[1:])
            outs.append(torch.clamp(im, 1e-8, 1.0) ** gamma[i])
        return mul, add, torch.stack(outs, 0).permute(0, 3, 1, 2)


# --- SPAN ---
class SPAB(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.c2, self.c3 = nn.Conv2d(c, c, 3, padding=1), nn.Conv2d(c, c, 3, padding=1), nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        out1 = self.c1(x)
        out2 = self.c2(F.silu(out1))
        out3 = self.c3(F.silu(out2))
        sim_att = torch.sigmoid(out3) - 0.5
        return (out3 + x) * sim_att, out1


class SPAN(nn.Module):
    def __init__(self, c=32, scale=4):
        super().__init__()
        self.conv_1 = nn.Conv2d(3, c, 3, padding=1)
        self.blocks = nn.ModuleList(SPAB(c) for _ in range(6))
        self.conv_cat = nn.Conv2d(4 * c, c, 1)
        self.conv_2 = nn.Conv2d(c, c, 3, padding=1)
        self.up = nn.Sequential(nn.Conv2d(c, 3 * scale * scale, 3, padding=1), nn.PixelShuffle(scale))

    def forward(self, x):
        out_feature = self.conv_1(x)
        out, outs = out_feature, []
        for blk in self.blocks:
            out, first = blk(out)
            outs.append(first)
        out_b6 = out
        out_b6_2 = self.conv_2(out_b6)
        out = self.conv_cat(torch.cat([out_feature, out_b6_2, outs[0], out_b6], 1))
        return self.up(out)


# --- DehazeFormer ---
class RLN(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight, self.bias = nn.Parameter(torch.ones(1, dim, 1, 1)), nn.Parameter(torch.zeros(1, dim, 1, 1))
        self.meta1, self.meta2 = nn.Conv2d(1, dim, 1), nn.Conv2d(1, dim, 1)

    def forward(self, x):
        mean = torch.mean(x, dim=(1, 2, 3), keepdim=True)
        std = torch.sqrt((x - mean).pow(2).mean(dim=(1, 2, 3), keepdim=True) + self.eps)
        out = (x - mean) / std * self.weight + self.bias
        return out, self.meta1(std), self.meta2(mean)


def window_partition(x, ws):
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws * ws, c)


def window_reverse(windows, ws, h, w):
    b = windows.shape[0] // (h * w // ws // ws)
    x = windows.view(b, h // ws, w // ws, ws, ws, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(b, h, w, -1)


class WindowAttention(nn.Module):
    def __init__(self, dim, ws, heads):
        super().__init__()
        self.h, self.ws, self.scale = heads, ws, (dim // heads) ** -0.5
        coords = torch.stack(torch.meshgrid([torch.arange(ws), torch.arange(ws)])).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).float()
        self.register_buffer('relative_positions', torch.sign(rel) * torch.log(1. + rel.abs()))
        self.meta = nn.Sequential(nn.Linear(2, 256), nn.ReLU(), nn.Linear(256, heads))

    def forward(self, qkv):
        b, n, _ = qkv.shape
        qkv = qkv.reshape(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        attn = attn + self.meta(self.relative_positions).permute(2, 0, 1).contiguous().unsqueeze(0)
        return (attn.softmax(-1) @ v).transpose(1, 2).reshape(b, n, -1)


class DHAttention(nn.Module):
    def __init__(self, dim, heads, ws, shift):
        super().__init__()
        self.dim, self.ws, self.shift = dim, ws, shift
        self.V, self.QK, self.proj = nn.Conv2d(dim, dim, 1), nn.Conv2d(dim, 2 * dim, 1), nn.Conv2d(dim, dim, 1)
        self.conv = nn.Conv2d(dim, dim, 5, padding=2, groups=dim, padding_mode='reflect')
        self.attn = WindowAttention(dim, ws, heads)

    def forward(self, x):
        b, c, h, w = x.shape
        v = self.V(x)
        qkv = torch.cat([self.QK(x), v], 1)
        s, ws = self.shift, self.ws
        mod_pad_h, mod_pad_w = (ws - h % ws) % ws, (ws - w % ws) % ws
        shifted = F.pad(qkv, (s, (ws - s + mod_pad_w) % ws, s, (ws - s + mod_pad_h) % ws), mode='reflect')
        hp, wp = shifted.shape[2:]
        out = window_reverse(self.attn(window_partition(shifted.permute(0, 2, 3, 1), ws)), ws, hp, wp)
        attn_out = out[:, s:s + h, s:s + w, :].permute(0, 3, 1, 2)
        return self.proj(self.conv(v) + attn_out)


class DHBlock(nn.Module):
    def __init__(self, dim, heads, ws, shift):
        super().__init__()
        self.norm1 = RLN(dim)
        self.attn = DHAttention(dim, heads, ws, shift)
        self.mlp = nn.Sequential(nn.Conv2d(dim, 2 * dim, 1), nn.ReLU(), nn.Conv2d(2 * dim, dim, 1))

    def forward(self, x):
        identity = x
        x, rescale, rebias = self.norm1(x)
        x = identity + self.attn(x) * rescale + rebias
        return x + self.mlp(x)


class SKFusion(nn.Module):
    def __init__(self, dim, height=2, reduction=8):
        super().__init__()
        self.height = height
        d = max(dim // reduction, 4)
        self.mlp = nn.Sequential(nn.Conv2d(dim, d, 1, bias=False), nn.ReLU(), nn.Conv2d(d, dim * height, 1, bias=False))

    def forward(self, feats):
        b, c, h, w = feats[0].shape
        feats = torch.cat(feats, dim=1).view(b, self.height, c, h, w)
        attn = self.mlp(F.adaptive_avg_pool2d(torch.sum(feats, dim=1), 1))
        attn = F.softmax(attn.view(b, self.height, c, 1, 1), dim=1)
        return torch.sum(feats * attn, dim=1)


class DehazeFormer(nn.Module):
    def __init__(self, dims=(24, 48, 96, 48, 24), depths=(2, 2, 2, 1, 1), heads=(2, 4, 6, 4, 2), ws=8):
        super().__init__()
        stage = lambda d, n, hd: nn.Sequential(*[DHBlock(d, hd, ws, 0 if i % 2 == 0 else ws // 2) for i in range(n)])
        self.patch_embed = nn.Conv2d(3, dims[0], 3, padding=1, padding_mode='reflect')
        self.layer1, self.down1 = stage(dims[0], depths[0], heads[0]), nn.Conv2d(dims[0], dims[1], 2, 2)
        self.skip1 = nn.Conv2d(dims[0], dims[0], 1)
        self.layer2, self.down2 = stage(dims[1], depths[1], heads[1]), nn.Conv2d(dims[1], dims[2], 2, 2)
        self.skip2 = nn.Conv2d(dims[1], dims[1], 1)
        self.layer3 = stage(dims[2], depths[2], heads[2])
        self.up1 = nn.Sequential(nn.Conv2d(dims[2], dims[3] * 4, 1), nn.PixelShuffle(2))
        self.fusion1, self.layer4 = SKFusion(dims[3]), stage(dims[3], depths[3], heads[3])
        self.up2 = nn.Sequential(nn.Conv2d(dims[3], dims[4] * 4, 1), nn.PixelShuffle(2))
        self.fusion2, self.layer5 = SKFusion(dims[4]), stage(dims[4], depths[4], heads[4])
        self.patch_unembed = nn.Conv2d(dims[4], 4, 3, padding=1, padding_mode='reflect')

    def forward(self, x):
        f = self.layer1(self.patch_embed(x))
        s1 = f
        f = self.layer2(self.down1(f))
        s2 = f
        f = self.layer3(self.down2(f))
        f = self.layer4(self.fusion1([self.up1(f), self.skip2(s2)]))
        f = self.layer5(self.fusion2([self.up2(f), self.skip1(s1)]))
        feat = self.patch_unembed(f)
        K, B = torch.split(feat, (1, 3), dim=1)
        return K * x - B + x
