#!/usr/bin/env python3
"""Twenty-second sweep (docs/model-sweep.md "Twenty-second sweep (sequence)"): language-model blocks, speech, time-series
foundation models, set / graph nets and scripted control flow not tried in the twenty-one earlier sweeps, in plain
torch 1.13 as their projects write them (random weights, small widths): language models (sweep22_seq_lm.py), speech
and audio (sweep22_seq_audio.py), forecasters, sets and graphs (sweep22_seq_rec.py), torch.jit.script loops exported
as ONNX Loop / If (sweep22_seq_cf.py):

    /usr/bin/python3 scripts/export/sweep22_seq.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx -o OUT_DIR/tflite/NAME.tflite
    /usr/bin/python3 scripts/export/sweep22_seq.py --reference OUT_DIR NAME

--reference: for a model whose inputs are ids, masks, positions or a graph (the self-check's seeded integers and
floats check little there), exports it to OUT_DIR/NAME.onnx with its own inputs and PyTorch's outputs beside it
(in_*.npy / out_*.npy) for scripts/check-vs-torch.ts.

Keep OUT_DIR outside the repository."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402

import sweep22_seq_lm  # noqa: E402

MODELS22 = {**sweep22_seq_lm.MODELS}
for extra in ('sweep22_seq_audio', 'sweep22_seq_rec', 'sweep22_seq_cf'):
    if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), extra + '.py')):
        MODELS22.update(__import__(extra).MODELS)

if __name__ == '__main__':
    if sys.argv[1:2] == ['--reference']:
        from sweep12_vis_torchref import export_with_reference
        export_with_reference(MODELS22, sys.argv[1:])
    else:
        export_all(MODELS22, sys.argv, default_opset=None)
