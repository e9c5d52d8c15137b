#!/usr/bin/env python3
"""Ninth sweep (docs/model-sweep.md "Ninth sweep: speech, audio and generative audio"): sherpa-onnx / FunASR ASR
(Paraformer, SenseVoice, streaming Zipformer, NeMo cache-aware FastConformer), TTS pieces (FastSpeech2, Matcha-TTS'
decoder step, MeloTTS / VITS2, StyleTTS / Kitten decoder), neural codecs (EnCodec, DAC, SNAC, Mimi), enhancement and
separation (DCCRN, NSNet2, FullSubNet, Open-Unmix, SepFormer, GTCRN), speaker / emotion (WavLM, CAM++, ERes2Net), tagging
(AST, EfficientAT), wake words (microWakeWord) and music (Demucs, Basic Pitch), in plain torch 1.13 as their projects
write them (random weights; their export scripts' opsets and dynamic axes):

    /usr/bin/python3 scripts/export/sweep9_audio.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --input-shape ... --out-dir OUT_DIR/tflite

Keep OUT_DIR outside the repository."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all, calibrated  # noqa: E402
from sweep9_audio_asr import ParaformerEncoder, ParaformerCif, Paraformer, index_put_bool_mask, SenseVoiceSmall, StreamingZipformer, StreamingFastConformer  # noqa: E402
from sweep9_audio_tts import FastSpeech2, MatchaStep, MeloTextEncoderDp, TransformerCouplingFlow, StyleTTSDecoder  # noqa: E402
from sweep8_tts import remove_all_weight_norm  # noqa: E402
from sweep9_audio_enh import DCCRN, NSNet2, FullSubNet, OpenUnmix, SepFormer, GTCRN  # noqa: E402
from sweep9_audio_cls import WavLM, CAMPPlus, ERes2Net, AST, efficientat_mn, MicroWakeWord, Demucs, BasicPitch  # noqa: E402
from sweep9_audio_codec import EncodecEncoder, EncodecDecoder, DacCodec, MimiEncoder  # noqa: E402

torch.manual_seed(0)

FUNASR_DYN = {'speech': {0: 'batch_size', 1: 'feats_length'}, 'speech_lengths': {0: 'batch_size'}}


def paraformer(cls, **kw):
    return lambda: (cls(), (torch.randn(2, 40, 560), torch.tensor([40, 31])), {'names': ['speech', 'speech_lengths'], 'opset': 14,
                    'dynamic': FUNASR_DYN, 'symbolics': {'aten::index_put': index_put_bool_mask}, **kw})


MODELS9 = {
    'paraformer_encoder': paraformer(ParaformerEncoder),
    'paraformer_cif': paraformer(ParaformerCif),
    'paraformer': paraformer(Paraformer, outputs=['logits', 'token_num'],
                             dynamic=dict(FUNASR_DYN, logits={0: 'batch_size', 1: 'logits_length'}, token_num={0: 'batch_size'})),
    'sensevoice_small': lambda: (SenseVoiceSmall(), (torch.randn(2, 40, 560), torch.tensor([40, 31]), torch.tensor([0, 3]), torch.tensor([14, 15])),
                                 {'names': ['speech', 'speech_lengths', 'language', 'textnorm'], 'outputs': ['ctc_logits', 'encoder_out_lens'],
                                  'opset': 14, 'dynamic': dict(FUNASR_DYN, language={0: 'batch_size'}, textnorm={0: 'batch_size'},
                                                               ctc_logits={0: 'batch_size', 1: 'logits_length'})}),
    'zipformer_streaming': lambda: (StreamingZipformer(), (torch.randn(1, 23, 80), torch.tensor([23]), torch.randn(2, 16, 1, 64),
                                    torch.randn(2, 16, 1, 64), torch.randn(2, 1, 64, 14), torch.tensor([5])),
                                    {'names': ['x', 'x_lens', 'cached_key', 'cached_val', 'cached_conv', 'processed_lens'],
                                     'outputs': ['encoder_out', 'encoder_out_lens', 'new_cached_key', 'new_cached_val', 'new_cached_conv',
                                                 'new_processed_lens'], 'opset': 13,
                                     'dynamic': {'x': {0: 'N'}, 'x_lens': {0: 'N'}, 'cached_key': {2: 'N'}, 'cached_val': {2: 'N'},
                                                 'cached_conv': {1: 'N'}, 'processed_lens': {0: 'N'}}}),
    'nemo_fastconformer_streaming': lambda: (StreamingFastConformer(), (torch.randn(1, 80, 33), torch.tensor([33]), torch.randn(1, 2, 24, 64),
                                             torch.randn(1, 2, 64, 8), torch.tensor([10])),
                                             {'names': ['audio_signal', 'length', 'cache_last_channel', 'cache_last_time', 'cache_last_channel_len'],
                                              'outputs': ['outputs', 'encoded_lengths', 'cache_last_channel_next', 'cache_last_time_next',
                                                          'cache_last_channel_next_len'], 'opset': 17,
                                              'dynamic': {'audio_signal': {0: 'B', 2: 'T'}, 'length': {0: 'B'}, 'cache_last_channel': {0: 'B'},
                                                          'cache_last_time': {0: 'B'}, 'cache_last_channel_len': {0: 'B'}}}),
    'fastspeech2': lambda: (FastSpeech2(), (torch.randint(1, 60, (1, 12)), torch.tensor([12]), torch.tensor(1.0)),
                            {'names': ['texts', 'src_lens', 'd_control'], 'outputs': ['mel', 'durations'], 'opset': 13,
                             'dynamic': {'texts': {1: 'T'}, 'mel': {2: 'T_mel'}}}),
    'fastspeech2_matmul_lr': lambda: (FastSpeech2(matmul_lr=True), (torch.randint(1, 60, (1, 12)), torch.tensor([12]), torch.tensor(1.0)),
                                      {'names': ['texts', 'src_lens', 'd_control'], 'outputs': ['mel', 'durations'], 'opset': 13,
                                       'dynamic': {'texts': {1: 'T'}, 'mel': {2: 'T_mel'}}}),
    'fastspeech2_static': lambda: (FastSpeech2(), (torch.randint(1, 60, (1, 12)), torch.tensor([12]), torch.tensor(1.0)),
                                   {'names': ['texts', 'src_lens', 'd_control'], 'outputs': ['mel', 'durations'], 'opset': 13}),
    'fastspeech2_espnet_lr': lambda: (FastSpeech2(espnet_lr=True), (torch.randint(1, 60, (1, 12)), torch.tensor([12]), torch.tensor(1.0)),
                                      {'names': ['texts', 'src_lens', 'd_control'], 'outputs': ['mel', 'durations'], 'opset': 13,
                                       'dynamic': {'texts': {1: 'T'}, 'mel': {2: 'T_mel'}}}),
    'fastspeech2_variance': lambda: (FastSpeech2(full=False), (torch.randint(1, 60, (1, 12)), torch.tensor([12]), torch.tensor(1.0)),
                                     {'names': ['texts', 'src_lens', 'd_control'], 'outputs': ['x', 'durations', 'pitch', 'energy'], 'opset': 13,
                                      'dynamic': {'texts': {0: 'B', 1: 'T'}, 'src_lens': {0: 'B'}}}),
    'matcha_step': lambda: (MatchaStep(), (torch.randn(1, 80, 32), torch.ones(1, 1, 32), torch.randn(1, 80, 32), torch.tensor([0.3]), torch.tensor(0.1)),
                            {'names': ['x', 'mask', 'mu', 't', 'dt'], 'outputs': ['x_next'], 'opset': 15,
                             'dynamic': {'x': {0: 'B', 2: 'T'}, 'mask': {0: 'B', 2: 'T'}, 'mu': {0: 'B', 2: 'T'}, 't': {0: 'B'}}}),
    'melotts_encoder_dp': lambda: (MeloTextEncoderDp(), (torch.randint(1, 60, (1, 14)), torch.tensor([14]), torch.randint(0, 16, (1, 14)),
                                   torch.randint(0, 8, (1, 14)), torch.randn(1, 96, 14), torch.randn(1, 96, 14), torch.tensor([1])),
                                   {'names': ['x', 'x_lengths', 'tone', 'language', 'bert', 'ja_bert', 'sid'], 'outputs': ['logw', 'm_p', 'logs_p', 'x_mask'],
                                    'opset': 15, 'dynamic': {'x': {0: 'B', 1: 'T'}, 'x_lengths': {0: 'B'}, 'tone': {0: 'B', 1: 'T'}, 'language': {0: 'B', 1: 'T'},
                                                             'bert': {0: 'B', 2: 'T'}, 'ja_bert': {0: 'B', 2: 'T'}, 'sid': {0: 'B'}}}),
    'vits2_flow': lambda: (TransformerCouplingFlow(), (torch.randn(1, 32, 40), torch.ones(1, 1, 40), torch.tensor([2])),
                           {'names': ['z_p', 'y_mask', 'sid'], 'outputs': ['z'], 'opset': 15, 'dynamic': {'z_p': {2: 'T'}, 'y_mask': {2: 'T'}}}),
    'styletts_decoder': lambda: (remove_all_weight_norm(StyleTTSDecoder()), (torch.randn(1, 64, 8), torch.randn(1, 16), torch.randn(1, 16), torch.randn(1, 64),
                                 torch.randn(1, 4800)), {'names': ['asr', 'F0_pred', 'N_pred', 'ref_s', 'har'], 'outputs': ['audio'], 'opset': 17}),
    'encodec_encoder': lambda: (EncodecEncoder(), torch.randn(1, 1, 9600), {'names': ['audio'], 'outputs': ['codes'], 'opset': 17}),
    'encodec_decoder': lambda: (EncodecDecoder(), torch.randint(0, 64, (4, 1, 30)), {'names': ['codes'], 'outputs': ['audio'], 'opset': 17,
                                'dynamic': {'codes': {2: 'frames'}, 'audio': {2: 'samples'}}}),
    'dac_codec': lambda: (DacCodec(), torch.randn(1, 1, 4000), {'names': ['audio'], 'outputs': ['audio_hat', 'codes_0', 'codes_3'], 'opset': 17,
                          'dynamic': {'audio': {2: 'samples'}}}),
    'snac_codec': lambda: (DacCodec(strides_q=(4, 2, 1)), torch.randn(1, 1, 4000), {'names': ['audio'], 'outputs': ['audio_hat', 'codes_0', 'codes_2'],
                           'opset': 17, 'dynamic': {'audio': {2: 'samples'}}}),
    'mimi_encoder': lambda: (MimiEncoder(), torch.randn(1, 1, 19200), {'names': ['audio'], 'outputs': ['codes'], 'opset': 17}),
    'dccrn': lambda: (DCCRN(), torch.randn(1, 1, 1072), {'names': ['wav'], 'outputs': ['enhanced'], 'opset': 13}),
    'dccrn_cmask': lambda: (DCCRN(mode='C'), torch.randn(1, 1, 1072), {'names': ['wav'], 'outputs': ['enhanced'], 'opset': 13}),
    'nsnet2': lambda: (NSNet2(), (torch.randn(1, 50, 161), torch.zeros(2, 1, 64)), {'names': ['features', 'h0'], 'outputs': ['gains', 'hn'], 'opset': 12,
                       'dynamic': {'features': {1: 'frames'}, 'gains': {1: 'frames'}}}),
    'fullsubnet': lambda: (FullSubNet(), torch.rand(1, 1, 65, 40), {'names': ['noisy_mag'], 'outputs': ['cirm'], 'opset': 12}),  # F.unfold's (2n+1, T) kernel: no dynamic T
    'open_unmix': lambda: (OpenUnmix(), torch.rand(1, 2, 257, 30), {'names': ['spectrogram'], 'outputs': ['target'], 'opset': 13,
                           'dynamic': {'spectrogram': {0: 'B', 3: 'frames'}, 'target': {0: 'B', 3: 'frames'}}}),
    'sepformer': lambda: (SepFormer(), torch.randn(1, 4000), {'names': ['mix'], 'outputs': ['est_sources'], 'opset': 14}),
    'gtcrn': lambda: (GTCRN(), torch.randn(1, 257, 30, 2), {'names': ['mix'], 'outputs': ['enh'], 'opset': 14, 'dynamic': {'mix': {2: 'T'}, 'enh': {2: 'T'}}}),
    'wavlm': lambda: (WavLM(), torch.randn(1, 16000), {'names': ['source'], 'outputs': ['hidden'], 'opset': 14,
                      'dynamic': {'source': {0: 'B', 1: 'samples'}, 'hidden': {0: 'B', 1: 'frames'}}}),
    'campplus': lambda: (CAMPPlus(), torch.randn(1, 150, 80), {'names': ['feats'], 'outputs': ['embedding'], 'opset': 13,
                         'dynamic': {'feats': {0: 'B', 1: 'T'}}}),
    'eres2net': lambda: (ERes2Net(), torch.randn(1, 120, 80), {'names': ['feats'], 'outputs': ['embedding'], 'opset': 13,
                         'dynamic': {'feats': {0: 'B', 1: 'T'}}}),
    'ast': lambda: (AST(), torch.randn(1, 100, 128), {'names': ['fbank'], 'outputs': ['logits'], 'opset': 14}),
    'efficientat_mn': lambda: (*calibrated(efficientat_mn(), torch.randn(1, 1, 128, 100)), {'names': ['mel'], 'outputs': ['logits'], 'opset': 13,
                               'dynamic': {'mel': {3: 'frames'}}}),
    'microwakeword': lambda: (MicroWakeWord(), (torch.randn(1, 3, 40), torch.randn(1, 40, 2), torch.randn(1, 32, 4), torch.randn(1, 16, 6),
                              torch.randn(1, 16, 10), torch.randn(1, 16, 8), torch.randn(1, 16, 14)),
                              {'names': ['features'] + [f'state_{i}' for i in range(6)], 'outputs': ['probability'] + [f'new_state_{i}' for i in range(6)],
                               'opset': 13}),
    'demucs_unet': lambda: (Demucs(), torch.randn(1, 2, 4000), {'names': ['mix'], 'outputs': ['sources'], 'opset': 13}),
    'basic_pitch': lambda: (BasicPitch(), torch.randn(1, 43, 300), {'names': ['cqt'], 'outputs': ['contour', 'note', 'onset'], 'opset': 13,
                            'dynamic': {'cqt': {1: 'frames'}}}),
}


def main():
    export_all(MODELS9, sys.argv, default_opset=None)


if __name__ == '__main__':
    main()
