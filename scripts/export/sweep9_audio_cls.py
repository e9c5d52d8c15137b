"""Ninth sweep: speaker / emotion, tagging, wake words and music as their projects write them (small widths, random
weights). WavLM (conv feature extractor with GroupNorm, weight-normed grouped positional conv, gated relative position
bias: log buckets, grep_linear gates), CAM++ (FCM 2-D front, TDNN, context-aware masking with segment pooling by
ceil-mode avg_pool1d expanded back, statistics pooling), ERes2Net (Res2Net blocks, attentional feature fusion, stats
pooling), AST (16×16 patches at stride 10, class and distillation tokens), EfficientAT (MobileNetV3 on 1-channel
mels), microWakeWord (streaming MixConv depthwise layers with ring-buffer states in and out), Demucs' time-domain U-Net
(GLU encoders, BiLSTM, transposed-conv decoders, center trim, input normalization) and Basic Pitch (harmonic stacking
by shifted slices, contour / note / onset convs)."""
import math

import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm
import torchvision


def rel_buckets(rel, num_buckets=32, max_distance=64):
    num_buckets //= 2
    buckets = (rel > 0).to(torch.long) * num_buckets
    rel = torch.abs(rel)
    max_exact = num_buckets // 2
    is_small = rel < max_exact
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(is_small, rel, large)


class WavLMLayer(nn.Module):
    def __init__(self, d=64, h=4, has_bias=False):
        super().__init__()
        self.h, self.dk, self.has_bias = h, d // h, has_bias
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.grep_linear = nn.Linear(self.dk, 8)
        self.grep_a = nn.Parameter(torch.ones(1, h, 1, 1))
        if has_bias:
            self.relative_attention_bias = nn.Embedding(32, h)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def compute_bias(self, t):
        rel = torch.arange(t)[None, :] - torch.arange(t)[:, None]
        return self.relative_attention_bias(rel_buckets(rel)).permute(2, 0, 1)  # (H, T, T)

    def forward(self, x, pos_bias):  # x (T, B, C)
        t, b, c = x.shape
        if self.has_bias:
            pos_bias = self.compute_bias(t).unsqueeze(0).repeat(b, 1, 1, 1).view(b * self.h, t, t)
        ql = x.transpose(0, 1).reshape(b, t, self.h, -1).permute(0, 2, 1, 3)
        gate_a, gate_b = torch.sigmoid(self.grep_linear(ql).view(b, self.h, t, 2, 4).sum(-1)).chunk(2, dim=-1)
        gate = gate_a * (gate_b * self.grep_a - 1.0) + 2.0
        bias = (gate.view(b * self.h, -1, 1) * pos_bias).view(-1, t, t)
        q = (self.q(x) * self.dk ** -0.5).reshape(t, b * self.h, self.dk).transpose(0, 1)
        k = self.k(x).reshape(t, b * self.h, self.dk).transpose(0, 1)
        v = self.v(x).reshape(t, b * self.h, self.dk).transpose(0, 1)
        a = torch.softmax(torch.bmm(q, k.transpose(1, 2)) + bias, dim=-1)
        o = self.o(torch.bmm(a, v).transpose(0, 1).reshape(t, b, c))
        x = self.ln1(x + o)
        return self.ln2(x + self.fc2(F.gelu(self.fc1(x)))), pos_bias


class WavLM(nn.Module):
    def __init__(self, c=32, d=64, layers=3):
        super().__init__()
        convs = [(c, 10, 5)] + [(c, 3, 2)] * 4 + [(c, 2, 2)] * 2
        fe, cin = [], 1
        for i, (co, k, s) in enumerate(convs):
            fe += [nn.Conv1d(cin, co, k, s, bias=False)] + ([nn.GroupNorm(co, co)] if i == 0 else []) + [nn.GELU()]
            cin = co
        self.feature_extractor = nn.Sequential(*fe)
        self.layer_norm, self.post_extract_proj = nn.LayerNorm(c), nn.Linear(c, d)
        self.pos_conv = weight_norm(nn.Conv1d(d, d, 16, padding=8, groups=4), name='weight', dim=2)
        self.enc_ln = nn.LayerNorm(d)
        self.layers = nn.ModuleList(WavLMLayer(d, has_bias=i == 0) for i in range(layers))

    def forward(self, source):
        x = self.layer_norm(self.feature_extractor(source.unsqueeze(1)).transpose(1, 2))
        x = self.post_extract_proj(x)
        p = F.gelu(self.pos_conv(x.transpose(1, 2))[:, :, :-1]).transpose(1, 2)
        x = self.enc_ln(x + p).transpose(0, 1)
        bias = None
        for layer in self.layers:
            x, bias = layer(x, bias)
        return x.transpose(0, 1)


