#!/usr/bin/env python3
"""Twenty-sixth sweep (docs/model-sweep.md "Twenty-sixth sweep"): deployed families the twenty-five earlier sweeps did
not try — EEGNet, MiniRocket, SAINT, ASTGCN, a MACE-style potential, Evoformer, TranAD, PonderNet, a DEQ
(sweep26_sci.py), Decision Transformer, DreamerV3, Falcon-H1, Ballé's hyperprior, Diffusion Policy, Caduceus
(sweep26_gen.py), vHeat, MobileViG, MixFormerV2, inswapper, ReDimNet, FCPE, ChangeFormer (sweep26_vis_mod.py) —
written in plain torch.nn with the math of their public code, random weights, exported with Debian's torch 1.13 into
OUT_DIR (outside the repository; then `onnx2lite convert` each): `/usr/bin/python3 scripts/export/sweep26_vis.py
OUT_DIR [NAME ...]`. A model's random weights depend on which models were built before it in the same run (one seed
for the run), as in the earlier sweeps; PonderNet and the DEQ are torch.jit.script modules (their loops become ONNX
Loops)."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import export_all  # noqa: E402
from sweep19_vis import img, multi  # noqa: E402
import sweep26_sci as sc  # noqa: E402
import sweep26_gen as gn  # noqa: E402
import sweep26_vis_mod as vm  # noqa: E402

torch.manual_seed(0)


def g(seed):
    return torch.Generator().manual_seed(seed)


def saint_inputs():
    cards = (5, 7, 3, 11)
    return torch.stack([torch.randint(0, c, (8,), generator=g(1)) for c in cards], 1), torch.randn(8, 6, generator=g(2))


def mace_inputs():
    pos = torch.rand(12, 3, generator=g(3)) * 4.0
    return pos, torch.nn.functional.one_hot(torch.randint(0, 4, (12,), generator=g(4)), 4).float()


def dt_inputs():
    return (torch.rand(1, 10, 1, generator=g(5)) * 3, torch.randn(1, 10, 17, generator=g(6)), torch.rand(1, 10, 6, generator=g(7)) * 2 - 1,
            torch.arange(40, 50).view(1, 10))


def dreamer_inputs():
    z = torch.nn.functional.one_hot(torch.randint(0, 16, (1, 32), generator=g(8)), 16).float().flatten(1)
    a = torch.nn.functional.one_hot(torch.tensor([2]), 6).float()
    return torch.rand(1, 3, 64, 64, generator=g(9)), torch.randn(1, 5, generator=g(10)) * 5, torch.randn(1, 128, generator=g(11)) * 0.5, z, a


def falcon_inputs():
    return (torch.tensor([[17]]), torch.tensor([15]), torch.randn(2, 1, 2, 15, 16, generator=g(12)) * 0.5,
            torch.randn(2, 1, 2, 15, 16, generator=g(13)) * 0.5, torch.randn(2, 1, 96, 3, generator=g(14)) * 0.5,
            torch.randn(2, 1, 4, 16, 16, generator=g(15)) * 0.1)


FALCON = {'names': ['input_ids', 'position', 'past_k', 'past_v', 'conv_state', 'ssm_state'],
          'outputs': ['logits', 'present_k', 'present_v', 'present_conv', 'present_ssm']}


def dna():
    return torch.nn.functional.one_hot(torch.randint(0, 4, (1, 64), generator=g(18)), 4).float()


def script(m, xs, opts):
    m.eval()
    return torch.jit.script(m), xs, dict(opts, script=True)


MODELS = {
    # biosignals / time series / tabular / graphs / science
    'eegnet_op13': lambda: multi(sc.EEGNet(), (torch.randn(1, 1, 22, 256),), {'opset': 13}),
    'minirocket_op13': lambda: (sc.MiniRocket(), torch.randn(1, 1, 128).cumsum(-1) * 0.3, {'opset': 13}),
    'saint_op13': lambda: (sc.SAINT(), saint_inputs(), {'opset': 13, 'names': ['x_cat', 'x_num'], 'outputs': ['probs']}),
    'saint_op17': lambda: (sc.SAINT(), saint_inputs(), {'opset': 17, 'names': ['x_cat', 'x_num'], 'outputs': ['probs']}),
    'astgcn_op13': lambda: (sc.ASTGCN(), torch.randn(1, 16, 2, 12), {'opset': 13}),
    'mace_op16': lambda: (sc.MACE(), mace_inputs(), {'opset': 16, 'names': ['positions', 'species'], 'outputs': ['atom_energy', 'energy']}),
    'evoformer_op13': lambda: (sc.Evoformer(), (torch.randn(1, 4, 16, 32), torch.randn(1, 16, 16, 16)), {'opset': 13, 'names': ['msa', 'pair'], 'outputs': ['single', 'pair_out']}),
    'evoformer_op17': lambda: (sc.Evoformer(), (torch.randn(1, 4, 16, 32), torch.randn(1, 16, 16, 16)), {'opset': 17, 'names': ['msa', 'pair'], 'outputs': ['single', 'pair_out']}),
    'tranad_op13': lambda: (sc.TranAD(), (torch.rand(10, 1, 8), torch.rand(1, 1, 8)), {'opset': 13, 'names': ['window', 'last'], 'outputs': ['x1', 'x2']}),
    'pondernet_script': lambda: script(sc.PonderNet(), torch.randn(1, 16), {'opset': 13, 'outputs': ['y', 'steps']}),
    'deq_script': lambda: script(sc.DEQ(), torch.rand(1, 3, 32, 32), {'opset': 13, 'outputs': ['logits', 'residual']}),
    # decisions / world models / decoders with state / compression / fields / policies
    'decision_transformer_op13': lambda: (gn.DecisionTransformer(), dt_inputs(), {'opset': 13, 'names': ['returns_to_go', 'states', 'actions', 'timesteps'],
                                                                                 'outputs': ['action_preds', 'state_preds', 'return_preds']}),
    'dreamerv3_op13': lambda: (gn.DreamerV3(), dreamer_inputs(), {'opset': 13, 'names': ['image', 'vector', 'deter', 'stoch', 'action'],
                                                                  'outputs': ['policy', 'reward', 'cont', 'deter_out', 'stoch_out']}),
    'falcon_h1_step_op14': lambda: (gn.FalconH1Step(), falcon_inputs(), dict(FALCON, opset=14)),
    'hyperprior_op13': lambda: (gn.Hyperprior(), img(64), {'opset': 13, 'outputs': ['x_hat', 'y_likelihoods', 'z_likelihoods']}),
    'diffusion_policy_op13': lambda: multi(gn.DiffusionPolicy(), (torch.randn(1, 16, 2), torch.randn(1, 20)), {'opset': 13, 'names': ['noise', 'obs'], 'outputs': ['actions']}),
    # vision / tracking / face swap / speaker / pitch
    'vheat_op13': lambda: multi(vm.VHeat(), (img(96),), {'opset': 13}),
    'mobilevig_op13': lambda: multi(vm.MobileViG(), (img(128),), {'opset': 13}),
    'mixformerv2_op13': lambda: (vm.MixFormerV2(), (img(64), img(64), img(128)), {'opset': 13, 'names': ['template', 'online_template', 'search'], 'outputs': ['box', 'score']}),
    'inswapper_op13': lambda: (vm.InSwapper(), (img(128), torch.randn(1, 512)), {'opset': 13, 'names': ['target', 'source'], 'outputs': ['output']}),
    'redimnet_op13': lambda: (vm.ReDimNet(), torch.randn(1, 1, 72, 200), {'opset': 13}),
    'fcpe_op13': lambda: (vm.FCPE(), torch.randn(1, 128, 128), {'opset': 13, 'outputs': ['f0', 'confidence']}),
    'changeformer_op13': lambda: multi(vm.ChangeFormer(), (img(128), img(128)), {'opset': 13, 'names': ['pre', 'post'], 'outputs': ['change']}),
    'caduceus_op14': lambda: (gn.Caduceus(), dna(), {'opset': 14, 'outputs': ['logits']}),
    'fcpe_op17': lambda: (vm.FCPE(), torch.randn(1, 128, 128), {'opset': 17, 'outputs': ['f0', 'confidence']}),
}


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
