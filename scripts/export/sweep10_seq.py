#!/usr/bin/env python3
"""Tenth sweep (docs/model-sweep.md "Tenth sweep: speech, language and sequence"): the leftovers Tacotron2 / WaveRNN /
HDemucs in their deployed split forms (sweep10_seq_tts.py), torchaudio's own models not tried before, language models
as exported for edge (sweep10_seq_lm.py), state-space / recurrent cells and speech / text utilities
(sweep10_seq_misc.py), in plain torch 1.13 as their projects write them (random weights; their export scripts'
opsets and dynamic axes):

    /usr/bin/python3 scripts/export/sweep10_seq.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --input-shape ... --out-dir OUT_DIR/tflite

Keep OUT_DIR outside the repository."""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402
import sweep10_seq_tts as tts  # noqa: E402

torch.manual_seed(0)
TACO = tts.tacotron2_parts()
WRNN = tts.small_wavernn()


def taco_step():
    torch.manual_seed(1)
    step = tts.tacotron_step_inputs()
    names = tts.TACO_STEP_NAMES
    dyn = {n: {0: 'batch'} for n in names}
    for n in ('attention_weights', 'attention_weights_cum', 'mask'):
        dyn[n] = {0: 'batch', 1: 'seq_len'}
    for n in ('memory', 'processed_memory'):
        dyn[n] = {0: 'batch', 1: 'seq_len'}
    dyn.update({'out_attention_weights': {0: 'batch', 1: 'seq_len'}, 'out_attention_weights_cum': {0: 'batch', 1: 'seq_len'}})
    return TACO[1], step, {'names': names, 'outputs': tts.TACO_STEP_OUTS, 'opset': 12, 'dynamic': dyn}


HD_LEN = 44100

MODELS10 = {
    # NVIDIA DeepLearningExamples Tacotron2/tensorrt/convert_tacotron22onnx.py: opset 12, these names and axes
    'tacotron2_encoder': lambda: (TACO[0], (torch.randint(1, 148, (1, 20)), torch.tensor([20])),
                                  {'names': ['sequences', 'sequence_lengths'], 'outputs': ['memory', 'processed_memory', 'lens'], 'opset': 12,
                                   'dynamic': {'sequences': {0: 'batch', 1: 'text_seq'}, 'sequence_lengths': {0: 'batch'},
                                               'memory': {0: 'batch', 1: 'mem_seq'}, 'processed_memory': {0: 'batch', 1: 'mem_seq'}}}),
    'tacotron2_decoder_iter': taco_step,
    'tacotron2_postnet': lambda: (TACO[2], torch.randn(1, 80, 60), {'names': ['mel_outputs'], 'outputs': ['mel_outputs_postnet'], 'opset': 12,
                                  'dynamic': {'mel_outputs': {0: 'batch', 2: 'n_frames'}, 'mel_outputs_postnet': {0: 'batch', 2: 'n_frames'}}}),
    'wavernn_step': lambda: (tts.WaveRNNStep(WRNN), (torch.rand(1, 1) * 2 - 1, torch.randn(1, 80), torch.randn(1, 64), torch.randn(1, 1, 128),
                             torch.randn(1, 1, 128)), {'names': ['x', 'm_t', 'aux_t', 'h1', 'h2'], 'outputs': ['posterior', 'h1_out', 'h2_out'], 'opset': 13}),
    'wavernn_upsample': lambda: (tts.WaveRNNUpsample(WRNN), torch.randn(1, 80, 12), {'names': ['specgram'], 'outputs': ['upsampled', 'aux'],
                                 'opset': 13}),
    'wavernn_upsample_fatchord': lambda: (tts.wavernn_upsample_fatchord(tts.small_wavernn()), torch.randn(1, 80, 12),
                                          {'names': ['specgram'], 'outputs': ['upsampled', 'aux'], 'opset': 13}),
    'hdemucs_full': lambda: (tts.hdemucs_full(), torch.randn(1, 2, HD_LEN), {'names': ['mix'], 'outputs': ['sources'], 'opset': 17}),
    'hdemucs_core': lambda: (tts.hdemucs_core(), (torch.randn(1, 2, HD_LEN), torch.randn(1, 4, 2048, math.ceil(HD_LEN / 1024))),
                             {'names': ['mix', 'spec'], 'outputs': ['time_sources', 'freq_spec'], 'opset': 17}),
}

for extra in ('sweep10_seq_lm', 'sweep10_seq_misc', 'sweep10_seq_more'):
    try:
        MODELS10.update(__import__(extra).MODELS)
    except ImportError as e:
        if e.name != extra:
            raise


def main():
    export_all(MODELS10, sys.argv, default_opset=None)


if __name__ == '__main__':
    main()
