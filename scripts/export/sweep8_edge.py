"""Eighth sweep: speech enhancement, keyword spotting, sound events and small text models edge apps ship. DTLN's two
streaming stages (LSTM states in / out, instant layer norm), an RNNoise-style GRU step, DeepFilterNet-style ERB bands
and deep filtering, BC-ResNet (SubSpectralNorm, frequency / temporal depthwise convs), Hello Edge DS-CNN, PANNs CNN14
with torchlibrosa's conv STFT and log-mel, a YAMNet-style MobileNet v1 with TF 'same' padding, a BiLSTM-CRF tagger
with Viterbi decoding, and a FastText-style EmbeddingBag mean classifier (torchtext's tutorial model)."""
import math

import torch
from torch import nn
import torch.nn.functional as F


class InstantLayerNorm(nn.Module):
    def __init__(self, ch, eps=1e-7):
        super().__init__()
        self.eps, self.gamma, self.beta = eps, nn.Parameter(torch.ones(ch)), nn.Parameter(torch.zeros(ch))

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.gamma + self.beta


class DTLNStage(nn.Module):
    """Stage 1: magnitude [1, 1, 257] → mask; stage 2: frame [1, 1, 512] → conv encoder, instant LN, mask, decoder.
    states [1, 2, 128, 2] (layer, unit, h / c) in and out, as DTLN's TF-lite / ONNX exports stream them."""

    def __init__(self, stage, units=128, frame=512, enc=256):
        super().__init__()
        self.stage = stage
        feat = frame // 2 + 1 if stage == 1 else enc
        if stage == 2:
            self.encoder = nn.Conv1d(frame, enc, 1, bias=False)
            self.norm = InstantLayerNorm(enc)
            self.decoder = nn.Conv1d(enc, frame, 1, bias=False)
        self.lstm1, self.lstm2 = nn.LSTM(feat, units, batch_first=True), nn.LSTM(units, units, batch_first=True)
        self.dense = nn.Linear(units, feat)

    def forward(self, x, states):
        h1, c1 = states[:, 0, :, 0].unsqueeze(0), states[:, 0, :, 1].unsqueeze(0)
        h2, c2 = states[:, 1, :, 0].unsqueeze(0), states[:, 1, :, 1].unsqueeze(0)
        if self.stage == 2:
            feat = self.encoder(x.transpose(1, 2)).transpose(1, 2)
            y = self.norm(feat)
        else:
            feat = y = x
        y, (h1, c1) = self.lstm1(y, (h1, c1))
        y, (h2, c2) = self.lstm2(y, (h2, c2))
        out = feat * torch.sigmoid(self.dense(y))
        if self.stage == 2:
            out = self.decoder(out.transpose(1, 2)).transpose(1, 2)
        new = torch.stack([torch.stack([h1[0], c1[0]], -1), torch.stack([h2[0], c2[0]], -1)], 1)
        return out, new


class RNNoiseStep(nn.Module):
    """RNNoise's network: dense 42→24 tanh, VAD GRU 24, VAD dense sigmoid, noise GRU 48 over [dense, vad, input],
    denoise GRU 96 over [vad, noise, input], gains dense sigmoid (22 bands). One frame, three GRU states in / out."""

    def __init__(self):
        super().__init__()
        self.input_dense = nn.Linear(42, 24)
        self.vad_gru, self.noise_gru, self.denoise_gru = nn.GRU(24, 24, batch_first=True), nn.GRU(90, 48, batch_first=True), nn.GRU(114, 96, batch_first=True)
        self.vad_out, self.denoise_out = nn.Linear(24, 1), nn.Linear(96, 22)

    def forward(self, features, vad_state, noise_state, denoise_state):
        t = torch.tanh(self.input_dense(features))
        vad, vs = self.vad_gru(t, vad_state)
        noise, ns = self.noise_gru(torch.cat([t, vad, features], -1), noise_state)
        den, ds = self.denoise_gru(torch.cat([vad, noise, features], -1), denoise_state)
        return torch.sigmoid(self.denoise_out(den)), torch.sigmoid(self.vad_out(vad)), vs, ns, ds


def erb_fb(n_freqs=161, nb=24):
    fb = torch.zeros(n_freqs, nb)
    edges = torch.linspace(0, 1, nb + 1) ** 2 * (n_freqs - 1)
    for b in range(nb):
        lo, hi = int(edges[b]), max(int(edges[b + 1]), int(edges[b]) + 1)
        fb[lo:hi, b] = 1.0
    return fb / fb.sum(0, keepdim=True).clamp(min=1)


