#!/usr/bin/env python3
"""Thirteenth sweep (docs/model-sweep.md "Thirteenth sweep (speech, language, sequence)"): sequence models not tried
before, in plain torch 1.13 as their projects write them (random weights, small widths; their export scripts' opsets,
dynamic axes and KV-cache names): LLM decoder steps (sweep13_seq_lm.py), text encoders (sweep13_seq_enc.py) and
recurrent / state-space steps and audio pieces (sweep13_seq_rec.py):

    /usr/bin/python3 scripts/export/sweep13_seq.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --input-shape ... -o OUT_DIR/tflite/NAME.tflite

Keep OUT_DIR outside the repository."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402

import sweep13_seq_enc  # noqa: E402
import sweep13_seq_lm  # noqa: E402
import sweep13_seq_rec  # noqa: E402

MODELS13 = {**sweep13_seq_lm.MODELS, **sweep13_seq_enc.MODELS, **sweep13_seq_rec.MODELS}

if __name__ == '__main__':
    export_all(MODELS13, sys.argv, default_opset=None)
