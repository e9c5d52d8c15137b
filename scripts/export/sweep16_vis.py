#!/usr/bin/env python3
"""Sixteenth sweep (docs/model-sweep.md), vision / detection / 3-D: deployed families the fifteen earlier sweeps did
not try — CAFormer, UniRepLKNet, gMLP, ResMLP, CSWin, DaViT, BiFormer, Sequencer2D, VoVNetV2, HorNet (backbones:
sweep16_vis_bb.py), DANet, CCNet, ERFNet, PointRend, MTCNN, Stacked Hourglass, Attention U-Net
(sweep16_vis_dense.py), I3D, ir-CSN, ViViT, VoxelNet, MedNeXt (sweep16_vis_3d.py), Uformer, MPRNet, RFDN,
MonoDepth2, AdaBins (sweep16_vis_res.py) — written in plain torch.nn with the math of their public code,
random weights, exported with Debian's torch 1.13 into OUT_DIR (outside the repository; then `onnx2lite convert`
each): `/usr/bin/python3 scripts/export/sweep16_vis.py OUT_DIR [NAME ...]`."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep8 import calibrated_multi  # noqa: E402
from sweep import calibrated, export_all  # noqa: E402
import sweep16_vis_bb as bb  # noqa: E402
import sweep16_vis_dense as dn  # noqa: E402
import sweep16_vis_3d as td  # noqa: E402
import sweep16_vis_res as rs  # noqa: E402

torch.manual_seed(0)
rand = torch.rand


def img(h, w=None):
    return rand(1, 3, h, w or h)


def voxelnet():
    m = td.VoxelNet()
    x = td.voxelnet_inputs()
    m, _ = calibrated_multi(m, x)
    return m, x, {'opset': 13, 'names': ['voxel_features', 'voxel_num_points', 'coords'], 'outputs': ['scores', 'boxes']}


MODELS = {
    # backbones
    'caformer_s_op17': lambda: calibrated(bb.CAFormer(), img(224)) + ({'opset': 17},),
    'unireplknet_op17': lambda: calibrated(bb.UniRepLKNet(), img(224)) + ({'opset': 17},),
    'gmlp_s_op13': lambda: calibrated(bb.GMlp(), img(224)) + ({'opset': 13},),
    'resmlp_op13': lambda: calibrated(bb.ResMlp(), img(224)) + ({'opset': 13},),
    'cswin_t_op13': lambda: calibrated(bb.CSWin(), img(224)) + ({'opset': 13},),
    'davit_t_op13': lambda: calibrated(bb.DaViT(), img(224)) + ({'opset': 13},),
    'biformer_t_op13': lambda: calibrated(bb.BiFormer(), img(224)) + ({'opset': 13},),
    'sequencer2d_op13': lambda: calibrated(bb.Sequencer2D(), img(224)) + ({'opset': 13},),
    'vovnet_v2_ese_op11': lambda: calibrated(bb.VoVNetV2(), img(224)) + ({'opset': 11},),
    'hornet_gnconv_op13': lambda: calibrated(bb.HorNet(), img(224)) + ({'opset': 13},),
    # dense prediction / detection / pose
    'danet_op11': lambda: calibrated(dn.DANet(), img(256)) + ({'opset': 11},),
    'ccnet_op11': lambda: calibrated(dn.CCNet(), img(256)) + ({'opset': 11},),
    'erfnet_op11': lambda: calibrated(dn.ERFNet(), img(256, 512)) + ({'opset': 11},),
    'pointrend_sem_op16': lambda: calibrated(dn.PointRendSemSeg(), img(256)) + ({'opset': 16},),
    'mtcnn_pnet_op11': lambda: (dn.PNet().eval(), img(120, 160), {'opset': 11, 'outputs': ['reg', 'prob']}),
    'mtcnn_onet_op11': lambda: (dn.ONet().eval(), img(48), {'opset': 11, 'outputs': ['reg', 'landmarks', 'prob']}),
    'hourglass2_op11': lambda: calibrated(dn.StackedHourglass(), img(256)) + ({'opset': 11},),
    'attention_unet_op11': lambda: calibrated(dn.AttU_Net(), img(256)) + ({'opset': 11},),
    # 3-D / video / points
    'i3d_op11': lambda: calibrated(td.I3D(), rand(1, 3, 16, 112, 112)) + ({'opset': 11},),
    'ir_csn_op11': lambda: calibrated(td.IrCSN(), rand(1, 3, 8, 112, 112)) + ({'opset': 11},),
    'vivit_fe_op13': lambda: calibrated(td.ViViT(), rand(1, 3, 16, 112, 112)) + ({'opset': 13},),
    'voxelnet_op13': voxelnet,
    'mednext_3d_op17': lambda: (td.MedNeXt().eval(), rand(1, 1, 32, 32, 32), {'opset': 17}),
    # restoration / depth
    'uformer_op13': lambda: (rs.Uformer().eval(), img(128), {'opset': 13}),
    'mprnet_op11': lambda: (rs.MPRNet().eval(), img(128), {'opset': 11, 'outputs': ['restored', 'stage2', 'stage1']}),
    'rfdn_x4_op11': lambda: (rs.RFDN().eval(), img(64), {'opset': 11}),
    'monodepth2_op11': lambda: calibrated(rs.MonoDepth2(), img(192, 640)) + ({'opset': 11, 'outputs': ['disp0', 'disp1', 'disp2', 'disp3']},),
    'adabins_op11': lambda: calibrated(rs.AdaBins(), img(240, 320)) + ({'opset': 11, 'outputs': ['bin_edges', 'depth']},),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
