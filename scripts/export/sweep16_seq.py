#!/usr/bin/env python3
"""Sixteenth sweep (docs/model-sweep.md "Sixteenth sweep (sequence)"): language, multimodal, speech / audio,
time-series, recommender and graph families not tried in the fifteen earlier sweeps, in plain torch 1.13 as their
projects write them (random weights, small widths): language and multimodal (sweep16_seq_lm.py), speech and audio
(sweep16_seq_audio.py), forecasters (sweep16_seq_ts.py), recommenders and graph nets (sweep16_seq_rec.py):

    /usr/bin/python3 scripts/export/sweep16_seq.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx [--input-shape ...] -o OUT_DIR/tflite/NAME.tflite

Keep OUT_DIR outside the repository."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402

import sweep16_seq_lm  # noqa: E402

MODELS16 = {**sweep16_seq_lm.MODELS}
for extra in ('sweep16_seq_audio', 'sweep16_seq_ts', 'sweep16_seq_rec'):
    if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), extra + '.py')):
        MODELS16.update(__import__(extra).MODELS)

if __name__ == '__main__':
    export_all(MODELS16, sys.argv, default_opset=None)
