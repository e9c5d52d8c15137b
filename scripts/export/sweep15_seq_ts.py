"""Fifteenth sweep: time-series forecasters as their projects write them (random weights, small widths): Informer
(ProbSparse self-attention: sampled keys' max - mean query sparsity, top-u queries by TopK, the rest from the values'
mean (encoder) or cumsum (decoder), attention rows written back by index_put; distilling conv + ELU + max-pool layers;
the decoder's `mix` transpose), Autoformer (series decomposition by a replicate-padded moving average, Auto-Correlation:
circular cross-correlation of q and k, top-k delays of its mean, values rolled by gather and weighted by the delays'
softmax; seasonal / trend decoder), FEDformer (the same skeleton with Fourier-enhanced blocks: the lowest modes' complex
weights, Fourier cross-attention with a softmax of the modes' magnitudes), N-HiTS (max-pool input downsampling per stack,
MLP to backcast and forecast knots, knots linearly interpolated to the horizon), TiDE (covariate projection, dense
residual encoder / decoder, per-step temporal decoder, global linear skip), Crossformer (dimension-segment-wise
embedding, two-stage attention: across time per variable, across variables through router tokens; segment merging;
a decoder summing each layer's segment predictions), TimeMixer (multi-scale average-pooled inputs with RevIN,
past-decomposable mixing: seasons bottom-up, trends top-down; a predictor per scale summed) and SegRNN (segment
embedding, GRU encoder, parallel multi-step decoding from position + channel embeddings as a batch of GRU steps).
torch 1.13 cannot export torch.fft.rfft / irfft (aten::fft_rfft): Autoformer's and FEDformer's FFTs are written as the
same DFT by matmuls with cos / sin tables (what an ONNX export of them carries). Models in MODELS, exported by
sweep15_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def dft_tables(n, modes=None):
    """rfft of length n as x @ C - i x @ S (modes: the first `modes` bins), irfft weights back to n samples."""
    f = n // 2 + 1 if modes is None else modes
    t = torch.arange(n).float()[:, None]
    k = torch.arange(f).float()[None]
    ang = 2 * math.pi * t * k / n
    c, s = torch.cos(ang), torch.sin(ang)  # [n, f]
    w = torch.full((f,), 2.0)
    w[0] = 1.0
    if n % 2 == 0 and f == n // 2 + 1:
        w[-1] = 1.0
    return c, s, (c * w / n).t().contiguous(), (s * w / n).t().contiguous()  # irfft: re @ ci - im @ si


class TokenEmbedding(nn.Module):
    def __init__(self, c, d):
        super().__init__()
        self.conv = nn.Conv1d(c, d, 3, padding=1, padding_mode='circular', bias=False)

    def forward(self, x):
        return self.conv(x.permute(0, 2, 1)).transpose(1, 2)


def sinusoid(n, d):
    pe = torch.zeros(n, d)
    pos = torch.arange(n).float().unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2).float() * -(math.log(10000.0) / d))
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
    return pe.unsqueeze(0)


class DataEmbedding(nn.Module):
    """Token conv + (optional) sinusoid positions + timeF (Linear of the time features)."""
    def __init__(self, c, d, marks=4, pos=True, n=128):
        super().__init__()
        self.value, self.temporal = TokenEmbedding(c, d), nn.Linear(marks, d, bias=False)
        self.register_buffer('pe', sinusoid(n, d) if pos else torch.zeros(1, n, d))

    def forward(self, x, mark):
        return self.value(x) + self.pe[:, :x.shape[1]] + self.temporal(mark)


# --- Informer: ProbSparse attention, distilling ---

class ProbAttention(nn.Module):
    def __init__(self, d, h, mask_flag, factor=5, l_q=48, l_k=48, mix=False):
        super().__init__()
        self.h, self.hd, self.mask_flag, self.factor, self.mix = h, d // h, mask_flag, factor, mix
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        sample_k = min(factor * int(math.ceil(math.log(l_k))), l_k)
        g = torch.Generator().manual_seed(0)
        # Informer draws torch.randint(L_K, (L_Q, sample_k)) at every call; an export traces one draw as a constant
        self.register_buffer('index_sample', torch.randint(l_k, (l_q, sample_k), generator=g))

    def forward(self, queries, keys, values):
        b, lq, _ = queries.shape
        lk = keys.shape[1]
        Q = self.q(queries).view(b, lq, self.h, self.hd).transpose(2, 1)
        K = self.k(keys).view(b, lk, self.h, self.hd).transpose(2, 1)
        V = self.v(values).view(b, lk, self.h, self.hd).transpose(2, 1)
        n_top = min(self.factor * int(math.ceil(math.log(lq))), lq)
        K_expand = K.unsqueeze(-3).expand(b, self.h, lq, lk, self.hd)
        K_sample = K_expand[:, :, torch.arange(lq).unsqueeze(1), self.index_sample, :]
        Q_K_sample = torch.matmul(Q.unsqueeze(-2), K_sample.transpose(-2, -1)).squeeze(-2)
        M = Q_K_sample.max(-1)[0] - torch.div(Q_K_sample.sum(-1), lk)
        M_top = M.topk(n_top, sorted=False)[1]
        Q_reduce = Q[torch.arange(b)[:, None, None], torch.arange(self.h)[None, :, None], M_top, :]
        scores = torch.matmul(Q_reduce, K.transpose(-2, -1)) * (1.0 / math.sqrt(self.hd))
        if self.mask_flag:
            context = V.cumsum(dim=-2)
            _mask = torch.ones(lq, lk, dtype=torch.bool).triu(1)
            indicator = _mask[None, None, :].expand(b, self.h, lq, lk)[torch.arange(b)[:, None, None], torch.arange(self.h)[None, :, None], M_top, :]
            scores = scores.masked_fill(indicator, -float('inf'))
        else:
            context = V.mean(dim=-2).unsqueeze(-2).expand(b, self.h, lq, self.hd).clone()
        attn = torch.softmax(scores, dim=-1)
        # Informer indexes with arange(B)[:, None, None] / arange(H)[None, :, None]; torch 1.13's index_put export
        # cannot broadcast them (an internal assert): the same indices expanded to M_top's shape
        bi = torch.arange(b)[:, None, None].expand(b, self.h, n_top)
        hi = torch.arange(self.h)[None, :, None].expand(b, self.h, n_top)
        context[bi, hi, M_top, :] = torch.matmul(attn, V)
        out = context.transpose(2, 1).contiguous()  # [B, L, H, d]
        if self.mix:
            out = out.transpose(2, 1).contiguous()
        return self.o(out.view(b, lq, -1))


class FullAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.hd = h, d // h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, kv, vv=None):
        b, l, _ = x.shape
        s = kv.shape[1]
        q = self.q(x).view(b, l, self.h, self.hd)
        k = self.k(kv).view(b, s, self.h, self.hd)
        v = self.v(kv if vv is None else vv).view(b, s, self.h, self.hd)
        a = torch.softmax(torch.einsum('blhe,bshe->bhls', q, k) / math.sqrt(self.hd), -1)
        return self.o(torch.einsum('bhls,bshd->blhd', a, v).reshape(b, l, -1))


class FF(nn.Module):
    def __init__(self, d, act=F.gelu):
        super().__init__()
        self.c1, self.c2, self.act = nn.Conv1d(d, 4 * d, 1), nn.Conv1d(4 * d, d, 1), act

    def forward(self, x):
        return self.c2(self.act(self.c1(x.transpose(-1, 1)))).transpose(-1, 1)


class DistilConv(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.conv, self.norm = nn.Conv1d(d, d, 3, padding=1, padding_mode='circular'), nn.BatchNorm1d(d)
        self.norm.running_mean.normal_(0, 0.1)
        self.norm.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        return F.max_pool1d(F.elu(self.norm(self.conv(x.permute(0, 2, 1)))), 3, 2, 1).transpose(1, 2)


class Informer(nn.Module):
    def __init__(self, c=7, d=64, h=4, seq=48, label=24, pred=12):
        super().__init__()
        self.pred = pred
        self.enc_emb, self.dec_emb = DataEmbedding(c, d), DataEmbedding(c, d)
        self.enc = nn.ModuleList([nn.ModuleDict({'attn': ProbAttention(d, h, False, l_q=seq, l_k=seq), 'n1': nn.LayerNorm(d), 'ff': FF(d), 'n2': nn.LayerNorm(d)}),
                                  nn.ModuleDict({'attn': ProbAttention(d, h, False, l_q=seq // 2, l_k=seq // 2), 'n1': nn.LayerNorm(d), 'ff': FF(d), 'n2': nn.LayerNorm(d)})])
        self.distil = DistilConv(d)
        self.enc_norm = nn.LayerNorm(d)
        L = label + pred
        self.dec = nn.ModuleDict({'self': ProbAttention(d, h, True, l_q=L, l_k=L, mix=True), 'n1': nn.LayerNorm(d), 'cross': FullAttention(d, h),
                                  'n2': nn.LayerNorm(d), 'ff': FF(d), 'n3': nn.LayerNorm(d)})
        self.dec_norm, self.projection = nn.LayerNorm(d), nn.Linear(d, c)

    def forward(self, x_enc, x_mark_enc, x_dec, x_mark_dec):
        x = self.enc_emb(x_enc, x_mark_enc)
        for i, L in enumerate(self.enc):
            x = L['n1'](x + L['attn'](x, x, x))
            x = L['n2'](x + L['ff'](x))
            if i == 0:
                x = self.distil(x)
        mem = self.enc_norm(x)
        y = self.dec_emb(x_dec, x_mark_dec)
        D = self.dec
        y = D['n1'](y + D['self'](y, y, y))
        y = D['n2'](y + D['cross'](y, mem))
        y = D['n3'](y + D['ff'](y))
        return self.projection(self.dec_norm(y))[:, -self.pred:, :]


def informer_inputs(b=2, c=7, seq=48, label=24, pred=12):
    x = torch.randn(b, seq, c).cumsum(1) * 0.3
    dec = torch.cat([x[:, -label:], torch.zeros(b, pred, c)], 1)
    return x, torch.rand(b, seq, 4) - 0.5, dec, torch.rand(b, label + pred, 4) - 0.5


# --- Autoformer / FEDformer ---

class SeriesDecomp(nn.Module):
    def __init__(self, k=25):
        super().__init__()
        self.k = k

    def forward(self, x):
        front = x[:, 0:1, :].repeat(1, (self.k - 1) // 2, 1)
        end = x[:, -1:, :].repeat(1, (self.k - 1) // 2, 1)
        xx = torch.cat([front, x, end], dim=1)
        mean = F.avg_pool1d(xx.permute(0, 2, 1), self.k, 1).permute(0, 2, 1)
        return x - mean, mean


class MyLayernorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln = nn.LayerNorm(d)

    def forward(self, x):
        x_hat = self.ln(x)
        return x_hat - torch.mean(x_hat, dim=1).unsqueeze(1).repeat(1, x.shape[1], 1)


class AutoCorrelation(nn.Module):
    """Auto-Correlation (inference path): circular cross-correlation by DFT, top-k delays, values rolled by gather."""
    def __init__(self, h, hd, L, S, factor=1):
        super().__init__()
        self.factor, self.L = factor, L
        c, s, ci, si = dft_tables(L)
        for n, t in (('c', c), ('s', s), ('ci', ci), ('si', si)):
            self.register_buffer(n, t)

    def forward(self, q, k, v):
        b, L, h, e = q.shape
        S = v.shape[1]
        if L > S:
            v = torch.cat([v, torch.zeros_like(q[:, :(L - S), :]).float()], dim=1)
            k = torch.cat([k, torch.zeros_like(q[:, :(L - S), :]).float()], dim=1)
        else:
            v, k = v[:, :L, :, :], k[:, :L, :, :]
        qp, kp = q.permute(0, 2, 3, 1), k.permute(0, 2, 3, 1)  # [B, H, E, L]
        q_re, q_im = qp @ self.c, -(qp @ self.s)
        k_re, k_im = kp @ self.c, -(kp @ self.s)
        # q_fft * conj(k_fft), then irfft(n=L)
        r_re, r_im = q_re * k_re + q_im * k_im, q_im * k_re - q_re * k_im
        corr = r_re @ self.ci - r_im @ self.si
        values = v.permute(0, 2, 3, 1)
        top_k = int(self.factor * math.log(L))
        mean_value = torch.mean(torch.mean(corr, dim=1), dim=1)
        weights, delay = torch.topk(mean_value, top_k, dim=-1)
        tmp_corr = torch.softmax(weights, dim=-1)
        tmp_values = values.repeat(1, 1, 1, 2)
        init_index = torch.arange(L).unsqueeze(0).unsqueeze(0).unsqueeze(0).repeat(b, h, e, 1)
        delays_agg = torch.zeros_like(values).float()
        for i in range(top_k):
            tmp_delay = init_index + delay[:, i].unsqueeze(1).unsqueeze(1).unsqueeze(1).repeat(1, h, e, L)
            pattern = torch.gather(tmp_values, dim=-1, index=tmp_delay)
            delays_agg = delays_agg + pattern * tmp_corr[:, i].unsqueeze(1).unsqueeze(1).unsqueeze(1).repeat(1, h, e, L)
        return delays_agg.permute(0, 3, 1, 2)


class FourierBlock(nn.Module):
    """FEDformer's FourierBlock (modes 'low'): q's lowest modes times complex weights, back by irfft."""
    def __init__(self, h, hd, L, S, modes=8):
        super().__init__()
        self.modes = modes
        c, s, ci, si = dft_tables(L, modes)
        _, _, ci_full, si_full = dft_tables(L)
        for n, t in (('c', c), ('s', s), ('ci', ci_full[:modes]), ('si', si_full[:modes])):
            self.register_buffer(n, t)
        scale = 1 / (h * hd * h * hd)
        self.w_re = nn.Parameter(scale * torch.rand(h, hd, hd, modes))
        self.w_im = nn.Parameter(scale * torch.rand(h, hd, hd, modes))

    def forward(self, q, k, v):
        x = q.permute(0, 2, 3, 1)  # [B, H, E, L]
        x_re, x_im = x @ self.c, -(x @ self.s)  # [B, H, E, modes]
        o_re = torch.einsum('bhix,hiox->bhox', x_re, self.w_re) - torch.einsum('bhix,hiox->bhox', x_im, self.w_im)
        o_im = torch.einsum('bhix,hiox->bhox', x_re, self.w_im) + torch.einsum('bhix,hiox->bhox', x_im, self.w_re)
        return (o_re @ self.ci - o_im @ self.si).permute(0, 3, 1, 2)


class FourierCross(nn.Module):
    """FEDformer's FourierCrossAttention (activation 'softmax'): modes of q and k, softmax of |q_ft · k_ft|."""
    def __init__(self, h, hd, L, S, modes=8):
        super().__init__()
        cq, sq, _, _ = dft_tables(L, modes)
        ck, sk, _, _ = dft_tables(S, modes)
        _, _, ci, si = dft_tables(L)
        for n, t in (('cq', cq), ('sq', sq), ('ck', ck), ('sk', sk), ('ci', ci[:modes]), ('si', si[:modes])):
            self.register_buffer(n, t)
        self.hd = hd
        scale = 1 / (h * hd * h * hd)
        self.w_re = nn.Parameter(scale * torch.rand(h, hd, hd, modes))
        self.w_im = nn.Parameter(scale * torch.rand(h, hd, hd, modes))

    def forward(self, q, k, v):
        xq, xk = q.permute(0, 2, 3, 1), k.permute(0, 2, 3, 1)
        q_re, q_im = xq @ self.cq, -(xq @ self.sq)
        k_re, k_im = xk @ self.ck, -(xk @ self.sk)
        qk_re = torch.einsum('bhex,bhey->bhxy', q_re, k_re) - torch.einsum('bhex,bhey->bhxy', q_im, k_im)
        qk_im = torch.einsum('bhex,bhey->bhxy', q_re, k_im) + torch.einsum('bhex,bhey->bhxy', q_im, k_re)
        a = torch.softmax(torch.sqrt(qk_re * qk_re + qk_im * qk_im), dim=-1)  # complex(softmax(|.|), 0)
        v_re, v_im = torch.einsum('bhxy,bhey->bhex', a, k_re), torch.einsum('bhxy,bhey->bhex', a, k_im)
        o_re = torch.einsum('bhex,heox->bhox', v_re, self.w_re) - torch.einsum('bhex,heox->bhox', v_im, self.w_im)
        o_im = torch.einsum('bhex,heox->bhox', v_re, self.w_im) + torch.einsum('bhex,heox->bhox', v_im, self.w_re)
        out = (o_re @ self.ci - o_im @ self.si) / self.hd / self.hd
        return out.permute(0, 3, 1, 2)


