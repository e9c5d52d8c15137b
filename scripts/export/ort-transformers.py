#!/usr/bin/env python3
"""Tiny BERT and GPT-2 models for onnxruntime's optimized-transformer forms (random weights, torch 1.13).

    /usr/bin/python3 scripts/export/ort-transformers.py OUT_DIR

Writes, exported by torch.onnx (opset 13) as a plain, unfused graph:
  bert_tiny.onnx        BERT encoder (HF BertModel's math): word + position + token-type embeddings, LayerNorm,
                        2 layers of self-attention with the extended mask (1 - mask) * -10000, erf GELU; inputs
                        input_ids, token_type_ids, attention_mask (int64, [2, 8]); output last_hidden_state.
  gpt2_tiny_past.onnx   GPT-2 decoder (HF GPT2Model's math, old-style past [2, B, N, P, d] per layer): inputs
                        input_ids, position_ids [B, S], attention_mask [B, P + S] (int64), past_0, past_1; outputs
                        logits, present_0, present_1; batch, sequence and past length are dynamic axes.
and OUT_DIR/weights.json (every parameter, named, for scripts/export/ort-fused.ts, which writes the graphs
onnxruntime.transformers.optimizer makes of these two: EmbedLayerNormalization, Attention, SkipLayerNormalization,
BiasGelu / FastGelu — onnxruntime's Python package is not available here).
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)


def layer_norm(x, g, b, eps):
    return nn.functional.layer_norm(x, (x.shape[-1],), g, b, eps)


class Bert(nn.Module):
    def __init__(self, vocab=64, positions=32, types=2, hidden=32, heads=4, inner=64, layers=2):
        super().__init__()
        self.heads = heads
        self.word = nn.Parameter(torch.randn(vocab, hidden) * 0.5)
        self.pos = nn.Parameter(torch.randn(positions, hidden) * 0.5)
        self.types = nn.Parameter(torch.randn(types, hidden) * 0.5)
        self.emb_g = nn.Parameter(1 + 0.1 * torch.randn(hidden))
        self.emb_b = nn.Parameter(0.1 * torch.randn(hidden))
        self.layers = nn.ModuleList()
        for _ in range(layers):
            m = nn.Module()
            m.q, m.k, m.v, m.o = (nn.Linear(hidden, hidden) for _ in range(4))
            m.ln1 = nn.LayerNorm(hidden, eps=1e-12)
            m.fc1 = nn.Linear(hidden, inner)
            m.fc2 = nn.Linear(inner, hidden)
            m.ln2 = nn.LayerNorm(hidden, eps=1e-12)
            self.layers.append(m)

    def forward(self, input_ids, token_type_ids, attention_mask):
        B, S = input_ids.shape
        x = self.word[input_ids] + self.pos[:S].unsqueeze(0) + self.types[token_type_ids]
        x = layer_norm(x, self.emb_g, self.emb_b, 1e-12)
        ext = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        H = x.shape[-1]
        d = H // self.heads
        for m in self.layers:
            def split(t):
                return t.view(B, S, self.heads, d).transpose(1, 2)
            q, k, v = split(m.q(x)), split(m.k(x)), split(m.v(x))
            p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + ext, dim=-1)
            ctx = (p @ v).transpose(1, 2).reshape(B, S, H)
            x = m.ln1(m.o(ctx) + x)
            x = m.ln2(m.fc2(nn.functional.gelu(m.fc1(x))) + x)
        return x


class Gpt2(nn.Module):
    def __init__(self, vocab=64, positions=32, hidden=32, heads=4, layers=2):
        super().__init__()
        self.heads = heads
        self.wte = nn.Parameter(torch.randn(vocab, hidden) * 0.5)
        self.wpe = nn.Parameter(torch.randn(positions, hidden) * 0.5)
        self.register_buffer('bias', torch.tril(torch.ones(positions, positions, dtype=torch.bool)).view(1, 1, positions, positions))
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            m = nn.Module()
            m.ln1 = nn.LayerNorm(hidden)
            m.c_attn = nn.Linear(hidden, 3 * hidden)
            m.c_proj = nn.Linear(hidden, hidden)
            m.ln2 = nn.LayerNorm(hidden)
            m.c_fc = nn.Linear(hidden, 4 * hidden)
            m.c_mlp = nn.Linear(4 * hidden, hidden)
            self.blocks.append(m)
        self.ln_f = nn.LayerNorm(hidden)
        with torch.no_grad():
            for p in self.parameters():
                if p.dim() == 1:
                    p.add_(0.1 * torch.randn_like(p))

    def forward(self, input_ids, position_ids, attention_mask, past_0, past_1):
        B, S = input_ids.shape
        h = self.wte[input_ids] + self.wpe[position_ids]
        ext = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        H = h.shape[-1]
        d = H // self.heads
        presents = []
        for m, past in zip(self.blocks, (past_0, past_1)):
            q, k, v = m.c_attn(m.ln1(h)).split(H, dim=2)
            q, k, v = (t.view(B, S, self.heads, d).transpose(1, 2) for t in (q, k, v))
            k = torch.cat((past[0], k), dim=-2)
            v = torch.cat((past[1], v), dim=-2)
            presents.append(torch.stack((k, v)))
            T = k.shape[-2]
            w = q @ k.transpose(-1, -2) / math.sqrt(d)
            causal = self.bias[:, :, T - S:T, :T]
            w = torch.where(causal, w, torch.tensor(-10000.0)) + ext
            ctx = (torch.softmax(w, dim=-1) @ v).transpose(1, 2).reshape(B, S, H)
            h = h + m.c_proj(ctx)
            h = h + m.c_mlp(nn.functional.gelu(m.c_fc(m.ln2(h)), approximate='tanh'))
        logits = self.ln_f(h) @ self.wte.t()
        return (logits, *presents)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    bert, gpt2 = Bert().eval(), Gpt2().eval()
    B, S = 2, 8
    ids = torch.randint(0, 64, (B, S))
    torch.onnx.export(bert, (ids, torch.zeros_like(ids), torch.ones_like(ids)), os.path.join(out, 'bert_tiny.onnx'),
                      input_names=['input_ids', 'token_type_ids', 'attention_mask'], output_names=['last_hidden_state'],
                      opset_version=13)
    P, S = 3, 2
    past = torch.randn(2, B, 4, P, 8)
    args = (ids[:, :S], torch.arange(P, P + S).repeat(B, 1), torch.ones(B, P + S, dtype=torch.int64), past, past)
    torch.onnx.export(gpt2, args, os.path.join(out, 'gpt2_tiny_past.onnx'),
                      input_names=['input_ids', 'position_ids', 'attention_mask', 'past_0', 'past_1'],
                      output_names=['logits', 'present_0', 'present_1'], opset_version=13,
                      dynamic_axes={'input_ids': {0: 'batch', 1: 'seq'}, 'position_ids': {0: 'batch', 1: 'seq'},
                                    'attention_mask': {0: 'batch', 1: 'total'}, 'past_0': {1: 'batch', 3: 'past'},
                                    'past_1': {1: 'batch', 3: 'past'}, 'logits': {0: 'batch', 1: 'seq'},
                                    'present_0': {1: 'batch', 3: 'total'}, 'present_1': {1: 'batch', 3: 'total'}})
    weights = {}
    for prefix, model in (('bert.', bert), ('gpt2.', gpt2)):
        for name, p in model.named_parameters():
            weights[prefix + name] = {'dims': list(p.shape), 'data': [float(v) for v in p.detach().reshape(-1)]}
    with open(os.path.join(out, 'weights.json'), 'w') as f:
        json.dump(weights, f)


if __name__ == '__main__':
    main()
