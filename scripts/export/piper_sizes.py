"""Piper's `infer` at its released sizes with random weights (the fixture in test/fixtures/vits-infer is tiny): the
"medium" / "low" voices (low is medium's network at 16 kHz) and "x_low", as piper_train's VITS configures them:
text encoder hidden 192 (x_low 96), filter 768 (384), 2 heads, 6 layers; stochastic duration predictor (filter 192);
4 residual coupling flows (WaveNet, kernel 5, 4 layers); HiFi-GAN with ResBlock2 (kernels 3 / 5 / 7, dilations
(1, 2) / (2, 6) / (3, 12)), upsampling 8 x 8 x 4 from 256 channels (hop 256). Noises as inputs (noise [1, inter,
T_MAX]), as sweep8_vits_flows.py.

    /usr/bin/python3 scripts/export/piper_sizes.py OUT_DIR [medium|x_low ...]
"""
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm, remove_weight_norm

from sweep8_vits import TextEncoder
from sweep8_vits_flows import Flip, Generator, PiperVits, ResidualCouplingLayer, StochasticDurationPredictor


class ResBlock2(nn.Module):
    def __init__(self, channels, kernel_size=3, dilation=(1, 3)):
        super().__init__()
        self.convs = nn.ModuleList(weight_norm(nn.Conv1d(channels, channels, kernel_size, 1, dilation=d,
                                                         padding=int((kernel_size * d - d) / 2))) for d in dilation)

    def forward(self, x, x_mask=None):
        for c in self.convs:
            x = c(F.leaky_relu(x, 0.1)) + x
        return x

    def remove_weight_norm(self):
        for c in self.convs:
            remove_weight_norm(c)


class PiperSized(PiperVits):
    def __init__(self, hidden, filt, n_vocab=256, t_max=1000):
        nn.Module.__init__(self)
        self.t_max = t_max
        self.enc_p = TextEncoder(n_vocab, hidden, hidden, filt, 2, 6)
        self.dp = StochasticDurationPredictor(hidden, 192, n_flows=4)
        self.flows = nn.ModuleList()
        for _ in range(4):
            self.flows.append(ResidualCouplingLayer(hidden, hidden, 5, 1, 4))
            self.flows.append(Flip())
        dec = Generator(hidden, rates=(8, 8, 4), kernels=(16, 16, 8), ch=256, rb_kernels=(3, 5, 7), rb_dilations=((1, 2),) * 3)
        dec.resblocks = nn.ModuleList(ResBlock2(256 // 2 ** (i + 1), k, d) for i in range(3)
                                      for k, d in zip((3, 5, 7), ((1, 2), (2, 6), (3, 12))))
        self.dec = dec.remove_weight_norm()


SIZES = {'medium': (192, 768), 'x_low': (96, 384)}

if __name__ == '__main__':
    out = sys.argv[1]
    torch.manual_seed(0)
    for name in sys.argv[2:] or list(SIZES):
        hidden, filt = SIZES[name]
        m = PiperSized(hidden, filt).eval()
        args = (torch.randint(1, 256, (1, 40)), torch.tensor([40]), torch.tensor([0.667, 1.0, 0.8]), torch.randn(1, 2, 40),
                torch.randn(1, hidden, 1000))
        with torch.no_grad():
            print(name, 'params', sum(p.numel() for p in m.parameters()), 'audio', m(*args).shape)
        torch.onnx.export(m, args, os.path.join(out, f'piper_{name}.onnx'),
                          input_names=['input', 'input_lengths', 'scales', 'noise_dp', 'noise'], output_names=['output'],
                          opset_version=15, dynamic_axes={'input': {0: 'batch_size', 1: 'phonemes'}, 'input_lengths': {0: 'batch_size'},
                                                          'noise_dp': {2: 'phonemes'}, 'output': {0: 'batch_size', 1: 'time'}})
