#!/usr/bin/env python3
"""Exports a wide sweep of public model families with Debian's torch 1.13 / torchvision 0.14 / torchaudio 0.13
(random weights, nothing downloads) to check the converter on models it was not written against:

    /usr/bin/python3 scripts/export/sweep.py OUT_DIR [NAME ...]
    node --import tsx scripts/check-models.ts OUT_DIR/*.onnx

Hundreds of MB in all: keep OUT_DIR outside the repository (torchvision's mvit_v2_s is left out: its export
needs more than 24 GB; torchaudio's Emformer exports a Concat of a rank-1 empty tensor with rank-3 ones, which
onnxruntime refuses to load). A model that fails to export is reported and skipped.
"""
import os
import sys
import traceback

import torch
import torchvision
import torchaudio

torch.manual_seed(0)
tv = torchvision.models


def img(h=224, w=None):
    return torch.randn(1, 3, h, w or h)


class FirstOutput(torch.nn.Module):
    """Segmentation models return a dict, optical flow a list: export one tensor."""

    def __init__(self, m, key=None):
        super().__init__()
        self.m, self.key = m, key

    def forward(self, *x):
        y = self.m(*x)
        return y[self.key] if self.key is not None else y[-1]


class Raft(torch.nn.Module):
    """RAFT's last flow estimate after 4 refinement steps."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, a, b):
        return self.m(a, b, num_flow_updates=4)[-1]


class AudioFeatures(torch.nn.Module):
    """torchaudio encoders return (features, lengths): export the features."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, *x):
        y = self.m(*x)
        return y[0] if isinstance(y, tuple) else y


MODELS = {
    # classification
    'efficientnet_b0': lambda: (tv.efficientnet_b0(), img()),
    'efficientnet_v2_s': lambda: (tv.efficientnet_v2_s(), img()),
    'mobilenet_v3_large': lambda: (tv.mobilenet_v3_large(), img()),
    'regnet_x_400mf': lambda: (tv.regnet_x_400mf(), img()),
    'shufflenet_v2_x1_0': lambda: (tv.shufflenet_v2_x1_0(), img()),
    'googlenet': lambda: (tv.googlenet(aux_logits=False, init_weights=True), img()),
    'inception_v3': lambda: (tv.inception_v3(aux_logits=False, init_weights=True), img(299)),
    'resnext50_32x4d': lambda: (tv.resnext50_32x4d(), img()),
    'vit_b_32': lambda: (tv.vit_b_32(), img()),
    'maxvit_t': lambda: (tv.maxvit_t(), img()),
    # segmentation
    'deeplabv3_mobilenet_v3_large': lambda: (FirstOutput(tv.segmentation.deeplabv3_mobilenet_v3_large(weights_backbone=None, aux_loss=False), 'out'), img(256)),
    'lraspp_mobilenet_v3_large': lambda: (FirstOutput(tv.segmentation.lraspp_mobilenet_v3_large(weights_backbone=None), 'out'), img(256)),
    'fcn_resnet50': lambda: (FirstOutput(tv.segmentation.fcn_resnet50(weights_backbone=None, aux_loss=False), 'out'), img(224)),
    # video
    'r2plus1d_18': lambda: (tv.video.r2plus1d_18(), torch.randn(1, 3, 8, 112, 112)),
    's3d': lambda: (tv.video.s3d(), torch.randn(1, 3, 16, 224, 224)),
    # optical flow
    'raft_small': lambda: (Raft(tv.optical_flow.raft_small()), (img(128), img(128))),
    # audio
    'hubert_base': lambda: (AudioFeatures(torchaudio.models.hubert_base()), torch.randn(1, 16000)),
    'wav2letter': lambda: (torchaudio.models.Wav2Letter(num_classes=29, input_type='waveform'), torch.randn(1, 1, 16000)),
    'conv_tasnet': lambda: (torchaudio.models.ConvTasNet(num_sources=2, enc_num_feats=128, msk_num_feats=64, msk_num_hidden_feats=128, msk_num_layers=4, msk_num_stacks=2), torch.randn(1, 1, 8000)),
    'deepspeech': lambda: (torchaudio.models.DeepSpeech(n_feature=80, n_hidden=256), torch.randn(1, 1, 100, 80)),
}


def main():
    out, names = sys.argv[1], sys.argv[2:] or list(MODELS)
    os.makedirs(out, exist_ok=True)
    for name in names:
        dst = os.path.join(out, f'{name}.onnx')
        if os.path.exists(dst):
            continue
        try:
            m, x = MODELS[name]()
            m.eval()
            args = x if isinstance(x, tuple) else (x,)
            tmp = os.path.join(out, f'.{name}.onnx.tmp')
            # Not under no_grad: torch's fast attention path (aten::_native_multi_head_attention) has no ONNX export.
            torch.onnx.export(m, args, tmp, opset_version=17)
            os.replace(tmp, dst)
            print(f'exported {name}', flush=True)
        except Exception as e:  # noqa: BLE001 — a sweep reports and goes on
            print(f'EXPORT FAILED {name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}', flush=True)
            traceback.print_exc(limit=1, file=sys.stderr)


if __name__ == '__main__':
    main()
