#!/usr/bin/env python3
"""Twentieth sweep (docs/model-sweep.md), vision / detection / pose / change detection / motion / enhancement:
deployed families the nineteen earlier sweeps did not try — CBAM, Triplet Attention, TResNet, CondenseNet, CapsNet,
NetVLAD (sweep20_vis_bb.py), YOLOv3, S3FD, DEKR, K-Net, ICNet, BIT (sweep20_vis_det.py), First Order Motion Model,
FlowNetC, HDRNet, Image-Adaptive 3D LUT, IMDN, DexiNed, DeblurGAN-v2, Metric3D (sweep20_vis_gen.py) — written in
plain torch.nn with the math of their public code, random weights, exported with Debian's torch 1.13 into OUT_DIR
(outside the repository; then `onnx2lite convert` each): `/usr/bin/python3 scripts/export/sweep20_vis.py OUT_DIR
[NAME ...]`."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep8 import calibrated_multi  # noqa: E402
from sweep import calibrated, export_all  # noqa: E402
import sweep20_vis_bb as bb  # noqa: E402
import sweep20_vis_det as dt  # noqa: E402
import sweep20_vis_gen as gn  # noqa: E402

from sweep19_vis import img  # noqa: E402

torch.manual_seed(0)


def multi(m, xs, opts):
    m, xs = calibrated_multi(m, xs)
    return m, xs, opts


MODELS = {
    # backbones / attention modules / retrieval
    'cbam_resnet_op11': lambda: calibrated(bb.CBAMResNet(), img(224)) + ({'opset': 11},),
    'triplet_mnv2_op11': lambda: calibrated(bb.TripletMobileNetV2(), img(224)) + ({'opset': 11},),
    'tresnet_lite_op11': lambda: calibrated(bb.TResNet(), img(224)) + ({'opset': 11},),
    'condensenet_op11': lambda: calibrated(bb.CondenseNet(), img(224)) + ({'opset': 11},),
    'capsnet_op11': lambda: calibrated(bb.CapsNet(), img(28, c=1)) + ({'opset': 11, 'outputs': ['lengths', 'reconstruction']},),
    'netvlad_op11': lambda: calibrated(bb.NetVLAD(), img(240, 320)) + ({'opset': 11},),
    # detection / pose / segmentation / change detection
    'yolov3_decode_op11': lambda: calibrated(dt.YOLOv3(), img(320)) + ({'opset': 11},),
    's3fd_op11': lambda: calibrated(dt.S3FD(), img(320)) + ({'opset': 11, 'outputs': ['boxes', 'scores']},),
    'dekr_adaptive_op16': lambda: calibrated(dt.DEKR(), img(256)) + ({'opset': 16, 'outputs': ['heatmap', 'offsets']},),
    'knet_op13': lambda: calibrated(dt.KNet(), img(256)) + ({'opset': 13, 'outputs': ['cls', 'masks']},),
    'icnet_op11': lambda: calibrated(dt.ICNet(), img(384)) + ({'opset': 11, 'outputs': ['seg', 'aux4', 'aux2']},),
    'bit_cd_op13': lambda: multi(dt.BIT(), (img(256), img(256)), {'opset': 13, 'names': ['image_a', 'image_b']}),
    # motion / flow / enhancement / restoration / depth
    'fomm_op16': lambda: multi(gn.FOMM(), (img(64), img(64)), {'opset': 16, 'names': ['source', 'driving'], 'outputs': ['prediction', 'kp_driving']}),
    'flownetc_op11': lambda: multi(gn.FlowNetC(), (img(256), img(256)), {'opset': 11, 'names': ['image1', 'image2']}),
    'hdrnet_op11': lambda: calibrated(gn.HDRNet(), img(384, 512)) + ({'opset': 11},),
    'lut3d_adaptive_op11': lambda: calibrated(gn.AdaptiveLUT(), img(240, 320)) + ({'opset': 11, 'outputs': ['enhanced', 'weights']},),
    'imdn_x4_op11': lambda: calibrated(gn.IMDN(), img(64)) + ({'opset': 11},),
    'dexined_op11': lambda: calibrated(gn.DexiNed(), img(256)) + ({'opset': 11},),
    'deblurganv2_mnv2_op11': lambda: calibrated(gn.DeblurGANv2(), img(256)) + ({'opset': 11},),
    'metric3d_lite_op13': lambda: multi(gn.Metric3D(), (img(256, 320), torch.tensor([1200.0])), {'opset': 13, 'names': ['image', 'focal'], 'outputs': ['depth', 'normal']}),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
