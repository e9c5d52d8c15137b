#!/usr/bin/env python3
"""Exports a wide sweep of public model families with Debian's torch 1.13 / torchvision 0.14 / torchaudio 0.13
(random weights, nothing downloads) to check the converter on models it was not written against:

    /usr/bin/python3 scripts/export/sweep.py OUT_DIR [NAME ...]
    node --import tsx scripts/check-models.ts OUT_DIR/*.onnx

Hundreds of MB in all: keep OUT_DIR outside the repository (torchvision's mvit_v2_s is left out: its export
needs more than 24 GB; torchaudio's Emformer without a memory bank exports a Concat of a rank-1 empty tensor with
rank-3 ones, which onnxruntime refuses to load: emformer_rnnt_mem4 has one). A model that fails to export is reported
and skipped (tacotron2 and hdemucs_low with torch 1.13). MODELS3 is the third sweep: today's families written in
plain nn (sweep3_models.py, sweep3_seq.py), torch.jit.script loops, torchaudio pipelines; docs/model-sweep.md.
"""
import os
import sys
import traceback

import torch
import torchvision
import torchaudio

torch.manual_seed(0)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep3_models as s3  # noqa: E402
import sweep3_seq as s3q  # noqa: E402
tv = torchvision.models


def img(h=224, w=None):
    return torch.randn(1, 3, h, w or h)


class FirstOutput(torch.nn.Module):
    """Segmentation models return a dict, optical flow a list: export one tensor."""

    def __init__(self, m, key=None):
        super().__init__()
        self.m, self.key = m, key

    def forward(self, *x):
        y = self.m(*x)
        return y[self.key] if self.key is not None else y[-1]


class Raft(torch.nn.Module):
    """RAFT's last flow estimate after 4 refinement steps."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, a, b):
        return self.m(a, b, num_flow_updates=4)[-1]


class AudioFeatures(torch.nn.Module):
    """torchaudio encoders return (features, lengths): export the features."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, *x):
        y = self.m(*x)
        return y[0] if isinstance(y, tuple) else y


class Seq2Seq(torch.nn.Module):
    """nn.TransformerDecoder over a memory, with a causal target mask and a key padding mask on the memory."""

    def __init__(self, d=64, heads=4, layers=2):
        super().__init__()
        layer = torch.nn.TransformerDecoderLayer(d, heads, 128, dropout=0.0, batch_first=True)
        self.dec = torch.nn.TransformerDecoder(layer, layers)

    def forward(self, tgt, memory):
        n = tgt.shape[1]
        causal = torch.triu(torch.full((n, n), float('-inf')), diagonal=1)
        pad = torch.zeros(1, memory.shape[1], dtype=torch.bool)
        pad[:, -3:] = True
        return self.dec(tgt, memory, tgt_mask=causal, memory_key_padding_mask=pad)


class Gpt(torch.nn.Module):
    """GPT-style decoder: token + position embeddings, causal mask as a boolean triu, pre-norm blocks, tied head."""

    def __init__(self, vocab=500, d=64, heads=4, layers=2, n=16):
        super().__init__()
        self.tok, self.pos = torch.nn.Embedding(vocab, d), torch.nn.Embedding(n, d)
        layer = torch.nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation='gelu', batch_first=True,
                                                 norm_first=True)
        self.blocks = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.ln = torch.nn.LayerNorm(d)

    def forward(self, ids):
        n = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(n).unsqueeze(0))
        mask = torch.ones(n, n, dtype=torch.bool).triu(1)
        return self.ln(self.blocks(x, mask=mask)) @ self.tok.weight.t()


class MhaPadding(torch.nn.Module):
    """nn.MultiheadAttention (batch_first) with a key_padding_mask given as an input."""

    def __init__(self, d=64, heads=8):
        super().__init__()
        self.mha = torch.nn.MultiheadAttention(d, heads, batch_first=True)

    def forward(self, x, pad):
        return self.mha(x, x, x, key_padding_mask=pad, need_weights=False)[0]


class Rnn(torch.nn.Module):
    """Embedding, then a multi-layer bidirectional batch_first LSTM or GRU, then a linear head."""

    def __init__(self, kind, vocab=100, d=32, hidden=48, layers=2):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, d)
        self.rnn = getattr(torch.nn, kind)(d, hidden, num_layers=layers, bidirectional=True, batch_first=True)
        self.head = torch.nn.Linear(2 * hidden, 10)

    def forward(self, ids):
        return self.head(self.rnn(self.emb(ids))[0])


