#!/usr/bin/env python3
"""Exporter-variant sweep (issue #12): the same families exported the ways users export them, with Debian's torch
1.13 and python3-onnx 1.12 (random weights, nothing downloads):

    /usr/bin/python3 scripts/export/variants.py OUT_DIR [FAMILY ...] [--only VARIANT,...]
    node --import tsx scripts/export/variants-ort.ts OUT_DIR          # onnxruntime-optimized variants
    node --import tsx scripts/variants-check.ts OUT_DIR > rows.tsv     # convert each, rel / TRANSPOSE / refusal

Writes OUT_DIR/FAMILY/VARIANT.onnx and VARIANT.json (each input's export dims and which of them are symbolic, for
`--input-shape`). Variants (the families are in variants_models.py):
  op17 (the reference), op9 / op11 / op13 / op14 / op16      torch.onnx.export at that opset (no other option)
  dyn_batch / dyn_spatial / dyn_seq                          dynamic_axes on batch, on H / W, on sequence length
  nofold / op9_nofold                                        do_constant_folding=False (at opset 17 / 9: the old
                                                             tutorials' export)
  initin                                                     keep_initializers_as_inputs=True
  preserve                                                   training=TrainingMode.PRESERVE (model in eval mode)
  functions                                                  export_modules_as_functions=True (opset 17: ONNX
                                                             local functions, one per module class)
  extdata                                                    op17 saved with save_as_external_data (one .data file)
  fp16 / fp16io                                              op17 with every float tensor float16 (fp16io: float32
                                                             inputs / outputs with Casts, onnxconverter-common's
                                                             keep_io_types)
  vc9up / vc11up                                             onnx.version_converter: op9 -> 13, op11 -> 17 (onnx
                                                             1.12 has no down adapter from 14 for Relu)
Big: keep OUT_DIR outside the repository (/work/big/variants).
"""
import json
import os
import sys
import traceback

import numpy as np
import onnx
from onnx import helper, numpy_helper, version_converter, TensorProto
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
torch.manual_seed(0)
from variants_models import FAMILIES  # noqa: E402

OPSETS = [9, 11, 13, 14, 16]
TORCH_VARIANTS = ['op17'] + [f'op{o}' for o in OPSETS] + ['dyn_batch', 'dyn_spatial', 'dyn_seq', 'nofold', 'initin',
                                                          'preserve', 'functions', 'op9_nofold']
ONNX_VARIANTS = ['extdata', 'fp16', 'fp16io', 'vc9up', 'vc11up']


def dims_of(a):
    if isinstance(a, (list, tuple)):
        return list(a[0].shape)
    return list(a.shape)


def sidecar(path, spec, dynamic):
    ins = {n: dims_of(a) for n, a in zip(spec['names'], spec['args'])}
    with open(path, 'w') as f:
        json.dump({'inputs': ins, 'symbolic': sorted(dynamic)}, f)


def torch_export(spec, variant, dst):
    opset, kw, dynamic = 17, {}, {}
    if variant.startswith('op') and variant[2:].isdigit():
        opset = int(variant[2:])
    elif variant.startswith('dyn_'):
        dynamic = spec['dynamic'].get(variant[4:])
        if not dynamic:
            return 'no such axes'
    elif variant in ('nofold', 'op9_nofold'):
        kw['do_constant_folding'] = False
        opset = 9 if variant == 'op9_nofold' else 17
    elif variant == 'initin':
        kw['keep_initializers_as_inputs'] = True
    elif variant == 'preserve':
        kw['training'] = torch.onnx.TrainingMode.PRESERVE
    elif variant == 'functions':
        kw['export_modules_as_functions'] = True
    if opset < spec.get('min_opset', 9):
        return f'needs opset {spec["min_opset"]}'
    tmp = dst + '.tmp'
    torch.onnx.export(spec['model'], spec['args'], tmp, opset_version=opset, input_names=spec['names'],
                      output_names=spec['outputs'], dynamic_axes=dynamic or None, **kw)
    os.replace(tmp, dst)
    sidecar(dst[:-5] + '.json', spec, [n for n in dynamic if n in spec['names']])
    return None


# --- float16 inside the ONNX file (no onnxconverter-common here) ---
KEEP_FLOAT_INPUTS = {('Resize', 2), ('Upsample', 1)}
PASS_THROUGH = {'Concat', 'Cast', 'Div', 'Mul', 'Slice', 'Unsqueeze', 'Squeeze', 'Gather', 'Reshape', 'Constant',
                'Identity'}


# Ops whose float inputs stay float32 (a Cast to float32 before, the float outputs cast back to float16 after), as
# onnxconverter-common's op_block_list does: ONNX or onnxruntime have no float16 form of them (NonMaxSuppression's
# boxes and scores are float only; onnxruntime's RoiAlign and TopK kernels are float / double).
BLOCKED = {'NonMaxSuppression', 'RoiAlign', 'TopK'}


