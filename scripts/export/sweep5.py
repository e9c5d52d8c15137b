#!/usr/bin/env python3
"""Fifth sweep (docs/model-sweep.md): public families a new user would try that the earlier sweeps did not, exported
with Debian's torch 1.13 / torchvision 0.14 / torchaudio 0.13 (random weights, nothing downloads) at torch's default
opset (14) or the one the name says:

    /usr/bin/python3 scripts/export/sweep5.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --out-dir OUT_DIR/tflite   # self-check against onnxruntime

One model per run is kindest to a shared machine (name it). Big files: keep OUT_DIR outside the repository.
"""
import math
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F
import torchvision
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import calibrated, img, export_all, FirstOutput, Raft  # noqa: E402

torch.manual_seed(0)
tv = torchvision.models
tq = torchvision.models.quantization


def quantized(ctor, size=224, per_channel=False):
    """torchvision's quantizable model, post-training quantized as torchvision's quantize_model does (fused, observers
    run on a random image), on qnnpack (per-tensor weights) or onednn (per-channel weights): Debian's torch has no
    fbgemm, the engine torchvision's own int8 ResNets use."""
    m, _ = calibrated(ctor(weights=None, quantize=False), img(size))
    engine = 'onednn' if per_channel else 'qnnpack'
    torch.backends.quantized.engine = engine
    q = torch.ao.quantization
    weight = q.default_per_channel_weight_observer if per_channel else q.default_weight_observer
    m.eval()
    m.qconfig = q.QConfig(activation=q.default_observer, weight=weight)
    m.fuse_model()
    q.prepare(m, inplace=True)
    with torch.no_grad():
        for _ in range(3):
            m(torch.rand(1, 3, size, size))
    q.convert(m, inplace=True)
    return m, img(size)


class BothOutputs(nn.Module):
    """Segmentation with the auxiliary classifier: 'out' and 'aux' as two outputs."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        y = self.m(x)
        return y['out'], y['aux']


class Wav2Vec2Lengths(nn.Module):
    """torchaudio wav2vec2 / HuBERT with a lengths input: the padding mask is computed in the graph."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, wave, lengths):
        y, n = self.m(wave, lengths)
        return y, n


class MhaWeights(nn.Module):
    """nn.MultiheadAttention returning its attention weights (averaged over heads or per head)."""

    def __init__(self, average, d=64, heads=4):
        super().__init__()
        self.mha = nn.MultiheadAttention(d, heads, batch_first=True)
        self.average = average

    def forward(self, q, kv):
        return self.mha(q, kv, kv, need_weights=True, average_attn_weights=self.average)


class LstmProj(nn.Module):
    """LSTM with projections (proj_size: h is projected to a smaller size each step), two layers."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(40, 96, num_layers=2, proj_size=32, batch_first=True)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        return self.head(y), h, c


class GruPacked(nn.Module):
    """Bidirectional GRU over a padded batch with per-sequence lengths (pack_padded_sequence / pad_packed_sequence)."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(16, 32, bidirectional=True, batch_first=True)

    def forward(self, x, lengths):
        p = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        y, h = self.gru(p)
        y, _ = nn.utils.rnn.pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])
        return y, h


class Seq2SeqTransformer(nn.Module):
    """nn.Transformer (encoder + decoder) with generate_square_subsequent_mask on the target, token embeddings."""

    def __init__(self, vocab=120, d=64):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(vocab, d), nn.Embedding(vocab, d)
        self.t = nn.Transformer(d, 4, 2, 2, 128, dropout=0.0, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, src, tgt):
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
        return self.out(self.t(self.src_emb(src), self.tgt_emb(tgt), tgt_mask=mask))


