"""Sixteenth sweep: forecasters not tried in the fifteen earlier sweeps, as their projects write them (random weights,
small widths): DeepAR (GluonTS: mean scaling, lagged targets by slices, a 2-layer LSTM over the context, then the
horizon decoded one step at a time feeding the Student-t mean back as the next lag; the sampling left out: an export
traces one draw), Moirai (uni2ts: std scaler per variate, patch projection, variates flattened into one token sequence,
any-variate attention with a learned same / other-variate bias and rotary over time ids, RMSNorm, SwiGLU, a mixture of
Student-t / normal / log-normal heads as the mixture mean), LSTNet (conv over [window, variables], GRU, skip-GRU over the
period-strided sequence, highway autoregression), Pyraformer (coarser-scale construction by strided convs, tokens of
every scale in one sequence under a pyramidal attention mask, the last tokens of every scale gathered for the
prediction), SCINet (recursive even / odd splits, interactive learning with exp scaling, the tree's outputs
interleaved back, two stacked stages) and the Non-stationary Transformer (series stationarisation and de-stationary
attention: tau and delta learned from the raw series' statistics scale and shift the scores). Models in MODELS,
exported by sweep16_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep16_seq_lm import RMSNorm


# --- DeepAR ---

class DeepAR(nn.Module):
    def __init__(self, context=48, horizon=12, lags=(1, 2, 3, 7, 14, 24), hidden=32, cats=5, cat_d=4, time_feats=3):
        super().__init__()
        self.context, self.horizon, self.lags = context, horizon, lags
        self.embed = nn.Embedding(cats, cat_d)
        inp = len(lags) + cat_d + time_feats + 1  # lags, static embedding, time features, log scale
        self.rnn = nn.LSTM(inp, hidden, 2, batch_first=True)
        self.proj = nn.ModuleDict({'df': nn.Linear(hidden, 1), 'loc': nn.Linear(hidden, 1), 'scale': nn.Linear(hidden, 1)})

    def forward(self, past_target, past_observed, time_feat, feat_static_cat):
        # past_target [B, context + max lag], time_feat [B, context + horizon, F]
        b = past_target.shape[0]
        m = max(self.lags)
        obs = past_observed[:, -self.context:]
        scale = ((past_target[:, -self.context:].abs() * obs).sum(1) / obs.sum(1).clamp(min=1)).clamp(min=1e-10)[:, None]
        y = past_target / scale
        lagged = torch.stack([y[:, m - l:m - l + self.context] for l in self.lags], -1)  # [B, context, lags]
        stat = torch.cat([self.embed(feat_static_cat[:, 0]), scale.log()], -1)
        inp = torch.cat([lagged, stat[:, None].expand(-1, self.context, -1), time_feat[:, :self.context]], -1)
        out, state = self.rnn(inp)
        hist = y
        preds = []
        h = out[:, -1:]
        for step in range(self.horizon):
            loc = self.proj['loc'](h)
            preds.append(loc)
            hist = torch.cat([hist, loc[:, :, 0]], 1)
            n = hist.shape[1]
            lag = torch.stack([hist[:, n - l] for l in self.lags], -1)[:, None]
            x = torch.cat([lag, stat[:, None], time_feat[:, self.context + step:self.context + step + 1]], -1)
            h, state = self.rnn(x, state)
        mean = torch.cat(preds, 1)[..., 0] * scale
        last_df = 2.0 + F.softplus(self.proj['df'](h))[..., 0]
        return mean, last_df


def deepar_inputs(b=2):
    t = 48 + 24
    y = torch.randn(b, t).cumsum(1).abs() + 1
    obs = torch.ones(b, t)
    obs[1, :10] = 0
    return y, obs, torch.randn(b, 48 + 12, 3), torch.randint(0, 5, (b, 1))


# --- Moirai ---

class MoiraiAttention(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h, self.dh = h, d // h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.q_norm, self.k_norm = nn.LayerNorm(self.dh), nn.LayerNorm(self.dh)  # qk_norm
        self.var_bias = nn.Parameter(torch.randn(2, h) * 0.1)  # BinaryAttentionBias: same / other variate
        self.register_buffer('inv_freq', 1.0 / (10000 ** (torch.arange(0, self.dh, 2).float() / self.dh)))

    def rope(self, x, pos):
        f = pos[..., None].float() * self.inv_freq
        e = torch.cat([f, f], -1)[:, None]
        x1, x2 = x.chunk(2, -1)
        return x * e.cos() + torch.cat([-x2, x1], -1) * e.sin()

    def forward(self, x, var_id, time_id, mask):
        b, n, d = x.shape
        sp = lambda y: y.view(b, n, self.h, self.dh).transpose(1, 2)
        q, k, v = self.q_norm(sp(self.q(x))), self.k_norm(sp(self.k(x))), sp(self.v(x))
        q, k = self.rope(q, time_id), self.rope(k, time_id)
        same = (var_id[:, :, None] == var_id[:, None, :]).long()  # [b, n, n]
        bias = F.embedding(same, self.var_bias).permute(0, 3, 1, 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(self.dh) + bias
        s = s.masked_fill(~mask[:, None], float('-inf'))
        return self.o((F.softmax(s, -1) @ v).transpose(1, 2).reshape(b, n, d))


class Moirai(nn.Module):
    def __init__(self, patch=8, d=64, layers=2, ffn=96, comps=3):
        super().__init__()
        self.patch, self.comps = patch, comps
        self.in_proj = nn.Linear(2 * patch, d)  # patch values and observed mask
        self.attn = nn.ModuleList(MoiraiAttention(d) for _ in range(layers))
        self.n1 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.n2 = nn.ModuleList(RMSNorm(d) for _ in range(layers))
        self.fc1 = nn.ModuleList(nn.Linear(d, 2 * ffn, bias=False) for _ in range(layers))
        self.fc2 = nn.ModuleList(nn.Linear(ffn, d, bias=False) for _ in range(layers))
        self.norm = RMSNorm(d)
        self.weights = nn.Linear(d, patch * comps)
        self.t_df, self.t_loc, self.t_scale = nn.Linear(d, patch), nn.Linear(d, patch), nn.Linear(d, patch)
        self.n_loc, self.n_scale = nn.Linear(d, patch), nn.Linear(d, patch)
        self.l_loc, self.l_scale = nn.Linear(d, patch), nn.Linear(d, patch)

    def forward(self, past_target, past_observed):  # [B, T, V]; the last 2 patches of each variate are the forecast
        b, t, v = past_target.shape
        p = self.patch
        np_ = t // p
        obs = past_observed.float()
        ctx = torch.cat([torch.ones(t - 2 * p), torch.zeros(2 * p)])[None, :, None]
        w = obs * ctx
        loc = (past_target * w).sum(1, keepdim=True) / w.sum(1, keepdim=True).clamp(min=1)
        scale = torch.sqrt(((past_target - loc) ** 2 * w).sum(1, keepdim=True) / w.sum(1, keepdim=True).clamp(min=1) + 1e-5)
        y = (past_target - loc) / scale * w
        tok = y.permute(0, 2, 1).reshape(b, v * np_, p)  # variates flattened, patches in time order
        tmask = w.permute(0, 2, 1).reshape(b, v * np_, p)
        x = self.in_proj(torch.cat([tok, tmask], -1))
        var_id = torch.arange(v).repeat_interleave(np_)[None].expand(b, -1)
        time_id = torch.arange(np_).repeat(v)[None].expand(b, -1)
        keep = (obs.permute(0, 2, 1).reshape(b, v * np_, p).sum(-1) > 0)
        mask = keep[:, None, :] | torch.eye(v * np_, dtype=torch.bool)[None]
        for attn, n1, n2, fc1, fc2 in zip(self.attn, self.n1, self.n2, self.fc1, self.fc2):
            x = x + attn(n1(x), var_id, time_id, mask)
            g, u = fc1(n2(x)).chunk(2, -1)
            x = x + fc2(F.silu(g) * u)
        x = self.norm(x)
        mix = F.softmax(self.weights(x).view(b, v * np_, p, self.comps), -1)
        t_df = 2.0 + F.softplus(self.t_df(x))
        mean_t = self.t_loc(x)  # Student-t mean (df > 2)
        mean_n = self.n_loc(x)
        mean_l = torch.exp(self.l_loc(x) + F.softplus(self.l_scale(x)) ** 2 / 2)
        mean = (mix * torch.stack([mean_t, mean_n, mean_l], -1)).sum(-1)
        mean = mean.view(b, v, np_ * p).permute(0, 2, 1) * scale + loc
        return mean[:, -2 * p:], t_df.amax((1, 2))


# --- LSTNet ---

class LSTNet(nn.Module):
    def __init__(self, m=8, window=96, hid_c=32, hid_r=32, hid_s=8, ck=6, skip=24, hw=24):
        super().__init__()
        self.m, self.p, self.ck, self.skip, self.hw, self.hid_s = m, window, ck, skip, hw, hid_s
        self.pt = (window - ck) // skip
        self.conv1 = nn.Conv2d(1, hid_c, (ck, m))
        self.GRU1 = nn.GRU(hid_c, hid_r)
        self.GRUskip = nn.GRU(hid_c, hid_s)
        self.linear1 = nn.Linear(hid_r + skip * hid_s, m)
        self.highway = nn.Linear(hw, 1)

    def forward(self, x):  # [B, window, m]
        b = x.size(0)
        c = F.relu(self.conv1(x.view(-1, 1, self.p, self.m))).squeeze(3)  # [B, hid_c, T']
        r = c.permute(2, 0, 1).contiguous()
        _, r = self.GRU1(r)
        r = r.squeeze(0)
        s = c[:, :, -self.pt * self.skip:].contiguous()
        s = s.view(b, c.size(1), self.pt, self.skip).permute(2, 0, 3, 1).contiguous().view(self.pt, b * self.skip, c.size(1))
        _, s = self.GRUskip(s)
        s = s.view(b, self.skip * self.hid_s)
        res = self.linear1(torch.cat([r, s], 1))
        z = x[:, -self.hw:, :].permute(0, 2, 1).contiguous().view(-1, self.hw)
        z = self.highway(z).view(-1, self.m)
        return torch.sigmoid(res + z)  # output_fun sigmoid


# --- Pyraformer ---

def pyramid_mask(input_size, window_size, inner_size):
    all_size = [input_size]
    for w in window_size:
        all_size.append(all_size[-1] // w)
    n = sum(all_size)
    mask = torch.zeros(n, n)
    inner = inner_size // 2
    for layer in range(len(all_size)):
        start = sum(all_size[:layer])
        for i in range(start, start + all_size[layer]):
            lo, hi = max(i - inner, start), min(i + inner + 1, start + all_size[layer])
            mask[i, lo:hi] = 1
    for layer in range(1, len(all_size)):
        start = sum(all_size[:layer])
        for i in range(start, start + all_size[layer]):
            lo = (start - all_size[layer - 1]) + (i - start) * window_size[layer - 1]
            hi = lo + window_size[layer - 1] if i != start + all_size[layer] - 1 else start
            mask[i, lo:hi] = 1
            mask[lo:hi, i] = 1
    return (1 - mask).bool(), all_size


def refer_points(all_sizes, window_size):
    input_size = all_sizes[0]
    idx = torch.zeros(input_size, len(all_sizes), dtype=torch.long)
    for i in range(input_size):
        idx[i, 0] = i
        former = i
        for j in range(1, len(all_sizes)):
            start = sum(all_sizes[:j])
            inner = former - (start - all_sizes[j - 1])
            former = start + min(inner // window_size[j - 1], all_sizes[j] - 1)
            idx[i, j] = former
    return idx


class Pyraformer(nn.Module):
    def __init__(self, c=7, seq=96, pred=24, d=64, h=4, layers=2, window=(4, 4, 4), inner=3, d_bottleneck=32):
        super().__init__()
        self.pred = pred
        mask, all_size = pyramid_mask(seq, list(window), inner)
        self.register_buffer('mask', mask)
        self.register_buffer('indexes', refer_points(all_size, list(window)))
        self.value = nn.Conv1d(c, d, 3, padding=1, padding_mode='circular', bias=False)
        self.temporal = nn.Linear(4, d)
        self.down = nn.Linear(d, d_bottleneck)
        self.convs = nn.ModuleList(nn.Sequential(nn.Conv1d(d_bottleneck, d_bottleneck, w, stride=w), nn.BatchNorm1d(d_bottleneck), nn.ELU())
                                   for w in window)
        self.up = nn.Linear(d_bottleneck, d)
        self.cscm_norm = nn.LayerNorm(d)
        self.layers = nn.ModuleList(nn.MultiheadAttention(d, h, batch_first=True) for _ in range(layers))
        self.ln1 = nn.ModuleList(nn.LayerNorm(d, eps=1e-6) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.LayerNorm(d, eps=1e-6), nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)) for _ in range(layers))
        self.predictor = nn.Linear(len(all_size) * d, pred * c)
        self.c = c

    def forward(self, x_enc, x_mark_enc):
        b = x_enc.shape[0]
        seq = self.value(x_enc.permute(0, 2, 1)).transpose(1, 2) + self.temporal(x_mark_enc)
        # Bottleneck_Construct
        t = self.down(seq).permute(0, 2, 1)
        outs = []
        for conv in self.convs:
            t = conv(t)
            outs.append(t)
        coarse = self.up(torch.cat(outs, 2).transpose(1, 2))
        seq = self.cscm_norm(torch.cat([seq, coarse], 1))
        for attn, ln1, ff in zip(self.layers, self.ln1, self.ff):  # pre-norm off: post-LN attention, pre-LN FFN residual
            a, _ = attn(seq, seq, seq, attn_mask=self.mask, need_weights=False)
            seq = ln1(seq + a)
            seq = seq + ff(seq)
        idx = self.indexes[None, :, :, None].expand(b, -1, -1, seq.size(2)).reshape(b, -1, seq.size(2))
        feats = torch.gather(seq, 1, idx).view(b, self.indexes.shape[0], -1)
        return self.predictor(feats[:, -1]).view(b, self.pred, self.c)


# --- SCINet ---

class Interactor(nn.Module):
    def __init__(self, c, k=5, hidden=2):
        super().__init__()
        pad = (k - 1) // 2 + 1
        mk = lambda: nn.Sequential(nn.ReplicationPad1d((pad, pad)), nn.Conv1d(c, c * hidden, k), nn.LeakyReLU(0.01, True),
                                   nn.Dropout(0.0), nn.Conv1d(c * hidden, c, 3), nn.Tanh())
        self.phi, self.psi, self.U, self.P = mk(), mk(), mk(), mk()

    def forward(self, x):  # [B, T, C]
        e, o = x[:, ::2].permute(0, 2, 1), x[:, 1::2].permute(0, 2, 1)
        d = o.mul(torch.exp(self.phi(e)))
        c = e.mul(torch.exp(self.psi(o)))
        return (c + self.U(d)).permute(0, 2, 1), (d - self.P(c)).permute(0, 2, 1)


class SCITree(nn.Module):
    def __init__(self, level, c):
        super().__init__()
        self.level, self.block = level, Interactor(c)
        if level > 0:
            self.even, self.odd = SCITree(level - 1, c), SCITree(level - 1, c)

    def forward(self, x):
        e, o = self.block(x)
        if self.level == 0:
            return self.zip(e, o)
        return self.zip(self.even(e), self.odd(o))

    @staticmethod
    def zip(e, o):  # interleave back along time
        b, t, c = e.shape
        return torch.stack([e, o], 2).reshape(b, 2 * t, c)


class SCINet(nn.Module):
    def __init__(self, seq=96, pred=24, c=7, levels=3, stacks=2):
        super().__init__()
        self.stacks = stacks
        self.blocks1 = SCITree(levels - 1, c)
        self.projection1 = nn.Conv1d(seq, pred, 1, bias=False)
        self.blocks2 = SCITree(levels - 1, c)
        self.projection2 = nn.Conv1d(seq + pred, pred, 1, bias=False)

    def forward(self, x):  # [B, seq, C], RevIN-style normalisation
        means = x.mean(1, keepdim=True).detach()
        x = x - means
        stdev = torch.sqrt(torch.var(x, dim=1, keepdim=True, unbiased=False) + 1e-5)
        x = x / stdev
        res1 = x
        x = self.projection1(self.blocks1(x) + res1)  # [B, pred, C]
        mid = x
        x = torch.cat([res1, x], 1)  # the second stack reads input and first forecast: seq + pred steps
        x = self.projection2(self.blocks2(x) + x)
        return x * stdev + means, mid * stdev + means


# --- Non-stationary Transformer ---

class Projector(nn.Module):
    """MLP learning tau or delta from the raw series and its mean / std."""
    def __init__(self, c, seq, hidden=32, out=1):
        super().__init__()
        self.series_conv = nn.Conv1d(seq, 1, 3, padding=1, padding_mode='circular', bias=False)
        self.backbone = nn.Sequential(nn.Linear(2 * c, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, out, bias=False))

    def forward(self, x, stats):
        b = x.shape[0]
        x = self.series_conv(x)
        return self.backbone(torch.cat([x, stats], 1).view(b, -1))


class DSAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.dh = h, d // h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, kv, tau, delta, causal):
        b, l, _ = x.shape
        s_ = kv.shape[1]
        q = self.q(x).view(b, l, self.h, self.dh)
        k = self.k(kv).view(b, s_, self.h, self.dh)
        v = self.v(kv).view(b, s_, self.h, self.dh)
        scores = torch.einsum('blhe,bshe->bhls', q, k) * tau[:, None, None, None] + delta[:, None, None, :]
        if causal:
            scores = scores.masked_fill(torch.triu(torch.ones(l, s_, dtype=torch.bool), 1), float('-inf'))
        a = torch.softmax(scores / math.sqrt(self.dh), -1)
        return self.o(torch.einsum('bhls,bshd->blhd', a, v).reshape(b, l, -1))


class NSTransformer(nn.Module):
    def __init__(self, c=7, seq=96, label=48, pred=24, d=64, h=4):
        super().__init__()
        self.label, self.pred = label, pred
        self.enc_emb = nn.Conv1d(c, d, 3, padding=1, padding_mode='circular', bias=False)
        self.dec_emb = nn.Conv1d(c, d, 3, padding=1, padding_mode='circular', bias=False)
        self.tau_learner, self.delta_learner = Projector(c, seq, out=1), Projector(c, seq, out=seq)
        self.enc_attn, self.dec_self, self.dec_cross = DSAttention(d, h), DSAttention(d, h), DSAttention(d, h)
        self.ln = nn.ModuleList(nn.LayerNorm(d) for _ in range(5))
        self.ff_e = nn.Sequential(nn.Conv1d(d, 128, 1), nn.GELU(), nn.Conv1d(128, d, 1))
        self.ff_d = nn.Sequential(nn.Conv1d(d, 128, 1), nn.GELU(), nn.Conv1d(128, d, 1))
        self.proj = nn.Linear(d, c)

    def forward(self, x_enc):
        x_raw = x_enc.clone().detach()
        mean = x_enc.mean(1, keepdim=True).detach()
        x_enc = x_enc - mean
        std = torch.sqrt(torch.var(x_enc, dim=1, keepdim=True, unbiased=False) + 1e-5).detach()
        x_enc = x_enc / std
        x_dec = torch.cat([x_enc[:, -self.label:], torch.zeros(x_enc.shape[0], self.pred, x_enc.shape[2])], 1)
        tau = self.tau_learner(x_raw, std).exp()[:, 0]
        delta = self.delta_learner(x_raw, mean)
        e = self.enc_emb(x_enc.permute(0, 2, 1)).transpose(1, 2)
        e = self.ln[0](e + self.enc_attn(e, e, tau, delta, False))
        e = self.ln[1](e + self.ff_e(e.transpose(1, 2)).transpose(1, 2))
        dd = self.dec_emb(x_dec.permute(0, 2, 1)).transpose(1, 2)
        zero = torch.zeros_like(delta[:, :dd.shape[1]])
        dd = self.ln[2](dd + self.dec_self(dd, dd, tau, zero, True))
        dd = self.ln[3](dd + self.dec_cross(dd, e, tau, delta, False))
        dd = self.ln[4](dd + self.ff_d(dd.transpose(1, 2)).transpose(1, 2))
        out = self.proj(dd)[:, -self.pred:]
        return out * std + mean


MODELS = {
    'deepar': lambda: (DeepAR().eval(), deepar_inputs(), {'names': ['past_target', 'past_observed_values', 'time_feat', 'feat_static_cat'],
                                                          'outputs': ['mean', 'df'], 'opset': 14}),
    'moirai': lambda: (Moirai().eval(), (torch.randn(2, 64, 3).cumsum(1), torch.cat([torch.zeros(2, 8, 3), torch.ones(2, 56, 3)], 1).bool()),
                       {'names': ['past_target', 'past_observed_target'], 'outputs': ['mean', 'df'], 'opset': 14}),
    'lstnet': lambda: (LSTNet().eval(), torch.rand(2, 96, 8), {'names': ['x'], 'outputs': ['y'], 'opset': 13}),
    'pyraformer': lambda: (Pyraformer().eval(), (torch.randn(2, 96, 7).cumsum(1), torch.randn(2, 96, 4)),
                           {'names': ['x_enc', 'x_mark_enc'], 'outputs': ['forecast'], 'opset': 14}),
    'scinet': lambda: (SCINet().eval(), torch.randn(2, 96, 7).cumsum(1), {'names': ['x'], 'outputs': ['forecast', 'mid'], 'opset': 13}),
    'ns_transformer': lambda: (NSTransformer().eval(), torch.randn(2, 96, 7).cumsum(1) + 5, {'names': ['x_enc'], 'outputs': ['forecast'], 'opset': 14}),
}
