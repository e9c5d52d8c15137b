"""Eleventh sweep: control flow as scripted code writes it (torch.jit.script; their loops and branches become ONNX Loop
and If): a GPT decoder's greedy generation whose while loop carries the growing KV cache (the issue's Loop -> WHILE),
an RNN-T greedy search with a while loop over frames and an inner symbol loop, and a branch on the data inside a
scripted forward (a peak normaliser's `if x.abs().max() > 1`). Models in MODELS, exported by sweep11_seq.py."""
from typing import List

import torch
from torch import nn, Tensor
import torch.nn.functional as F


class KvDecoderLayer(nn.Module):
    def __init__(self, d: int, h: int):
        super().__init__()
        self.h, self.dk, self.d = h, d // h, d
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ff1, self.ff2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x: Tensor, k_cache: Tensor, v_cache: Tensor):
        # explicit permutes: a loop-carried cache has no known rank in the scripted export
        b, t = x.shape[0], x.shape[1]
        q, k, v = self.qkv(self.ln1(x)).split(self.d, dim=2)
        q = q.reshape(b, t, self.h, self.dk).permute(0, 2, 1, 3)
        k = torch.cat([k_cache, k.reshape(b, t, self.h, self.dk).permute(0, 2, 1, 3)], 2)
        v = torch.cat([v_cache, v.reshape(b, t, self.h, self.dk).permute(0, 2, 1, 3)], 2)
        a = torch.matmul(torch.softmax(torch.matmul(q, k.permute(0, 1, 3, 2)) / (self.dk ** 0.5), 3), v)
        x = x + self.o(a.permute(0, 2, 1, 3).reshape(b, t, self.d))
        return x + self.ff2(F.gelu(self.ff1(self.ln2(x)))), k, v


