"""Thirteenth sweep: recurrent / state-space steps and an audio piece as their projects' inference code writes them
(random weights, small widths): Mamba's cached step (transformers' MambaMixer.slow_forward with conv_state rolled and
ssm_state), minGRU's sequential step, RWKV-6 and RWKV-7 one-token steps (ChatRWKV / the reference RNN forms: token
shift state, matrix wkv state, LoRA-made data-dependent decay), RecurrentGemma / Griffin's recurrent block (temporal
conv with its state, RG-LRU), Parakeet-TDT's decoder + joint, w2v-BERT 2.0's conformer (relative_key
distance embeddings) and Demucs v4's (htdemucs) cross-domain transformer. Models in MODELS, exported by
sweep13_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep13_seq_lm import RMSNorm


# --- Mamba (transformers MambaMixer.slow_forward, one token with cache) ---

class MambaMixer(nn.Module):
    def __init__(self, d=64, expand=2, n=16, conv=4, dt_rank=4):
        super().__init__()
        di = expand * d
        self.di, self.n, self.dt_rank = di, n, dt_rank
        self.in_proj = nn.Linear(d, 2 * di, bias=False)
        self.conv1d = nn.Conv1d(di, di, conv, groups=di, padding=conv - 1)
        self.x_proj = nn.Linear(di, dt_rank + 2 * n, bias=False)
        self.dt_proj = nn.Linear(dt_rank, di)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).expand(di, -1).contiguous())
        self.D = nn.Parameter(torch.ones(di))
        self.out_proj = nn.Linear(di, d, bias=False)

    def forward(self, x, conv_state, ssm_state):
        projected = self.in_proj(x).transpose(1, 2)
        hs, gate = projected.chunk(2, dim=1)
        conv_state = torch.roll(conv_state, shifts=-1, dims=-1)
        conv_state[:, :, -1] = hs[:, :, 0]
        hs = torch.sum(conv_state * self.conv1d.weight[:, 0, :], dim=-1) + self.conv1d.bias
        hs = F.silu(hs).unsqueeze(-1)
        ssm = self.x_proj(hs.transpose(1, 2))
        time_step, B, C = torch.split(ssm, [self.dt_rank, self.n, self.n], dim=-1)
        dt = F.softplus(self.dt_proj(time_step)).transpose(1, 2)
        A = -torch.exp(self.A_log.float())
        dA = torch.exp(A[None, :, None, :] * dt[:, :, :, None])
        dB = dt[:, :, :, None] * B[:, None, :, :].float()
        dBu = dB * hs[:, :, :, None].float()
        ssm_state = dA[:, :, 0, :] * ssm_state + dBu[:, :, 0, :]
        y = torch.matmul(ssm_state, C[:, 0, :].unsqueeze(-1))[:, :, 0].unsqueeze(-1)
        y = (y + hs * self.D[None, :, None]) * F.silu(gate)
        return self.out_proj(y.transpose(1, 2)), conv_state, ssm_state


class MambaStep(nn.Module):
    def __init__(self, vocab=256, d=64, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.mixers = nn.ModuleList(MambaMixer(d) for _ in range(layers))
        self.norms = nn.ModuleList(RMSNorm(d, eps=1e-5) for _ in range(layers))
        self.norm_f = RMSNorm(d, eps=1e-5)

    def forward(self, input_ids, *states):
        x = self.emb(input_ids)
        out = []
        for i, (m, nrm) in enumerate(zip(self.mixers, self.norms)):
            y, cs, ss = m(nrm(x), states[2 * i], states[2 * i + 1])
            x = x + y
            out += [cs, ss]
        return (F.linear(self.norm_f(x), self.emb.weight), *out)


# --- minGRU (lucidrains/minGRU-pytorch, the sequential form with prev_hidden; its parallel form is a log-space
# scan by torch.logcumsumexp, which torch 1.13 cannot export) ---

def g(x):
    return torch.where(x >= 0, x + 0.5, x.sigmoid())


def log_g(x):
    return torch.where(x >= 0, F.relu(x).add(0.5).log(), -F.softplus(-x))


class MinGRU(nn.Module):
    def __init__(self, d, expansion=1.5):
        super().__init__()
        inner = int(d * expansion)
        self.to_hidden_and_gate = nn.Linear(d, inner * 2, bias=False)
        self.to_out = nn.Linear(inner, d, bias=False)

    def forward(self, x, prev_hidden):
        hidden, gate = self.to_hidden_and_gate(x).chunk(2, dim=-1)
        hidden = g(hidden)
        gate = gate.sigmoid()
        out = torch.lerp(prev_hidden, hidden, gate)
        return self.to_out(out), out


class MinGruStep(nn.Module):
    def __init__(self, vocab=256, d=64, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.grus = nn.ModuleList(MinGRU(d) for _ in range(layers))
        self.norms = nn.ModuleList(RMSNorm(d) for _ in range(2 * layers))
        self.ffs = nn.ModuleList(nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)) for _ in range(layers))
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids, *prev):
        x = self.emb(input_ids)
        nxt = []
        for i, (gru, ff) in enumerate(zip(self.grus, self.ffs)):
            y, h = gru(self.norms[2 * i](x), prev[i])
            x = x + y
            x = x + ff(self.norms[2 * i + 1](x))
            nxt.append(h)
        return (self.head(x), *nxt)


# --- RWKV-6 (x060) one-token step as ChatRWKV's RWKV_x060 forward_one writes it (batch 1, vectors [C]) ---

class Rwkv6Layer(nn.Module):
    def __init__(self, C=64, H=4, lora=8, dlora=16):
        super().__init__()
        self.H, self.N = H, C // H
        p = lambda *s, at=0.0: nn.Parameter(0.1 * torch.randn(*s) + at)  # noqa: E731
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.maa_x, self.maa_w, self.maa_k, self.maa_v, self.maa_r, self.maa_g = (p(C) for _ in range(6))
        self.maa_w1, self.maa_w2 = p(C, 5 * lora), p(5, lora, C)
        self.decay, self.decay_w1, self.decay_w2 = p(C, at=-1.0), p(C, dlora), p(dlora, C)
        self.faaaa = p(H, self.N)
        self.r, self.k, self.v, self.g, self.o = (nn.Linear(C, C, bias=False) for _ in range(5))
        self.ln_x = nn.GroupNorm(H, C, eps=64e-5)
        self.ffn_maa_k, self.ffn_maa_r = p(C), p(C)
        self.fk, self.fr, self.fv = nn.Linear(C, 4 * C, bias=False), nn.Linear(C, C, bias=False), nn.Linear(4 * C, C, bias=False)

    def att(self, x, sx, s):
        H, N = self.H, self.N
        sx = sx - x
        xxx = x + sx * self.maa_x
        xxx = torch.tanh(xxx @ self.maa_w1).view(5, 1, -1)
        xxx = torch.bmm(xxx, self.maa_w2).view(5, -1)
        mw, mk, mv, mr, mg = xxx.unbind(dim=0)
        xw, xk, xv = x + sx * (self.maa_w + mw), x + sx * (self.maa_k + mk), x + sx * (self.maa_v + mv)
        xr, xg = x + sx * (self.maa_r + mr), x + sx * (self.maa_g + mg)
        w = self.decay + (torch.tanh(xw @ self.decay_w1) @ self.decay_w2)
        r, k, v = self.r(xr).view(H, 1, N), self.k(xk).view(H, N, 1), self.v(xv).view(H, 1, N)
        gg = F.silu(self.g(xg))
        w = torch.exp(-torch.exp(w.float())).view(H, N, 1)
        a = k @ v
        out = r @ (self.faaaa.view(H, N, 1) * a + s)
        s = a + w * s
        out = self.ln_x(out.reshape(1, -1, 1)).flatten()  # [1, C, 1]: torch 1.13 cannot export GroupNorm on [1, C]
        return self.o(out * gg), x, s

    def ffn(self, x, sx):
        sx = sx - x
        xk, xr = x + sx * self.ffn_maa_k, x + sx * self.ffn_maa_r
        r = torch.sigmoid(self.fr(xr))
        return r * self.fv(torch.square(torch.relu(self.fk(xk)))), x

    def forward(self, x, carry, att_x, att_kv, ffn_x):  # carry: RWKV-7's v_first, unused here
        y, att_x, att_kv = self.att(self.ln1(x), att_x, att_kv)
        x = x + y
        y, ffn_x = self.ffn(self.ln2(x), ffn_x)
        return x + y, carry, att_x, att_kv, ffn_x


# --- RWKV-7 (x070) one-token step, the reference RNN form (rwkv_v7_demo's RWKV_x070 forward_one) ---

class Rwkv7Layer(nn.Module):
    def __init__(self, C=64, H=4, lw=8, la=8, lv=8, lg=16, first=False):
        super().__init__()
        self.H, self.N, self.first = H, C // H, first
        p = lambda *s, at=0.0: nn.Parameter(0.1 * torch.randn(*s) + at)  # noqa: E731
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.x_r, self.x_w, self.x_k, self.x_v, self.x_a, self.x_g = (p(C) for _ in range(6))
        self.w0, self.w1, self.w2 = p(C, at=-0.5), p(C, lw), p(lw, C)
        self.a0, self.a1, self.a2 = p(C), p(C, la), p(la, C)
        self.v0, self.v1, self.v2 = p(C), p(C, lv), p(lv, C)
        self.g1, self.g2 = p(C, lg), p(lg, C)
        self.k_k, self.k_a, self.r_k = p(C, at=1.0), p(C, at=1.0), p(H, self.N)
        self.r, self.k, self.v, self.o = (nn.Linear(C, C, bias=False) for _ in range(4))
        self.ln_x = nn.GroupNorm(H, C, eps=64e-5)
        self.ffn_x_k = p(C)
        self.fk, self.fv = nn.Linear(C, 4 * C, bias=False), nn.Linear(4 * C, C, bias=False)

    def att(self, x, x_prev, v_first, state):
        H, N = self.H, self.N
        xx = x_prev - x
        xr, xw, xk, xv, xa, xg = (x + xx * m for m in (self.x_r, self.x_w, self.x_k, self.x_v, self.x_a, self.x_g))
        r = self.r(xr)
        w = -F.softplus(-(self.w0 + torch.tanh(xw @ self.w1) @ self.w2)) - 0.5
        k, v = self.k(xk), self.v(xv)
        if self.first:
            v_first = v
        else:
            v = v + (v_first - v) * torch.sigmoid(self.v0 + (xv @ self.v1) @ self.v2)
        a = torch.sigmoid(self.a0 + (xa @ self.a1) @ self.a2)
        gg = torch.sigmoid(xg @ self.g1) @ self.g2
        kk = F.normalize((k * self.k_k).view(H, N), dim=-1, p=2.0).view(H * N)
        k = k * (1 + (a - 1) * self.k_a)
        vk = v.view(H, N, 1) @ k.view(H, 1, N)
        ab = (-kk).view(H, N, 1) @ (kk * a).view(H, 1, N)
        state = state * torch.exp(-torch.exp(w.float())).view(H, 1, N) + state @ ab.float() + vk.float()
        out = state @ r.view(H, N, 1)
        out = self.ln_x(out.view(1, H * N, 1)).view(H * N)
        out = out + ((r * k * self.r_k.view(H * N)).view(H, N).sum(dim=-1, keepdim=True) * v.view(H, N)).view(H * N)
        return self.o(out * gg), x, state, v_first

    def forward(self, x, v_first, att_x, att_kv, ffn_x):
        y, att_x, att_kv, v_first = self.att(self.ln1(x), att_x, v_first, att_kv)
        x = x + y
        xx = self.ln2(x)
        k = xx + (ffn_x - xx) * self.ffn_x_k
        return x + self.fv(torch.relu(self.fk(k)) ** 2), v_first, att_x, att_kv, xx


class RwkvStep(nn.Module):
    """token [1] and each layer's att_x [C], att_kv [H, N, N], ffn_x [C] in and out; RWKV-7's v_first carried from
    layer 0 on."""
    def __init__(self, make_layer, vocab=256, C=64, layers=2):
        super().__init__()
        self.emb, self.ln0, self.ln_out = nn.Embedding(vocab, C), nn.LayerNorm(C), nn.LayerNorm(C)
        self.blocks = nn.ModuleList(make_layer(C, i) for i in range(layers))
        self.head = nn.Linear(C, vocab, bias=False)

    def forward(self, token, *state):
        x = self.ln0(self.emb(token)[0])
        carry = torch.zeros_like(x)
        out = []
        for i, blk in enumerate(self.blocks):
            x, carry, *st = blk(x, carry, *state[3 * i: 3 * i + 3])
            out += st
        return (self.head(self.ln_out(x)), *out)


def rwkv_state(C=64, H=4, layers=2):
    return tuple(z for _ in range(layers) for z in (torch.randn(C), 0.1 * torch.randn(H, C // H, C // H), torch.randn(C)))


def rwkv_names(layers=2):
    return [f'{n}{i}' for i in range(layers) for n in ('att_x', 'att_kv', 'ffn_x')]


# --- RecurrentGemma / Griffin recurrent block (one token: conv1d state, RG-LRU state, segment_pos) ---

class RGLRU(nn.Module):
    """transformers' RecurrentGemmaRglru: the block-diagonal gates by baddbmm over heads."""
    def __init__(self, width, heads):
        super().__init__()
        self.h, self.bw = heads, width // heads
        self.a_param = nn.Parameter(torch.rand(width) * 2 + 1)
        self.input_gate_weight = nn.Parameter(torch.randn(heads, self.bw, self.bw) / math.sqrt(self.bw))
        self.input_gate_bias = nn.Parameter(torch.zeros(heads, self.bw))
        self.recurrent_gate_weight = nn.Parameter(torch.randn(heads, self.bw, self.bw) / math.sqrt(self.bw))
        self.recurrent_gate_bias = nn.Parameter(torch.zeros(heads, self.bw))

    def forward(self, x, segment_pos, prev_h):
        b, t, _ = x.shape
        reset = (segment_pos == 0)[:, :, None]
        reshape_act = x.reshape(b * t, self.h, self.bw).permute(1, 0, 2)
        res = torch.baddbmm(self.input_gate_bias[:, None, :], reshape_act, self.input_gate_weight)
        gate_x = torch.sigmoid(res.transpose(0, 1).reshape(b, t, -1))
        res = torch.baddbmm(self.recurrent_gate_bias[:, None, :], reshape_act, self.recurrent_gate_weight)
        gate_a = torch.sigmoid(res.transpose(0, 1).reshape(b, t, -1))
        log_a = -8.0 * gate_a * F.softplus(self.a_param)
        a = torch.exp(log_a)
        a_square = torch.exp(2 * log_a)
        multiplier = torch.sqrt(1 - a_square)
        multiplier = reset + ~reset * multiplier
        normalized_x = gate_x * x * multiplier
        h = a[:, 0] * prev_h * (~reset[:, 0]) + normalized_x[:, 0]
        return h[:, None], h


