#!/usr/bin/env python3
"""For a twelfth-sweep model whose ONNX file onnxruntime refuses (RIFE: torch 1.13's trace of its warp casts the
sampling grid to float64, and onnxruntime has no GridSample kernel for a double grid), exports the model to
OUT_DIR/NAME.onnx and saves its inputs and PyTorch's outputs as in_<name>.npy / out_<name>.npy beside it for
scripts/check-vs-torch.ts (the same weights: one seeded build for both):

    /usr/bin/python3 scripts/export/sweep12_vis_torchref.py OUT_DIR NAME"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import save_torch_reference  # noqa: E402
from sweep12_vis import MODELS  # noqa: E402


def export_with_reference(models, argv):
    """Exports models[argv[2]] into argv[1] with its inputs and PyTorch's outputs (sweep13_vis_torchref.py too)."""
    out, name = argv[1], argv[2]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    m, x, opts = models[name]()
    m.eval()
    args = x if isinstance(x, tuple) else (x,)
    torch.onnx.export(m, args, os.path.join(out, f'{name}.onnx'), opset_version=opts['opset'],
                      input_names=opts['names'], output_names=opts['outputs'], dynamic_axes=opts.get('dynamic'))
    save_torch_reference(out, m, args, opts)


def main():
    export_with_reference(MODELS, sys.argv)


if __name__ == '__main__':
    main()
