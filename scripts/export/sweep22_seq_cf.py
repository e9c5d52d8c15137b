"""Twenty-second sweep: control flow as scripted code writes it (torch.jit.script; loops and branches become ONNX Loop
and If): an early-exit transformer (DeeBERT / CALM: layers applied while the exit classifier is not confident, each
step's weights gathered from stacked tensors by the step index: a while loop on the data with an If inside), a deep
equilibrium model (DEQ: a weight-tied cell iterated until the relative residual falls under a tolerance) and a
query-by-example wake word (frame embeddings of a query and an enrolled template, a cosine cost matrix, dynamic time
warping row by row with slope-constrained steps in a Loop whose count is the query's length). Models in MODELS,
exported by sweep22_seq.py."""
import math

import torch
from torch import nn, Tensor
import torch.nn.functional as F



class EarlyExitEncoder(nn.Module):
    """DeeBERT-style off-ramps: after each layer a classifier on the first token; stop when its max probability
    passes the threshold (CALM's softmax-confidence measure). Weights of the L layers stacked [L, ...]."""
    def __init__(self, vocab: int = 200, d: int = 32, h: int = 4, layers: int = 6, classes: int = 5, threshold: float = 0.95):
        super().__init__()
        self.emb, self.pos = nn.Embedding(vocab, d), nn.Parameter(torch.randn(64, d) * 0.1)
        self.wqkv = nn.Parameter(torch.randn(layers, d, 3 * d) * 0.15)
        self.wo = nn.Parameter(torch.randn(layers, d, d) * 0.15)
        self.w1 = nn.Parameter(torch.randn(layers, d, 2 * d) * 0.15)
        self.w2 = nn.Parameter(torch.randn(layers, 2 * d, d) * 0.15)
        self.ln = nn.Parameter(torch.ones(layers, 2, d))
        self.exit_w = nn.Parameter(torch.randn(layers, d, classes) * 0.4)
        self.exit_b = nn.Parameter(torch.randn(layers, classes) * 0.5)
        self.d, self.h, self.layers, self.threshold = d, h, layers, threshold

    def layer(self, x: Tensor, i: int) -> Tensor:
        b, n = x.shape[0], x.shape[1]
        hd = self.d // self.h
        qkv = torch.matmul(x, self.wqkv[i]).reshape(b, n, 3, self.h, hd).permute(2, 0, 3, 1, 4)
        a = torch.softmax(torch.matmul(qkv[0], qkv[1].transpose(-1, -2)) / math.sqrt(hd), -1)
        y = torch.matmul(torch.matmul(a, qkv[2]).permute(0, 2, 1, 3).reshape(b, n, self.d), self.wo[i])
        x = F.layer_norm(x + y, [self.d]) * self.ln[i, 0]
        return F.layer_norm(x + torch.matmul(F.gelu(torch.matmul(x, self.w1[i])), self.w2[i]), [self.d]) * self.ln[i, 1]

    def forward(self, ids: Tensor):
        x = self.emb(ids) + self.pos[:ids.shape[1]]
        logits = torch.zeros(ids.shape[0], self.exit_b.shape[1])
        i = 0
        done = False
        while i < self.layers and not done:
            x = self.layer(x, i)
            logits = torch.matmul(x[:, 0], self.exit_w[i]) + self.exit_b[i]
            if bool(torch.softmax(logits, -1).max() > self.threshold):
                done = True
            i += 1
        return logits, torch.tensor(i)