class CorrLayer(nn.Module):
    def __init__(self, inner, d, h):
        super().__init__()
        self.h, self.inner = h, inner
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, kv):
        b, L, _ = x.shape
        S = kv.shape[1]
        q = self.q(x).view(b, L, self.h, -1)
        k = self.k(kv).view(b, S, self.h, -1)
        v = self.v(kv).view(b, S, self.h, -1)
        return self.o(self.inner(q, k, v).reshape(b, L, -1))


class DecompFormer(nn.Module):
    """Autoformer (kind 'auto') or FEDformer (kind 'fourier'): encoder / decoder with series decomposition."""
    def __init__(self, kind, c=7, d=64, h=4, seq=96, label=48, pred=24):
        super().__init__()
        self.label, self.pred = label, pred
        hd, Ld = d // h, label + pred
        mk_self = (lambda L: AutoCorrelation(h, hd, L, L)) if kind == 'auto' else (lambda L: FourierBlock(h, hd, L, L))
        mk_cross = (lambda: AutoCorrelation(h, hd, Ld, seq)) if kind == 'auto' else (lambda: FourierCross(h, hd, Ld, seq))
        self.decomp = SeriesDecomp()
        self.enc_emb, self.dec_emb = DataEmbedding(c, d, pos=False), DataEmbedding(c, d, pos=False)
        self.enc = nn.ModuleList(nn.ModuleDict({'attn': CorrLayer(mk_self(seq), d, h), 'ff': FF(d, F.gelu)}) for _ in range(2))
        self.enc_norm = MyLayernorm(d)
        self.dec = nn.ModuleDict({'self': CorrLayer(mk_self(Ld), d, h), 'cross': CorrLayer(mk_cross(), d, h), 'ff': FF(d, F.gelu),
                                  'trend': nn.Conv1d(d, c, 3, padding=1, padding_mode='circular', bias=False)})
        self.dec_norm, self.projection = MyLayernorm(d), nn.Linear(d, c)

    def forward(self, x_enc, x_mark_enc, x_mark_dec):
        mean = torch.mean(x_enc, dim=1).unsqueeze(1).repeat(1, self.pred, 1)
        zeros = torch.zeros(x_enc.shape[0], self.pred, x_enc.shape[2])
        seasonal_init, trend_init = self.decomp(x_enc)
        trend_init = torch.cat([trend_init[:, -self.label:, :], mean], dim=1)
        seasonal_init = torch.cat([seasonal_init[:, -self.label:, :], zeros], dim=1)
        x = self.enc_emb(x_enc, x_mark_enc)
        for L in self.enc:
            x, _ = self.decomp(x + L['attn'](x, x))
            x, _ = self.decomp(x + L['ff'](x))
        mem = self.enc_norm(x)
        y = self.dec_emb(seasonal_init, x_mark_dec)
        D = self.dec
        y, t1 = self.decomp(y + D['self'](y, y))
        y, t2 = self.decomp(y + D['cross'](y, mem))
        y, t3 = self.decomp(y + D['ff'](y))
        trend = trend_init + D['trend']((t1 + t2 + t3).permute(0, 2, 1)).transpose(1, 2)
        out = trend + self.projection(self.dec_norm(y))
        return out[:, -self.pred:, :]


