"""Eleventh sweep, OCR (docs/model-sweep.md): PARSeq (baudm/parseq: ViT encoder, permutation-LM decoder, decode_ar
with one refinement iteration, as its ONNX export traces it) and DBNet++ (mmocr's FPNC with the adaptive scale fusion
module), in plain torch.nn (small widths)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from sweep11_vis_bb import Block


class DecoderLayer(nn.Module):
    """PARSeq's DecoderLayer (pre-norm, forward_stream for the query stream): self attention of the queries over the
    content with the query mask, cross attention to the image memory, MLP."""

    def __init__(self, d, heads):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.lin1, self.lin2 = nn.Linear(d, d * 4), nn.Linear(d * 4, d)
        self.n1, self.n2, self.nq, self.nc = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, query, content, memory, mask, padding=None):
        q = self.nq(query)
        c = self.nc(content)
        query = query + self.self_attn(q, c, c, attn_mask=mask, key_padding_mask=padding, need_weights=False)[0]
        query = query + self.cross_attn(self.n1(query), memory, memory, need_weights=False)[0]
        return query + self.lin2(F.gelu(self.lin1(self.n2(query))))


class PARSeq(nn.Module):
    def __init__(self, img=(32, 128), patch=(4, 8), d=192, depth=4, heads=3, charset=95, max_len=12):
        super().__init__()
        n = (img[0] // patch[0]) * (img[1] // patch[1])
        self.patch = nn.Conv2d(3, d, patch, patch)
        self.pos = nn.Parameter(0.02 * torch.randn(1, n, d))
        self.enc = nn.Sequential(*[Block(d, heads) for _ in range(depth)])
        self.enc_norm = nn.LayerNorm(d)
        self.dec = DecoderLayer(d, heads)
        self.dec_norm = nn.LayerNorm(d)
        self.embed = nn.Embedding(charset + 3, d)  # [E], [B], [P] and the charset; the head leaves [B] / [P] out
        self.pos_queries = nn.Parameter(0.02 * torch.randn(1, max_len + 1, d))
        self.head = nn.Linear(d, charset + 1)
        self.d, self.max_len, self.bos, self.pad = d, max_len, charset + 1, charset + 2

    def decode(self, tgt, memory, tgt_mask, query, padding=None):
        n = tgt.shape[1]
        null = (self.d ** 0.5) * self.embed(tgt[:, :1])
        content = torch.cat([null, (self.d ** 0.5) * self.embed(tgt[:, 1:]) + self.pos_queries[:, :n - 1]], 1)
        return self.dec_norm(self.dec(query, content, memory, tgt_mask, padding))

    def forward(self, images):
        b = images.shape[0]
        memory = self.enc_norm(self.enc(self.patch(images).flatten(2).transpose(1, 2) + self.pos))
        L = self.max_len + 1
        pos_queries = self.pos_queries.expand(b, -1, -1)
        query_mask = torch.triu(torch.full((L, L), float('-inf')), 1)
        tgt_in = torch.full((b, L), self.pad, dtype=torch.long)
        tgt_in[:, 0] = self.bos
        logits = []
        for i in range(L):
            j = i + 1
            out = self.decode(tgt_in[:, :j], memory, query_mask[i:j, :j], pos_queries[:, i:j])
            p_i = self.head(out)
            logits.append(p_i)
            if j < L:
                tgt_in[:, j] = p_i.squeeze(1).argmax(-1)
        logits = torch.cat(logits, 1)
        # one refinement iteration: the cloze mask, queries over every predicted token, keys after the first [E]
        # (index 0) masked by the cumsum of tgt_in == [E]
        query_mask[torch.triu(torch.ones(L, L, dtype=torch.bool), 2)] = 0
        bos = torch.full((b, 1), self.bos, dtype=torch.long)
        tgt_in = torch.cat([bos, logits[:, :-1].argmax(-1)], 1)
        padding = (tgt_in == 0).int().cumsum(-1) > 0
        out = self.decode(tgt_in, memory, query_mask, pos_queries, padding)
        return self.head(out).softmax(-1)


class FPNC_ASF(nn.Module):
    """mmocr FPNC with asf_cfg: lateral 1×1 convs, top-down nearest adds, 3×3 smooths, every level up to 1/4,
    ScaleChannelSpatialAttention (channel attention from the pooled map, spatial attention from the channel mean, a
    sigmoid weight per level) over the concatenation, each level times its weight."""

    def __init__(self, cins=(64, 128, 256, 512), c=64):
        super().__init__()
        self.lat = nn.ModuleList([nn.Conv2d(ci, c, 1, bias=False) for ci in cins])
        self.smooth = nn.ModuleList([nn.Conv2d(c, c // 4, 3, 1, 1, bias=False) for _ in cins])
        self.asf_conv = nn.Conv2d(c, c, 3, 1, 1)
        self.channel_wise = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // 4, 1, bias=False), nn.ReLU(), nn.Conv2d(c // 4, c, 1, bias=False), nn.Sigmoid())
        self.spatial_wise = nn.Sequential(nn.Conv2d(1, 1, 3, 1, 1, bias=False), nn.ReLU(), nn.Conv2d(1, 1, 1, bias=False), nn.Sigmoid())
        self.attention_wise = nn.Sequential(nn.Conv2d(c, 4, 1, bias=False), nn.Sigmoid())

    def forward(self, feats):
        lat = [l(f) for l, f in zip(self.lat, feats)]
        for i in range(len(lat) - 1, 0, -1):
            lat[i - 1] = lat[i - 1] + F.interpolate(lat[i], size=lat[i - 1].shape[2:], mode='nearest')
        outs = [s(x) for s, x in zip(self.smooth, lat)]
        outs = [outs[0]] + [F.interpolate(o, size=outs[0].shape[2:], mode='nearest') for o in outs[1:]]
        cat = torch.cat(outs, 1)
        x = self.asf_conv(cat)
        inp = self.channel_wise(x) + x
        sp = self.spatial_wise(torch.mean(inp, dim=1, keepdim=True)) + inp
        w = self.attention_wise(sp)
        return torch.cat([outs[i] * w[:, i:i + 1] for i in range(len(outs))], 1)


class DBNetPP(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        r = torchvision.models.resnet18()
        self.stem = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool)
        self.layers = nn.ModuleList([r.layer1, r.layer2, r.layer3, r.layer4])
        self.neck = FPNC_ASF(c=c)
        self.binarize = nn.Sequential(nn.Conv2d(c, c // 4, 3, 1, 1, bias=False), nn.BatchNorm2d(c // 4), nn.ReLU(),
                                      nn.ConvTranspose2d(c // 4, c // 4, 2, 2), nn.BatchNorm2d(c // 4), nn.ReLU(),
                                      nn.ConvTranspose2d(c // 4, 1, 2, 2), nn.Sigmoid())

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return self.binarize(self.neck(feats))