def _float_tensors(model):
    """Names of the float32 tensors of the float32 model (its graphs and bodies), from ONNX shape inference."""
    m = onnx.shape_inference.infer_shapes(model)
    names = set()

    def walk(g):
        for vi in list(g.input) + list(g.output) + list(g.value_info):
            if vi.type.tensor_type.elem_type == TensorProto.FLOAT:
                names.add(vi.name)
        for init in g.initializer:
            if init.data_type == TensorProto.FLOAT:
                names.add(init.name)
        for n in g.node:
            if n.op_type == 'Constant' and any(a.name == 'value' and a.t.data_type == TensorProto.FLOAT for a in n.attribute):
                names.add(n.output[0])
            for sg in _subgraphs(n):
                walk(sg)
    walk(m.graph)
    return names


def _block(g, floats, keep):
    """Wraps `g`'s (and its bodies') BLOCKED nodes in Casts: float16 in, float32 compute, float16 out."""
    nodes = []
    for n in g.node:
        for sg in _subgraphs(n):
            _block(sg, floats, keep)
        if n.op_type not in BLOCKED:
            nodes.append(n)
            continue
        tail = []
        for k, x in enumerate(n.input):
            if x and x in floats and x not in keep:
                nodes.append(helper.make_node('Cast', [x], [x + '_fp32_' + n.name], to=TensorProto.FLOAT))
                n.input[k] = x + '_fp32_' + n.name
        for k, y in enumerate(n.output):
            if y and y in floats:
                n.output[k] = y + '_fp32'
                tail.append(helper.make_node('Cast', [y + '_fp32'], [y], to=TensorProto.FLOAT16))
        nodes += [n] + tail
    del g.node[:]
    g.node.extend(nodes)


def _subgraphs(n):
    for a in n.attribute:
        if a.type == onnx.AttributeProto.GRAPH:
            yield a.g
        elif a.type == onnx.AttributeProto.GRAPHS:
            yield from a.graphs


def _all_nodes(g):
    """The graph's nodes and those of its If / Loop / Scan bodies, at any depth."""
    for n in g.node:
        yield n
        for sg in _subgraphs(n):
            yield from _all_nodes(sg)


def _float32_only(g):
    """Tensors that must stay float32: Resize / Upsample scales and what computes them."""
    producer = {o: n for n in _all_nodes(g) for o in n.output}
    keep, todo = set(), []
    for n in _all_nodes(g):
        for op, i in KEEP_FLOAT_INPUTS:
            if n.op_type == op and len(n.input) > i and n.input[i]:
                todo.append(n.input[i])
    while todo:
        t = todo.pop()
        if t in keep:
            continue
        keep.add(t)
        p = producer.get(t)
        if p is not None and p.op_type in PASS_THROUGH and p.op_type != 'Cast':
            todo.extend(x for x in p.input if x)
    return keep


def _half(a):
    """float32 -> float16 as onnxconverter-common does: finite values clipped to float16's range (finfo.min masks)."""
    a = np.where(np.isfinite(a), np.clip(a, -65504.0, 65504.0), a)
    return a.astype(np.float16)


def _half_graph(g, keep, nested):
    """Float constants, Casts to float and ConstantOfShape values become float16 in `g` and, as onnxconverter-common
    does, in its If / Loop / Scan bodies (whose float outputs become float16 too)."""
    for init in g.initializer:
        if init.data_type == TensorProto.FLOAT and init.name not in keep:
            init.CopyFrom(numpy_helper.from_array(_half(numpy_helper.to_array(init)), init.name))
    if nested:
        del g.value_info[:]
        for vi in list(g.output) + list(g.input):
            if vi.type.tensor_type.elem_type == TensorProto.FLOAT and vi.name not in keep:
                vi.type.tensor_type.elem_type = TensorProto.FLOAT16
    for n in g.node:
        for sg in _subgraphs(n):
            _half_graph(sg, keep, True)
        if n.op_type == 'Constant' and n.output[0] not in keep:
            for a in n.attribute:
                if a.name == 'value' and a.t.data_type == TensorProto.FLOAT:
                    a.t.CopyFrom(numpy_helper.from_array(_half(numpy_helper.to_array(a.t))))
        if n.op_type == 'Cast' and n.output[0] not in keep:
            for a in n.attribute:
                if a.name == 'to' and a.i == TensorProto.FLOAT:
                    a.i = TensorProto.FLOAT16
        if n.op_type == 'ConstantOfShape':
            for a in n.attribute:
                if a.name == 'value' and a.t.data_type == TensorProto.FLOAT:
                    a.t.CopyFrom(numpy_helper.from_array(_half(numpy_helper.to_array(a.t))))


