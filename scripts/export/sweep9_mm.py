"""Ninth sweep (docs/model-sweep.md): open-vocabulary / multimodal and segment-anything pieces as their projects write
them — SigLIP's vision tower (patch conv, learned positions, pre-norm encoder with tanh-GELU MLP, multihead attention
pooling head), YOLO-World (C2fAttn max-sigmoid text guidance, BNContrastiveHead against text embeddings given as an
input), a Grounding-DINO-lite fusion (image ⇄ text cross attention in the feature enhancer, language-guided query
selection, text cross attention with the text_token_mask input), EfficientSAM's ViT encoder with its neck, EdgeSAM's
RepViT encoder, and SAM / EfficientSAM's prompt encoder (random Fourier positions, point labels -1 / 0 / 1 and box
corners 2 / 3). Plain torch.nn, small widths, random weights. Imported by sweep9_more.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep9_det import CBA, DetectV8, SPPF, C3k2 as C2fLike
from sweep3_models import make_anchors, DFL


class SiglipLayer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        b, n, d = x.shape
        y = self.ln1(x)
        q, k, v = (p(y).view(b, n, self.h, d // self.h).transpose(1, 2) for p in (self.q, self.k, self.v))
        a = (q @ k.transpose(2, 3) * (d // self.h) ** -0.5).softmax(-1)
        x = x + self.o((a @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate='tanh'))


class SiglipVision(nn.Module):
    """transformers SiglipVisionModel + the image embedding normalised as get_image_features' users do."""

    def __init__(self, size=224, patch=16, d=96, heads=4, layers=3):
        super().__init__()
        self.patch = nn.Conv2d(3, d, patch, patch)
        self.pos = nn.Parameter(0.02 * torch.randn(1, (size // patch) ** 2, d))
        self.layers = nn.ModuleList(SiglipLayer(d, heads) for _ in range(layers))
        self.post = nn.LayerNorm(d, eps=1e-6)
        self.probe = nn.Parameter(torch.randn(1, 1, d))
        self.mha = nn.MultiheadAttention(d, heads, batch_first=True)
        self.head_ln, self.head_mlp = nn.LayerNorm(d, eps=1e-6), nn.Sequential(nn.Linear(d, 4 * d), nn.GELU('tanh'), nn.Linear(4 * d, d))

    def forward(self, pixel_values):
        x = self.patch(pixel_values).flatten(2).transpose(1, 2) + self.pos
        for layer in self.layers:
            x = layer(x)
        x = self.post(x)
        p = self.mha(self.probe.repeat(x.shape[0], 1, 1), x, x)[0]
        p = (p + self.head_mlp(self.head_ln(p)))[:, 0]
        return x, p / p.norm(p=2, dim=-1, keepdim=True)


# --- YOLO-World (ultralytics nn/modules/block.py MaxSigmoidAttnBlock, C2fAttn; head.py WorldDetect, BNContrastiveHead) ---
class MaxSigmoidAttn(nn.Module):
    def __init__(self, c1, c2, nh=1, ec=32, gc=64, scale=True):
        super().__init__()
        self.nh, self.hc = nh, c2 // nh
        self.ec = CBA(c1, ec, act=False) if c1 != ec else None
        self.gl = nn.Linear(gc, ec)
        self.bias = nn.Parameter(torch.zeros(nh))
        self.proj_conv = CBA(c1, c2, 3, act=False)
        self.scale = nn.Parameter(torch.ones(1, nh, 1, 1)) if scale else 1.0

    def forward(self, x, guide):
        bs, _, h, w = x.shape
        guide = self.gl(guide).view(bs, -1, self.nh, self.hc)
        embed = (self.ec(x) if self.ec is not None else x).view(bs, self.nh, self.hc, h, w)
        aw = torch.einsum('bmchw,bnmc->bmhwn', embed, guide).max(dim=-1)[0]
        aw = (aw / self.hc ** 0.5 + self.bias[None, :, None, None]).sigmoid() * self.scale
        return (self.proj_conv(x).view(bs, self.nh, -1, h, w) * aw.unsqueeze(2)).view(bs, -1, h, w)


class C2fAttn(nn.Module):
    def __init__(self, c1, c2, ec=32, nh=1, gc=64):
        super().__init__()
        self.c = c2 // 2
        self.cv1, self.cv2 = CBA(c1, 2 * self.c), CBA(3 * self.c + self.c, c2)
        self.m = nn.ModuleList([nn.Sequential(CBA(self.c, self.c, 3), CBA(self.c, self.c, 3))])
        self.attn = MaxSigmoidAttn(self.c, self.c, nh, self.c, gc)

    def forward(self, x, guide):
        y = list(self.cv1(x).chunk(2, 1))
        y.extend(m(y[-1]) for m in self.m)
        y.append(self.attn(y[-1], guide))
        return self.cv2(torch.cat(y, 1))


class BNContrastiveHead(nn.Module):
    def __init__(self, ed):
        super().__init__()
        self.norm = nn.BatchNorm2d(ed)
        self.bias = nn.Parameter(torch.tensor([-10.0]))
        self.logit_scale = nn.Parameter(-1.0 * torch.ones([]))

    def forward(self, x, w):
        x = self.norm(x)
        w = F.normalize(w, dim=-1, p=2)
        return torch.einsum('bchw,bkc->bkhw', x, w) * self.logit_scale.exp() + self.bias


class YoloWorld(nn.Module):
    """yolov8s-worldv2-like at small widths: text embeddings (from CLIP's text tower, outside the graph) as an input."""

    def __init__(self, embed=64, reg_max=16):
        super().__init__()
        self.reg_max = reg_max
        self.stem = nn.Sequential(CBA(3, 16, 3, 2), CBA(16, 32, 3, 2), C2fLike(32, 32))
        self.p3 = nn.Sequential(CBA(32, 64, 3, 2), C2fLike(64, 64))
        self.p4 = nn.Sequential(CBA(64, 96, 3, 2), C2fLike(96, 96))
        self.p5 = nn.Sequential(CBA(96, 128, 3, 2), C2fLike(128, 128), SPPF(128, 128))
        self.up = nn.Upsample(None, 2, 'nearest')
        self.h4, self.h3 = C2fAttn(224, 96, gc=embed), C2fAttn(160, 64, gc=embed)
        self.d3, self.n4 = CBA(64, 64, 3, 2), C2fAttn(160, 96, gc=embed)
        self.d4, self.n5 = CBA(96, 96, 3, 2), C2fAttn(224, 128, gc=embed)
        c2 = max(16, 64 // 4, reg_max * 4)
        self.cv2 = nn.ModuleList(nn.Sequential(CBA(c, c2, 3), CBA(c2, c2, 3), nn.Conv2d(c2, 4 * reg_max, 1)) for c in (64, 96, 128))
        self.cv3 = nn.ModuleList(nn.Sequential(CBA(c, 64, 3), CBA(64, 64, 3), nn.Conv2d(64, embed, 1)) for c in (64, 96, 128))
        self.cv4 = nn.ModuleList(BNContrastiveHead(embed) for _ in range(3))
        self.dfl = DFL(reg_max)

    def forward(self, images, txt_feats):
        p3 = self.p3(self.stem(images))
        p4 = self.p4(p3)
        p5 = self.p5(p4)
        t4 = self.h4(torch.cat([self.up(p5), p4], 1), txt_feats)
        o3 = self.h3(torch.cat([self.up(t4), p3], 1), txt_feats)
        o4 = self.n4(torch.cat([self.d3(o3), t4], 1), txt_feats)
        o5 = self.n5(torch.cat([self.d4(o4), p5], 1), txt_feats)
        xs = [torch.cat((self.cv2[i](x), self.cv4[i](self.cv3[i](x), txt_feats)), 1) for i, x in enumerate((o3, o4, o5))]
        b, nc = xs[0].shape[0], txt_feats.shape[1]
        anchors, strides = (t.transpose(0, 1) for t in make_anchors(xs, (8, 16, 32)))
        x_cat = torch.cat([xi.view(b, 4 * self.reg_max + nc, -1) for xi in xs], 2)
        box, cls = x_cat.split((self.reg_max * 4, nc), 1)
        lt, rb = self.dfl(box).chunk(2, 1)
        a = anchors.unsqueeze(0)
        x1y1, x2y2 = a - lt, a + rb
        return torch.cat((torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * strides, cls.sigmoid()), 1)


class GroundingFusion(nn.Module):
    """Grounding-DINO-lite: BiAttentionBlock (image ⇄ text with the text mask), language-guided query selection
    (top-k of each token's best text similarity), one decoder layer: self attention, text cross attention masked
    by text_token_mask, image cross attention, FFN; contrastive class logits against the text features."""

    def __init__(self, d=64, heads=4, nq=50):
        super().__init__()
        self.d, self.h, self.nq = d, heads, nq
        self.i2t, self.t2i = nn.MultiheadAttention(d, heads, batch_first=True), nn.MultiheadAttention(d, heads, batch_first=True)
        self.gamma_v, self.gamma_l = nn.Parameter(1e-1 * torch.ones(d)), nn.Parameter(1e-1 * torch.ones(d))
        self.ln_v, self.ln_l = nn.LayerNorm(d), nn.LayerNorm(d)
        self.enc_out = nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d))
        self.self_attn, self.ca_text, self.ca_img = (nn.MultiheadAttention(d, heads, batch_first=True) for _ in range(3))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(4))
        self.ffn = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.box = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4))

    def forward(self, img_feats, text_feats, text_token_mask):
        pad = ~text_token_mask
        v, t = self.ln_v(img_feats), self.ln_l(text_feats)
        img = img_feats + self.gamma_v * self.i2t(v, t, t, key_padding_mask=pad, need_weights=False)[0]
        txt = text_feats + self.gamma_l * self.t2i(t, v, v, need_weights=False)[0]
        mem = self.enc_out(img)
        sim = (mem @ txt.transpose(1, 2)).masked_fill(pad[:, None, :], float('-inf'))
        _, idx = torch.topk(sim.max(-1).values, self.nq, dim=1)
        q = mem.gather(1, idx.unsqueeze(-1).repeat(1, 1, self.d))
        q = self.norms[0](q + self.self_attn(q, q, q, need_weights=False)[0])
        q = self.norms[1](q + self.ca_text(q, txt, txt, key_padding_mask=pad, need_weights=False)[0])
        q = self.norms[2](q + self.ca_img(q, img, img, need_weights=False)[0])
        q = self.norms[3](q + self.ffn(q))
        logits = (q @ txt.transpose(1, 2)).masked_fill(pad[:, None, :], float('-inf'))
        return logits.sigmoid(), self.box(q).sigmoid()


