#!/usr/bin/env python3
"""Saves a sweep-10 model's export inputs and PyTorch's outputs as in_<name>.npy / out_<name>.npy for
scripts/check-vs-torch.ts (models whose ONNX file onnxruntime refuses):

    /usr/bin/python3 scripts/export/sweep10_seq_torchref.py OUT_DIR NAME"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import save_torch_reference  # noqa: E402
from sweep10_seq import MODELS10  # noqa: E402


def main():
    out, name = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    m, x, opts = MODELS10[name]()
    m.eval()
    save_torch_reference(out, m, x if isinstance(x, tuple) else (x,), opts)


if __name__ == '__main__':
    main()
