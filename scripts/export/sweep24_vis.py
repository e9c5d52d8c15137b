#!/usr/bin/env python3
"""Twenty-fourth sweep (docs/model-sweep.md): deployed families the twenty-three earlier sweeps did not try —
YOLOv13's hypergraph neck, Sparse4D, MapTR, Pix2Seq, TriDet (sweep24_vis_det.py), SAM-HQ's decoder, CLIPSeg,
CAT-Seg, DUSt3R / MASt3R, VGGT (sweep24_vis_seg.py), TransNeXt, DINOv3, SigLIP 2 NaFlex, CPPD, EfficientTAM's memory
attention (sweep24_vis_vit.py), RVC's NSF-HiFiGAN, APNet2, LTC, LFM2, Gemma 3n's AltUp / LAuReL (sweep24_vis_seq.py) —
written in plain torch.nn with the math of their public code, random weights, exported with Debian's torch 1.13
into OUT_DIR (outside the repository; then `onnx2lite convert` each):
`/usr/bin/python3 scripts/export/sweep24_vis.py OUT_DIR [NAME ...]`. A model's random weights depend on which models
were built before it in the same run (one seed for the run), as in the earlier sweeps."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import calibrated, export_all  # noqa: E402
from sweep19_vis import img, multi  # noqa: E402
import sweep24_vis_det as dt  # noqa: E402
import sweep24_vis_seg as sg  # noqa: E402
import sweep24_vis_vit as vt  # noqa: E402
import sweep24_vis_seq as sq  # noqa: E402

torch.manual_seed(0)


def lidar2img(n=2, h=128, w=256):
    """Cameras looking forward / left from the ego car: intrinsics @ extrinsics, [1, n, 4, 4]."""
    k = torch.tensor([[w / 2.0, 0, w / 2.0, 0], [0, w / 2.0, h / 2.0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    mats = []
    for yaw in (0.0, 1.2)[:n]:
        c, s = torch.cos(torch.tensor(yaw)), torch.sin(torch.tensor(yaw))
        # lidar (x forward, y left, z up) -> camera (x right, y down, z forward), rotated by yaw
        r = torch.tensor([[s, -c, 0.0], [0.0, 0.0, -1.0], [c, s, 0.0]])
        e = torch.eye(4)
        e[:3, :3] = r
        e[1, 3] = 1.5
        mats.append(k @ e)
    return torch.stack(mats).unsqueeze(0)


MODELS = {
    # detection heads / driving / temporal localisation
    'yolov13_op13': lambda: calibrated(dt.YOLOv13(), img(256)) + ({'opset': 13, 'outputs': ['boxes', 'scores']},),
    'sparse4d_op16': lambda: multi(dt.Sparse4D(), (torch.rand(1, 2, 3, 128, 256), lidar2img()),
                                   {'opset': 16, 'names': ['imgs', 'lidar2img'], 'outputs': ['scores', 'anchors']}),
    'maptr_op16': lambda: multi(dt.MapTR(), (torch.randn(1, 64, 50, 25),), {'opset': 16, 'names': ['bev'], 'outputs': ['cls', 'pts']}),
    'pix2seq_op13': lambda: (dt.Pix2Seq(), img(64), {'opset': 13, 'outputs': ['boxes', 'labels', 'logits']}),
    'tridet_op13': lambda: multi(dt.TriDet(), (torch.randn(1, 256, 192),), {'opset': 13, 'names': ['feats'], 'outputs': ['scores', 'segments']}),
    # prompt / text segmentation, multi-view geometry
    'sam_hq_decoder_op13': lambda: (sg.SAMHQDecoder(), (torch.randn(1, 64, 16, 16), torch.randn(1, 16, 16, 96), torch.rand(1, 3, 2) * 64,
                                                         torch.tensor([[1, 0, -1]])),
                                    {'opset': 13, 'names': ['image_embeddings', 'interm_embeddings', 'point_coords', 'point_labels'],
                                     'outputs': ['masks', 'iou_predictions']}),
    'clipseg_op13': lambda: (sg.CLIPSeg(), (img(224), torch.randn(1, 64)), {'opset': 13, 'names': ['image', 'conditional']}),
    'catseg_op13': lambda: (sg.CATSeg(), (img(192), torch.randn(1, 8, 96)), {'opset': 13, 'names': ['image', 'text']}),
    'mast3r_op13': lambda: (sg.DUSt3R(), (img(128), img(128)), {'opset': 13, 'names': ['view1', 'view2'],
                                                                'outputs': ['pts3d_1', 'conf_1', 'desc_1', 'pts3d_2', 'conf_2', 'desc_2']}),
    'vggt_op13': lambda: (sg.VGGT(), (torch.rand(1, 2, 3, 112, 112),), {'opset': 13, 'names': ['images'], 'outputs': ['pose_enc', 'depth', 'depth_conf']}),
    'efficienttam_memory_op13': lambda: (vt.EfficientTAMMemory(), (torch.randn(1, 256, 64), torch.randn(1, 256, 64), torch.randn(1, 516, 64), torch.randn(1, 516, 64)),
                                         {'opset': 13, 'names': ['curr', 'curr_pos', 'memory', 'memory_pos']}),
    # backbones / recognition
    'transnext_op13': lambda: (vt.TransNeXt(), img(128), {'opset': 13}),
    'dinov3_op13': lambda: (vt.DINOv3(), img(160), {'opset': 13, 'outputs': ['cls_token', 'patch_tokens']}),
    'siglip2_naflex_op14': lambda: (vt.SigLIP2NaFlex(), (torch.randn(1, 256, 768), torch.cat([torch.ones(1, 240), torch.zeros(1, 16)], 1).long()),
                                    {'opset': 14, 'names': ['pixel_values', 'pixel_attention_mask'], 'outputs': ['image_embeds', 'last_hidden_state']}),
    'cppd_op13': lambda: calibrated(vt.CPPD(), img(48, 160)) + ({'opset': 13, 'outputs': ['probs', 'char_counts']},),
    # voice conversion / vocoder / liquid ODE / edge language models
    'rvc_nsf_op13': lambda: (sq.RVCDecoder(), (torch.randn(1, 32, 256), torch.randint(1, 255, (1, 32)),
                                               torch.cat([torch.zeros(1, 4), torch.rand(1, 24) * 200 + 100, torch.zeros(1, 4)], 1),
                                               torch.tensor([1]), torch.randn(1, 48, 32)),
                             {'opset': 13, 'names': ['phone', 'pitch', 'pitchf', 'sid', 'rnd'], 'outputs': ['audio']}),
    'apnet2_op13': lambda: (sq.APNet2(), (torch.randn(1, 80, 64) - 4,), {'opset': 13, 'names': ['mel'], 'outputs': ['log_amp', 'phase', 'audio']}),
    'ltc_op13': lambda: (sq.LTC(), (torch.randn(1, 16, 8), torch.rand(1, 16) + 0.5, torch.zeros(1, 24)),
                         {'opset': 13, 'names': ['x', 'timespans', 'h0'], 'outputs': ['y', 'h']}),
    'lfm2_step_op14': lambda: (sq.LFM2Step(), (torch.tensor([[7]]), torch.tensor([[16]]), torch.randn(3, 1, 64, 2), torch.randn(1, 2, 16, 16),
                                               torch.randn(1, 2, 16, 16)),
                               {'opset': 14, 'names': ['input_ids', 'position', 'conv_state', 'past_key', 'past_value'],
                                'outputs': ['logits', 'conv_state_out', 'key_out', 'value_out']}),
    'gemma3n_op14': lambda: (sq.Gemma3n(), (torch.randint(0, 256, (1, 8)),), {'opset': 14, 'names': ['input_ids'], 'outputs': ['logits']}),
    # opset 17 (LayerNormalization) forms of the transformers above
    'dinov3_op17': lambda: (vt.DINOv3(), img(160), {'opset': 17, 'outputs': ['cls_token', 'patch_tokens']}),
    'catseg_op17': lambda: (sg.CATSeg(), (img(192), torch.randn(1, 8, 96)), {'opset': 17, 'names': ['image', 'text']}),
    'vggt_op17': lambda: (sg.VGGT(), (torch.rand(1, 2, 3, 112, 112),), {'opset': 17, 'names': ['images'], 'outputs': ['pose_enc', 'depth', 'depth_conf']}),
    'maptr_op17': lambda: multi(dt.MapTR(), (torch.randn(1, 64, 50, 25),), {'opset': 17, 'names': ['bev'], 'outputs': ['cls', 'pts']}),
    # exported with dynamic axes, as users export them (converted with and without --input-shape)
    'dinov3_dyn_op17': lambda: (vt.DINOv3(), img(160), {'opset': 17, 'outputs': ['cls_token', 'patch_tokens'],
                                                        'dynamic': {'input': {2: 'h', 3: 'w'}, 'patch_tokens': {1: 'n'}}}),
    'lfm2_step_dyn_op14': lambda: (sq.LFM2Step(), (torch.tensor([[7]]), torch.tensor([[16]]), torch.randn(3, 1, 64, 2), torch.randn(1, 2, 16, 16),
                                                   torch.randn(1, 2, 16, 16)),
                                   {'opset': 14, 'names': ['input_ids', 'position', 'conv_state', 'past_key', 'past_value'],
                                    'outputs': ['logits', 'conv_state_out', 'key_out', 'value_out'],
                                    'dynamic': {'past_key': {2: 'past'}, 'past_value': {2: 'past'}, 'key_out': {2: 'past'}, 'value_out': {2: 'past'}}}),
    'vggt_dyn_op17': lambda: (sg.VGGT(), (torch.rand(1, 2, 3, 112, 112),), {'opset': 17, 'names': ['images'], 'outputs': ['pose_enc', 'depth', 'depth_conf'],
                                                                            'dynamic': {'images': {1: 'frames'}}}),
    'gemma3n_dyn_op14': lambda: (sq.Gemma3n(), (torch.randint(0, 256, (1, 8)),), {'opset': 14, 'names': ['input_ids'], 'outputs': ['logits'],
                                                                                   'dynamic': {'input_ids': {1: 'tokens'}, 'logits': {1: 'tokens'}}}),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
