"""Tenth sweep (docs/model-sweep.md): backbones and open-vocabulary towers written as their projects write them (small
widths, random weights): FasterNet (partial conv, split_cat and slicing forms), EdgeNeXt (SDTA: multi-scale depthwise
splits, Fourier positions, cross-covariance attention), SwiftFormer (efficient additive attention), InceptionNeXt
(inception depthwise: 3x3 / 1x11 / 11x1 bands), VanillaNet (activation series; trained and deploy forms), the CLIP
ViT-B/32 image tower (openai/CLIP model.py, full size) and an OWL-ViT-style detection head (class token merge, box
bias, normalized class embeddings against text query embeddings). Imported by sweep10_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


class LayerNormCF(nn.Module):
    """ConvNeXt / EdgeNeXt channels_first LayerNorm written out."""

    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight, self.bias, self.eps = nn.Parameter(1 + 0.1 * torch.randn(c)), nn.Parameter(0.1 * torch.randn(c)), eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


# --- FasterNet (JierunChen/FasterNet models/fasternet.py) ---
class PConv(nn.Module):
    def __init__(self, c, n_div=4, forward='split_cat'):
        super().__init__()
        self.dc, self.du = c // n_div, c - c // n_div
        self.conv = nn.Conv2d(self.dc, self.dc, 3, 1, 1, bias=False)
        self.mode = forward

    def forward(self, x):
        if self.mode == 'slicing':
            x = x.clone()
            x[:, :self.dc, :, :] = self.conv(x[:, :self.dc, :, :])
            return x
        x1, x2 = torch.split(x, [self.dc, self.du], dim=1)
        return torch.cat((self.conv(x1), x2), 1)


class FasterBlock(nn.Module):
    def __init__(self, c, mode):
        super().__init__()
        self.mixer = PConv(c, 4, mode)
        self.mlp = nn.Sequential(nn.Conv2d(c, 2 * c, 1, bias=False), nn.BatchNorm2d(2 * c), nn.GELU(), nn.Conv2d(2 * c, c, 1, bias=False))

    def forward(self, x):
        return x + self.mlp(self.mixer(x))


class FasterNet(nn.Module):
    def __init__(self, w=40, depths=(1, 2, 8, 2), nc=1000, mode='split_cat'):
        super().__init__()
        layers = [nn.Conv2d(3, w, 4, 4, bias=False), nn.BatchNorm2d(w)]
        for i, d in enumerate(depths):
            c = w * 2 ** i
            if i:
                layers += [nn.Conv2d(c // 2, c, 2, 2, bias=False), nn.BatchNorm2d(c)]
            layers += [FasterBlock(c, mode) for _ in range(d)]
        self.features = nn.Sequential(*layers)
        c = w * 8
        self.avgpool_pre_head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, 1280, 1, bias=False), nn.GELU())
        self.head = nn.Linear(1280, nc)

    def forward(self, x):
        return self.head(torch.flatten(self.avgpool_pre_head(self.features(x)), 1))


# --- EdgeNeXt (mmaaz60/EdgeNeXt models/edgenext.py, layers.py) ---
class ConvEncoder(nn.Module):
    def __init__(self, c, k):
        super().__init__()
        self.dw = nn.Conv2d(c, c, k, padding=k // 2, groups=c)
        self.norm, self.pw1, self.pw2 = nn.LayerNorm(c, eps=1e-6), nn.Linear(c, 4 * c), nn.Linear(4 * c, c)
        self.gamma = nn.Parameter(0.5 * torch.ones(c))

    def forward(self, x):
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.gamma * self.pw2(F.gelu(self.pw1(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


class PositionalEncodingFourier(nn.Module):
    def __init__(self, dim, hidden=32, temperature=10000):
        super().__init__()
        self.proj, self.hidden, self.t = nn.Conv2d(hidden * 2, dim, 1), hidden, temperature

    def forward(self, b, h, w):
        mask = torch.zeros(b, h, w).bool().to(self.proj.weight.device)
        not_mask = ~mask
        y = not_mask.cumsum(1, dtype=torch.float32)
        x = not_mask.cumsum(2, dtype=torch.float32)
        eps, scale = 1e-6, 2 * math.pi
        y = y / (y[:, -1:, :] + eps) * scale
        x = x / (x[:, :, -1:] + eps) * scale
        dim_t = torch.arange(self.hidden, dtype=torch.float32)
        dim_t = self.t ** (2 * torch.div(dim_t, 2, rounding_mode='floor') / self.hidden)
        px, py = x[:, :, :, None] / dim_t, y[:, :, :, None] / dim_t
        px = torch.stack((px[:, :, :, 0::2].sin(), px[:, :, :, 1::2].cos()), dim=4).flatten(3)
        py = torch.stack((py[:, :, :, 0::2].sin(), py[:, :, :, 1::2].cos()), dim=4).flatten(3)
        return self.proj(torch.cat((py, px), dim=3).permute(0, 3, 1, 2))


class XCA(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.h, self.qkv, self.proj = heads, nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1) + 0.1 * torch.rand(heads, 1, 1))

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0].transpose(-2, -1), qkv[1].transpose(-2, -1), qkv[2].transpose(-2, -1)
        q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
        attn = ((q @ k.transpose(-2, -1)) * self.temperature).softmax(-1)
        x = (attn @ v).permute(0, 3, 1, 2).reshape(b, n, c)
        return self.proj(x)


class SDTAEncoder(nn.Module):
    def __init__(self, c, heads, scales):
        super().__init__()
        width = max(int(math.ceil(c / scales)), int(math.floor(c // scales)))
        self.width, self.nums = width, 1 if scales == 1 else scales - 1
        self.convs = nn.ModuleList([nn.Conv2d(width, width, 3, padding=1, groups=width) for _ in range(self.nums)])
        self.pos = PositionalEncodingFourier(c)
        self.norm_xca, self.gamma_xca = nn.LayerNorm(c, eps=1e-6), nn.Parameter(0.5 * torch.ones(c))
        self.xca = XCA(c, heads)
        self.norm, self.pw1, self.pw2 = nn.LayerNorm(c, eps=1e-6), nn.Linear(c, 4 * c), nn.Linear(4 * c, c)
        self.gamma = nn.Parameter(0.5 * torch.ones(c))

    def forward(self, x):
        inp = x
        spx = torch.split(x, self.width, 1)
        for i in range(self.nums):
            sp = spx[i] if i == 0 else sp + spx[i]
            sp = self.convs[i](sp)
            out = sp if i == 0 else torch.cat((out, sp), 1)
        x = torch.cat((out, spx[self.nums]), 1)
        b, c, h, w = x.shape
        x = x.reshape(b, c, h * w).permute(0, 2, 1)
        x = x + self.pos(b, h, w).reshape(b, -1, x.shape[1]).permute(0, 2, 1)
        x = x + self.gamma_xca * self.xca(self.norm_xca(x))
        x = x.reshape(b, h, w, c)
        x = self.gamma * self.pw2(F.gelu(self.pw1(self.norm(x))))
        return inp + x.permute(0, 3, 1, 2)


class EdgeNeXt(nn.Module):
    def __init__(self, dims=(24, 48, 88, 168), depths=(2, 2, 6, 2), global_blocks=(0, 1, 1, 1), kernels=(3, 5, 7, 9),
                 heads=4, scales=(2, 2, 3, 4), nc=1000):
        super().__init__()
        self.stages = nn.ModuleList()
        for i, (c, d) in enumerate(zip(dims, depths)):
            down = nn.Sequential(nn.Conv2d(3, c, 4, 4), LayerNormCF(c)) if i == 0 else nn.Sequential(LayerNormCF(dims[i - 1]), nn.Conv2d(dims[i - 1], c, 2, 2))
            blocks = [ConvEncoder(c, kernels[i]) for _ in range(d - global_blocks[i])]
            blocks += [SDTAEncoder(c, heads, scales[i]) for _ in range(global_blocks[i])]
            self.stages.append(nn.Sequential(down, *blocks))
        self.norm, self.head = nn.LayerNorm(dims[-1], eps=1e-6), nn.Linear(dims[-1], nc)

    def forward(self, x):
        for s in self.stages:
            x = s(x)
        return self.head(self.norm(x.mean([-2, -1])))


# --- SwiftFormer (Amshaker/SwiftFormer models/swiftformer.py) ---
class EfficientAdditiveAttention(nn.Module):
    def __init__(self, c, d=None):
        super().__init__()
        d = d or c
        self.to_query, self.to_key = nn.Linear(c, d), nn.Linear(c, d)
        self.w_g = nn.Parameter(torch.randn(d, 1))
        self.scale_factor = d ** -0.5
        self.Proj, self.final = nn.Linear(d, d), nn.Linear(d, c)

    def forward(self, x):
        query = F.normalize(self.to_query(x), dim=-1)
        key = F.normalize(self.to_key(x), dim=-1)
        query_weight = query @ self.w_g
        A = F.normalize(query_weight * self.scale_factor, dim=1)
        G = torch.sum(A * query, dim=1)
        G = G.unsqueeze(1).repeat(1, key.shape[1], 1)  # einops.repeat(G, "b d -> b repeat d", repeat=key.shape[1])
        out = self.Proj(G * key) + query
        return self.final(out)


class SwiftLocal(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dw, self.norm = nn.Conv2d(c, c, 3, 1, 1, groups=c), nn.BatchNorm2d(c)
        self.pw1, self.pw2 = nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.layer_scale = nn.Parameter(0.5 * torch.ones(c, 1, 1))

    def forward(self, x):
        return x + self.layer_scale * self.pw2(F.gelu(self.pw1(self.norm(self.dw(x)))))


class SwiftMlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1, self.fc1, self.fc2 = nn.BatchNorm2d(c), nn.Conv2d(c, 4 * c, 1), nn.Conv2d(4 * c, c, 1)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(self.norm1(x))))


class SwiftEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.local, self.attn, self.mlp = SwiftLocal(c), EfficientAdditiveAttention(c), SwiftMlp(c)
        self.ls1, self.ls2 = nn.Parameter(0.5 * torch.ones(c)), nn.Parameter(0.5 * torch.ones(c, 1, 1))

    def forward(self, x):
        x = self.local(x)
        b, c, h, w = x.shape
        a = self.attn(x.permute(0, 2, 3, 1).reshape(b, h * w, c))
        x = x + (self.ls1 * a).reshape(b, h, w, c).permute(0, 3, 1, 2)
        return x + self.ls2 * self.mlp(x)


class SwiftConvEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dw, self.norm = nn.Conv2d(c, c, 3, 1, 1, groups=c), nn.BatchNorm2d(c)
        self.pw1, self.pw2 = nn.Conv2d(c, 4 * c, 1), nn.Conv2d(4 * c, c, 1)
        self.layer_scale = nn.Parameter(0.5 * torch.ones(c, 1, 1))

    def forward(self, x):
        return x + self.layer_scale * self.pw2(F.gelu(self.pw1(self.norm(self.dw(x)))))


class SwiftFormer(nn.Module):
    def __init__(self, dims=(48, 56, 112, 220), layers=(3, 3, 6, 4), nc=1000):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dims[0] // 2, 3, 2, 1), nn.BatchNorm2d(dims[0] // 2), nn.ReLU(),
                                  nn.Conv2d(dims[0] // 2, dims[0], 3, 2, 1), nn.BatchNorm2d(dims[0]), nn.ReLU())
        stages = []
        for i, (c, n) in enumerate(zip(dims, layers)):
            if i:
                stages.append(nn.Sequential(nn.Conv2d(dims[i - 1], c, 3, 2, 1), nn.BatchNorm2d(c)))
            stages += [SwiftConvEncoder(c) for _ in range(n - 1)] + [SwiftEncoder(c)]
        self.network = nn.Sequential(*stages)
        self.norm = nn.BatchNorm2d(dims[-1])
        self.head, self.dist_head = nn.Linear(dims[-1], nc), nn.Linear(dims[-1], nc)

    def forward(self, x):
        x = self.norm(self.network(self.stem(x)))
        x = x.flatten(2).mean(-1)
        return (self.head(x) + self.dist_head(x)) / 2


# --- InceptionNeXt (sail-sg/inceptionnext models/inceptionnext.py) ---
class InceptionDWConv2d(nn.Module):
    def __init__(self, c, sq=3, band=11, ratio=0.125):
        super().__init__()
        g = int(c * ratio)
        self.dwconv_hw = nn.Conv2d(g, g, sq, padding=sq // 2, groups=g)
        self.dwconv_w = nn.Conv2d(g, g, (1, band), padding=(0, band // 2), groups=g)
        self.dwconv_h = nn.Conv2d(g, g, (band, 1), padding=(band // 2, 0), groups=g)
        self.split_indexes = (c - 3 * g, g, g, g)

    def forward(self, x):
        x_id, x_hw, x_w, x_h = torch.split(x, self.split_indexes, dim=1)
        return torch.cat((x_id, self.dwconv_hw(x_hw), self.dwconv_w(x_w), self.dwconv_h(x_h)), dim=1)


class MetaNeXtBlock(nn.Module):
    def __init__(self, c, ratio=4):
        super().__init__()
        self.token_mixer, self.norm = InceptionDWConv2d(c), nn.BatchNorm2d(c)
        self.mlp = nn.Sequential(nn.Conv2d(c, ratio * c, 1), nn.GELU(), nn.Conv2d(ratio * c, c, 1))
        self.gamma = nn.Parameter(0.5 * torch.ones(c))

    def forward(self, x):
        y = self.mlp(self.norm(self.token_mixer(x)))
        return x + y.mul(self.gamma.reshape(1, -1, 1, 1))


class InceptionNeXt(nn.Module):
    def __init__(self, dims=(40, 80, 160, 320), depths=(2, 2, 6, 2), nc=1000):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dims[0], 4, 4), nn.BatchNorm2d(dims[0]))
        stages = []
        for i, (c, d) in enumerate(zip(dims, depths)):
            if i:
                stages += [nn.BatchNorm2d(dims[i - 1]), nn.Conv2d(dims[i - 1], c, 2, 2)]
            stages += [MetaNeXtBlock(c, 4 if i < 3 else 3) for _ in range(d)]
        self.stages = nn.Sequential(*stages)
        self.fc1, self.norm, self.fc2 = nn.Linear(dims[-1], 3 * dims[-1]), nn.LayerNorm(3 * dims[-1]), nn.Linear(3 * dims[-1], nc)

    def forward(self, x):
        x = self.stages(self.stem(x)).mean((2, 3))
        return self.fc2(self.norm(F.gelu(self.fc1(x))))


# --- VanillaNet (huawei-noah/VanillaNet models/vanillanet.py) ---
class SeriesActivation(nn.Module):
    """`activation`: ReLU then a (2n+1)x(2n+1) depthwise conv with BN (train) or bias (deploy)."""

    def __init__(self, c, n=3, deploy=False):
        super().__init__()
        self.weight = nn.Parameter(0.1 * torch.randn(c, 1, 2 * n + 1, 2 * n + 1))
        self.bias = nn.Parameter(0.1 * torch.randn(c)) if deploy else None
        self.bn = None if deploy else nn.BatchNorm2d(c, eps=1e-6)
        self.c, self.n = c, n

    def forward(self, x):
        y = F.conv2d(F.relu(x), self.weight, self.bias, padding=(self.n * 2 + 1) // 2, groups=self.c)
        return y if self.bn is None else self.bn(y)


class VanillaBlock(nn.Module):
    def __init__(self, i, o, stride=2, deploy=False, act_learn=0.5):
        super().__init__()
        self.deploy, self.act_learn = deploy, act_learn
        if deploy:
            self.conv = nn.Conv2d(i, o, 1)
        else:
            self.conv1 = nn.Sequential(nn.Conv2d(i, i, 1), nn.BatchNorm2d(i, eps=1e-6))
            self.conv2 = nn.Sequential(nn.Conv2d(i, o, 1), nn.BatchNorm2d(o, eps=1e-6))
        self.pool = nn.MaxPool2d(stride) if stride != 1 else nn.Identity()
        self.act = SeriesActivation(o, deploy=deploy)

    def forward(self, x):
        if self.deploy:
            x = self.conv(x)
        else:
            x = self.conv2(F.leaky_relu(self.conv1(x), self.act_learn))
        return self.act(self.pool(x))


class VanillaNet5(nn.Module):
    def __init__(self, dims=(128, 256, 512, 1024), nc=1000, deploy=False, act_learn=0.5):
        super().__init__()
        self.deploy, self.act_learn = deploy, act_learn
        if deploy:
            self.stem = nn.Sequential(nn.Conv2d(3, dims[0], 4, 4), SeriesActivation(dims[0], deploy=True))
            self.cls = nn.Conv2d(dims[-1], nc, 1)
        else:
            self.stem1 = nn.Sequential(nn.Conv2d(3, dims[0], 4, 4), nn.BatchNorm2d(dims[0], eps=1e-6))
            self.stem2 = nn.Sequential(nn.Conv2d(dims[0], dims[0], 1), nn.BatchNorm2d(dims[0], eps=1e-6), SeriesActivation(dims[0]))
            self.cls1 = nn.Sequential(nn.Conv2d(dims[-1], nc, 1), nn.BatchNorm2d(nc, eps=1e-6))
            self.cls2 = nn.Sequential(nn.Conv2d(nc, nc, 1))
        self.stages = nn.Sequential(*[VanillaBlock(dims[i], dims[i + 1], 2, deploy, act_learn) for i in range(3)])
        self.avgpool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        if self.deploy:
            x = self.stem(x)
        else:
            x = self.stem2(F.leaky_relu(self.stem1(x), self.act_learn))
        x = self.avgpool(self.stages(x))
        if self.deploy:
            x = self.cls(x)
        else:
            x = self.cls2(F.leaky_relu(self.cls1(x), self.act_learn))
        return x.view(x.size(0), -1)


# --- CLIP ViT-B/32 image tower (openai/CLIP clip/model.py VisionTransformer) ---
class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.attn, self.ln_1, self.ln_2 = nn.MultiheadAttention(d, h), nn.LayerNorm(d), nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), QuickGELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class ClipVisual(nn.Module):
    def __init__(self, res=224, patch=32, width=768, layers=12, heads=12, out=512, pooled=True):
        super().__init__()
        s = width ** -0.5
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(s * torch.randn(width))
        self.positional_embedding = nn.Parameter(s * torch.randn((res // patch) ** 2 + 1, width))
        self.ln_pre, self.ln_post = nn.LayerNorm(width), nn.LayerNorm(width)
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads) for _ in range(layers)])
        self.proj = nn.Parameter(s * torch.randn(width, out))
        self.pooled = pooled

    def tokens(self, x):
        x = self.conv1(x)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        x = self.ln_pre(x).permute(1, 0, 2)
        return self.resblocks(x).permute(1, 0, 2)

    def forward(self, x):
        x = self.ln_post(self.tokens(x)[:, 0, :])
        return x @ self.proj


# --- OWL-ViT (transformers' OwlViTForObjectDetection: image_embedder, class_predictor, box_predictor) ---
class OwlVit(nn.Module):
    def __init__(self, res=768, patch=32, width=256, layers=4, heads=8, qdim=192):
        super().__init__()
        self.vit = ClipVisual(res, patch, width, layers, heads, qdim, pooled=False)
        self.layer_norm = nn.LayerNorm(width)
        self.dense0, self.logit_shift, self.logit_scale = nn.Linear(width, qdim), nn.Linear(width, 1), nn.Linear(width, 1)
        self.box = nn.Sequential(nn.Linear(width, width), nn.GELU(), nn.Linear(width, width), nn.GELU(), nn.Linear(width, 4))
        g = res // patch
        xy = torch.stack(torch.meshgrid(torch.arange(1, g + 1), torch.arange(1, g + 1), indexing='xy'), -1).float() / g
        xy = xy.reshape(-1, 2).clamp(0, 1)
        coord_bias = torch.log(xy + 1e-4) - torch.log1p(-xy + 1e-4)
        size = torch.full_like(xy, 1.0 / g)
        size_bias = torch.log(size + 1e-4) - torch.log1p(-size + 1e-4)
        self.register_buffer('box_bias', torch.cat([coord_bias, size_bias], -1))
        self.g = g

    def forward(self, pixel_values, query_embeds):
        x = self.vit.ln_post(self.vit.tokens(pixel_values))
        cls = x[:, :1, :].expand(x[:, :-1].shape)  # HF: torch.broadcast_to (no export in torch 1.13)
        feats = self.layer_norm(x[:, 1:, :] * cls)  # [B, g*g, W]
        image_class = self.dense0(feats)
        image_class = image_class / (torch.linalg.norm(image_class, dim=-1, keepdim=True) + 1e-6)
        q = query_embeds / (torch.linalg.norm(query_embeds, dim=-1, keepdim=True) + 1e-6)
        logits = torch.einsum('...pd,...qd->...pq', image_class, q)
        shift, scale = self.logit_shift(feats), F.elu(self.logit_scale(feats)) + 1
        logits = (logits + shift) * scale
        boxes = torch.sigmoid(self.box(feats) + self.box_bias)
        return logits, boxes
