#!/usr/bin/env python3
"""A float64 reference for an ONNX model: its graph evaluated op by op in torch with every float tensor in double.

    /usr/bin/python3 scripts/f64_reference.py WORK_DIR [float32]

WORK_DIR is written by scripts/f64-reference.ts: graph.json (nodes, attributes, initializers' places in
weights.bin), weights.bin (float initializers as float64, integer ones as int64) and in_<k>.npy (the inputs). The
outputs are written as out_<k>.npy (float64), or in float32 when 'float32' is given (a third float32 runtime, to see
how far plain float32 rounding moves the outputs). onnxruntime's CPU provider has no double kernel for Conv, Resize or
HardSigmoid, so casting the model to double and running it in onnxruntime is not an option; torch has them all.
Only the ops the checked models use are here (an unknown op is an error naming it).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

FLOAT = torch.float64
UNARY = {'Relu': torch.relu, 'Sigmoid': torch.sigmoid, 'Tanh': torch.tanh, 'Exp': torch.exp, 'Sqrt': torch.sqrt,
         'Erf': torch.erf, 'Abs': torch.abs, 'Neg': torch.neg, 'Log': torch.log, 'Reciprocal': torch.reciprocal,
         'Sin': torch.sin, 'Cos': torch.cos, 'Atan': torch.atan}


def load(work):
    g = json.load(open(os.path.join(work, 'graph.json')))
    blob = np.fromfile(os.path.join(work, 'weights.bin'), dtype=np.uint8)

    def tensor(t):
        n = int(np.prod(t['dims'])) if t['dims'] else 1
        kind = np.float64 if t['kind'] == 'f' else (np.bool_ if t['kind'] == 'b' else np.int64)
        a = np.frombuffer(blob[t['offset']:t['offset'] + 8 * n].tobytes(), dtype=np.float64 if kind == np.float64 else np.int64)
        a = a.reshape(t['dims'])
        if kind == np.float64:
            return torch.from_numpy(a.copy()).to(FLOAT)
        if kind == np.bool_:
            return torch.from_numpy(a.copy() != 0)
        return torch.from_numpy(a.copy())
    return g, tensor


def ints(x):
    return [int(v) for v in x.reshape(-1).tolist()]


def pads_2d(pads, rank):
    """ONNX pads [b1, b2, ..., e1, e2, ...] of the spatial axes → F.pad's last-axis-first pairs."""
    k = rank - 2
    out = []
    for i in reversed(range(k)):
        out += [pads[i], pads[i + k]]
    return out


def conv(x, w, b, a):
    k = len(w.shape) - 2
    strides = a.get('strides', [1] * k)
    dil = a.get('dilations', [1] * k)
    pads = a.get('pads', [0] * 2 * k)
    if a.get('auto_pad', 'NOTSET') not in ('NOTSET', 'VALID'):
        pads = []
        for i in range(k):
            size = x.shape[2 + i]
            out = math.ceil(size / strides[i])
            total = max(0, (out - 1) * strides[i] + (w.shape[2 + i] - 1) * dil[i] + 1 - size)
            lo = total // 2 if a['auto_pad'] == 'SAME_UPPER' else total - total // 2
            pads.append((lo, total - lo))
        pads = [p[0] for p in pads] + [p[1] for p in pads]
    x = F.pad(x, pads_2d(pads, x.dim()))
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[k]
    return fn(x, w, b, stride=strides, dilation=dil, groups=a.get('group', 1))


def conv_transpose(x, w, b, a):
    k = len(w.shape) - 2
    strides = a.get('strides', [1] * k)
    dil = a.get('dilations', [1] * k)
    pads = a.get('pads', [0] * 2 * k)
    outpad = a.get('output_padding', [0] * k)
    fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[k]
    y = fn(x, w, b, stride=strides, dilation=dil, groups=a.get('group', 1), output_padding=outpad)
    sl = [slice(None), slice(None)] + [slice(pads[i], y.shape[2 + i] - pads[i + k]) for i in range(k)]
    return y[tuple(sl)]


