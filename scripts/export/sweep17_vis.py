#!/usr/bin/env python3
"""Seventeenth sweep (docs/model-sweep.md), vision / detection / generative / video: deployed families the sixteen
earlier sweeps did not try — NFNet, RepGhost, MixNet, SKNet, HarDNet, PeleeNet, ConvMixer, MLP-Mixer, T2T-ViT, CvT,
ConViT, CrossViT, LSKNet, MogaNet, CMT (backbones: sweep17_vis_bb.py), CondInst, MaskFormer, PolarMask, CGNet, DDColor
(sweep17_vis_dense.py), VQGAN, DCGAN, RCAN, Super SloMo, FLAVR (sweep17_vis_gen.py) — written in plain torch.nn with
the math of their public code, random weights, exported with Debian's torch 1.13 into OUT_DIR (outside the
repository; then `onnx2lite convert` each): `/usr/bin/python3 scripts/export/sweep17_vis.py OUT_DIR [NAME ...]`."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep8 import calibrated_multi  # noqa: E402
from sweep import calibrated, export_all  # noqa: E402
import sweep17_vis_bb as bb  # noqa: E402
import sweep17_vis_dense as dn  # noqa: E402
import sweep17_vis_gen as gn  # noqa: E402

torch.manual_seed(0)
rand = torch.rand


def img(h, w=None):
    return rand(1, 3, h, w or h)


def slomo():
    m, xs = calibrated_multi(gn.SuperSloMo(), (img(128), img(128)))
    return m, xs, {'opset': 16, 'names': ['frame0', 'frame1']}


MODELS = {
    # backbones
    'nfnet_f0ish_op13': lambda: (bb.NFNet().eval(), img(192), {'opset': 13}),
    'repghost_op11': lambda: calibrated(bb.RepGhostNet(), img(224)) + ({'opset': 11},),
    'mixnet_s_op11': lambda: calibrated(bb.MixNet(), img(224)) + ({'opset': 11},),
    'sknet_op11': lambda: calibrated(bb.SKNet(), img(224)) + ({'opset': 11},),
    'hardnet_op11': lambda: calibrated(bb.HarDNet(), img(224)) + ({'opset': 11},),
    'peleenet_op11': lambda: calibrated(bb.PeleeNet(), img(224)) + ({'opset': 11},),
    'convmixer_op13': lambda: calibrated(bb.conv_mixer(), img(224)) + ({'opset': 13},),
    'mlp_mixer_op13': lambda: calibrated(bb.MlpMixer(), img(224)) + ({'opset': 13},),
    't2t_vit_op13': lambda: calibrated(bb.T2TViT(), img(224)) + ({'opset': 13},),
    'cvt_op13': lambda: calibrated(bb.CvT(), img(224)) + ({'opset': 13},),
    'convit_op13': lambda: calibrated(bb.ConViT(), img(224)) + ({'opset': 13},),
    'crossvit_op13': lambda: calibrated(bb.CrossViT(), img(240)) + ({'opset': 13},),
    'lsknet_op13': lambda: calibrated(bb.LSKNet(), img(224)) + ({'opset': 13},),
    'moganet_op13': lambda: calibrated(bb.MogaNet(), img(224)) + ({'opset': 13},),
    'cmt_op13': lambda: calibrated(bb.CMT(), img(224)) + ({'opset': 13},),
    # dense prediction / instance masks / colorization
    'condinst_op13': lambda: calibrated_multi(dn.CondInst(), (img(256),)) + ({'opset': 13, 'outputs': ['scores', 'labels', 'boxes', 'masks']},),
    'maskformer_op13': lambda: calibrated(dn.MaskFormer(), img(256)) + ({'opset': 13, 'outputs': ['logits', 'masks', 'semseg']},),
    'polarmask_op11': lambda: calibrated(dn.PolarMask(), img(256)) + ({'opset': 11, 'outputs': ['scores', 'contours']},),
    'cgnet_op11': lambda: calibrated(dn.CGNet(), img(256, 512)) + ({'opset': 11},),
    'ddcolor_op13': lambda: calibrated(dn.DDColor(), img(256)) + ({'opset': 13},),
    # generative / restoration / video
    'vqgan_op13': lambda: calibrated(gn.VQGAN(), img(64)) + ({'opset': 13, 'outputs': ['reconstruction', 'indices']},),
    'dcgan_g_op11': lambda: calibrated(gn.dcgan_generator(), torch.randn(1, 100, 1, 1)) + ({'opset': 11},),
    'rcan_x2_op11': lambda: (gn.RCAN().eval(), img(48), {'opset': 11}),
    'super_slomo_op16': slomo,
    'flavr_op11': lambda: calibrated(gn.FLAVR(), rand(1, 3, 4, 128, 128)) + ({'opset': 11},),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
