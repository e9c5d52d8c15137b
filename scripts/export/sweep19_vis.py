#!/usr/bin/env python3
"""Nineteenth sweep (docs/model-sweep.md), vision / detection / 3-D / video / restoration / generative: deployed families
the eighteen earlier sweeps did not try — EncNet, EMANet, ISANet, FastFlow, Reverse Distillation (sweep19_vis_seg.py),
TRBA, PAN, 6DRepNet, LightCNN-29v2, R2D2 (sweep19_vis_ocr.py), BEVFormer, PCT, RandLA-Net, PVCNN, VideoPose3D,
MotionBERT, TANet (sweep19_vis_3d.py), DiT, ControlNet, Retinexformer, IAT, SPAN, DehazeFormer (sweep19_vis_gen.py) —
written in plain torch.nn with the math of their public code, random weights, exported with Debian's torch 1.13 into
OUT_DIR (outside the repository; then `onnx2lite convert` each): `/usr/bin/python3 scripts/export/sweep19_vis.py
OUT_DIR [NAME ...]`."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep8 import calibrated_multi  # noqa: E402
from sweep import calibrated, export_all  # noqa: E402
import sweep19_vis_3d as td  # noqa: E402
import sweep19_vis_gen as gn  # noqa: E402
import sweep19_vis_ocr as oc  # noqa: E402
import sweep19_vis_seg as sg  # noqa: E402

torch.manual_seed(0)
rand = torch.rand


def img(h, w=None, c=3):
    return rand(1, c, h, w or h)


def multi(m, xs, opts):
    """BatchNorm statistics re-estimated on the inputs' kind of values; all-zero parameters (ControlNet's zero convs)
    given random values, as `calibrated` does."""
    with torch.no_grad():
        for p in m.parameters():
            if p.dim() >= 1 and bool((p == 0).all()):
                p.copy_(0.05 * torch.randn(p.shape))
    m, xs = calibrated_multi(m, xs)
    return m, xs, opts


def points(n, c=3, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(1, n, c, generator=g)


def bevformer():
    m = td.BEVFormerLite()
    xs = (rand(1, 6, 3, 64, 176), td.lidar2img_mats(), 0.5 * torch.randn(1, 400, 64))
    return multi(m, xs, {'opset': 16, 'names': ['images', 'lidar2img', 'prev_bev'], 'outputs': ['bev_embed', 'seg']})


def dit():
    x = torch.randn(1, 4, 32, 32)
    return multi(gn.DiT(), (torch.cat([x, x], 0), torch.tensor([500., 500.]), torch.tensor([207, 1000])),
                 {'opset': 13, 'names': ['x', 't', 'y']})


def controlnet():
    return multi(gn.ControlledUNet(), (torch.randn(1, 4, 16, 16), torch.tensor([400.]), torch.randn(1, 8, 64), img(128), torch.tensor([1.0])),
                 {'opset': 14, 'names': ['sample', 'timestep', 'encoder_hidden_states', 'hint', 'control_scale']})


MODELS = {
    # segmentation heads / anomaly detection
    'encnet_op11': lambda: calibrated(sg.EncNet(), img(256)) + ({'opset': 11, 'outputs': ['seg', 'se']},),
    'emanet_op11': lambda: calibrated(sg.EMANet(), img(256)) + ({'opset': 11, 'outputs': ['seg', 'mu']},),
    'isanet_op11': lambda: calibrated(sg.ISANet(), img(256)) + ({'opset': 11},),
    'fastflow_op11': lambda: calibrated(sg.FastFlow(), img(128)) + ({'opset': 11},),
    'rd4ad_op11': lambda: calibrated(sg.ReverseDistillation(), img(128)) + ({'opset': 11},),
    # OCR / faces / local features
    'trba_tps_attn_op16': lambda: calibrated(oc.TRBA(), img(32, 100, 1)) + ({'opset': 16},),
    'pan_fpem_op11': lambda: calibrated(oc.PAN(), img(320)) + ({'opset': 11, 'outputs': ['text_kernel', 'embedding']},),
    'sixdrepnet_op11': lambda: calibrated(oc.SixDRepNet(), img(224)) + ({'opset': 11, 'outputs': ['rotation']},),
    'lightcnn29v2_op11': lambda: calibrated(oc.LightCNN29v2(), img(128, c=1)) + ({'opset': 11, 'outputs': ['logits', 'feature']},),
    'r2d2_op11': lambda: calibrated(oc.R2D2(), img(192, 256)) + (
        {'opset': 11, 'outputs': ['descriptors', 'reliability', 'repeatability', 'maxima']},),
    # 3-D / points / pose / video
    'bevformer_lite_op16': bevformer,
    'pct_op13': lambda: calibrated(td.PCT(), points(512)) + ({'opset': 13},),
    'randlanet_op13': lambda: calibrated(td.RandLANet(), points(2048, 6)) + ({'opset': 13},),
    'pvcnn_op16': lambda: calibrated(td.PVCNN(), rand(1, 3, 1024)) + ({'opset': 16},),
    'videopose3d_op11': lambda: calibrated(td.TemporalModel(), rand(1, 243, 17, 2)) + ({'opset': 11},),
    'motionbert_lite_op13': lambda: calibrated(td.DSTformer(), rand(1, 27, 17, 3)) + ({'opset': 13},),
    'tanet_tam_op11': lambda: multi(td.TANet(), (rand(8, 3, 112, 112),), {'opset': 11, 'names': ['frames']}),
    # diffusion / conditioning / restoration
    'dit_s2_cfg_op13': dit,
    'controlnet_step_op14': controlnet,
    'retinexformer_op13': lambda: calibrated(gn.Retinexformer(), img(128)) + ({'opset': 13},),
    'iat_op13': lambda: calibrated(gn.IAT(), img(128)) + ({'opset': 13, 'outputs': ['mul', 'add', 'enhanced']},),
    'span_x4_op11': lambda: calibrated(gn.SPAN(), img(64)) + ({'opset': 11},),
    'dehazeformer_t_op13': lambda: calibrated(gn.DehazeFormer(), img(128)) + ({'opset': 13},),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
