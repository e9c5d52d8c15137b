#!/usr/bin/env python3
"""Saves a sweep-10 model's export inputs and PyTorch's outputs as in_<name>.npy / out_<name>.npy for
scripts/check-vs-torch.ts (models whose ONNX file onnxruntime refuses):

    /usr/bin/python3 scripts/export/sweep10_seq_torchref.py OUT_DIR NAME"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep10_seq import MODELS10  # noqa: E402


def main():
    out, name = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    m, x, opts = MODELS10[name]()
    m.eval()
    args = x if isinstance(x, tuple) else (x,)
    with torch.no_grad():
        ys = m(*args)
    ys = ys if isinstance(ys, tuple) else (ys,)
    for n, t in zip(opts['names'], args):
        np.save(os.path.join(out, f'in_{n}.npy'), t.numpy())
    for n, t in zip(opts['outputs'], ys):
        np.save(os.path.join(out, f'out_{n}.npy'), t.numpy())


if __name__ == '__main__':
    main()
