"""Twenty-first sweep: control flow as scripted code writes it (torch.jit.script; loops and branches become ONNX Loop and
If): the Universal Transformer with adaptive computation time (one shared layer applied while any position's
halting probability is under 1 - ε, at most 6 times: a while loop on the data), GRAND (graph neural diffusion:
dx/dt = (A - I)x with a fixed attention matrix, integrated by a fixed-step Runge-Kutta 4 loop) and beam search over a
GRU decoder (3 beams, top-k over beams × vocabulary, back-pointers gathering the hidden states and the sequences).
Models in MODELS, exported by sweep21_seq.py."""
import math

import torch
from torch import nn, Tensor
import torch.nn.functional as F

from sweep11_seq_cf import _script  # noqa: E402
from sweep20_seq_rec import graph_inputs  # noqa: E402


class SharedLayer(nn.Module):
    """A post-LN transformer layer written out (aten::_native_multi_head_attention has no export)."""
    def __init__(self, d: int, h: int):
        super().__init__()
        self.h, self.d = h, d
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ff1, self.ff2 = nn.Linear(d, 2 * d), nn.Linear(2 * d, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, x: Tensor) -> Tensor:  # [B, n, d]
        b, n = x.shape[0], x.shape[1]
        q, k, v = self.qkv(x).split(self.d, dim=2)
        q = q.reshape(b, n, self.h, self.d // self.h).permute(0, 2, 1, 3)
        k = k.reshape(b, n, self.h, self.d // self.h).permute(0, 2, 3, 1)
        v = v.reshape(b, n, self.h, self.d // self.h).permute(0, 2, 1, 3)
        a = torch.softmax(torch.matmul(q, k) / math.sqrt(self.d // self.h), 3)
        x = self.ln1(x + self.o(torch.matmul(a, v).permute(0, 2, 1, 3).reshape(b, n, self.d)))
        return self.ln2(x + self.ff2(F.relu(self.ff1(x))))


class UniversalTransformerACT(nn.Module):
    """tensor2tensor's universal_transformer_act (Dehghani et al. 2019): per-position halting units, remainders,
    the state a running average of the layer's outputs weighted by the update weights."""
    def __init__(self, vocab: int = 200, d: int = 32, h: int = 4, max_steps: int = 6, eps: float = 0.01):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.layer, self.halt = SharedLayer(d, h), nn.Linear(d, 1)
        self.head = nn.Linear(d, vocab)
        self.d, self.max_steps, self.threshold = d, max_steps, 1.0 - eps
        pos = torch.arange(64).float()[:, None] / (10000 ** (torch.arange(0, d, 2).float()[None] / d))
        self.register_buffer('timing', torch.cat([pos.sin(), pos.cos()], 1))
        self.register_buffer('step_signal', torch.randn(max_steps, d) * 0.1)

    def forward(self, ids: Tensor):
        x = self.emb(ids) * math.sqrt(self.d)
        b, n = ids.shape[0], ids.shape[1]
        halting = torch.zeros(b, n)
        remainders = torch.zeros(b, n)
        updates = torch.zeros(b, n)
        prev = torch.zeros_like(x)
        step = 0
        while step < self.max_steps and bool((halting < self.threshold).any()):
            state = x + self.timing[:n] + self.step_signal[step]
            p = torch.sigmoid(self.halt(state)).squeeze(-1)
            running = (halting < 1.0).float()
            new_halted = ((halting + p * running) > self.threshold).float() * running
            running = ((halting + p * running) <= self.threshold).float() * running
            halting = halting + p * running
            remainders = remainders + new_halted * (1.0 - halting)
            halting = halting + new_halted * remainders
            updates = updates + running + new_halted
            w = (p * running + new_halted * remainders).unsqueeze(-1)
            x = self.layer(state)
            prev = x * w + prev * (1.0 - w)
            step += 1
        return self.head(prev), updates


class GRAND(nn.Module):
    """GRAND-l (twitter-research/graph-neural-pde): encoder, attention over the graph's edges from the encoded
    features (fixed in time), dx/dt = (A - I)x integrated from 0 to T by RK4 with a fixed step, decoder."""
    def __init__(self, f: int = 16, d: int = 32, classes: int = 5, heads: int = 2, t_end: float = 2.0, dt: float = 0.25):
        super().__init__()
        self.enc, self.dec = nn.Linear(f, d), nn.Linear(d, classes)
        self.wq, self.wk = nn.Linear(d, d * heads), nn.Linear(d, d * heads)
        self.heads, self.d, self.dt, self.steps = heads, d, dt, int(round(t_end / dt))

    def f(self, a: Tensor, x: Tensor) -> Tensor:
        return a @ x - x

    def forward(self, x: Tensor, adj: Tensor) -> Tensor:
        x = self.enc(x)
        n = x.shape[0]
        q = self.wq(x).view(n, self.heads, self.d).transpose(0, 1)
        k = self.wk(x).view(n, self.heads, self.d).transpose(0, 1)
        s = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(self.d)
        a = torch.softmax(s.masked_fill(adj[None] == 0, -1e9), -1).mean(0) * (adj.sum(-1, keepdim=True) > 0).float()
        for _ in range(self.steps):
            k1 = self.f(a, x)
            k2 = self.f(a, x + 0.5 * self.dt * k1)
            k3 = self.f(a, x + 0.5 * self.dt * k2)
            k4 = self.f(a, x + self.dt * k3)
            x = x + self.dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        return torch.log_softmax(self.dec(x), -1)


class BeamSearchGRU(nn.Module):
    """Beam search (beams K) over a GRU decoder conditioned on an encoder vector: log-probabilities added to each
    beam's score, top-K over K × V, back-pointers (index // V) gather the beams' hidden states and sequences, the
    token is index % V; fixed length, no early stop."""
    def __init__(self, d: int = 32, vocab: int = 40, beams: int = 3, max_len: int = 6, bos: int = 1):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.wi, self.wh = nn.Linear(d, 3 * d), nn.Linear(d, 3 * d)  # aten::gru_cell has no export
        self.init, self.out = nn.Linear(d, d), nn.Linear(d, vocab)
        self.d, self.v, self.k, self.max_len, self.bos = d, vocab, beams, max_len, bos

    def cell(self, x: Tensor, h: Tensor) -> Tensor:
        ir, iz, i_n = self.wi(x).chunk(3, 1)
        hr, hz, hn = self.wh(h).chunk(3, 1)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        return (1 - z) * torch.tanh(i_n + r * hn) + z * h

    def forward(self, enc: Tensor):  # [1, d]
        h = torch.tanh(self.init(enc)).expand(self.k, self.d)
        tok = torch.full((self.k,), self.bos, dtype=torch.long)
        scores = torch.tensor([0.0] + [-1e9] * (self.k - 1))
        seqs = torch.zeros(self.k, 0, dtype=torch.long)
        for _ in range(self.max_len):
            h = self.cell(self.emb(tok), h)
            logp = torch.log_softmax(self.out(h), -1)
            total = (scores[:, None] + logp).reshape(-1)
            scores, idx = total.topk(self.k)
            beam = torch.div(idx, self.v, rounding_mode='floor')
            tok = idx % self.v
            h = h[beam]
            seqs = torch.cat([seqs[beam], tok[:, None]], 1)
        return seqs, scores


def ut_ids():
    return torch.randint(1, 200, (1, 12), generator=torch.Generator().manual_seed(9))


MODELS = {
    'ut_act_script': lambda: (_script(UniversalTransformerACT()), ut_ids(), {'names': ['input_ids'], 'outputs': ['logits', 'ponder_steps'], 'opset': 14}),
    'grand_rk4_script': lambda: (_script(GRAND()), graph_inputs(), {'names': ['x', 'adj'], 'outputs': ['logprobs'], 'opset': 14}),
    'beam_search_script': lambda: (_script(BeamSearchGRU()), torch.randn(1, 32), {'names': ['encoder_state'], 'outputs': ['sequences', 'scores'], 'opset': 14}),
}