class ConformerOut(torch.nn.Module):
    """torchaudio's Conformer on [1, T, C] features (lengths = T, made inside)."""

    def __init__(self):
        super().__init__()
        self.m = torchaudio.models.Conformer(input_dim=80, num_heads=4, ffn_dim=256, num_layers=4,
                                             depthwise_conv_kernel_size=31)

    def forward(self, x):
        return self.m(x, torch.full((1,), x.shape[1], dtype=torch.int64))[0]


class Tacotron2Forward(torch.nn.Module):
    """Tacotron2's teacher-forced forward (the export unrolls its decoder over the given mel frames): mel outputs."""

    def __init__(self):
        super().__init__()
        self.m = torchaudio.models.Tacotron2(n_symbol=40, n_mels=40, symbol_embedding_dim=128, encoder_embedding_dim=128,
                                             encoder_n_convolution=2, decoder_rnn_dim=128, attention_rnn_dim=128,
                                             attention_hidden_dim=64, prenet_dim=64, postnet_n_convolution=2,
                                             postnet_embedding_dim=64, encoder_kernel_size=5, postnet_kernel_size=5,
                                             attention_location_n_filter=8, decoder_max_step=20)

    def forward(self, tokens, mel):
        lengths = torch.full((1,), tokens.shape[1], dtype=torch.int64)
        mel_lengths = torch.full((1,), mel.shape[2], dtype=torch.int64)
        return self.m(tokens, lengths, mel, mel_lengths)[1]


def calibrated(m, x, heads=()):
    """Random weights with outputs that depend on the input: BatchNorm statistics re-estimated on random images
    (torchvision's init leaves deep CNNs' outputs near constant) and zero-initialised layers (ViT's head, class
    token) given random values."""
    for mod in m.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            mod.reset_running_stats()
            mod.momentum = None
    with torch.no_grad():
        for name, p in m.named_parameters():
            if p.dim() >= 1 and bool((p == 0).all()):
                p.copy_(0.05 * torch.randn(p.shape))
        m.train()
        for _ in range(3):
            m(torch.rand(2, *x.shape[1:]))
    m.eval()
    return m, x


