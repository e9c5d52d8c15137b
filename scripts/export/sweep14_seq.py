#!/usr/bin/env python3
"""Fourteenth sweep (docs/model-sweep.md "Fourteenth sweep (speech, language, sequence)"): sequence models not tried
in the thirteen earlier sweeps, in plain torch 1.13 as their projects write them (random weights, small widths; their
export scripts' opsets, dynamic axes and KV-cache names): LLM decoder steps (sweep14_seq_lm.py), encoders, audio
generators and time-series / graph models (sweep14_seq_misc.py, sweep14_seq_ts.py):

    /usr/bin/python3 scripts/export/sweep14_seq.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --input-shape ... -o OUT_DIR/tflite/NAME.tflite
    node --import tsx scripts/check-with-inputs.ts OUT_DIR/NAME.onnx --input-shape ... [--value NAME=V,...]

The sizes each model was converted at are listed in docs/model-sweep.md's section.

Keep OUT_DIR outside the repository."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402

import sweep14_seq_lm  # noqa: E402
import sweep14_seq_misc  # noqa: E402
import sweep14_seq_ts  # noqa: E402

MODELS14 = {**sweep14_seq_lm.MODELS, **sweep14_seq_misc.MODELS, **sweep14_seq_ts.MODELS}

if __name__ == '__main__':
    export_all(MODELS14, sys.argv, default_opset=None)
