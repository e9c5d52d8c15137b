"""Seventeenth sweep: speech and audio families not tried in the sixteen earlier sweeps, as their reference code writes
them (random weights, small widths): E-Branchformer (ESPnet: Conv2d x4 subsampling, macaron half FFNs, a
self-attention branch beside a cgMLP branch (channel projection, GELU, convolutional spatial gating: LayerNorm'd
half through a depthwise conv times the other half), merged by a depthwise conv over their concatenation and a
Linear), NISQA (mel segments by unfold, framewise CNN with adaptive max pooling, self-attention over segments,
masked attention pooling, MOS and four quality dimensions; segments of 16 frames, not NISQA's 15, and pools (24, 8),
(12, 4), (6, 2), (3, 1): torch 1.13 exports adaptive max pooling only to output sizes that divide the input's), PaSST (overlapping 16x16 spectrogram patches, separate
frequency and time positional embeddings, class and distillation tokens, ViT, the two heads averaged) and ContextNet
(1-D conv blocks with squeeze-and-excitation over time, swish, strided blocks, CTC head). Models in MODELS, exported
by sweep17_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep17_seq_lm import PreNormLayer


# --- E-Branchformer ---

class ConvSubsampling(nn.Module):
    def __init__(self, idim=80, d=64):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, d, 3, 2), nn.ReLU(), nn.Conv2d(d, d, 3, 2), nn.ReLU())
        self.out = nn.Linear(d * (((idim - 1) // 2 - 1) // 2), d)

    def forward(self, x):  # [B, T, F]
        x = self.conv(x.unsqueeze(1))
        b, c, t, f = x.shape
        return self.out(x.transpose(1, 2).contiguous().view(b, t, c * f))


class FFN(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.w1, self.w2 = nn.Linear(d, h), nn.Linear(h, d)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)))


class CSGU(nn.Module):
    def __init__(self, units, k=15):
        super().__init__()
        self.norm = nn.LayerNorm(units // 2)
        self.conv = nn.Conv1d(units // 2, units // 2, k, padding=k // 2, groups=units // 2)

    def forward(self, x):
        x_r, x_g = x.chunk(2, dim=-1)
        x_g = self.conv(self.norm(x_g).transpose(1, 2)).transpose(1, 2)
        return x_r * x_g


class EBranchformerLayer(nn.Module):
    def __init__(self, d=64, heads=4, units=256, merge_k=15):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.ff1, self.ff2 = FFN(d, 4 * d), FFN(d, 4 * d)
        self.n_ff1, self.n_ff2, self.n_mha, self.n_mlp, self.n_final = (nn.LayerNorm(d) for _ in range(5))
        self.qkv, self.att_out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.cg_in, self.csgu, self.cg_out = nn.Linear(d, units), CSGU(units), nn.Linear(units // 2, d)
        self.depthwise_conv_fusion = nn.Conv1d(2 * d, 2 * d, merge_k, padding=merge_k // 2, groups=2 * d)
        self.merge_proj = nn.Linear(2 * d, d)

    def forward(self, x, mask):
        x = x + 0.5 * self.ff1(self.n_ff1(x))
        b, t, d = x.shape
        x1 = self.n_mha(x)
        q, k, v = self.qkv(x1).view(b, t, 3, self.h, self.dh).permute(2, 0, 3, 1, 4)
        s = q @ k.transpose(-1, -2) / math.sqrt(self.dh) + mask
        x1 = self.att_out((torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, t, d))
        x2 = self.cg_out(self.csgu(F.gelu(self.cg_in(self.n_mlp(x)))))
        cat = torch.cat([x1, x2], -1)
        cat = cat + self.depthwise_conv_fusion(cat.transpose(1, 2)).transpose(1, 2)
        x = x + self.merge_proj(cat)
        x = x + 0.5 * self.ff2(self.n_ff2(x))
        return self.n_final(x)


class EBranchformer(nn.Module):
    def __init__(self, d=64, layers=2, vocab=40):
        super().__init__()
        self.embed = ConvSubsampling(80, d)
        self.layers = nn.ModuleList(EBranchformerLayer(d) for _ in range(layers))
        self.ctc = nn.Linear(d, vocab)
        self.d = d

    def forward(self, feats, feats_len):
        x = self.embed(feats) * math.sqrt(self.d)
        t = x.shape[1]
        pos = torch.arange(t).float()[:, None] * torch.exp(torch.arange(0, self.d, 2).float() * -(math.log(10000.0) / self.d))
        x = x + torch.stack([pos.sin(), pos.cos()], -1).flatten(1)
        olen = ((feats_len - 1) // 2 - 1) // 2
        valid = torch.arange(t)[None] < olen[:, None]
        mask = (~valid).float()[:, None, None] * -1e4
        for layer in self.layers:
            x = layer(x, mask)
        return torch.log_softmax(self.ctc(x), -1)


# --- NISQA ---

class NISQA(nn.Module):
    def __init__(self, seg=16, hop=4, mels=48, d=64):
        super().__init__()
        self.seg, self.hop = seg, hop
        c = 16
        self.cnn = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveMaxPool2d((24, 8)),
            nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveMaxPool2d((12, 4)),
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU(), nn.AdaptiveMaxPool2d((6, 2)),
            nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU(), nn.AdaptiveMaxPool2d((3, 1)))
        self.fc = nn.Linear(2 * c * 3, d)
        self.td = nn.TransformerEncoderLayer(d, 4, 2 * d, dropout=0.0, batch_first=True)
        self.pool_att = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 1))
        self.pool_fc = nn.Linear(d, 5)

    def forward(self, mel, n_segments):  # mel [B, mels, frames], n_segments [B]
        b = mel.shape[0]
        segs = mel.unfold(2, self.seg, self.hop)  # [B, mels, S, seg]
        s = segs.shape[2]
        segs = segs.permute(0, 2, 1, 3).reshape(b * s, 1, mel.shape[1], self.seg)
        x = self.fc(self.cnn(segs).view(b, s, -1))
        valid = torch.arange(s)[None] < n_segments[:, None]
        x = self.td(x, src_key_padding_mask=~valid)
        att = self.pool_att(x).squeeze(-1).masked_fill(~valid, float('-inf'))
        att = torch.softmax(att, 1)
        pooled = torch.bmm(att.unsqueeze(1), x).squeeze(1)
        out = self.pool_fc(pooled)
        return 1 + 4 * torch.sigmoid(out)  # MOS, NOI, COL, DISC, LOUD in [1, 5]


# --- PaSST ---

class PaSST(nn.Module):
    def __init__(self, mels=64, frames=100, d=64, layers=2, classes=50):
        super().__init__()
        self.patch = nn.Conv2d(1, d, 16, stride=10)
        f, t = (mels - 16) // 10 + 1, (frames - 16) // 10 + 1
        self.freq_new_pos_embed = nn.Parameter(torch.randn(1, d, f, 1) * 0.1)
        self.time_new_pos_embed = nn.Parameter(torch.randn(1, d, 1, t) * 0.1)
        self.cls_token, self.dist_token = nn.Parameter(torch.randn(1, 1, d) * 0.1), nn.Parameter(torch.randn(1, 1, d) * 0.1)
        self.new_pos_embed = nn.Parameter(torch.randn(1, 2, d) * 0.1)
        self.blocks = nn.ModuleList(PreNormLayer(d) for _ in range(layers))
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.head = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, classes))
        self.head_dist = nn.Linear(d, classes)

    def forward(self, spec):  # [B, 1, mels, frames]
        x = self.patch(spec)
        x = x + self.time_new_pos_embed + self.freq_new_pos_embed
        x = x.flatten(2).transpose(1, 2)
        b = x.shape[0]
        tokens = torch.cat([self.cls_token, self.dist_token], 1).expand(b, -1, -1) + self.new_pos_embed
        x = torch.cat([tokens, x], 1)
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        return torch.sigmoid((self.head(x[:, 0]) + self.head_dist(x[:, 1])) / 2)


# --- ContextNet ---

class SEModule(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(c, c // 8), nn.Linear(c // 8, c)

    def forward(self, x, lengths):
        mask = (torch.arange(x.shape[2])[None] < lengths[:, None]).float()[:, None]
        pooled = (x * mask).sum(2) / lengths[:, None].float()
        w = torch.sigmoid(self.fc2(F.silu(self.fc1(pooled))))
        return x * w[:, :, None]


class ContextBlock(nn.Module):
    def __init__(self, cin, cout, layers=3, k=5, stride=1):
        super().__init__()
        self.convs = nn.ModuleList()
        for i in range(layers):
            c = cin if i == 0 else cout
            s = stride if i == layers - 1 else 1
            self.convs.append(nn.Sequential(nn.Conv1d(c, c, k, s, k // 2, groups=c), nn.Conv1d(c, cout, 1), nn.BatchNorm1d(cout)))
        self.se = SEModule(cout)
        self.res = nn.Sequential(nn.Conv1d(cin, cout, 1, stride), nn.BatchNorm1d(cout))
        self.stride = stride

    def forward(self, x, lengths):
        y = x
        for i, conv in enumerate(self.convs):
            y = conv(y)
            if i < len(self.convs) - 1:
                y = F.silu(y)
        lengths = (lengths + self.stride - 1) // self.stride
        y = self.se(y, lengths)
        return F.silu(y + self.res(x)), lengths


class ContextNet(nn.Module):
    def __init__(self, mels=80, vocab=40):
        super().__init__()
        spec = [(mels, 64, 1, 1), (64, 64, 3, 2), (64, 96, 3, 1), (96, 96, 3, 2), (96, 128, 3, 1), (128, 128, 1, 1)]
        self.blocks = nn.ModuleList(ContextBlock(a, b, n, stride=s) for a, b, n, s in spec)
        self.head = nn.Conv1d(128, vocab, 1)

    def forward(self, feats, lengths):  # [B, mels, T]
        x = feats
        for blk in self.blocks:
            x, lengths = blk(x, lengths)
        return torch.log_softmax(self.head(x), 1), lengths


def g(seed):
    return torch.Generator().manual_seed(seed)


MODELS = {
    'e_branchformer': lambda: (EBranchformer().eval(), (torch.randn(2, 64, 80, generator=g(1)), torch.tensor([64, 50])),
                               {'names': ['feats', 'feats_lengths'], 'outputs': ['ctc_logprobs'], 'opset': 14}),
    'nisqa': lambda: (NISQA().eval(), (torch.randn(2, 48, 79, generator=g(2)), torch.tensor([17, 12])),
                      {'names': ['mel', 'n_segments'], 'outputs': ['mos'], 'opset': 14}),
    'passt': lambda: (PaSST().eval(), torch.randn(1, 1, 64, 100, generator=g(3)), {'names': ['spec'], 'outputs': ['probs'], 'opset': 14}),
    'contextnet': lambda: (ContextNet().eval(), (torch.randn(2, 80, 96, generator=g(4)), torch.tensor([96, 70])),
                           {'names': ['feats', 'lengths'], 'outputs': ['logprobs', 'out_lengths'], 'opset': 14}),
}