MODELS = {
    # classification
    'efficientnet_b0': lambda: (tv.efficientnet_b0(), img()),
    'efficientnet_v2_s': lambda: (tv.efficientnet_v2_s(), img()),
    'mobilenet_v3_large': lambda: (tv.mobilenet_v3_large(), img()),
    'regnet_x_400mf': lambda: (tv.regnet_x_400mf(), img()),
    'shufflenet_v2_x1_0': lambda: (tv.shufflenet_v2_x1_0(), img()),
    'googlenet': lambda: (tv.googlenet(aux_logits=False, init_weights=True), img()),
    'inception_v3': lambda: (tv.inception_v3(aux_logits=False, init_weights=True), img(299)),
    'resnext50_32x4d': lambda: (tv.resnext50_32x4d(), img()),
    'vit_b_32': lambda: (tv.vit_b_32(), img()),
    'maxvit_t': lambda: (tv.maxvit_t(), img()),
    # segmentation
    'deeplabv3_mobilenet_v3_large': lambda: (FirstOutput(tv.segmentation.deeplabv3_mobilenet_v3_large(weights_backbone=None, aux_loss=False), 'out'), img(256)),
    'lraspp_mobilenet_v3_large': lambda: (FirstOutput(tv.segmentation.lraspp_mobilenet_v3_large(weights_backbone=None), 'out'), img(256)),
    'fcn_resnet50': lambda: (FirstOutput(tv.segmentation.fcn_resnet50(weights_backbone=None, aux_loss=False), 'out'), img(224)),
    # video
    'r2plus1d_18': lambda: (tv.video.r2plus1d_18(), torch.randn(1, 3, 8, 112, 112)),
    's3d': lambda: (tv.video.s3d(), torch.randn(1, 3, 16, 224, 224)),
    # optical flow
    'raft_small': lambda: (Raft(tv.optical_flow.raft_small()), (img(128), img(128))),
    # audio
    'hubert_base': lambda: (AudioFeatures(torchaudio.models.hubert_base()), torch.randn(1, 16000)),
    'wav2letter': lambda: (torchaudio.models.Wav2Letter(num_classes=29, input_type='waveform'), torch.randn(1, 1, 16000)),
    'conv_tasnet': lambda: (torchaudio.models.ConvTasNet(num_sources=2, enc_num_feats=128, msk_num_feats=64, msk_num_hidden_feats=128, msk_num_layers=4, msk_num_stacks=2), torch.randn(1, 1, 8000)),
    'deepspeech': lambda: (torchaudio.models.DeepSpeech(n_feature=80, n_hidden=256), torch.randn(1, 1, 100, 80)),
    # second sweep: torchvision families not yet tried (BatchNorm statistics re-estimated, zero heads filled)
    'googlenet_cal': lambda: calibrated(tv.googlenet(aux_logits=False, init_weights=True), img()),
    'vit_b_32_head': lambda: calibrated(tv.vit_b_32(), img()),
    'vit_b_16': lambda: calibrated(tv.vit_b_16(), img()),
    'swin_s': lambda: calibrated(tv.swin_s(), img()),
    'convnext_tiny': lambda: calibrated(tv.convnext_tiny(), img()),
    'densenet121': lambda: calibrated(tv.densenet121(), img()),
    'wide_resnet50_2': lambda: calibrated(tv.wide_resnet50_2(), img()),
    'regnet_y_400mf': lambda: calibrated(tv.regnet_y_400mf(), img()),
    'mnasnet1_0': lambda: calibrated(tv.mnasnet1_0(), img()),
    'r3d_18': lambda: calibrated(tv.video.r3d_18(), torch.randn(1, 3, 8, 112, 112)),
    'mc3_18': lambda: calibrated(tv.video.mc3_18(), torch.randn(1, 3, 8, 112, 112)),
    # torchaudio
    'conformer': lambda: (ConformerOut(), torch.randn(1, 100, 80)),
    # WaveRNN's upsampler (repeat_interleave: SplitToSequence / Loop / ConcatFromSequence at opset >= 13); the whole
    # WaveRNN exports an Unsqueeze of axis 3 on a rank-2 tensor, which onnxruntime refuses to load.
    'wavernn_upsample': lambda: (torchaudio.models.wavernn.UpsampleNetwork(upsample_scales=[5, 5, 8], n_res_block=2, n_freq=128, n_hidden=64, n_output=64, kernel_size=5), torch.randn(1, 128, 10)),
    'tacotron2': lambda: (Tacotron2Forward(), (torch.randint(0, 40, (1, 12)), torch.randn(1, 40, 20))),
    # nn building blocks
    'transformer_decoder': lambda: (Seq2Seq(), (torch.randn(1, 10, 64), torch.randn(1, 14, 64))),
    'gpt_causal': lambda: (Gpt(), torch.randint(0, 500, (1, 16))),
    'mha_key_padding': lambda: (MhaPadding(), (torch.randn(1, 12, 64), torch.tensor([[False] * 9 + [True] * 3]))),
    'lstm_bi_2layer': lambda: (Rnn('LSTM'), torch.randint(0, 100, (1, 20))),
    'gru_bi_2layer': lambda: (Rnn('GRU'), torch.randint(0, 100, (1, 20))),
    # other opsets, dynamic axes
    'resnet18_op11': lambda: calibrated(tv.resnet18(), img()) + ({'opset': 11},),
    'mobilenet_v2_op13_dynamic': lambda: calibrated(tv.mobilenet_v2(), img()) + ({'opset': 13, 'dynamic': {'input': {0: 'batch', 2: 'h', 3: 'w'}}},),
    'squeezenet1_1_op11_dynamic': lambda: calibrated(tv.squeezenet1_1(), img()) + ({'opset': 11, 'dynamic': {'input': {0: 'batch'}}},),
    'gru_bi_2layer_op13_dynamic': lambda: (Rnn('GRU'), torch.randint(0, 100, (1, 20)), {'opset': 13, 'dynamic': {'input': {0: 'batch', 1: 'seq'}}}),
    'lstm_bi_2layer_op11': lambda: (Rnn('LSTM'), torch.randint(0, 100, (1, 20)), {'opset': 11}),
    'gpt_causal_op14_dynamic': lambda: (Gpt(), torch.randint(0, 500, (1, 16)), {'opset': 14, 'dynamic': {'input': {1: 'seq'}}}),
}

