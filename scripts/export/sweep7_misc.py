"""Seventh sweep (docs/model-sweep.md): SAM / MobileSAM's prompt encoder + mask decoder as segment-anything's ONNX
export writes it (SamOnnxModel), super-resolution (ESPCN, Real-ESRGAN's SRVGGNetCompact), a 3-D U-Net with
trilinear upsampling, PointNet and DGCNN (knn by TopK). Plain torch.nn, small widths, random weights.
Imported by sweep7.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_models import LayerNormCF as LayerNorm2d  # SAM's LayerNorm2d: the same channels-first LayerNorm


# --- SAM prompt encoder + mask decoder (segment_anything/utils/onnx.py SamOnnxModel, modeling/mask_decoder.py) ---
class Attn(nn.Module):
    def __init__(self, d, heads, down=1):
        super().__init__()
        self.h, i = heads, d // down
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = nn.Linear(d, i), nn.Linear(d, i), nn.Linear(d, i), nn.Linear(i, d)

    def sep(self, x):
        b, n, c = x.shape
        return x.reshape(b, n, self.h, c // self.h).transpose(1, 2)

    def forward(self, q, k, v):
        q, k, v = self.sep(self.q_proj(q)), self.sep(self.k_proj(k)), self.sep(self.v_proj(v))
        a = torch.softmax(q @ k.permute(0, 1, 3, 2) / math.sqrt(q.shape[-1]), dim=-1)
        o = (a @ v).transpose(1, 2)
        return self.out_proj(o.reshape(o.shape[0], o.shape[1], -1))


class TwoWayBlock(nn.Module):
    def __init__(self, d, heads, mlp, skip_first_pe):
        super().__init__()
        self.self_attn, self.t2i, self.i2t = Attn(d, heads), Attn(d, heads, 2), Attn(d, heads, 2)
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(4))
        self.mlp = nn.Sequential(nn.Linear(d, mlp), nn.ReLU(), nn.Linear(mlp, d))
        self.skip = skip_first_pe

    def forward(self, queries, keys, qpe, kpe):
        if self.skip:
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + qpe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.norms[0](queries)
        queries = self.norms[1](queries + self.t2i(queries + qpe, keys + kpe, keys))
        queries = self.norms[2](queries + self.mlp(queries))
        keys = self.norms[3](keys + self.i2t(keys + kpe, queries + qpe, queries))
        return queries, keys


class SamDecoder(nn.Module):
    """Inputs as SamOnnxModel: image_embeddings [1, C, E, E], point_coords [1, N, 2] (pixels of a 16·E image),
    point_labels [1, N] (-1 padding, 0/1 background/foreground, 2/3 box corners), mask_input [1, 1, 4E, 4E],
    has_mask_input [1]. Outputs the single best-IoU mask's low-res logits [1, 1, 4E, 4E] and IoU scores."""

    def __init__(self, d=64, heads=4, emb=16, depth=2, masks=4):
        super().__init__()
        self.emb, self.img = emb, emb * 16
        self.register_buffer('gauss', torch.randn(2, d // 2))
        self.point_embeddings = nn.ModuleList(nn.Embedding(1, d) for _ in range(4))
        self.not_a_point, self.no_mask = nn.Embedding(1, d), nn.Embedding(1, d)
        self.mask_downscaling = nn.Sequential(nn.Conv2d(1, 4, 2, 2), LayerNorm2d(4), nn.GELU(), nn.Conv2d(4, 16, 2, 2),
                                              LayerNorm2d(16), nn.GELU(), nn.Conv2d(16, d, 1))
        self.iou_token, self.mask_tokens = nn.Embedding(1, d), nn.Embedding(masks, d)
        self.layers = nn.ModuleList(TwoWayBlock(d, heads, 2 * d, i == 0) for i in range(depth))
        self.final = Attn(d, heads, 2)
        self.norm_final = nn.LayerNorm(d)
        self.up = nn.Sequential(nn.ConvTranspose2d(d, d // 4, 2, 2), LayerNorm2d(d // 4), nn.GELU(), nn.ConvTranspose2d(d // 4, d // 8, 2, 2), nn.GELU())
        self.hyper = nn.ModuleList(nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d // 8)) for _ in range(masks))
        self.iou_head = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, masks))
        self.nm = masks

    def pe(self, coords):  # PositionEmbeddingRandom on coords in [0, 1]
        c = (2 * coords - 1) @ self.gauss * (2 * math.pi)
        return torch.cat([torch.sin(c), torch.cos(c)], dim=-1)

    def dense_pe(self):
        g = torch.ones((self.emb, self.emb), dtype=torch.float32)
        y = (g.cumsum(0) - 0.5) / self.emb
        x = (g.cumsum(1) - 0.5) / self.emb
        return self.pe(torch.stack([x, y], dim=-1)).permute(2, 0, 1).unsqueeze(0)

    def forward(self, image_embeddings, point_coords, point_labels, mask_input, has_mask_input):
        coords = (point_coords + 0.5) / self.img
        pe = self.pe(coords)
        labels = point_labels.unsqueeze(-1)
        pe = pe * (labels != -1)
        pe = pe + self.not_a_point.weight * (labels == -1)
        for i in range(4):
            pe = pe + self.point_embeddings[i].weight * (labels == i)
        dense = has_mask_input * self.mask_downscaling(mask_input) + (1 - has_mask_input) * self.no_mask.weight.reshape(1, -1, 1, 1)
        tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight], 0).unsqueeze(0).expand(pe.shape[0], -1, -1)
        tokens = torch.cat((tokens, pe), dim=1)
        src = image_embeddings + dense
        pos = self.dense_pe()
        b, c, h, w = src.shape
        keys, kpe = src.flatten(2).permute(0, 2, 1), pos.flatten(2).permute(0, 2, 1)
        queries = tokens
        for layer in self.layers:
            queries, keys = layer(queries, keys, tokens, kpe)
        q = queries + tokens
        queries = self.norm_final(queries + self.final(q, keys + kpe, keys))
        iou_out, mask_out = queries[:, 0, :], queries[:, 1:1 + self.nm, :]
        up = self.up(keys.transpose(1, 2).view(b, c, h, w))
        hyper = torch.stack([self.hyper[i](mask_out[:, i, :]) for i in range(self.nm)], dim=1)
        b, c, h, w = up.shape
        masks = (hyper @ up.view(b, c, h * w)).view(b, -1, h, w)
        iou = self.iou_head(iou_out)
        # SamOnnxModel.select_masks: the stability-free variant, the best of masks 1.. by predicted IoU
        iou = iou[:, 1:]
        best = torch.argmax(iou, dim=1)
        return masks[:, 1:][torch.arange(masks.shape[0]), best, :, :].unsqueeze(1), iou


# --- super-resolution ---
class Espcn(nn.Module):
    def __init__(self, scale=3, c=1):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, 64, 5, 1, 2), nn.Tanh(), nn.Conv2d(64, 32, 3, 1, 1), nn.Tanh(),
                                  nn.Conv2d(32, c * scale ** 2, 3, 1, 1), nn.PixelShuffle(scale))

    def forward(self, x):
        return self.body(x).clamp(0, 1)


