#!/usr/bin/env python3
"""For a sixteenth-sweep model whose ONNX file onnxruntime refuses (Moirai's `torch.eye(n, dtype=torch.bool)` is
exported as EyeLike of bool, which onnxruntime has no kernel for), exports the model to OUT_DIR/NAME.onnx with its
inputs and PyTorch's outputs beside it for scripts/check-vs-torch.ts (as sweep15_vis_torchref.py does):

    /usr/bin/python3 scripts/export/sweep16_seq_torchref.py OUT_DIR NAME"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep12_vis_torchref import export_with_reference  # noqa: E402
from sweep16_seq import MODELS16  # noqa: E402

if __name__ == '__main__':
    export_with_reference(MODELS16, sys.argv)