class DEQ(nn.Module):
    """locuslab/deq's forward iteration (the 'naive' solver): z ← f(z, x) = tanh(W z + U x + b) (W scaled contractive) until
    |z' - z| / |z'| < tol or 40 steps; the equilibrium layer-normed and read by a head."""
    def __init__(self, f: int = 16, d: int = 32, classes: int = 4, tol: float = 1e-4, max_iter: int = 40):
        super().__init__()
        self.inp, self.U, self.head = nn.Linear(f, d), nn.Linear(d, d), nn.Linear(d, classes)
        w = torch.randn(d, d)
        self.W = nn.Parameter(w * 0.6 / torch.linalg.matrix_norm(w, 2))  # contractive
        self.ln = nn.LayerNorm(d)
        self.tol, self.max_iter = tol, max_iter

    def f(self, z: Tensor, u: Tensor) -> Tensor:
        return torch.tanh(torch.matmul(z, self.W) + u)

    def forward(self, x: Tensor):  # [b, n, f]
        xe = self.inp(x)
        u = self.U(xe)
        z = torch.zeros_like(xe)
        k = 0
        res = torch.tensor(1.0)
        while k < self.max_iter and bool(res > self.tol):
            z_new = self.f(z, u)
            res = torch.linalg.norm(z_new - z) / (torch.linalg.norm(z_new) + 1e-8)
            z = z_new
            k += 1
        return self.head(self.ln(z).mean(1)), torch.tensor(k)


class QbyEDTW(nn.Module):
    """Query-by-example keyword spotting: a GRU frame encoder shared by the query and the enrolled template,
    cosine costs, subsequence DTW with steps (1, 0), (1, 1), (1, 2) so that each query row depends only on the row
    before, path-length normalised; the detection probability σ(a (θ - cost))."""
    def __init__(self, mels: int = 20, d: int = 32):
        super().__init__()
        self.gru, self.proj = nn.GRU(mels, d, batch_first=True), nn.Linear(d, d)
        self.a, self.theta = nn.Parameter(torch.tensor(8.0)), nn.Parameter(torch.tensor(0.6))

    def embed(self, x: Tensor) -> Tensor:
        h, _ = self.gru(x)
        return F.normalize(self.proj(h), dim=-1)

    def forward(self, query: Tensor, template: Tensor):  # [1, Tq, mels], [1, Tt, mels]
        q, t = self.embed(query)[0], self.embed(template)[0]
        cost = 1.0 - torch.matmul(t, q.t())  # [Tt, Tq]: template rows, the query searched for it
        big = torch.full([2], 1e6)
        d = cost[0]
        steps = torch.ones_like(d)
        for i in range(1, cost.shape[0]):
            prev = torch.cat([big, d])
            prev_steps = torch.cat([torch.ones(2), steps])
            cands = torch.stack([prev[2:], prev[1:-1], prev[:-2]], 0)
            best, arg = cands.min(0)
            d = cost[i] + best
            steps = torch.gather(torch.stack([prev_steps[2:], prev_steps[1:-1], prev_steps[:-2]], 0), 0, arg[None])[0] + 1
        norm = d / steps
        score, end = norm.min(0)
        return torch.sigmoid(self.a * (self.theta - score)), end


def ee_ids():
    return torch.randint(1, 200, (1, 12), generator=torch.Generator().manual_seed(21))


def qbye_inputs():
    g = torch.Generator().manual_seed(22)
    template = torch.randn(1, 16, 20, generator=g)
    query = torch.randn(1, 40, 20, generator=g)
    query[:, 12:28] = template[:, :16] + 0.3 * torch.randn(1, 16, 20, generator=g)  # the keyword inside the query
    return query, template


MODELS = {
    'early_exit_script': lambda: (torch.jit.script(EarlyExitEncoder().eval()), ee_ids(), {'names': ['input_ids'], 'outputs': ['logits', 'exit_layer'], 'opset': 14}),
    'deq_script': lambda: (torch.jit.script(DEQ().eval()), torch.randn(1, 10, 16), {'names': ['x'], 'outputs': ['logits', 'iterations'], 'opset': 14}),
    'qbye_dtw_script': lambda: (torch.jit.script(QbyEDTW().eval()), qbye_inputs(), {'names': ['query', 'template'], 'outputs': ['probability', 'end_frame'], 'opset': 14}),
}
