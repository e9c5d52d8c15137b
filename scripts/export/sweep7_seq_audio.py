"""Seventh sweep: recurrent and speech families. RWKV-4's time / channel mix with state in / out, Mamba's selective
scan (an unrolled loop, Mamba-2's CumSum / Exp segment sums, a scripted Loop), torchaudio's Conformer with lengths
and an RNN-T predictor / joiner with state, a dilated TCN keyword spotter."""
from typing import List

import torch
from torch import nn
import torch.nn.functional as F
import torchaudio


class Rwkv4Step(nn.Module):
    """RWKV-4 in RNN mode (as rwkv's ONNX exports run it): one token's embedding and a state [5·L, D] (att x, aa,
    bb, pp, ffn x per layer) in; logits and the next state out. The WKV uses the max-subtracted exponentials."""

    def __init__(self, vocab=100, d=64, layers=2):
        super().__init__()
        self.emb, self.ln0 = nn.Embedding(vocab, d), nn.LayerNorm(d)
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            b = nn.Module()
            b.ln1, b.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            for n in ('att_mk', 'att_mv', 'att_mr', 'ffn_mk', 'ffn_mr'):
                setattr(b, n, nn.Parameter(torch.rand(d)))
            b.time_decay, b.time_first = nn.Parameter(-torch.rand(d) * 3), nn.Parameter(torch.randn(d) * 0.5)
            b.ak, b.av, b.ar, b.ao = (nn.Linear(d, d, bias=False) for _ in range(4))
            b.fk, b.fr, b.fv = nn.Linear(d, 4 * d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(4 * d, d, bias=False)
            self.blocks.append(b)
        self.ln_out, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, token, state):
        x = self.ln0(self.emb(token))[0]
        new = []
        for i, b in enumerate(self.blocks):
            sx, aa, bb, pp, fx = state[5 * i], state[5 * i + 1], state[5 * i + 2], state[5 * i + 3], state[5 * i + 4]
            xa = b.ln1(x)
            k = b.ak(xa * b.att_mk + sx * (1 - b.att_mk))
            v = b.av(xa * b.att_mv + sx * (1 - b.att_mv))
            r = torch.sigmoid(b.ar(xa * b.att_mr + sx * (1 - b.att_mr)))
            ww = b.time_first + k
            p = torch.maximum(pp, ww)
            e1, e2 = torch.exp(pp - p), torch.exp(ww - p)
            wkv = (e1 * aa + e2 * v) / (e1 * bb + e2)
            ww = pp + (-torch.exp(b.time_decay))
            p = torch.maximum(ww, k)
            e1, e2 = torch.exp(ww - p), torch.exp(k - p)
            new += [xa, e1 * aa + e2 * v, e1 * bb + e2, p]
            x = x + b.ao(r * wkv)
            xf = b.ln2(x)
            kf = torch.square(torch.relu(b.fk(xf * b.ffn_mk + fx * (1 - b.ffn_mk))))
            rf = torch.sigmoid(b.fr(xf * b.ffn_mr + fx * (1 - b.ffn_mr)))
            new.append(xf)
            x = x + rf * b.fv(kf)
        return self.head(self.ln_out(x)), torch.stack(new)


class MambaBlock(nn.Module):
    """Mamba-1 (mamba-minimal's math): in_proj to x and z, causal depthwise conv1d, SiLU, x_proj to dt / B / C,
    softplus(dt_proj), A = -exp(A_log), the selective scan, D skip, y · SiLU(z), out_proj. scan: 'loop' (a Python
    loop, unrolled by the export), 'segsum' (Mamba-2's ssd_minimal: CumSum, masked segment sums, Exp, einsum)."""

    def __init__(self, d=32, n=8, expand=2, conv=4, scan='loop'):
        super().__init__()
        di = d * expand
        self.di, self.n, self.scan = di, n, scan
        self.in_proj = nn.Linear(d, 2 * di, bias=False)
        self.conv1d = nn.Conv1d(di, di, conv, groups=di, padding=conv - 1)
        self.x_proj = nn.Linear(di, 4 + 2 * n, bias=False)
        self.dt_proj = nn.Linear(4, di)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1).float()).repeat(di, 1))
        self.D = nn.Parameter(torch.ones(di))
        self.out_proj = nn.Linear(di, d, bias=False)

    def forward(self, x):
        b, l, _ = x.shape
        x, z = self.in_proj(x).split([self.di, self.di], dim=-1)
        x = F.silu(self.conv1d(x.transpose(1, 2))[:, :, :l].transpose(1, 2))
        dt, B, C = self.x_proj(x).split([4, self.n, self.n], dim=-1)
        dt = F.softplus(self.dt_proj(dt))
        A = -torch.exp(self.A_log.float())
        if self.scan == 'loop':
            dA = torch.exp(torch.einsum('bld,dn->bldn', dt, A))
            dBx = torch.einsum('bld,bln,bld->bldn', dt, B, x)
            h = torch.zeros(b, self.di, self.n)
            ys = []
            for i in range(l):
                h = dA[:, i] * h + dBx[:, i]
                ys.append(torch.einsum('bdn,bn->bd', h, C[:, i]))
            y = torch.stack(ys, dim=1)
        else:  # one chunk of ssd_minimal with a scalar decay per channel group (heads = di)
            a = (dt * A[:, 0]).transpose(1, 2)  # [b, d, l]
            seg = segsum(a)  # [b, d, l, l]
            y = torch.einsum('bln,bsn,bdls,bsd->bld', C, B, torch.exp(seg), x * dt)
        y = y + x * self.D
        return self.out_proj(y * F.silu(z))


