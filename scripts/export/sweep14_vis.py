#!/usr/bin/env python3
"""Fourteenth sweep (docs/model-sweep.md), vision / detection / 3-D: deployed models the thirteen earlier sweeps did
not try — stereo (HITNet, CREStereo), optical flow with transformers (GMFlow), Depth Pro's multi-resolution patch
encoder, InSPyReNet, RF-DETR (windowed DINOv2 backbone, deformable two-stage decoder), RT-DETRv2's discrete
sampling, SAM 2 (Hiera image encoder, memory attention with 2-D RoPE, prompt encoder + mask decoder with high-res
features), Lite-HRNet, RTMO, RTMDet-Ins, MViTv2, OSTrack, HAT, UNETR / Swin-UNETR (3-D), VoxelMorph, Point
Transformer — written in plain torch.nn with the math of their public code (sweep14_vis_flow.py, _det.py, _sam.py,
_more.py), random weights, exported with Debian's torch 1.13 at their export scripts' opsets and dynamic axes, into
OUT_DIR (outside the repository; then `onnx2lite convert` each):
`/usr/bin/python3 scripts/export/sweep14_vis.py OUT_DIR [NAME ...]`."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep8 import calibrated_multi  # noqa: E402
from sweep import calibrated, export_all, img  # noqa: E402
import sweep14_vis_flow as fl  # noqa: E402
import sweep14_vis_det as dt  # noqa: E402
import sweep14_vis_sam as sm  # noqa: E402
import sweep14_vis_more as mo  # noqa: E402

torch.manual_seed(0)
rand = torch.rand


def pair(h, w):
    return (rand(1, 3, h, w), rand(1, 3, h, w))


MODELS = {
    # stereo: HITNet (opset 11: warping by gathers), CREStereo (opset 16: grid_sample)
    'hitnet_style_op11': lambda: calibrated_multi(fl.HITNet(), pair(128, 256)) + ({'opset': 11, 'names': ['left', 'right'], 'outputs': ['disparity']},),
    'crestereo_lite_op16': lambda: calibrated_multi(fl.CREStereo(), pair(128, 192)) + ({'opset': 16, 'names': ['left', 'right'], 'outputs': ['flow']},),
    # optical flow: GMFlow (opset 13)
    'gmflow_style_op13': lambda: calibrated_multi(fl.GMFlow(), pair(128, 192)) + ({'opset': 13, 'names': ['img0', 'img1'], 'outputs': ['flow']},),
    # depth: Depth Pro's patch encoder (opset 17), salient objects: InSPyReNet (opset 11)
    'depthpro_lite_op17': lambda: calibrated_multi(fl.DepthPro(), (rand(1, 3, 256, 256),)) + ({'opset': 17, 'names': ['image'], 'outputs': ['inverse_depth', 'fov']},),
    'inspyrenet_style_op11': lambda: calibrated_multi(fl.InSPyReNet(), (rand(1, 3, 384, 384),)) + ({'opset': 11, 'names': ['input'], 'outputs': ['saliency']},),
    # DETR family: RF-DETR (its export: opset 17, dets / labels raw), RT-DETRv2 with discrete sampling (opset 16, deploy
    # PostProcessor with orig_target_sizes)
    'rf_detr_nano_style_op17': lambda: calibrated_multi(dt.RFDETR(), (rand(1, 3, 320, 320),)) + ({'opset': 17, 'names': ['input'], 'outputs': ['dets', 'labels']},),
    'rtdetrv2_discrete_op16': lambda: calibrated_multi(dt.RTDETRv2(), (rand(1, 3, 320, 320), torch.tensor([[640, 480]]))) + ({'opset': 16, 'names': ['images', 'orig_target_sizes'], 'outputs': ['labels', 'boxes', 'scores']},),
    # pose: Lite-HRNet-18 (mmpose / mmdeploy: opset 11, 256×192)
    'lite_hrnet_18_op11': lambda: calibrated(dt.LiteHRNet(), img(256, 192)) + ({'opset': 11, 'outputs': ['heatmaps']},),
    # instance segmentation: RTMDet-Ins with mmdeploy's NMS in the graph (opset 11)
    'rtmdet_ins_tiny_op11': lambda: calibrated_multi(dt.RTMDetIns(), (rand(1, 3, 320, 320),)) + ({'opset': 11, 'outputs': ['boxes', 'scores', 'labels', 'masks']},),
    # tracking: OSTrack-256 (opset 11: template 128², search 256²)
    'ostrack_style_op11': lambda: calibrated_multi(dt.OSTrack(), (rand(1, 3, 128, 128), rand(1, 3, 256, 256))) + ({'opset': 11, 'names': ['template', 'search'], 'outputs': ['pred_boxes', 'score_map']},),
    # SAM 2 as its ONNX exporters split it (opset 17): image encoder, memory attention (dynamic memory length), prompt
    # encoder + mask decoder (dynamic point count)
    'sam2_hiera_encoder_op17': lambda: calibrated_multi(sm.SAM2Encoder(), (rand(1, 3, 256, 256),)) + ({'opset': 17, 'names': ['image'], 'outputs': ['image_embed', 'high_res_feats_0', 'high_res_feats_1']},),
    'sam2_memory_attention_op17_dynamic': lambda: (sm.MemoryAttention().eval(), (torch.randn(256, 1, 64), torch.randn(2 * 256 + 16, 1, 32), torch.randn(256, 1, 64), torch.randn(2 * 256 + 16, 1, 32)),
                                                   {'opset': 17, 'names': ['curr', 'memory', 'curr_pos', 'memory_pos'], 'outputs': ['pix_feat'],
                                                    'dynamic': {'memory': {0: 'num_memory'}, 'memory_pos': {0: 'num_memory'}}}),
    'sam2_decoder_op17_dynamic': lambda: (sm.SAM2Decoder().eval(), (torch.randn(1, 64, 16, 16), torch.randn(1, 8, 64, 64), torch.randn(1, 16, 32, 32), rand(1, 3, 2) * 256,
                                                                   torch.tensor([[1.0, 2, 3]]), torch.zeros(1, 1, 64, 64), torch.zeros(1)),
                                          {'opset': 17, 'names': ['image_embed', 'high_res_feats_0', 'high_res_feats_1', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input'],
                                           'outputs': ['masks', 'iou_predictions', 'object_score_logits'], 'dynamic': {'point_coords': {1: 'num_points'}, 'point_labels': {1: 'num_points'}}}),
    # backbones / restoration: MViTv2 (opset 17), HAT ×2 (opset 17, as SwinIR / HAT exports)
    'mvitv2_tiny_style_op17': lambda: calibrated(mo.MViTv2(), img(160)) + ({'opset': 17},),
    'hat_s_x2_op17': lambda: (mo.HAT().eval(), rand(1, 3, 64, 64), {'opset': 17}),
    # 3-D medical (MONAI's torch.onnx export: opset 17), registration (VoxelMorph: opset 16, 5-D grid_sample)
    'unetr_3d_op17': lambda: (mo.UNETR().eval(), rand(1, 1, 32, 32, 32), {'opset': 17}),
    # (at opset 17 torch 1.13 writes proj_out's weightless F.layer_norm as a LayerNormalization without its scale: invalid)
    'swin_unetr_3d_op16': lambda: (mo.SwinUNETR().eval(), rand(1, 1, 32, 32, 32), {'opset': 16}),
    'voxelmorph_3d_op16': lambda: (mo.VoxelMorph().eval(), (rand(1, 1, 32, 32, 32), rand(1, 1, 32, 32, 32)), {'opset': 16, 'names': ['source', 'target'], 'outputs': ['moved', 'flow']}),
    # point clouds: Point Transformer classification (opset 13), 256 points
    'point_transformer_cls_op13': lambda: (mo.PointTransformer().eval(), torch.randn(1, 256, 3), {'opset': 13, 'names': ['points']}),
    # real-time segmentation with attention: SeaFormer-Tiny (opset 11, 512²), RTFormer-Slim (opset 11, 512×1024)
    'seaformer_tiny_style_op11': lambda: calibrated(mo.SeaFormer(), img(512)) + ({'opset': 11},),
    'rtformer_slim_style_op11': lambda: calibrated(mo.RTFormer(), img(512, 1024)) + ({'opset': 11},),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
