#!/usr/bin/python3
"""Exports the 3-D test material with Debian's python3-torch / python3-torchvision (random weights, nothing downloaded).

  /usr/bin/python3 scripts/export-3d-models.py fixture   test/fixtures/video3d/tiny_video3d.onnx (+ test_data_set_0): a tiny 3-D
                                                net covering Conv3d (plain, grouped, dilated, strided+padded),
                                                BatchNorm3d, MaxPool3d, AvgPool3d (padded), ConvTranspose3d,
                                                AdaptiveAvgPool3d, a dilated MaxPool2d and a Linear head
  /usr/bin/python3 scripts/export-3d-models.py video DIR [NAME ...]  torchvision r3d_18, mc3_18, r2plus1d_18 on
                                                1x3x8x112x112, s3d on 1x3x16x224x224
  /usr/bin/python3 scripts/export-3d-models.py regnet DIR torchvision regnet_y_400mf on 1x3x224x224

Opset 13, batch 1. BatchNorm statistics are re-estimated on random inputs (train-mode passes, cumulative average)
so that activations have realistic ranges. Each NAME.onnx gets NAME.test_data_set_0/{input_0,output_0}.pb: the
input (uniform in [0, 1)) and PyTorch's output for it, as ONNX TensorProto files.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn


def tensor_proto(name, arr):
    """A minimal ONNX TensorProto (float32) without the onnx package: dims (1), data_type (2), name (8), raw_data (9)."""
    def varint(v):
        out = bytearray()
        while True:
            b = v & 0x7F
            v >>= 7
            if v:
                out.append(b | 0x80)
            else:
                out.append(b)
                return bytes(out)

    def field(num, wire, payload):
        return varint((num << 3) | wire) + payload

    arr = np.ascontiguousarray(arr, dtype=np.float32)
    msg = b''.join(field(1, 0, varint(d)) for d in arr.shape)
    msg += field(2, 0, varint(1))
    nb = name.encode()
    msg += field(8, 2, varint(len(nb)) + nb)
    raw = arr.tobytes()
    msg += field(9, 2, varint(len(raw)) + raw)
    return msg


def calibrate_bn(model, shape, passes=8):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(passes):
            model(torch.rand(*shape))
    model.eval()


def export(model, shape, path, seed=0, passes=8):
    torch.manual_seed(seed)
    calibrate_bn(model, shape, passes)
    x = torch.rand(*shape)
    with torch.no_grad():
        ys = model(x)
    ys = list(ys) if isinstance(ys, tuple) else [ys]
    names = ['output'] + [f'output_{i}' for i in range(1, len(ys))]
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    torch.onnx.export(model, x, path, opset_version=13, input_names=['input'], output_names=names,
                      do_constant_folding=True)
    data = path[:-len('.onnx')] + '.test_data_set_0'
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, 'input_0.pb'), 'wb') as f:
        f.write(tensor_proto('input', x.numpy()))
    for i, (n, y) in enumerate(zip(names, ys)):
        with open(os.path.join(data, f'output_{i}.pb'), 'wb') as f:
            f.write(tensor_proto(n, y.numpy()))
    print(f'{path}: {os.path.getsize(path)} bytes, outputs {[tuple(y.shape) for y in ys]}')


class TinyVideo3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 8, 3, padding=1), nn.BatchNorm3d(8), nn.ReLU())
        self.pool = nn.MaxPool3d((1, 2, 2))
        self.grouped = nn.Sequential(nn.Conv3d(8, 8, (3, 1, 1), padding=(1, 0, 0), groups=4), nn.BatchNorm3d(8), nn.ReLU())
        self.dilated = nn.Conv3d(8, 8, 3, padding=2, dilation=2)
        self.down = nn.Conv3d(8, 16, 3, stride=2, padding=1)
        self.avg = nn.AvgPool3d(3, stride=1, padding=1, count_include_pad=False)
        self.up = nn.ConvTranspose3d(16, 8, 2, stride=2)
        self.pool2 = nn.MaxPool3d(2, stride=2, ceil_mode=True)
        self.dil2d = nn.MaxPool2d(3, stride=1, padding=1, dilation=2)
        self.head = nn.Linear(8 + 8, 5)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = self.grouped(x) + self.dilated(x)
        u = self.up(self.avg(torch.relu(self.down(x))))
        v = self.pool2(x + u)
        a = nn.functional.adaptive_avg_pool3d(v, 1).flatten(1)
        w = self.dil2d(v.mean(2)).amax((2, 3))
        return self.head(torch.cat([a, w], 1)), v


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else 'fixture'
    torch.manual_seed(20261204)
    if what == 'fixture':
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'video3d')
        export(TinyVideo3d(), (1, 3, 8, 16, 16), os.path.join(root, 'tiny_video3d.onnx'))
        return
    import torchvision
    out = sys.argv[2]
    if what == 'video':
        for name in (sys.argv[3:] or ['r3d_18', 'mc3_18', 'r2plus1d_18', 's3d']):
            # S3D ends in a (2, 7, 7) average pool: it needs 16 frames of 224 x 224.
            shape = (1, 3, 16, 224, 224) if name == 's3d' else (1, 3, 8, 112, 112)
            export(getattr(torchvision.models.video, name)(weights=None), shape, os.path.join(out, f'{name}.onnx'),
                   passes=2 if name == 's3d' else 8)
    elif what == 'regnet':
        export(torchvision.models.regnet_y_400mf(weights=None), (1, 3, 224, 224), os.path.join(out, 'regnet_y_400mf.onnx'))
    else:
        sys.exit(f'unknown material {what}')


if __name__ == '__main__':
    main()