def segsum(x):
    t = x.size(-1)
    x = x[..., None].expand(*x.shape, t)
    x = x.masked_fill(~torch.tril(torch.ones(t, t, dtype=torch.bool), diagonal=-1), 0)
    s = torch.cumsum(x, dim=-2)
    return s.masked_fill(~torch.tril(torch.ones(t, t, dtype=torch.bool), diagonal=0), -torch.inf)


class Mamba(nn.Module):
    def __init__(self, scan, vocab=100, d=32, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(MambaBlock(d, scan=scan) for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        x = self.emb(ids)
        for n, m in zip(self.norms, self.layers):
            x = x + m(n(x))
        return self.head(x)


class ScanScript(nn.Module):
    """The selective scan's recurrence as torch.jit.script writes it (a Loop over the sequence)."""

    def forward(self, dA, dBx, C):
        h = torch.zeros_like(dBx[:, 0])
        ys: List[torch.Tensor] = []
        for i in range(dA.shape[1]):
            h = dA[:, i] * h + dBx[:, i]
            ys.append((h * C[:, i].unsqueeze(1)).sum(-1))
        return torch.stack(ys, dim=1)


class ConformerLengths(nn.Module):
    """torchaudio.models.Conformer with its lengths input (key padding mask from lengths) and a linear CTC head."""

    def __init__(self, d=64):
        super().__init__()
        self.m = torchaudio.models.Conformer(input_dim=d, num_heads=4, ffn_dim=128, num_layers=2,
                                             depthwise_conv_kernel_size=15)
        self.head = nn.Linear(d, 30)

    def forward(self, x, lengths):
        y, n = self.m(x, lengths)
        return self.head(y).log_softmax(-1), n


class RnntPredictorStep(nn.Module):
    """torchaudio's RNN-T _Predictor (embedding, layer-normed custom LSTM) with its state in / out, then _Joiner on
    one encoder frame: the per-symbol step of greedy RNN-T decoding."""

    def __init__(self, symbols=30, d=64, hidden=64):
        super().__init__()
        from torchaudio.models.rnnt import _Joiner, _Predictor
        self.pred = _Predictor(symbols, d, d, 1, hidden, lstm_layer_norm=True, lstm_layer_norm_epsilon=1e-5,
                               lstm_dropout=0.0)
        self.join = _Joiner(d, symbols)

    def forward(self, token, enc, h, c):
        one = torch.ones(token.shape[0], dtype=torch.int32)
        out, _, state = self.pred(token, one, [[h, c]])
        logits, _, _ = self.join(enc, one, out, one)
        return logits, state[0][0], state[0][1]


class TcnKws(nn.Module):
    """A temporal convolutional keyword spotter: MFCC [B, 40, T], dilated causal Conv1d residual blocks (left pad,
    BatchNorm, ReLU), global average over time, linear head."""

    def __init__(self, c=48, classes=12):
        super().__init__()
        self.stem = nn.Conv1d(40, c, 1)
        self.blocks = nn.ModuleList()
        for dil in (1, 2, 4, 8):
            self.blocks.append(nn.Sequential(nn.ConstantPad1d((2 * dil, 0), 0.0), nn.Conv1d(c, c, 3, dilation=dil),
                                             nn.BatchNorm1d(c), nn.ReLU(), nn.Conv1d(c, c, 1), nn.BatchNorm1d(c)))
        self.head = nn.Linear(c, classes)

    def forward(self, x):
        x = self.stem(x)
        for b in self.blocks:
            x = F.relu(x + b(x))
        return self.head(x.mean(-1)).softmax(-1)
