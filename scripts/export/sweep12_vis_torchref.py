#!/usr/bin/env python3
"""For a twelfth-sweep model whose ONNX file onnxruntime refuses (RIFE: torch 1.13's trace of its warp casts the
sampling grid to float64, and onnxruntime has no GridSample kernel for a double grid), exports the model to
OUT_DIR/NAME.onnx and saves its inputs and PyTorch's outputs as in_<name>.npy / out_<name>.npy beside it for
scripts/check-vs-torch.ts (the same weights: one seeded build for both):

    /usr/bin/python3 scripts/export/sweep12_vis_torchref.py OUT_DIR NAME"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep12_vis import MODELS  # noqa: E402


def main():
    out, name = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    m, x, opts = MODELS[name]()
    m.eval()
    args = x if isinstance(x, tuple) else (x,)
    torch.onnx.export(m, args, os.path.join(out, f'{name}.onnx'), opset_version=opts['opset'],
                      input_names=opts['names'], output_names=opts['outputs'], dynamic_axes=opts.get('dynamic'))
    with torch.no_grad():
        ys = m(*args)
    ys = ys if isinstance(ys, tuple) else (ys,)
    for n, t in zip(opts['names'], args):
        np.save(os.path.join(out, f'in_{n}.npy'), t.numpy())
    for n, t in zip(opts['outputs'], ys):
        np.save(os.path.join(out, f'out_{n}.npy'), t.numpy())


if __name__ == '__main__':
    main()
