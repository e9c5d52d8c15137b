"""Sixteenth sweep, restoration / depth (docs/model-sweep.md): Uformer (LeWin blocks: non-overlapping window
attention with relative position bias, LeFF feed-forward with a depthwise conv on tokens, U-shape with strided-conv
downs and ConvTranspose ups), MPRNet (multi-stage: encoder-decoders of channel attention blocks on 2x2 / 1x2 patches,
supervised attention module, original-resolution subnetwork), RFDN (residual feature distillation blocks, ESA with
strided conv + max-pool + bilinear up, PixelShuffle), MonoDepth2 (ResNet encoder, decoder with ReflectionPad2d 3x3
convs, ELU, nearest x2 ups and sigmoid disparities at 4 scales), AdaBins (mini-ViT over the decoder's features:
patch embedding, transformer encoder, bin widths by ReLU + normalization, bin centres by cumsum, range-attention
maps, softmax-weighted depth) — plain torch.nn with the math of their public code (small widths, random weights)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- Uformer (Wang et al. 2022)
class LeWinAttention(nn.Module):
    def __init__(self, d, heads, ws):
        super().__init__()
        self.heads, self.ws, self.scale = heads, ws, (d // heads) ** -0.5
        self.table = nn.Parameter(0.02 * torch.randn((2 * ws - 1) ** 2, heads))
        c = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing='ij')).flatten(1)
        rel = (c[:, :, None] - c[:, None, :]).permute(1, 2, 0) + (ws - 1)
        self.register_buffer('index', rel[:, :, 0] * (2 * ws - 1) + rel[:, :, 1])
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)

    def forward(self, x):  # [B_, N, C]
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        a = q @ k.transpose(-2, -1)
        bias = self.table[self.index.view(-1)].view(N, N, -1).permute(2, 0, 1)
        a = (a + bias.unsqueeze(0)).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(B_, N, C))


class LeFF(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.l1, self.dw, self.l2 = nn.Linear(d, h), nn.Conv2d(h, h, 3, 1, 1, groups=h), nn.Linear(h, d)

    def forward(self, x):
        B, L, C = x.shape
        hh = int(L ** 0.5)
        x = F.gelu(self.l1(x))
        x = x.transpose(1, 2).reshape(B, -1, hh, hh)
        x = F.gelu(self.dw(x)).flatten(2).transpose(1, 2)
        return self.l2(x)


class LeWinBlock(nn.Module):
    def __init__(self, d, heads, ws, shift):
        super().__init__()
        self.ws, self.shift = ws, shift
        self.n1, self.attn, self.n2, self.ff = nn.LayerNorm(d), LeWinAttention(d, heads, ws), nn.LayerNorm(d), LeFF(d, 4 * d)

    def forward(self, x):
        B, L, C = x.shape
        H = W = int(L ** 0.5)
        ws = self.ws
        y = self.n1(x).view(B, H, W, C)
        if self.shift:  # (no mask: Uformer's shift uses a mask; the inference code at the sizes below keeps it)
            y = torch.roll(y, (-self.shift, -self.shift), (1, 2))
        y = y.view(B, H // ws, ws, W // ws, ws, C).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, C)
        y = self.attn(y)
        y = y.view(B, H // ws, W // ws, ws, ws, C).permute(0, 1, 3, 2, 4, 5).reshape(B, H, W, C)
        if self.shift:
            y = torch.roll(y, (self.shift, self.shift), (1, 2))
        x = x + y.view(B, L, C)
        return x + self.ff(self.n2(x))


class Uformer(nn.Module):
    def __init__(self, d=16, ws=8, heads=(1, 2, 4)):
        super().__init__()
        self.inp = nn.Conv2d(3, d, 3, 1, 1)
        self.enc = nn.ModuleList(nn.ModuleList([LeWinBlock(d * 2 ** i, heads[i], ws, 0), LeWinBlock(d * 2 ** i, heads[i], ws, ws // 2)]) for i in range(2))
        self.downs = nn.ModuleList(nn.Conv2d(d * 2 ** i, d * 2 ** (i + 1), 4, 2, 1) for i in range(2))
        self.bott = nn.ModuleList([LeWinBlock(4 * d, heads[2], ws, 0), LeWinBlock(4 * d, heads[2], ws, ws // 2)])
        self.ups = nn.ModuleList([nn.ConvTranspose2d(4 * d, 2 * d, 2, 2), nn.ConvTranspose2d(4 * d, d, 2, 2)])
        self.dec = nn.ModuleList(nn.ModuleList([LeWinBlock(2 * d * 2 ** i, heads[i], ws, 0), LeWinBlock(2 * d * 2 ** i, heads[i], ws, ws // 2)]) for i in (1, 0))
        self.out = nn.Conv2d(2 * d, 3, 3, 1, 1)

    @staticmethod
    def tokens(x):
        return x.flatten(2).transpose(1, 2).contiguous()

    @staticmethod
    def image(x):
        B, L, C = x.shape
        h = int(L ** 0.5)
        return x.transpose(1, 2).reshape(B, C, h, h)

    def forward(self, x):
        y = F.leaky_relu(self.inp(x), 0.01)
        y = self.tokens(y)
        skips = []
        for blocks, down in zip(self.enc, self.downs):
            for b in blocks:
                y = b(y)
            skips.append(y)
            y = self.tokens(down(self.image(y)))
        for b in self.bott:
            y = b(y)
        for up, blocks, skip in zip(self.ups, self.dec, skips[::-1]):
            y = torch.cat([self.tokens(up(self.image(y))), skip], -1)
            for b in blocks:
                y = b(y)
        return x + self.out(self.image(y))


# ---------------------------------------------------------------- MPRNet (Zamir et al. 2021), 3 stages
class CALayer(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.du = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // r, 1), nn.ReLU(), nn.Conv2d(c // r, c, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.du(x)


class CAB(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.PReLU(), nn.Conv2d(c, c, 3, 1, 1, bias=False))
        self.ca = CALayer(c)

    def forward(self, x):
        return self.ca(self.body(x)) + x


class DownSample(nn.Module):
    def __init__(self, c, s):
        super().__init__()
        self.d = nn.Sequential(nn.Upsample(scale_factor=0.5, mode='bilinear', align_corners=False), nn.Conv2d(c, c + s, 1, bias=False))

    def forward(self, x):
        return self.d(x)


class SkipUpSample(nn.Module):
    def __init__(self, c, s):
        super().__init__()
        self.u = nn.Sequential(nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False), nn.Conv2d(c + s, c, 1, bias=False))

    def forward(self, x, y):
        return self.u(x) + y


class EncDec(nn.Module):
    def __init__(self, c, s, csff=False):
        super().__init__()
        self.e = nn.ModuleList(nn.Sequential(CAB(c + i * s), CAB(c + i * s)) for i in range(3))
        self.downs = nn.ModuleList(DownSample(c + i * s, s) for i in range(2))
        self.d = nn.ModuleList(nn.Sequential(CAB(c + i * s), CAB(c + i * s)) for i in range(3))
        self.skips = nn.ModuleList(CAB(c + i * s) for i in range(2))
        self.ups = nn.ModuleList(SkipUpSample(c + i * s, s) for i in range(2))
        self.csff = csff
        if csff:
            self.csff_enc = nn.ModuleList(nn.Conv2d(c + i * s, c + i * s, 1, bias=False) for i in range(3))
            self.csff_dec = nn.ModuleList(nn.Conv2d(c + i * s, c + i * s, 1, bias=False) for i in range(3))

    def forward(self, x, enc_prev=None, dec_prev=None):
        encs = []
        for i in range(3):
            if i:
                x = self.downs[i - 1](x)
            x = self.e[i](x)
            if self.csff and enc_prev is not None:
                x = x + self.csff_enc[i](enc_prev[i]) + self.csff_dec[i](dec_prev[i])
            encs.append(x)
        decs = [None] * 3
        y = self.d[2](encs[2])
        decs[2] = y
        for i in (1, 0):
            y = self.d[i](self.ups[i](y, self.skips[i](encs[i])))
            decs[i] = y
        return encs, decs


class SAM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.c2, self.c3 = nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.Conv2d(c, 3, 3, 1, 1, bias=False), nn.Conv2d(3, c, 3, 1, 1, bias=False)

    def forward(self, x, img):
        img = self.c2(x) + img
        return self.c1(x) * torch.sigmoid(self.c3(img)) + x, img


class ORSNet(nn.Module):
    def __init__(self, c, s):
        super().__init__()
        self.orbs = nn.ModuleList(nn.Sequential(CAB(c), CAB(c), nn.Conv2d(c, c, 3, 1, 1, bias=False)) for _ in range(3))
        self.up_enc = nn.ModuleList([nn.Identity(), nn.Sequential(nn.Upsample(scale_factor=2, mode='bilinear'), nn.Conv2d(c + s, c, 1, bias=False)),
                                     nn.Sequential(nn.Upsample(scale_factor=2, mode='bilinear'), nn.Conv2d(c + 2 * s, c + s, 1, bias=False), nn.Upsample(scale_factor=2, mode='bilinear'), nn.Conv2d(c + s, c, 1, bias=False))])
        self.conv_enc = nn.ModuleList(nn.Conv2d(c, c, 1, bias=False) for _ in range(3))
        self.conv_dec = nn.ModuleList(nn.Conv2d(c, c, 1, bias=False) for _ in range(3))
        self.up_dec = self.up_enc

    def forward(self, x, encs, decs):
        for i in range(3):
            x = self.orbs[i](x)
            x = x + self.conv_enc[i](self.up_enc[i](encs[i])) + self.conv_dec[i](self.up_dec[i](decs[i]))
        return x


class MPRNet(nn.Module):
    def __init__(self, c=16, s=8):
        super().__init__()
        self.shallow = nn.ModuleList(nn.Sequential(nn.Conv2d(3, c, 3, 1, 1, bias=False), CAB(c)) for _ in range(3))
        self.s1, self.s2 = EncDec(c, s), EncDec(c, s, csff=True)
        self.sam12, self.sam23 = SAM(c), SAM(c)
        self.concat12, self.concat23 = nn.Conv2d(2 * c, c, 3, 1, 1, bias=False), nn.Conv2d(2 * c, c, 3, 1, 1, bias=False)
        self.orsnet = ORSNet(c, s)
        self.tail = nn.Conv2d(c, 3, 3, 1, 1, bias=False)

    def forward(self, x3):
        H, W = x3.shape[2:]
        x2top, x2bot = x3[:, :, :H // 2], x3[:, :, H // 2:]
        x1 = [x2top[:, :, :, :W // 2], x2top[:, :, :, W // 2:], x2bot[:, :, :, :W // 2], x2bot[:, :, :, W // 2:]]
        # stage 1: four quarter patches; features merged left-right then top-bottom
        res = [self.s1(self.shallow[0](p)) for p in x1]
        enc_top = [torch.cat([a, b], 3) for a, b in zip(res[0][0], res[1][0])]
        enc_bot = [torch.cat([a, b], 3) for a, b in zip(res[2][0], res[3][0])]
        dec_top = [torch.cat([a, b], 3) for a, b in zip(res[0][1], res[1][1])]
        dec_bot = [torch.cat([a, b], 3) for a, b in zip(res[2][1], res[3][1])]
        f_top, img_top = self.sam12(dec_top[0], x2top)
        f_bot, img_bot = self.sam12(dec_bot[0], x2bot)
        # stage 2: two half patches
        x2top_c = self.concat12(torch.cat([self.shallow[1](x2top), f_top], 1))
        x2bot_c = self.concat12(torch.cat([self.shallow[1](x2bot), f_bot], 1))
        e_t, d_t = self.s2(x2top_c, enc_top, dec_top)
        e_b, d_b = self.s2(x2bot_c, enc_bot, dec_bot)
        enc2 = [torch.cat([a, b], 2) for a, b in zip(e_t, e_b)]
        dec2 = [torch.cat([a, b], 2) for a, b in zip(d_t, d_b)]
        f2, stage2_img = self.sam23(dec2[0], x3)
        # stage 3: full resolution
        x3c = self.concat23(torch.cat([self.shallow[2](x3), f2], 1))
        x3c = self.orsnet(x3c, enc2, dec2)
        return self.tail(x3c) + x3, stage2_img, torch.cat([img_top, img_bot], 2)


# ---------------------------------------------------------------- RFDN (Liu et al. 2020)
class ESA(nn.Module):
    def __init__(self, c, f=16):
        super().__init__()
        self.conv1, self.conv_f, self.conv_max = nn.Conv2d(c, f, 1), nn.Conv2d(f, f, 1), nn.Conv2d(f, f, 3, 1, 1)
        self.conv2, self.conv3, self.conv3_ = nn.Conv2d(f, f, 3, 2, 0), nn.Conv2d(f, f, 3, 1, 1), nn.Conv2d(f, f, 3, 1, 1)
        self.conv4 = nn.Conv2d(f, c, 1)

    def forward(self, x):
        c1_ = self.conv1(x)
        c1 = self.conv2(c1_)
        v_max = F.max_pool2d(c1, kernel_size=7, stride=3)
        v_range = F.relu(self.conv_max(v_max))
        c3 = F.relu(self.conv3(v_range))
        c3 = self.conv3_(c3)
        c3 = F.interpolate(c3, (x.size(2), x.size(3)), mode='bilinear', align_corners=False)
        cf = self.conv_f(c1_)
        return x * torch.sigmoid(self.conv4(c3 + cf))


class RFDB(nn.Module):
    def __init__(self, c):
        super().__init__()
        dc, rc = c // 2, c
        self.c1_d, self.c1_r = nn.Conv2d(c, dc, 1), nn.Conv2d(c, rc, 3, 1, 1)
        self.c2_d, self.c2_r = nn.Conv2d(rc, dc, 1), nn.Conv2d(rc, rc, 3, 1, 1)
        self.c3_d, self.c3_r = nn.Conv2d(rc, dc, 1), nn.Conv2d(rc, rc, 3, 1, 1)
        self.c4 = nn.Conv2d(rc, dc, 3, 1, 1)
        self.c5 = nn.Conv2d(4 * dc, c, 1)
        self.esa = ESA(c)

    def forward(self, x):
        act = lambda t: F.leaky_relu(t, 0.05)  # noqa: E731
        d1 = act(self.c1_d(x))
        r1 = act(self.c1_r(x) + x)
        d2 = act(self.c2_d(r1))
        r2 = act(self.c2_r(r1) + r1)
        d3 = act(self.c3_d(r2))
        r3 = act(self.c3_r(r2) + r2)
        r4 = act(self.c4(r3))
        return self.esa(self.c5(torch.cat([d1, d2, d3, r4], 1)))


class RFDN(nn.Module):
    def __init__(self, c=32, blocks=4, scale=4):
        super().__init__()
        self.fea = nn.Conv2d(3, c, 3, 1, 1)
        self.blocks = nn.ModuleList(RFDB(c) for _ in range(blocks))
        self.c = nn.Sequential(nn.Conv2d(c * blocks, c, 1), nn.LeakyReLU(0.05))
        self.lr = nn.Conv2d(c, c, 3, 1, 1)
        self.up = nn.Sequential(nn.Conv2d(c, 3 * scale ** 2, 3, 1, 1), nn.PixelShuffle(scale))

    def forward(self, x):
        f = self.fea(x)
        outs, y = [], f
        for b in self.blocks:
            y = b(y)
            outs.append(y)
        y = self.lr(self.c(torch.cat(outs, 1))) + f
        return self.up(y)


# ---------------------------------------------------------------- MonoDepth2 (Godard et al. 2019)
class Conv3x3(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.pad, self.conv = nn.ReflectionPad2d(1), nn.Conv2d(i, o, 3)

    def forward(self, x):
        return self.conv(self.pad(x))


class ConvBlock(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv, self.nonlin = Conv3x3(i, o), nn.ELU(inplace=True)

    def forward(self, x):
        return self.nonlin(self.conv(x))


class MonoDepth2(nn.Module):
    def __init__(self, enc=(32, 32, 64, 128, 256), dec=(16, 32, 64, 128, 256)):
        super().__init__()
        import torchvision
        r = torchvision.models.resnet18(weights=None)
        # a narrower ResNet-18 trunk as in the public encoder (layer0 .. layer4 features)
        self.l0 = nn.Sequential(nn.Conv2d(3, enc[0], 7, 2, 3, bias=False), nn.BatchNorm2d(enc[0]), nn.ReLU())
        self.l1 = nn.Sequential(nn.MaxPool2d(3, 2, 1), type(r.layer1[0])(enc[0], enc[1]), type(r.layer1[0])(enc[1], enc[1]))
        def layer(i, o):
            ds = nn.Sequential(nn.Conv2d(i, o, 1, 2, bias=False), nn.BatchNorm2d(o))
            return nn.Sequential(type(r.layer1[0])(i, o, 2, ds), type(r.layer1[0])(o, o))
        self.l2, self.l3, self.l4 = layer(enc[1], enc[2]), layer(enc[2], enc[3]), layer(enc[3], enc[4])
        self.upconv0 = nn.ModuleList(ConvBlock(enc[-1] if i == 4 else dec[i + 1], dec[i]) for i in range(5))
        self.upconv1 = nn.ModuleList(ConvBlock(dec[i] + (enc[i - 1] if i > 0 else 0), dec[i]) for i in range(5))
        self.dispconv = nn.ModuleList(Conv3x3(dec[s], 1) for s in range(4))

    def forward(self, x):
        x = (x - 0.45) / 0.225
        feats = [self.l0(x)]
        for l in (self.l1, self.l2, self.l3, self.l4):
            feats.append(l(feats[-1]))
        y = feats[-1]
        outs = []
        for i in range(4, -1, -1):
            y = self.upconv0[i](y)
            y = [F.interpolate(y, scale_factor=2, mode='nearest')]
            if i > 0:
                y += [feats[i - 1]]
            y = self.upconv1[i](torch.cat(y, 1))
            if i in range(4):
                outs.append(torch.sigmoid(self.dispconv[i](y)))
        return tuple(outs[::-1])


# ---------------------------------------------------------------- AdaBins (Bhat et al. 2021), mViT head
class PatchTransformerEncoder(nn.Module):
    def __init__(self, c, patch, d, heads=4, layers=2):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=256, dropout=0.0)
        self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.embed = nn.Conv2d(c, d, patch, patch)
        self.pos = nn.Parameter(torch.rand(500, d))

    def forward(self, x):
        e = self.embed(x).flatten(2)  # [n, d, s]
        e = e + self.pos[:e.shape[2], :].T.unsqueeze(0)
        return self.enc(e.permute(2, 0, 1))  # [s, n, d]


class MViT(nn.Module):
    def __init__(self, c, bins=32, patch=8, d=64, q=16, min_val=1e-3, max_val=10.0):
        super().__init__()
        self.q, self.min_val, self.max_val = q, min_val, max_val
        self.pt = PatchTransformerEncoder(c, patch, d)
        self.dot = nn.Conv2d(c, d, 3, 1, 1)
        self.regressor = nn.Sequential(nn.Linear(d, 128), nn.LeakyReLU(), nn.Linear(128, 128), nn.LeakyReLU(), nn.Linear(128, bins))

    def forward(self, x):
        tgt = self.pt(x.clone())
        head = tgt[0]
        queries = tgt[1:self.q + 1].permute(1, 0, 2)  # [n, q, d]
        x = self.dot(x)
        n, c, h, w = x.shape
        ranges = torch.matmul(x.view(n, c, h * w).permute(0, 2, 1), queries.permute(0, 2, 1))  # [n, hw, q]
        ranges = ranges.permute(0, 2, 1).view(n, self.q, h, w)
        y = F.relu(self.regressor(head)) + 0.1
        return y / y.sum(dim=1, keepdim=True), ranges


class AdaBins(nn.Module):
    def __init__(self, bins=32, min_val=1e-3, max_val=10.0):
        super().__init__()
        self.min_val, self.max_val = min_val, max_val
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                 nn.Conv2d(64, 96, 3, 2, 1), nn.BatchNorm2d(96), nn.ReLU())
        self.dec = nn.Sequential(nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True), nn.Conv2d(96, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.LeakyReLU(),
                                 nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True), nn.Conv2d(64, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.LeakyReLU())
        self.mvit = MViT(32, bins)
        self.conv_out = nn.Sequential(nn.Conv2d(16, bins, 1), nn.Softmax(dim=1))

    def forward(self, x):
        u = self.dec(self.enc(x))
        bin_widths_normed, range_attention_maps = self.mvit(u)
        out = self.conv_out(range_attention_maps)
        bin_widths = (self.max_val - self.min_val) * bin_widths_normed
        bin_widths = F.pad(bin_widths, (1, 0), mode='constant', value=self.min_val)
        bin_edges = torch.cumsum(bin_widths, dim=1)
        centers = 0.5 * (bin_edges[:, :-1] + bin_edges[:, 1:])
        n, dout = centers.size()
        pred = torch.sum(out * centers.view(n, dout, 1, 1), dim=1, keepdim=True)
        return bin_edges, pred
