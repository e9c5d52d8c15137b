#!/usr/bin/env python3
# Usage: /usr/bin/python3 scripts/export-torchvision-detector.py NAME SIZE OUT.onnx [HEAD_SCALE]   (Debian python3-torch)
# e.g. ssdlite320_mobilenet_v3_large 320 ssdlite.onnx; test/convert/detectors-torchvision.test.ts runs what is in
# $ONNX2LITE_DETECTORS (NAME.onnx files exported with SIZE 320).
# Exports a torchvision detector with random weights (nothing downloads) whose outputs are not degenerate: the
# backbone's BatchNorm statistics are re-estimated on a few images and the heads' last layers scaled, so that
# scores differ from box to box (ties would make the order of equal scores an accident of each runtime).
import sys, torch, torchvision
torch.manual_seed(0)
name, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
head_scale = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0  # 1 for sigmoid heads (RetinaNet, FCOS) that saturate
det = torchvision.models.detection
kw = dict(weights=None, weights_backbone=None)
if name.startswith('ssd'):
    m = getattr(det, name)(**kw, score_thresh=0.001)
else:
    m = getattr(det, name)(**kw, box_score_thresh=0.001, min_size=size, max_size=size)
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
print({k: tuple(v.shape) for k, v in r.items()}, 'scores', r['scores'][:5].tolist(), 'unique', len(set(r['scores'].tolist())))
torch.onnx.export(m, ([x],), out, opset_version=13, input_names=['image'], output_names=['boxes', 'scores', 'labels'])
print('ok')
