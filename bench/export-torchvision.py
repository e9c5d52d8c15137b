# Exports the graph view bench's torchvision models (random weights, nothing downloads) to ONNX:
#   python3 bench/export-torchvision.py OUT_DIR [densenet121|ssdlite320_mobilenet_v3_large|swin_t ...]
# Needs Debian's python3-torchvision (torch.onnx.export); the bench runs it for the models it does not find.
import os
import sys

import torch
import torchvision

out, names = sys.argv[1], sys.argv[2:]
torch.manual_seed(0)
for name in names:
    if name == 'ssdlite320_mobilenet_v3_large':
        m = torchvision.models.detection.ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None)
        x = ([torch.randn(3, 320, 320)],)
    else:
        m = getattr(torchvision.models, name)()
        x = torch.randn(1, 3, 224, 224)
    m.eval()
    tmp = os.path.join(out, f'.{name}.onnx.tmp')
    torch.onnx.export(m, x, tmp, opset_version=13)
    os.replace(tmp, os.path.join(out, f'{name}.onnx'))
