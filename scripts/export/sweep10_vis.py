#!/usr/bin/env python3
"""Tenth sweep (docs/model-sweep.md), vision: models the nine earlier sweeps did not try — detectors (RTMDet, PP-YOLOE,
EfficientDet-D0's BiFPN, CenterNet with its decode), pose (RTMO, ViTPose, HRNet-W18), open-vocabulary (CLIP ViT-B/32
image tower, an OWL-ViT head), backbones (FasterNet, EdgeNeXt, SwiftFormer, InceptionNeXt, VanillaNet), restoration /
enhancement (SwinIR, Restormer, Zero-DCE / ++), salient objects (U²-Netp), Mask2Former's pixel + masked-attention
decoders, matching (LoFTR, XFeat, DISK) and point clouds (PointPillars) — written in plain torch.nn with the math of
their public code (sweep10_vis_*.py), random weights, exported with Debian's torch 1.13 at their export scripts'
opsets and dynamic axes:

    /usr/bin/python3 scripts/export/sweep10_vis.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --out-dir OUT_DIR/tflite [--input-shape ...]

Keep OUT_DIR outside the repository.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import calibrated, img, export_all  # noqa: E402
from sweep8 import calibrated_multi  # noqa: E402
import sweep10_vis_det as d  # noqa: E402
import sweep10_vis_bb as bb  # noqa: E402
import sweep10_vis_dense as dn  # noqa: E402
import sweep10_vis_match as mt  # noqa: E402

torch.manual_seed(0)
HW = {0: 'batch', 2: 'height', 3: 'width'}


def rand_img(h, w=None, c=3):
    return torch.rand(1, c, h, w or h)


def owlvit():
    m, xs = calibrated_multi(bb.OwlVit(), (rand_img(768), torch.randn(1, 5, 192)))
    return m, xs, {'opset': 14, 'names': ['pixel_values', 'query_embeds'], 'outputs': ['logits', 'pred_boxes']}


def pillars():
    xs = mt.pillars_inputs()
    m = mt.PointPillars()
    m, _ = calibrated_multi(m, xs)
    return m, xs, {'opset': 11, 'names': ['voxels', 'voxel_num_points', 'voxel_coords'], 'outputs': ['cls_preds', 'box_preds', 'dir_cls_preds']}


MODELS = {
    # detectors: mmdeploy (opset 11, dynamic batch / H / W), paddle2onnx PP-YOLOE (opset 11), zylo117 EfficientDet
    # (opset 11), CenterNet deploy forks (opset 11)
    'rtmdet_tiny_op11_dynamic': lambda: calibrated(d.RTMDet(), img(320)) + ({'opset': 11, 'names': ['input'], 'outputs': ['boxes', 'scores'], 'dynamic': {'input': {0: 'batch'}}},),
    'ppyoloe_s_op11': lambda: calibrated(d.PPYOLOE(), img(320)) + ({'opset': 11, 'names': ['image'], 'outputs': ['boxes', 'scores']},),
    'efficientdet_d0_op11': lambda: calibrated(d.EfficientDetD0(), img(512)) + ({'opset': 11, 'outputs': ['regression', 'classification']},),
    'centernet_r18_op11': lambda: calibrated(d.CenterNet(), img(384)) + ({'opset': 11, 'outputs': ['boxes', 'scores', 'classes']},),
    # pose: mmpose / mmdeploy (opset 11), ViTPose's pytorch2onnx (opset 11)
    'rtmo_s_op11': lambda: calibrated(d.RTMO(), img(320)) + ({'opset': 11, 'outputs': ['dets', 'keypoints']},),
    'vitpose_s_op11': lambda: calibrated(d.ViTPose(), img(256, 192)) + ({'opset': 11, 'dynamic': {'input': {0: 'batch'}}},),
    'hrnet_w18_op11': lambda: calibrated(d.HRNetW18(), img(256, 192)) + ({'opset': 11},),
    # open vocabulary: openai CLIP exports (opset 14), optimum's OWL-ViT (opset 14)
    'clip_vit_b32_op14': lambda: calibrated(bb.ClipVisual(), img(224)) + ({'opset': 14, 'names': ['pixel_values'], 'outputs': ['image_embeds']},),
    'owlvit_style_op14': owlvit,
    # backbones: timm's / the projects' export (opset 17 fixed 224; EdgeNeXt's and SwiftFormer's at 11 / 13 too)
    'fasternet_t0': lambda: calibrated(bb.FasterNet(), img(224)),
    'fasternet_t0_slicing': lambda: calibrated(bb.FasterNet(mode='slicing'), img(224)),
    'edgenext_xx_small_op11': lambda: calibrated(bb.EdgeNeXt(), img(256)) + ({'opset': 11},),
    'swiftformer_xs_op13': lambda: calibrated(bb.SwiftFormer(), img(224)) + ({'opset': 13},),
    'inceptionnext_atto': lambda: calibrated(bb.InceptionNeXt(), img(224)),
    'vanillanet5_train': lambda: calibrated(bb.VanillaNet5(dims=(64, 128, 256, 512)), img(224)),
    'vanillanet5_deploy_op11': lambda: calibrated(bb.VanillaNet5(dims=(64, 128, 256, 512), deploy=True), img(224)) + ({'opset': 11},),
    # restoration / enhancement: SwinIR's and Restormer's community exports (opset 17; SwinIR at an odd size to use its
    # reflect pad), Zero-DCE exports (opset 11)
    'swinir_light_x2': lambda: (dn.SwinIR().eval(), rand_img(60), {'opset': 17}),
    'restormer_small': lambda: (dn.Restormer().eval(), rand_img(64), {'opset': 17}),
    'zero_dce_op11': lambda: (dn.ZeroDCE().eval(), rand_img(128), {'opset': 11}),
    'zero_dce_pp_op11_dynamic': lambda: (dn.ZeroDCEpp().eval(), rand_img(128), {'opset': 11, 'dynamic': {'input': {2: 'height', 3: 'width'}}}),
    'u2netp_op11': lambda: calibrated(dn.U2NETP(), img(320)) + ({'opset': 11},),
    'mask2former_lite_op16': lambda: calibrated(dn.Mask2FormerLite(), img(256)) + ({'opset': 16, 'outputs': ['pred_logits', 'pred_masks']},),
    # matching / 3-D: LoFTR-ONNX-style (opset 16), XFeat's export (opset 17, dynamic H / W), kornia DISK (opset 17),
    # OpenPCDet PointPillars (opset 11, fixed pillar count)
    'loftr_coarse_op16': lambda: calibrated_multi(mt.LoFTRCoarse(), (rand_img(240, 320, 1), rand_img(240, 320, 1))) + ({'opset': 16, 'names': ['image0', 'image1'], 'outputs': ['conf', 'matches']},),
    'xfeat_dynamic': lambda: calibrated(mt.XFeat(), rand_img(240, 320)) + ({'names': ['images'], 'outputs': ['feats', 'heatmap', 'keypoints'], 'dynamic': {'images': HW}},),
    'xfeat_op17': lambda: calibrated(mt.XFeat(), rand_img(240, 320)) + ({'names': ['images'], 'outputs': ['feats', 'heatmap', 'keypoints']},),
    'xfeat_unshuffle_dynamic': lambda: calibrated(mt.XFeat('pixel_unshuffle'), rand_img(240, 320)) + ({'names': ['images'], 'outputs': ['feats', 'heatmap', 'keypoints'], 'dynamic': {'images': HW}},),
    'disk_op17': lambda: (mt.DISK().eval(), rand_img(256), {'names': ['image'], 'outputs': ['descriptors', 'keypoints', 'scores']}),
    'pointpillars_op11': pillars,
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
