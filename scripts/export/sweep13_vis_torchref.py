#!/usr/bin/env python3
"""For a thirteenth-sweep model whose ONNX file onnxruntime refuses (DINO: torch 1.13 exports the sine embedding's
`10000 ** t` of its run-time reference boxes in double, and the MatMul after it mixes double and float, which
onnxruntime refuses to load), exports the model to OUT_DIR/NAME.onnx with its inputs and PyTorch's outputs beside
it for scripts/check-vs-torch.ts (as sweep12_vis_torchref.py does):

    /usr/bin/python3 scripts/export/sweep13_vis_torchref.py OUT_DIR NAME"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep12_vis_torchref import export_with_reference  # noqa: E402
from sweep13_vis import MODELS  # noqa: E402

if __name__ == '__main__':
    export_with_reference(MODELS, sys.argv)
