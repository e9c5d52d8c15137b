#!/usr/bin/env python3
"""Twentieth sweep (docs/model-sweep.md "Twentieth sweep (sequence)"): language, multimodal, speech / audio,
time-series, recommender and graph families not tried in the nineteen earlier sweeps, in plain torch 1.13 as their
projects write them (random weights, small widths): language and multimodal (sweep20_seq_lm.py), speech and audio
(sweep20_seq_audio.py), forecasters and spatio-temporal nets (sweep20_seq_ts.py), recommenders and graph nets
(sweep20_seq_rec.py):

    /usr/bin/python3 scripts/export/sweep20_seq.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx -o OUT_DIR/tflite/NAME.tflite

Keep OUT_DIR outside the repository."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402

import sweep20_seq_lm  # noqa: E402

MODELS20 = {**sweep20_seq_lm.MODELS}
for extra in ('sweep20_seq_audio', 'sweep20_seq_ts', 'sweep20_seq_rec'):
    if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), extra + '.py')):
        MODELS20.update(__import__(extra).MODELS)

if __name__ == '__main__':
    export_all(MODELS20, sys.argv, default_opset=None)
