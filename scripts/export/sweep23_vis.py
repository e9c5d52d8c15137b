#!/usr/bin/env python3
"""Twenty-third sweep (docs/model-sweep.md), vision: oriented boxes, lanes, head pose, gaze, 3-D body, point-cloud
serialisation, occupancy, neural fields and splats, attention super-resolution, dewarping, frame interpolation,
portrait segmentation, video object memory, RWKV / agent-attention / LSNet backbones, rectified flow — deployed
families the twenty-two earlier sweeps did not try: Oriented R-CNN, CLRNet, PolyLaneNet, BezierLaneNet
(sweep23_vis_det.py), FSA-Net, GazeTR, HybrIK (sweep23_vis_body.py), Point Transformer V3, FlashOcc, a tri-plane
field, Instant-NGP, a Gaussian splat rasteriser (sweep23_vis_3d.py), Omni-SR, UVDoc, FILM, SINet, XMem's readout
(sweep23_vis_restore.py), Vision-RWKV, Agent-PVT, LSNet, a rectified-flow sampler (sweep23_vis_vit.py) — written in
plain torch.nn with the math of their public code, random weights, exported with Debian's torch 1.13 into OUT_DIR
(outside the repository; then `onnx2lite convert` each): `/usr/bin/python3 scripts/export/sweep23_vis.py OUT_DIR
[NAME ...]`."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import calibrated, export_all  # noqa: E402
from sweep19_vis import img, multi  # noqa: E402
import sweep23_vis_3d as td  # noqa: E402
import sweep23_vis_body as bd  # noqa: E402
import sweep23_vis_det as dt  # noqa: E402
import sweep23_vis_restore as rs  # noqa: E402
import sweep23_vis_vit as vt  # noqa: E402

torch.manual_seed(0)


def cloud(n=1024):
    """Points in a 3 m room with colours: [1, n, 6]."""
    return torch.cat([torch.rand(1, n, 3) * 3.0, torch.rand(1, n, 3)], -1)


def rays(n=256):
    o = torch.rand(1, n, 3) * 0.4 - 0.2 - torch.tensor([0.0, 0.0, 1.0])
    d = torch.nn.functional.normalize(torch.randn(1, n, 3) * 0.2 + torch.tensor([0.0, 0.0, 1.0]), dim=-1)
    return o, d


def gaussians(n=256):
    return (torch.randn(1, n, 3), torch.randn(1, n, 3) * 0.3 - 2.0, torch.randn(1, n, 4), torch.randn(1, n, 1), torch.rand(1, n, 3))


MODELS = {
    # oriented boxes / lanes
    'oriented_rcnn_op16': lambda: calibrated(dt.OrientedRCNN(), img(256)) + ({'opset': 16, 'outputs': ['scores', 'rboxes']},),
    'clrnet_op16': lambda: calibrated(dt.CLRNet(), img(160, 320)) + ({'opset': 16, 'outputs': ['cls', 'lanes']},),
    'polylanenet_op13': lambda: calibrated(dt.PolyLaneNet(), img(160, 320)) + ({'opset': 13, 'outputs': ['conf', 'xs']},),
    'bezierlanenet_op13': lambda: calibrated(dt.BezierLaneNet(), img(160, 320)) + ({'opset': 13, 'outputs': ['exist', 'curves']},),
    # head pose / gaze / 3-D body
    'fsanet_op13': lambda: calibrated(bd.FSANet(), img(64)) + ({'opset': 13},),
    'gazetr_op13': lambda: calibrated(bd.GazeTR(), img(224)) + ({'opset': 13, 'outputs': ['pitch_yaw', 'gaze']},),
    'hybrik_op13': lambda: calibrated(bd.HybrIK(), img(256)) + ({'opset': 13, 'outputs': ['joints', 'rotations']},),
    # point clouds / occupancy / neural fields
    'ptv3_op16': lambda: multi(td.PTv3(), (cloud(),), {'opset': 16, 'names': ['points']}),
    'flashocc_op16': lambda: multi(td.FlashOcc(), (torch.rand(1, 2, 3, 64, 176),), {'opset': 16, 'names': ['imgs']}),
    'triplane_field_op16': lambda: (td.TriplaneField(), (torch.randn(1, 3, 32, 64, 64),) + rays(), {'opset': 16, 'names': ['planes', 'origins', 'dirs'], 'outputs': ['rgb', 'depth']}),
    'instant_ngp_op13': lambda: (td.InstantNGP(), (torch.rand(1, 4096, 3), torch.randn(1, 4096, 3)), {'opset': 13, 'names': ['xyz', 'dirs'], 'outputs': ['sigma', 'rgb']}),
    'gsplat_render_op13': lambda: (td.GaussianSplat(), gaussians(), {'opset': 13, 'names': ['means', 'log_scales', 'quats', 'opacity', 'colors']}),
    # restoration / dewarping / interpolation / portrait / video memory
    'omnisr_x4_op13': lambda: calibrated(rs.OmniSR(), img(64)) + ({'opset': 13},),
    'uvdoc_op16': lambda: calibrated(rs.UVDoc(), img(256)) + ({'opset': 16, 'outputs': ['unwarped', 'grid2d', 'grid3d']},),
    'film_op16': lambda: multi(rs.FILM(), (img(128), img(128)), {'opset': 16, 'names': ['x0', 'x1']}),
    'sinet_op11': lambda: calibrated(rs.SINet(), img(224)) + ({'opset': 11},),
    'xmem_readout_op13': lambda: multi(rs.XMemReadout(), (img(256), torch.randn(1, 32, 2 * 256), torch.rand(1, 2 * 256, 1) + 1, torch.randn(1, 64, 2 * 256)),
                                       {'opset': 13, 'names': ['frame', 'mem_key', 'mem_shrinkage', 'mem_value']}),
    # backbones / generative
    'vrwkv_op13': lambda: calibrated(vt.VisionRWKV(), img(224)) + ({'opset': 13},),
    'agent_pvt_op13': lambda: calibrated(vt.AgentPVT(), img(224)) + ({'opset': 13},),
    'lsnet_op13': lambda: calibrated(vt.LSNet(), img(224)) + ({'opset': 13},),
    'flowmatch_sampler_op13': lambda: (vt.FlowMatchSampler(), (torch.randn(1, 4, 32, 32), torch.tensor([3])), {'opset': 13, 'names': ['noise', 'label']}),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
