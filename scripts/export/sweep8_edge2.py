"""Eighth sweep: PANNs CNN14 (torchlibrosa's STFT as two Conv1d by the windowed DFT, power, log-mel with top_db),
a YAMNet-style MobileNet v1 (TF 'same' padding by F.pad), a BiLSTM-CRF tagger with Viterbi decoding (unrolled by the
trace: max / argmax per step, backtracking by gathers), and torchtext's FastText-style EmbeddingBag classifier."""
import math

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
import torchaudio


class TorchlibrosaLogmel(nn.Module):
    def __init__(self, n_fft=512, hop=160, n_mels=64, sr=16000):
        super().__init__()
        self.n_fft = n_fft
        n = np.arange(n_fft)
        win = 0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)
        k = np.arange(n_fft // 2 + 1)[:, None]
        w = np.exp(-2j * np.pi * k * n[None, :] / n_fft) * win[None, :]
        self.conv_real = nn.Conv1d(1, n_fft // 2 + 1, n_fft, stride=hop, bias=False)
        self.conv_imag = nn.Conv1d(1, n_fft // 2 + 1, n_fft, stride=hop, bias=False)
        self.conv_real.weight.data = torch.tensor(np.real(w)[:, None, :], dtype=torch.float32)
        self.conv_imag.weight.data = torch.tensor(np.imag(w)[:, None, :], dtype=torch.float32)
        mel = torchaudio.functional.melscale_fbanks(n_fft // 2 + 1, 50.0, 8000.0, n_mels, sr, norm='slaney', mel_scale='slaney')
        self.melW = nn.Parameter(mel, requires_grad=False)

    def forward(self, x):  # [B, L] → [B, 1, T, mels]
        x = F.pad(x[:, None, :], (self.n_fft // 2, self.n_fft // 2), mode='reflect')
        real, imag = self.conv_real(x)[:, None, :, :].transpose(2, 3), self.conv_imag(x)[:, None, :, :].transpose(2, 3)
        power = real ** 2 + imag ** 2
        mel = torch.matmul(power, self.melW)
        log_spec = 10.0 * torch.log10(torch.clamp(mel, min=1e-10, max=np.inf)) - 10.0 * np.log10(np.maximum(1e-10, 1.0))
        return log_spec  # PANNs build LogmelFilterBank with top_db=None


class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn1, self.bn2 = nn.BatchNorm2d(cout), nn.BatchNorm2d(cout)

    def forward(self, x, pool_size=(2, 2)):
        x = F.relu_(self.bn2(self.conv2(F.relu_(self.bn1(self.conv1(x))))))
        return F.avg_pool2d(x, kernel_size=pool_size)


class Cnn14(nn.Module):
    """PANNs Cnn14 at 16 kHz (Cnn14_16k's STFT), channels / 4: clipwise_output [1, 527] and embedding."""

    def __init__(self, classes=527, width=16):
        super().__init__()
        self.logmel = TorchlibrosaLogmel()
        self.bn0 = nn.BatchNorm2d(64)
        ch = [1] + [width * 2 ** i for i in range(6)]
        self.blocks = nn.ModuleList(ConvBlock(ch[i], ch[i + 1]) for i in range(6))
        self.fc1, self.fc_audioset = nn.Linear(ch[-1], ch[-1]), nn.Linear(ch[-1], classes)

    def forward(self, input):
        x = self.logmel(input)
        x = self.bn0(x.transpose(1, 3)).transpose(1, 3)
        for i, b in enumerate(self.blocks):
            x = b(x, pool_size=(2, 2) if i < 5 else (1, 1))
        x = torch.mean(x, dim=3)
        (x1, _) = torch.max(x, dim=2)
        x = x1 + torch.mean(x, dim=2)
        embedding = F.relu_(self.fc1(x))
        return torch.sigmoid(self.fc_audioset(embedding)), embedding


class TfSameConv(nn.Module):
    """Conv2d with TensorFlow's 'same' padding (the pad worked out from the input size, extra on the bottom/right),
    as PyTorch ports of YAMNet write it."""

    def __init__(self, cin, cout, k, stride, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-4)

    def forward(self, x):
        ih, iw = x.shape[-2:]
        k, s = self.conv.kernel_size, self.conv.stride
        ph = max((math.ceil(ih / s[0]) - 1) * s[0] + k[0] - ih, 0)
        pw = max((math.ceil(iw / s[1]) - 1) * s[1] + k[1] - iw, 0)
        x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return F.relu(self.bn(self.conv(x)))


class YamNet(nn.Module):
    """YAMNet: log-mel patch [1, 96, 64] → MobileNet v1 (α = 0.5) → 521 sigmoid scores."""

    def __init__(self, classes=521, alpha=0.5):
        super().__init__()
        spec = [(2, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512)] + [(1, 512)] * 5 + [(2, 1024), (1, 1024)]
        c = int(32 * alpha)
        layers = [TfSameConv(1, c, 3, 2)]
        for s, co in spec:
            co = int(co * alpha)
            layers += [TfSameConv(c, c, 3, s, groups=c), TfSameConv(c, co, 1, 1)]
            c = co
        self.layers = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, classes)

    def forward(self, patch):
        x = self.layers(patch.unsqueeze(1))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return torch.sigmoid(self.classifier(x))


class BiLstmCrf(nn.Module):
    """PyTorch's BiLSTM-CRF tutorial tagger, batched: emissions from a BiLSTM, Viterbi over the transition matrix."""

    def __init__(self, vocab=500, tags=9, emb=32, hidden=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden // 2, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(hidden, tags)
        self.transitions = nn.Parameter(torch.randn(tags, tags))
        self.start, self.end = nn.Parameter(torch.randn(tags)), nn.Parameter(torch.randn(tags))

    def forward(self, tokens):  # [1, T]
        em = self.fc(self.lstm(self.emb(tokens))[0])[0]  # [T, K]
        score = self.start + em[0]
        history = []
        for t in range(1, em.shape[0]):
            nxt = score.unsqueeze(1) + self.transitions + em[t].unsqueeze(0)
            score, idx = nxt.max(dim=0)
            history.append(idx)
        score = score + self.end
        best_score, best = score.max(dim=0)
        path = [best]
        for idx in reversed(history):
            best = idx.gather(0, best.view(1))[0]
            path.append(best)
        return torch.stack(path[::-1]), best_score


class FastTextBag(nn.Module):
    """torchtext's TextClassificationModel: EmbeddingBag(mode='mean') over a flat token list with offsets, Linear."""

    def __init__(self, vocab=1000, dim=32, classes=4):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab, dim, mode='mean')
        self.fc = nn.Linear(dim, classes)

    def forward(self, text, offsets):
        return self.fc(self.embedding(text, offsets))


class FastTextPadded(nn.Module):
    """The same over padded rows [B, L] (EmbeddingBag without offsets) with softmax, as fastText-style apps export."""

    def __init__(self, vocab=1000, dim=32, classes=4):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab, dim, mode='mean')
        self.fc = nn.Linear(dim, classes)

    def forward(self, text):
        return F.softmax(self.fc(self.embedding(text)), dim=-1)
