#!/usr/bin/env python3
"""Fifteenth sweep (docs/model-sweep.md "Fifteenth sweep (sequence)"): speech, language and time-series families not
tried in the fourteen earlier sweeps, in plain torch 1.13 as their projects write them (random weights, small widths;
their export scripts' opsets, dynamic axes and cache names): decoder steps and causal models (sweep15_seq_lm.py),
audio / speech encoders, separators and a vision tower (sweep15_seq_audio.py), forecasters (sweep15_seq_ts.py):

    /usr/bin/python3 scripts/export/sweep15_seq.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx [--input-shape ...] -o OUT_DIR/tflite/NAME.tflite

Keep OUT_DIR outside the repository."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402

import sweep15_seq_lm  # noqa: E402

MODELS15 = {**sweep15_seq_lm.MODELS}
for extra in ('sweep15_seq_audio', 'sweep15_seq_ts'):
    if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), extra + '.py')):
        MODELS15.update(__import__(extra).MODELS)

if __name__ == '__main__':
    export_all(MODELS15, sys.argv, default_opset=None)
