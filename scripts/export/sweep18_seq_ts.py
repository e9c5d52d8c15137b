"""Eighteenth sweep: forecasters and spatio-temporal graph nets not tried in the seventeen earlier sweeps, as their
reference code writes them (random weights, small widths): ETSformer (exponential-smoothing attention as a fixed
lower-triangular matrix, growth by differences, frequency attention: DFT by cos / sin matrices, top-k amplitudes by
TopK, phases by atan2, extrapolated cosines; damped growth in the decoder), FiLM (RevIN, HiPPO-LegT Legendre
projection unrolled over the window, a frequency-enhanced layer on the low modes by complex weights as real / imaginary
einsums, reconstruction by the Legendre evaluation matrix, two scales), Graph WaveNet (adaptive adjacency
softmax(relu(E1 E2)), diffusion graph convolution by einsum 'ncvl,vw->ncwl' over 3 supports, gated dilated temporal
convs, skip connections) and AGCRN (node-adaptive graph convolution: per-node weights from an embedding pool by einsum,
GRU cells unrolled over 12 steps) and DeepState (LSTM to state-space parameters, level-trend Kalman filter unrolled,
forecast by the transition powers). Models in MODELS, exported by sweep18_seq.py."""
import math

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from sweep18_seq_audio import atan2_symbolic


# --- ETSformer ---

