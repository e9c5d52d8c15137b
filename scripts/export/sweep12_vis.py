#!/usr/bin/env python3
"""Twelfth sweep (docs/model-sweep.md), vision first: edge models deployed now that the eleven earlier sweeps did not
try — face (UltraFace with its box decode, PFLD, inswapper, L2CS-Net gaze), detection (YOLOv4-tiny with Tianxiaomo's
decode, YOLOv6n), segmentation (ENet with MaxUnpool, PSPNet, Fast-SCNN, BiSeNet V1 face parsing, milesial's U-Net),
OCR (EAST, SVTR-tiny), pose (lightweight OpenPose), tracking (NanoTrack's head, SiamRPN++'s DW-xcorr), video / restoration
(RIFE, LaMa, FSRCNN, EDSR), ADAS / 3-D (Ultra-Fast-Lane-Detection, GwcNet-style stereo, NeRF), generative (a DDIM step
with guidance, CodeFormer's code lookup) and anomaly detection (EfficientAD) — written in plain torch.nn with the
math of their public code (sweep12_vis_det.py, sweep12_vis_more.py), random weights, exported with Debian's torch
1.13 at their export scripts' opsets and dynamic axes:

    /usr/bin/python3 scripts/export/sweep12_vis.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --out-dir OUT_DIR/tflite [--input-shape ...]

Keep OUT_DIR outside the repository.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import calibrated, img, export_all  # noqa: E402
from sweep8 import calibrated_multi  # noqa: E402
import sweep12_vis_det as dt  # noqa: E402
import sweep12_vis_more as mo  # noqa: E402
import sweep12_vis_extra as ex  # noqa: E402

torch.manual_seed(0)


def rand(*s):
    return torch.rand(*s)


def ddim():
    m = mo.DDIMStep()
    xs = (torch.randn(1, 4, 16, 16), torch.tensor([981]), torch.tensor([961]), torch.randn(2, 12, 64), torch.tensor([7.5]))
    return m.eval(), xs, {'opset': 14, 'names': ['latents', 'timestep', 'prev_timestep', 'context', 'guidance_scale'], 'outputs': ['prev_latents']}


def max_unpool2d(g, x, indices, output_size):
    """aten::max_unpool2d has no torch 1.13 export; ENet's community exports register this one: torch's indices (flat
    over each channel's H × W, as torch's MaxPool export leaves them) made flat over the tensor again (+ (n C + c) H W),
    ONNX MaxUnpool with the kernel / stride of the size ratio and the output shape."""
    n, c, h, w = x.type().sizes()
    oh, ow = [int(v) for v in torch.onnx.symbolic_helper._parse_arg(output_size, 'is')][-2:]
    offsets = (torch.arange(n * c, dtype=torch.int64) * (oh * ow)).view(n, c, 1, 1)
    flat = g.op('Add', indices, g.op('Constant', value_t=offsets))
    shape = g.op('Constant', value_t=torch.tensor([n, c, oh, ow], dtype=torch.int64))
    return g.op('MaxUnpool', x, flat, shape, kernel_shape_i=[oh // h, ow // w], strides_i=[oh // h, ow // w])


MODELS = {
    # face: UltraFace's convert_to_onnx.py (torch's default opset, scores / boxes decoded), PFLD (opset 11),
    # insightface's inswapper_128 (target + source identity latent), L2CS-Net (448², gaze in radians)
    'ultraface_slim_320': lambda: calibrated(dt.UltraFace(), img(240, 320)) + ({'opset': None, 'names': ['input'], 'outputs': ['scores', 'boxes']},),
    'pfld_98_op11': lambda: calibrated(dt.PFLD(), img(112)) + ({'opset': 11, 'outputs': ['features', 'landmarks']},),
    'inswapper_style': lambda: (mo.InSwapper().eval(), (rand(1, 3, 128, 128), torch.randn(1, 512) / 22.6), {'opset': 11, 'names': ['target', 'source'], 'outputs': ['output']}),
    'l2cs_gaze_r18': lambda: calibrated(dt.L2CS(), img(448)) + ({'opset': 11, 'outputs': ['yaw', 'pitch', 'yaw_rad', 'pitch_rad']},),
    # detection: Tianxiaomo pytorch-YOLOv4 tiny (opset 11, dynamic batch), YOLOv6n deploy export (opset 13)
    'yolov4_tiny_decode_op11_dynamic': lambda: calibrated(dt.YOLOv4Tiny(), img(416)) + ({'opset': 11, 'outputs': ['boxes', 'confs'], 'dynamic': {'input': {0: 'batch'}}},),
    'yolov6n_op13': lambda: calibrated(dt.YOLOv6n(), img(320)) + ({'opset': 13, 'names': ['images'], 'outputs': ['outputs']},),
    # segmentation: ENet (opset 11), PSPNet at semseg's 473, Fast-SCNN, face-parsing BiSeNet (512), milesial's U-Net
    # (dynamic H / W)
    'enet_op11': lambda: calibrated(dt.ENet(), img(256, 512)) + ({'opset': 11, 'symbolics': {'aten::max_unpool2d': max_unpool2d}},),
    'pspnet_r18_473_op11': lambda: calibrated(dt.PSPNet(), img(473)) + ({'opset': 11},),
    'fast_scnn_op11': lambda: calibrated(dt.FastSCNN(), img(384, 768)) + ({'opset': 11},),
    'bisenetv1_faceparse_op11': lambda: calibrated(dt.BiSeNetV1(), img(512)) + ({'opset': 11, 'outputs': ['out', 'out16', 'out32']},),
    'unet_milesial_op11_dynamic': lambda: calibrated(dt.UNet(), img(256)) + ({'opset': 11, 'dynamic': {'input': {0: 'batch', 2: 'height', 3: 'width'}}},),
    # OCR: EAST (512, score + rbox), PaddleOCR SVTR-tiny (32×100, CTC probabilities; paddle2onnx's opset 11)
    'east_vgg_op11': lambda: calibrated(dt.EAST(), img(512)) + ({'opset': 11, 'outputs': ['score', 'geometry']},),
    'svtr_tiny_op11': lambda: calibrated(mo.SVTR(), img(32, 100)) + ({'opset': 11, 'names': ['x'], 'outputs': ['probs']},),
    # pose: lightweight OpenPose (256×456)
    'light_openpose_op11': lambda: calibrated(dt.LightOpenPose(), img(256, 456)) + ({'opset': 11, 'outputs': ['heat0', 'paf0', 'heat1', 'paf1']},),
    # tracking: OpenCV's NanoTrack v3 head (template 8², search 16²), pysot SiamRPN++ DepthwiseRPN
    'nanotrack_head_op11': lambda: calibrated_multi(mo.NanoTrackHead(), (rand(1, 96, 8, 8), rand(1, 96, 16, 16))) + ({'opset': 11, 'names': ['input1', 'input2'], 'outputs': ['output1', 'output2']},),
    'siamrpn_dwxcorr_op11': lambda: calibrated_multi(mo.SiamRPNHead(), (rand(1, 128, 15, 15), rand(1, 128, 31, 31))) + ({'opset': 11, 'names': ['z', 'x'], 'outputs': ['cls', 'loc']},),
    # video / restoration: RIFE IFNet (opset 16: grid_sample), LaMa (opset 17: DFT), FSRCNN x3 (dynamic H / W), EDSR
    'rife_ifnet_op16': lambda: (mo.IFNet().eval(), (rand(1, 3, 256, 256), rand(1, 3, 256, 256), torch.full((1, 1, 1, 1), 0.5)), {'opset': 16, 'names': ['img0', 'img1', 'timestep'], 'outputs': ['merged', 'flow']}),
    'lama_ffc_op17': lambda: calibrated_multi(mo.LaMa(), (rand(1, 3, 256, 256), (rand(1, 1, 256, 256) > 0.7).float())) + ({'opset': 17, 'names': ['image', 'mask'], 'outputs': ['output']},),
    'fsrcnn_x3_op11_dynamic': lambda: (mo.FSRCNN().eval(), rand(1, 1, 64, 64), {'opset': 11, 'dynamic': {'input': {2: 'h', 3: 'w'}}}),
    'edsr_baseline_x2_op11': lambda: (mo.EDSR().eval(), 255 * rand(1, 3, 64, 64), {'opset': 11}),
    # ADAS / 3-D: Ultra-Fast-Lane-Detection (288×800), GwcNet-style stereo (128×256, 48 disparities), NeRF (128 rays)
    'ufld_r18_op11': lambda: calibrated(mo.UFLD(), img(288, 800)) + ({'opset': 11},),
    'gwcnet_style_op16': lambda: calibrated_multi(mo.Stereo(), (rand(1, 3, 128, 256), rand(1, 3, 128, 256))) + ({'opset': 16, 'names': ['left', 'right'], 'outputs': ['disparity']},),
    'nerf_render_op13': lambda: (mo.NeRF().eval(), (torch.randn(128, 3), torch.randn(128, 3)), {'opset': 13, 'names': ['rays_o', 'rays_d'], 'outputs': ['rgb', 'depth', 'acc']}),
    # generative: a DDIM step with classifier-free guidance (opset 14), CodeFormer's code prediction (128²)
    'ddim_step_cfg_op14': ddim,
    'codeformer_style_op14': lambda: calibrated(mo.CodeFormer(), img(128)) + ({'opset': 14, 'outputs': ['image', 'logits']},),
    # anomaly detection: anomalib's EfficientAD-S export (256²)
    'efficientad_s_op14': lambda: (mo.EfficientAD().eval(), rand(1, 3, 256, 256), {'opset': 14, 'outputs': ['anomaly_map', 'pred_score']}),
    # the rest: VainF DeepLabV3+ MobileNetV2 (OS 16, 512²), facenet-pytorch InceptionResnetV1 (160²), AnimeGANv2
    # (256²), ABINet (32×128; vision, one language iteration, alignment), torchcrepe tiny (frames of 1024, dynamic batch)
    'deeplabv3plus_mbv2_op11': lambda: calibrated(ex.DeepLabV3Plus(), img(512)) + ({'opset': 11},),
    'facenet_irv1_style_op11': lambda: calibrated(ex.FaceNet(), img(160)) + ({'opset': 11, 'outputs': ['embedding']},),
    'animeganv2_op11': lambda: (ex.AnimeGANv2().eval(), img(256), {'opset': 11}),
    'abinet_style_op14': lambda: calibrated(ex.ABINet(), img(32, 128)) + ({'opset': 14, 'outputs': ['a_logits', 'v_logits', 'l_logits']},),
    'crepe_tiny_op11_dynamic': lambda: calibrated(ex.Crepe(), torch.randn(8, 1024)) + ({'opset': 11, 'names': ['frames'], 'outputs': ['probabilities'], 'dynamic': {'frames': {0: 'frames'}}},),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
