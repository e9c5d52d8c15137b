#!/usr/bin/env python3
"""Seventh sweep, sequence / language / speech families (docs/model-sweep.md "Sequence, language and speech"):
Hugging Face-style decoders with past key / values (LLaMA, Mistral's sliding window, Qwen2, Phi, GPT-NeoX), Whisper's
encoder and optimum's two decoder files, CLIP's towers, T5 with relative buckets, sentence-transformers pooling,
DistilBERT, ALBERT, RWKV-4, Mamba, torchaudio's Conformer and RNN-T and a TCN spotter, in
plain torch (Debian's torch 1.13, random weights, nothing downloads), at torch's default opset (14) or the one
the name says; `_dynamic` models have dynamic axes (convert them with --input-shape):

    /usr/bin/python3 scripts/export/sweep7_seq.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --out-dir OUT_DIR/tflite   # self-check against onnxruntime

Keep OUT_DIR outside the repository. torch 1.13 cannot export torch.stft: the opset-17 STFT / DFT front ends are
written op for op by `node --import tsx scripts/export/exporter-patterns.ts DIR` (test/helpers/torch-stft-graphs.ts).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all, with_opsets  # noqa: E402
from sweep7_seq_models import HFDecoder, decoder_inputs, decoder_names, decoder_dynamic  # noqa: E402
from sweep7_seq_encoders import WhisperEncoder, WhisperDecoder, whisper_decoder_io, ClipText, ClipVision  # noqa: E402
from sweep7_seq_text import T5EncDec, MeanPooled, DistilBert, Albert  # noqa: E402
from sweep7_seq_audio import Rwkv4Step, Mamba, ScanScript, ConformerLengths, RnntPredictorStep, TcnKws  # noqa: E402

torch.manual_seed(0)


def decoder(style, kv_heads=2, seq=3, batch=2, dynamic=False, opset=None, **kw):
    m = HFDecoder(style, kv_heads=kv_heads, **kw)
    ins, outs = decoder_names()
    opts = {'names': ins, 'outputs': outs, 'opset': opset}
    if dynamic:
        opts['dynamic'] = decoder_dynamic()
    return m, decoder_inputs(style, batch=batch, seq=seq, kv_heads=kv_heads), opts


def whisper_decoder(step, dynamic=False):
    args, ins, outs = whisper_decoder_io(step)
    opts = {'names': ins, 'outputs': outs}
    if dynamic:
        opts['dynamic'] = {n: {2: 'frames' if 'encoder' in n else 'past'} for n in ins[2:]}
        opts['dynamic']['encoder_hidden_states'] = {1: 'frames'}
    return WhisperDecoder(step), args, opts


def tokens(b, s, vocab=100):
    return torch.randint(1, vocab - 1, (b, s))


def padded_mask(b, s):
    m = torch.ones(b, s, dtype=torch.long)
    m[-1, s - 3:] = 0
    return m


def text_io(names, b=2, s=10, dynamic=False):
    args = {'input_ids': tokens(b, s), 'attention_mask': padded_mask(b, s),
            'token_type_ids': torch.zeros(b, s, dtype=torch.long)}
    opts = {'names': names}
    if dynamic:
        opts['dynamic'] = {n: {0: 'batch', 1: 'seq'} for n in names}
    return tuple(args[n] for n in names), opts


def with_model(m, io):
    return (m,) + io


def t5():
    return T5EncDec(), (tokens(2, 10), padded_mask(2, 10), tokens(2, 5))


def mamba_scan():
    return torch.jit.script(ScanScript()), (torch.rand(1, 8, 16, 4), torch.randn(1, 8, 16, 4), torch.randn(1, 8, 4))


def rnnt():
    return RnntPredictorStep(), (torch.randint(0, 30, (1, 1)), torch.randn(1, 1, 64), torch.randn(1, 64),
                                 torch.randn(1, 64)), {'names': ['token', 'enc', 'h', 'c']}


MODELS7 = {
    'llama_hf': lambda: decoder('llama'),
    'llama_hf_dynamic': lambda: decoder('llama', dynamic=True),
    'llama_hf_step_op17': lambda: decoder('llama', seq=1, batch=1, opset=17),
    'mistral_sliding': lambda: decoder('mistral', window=4),
    'qwen2_mqa': lambda: decoder('qwen2', kv_heads=1),
    'phi_parallel': lambda: decoder('phi', kv_heads=4),
    'gpt_neox': lambda: decoder('neox', kv_heads=4),
    'whisper_encoder_op17': lambda: (WhisperEncoder(), torch.randn(1, 80, 200), {'names': ['input_features'], 'opset': 17}),
    'whisper_decoder_prompt': lambda: whisper_decoder(False),
    'whisper_decoder_step': lambda: whisper_decoder(True),
    'whisper_decoder_step_dynamic': lambda: whisper_decoder(True, dynamic=True),
    'clip_text_hf': lambda: with_model(ClipText(), text_io(['input_ids', 'attention_mask'])),
    'clip_text_hf_dynamic': lambda: with_model(ClipText(), text_io(['input_ids', 'attention_mask'], dynamic=True)),
    'clip_vision_hf': lambda: (ClipVision(), torch.randn(1, 3, 64, 64), {'names': ['pixel_values']}),
    't5_encdec': lambda: t5() + ({'names': ['input_ids', 'attention_mask', 'decoder_input_ids']},),
    't5_encdec_dynamic_op13': lambda: t5() + ({'names': ['input_ids', 'attention_mask', 'decoder_input_ids'], 'opset': 13,
                                               'dynamic': {'input_ids': {0: 'b', 1: 's'}, 'attention_mask': {0: 'b', 1: 's'},
                                                           'decoder_input_ids': {0: 'b', 1: 't'}}},),
    'minilm_mean_pool': lambda: with_model(MeanPooled(), text_io(['input_ids', 'attention_mask', 'token_type_ids'])),
    'minilm_mean_pool_dynamic': lambda: with_model(MeanPooled(), text_io(['input_ids', 'attention_mask', 'token_type_ids'], dynamic=True)),
    'distilbert': lambda: with_model(DistilBert(), text_io(['input_ids', 'attention_mask'])),
    'albert': lambda: with_model(Albert(), text_io(['input_ids', 'attention_mask', 'token_type_ids'])),
    'rwkv4_step': lambda: (Rwkv4Step(), (torch.tensor([5]), torch.randn(10, 64)), {'names': ['token', 'state']}),
    'mamba_loop': lambda: (Mamba('loop'), tokens(1, 12)),
    'mamba2_segsum': lambda: (Mamba('segsum'), tokens(1, 12)),
    'mamba_scan_script': lambda: mamba_scan() + ({'names': ['dA', 'dBx', 'C']},),
    'conformer_lengths': lambda: (ConformerLengths(), (torch.randn(2, 40, 64), torch.tensor([40, 29])), {'names': ['x', 'lengths']}),
    'rnnt_predictor_joiner': rnnt,
    'tcn_kws': lambda: (TcnKws(), torch.randn(1, 40, 101)),
}


with_opsets(MODELS7, [
    ('llama_hf', 13), ('qwen2_mqa', 17), ('phi_parallel', 11), ('gpt_neox', 17), ('whisper_decoder_step', 11),
    ('whisper_decoder_prompt', 17), ('clip_vision_hf', 17), ('t5_encdec', 11), ('distilbert', 11),
    ('albert', 17), ('minilm_mean_pool', 11), ('rwkv4_step', 11), ('mamba_loop', 17), ('mamba2_segsum', 17),
    ('conformer_lengths', 17), ('rnnt_predictor_joiner', 11), ('tcn_kws', 11)])


def main():
    export_all(MODELS7, sys.argv, default_opset=None)


if __name__ == '__main__':
    main()
