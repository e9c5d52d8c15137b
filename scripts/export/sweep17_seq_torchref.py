#!/usr/bin/env python3
"""For a seventeenth-sweep model whose inputs are token / item ids or lengths (the self-check seeds integers 0 or
ids it guesses, which check little: one id over every position, a masked-out history), exports the model to
OUT_DIR/NAME/NAME.onnx with its own inputs (real ids, padded rows, lengths) and PyTorch's outputs beside it for
scripts/check-vs-torch.ts (as sweep16_seq_torchref.py does):

    /usr/bin/python3 scripts/export/sweep17_seq_torchref.py OUT_DIR NAME"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep12_vis_torchref import export_with_reference  # noqa: E402
from sweep17_seq import MODELS17  # noqa: E402

if __name__ == '__main__':
    export_with_reference(MODELS17, sys.argv)
