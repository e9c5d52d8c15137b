"""Eighth sweep: speaker embeddings and ASR acoustic models. SpeechBrain's ECAPA-TDNN (reflect-padded TDNN blocks,
Res2Net, SE with length masks, attentive statistics pooling with global context) and x-vector; NeMo's QuartzNet /
Citrinet (masked separable Conv1d by lengths, SE by a masked mean, CTC log-softmax) and FastConformer (dw_striding conv
subsampling with float length arithmetic, relative positional encoding, rel_shift attention with pos_bias_u / v,
padding masks)."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def length_to_mask(length, max_len):
    return torch.arange(max_len, device=length.device, dtype=length.dtype).expand(len(length), max_len) < length.unsqueeze(1)


class TDNNBlock(nn.Module):
    def __init__(self, cin, cout, k, d, groups=1):
        super().__init__()
        self.k, self.d = k, d
        self.conv = nn.Conv1d(cin, cout, k, dilation=d, groups=groups)
        self.norm = nn.BatchNorm1d(cout)

    def forward(self, x):
        p = self.d * (self.k - 1) // 2
        if p:
            x = F.pad(x, (p, p), mode='reflect')  # speechbrain's padding='same', padding_mode='reflect'
        return self.norm(torch.relu(self.conv(x)))


class Res2NetBlock(nn.Module):
    def __init__(self, cin, cout, scale=8, k=3, d=1):
        super().__init__()
        self.scale = scale
        self.blocks = nn.ModuleList(TDNNBlock(cin // scale, cout // scale, k, d) for _ in range(scale - 1))

    def forward(self, x):
        y = []
        for i, x_i in enumerate(torch.chunk(x, self.scale, dim=1)):
            if i == 0:
                y_i = x_i
            elif i == 1:
                y_i = self.blocks[i - 1](x_i)
            else:
                y_i = self.blocks[i - 1](x_i + y_i)
            y.append(y_i)
        return torch.cat(y, dim=1)


class SEBlock(nn.Module):
    def __init__(self, cin, se, cout):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv1d(cin, se, 1), nn.Conv1d(se, cout, 1)

    def forward(self, x, lengths):
        L = x.shape[-1]
        mask = length_to_mask(lengths * L, max_len=L).unsqueeze(1)
        total = mask.sum(dim=2, keepdim=True)
        s = (x * mask).sum(dim=2, keepdim=True) / total
        return torch.sigmoid(self.conv2(torch.relu(self.conv1(s)))) * x


class SERes2NetBlock(nn.Module):
    def __init__(self, cin, cout, k, d, scale=8, se=32):
        super().__init__()
        self.tdnn1, self.res2net_block = TDNNBlock(cin, cout, 1, 1), Res2NetBlock(cout, cout, scale, k, d)
        self.tdnn2, self.se_block = TDNNBlock(cout, cout, 1, 1), SEBlock(cout, se, cout)

    def forward(self, x, lengths):
        return self.se_block(self.tdnn2(self.res2net_block(self.tdnn1(x))), lengths) + x


class AttentiveStatisticsPooling(nn.Module):
    def __init__(self, channels, attention_channels=32):
        super().__init__()
        self.eps = 1e-12
        self.tdnn = TDNNBlock(channels * 3, attention_channels, 1, 1)
        self.conv = nn.Conv1d(attention_channels, channels, 1)

    def forward(self, x, lengths):
        L = x.shape[-1]

        def stats(x, m, dim=2):
            mean = (m * x).sum(dim)
            std = torch.sqrt((m * (x - mean.unsqueeze(dim)).pow(2)).sum(dim).clamp(self.eps))
            return mean, std

        mask = length_to_mask(lengths * L, max_len=L).unsqueeze(1)
        total = mask.sum(dim=2, keepdim=True).float()
        mean, std = stats(x, mask / total)
        attn = torch.cat([x, mean.unsqueeze(2).repeat(1, 1, L), std.unsqueeze(2).repeat(1, 1, L)], dim=1)
        attn = self.conv(torch.tanh(self.tdnn(attn)))
        attn = attn.masked_fill(mask == 0, float('-inf'))
        attn = F.softmax(attn, dim=2)
        mean, std = stats(x, attn)
        return torch.cat((mean, std), dim=1).unsqueeze(2)


class EcapaTdnn(nn.Module):
    def __init__(self, n_mels=80, ch=(128, 128, 128, 128, 384), k=(5, 3, 3, 3, 1), d=(1, 2, 3, 4, 1), lin=192):
        super().__init__()
        self.blocks = nn.ModuleList([TDNNBlock(n_mels, ch[0], k[0], d[0])])
        for i in range(1, len(ch) - 1):
            self.blocks.append(SERes2NetBlock(ch[i - 1], ch[i], k[i], d[i]))
        self.mfa = TDNNBlock(ch[-2] * (len(ch) - 2), ch[-1], k[-1], d[-1])
        self.asp = AttentiveStatisticsPooling(ch[-1])
        self.asp_bn = nn.BatchNorm1d(ch[-1] * 2)
        self.fc = nn.Conv1d(ch[-1] * 2, lin, 1)

    def forward(self, feats, wav_lens):
        x = feats.transpose(1, 2)
        xl = []
        for layer in self.blocks:
            x = layer(x, wav_lens) if isinstance(layer, SERes2NetBlock) else layer(x)
            xl.append(x)
        x = self.mfa(torch.cat(xl[1:], dim=1))
        x = self.fc(self.asp_bn(self.asp(x, wav_lens)))
        return x.transpose(1, 2)


class XVector(nn.Module):
    """speechbrain's Xvector (TDNN: Conv1d, LeakyReLU, BatchNorm1d) with statistics pooling (mean, std)."""

    def __init__(self, n_mels=24, ch=(128, 128, 128, 128, 384), k=(5, 3, 3, 1, 1), d=(1, 2, 3, 1, 1), lin=128):
        super().__init__()
        layers, cin = [], n_mels
        for c, kk, dd in zip(ch, k, d):
            layers += [nn.Conv1d(cin, c, kk, dilation=dd), nn.LeakyReLU(), nn.BatchNorm1d(c)]
            cin = c
        self.blocks = nn.Sequential(*layers)
        self.out = nn.Linear(2 * cin, lin)

    def forward(self, feats):
        x = self.blocks(feats.transpose(1, 2)).transpose(1, 2)
        mean, std = x.mean(dim=1), x.std(dim=1) + 1e-5
        return self.out(torch.cat((mean, std), dim=1)).unsqueeze(1)