class CAMLayer(nn.Module):
    def __init__(self, cin, cout, bn, seg_len=32):
        super().__init__()
        self.seg_len = seg_len
        self.linear_local = nn.Conv1d(cin, cout, 3, padding=1, bias=False)
        self.linear1, self.linear2 = nn.Conv1d(cin, bn // 2, 1), nn.Conv1d(bn // 2, cout, 1)

    def seg_pooling(self, x):
        seg = F.avg_pool1d(x, kernel_size=self.seg_len, stride=self.seg_len, ceil_mode=True)
        shape = seg.shape
        seg = seg.unsqueeze(-1).expand(*shape, self.seg_len).reshape(*shape[:-1], -1)
        return seg[..., :x.shape[-1]]

    def forward(self, x):
        y = self.linear_local(x)
        context = x.mean(-1, keepdim=True) + self.seg_pooling(x)
        return y * torch.sigmoid(self.linear2(torch.relu(self.linear1(context))))


class CAMDenseLayer(nn.Module):
    def __init__(self, cin, growth=16, bn=32):
        super().__init__()
        self.nl1, self.linear1 = nn.Sequential(nn.BatchNorm1d(cin), nn.ReLU()), nn.Conv1d(cin, bn, 1, bias=False)
        self.nl2, self.cam = nn.Sequential(nn.BatchNorm1d(bn), nn.ReLU()), CAMLayer(bn, growth, bn)

    def forward(self, x):
        return torch.cat([x, self.cam(self.nl2(self.linear1(self.nl1(x))))], dim=1)


class BasicResBlock(nn.Module):
    def __init__(self, cin, c, stride):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, c, 3, (stride, 1), 1, bias=False), nn.BatchNorm2d(c)
        self.c2, self.b2 = nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c)
        self.sc = nn.Sequential(nn.Conv2d(cin, c, 1, (stride, 1), bias=False), nn.BatchNorm2d(c)) if stride != 1 or cin != c else nn.Identity()

    def forward(self, x):
        return torch.relu(self.b2(self.c2(torch.relu(self.b1(self.c1(x))))) + self.sc(x))


def stats_pool(x):
    return torch.cat([x.mean(dim=-1), x.std(dim=-1, unbiased=True)], dim=-1)