# Third sweep: today's families in plain nn (sweep3_models.py, sweep3_seq.py), scripted loops, torchaudio pipelines.
MODELS3 = {
    'yolov8_style': lambda: calibrated(s3.YoloV8(), img(320)),
    'detr_style': lambda: calibrated(s3.Detr(), img(256)),
    'unet_diffusion': lambda: (s3.UNet(), (torch.randn(1, 4, 32, 32), torch.tensor([500]), torch.randn(1, 8, 48))),
    'mobilevit_style': lambda: calibrated(s3.MobileViT(), img(128)),
    'convnext_official': lambda: (s3.ConvNeXt(), img(128)),
    'convnextv2_grn': lambda: (s3.ConvNeXtV2(), img(128)),
    'deform_attn_op16': lambda: (s3q.DeformAttn(), img(128), {'opset': 16}),
    'clip_text': lambda: (s3q.ClipText(), torch.randint(0, 100, (1, 16))),
    'dinov2_interp_pos': lambda: (s3q.DinoV2(), img(154)),
    'sam_rel_pos': lambda: (s3q.SamBlock(), img(128)),
    'efficientnet_b0_op17': lambda: calibrated(tv.efficientnet_b0(), img()) + ({'opset': 17},),
    'llama_style': lambda: (s3q.Llama(), (torch.randint(0, 256, (1, 6)), torch.randn(2, 1, 2, 10, 16), torch.randn(2, 1, 2, 10, 16))),
    'llama_style_op14_dynamic': lambda: (s3q.Llama(), (torch.randint(0, 256, (1, 6)), torch.randn(2, 1, 2, 10, 16), torch.randn(2, 1, 2, 10, 16)),
                                          {'opset': 14, 'dynamic': {'input_0': {1: 'n'}, 'input_1': {3: 'past'}, 'input_2': {3: 'past'}}}),
    'whisper_style': lambda: (s3q.Whisper(), (torch.randn(1, 40, 100), torch.randint(0, 300, (1, 16)))),
    'whisper_logmel': lambda: (s3q.LogMelFrontEnd(), (torch.rand(1, 101, 100), torch.randint(0, 300, (1, 16)))),
    't5_relbias': lambda: (s3q.T5Encoder(), torch.randint(0, 200, (1, 24))),
    'greedy_decode_script': lambda: (torch.jit.script(s3q.GreedyDecoder()), (torch.randn(1, 32), torch.tensor(12)), {'script': True}),
    'rnn_loop_script': lambda: (torch.jit.script(s3q.CumulativeLoop()), torch.randn(1, 7, 16), {'script': True}),
    'rnn_loop_script_dynamic': lambda: (torch.jit.script(s3q.CumulativeLoop()), torch.randn(1, 7, 16), {'script': True, 'dynamic': {'input': {1: 't'}}}),
    'wav2vec2_base': lambda: (AudioFeatures(torchaudio.models.wav2vec2_base()), torch.randn(1, 16000)),
    'emformer_rnnt_base': lambda: (EmformerRnnt(), (torch.randn(1, 84, 80), torch.randint(0, 100, (1, 3)))),
    'wavernn_full': lambda: (torchaudio.models.WaveRNN(upsample_scales=[5, 5, 8], n_classes=256, hop_length=200, n_res_block=2, n_rnn=64, n_fc=64, kernel_size=5, n_freq=40, n_hidden=32, n_output=32), (torch.randn(1, 1, 4000), torch.randn(1, 1, 40, 24))),
    # With a memory bank (max_memory_size 4) the export has no Concat of an empty rank-1 tensor: onnxruntime loads it.
    'emformer_rnnt_mem4': lambda: (EmformerRnnt(4), (torch.randn(1, 84, 80), torch.randint(0, 100, (1, 3)))),
    'hdemucs_low': lambda: (torchaudio.models.hdemucs_low(['a', 'b']), torch.randn(1, 2, 8000)),
}
MODELS.update(MODELS3)


