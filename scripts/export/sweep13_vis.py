#!/usr/bin/env python3
"""Thirteenth sweep (docs/model-sweep.md), vision / detection / 3-D: deployed models the twelve earlier sweeps did
not try — DETR family (DINO-DETR two-stage with deformable encoder and decoder, DAB-DETR / Conditional DETR),
instance segmentation (YOLACT with its mask assembly, SOLOv2 with matrix NMS), one-stage detectors (DAMO-YOLO,
YOLOv12 area attention), BEV 3-D (CenterPoint's head and decode), stereo (RAFT-Stereo), metric depth (ZoeDepth's
attractor / log-binomial head), face restoration (GFPGAN clean), driving perception (YOLOP), PP-LCNet, StarNet,
salient objects (BiRefNet), SparseInst, SFNet — written in plain torch.nn with the math
of their public code (sweep13_vis_detr.py, _det.py, _yolo.py, _dense.py, _more.py), random weights, exported with Debian's
torch 1.13 at their export scripts' opsets, into OUT_DIR (outside the repository; then `onnx2lite convert` each):
`/usr/bin/python3 scripts/export/sweep13_vis.py OUT_DIR [NAME ...]`. lss_op13 is checked with camera values
(lss_cameras) by scripts/check-with-inputs.ts --value; DINO, which onnxruntime cannot load as torch 1.13 writes it,
against PyTorch (sweep13_vis_torchref.py, scripts/check-vs-torch.ts)."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep8 import calibrated_multi  # noqa: E402
from sweep import calibrated, export_all, img  # noqa: E402
import sweep13_vis_detr as dr  # noqa: E402
import sweep13_vis_det as dt  # noqa: E402
import sweep13_vis_yolo as yo  # noqa: E402
import sweep13_vis_dense as de  # noqa: E402
import sweep13_vis_more as mo  # noqa: E402

torch.manual_seed(0)
rand = torch.rand


def lss_cameras():
    """Two cameras looking forward and backward ~1.5 m up (camera x right, y down, z forward → ego x forward, y left,
    z up), ~100 px focal lengths, no augmentation. Not round numbers: points exactly on a voxel edge truncate to either
    cell by float32 rounding. scripts/check-with-inputs.ts gives these by --value:
    rots=0,0,1,-1,0,0,0,-1,0,0,0,-1,1,0,0,0,-1,0 trans=0.03,0.01,1.53,-0.02,0.04,1.51
    intrins=97.3,0,87.6,0,97.3,31.4,0,0,1,101.7,0,88.2,0,101.7,32.9,0,0,1 post_rots=(identities) post_trans=(zeros)"""
    r = torch.tensor([[0.0, 0, 1], [-1, 0, 0], [0, -1, 0]])
    back = torch.diag(torch.tensor([-1.0, -1, 1]))
    rots = torch.stack([r, back @ r])[None]
    intrins = torch.tensor([[[97.3, 0, 87.6], [0, 97.3, 31.4], [0, 0, 1]], [[101.7, 0, 88.2], [0, 101.7, 32.9], [0, 0, 1]]])[None]
    trans = torch.tensor([[0.03, 0.01, 1.53], [-0.02, 0.04, 1.51]])[None]
    return rots, trans, intrins, torch.eye(3).expand(1, 2, 3, 3).contiguous(), torch.zeros(1, 2, 3)


MODELS = {
    # DETR family: DINO's and DAB-DETR's exports (opset 16 for grid_sample; scores / labels / boxes after PostProcess)
    'dino_detr_style_op16': lambda: calibrated_multi(dr.DINO(), (img(320),)) + ({'opset': 16, 'names': ['images'], 'outputs': ['scores', 'labels', 'boxes']},),
    'dab_detr_style_op13': lambda: calibrated_multi(dr.DABDETR(), (img(320),)) + ({'opset': 13, 'names': ['images'], 'outputs': ['scores', 'labels', 'boxes']},),
    # instance segmentation: YOLACT (opset 11, decode + mask assembly), SOLOv2 (opset 14: torch 1.13 exports triu from 14; matrix NMS)
    'yolact_style_op11': lambda: calibrated_multi(dt.YOLACT(), (img(320),)) + ({'opset': 11, 'outputs': ['boxes', 'scores', 'labels', 'masks']},),
    'solov2_light_op14': lambda: calibrated_multi(dt.SOLOv2(), (img(320),)) + ({'opset': 14, 'outputs': ['masks', 'labels', 'scores']},),
    # one-stage: DAMO-YOLO (opset 11, scores / boxes), YOLOv12n (ultralytics' export, opset 17)
    'damo_yolo_style_op11': lambda: calibrated_multi(dt.DAMOYOLO(), (img(320),)) + ({'opset': 11, 'names': ['images'], 'outputs': ['scores', 'boxes']},),
    'yolov12n_style': lambda: calibrated(yo.Yolo12(), img(320)) + ({'opset': 17, 'names': ['images'], 'outputs': ['output0']},),
    # BEV 3-D: CenterPoint-PointPillars RPN + head + decode on the 128² pseudo image (opset 11)
    'centerpoint_pp_decode_op11': lambda: calibrated_multi(yo.CenterPoint(), (torch.rand(1, 64, 128, 128),)) + ({'opset': 11, 'names': ['spatial_features']},),
    # driving perception: YOLOP (its export_onnx.py: opset 12, 640×640 → 320×320; det_out, drive_area_seg, lane_line_seg)
    'yolop_op12': lambda: calibrated(yo.YOLOP(), img(320)) + ({'opset': 12, 'names': ['images'], 'outputs': ['det_out', 'drive_area_seg', 'lane_line_seg']},),
    # classification: PP-LCNet x0.5 as paddle2onnx writes it (opset 11)
    'pp_lcnet_x0_5_op11': lambda: calibrated(yo.PPLCNet(), img(224)) + ({'opset': 11, 'names': ['x'], 'outputs': ['softmax']},),
    # stereo / depth / restoration: RAFT-Stereo (opset 16: grid_sample), ZoeDepth head (opset 11), GFPGAN (opset 11)
    'raft_stereo_rt_op16': lambda: calibrated_multi(de.RAFTStereo(), (rand(1, 3, 128, 256), rand(1, 3, 128, 256))) + ({'opset': 16, 'names': ['left', 'right'], 'outputs': ['disparity']},),
    'zoedepth_head_op11': lambda: (de.ZoeDepth().eval(), rand(1, 3, 192, 256), {'opset': 11, 'outputs': ['metric_depth']}),
    'gfpgan_clean_128_op11': lambda: (de.GFPGAN().eval(), rand(1, 3, 128, 128) * 2 - 1, {'opset': 11, 'outputs': ['output']}),
    # salient objects: BiRefNet_lite (swin-t, 1024 → 256; its deploy notebook's opset 17, deform_conv2d written out)
    'birefnet_lite_op17': lambda: calibrated(mo.BiRefNet(), img(256)) + ({'opset': 17, 'outputs': ['logits']},),
    'birefnet_convpyr_op17': lambda: calibrated(mo.BiRefNetConvPyramid(), img(128)) + ({'opset': 17, 'outputs': ['logits']},),
    # BEV: Lift-Splat-Shoot (opset 13), cameras as inputs
    'lss_op13': lambda: calibrated_multi(mo.LSS(), (rand(1, 2, 3, 64, 176),) + lss_cameras()) + ({'opset': 13, 'names': ['imgs', 'rots', 'trans', 'intrins', 'post_rots', 'post_trans'], 'outputs': ['bev']},),
    # instance / semantic segmentation: SparseInst (opset 11; 384: torch exports adaptive pools 1 / 2 / 3 / 6 only of
    # a 12² map), SFNet-lite (opset 16: grid_sample; 384×768 for the same reason)
    'sparseinst_op11': lambda: calibrated_multi(mo.SparseInst(), (img(384),)) + ({'opset': 11, 'outputs': ['masks', 'scores']},),
    'sfnet_lite_op16': lambda: calibrated(mo.SFNetLite(), img(384, 768)) + ({'opset': 16, 'names': ['input'], 'outputs': ['output']},),
    # classification: StarNet-S1 (opset 11)
    'starnet_s1_op11': lambda: calibrated(mo.StarNet(), img(224)) + ({'opset': 11},),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
