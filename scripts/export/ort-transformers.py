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
  llama_tiny_past.onnx  LLaMA decoder (HF LlamaModel's math: RMSNorm, rotary q/k, SiLU-gated MLP, no biases) with
                        past_key_i / past_value_i [B, N, P, d] → present_key_i / present_value_i, dynamic axes as GPT-2's.
and OUT_DIR/weights.json (every parameter, named, for scripts/export/ort-fused.ts, which writes the graphs
onnxruntime.transformers.optimizer makes of these two: EmbedLayerNormalization, Attention, SkipLayerNormalization,
BiasGelu / FastGelu; MultiHeadAttention, RotaryEmbedding, SimplifiedLayerNormalization for LLaMA — onnxruntime's
Python package is not available here).
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


class Llama(nn.Module):
    """LLaMA's math (HF LlamaModel): RMSNorm, rotary q/k (halves), SiLU-gated MLP, no biases, KV cache [B, N, P, d]."""

    def __init__(self, vocab=64, hidden=32, heads=4, inner=48, layers=2, max_pos=32):
        super().__init__()
        self.heads = heads
        self.embed = nn.Parameter(torch.randn(vocab, hidden) * 0.5)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            m = nn.Module()
            m.norm1 = nn.Parameter(1 + 0.1 * torch.randn(hidden))
            m.q, m.k, m.v, m.o = (nn.Linear(hidden, hidden, bias=False) for _ in range(4))
            m.norm2 = nn.Parameter(1 + 0.1 * torch.randn(hidden))
            m.gate = nn.Linear(hidden, inner, bias=False)
            m.up = nn.Linear(hidden, inner, bias=False)
            m.down = nn.Linear(inner, hidden, bias=False)
            self.layers.append(m)
        self.norm = nn.Parameter(1 + 0.1 * torch.randn(hidden))
        self.lm_head = nn.Linear(hidden, vocab, bias=False)
        d = hidden // heads
        inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
        ang = torch.arange(max_pos).float()[:, None] * inv[None, :]
        self.register_buffer('cos_cache', ang.cos())
        self.register_buffer('sin_cache', ang.sin())
        self.register_buffer('causal', torch.tril(torch.ones(max_pos, max_pos, dtype=torch.bool)))

    @staticmethod
    def rms(x, g):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * g

    def forward(self, input_ids, position_ids, attention_mask, past_key_0, past_value_0, past_key_1, past_value_1):
        B, S = input_ids.shape
        h = self.embed[input_ids]
        H = h.shape[-1]
        d = H // self.heads
        cos = torch.cat([self.cos_cache[position_ids]] * 2, -1)[:, None]  # [B, 1, S, d]
        sin = torch.cat([self.sin_cache[position_ids]] * 2, -1)[:, None]
        ext = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        presents = []
        for m, pk, pv in zip(self.layers, (past_key_0, past_key_1), (past_value_0, past_value_1)):
            x = self.rms(h, m.norm1)
            q, k, v = (t.view(B, S, self.heads, d).transpose(1, 2) for t in (m.q(x), m.k(x), m.v(x)))

            def rope(t):
                t1, t2 = t[..., :d // 2], t[..., d // 2:]
                return t * cos + torch.cat((-t2, t1), -1) * sin
            q, k = rope(q), rope(k)
            k = torch.cat((pk, k), dim=2)
            v = torch.cat((pv, v), dim=2)
            presents += [k, v]
            T = k.shape[2]
            w = q @ k.transpose(-1, -2) / math.sqrt(d)
            w = torch.where(self.causal[T - S:T, :T], w, torch.tensor(-3.4028234663852886e38)) + ext
            ctx = (torch.softmax(w, -1) @ v).transpose(1, 2).reshape(B, S, H)
            h = h + m.o(ctx)
            x = self.rms(h, m.norm2)
            h = h + m.down(nn.functional.silu(m.gate(x)) * m.up(x))
        return (self.lm_head(self.rms(h, self.norm)), *presents)


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
    llama = Llama().eval()
    P, S = 3, 2
    kv = torch.randn(B, 4, P, 8)
    args = (ids[:, :S], torch.arange(P, P + S).repeat(B, 1), torch.ones(B, P + S, dtype=torch.int64), kv, kv, kv, kv)
    names = ['past_key_0', 'past_value_0', 'past_key_1', 'past_value_1']
    outs = ['present_key_0', 'present_value_0', 'present_key_1', 'present_value_1']
    axes = {'input_ids': {0: 'batch', 1: 'seq'}, 'position_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'total'},
            'logits': {0: 'batch', 1: 'seq'}}
    axes.update({n: {0: 'batch', 2: 'past'} for n in names})
    axes.update({n: {0: 'batch', 2: 'total'} for n in outs})
    torch.onnx.export(llama, args, os.path.join(out, 'llama_tiny_past.onnx'),
                      input_names=['input_ids', 'position_ids', 'attention_mask', *names], output_names=['logits', *outs],
                      opset_version=13, dynamic_axes=axes)
    weights = {}
    for prefix, model in (('bert.', bert), ('gpt2.', gpt2), ('llama.', llama)):
        for name, p in model.named_parameters():
            weights[prefix + name] = {'dims': list(p.shape), 'data': [float(v) for v in p.detach().reshape(-1)]}
    for name in ('cos_cache', 'sin_cache'):
        t = getattr(llama, name)
        weights['llama.' + name] = {'dims': list(t.shape), 'data': [float(v) for v in t.reshape(-1)]}
    with open(os.path.join(out, 'weights.json'), 'w') as f:
        json.dump(weights, f)


if __name__ == '__main__':
    main()