class GriffinRecurrentBlock(nn.Module):
    def __init__(self, d=64, width=64, heads=4, conv=4):
        super().__init__()
        self.linear_y, self.linear_x, self.linear_out = nn.Linear(d, width), nn.Linear(d, width), nn.Linear(width, d)
        self.conv_w, self.conv_b = nn.Parameter(0.3 * torch.randn(conv, width)), nn.Parameter(torch.zeros(width))
        self.rg_lru = RGLRU(width, heads)

    def forward(self, x, segment_pos, conv_state, rg_state):
        y = F.gelu(self.linear_y(x), approximate='tanh')
        xb = self.linear_x(x)
        window = torch.cat([conv_state, xb], 1)  # [B, conv, W]
        xc = (window * self.conv_w[None]).sum(1, keepdim=True) + self.conv_b
        xr, h = self.rg_lru(xc, segment_pos, rg_state)
        return self.linear_out(xr * y), window[:, 1:], h


class GriffinStep(nn.Module):
    def __init__(self, vocab=256, d=64, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(GriffinRecurrentBlock(d) for _ in range(layers))
        self.n1 = nn.ModuleList(RMSNorm(d, plus_one=True) for _ in range(layers))
        self.n2 = nn.ModuleList(RMSNorm(d, plus_one=True) for _ in range(layers))
        self.mlp = nn.ModuleList(nn.ModuleDict({'gate': nn.Linear(d, 128), 'up': nn.Linear(d, 128), 'down': nn.Linear(128, d)}) for _ in range(layers))
        self.norm = RMSNorm(d, plus_one=True)

    def forward(self, input_ids, segment_pos, *state):
        x = self.emb(input_ids) * math.sqrt(self.emb.embedding_dim)
        out = []
        for i, (blk, m) in enumerate(zip(self.blocks, self.mlp)):
            y, cs, rs = blk(self.n1[i](x), segment_pos, state[2 * i], state[2 * i + 1])
            x = x + y
            h = self.n2[i](x)
            x = x + m['down'](F.gelu(m['gate'](h), approximate='tanh') * m['up'](h))
            out += [cs, rs]
        logits = F.linear(self.norm(x), self.emb.weight)
        return (torch.tanh(logits / 30.0) * 30.0, *out)


# --- Demucs v4 (htdemucs) CrossTransformerEncoder: 2-D / 1-D sin embeddings, self / cross layers, LayerScale,
# norm_first, MyGroupNorm on the outputs ---

def create_sin_embedding(length, dim, shift=0, max_period=10000):
    pos = shift + torch.arange(length).view(-1, 1, 1)
    half = dim // 2
    adim = torch.arange(dim // 2).view(1, 1, -1)
    phase = pos / (max_period ** (adim / (half - 1)))
    return torch.cat([torch.cos(phase), torch.sin(phase)], dim=-1)


def create_2d_sin_embedding(d_model, height, width, max_period=10000):
    pe = torch.zeros(d_model, height, width)
    d_model = int(d_model / 2)
    div_term = torch.exp(torch.arange(0.0, d_model, 2) * -(math.log(max_period) / d_model))
    pos_w = torch.arange(0.0, width).unsqueeze(1)
    pos_h = torch.arange(0.0, height).unsqueeze(1)
    pe[0:d_model:2, :, :] = torch.sin(pos_w * div_term).transpose(0, 1).unsqueeze(1).repeat(1, height, 1)
    pe[1:d_model:2, :, :] = torch.cos(pos_w * div_term).transpose(0, 1).unsqueeze(1).repeat(1, height, 1)
    pe[d_model::2, :, :] = torch.sin(pos_h * div_term).transpose(0, 1).unsqueeze(2).repeat(1, 1, width)
    pe[d_model + 1::2, :, :] = torch.cos(pos_h * div_term).transpose(0, 1).unsqueeze(2).repeat(1, 1, width)
    return pe[None, :]


class MyGroupNorm(nn.GroupNorm):
    def forward(self, x):
        return super().forward(x.transpose(1, 2)).transpose(1, 2)


class HtLayer(nn.Module):
    def __init__(self, d, heads, cross):
        super().__init__()
        self.cross = cross
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.norm3 = nn.LayerNorm(d) if cross else None
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        self.gamma_1, self.gamma_2 = nn.Parameter(1e-1 * torch.ones(d)), nn.Parameter(1e-1 * torch.ones(d))
        self.norm_out = MyGroupNorm(1, d)

    def forward(self, x, other=None):
        if self.cross:
            q, k = self.norm1(x), self.norm2(other)
            x = x + self.gamma_1 * self.attn(q, k, k, need_weights=False)[0]
            x = x + self.gamma_2 * self.ff(self.norm3(x))
        else:
            h = self.norm1(x)
            x = x + self.gamma_1 * self.attn(h, h, h, need_weights=False)[0]
            x = x + self.gamma_2 * self.ff(self.norm2(x))
        return self.norm_out(x)


class HtCrossTransformer(nn.Module):
    def __init__(self, d=64, heads=4, layers=2):
        super().__init__()
        self.norm_in, self.norm_in_t = nn.LayerNorm(d), nn.LayerNorm(d)
        self.layers = nn.ModuleList(HtLayer(d, heads, cross=i % 2 == 1) for i in range(layers))
        self.layers_t = nn.ModuleList(HtLayer(d, heads, cross=i % 2 == 1) for i in range(layers))
        self.weight_pos_embed = 1.0

    def forward(self, x, xt):
        B, C, Fr, T1 = x.shape
        pos_emb_2d = create_2d_sin_embedding(C, Fr, T1)
        pos_emb_2d = pos_emb_2d.permute(0, 3, 2, 1).reshape(1, T1 * Fr, C)
        x = x.permute(0, 3, 2, 1).reshape(B, T1 * Fr, C)
        x = self.norm_in(x) + self.weight_pos_embed * pos_emb_2d
        B, C, T2 = xt.shape
        xt = xt.permute(0, 2, 1)
        pos_emb = create_sin_embedding(T2, C).permute(1, 0, 2)
        xt = self.norm_in_t(xt) + self.weight_pos_embed * pos_emb
        for idx in range(len(self.layers)):
            if idx % 2 == 0:
                x, xt = self.layers[idx](x), self.layers_t[idx](xt)
            else:
                old_x = x
                x = self.layers[idx](x, xt)
                xt = self.layers_t[idx](xt, old_x)
        x = x.reshape(B, T1, Fr, C).permute(0, 3, 2, 1)
        return x, xt.permute(0, 2, 1)


# --- NeMo Parakeet-TDT decoder + joint as its ONNX export writes them (onnx-asr / sherpa-onnx): embedding + LSTM
# prediction net with states [L, B, H] in / out, joint ReLU(enc + pred) → token logits and duration logits ---

class TdtDecoderJoint(nn.Module):
    def __init__(self, vocab=128, d_enc=64, pred=64, joint=64, layers=2, durations=5):
        super().__init__()
        self.blank = vocab
        self.embed = nn.Embedding(vocab + 1, pred, padding_idx=vocab)
        self.lstm = nn.LSTM(pred, pred, layers)
        self.enc, self.pred, self.out = nn.Linear(d_enc, joint), nn.Linear(pred, joint), nn.Linear(joint, vocab + 1 + durations)

    def forward(self, encoder_outputs, targets, target_length, input_states_1, input_states_2):
        y = self.embed(targets).transpose(0, 1)  # [U, B, H]
        g, (h, c) = self.lstm(y, (input_states_1, input_states_2))
        g = g.transpose(0, 1)  # [B, U, H]
        f = self.enc(encoder_outputs.transpose(1, 2))  # [B, T, J]
        z = torch.relu(f.unsqueeze(2) + self.pred(g).unsqueeze(1))
        return self.out(z), target_length, h, c


# --- w2v-BERT 2.0 (Seamless / transformers Wav2Vec2BertModel): stacked-fbank projection, conformer layers with
# relative_key distance embeddings (einsum bhld,lrd->bhlr), causal depthwise conv with its own LayerNorm ---

class W2vBertLayer(nn.Module):
    def __init__(self, d=64, h=4, left=8, right=8, k=7):
        super().__init__()
        self.h, self.hd, self.left, self.right, self.k = h, d // h, left, right, k
        self.ffn1_ln, self.ffn1 = nn.LayerNorm(d), nn.Sequential(nn.Linear(d, 2 * d), nn.SiLU(), nn.Linear(2 * d, d))
        self.attn_ln, self.q, self.kk, self.v, self.o = nn.LayerNorm(d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.distance_embedding = nn.Embedding(left + right + 1, self.hd)
        self.conv_ln, self.pw1 = nn.LayerNorm(d), nn.Conv1d(d, 2 * d, 1, bias=False)
        self.dw, self.dw_ln, self.pw2 = nn.Conv1d(d, d, k, groups=d, bias=False), nn.LayerNorm(d), nn.Conv1d(d, d, 1, bias=False)
        self.ffn2_ln, self.ffn2 = nn.LayerNorm(d), nn.Sequential(nn.Linear(d, 2 * d), nn.SiLU(), nn.Linear(2 * d, d))
        self.final_ln = nn.LayerNorm(d)

    def forward(self, x, bias, mask):
        b, t, _ = x.shape
        x = x + 0.5 * self.ffn1(self.ffn1_ln(x))
        h = self.attn_ln(x)
        q, k, v = (z.view(b, t, self.h, self.hd).transpose(1, 2) for z in (self.q(h), self.kk(h), self.v(h)))
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.hd)
        distance = torch.arange(t).view(1, -1) - torch.arange(t).view(-1, 1)
        distance = torch.clamp(distance, -self.left, self.right)
        pos = self.distance_embedding(distance + self.left)
        scores = scores + torch.einsum('bhld,lrd->bhlr', q, pos) / math.sqrt(self.hd)
        a = torch.softmax(scores + bias, -1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(b, t, -1))
        h = self.conv_ln(x)
        h = h.masked_fill(~mask.bool().unsqueeze(-1), 0.0)
        h = F.glu(self.pw1(h.transpose(1, 2)), dim=1)
        h = self.dw(F.pad(h, (self.k - 1, 0)))
        h = self.pw2(F.silu(self.dw_ln(h.transpose(1, 2)).transpose(1, 2)))
        x = x + h.transpose(1, 2)
        x = x + 0.5 * self.ffn2(self.ffn2_ln(x))
        return self.final_ln(x)


class W2vBert(nn.Module):
    def __init__(self, feat=160, d=64, layers=2):
        super().__init__()
        self.fp_ln, self.fp = nn.LayerNorm(feat), nn.Linear(feat, d)
        self.layers = nn.ModuleList(W2vBertLayer(d) for _ in range(layers))

    def forward(self, input_features, attention_mask):
        x = self.fp(self.fp_ln(input_features))
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, bias, attention_mask)
        return x


MODELS = {
    'mamba_step': lambda: (MambaStep().eval(), (torch.randint(0, 256, (2, 1)), *(z for _ in range(2) for z in (torch.randn(2, 128, 4), 0.1 * torch.randn(2, 128, 16)))),
                           {'names': ['input_ids'] + [f'{n}.{i}' for i in range(2) for n in ('conv_state', 'ssm_state')],
                            'outputs': ['logits'] + [f'new_{n}.{i}' for i in range(2) for n in ('conv_state', 'ssm_state')], 'opset': 14,
                            'dynamic': {'input_ids': {0: 'batch'}, **{f'{n}.{i}': {0: 'batch'} for i in range(2) for n in ('conv_state', 'ssm_state')}}}),
    'mingru_step': lambda: (MinGruStep().eval(), (torch.randint(0, 256, (2, 1)), torch.randn(2, 1, 96), torch.randn(2, 1, 96)),
                            {'names': ['input_ids', 'prev_hidden.0', 'prev_hidden.1'], 'outputs': ['logits', 'next_hidden.0', 'next_hidden.1'], 'opset': 14,
                             'dynamic': {n: {0: 'batch'} for n in ('input_ids', 'prev_hidden.0', 'prev_hidden.1')}}),
    'rwkv6_step': lambda: (RwkvStep(lambda C, i: Rwkv6Layer(C)).eval(), (torch.tensor([7]), *rwkv_state()),
                           {'names': ['token'] + rwkv_names(), 'outputs': ['logits'] + ['new_' + n for n in rwkv_names()], 'opset': 15}),
    'rwkv7_step': lambda: (RwkvStep(lambda C, i: Rwkv7Layer(C, first=i == 0)).eval(), (torch.tensor([7]), *rwkv_state()),
                           {'names': ['token'] + rwkv_names(), 'outputs': ['logits'] + ['new_' + n for n in rwkv_names()], 'opset': 15}),
    'griffin_step': lambda: (GriffinStep().eval(), (torch.randint(0, 256, (2, 1)), torch.tensor([[5], [0]]), *(z for _ in range(2) for z in (torch.randn(2, 3, 64), torch.randn(2, 64)))),
                             {'names': ['input_ids', 'segment_pos'] + [f'{n}.{i}' for i in range(2) for n in ('conv1d_state', 'rg_lru_state')],
                              'outputs': ['logits'] + [f'new_{n}.{i}' for i in range(2) for n in ('conv1d_state', 'rg_lru_state')], 'opset': 14}),
    'parakeet_tdt_joint': lambda: (TdtDecoderJoint().eval(), (torch.randn(1, 64, 1), torch.tensor([[5]], dtype=torch.int32), torch.tensor([1], dtype=torch.int32),
                                                                torch.zeros(2, 1, 64), torch.zeros(2, 1, 64)),
                                   {'names': ['encoder_outputs', 'targets', 'target_length', 'input_states_1', 'input_states_2'],
                                    'outputs': ['outputs', 'prednet_lengths', 'output_states_1', 'output_states_2'], 'opset': 17,
                                    'dynamic': {'encoder_outputs': {0: 'B', 2: 'T'}, 'targets': {0: 'B', 1: 'U'}, 'target_length': {0: 'B'},
                                                'input_states_1': {1: 'B'}, 'input_states_2': {1: 'B'}}}),
    'w2v_bert_relkey': lambda: (W2vBert().eval(), (torch.randn(2, 20, 160), torch.tensor([[1] * 20, [1] * 14 + [0] * 6])),
                                {'names': ['input_features', 'attention_mask'], 'outputs': ['last_hidden_state'], 'opset': 14,
                                 'dynamic': {'input_features': {0: 'batch', 1: 'frames'}, 'attention_mask': {0: 'batch', 1: 'frames'}}}),
    'htdemucs_crosstransformer': lambda: (HtCrossTransformer().eval(), (torch.randn(1, 64, 8, 22), torch.randn(1, 64, 44)),
                                          {'names': ['x', 'xt'], 'outputs': ['x_out', 'xt_out'], 'opset': 14}),
}