def to_fp16(model, keep_io):
    g = model.graph
    keep = _float32_only(g)
    floats = _float_tensors(model)
    producer = {o: n for n in g.node for o in n.output}
    _half_graph(g, keep, False)
    _block(g, floats, keep)
    del g.value_info[:]
    init_names = {i.name for i in g.initializer}
    new_nodes = []
    for vi in g.input:
        if vi.name in init_names or vi.type.tensor_type.elem_type != TensorProto.FLOAT:
            continue
        if keep_io:
            half = vi.name + '_fp16'
            for n in g.node:
                for k, x in enumerate(n.input):
                    if x == vi.name:
                        n.input[k] = half
            new_nodes.append(helper.make_node('Cast', [vi.name], [half], to=TensorProto.FLOAT16))
        else:
            vi.type.tensor_type.elem_type = TensorProto.FLOAT16
    tail = []
    for vi in g.output:
        if vi.type.tensor_type.elem_type != TensorProto.FLOAT:
            continue
        if keep_io:
            half = vi.name + '_fp16'
            p = producer[vi.name]
            for k, x in enumerate(p.output):
                if x == vi.name:
                    p.output[k] = half
            for n in g.node:
                for k, x in enumerate(n.input):
                    if x == vi.name:
                        n.input[k] = half
            tail.append(helper.make_node('Cast', [half], [vi.name], to=TensorProto.FLOAT))
        else:
            vi.type.tensor_type.elem_type = TensorProto.FLOAT16
    nodes = new_nodes + list(g.node) + tail
    del g.node[:]
    g.node.extend(nodes)
    return model


def onnx_variant(fam_dir, variant):
    base = os.path.join(fam_dir, 'op17.onnx')
    dst = os.path.join(fam_dir, f'{variant}.onnx')
    src_json = base[:-5] + '.json'
    if variant in ('vc9up', 'vc11up'):
        src = variant[2:-2]
        base, src_json = os.path.join(fam_dir, f'op{src}.onnx'), os.path.join(fam_dir, f'op{src}.json')
    if not os.path.exists(base):
        return 'no base export'
    m = onnx.load(base)
    if variant == 'extdata':
        d = os.path.join(fam_dir, 'extdata')
        os.makedirs(d, exist_ok=True)
        dst = os.path.join(d, 'model.onnx')
        onnx.save_model(m, dst, save_as_external_data=True, all_tensors_to_one_file=True, location='model.onnx.data',
                        size_threshold=1024)
        with open(src_json) as f, open(os.path.join(fam_dir, 'extdata.json'), 'w') as g:
            g.write(f.read())
        return None
    if variant in ('fp16', 'fp16io'):
        m = to_fp16(m, variant == 'fp16io')
    elif variant == 'vc9up':
        m = version_converter.convert_version(m, 13)
    elif variant == 'vc11up':
        m = version_converter.convert_version(m, 17)
    onnx.save(m, dst)
    with open(src_json) as f, open(dst[:-5] + '.json', 'w') as g:
        g.write(f.read())
    return None


def main():
    out = sys.argv[1]
    args = sys.argv[2:]
    only = None
    if '--only' in args:
        k = args.index('--only')
        only = set(args[k + 1].split(','))
        args = args[:k] + args[k + 2:]
    fams = args or list(FAMILIES)
    for fam in fams:
        d = os.path.join(out, fam)
        os.makedirs(d, exist_ok=True)
        spec = None
        for v in TORCH_VARIANTS + ONNX_VARIANTS:
            if only and v not in only:
                continue
            dst = os.path.join(d, f'{v}.onnx')
            if os.path.exists(dst) or os.path.exists(os.path.join(d, v, 'model.onnx')) or os.path.exists(dst + '.skip'):
                continue
            try:
                if v in TORCH_VARIANTS:
                    if spec is None:
                        torch.manual_seed(0)
                        spec = FAMILIES[fam]()
                    why = torch_export(spec, v, dst)
                else:
                    why = onnx_variant(d, v)
                if why:
                    open(dst + '.skip', 'w').write(why + '\n')
                    print(f'skip {fam}/{v}: {why}', flush=True)
                else:
                    print(f'exported {fam}/{v}', flush=True)
            except Exception as e:  # noqa: BLE001 - a sweep reports and goes on
                msg = f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'
                open(dst + '.skip', 'w').write('EXPORT FAILED ' + msg[:300] + '\n')
                print(f'EXPORT FAILED {fam}/{v}: {msg[:300]}', flush=True)
                traceback.print_exc(limit=1, file=sys.stderr)


if __name__ == '__main__':
    main()
