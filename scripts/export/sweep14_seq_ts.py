"""Fourteenth sweep: time-series forecasters and a dense graph network as their projects write them (random weights,
small widths): Chronos-Bolt (NaN-aware instance norm, NaN-padded patches with their mask, residual patch embedding,
T5 encoder with a [REG] token and relative position buckets, one decoder query, quantile head, denormalised),
TimesFM 1.0 (patched decoder: masked mean / std of the first well-filled patch, residual input block, frequency
embedding, causal stacked decoder with per-dim query scale, horizon block), the Temporal Fusion Transformer
(pytorch-forecasting: variable selection networks of gated residual networks, LSTM encoder / decoder, static
enrichment, interpretable multi-head attention with a shared value, quantile outputs), iTransformer (variates as
tokens, RevIN), DLinear (moving-average decomposition with repeated ends, per-channel Linears written into a zeros
tensor) , TSMixer (time / feature mixing MLPs) and pyGAT's dense GAT (LeakyReLU scores, where(adj > 0, e, -9e15),
multi-head concat, log_softmax). Models in MODELS, exported by sweep14_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep7_seq_text import t5_bucket


def nanmean(x, dim):
    """torch.nanmean (no torch 1.13 export) as torch computes it: the sum of the non-NaN values over their count."""
    ok = ~torch.isnan(x)
    return torch.where(ok, x, torch.zeros_like(x)).sum(dim, keepdim=True) / ok.sum(dim, keepdim=True)


class ResidualBlock(nn.Module):
    def __init__(self, i, h, o, act=nn.ReLU):
        super().__init__()
        self.hidden_layer, self.act, self.output_layer, self.residual_layer = nn.Linear(i, h), act(), nn.Linear(h, o), nn.Linear(i, o)

    def forward(self, x):
        return self.output_layer(self.act(self.hidden_layer(x))) + self.residual_layer(x)


class T5Norm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(1.0 + 0.1 * torch.randn(d))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))


class T5Attn(nn.Module):
    def __init__(self, d, h, rel=False):
        super().__init__()
        self.h, self.hd = h, d // h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.rel = nn.Embedding(32, h) if rel else None

    def forward(self, x, kv, bias):
        b, t, _ = x.shape
        s = kv.shape[1]
        q = self.q(x).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k(kv).view(b, s, self.h, self.hd).transpose(1, 2)
        v = self.v(kv).view(b, s, self.h, self.hd).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(3, 2) + bias, -1) @ v
        return self.o(a.transpose(1, 2).reshape(b, t, -1))


class ChronosBolt(nn.Module):
    def __init__(self, patch=16, d=64, h=4, ff=128, layers=2, quantiles=9, pred=32):
        super().__init__()
        self.patch, self.quantiles, self.pred = patch, quantiles, pred
        self.input_patch_embedding = ResidualBlock(2 * patch, ff, d)
        self.shared = nn.Embedding(2, d)  # [PAD] 0 / [REG] 1
        self.enc = nn.ModuleList(nn.ModuleDict({'n1': T5Norm(d), 'sa': T5Attn(d, h, rel=i == 0), 'n2': T5Norm(d),
                                                'wi': nn.Linear(d, ff, bias=False), 'wo': nn.Linear(ff, d, bias=False)}) for i in range(layers))
        self.enc_norm = T5Norm(d)
        self.dec = nn.ModuleDict({'n1': T5Norm(d), 'sa': T5Attn(d, h, rel=True), 'n2': T5Norm(d), 'ca': T5Attn(d, h), 'n3': T5Norm(d),
                                  'wi': nn.Linear(d, ff, bias=False), 'wo': nn.Linear(ff, d, bias=False)})
        self.dec_norm = T5Norm(d)
        self.output_patch_embedding = ResidualBlock(d, ff, quantiles * pred)

    def forward(self, context):
        b = context.shape[0]
        mask = (~torch.isnan(context)).to(context.dtype)
        loc = torch.nan_to_num(nanmean(context, -1), nan=0.0)
        scale = torch.nan_to_num(nanmean((context - loc).square(), -1).sqrt(), nan=1.0)
        scale = torch.where(scale == 0, torch.abs(loc) + 1e-5, scale)
        x = (context - loc) / scale
        length = context.shape[-1]
        if length % self.patch != 0:
            pad = self.patch - length % self.patch
            x = torch.cat((torch.full((b, pad), float('nan')), x), dim=-1)
            mask = torch.cat((torch.zeros(b, pad), mask), dim=-1)
        # Patch: x.unfold(-1, patch, patch); torch 1.13 cannot export unfold of a value with a traced size, and with
        # step == size it is this view
        px = x.view(b, -1, self.patch)
        pm = torch.nan_to_num(mask.view(b, -1, self.patch), nan=0.0)
        px = torch.where(pm > 0.0, px, torch.zeros_like(px))
        emb = self.input_patch_embedding(torch.cat([px, pm], dim=-1))
        attention_mask = pm.sum(dim=-1) > 0
        reg = self.shared(torch.ones(b, 1, dtype=torch.long))
        emb = torch.cat([emb, reg], dim=-2)
        attention_mask = torch.cat([attention_mask, torch.ones(b, 1, dtype=torch.bool)], dim=-1)
        n = emb.shape[1]
        pos = torch.arange(n)
        enc_bias = self.enc[0]['sa'].rel(t5_bucket(pos[None, :] - pos[:, None], True)).permute(2, 0, 1)[None]
        pad_bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        enc_bias = enc_bias + pad_bias
        hs = emb
        for L in self.enc:
            hs = hs + L['sa'](L['n1'](hs), L['n1'](hs), enc_bias)
            hs = hs + L['wo'](F.relu(L['wi'](L['n2'](hs))))
        hs = self.enc_norm(hs)
        y = self.shared(torch.zeros(b, 1, dtype=torch.long))
        D = self.dec
        self_bias = D['sa'].rel(t5_bucket(torch.zeros(1, 1, dtype=torch.long), bidirectional=False)).permute(2, 0, 1)[None]
        y = y + D['sa'](D['n1'](y), D['n1'](y), self_bias)
        y = y + D['ca'](D['n2'](y), hs, pad_bias)
        y = y + D['wo'](F.relu(D['wi'](D['n3'](y))))
        q = self.output_patch_embedding(self.dec_norm(y)).view(b, self.quantiles, self.pred)
        return q * scale.unsqueeze(-1) + loc.unsqueeze(-1)


# --- TimesFM 1.0 patched decoder ---

class TimesFM(nn.Module):
    def __init__(self, patch=32, horizon=32, d=64, h=4, layers=2, quantiles=9):
        super().__init__()
        self.patch, self.horizon, self.h, self.hd, self.d, self.nq = patch, horizon, h, d // h, d, quantiles + 1
        self.input_ff_layer = ResidualBlock(2 * patch, d, d, nn.SiLU)
        self.freq_emb = nn.Embedding(3, d)
        self.L = nn.ModuleList(nn.ModuleDict({'n1': T5Norm(d), 'qkv': nn.Linear(d, 3 * d), 'o': nn.Linear(d, d), 'n2': nn.LayerNorm(d),
                                              'ff1': nn.Linear(d, 2 * d), 'ff2': nn.Linear(2 * d, d)}) for _ in range(layers))
        self.per_dim_scale = nn.ParameterList(nn.Parameter(0.1 * torch.randn(self.hd)) for _ in range(layers))
        self.horizon_ff_layer = ResidualBlock(d, d, horizon * self.nq, nn.SiLU)

    def pos_emb(self, n):
        position = torch.arange(n, dtype=torch.float32).unsqueeze(1)
        num_timescales = self.d // 2
        inv = torch.exp(torch.arange(num_timescales, dtype=torch.float32) * -(math.log(10000.0) / max(num_timescales - 1, 1)))
        t = position * inv.unsqueeze(0)
        return torch.cat([torch.sin(t), torch.cos(t)], dim=1)

    def forward(self, input_ts, input_padding, freq):
        b = input_ts.shape[0]
        x = input_ts.view(b, -1, self.patch)
        p = input_padding.view(b, -1, self.patch)
        # _masked_mean_std: statistics of the first patch with at least 3 unpadded values
        pad_sum = torch.sum(1 - p, dim=2)
        first = torch.argmax((pad_sum >= 3).to(torch.int32), dim=1)
        idx = first[:, None, None].expand(b, 1, self.patch)
        arr = torch.gather(x, 1, idx).squeeze(1)
        pad = torch.gather(p, 1, idx).squeeze(1)
        m = 1 - pad
        cnt = torch.clamp(m.sum(1), min=1.0)
        mu = (arr * m).sum(1) / cnt
        sigma = torch.sqrt(torch.clamp(((arr - mu[:, None]) ** 2 * m).sum(1) / cnt, min=0.0))
        x = (x - mu[:, None, None]) / torch.where(sigma < 1e-6, torch.ones_like(sigma), sigma)[:, None, None]
        x = torch.where(torch.abs(p - 1.0) < 1e-6, torch.zeros_like(x), x)
        hs = self.input_ff_layer(torch.cat([x, p], dim=-1))
        patch_pad = torch.min(p, dim=-1)[0]
        n = hs.shape[1]
        hs = hs + self.pos_emb(n)[None] + self.freq_emb(freq)
        causal = torch.triu(torch.ones(n, n), diagonal=1)[None, None] * -2.3819763e38
        pad_bias = (patch_pad[:, None, None, :] * -2.3819763e38)
        bias = torch.minimum(causal, pad_bias)
        r_softplus_0 = 1.442695041
        for i, L in enumerate(self.L):
            # TimesFMAttention: split of qkv_proj, views, per-dim scaling of q before the heads-first moves
            xq, xk, xv = L['qkv'](L['n1'](hs)).split([self.d, self.d, self.d], dim=-1)
            xq, xk, xv = (z.view(b, -1, self.h, self.hd) for z in (xq, xk, xv))
            xq = xq * (r_softplus_0 / math.sqrt(self.hd)) * F.softplus(self.per_dim_scale[i])
            q, k, v = xq.transpose(1, 2), xk.transpose(1, 2), xv.transpose(1, 2)
            a = torch.softmax(q @ k.transpose(-1, -2) + bias, -1) @ v
            hs = hs + L['o'](a.transpose(1, 2).reshape(b, n, -1))
            hs = hs + L['ff2'](F.gelu(L['ff1'](L['n2'](hs))))
        out = self.horizon_ff_layer(hs).view(b, n, self.horizon, self.nq)
        return out * sigma[:, None, None, None] + mu[:, None, None, None]


# --- Temporal Fusion Transformer (pytorch-forecasting's sub-modules) ---

class GRN(nn.Module):
    def __init__(self, i, hdim, o, context=None):
        super().__init__()
        self.skip = nn.Linear(i, o) if i != o else None
        self.fc1, self.fc2 = nn.Linear(i, hdim), nn.Linear(hdim, hdim)
        self.context = nn.Linear(context, hdim, bias=False) if context else None
        self.glu, self.norm = nn.Linear(hdim, 2 * o), nn.LayerNorm(o)

    def forward(self, x, c=None):
        r = self.skip(x) if self.skip is not None else x
        a = self.fc1(x)
        if c is not None:
            a = a + self.context(c)
        a = self.fc2(F.elu(a))
        return self.norm(F.glu(self.glu(a), dim=-1) + r)


class VSN(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.prescalers = nn.ModuleList(nn.Linear(1, d) for _ in range(n))
        self.flattened_grn = GRN(n * d, d, n)
        self.single = nn.ModuleList(GRN(d, d, d) for _ in range(n))

    def forward(self, x):  # [B, T, n]
        emb = [p(x[..., i:i + 1]) for i, p in enumerate(self.prescalers)]
        w = torch.softmax(self.flattened_grn(torch.cat(emb, -1)), -1).unsqueeze(-2)  # [B, T, 1, n]
        var = torch.stack([g(e) for g, e in zip(self.single, emb)], dim=-1)  # [B, T, d, n]
        return (var * w).sum(-1)


class GateAddNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.glu, self.norm = nn.Linear(d, 2 * d), nn.LayerNorm(d)

    def forward(self, x, skip):
        return self.norm(F.glu(self.glu(x), dim=-1) + skip)


class TFT(nn.Module):
    def __init__(self, n_enc=4, n_dec=2, d=32, h=4, quantiles=7):
        super().__init__()
        self.h, self.d = h, d
        self.enc_vsn, self.dec_vsn = VSN(n_enc, d), VSN(n_dec, d)
        self.lstm_encoder, self.lstm_decoder = nn.LSTM(d, d, batch_first=True), nn.LSTM(d, d, batch_first=True)
        self.post_lstm_gate = GateAddNorm(d)
        self.static_enrichment = GRN(d, d, d)
        self.q, self.k = nn.Linear(d, d), nn.Linear(d, d)
        self.v, self.out = nn.Linear(d, d // h), nn.Linear(d // h, d)
        self.post_attn_gate = GateAddNorm(d)
        self.pos_wise_ff = GRN(d, d, d)
        self.pre_output_gate = GateAddNorm(d)
        self.output_layer = nn.Linear(d, quantiles)

    def forward(self, encoder_cont, decoder_cont):
        b, te, _ = encoder_cont.shape
        td = decoder_cont.shape[1]
        e, dcd = self.enc_vsn(encoder_cont), self.dec_vsn(decoder_cont)
        eo, (hh, cc) = self.lstm_encoder(e)
        do, _ = self.lstm_decoder(dcd, (hh, cc))
        lstm_out = self.post_lstm_gate(torch.cat([eo, do], 1), torch.cat([e, dcd], 1))
        x = self.static_enrichment(lstm_out)
        n = te + td
        hd = self.d // self.h
        q = self.q(x[:, te:]).view(b, td, self.h, hd).transpose(1, 2)
        k = self.k(x).view(b, n, self.h, hd).transpose(1, 2)
        v = self.v(x)
        causal = torch.arange(n)[None, :] > (torch.arange(td)[:, None] + te)
        s = (q @ k.transpose(-1, -2) / math.sqrt(hd)).masked_fill(causal, -1e9)
        heads = torch.softmax(s, -1) @ v[:, None]
        attn = self.out(heads.mean(1))
        y = self.post_attn_gate(attn, x[:, te:])
        y = self.pos_wise_ff(y)
        y = self.pre_output_gate(y, lstm_out[:, te:])
        return self.output_layer(y)


# --- iTransformer, DLinear, TSMixer (Time-Series-Library) ---

class ITransformer(nn.Module):
    def __init__(self, seq_len=96, pred_len=24, d=64, h=4, layers=2):
        super().__init__()
        self.h, self.pred_len = h, pred_len
        self.value_embedding = nn.Linear(seq_len, d)
        self.L = nn.ModuleList(nn.ModuleDict({'q': nn.Linear(d, d), 'k': nn.Linear(d, d), 'v': nn.Linear(d, d), 'o': nn.Linear(d, d),
                                              'conv1': nn.Conv1d(d, 2 * d, 1), 'conv2': nn.Conv1d(2 * d, d, 1),
                                              'norm1': nn.LayerNorm(d), 'norm2': nn.LayerNorm(d)}) for _ in range(layers))
        self.norm, self.projector = nn.LayerNorm(d), nn.Linear(d, pred_len)

    def forward(self, x_enc):
        means = x_enc.mean(1, keepdim=True).detach()
        x = x_enc - means
        stdev = torch.sqrt(torch.var(x, dim=1, keepdim=True, unbiased=False) + 1e-5)
        x = x / stdev
        b, _, n = x.shape
        x = self.value_embedding(x.permute(0, 2, 1))
        e = x.shape[-1] // self.h
        for L in self.L:
            q = L['q'](x).view(b, n, self.h, e)
            k = L['k'](x).view(b, n, self.h, e)
            v = L['v'](x).view(b, n, self.h, e)
            scores = torch.einsum('blhe,bshe->bhls', q, k)
            a = torch.softmax(scores / math.sqrt(e), dim=-1)
            out = torch.einsum('bhls,bshd->blhd', a, v).reshape(b, n, -1)
            x = L['norm1'](x + L['o'](out))
            y = L['conv2'](F.gelu(L['conv1'](x.transpose(-1, 1)))).transpose(-1, 1)
            x = L['norm2'](x + y)
        dec = self.projector(self.norm(x)).permute(0, 2, 1)[:, :, :n]
        return dec * stdev[:, 0, :].unsqueeze(1).repeat(1, self.pred_len, 1) + means[:, 0, :].unsqueeze(1).repeat(1, self.pred_len, 1)


class DLinear(nn.Module):
    def __init__(self, seq_len=96, pred_len=24, channels=7, kernel=25):
        super().__init__()
        self.kernel, self.channels, self.pred_len = kernel, channels, pred_len
        self.avg = nn.AvgPool1d(kernel_size=kernel, stride=1, padding=0)
        self.Linear_Seasonal = nn.ModuleList(nn.Linear(seq_len, pred_len) for _ in range(channels))
        self.Linear_Trend = nn.ModuleList(nn.Linear(seq_len, pred_len) for _ in range(channels))

    def forward(self, x):
        front = x[:, 0:1, :].repeat(1, (self.kernel - 1) // 2, 1)
        end = x[:, -1:, :].repeat(1, (self.kernel - 1) // 2, 1)
        trend = self.avg(torch.cat([front, x, end], dim=1).permute(0, 2, 1)).permute(0, 2, 1)
        seasonal_init, trend_init = (x - trend).permute(0, 2, 1), trend.permute(0, 2, 1)
        seasonal_output = torch.zeros([seasonal_init.size(0), seasonal_init.size(1), self.pred_len], dtype=seasonal_init.dtype)
        trend_output = torch.zeros([trend_init.size(0), trend_init.size(1), self.pred_len], dtype=trend_init.dtype)
        for i in range(self.channels):
            seasonal_output[:, i, :] = self.Linear_Seasonal[i](seasonal_init[:, i, :])
            trend_output[:, i, :] = self.Linear_Trend[i](trend_init[:, i, :])
        return (seasonal_output + trend_output).permute(0, 2, 1)


class TSMixer(nn.Module):
    def __init__(self, seq_len=96, pred_len=24, channels=7, d=32, layers=2):
        super().__init__()
        self.temporal = nn.ModuleList(nn.Sequential(nn.Linear(seq_len, d), nn.ReLU(), nn.Linear(d, seq_len)) for _ in range(layers))
        self.channel = nn.ModuleList(nn.Sequential(nn.Linear(channels, d), nn.ReLU(), nn.Linear(d, channels)) for _ in range(layers))
        self.projection = nn.Linear(seq_len, pred_len)

    def forward(self, x_enc):
        means = x_enc.mean(1, keepdim=True)
        x = x_enc - means
        stdev = torch.sqrt(torch.var(x, dim=1, keepdim=True, unbiased=False) + 1e-5)
        x = x / stdev
        for t, c in zip(self.temporal, self.channel):
            x = x + t(x.transpose(1, 2)).transpose(1, 2)
            x = x + c(x)
        y = self.projection(x.transpose(1, 2)).transpose(1, 2)
        return y * stdev + means


# --- pyGAT: dense graph attention ---

class GraphAttentionLayer(nn.Module):
    def __init__(self, fi, fo, alpha=0.2, concat=True):
        super().__init__()
        self.fo, self.alpha, self.concat = fo, alpha, concat
        self.W = nn.Parameter(torch.empty(fi, fo))
        self.a = nn.Parameter(torch.empty(2 * fo, 1))
        nn.init.xavier_uniform_(self.W.data, gain=1.414)
        nn.init.xavier_uniform_(self.a.data, gain=1.414)
        self.leakyrelu = nn.LeakyReLU(alpha)

    def forward(self, h, adj):
        Wh = torch.mm(h, self.W)
        Wh1, Wh2 = torch.matmul(Wh, self.a[:self.fo, :]), torch.matmul(Wh, self.a[self.fo:, :])
        e = self.leakyrelu(Wh1 + Wh2.T)
        zero_vec = -9e15 * torch.ones_like(e)
        attention = F.softmax(torch.where(adj > 0, e, zero_vec), dim=1)
        h_prime = torch.matmul(attention, Wh)
        return F.elu(h_prime) if self.concat else h_prime


class GAT(nn.Module):
    def __init__(self, nfeat=16, nhid=8, nclass=5, nheads=4):
        super().__init__()
        self.attentions = nn.ModuleList(GraphAttentionLayer(nfeat, nhid) for _ in range(nheads))
        self.out_att = GraphAttentionLayer(nhid * nheads, nclass, concat=False)

    def forward(self, x, adj):
        x = torch.cat([att(x, adj) for att in self.attentions], dim=1)
        return F.log_softmax(F.elu(self.out_att(x, adj)), dim=1)


def gat_adj(n=50):
    a = (torch.rand(n, n) < 0.1).float()
    return ((a + a.T + torch.eye(n)) > 0).float()


MODELS = {
    'chronos_bolt': lambda: (ChronosBolt().eval(), torch.randn(2, 60).cumsum(-1),
                             {'names': ['context'], 'outputs': ['quantile_preds'], 'opset': 17, 'dynamic': {'context': {0: 'batch'}}}),
    'timesfm_decoder': lambda: (TimesFM().eval(), (torch.randn(2, 128).cumsum(-1), torch.cat([torch.ones(2, 40), torch.zeros(2, 88)], 1), torch.zeros(2, 1, dtype=torch.long)),
                                {'names': ['input_ts', 'input_padding', 'freq'], 'outputs': ['forecast'], 'opset': 17,
                                 'dynamic': {'input_ts': {0: 'batch', 1: 'context'}, 'input_padding': {0: 'batch', 1: 'context'}, 'freq': {0: 'batch'}}}),
    'tft_quantiles': lambda: (TFT().eval(), (torch.randn(2, 24, 4), torch.randn(2, 6, 2)),
                              {'names': ['encoder_cont', 'decoder_cont'], 'outputs': ['prediction'], 'opset': 13,
                               'dynamic': {'encoder_cont': {0: 'batch'}, 'decoder_cont': {0: 'batch'}}}),
    'itransformer': lambda: (ITransformer().eval(), torch.randn(2, 96, 7), {'names': ['x_enc'], 'outputs': ['forecast'], 'opset': 14, 'dynamic': {'x_enc': {0: 'batch'}}}),
    'dlinear_individual': lambda: (DLinear().eval(), torch.randn(2, 96, 7), {'names': ['x'], 'outputs': ['forecast'], 'opset': 13, 'dynamic': {'x': {0: 'batch'}}}),
    'tsmixer': lambda: (TSMixer().eval(), torch.randn(2, 96, 7), {'names': ['x_enc'], 'outputs': ['forecast'], 'opset': 14, 'dynamic': {'x_enc': {0: 'batch'}}}),
    'gat_dense': lambda: (GAT().eval(), (torch.randn(50, 16), gat_adj()),
                          {'names': ['x', 'adj'], 'outputs': ['log_probs'], 'opset': 13, 'dynamic': {'x': {0: 'nodes'}, 'adj': {0: 'nodes', 1: 'nodes'}}}),
}