class GreedyKvGenerate(nn.Module):
    """Greedy generation of up to max_new tokens after a prompt, one token a step, the KV caches (stacked over layers,
    [L, B, H, T, dk]) carried by the while loop and grown by one position a step; stops when every row has produced
    the end token."""
    def __init__(self, vocab: int = 64, d: int = 32, h: int = 4, layers: int = 2, max_pos: int = 64, eos: int = 2, max_new: int = 8):
        super().__init__()
        self.emb, self.pos = nn.Embedding(vocab, d), nn.Embedding(max_pos, d)
        self.layers = nn.ModuleList([KvDecoderLayer(d, h) for _ in range(layers)])
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)
        self.h, self.dk, self.nl, self.eos, self.max_new = h, d // h, layers, eos, max_new

    def step(self, ids: Tensor, start: int, kc: Tensor, vc: Tensor):
        pos = torch.arange(start, start + ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.emb(ids) + self.pos(pos)
        nk: List[Tensor] = []
        nv: List[Tensor] = []
        i = 0
        for layer in self.layers:
            x, k, v = layer(x, kc[i], vc[i])
            nk.append(k)
            nv.append(v)
            i += 1
        return self.head(self.ln(x[:, -1])), torch.stack(nk), torch.stack(nv)

    def forward(self, prompt: Tensor) -> Tensor:
        b = prompt.shape[0]
        kc = torch.zeros(self.nl, b, self.h, 0, self.dk)
        vc = torch.zeros(self.nl, b, self.h, 0, self.dk)
        logits, kc, vc = self.step(prompt, 0, kc, vc)
        tok = logits.argmax(-1, keepdim=True)
        out = tok
        n = prompt.shape[1]
        done = tok[:, 0] == self.eos
        i = 1
        while i < self.max_new and not bool(done.all()):
            logits, kc, vc = self.step(tok, n, kc, vc)
            tok = logits.argmax(-1, keepdim=True)
            out = torch.cat([out, tok], 1)
            done = torch.logical_or(done, tok[:, 0] == self.eos)
            n += 1
            i += 1
        return out


class RnntGreedy(nn.Module):
    """torchaudio / icefall RNN-T greedy search over encoder frames: for each frame, emit symbols while the joiner's
    best is not blank (at most max_sym a frame), updating the LSTM predictor's state after each emitted symbol."""
    def __init__(self, d: int = 32, vocab: int = 40, blank: int = 0, max_sym: int = 3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.lstm = nn.LSTMCell(d, d)
        self.enc_proj, self.dec_proj = nn.Linear(d, d), nn.Linear(d, d)
        self.out = nn.Linear(d, vocab)
        self.blank, self.max_sym, self.d = blank, max_sym, d

    def forward(self, enc: Tensor) -> Tensor:  # enc [T, d] (batch 1)
        h = torch.zeros(1, self.d)
        c = torch.zeros(1, self.d)
        g, c2 = self.lstm(self.emb(torch.tensor([self.blank])), (h, c))
        hyp = torch.zeros(0, dtype=torch.long)
        t = 0
        while t < enc.shape[0]:
            sym = 0
            while sym < self.max_sym:
                logits = self.out(torch.tanh(self.enc_proj(enc[t:t + 1]) + self.dec_proj(g)))
                k = logits.argmax(-1)
                if bool(k[0] == self.blank):
                    break
                hyp = torch.cat([hyp, k])
                g, c2 = self.lstm(self.emb(k), (g, c2))
                sym += 1
            t += 1
        return hyp


class PeakNormalize(nn.Module):
    """A scripted front end that branches on the data: audio whose peak is above 1 is scaled down to it, then a conv
    stack (the If's branches give the same shape)."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(1, 8, 9, 4, 4), nn.ReLU(), nn.Conv1d(8, 8, 5, 2, 2))

    def forward(self, x: Tensor) -> Tensor:
        peak = x.abs().max()
        if bool(peak > 1.0):
            x = x / peak
        else:
            x = x * 1.0
        return self.conv(x)


class GruListScript(nn.Module):
    """A scripted recurrent decoder that loops over time appending each step's output to a Python list and stacks it
    at the end (the export's SequenceEmpty / SequenceInsert / ConcatFromSequence inside and after a Loop)."""
    def __init__(self, d: int = 32, n_out: int = 20):
        super().__init__()
        self.wi, self.wh = nn.Linear(d, 3 * d), nn.Linear(d, 3 * d)  # GRU cell written out: aten::gru_cell has no export
        self.out = nn.Linear(d, n_out)

    def forward(self, x: Tensor, h: Tensor):  # x [T, B, d]
        outs: List[Tensor] = []
        for t in range(x.size(0)):
            ir, iz, i_n = self.wi(x[t]).chunk(3, 1)
            hr, hz, hn = self.wh(h).chunk(3, 1)
            r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
            h = (1 - z) * torch.tanh(i_n + r * hn) + z * h
            outs.append(torch.log_softmax(self.out(h), -1))
        return torch.stack(outs, 0), h


class CtcGreedyCollapse(nn.Module):
    """An ASR export wrapper's CTC greedy decoding (as sherpa / NeMo wrappers and ESPnet demos write it): arg-max ids,
    then repeats and blanks dropped by a boolean mask (the output's length is the data's)."""
    def __init__(self, d: int = 32, vocab: int = 12, blank: int = 0):
        super().__init__()
        self.proj = nn.Linear(d, vocab)
        self.blank = blank

    def forward(self, enc):  # enc [T, d]
        ids = self.proj(enc).argmax(-1)
        prev = torch.cat([torch.full((1,), -1, dtype=ids.dtype), ids[:-1]])
        keep = (ids != prev) & (ids != self.blank)
        return ids[keep]


class OddLengthPad(nn.Module):
    """A scripted vocoder front (HiFi-GAN / Vocos ports) that pads an odd frame count to even before a stride-2 conv:
    an If on the input's shape, which folds once the shape is known."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(16, 16, 4, 2, 1)

    def forward(self, x: Tensor) -> Tensor:
        if x.size(2) % 2 == 1:
            x = F.pad(x, [0, 1], mode='replicate')
        return self.conv(x)


def _script(m):
    torch.manual_seed(5)
    for p in m.parameters():
        if p.dim() > 1:
            nn.init.normal_(p, std=0.3)
    return torch.jit.script(m.eval())


MODELS = {
    'gpt_greedy_kv_script': lambda: (_script(GreedyKvGenerate()), torch.tensor([[5, 9, 11, 3]]),
                                     {'names': ['prompt'], 'outputs': ['tokens'], 'opset': 14, 'dynamic': {'prompt': {1: 'n'}, 'tokens': {1: 'generated'}}}),
    'rnnt_greedy_script': lambda: (_script(RnntGreedy()), torch.randn(6, 32),
                                   {'names': ['encoder_out'], 'outputs': ['hyp'], 'opset': 14, 'dynamic': {'encoder_out': {0: 'T'}, 'hyp': {0: 'n'}}}),
    'gru_list_script': lambda: (_script(GruListScript()), (torch.randn(10, 1, 32), torch.zeros(1, 32)),
                                {'names': ['x', 'h0'], 'outputs': ['log_probs', 'h'], 'opset': 14, 'dynamic': {'x': {0: 'T'}, 'log_probs': {0: 'T'}}}),
    'ctc_greedy_collapse': lambda: (CtcGreedyCollapse().eval(), torch.randn(40, 32) * 2,
                                    {'names': ['encoder_out'], 'outputs': ['tokens'], 'opset': 14, 'dynamic': {'encoder_out': {0: 'T'}, 'tokens': {0: 'n'}}}),
    'odd_pad_script': lambda: (_script(OddLengthPad()), torch.randn(1, 16, 33),
                               {'names': ['mel'], 'outputs': ['y'], 'opset': 14, 'dynamic': {'mel': {2: 'frames'}, 'y': {2: 'half'}}}),
    'peak_normalize_script': lambda: (_script(PeakNormalize()), torch.rand(1, 1, 800) * 4 - 2,
                                      {'names': ['audio'], 'outputs': ['features'], 'opset': 14}),
}
