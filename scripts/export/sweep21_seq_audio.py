"""Twenty-first sweep: speech and audio families not tried in the twenty earlier sweeps, as their reference code writes
them (random weights, small widths): TC-ResNet8 (keyword spotting, MFCC as channels, temporal 9x1 convs), KWT (the
Keyword Transformer: a ViT over MFCC frames), EdgeCRNN (keyword spotting: ShuffleNetV2-style depthwise-separable
units with channel shuffle, the map pooled over frequency and read by an LSTM over time), VoiceFilter-Lite (target-speaker mask from stacked filterbanks and
a d-vector, LSTMs, a noise-type head driving an adaptive suppression strength smoothed frame by frame), the GE2E
d-vector speaker encoder (Resemblyzer: 3-layer LSTM over partial utterances, last frame, ReLU projection,
L2-normalised mean) and WaveNeXt (a Vocos ConvNeXt backbone whose head is a linear layer straight to each frame's
samples instead of an iSTFT). Models in MODELS, exported by sweep21_seq.py."""
import torch
from torch import nn
import torch.nn.functional as F


# --- TC-ResNet8 (hyperconnect/TC-ResNet, PyTorch ports: MFCC bins as channels, width = time) ---

class TCBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, cout, (1, 9), (1, stride), (0, 4), bias=False), nn.BatchNorm2d(cout)
        self.c2, self.b2 = nn.Conv2d(cout, cout, (1, 9), 1, (0, 4), bias=False), nn.BatchNorm2d(cout)
        self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, (1, stride), bias=False), nn.BatchNorm2d(cout), nn.ReLU()) if stride > 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return F.relu(self.b2(self.c2(F.relu(self.b1(self.c1(x))))) + self.skip(x))


class TCResNet8(nn.Module):
    def __init__(self, mfcc=40, classes=12, k=1.0):
        super().__init__()
        c = [int(v * k) for v in (16, 24, 32, 48)]
        self.stem = nn.Conv2d(mfcc, c[0], (1, 3), 1, (0, 1), bias=False)
        self.blocks = nn.Sequential(TCBlock(c[0], c[1], 2), TCBlock(c[1], c[2], 2), TCBlock(c[2], c[3], 2))
        self.fc = nn.Linear(c[3], classes)

    def forward(self, mfcc):  # [B, T, 40]
        x = self.blocks(self.stem(mfcc.transpose(1, 2).unsqueeze(2)))
        return self.fc(x.mean((2, 3))).softmax(-1)


# --- KWT (ARM-software/keyword-transformer, KWT-1 at small width: one token per MFCC frame) ---

class KWT(nn.Module):
    def __init__(self, frames=49, mfcc=40, d=64, heads=2, layers=3, classes=12):
        super().__init__()
        self.proj, self.cls = nn.Linear(mfcc, d), nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, frames + 1, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation='gelu', batch_first=True, norm_first=False)
        self.enc, self.head = nn.TransformerEncoder(layer, layers), nn.Linear(d, classes)

    def forward(self, mfcc):  # [B, T, 40]
        x = torch.cat([self.cls.expand(mfcc.shape[0], -1, -1), self.proj(mfcc)], 1) + self.pos
        return self.head(self.enc(x)[:, 0])


# --- EdgeCRNN (Wei et al. 2021, keyword spotting on edge devices: ShuffleNetV2-style depthwise-separable units, an
# LSTM over the frames of the frequency-pooled map) ---

def shuffle(x, groups=2):
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


