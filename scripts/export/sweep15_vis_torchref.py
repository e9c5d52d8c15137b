#!/usr/bin/env python3
"""For a fifteenth-sweep model whose ONNX file onnxruntime refuses (IFRNet's warp and InternImage's DCNv3 build their
sampling grids with torch.linspace, which torch 1.13 exports in double: GridSample on a double grid has no
onnxruntime kernel), exports the model to OUT_DIR/NAME.onnx with its inputs and PyTorch's outputs beside it for
scripts/check-vs-torch.ts (as sweep13_vis_torchref.py does):

    /usr/bin/python3 scripts/export/sweep15_vis_torchref.py OUT_DIR NAME"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep12_vis_torchref import export_with_reference  # noqa: E402
from sweep15_vis import MODELS  # noqa: E402

if __name__ == '__main__':
    export_with_reference(MODELS, sys.argv)
