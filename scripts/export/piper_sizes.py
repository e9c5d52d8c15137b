"""Piper's `infer` at its released sizes with random weights (the fixture in test/fixtures/vits-infer is tiny): the
"medium" / "low" voices (low is medium's network at 16 kHz) and "x_low", as piper_train's VITS configures them:
text encoder hidden 192 (x_low 96), filter 768 (384), 2 heads, 6 layers; stochastic duration predictor (filter 192);
4 residual coupling flows (WaveNet, kernel 5, 4 layers); HiFi-GAN with ResBlock2 (kernels 3 / 5 / 7, dilations
(1, 2) / (2, 6) / (3, 12)), upsampling 8 x 8 x 4 from 256 channels (hop 256). Noises as inputs (noise [1, inter,
T_MAX]), as sweep8_vits_flows.py.

    /usr/bin/python3 scripts/export/piper_sizes.py OUT_DIR [medium|x_low|medium_own|x_low_own ...]
"""
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm, remove_weight_norm

from sweep8_vits import TextEncoder, generate_path, sequence_mask
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


class OwnNoises:
    """Piper's own `infer` inputs (input, input_lengths, scales): the noises drawn inside the graph as piper's
    models.py draws them (torch.randn for the duration predictor, randn_like(m_p) for the prior)."""

    def forward(self, input, input_lengths, scales):
        noise_scale, length_scale, noise_scale_w = scales[0], scales[1], scales[2]
        x, m_p, logs_p, x_mask = self.enc_p(input, input_lengths)
        logw = self.dp(x, x_mask, torch.randn(x.size(0), 2, x.size(2)) * noise_scale_w)
        w_ceil = torch.ceil(torch.exp(logw) * x_mask * length_scale)
        y_lengths = torch.clamp_min(torch.sum(w_ceil, [1, 2]), 1).long()
        y_mask = torch.unsqueeze(sequence_mask(y_lengths, None), 1).type_as(x_mask)
        attn = generate_path(w_ceil, torch.unsqueeze(x_mask, 2) * torch.unsqueeze(y_mask, -1))
        m_p = torch.matmul(attn.squeeze(1), m_p.transpose(1, 2)).transpose(1, 2)
        logs_p = torch.matmul(attn.squeeze(1), logs_p.transpose(1, 2)).transpose(1, 2)
        z = (m_p + torch.randn_like(m_p) * torch.exp(logs_p) * noise_scale) * y_mask
        for flow in reversed(self.flows):
            z = flow(z, y_mask) if isinstance(flow, ResidualCouplingLayer) else flow(z)
        return self.dec(z * y_mask).squeeze(1)


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


class PiperSizedOwn(OwnNoises, PiperSized):
    pass


SIZES = {'medium': (192, 768), 'x_low': (96, 384)}

if __name__ == '__main__':
    out = sys.argv[1]
    torch.manual_seed(0)
    for name in sys.argv[2:] or list(SIZES):
        own = name.endswith('_own')  # medium_own: Piper's own inputs, noises drawn in the graph
        hidden, filt = SIZES[name[:-4] if own else name]
        m = (PiperSizedOwn if own else PiperSized)(hidden, filt).eval()
        args = (torch.randint(1, 256, (1, 40)), torch.tensor([40]), torch.tensor([0.667, 1.0, 0.8]), torch.randn(1, 2, 40),
                torch.randn(1, hidden, 1000))
        with torch.no_grad():
            print(name, 'params', sum(p.numel() for p in m.parameters()), 'audio', m(*args[:3 if own else 5]).shape)
        names = ['input', 'input_lengths', 'scales', 'noise_dp', 'noise'][:3 if own else 5]
        torch.onnx.export(m, args[:len(names)], os.path.join(out, f'piper_{name}.onnx'), input_names=names, output_names=['output'],
                          opset_version=15, dynamic_axes={'input': {0: 'batch_size', 1: 'phonemes'}, 'input_lengths': {0: 'batch_size'},
                                                          'noise_dp': {2: 'phonemes'}, 'output': {0: 'batch_size', 1: 'time'}})
