#!/usr/bin/env python3
"""Twenty-first sweep (docs/model-sweep.md), vision / pose / tracking / OCR / depth / stereo / events / radar / lidar /
super-resolution: deployed families the twenty earlier sweeps did not try — HigherHRNet, YOLO-Pose, CenterTrack,
FairMOT, MGN, PSENet, TextSnake, MASTER, MonoFlex (sweep21_vis_det.py), StereoNet, ACVNet, FastDepth, E2VID, EV-FlowNet,
RODNet (sweep21_vis_3d.py), LEDNet, DABNet, SalsaNext, Deep Snake (sweep21_vis_seg.py), CARN-M, RLFN, SHViT
(sweep21_vis_gen.py) — written in plain torch.nn with the math of their public code, random weights, exported with
Debian's torch 1.13 into OUT_DIR (outside the repository; then `onnx2lite convert` each): `/usr/bin/python3
scripts/export/sweep21_vis.py OUT_DIR [NAME ...]`."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep8 import calibrated_multi  # noqa: E402
from sweep import calibrated, export_all  # noqa: E402
import sweep21_vis_3d as td  # noqa: E402
import sweep21_vis_det as dt  # noqa: E402
import sweep21_vis_gen as gn  # noqa: E402
import sweep21_vis_seg as sg  # noqa: E402

from sweep19_vis import img  # noqa: E402

torch.manual_seed(0)


def multi(m, xs, opts):
    m, xs = calibrated_multi(m, xs)
    return m, xs, opts


def events(n=4096):
    """E2VID's events [N, 4]: t (increasing), x, y in [0, 1) of the sensor, polarity ±1."""
    t = torch.sort(torch.rand(n))[0]
    return torch.stack([t, torch.rand(n), torch.rand(n), torch.randint(0, 2, (n,)).float() * 2 - 1], 1)


def e2vid():
    states = []
    for c, s in ((32, 2), (64, 4), (128, 8)):
        states += [0.1 * torch.randn(1, c, 128 // s, 160 // s) for _ in range(2)]
    names = ['events', 'h1', 'c1', 'h2', 'c2', 'h3', 'c3']
    return multi(td.E2VID(), (events(), *states), {'opset': 16, 'names': names, 'outputs': ['image', 'h1o', 'c1o', 'h2o', 'c2o', 'h3o', 'c3o']})


MODELS = {
    # pose / detection / tracking / re-id / OCR
    'higherhrnet_op11': lambda: calibrated(dt.HigherHRNet(), img(256)) + ({'opset': 11, 'outputs': ['heatmaps', 'tags']},),
    'yolo_pose_op11': lambda: calibrated(dt.YOLOPose(), img(320)) + ({'opset': 11},),
    'centertrack_op11': lambda: multi(dt.CenterTrack(), (img(256), img(256), img(256, c=1)), {'opset': 11, 'names': ['image', 'pre_image', 'pre_hm'], 'outputs': ['hm', 'reg', 'wh', 'tracking']}),
    'fairmot_op11': lambda: calibrated(dt.FairMOT(), img(256, 448)) + ({'opset': 11, 'outputs': ['dets', 'id_feature']},),
    'mgn_reid_op11': lambda: calibrated(dt.MGN(), img(384, 128)) + ({'opset': 11},),
    'psenet_op11': lambda: calibrated(dt.PSENet(), img(320)) + ({'opset': 11, 'outputs': ['score', 'kernels']},),
    'textsnake_op11': lambda: calibrated(dt.TextSnake(), img(256)) + ({'opset': 11},),
    'master_ocr_op13': lambda: calibrated(dt.MASTER(), img(48, 160)) + ({'opset': 13, 'outputs': ['probs', 'tokens']},),
    'monoflex_op11': lambda: multi(dt.MonoFlex(), (img(192, 640), torch.tensor([721.5])), {'opset': 11, 'names': ['image', 'focal'], 'outputs': ['heatmap', 'depth', 'dims', 'regs']}),
    # depth / stereo / events / radar
    'stereonet_op11': lambda: multi(td.StereoNet(), (img(256, 512), img(256, 512)), {'opset': 11, 'names': ['left', 'right']}),
    'acvnet_op11': lambda: multi(td.ACVNet(), (img(128, 256), img(128, 256)), {'opset': 11, 'names': ['left', 'right']}),
    'fastdepth_op11': lambda: calibrated(td.FastDepth(), img(224)) + ({'opset': 11},),
    'e2vid_voxel_op16': e2vid,
    'evflownet_op11': lambda: calibrated(td.EVFlowNet(), img(256, c=4)) + ({'opset': 11, 'outputs': ['flow', 'flow_half']},),
    'rodnet_cdc_op11': lambda: calibrated(td.RODNetCDC(), torch.rand(1, 2, 16, 128, 128)) + ({'opset': 11},),
    # segmentation: lightweight, lidar, contours
    'lednet_op11': lambda: calibrated(sg.LEDNet(), img(256, 512)) + ({'opset': 11},),
    'dabnet_op11': lambda: calibrated(sg.DABNet(), img(256, 512)) + ({'opset': 11},),
    'salsanext_op11': lambda: calibrated(sg.SalsaNext(), img(64, 512, c=5)) + ({'opset': 11},),
    'deepsnake_op16': lambda: calibrated(sg.DeepSnake(), img(256)) + ({'opset': 16, 'outputs': ['contours', 'scores']},),
    # super-resolution / mobile ViT hybrid
    'carn_m_x2_op11': lambda: calibrated(gn.CARNM(), img(64)) + ({'opset': 11},),
    'rlfn_x4_op11': lambda: calibrated(gn.RLFN(), img(64)) + ({'opset': 11},),
    'shvit_s1_op13': lambda: calibrated(gn.SHViT(), img(224)) + ({'opset': 13},),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