class SrVggCompact(nn.Module):
    """Real-ESRGAN's realesr-general-x4v3 (SRVGGNetCompact): convs + PReLU, PixelShuffle, plus the input upsampled."""

    def __init__(self, feat=32, convs=8, scale=4):
        super().__init__()
        layers = [nn.Conv2d(3, feat, 3, 1, 1), nn.PReLU(feat)]
        for _ in range(convs):
            layers += [nn.Conv2d(feat, feat, 3, 1, 1), nn.PReLU(feat)]
        layers += [nn.Conv2d(feat, 3 * scale * scale, 3, 1, 1), nn.PixelShuffle(scale)]
        self.body, self.scale = nn.Sequential(*layers), scale

    def forward(self, x):
        return self.body(x) + F.interpolate(x, scale_factor=self.scale, mode='nearest')


# --- 3-D U-Net (wolny/pytorch-3dunet: DoubleConv with GroupNorm, MaxPool3d, trilinear upsampling + concat) ---
def double_conv3d(c1, c2):
    return nn.Sequential(nn.GroupNorm(min(8, c1) if c1 % 8 == 0 else 1, c1), nn.Conv3d(c1, c2, 3, 1, 1, bias=False), nn.ReLU(),
                         nn.GroupNorm(8, c2), nn.Conv3d(c2, c2, 3, 1, 1, bias=False), nn.ReLU())


class UNet3d(nn.Module):
    def __init__(self, c=1, nc=2, f=(8, 16, 32)):
        super().__init__()
        self.e = nn.ModuleList(double_conv3d(a, b) for a, b in zip((c,) + f[:-1], f))
        self.d = nn.ModuleList(double_conv3d(f[i] + f[i + 1], f[i]) for i in range(len(f) - 1))
        self.out = nn.Conv3d(f[0], nc, 1)

    def forward(self, x):
        skips = []
        for i, enc in enumerate(self.e):
            x = enc(x if i == 0 else F.max_pool3d(x, 2))
            skips.append(x)
        for i in reversed(range(len(self.d))):
            x = F.interpolate(x, size=skips[i].shape[2:], mode='trilinear', align_corners=False)
            x = self.d[i](torch.cat((skips[i], x), 1))
        return self.out(x).softmax(1)