class MaskedConv1d(nn.Module):
    """NeMo's MaskedConv1d: zero the frames past each length, convolve, update the lengths."""

    def __init__(self, cin, cout, k, stride=1, dilation=1, groups=1, bias=False):
        super().__init__()
        self.pad = dilation * (k - 1) // 2
        self.conv = nn.Conv1d(cin, cout, k, stride=stride, dilation=dilation, padding=self.pad, groups=groups, bias=bias)

    def get_seq_len(self, lens):
        c = self.conv
        return torch.div(lens + 2 * self.pad - c.dilation[0] * (c.kernel_size[0] - 1) - 1, c.stride[0], rounding_mode='trunc') + 1

    def forward(self, x, lens):
        mask = torch.arange(x.size(2), device=x.device).expand(len(lens), x.size(2)) >= lens.unsqueeze(1)
        x = x.masked_fill(mask.unsqueeze(1), 0.0)
        return self.conv(x), self.get_seq_len(lens)


class SqueezeExcite(nn.Module):
    def __init__(self, ch, reduction=8):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(ch, ch // reduction, bias=False), nn.ReLU(True), nn.Linear(ch // reduction, ch, bias=False))

    def forward(self, x, lens):
        mask = (torch.arange(x.size(2)).expand(len(lens), x.size(2)) < lens.unsqueeze(1)).unsqueeze(1).to(x.dtype)
        y = (x * mask).sum(dim=-1, keepdim=True) / lens.view(-1, 1, 1).to(x.dtype)
        y = self.fc(y.transpose(1, -1)).transpose(1, -1)
        return x * torch.sigmoid(y)


class JasperBlock(nn.Module):
    def __init__(self, cin, cout, k, repeat=1, stride=1, dilation=1, residual=True, se=False):
        super().__init__()
        self.mconv = nn.ModuleList()
        c = cin
        for r in range(repeat):
            s = stride if r == 0 else 1
            self.mconv.append(nn.ModuleList([MaskedConv1d(c, c, k, stride=s, dilation=dilation, groups=c),
                                             MaskedConv1d(c, cout, 1), nn.BatchNorm1d(cout, eps=1e-3)]))
            c = cout
        self.se = SqueezeExcite(cout) if se else None
        self.res = nn.ModuleList([MaskedConv1d(cin, cout, 1, stride=stride), nn.BatchNorm1d(cout, eps=1e-3)]) if residual else None

    def forward(self, x, lens):
        out, l = x, lens
        for i, (dw, pw, bn) in enumerate(self.mconv):
            out, l = dw(out, l)
            out, l = pw(out, l)
            out = bn(out)
            if i < len(self.mconv) - 1:
                out = torch.relu(out)
        if self.se is not None:
            out = self.se(out, l)
        if self.res is not None:
            r, _ = self.res[0](x, lens)
            out = out + self.res[1](r)
        return torch.relu(out), l


class ConvASR(nn.Module):
    """QuartzNet 5x? (repeat 2, fewer channels) or Citrinet (SE, stride-2 blocks): EncDecCTCModel's export —
    audio_signal [B, 64, T], length [B] → log-probabilities [B, T', vocab + 1]."""

    def __init__(self, kind='quartznet', feat=64, vocab=28):
        super().__init__()
        if kind == 'quartznet':
            spec = [(feat, 64, 33, 1, 2, 1, False), (64, 64, 33, 2, 1, 1, True), (64, 96, 39, 2, 1, 1, True),
                    (96, 96, 51, 2, 1, 1, True), (96, 128, 87, 1, 1, 2, False), (128, 256, 1, 1, 1, 1, False)]
            se = False
        else:
            spec = [(feat, 64, 5, 1, 1, 1, False), (64, 64, 11, 3, 2, 1, True), (64, 64, 13, 3, 1, 1, True),
                    (64, 96, 15, 3, 2, 1, True), (96, 96, 17, 3, 1, 1, True), (96, 128, 41, 1, 1, 1, False)]
            se = True
        self.blocks = nn.ModuleList(JasperBlock(ci, co, k, repeat=r, stride=s, dilation=d, residual=res, se=se and res)
                                    for ci, co, k, r, s, d, res in spec)
        self.decoder = nn.Conv1d(spec[-1][1], vocab + 1, 1)

    def forward(self, audio_signal, length):
        x, l = audio_signal, length
        for b in self.blocks:
            x, l = b(x, l)
        return F.log_softmax(self.decoder(x).transpose(1, 2), dim=-1), l
