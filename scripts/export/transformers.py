#!/usr/bin/env python3
"""Exports the transformer families of issue #12 to ONNX with Debian's torch 1.13 (random weights, batch 1).

    /usr/bin/python3 scripts/export/transformers.py OUT_DIR [--small] [NAME ...]

--small writes the tiny fixtures committed in test/fixtures/transformers/ (a few KB of weights each, same patterns:
GELU in its erf form, LayerNorm both as the opset-17 op and decomposed, attention head splits, Swin's shifted
windows, ConvNeXt's channels-last LayerNorm, wav2vec2's grouped weight-normed positional conv, GroupNorm).
Without it the full torchvision / torchaudio models are written (hundreds of MB: keep them out of the repository).
Nothing is downloaded: every model is built with random weights.
"""
import os
import sys

import torch
import torch.nn as nn
import torchvision
import torchaudio

torch.manual_seed(0)


class BertLike(nn.Module):
    """nn.TransformerEncoder(activation="gelu") with an embedding-free float input [1, seq, d]."""

    def __init__(self, d=32, heads=4, layers=2, ff=64, norm_first=False):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation="gelu", batch_first=True,
                                           norm_first=norm_first)
        self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)

    def forward(self, x):
        return self.norm(self.enc(x))


class MhaNoBias(nn.Module):
    """Pre-norm nn.MultiheadAttention(bias=False, batch_first=True) with a residual (MusicGen's self-attention): at
    batch > 1 its output projection is a bias-less MatMul between the rows' views, not a Gemm."""

    def __init__(self, d=32, heads=4):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.mha = nn.MultiheadAttention(d, heads, bias=False, batch_first=True)

    def forward(self, x):
        y = self.norm(x)
        return x + self.mha(y, y, y, need_weights=False)[0]


class GptLike(nn.Module):
    """A decoder-only block stack: causal mask built in forward (triu of -inf), tanh-approximated GELU, pre-norm."""

    def __init__(self, d=32, heads=4, layers=2, ff=64):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation=nn.GELU(approximate="tanh"),
                                           batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d, 50)

    def forward(self, x):
        n = x.shape[1]
        mask = torch.triu(torch.full((n, n), float("-inf")), diagonal=1)
        return self.head(self.enc(x, mask=mask)).softmax(-1)


class HfBertLayer(nn.Module):
    """A Hugging Face BertLayer written out (transformers is not packaged in Debian): separate query/key/value
    Linears, transpose_for_scores (view + permute(0, 2, 1, 3)), key.transpose(-1, -2), an additive attention mask,
    GELU intermediate, post-LayerNorms."""

    def __init__(self, d=32, heads=4, ff=64):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.dense, self.ln1 = nn.Linear(d, d), nn.LayerNorm(d, eps=1e-12)
        self.inter, self.out, self.ln2 = nn.Linear(d, ff), nn.Linear(ff, d), nn.LayerNorm(d, eps=1e-12)
        self.register_buffer("mask", (torch.arange(8) >= 6).float().view(1, 1, 1, 8) * -10000.0)

    def split(self, x):
        return x.view(x.size(0), x.size(1), self.h, self.dh).permute(0, 2, 1, 3)

    def forward(self, x, mask=None):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        s = torch.matmul(q, k.transpose(-1, -2)) / (self.dh ** 0.5) + (self.mask if mask is None else mask)
        c = torch.matmul(s.softmax(-1), v).permute(0, 2, 1, 3).contiguous()
        a = self.ln1(self.dense(c.view(x.size(0), x.size(1), -1)) + x)
        return self.ln2(self.out(nn.functional.gelu(self.inter(a))) + a)


class HfBertModel(nn.Module):
    """A whole Hugging Face-style BERT: input_ids / attention_mask / token_type_ids (int64, dynamic batch and
    sequence), word + position + token-type embeddings, the extended attention mask (1 - mask) · finfo.min, two
    BertLayers and a pooler (tanh)."""

    def __init__(self, vocab=100, d=32, layers=2, max_len=16):
        super().__init__()
        self.word, self.pos, self.tok = nn.Embedding(vocab, d), nn.Embedding(max_len, d), nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList([HfBertLayer(d) for _ in range(layers)])
        self.pool = nn.Linear(d, d)

    def forward(self, input_ids, attention_mask, token_type_ids):
        n = input_ids.shape[1]
        pos = torch.arange(n, dtype=torch.long).unsqueeze(0)
        h = self.ln(self.word(input_ids) + self.pos(pos) + self.tok(token_type_ids))
        mask = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            h = layer(h, mask)
        return h, torch.tanh(self.pool(h[:, 0]))


