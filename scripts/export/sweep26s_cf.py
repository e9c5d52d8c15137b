#!/usr/bin/env python3
"""Twenty-sixth sweep (sequence), control flow and scatters as on-device generation writes them (imported by
sweep26s_lm.py, which exports them): a scripted generation loop over a static KV cache (torch.jit.script: a Loop whose
trip count is the prompt length plus an input, the cache and the token buffer written by index_put at the step inside
the loop body) and a speech-LLM prefill (Ultravox / Qwen2-Audio style: audio encoder frames stacked and projected,
written into the text embeddings at the audio placeholder ids by masked_scatter) — random weights, small widths."""
import math

import torch
from torch import nn, Tensor
import torch.nn.functional as F

from sweep11_seq_cf import _script
from sweep20_seq_lm import PreNormLM


class StaticCacheDecode(nn.Module):
    def __init__(self, vocab: int = 200, d: int = 32, h: int = 4, cap: int = 16):
        super().__init__()
        self.h, self.hd, self.d, self.cap = h, d // h, d, cap
        self.emb, self.qkv, self.o = nn.Embedding(vocab, d), nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.ff1, self.ff2, self.ln1, self.ln2 = nn.Linear(d, 2 * d), nn.Linear(2 * d, d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.register_buffer('inv', 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd)))

    def rot(self, x: Tensor, pos: Tensor) -> Tensor:  # x [h, 1, hd], pos [1] float
        f = pos[:, None] * self.inv[None]
        cos, sin = torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)
        half = self.hd // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin

    def forward(self, prompt: Tensor, max_new: Tensor):  # [P] int64, [1] int64
        p = prompt.shape[0]
        steps = int(torch.clamp(max_new[0] + p, p, self.cap - 1))
        kc = torch.zeros(self.h, self.cap, self.hd)
        vc = torch.zeros(self.h, self.cap, self.hd)
        tokens = torch.cat([prompt, torch.zeros(self.cap - p, dtype=torch.long)])
        idx = torch.arange(self.cap)
        for i in range(steps):
            x = self.emb(tokens[i].reshape(1))                                 # [1, d]
            q, k, v = self.qkv(self.ln1(x)).split(self.d, dim=1)
            pos = torch.full([1], float(i))
            kc[:, i] = self.rot(k.reshape(self.h, 1, self.hd), pos).reshape(self.h, self.hd)
            vc[:, i] = v.reshape(self.h, self.hd)
            qr = self.rot(q.reshape(self.h, 1, self.hd), pos)
            s = (qr @ kc.transpose(1, 2)) / math.sqrt(self.hd)
            s = torch.where((idx <= i)[None, None], s, torch.full_like(s, -1e9))
            x = x + self.o((s.softmax(-1) @ vc).reshape(1, self.d))
            x = x + self.ff2(F.gelu(self.ff1(self.ln2(x))))
            nxt = self.head(x).argmax(-1)[0]
            if i + 1 >= p:                                                     # past the prompt: the generated token
                tokens[i + 1] = nxt
        return tokens, torch.tensor([steps + 1])


class AudioLMPrefill(PreNormLM):
    AUDIO = 7

    def __init__(self, mels=80, d=64):
        super().__init__(lambda i: __import__('sweep26s_lm').Causal(d))
        self.c1, self.c2 = nn.Conv1d(mels, d, 3, padding=1), nn.Conv1d(d, d, 3, stride=2, padding=1)
        self.proj = nn.Sequential(nn.Linear(2 * d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, input_ids, audio):  # [1, N] with 4 AUDIO ids, [1, 80, 16] log-mel
        a = F.gelu(self.c2(F.gelu(self.c1(audio)))).transpose(1, 2)          # [1, 8, d]
        a = self.proj(a.reshape(1, a.shape[1] // 2, -1))                       # 2 frames stacked: [1, 4, d]
        x = self.emb(input_ids)
        x = x.masked_scatter((input_ids == self.AUDIO)[..., None].expand_as(x), a)
        for att, m, n1, n2 in zip(self.attn, self.mlp, self.n1, self.n2):
            x = x + att(n1(x))
            x = x + m(n2(x))
        return self.head(self.norm(x))


def audio_ids():
    ids = torch.randint(10, 300, (1, 12))
    ids[0, 2:6] = AudioLMPrefill.AUDIO
    return ids


MODELS = {
    'static_cache_decode_script': lambda: (_script(StaticCacheDecode()), (torch.tensor([5, 9, 11]), torch.tensor([6])),
                                           {'names': ['prompt', 'max_new'], 'outputs': ['tokens', 'count'], 'opset': 14,
                                            'dynamic': {'prompt': {0: 'P'}}}),
    'audio_lm_prefill': lambda: (AudioLMPrefill().eval(), (audio_ids(), torch.randn(1, 80, 16)),
                                 {'names': ['input_ids', 'audio'], 'outputs': ['logits'], 'opset': 14}),
}
