#!/usr/bin/env python3
"""Fifteenth sweep (docs/model-sweep.md), vision / detection / 3-D: deployed families the fourteen earlier sweeps did
not try — SegNeXt, FocalNet, ResNeSt, Twins-SVT, OCRNet, UperNet, MambaOut, VMamba, InternImage (DCNv3), Sparse
R-CNN, TOOD, ALIKED, LPRNet, SMOKE, SegResNet (3-D), UniFormer (video), PETR, DETR3D, Fast-BEV, PointMLP, IFRNet,
HINet — written in plain torch.nn with the math of their public code (sweep15_vis_seg.py, _det.py, _3d.py, _res.py),
random weights, exported with Debian's torch 1.13 at their export scripts' opsets into OUT_DIR (outside the
repository; then `onnx2lite convert` each): `/usr/bin/python3 scripts/export/sweep15_vis.py OUT_DIR [NAME ...]`."""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep8 import calibrated_multi  # noqa: E402
from sweep import calibrated, export_all  # noqa: E402
import sweep15_vis_seg as sg  # noqa: E402
import sweep15_vis_det as dt  # noqa: E402
import sweep15_vis_3d as td  # noqa: E402
import sweep15_vis_res as rs  # noqa: E402

torch.manual_seed(0)
rand = torch.rand


def img(h, w=None):
    return rand(1, 3, h, w or h)


def cameras(n=6, h=128, w=352, inverse=False):
    """nuScenes-like rig: n pinhole cameras (f 160 px) yawed around the ego car, 1.5 m up; lidar2img [1, n, 4, 4]
    (or its inverse, PETR's img2lidars)."""
    mats = []
    for k in range(n):
        yaw = 2 * math.pi * k / n
        r = torch.tensor([[math.sin(yaw), -math.cos(yaw), 0.0], [0.0, 0.0, -1.0], [math.cos(yaw), math.sin(yaw), 0.0]])
        kk = torch.tensor([[160.0, 0, w / 2], [0, 160.0, h / 2], [0, 0, 1]])
        m = torch.eye(4)
        m[:3, :3] = kk @ r
        m[:3, 3] = kk @ torch.tensor([0.0, 1.5, 0.0])
        mats.append(torch.linalg.inv(m) if inverse else m)
    return torch.stack(mats)[None]


MODELS = {
    # segmentation / backbones
    'segnext_t_ham_op11': lambda: calibrated(sg.SegNeXt(), img(256)) + ({'opset': 11},),
    'focalnet_t_srf_op17': lambda: calibrated(sg.FocalNet(), img(224)) + ({'opset': 17},),
    'resnest14d_op11': lambda: calibrated(sg.ResNeSt(), img(224)) + ({'opset': 11},),
    'twins_svt_s_op13': lambda: calibrated(sg.TwinsSVT(), img(224)) + ({'opset': 13},),
    'ocrnet_hr_op11': lambda: calibrated_multi(sg.OCRNet(), (img(256),)) + ({'opset': 11, 'outputs': ['seg', 'aux']},),
    'upernet_convnext_op11': lambda: calibrated(sg.UperNetConvNeXt(), img(384)) + ({'opset': 11},),
    'mambaout_femto_op17': lambda: calibrated(sg.MambaOut(), img(224)) + ({'opset': 17},),
    'vmamba_ss2d_op16': lambda: calibrated(sg.VMamba(), img(64)) + ({'opset': 16},),
    'internimage_dcnv3_op16': lambda: calibrated(sg.InternImage(), img(128)) + ({'opset': 16, 'names': ['input'], 'outputs': ['logits']},),
    # detection / keypoints / OCR
    'sparse_rcnn_op16': lambda: calibrated_multi(dt.SparseRCNN(), (img(256),)) + ({'opset': 16, 'outputs': ['scores', 'boxes']},),
    'tood_op16': lambda: calibrated_multi(dt.TOOD(), (img(256),)) + ({'opset': 16, 'outputs': ['scores', 'boxes']},),
    'aliked_op16': lambda: calibrated_multi(dt.ALIKED(), (img(240, 320),)) + ({'opset': 16, 'names': ['image'], 'outputs': ['keypoints', 'descriptors', 'scores']},),
    'lprnet_op11': lambda: calibrated(dt.LPRNet(), img(24, 94)) + ({'opset': 11},),
    'smoke_decode_op11': lambda: calibrated_multi(dt.SMOKE(), (img(192, 640), torch.tensor([[[720.0, 0, 320], [0, 720, 96], [0, 0, 1]]]),
                                                               torch.tensor([[[4.0, 0, 0], [0, 4, 0], [0, 0, 1]]]))) +
                                 ({'opset': 11, 'names': ['image', 'K', 'trans_mat'], 'outputs': ['detections']},),
    # 3-D / video / multi-camera / points
    'segresnet_3d_op17': lambda: (td.SegResNet().eval(), rand(1, 4, 32, 32, 32), {'opset': 17}),
    'uniformer_video_op17': lambda: calibrated(td.UniFormerVideo(), rand(1, 3, 8, 128, 128)) + ({'opset': 17},),
    'petr_op13': lambda: calibrated_multi(td.PETR(), (rand(1, 6, 3, 128, 352), cameras(inverse=True))) + ({'opset': 13, 'names': ['imgs', 'img2lidars'], 'outputs': ['scores', 'boxes']},),
    'detr3d_op16': lambda: calibrated_multi(td.DETR3D(), (rand(1, 6, 3, 128, 352), cameras())) + ({'opset': 16, 'names': ['imgs', 'lidar2img'], 'outputs': ['scores', 'boxes']},),
    'fastbev_op11': lambda: calibrated_multi(td.FastBEV(), (rand(1, 6, 3, 128, 352),)) + ({'opset': 11, 'names': ['imgs'], 'outputs': ['heatmap', 'boxes']},),
    # (BatchNorm statistics from a batch of 2 clouds: the classifier's BatchNorm1d needs more than one value)
    'pointmlp_elite_op13': lambda: (calibrated_multi(td.PointMLP(), (torch.randn(2, 256, 3),))[0], torch.randn(1, 256, 3), {'opset': 13, 'names': ['points']}),
    # restoration / interpolation
    'ifrnet_s_op16': lambda: calibrated_multi(rs.IFRNet(), (img(128, 192), img(128, 192), torch.full((1, 1, 1, 1), 0.5))) + ({'opset': 16, 'names': ['img0', 'img1', 'embt'], 'outputs': ['imgt']},),
    'hinet_op11': lambda: (rs.HINet().eval(), img(128), {'opset': 11, 'outputs': ['stage1', 'restored']}),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
