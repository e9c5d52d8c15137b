#!/usr/bin/env python3
"""Twenty-seventh sweep (sequence), control flow and cumulative ops as on-device decoding / streaming writes them
(imported by sweep27s_lm.py, which exports them): a speculative-decoding verification step over a draft token tree
(tree attention mask and depths as inputs, the longest accepted root-to-leaf prefix by CumSum of mismatches) and a
streaming VAD step with Silero's VADIterator hang-over state machine scripted into the graph (nested Ifs on the
probability, the trigger flag and the silence counter) — random weights, small widths."""
import math

import torch
from torch import nn, Tensor
import torch.nn.functional as F

from sweep11_seq_cf import _script
from sweep20_seq_lm import SwiGLU, rope
from sweep3_seq import RMSNorm
from sweep22_seq_lm import heads, merge, NEG


# --- speculative decoding: the target model verifies a draft tree of T nodes after a cached prefix of P tokens ---

class TreeVerify(nn.Module):
    def __init__(self, vocab=300, d=64, h=4, layers=2):
        super().__init__()
        self.h, self.hd, self.layers = h, d // h, layers
        self.emb = nn.Embedding(vocab, d)
        self.qkv = nn.ModuleList(nn.Linear(d, 3 * d, bias=False) for _ in range(layers))
        self.o = nn.ModuleList(nn.Linear(d, d, bias=False) for _ in range(layers))
        self.mlp = nn.ModuleList(SwiGLU(d, 2 * d) for _ in range(layers))
        self.n1 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, tree_ids, depth, tree_mask, parent, paths, past_k, past_v):
        # [1, T] draft tokens (node 0 = the last accepted token), [T] depths, [T, T] ancestor-or-self 0/1,
        # [T] parent node (−1 at the root), [Pn, D] node ids along each root-to-leaf path (−1 padded),
        # past_k / past_v [L, 1, h, P, hd]
        P = past_k.shape[3]
        x = self.emb(tree_ids)
        pos = depth + P
        bias = torch.cat([torch.zeros(tree_mask.shape[0], P), (1 - tree_mask) * NEG], 1)      # prefix visible
        for i in range(self.layers):
            q, k, v = [heads(t, self.h) for t in self.qkv[i](self.n1[i](x)).chunk(3, -1)]
            q, k = rope(q, pos), rope(k, pos)
            k, v = torch.cat([past_k[i], k], 2), torch.cat([past_v[i], v], 2)
            a = ((q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + bias).softmax(-1) @ v
            x = x + self.o[i](merge(a))
            x = x + self.mlp[i](self.n2[i](x))
        pred = self.head(self.norm(x)).argmax(-1)[0]                                        # [T] target's next token
        ok = (tree_ids[0] == pred[parent.clamp(min=0)]) & (parent >= 0)                     # node agrees with its parent
        node = paths.clamp(min=0)
        miss = (~ok[node] | (paths < 0)).long()
        miss[:, 0] = 0                                                                      # the root is accepted
        accepted = (torch.cumsum(miss, 1) == 0).long().sum(1)                               # per path
        best = accepted.argmax()
        last = paths[best, accepted[best] - 1]
        return accepted[best][None], paths[best], pred[last][None]


def tree_inputs(P=6):
    parent = torch.tensor([-1, 0, 0, 1, 1, 2, 3, 5])
    T = parent.shape[0]
    depth = torch.zeros(T, dtype=torch.long)
    mask = torch.eye(T)
    for n in range(1, T):
        depth[n] = depth[parent[n]] + 1
        mask[n] = mask[parent[n]]
        mask[n, n] = 1
    paths = torch.tensor([[0, 1, 3, 6], [0, 1, 4, -1], [0, 2, 5, 7]])
    return (torch.randint(1, 300, (1, T)), depth, mask, parent, paths, torch.randn(2, 1, 4, P, 16), torch.randn(2, 1, 4, P, 16))


# --- streaming VAD step (Silero-like: STFT conv, encoder convs, LSTM state) + VADIterator's hang-over logic ---

class VADIterStep(nn.Module):
    def __init__(self, hidden: int = 32, sr: int = 16000):
        super().__init__()
        self.stft = nn.Conv1d(1, 66, 64, stride=32)
        self.enc = nn.Sequential(nn.Conv1d(33, 32, 3, padding=1), nn.ReLU(), nn.Conv1d(32, hidden, 3, stride=2, padding=1), nn.ReLU())
        self.cell, self.out = nn.LSTMCell(hidden, hidden), nn.Linear(hidden, 1)
        self.threshold, self.min_silence = 0.5, int(sr * 0.1)
        self.frame = 512

    def forward(self, chunk: Tensor, h: Tensor, c: Tensor, triggered: Tensor, temp_end: Tensor, current: Tensor):
        # [1, 512] samples, LSTM state [1, H] x2, [1] bool-as-int64, [1] int64 samples, [1] int64 samples so far
        spec = self.stft(F.pad(chunk, (32, 32), mode='reflect')[:, None])                  # [1, 66, 17]
        mag = torch.sqrt(spec[:, :33] ** 2 + spec[:, 33:] ** 2)
        z = self.enc(torch.log(mag + 1e-6)).mean(-1)                                         # [1, H]
        h, c = self.cell(z, (h, c))
        prob = torch.sigmoid(self.out(F.relu(h)))[:, 0]                                      # [1]
        now = current + self.frame
        event = torch.zeros(1, dtype=torch.long)                                             # 1 start, 2 end
        stamp = torch.zeros(1, dtype=torch.long)
        # (x * 0, not zeros_like: torch 1.13's scripted export writes zeros_like / ones_like in an If branch as float
        # constants while the other branch is int64, which onnxruntime refuses to load.)
        if bool(prob[0] >= self.threshold):
            temp_end = temp_end * 0
            if not bool(triggered[0] > 0):
                triggered = triggered * 0 + 1
                event = torch.ones(1, dtype=torch.long)
                stamp = current
        elif bool(prob[0] < self.threshold - 0.15) and bool(triggered[0] > 0):
            if bool(temp_end[0] == 0):
                temp_end = now
            if bool(now[0] - temp_end[0] >= self.min_silence):
                stamp = temp_end
                temp_end = temp_end * 0
                triggered = triggered * 0
                event = torch.full([1], 2, dtype=torch.long)
        return prob, h, c, triggered, temp_end, now, event, stamp


MODELS = {
    'tree_verify': lambda: (TreeVerify().eval(), tree_inputs(),
                            {'names': ['tree_ids', 'depth', 'tree_mask', 'parent', 'paths', 'past_k', 'past_v'],
                             'outputs': ['accepted', 'path', 'bonus'], 'opset': 14}),
    'vad_iter_script': lambda: (_script(VADIterStep()), (torch.randn(1, 512) * 0.1, torch.randn(1, 32), torch.randn(1, 32),
                                torch.tensor([1]), torch.tensor([1024]), torch.tensor([4096])),
                                {'names': ['chunk', 'h', 'c', 'triggered', 'temp_end', 'current'],
                                 'outputs': ['prob', 'h_out', 'c_out', 'triggered_out', 'temp_end_out', 'current_out',
                                             'event', 'stamp'], 'opset': 14}),
}
