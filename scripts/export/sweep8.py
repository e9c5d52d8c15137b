#!/usr/bin/env python3
"""Eighth sweep (docs/model-sweep.md): vision models deployed on edge devices that the earlier sweeps did not try —
face (RetinaFace, SCRFD, YuNet, MobileFaceNet), pose (RTMPose SimCC, MoveNet), matting / video (MODNet, Robust Video
Matting with its recurrent states, FastDVDnet), light detectors (YOLOX, NanoDet-Plus, PicoDet, SSD), backbones outside
torchvision, segmentation, keypoints, depth and OCR — written in plain torch.nn with the math of their public code
(sweep8_*.py), random weights, exported with Debian's torch 1.13 at their export scripts' opsets and dynamic axes:

    /usr/bin/python3 scripts/export/sweep8.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --out-dir OUT_DIR/tflite [--input-shape ...]

Keep OUT_DIR outside the repository.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import calibrated, img, export_all  # noqa: E402
import sweep8_face as f  # noqa: E402
import sweep8_det as d  # noqa: E402
import sweep8_backbones as bb  # noqa: E402
import sweep8_dense as dn  # noqa: E402
import sweep8_match as mt  # noqa: E402
import sweep8_video as vd  # noqa: E402
import sweep8_hybrid as hy  # noqa: E402

torch.manual_seed(0)
HW = {0: 'batch', 2: 'height', 3: 'width'}

MODELS8 = {
    # face: Pytorch_Retinaface's convert_to_onnx.py (opset 11 in the forks that decode), insightface's scrfd2onnx.py
    # (opset 11, dynamic batch/height/width), libfacedetection.train's export (opset 11, dynamic H/W), arcface_torch's
    # torch2onnx.py (opset 11, dynamic batch)
    'retinaface_mnet025_op11': lambda: calibrated(f.RetinaFace(320, 320), img(320)) + ({'opset': 11, 'names': ['input'], 'outputs': ['boxes', 'scores', 'landmarks']},),
    'scrfd_gn_op11_dynamic': lambda: calibrated(f.Scrfd(), img(320)) + ({'opset': 11, 'dynamic': {'input': HW}},),
    'yunet_op11_dynamic': lambda: calibrated(f.YuNet(), img(320)) + ({'opset': 11, 'dynamic': {'input': {2: 'height', 3: 'width'}}},),
    'iresnet18_style_op11': lambda: calibrated(f.IResNet(), img(112)) + ({'opset': 11, 'dynamic': {'input': {0: 'batch'}}},),
    'mobilefacenet_op11': lambda: calibrated(f.MobileFaceNet(), img(112)) + ({'opset': 11, 'dynamic': {'input': {0: 'batch'}}},),
    # pose: mmdeploy's RTMPose config (opset 11, dynamic batch), movenet.pytorch's pth2onnx (opset 11)
    'rtmpose_s_op11': lambda: calibrated(d.RTMPose(), img(256, 192)) + ({'opset': 11, 'dynamic': {'input': {0: 'batch'}}, 'outputs': ['simcc_x', 'simcc_y']},),
    'movenet_decode_op11': lambda: calibrated(d.MoveNet(), img(192)) + ({'opset': 11},),
    # light detectors: YOLOX tools/export_onnx.py (opset 11, --decode_in_inference), NanoDet-Plus tools/export_onnx.py
    # (opset 11), PaddleDetection's paddle2onnx PicoDet (opset 11), pytorch-ssd (torch's default opset then: 9)
    'yolox_nano_decode_op11': lambda: calibrated(d.YoloX(), img(416)) + ({'opset': 11, 'names': ['images'], 'outputs': ['output']},),
    'nanodet_plus_op11': lambda: calibrated(d.NanoDetPlus(), img(320)) + ({'opset': 11, 'names': ['data'], 'outputs': ['output']},),
    'picodet_s_op11': lambda: calibrated(d.PicoDet(), img(416)) + ({'opset': 11, 'names': ['image']},),
    'ssd_mobilenet_v1_op9': lambda: calibrated(d.SsdMobileNet(), img(300)) + ({'opset': 9},),
    # backbones: timm's / the projects' export at opset 13-17 (fixed 224), RepVGG / MobileOne both as trained and
    # re-parameterized (their convert scripts' deploy form)
    'mobilenetv4_conv_small': lambda: calibrated(bb.MobileNetV4(), img(224)),
    'repvgg_a0_train': lambda: calibrated(bb.RepVGG(), img(224)),
    'repvgg_a0_deploy': lambda: (bb.reparameterized(calibrated(bb.RepVGG(), img(224))[0]), img(224)),
    'mobileone_s0_train': lambda: calibrated(bb.MobileOne(), img(224)),
    'mobileone_s0_deploy_op13': lambda: (bb.reparameterized(calibrated(bb.MobileOne(), img(224))[0]), img(224), {'opset': 13}),
    'fastvit_t8_style': lambda: calibrated(bb.FastViT(), img(256)),
    'ghostnetv2_op11': lambda: calibrated(bb.GhostNetV2(), img(224)) + ({'opset': 11},),
    'efficientformerv2_s0_style': lambda: calibrated(bb.EfficientFormerV2(), img(224)),
    'levit_128s_style': lambda: calibrated(hy.LeViT(), img(224)),
    'poolformer_s12_style': lambda: calibrated(hy.PoolFormer(), img(224)),
    'mobile_former_style': lambda: calibrated(hy.MobileFormer(), img(224)),
    'mobilenetv4_hybrid_medium_style': lambda: calibrated(hy.MobileNetV4Hybrid(), img(256)),
    'tinyvit_5m_style': lambda: calibrated(hy.TinyViT5m(), img(224)),
    # segmentation: BiSeNet's tools/export_onnx.py (opset 11, arg-max in the graph), PaddleSeg's export (opset 11, with
    # arg-max), DDRNet's and TopFormer's mmseg / pytorch2onnx (opset 11)
    'bisenetv2_op11': lambda: calibrated(dn.BiSeNetV2(), img(512, 1024)) + ({'opset': 11},),
    'pp_liteseg_stdc1_op11': lambda: calibrated(dn.PPLiteSeg(), img(512, 1024)) + ({'opset': 11, 'names': ['x']},),
    'bisenetv2_logits_op11': lambda: calibrated(dn.BiSeNetV2(argmax=False), img(512, 1024)) + ({'opset': 11},),
    'pp_liteseg_stdc1_logits_op11': lambda: calibrated(dn.PPLiteSeg(argmax=False), img(512, 1024)) + ({'opset': 11, 'names': ['x']},),
    'ddrnet23_slim_op11': lambda: calibrated(dn.DDRNet23Slim(), img(512, 1024)) + ({'opset': 11},),
    'topformer_tiny_op11': lambda: calibrated(dn.TopFormer(), img(512)) + ({'opset': 11},),
    # depth: MiDaS's run.py export (opset 11 for the small model; dynamic H / W omitted by its tflite path), Lite-Mono
    'midas_v21_small_op11': lambda: calibrated(dn.MidasSmall(), img(256)) + ({'opset': 11},),
    'lite_mono_op12': lambda: calibrated(mt.LiteMono(), img(192, 640)) + ({'opset': 12},),
    # keypoints / matching: SuperPoint with NMS and top-k in the graph (opset 16 for grid_sample), LightGlue-ONNX style
    # (opset 17, dynamic keypoint counts)
    'superpoint_nms_op16': lambda: (mt.SuperPoint(), torch.rand(1, 1, 240, 320), {'opset': 16, 'names': ['image'], 'outputs': ['keypoints', 'scores', 'descriptors']}),
    'lightglue_style_dynamic': lambda: (mt.LightGlue(), (torch.rand(1, 128, 2) * 2 - 1, torch.rand(1, 96, 2) * 2 - 1,
                                                         F.normalize(torch.randn(1, 128, 256), dim=-1), F.normalize(torch.randn(1, 96, 256), dim=-1)),
                                        {'names': ['kpts0', 'kpts1', 'desc0', 'desc1'], 'outputs': ['scores'],
                                         'dynamic': {'kpts0': {1: 'num_keypoints0'}, 'kpts1': {1: 'num_keypoints1'},
                                                     'desc0': {1: 'num_keypoints0'}, 'desc1': {1: 'num_keypoints1'}}}),
    # matting / video: MODNet's onnx/export_onnx.py (opset 11, batch / height / width dynamic), RVM's export_onnx.py
    # (opset 12, every axis of src and the states dynamic, downsample_ratio an input), FastDVDnet (opset 11)
    'modnet_op11_dynamic': lambda: calibrated(vd.MODNet(), img(512)) + ({'opset': 11, 'dynamic': {'input': HW}},),
    'rvm_mobilenetv3_op12_dynamic': lambda: rvm(),
    'fastdvdnet_op11': lambda: calibrated_multi(vd.FastDVDnet(), (torch.rand(1, 15, 96, 96), torch.full((1, 1, 96, 96), 25 / 255)))
                               + ({'opset': 11, 'names': ['frames', 'noise_map']},),
    # OCR: crnn.pytorch (opset 11, width dynamic), DB's convert_to_onnx (opset 11, height / width dynamic), CRAFT (opset 11)
    'crnn_bilstm_ctc_op11_dynamic': lambda: calibrated(vd.CRNN(), torch.rand(1, 1, 32, 100)) + ({'opset': 11, 'dynamic': {'input': {3: 'width'}}},),
    'dbnet_r18_op11_dynamic': lambda: calibrated(vd.DBNet(), img(640)) + ({'opset': 11, 'dynamic': {'input': {2: 'height', 3: 'width'}}},),
    'craft_vgg16bn_op11_dynamic': lambda: calibrated(vd.CRAFT(), img(384)) + ({'opset': 11, 'dynamic': {'input': {2: 'height', 3: 'width'}}},),
}


def calibrated_multi(m, xs):
    """`calibrated` for several inputs: BatchNorm statistics re-estimated on the inputs' own kind of values."""
    for mod in m.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            mod.reset_running_stats()
            mod.momentum = None
    with torch.no_grad():
        m.train()
        for _ in range(3):
            m(*[x * (0.5 + torch.rand(1)) if x.is_floating_point() and x.dim() > 1 else x for x in xs])
    m.eval()
    return m, xs


def rvm(h=256, w=256, ratio=0.5):
    sh = [(16, 4), (20, 8), (40, 16), (64, 32)]  # state channels, and the state's stride in src pixels
    states = tuple(0.5 * torch.rand(1, c, int(h * ratio) // s * 2, int(w * ratio) // s * 2) for c, s in sh)
    names = ['src', 'r1i', 'r2i', 'r3i', 'r4i', 'downsample_ratio']
    dyn = {n: {0: 'batch', 2: f'{n}_h', 3: f'{n}_w'} for n in names[:5]}
    m, xs = calibrated_multi(vd.RVM(), (torch.rand(1, 3, h, w), *states, torch.tensor([ratio])))
    return m, xs, {
        'opset': 12, 'names': names, 'outputs': ['fgr', 'pha', 'r1o', 'r2o', 'r3o', 'r4o'], 'dynamic': dyn}


def main():
    export_all(MODELS8, sys.argv)


if __name__ == '__main__':
    main()
