"""Eighth sweep: attention ASR encoders. NeMo's FastConformer (dw_striding subsampling ×8 with calc_length's float
arithmetic, RelPositionalEncoding with xscale, RelPositionMultiHeadAttention with pos_bias_u / v and rel_shift, padding
masks, ConvModule with GLU and BatchNorm), icefall Zipformer pieces as its ONNX export writes them (BiasNorm, SwooshL /
SwooshR by logaddexp, NonlinAttention, SimpleDownsample / SimpleUpsample, BypassModule), and Moonshine's encoder (the
strided conv front end on raw audio with GroupNorm, rotary attention on interleaved pairs)."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def calc_length(lengths, all_paddings=2, kernel_size=3, stride=2, repeat_num=3):
    add_pad = all_paddings - kernel_size
    for _ in range(repeat_num):
        lengths = torch.div(lengths.to(dtype=torch.float) + add_pad, stride) + 1.0
        lengths = torch.floor(lengths)
    return lengths.to(dtype=torch.int)


class RelPositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=512):
        super().__init__()
        self.d_model, self.xscale = d_model, math.sqrt(d_model)
        positions = torch.arange(max_len - 1, -max_len, -1, dtype=torch.float32).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * -(math.log(10000.0) / d_model))
        pe = torch.zeros(positions.size(0), d_model)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(positions * div_term), torch.cos(positions * div_term)
        self.register_buffer('pe', pe.unsqueeze(0), persistent=False)
        self.center = max_len - 1

    def forward(self, x):
        x = x * self.xscale
        input_len = x.size(1)
        start_pos, end_pos = self.center - input_len + 1, self.center + input_len
        return x, self.pe[:, start_pos:end_pos]


class RelPositionMultiHeadAttention(nn.Module):
    def __init__(self, n_head, n_feat):
        super().__init__()
        self.h, self.d_k, self.s_d_k = n_head, n_feat // n_head, math.sqrt(n_feat // n_head)
        self.linear_q, self.linear_k, self.linear_v, self.linear_out = (nn.Linear(n_feat, n_feat) for _ in range(4))
        self.linear_pos = nn.Linear(n_feat, n_feat, bias=False)
        self.pos_bias_u = nn.Parameter(0.1 * torch.randn(self.h, self.d_k))
        self.pos_bias_v = nn.Parameter(0.1 * torch.randn(self.h, self.d_k))

    def rel_shift(self, x):
        b, h, qlen, pos_len = x.size()
        x = F.pad(x, pad=(1, 0))
        x = x.view(b, h, -1, qlen)[:, :, 1:].view(b, h, qlen, pos_len)
        return x

    def forward(self, query, key, value, mask, pos_emb):
        n_batch = query.size(0)
        q = self.linear_q(query).view(n_batch, -1, self.h, self.d_k)
        k = self.linear_k(key).view(n_batch, -1, self.h, self.d_k).transpose(1, 2)
        v = self.linear_v(value).view(n_batch, -1, self.h, self.d_k).transpose(1, 2)
        p = self.linear_pos(pos_emb).view(pos_emb.size(0), -1, self.h, self.d_k).transpose(1, 2)
        q_with_bias_u = (q + self.pos_bias_u).transpose(1, 2)
        q_with_bias_v = (q + self.pos_bias_v).transpose(1, 2)
        matrix_bd = torch.matmul(q_with_bias_v, p.transpose(-2, -1))
        matrix_bd = self.rel_shift(matrix_bd)
        matrix_ac = torch.matmul(q_with_bias_u, k.transpose(-2, -1))
        matrix_bd = matrix_bd[:, :, :, :matrix_ac.size(-1)]
        scores = (matrix_ac + matrix_bd) / self.s_d_k
        mask = mask.unsqueeze(1)
        scores = scores.masked_fill(mask, -10000.0)
        attn = torch.softmax(scores, dim=-1).masked_fill(mask, 0.0)
        x = torch.matmul(attn, v).transpose(1, 2).reshape(n_batch, -1, self.h * self.d_k)
        return self.linear_out(x)


class ConformerConvolution(nn.Module):
    def __init__(self, d, k=9):
        super().__init__()
        self.pointwise_conv1 = nn.Conv1d(d, 2 * d, 1)
        self.depthwise_conv = nn.Conv1d(d, d, k, padding=(k - 1) // 2, groups=d)
        self.batch_norm = nn.BatchNorm1d(d)
        self.pointwise_conv2 = nn.Conv1d(d, d, 1)

    def forward(self, x, pad_mask):
        x = F.glu(self.pointwise_conv1(x.transpose(1, 2)), dim=1)
        x = x.masked_fill(pad_mask.unsqueeze(1), 0.0)
        x = self.pointwise_conv2(F.silu(self.batch_norm(self.depthwise_conv(x))))
        return x.transpose(1, 2)


class FeedForward(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        return self.linear2(F.silu(self.linear1(x)))


class ConformerLayer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.norm_ff1, self.ff1, self.norm_att = nn.LayerNorm(d), FeedForward(d), nn.LayerNorm(d)
        self.self_attn = RelPositionMultiHeadAttention(h, d)
        self.norm_conv, self.conv, self.norm_ff2, self.ff2 = nn.LayerNorm(d), ConformerConvolution(d), nn.LayerNorm(d), FeedForward(d)
        self.norm_out = nn.LayerNorm(d)

    def forward(self, x, att_mask, pos_emb, pad_mask):
        x = x + 0.5 * self.ff1(self.norm_ff1(x))
        y = self.norm_att(x)
        x = x + self.self_attn(y, y, y, att_mask, pos_emb)
        x = x + self.conv(self.norm_conv(x), pad_mask)
        x = x + 0.5 * self.ff2(self.norm_ff2(x))
        return self.norm_out(x)


class FastConformer(nn.Module):
    """ConformerEncoder.forward_for_export: audio_signal [B, 80, T], length [B] → outputs [B, d, T/8], encoded_lengths."""

    def __init__(self, feat=80, d=64, h=4, layers=2, ch=32):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, ch, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(ch, ch, 3, 2, 1, groups=ch), nn.Conv2d(ch, ch, 1), nn.ReLU(),
                                  nn.Conv2d(ch, ch, 3, 2, 1, groups=ch), nn.Conv2d(ch, ch, 1), nn.ReLU())
        self.out = nn.Linear(ch * math.ceil(feat / 8), d)
        self.pos_enc = RelPositionalEncoding(d)
        self.layers = nn.ModuleList(ConformerLayer(d, h) for _ in range(layers))

    def forward(self, audio_signal, length):
        x = audio_signal.transpose(1, 2)
        lengths = calc_length(length)
        x = self.conv(x.unsqueeze(1))
        b, c, t, f = x.size()
        x = self.out(x.transpose(1, 2).reshape(b, t, -1))
        x, pos_emb = self.pos_enc(x)
        max_len = x.size(1)
        pad_mask = torch.arange(0, max_len, device=x.device).expand(lengths.size(0), -1) < lengths.unsqueeze(-1)
        pad_mask_for_att = pad_mask.unsqueeze(1).repeat([1, max_len, 1])
        att_mask = ~torch.logical_and(pad_mask_for_att, pad_mask_for_att.transpose(1, 2))
        pad_mask = ~pad_mask
        for layer in self.layers:
            x = layer(x, att_mask, pos_emb, pad_mask)
        return x.transpose(1, 2), lengths


def logaddexp_onnx(x, y):
    max_value = torch.max(x, y)
    diff = torch.abs(x - y)
    return max_value + torch.log1p(torch.exp(-diff))


class SwooshL(nn.Module):
    def forward(self, x):
        return logaddexp_onnx(torch.zeros_like(x), x - 4.0) - 0.08 * x - 0.035


class SwooshR(nn.Module):
    def forward(self, x):
        return logaddexp_onnx(torch.zeros_like(x), x - 1.0) - 0.08 * x - 0.313261687


class BiasNorm(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.bias, self.log_scale = nn.Parameter(0.1 * torch.randn(ch)), nn.Parameter(torch.tensor(0.1))

    def forward(self, x):
        scales = (torch.mean((x - self.bias) ** 2, dim=-1, keepdim=True) ** -0.5) * self.log_scale.exp()
        return x * scales


class ZipformerPieces(nn.Module):
    """One Zipformer2 stack as icefall's export writes it, on (seq, batch, ch): SimpleDownsample ×2 (the last frame
    repeated to a multiple, softmax weights), a layer (FF with SwooshL, NonlinAttention with softmax weights from a
    scaled q·k, conv module with SwooshR, BiasNorm), SimpleUpsample and BypassModule."""

    def __init__(self, d=48, ds=2, heads=4):
        super().__init__()
        self.ds, self.heads = ds, heads
        self.ds_bias = nn.Parameter(0.1 * torch.randn(ds))
        self.ff_in, self.ff_out, self.ff_act = nn.Linear(d, 3 * d), nn.Linear(3 * d, d), SwooshL()
        self.qk = nn.Linear(d, 2 * 8 * heads)
        self.nl_in, self.nl_out = nn.Linear(d, 3 * d // 4 * 3), nn.Linear(3 * d // 4, d)
        self.conv_in, self.conv_dw, self.conv_out = nn.Linear(d, 2 * d), nn.Conv1d(d, d, 7, padding=3, groups=d), nn.Linear(d, d)
        self.conv_act, self.norm = SwooshR(), BiasNorm(d)
        self.bypass_scale = nn.Parameter(torch.full((d,), 0.5))

    def forward(self, src):  # [T, B, C]
        seq_len, batch, ch = src.shape
        d_seq = (seq_len + self.ds - 1) // self.ds
        pad = d_seq * self.ds - seq_len
        x = torch.cat((src, src[src.shape[0] - 1:].expand(pad, batch, ch)), dim=0)
        x = x.reshape(d_seq, self.ds, batch, ch)
        w = self.ds_bias.softmax(dim=0).unsqueeze(-1).unsqueeze(-1)
        x = (x * w).sum(dim=1)
        x = x + self.ff_out(self.ff_act(self.ff_in(x)))
        q, k = self.qk(x).reshape(d_seq, batch, 2, self.heads, 8).unbind(2)
        attn = torch.softmax(torch.einsum('tbhd,sbhd->bhts', q, k) / math.sqrt(8), dim=-1)
        s, v, y = self.nl_in(x).chunk(3, dim=-1)
        v = v * torch.tanh(s)
        v = v.reshape(d_seq, batch, self.heads, -1).permute(2, 1, 0, 3)
        v = torch.matmul(attn[:, 0:1].transpose(0, 1).expand(self.heads, batch, d_seq, d_seq), v)
        v = v.permute(2, 1, 0, 3).reshape(d_seq, batch, -1)
        x = x + self.nl_out(v * y)
        c = F.glu(self.conv_in(x), dim=-1).permute(1, 2, 0)
        c = self.conv_dw(c).permute(2, 0, 1)
        x = self.norm(x + self.conv_out(self.conv_act(c)))
        up = x.unsqueeze(1).expand(d_seq, self.ds, batch, ch).reshape(d_seq * self.ds, batch, ch)[:seq_len]
        return src + (up - src) * self.bypass_scale


class MoonshineEncoder(nn.Module):
    """Moonshine: Conv1d(1, d, 127, stride 64, no bias), tanh, GroupNorm(1), Conv1d(d, 2d, 7, 3), GELU,
    Conv1d(2d, d, 3, 2), GELU; encoder layers with LayerNorm without bias, rotary on interleaved pairs (partial,
    rot_dim = head_dim / 2 rounded), GELU MLP."""

    def __init__(self, d=64, heads=4, layers=2):
        super().__init__()
        self.conv1 = nn.Conv1d(1, d, 127, 64, bias=False)
        self.groupnorm = nn.GroupNorm(1, d, eps=1e-5)
        self.conv2, self.conv3 = nn.Conv1d(d, 2 * d, 7, 3), nn.Conv1d(2 * d, d, 3, 2)
        self.heads, self.hd = heads, d // heads
        self.rot = max(self.hd // 2, 8) // 2 * 2
        inv_freq = 1.0 / (10000 ** (torch.arange(0, self.rot, 2).float() / self.rot))
        self.register_buffer('inv_freq', inv_freq)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            l = nn.Module()
            l.ln1, l.ln2 = nn.LayerNorm(d, bias=False) if 'bias' in nn.LayerNorm.__init__.__code__.co_varnames else nn.LayerNorm(d), nn.LayerNorm(d)
            l.q, l.k, l.v, l.o, l.fc1, l.fc2 = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
            self.layers.append(l)
        self.post_norm = nn.LayerNorm(d)

    def rotate(self, x, cos, sin):
        xr, xp = x[..., :self.rot], x[..., self.rot:]
        x1, x2 = xr[..., 0::2], xr[..., 1::2]
        rotated = torch.stack((-x2, x1), dim=-1).flatten(-2)
        return torch.cat([xr * cos + rotated * sin, xp], dim=-1)

    def forward(self, input_values):
        x = torch.tanh(self.conv1(input_values.unsqueeze(1)))
        x = self.groupnorm(x)
        x = F.gelu(self.conv3(F.gelu(self.conv2(x)))).permute(0, 2, 1)
        b, t, d = x.shape
        pos = torch.arange(t, dtype=torch.float32)
        # HF repeats each frequency with repeat_interleave(2, dim=-1); torch 1.13 exports that with a lost rank (a model
        # onnxruntime refuses: 'All inputs to Concat must have same rank'), so the pairs are stacked instead.
        f = pos[:, None] * self.inv_freq[None, :]
        freqs = torch.stack((f, f), dim=-1).reshape(t, self.rot)
        cos, sin = freqs.cos(), freqs.sin()
        for l in self.layers:
            h = l.ln1(x)
            q, k, v = (p(h).view(b, t, self.heads, self.hd).transpose(1, 2) for p in (l.q, l.k, l.v))
            q, k = self.rotate(q, cos, sin), self.rotate(k, cos, sin)
            a = F.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd), dim=-1) @ v
            x = x + l.o(a.transpose(1, 2).reshape(b, t, d))
            x = x + l.fc2(F.gelu(l.fc1(l.ln2(x))))
        return self.post_norm(x)