class ConvStftKws(nn.Module):
    """Keyword spotting on a torch.stft-like front end written as convolutions: centered (reflect pad), Hann window,
    magnitude by sqrt, log1p, a small CNN classifier (what people write when torch.stft will not export)."""

    def __init__(self, n_fft=256, hop=128, classes=12):
        super().__init__()
        n = torch.arange(n_fft, dtype=torch.float64)
        k = torch.arange(n_fft // 2 + 1, dtype=torch.float64)[:, None]
        win = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
        ang = 2 * math.pi * k * n / n_fft
        self.register_buffer('re', (torch.cos(ang) * win)[:, None, :].float())
        self.register_buffer('im', (-torch.sin(ang) * win)[:, None, :].float())
        self.n_fft, self.hop = n_fft, hop
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(32, classes))

    def forward(self, wave):
        x = F.pad(wave[:, None, :], (self.n_fft // 2, self.n_fft // 2), mode='reflect')
        re, im = F.conv1d(x, self.re, stride=self.hop), F.conv1d(x, self.im, stride=self.hop)
        mag = torch.sqrt(re * re + im * im + 1e-9)
        return self.net(torch.log1p(mag)[:, None])


MODELS5 = {
    # torchvision: optical flow, video, segmentation with aux, transformers at another size, quantized models
    'raft_large_op16': lambda: (Raft(tv.optical_flow.raft_large()), (img(128), img(128)), {'opset': 16}),
    'mvit_v1_b': lambda: (tv.video.mvit_v1_b(), torch.randn(1, 3, 16, 224, 224)),
    'fcn_resnet50_aux': lambda: (BothOutputs(tv.segmentation.fcn_resnet50(weights_backbone=None, aux_loss=True)), img(224)),
    'deeplabv3_resnet50_aux_op11': lambda: (BothOutputs(tv.segmentation.deeplabv3_resnet50(weights_backbone=None, aux_loss=True)), img(224), {'opset': 11}),
    'swin_t_256': lambda: calibrated(tv.swin_t(), img(256)),
    'vit_b_16_288_op11': lambda: calibrated(tv.vit_b_16(image_size=288), img(288)) + ({'opset': 11},),
    'convnext_small_op13': lambda: calibrated(tv.convnext_small(), img(224)) + ({'opset': 13},),
    'efficientnet_v2_s_op11': lambda: calibrated(tv.efficientnet_v2_s(), img(256)) + ({'opset': 11},),
    'mobilenet_v3_large_quant': lambda: quantized(tq.mobilenet_v3_large),
    'mobilenet_v3_large_quant_op13': lambda: quantized(tq.mobilenet_v3_large) + ({'opset': 13},),
    'resnet18_quant': lambda: quantized(tq.resnet18),
    'resnet18_quant_per_channel_op13': lambda: quantized(tq.resnet18, per_channel=True) + ({'opset': 13},),
    'shufflenet_v2_x1_0_quant': lambda: quantized(tq.shufflenet_v2_x1_0),
    'googlenet_quant': lambda: quantized(tq.googlenet),
    'inception_v3_quant': lambda: quantized(tq.inception_v3, 299),
    # torchaudio with a lengths input (padding mask in the graph)
    'wav2vec2_base_lengths': lambda: (Wav2Vec2Lengths(torchaudio.models.wav2vec2_base()), (torch.randn(2, 16000), torch.tensor([16000, 11000]))),
    'hubert_base_lengths_op11': lambda: (Wav2Vec2Lengths(torchaudio.models.hubert_base()), (torch.randn(2, 12000), torch.tensor([12000, 7000])), {'opset': 11}),
    # nn building blocks
    'mha_need_weights': lambda: (MhaWeights(True), (torch.randn(1, 10, 64), torch.randn(1, 14, 64))),
    'mha_need_weights_heads_op11': lambda: (MhaWeights(False), (torch.randn(1, 10, 64), torch.randn(1, 14, 64)), {'opset': 11}),
    'lstm_proj': lambda: (LstmProj(), torch.randn(1, 20, 40)),
    'gru_bi_packed': lambda: (GruPacked(), (torch.randn(3, 12, 16), torch.tensor([12, 7, 3]))),
    'gru_bi_packed_op11': lambda: (GruPacked(), (torch.randn(3, 12, 16), torch.tensor([12, 7, 3])), {'opset': 11}),
    'transformer_seq2seq': lambda: (Seq2SeqTransformer(), (torch.randint(0, 120, (1, 15)), torch.randint(0, 120, (1, 9)))),
    'transformer_seq2seq_op17': lambda: (Seq2SeqTransformer(), (torch.randint(0, 120, (1, 15)), torch.randint(0, 120, (1, 9))), {'opset': 17}),
    'conv_stft_kws': lambda: calibrated_audio(ConvStftKws(), torch.randn(1, 16000)),
    'conv_stft_kws_op11': lambda: calibrated_audio(ConvStftKws(), torch.randn(1, 16000)) + ({'opset': 11},),
}


def calibrated_audio(m, x):
    """BatchNorm statistics re-estimated on random audio."""
    for mod in m.modules():
        if isinstance(mod, nn.modules.batchnorm._BatchNorm):
            mod.reset_running_stats()
            mod.momentum = None
    with torch.no_grad():
        m.train()
        for _ in range(3):
            m(torch.randn(2, *x.shape[1:]))
    m.eval()
    return m, x


def main():
    export_all(MODELS5, sys.argv, default_opset=None)


if __name__ == '__main__':
    main()
