#!/usr/bin/env python3
"""Twenty-second sweep (docs/model-sweep.md), vision / detection / OCR / face / hand / flow / depth / stereo / low-light /
raw / deblur / panoptic / lidar / skeleton / video / ViT / generative: deployed families the twenty-one earlier sweeps
did not try — Relation-DETR, T-Rex2's visual prompts, FCENet, SLANet, MGP-STR (sweep22_vis_det.py), SLPT, MobRecon
(sweep22_vis_face.py), NeuFlow v2, NLSPN, MobileStereoNet-2D, CIDNet (sweep22_vis_dense.py), PMRID, Stripformer
(sweep22_vis_restore.py), kMaX-DeepLab, RangeNet++, PolarNet (sweep22_vis_seg.py), MS-G3D, PoseC3D
(sweep22_vis_video.py), CAS-ViT, RMT, Next-ViT (sweep22_vis_vit.py), DC-AE decoder, U-ViT, MaskGIT
(sweep22_vis_gen.py) — written in plain torch.nn with the math of their public code, random weights, exported with
Debian's torch 1.13 into OUT_DIR (outside the repository; then `onnx2lite convert` each): `/usr/bin/python3
scripts/export/sweep22_vis.py OUT_DIR [NAME ...]`."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import calibrated, export_all  # noqa: E402
from sweep19_vis import img, multi  # noqa: E402
import sweep22_vis_dense as dn  # noqa: E402
import sweep22_vis_det as dt  # noqa: E402
import sweep22_vis_face as fc  # noqa: E402
import sweep22_vis_gen as gn  # noqa: E402
import sweep22_vis_restore as rs  # noqa: E402
import sweep22_vis_seg as sg  # noqa: E402
import sweep22_vis_video as vd  # noqa: E402
import sweep22_vis_vit as vt  # noqa: E402

torch.manual_seed(0)


def boxes(k=4):
    """T-Rex2's box prompts: normalised (cx, cy, w, h)."""
    return torch.cat([0.3 + 0.4 * torch.rand(1, k, 2), 0.1 + 0.2 * torch.rand(1, k, 2)], -1)


def sparse_depth(h=128, w=160, keep=0.05):
    return torch.rand(1, 1, h, w) * 10 * (torch.rand(1, 1, h, w) < keep).float()


MODELS = {
    # detection / open vocabulary / OCR
    'relation_detr_op16': lambda: calibrated(dt.RelationDETR(), img(256)) + ({'opset': 16, 'outputs': ['logits', 'boxes']},),
    'trex2_prompt_op16': lambda: multi(dt.TRex2Prompt(), (img(256), boxes()), {'opset': 16, 'names': ['image', 'prompt_boxes'], 'outputs': ['scores']}),
    'fcenet_op11': lambda: calibrated(dt.FCENet(), img(256)) + ({'opset': 11, 'outputs': ['scores', 'contours']},),
    'slanet_op13': lambda: calibrated(dt.SLANet(), img(256)) + ({'opset': 13, 'outputs': ['structure_probs', 'loc_preds']},),
    'mgpstr_op13': lambda: calibrated(dt.MGPSTR(), img(32, 128)) + ({'opset': 13, 'outputs': ['char', 'bpe', 'wp']},),
    # face / hand
    'slpt_op16': lambda: calibrated(fc.SLPT(), img(256)) + ({'opset': 16, 'outputs': ['landmarks', 'landmarks_stage1']},),
    'mobrecon_op16': lambda: calibrated(fc.MobRecon(), img(128)) + ({'opset': 16, 'outputs': ['verts', 'joints']},),
    # flow / depth completion / stereo / low light / raw / deblur
    'neuflow_op16': lambda: multi(dn.NeuFlow(), (img(128, 256), img(128, 256)), {'opset': 16, 'names': ['image0', 'image1']}),
    'nlspn_op16': lambda: multi(dn.NLSPN(), (img(128, 160), sparse_depth()), {'opset': 16, 'names': ['rgb', 'sparse_depth'], 'outputs': ['depth', 'confidence']}),
    'msnet2d_op11': lambda: multi(dn.MobileStereoNet2D(), (img(128, 256), img(128, 256)), {'opset': 11, 'names': ['left', 'right']}),
    'cidnet_op11': lambda: calibrated(dn.CIDNet(), img(256)) + ({'opset': 11, 'symbolics': {'aten::atan2': dn.atan2_symbolic}},),
    'pmrid_op11': lambda: multi(rs.PMRID(), (img(256, c=1), torch.tensor([1600.0])), {'opset': 11, 'names': ['raw', 'iso']}),
    'stripformer_op13': lambda: calibrated(rs.Stripformer(), img(256)) + ({'opset': 13},),
    # panoptic / lidar
    'kmax_deeplab_op13': lambda: calibrated(sg.KMaXDeepLab(), img(256)) + ({'opset': 13, 'outputs': ['classes', 'masks']},),
    'rangenet_knn_op16': lambda: calibrated(sg.RangeNet(), img(64, 512, c=5)) + ({'opset': 16, 'outputs': ['probs', 'labels']},),
    'polarnet_op16': lambda: multi(sg.PolarNet(), (torch.rand(1, 4096, 9), torch.randint(0, 64 * 64, (1, 4096))), {'opset': 16, 'names': ['points', 'cell']}),
    # skeleton / video
    'msg3d_op13': lambda: calibrated(vd.MSG3D(), torch.rand(1, 3, 32, 25, 2)) + ({'opset': 13},),
    'posec3d_op11': lambda: calibrated(vd.PoseC3D(), torch.rand(1, 17, 16, 48, 48)) + ({'opset': 11},),
    # mobile ViT hybrids
    'casvit_op11': lambda: calibrated(vt.CASViT(), img(224)) + ({'opset': 11},),
    'rmt_op13': lambda: calibrated(vt.RMT(), img(224)) + ({'opset': 13},),
    'nextvit_op13': lambda: calibrated(vt.NextViT(), img(224)) + ({'opset': 13},),
    # generative
    'dcae_decoder_op13': lambda: (gn.DCAEDecoder(), torch.randn(1, 32, 8, 8), {'opset': 13, 'names': ['latent']}),
    'uvit_op13': lambda: (gn.UViT(), (torch.randn(1, 4, 32, 32), torch.tensor([500.0]), torch.tensor([3])), {'opset': 13, 'names': ['x', 'timesteps', 'y']}),
    'maskgit_step_op13': lambda: (gn.MaskGITStep(), (torch.randint(0, 512, (1, 256)), torch.rand(1, 256) - 0.5, torch.tensor([0.3])),
                                  {'opset': 13, 'names': ['tokens', 'unknown', 'ratio'], 'outputs': ['next_tokens', 'logits']}),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
