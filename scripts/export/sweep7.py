#!/usr/bin/env python3
"""Seventh sweep (docs/model-sweep.md): the vision architectures edge engineers deploy now that are not in
torchvision (YOLOv5 / YOLOv8 detect, seg and pose; RT-DETR; Depth-Anything; SAM's mask decoder; SegFormer;
EfficientViT; super-resolution; a 3-D U-Net; PointNet / DGCNN), written in plain torch.nn with the math of their
public code (sweep7_yolo.py, sweep7_attn.py, sweep7_misc.py), random weights, exported with Debian's torch 1.13 at the
opset the name gives (17 otherwise); `_dynamic` models have the dynamic axes users export and are converted with
--input-shape:

    /usr/bin/python3 scripts/export/sweep7.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --out-dir OUT_DIR/tflite   # self-check against onnxruntime
    node --import tsx scripts/list-transposes.ts OUT_DIR/NAME.onnx

Keep OUT_DIR outside the repository.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import calibrated, img, export_all  # noqa: E402
import sweep7_yolo as y  # noqa: E402
import sweep7_attn as a  # noqa: E402
import sweep7_misc as m  # noqa: E402

torch.manual_seed(0)
HW = {0: 'batch', 2: 'height', 3: 'width'}  # ultralytics' dynamic=True axes


def sam_inputs(n=3, emb=16):
    coords = torch.tensor([[[40.0, 60.0], [200.0, 100.0], [0.0, 0.0]]])[:, :n]
    labels = torch.tensor([[1.0, 0.0, -1.0]])[:, :n]
    return (torch.randn(1, 64, emb, emb), coords, labels, torch.randn(1, 1, 4 * emb, 4 * emb), torch.tensor([1.0]))


MODELS7 = {
    'yolov5n_style_op12': lambda: calibrated(y.YoloV5(), img(320)) + ({'opset': 12},),
    'yolov5n_style_op12_dynamic': lambda: calibrated(y.YoloV5(), img(320)) + ({'opset': 12, 'dynamic': {'input': HW}},),
    'yolov8n_style_640': lambda: calibrated(y.YoloV8('detect'), img(640)),
    'yolov8n_style_op12_dynamic': lambda: calibrated(y.YoloV8('detect'), img(320)) + ({'opset': 12, 'dynamic': {'input': HW}},),
    'yolov8n_seg_style': lambda: calibrated(y.YoloV8('segment'), img(320)),
    'yolov8n_pose_style': lambda: calibrated(y.YoloV8('pose', nc=1), img(320)),
    'rtdetr_style_op16': lambda: calibrated(a.RtDetr(), img(320)) + ({'opset': 16},),
    'depth_anything_style': lambda: (a.DepthAnything(), img(154)),
    'depth_anything_style_dynamic': lambda: (a.DepthAnything(), img(154), {'dynamic': {'input': {2: 'height', 3: 'width'}}}),
    'sam_decoder_style': lambda: (m.SamDecoder(), sam_inputs()),
    'sam_decoder_style_dynamic': lambda: (m.SamDecoder(), sam_inputs(), {'dynamic': {'input_1': {1: 'num_points'}, 'input_2': {1: 'num_points'}}}),
    'segformer_b0_style': lambda: (a.SegFormer(), img(256)),
    'segformer_b0_style_op13_dynamic': lambda: (a.SegFormer(), img(256), {'opset': 13, 'dynamic': {'input': HW}}),
    'efficientvit_style': lambda: calibrated(a.EfficientViT(), img(224)),
    'mobilevitv2_style': lambda: calibrated(a.MobileViTv2(), img(256)),
    'yolov10n_style': lambda: calibrated(y.YoloV10(), img(320)),
    'yolov8n_seg_style_op11': lambda: calibrated(y.YoloV8('segment'), img(320)) + ({'opset': 11},),
    'segformer_b0_style_op11': lambda: (a.SegFormer(), img(256), {'opset': 11}),
    'depth_anything_style_op11': lambda: (a.DepthAnything(), img(154), {'opset': 11}),
    'sam_decoder_style_op11': lambda: (m.SamDecoder(), sam_inputs(), {'opset': 11}),
    'yolov8n_obb_style': lambda: calibrated(y.YoloV8Obb(), img(320)),
    'realesrgan_x2plus_style': lambda: (m.RRDBNetX2(), torch.rand(1, 3, 64, 64)),
    'realesrgan_x2plus_style_op11': lambda: (m.RRDBNetX2(), torch.rand(1, 3, 64, 64), {'opset': 11}),
    'nafnet_style': lambda: (m.NAFNet(), torch.rand(1, 3, 64, 64)),
    'yolov8n_style_batch2': lambda: (calibrated(y.YoloV8('detect'), img(320))[0], torch.randn(2, 3, 320, 320)),
    'rtdetr_style_op16_dynamic': lambda: calibrated(a.RtDetr(), img(320)) + ({'opset': 16, 'dynamic': {'input': {0: 'batch'}}},),
    'segformer_b0_style_512': lambda: (a.SegFormer(), img(512)),
    'pointnet2_ssg_op13': lambda: calibrated(m.PointNet2(), torch.rand(1, 256, 3)) + ({'opset': 13},),
    'espcn_x3_op11': lambda: (m.Espcn(), torch.rand(1, 1, 64, 64), {'opset': 11}),
    'realesr_compact_x4': lambda: (m.SrVggCompact(), torch.rand(1, 3, 64, 64)),
    'realesr_compact_x4_dynamic': lambda: (m.SrVggCompact(), torch.rand(1, 3, 64, 64), {'dynamic': {'input': HW}}),
    'unet3d_trilinear': lambda: (m.UNet3d(), torch.randn(1, 1, 16, 32, 32)),
    'pointnet_cls': lambda: calibrated(m.PointNet(), torch.randn(1, 3, 256)),
    'dgcnn_cls_op13': lambda: calibrated(m.Dgcnn(), torch.randn(1, 3, 256)) + ({'opset': 13},),
}


def main():
    export_all(MODELS7, sys.argv)


if __name__ == '__main__':
    main()