def pool(x, a, kind):
    k = len(a['kernel_shape'])
    ks, strides = a['kernel_shape'], a.get('strides', [1] * k)
    pads = a.get('pads', [0] * 2 * k)
    dil = a.get('dilations', [1] * k)
    ceil = bool(a.get('ceil_mode', 0))
    if a.get('auto_pad', 'NOTSET') not in ('NOTSET', 'VALID'):
        raise NotImplementedError('auto_pad pools')
    if kind == 'max':
        # Explicit -inf padding, then an unpadded pool; ceil mode windows that start in the padding are dropped as
        # ONNX does (output size below).
        xs = x
        sizes = []
        for i in range(k):
            size = x.shape[2 + i] + pads[i] + pads[i + k]
            eff = (ks[i] - 1) * dil[i] + 1
            n = (size - eff) / strides[i] + 1
            n = math.ceil(n) if ceil else math.floor(n)
            if ceil and (n - 1) * strides[i] >= x.shape[2 + i] + pads[i]:
                n -= 1
            sizes.append(n)
        extra = []
        for i in range(k):
            size = x.shape[2 + i] + pads[i] + pads[i + k]
            need = (sizes[i] - 1) * strides[i] + (ks[i] - 1) * dil[i] + 1
            extra.append(max(0, need - size))
        p = []
        for i in reversed(range(k)):
            p += [pads[i], pads[i + k] + extra[i]]
        xs = F.pad(x, p, value=-math.inf)
        fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[k]
        y = fn(xs, ks, strides, 0, dil)
        sl = [slice(None), slice(None)] + [slice(0, sizes[i]) for i in range(k)]
        return y[tuple(sl)]
    # average
    include = bool(a.get('count_include_pad', 0))
    fn = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[k]
    if all(v == 0 for v in pads):
        return fn(x, ks, strides, 0, ceil)
    if include:
        return fn(F.pad(x, pads_2d(pads, x.dim())), ks, strides, 0, ceil)
    ones = torch.ones_like(x[:, :1])
    s = fn(F.pad(x, pads_2d(pads, x.dim())), ks, strides, 0, ceil, True)
    c = fn(F.pad(ones, pads_2d(pads, x.dim())), ks, strides, 0, ceil, True)
    return s / c


def resize(x, roi, scales, sizes, a):
    mode = a.get('mode', 'nearest')
    ctm = a.get('coordinate_transformation_mode', 'half_pixel')
    nearest_mode = a.get('nearest_mode', 'round_prefer_floor')
    rank = x.dim()
    if sizes is not None and sizes.numel():
        out = ints(sizes)
        sc = [out[i] / x.shape[i] for i in range(rank)]
    else:
        sc = [float(v) for v in scales.reshape(-1).tolist()]
        out = [int(math.floor(x.shape[i] * sc[i])) for i in range(rank)]
    y = x
    for ax in range(rank):
        n_in, n_out, s = x.shape[ax], out[ax], sc[ax]
        if n_in == n_out and s == 1.0:
            continue
        o = torch.arange(n_out, dtype=torch.float64)
        if ctm == 'half_pixel':
            c = (o + 0.5) / s - 0.5
        elif ctm == 'pytorch_half_pixel':
            c = (o + 0.5) / s - 0.5 if n_out > 1 else torch.zeros_like(o)
        elif ctm == 'align_corners':
            c = o * (n_in - 1) / (n_out - 1) if n_out > 1 else torch.zeros_like(o)
        elif ctm == 'asymmetric':
            c = o / s
        elif ctm == 'tf_half_pixel_for_nn':
            c = (o + 0.5) / s
        else:
            raise NotImplementedError(f'Resize coordinate_transformation_mode {ctm}')
        if mode == 'nearest':
            if nearest_mode == 'floor':
                idx = torch.floor(c)
            elif nearest_mode == 'ceil':
                idx = torch.ceil(c)
            elif nearest_mode == 'round_prefer_ceil':
                idx = torch.floor(c + 0.5)
            else:
                idx = torch.ceil(c - 0.5)
            idx = idx.clamp(0, n_in - 1).long()
            y = torch.index_select(y, ax, idx)
        elif mode == 'linear':
            c = c.clamp(0, n_in - 1)
            lo = torch.floor(c).long().clamp(0, n_in - 1)
            hi = (lo + 1).clamp(max=n_in - 1)
            w = (c - lo.to(torch.float64)).to(y.dtype)
            shape = [1] * rank
            shape[ax] = n_out
            w = w.reshape(shape)
            y = torch.index_select(y, ax, lo) * (1 - w) + torch.index_select(y, ax, hi) * w
        else:
            raise NotImplementedError(f'Resize mode {mode}')
    return y


