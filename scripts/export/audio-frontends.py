#!/usr/bin/env python3
"""Exports torchaudio's DSP front ends (no weights: nothing random, nothing downloaded) for the int8 audio benchmark
(bench/int8-audio.bench.ts), with Debian's torch 1.13 / torchaudio 0.13, opset 17. torch 1.13 cannot export aten::stft, so the STFT is a Conv1d over a Hann-windowed DFT basis (as
Silero VAD and openWakeWord ship theirs), followed by torchaudio's own mel filter bank (melscale_fbanks),
AmplitudeToDB and DCT (create_dct); the result matches torchaudio.transforms.MelSpectrogram / MFCC (center=False):

    /usr/bin/python3 scripts/export/audio-frontends.py OUT_DIR

- logmel.onnx: 1 s at 16 kHz -> log-mel spectrogram [1, 64, 98] (n_fft 400, hop 160, AmplitudeToDB, top_db 80);
- mfcc.onnx: 1 s at 16 kHz -> 13 MFCCs [1, 13, 98] (40 mel bands).
"""
import os
import sys

import torch
import torchaudio


F = torchaudio.functional


class ConvStft(torch.nn.Module):
    """|STFT|^2 of [1, N] audio as one Conv1d (real and imaginary kernels), n_fft // 2 + 1 bins, no centering."""

    def __init__(self, n_fft=400, hop=160):
        super().__init__()
        n = torch.arange(n_fft, dtype=torch.float64)
        k = torch.arange(n_fft // 2 + 1, dtype=torch.float64)[:, None]
        win = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
        ang = 2 * torch.pi * k * n / n_fft
        basis = torch.cat([torch.cos(ang) * win, -torch.sin(ang) * win])[:, None, :]
        self.register_buffer('basis', basis.float())
        self.hop = hop
        self.bins = n_fft // 2 + 1

    def forward(self, x):
        y = torch.nn.functional.conv1d(x[:, None, :], self.basis, stride=self.hop)
        return y[:, :self.bins] ** 2 + y[:, self.bins:] ** 2


class LogMel(torch.nn.Module):
    def __init__(self, n_mels=64):
        super().__init__()
        self.stft = ConvStft()
        self.register_buffer('fb', F.melscale_fbanks(201, 0.0, 8000.0, n_mels, 16000).T.contiguous())
        self.db = torchaudio.transforms.AmplitudeToDB(stype='power', top_db=80)

    def forward(self, x):
        return self.db(torch.matmul(self.fb, self.stft(x)))


class Mfcc(torch.nn.Module):
    def __init__(self, n_mfcc=13, n_mels=40):
        super().__init__()
        self.logmel = LogMel(n_mels)
        self.register_buffer('dct', F.create_dct(n_mfcc, n_mels, 'ortho').T.contiguous())

    def forward(self, x):
        return torch.matmul(self.dct, self.logmel(x))


MODELS = {'logmel': LogMel, 'mfcc': Mfcc}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, make in MODELS.items():
        path = os.path.join(out, f'{name}.onnx')
        torch.onnx.export(make().eval(), torch.randn(1, 16000), path, opset_version=17, input_names=['audio'], output_names=['features'])
        print(path)


if __name__ == '__main__':
    main()