class EdgeUnit(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride, mid = stride, cout // 2
        def branch(ci):
            return nn.Sequential(nn.Conv2d(ci, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(),
                                 nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False), nn.BatchNorm2d(mid),
                                 nn.Conv2d(mid, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU())
        if stride > 1:
            self.left = nn.Sequential(nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin),
                                      nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU())
            self.right = branch(cin)
        else:
            self.right = branch(cin // 2)

    def forward(self, x):
        if self.stride > 1:
            y = torch.cat([self.left(x), self.right(x)], 1)
        else:
            a, b = x.chunk(2, 1)
            y = torch.cat([a, self.right(b)], 1)
        return shuffle(y)


class EdgeCRNN(nn.Module):
    def __init__(self, classes=12, width=(24, 48, 96), hidden=64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, width[0], 3, 2, 1, bias=False), nn.BatchNorm2d(width[0]), nn.ReLU())
        units = []
        for cin, cout in zip(width[:-1], width[1:]):
            units += [EdgeUnit(cin, cout, 2), EdgeUnit(cout, cout, 1)]
        self.units = nn.Sequential(*units)
        self.conv = nn.Sequential(nn.Conv2d(width[-1], 128, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU())
        self.lstm, self.fc = nn.LSTM(128, hidden, batch_first=True), nn.Linear(hidden, classes)

    def forward(self, mfcc):  # [B, 1, 40, T]
        x = self.conv(self.units(self.stem(mfcc))).mean(2)  # [B, 128, T']
        y, _ = self.lstm(x.transpose(1, 2))
        return self.fc(y[:, -1])


# --- VoiceFilter-Lite (Wang et al. 2020; adaptive suppression strength, Wang et al. 2021) ---

class VoiceFilterLite(nn.Module):
    def __init__(self, feat=128, dvec=64, hidden=96, beta=0.9, a=0.6, b=0.2):
        super().__init__()
        self.lstm = nn.LSTM(feat + dvec, hidden, 3, batch_first=True)
        self.mask = nn.Linear(hidden, feat)
        self.noise_lstm = nn.LSTM(feat + dvec, 32, 2, batch_first=True)
        self.noise = nn.Linear(32, 2)
        self.beta, self.a, self.b = beta, a, b

    def forward(self, feats, dvector):  # [B, T, F] stacked log-mel, [B, D]
        x = torch.cat([feats, dvector[:, None].expand(-1, feats.shape[1], -1)], -1)
        m = torch.sigmoid(self.mask(self.lstm(x)[0]))
        p = self.noise(self.noise_lstm(x)[0]).softmax(-1)[..., 0]  # overlapped-speech probability per frame
        w, ws = torch.zeros_like(p[:, 0]), []
        for t in range(p.shape[1]):
            w = self.beta * w + (1 - self.beta) * (self.a * p[:, t] + self.b)
            ws.append(w)
        w = torch.stack(ws, 1)[..., None].clamp(0, 1)
        return w * m * feats + (1 - w) * feats, p


# --- GE2E d-vector (resemble-ai/Resemblyzer voice_encoder.py) ---

class DVector(nn.Module):
    def __init__(self, mels=40, hidden=128, emb=64):
        super().__init__()
        self.lstm, self.linear = nn.LSTM(mels, hidden, 3, batch_first=True), nn.Linear(hidden, emb)

    def forward(self, partials):  # [P, T, 40]: partial utterances of one recording
        _, (h, _) = self.lstm(partials)
        e = F.relu(self.linear(h[-1]))
        e = e / e.norm(dim=1, keepdim=True)
        m = e.mean(0, keepdim=True)
        return m / m.norm(dim=1, keepdim=True)


# --- WaveNeXt (Okamoto et al. 2023: Vocos backbone, linear head to the frame's samples) ---

class ConvNeXtBlock(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.dw, self.norm = nn.Conv1d(d, d, 7, padding=3, groups=d), nn.LayerNorm(d, eps=1e-6)
        self.pw1, self.pw2 = nn.Linear(d, hidden), nn.Linear(hidden, d)
        self.gamma = nn.Parameter(0.1 * torch.ones(d))

    def forward(self, x):  # [B, C, T]
        y = self.pw2(F.gelu(self.pw1(self.norm(self.dw(x).transpose(1, 2)))))
        return x + (self.gamma * y).transpose(1, 2)


class WaveNeXt(nn.Module):
    def __init__(self, mels=80, d=128, layers=4, n_fft=256, hop=64):
        super().__init__()
        self.embed, self.norm = nn.Conv1d(mels, d, 7, padding=3), nn.LayerNorm(d, eps=1e-6)
        self.blocks = nn.ModuleList(ConvNeXtBlock(d, 3 * d) for _ in range(layers))
        self.final = nn.LayerNorm(d, eps=1e-6)
        self.to_fft, self.to_wave = nn.Linear(d, n_fft + 2), nn.Linear(n_fft + 2, hop, bias=False)

    def forward(self, mel):  # [B, 80, T]
        x = self.norm(self.embed(mel).transpose(1, 2)).transpose(1, 2)
        for blk in self.blocks:
            x = blk(x)
        y = self.to_wave(self.to_fft(self.final(x.transpose(1, 2))))  # [B, T, hop]
        return y.reshape(mel.shape[0], -1).clamp(-1, 1)


MODELS = {
    'tc_resnet8': lambda: (TCResNet8().eval(), torch.randn(1, 98, 40), {'names': ['mfcc'], 'outputs': ['probs'], 'opset': 14}),
    'kwt': lambda: (KWT().eval(), torch.randn(1, 49, 40), {'names': ['mfcc'], 'outputs': ['logits'], 'opset': 14}),
    'edgecrnn': lambda: (EdgeCRNN().eval(), torch.randn(1, 1, 40, 101), {'names': ['mfcc'], 'outputs': ['logits'], 'opset': 14}),
    'voicefilter_lite': lambda: (VoiceFilterLite().eval(), (torch.randn(1, 20, 128), F.normalize(torch.randn(1, 64), dim=1)),
                                 {'names': ['features', 'dvector'], 'outputs': ['enhanced', 'overlap_prob'], 'opset': 14}),
    'ge2e_dvector': lambda: (DVector().eval(), torch.randn(3, 40, 40), {'names': ['partials'], 'outputs': ['embedding'], 'opset': 14}),
    'wavenext': lambda: (WaveNeXt().eval(), torch.randn(1, 80, 32), {'names': ['mel'], 'outputs': ['audio'], 'opset': 14}),
}