class WhisperAttention(nn.Module):
    """Hugging Face's Whisper/BART attention: k_proj without bias, q scaled after its projection, _shape =
    view(bsz, seq, heads, head_dim).transpose(1, 2)."""

    def __init__(self, d, heads):
        super().__init__()
        self.h, self.dh, self.scaling = heads, d // heads, (d // heads) ** -0.5
        self.q_proj, self.k_proj = nn.Linear(d, d), nn.Linear(d, d, bias=False)
        self.v_proj, self.out_proj = nn.Linear(d, d), nn.Linear(d, d)

    def shape(self, t):
        return t.view(t.shape[0], t.shape[1], self.h, self.dh).transpose(1, 2)

    def forward(self, x):
        q = self.shape(self.q_proj(x) * self.scaling)
        k, v = self.shape(self.k_proj(x)), self.shape(self.v_proj(x))
        w = torch.matmul(q, k.transpose(2, 3)).softmax(-1)
        o = torch.matmul(w, v).transpose(1, 2).reshape(x.shape[0], x.shape[1], -1)
        return self.out_proj(o)


class WhisperEncoderLike(nn.Module):
    """Whisper's encoder: two Conv1d + GELU on log-mel frames, permute, positional embedding, pre-LN blocks."""

    def __init__(self, mels=16, d=32, heads=4, layers=2, frames=40):
        super().__init__()
        self.conv1 = nn.Conv1d(mels, d, 3, padding=1)
        self.conv2 = nn.Conv1d(d, d, 3, stride=2, padding=1)
        self.pos = nn.Parameter(0.1 * torch.randn(frames // 2, d))
        self.blocks = nn.ModuleList([nn.ModuleDict({"ln1": nn.LayerNorm(d), "attn": WhisperAttention(d, heads),
                                                    "ln2": nn.LayerNorm(d), "fc1": nn.Linear(d, 2 * d),
                                                    "fc2": nn.Linear(2 * d, d)}) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)

    def forward(self, mel):
        x = nn.functional.gelu(self.conv2(nn.functional.gelu(self.conv1(mel)))).permute(0, 2, 1) + self.pos
        for b in self.blocks:
            x = x + b["attn"](b["ln1"](x))
            x = x + b["fc2"](nn.functional.gelu(b["fc1"](b["ln2"](x))))
        return self.ln(x)


class SegFormerBlock(nn.Module):
    """SegFormer's (MiT) encoder block: overlapping patch embedding conv, efficient self-attention whose k and v come
    from a strided conv (spatial reduction) of the tokens, Mix-FFN (a depthwise 3×3 conv between two Linears),
    tokens ↔ feature map by flatten(2).transpose(1, 2) and back."""

    def __init__(self, c=3, d=32, heads=2, sr=2):
        super().__init__()
        self.embed = nn.Conv2d(c, d, 7, stride=4, padding=3)
        self.ln0, self.ln1, self.ln2, self.lnsr = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.h, self.dh = heads, d // heads
        self.q, self.kv, self.proj = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)
        self.sr = nn.Conv2d(d, d, sr, stride=sr)
        self.fc1, self.dw, self.fc2 = nn.Linear(d, 2 * d), nn.Conv2d(2 * d, 2 * d, 3, padding=1, groups=2 * d), nn.Linear(2 * d, d)

    def forward(self, img):
        f = self.embed(img)
        b, d, hh, ww = f.shape
        x = self.ln0(f.flatten(2).transpose(1, 2))
        y = self.ln1(x)
        q = self.q(y).reshape(b, -1, self.h, self.dh).permute(0, 2, 1, 3)
        r = self.sr(y.permute(0, 2, 1).reshape(b, d, hh, ww)).reshape(b, d, -1).permute(0, 2, 1)
        kv = self.kv(self.lnsr(r)).reshape(b, -1, 2, self.h, self.dh).permute(2, 0, 3, 1, 4)
        k, v = kv[0], kv[1]
        a = (q @ k.transpose(-2, -1) * self.dh ** -0.5).softmax(-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(b, -1, d))
        z = self.fc1(self.ln2(x))
        z = self.dw(z.transpose(1, 2).reshape(b, 2 * d, hh, ww)).flatten(2).transpose(1, 2)
        x = x + self.fc2(nn.functional.gelu(z))
        return x.reshape(b, hh, ww, d).permute(0, 3, 1, 2)


class TanhGelu(nn.Module):
    """The tanh-approximated GELU written out (as GPT-2 style code does) between two linears, and a bare erf."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 32)
        self.b = nn.Linear(32, 16)

    def forward(self, x):
        h = self.a(x)
        h = 0.5 * h * (1.0 + torch.tanh(0.7978845608028654 * (h + 0.044715 * torch.pow(h, 3.0))))
        return self.b(h), torch.erf(x * 3.0)


class GeluForms(nn.Module):
    """GELU written several ways (orderings of the erf form, the tanh form with x·x·x), plus an erf whose
    intermediate is also an output (must not fuse: the bare Erf goes through the approximation)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 16)

    def forward(self, x):
        h = self.a(x) * 3.0
        s2 = 1.4142135623730951
        g1 = h * 0.5 * (1.0 + torch.erf(h / s2))
        g2 = 0.5 * h * (1.0 + torch.erf(h * (1.0 / s2)))
        g3 = h * (0.5 * (torch.erf(h / s2) + 1.0))
        g4 = (torch.erf(h * 0.7071067811865476) + 1.0) * (h * 0.5)
        g5 = h * 0.5 * (1.0 + torch.tanh(0.7978845608028654 * (h + 0.044715 * h * h * h)))
        e = torch.erf(h / s2)
        g6 = h * 0.5 * (1.0 + e)
        return g1, g2, g3, g4, g5, g6, e


class GroupNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.g1 = nn.GroupNorm(4, 16)
        self.c2 = nn.Conv2d(16, 8, 3, padding=1)
        self.g2 = nn.GroupNorm(1, 8)
        self.c3 = nn.Conv1d(8, 8, 3, padding=1)
        self.g3 = nn.GroupNorm(8, 8)

    def forward(self, x):
        y = self.g2(self.c2(nn.functional.gelu(self.g1(self.c1(x)))))
        z = self.g3(self.c3(y.flatten(2)))
        return y, z


def small_models():
    from torchvision.models.vision_transformer import VisionTransformer
    from torchvision.models.swin_transformer import SwinTransformer
    from torchvision.models.convnext import ConvNeXt, CNBlockConfig
    from torchvision.models.maxvit import MaxVit
    return {
        "vit_tiny": (VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32,
                                       mlp_dim=64, num_classes=10), (1, 3, 32, 32), [13, 17]),
        "swin_tiny": (SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[2, 4],
                                      window_size=[4, 4], num_classes=10), (1, 3, 32, 32), [13, 17]),
        # torchvision MaxViT (1 block, MBConv + window and grid attention written with torch.einsum): 56 → 28 → 14, 2×2 windows of 7.
        "maxvit_tiny": (MaxVit(input_size=(56, 56), stem_channels=8, partition_size=7, block_channels=[16],
                               block_layers=[1], head_dim=8, stochastic_depth_prob=0.0, num_classes=10),
                        (1, 3, 56, 56), [14]),
        "convnext_tiny_s": (ConvNeXt([CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)], num_classes=10),
                            (1, 3, 32, 32), [13, 17]),
        "bert_tiny": (BertLike(), (1, 8, 32), [13, 17]),
        "bert_tiny_prenorm": (BertLike(norm_first=True), (1, 8, 32), [14]),
        "bert_tiny_batch2": (BertLike(layers=1), (2, 8, 32), [14]),
        "wav2vec2_tiny": (torchaudio.models.wav2vec2_model(
            extractor_mode="group_norm", extractor_conv_layer_config=[(16, 10, 5), (16, 3, 2), (16, 2, 2)],
            extractor_conv_bias=False, encoder_embed_dim=32, encoder_projection_dropout=0.0,
            encoder_pos_conv_kernel=16, encoder_pos_conv_groups=4, encoder_num_layers=2, encoder_num_heads=4,
            encoder_attention_dropout=0.0, encoder_ff_interm_features=64, encoder_ff_interm_dropout=0.0,
            encoder_dropout=0.0, encoder_layer_norm_first=False, encoder_layer_drop=0.0, aux_num_out=None),
            (1, 800), [13, 17]),
        "gelu_tanh": (TanhGelu(), (1, 4, 16), [13]),
        "hf_bert_layer": (HfBertLayer(), (1, 8, 32), [14]),
        "hf_bert_model": (None, None, [14]),
        "gpt_tiny": (GptLike(), (1, 8, 32), [14]),
        "segformer_block": (SegFormerBlock(), (1, 3, 32, 32), [14]),
        "whisper_encoder_tiny": (WhisperEncoderLike(), (1, 16, 40), [14]),
        "conformer_tiny": (ConformerWrap(16, 2, 32, 2, 7), (1, 12, 16), [17]),
        "groupnorm": (GroupNormNet(), (1, 3, 8, 8), [13]),
        "gelu_forms": (GeluForms(), (1, 4, 16), [13]),
        "mha_nobias_batch2": (MhaNoBias(), (2, 8, 32), [14]),
    }


