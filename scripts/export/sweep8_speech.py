#!/usr/bin/env python3
"""Eighth sweep (docs/model-sweep.md "Eighth sweep: speech, audio and text"): TTS (Piper / VITS, StyleTTS 2 / Kokoro
prosody), vocoders (HiFi-GAN, MelGAN, Vocos), speaker embeddings (ECAPA-TDNN, x-vector), ASR encoders (QuartzNet,
Citrinet, FastConformer, Zipformer pieces, Moonshine), enhancement (DTLN, RNNoise, DeepFilterNet-style), KWS (BC-ResNet,
DS-CNN), sound events (CNN14, YAMNet-style) and small text models (BiLSTM-CRF, FastText), in plain torch 1.13 as their
projects write them (random weights; their export scripts' opsets and dynamic axes):

    /usr/bin/python3 scripts/export/sweep8_speech.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --input-shape ... --out-dir OUT_DIR/tflite

Keep OUT_DIR outside the repository."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all, with_opsets  # noqa: E402
from sweep8_vits_flows import PiperVits, PiperDurations, Generator  # noqa: E402
from sweep8_tts import MelGAN, Vocos, StyleTTSProsody, remove_all_weight_norm  # noqa: E402
from sweep8_kokoro import KokoroGenerator  # noqa: E402
from sweep8_asr import EcapaTdnn, XVector, ConvASR  # noqa: E402
from sweep8_asr2 import FastConformer, ZipformerPieces, MoonshineEncoder  # noqa: E402
from sweep8_edge import DTLNStage, RNNoiseStep, DeepFilterLite, BCResNet, DSCNN  # noqa: E402
from sweep8_edge2 import Cnn14, YamNet, BiLstmCrf, FastTextBag, FastTextPadded  # noqa: E402

torch.manual_seed(0)


def piper():
    m = PiperVits()
    ids = torch.randint(1, 59, (1, 20))
    args = (ids, torch.tensor([20]), torch.tensor([0.667, 1.0, 0.8]), torch.randn(1, 2, 20), torch.randn(1, 32, 400))
    # piper's export_onnx.py: opset 15, dynamic phonemes and output time
    return m, args, {'names': ['input', 'input_lengths', 'scales', 'noise_dp', 'noise'], 'outputs': ['output'], 'opset': 15,
                     'dynamic': {'input': {0: 'batch_size', 1: 'phonemes'}, 'input_lengths': {0: 'batch_size'},
                                 'noise_dp': {2: 'phonemes'}, 'output': {0: 'batch_size', 1: 'time'}}}


def piper_durations():
    args = (torch.randint(1, 59, (1, 20)), torch.tensor([20]), torch.tensor([0.667, 1.0, 0.8]), torch.randn(1, 2, 20))
    return PiperDurations(), args, {'names': ['input', 'input_lengths', 'scales', 'noise_dp'], 'outputs': ['logw', 'w_ceil', 'y_lengths'],
                                    'opset': 15, 'dynamic': {'input': {0: 'batch_size', 1: 'phonemes'}, 'input_lengths': {0: 'batch_size'},
                                                             'noise_dp': {2: 'phonemes'}}}


def hifigan():
    g = Generator(80, rates=(8, 8, 2, 2), kernels=(16, 16, 4, 4), ch=128).remove_weight_norm()
    return g, torch.randn(1, 80, 32), {'names': ['mel'], 'outputs': ['audio'], 'opset': 13, 'dynamic': {'mel': {2: 'frames'}, 'audio': {2: 'samples'}}}


def dyn_time(name, axis=2):
    return {'names': [name], 'dynamic': {name: {axis: 'time'}}}


MODELS8 = {
    'piper_vits': piper,
    'piper_durations': piper_durations,
    'hifigan_v1': hifigan,
    'melgan': lambda: (remove_all_weight_norm(MelGAN()), torch.randn(1, 80, 32), dict(dyn_time('mel'), opset=11)),
    'vocos_istft': lambda: (Vocos(), torch.randn(1, 100, 40), dict(dyn_time('mels'), opset=17)),
    'styletts_prosody': lambda: (remove_all_weight_norm(StyleTTSProsody()), (torch.randn(1, 64, 16), torch.randn(1, 64), torch.randn(1, 64, 30)),
                                 {'names': ['d_en', 'style', 'en'], 'opset': 14}),
    'kokoro_istftnet': lambda: (remove_all_weight_norm(KokoroGenerator()), (torch.randn(1, 64, 16), torch.randn(1, 64), torch.randn(1, 4800)),
                                {'names': ['x', 'style', 'har'], 'outputs': ['audio'], 'opset': 17}),
    'ecapa_tdnn': lambda: (EcapaTdnn(), (torch.randn(1, 200, 80), torch.tensor([1.0])), {'names': ['feats', 'wav_lens'], 'outputs': ['embeddings'],
                            'dynamic': {'feats': {0: 'batch', 1: 'frames'}, 'wav_lens': {0: 'batch'}}}),
    'xvector': lambda: (XVector(), torch.randn(1, 150, 24), {'names': ['feats'], 'dynamic': {'feats': {1: 'frames'}}}),
    'quartznet': lambda: (ConvASR('quartznet'), (torch.randn(2, 64, 160), torch.tensor([160, 121])),
                          {'names': ['audio_signal', 'length'], 'outputs': ['logprobs', 'encoded_lengths'], 'opset': 16,
                           'dynamic': {'audio_signal': {0: 'B', 2: 'T'}, 'length': {0: 'B'}, 'logprobs': {0: 'B', 1: 'T'}}}),
    'citrinet': lambda: (ConvASR('citrinet', feat=80), (torch.randn(2, 80, 160), torch.tensor([160, 121])),
                         {'names': ['audio_signal', 'length'], 'outputs': ['logprobs', 'encoded_lengths'], 'opset': 16,
                          'dynamic': {'audio_signal': {0: 'B', 2: 'T'}, 'length': {0: 'B'}, 'logprobs': {0: 'B', 1: 'T'}}}),
    'fastconformer': lambda: (FastConformer(), (torch.randn(2, 80, 160), torch.tensor([160, 121])),
                              {'names': ['audio_signal', 'length'], 'outputs': ['outputs', 'encoded_lengths'], 'opset': 16,
                               'dynamic': {'audio_signal': {0: 'B', 2: 'T'}, 'length': {0: 'B'}, 'outputs': {0: 'B', 2: 'T'}}}),
    'zipformer_pieces': lambda: (ZipformerPieces(), torch.randn(45, 1, 48), {'names': ['x'], 'opset': 13, 'dynamic': {'x': {0: 'T'}}}),
    'moonshine_encoder': lambda: (MoonshineEncoder(), torch.randn(1, 16000), {'names': ['input_values'], 'opset': 17,
                                  'dynamic': {'input_values': {1: 'samples'}}}),
    'dtln_stage1': lambda: (DTLNStage(1), (torch.rand(1, 1, 257), torch.randn(1, 2, 128, 2)), {'names': ['magnitude', 'states_in'], 'outputs': ['mask', 'states_out'], 'opset': 12}),
    'dtln_stage2': lambda: (DTLNStage(2), (torch.randn(1, 1, 512), torch.randn(1, 2, 128, 2)), {'names': ['frame', 'states_in'], 'outputs': ['out', 'states_out'], 'opset': 12}),
    'rnnoise_step': lambda: (RNNoiseStep(), (torch.randn(1, 1, 42), torch.zeros(1, 1, 24), torch.zeros(1, 1, 48), torch.zeros(1, 1, 96)),
                             {'names': ['features', 'vad_state', 'noise_state', 'denoise_state']}),
    'deepfilter_erb': lambda: (DeepFilterLite(), torch.randn(1, 1, 20, 161, 2), {'names': ['spec'], 'opset': 14}),
    'bc_resnet': lambda: (BCResNet(), torch.randn(1, 1, 40, 101)),
    'ds_cnn': lambda: (DSCNN(), torch.randn(1, 1, 49, 10)),
    'cnn14_16k': lambda: (Cnn14(), torch.randn(1, 16000), {'names': ['input'], 'outputs': ['clipwise_output', 'embedding'],
                          'dynamic': {'input': {1: 'samples'}}}),
    'yamnet_style': lambda: (YamNet(), torch.randn(1, 96, 64), {'names': ['patch']}),
    'bilstm_crf': lambda: (BiLstmCrf(), torch.randint(0, 500, (1, 12)), {'names': ['tokens'], 'outputs': ['tags', 'score']}),
    'fasttext_bag': lambda: (FastTextBag(), (torch.randint(0, 1000, (30,)), torch.tensor([0, 7, 19])), {'names': ['text', 'offsets']}),
    'fasttext_padded': lambda: (FastTextPadded(), torch.randint(0, 1000, (3, 16)), {'names': ['text'], 'dynamic': {'text': {0: 'B'}}}),
}


with_opsets(MODELS8, [
    ('ecapa_tdnn', 17), ('quartznet', 11), ('fastconformer', 13), ('dtln_stage2', 17), ('bilstm_crf', 11),
    ('piper_durations', 13), ('piper_durations', 17)])


def main():
    export_all(MODELS8, sys.argv, default_opset=None)


if __name__ == '__main__':
    main()