def run(g, tensor, feeds, dtype):
    env = {}
    # Values are dropped after their last reader (U²-Netp's maps in double would not fit otherwise).
    retain = set(g['outputs']) | set(g.get('taps', []))
    last = {}
    for k, node in enumerate(g['nodes']):
        for i in node['inputs']:
            last[i] = k
    for name, t in g['initializers'].items():
        v = tensor(t)
        env[name] = v.to(dtype) if v.is_floating_point() else v
    for name, v in feeds.items():
        env[name] = v.to(dtype) if v.is_floating_point() else v
    fl = lambda v: v.to(dtype) if v.is_floating_point() else v  # noqa: E731
    for step, node in enumerate(g['nodes']):
        op, a = node['op'], dict(node['attrs'])
        for k, v in list(a.items()):
            if isinstance(v, dict) and 'offset' in v:
                a[k] = fl(tensor(v))
        xs = [env[i] if i else None for i in node['inputs']]
        x = xs[0] if xs else None
        if op == 'Constant':
            ys = [a['value']]
        elif op == 'Conv':
            ys = [conv(x, xs[1], xs[2] if len(xs) > 2 else None, a)]
        elif op == 'ConvTranspose':
            ys = [conv_transpose(x, xs[1], xs[2] if len(xs) > 2 else None, a)]
        elif op in UNARY:
            ys = [UNARY[op](x)]
        elif op == 'HardSigmoid':
            ys = [torch.clamp(a.get('alpha', 0.2) * x + a.get('beta', 0.5), 0, 1)]
        elif op == 'HardSwish':
            ys = [x * torch.clamp(x / 6 + 0.5, 0, 1)]
        elif op == 'LeakyRelu':
            ys = [F.leaky_relu(x, a.get('alpha', 0.01))]
        elif op == 'Elu':
            ys = [F.elu(x, a.get('alpha', 1.0))]
        elif op == 'PRelu':
            ys = [torch.where(x >= 0, x, x * xs[1])]
        elif op == 'Clip':
            lo = xs[1] if len(xs) > 1 and xs[1] is not None else a.get('min')
            hi = xs[2] if len(xs) > 2 and xs[2] is not None else a.get('max')
            y = x
            if lo is not None:
                y = torch.maximum(y, torch.as_tensor(lo, dtype=y.dtype))
            if hi is not None:
                y = torch.minimum(y, torch.as_tensor(hi, dtype=y.dtype))
            ys = [y]
        elif op in ('Add', 'Sub', 'Mul', 'Div', 'Pow', 'Equal', 'Less', 'Greater', 'Max', 'Min', 'And', 'Or'):
            b = xs[1]
            f = {'Add': torch.add, 'Sub': torch.sub, 'Mul': torch.mul, 'Pow': torch.pow, 'Equal': torch.eq,
                 'Less': torch.lt, 'Greater': torch.gt, 'Max': torch.maximum, 'Min': torch.minimum,
                 'And': torch.logical_and, 'Or': torch.logical_or}.get(op)
            if op == 'Div':
                y = torch.div(x, b, rounding_mode='trunc') if not x.is_floating_point() else x / b
            else:
                y = f(x, b)
            for extra in xs[2:]:
                y = f(y, extra)
            ys = [y]
        elif op == 'Where':
            ys = [torch.where(x, xs[1], xs[2])]
        elif op == 'Not':
            ys = [torch.logical_not(x)]
        elif op == 'Cast':
            to = a['to']
            ys = [x.to(dtype) if to in (1, 10, 11, 16) else (x.bool() if to == 9 else x.long())]
        elif op == 'Concat':
            ys = [torch.cat([v for v in xs if v is not None], a['axis'])]
        elif op == 'Split':
            axis = a.get('axis', 0)
            if len(xs) > 1 and xs[1] is not None:
                parts = ints(xs[1])
            elif 'split' in a:
                parts = a['split']
            else:
                n = len(node['outputs'])
                parts = [x.shape[axis] // n] * n
            ys = list(torch.split(x, parts, axis))
        elif op == 'GlobalAveragePool':
            ys = [x.mean(dim=tuple(range(2, x.dim())), keepdim=True)]
        elif op == 'GlobalMaxPool':
            ys = [x.amax(dim=tuple(range(2, x.dim())), keepdim=True)]
        elif op == 'MaxPool':
            ys = [pool(x, a, 'max')]
        elif op == 'AveragePool':
            ys = [pool(x, a, 'avg')]
        elif op == 'Resize':
            ys = [resize(x, xs[1] if len(xs) > 1 else None, xs[2] if len(xs) > 2 else None, xs[3] if len(xs) > 3 else None, a)]
        elif op == 'Shape':
            ys = [torch.tensor(list(x.shape), dtype=torch.int64)]
        elif op == 'Size':
            ys = [torch.tensor(x.numel(), dtype=torch.int64)]
        elif op == 'Slice':
            if len(xs) > 1:
                starts, ends = ints(xs[1]), ints(xs[2])
                axes = ints(xs[3]) if len(xs) > 3 and xs[3] is not None else list(range(len(starts)))
                steps = ints(xs[4]) if len(xs) > 4 and xs[4] is not None else [1] * len(starts)
            else:
                starts, ends = a['starts'], a['ends']
                axes = a.get('axes', list(range(len(starts))))
                steps = [1] * len(starts)
            y = x
            for s, e, ax, st in zip(starts, ends, axes, steps):
                ax = ax % x.dim()
                n = x.shape[ax]
                if st > 0:
                    s = max(0, min(n, s + n if s < 0 else s))
                    e = max(0, min(n, e + n if e < 0 else e))
                    y = y.narrow(ax, s, max(0, e - s))[(slice(None),) * ax + (slice(None, None, st),)]
                else:
                    s = max(-1, min(n - 1, s + n if s < 0 else s))
                    e = max(-1, min(n - 1, e + n if e < 0 else e))
                    idx = torch.arange(s, e, st)
                    y = torch.index_select(y, ax, idx)
            ys = [y]
        elif op == 'Reshape':
            shape = ints(xs[1])
            shape = [x.shape[i] if v == 0 and not a.get('allowzero', 0) else v for i, v in enumerate(shape)]
            ys = [x.reshape(shape)]
        elif op == 'Flatten':
            ax = a.get('axis', 1)
            ys = [x.reshape(int(np.prod(x.shape[:ax])), -1)]
        elif op == 'Transpose':
            ys = [x.permute(a.get('perm', list(reversed(range(x.dim())))))]
        elif op == 'Unsqueeze':
            axes = ints(xs[1]) if len(xs) > 1 else a['axes']
            y = x
            r = x.dim() + len(axes)
            for ax in sorted(v % r for v in axes):
                y = y.unsqueeze(ax)
            ys = [y]
        elif op == 'Squeeze':
            axes = ints(xs[1]) if len(xs) > 1 and xs[1] is not None else a.get('axes')
            if axes is None:
                ys = [x.squeeze()]
            else:
                y = x
                for ax in sorted((v % x.dim() for v in axes), reverse=True):
                    y = y.squeeze(ax)
                ys = [y]
        elif op == 'Gather':
            ax = a.get('axis', 0) % x.dim()
            idx = xs[1].long()
            idx = torch.where(idx < 0, idx + x.shape[ax], idx)
            ys = [torch.index_select(x, ax, idx.reshape(-1)).reshape(x.shape[:ax] + idx.shape + x.shape[ax + 1:])]
        elif op == 'Expand':
            shape = ints(xs[1])
            ys = [x * torch.ones(shape, dtype=x.dtype) if x.is_floating_point() else x.expand(torch.broadcast_shapes(x.shape, tuple(shape)))]
        elif op == 'Tile':
            ys = [x.repeat(*ints(xs[1]))]
        elif op in ('ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceL2'):
            axes = ints(xs[1]) if len(xs) > 1 and xs[1] is not None else a.get('axes', list(range(x.dim())))
            keep = bool(a.get('keepdims', 1))
            axes = tuple(v % x.dim() for v in axes)
            if op == 'ReduceMean':
                y = x.mean(dim=axes, keepdim=keep)
            elif op == 'ReduceSum':
                y = x.sum(dim=axes, keepdim=keep)
            elif op == 'ReduceMax':
                y = x.amax(dim=axes, keepdim=keep)
            else:
                y = torch.sqrt((x * x).sum(dim=axes, keepdim=keep))
            ys = [y]
        elif op == 'Softmax':
            ys = [torch.softmax(x, a.get('axis', -1))]
        elif op == 'CumSum':  # ReBased's running kvᵀ sums
            axis = ints(xs[1])[0] % x.dim()
            y = x.flip(axis) if a.get('reverse', 0) else x
            y = torch.cumsum(y, axis)
            if a.get('exclusive', 0):
                y = y - (x.flip(axis) if a.get('reverse', 0) else x)
            ys = [y.flip(axis) if a.get('reverse', 0) else y]
        elif op == 'InstanceNormalization':
            axes = tuple(range(2, x.dim()))
            m = x.mean(dim=axes, keepdim=True)
            v = ((x - m) ** 2).mean(dim=axes, keepdim=True)
            shape = [1, -1] + [1] * (x.dim() - 2)
            ys = [(x - m) / torch.sqrt(v + a.get('epsilon', 1e-5)) * xs[1].reshape(shape) + xs[2].reshape(shape)]
        elif op == 'BatchNormalization':
            shape = [1, -1] + [1] * (x.dim() - 2)
            s, b, m, v = (t.reshape(shape) for t in xs[1:5])
            ys = [(x - m) / torch.sqrt(v + a.get('epsilon', 1e-5)) * s + b]
        elif op == 'Pad':
            if len(xs) > 1:
                pads = ints(xs[1])
                value = float(xs[2].reshape(-1)[0]) if len(xs) > 2 and xs[2] is not None else 0.0
            else:
                pads, value = a['pads'], a.get('value', 0.0)
            mode = a.get('mode', 'constant')
            r = x.dim()
            p = []
            for i in reversed(range(r)):
                p += [pads[i], pads[i + r]]
            while len(p) > 2 and p[-1] == 0 and p[-2] == 0:
                p = p[:-2]
            ys = [F.pad(x, p, mode=mode, value=value) if mode == 'constant' else F.pad(x, p, mode=mode)]
        elif op in ('Gemm', 'MatMul'):
            if op == 'MatMul':
                ys = [torch.matmul(x, xs[1])]
            else:
                A = x.t() if a.get('transA', 0) else x
                B = xs[1].t() if a.get('transB', 0) else xs[1]
                y = a.get('alpha', 1.0) * (A @ B)
                if len(xs) > 2 and xs[2] is not None:
                    y = y + a.get('beta', 1.0) * xs[2]
                ys = [y]
        elif op == 'Identity' or op == 'Dropout':
            ys = [x]
        elif op == 'ConstantOfShape':
            v = a.get('value', torch.zeros(1, dtype=dtype)).reshape(-1)[:1]
            ys = [v.expand(ints(x)).clone() if ints(x) else v.reshape([])]
        elif op == 'EyeLike':
            k = a.get('k', 0)
            eye = torch.eye(x.shape[0], x.shape[1], dtype=dtype)
            ys = [torch.roll(eye, k, 1) * (torch.arange(x.shape[1])[None] - torch.arange(x.shape[0])[:, None] == k).to(dtype) if k else eye]
        elif op == 'GridSample':
            mode = {'linear': 'bilinear', 'cubic': 'bicubic'}.get(a.get('mode', 'bilinear'), a.get('mode', 'bilinear'))
            ys = [torch.nn.functional.grid_sample(x, xs[1], mode=mode, padding_mode=a.get('padding_mode', 'zeros'),
                                                  align_corners=bool(a.get('align_corners', 0)))]
        else:
            raise NotImplementedError(f'op {op} (node {node["name"]})')
        for name, y in zip(node['outputs'], ys):
            if name:
                env[name] = y
        for i in set(node['inputs']):
            if i and last.get(i) == step and i not in retain and i not in g['initializers']:
                env.pop(i, None)
    return env


def main():
    work = sys.argv[1]
    dtype = torch.float32 if 'float32' in sys.argv[2:] else FLOAT
    g, tensor = load(work)
    feeds = {}
    for k, name in enumerate(g['inputs']):
        a = np.load(os.path.join(work, f'in_{k}.npy'))
        feeds[name] = torch.from_numpy(a.astype(np.float64) if a.dtype.kind == 'f' else a.astype(np.int64))
    with torch.no_grad():
        env = run(g, tensor, feeds, dtype)
    tag = 'f32' if dtype == torch.float32 else 'f64'
    for k, name in enumerate(g['outputs']):
        v = env[name]
        np.save(os.path.join(work, f'{tag}_out_{k}.npy'), np.ascontiguousarray(v.double().numpy() if v.is_floating_point() else v.numpy()))
    for k, name in enumerate(g.get('taps', [])):
        v = env[name]
        np.save(os.path.join(work, f'{tag}_tap_{k}.npy'), np.ascontiguousarray(v.double().numpy() if v.is_floating_point() else v.numpy()))


if __name__ == '__main__':
    main()
