#!/usr/bin/env python3
"""Ninth sweep (docs/model-sweep.md): vision and multimodal models deployed in 2025-26 and other model kinds the earlier
sweeps did not try — newest detectors (YOLO11, YOLOv9, YOLOv7 with its decode and end-to-end NMS, YOLO-NAS, D-FINE /
RT-DETRv2), open-vocabulary / multimodal towers, the segment-anything family's encoders and prompt encoders, generative
models on the edge (TAESD, a diffusion UNet step, a VAE decoder), anomaly detection (PatchCore, PaDiM), MediaPipe-style
landmark and segmentation models, recommenders and graph networks, time-series models — written in plain torch.nn with
the math of their public code (sweep9_*.py), random weights, exported with Debian's torch 1.13 at their export scripts'
opsets and dynamic axes:

    /usr/bin/python3 scripts/export/sweep9.py OUT_DIR [NAME ...]
    node bin/onnx2lite.js convert OUT_DIR/NAME.onnx --out-dir OUT_DIR/tflite [--input-shape ...]

Keep OUT_DIR outside the repository.
"""
import importlib
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import calibrated, img, export_all  # noqa: E402
from sweep8 import calibrated_multi  # noqa: E402

torch.manual_seed(0)
HW = {0: 'batch', 2: 'height', 3: 'width'}


def mod(name):
    return importlib.import_module(name)


def yolov7_end2end():
    d = mod('sweep9_det')
    m, x = calibrated(d.Yolov7Tiny(), img(320))
    return d.Yolov7End2EndOrt(m), x, {'opset': 12, 'names': ['images'], 'outputs': ['output']}


def dfine(fdr=True, opset=17):
    d = mod('sweep9_detr')
    m, xs = calibrated_multi(d.DFineStyle(fdr=fdr), (img(320), torch.tensor([[640, 480]])))
    return m, xs, {'opset': opset, 'names': ['images', 'orig_target_sizes'], 'outputs': ['labels', 'boxes', 'scores'],
                   'dynamic': {'images': {0: 'N'}, 'orig_target_sizes': {0: 'N'}}}


MODELS9 = {
    # detectors: ultralytics export (opset 17 fixed; dynamic=True at opset 12 as sweep 7), yolov9 export.py (opset 12),
    # yolov7 export.py --grid (opset 12) and --end2end for onnxruntime, super-gradients (torch's default opset 14),
    # D-FINE / DEIM tools/deployment/export_onnx.py (opset 17, batch N dynamic), RT-DETRv2 (opset 16)
    'yolo11n_style': lambda: calibrated(mod('sweep9_det').Yolo11(), img(320)) + ({'names': ['images'], 'outputs': ['output0']},),
    'yolo11n_style_dynamic': lambda: calibrated(mod('sweep9_det').Yolo11(), img(320)) + ({'opset': 12, 'names': ['images'], 'dynamic': {'images': HW}},),
    'yolov9t_gelan_op12': lambda: calibrated(mod('sweep9_det').Yolov9T(), img(320)) + ({'opset': 12, 'names': ['images']},),
    'yolov7_tiny_grid_op12': lambda: calibrated(mod('sweep9_det').Yolov7Tiny(), img(320)) + ({'opset': 12, 'names': ['images'], 'outputs': ['output']},),
    'yolov7_tiny_end2end_ort_op12': yolov7_end2end,
    'yolo_nas_style_op14': lambda: calibrated(mod('sweep9_det').YoloNAS(), img(320)) + ({'opset': 14, 'names': ['input'], 'outputs': ['pred_boxes', 'pred_scores']},),
    'dfine_style_dynamic': dfine,
    'rtdetrv2_style_op16_dynamic': lambda: dfine(False, 16),
}


def main():
    models = dict(MODELS9)
    for extra in ('sweep9_more',):
        try:
            models.update(mod(extra).MODELS)
        except ModuleNotFoundError:
            pass
    export_all(models, sys.argv)


if __name__ == '__main__':
    main()