def decomp_inputs(b=2, c=7, seq=96, label=48, pred=24):
    return torch.randn(b, seq, c).cumsum(1) * 0.3, torch.rand(b, seq, 4) - 0.5, torch.rand(b, label + pred, 4) - 0.5


# --- N-HiTS ---

class NHitsBlock(nn.Module):
    def __init__(self, L, h, pool, knots, hidden=64):
        super().__init__()
        self.L, self.h, self.pool = L, h, pool
        self.mlp = nn.Sequential(nn.Linear(int(math.ceil(L / pool)), hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, L + knots))

    def forward(self, y):
        x = F.max_pool1d(y.unsqueeze(1), self.pool, self.pool, ceil_mode=True).squeeze(1)
        theta = self.mlp(x)
        backcast, knots = theta[:, :self.L], theta[:, self.L:]
        forecast = F.interpolate(knots[:, None, :], size=self.h, mode='linear', align_corners=False)[:, 0]
        return backcast, forecast


class NHits(nn.Module):
    def __init__(self, L=96, h=24, pools=(8, 4, 1), downsample=(12, 4, 1)):
        super().__init__()
        self.blocks = nn.ModuleList(NHitsBlock(L, h, p, max(h // f, 1)) for p, f in zip(pools, downsample))

    def forward(self, insample_y, insample_mask):
        residuals = insample_y.flip(dims=(-1,))
        mask = insample_mask.flip(dims=(-1,))
        forecast = insample_y[:, -1:]
        for blk in self.blocks:
            backcast, f = blk(residuals)
            residuals = (residuals - backcast) * mask
            forecast = forecast + f
        return forecast


# --- TiDE ---

class ResBlock(nn.Module):
    def __init__(self, i, hid, o, ln=True):
        super().__init__()
        self.l1, self.l2, self.skip = nn.Linear(i, hid), nn.Linear(hid, o), nn.Linear(i, o)
        self.ln = nn.LayerNorm(o) if ln else None

    def forward(self, x):
        y = self.l2(F.relu(self.l1(x))) + self.skip(x)
        return self.ln(y) if self.ln is not None else y


class TiDE(nn.Module):
    def __init__(self, L=96, h=24, cov=4, cov_proj=4, hidden=64, dec_out=8, stat=3):
        super().__init__()
        self.L, self.h, self.dec_out = L, h, dec_out
        self.feature_projection = ResBlock(cov, hidden, cov_proj)
        enc_in = L + (L + h) * cov_proj + stat
        self.dense_encoder = nn.Sequential(ResBlock(enc_in, hidden, hidden), ResBlock(hidden, hidden, hidden))
        self.dense_decoder = nn.Sequential(ResBlock(hidden, hidden, hidden), ResBlock(hidden, hidden, dec_out * h))
        self.temporal_decoder = ResBlock(dec_out + cov_proj, hidden, 1)
        self.global_skip = nn.Linear(L, h)

    def forward(self, insample_y, futr_exog, stat_exog):
        b = insample_y.shape[0]
        xf = self.feature_projection(futr_exog)  # [B, L + h, cov_proj]
        x = torch.cat([insample_y, xf.reshape(b, -1), stat_exog], dim=1)
        x = self.dense_decoder(self.dense_encoder(x)).view(b, self.h, self.dec_out)
        x = self.temporal_decoder(torch.cat([x, xf[:, self.L:]], dim=2)).squeeze(-1)
        return x + self.global_skip(insample_y)


# --- Crossformer ---

class MHA(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.hd = h, d // h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, kv):
        b, l, _ = x.shape
        s = kv.shape[1]
        q = self.q(x).view(b, l, self.h, self.hd)
        k = self.k(kv).view(b, s, self.h, self.hd)
        v = self.v(kv).view(b, s, self.h, self.hd)
        a = torch.softmax(torch.einsum('blhe,bshe->bhls', q, k) / math.sqrt(self.hd), -1)
        return self.o(torch.einsum('bhls,bshd->blhd', a, v).contiguous().view(b, l, -1))


class TSA(nn.Module):
    """Two-stage attention: across time per variable, then across variables through `factor` router tokens per segment."""
    def __init__(self, seg_num, d, h, factor=4):
        super().__init__()
        self.time_attention, self.dim_sender, self.dim_receiver = MHA(d, h), MHA(d, h), MHA(d, h)
        self.router = nn.Parameter(torch.randn(seg_num, factor, d))
        self.norm1, self.norm2, self.norm3, self.norm4 = (nn.LayerNorm(d) for _ in range(4))
        self.mlp1 = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        self.mlp2 = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):
        b, ts_d, seg_num, d = x.shape
        time_in = x.reshape(b * ts_d, seg_num, d)
        dim_in = self.norm1(time_in + self.time_attention(time_in, time_in))
        dim_in = self.norm2(dim_in + self.mlp1(dim_in))
        dim_send = dim_in.view(b, ts_d, seg_num, d).permute(0, 2, 1, 3).reshape(b * seg_num, ts_d, d)
        batch_router = self.router.unsqueeze(0).expand(b, -1, -1, -1).reshape(b * seg_num, -1, d)
        dim_buffer = self.dim_sender(batch_router, dim_send)
        dim_enc = self.norm3(dim_send + self.dim_receiver(dim_send, dim_buffer))
        dim_enc = self.norm4(dim_enc + self.mlp2(dim_enc))
        return dim_enc.view(b, seg_num, ts_d, d).permute(0, 2, 1, 3)


class SegMerging(nn.Module):
    def __init__(self, d, win=2):
        super().__init__()
        self.win, self.norm, self.linear_trans = win, nn.LayerNorm(win * d), nn.Linear(win * d, d)

    def forward(self, x):
        seg = [x[:, :, i::self.win, :] for i in range(self.win)]
        return self.linear_trans(self.norm(torch.cat(seg, -1)))


class Crossformer(nn.Module):
    def __init__(self, c=7, in_len=96, out_len=24, seg_len=12, d=64, h=4):
        super().__init__()
        self.c, self.seg_len, self.out_len = c, seg_len, out_len
        self.in_seg, self.out_seg = in_len // seg_len, out_len // seg_len
        self.enc_value_embedding = nn.Linear(seg_len, d)
        self.enc_pos_embedding = nn.Parameter(torch.randn(1, c, self.in_seg, d))
        self.pre_norm = nn.LayerNorm(d)
        self.enc0, self.merge, self.enc1 = TSA(self.in_seg, d, h), SegMerging(d), TSA(self.in_seg // 2, d, h)
        self.dec_pos_embedding = nn.Parameter(torch.randn(1, c, self.out_seg, d))
        self.dec = nn.ModuleList(nn.ModuleDict({'self': TSA(self.out_seg, d, h), 'cross': MHA(d, h), 'norm1': nn.LayerNorm(d), 'norm2': nn.LayerNorm(d),
                                                'mlp': nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, d)), 'pred': nn.Linear(d, seg_len)})
                                 for _ in range(3))

    def forward(self, x_seq):
        b = x_seq.shape[0]
        # 'b (seg_num seg_len) d -> (b d seg_num) seg_len'
        x = x_seq.permute(0, 2, 1).reshape(b * self.c * self.in_seg, self.seg_len)
        x = self.enc_value_embedding(x).view(b, self.c, self.in_seg, -1) + self.enc_pos_embedding
        x = self.pre_norm(x)
        enc = [x]
        x = self.enc0(x)
        enc.append(x)
        x = self.enc1(self.merge(x))
        enc.append(x)
        y = self.dec_pos_embedding.expand(b, -1, -1, -1)
        final = 0.0
        for i, D in enumerate(self.dec):
            y = D['self'](y)
            mem = enc[i]
            _, ts_d, out_seg, d = y.shape
            q = y.reshape(b * ts_d, out_seg, d)
            kv = mem.reshape(b * ts_d, mem.shape[2], d)
            q = D['norm1'](q + D['cross'](q, kv))
            y2 = D['norm2'](q + D['mlp'](q))
            y = y2.view(b, ts_d, out_seg, d)
            final = final + D['pred'](y2).view(b, ts_d, out_seg * self.seg_len)
        return final.permute(0, 2, 1)[:, :self.out_len]


# --- TimeMixer ---

class TimeMixer(nn.Module):
    def __init__(self, c=7, seq=96, pred=24, d=16, layers=2, win=2, scales=2):
        super().__init__()
        self.scales, self.win, self.pred = scales, win, pred
        lens = [seq // win ** i for i in range(scales + 1)]
        self.lens = lens
        self.affine_w = nn.ParameterList(nn.Parameter(1 + 0.1 * torch.randn(1)) for _ in lens)
        self.affine_b = nn.ParameterList(nn.Parameter(0.1 * torch.randn(1)) for _ in lens)
        self.embedding = TokenEmbedding(1, d)
        self.decomp = SeriesDecomp(25)
        self.season_up = nn.ModuleList(nn.ModuleList(nn.Sequential(nn.Linear(lens[i], lens[i + 1]), nn.GELU(), nn.Linear(lens[i + 1], lens[i + 1]))
                                                     for i in range(scales)) for _ in range(layers))
        self.trend_down = nn.ModuleList(nn.ModuleList(nn.Sequential(nn.Linear(lens[i + 1], lens[i]), nn.GELU(), nn.Linear(lens[i], lens[i]))
                                                      for i in reversed(range(scales))) for _ in range(layers))
        self.out_cross = nn.ModuleList(nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)) for _ in range(layers))
        self.predict_layers = nn.ModuleList(nn.Linear(n, pred) for n in lens)
        self.projection = nn.Linear(d, 1)

    def forward(self, x_enc):
        b, t, c = x_enc.shape
        xs, x = [x_enc], x_enc.permute(0, 2, 1)
        for _ in range(self.scales):
            x = F.avg_pool1d(x, self.win)
            xs.append(x.permute(0, 2, 1))
        stats, enc = [], []
        for i, xi in enumerate(xs):  # RevIN per scale, then channel independence
            mean = xi.mean(1, keepdim=True)
            std = torch.sqrt(xi.var(1, keepdim=True, unbiased=False) + 1e-5)
            xi = (xi - mean) / std * self.affine_w[i] + self.affine_b[i]
            stats.append((mean, std))
            xi = xi.permute(0, 2, 1).reshape(b * c, -1, 1)
            enc.append(self.embedding(xi))  # [B·C, T_i, d]
        for li in range(len(self.out_cross)):
            seasons, trends = [], []
            for e in enc:
                s, tr = self.decomp(e)
                seasons.append(s.permute(0, 2, 1))
                trends.append(tr.permute(0, 2, 1))
            out_s = [seasons[0]]  # bottom-up
            high = seasons[0]
            for i in range(self.scales):
                low = seasons[i + 1] + self.season_up[li][i](high)
                high = low
                out_s.append(high)
            rev = trends[::-1]  # top-down
            low = rev[0]
            out_t = [low]
            for i in range(self.scales):
                high = rev[i + 1] + self.trend_down[li][i](low)
                low = high
                out_t.append(low)
            out_t = out_t[::-1]
            enc = [e + self.out_cross[li](s.permute(0, 2, 1) + tr.permute(0, 2, 1)) for e, s, tr in zip(enc, out_s, out_t)]
        dec = 0.0
        for i, e in enumerate(enc):
            y = self.projection(self.predict_layers[i](e.permute(0, 2, 1)).permute(0, 2, 1))  # [B·C, pred, 1]
            dec = dec + y.reshape(b, c, self.pred).permute(0, 2, 1)
        mean, std = stats[0]
        return (dec - self.affine_b[0]) / (self.affine_w[0] + 1e-10) * std + mean


# --- SegRNN ---

class SegRNN(nn.Module):
    def __init__(self, c=7, seq=96, pred=24, seg_len=12, d=64):
        super().__init__()
        self.c, self.seg_len, self.d = c, seg_len, d
        self.seg_x, self.seg_y = seq // seg_len, pred // seg_len
        self.valueEmbedding = nn.Sequential(nn.Linear(seg_len, d), nn.ReLU())
        self.rnn = nn.GRU(d, d, batch_first=True)
        self.pos_emb = nn.Parameter(torch.randn(self.seg_y, d // 2))
        self.channel_emb = nn.Parameter(torch.randn(c, d // 2))
        self.predict = nn.Linear(d, seg_len)

    def forward(self, x):
        b = x.shape[0]
        seq_last = x[:, -1:, :].detach()
        x = (x - seq_last).permute(0, 2, 1)
        x = self.valueEmbedding(x.reshape(-1, self.seg_x, self.seg_len))
        _, hn = self.rnn(x)  # [1, B·C, d]
        pos_emb = torch.cat([self.pos_emb.unsqueeze(0).repeat(self.c, 1, 1),
                             self.channel_emb.unsqueeze(1).repeat(1, self.seg_y, 1)], dim=-1).view(-1, 1, self.d).repeat(b, 1, 1)
        _, hy = self.rnn(pos_emb, hn.repeat(1, 1, self.seg_y).view(1, -1, self.d))
        y = self.predict(hy).view(-1, self.c, self.seg_y * self.seg_len)
        return y.permute(0, 2, 1) + seq_last


def nhits_inputs(b=2, L=96):
    mask = torch.ones(b, L)
    mask[1, :10] = 0
    return torch.randn(b, L).cumsum(-1), mask


MODELS = {
    'informer': lambda: (Informer().eval(), informer_inputs(), {'names': ['x_enc', 'x_mark_enc', 'x_dec', 'x_mark_dec'], 'outputs': ['forecast'], 'opset': 14}),
    'autoformer': lambda: (DecompFormer('auto').eval(), decomp_inputs(), {'names': ['x_enc', 'x_mark_enc', 'x_mark_dec'], 'outputs': ['forecast'], 'opset': 14}),
    'fedformer': lambda: (DecompFormer('fourier').eval(), decomp_inputs(), {'names': ['x_enc', 'x_mark_enc', 'x_mark_dec'], 'outputs': ['forecast'], 'opset': 14}),
    'nhits': lambda: (NHits().eval(), nhits_inputs(), {'names': ['insample_y', 'insample_mask'], 'outputs': ['forecast'], 'opset': 13,
                                                       'dynamic': {'insample_y': {0: 'batch'}, 'insample_mask': {0: 'batch'}}}),
    'tide': lambda: (TiDE().eval(), (torch.randn(2, 96).cumsum(-1), torch.randn(2, 120, 4), torch.randn(2, 3)),
                     {'names': ['insample_y', 'futr_exog', 'stat_exog'], 'outputs': ['forecast'], 'opset': 13,
                      'dynamic': {'insample_y': {0: 'batch'}, 'futr_exog': {0: 'batch'}, 'stat_exog': {0: 'batch'}}}),
    'crossformer': lambda: (Crossformer().eval(), torch.randn(2, 96, 7), {'names': ['x_seq'], 'outputs': ['forecast'], 'opset': 14}),
    'timemixer': lambda: (TimeMixer().eval(), torch.randn(2, 96, 7).cumsum(1), {'names': ['x_enc'], 'outputs': ['forecast'], 'opset': 14,
                                                                                'dynamic': {'x_enc': {0: 'batch'}}}),
    'segrnn': lambda: (SegRNN().eval(), torch.randn(2, 96, 7).cumsum(1), {'names': ['x_enc'], 'outputs': ['forecast'], 'opset': 14,
                                                                          'dynamic': {'x_enc': {0: 'batch'}}}),
}