def big_models():
    tv = torchvision.models
    return {
        "vit_b_16": (tv.vit_b_16(weights=None), (1, 3, 224, 224), [14, 17]),
        "swin_t": (tv.swin_t(weights=None), (1, 3, 224, 224), [14, 17]),
        "convnext_tiny": (tv.convnext_tiny(weights=None), (1, 3, 224, 224), [14, 17]),
        "bert_base_like": (BertLike(d=768, heads=12, layers=4, ff=3072), (1, 128, 768), [14, 17]),
        "wav2vec2_base": (torchaudio.models.wav2vec2_base(), (1, 16000), [14, 17]),
        "conformer": (None, None, [14, 17]),
    }


class ConformerWrap(nn.Module):
    """torchaudio's Conformer on [1, T, C] features (lengths = T, made inside so that the model has one input)."""

    def __init__(self, input_dim=80, num_heads=4, ffn_dim=256, num_layers=4, kernel=31):
        super().__init__()
        self.m = torchaudio.models.Conformer(input_dim=input_dim, num_heads=num_heads, ffn_dim=ffn_dim,
                                             num_layers=num_layers, depthwise_conv_kernel_size=kernel)

    def forward(self, x):
        lengths = torch.full((1,), x.shape[1], dtype=torch.int64)
        return self.m(x, lengths)[0]