# --- PointNet (T-Net input transform, shared MLP as Conv1d, max pool over points) and DGCNN (EdgeConv, knn) ---
class PointNet(nn.Module):
    def __init__(self, nc=10):
        super().__init__()
        self.tnet = nn.Sequential(nn.Conv1d(3, 32, 1), nn.BatchNorm1d(32), nn.ReLU(), nn.Conv1d(32, 128, 1), nn.BatchNorm1d(128), nn.ReLU())
        self.tfc = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 9))
        self.mlp = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(), nn.Conv1d(64, 256, 1), nn.BatchNorm1d(256), nn.ReLU())
        self.fc = nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, nc))

    def forward(self, x):  # [B, 3, N]
        t = torch.max(self.tnet(x), 2)[0]
        m = self.tfc(t).view(-1, 3, 3) + torch.eye(3).view(1, 3, 3)
        x = torch.bmm(x.transpose(2, 1), m).transpose(2, 1)
        return self.fc(torch.max(self.mlp(x), 2, keepdim=True)[0].view(x.shape[0], -1)).log_softmax(-1)


def knn(x, k):
    inner = -2 * torch.matmul(x.transpose(2, 1), x)
    xx = torch.sum(x ** 2, dim=1, keepdim=True)
    return (-xx - inner - xx.transpose(2, 1)).topk(k=k, dim=-1)[1]


def graph_feature(x, k):
    b, c, n = x.shape
    idx = knn(x, k) + torch.arange(0, b).view(-1, 1, 1) * n
    x = x.transpose(2, 1).contiguous()
    feat = x.view(b * n, -1)[idx.view(-1), :].view(b, n, k, c)
    x = x.view(b, n, 1, c).repeat(1, 1, k, 1)
    return torch.cat((feat - x, x), dim=3).permute(0, 3, 1, 2).contiguous()


class Dgcnn(nn.Module):
    def __init__(self, k=8, nc=10):
        super().__init__()
        self.k = k
        self.c1 = nn.Sequential(nn.Conv2d(6, 32, 1, bias=False), nn.BatchNorm2d(32), nn.LeakyReLU(0.2))
        self.c2 = nn.Sequential(nn.Conv2d(64, 32, 1, bias=False), nn.BatchNorm2d(32), nn.LeakyReLU(0.2))
        self.c3 = nn.Sequential(nn.Conv1d(64, 128, 1, bias=False), nn.BatchNorm1d(128), nn.LeakyReLU(0.2))
        self.fc = nn.Sequential(nn.Linear(256, 64), nn.LeakyReLU(0.2), nn.Linear(64, nc))

    def forward(self, x):  # [B, 3, N]
        x1 = self.c1(graph_feature(x, self.k)).max(dim=-1, keepdim=False)[0]
        x2 = self.c2(graph_feature(x1, self.k)).max(dim=-1, keepdim=False)[0]
        x = self.c3(torch.cat((x1, x2), 1))
        return self.fc(torch.cat((F.adaptive_max_pool1d(x, 1).view(x.shape[0], -1), F.adaptive_avg_pool1d(x, 1).view(x.shape[0], -1)), 1))


# --- Real-ESRGAN x2plus (RRDBNet: pixel_unshuffle in front, dense blocks, nearest ×2 upsampling convs) ---
class RDB(nn.Module):
    def __init__(self, f=16, g=8):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(f + i * g, g if i < 4 else f, 3, 1, 1) for i in range(5))

    def forward(self, x):
        feats = [x]
        for i, c in enumerate(self.convs):
            y = c(torch.cat(feats, 1))
            if i < 4:
                feats.append(F.leaky_relu(y, 0.2))
        return x + 0.2 * y


class RRDBNetX2(nn.Module):
    def __init__(self, f=16, blocks=2):
        super().__init__()
        self.conv_first = nn.Conv2d(3 * 4, f, 3, 1, 1)
        self.body = nn.Sequential(*(RDB(f) for _ in range(blocks)))
        self.conv_body = nn.Conv2d(f, f, 3, 1, 1)
        self.up1, self.up2 = nn.Conv2d(f, f, 3, 1, 1), nn.Conv2d(f, f, 3, 1, 1)
        self.conv_hr, self.conv_last = nn.Conv2d(f, f, 3, 1, 1), nn.Conv2d(f, 3, 3, 1, 1)

    def forward(self, x):
        feat = self.conv_first(F.pixel_unshuffle(x, 2))
        feat = feat + self.conv_body(self.body(feat))
        feat = F.leaky_relu(self.up1(F.interpolate(feat, scale_factor=2, mode='nearest')), 0.2)
        feat = F.leaky_relu(self.up2(F.interpolate(feat, scale_factor=2, mode='nearest')), 0.2)
        return self.conv_last(F.leaky_relu(self.conv_hr(feat), 0.2))


