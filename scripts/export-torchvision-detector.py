#!/usr/bin/env python3
# Usage: /usr/bin/python3 scripts/export-torchvision-detector.py NAME SIZE OUT.onnx [HEAD_SCALE] [KEY=INT ...]   (Debian python3-torch)
# KEY=INT (or KEY=FLOAT) are passed to the detector's constructor, e.g. rpn_post_nms_top_n_test=300 box_detections_per_img=20,
# or box_score_thresh=1.0 for a model that detects nothing (tiny ones too).
# NAME is a torchvision detector (ssdlite320_mobilenet_v3_large, retinanet_resnet50_fpn,
# fasterrcnn_mobilenet_v3_large_320_fpn, ...) or one of two tiny ones built from torchvision's own classes around a
# 3-conv backbone (a few hundred KB, same post-processing as the real ones): tiny_retinanet, tiny_fasterrcnn
# (two FPN-like levels, so its RoI pooling scatters per level), tiny_keypointrcnn and tiny_maskrcnn (the same with
# torchvision's keypoint / mask heads: RoI features with a data-dependent batch through Conv and ConvTranspose, then
# the per-box paste loops). test/convert/detectors-torchvision.test.ts exports the tiny ones at 160 (or runs what is in $ONNX2LITE_DETECTORS).
# Exports with random weights (nothing downloads) whose outputs are not degenerate: the backbone's BatchNorm
# statistics are re-estimated on a few images and the heads' layers scaled, so that scores differ from box to box
# (saturated scores tie, and the order of equal scores is an accident of each runtime).
import sys, collections, torch, torchvision
from torch import nn
torch.manual_seed(0)
name, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
head_scale = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0  # 1 for sigmoid heads (RetinaNet), 0.5 for Faster R-CNN
extra = {k: (float(v) if '.' in v else int(v)) for k, v in (a.split('=') for a in sys.argv[5:])}
det = torchvision.models.detection


class TinyBackbone(nn.Module):
    """Three strided convolutions: features '0' at 1/8 and '1' at 1/16 of the image, 16 channels."""
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 4, 1), nn.ReLU())
        self.c3 = nn.Sequential(nn.Conv2d(16, 16, 3, 2, 1), nn.ReLU())
        self.c4 = nn.Sequential(nn.Conv2d(16, 16, 3, 2, 1), nn.ReLU())
        self.out_channels = 16

    def forward(self, x):
        a = self.c3(self.stem(x))
        return collections.OrderedDict([('0', a), ('1', self.c4(a))])


def tiny(kind):
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    anchors = AnchorGenerator(sizes=((16, 32), (48, 96)), aspect_ratios=((0.5, 1.0, 2.0),) * 2)
    if kind == 'tiny_retinanet':
        r = det.RetinaNet(TinyBackbone(), num_classes=5, anchor_generator=anchors, min_size=size, max_size=size,
                          score_thresh=0.001)
        # torchvision starts every score at 0.01 (prior bias, weights of std 0.01): spread them.
        for mod in r.head.modules():
            if isinstance(mod, nn.Conv2d):
                nn.init.normal_(mod.weight, std=0.15)
                nn.init.zeros_(mod.bias)
        return r
    from torchvision.models.detection.faster_rcnn import TwoMLPHead, FastRCNNPredictor
    from torchvision.ops import MultiScaleRoIAlign
    common = dict(rpn_anchor_generator=anchors, min_size=size, max_size=size,
                  box_roi_pool=MultiScaleRoIAlign(['0', '1'], 7, 2), box_head=TwoMLPHead(16 * 49, 64),
                  box_predictor=FastRCNNPredictor(64, 5 if kind != 'tiny_keypointrcnn' else 2), box_score_thresh=0.001,
                  box_detections_per_img=12)
    common.update(extra)  # e.g. box_score_thresh=1.0: no detections at all (scores are never above 1)
    if kind == 'tiny_keypointrcnn':
        # RoI features [N, 16, 14, 14] (N from NMS) through 3x3 convs, ConvTranspose, bilinear x2, then the per-box
        # bicubic heatmap resize and argmax of torchvision's ONNX loop.
        from torchvision.models.detection.keypoint_rcnn import KeypointRCNNHeads, KeypointRCNNPredictor
        return det.KeypointRCNN(TinyBackbone(), keypoint_roi_pool=MultiScaleRoIAlign(['0', '1'], 14, 2),
                                keypoint_head=KeypointRCNNHeads(16, (16, 16)), keypoint_predictor=KeypointRCNNPredictor(16, 5),
                                **common)
    if kind == 'tiny_maskrcnn':
        # RoI features [N, 16, 14, 14] through 3x3 convs, ConvTranspose, Sigmoid, then the per-box bilinear paste loop.
        from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
        return det.MaskRCNN(TinyBackbone(), mask_roi_pool=MultiScaleRoIAlign(['0', '1'], 14, 2),
                            mask_head=MaskRCNNHeads(16, (16, 16), 1), mask_predictor=MaskRCNNPredictor(16, 16, 5), **common)
    return det.FasterRCNN(TinyBackbone(), **{'rpn_anchor_generator': anchors, 'min_size': size, 'max_size': size,
                          'box_roi_pool': MultiScaleRoIAlign(['0', '1'], 7, 2), 'box_head': TwoMLPHead(16 * 49, 64),
                          'box_predictor': FastRCNNPredictor(64, 5), 'box_score_thresh': 0.001, **extra})


kw = dict(weights=None, weights_backbone=None)
if name.startswith('tiny_'):
    m = tiny(name)
elif name.startswith('ssd'):
    m = getattr(det, name)(**kw, **{'score_thresh': 0.001, **extra})
else:
    m = getattr(det, name)(**kw, **{'box_score_thresh': 0.001, 'min_size': size, 'max_size': size, **extra})
m.eval()
for mod in m.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.reset_running_stats(); mod.momentum = None
m.backbone.train()
with torch.no_grad():
    for _ in range(4):
        m.backbone(torch.rand(2, 3, size, size) * 2 - 1)
m.eval()
with torch.no_grad():
    for mod_name, mod in m.named_modules():
        if ('head' in mod_name or 'predictor' in mod_name or 'rpn' in mod_name) and isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            mod.weight.mul_(head_scale)
x = torch.rand(3, size, size)
with torch.no_grad():
    r = m([x])[0]
print({k: tuple(v.shape) for k, v in r.items()}, 'scores', r['scores'][:5].tolist(), 'unique', len(set(r['scores'].tolist())),
      'labels', len(set(r['labels'].tolist())))
# Outputs named after the result's keys, in their order (Faster R-CNN's is boxes, labels, scores; SSD's boxes, scores, labels).
torch.onnx.export(m, ([x],), out, opset_version=13, input_names=['image'], output_names=list(r.keys()))
print('ok')
