#!/usr/bin/env python3
"""Eleventh sweep (docs/model-sweep.md), vision, video and generative: models the ten earlier sweeps did not try —
video / 3-D (X3D, MoViNet streaming, TSM, SlowFast, nnU-Net 3d, V-Net, VideoMAE, TimeSformer, Video Swin), optical
flow (PWC-Net), generative (StyleGAN2, pix2pix, CycleGAN), backbones (DeiT distilled, BEiT, CaiT, PVTv2, CoAtNet), OCR
(PARSeq, TrOCR's encoder, DBNet++), re-id / segmentation (OSNet, PIDNet) and face (3DDFA-V2) — written in plain torch.nn with the math of their public code (sweep11_vis_*.py), random
weights, exported with Debian's torch 1.13 at their export scripts' opsets and dynamic axes:

    /usr/bin/python3 scripts/export/sweep11_vis.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --out-dir OUT_DIR/tflite [--input-shape ...]

Keep OUT_DIR outside the repository.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import calibrated, img, export_all  # noqa: E402
from sweep8 import calibrated_multi  # noqa: E402
import sweep11_vis_video as vd  # noqa: E402
import sweep11_vis_gen as gn  # noqa: E402
import sweep11_vis_bb as bb  # noqa: E402
import sweep11_vis_ocr as ocr  # noqa: E402
import sweep11_vis_more as mo  # noqa: E402

torch.manual_seed(0)


def clip(t, h, w=None):
    return torch.rand(1, 3, t, h, w or h)


def movinet():
    m = vd.MoViNetStream()
    frame, count = torch.rand(1, 3, 1, 128, 128), torch.tensor([3.0])
    m, _ = calibrated_multi(m, (frame, count, *m.states(128)))
    xs = (frame, count, *m.states(128))
    n = (len(xs) - 3) // 2
    state_names = [f'{k}_{i}' for i in range(n) for k in ('buffer', 'se_sum')] + ['pool_sum']
    return m, xs, {'opset': 13, 'names': ['image', 'count', *state_names],
                   'outputs': ['logits', 'count_out', *[f'{s}_out' for s in state_names]]}


def slowfast():
    xs = (clip(4, 128), clip(16, 128))
    m, _ = calibrated_multi(vd.SlowFast(), xs)
    return m, xs, {'opset': 11, 'names': ['slow', 'fast']}


def pwcnet():
    xs = (img(128), img(128))
    return vd.PWCNet().eval(), xs, {'opset': 16, 'names': ['im1', 'im2'], 'outputs': ['flow']}


MODELS = {
    # video / 3-D: pytorchvideo's X3D and SlowFast (opset 11), MoViNet-pytorch's causal stream (opset 13), TSM's
    # export (opset 11, [N·T, C, H, W]), nnU-Net / V-Net community exports (opset 17 / 11)
    'x3d_xs_op11': lambda: calibrated(vd.X3D(), clip(4, 160)) + ({'opset': 11},),
    'movinet_a0_stream_op13': movinet,
    'tsm_mbv2_op11_dynamic': lambda: calibrated_multi(vd.TSM(), (torch.rand(8, 3, 128, 128),)) + ({'opset': 11, 'dynamic': {'input': {0: 'batch_x_segments'}}},),
    'slowfast_r50_style_op11': slowfast,
    'nnunet_3d_fullres': lambda: (vd.NnUNet3d().eval(), torch.rand(1, 1, 32, 64, 64), {'opset': 17, 'dynamic': {'input': {0: 'batch'}}}),
    'vnet_op11': lambda: calibrated(vd.VNet(), torch.rand(1, 1, 16, 32, 32)) + ({'opset': 11},),
    # optical flow: PWC-Net with its grid_sample warp (opset 16)
    'pwcnet_op16': pwcnet,
    # generative: rosinality StyleGAN2 (opset 11), pix2pix / CycleGAN generators (opset 11, dynamic batch / H / W)
    'stylegan2_32_op11': lambda: (gn.StyleGAN2().eval(), torch.randn(1, 64), {'opset': 11, 'names': ['z'], 'outputs': ['image']}),
    'stylegan2_fused_32_op11': lambda: (gn.StyleGAN2().fused().eval(), torch.randn(1, 64), {'opset': 11, 'names': ['z'], 'outputs': ['image']}),
    'pix2pix_unet256_op11': lambda: calibrated(gn.pix2pix_unet(), img(256)) + ({'opset': 11},),
    'cyclegan_resnet_op11_dynamic': lambda: (gn.cyclegan_resnet().eval(), img(256), {'opset': 11, 'dynamic': {'input': {0: 'batch', 2: 'height', 3: 'width'}}}),
    # backbones: timm exports (opset 17; DeiT's at 13 with dynamic batch)
    'deit_tiny_distilled_op13_dynamic': lambda: calibrated(bb.DeiT(), img(224)) + ({'opset': 13, 'dynamic': {'input': {0: 'batch'}}},),
    'beit_style': lambda: calibrated(bb.BEiT(), img(224)),
    'cait_xxs_style': lambda: calibrated(bb.CaiT(), img(224)),
    'pvt_v2_b0': lambda: calibrated(bb.PVTv2(), img(224)),
    'coatnet_0_style': lambda: calibrated(bb.CoAtNet(), img(224)),
    # OCR: PARSeq's export (opset 14), optimum's TrOCR encoder (opset 14, dynamic batch), mmocr DBNet++ (opset 11)
    'parseq_op14': lambda: calibrated(ocr.PARSeq(), img(32, 128)) + ({'opset': 14, 'names': ['images'], 'outputs': ['probs']},),
    'trocr_small_encoder_op14': lambda: calibrated(bb.DeiT(img=384, d=384, depth=4, heads=6, features=True), img(384)) + ({'opset': 14, 'names': ['pixel_values'], 'outputs': ['last_hidden_state'], 'dynamic': {'pixel_values': {0: 'batch'}}},),
    'dbnetpp_r18_op11_dynamic': lambda: calibrated(ocr.DBNetPP(), img(640)) + ({'opset': 11, 'dynamic': {'input': {0: 'batch', 2: 'height', 3: 'width'}}},),
    # video transformers: optimum's VideoMAE (opset 14, [B, T, C, H, W]), TimeSformer's export (opset 14)
    'videomae_style_op14': lambda: calibrated(mo.VideoMAE(), torch.rand(1, 8, 3, 112, 112)) + ({'opset': 14, 'names': ['pixel_values'], 'outputs': ['logits']},),
    'swin3d_t_style': lambda: calibrated(mo.Swin3d(), clip(8, 112)),
    'timesformer_style_op14': lambda: calibrated(mo.TimeSformer(), clip(4, 112)) + ({'opset': 14},),
    # re-identification (BoxMOT / deep_sort's OSNet export, opset 12, dynamic batch), PIDNet-S's export (opset 11)
    'osnet_x0_25_op12_dynamic': lambda: calibrated(mo.OSNet(), img(256, 128)) + ({'opset': 12, 'names': ['images'], 'outputs': ['output'], 'dynamic': {'images': {0: 'batch'}}},),
    'pidnet_s_op11': lambda: calibrated(mo.PIDNetS(), img(512, 1024)) + ({'opset': 11},),
    # face: 3DDFA-V2's onnx export with the BFM reconstruction (opset 11)
    '3ddfa_v2_mb1_op11': lambda: calibrated(gn.TDDFA(), img(120)) + ({'opset': 11, 'outputs': ['param', 'vertices']},),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
