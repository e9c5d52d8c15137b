"""Twelfth sweep, the rest (docs/model-sweep.md): DeepLabV3+ on MobileNetV2 (VainF), FaceNet's InceptionResnetV1
(facenet-pytorch), AnimeGANv2 (bryandlee's generator), ABINet (vision model with position attention + one
iteration of the BCN language model and the fusion), CREPE tiny (pitch), in plain torch.nn (small widths)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from sweep12_vis_det import cbr


# --- DeepLabV3+ (VainF DeepLabV3Plus-Pytorch, mobilenet, output stride 16): ASPP with pooling, low-level decoder ---

class ASPP(nn.Module):
    def __init__(self, i, rates=(6, 12, 18), o=256):
        super().__init__()
        self.convs = nn.ModuleList([cbr(i, o, 1, p=0)] + [cbr(i, o, 3, d=r) for r in rates])
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(i, o, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(True))
        self.project = nn.Sequential(cbr(5 * o, o, 1, p=0), nn.Dropout(0.1))

    def forward(self, x):
        size = x.shape[-2:]
        res = [c(x) for c in self.convs] + [F.interpolate(self.pool(x), size=size, mode='bilinear', align_corners=False)]
        return self.project(torch.cat(res, 1))


class DeepLabV3Plus(nn.Module):
    def __init__(self, nc=21):
        super().__init__()
        m = torchvision.models.mobilenet_v2()
        feats = m.features
        # output stride 16: the last stride-2 block's depthwise conv at stride 1, the blocks after it dilated by 2
        for i in range(14, len(feats)):
            for mod in feats[i].modules():
                if isinstance(mod, nn.Conv2d) and mod.kernel_size == (3, 3):
                    if i == 14:
                        mod.stride = (1, 1)
                    else:
                        mod.dilation, mod.padding = (2, 2), (2, 2)
        self.low, self.high = feats[:4], feats[4:-1]
        self.aspp = ASPP(320, (12, 24, 36))
        self.project = cbr(24, 48, 1, p=0)
        self.classifier = nn.Sequential(cbr(304, 256), nn.Conv2d(256, nc, 1))

    def forward(self, x):
        size = x.shape[-2:]
        low = self.low(x)
        out = self.aspp(self.high(low))
        low = self.project(low)
        out = F.interpolate(out, size=low.shape[2:], mode='bilinear', align_corners=False)
        out = self.classifier(torch.cat([low, out], 1))
        return F.interpolate(out, size=size, mode='bilinear', align_corners=False)


# --- FaceNet InceptionResnetV1 (facenet-pytorch, half widths, one block of each kind), L2-normalised embedding ---

def bc(i, o, k, s=1, p=0):
    return nn.Sequential(nn.Conv2d(i, o, k, s, p, bias=False), nn.BatchNorm2d(o, eps=0.001, momentum=0.1), nn.ReLU(False))


class Block35(nn.Module):
    def __init__(self, c, scale=0.17):
        super().__init__()
        self.b0 = bc(c, 16, 1)
        self.b1 = nn.Sequential(bc(c, 16, 1), bc(16, 16, 3, p=1))
        self.b2 = nn.Sequential(bc(c, 16, 1), bc(16, 16, 3, p=1), bc(16, 16, 3, p=1))
        self.conv2d, self.scale = nn.Conv2d(48, c, 1), scale

    def forward(self, x):
        return F.relu(self.conv2d(torch.cat((self.b0(x), self.b1(x), self.b2(x)), 1)) * self.scale + x)


class Block17(nn.Module):
    def __init__(self, c, scale=0.10):
        super().__init__()
        self.b0 = bc(c, 64, 1)
        self.b1 = nn.Sequential(bc(c, 64, 1), bc(64, 64, (1, 7), p=(0, 3)), bc(64, 64, (7, 1), p=(3, 0)))
        self.conv2d, self.scale = nn.Conv2d(128, c, 1), scale

    def forward(self, x):
        return F.relu(self.conv2d(torch.cat((self.b0(x), self.b1(x)), 1)) * self.scale + x)


class Block8(nn.Module):
    def __init__(self, c, scale=1.0, relu=True):
        super().__init__()
        self.b0 = bc(c, 96, 1)
        self.b1 = nn.Sequential(bc(c, 96, 1), bc(96, 96, (1, 3), p=(0, 1)), bc(96, 96, (3, 1), p=(1, 0)))
        self.conv2d, self.scale, self.relu = nn.Conv2d(192, c, 1), scale, relu

    def forward(self, x):
        out = self.conv2d(torch.cat((self.b0(x), self.b1(x)), 1)) * self.scale + x
        return F.relu(out) if self.relu else out


class MixedRed(nn.Module):
    def __init__(self, i, a, b):
        super().__init__()
        self.b0 = bc(i, a, 3, 2)
        self.b1 = nn.Sequential(bc(i, b, 1), bc(b, b, 3, p=1), bc(b, a, 3, 2))
        self.b2 = nn.MaxPool2d(3, 2)

    def forward(self, x):
        return torch.cat((self.b0(x), self.b1(x), self.b2(x)), 1)


class FaceNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(bc(3, 16, 3, 2), bc(16, 16, 3), bc(16, 32, 3, p=1), nn.MaxPool2d(3, 2),
                                  bc(32, 40, 1), bc(40, 96, 3), bc(96, 128, 3, 2))
        self.repeat_1 = nn.Sequential(*[Block35(128) for _ in range(2)])
        self.mixed_6a = MixedRed(128, 192, 96)  # 128 + 192 + 192 = 512
        self.repeat_2 = nn.Sequential(*[Block17(512) for _ in range(2)])
        self.mixed_7a = nn.ModuleList([nn.Sequential(bc(512, 128, 1), bc(128, 192, 3, 2)),
                                       nn.Sequential(bc(512, 128, 1), bc(128, 128, 3, 2)),
                                       nn.Sequential(bc(512, 128, 1), bc(128, 128, 3, p=1), bc(128, 128, 3, 2)),
                                       nn.MaxPool2d(3, 2)])
        self.repeat_3 = nn.Sequential(Block8(960, 0.20), Block8(960, relu=False))
        self.last_linear = nn.Linear(960, 512, bias=False)
        self.last_bn = nn.BatchNorm1d(512, eps=0.001, momentum=0.1)

    def forward(self, x):
        x = self.repeat_2(self.mixed_6a(self.repeat_1(self.stem(x))))
        x = self.repeat_3(torch.cat([b(x) for b in self.mixed_7a], 1))
        x = F.adaptive_avg_pool2d(x, 1)
        x = self.last_bn(self.last_linear(x.view(x.shape[0], -1)))
        return F.normalize(x, p=2, dim=1)


# --- AnimeGANv2 generator (bryandlee/animegan2-pytorch): ConvNormLReLU with GroupNorm(1), inverted residuals ---

class ConvNormLReLU(nn.Sequential):
    def __init__(self, i, o, k=3, s=1, p=1, g=1):
        super().__init__(nn.ReflectionPad2d(p), nn.Conv2d(i, o, k, s, 0, groups=g, bias=False),
                         nn.GroupNorm(1, o, affine=True), nn.LeakyReLU(0.2, inplace=True))


class InvertedResBlock(nn.Module):
    def __init__(self, i, o, expansion=2):
        super().__init__()
        self.use_res = i == o
        b = int(round(i * expansion))
        self.layers = nn.Sequential(ConvNormLReLU(i, b, 1, p=0), ConvNormLReLU(b, b, g=b),
                                    nn.Conv2d(b, o, 1, bias=False), nn.GroupNorm(1, o, affine=True))

    def forward(self, x):
        out = self.layers(x)
        return x + out if self.use_res else out


class AnimeGANv2(nn.Module):
    def __init__(self):
        super().__init__()
        self.block_a = nn.Sequential(ConvNormLReLU(3, 32, 7, p=3), ConvNormLReLU(32, 64, s=2, p=(0, 1, 0, 1)), ConvNormLReLU(64, 64))
        self.block_b = nn.Sequential(ConvNormLReLU(64, 128, s=2, p=(0, 1, 0, 1)), ConvNormLReLU(128, 128))
        self.block_c = nn.Sequential(ConvNormLReLU(128, 128), InvertedResBlock(128, 256, 2), InvertedResBlock(256, 256, 2),
                                     InvertedResBlock(256, 256, 2), InvertedResBlock(256, 256, 2), ConvNormLReLU(256, 128))
        self.block_d = nn.Sequential(ConvNormLReLU(128, 128), ConvNormLReLU(128, 128))
        self.block_e = nn.Sequential(ConvNormLReLU(128, 64), ConvNormLReLU(64, 64), ConvNormLReLU(64, 32, 7, p=3))
        self.out_layer = nn.Sequential(nn.Conv2d(32, 3, 1, bias=False), nn.Tanh())

    def forward(self, x):
        out = self.block_a(x)
        half_size = out.size()[-2:]
        out = self.block_c(self.block_b(out))
        out = F.interpolate(out, half_size, mode='bilinear', align_corners=True)
        out = self.block_d(out)
        out = F.interpolate(out, x.size()[-2:], mode='bilinear', align_corners=True)
        return self.out_layer(self.block_e(out))


# --- ABINet (FangShancheng): ResNet-ish backbone + transformer, position attention, BCN language model, alignment ---

class PositionalEncoding(nn.Module):
    def __init__(self, d, n):
        super().__init__()
        pe = torch.zeros(n, d)
        pos = torch.arange(0, n).unsqueeze(1).float()
        div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer('pe', pe.unsqueeze(1))  # [T, 1, d]

    def forward(self, x):
        return x + self.pe[:x.size(0)]


class PositionAttention(nn.Module):
    """Keys from a mini U-Net over the feature map, queries from the positional encoding of max_length positions."""

    def __init__(self, d, max_length, h=8, w=32):
        super().__init__()
        self.k_encoder = nn.Sequential(cbr(d, 64, 3, (1, 2)), cbr(64, 64, 3, 2), cbr(64, 64, 3, 2), cbr(64, 64, 3, 2))
        self.k_decoder = nn.ModuleList([nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), cbr(64, 64)) for _ in range(3)] +
                                       [nn.Sequential(nn.Upsample(size=(h, w), mode='nearest'), cbr(64, d))])
        self.pos = PositionalEncoding(d, max_length)
        self.project = nn.Linear(d, d)
        self.max_length = max_length

    def forward(self, x):
        n, e, h, w = x.shape
        k, v = x, x
        feats = []
        for m in self.k_encoder:
            k = m(k)
            feats.append(k)
        for i in range(len(self.k_decoder) - 1):
            k = self.k_decoder[i](k) + feats[len(self.k_decoder) - 2 - i]
        k = self.k_decoder[-1](k)
        zeros = x.new_zeros((self.max_length, n, e))
        q = self.project(self.pos(zeros).permute(1, 0, 2))  # [N, T, E]
        attn = torch.softmax(torch.bmm(q, k.flatten(2, 3)) / (e ** 0.5), -1)
        return torch.bmm(attn, v.permute(0, 2, 3, 1).view(n, -1, e)), attn


def lengths(logit, max_length, null=0):
    """ABINet's _get_length: the first position whose arg-max is the null class, + 1 (max_length when none). As
    written (`out.cumsum(-1)` and `.max(-1)` of bools) torch 1.13 exports a CumSum and an ArgMax of bool, which is not
    valid ONNX (onnxruntime refuses to load it); deployments count in int32, as here."""
    out = logit.argmax(dim=-1) == null
    abn = out.any(-1)
    out = ((out.int().cumsum(-1) == 1) & out).int().max(-1)[1]
    out = out + 1
    return torch.where(abn, out, out.new_tensor(logit.shape[1]))


class ABINet(nn.Module):
    def __init__(self, nc=37, d=256, max_length=26, layers=2):
        super().__init__()
        r = torchvision.models.resnet18()
        self.backbone = nn.Sequential(cbr(3, 32, 3, 1), r.layer1[0].__class__(32, 32),  # 32×128 → 8×32
                                      nn.Sequential(nn.Conv2d(32, 64, 3, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()),
                                      nn.Sequential(nn.Conv2d(64, 128, 3, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU()),
                                      nn.Conv2d(128, d, 1))
        self.pos = PositionalEncoding(d, 8 * 32)
        self.transformer = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 8, 4 * d, 0.0), layers)
        self.attention = PositionAttention(d, max_length)
        self.cls = nn.Linear(d, nc)
        # BCN language model: projection of the probabilities, position queries, decoder layers (cross attention
        # only to the token embeddings, the location mask on the diagonal), classifier
        self.proj = nn.Linear(nc, d, bias=False)
        self.token_pos = PositionalEncoding(d, max_length)
        self.lm = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, 8, 4 * d, 0.0), 2)
        self.lm_cls = nn.Linear(d, nc)
        self.w_att = nn.Linear(2 * d, d)
        self.align_cls = nn.Linear(d, nc)
        self.max_length, self.d = max_length, d
        self.register_buffer('location_mask', torch.eye(max_length).masked_fill(torch.eye(max_length) > 0, float('-inf')))

    def forward(self, images):
        f = self.backbone(images)  # [N, E, 8, 32]
        n, e, h, w = f.shape
        f = self.transformer(self.pos(f.view(n, e, -1).permute(2, 0, 1))).permute(1, 2, 0).view(n, e, h, w)
        v_feat, _ = self.attention(f)
        v_logits = self.cls(v_feat)
        # language: pt_lengths from the vision logits, the padding mask of positions past them
        probs = torch.softmax(v_logits, -1)
        L = lengths(v_logits, self.max_length).clamp(2, self.max_length)
        padding = torch.arange(self.max_length).unsqueeze(0) >= L.unsqueeze(-1)  # [N, T]
        embed = self.token_pos(self.proj(probs).permute(1, 0, 2))
        query = self.token_pos(embed.new_zeros(self.max_length, n, self.d))
        l_feat = self.lm(query, embed, tgt_key_padding_mask=padding, memory_key_padding_mask=padding,
                         memory_mask=self.location_mask).permute(1, 0, 2)
        l_logits = self.lm_cls(l_feat)
        # alignment: a gated sum of the language and vision features
        gate = torch.sigmoid(self.w_att(torch.cat((l_feat, v_feat), 2)))
        a_logits = self.align_cls(gate * v_feat + (1 - gate) * l_feat)
        return a_logits, v_logits, l_logits


# --- CREPE tiny (marl/crepe, torchcrepe): 1024-sample frames, six conv blocks with max-pool, 360 pitch bins ---

class Crepe(nn.Module):
    def __init__(self, caps=4):
        super().__init__()
        f = [n * caps for n in (32, 4, 4, 4, 8, 16)]  # 'tiny': capacity multiplier 4
        ks, ss = [512, 64, 64, 64, 64, 64], [4, 1, 1, 1, 1, 1]
        layers, i = [], 1
        for o, k, s in zip(f, ks, ss):
            layers.append(nn.ModuleList([nn.Conv2d(i, o, (k, 1), (s, 1)), nn.BatchNorm2d(o, eps=0.0010000000474974513, momentum=0.0)]))
            i = o
        self.layers = nn.ModuleList(layers)
        self.ks = ks
        self.classifier = nn.Linear(f[-1] * 4, 360)

    def forward(self, frames):
        x = frames[:, None, :, None]  # [B, 1, 1024, 1]
        for (conv, bn), k in zip(self.layers, self.ks):
            x = F.pad(x, (0, 0, 254, 254) if k == 512 else (0, 0, 31, 32))
            x = F.max_pool2d(bn(F.relu(conv(x))), (2, 1), (2, 1))
        x = x.permute(0, 2, 1, 3).reshape(-1, self.classifier.in_features)
        return torch.sigmoid(self.classifier(x))
