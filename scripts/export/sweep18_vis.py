#!/usr/bin/env python3
"""Eighteenth sweep (docs/model-sweep.md), vision / detection / pose / matching / generative: deployed families the
seventeen earlier sweeps did not try — CornerNet-Squeeze, PIPNet, HMR + SMPL, ST-GCN, CTR-GCN (sweep18_vis_det.py),
SuperGlue, PWC-Net, KPConv, SATRN (sweep18_vis_match.py), DeepFill v2, BasicVSR, FFDNet, SAFMN, SPADE, Glow
(sweep18_vis_gen.py), PiDiNet, UNet++, BTS, TransUNet (sweep18_vis_dense.py), GC ViT, EdgeViT, DPN, coordinate
attention MobileNetV2, GCNet, ViG (sweep18_vis_bb.py) — written in plain torch.nn with the math of their public code,
random weights, exported with Debian's torch 1.13 into OUT_DIR (outside the repository; then `onnx2lite convert`
each): `/usr/bin/python3 scripts/export/sweep18_vis.py OUT_DIR [NAME ...]`."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep8 import calibrated_multi  # noqa: E402
from sweep import calibrated, export_all  # noqa: E402
import sweep18_vis_bb as bb  # noqa: E402
import sweep18_vis_dense as dn  # noqa: E402
import sweep18_vis_det as dt  # noqa: E402
import sweep18_vis_gen as gn  # noqa: E402
import sweep18_vis_match as mt  # noqa: E402

torch.manual_seed(0)
rand = torch.rand


def img(h, w=None):
    return rand(1, 3, h, w or h)


def multi(m, xs, opts):
    m, xs = calibrated_multi(m, xs)
    return m, xs, opts


def superglue():
    g = torch.Generator().manual_seed(1)
    xs = (rand(1, 128, 2, generator=g), rand(1, 128, generator=g), torch.nn.functional.normalize(torch.randn(1, 64, 128, generator=g), dim=1),
          rand(1, 100, 2, generator=g), rand(1, 100, generator=g), torch.nn.functional.normalize(torch.randn(1, 64, 100, generator=g), dim=1))
    return multi(mt.SuperGlue(), xs, {
        'opset': 13, 'names': ['keypoints0', 'scores0', 'descriptors0', 'keypoints1', 'scores1', 'descriptors1'],
        'outputs': ['matches0', 'matches1', 'matching_scores0', 'matching_scores1', 'scores']})


def kpconv():
    m = mt.KPFCNN()
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm1d):
            mod.reset_running_stats()
            mod.momentum = None
    with torch.no_grad():
        m.train()
        for _ in range(3):
            m(rand(1024, 3), rand(1024, 1))
    m.eval()
    return m, (rand(1024, 3), rand(1024, 1)), {'opset': 13, 'names': ['points', 'features']}


MODELS = {
    # detection / pose / face / skeletons
    'cornernet_squeeze_op11': lambda: calibrated(dt.CornerNetSqueeze(), img(256)) + (
        {'opset': 11, 'outputs': ['tl_heat', 'br_heat', 'tl_tag', 'br_tag', 'tl_off', 'br_off']},),
    'pipnet_op11': lambda: calibrated(dt.PIPNet(), img(256)) + ({'opset': 11, 'outputs': ['landmarks', 'scores']},),
    'hmr_smpl_op12': lambda: calibrated(dt.HMRSMPL(), img(224)) + ({'opset': 12, 'outputs': ['vertices', 'keypoints2d', 'rotmat']},),
    'stgcn_op12': lambda: calibrated(dt.STGCN(), rand(1, 3, 64, 18, 2)) + ({'opset': 12},),
    'ctrgcn_op12': lambda: calibrated(dt.CTRGCN(), rand(1, 3, 64, 25, 2)) + ({'opset': 12},),
    # matching / flow / points / OCR
    'superglue_op13': superglue,
    'pwcnet_op16': lambda: multi(mt.PWCNet(), (img(256), img(256)), {'opset': 16, 'names': ['im1', 'im2']}),
    'kpconv_op13': kpconv,
    'satrn_op14': lambda: multi(mt.SATRN(), (img(32, 100), torch.randint(0, 40, (1, 25))), {'opset': 14, 'names': ['image', 'tokens']}),
    # restoration / inpainting / generative
    'deepfill_v2_op11': lambda: multi(gn.DeepFillV2(), (img(128), rand(1, 1, 128, 128)),
                                      {'opset': 11, 'names': ['image', 'mask'], 'outputs': ['inpainted', 'coarse']}),
    'basicvsr_op16': lambda: multi(gn.BasicVSR(), (rand(1, 3, 3, 64, 64),), {'opset': 16}),
    'ffdnet_op11': lambda: multi(gn.FFDNet(), (img(128), 0.2 * rand(1)), {'opset': 11, 'names': ['image', 'sigma']}),
    'safmn_x4_op11': lambda: calibrated(gn.SAFMN(), img(64)) + ({'opset': 11},),
    'spade_op11': lambda: calibrated(gn.SPADEGenerator(), rand(1, 12, 128, 128)) + ({'opset': 11},),
    'glow_op11': lambda: calibrated(gn.Glow(), img(32)) + ({'opset': 11, 'outputs': ['z', 'bpd']},),
    # dense prediction
    'pidinet_op11': lambda: calibrated(dn.PiDiNet(), img(256)) + ({'opset': 11},),
    'unetpp_op11': lambda: calibrated(dn.NestedUNet(), img(128)) + ({'opset': 11, 'outputs': ['out1', 'out2', 'out3', 'out4']},),
    'bts_op13': lambda: calibrated(dn.BTS(), img(128, 384)) + ({'opset': 13},),
    'transunet_op13': lambda: calibrated(dn.TransUNet(), img(224)) + ({'opset': 13},),
    # backbones
    'gcvit_op13': lambda: calibrated(bb.GCViT(), img(224)) + ({'opset': 13},),
    'edgevit_op13': lambda: calibrated(bb.EdgeViT(), img(224)) + ({'opset': 13},),
    'dpn_op11': lambda: calibrated(bb.DPN(), img(224)) + ({'opset': 11},),
    'ca_mobilenetv2_op11': lambda: calibrated(bb.CAMobileNetV2(), img(224)) + ({'opset': 11},),
    'gcnet_r_op13': lambda: calibrated(bb.GCResNet(), img(224)) + ({'opset': 13},),
    'vig_ti_op13': lambda: calibrated(bb.ViG(), img(224)) + ({'opset': 13},),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