def dft(t):  # rfft over time as [F, T] cos / sin matrices (torch 1.13 has no fft export)
    k = torch.arange(t // 2 + 1).float()[:, None]
    n = torch.arange(t).float()[None]
    return torch.cos(2 * math.pi * k * n / t), -torch.sin(2 * math.pi * k * n / t)


class FourierLayer(nn.Module):
    def __init__(self, t, pred, k=3):
        super().__init__()
        c, s = dft(t)
        self.register_buffer('c', c[1:-1])  # drop the mean and Nyquist bins as ETSformer does (low_freq=1)
        self.register_buffer('s', s[1:-1])
        self.register_buffer('freq', (torch.arange(t // 2 + 1).float() / t)[1:-1])
        self.register_buffer('tt', torch.arange(t + pred).float())
        self.t, self.k = t, k

    def forward(self, x):  # [B, T, D] -> [B, T + pred, D]
        re = torch.einsum('ft,btd->bfd', self.c, x)
        im = torch.einsum('ft,btd->bfd', self.s, x)
        amp = torch.sqrt(re ** 2 + im ** 2)
        _, idx = torch.topk(amp, self.k, dim=1)  # [B, k, D]
        re, im = torch.gather(re, 1, idx), torch.gather(im, 1, idx)
        f = self.freq[idx]  # [B, k, D]
        a = torch.sqrt(re ** 2 + im ** 2) * 2 / self.t
        ph = torch.atan2(im, re)
        x_time = a.unsqueeze(2) * torch.cos(2 * math.pi * f.unsqueeze(2) * self.tt.view(1, 1, -1, 1) + ph.unsqueeze(2))
        return x_time.sum(1)


class ExpSmoothing(nn.Module):
    def __init__(self, t, d, h=4):
        super().__init__()
        self.smoothing_weight = nn.Parameter(torch.randn(h, 1))
        self.v0 = nn.Parameter(torch.randn(1, 1, h, d // h))
        self.t, self.h = t, h

    def forward(self, values):  # [B, T, H, d]
        alpha = torch.sigmoid(self.smoothing_weight)  # [H, 1]
        i = torch.arange(self.t).float()
        powers = (i[:, None] - i[None]).clamp(min=0)  # [T, T]
        w = alpha.view(-1, 1, 1) * (1 - alpha.view(-1, 1, 1)) ** powers * (i[:, None] >= i[None]).float()  # [H, T, T]
        init = (1 - alpha.view(1, -1)) ** (i[:, None] + 1)  # [T, H]
        return torch.einsum('hts,bshd->bthd', w, values) + init[None, :, :, None] * self.v0


class GrowthLayer(nn.Module):
    def __init__(self, t, d, h=4):
        super().__init__()
        self.z0 = nn.Parameter(torch.randn(h, d // h))
        self.in_proj, self.out_proj = nn.Linear(d, d), nn.Linear(d, d)
        self.es = ExpSmoothing(t, d, h)
        self.h = h

    def forward(self, x):
        b, t, d = x.shape
        v = self.in_proj(x).view(b, t, self.h, -1)
        v = torch.cat([self.z0.expand(b, 1, -1, -1), v], 1)
        v = v[:, 1:] - v[:, :-1]
        out = self.es(v)
        out = torch.cat([self.es.v0.expand(b, 1, -1, -1), out], 1)
        return self.out_proj(out.reshape(b, t + 1, d))


class LevelLayer(nn.Module):
    def __init__(self, t, d, c):
        super().__init__()
        self.es = ExpSmoothing(t, c, c)  # one head per variate
        self.growth_pred, self.season_pred = nn.Linear(d, c), nn.Linear(d, c)

    def forward(self, level, growth, season):
        b, t, c = level.shape
        growth, season = self.growth_pred(growth), self.season_pred(season)
        out = self.es((level - season).view(b, t, c, 1))
        return out.view(b, t, c) + 0 * growth  # ETSformer adds growth through its aux smoothing; kept simple


class ETSformer(nn.Module):
    def __init__(self, c=7, t=48, pred=24, d=32, layers=2):
        super().__init__()
        self.emb = nn.Conv1d(c, d, 3, padding=1, padding_mode='circular', bias=False)
        self.growth = nn.ModuleList(GrowthLayer(t, d) for _ in range(layers))
        self.season = nn.ModuleList(FourierLayer(t, pred) for _ in range(layers))
        self.level = nn.ModuleList(LevelLayer(t, d, c) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(d, 4 * d, bias=False), nn.Sigmoid(), nn.Linear(4 * d, d, bias=False)) for _ in range(layers))
        self.n1, self.n2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers)), nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.damp = nn.Parameter(torch.randn(1, 4))
        self.growth_out, self.season_out = nn.ModuleList(nn.Linear(d, c) for _ in range(layers)), nn.ModuleList(nn.Linear(d, c) for _ in range(layers))
        self.t, self.pred = t, pred

    def forward(self, x):  # [B, T, C]
        b = x.shape[0]
        res = self.emb(x.transpose(1, 2)).transpose(1, 2)
        level = x
        g_out, s_out = 0, 0
        for g, s, lv, ff, n1, n2, go, so in zip(self.growth, self.season, self.level, self.ff, self.n1, self.n2, self.growth_out, self.season_out):
            season = s(res)
            res = res - season[:, :self.t]
            growth = g(res)
            res = n1(res - growth[:, 1:])
            res = n2(res + ff(res))
            level = lv(level, growth[:, :-1], season[:, :self.t])
            # damped growth: the last growth carried forward with cumulative damping powers
            damp = torch.sigmoid(self.damp)  # [1, H]
            powers = torch.arange(1, self.pred + 1).float().view(-1, 1)
            cum = torch.cumsum(damp ** powers, 0)  # [pred, H]
            last = growth[:, -1:].view(b, 1, 4, -1)
            g_out = g_out + go((last * cum.view(1, self.pred, 4, 1)).reshape(b, self.pred, -1))
            s_out = s_out + so(season[:, self.t:])
        return level[:, -1:] + g_out + s_out


# --- FiLM ---

def legt(n, dt):
    q = np.arange(n, dtype=np.float64)
    r = (2 * q + 1)[:, None]
    j, i = np.meshgrid(q, q)
    a = np.where(i < j, -1, (-1.) ** (i - j + 1)) * r
    b = (-1.) ** q[:, None] * r
    # bilinear discretisation
    eye = np.eye(n)
    inv = np.linalg.inv(eye - dt / 2 * a)
    return inv @ (eye + dt / 2 * a), (inv @ (dt * b)).squeeze(-1)


def legendre_eval(n, t):
    from numpy.polynomial.legendre import legval
    x = 1 - 2 * np.arange(0.0, 1.0, 1.0 / t)
    return np.stack([legval(x, np.eye(n)[i]) for i in range(n)], 1)  # [T, N]


class HiPPOLegT(nn.Module):
    def __init__(self, n, dt, t):
        super().__init__()
        a, b = legt(n, dt)
        self.register_buffer('A', torch.tensor(a, dtype=torch.float32))
        self.register_buffer('B', torch.tensor(b, dtype=torch.float32))
        self.register_buffer('eval_matrix', torch.tensor(legendre_eval(n, t), dtype=torch.float32))

    def forward(self, inputs):  # [B, C, T] -> [T, B, C, N]
        c = torch.zeros(inputs.shape[:-1] + (self.A.shape[0],))
        cs = []
        for f in inputs.permute(2, 0, 1):
            c = F.linear(c, self.A) + f.unsqueeze(-1) * self.B
            cs.append(c)
        return torch.stack(cs, 0)

    def reconstruct(self, c):
        return (self.eval_matrix @ c.unsqueeze(-1)).squeeze(-1)


class SpectralConv1d(nn.Module):
    def __init__(self, n, modes=8):
        super().__init__()
        self.modes = modes
        self.wr = nn.Parameter(torch.rand(n, n, modes) / (n * n))
        self.wi = nn.Parameter(torch.rand(n, n, modes) / (n * n))

    def forward(self, x):  # [B, C, N, T]
        t = x.shape[-1]
        c, s = dft(t)
        c, s = c[:self.modes], s[:self.modes]
        xr, xi = torch.einsum('bcnt,mt->bcnm', x, c), torch.einsum('bcnt,mt->bcnm', x, s)
        orr = torch.einsum('bcim,iom->bcom', xr, self.wr) - torch.einsum('bcim,iom->bcom', xi, self.wi)
        oi = torch.einsum('bcim,iom->bcom', xr, self.wi) + torch.einsum('bcim,iom->bcom', xi, self.wr)
        # irfft of the first `modes` bins (the rest zero): real part of the inverse DFT
        k = torch.arange(self.modes).float()
        n = torch.arange(t).float()
        scale = torch.where(k == 0, torch.ones_like(k), 2 * torch.ones_like(k)) / t
        ang = 2 * math.pi * k[:, None] * n[None] / t
        return torch.einsum('bcom,mt->bcot', orr, torch.cos(ang) * scale[:, None]) - torch.einsum('bcom,mt->bcot', oi, torch.sin(ang) * scale[:, None])


class FiLM(nn.Module):
    def __init__(self, c=7, pred=24, scales=(1, 2), n=32):
        super().__init__()
        self.pred, self.scales = pred, scales
        self.affine_weight, self.affine_bias = nn.Parameter(torch.rand(1, 1, c) + 0.5), nn.Parameter(torch.randn(1, 1, c) * 0.1)
        self.legts = nn.ModuleList(HiPPOLegT(n, 1. / pred / s, pred * s) for s in scales)
        self.spec = nn.ModuleList(SpectralConv1d(n, min(pred, 8)) for _ in scales)
        self.mlp = nn.Linear(len(scales), 1)

    def forward(self, x):  # [B, T = pred * max(scales), C]
        means = x.mean(1, keepdim=True).detach()
        x = x - means
        std = torch.sqrt(torch.var(x, dim=1, keepdim=True, unbiased=False) + 1e-5).detach()
        x = x / std * self.affine_weight + self.affine_bias
        outs = []
        for s, legt_, spec in zip(self.scales, self.legts, self.spec):
            x_in = x[:, -self.pred * s:]
            c = legt_(x_in.transpose(1, 2)).permute(1, 2, 3, 0)  # [B, C, N, T]
            out1 = spec(c)
            dec = out1.transpose(2, 3)[:, :, self.pred * s - 1, :]  # [B, C, N]
            outs.append(legt_.reconstruct(dec)[:, :, -self.pred:])  # the last pred steps of the window
        x = self.mlp(torch.stack(outs, -1)).squeeze(-1).permute(0, 2, 1)
        x = (x - self.affine_bias) / (self.affine_weight + 1e-10) * std + means
        return x


# --- Graph WaveNet ---

class GraphWaveNet(nn.Module):
    def __init__(self, nodes=12, in_dim=2, out_dim=12, rc=16, dc=16, sc=32, ec=64, blocks=2, layers=2, k=2):
        super().__init__()
        self.nodevec1, self.nodevec2 = nn.Parameter(torch.randn(nodes, 8)), nn.Parameter(torch.randn(8, nodes))
        g = torch.Generator().manual_seed(11)
        a = (torch.rand(nodes, nodes, generator=g) < 0.3).float() + torch.eye(nodes)
        self.register_buffer('fwd', a / a.sum(1, keepdim=True))
        self.register_buffer('bwd', a.t() / a.t().sum(1, keepdim=True))
        self.start_conv = nn.Conv2d(in_dim, rc, 1)
        self.filter_convs, self.gate_convs, self.skip_convs, self.gconv, self.bn = (nn.ModuleList() for _ in range(5))
        self.dil = []
        for _ in range(blocks):
            d = 1
            for _ in range(layers):
                self.filter_convs.append(nn.Conv2d(rc, dc, (1, k), dilation=d))
                self.gate_convs.append(nn.Conv2d(rc, dc, (1, k), dilation=d))
                self.skip_convs.append(nn.Conv2d(dc, sc, 1))
                self.gconv.append(nn.Conv2d(dc * (1 + 3 * 2), rc, 1))
                self.bn.append(nn.BatchNorm2d(rc))
                self.dil.append(d)
                d *= 2
        self.end_conv_1, self.end_conv_2 = nn.Conv2d(sc, ec, 1), nn.Conv2d(ec, out_dim, 1)

    @staticmethod
    def nconv(x, a):
        return torch.einsum('ncvl,vw->ncwl', x, a).contiguous()

    def forward(self, x):  # [B, in_dim, N, T]
        x = F.pad(x, (1, 0, 0, 0))
        x = self.start_conv(x)
        skip = 0
        adp = F.softmax(F.relu(self.nodevec1 @ self.nodevec2), dim=1)
        supports = [self.fwd, self.bwd, adp]
        for i in range(len(self.dil)):
            residual = x
            x = torch.tanh(self.filter_convs[i](residual)) * torch.sigmoid(self.gate_convs[i](residual))
            s = self.skip_convs[i](x)
            skip = s + (skip[:, :, :, -s.size(3):] if not isinstance(skip, int) else 0)
            out = [x]
            for a in supports:
                x1 = self.nconv(x, a)
                out.append(x1)
                out.append(self.nconv(x1, a))
            x = self.gconv[i](torch.cat(out, 1))
            x = self.bn[i](x + residual[:, :, :, -x.size(3):])
        x = F.relu(skip)
        return self.end_conv_2(F.relu(self.end_conv_1(x)))


# --- AGCRN ---

class AVWGCN(nn.Module):
    def __init__(self, cin, cout, k=2, d=8):
        super().__init__()
        self.k = k
        self.weights_pool = nn.Parameter(torch.randn(d, k, cin, cout) * 0.1)
        self.bias_pool = nn.Parameter(torch.randn(d, cout) * 0.1)

    def forward(self, x, e):  # x [B, N, C], e [N, D]
        n = e.shape[0]
        s = F.softmax(F.relu(e @ e.t()), dim=1)
        supports = torch.stack([torch.eye(n), s], 0)
        weights = torch.einsum('nd,dkio->nkio', e, self.weights_pool)
        bias = e @ self.bias_pool
        x_g = torch.einsum('knm,bmc->bknc', supports, x).permute(0, 2, 1, 3)
        return torch.einsum('bnki,nkio->bno', x_g, weights) + bias


class AGCRNCell(nn.Module):
    def __init__(self, cin, h):
        super().__init__()
        self.h = h
        self.gate, self.update = AVWGCN(cin + h, 2 * h), AVWGCN(cin + h, h)

    def forward(self, x, state, e):
        z_r = torch.sigmoid(self.gate(torch.cat((x, state), -1), e))
        z, r = torch.split(z_r, self.h, -1)
        hc = torch.tanh(self.update(torch.cat((x, z * state), -1), e))
        return r * state + (1 - r) * hc


class AGCRN(nn.Module):
    def __init__(self, nodes=10, cin=1, h=16, horizon=12, layers=2):
        super().__init__()
        self.node_embeddings = nn.Parameter(torch.randn(nodes, 8))
        self.cells = nn.ModuleList(AGCRNCell(cin if i == 0 else h, h) for i in range(layers))
        self.end_conv = nn.Conv2d(1, horizon, (1, h))
        self.h = h

    def forward(self, x):  # [B, T, N, C]
        b, t, n, _ = x.shape
        cur = x
        for cell in self.cells:
            state = torch.zeros(b, n, self.h)
            inner = []
            for i in range(t):
                state = cell(cur[:, i], state, self.node_embeddings)
                inner.append(state)
            cur = torch.stack(inner, 1)
        out = self.end_conv(cur[:, -1:])  # [B, horizon, N, 1]
        return out.squeeze(-1).permute(0, 2, 1)


# --- DeepState ---

class DeepState(nn.Module):
    def __init__(self, cov=4, h=32, pred=8):
        super().__init__()
        self.lstm = nn.LSTM(cov, h, num_layers=2, batch_first=True)
        self.noise, self.innov = nn.Linear(h, 1), nn.Linear(h, 2)
        self.register_buffer('F', torch.tensor([[1.0, 1.0], [0.0, 1.0]]))
        self.register_buffer('a', torch.tensor([1.0, 1.0]))
        self.pred = pred

    def forward(self, y, cov):  # y [B, T], cov [B, T + pred, cov]
        b, t = y.shape
        hs = self.lstm(cov)[0]
        sigma = F.softplus(self.noise(hs)).squeeze(-1)  # observation noise std [B, T + pred]
        g = F.softplus(self.innov(hs))  # innovation strengths [B, T + pred, 2]
        mu = torch.zeros(b, 2)
        p = torch.eye(2).expand(b, 2, 2) * 10.0
        ll, filtered = 0, []
        for i in range(t):
            pa = p @ self.a  # [B, 2]
            s = (pa * self.a).sum(-1) + sigma[:, i] ** 2  # innovation variance
            k = pa / s[:, None]
            err = y[:, i] - (mu * self.a).sum(-1)
            mu = mu + k * err[:, None]
            p = p - k[:, :, None] * pa[:, None, :]
            ll = ll - 0.5 * (torch.log(2 * math.pi * s) + err ** 2 / s)
            filtered.append((mu * self.a).sum(-1))
            mu = mu @ self.F.t()
            gi = g[:, i]
            p = self.F @ p @ self.F.t() + gi[:, :, None] * gi[:, None, :]
        fc = []
        for i in range(self.pred):
            fc.append((mu * self.a).sum(-1))
            mu = mu @ self.F.t()
        return torch.stack(filtered, 1), torch.stack(fc, 1), ll


def deepstate_inputs():
    g = torch.Generator().manual_seed(12)
    tt = torch.arange(32).float()
    y = torch.sin(tt[:24] / 3)[None].repeat(3, 1) + 0.1 * torch.randn(3, 24, generator=g)
    return y, torch.randn(3, 32, 4, generator=g)


MODELS = {
    'etsformer': lambda: (ETSformer().eval(), torch.randn(2, 48, 7, generator=torch.Generator().manual_seed(1)),
                          {'names': ['x'], 'outputs': ['forecast'], 'opset': 14, 'symbolics': {'aten::atan2': atan2_symbolic}}),
    'film': lambda: (FiLM().eval(), torch.randn(2, 48, 7, generator=torch.Generator().manual_seed(2)), {'names': ['x'], 'outputs': ['forecast'], 'opset': 14}),
    'graph_wavenet': lambda: (GraphWaveNet().eval(), torch.randn(2, 2, 12, 12, generator=torch.Generator().manual_seed(3)), {'names': ['x'], 'outputs': ['forecast'], 'opset': 14}),
    'agcrn': lambda: (AGCRN().eval(), torch.randn(2, 12, 10, 1, generator=torch.Generator().manual_seed(4)), {'names': ['x'], 'outputs': ['forecast'], 'opset': 14}),
    'deepstate': lambda: (DeepState().eval(), deepstate_inputs(), {'names': ['y', 'covariates'], 'outputs': ['filtered', 'forecast', 'loglik'], 'opset': 14}),
}