def randomize(model):
    """Random weights where torchvision's init leaves a model's output trivial: zero-initialised heads and class
    tokens (the output would be all zeros), ConvNeXt's layer scale 1e-6 (the blocks would not count), norms at
    weight 1 / bias 0 (their scale and bias would not be tested)."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_scale" in name:
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
            elif p.dim() >= 1 and bool((p == 0).all()):
                p.copy_(0.05 * torch.randn(p.shape, generator=g))
        for m in model.modules():
            if isinstance(m, (nn.LayerNorm, nn.GroupNorm)) and getattr(m, "weight", None) is not None:
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))


def export_hf_bert(path, opset=14):
    """HfBertModel with dynamic batch and sequence dims (convert it with --input-shape)."""
    model = HfBertModel()
    randomize(model)
    model.eval()
    ids = torch.randint(0, 100, (1, 8))
    mask = torch.ones(1, 8, dtype=torch.long)
    types = torch.zeros(1, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(model, (ids, mask, types), path, opset_version=opset, input_names=names,
                      output_names=["last_hidden_state", "pooler_output"],
                      dynamic_axes={**{k: {0: "batch", 1: "sequence"} for k in names},
                                    "last_hidden_state": {0: "batch", 1: "sequence"}, "pooler_output": {0: "batch"}})
    print(f"{path}: {os.path.getsize(path)} bytes")


def export(model, shape, opset, path):
    randomize(model)
    model.eval()
    x = torch.rand(*shape) if len(shape) != 2 else torch.randn(*shape)
    # Gradients stay enabled: in eval mode under no_grad, torch 1.13 takes nn.MultiheadAttention's fast path
    # (aten::_native_multi_head_attention), which has no ONNX export.
    torch.onnx.export(model, (x,), path, opset_version=opset, input_names=["input"], do_constant_folding=True)
    print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    args = sys.argv[1:]
    out = args[0]
    small = "--small" in args
    names = [a for a in args[1:] if not a.startswith("--")]
    os.makedirs(out, exist_ok=True)
    table = small_models() if small else big_models()
    for name, (model, shape, opsets) in table.items():
        if names and name not in names:
            continue
        if name == "hf_bert_model":
            export_hf_bert(os.path.join(out, f"{name}_op{opsets[0]}.onnx"), opsets[0])
            continue
        if name == "conformer":
            model, shape = ConformerWrap(), (1, 64, 80)
        for opset in opsets:
            export(model, shape, opset, os.path.join(out, f"{name}_op{opset}.onnx"))


if __name__ == "__main__":
    main()
