"""Eleventh sweep: speech encoders as their projects' exports write them (random weights, small widths): MMS /
wav2vec2-CTC as transformers exports it with its feature extractor (the layer-norm conv front end of the large /
XLS-R / MMS checkpoints, the weight-normed positional conv, pre-LN layers, CTC head) and the `attention_mask` over
samples turned into a frame mask by the conv length arithmetic and the scatter / flip / cumsum of
`_get_feature_vector_attention_mask`; ESPnet's Conformer encoder as espnet_onnx exports it (Conv2dSubsampling4 with
the mask sliced [:, :, :-2:2] twice, RelPositionalEncoding's two-sided table, RelPositionMultiHeadedAttention with
pos_bias_u / _v and rel_shift, macaron FFNs, the conv module with GLU, depthwise conv, BatchNorm and Swish). Models in
MODELS, exported by sweep11_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- MMS / wav2vec2-CTC (transformers Wav2Vec2ForCTC, feat_extract_norm="layer", do_stable_layer_norm) ---

class ConvLN(nn.Module):
    def __init__(self, cin, cout, k, s):
        super().__init__()
        self.conv, self.ln = nn.Conv1d(cin, cout, k, s, bias=True), nn.LayerNorm(cout)

    def forward(self, x):
        return F.gelu(self.ln(self.conv(x).transpose(-2, -1)).transpose(-2, -1))


class Wav2Vec2Ctc(nn.Module):
    KERNELS, STRIDES = (10, 3, 3, 3, 3, 2, 2), (5, 2, 2, 2, 2, 2, 2)

    def __init__(self, c=64, d=64, h=4, layers=2, vocab=40):
        super().__init__()
        self.convs = nn.ModuleList([ConvLN(1 if i == 0 else c, c, k, s) for i, (k, s) in enumerate(zip(self.KERNELS, self.STRIDES))])
        self.fp_ln, self.fp = nn.LayerNorm(c), nn.Linear(c, d)
        self.pos_conv = nn.utils.weight_norm(nn.Conv1d(d, d, 32, padding=16, groups=8), name='weight', dim=2)
        self.h = h
        self.layers = nn.ModuleList([nn.ModuleDict({'ln1': nn.LayerNorm(d), 'q': nn.Linear(d, d), 'k': nn.Linear(d, d), 'v': nn.Linear(d, d),
                                                    'o': nn.Linear(d, d), 'ln2': nn.LayerNorm(d), 'f1': nn.Linear(d, 2 * d), 'f2': nn.Linear(2 * d, d)})
                                     for _ in range(layers)])
        self.ln, self.lm_head = nn.LayerNorm(d), nn.Linear(d, vocab)

    def out_lengths(self, n):
        for k, s in zip(self.KERNELS, self.STRIDES):
            n = torch.div(n - k, s, rounding_mode='floor') + 1
        return n

    def forward(self, input_values, attention_mask):
        x = input_values[:, None]
        for conv in self.convs:
            x = conv(x)
        x = self.fp(self.fp_ln(x.transpose(1, 2)))
        b, t, d = x.shape
        # _get_feature_vector_attention_mask
        lens = self.out_lengths(attention_mask.sum(-1)).to(torch.long)
        m = torch.zeros((b, t), dtype=x.dtype)
        m[(torch.arange(b), lens - 1)] = 1
        m = m.flip([-1]).cumsum(-1).flip([-1]).bool()
        x = x * m[..., None].to(x.dtype)
        p = self.pos_conv(x.transpose(1, 2))[:, :, :-1]
        x = x + F.gelu(p).transpose(1, 2)
        bias = (1.0 - m[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        dk = d // self.h
        for L in self.layers:
            y = L['ln1'](x)
            q, k, v = (L[n](y).view(b, t, self.h, dk).transpose(1, 2) for n in ('q', 'k', 'v'))
            a = torch.softmax(q * dk ** -0.5 @ k.transpose(-1, -2) + bias, -1) @ v
            x = x + L['o'](a.transpose(1, 2).reshape(b, t, d))
            x = x + L['f2'](F.gelu(L['f1'](L['ln2'](x))))
        return self.lm_head(self.ln(x))


# --- ESPnet Conformer (espnet2 ConformerEncoder, rel_pos_type "latest") ---

class RelPositionalEncoding(nn.Module):
    def __init__(self, d, max_len=256):
        super().__init__()
        self.d, self.xscale = d, math.sqrt(d)
        pos = torch.arange(max_len, dtype=torch.float)[:, None]
        div = torch.exp(torch.arange(0, d, 2, dtype=torch.float) * -(math.log(10000.0) / d))
        pp, pn = torch.zeros(max_len, d), torch.zeros(max_len, d)
        pp[:, 0::2], pp[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        pn[:, 0::2], pn[:, 1::2] = torch.sin(-pos * div), torch.cos(-pos * div)
        self.register_buffer('pe', torch.cat([torch.flip(pp, [0]), pn[1:]], 0)[None])

    def forward(self, x):
        c = self.pe.shape[1] // 2
        t = x.shape[1]
        return x * self.xscale, self.pe[:, c - t + 1:c + t]


class RelPosMHA(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.dk = h, d // h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.pos = nn.Linear(d, d, bias=False)
        self.pos_bias_u, self.pos_bias_v = nn.Parameter(torch.randn(h, self.dk) * 0.1), nn.Parameter(torch.randn(h, self.dk) * 0.1)

    @staticmethod
    def rel_shift(x):
        zero_pad = torch.zeros((*x.size()[:3], 1), device=x.device, dtype=x.dtype)
        xp = torch.cat([zero_pad, x], dim=-1).view(*x.size()[:2], x.size(3) + 1, x.size(2))
        return xp[:, :, 1:].view_as(x)[:, :, :, : x.size(-1) // 2 + 1]

    def forward(self, x, pos_emb, mask):
        b, t, _ = x.shape
        q = self.q(x).view(b, t, self.h, self.dk)
        k = self.k(x).view(b, t, self.h, self.dk).transpose(1, 2)
        v = self.v(x).view(b, t, self.h, self.dk).transpose(1, 2)
        p = self.pos(pos_emb).view(1, -1, self.h, self.dk).transpose(1, 2)
        ac = (q + self.pos_bias_u).transpose(1, 2) @ k.transpose(-2, -1)
        bd = self.rel_shift((q + self.pos_bias_v).transpose(1, 2) @ p.transpose(-2, -1))
        scores = (ac + bd) / math.sqrt(self.dk)
        m = mask[:, None].eq(0)  # (B, 1, 1, T)
        scores = scores.masked_fill(m, -10000.0)
        attn = torch.softmax(scores, -1).masked_fill(m, 0.0)
        return self.o((attn @ v).transpose(1, 2).reshape(b, t, -1))


class ConformerBlock(nn.Module):
    def __init__(self, d=64, h=4, k=15):
        super().__init__()
        ff = lambda: nn.Sequential(nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, d))  # noqa: E731
        self.ff_mac, self.ff = ff(), ff()
        self.ln_mac, self.ln_mha, self.ln_conv, self.ln_ff, self.ln_final = (nn.LayerNorm(d) for _ in range(5))
        self.mha = RelPosMHA(d, h)
        self.pw1, self.dw, self.bn, self.pw2 = nn.Conv1d(d, 2 * d, 1), nn.Conv1d(d, d, k, padding=k // 2, groups=d), nn.BatchNorm1d(d), nn.Conv1d(d, d, 1)

    def forward(self, x, pos, mask):
        x = x + 0.5 * self.ff_mac(self.ln_mac(x))
        x = x + self.mha(self.ln_mha(x), pos, mask)
        y = F.glu(self.pw1(self.ln_conv(x).transpose(1, 2)), dim=1)
        y = self.pw2(F.silu(self.bn(self.dw(y))))
        x = x + y.transpose(1, 2)
        x = x + 0.5 * self.ff(self.ln_ff(x))
        return self.ln_final(x)


class EspnetConformer(nn.Module):
    def __init__(self, feat=80, d=64, layers=2, vocab=50):
        super().__init__()
        self.sub = nn.Sequential(nn.Conv2d(1, d, 3, 2), nn.ReLU(), nn.Conv2d(d, d, 3, 2), nn.ReLU())
        self.sub_out = nn.Linear(d * (((feat - 1) // 2 - 1) // 2), d)
        self.pos = RelPositionalEncoding(d)
        self.blocks = nn.ModuleList([ConformerBlock(d) for _ in range(layers)])
        self.ctc = nn.Linear(d, vocab)

    def forward(self, feats, feats_length):
        b, t, _ = feats.shape
        mask = (torch.arange(t)[None] < feats_length[:, None])[:, None]  # ~make_pad_mask: (B, 1, T)
        x = self.sub(feats[:, None])
        bb, c, tt, f = x.shape
        x, pos = self.pos(self.sub_out(x.transpose(1, 2).reshape(bb, tt, c * f)))
        mask = mask[:, :, :-2:2][:, :, :-2:2]
        for blk in self.blocks:
            x = blk(x, pos, mask)
        lens = mask.squeeze(1).sum(1)
        return torch.log_softmax(self.ctc(x), -1), lens


def _calibrated(m, *x):
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(*x)
    return m.eval()


def wav2vec2_ctc():
    torch.manual_seed(11)
    return Wav2Vec2Ctc().eval()


def espnet_conformer():
    torch.manual_seed(12)
    return _calibrated(EspnetConformer(), torch.randn(2, 100, 80), torch.tensor([100, 100]))


MODELS = {
    # transformers.onnx / optimum: input_values [batch, sequence], attention_mask; opset 14 (their default for wav2vec2)
    'mms_ctc_mask': lambda: (wav2vec2_ctc(), (torch.randn(2, 16000), torch.tensor([[1] * 16000, [1] * 12000 + [0] * 4000])),
                             {'names': ['input_values', 'attention_mask'], 'outputs': ['logits'], 'opset': 14,
                              'dynamic': {'input_values': {0: 'batch', 1: 'sequence'}, 'attention_mask': {0: 'batch', 1: 'sequence'}, 'logits': {0: 'batch', 1: 'frames'}}}),
    # espnet_onnx: feats [B, T, 80], feats_length; opset 11 in its export config
    'espnet_conformer_relpos': lambda: (espnet_conformer(), (torch.randn(2, 100, 80), torch.tensor([100, 73])),
                                        {'names': ['feats', 'feats_length'], 'outputs': ['encoder_out', 'encoder_out_lens'], 'opset': 11,
                                         'dynamic': {'feats': {0: 'batch', 1: 'feats_length'}, 'feats_length': {0: 'batch'}, 'encoder_out': {0: 'batch', 1: 'enc_out_length'}}}),
}
