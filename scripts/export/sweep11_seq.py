#!/usr/bin/env python3
"""Eleventh sweep (docs/model-sweep.md "Eleventh sweep: speech, language and control flow"): the tenth sweep's
leftovers in the forms their users run in onnxruntime (HDemucs' LocalState with its self-reference mask built as a
float eye, Emformer's streaming state with an int64 past length), then control flow as scripted code writes it
(sweep11_seq_cf.py), TTS / codecs (sweep11_seq_tts.py), ASR encoders (sweep11_seq_asr.py) and language / sequence
models (sweep11_seq_lm.py), in plain torch 1.13 as their projects write them (random weights; their export scripts'
opsets and dynamic axes):

    /usr/bin/python3 scripts/export/sweep11_seq.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --input-shape ... -o OUT_DIR/tflite/NAME.tflite

Keep OUT_DIR outside the repository."""
import math
import os
import sys

import torch
from torchaudio.models import _hdemucs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402
import sweep10_seq_tts as tts  # noqa: E402
import sweep10_seq_misc as misc  # noqa: E402


def local_state_forward(self, x):
    """torchaudio's _LocalState.forward with the self-reference mask written `torch.eye(T) > 0` (a float EyeLike, which
    onnxruntime runs) instead of `torch.eye(T, dtype=torch.bool)` (an EyeLike of bool, which it has no kernel for)."""
    B, C, T = x.shape
    heads = self.heads
    indexes = torch.arange(T, device=x.device, dtype=x.dtype)
    delta = indexes[:, None] - indexes[None, :]
    queries = self.query(x).view(B, heads, -1, T)
    keys = self.key(x).view(B, heads, -1, T)
    dots = torch.einsum('bhct,bhcs->bhts', keys, queries)
    dots /= math.sqrt(keys.shape[2])
    if self.ndecay:
        decays = torch.arange(1, self.ndecay + 1, device=x.device, dtype=x.dtype)
        decay_q = self.query_decay(x).view(B, heads, -1, T)
        decay_q = torch.sigmoid(decay_q) / 2
        decay_kernel = -decays.view(-1, 1, 1) * delta.abs() / math.sqrt(self.ndecay)
        dots += torch.einsum('fts,bhfs->bhts', decay_kernel, decay_q)
    dots = dots.masked_fill(torch.eye(T, device=dots.device, dtype=dots.dtype) > 0, -100)
    weights = torch.softmax(dots, dim=2)
    content = self.content(x).view(B, heads, -1, T)
    result = torch.einsum('bhts,bhct->bhcs', weights, content)
    result = result.reshape(B, -1, T)
    return x + self.proj(result)


def hdemucs_core_ort():
    _hdemucs._LocalState.forward = local_state_forward
    return tts.hdemucs_core()


HD_LEN = 44100
EMF_NAMES = misc.EMF_NAMES


def emformer_states_int64():
    """The streaming state with the past length as int64 (as icefall / sherpa-onnx's Emformer exports keep their
    processed lengths)."""
    return [s.long() if s.dtype == torch.int32 else s for s in misc.emformer_states()]


def emformer_int64_bounds():
    """torchaudio's Emformer with `torch.max(lengths).int()` read as `.long()` (in _gen_padding_mask and the
    attention's _forward_impl): the int32 right-context length was one of a Slice's bounds beside int64 ones, which
    onnxruntime refuses to load; icefall's Emformer (what sherpa-onnx exports) keeps these lengths int64."""
    import inspect
    import textwrap
    from torchaudio.models import emformer
    for owner, name in ((emformer, '_gen_padding_mask'), (emformer._EmformerAttention, '_forward_impl')):
        src = textwrap.dedent(inspect.getsource(getattr(owner, name))).replace('torch.max(lengths).int()', 'torch.max(lengths).long()')
        ns = {}
        exec(compile(src, emformer.__file__, 'exec'), emformer.__dict__, ns)  # noqa: S102 — torchaudio's own source, one token changed
        setattr(owner, name, ns[name])
    return misc.EmformerStreaming(misc.RNNT)


MODELS11 = {
    'hdemucs_core_ort': lambda: (hdemucs_core_ort(), (torch.randn(1, 2, HD_LEN), torch.randn(1, 4, 2048, math.ceil(HD_LEN / 1024))),
                                 {'names': ['mix', 'spec'], 'outputs': ['time_sources', 'freq_spec'], 'opset': 17}),
    'emformer_streaming_i64': lambda: (emformer_int64_bounds(), (torch.randn(1, 20, 40), torch.tensor([20]), *emformer_states_int64()),
                                       {'names': ['x', 'x_lens'] + EMF_NAMES, 'outputs': ['encoder_out', 'encoder_out_lens'] + ['new_' + n for n in EMF_NAMES],
                                        'opset': 13}),
}

for extra in ('sweep11_seq_cf', 'sweep11_seq_tts', 'sweep11_seq_asr', 'sweep11_seq_lm'):
    try:
        MODELS11.update(__import__(extra).MODELS)
    except ImportError as e:
        if e.name != extra:
            raise


def main():
    export_all(MODELS11, sys.argv, default_opset=None)


if __name__ == '__main__':
    main()