class DeepFilterLite(nn.Module):
    """DeepFilterNet-style: spec [1, 1, T, F, 2] → ERB power features (matmul by the band matrix, 10·log10), separable
    Conv2d encoder, GRU, ERB gains (sigmoid) spread back by the inverse band matrix, and deep filtering of the lowest
    nb_df bins with order-5 complex coefficients over past frames (padded, unfolded by slices)."""

    def __init__(self, n_freqs=161, nb_erb=24, nb_df=48, order=5, ch=16, hidden=64):
        super().__init__()
        self.nb_df, self.order = nb_df, order
        fb = erb_fb(n_freqs, nb_erb)
        self.register_buffer('erb', fb)
        self.register_buffer('erb_inv', (fb > 0).float().t())
        self.enc = nn.Sequential(nn.Conv2d(1, ch, (3, 3), padding=(1, 1)), nn.BatchNorm2d(ch), nn.ReLU(),
                                 nn.Conv2d(ch, ch, (1, 3), stride=(1, 2), padding=(0, 1), groups=ch), nn.Conv2d(ch, ch, 1), nn.ReLU())
        self.gru = nn.GRU(ch * (nb_erb // 2), hidden, batch_first=True)
        self.erb_dec = nn.Linear(hidden, nb_erb)
        self.df_dec = nn.Linear(hidden, nb_df * order * 2)

    def forward(self, spec):
        b, _, t, f, _ = spec.shape
        power = spec.pow(2).sum(-1)  # [B, 1, T, F]
        feat = 10 * torch.log10(torch.matmul(power, self.erb) + 1e-10) / 40
        e = self.enc(feat)  # [B, C, T, nb/2]
        h, _ = self.gru(e.permute(0, 2, 1, 3).reshape(b, t, -1))
        gains = torch.matmul(torch.sigmoid(self.erb_dec(h)), self.erb_inv).unsqueeze(1)  # [B, 1, T, F]
        out = spec * gains.unsqueeze(-1)
        coefs = self.df_dec(h).view(b, t, self.order, self.nb_df, 2)
        low = F.pad(spec[:, 0, :, :self.nb_df], (0, 0, 0, 0, self.order - 1, 0))  # [B, T+o-1, nb_df, 2]
        frames = torch.stack([low[:, i:i + t] for i in range(self.order)], 2)  # [B, T, order, nb_df, 2]
        re = (frames[..., 0] * coefs[..., 0] - frames[..., 1] * coefs[..., 1]).sum(2)
        im = (frames[..., 0] * coefs[..., 1] + frames[..., 1] * coefs[..., 0]).sum(2)
        return torch.cat([torch.stack([re, im], -1).unsqueeze(1), out[:, :, :, self.nb_df:]], 3)


class SubSpectralNorm(nn.Module):
    def __init__(self, ch, sub=5):
        super().__init__()
        self.sub, self.bn = sub, nn.BatchNorm2d(ch * sub)

    def forward(self, x):
        b, c, f, t = x.size()
        x = self.bn(x.view(b, c * self.sub, f // self.sub, t))
        return x.view(b, c, f, t)


class BCResBlock(nn.Module):
    def __init__(self, cin, cout, stride=(1, 1), dilation=1):
        super().__init__()
        self.transition = cin != cout
        if self.transition:
            self.trans = nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())
        self.f2 = nn.Sequential(nn.Conv2d(cout, cout, (3, 1), stride=stride, padding=(1, 0), groups=cout, bias=False), SubSpectralNorm(cout))
        self.f1 = nn.Sequential(nn.Conv2d(cout, cout, (1, 3), padding=(0, dilation), dilation=(1, dilation), groups=cout, bias=False),
                                nn.BatchNorm2d(cout), nn.SiLU(), nn.Conv2d(cout, cout, 1, bias=False), nn.Dropout2d(0.1))

    def forward(self, x):
        if self.transition:
            x = self.trans(x)
        shortcut = x
        x = self.f2(x)
        aux = x
        x = self.f1(x.mean(2, keepdim=True))
        x = x + aux
        if not self.transition:
            x = x + shortcut
        return F.relu(x)


class BCResNet(nn.Module):
    def __init__(self, classes=12, c=8):
        super().__init__()
        self.cnn_head = nn.Conv2d(1, 2 * c, 5, stride=(2, 1), padding=2)
        chans, strides, dil, n = [2 * c, c, int(1.5 * c), 2 * c, int(2.5 * c), 4 * c], [(1, 1), (2, 1), (2, 1), (1, 1)], [1, 2, 4, 8], [2, 2, 4, 4]
        blocks = []
        for i in range(4):
            blocks.append(BCResBlock(chans[i], chans[i + 1], strides[i], dil[i]))
            blocks += [BCResBlock(chans[i + 1], chans[i + 1], (1, 1), dil[i]) for _ in range(n[i] - 1)]
        self.blocks = nn.Sequential(*blocks)
        self.classifier = nn.Sequential(nn.Conv2d(chans[-2], chans[-2], (5, 5), bias=False, groups=chans[-2], padding=(0, 2)),
                                        nn.Conv2d(chans[-2], chans[-1], 1, bias=False), nn.BatchNorm2d(chans[-1]), nn.ReLU(),
                                        nn.AdaptiveAvgPool2d((1, 1)), nn.Conv2d(chans[-1], classes, 1))

    def forward(self, x):
        return self.classifier(self.blocks(self.cnn_head(x))).view(-1, 12)


class DSCNN(nn.Module):
    def __init__(self, classes=12, ch=64):
        super().__init__()
        layers = [nn.ZeroPad2d((1, 2, 4, 5)), nn.Conv2d(1, ch, (10, 4), stride=(2, 2)), nn.BatchNorm2d(ch), nn.ReLU()]
        for _ in range(4):
            layers += [nn.Conv2d(ch, ch, 3, padding=1, groups=ch), nn.BatchNorm2d(ch), nn.ReLU(), nn.Conv2d(ch, ch, 1), nn.BatchNorm2d(ch), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(ch, classes)

    def forward(self, x):
        x = F.avg_pool2d(self.features(x), (25, 5))
        return F.softmax(self.fc(torch.flatten(x, 1)), dim=1)