class LayerNorm2d(nn.Module):
    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight, self.bias, self.eps = nn.Parameter(torch.ones(c)), nn.Parameter(torch.zeros(c)), eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        return self.weight[:, None, None] * ((x - u) / torch.sqrt(s + self.eps)) + self.bias[:, None, None]


class EfficientSamEncoder(nn.Module):
    """EfficientSAM ImageEncoderViT: patch embed, absolute positions (bilinear-resized when the grid differs), blocks
    with a fused qkv Linear, neck of 1×1 conv, LayerNorm2d, 3×3 conv, LayerNorm2d."""

    def __init__(self, size=256, patch=16, d=96, heads=4, layers=3, out=64, pretrain_grid=14):
        super().__init__()
        self.g = size // patch
        self.patch = nn.Conv2d(3, d, patch, patch)
        self.pos = nn.Parameter(0.02 * torch.randn(1, pretrain_grid * pretrain_grid + 1, d))
        self.pretrain_grid, self.h = pretrain_grid, heads
        self.blocks = nn.ModuleList(nn.ModuleDict({'n1': nn.LayerNorm(d), 'qkv': nn.Linear(d, 3 * d), 'proj': nn.Linear(d, d),
                                                   'n2': nn.LayerNorm(d), 'mlp': nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))})
                                    for _ in range(layers))
        self.neck = nn.Sequential(nn.Conv2d(d, out, 1, bias=False), LayerNorm2d(out), nn.Conv2d(out, out, 3, padding=1, bias=False), LayerNorm2d(out))

    def forward(self, x):
        x = self.patch(x).permute(0, 2, 3, 1)
        pos = self.pos[:, 1:].reshape(1, self.pretrain_grid, self.pretrain_grid, -1).permute(0, 3, 1, 2)
        pos = F.interpolate(pos, size=(self.g, self.g), mode='bicubic', align_corners=False).permute(0, 2, 3, 1)
        x = (x + pos).reshape(x.shape[0], self.g * self.g, -1)
        for b in self.blocks:
            y = b['n1'](x)
            B, N, C = y.shape
            q, k, v = b['qkv'](y).reshape(B, N, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)
            a = ((q * (C // self.h) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
            x = x + b['proj']((a @ v).transpose(1, 2).reshape(B, N, C))
            x = x + b['mlp'](b['n2'](x))
        return self.neck(x.reshape(x.shape[0], self.g, self.g, -1).permute(0, 3, 1, 2))


class RepViTBlock(nn.Module):
    """RepViT (EdgeSAM's encoder): token mixer RepVGGDW (3×3 depthwise + BN + 1×1 depthwise + identity, BN), SE,
    channel mixer 1×1 GELU 1×1 residual."""

    def __init__(self, c, se=True):
        super().__init__()
        self.dw3, self.dw1, self.bn = CBA(c, c, 3, g=c, act=False), nn.Conv2d(c, c, 1, groups=c), nn.BatchNorm2d(c)
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // 4, 1), nn.ReLU(), nn.Conv2d(c // 4, c, 1), nn.Sigmoid()) if se else None
        self.mlp = nn.Sequential(CBA(c, 2 * c, act=nn.GELU()), CBA(2 * c, c, act=False))

    def forward(self, x):
        x = self.bn(self.dw3(x) + self.dw1(x) + x)
        if self.se is not None:
            x = x * self.se(x)
        return x + self.mlp(x)


class EdgeSamEncoder(nn.Module):
    def __init__(self, out=64):
        super().__init__()
        self.stem = nn.Sequential(CBA(3, 24, 3, 2, act=nn.GELU()), CBA(24, 48, 3, 2, act=False))
        layers, c = [], 48
        for i, n in enumerate((2, 2, 4, 2)):
            if i:
                layers += [CBA(c, c, 3, 2, g=c, act=False), CBA(c, 2 * c, act=False)]
                c *= 2
            layers += [RepViTBlock(c, se=j % 2 == 0) for j in range(n)]
        self.layers = nn.Sequential(*layers)
        self.neck = nn.Sequential(nn.Conv2d(c, out, 1, bias=False), LayerNorm2d(out), nn.Conv2d(out, out, 3, padding=1, bias=False), LayerNorm2d(out))

    def forward(self, x):
        return self.neck(F.interpolate(self.layers(self.stem(x)), scale_factor=2., mode='bilinear', align_corners=False))


class PromptEncoder(nn.Module):
    """SAM PromptEncoder as EfficientSAM / EdgeSAM export it: points [B, N, 2] in input pixels with labels (-1 padding,
    0 negative, 1 positive, 2 / 3 box corners), random Fourier positions, label embeddings chosen by masks; the dense
    positional encoding of the embedding grid; and a small mask decoder step (token ⋅ image attention, upscaled)."""

    def __init__(self, d=64, size=256, grid=16):
        super().__init__()
        self.size, self.grid = size, grid
        self.register_buffer('gauss', torch.randn(2, d // 2))
        self.point_embeddings = nn.Parameter(torch.randn(4, d))
        self.not_a_point = nn.Parameter(torch.randn(d))
        self.tokens = nn.Parameter(torch.randn(5, d))
        self.attn = nn.MultiheadAttention(d, 4, batch_first=True)
        self.up = nn.Sequential(nn.ConvTranspose2d(d, d // 4, 2, 2), LayerNorm2d(d // 4), nn.GELU(), nn.ConvTranspose2d(d // 4, d // 8, 2, 2), nn.GELU())
        self.hyper = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d // 8))
        self.iou = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4))

    def pe(self, coords):
        coords = (2 * coords - 1) @ self.gauss * (2 * math.pi)
        return torch.cat([coords.sin(), coords.cos()], -1)

    def forward(self, image_embeddings, point_coords, point_labels):
        p = self.pe((point_coords + 0.5) / self.size)
        lab = point_labels.unsqueeze(-1)
        p = torch.where(lab == -1, self.not_a_point.expand_as(p), p)
        for i in range(4):
            p = p + (lab == i).float() * self.point_embeddings[i]
        ys, xs = torch.meshgrid(torch.arange(self.grid) + 0.5, torch.arange(self.grid) + 0.5, indexing='ij')
        dense_pe = self.pe(torch.stack([xs, ys], -1).float() / self.grid).permute(2, 0, 1).unsqueeze(0)
        b, c, h, w = image_embeddings.shape
        tok = torch.cat([self.tokens.unsqueeze(0).expand(b, -1, -1), p], 1)
        src = (image_embeddings + dense_pe).flatten(2).transpose(1, 2)
        tok = tok + self.attn(tok, src, src, need_weights=False)[0]
        up = self.up(image_embeddings + self.attn(src, tok, tok, need_weights=False)[0].transpose(1, 2).reshape(b, c, h, w))
        masks = (self.hyper(tok[:, 1:5]) @ up.flatten(2)).reshape(b, 4, 4 * h, 4 * w)
        return masks, self.iou(tok[:, 0])