class EmformerRnnt(torch.nn.Module):
    """torchaudio's emformer_rnnt_base (small): transcriber on features + predictor on tokens + joiner."""

    def __init__(self, memory=0):
        super().__init__()
        self.m = torchaudio.models.emformer_rnnt_model(
            input_dim=80, encoding_dim=64, num_symbols=100, segment_length=16, right_context_length=4,
            time_reduction_input_dim=128, time_reduction_stride=4, transformer_num_heads=4, transformer_ffn_dim=128,
            transformer_num_layers=2, transformer_dropout=0.0, transformer_activation='gelu',
            transformer_left_context_length=30, transformer_max_memory_size=memory, transformer_weight_init_scale_strategy='depthwise',
            transformer_tanh_on_mem=True, symbol_embedding_dim=32, num_lstm_layers=1, lstm_layer_norm=True,
            lstm_layer_norm_epsilon=1e-3, lstm_dropout=0.0)

    def forward(self, feats, tokens):
        n = torch.full((1,), feats.shape[1], dtype=torch.int32)
        t = torch.full((1,), tokens.shape[1], dtype=torch.int32)
        return self.m(feats, n, tokens, t)[0]


def with_opsets(models, pairs):
    """Adds `NAME_opNN` entries to `models`: the named model re-exported at another opset."""
    def at_opset(name, opset):
        def make():
            m, x, *rest = models[name]()
            return m, x, dict(rest[0] if rest else {}, opset=opset)
        return make
    models.update({f'{name}_op{opset}': at_opset(name, opset) for name, opset in pairs})


def export_all(models, argv, default_opset=17):
    """Exports the models named in argv[2:] (all of `models` when none) into the folder argv[1], skipping those already
    there; a model's options may name its opset (else `default_opset`; None: torch's default), dynamic axes, the
    input / output names ('names', 'outputs') and symbolics to export some aten ops with ('symbolics')."""
    out, names = argv[1], argv[2:] or list(models)
    os.makedirs(out, exist_ok=True)
    for name in names:
        dst = os.path.join(out, f'{name}.onnx')
        if os.path.exists(dst):
            continue
        try:
            m, x, *rest = models[name]()
            opts = rest[0] if rest else {}
            m.eval()
            args = x if isinstance(x, tuple) else (x,)
            tmp = os.path.join(out, f'.{name}.onnx.tmp')
            in_names = opts.get('names') or (['input'] if len(args) == 1 else [f'input_{i}' for i in range(len(args))])
            opset = opts.get('opset', default_opset)
            kw = {'opset_version': opset} if opset is not None else {}
            # Not under no_grad: torch's fast attention path (aten::_native_multi_head_attention) has no ONNX export.
            # Scripted models (opts 'script') are exported the same way: their loops become ONNX Loop nodes.
            # opts 'symbolics': {aten op: symbolic} registered for this export only (a later torch's export form).
            for op, fn in opts.get('symbolics', {}).items():
                torch.onnx.register_custom_op_symbolic(op, fn, opset or 9)
            try:
                torch.onnx.export(m, args, tmp, input_names=in_names, output_names=opts.get('outputs'),
                                  dynamic_axes=opts.get('dynamic'), **kw)
            finally:
                for op in opts.get('symbolics', {}):
                    torch.onnx.unregister_custom_op_symbolic(op, opset or 9)
            os.replace(tmp, dst)
            print(f'exported {name} (opset {opset if opset is not None else "default"})', flush=True)
        except Exception as e:  # noqa: BLE001 — a sweep reports and goes on
            print(f'EXPORT FAILED {name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}', flush=True)
            traceback.print_exc(limit=1, file=sys.stderr)


def save_torch_reference(out, m, args, opts):
    """Saves the export inputs and PyTorch's outputs as in_<name>.npy / out_<name>.npy for scripts/check-vs-torch.ts
    (models whose ONNX file onnxruntime refuses), named by opts 'names' / 'outputs'."""
    import numpy as np
    with torch.no_grad():
        ys = m(*args)
    ys = ys if isinstance(ys, tuple) else (ys,)
    for n, t in zip(opts['names'], args):
        np.save(os.path.join(out, f'in_{n}.npy'), np.ascontiguousarray(t.numpy()))
    for n, t in zip(opts['outputs'], ys):
        np.save(os.path.join(out, f'out_{n}.npy'), np.ascontiguousarray(t.numpy()))  # npy.ts reads C order


def main():
    export_all(MODELS, sys.argv)


if __name__ == '__main__':
    main()
