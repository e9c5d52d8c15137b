#!/usr/bin/env python3
"""Twenty-fifth sweep (docs/model-sweep.md "Twenty-fifth sweep"): deployed families the twenty-four earlier sweeps
did not try — TabNet, NODE, TabPFN v2, TabM, DIN, GraphCast, WPMixer, Timer-XL (sweep25_tab.py), CoTracker3, EdgeTAM's
perceiver, DSINE, LivePortrait, OverLoCK, MobileMamba, DDQ-DETR (sweep25_vis_mod.py), Sana, FLUX, SmolVLM, Qwen2.5-VL's
vision encoder, Wav2Lip, FRCRN (sweep25_gen.py) — written in plain torch.nn with the math of their public code, random
weights, exported with Debian's torch 1.13 into OUT_DIR (outside the repository; then `onnx2lite convert` each):
`/usr/bin/python3 scripts/export/sweep25_vis.py OUT_DIR [NAME ...]`. A model's random weights depend on which models
were built before it in the same run (one seed for the run), as in the earlier sweeps."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402
from sweep19_vis import img, multi  # noqa: E402
import sweep25_tab as tb  # noqa: E402
import sweep25_vis_mod as vm  # noqa: E402
import sweep25_gen as gn  # noqa: E402

torch.manual_seed(0)


def tabpfn_inputs():
    x_train = torch.randn(32, 6)
    y_train = (x_train[:, 0] + x_train[:, 1] > 0).long() + 2 * (x_train[:, 2] > 0.5).long()
    return x_train, y_train, torch.randn(8, 6)


def din_inputs(b=4, t=20):
    g = torch.Generator().manual_seed(3)
    return (torch.randint(1, 500, (b, t), generator=g), torch.randint(1, 40, (b, t), generator=g), torch.tensor([20, 7, 13, 1][:b]),
            torch.randint(1, 500, (b,), generator=g), torch.randint(1, 40, (b,), generator=g), torch.randint(0, 10, (b,), generator=g))


DIN_NAMES = ['hist_items', 'hist_cats', 'hist_len', 'target_item', 'target_cat', 'user_group']


def flux_inputs():
    hh, ww = torch.meshgrid(torch.arange(8), torch.arange(8), indexing='ij')
    img_ids = torch.stack([torch.zeros_like(hh), hh, ww], -1).view(1, 64, 3).float()
    return (torch.randn(1, 64, 16), img_ids, torch.randn(1, 8, 32), torch.zeros(1, 8, 3), torch.tensor([0.7]), torch.randn(1, 32), torch.tensor([3.5]))


FLUX = {'names': ['img', 'img_ids', 'txt', 'txt_ids', 'timesteps', 'y', 'guidance'], 'outputs': ['velocity']}


def smolvlm_ids():
    ids = torch.randint(1, 290, (1, 24), generator=torch.Generator().manual_seed(5))
    ids[0, 2:18] = 299
    return ids


def kp(seed):
    return 0.5 * (torch.rand(1, 15, 3, generator=torch.Generator().manual_seed(seed)) * 2 - 1)


MODELS = {
    # tabular / recommendation / graph / time series
    'tabnet_op13': lambda: multi(tb.TabNet(), (torch.randn(8, 16),), {'opset': 13, 'outputs': ['probs', 'importance']}),
    'node_op13': lambda: (tb.NODE(), torch.randn(8, 16), {'opset': 13}),
    'tabpfn_v2_op14': lambda: (tb.TabPFNv2(), tabpfn_inputs(), {'opset': 14, 'names': ['x_train', 'y_train', 'x_test'], 'outputs': ['probs']}),
    'tabm_op13': lambda: (tb.TabM(), torch.randn(8, 24), {'opset': 13}),
    'din_op13': lambda: multi(tb.DIN(), din_inputs(), {'opset': 13, 'names': DIN_NAMES, 'outputs': ['ctr']}),
    'graphcast_op16': lambda: (tb.GraphCast(), torch.randn(128, 12), {'opset': 16, 'names': ['state'], 'outputs': ['next_state']}),
    'wpmixer_op13': lambda: (tb.WPMixer(), torch.randn(1, 96, 7), {'opset': 13}),
    'timerxl_op13': lambda: (tb.TimerXL(), torch.randn(1, 4, 96), {'opset': 13}),
    'timerxl_unfold_neg_op13': lambda: (tb.TimerXL(unfold_dim=-1), torch.randn(1, 4, 96), {'opset': 13}),
    # tracking / video memory / geometry / portrait animation / backbones / detection
    'cotracker3_op16': lambda: multi(vm.CoTracker3(), (torch.rand(1, 4, 3, 96, 128), torch.rand(1, 16, 2) * torch.tensor([120.0, 88.0]) + 4),
                                     {'opset': 16, 'names': ['video', 'queries'], 'outputs': ['tracks', 'visibility', 'confidence']}),
    'edgetam_perceiver_op13': lambda: (vm.EdgeTAMPerceiver(), (torch.randn(1, 256, 64), torch.randn(1, 64, 16, 16), torch.randn(1, 64, 16, 16),
                                                                 torch.randn(1, 64, 16, 16)), {'opset': 13, 'names': ['curr', 'mem0', 'mem1', 'mem_pos']}),
    'dsine_op13': lambda: multi(vm.DSINE(), (img(128, 160), torch.tensor([[[150.0, 0, 80], [0, 150.0, 64], [0, 0, 1]]])),
                                {'opset': 13, 'names': ['image', 'intrinsics'], 'outputs': ['normal']}),
    'liveportrait_motion_op13': lambda: multi(vm.LivePortraitMotion(), (img(128),), {'opset': 13, 'outputs': ['kp', 'angles']}),
    'liveportrait_warp_op16': lambda: (vm.LivePortraitWarp(), (torch.randn(1, 8, 8, 32, 32), kp(1), kp(2)),
                                       {'opset': 16, 'names': ['feature_3d', 'kp_source', 'kp_driving'], 'outputs': ['image']}),
    'overlock_op13': lambda: multi(vm.OverLoCK(), (img(112),), {'opset': 13}),
    'mobilemamba_op14': lambda: multi(vm.MobileMamba(), (img(128),), {'opset': 14}),
    'ddq_op13': lambda: multi(vm.DDQ(), (img(320),), {'opset': 13, 'outputs': ['scores', 'boxes']}),
    # generative / multimodal / audio
    'sana_op13': lambda: (gn.Sana(), (torch.randn(1, 8, 16, 16), torch.tensor([500.0]), torch.randn(1, 8, 32)),
                          {'opset': 13, 'names': ['latent', 'timestep', 'caption'], 'outputs': ['noise']}),
    'flux_op13': lambda: (gn.Flux(), flux_inputs(), {'opset': 13, **FLUX}),
    'smolvlm_op14': lambda: (gn.SmolVLM(), (img(64), smolvlm_ids()), {'opset': 14, 'names': ['pixel_values', 'input_ids'], 'outputs': ['logits']}),
    'qwen25vl_vision_op13': lambda: (gn.Qwen25VLVision(), torch.randn(64, 384), {'opset': 13, 'names': ['pixel_values'], 'outputs': ['image_embeds']}),
    'wav2lip_op13': lambda: (gn.Wav2Lip(), (torch.randn(1, 1, 80, 16), img(96, c=6)), {'opset': 13, 'names': ['mel', 'face'], 'outputs': ['frame']}),
    'frcrn_op13': lambda: multi(gn.FRCRN(), (0.3 * torch.randn(1, 8000),), {'opset': 13, 'names': ['wav'], 'outputs': ['enhanced']}),
    # opset 17 (LayerNormalization) forms of the transformers above
    'tabpfn_v2_op17': lambda: (tb.TabPFNv2(), tabpfn_inputs(), {'opset': 17, 'names': ['x_train', 'y_train', 'x_test'], 'outputs': ['probs']}),
    'timerxl_op17': lambda: (tb.TimerXL(), torch.randn(1, 4, 96), {'opset': 17}),
    'edgetam_perceiver_op17': lambda: (vm.EdgeTAMPerceiver(), (torch.randn(1, 256, 64), torch.randn(1, 64, 16, 16), torch.randn(1, 64, 16, 16),
                                                                 torch.randn(1, 64, 16, 16)), {'opset': 17, 'names': ['curr', 'mem0', 'mem1', 'mem_pos']}),
    # exported with dynamic axes, as users export them (converted with and without --input-shape)
    'tabpfn_v2_dyn_op17': lambda: (tb.TabPFNv2(), tabpfn_inputs(), {'opset': 17, 'names': ['x_train', 'y_train', 'x_test'], 'outputs': ['probs'],
                                                                      'dynamic': {'x_test': {0: 'n_test'}, 'probs': {0: 'n_test'}}}),
    'din_dyn_op13': lambda: multi(tb.DIN(), din_inputs(), {'opset': 13, 'names': DIN_NAMES, 'outputs': ['ctr'],
                                                           'dynamic': {**{n: {0: 'batch'} for n in DIN_NAMES}, 'ctr': {0: 'batch'}}}),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