# --- NAFNet (megvii-research: LayerNorm2d, SimpleGate, simplified channel attention, PixelShuffle decoder) ---
class NAFBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1, self.norm2 = LayerNorm2d(c), LayerNorm2d(c)
        self.conv1, self.conv2 = nn.Conv2d(c, 2 * c, 1), nn.Conv2d(2 * c, 2 * c, 3, 1, 1, groups=2 * c)
        self.sca = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c, 1))
        self.conv3, self.conv4, self.conv5 = nn.Conv2d(c, c, 1), nn.Conv2d(c, 2 * c, 1), nn.Conv2d(c, c, 1)
        self.beta, self.gamma = nn.Parameter(0.1 * torch.randn(1, c, 1, 1)), nn.Parameter(0.1 * torch.randn(1, c, 1, 1))

    @staticmethod
    def gate(x):
        a, b = x.chunk(2, dim=1)
        return a * b

    def forward(self, x):
        y = self.gate(self.conv2(self.conv1(self.norm1(x))))
        y = self.conv3(y * self.sca(y))
        x = x + y * self.beta
        return x + self.conv5(self.gate(self.conv4(self.norm2(x)))) * self.gamma


class NAFNet(nn.Module):
    def __init__(self, w=16):
        super().__init__()
        self.intro, self.ending = nn.Conv2d(3, w, 3, 1, 1), nn.Conv2d(w, 3, 3, 1, 1)
        self.enc, self.down = NAFBlock(w), nn.Conv2d(w, 2 * w, 2, 2)
        self.mid = NAFBlock(2 * w)
        self.up = nn.Sequential(nn.Conv2d(2 * w, 4 * w, 1, bias=False), nn.PixelShuffle(2))
        self.dec = NAFBlock(w)

    def forward(self, inp):
        e = self.enc(self.intro(inp))
        x = self.up(self.mid(self.down(e))) + e
        return self.ending(self.dec(x)) + inp


# --- PointNet++ SSG (farthest point sampling unrolled by tracing, ball query by sort, grouped PointNet) ---
def farthest_point_sample(xyz, npoint):  # [B, N, 3] -> [B, npoint]
    b, n, _ = xyz.shape
    centroids = []
    distance = torch.full((b, n), 1e10)
    farthest = torch.zeros(b, dtype=torch.long)
    batch = torch.arange(b)
    for _ in range(npoint):
        centroids.append(farthest)
        centroid = xyz[batch, farthest, :].view(b, 1, 3)
        distance = torch.min(distance, torch.sum((xyz - centroid) ** 2, -1))
        farthest = torch.max(distance, -1)[1]
    return torch.stack(centroids, 1)


def index_points(points, idx):
    b = points.shape[0]
    batch = torch.arange(b).view(b, *([1] * (idx.dim() - 1))).expand_as(idx)
    return points[batch, idx, :]


class SetAbstraction(nn.Module):
    def __init__(self, npoint, radius, nsample, c_in, mlp):
        super().__init__()
        self.npoint, self.radius, self.nsample = npoint, radius, nsample
        layers, c = [], c_in + 3
        for o in mlp:
            layers += [nn.Conv2d(c, o, 1), nn.BatchNorm2d(o), nn.ReLU()]
            c = o
        self.mlp = nn.Sequential(*layers)

    def forward(self, xyz, points):
        b, n, _ = xyz.shape
        new_xyz = index_points(xyz, farthest_point_sample(xyz, self.npoint))
        d = torch.sum((new_xyz[:, :, None] - xyz[:, None]) ** 2, -1)  # [B, S, N]
        idx = torch.arange(n).view(1, 1, n).repeat(b, self.npoint, 1)
        idx = torch.where(d > self.radius ** 2, torch.full_like(idx, n), idx)
        idx = idx.sort(dim=-1)[0][:, :, :self.nsample]
        first = idx[:, :, :1].repeat(1, 1, self.nsample)
        idx = torch.where(idx == n, first, idx)
        grouped = index_points(xyz, idx) - new_xyz[:, :, None]
        if points is not None:
            grouped = torch.cat([grouped, index_points(points, idx)], -1)
        feats = self.mlp(grouped.permute(0, 3, 2, 1))  # [B, C, nsample, S]
        return new_xyz, torch.max(feats, 2)[0].transpose(1, 2)


class PointNet2(nn.Module):
    def __init__(self, nc=10):
        super().__init__()
        self.sa1 = SetAbstraction(32, 0.4, 16, 0, [32, 32, 64])
        self.sa2 = SetAbstraction(8, 0.8, 8, 64, [64, 128])
        self.head = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, nc))

    def forward(self, xyz):  # [B, N, 3]
        l1_xyz, l1 = self.sa1(xyz, None)
        _, l2 = self.sa2(l1_xyz, l1)
        return self.head(l2.max(1)[0])