class CAMPPlus(nn.Module):
    def __init__(self, feat=80, c=16, emb=64):
        super().__init__()
        self.fcm = nn.Sequential(nn.Conv2d(1, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                                 BasicResBlock(c, c, 2), BasicResBlock(c, c, 1), BasicResBlock(c, c, 2), BasicResBlock(c, c, 1),
                                 nn.Conv2d(c, c, 3, (2, 1), 1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        ch = c * (feat // 8)
        self.tdnn = nn.Sequential(nn.Conv1d(ch, 64, 5, 2, 2, bias=False), nn.BatchNorm1d(64), nn.ReLU())
        blocks, ch = [], 64
        for n in (3, 3):
            for _ in range(n):
                blocks.append(CAMDenseLayer(ch))
                ch += 16
            blocks += [nn.BatchNorm1d(ch), nn.ReLU(), nn.Conv1d(ch, ch // 2, 1, bias=False)]
            ch //= 2
        self.xvector = nn.Sequential(*blocks, nn.BatchNorm1d(ch), nn.ReLU())
        self.dense = nn.Conv1d(ch * 2, emb, 1, bias=False)
        self.dense_bn = nn.BatchNorm1d(emb, affine=False)

    def forward(self, feats):
        x = self.fcm(feats.permute(0, 2, 1).unsqueeze(1))
        b, c, f, t = x.shape
        x = self.xvector(self.tdnn(x.reshape(b, c * f, t)))
        return self.dense_bn(self.dense(stats_pool(x).unsqueeze(-1))).squeeze(-1)


class AFF(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.local_att = nn.Sequential(nn.Conv2d(2 * c, c // r, 1), nn.BatchNorm2d(c // r), nn.SiLU(), nn.Conv2d(c // r, c, 1), nn.BatchNorm2d(c))

    def forward(self, x, ds_y):
        att = 1.0 + torch.tanh(self.local_att(torch.cat((x, ds_y), dim=1)))
        return x * att + ds_y * (2.0 - att)


class Res2Block(nn.Module):
    def __init__(self, cin, c, stride, scale=4):
        super().__init__()
        w = c // scale
        self.scale, self.w = scale, w
        self.conv1, self.bn1 = nn.Conv2d(cin, w * scale, 1, stride, bias=False), nn.BatchNorm2d(w * scale)
        self.convs = nn.ModuleList(nn.Conv2d(w, w, 3, 1, 1, bias=False) for _ in range(scale - 1))
        self.bns = nn.ModuleList(nn.BatchNorm2d(w) for _ in range(scale - 1))
        self.conv3, self.bn3 = nn.Conv2d(w * scale, c, 1, bias=False), nn.BatchNorm2d(c)
        self.sc = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c)) if stride != 1 or cin != c else nn.Identity()

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        spx = torch.split(out, self.w, 1)
        outs, sp = [], None
        for i in range(self.scale - 1):
            sp = spx[i] if i == 0 else sp + spx[i]
            sp = torch.relu(self.bns[i](self.convs[i](sp)))
            outs.append(sp)
        outs.append(spx[-1])
        return torch.relu(self.bn3(self.conv3(torch.cat(outs, 1))) + self.sc(x))


class ERes2Net(nn.Module):
    def __init__(self, feat=80, c=16, emb=64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.layer1, self.layer2 = Res2Block(c, c, 1), Res2Block(c, 2 * c, 2)
        self.layer3, self.layer4 = Res2Block(2 * c, 4 * c, 2), Res2Block(4 * c, 8 * c, 2)
        self.down2, self.down3 = nn.Conv2d(2 * c, 4 * c, 3, 2, 1, bias=False), nn.Conv2d(4 * c, 8 * c, 3, 2, 1, bias=False)
        self.fuse23, self.fuse34 = AFF(4 * c), AFF(8 * c)
        self.seg = nn.Linear(8 * c * (feat // 8) * 2, emb)

    def forward(self, feats):
        x = self.stem(feats.permute(0, 2, 1).unsqueeze(1))
        x2 = self.layer2(self.layer1(x))
        x3 = self.layer3(x2)
        x3 = self.fuse23(x3, self.down2(x2))
        x4 = self.fuse34(self.layer4(x3), self.down3(x3))
        b, c, f, t = x4.shape
        return self.seg(stats_pool(x4.reshape(b, c * f, t)))


class AST(nn.Module):
    def __init__(self, d=96, h=4, layers=2, f=128, t=100, classes=527):
        super().__init__()
        self.h = h
        self.proj = nn.Conv2d(1, d, 16, stride=10)
        n = ((f - 16) // 10 + 1) * ((t - 16) // 10 + 1)
        self.cls_token, self.dist_token = nn.Parameter(0.02 * torch.randn(1, 1, d)), nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.pos_embed = nn.Parameter(0.02 * torch.randn(1, n + 2, d))
        self.blocks = nn.ModuleList(nn.ModuleList([nn.LayerNorm(d), nn.Linear(d, 3 * d), nn.Linear(d, d), nn.LayerNorm(d),
                                                   nn.Linear(d, 4 * d), nn.Linear(4 * d, d)]) for _ in range(layers))
        self.norm, self.head_norm, self.head = nn.LayerNorm(d), nn.LayerNorm(d), nn.Linear(d, classes)

    def forward(self, x):  # (B, T, 128) fbank
        b = x.shape[0]
        x = self.proj(x.unsqueeze(1).transpose(2, 3)).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_token.expand(b, -1, -1), self.dist_token.expand(b, -1, -1), x), dim=1) + self.pos_embed
        for n1, qkv, proj, n2, fc1, fc2 in self.blocks:
            bn, nt, c = x.shape
            q, k, v = qkv(n1(x)).reshape(bn, nt, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
            a = torch.softmax((q @ k.transpose(-2, -1)) * (c // self.h) ** -0.5, dim=-1)
            x = x + proj((a @ v).transpose(1, 2).reshape(bn, nt, c))
            x = x + fc2(F.gelu(fc1(n2(x))))
        x = self.norm(x)
        return self.head(self.head_norm((x[:, 0] + x[:, 1]) / 2))


def efficientat_mn():
    m = torchvision.models.mobilenet_v3_large(width_mult=0.4, num_classes=527)
    m.features[0][0] = nn.Conv2d(1, m.features[0][0].out_channels, 3, 2, 1, bias=False)
    return m


class MicroWakeWord(nn.Module):
    """MixedNet streaming step: 3 feature frames in, ring buffers (the last k-1 frames of each layer's input) in and out."""

    def __init__(self, feat=40, c=32, kernels=((5,), (7, 11), (9, 15))):
        super().__init__()
        self.kernels = kernels
        self.first = nn.Conv1d(feat, c, 5, stride=3)
        self.mix = nn.ModuleList(nn.ModuleList(nn.Conv1d(c // len(ks), c // len(ks), k, groups=c // len(ks), bias=False) for k in ks) for ks in kernels)
        self.pw = nn.ModuleList(nn.Sequential(nn.Conv1d(c, c, 1, bias=False), nn.BatchNorm1d(c), nn.ReLU()) for _ in kernels)
        self.fc = nn.Linear(c, 1)

    def forward(self, features, *states):
        x = torch.cat([states[0], features.transpose(1, 2)], dim=2)
        new = [x[:, :, -2:]]
        x = torch.relu(self.first(x))
        idx = 1
        for convs, pw in zip(self.mix, self.pw):
            parts = torch.split(x, x.shape[1] // len(convs), dim=1)
            outs = []
            for conv, p in zip(convs, parts):
                buf = torch.cat([states[idx], p], dim=2)
                idx += 1
                new.append(buf[:, :, 1:])
                outs.append(conv(buf))
            x = pw(torch.cat(outs, dim=1))
        return (torch.sigmoid(self.fc(x.squeeze(-1))), *new)


class Demucs(nn.Module):
    def __init__(self, sources=2, audio_ch=2, ch=16, depth=4, k=8, s=4):
        super().__init__()
        self.sources, self.audio_ch, self.depth, self.k, self.s = sources, audio_ch, depth, k, s
        self.encoder, self.decoder = nn.ModuleList(), nn.ModuleList()
        cin = audio_ch
        for i in range(depth):
            self.encoder.append(nn.Sequential(nn.Conv1d(cin, ch, k, s), nn.ReLU(), nn.Conv1d(ch, 2 * ch, 1), nn.GLU(dim=1)))
            cout = sources * audio_ch if i == 0 else cin
            dec = [nn.Conv1d(ch, 2 * ch, 3, padding=1), nn.GLU(dim=1), nn.ConvTranspose1d(ch, cout, k, s)]
            if i > 0:
                dec.append(nn.ReLU())
            self.decoder.insert(0, nn.Sequential(*dec))
            cin, ch = ch, 2 * ch
        self.lstm = nn.LSTM(cin, cin, 2, bidirectional=True)
        self.lstm_linear = nn.Linear(2 * cin, cin)

    def valid_length(self, length):
        for _ in range(self.depth):
            length = max(math.ceil((length - self.k) / self.s) + 1, 1)
        for _ in range(self.depth):
            length = (length - 1) * self.s + self.k
        return int(length)

    def forward(self, mix):
        length = mix.shape[-1]
        mono = mix.mean(dim=1, keepdim=True)
        mean, std = mono.mean(dim=-1, keepdim=True), mono.std(dim=-1, keepdim=True)
        x = (mix - mean) / (1e-5 + std)
        delta = self.valid_length(length) - length
        x = F.pad(x, (delta // 2, delta - delta // 2))
        saved = []
        for enc in self.encoder:
            x = enc(x)
            saved.append(x)
        x = self.lstm_linear(self.lstm(x.permute(2, 0, 1))[0]).permute(1, 2, 0)
        for dec in self.decoder:
            skip = saved.pop()
            d = (skip.shape[-1] - x.shape[-1]) // 2
            x = dec(x + skip[..., d:skip.shape[-1] - d] if d else x + skip)
        d = (x.shape[-1] - length) // 2
        x = x[..., d:d + length]
        x = x * std + mean
        return x.view(x.size(0), self.sources, self.audio_ch, x.size(-1))


class BasicPitch(nn.Module):
    def __init__(self, bins=264, harmonics=(0.5, 1, 2, 3, 4, 5, 6, 7), bps=3):
        super().__init__()
        self.bins = bins
        self.shifts = [int(round(12 * bps * math.log2(h))) for h in harmonics]
        n = len(harmonics)
        self.bn0 = nn.BatchNorm2d(n)
        self.contour = nn.Sequential(nn.Conv2d(n, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 8, (3, 39), padding=(1, 19)),
                                     nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 1, 5, padding=2), nn.Sigmoid())
        self.note = nn.Sequential(nn.Conv2d(1, 32, 7, stride=(1, 3), padding=(3, 2)), nn.ReLU(), nn.Conv2d(32, 1, (7, 3), padding=(3, 1)), nn.Sigmoid())
        self.onset_in = nn.Sequential(nn.Conv2d(n, 32, 5, stride=(1, 3), padding=(2, 1)), nn.BatchNorm2d(32), nn.ReLU())
        self.onset = nn.Sequential(nn.Conv2d(33, 1, 3, padding=1), nn.Sigmoid())

    def forward(self, cqt):  # (B, T, F_cqt) log-magnitude CQT
        stacked = []
        for s in self.shifts:
            if s == 0:
                h = cqt
            elif s > 0:
                h = F.pad(cqt[:, :, s:], (0, s))
            else:
                h = F.pad(cqt[:, :, :s], (-s, 0))
            stacked.append(h[:, :, :self.bins])
        x = self.bn0(torch.stack(stacked, dim=1))
        contour = self.contour(x)
        notes = self.note(contour)
        onsets = self.onset(torch.cat([self.onset_in(x), notes], dim=1))
        return contour.squeeze(1), notes.squeeze(1), onsets.squeeze(1)
