#!/usr/bin/env python3
"""Twenty-seventh sweep (docs/model-sweep.md "Twenty-seventh sweep"): deployed families the earlier sweeps did not
try — ToMe, DynamicViT, BoTNet, TransXNet (sweep27_vis_mod.py), Pangu-Weather, PredRNN-v2, VAR's tokenizer, YOLO26
(sweep27_earth.py), ACT, pi0, V-JEPA 2-AC, RT-1, a Florence-2 decode step (sweep27_gen.py), DiffPool, Graph U-Net, HGT, FT-Transformer, TabR, an
adaptive neural ODE, a SORT step (sweep27_sci.py) — written in plain torch.nn with the math of their public code,
random weights, exported with Debian's torch 1.13 into OUT_DIR (outside the repository; then `onnx2lite convert`
each): `/usr/bin/python3 scripts/export/sweep27_vis.py OUT_DIR [NAME ...]`. Each model is built under its own seed
(its weights do not depend on which models were built before it); the neural ODE and the SORT step are
torch.jit.script modules (their loops become ONNX Loops)."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402
from sweep19_vis import img, multi  # noqa: E402
import sweep27_vis_mod as vm  # noqa: E402
import sweep27_earth as ea  # noqa: E402
import sweep27_gen as gn  # noqa: E402
import sweep27_sci as sc  # noqa: E402


def g(seed):
    return torch.Generator().manual_seed(seed)


def seeded(seed, f):
    def build():
        torch.manual_seed(seed)
        return f()
    return build


def script(m, xs, opts):
    m.eval()
    return torch.jit.script(m), xs, dict(opts, script=True)


def graph(n=32, fin=8, p=0.15, seed=1):
    a = (torch.rand(n, n, generator=g(seed)) < p).float()
    a = ((a + a.t()) > 0).float() * (1 - torch.eye(n))
    return torch.randn(1, n, fin, generator=g(seed + 1)), a[None]


def hgt_inputs():
    n = 24
    a = (torch.rand(2, n, n, generator=g(3)) < 0.2).float()
    a[:, torch.arange(n), torch.arange(n)] = 1.0  # every target has an incoming edge (itself)
    return torch.randn(n, 16, generator=g(4)), torch.randint(0, 3, (n,), generator=g(5)), a


def sort_inputs():
    t = 8
    c = torch.rand(t, 2, generator=g(6)) * 200 + 20
    wh = torch.rand(t, 2, generator=g(7)) * 30 + 10
    mean = torch.cat([c, (wh[:, :1] * wh[:, 1:]), wh[:, :1] / wh[:, 1:], torch.randn(t, 3, generator=g(8)) * 2], 1)
    cov = torch.cat([torch.rand(t, 4, generator=g(9)) * 10 + 1, torch.rand(t, 3, generator=g(10)) + 0.5, torch.rand(t, 3, generator=g(11)) * 0.5], 1)
    dc = torch.cat([c[:6] + torch.randn(6, 2, generator=g(12)) * 3, torch.rand(4, 2, generator=g(13)) * 200 + 20])
    dwh = torch.cat([wh[:6], torch.rand(4, 2, generator=g(14)) * 30 + 10])
    return mean, cov, torch.cat([dc - dwh / 2, dc + dwh / 2], 1)


MODELS = {
    # token merging / pruning, relative positions, dynamic kernels
    'tome_vit_op16': seeded(1, lambda: (vm.ToMeViT(), img(64), {'opset': 16, 'outputs': ['logits', 'sizes']})),
    'dynamicvit_op13': seeded(2, lambda: (vm.DynamicViT(), img(64), {'opset': 13})),
    'dynamicvit_op17': seeded(2, lambda: (vm.DynamicViT(), img(64), {'opset': 17})),
    'botnet_op13': seeded(3, lambda: multi(vm.BoTNet(), (img(64),), {'opset': 13})),
    'transxnet_op13': seeded(4, lambda: multi(vm.TransXNet(), (img(48),), {'opset': 13})),
    # weather, video prediction, tokenizers, detectors
    'pangu_lite_op13': seeded(5, lambda: (ea.PanguLite(), (torch.randn(1, 5, 4, 32, 64), torch.randn(1, 4, 32, 64)),
                                          {'opset': 13, 'names': ['upper', 'surface'], 'outputs': ['upper_out', 'surface_out']})),
    'pangu_lite_op17': seeded(5, lambda: (ea.PanguLite(), (torch.randn(1, 5, 4, 32, 64), torch.randn(1, 4, 32, 64)),
                                          {'opset': 17, 'names': ['upper', 'surface'], 'outputs': ['upper_out', 'surface_out']})),
    'predrnn_v2_op13': seeded(6, lambda: (ea.PredRNN(), torch.rand(1, 8, 1, 32, 32), {'opset': 13})),
    'var_tokenizer_op13': seeded(7, lambda: (ea.VARTokenizer(), img(64), {'opset': 13, 'outputs': ['recon', 'ids']})),
    'yolo26_op13': seeded(8, lambda: multi(ea.YOLO26(), (img(256),), {'opset': 13, 'outputs': ['detections']})),
    # robot policies and world models
    'act_op13': seeded(9, lambda: multi(gn.ACT(), (torch.randn(1, 14), torch.rand(1, 2, 3, 64, 64)),
                                        {'opset': 13, 'names': ['qpos', 'images'], 'outputs': ['actions', 'is_pad']})),
    'pi0_flow_op13': seeded(10, lambda: (gn.Pi0(), (img(64), torch.randint(0, 100, (1, 8), generator=g(20)), torch.randn(1, 7), torch.randn(1, 8, 7)),
                                         {'opset': 13, 'names': ['image', 'ids', 'state', 'noise'], 'outputs': ['actions']})),
    'vjepa2_ac_op13': seeded(11, lambda: (gn.VJEPA2AC(), (torch.rand(1, 3, 4, 64, 64), torch.randn(1, 4, 7), torch.randn(1, 4, 7)),
                                          {'opset': 13, 'names': ['frames', 'actions', 'states'], 'outputs': ['predicted']})),
    'vjepa2_ac_op17': seeded(11, lambda: (gn.VJEPA2AC(), (torch.rand(1, 3, 4, 64, 64), torch.randn(1, 4, 7), torch.randn(1, 4, 7)),
                                          {'opset': 17, 'names': ['frames', 'actions', 'states'], 'outputs': ['predicted']})),
    'rt1_op14': seeded(12, lambda: (gn.RT1(), (torch.rand(1, 6, 3, 64, 64), torch.randn(1, 128)),
                                    {'opset': 14, 'names': ['images', 'instruction'], 'outputs': ['logits', 'actions']})),
    'florence2_step_op13': seeded(20, lambda: (gn.Florence2Step(), (img(64), torch.randint(0, 200, (1, 8), generator=g(21)), torch.tensor([[17]]),
                                                                    torch.randn(2, 1, 4, 6, 16, generator=g(22)) * 0.5, torch.randn(2, 1, 4, 6, 16, generator=g(23)) * 0.5),
                                               {'opset': 13, 'names': ['pixel_values', 'prompt_ids', 'token', 'past_key', 'past_value'],
                                                'outputs': ['logits', 'present_key', 'present_value']})),
    'florence2_step_op17': seeded(20, lambda: (gn.Florence2Step(), (img(64), torch.randint(0, 200, (1, 8), generator=g(21)), torch.tensor([[17]]),
                                                                    torch.randn(2, 1, 4, 6, 16, generator=g(22)) * 0.5, torch.randn(2, 1, 4, 6, 16, generator=g(23)) * 0.5),
                                               {'opset': 17, 'names': ['pixel_values', 'prompt_ids', 'token', 'past_key', 'past_value'],
                                                'outputs': ['logits', 'present_key', 'present_value']})),
    # graphs, tabular
    'diffpool_op13': seeded(13, lambda: (sc.DiffPool(), graph(), {'opset': 13, 'names': ['x', 'adj']})),
    'graph_unet_op13': seeded(14, lambda: (sc.GraphUNet(), graph(seed=3), {'opset': 13, 'names': ['x', 'adj']})),
    'hgt_op13': seeded(15, lambda: (sc.HGT(), hgt_inputs(), {'opset': 13, 'names': ['x', 'node_type', 'adj']})),
    'ft_transformer_op13': seeded(16, lambda: (sc.FTTransformer(), (torch.randn(8, 6), torch.stack([torch.randint(0, c, (8,), generator=g(30 + c)) for c in (4, 9, 3)], 1)),
                                               {'opset': 13, 'names': ['x_num', 'x_cat']})),
    'ft_transformer_op17': seeded(16, lambda: (sc.FTTransformer(), (torch.randn(8, 6), torch.stack([torch.randint(0, c, (8,), generator=g(30 + c)) for c in (4, 9, 3)], 1)),
                                               {'opset': 17, 'names': ['x_num', 'x_cat']})),
    'tabr_op13': seeded(17, lambda: (sc.TabR(), torch.randn(4, 10), {'opset': 13})),
    # dynamic batch (converted with --input-shape, as a user fixes a dynamic export)
    'ft_transformer_dynamic_op17': seeded(16, lambda: (sc.FTTransformer(), (torch.randn(8, 6), torch.stack([torch.randint(0, c, (8,), generator=g(30 + c)) for c in (4, 9, 3)], 1)),
                                                       {'opset': 17, 'names': ['x_num', 'x_cat'], 'dynamic': {'x_num': {0: 'batch'}, 'x_cat': {0: 'batch'}}})),
    'tabr_dynamic_op13': seeded(17, lambda: (sc.TabR(), torch.randn(4, 10), {'opset': 13, 'dynamic': {'input': {0: 'batch'}}})),
    # torch.jit.script control flow
    'neural_ode_dopri5_script': seeded(18, lambda: script(sc.NeuralODE(), torch.randn(2, 8), {'opset': 13, 'outputs': ['y', 'steps']})),
    'sort_step_script': seeded(19, lambda: script(sc.SORTStep(), sort_inputs(), {'opset': 13, 'names': ['mean', 'cov', 'dets'],
                                                                                 'outputs': ['mean_out', 'cov_out', 'match']})),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
