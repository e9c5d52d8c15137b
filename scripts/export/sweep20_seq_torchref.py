#!/usr/bin/env python3
"""For a twentieth-sweep model whose inputs are ids, masks, lengths, time features or a graph (the self-check seeds
integers by its rules and floats uniform in [0, 1), which check little or land where the model is not defined),
exports the model to OUT_DIR/NAME/NAME.onnx with its own inputs and PyTorch's outputs beside it for
scripts/check-vs-torch.ts (as sweep19_seq_torchref.py does):

    /usr/bin/python3 scripts/export/sweep20_seq_torchref.py OUT_DIR NAME"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep12_vis_torchref import export_with_reference  # noqa: E402
from sweep20_seq import MODELS20  # noqa: E402

if __name__ == '__main__':
    export_with_reference(MODELS20, sys.argv)
