"""Tenth sweep: FunASR's FSMN-VAD streaming export (four FSMN memory blocks with their caches in and out), Marian /
Opus-MT's decoder step as optimum exports it (embeddings scaled by sqrt(d), static sinusoidal positions offset by the
past length, post-LN layers with SiLU, past self keys / values and encoder keys / values in), and deepspeech.pytorch's
DeepSpeech2 (MaskConv'd Conv2d stack with Hardtanh, sequence-wise BatchNorm before packed bidirectional GRUs, summed
directions, lengths), at small widths, random weights."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep10_seq_lm import past_cross_inputs
from sweep10_seq_misc import calibrate


class FSMNBlock(nn.Module):
    def __init__(self, d=128, lorder=20):
        super().__init__()
        self.lorder = lorder
        self.conv_left = nn.Conv2d(d, d, (lorder, 1), groups=d, bias=False)

    def forward(self, x, cache):  # x (B, T, d); cache (B, d, lorder - 1, 1)
        x4 = x.unsqueeze(1).permute(0, 3, 2, 1)  # (B, d, T, 1)
        y = torch.cat((cache, x4), dim=2)
        new_cache = y[:, :, -(self.lorder - 1):, :]
        out = x4 + self.conv_left(y)
        return out.permute(0, 3, 2, 1).squeeze(1), new_cache


class FSMNLayer(nn.Module):
    def __init__(self, d_in=250, d=128):
        super().__init__()
        self.linear = nn.Linear(d_in, d, bias=False)
        self.fsmn = FSMNBlock(d)
        self.affine = nn.Linear(d, d_in)

    def forward(self, x, cache):
        y, cache = self.fsmn(self.linear(x), cache)
        return F.relu(self.affine(y)), cache


class FsmnVad(nn.Module):
    """funasr/models/fsmn_vad_streaming/encoder.py FSMNExport: in_linear1 / 2, four FSMN layers, out_linear1 / 2, softmax."""
    def __init__(self):
        super().__init__()
        self.in_linear1, self.in_linear2 = nn.Linear(400, 140), nn.Linear(140, 250)
        self.fsmn = nn.ModuleList(FSMNLayer() for _ in range(4))
        self.out_linear1, self.out_linear2 = nn.Linear(250, 140), nn.Linear(140, 248)

    def forward(self, speech, in_cache0, in_cache1, in_cache2, in_cache3):
        x = F.relu(self.in_linear2(self.in_linear1(speech)))
        caches = []
        for layer, c in zip(self.fsmn, (in_cache0, in_cache1, in_cache2, in_cache3)):
            x, c = layer(x, c)
            caches.append(c)
        return (F.softmax(self.out_linear2(self.out_linear1(x)), dim=-1), *caches)


class MarianDecoderStep(nn.Module):
    def __init__(self, vocab=300, d=64, h=4, ff=128, layers=2, max_pos=64):
        super().__init__()
        self.h, self.dk, self.nl, self.d = h, d // h, layers, d
        self.embed_tokens = nn.Embedding(vocab, d, padding_idx=vocab - 1)
        pos = torch.arange(max_pos).float()[:, None] / torch.pow(10000, 2 * (torch.arange(d) // 2).float() / d)[None]
        table = torch.zeros(max_pos, d)
        table[:, : d // 2], table[:, d // 2:] = torch.sin(pos[:, 0::2]), torch.cos(pos[:, 1::2])  # MarianSinusoidalPositionalEmbedding
        self.register_buffer('embed_positions', table)
        mk = lambda: nn.ModuleDict(dict(q=nn.Linear(d, d), k=nn.Linear(d, d), v=nn.Linear(d, d), o=nn.Linear(d, d)))  # noqa: E731
        self.self_attn, self.cross_attn = nn.ModuleList(mk() for _ in range(layers)), nn.ModuleList(mk() for _ in range(layers))
        self.ln = nn.ModuleList(nn.LayerNorm(d) for _ in range(3 * layers))
        self.fc1, self.fc2 = nn.ModuleList(nn.Linear(d, ff) for _ in range(layers)), nn.ModuleList(nn.Linear(ff, d) for _ in range(layers))
        self.final_logits_bias = nn.Parameter(torch.randn(1, vocab) * 0.1)

    def heads(self, x):
        return x.view(x.shape[0], -1, self.h, self.dk).transpose(1, 2)

    def forward(self, encoder_attention_mask, input_ids, *past):
        b, s = input_ids.shape
        past_len = past[0].shape[2]
        pos = self.embed_positions[torch.arange(past_len, past_len + s)]
        x = self.embed_tokens(input_ids) * math.sqrt(self.d) + pos
        cross_mask = (1.0 - encoder_attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        presents = []
        for i in range(self.nl):
            sa, ca = self.self_attn[i], self.cross_attn[i]
            q = self.heads(sa['q'](x) * self.dk ** -0.5)
            k = torch.cat([past[4 * i], self.heads(sa['k'](x))], dim=2)
            v = torch.cat([past[4 * i + 1], self.heads(sa['v'](x))], dim=2)
            a = torch.softmax(torch.matmul(q, k.transpose(2, 3)), dim=-1)
            x = self.ln[3 * i](x + sa['o'](torch.matmul(a, v).transpose(1, 2).reshape(b, s, self.d)))
            q = self.heads(ca['q'](x) * self.dk ** -0.5)
            a = torch.softmax(torch.matmul(q, past[4 * i + 2].transpose(2, 3)) + cross_mask, dim=-1)
            x = self.ln[3 * i + 1](x + ca['o'](torch.matmul(a, past[4 * i + 3]).transpose(1, 2).reshape(b, s, self.d)))
            x = self.ln[3 * i + 2](x + self.fc2[i](F.silu(self.fc1[i](x))))
            presents += [k, v]
        return (F.linear(x, self.embed_tokens.weight) + self.final_logits_bias, *presents)


def marian_step_export():
    torch.manual_seed(8)
    enc, b = 11, 1
    names, outs, dyn, pkv = past_cross_inputs(6, enc, b)
    dyn.update({'encoder_attention_mask': {0: 'batch_size', 1: 'encoder_sequence_length'}, 'input_ids': {0: 'batch_size'}})
    mask = torch.ones(b, enc, dtype=torch.long)
    return MarianDecoderStep(), (mask, torch.randint(0, 299, (b, 1)), *pkv), {
        'names': ['encoder_attention_mask', 'input_ids'] + names, 'outputs': ['logits'] + outs, 'opset': 13, 'dynamic': dyn}


class MaskConv(nn.Module):
    def __init__(self, seq):
        super().__init__()
        self.seq = seq

    def forward(self, x, lengths):
        for m in self.seq:
            x = m(x)
            mask = torch.arange(x.size(3))[None, :] >= lengths[:, None]
            x = x.masked_fill(mask[:, None, None, :], 0)
        return x


class BatchRNN(nn.Module):
    def __init__(self, d_in, hidden, bn=True):
        super().__init__()
        self.bn = nn.BatchNorm1d(d_in) if bn else None
        self.rnn = nn.GRU(d_in, hidden, bidirectional=True)

    def forward(self, x, lengths):  # x (T, N, H)
        if self.bn is not None:
            t, n = x.size(0), x.size(1)
            x = self.bn(x.view(t * n, -1)).view(t, n, -1)
        x = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        x, _ = self.rnn(x)
        x, _ = nn.utils.rnn.pad_packed_sequence(x)
        return x.view(x.size(0), x.size(1), 2, -1).sum(2)


class DeepSpeech2(nn.Module):
    def __init__(self, n_freq=81, hidden=96, layers=3, labels=29):
        super().__init__()
        self.conv = MaskConv(nn.Sequential(nn.Conv2d(1, 16, (41, 11), (2, 2), (20, 5)), nn.BatchNorm2d(16), nn.Hardtanh(0, 20, inplace=True),
                                           nn.Conv2d(16, 16, (21, 11), (2, 1), (10, 5)), nn.BatchNorm2d(16), nn.Hardtanh(0, 20, inplace=True)))
        f = (n_freq + 2 * 20 - 41) // 2 + 1
        f = (f + 2 * 10 - 21) // 2 + 1
        self.rnns = nn.ModuleList([BatchRNN(16 * f, hidden, bn=False)] + [BatchRNN(hidden, hidden) for _ in range(layers - 1)])
        self.fc = nn.Sequential(nn.BatchNorm1d(hidden), nn.Linear(hidden, labels, bias=False))

    def forward(self, x, lengths):  # x (N, 1, F, T)
        lengths = lengths.cpu().int()
        out_lengths = torch.div(lengths + 2 * 5 - 11, 2, rounding_mode='floor') + 1
        x = self.conv(x, out_lengths)
        n, c, f, t = x.size()
        x = x.view(n, c * f, t).transpose(1, 2).transpose(0, 1).contiguous()  # (T, N, H)
        for rnn in self.rnns:
            x = rnn(x, out_lengths)
        t, n = x.size(0), x.size(1)
        x = self.fc(x.view(t * n, -1)).view(t, n, -1).transpose(0, 1)
        return F.log_softmax(x, dim=-1), out_lengths


def calibrated_ds2():
    torch.manual_seed(9)
    return calibrate(DeepSpeech2(), torch.randn(2, 1, 81, 60), torch.tensor([60, 60]))


MODELS = {
    'fsmn_vad': lambda: (FsmnVad(), (torch.randn(1, 30, 400), *(torch.zeros(1, 128, 19, 1) for _ in range(4))),
                         {'names': ['speech', 'in_cache0', 'in_cache1', 'in_cache2', 'in_cache3'],
                          'outputs': ['logits', 'out_cache0', 'out_cache1', 'out_cache2', 'out_cache3'], 'opset': 14,
                          'dynamic': {'speech': {1: 'feats_length'}, 'logits': {1: 'logits_length'}}}),
    'marian_decoder_step': marian_step_export,
    'deepspeech2': lambda: (calibrated_ds2(), (torch.randn(2, 1, 81, 60), torch.tensor([60, 45])),
                            {'names': ['spect', 'lengths'], 'outputs': ['logits', 'output_lengths'], 'opset': 13}),
}


# --- NVIDIA WaveGlow (convert_waveglow2onnx.py: infer with the noise z as an input, 1x1 convs inverted beforehand) ---

class WN(nn.Module):
    def __init__(self, n_in, n_mel, n_layers=4, n_ch=32, k=3):
        super().__init__()
        self.n_layers, self.n_ch = n_layers, n_ch
        self.start = nn.Conv1d(n_in, n_ch, 1)
        self.end = nn.Conv1d(n_ch, 2 * n_in, 1)
        self.cond_layer = nn.Conv1d(n_mel, 2 * n_ch * n_layers, 1)
        self.in_layers = nn.ModuleList(nn.Conv1d(n_ch, 2 * n_ch, k, dilation=2 ** i, padding=(k * 2 ** i - 2 ** i) // 2) for i in range(n_layers))
        self.res_skip = nn.ModuleList(nn.Conv1d(n_ch, 2 * n_ch if i < n_layers - 1 else n_ch, 1) for i in range(n_layers))

    def forward(self, audio, spect):
        audio = self.start(audio)
        output = torch.zeros_like(audio)
        spect = self.cond_layer(spect)
        for i in range(self.n_layers):
            off = i * 2 * self.n_ch
            acts = self.in_layers[i](audio) + spect[:, off:off + 2 * self.n_ch, :]
            acts = torch.tanh(acts[:, :self.n_ch]) * torch.sigmoid(acts[:, self.n_ch:])  # fused_add_tanh_sigmoid_multiply
            rs = self.res_skip[i](acts)
            if i < self.n_layers - 1:
                audio = audio + rs[:, :self.n_ch]
                output = output + rs[:, self.n_ch:]
            else:
                output = output + rs
        return self.end(output)


class WaveGlowInfer(nn.Module):
    def __init__(self, n_mel=40, n_flows=4, n_group=8, n_early_every=2, n_early_size=2, stride=256):
        super().__init__()
        self.n_flows, self.n_group, self.n_early_every, self.n_early_size = n_flows, n_group, n_early_every, n_early_size
        self.upsample = nn.ConvTranspose1d(n_mel, n_mel, 1024, stride=stride)
        self.WN, self.convinv = nn.ModuleList(), []
        n_half, n_rem = n_group // 2, n_group
        for k in range(n_flows):
            if k % n_early_every == 0 and k > 0:
                n_half -= n_early_size // 2
                n_rem -= n_early_size
            w = torch.linalg.qr(torch.randn(n_rem, n_rem))[0]
            self.register_buffer(f'convinv_{k}', torch.inverse(w)[:, :, None])
            self.WN.append(WN(n_half, n_mel * n_group))
        self.n_remaining = n_rem

    def forward(self, spect, z):  # z: (B, n_group, T * stride / n_group) of unit noise × sigma
        spect = self.upsample(spect)
        t = z.size(2) * self.n_group
        spect = spect[:, :, :t]
        b = spect.size(0)
        spect = spect.view(b, spect.size(1), -1, self.n_group).permute(0, 2, 1, 3).contiguous().view(b, t // self.n_group, -1).permute(0, 2, 1)  # infer_onnx's view for unfold
        audio = z[:, :self.n_remaining, :]
        z_rest = z[:, self.n_remaining:, :]
        for k in reversed(range(self.n_flows)):
            n_half = audio.size(1) // 2
            a0, a1 = audio[:, :n_half], audio[:, n_half:]
            out = self.WN[k](a0, spect)
            s, bias = out[:, n_half:], out[:, :n_half]
            a1 = (a1 - bias) / torch.exp(s)
            audio = F.conv1d(torch.cat([a0, a1], 1), getattr(self, f'convinv_{k}'))
            if k % self.n_early_every == 0 and k > 0:
                audio = torch.cat((z_rest[:, -self.n_early_size:] if z_rest.size(1) == self.n_early_size else z_rest[:, :self.n_early_size], audio), 1)
                z_rest = z_rest[:, :-self.n_early_size] if z_rest.size(1) > self.n_early_size else z_rest[:, :0]
        return audio.permute(0, 2, 1).contiguous().view(b, -1)


# --- WeNet U2++ Conformer forward_chunk (att_cache / cnn_cache as its ONNX export for the runtime) ---

class WenetLayer(nn.Module):
    def __init__(self, d=64, h=4, k=15):
        super().__init__()
        self.h, self.dk, self.k = h, d // h, k
        self.ff1, self.ff2 = nn.Sequential(nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, d)), nn.Sequential(nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, d))
        self.norm_ff1, self.norm_mha, self.norm_conv, self.norm_ff2, self.norm_final = (nn.LayerNorm(d) for _ in range(5))
        self.linear_q, self.linear_k, self.linear_v, self.linear_out, self.linear_pos = (nn.Linear(d, d) for _ in range(5))
        self.pos_bias_u, self.pos_bias_v = nn.Parameter(torch.randn(h, self.dk) * 0.1), nn.Parameter(torch.randn(h, self.dk) * 0.1)
        self.pw1, self.dw, self.pw2 = nn.Conv1d(d, 2 * d, 1), nn.Conv1d(d, d, k, groups=d), nn.Conv1d(d, d, 1)
        self.conv_norm = nn.LayerNorm(d)

    def forward(self, x, pos_emb, att_cache, cnn_cache):
        b, t, d = x.shape
        x = x + 0.5 * self.ff1(self.norm_ff1(x))
        r = self.norm_mha(x)
        q = self.linear_q(r).view(b, t, self.h, self.dk)
        k = self.linear_k(r).view(b, t, self.h, self.dk).transpose(1, 2)
        v = self.linear_v(r).view(b, t, self.h, self.dk).transpose(1, 2)
        key_cache, value_cache = torch.split(att_cache, att_cache.size(-1) // 2, dim=-1)
        k, v = torch.cat([key_cache, k], dim=2), torch.cat([value_cache, v], dim=2)
        new_att_cache = torch.cat((k, v), dim=-1)
        p = self.linear_pos(pos_emb).view(1, -1, self.h, self.dk).transpose(1, 2)
        ac = torch.matmul((q + self.pos_bias_u).transpose(1, 2), k.transpose(-2, -1))
        bd = torch.matmul((q + self.pos_bias_v).transpose(1, 2), p.transpose(-2, -1))
        a = torch.softmax((ac + bd) / math.sqrt(self.dk), dim=-1)
        x = x + self.linear_out(torch.matmul(a, v).transpose(1, 2).reshape(b, t, d))
        c = self.norm_conv(x).transpose(1, 2)
        c = F.glu(self.pw1(c), dim=1)
        c = torch.cat((cnn_cache, c), dim=2)
        new_cnn_cache = c[:, :, -(self.k - 1):]
        c = self.pw2(F.silu(self.conv_norm(self.dw(c).transpose(1, 2)).transpose(1, 2)))
        x = x + c.transpose(1, 2)
        x = x + 0.5 * self.ff2(self.norm_ff2(x))
        return self.norm_final(x), new_att_cache, new_cnn_cache


class WenetChunk(nn.Module):
    """wenet/bin/export_onnx_cpu.py's encoder: chunk (B, 67, 80) → conv2d subsampling ×4, rel-pos from offset,
    layers with att_cache (L, H, cache_t, 2 d_k) and cnn_cache (L, B, d, k - 1), required_cache_size 16; CTC log-softmax."""
    def __init__(self, feat=80, d=64, layers=2, vocab=100, max_len=512):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, d, 3, 2), nn.ReLU(), nn.Conv2d(d, d, 3, 2), nn.ReLU())
        self.out = nn.Linear(d * (((feat - 1) // 2 - 1) // 2), d)
        pe = torch.zeros(max_len, d)
        pos = torch.arange(max_len).float()[:, None]
        div = torch.exp(torch.arange(0, d, 2).float() * -(math.log(10000.0) / d))
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer('pe', pe[None])
        self.layers = nn.ModuleList(WenetLayer(d) for _ in range(layers))
        self.after_norm, self.ctc = nn.LayerNorm(d), nn.Linear(d, vocab)
        self.d = d

    def forward(self, chunk, offset, required_cache_size, att_cache, cnn_cache):
        x = self.conv(chunk.unsqueeze(1))
        b, c, t, f = x.size()
        x = self.out(x.transpose(1, 2).contiguous().view(b, t, c * f)) * math.sqrt(self.d)
        cache_t = att_cache.size(2)
        pos_emb = torch.index_select(self.pe[0], 0, torch.arange(t + cache_t) + offset - cache_t)[None]  # position_encoding(offset - cache_t, t + cache_t)
        r_att, r_cnn = [], []
        for i, layer in enumerate(self.layers):
            x, a, cc = layer(x, pos_emb, att_cache[i:i + 1], cnn_cache[i])
            r_att.append(a[:, :, -required_cache_size:])
            r_cnn.append(cc.unsqueeze(0))
        x = self.after_norm(x)
        return torch.log_softmax(self.ctc(x), dim=-1), torch.cat(r_att, 0), torch.cat(r_cnn, 0)


# --- g2p_en (Kyubyong's g2p: GRU encoder, GRU decoder step with its hidden state) ---

class G2pEnStep(nn.Module):
    def __init__(self, graphemes=29, phonemes=74, emb=64, hidden=128):
        super().__init__()
        self.enc_emb, self.dec_emb = nn.Embedding(graphemes, emb), nn.Embedding(phonemes, emb)
        self.enc, self.dec = nn.GRU(emb, hidden, batch_first=True), nn.GRUCell(emb, hidden)
        self.fc = nn.Linear(hidden, phonemes)

    def forward(self, word, prev_phoneme, h):  # encoder once per word, decoder one step
        _, h_enc = self.enc(self.enc_emb(word))
        h = torch.where(prev_phoneme[:, None] == 2, h_enc[0], h)  # <s>: start from the encoder's state
        h = self.dec(self.dec_emb(prev_phoneme), h)
        return F.log_softmax(self.fc(h), -1), h


MODELS.update({
    'waveglow_infer': lambda: (WaveGlowInfer(), (torch.randn(1, 40, 12), torch.randn(1, 8, 12 * 256 // 8) * 0.6),
                               {'names': ['mel', 'z'], 'outputs': ['audio'], 'opset': 11,
                                'dynamic': {'mel': {2: 'mel_seq'}, 'z': {2: 'z_seq'}, 'audio': {1: 'audio_seq'}}}),
    'wenet_chunk': lambda: (WenetChunk(), (torch.randn(1, 67, 80), torch.tensor(16), torch.tensor(16), torch.randn(2, 4, 16, 32),
                                           torch.randn(2, 1, 64, 14)),
                            {'names': ['chunk', 'offset', 'required_cache_size', 'att_cache', 'cnn_cache'],
                             'outputs': ['output', 'r_att_cache', 'r_cnn_cache'], 'opset': 13,
                             'dynamic': {'chunk': {1: 'T'}, 'att_cache': {2: 'T_CACHE'}, 'output': {1: 'T'}, 'r_att_cache': {2: 'T_CACHE'}}}),
    'g2p_en_step': lambda: (G2pEnStep(), (torch.randint(3, 29, (1, 9)), torch.tensor([2]), torch.zeros(1, 128)),
                            {'names': ['word', 'prev_phoneme', 'h'], 'outputs': ['logp', 'h_out'], 'opset': 13,
                             'dynamic': {'word': {1: 'letters'}}}),
})


# --- Moonshine decoder step (useful-sensors' ONNX export: rotary on interleaved pairs over half the head, SwiGLU,
#     past self keys / values and cross keys / values in) ---

def rotate_interleaved(x, cos, sin, rot):
    xr, xp = x[..., :rot], x[..., rot:]
    x1, x2 = xr[..., 0::2], xr[..., 1::2]
    r = torch.stack((-x2, x1), dim=-1).flatten(-2)
    return torch.cat([xr * cos + r * sin, xp], dim=-1)


class MoonshineDecoderStep(nn.Module):
    def __init__(self, vocab=200, d=64, h=4, layers=2, max_pos=128):
        super().__init__()
        self.h, self.dk, self.nl, self.d, self.rot = h, d // h, layers, d, d // h // 2
        self.embed = nn.Embedding(vocab, d)
        inv = 1.0 / (10000 ** (torch.arange(0, self.rot, 2).float() / self.rot))
        f = torch.outer(torch.arange(max_pos).float(), inv).repeat_interleave(2, dim=-1)
        self.register_buffer('cos', f.cos())
        self.register_buffer('sin', f.sin())
        mk = lambda: nn.ModuleDict(dict(q=nn.Linear(d, d, bias=False), k=nn.Linear(d, d, bias=False), v=nn.Linear(d, d, bias=False),  # noqa: E731
                                        o=nn.Linear(d, d, bias=False)))
        self.self_attn, self.cross_attn = nn.ModuleList(mk() for _ in range(layers)), nn.ModuleList(mk() for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(3 * layers + 1))  # bias-free in Moonshine; torch 1.13 has no bias=False
        self.fc1, self.fc2 = nn.ModuleList(nn.Linear(d, 2 * 4 * d) for _ in range(layers)), nn.ModuleList(nn.Linear(4 * d, d) for _ in range(layers))

    def heads(self, x):
        return x.view(x.shape[0], -1, self.h, self.dk).transpose(1, 2)

    def forward(self, input_ids, *past):
        b, s = input_ids.shape
        past_len = past[0].shape[2]
        pos = torch.arange(past_len, past_len + s)
        cos, sin = self.cos[pos][None, None], self.sin[pos][None, None]
        x = self.embed(input_ids)
        causal = torch.zeros(s, past_len + s).masked_fill(torch.arange(past_len + s)[None, :] > pos[:, None], float('-inf'))
        presents = []
        for i in range(self.nl):
            sa, ca = self.self_attn[i], self.cross_attn[i]
            hdn = self.norms[3 * i](x)
            q = rotate_interleaved(self.heads(sa['q'](hdn)), cos, sin, self.rot)
            k = torch.cat([past[4 * i], rotate_interleaved(self.heads(sa['k'](hdn)), cos, sin, self.rot)], dim=2)
            v = torch.cat([past[4 * i + 1], self.heads(sa['v'](hdn))], dim=2)
            a = torch.softmax(torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.dk) + causal, dim=-1)
            x = x + sa['o'](torch.matmul(a, v).transpose(1, 2).reshape(b, s, self.d))
            hdn = self.norms[3 * i + 1](x)
            a = torch.softmax(torch.matmul(self.heads(ca['q'](hdn)), past[4 * i + 2].transpose(2, 3)) / math.sqrt(self.dk), dim=-1)
            x = x + ca['o'](torch.matmul(a, past[4 * i + 3]).transpose(1, 2).reshape(b, s, self.d))
            g, u = self.fc1[i](self.norms[3 * i + 2](x)).chunk(2, dim=-1)
            x = x + self.fc2[i](F.silu(u) * g)
            presents += [k, v]
        return (F.linear(self.norms[-1](x), self.embed.weight), *presents)


def moonshine_step_export():
    torch.manual_seed(10)
    names, outs, dyn, pkv = past_cross_inputs(5, 20)
    dyn['input_ids'] = {0: 'batch_size', 1: 'seq'}
    return MoonshineDecoderStep(), (torch.randint(0, 200, (1, 1)), *pkv), {'names': ['input_ids'] + names, 'outputs': ['logits'] + outs,
                                                                            'opset': 14, 'dynamic': dyn}


# --- NeMo TitaNet-small (speaker embeddings: 1-D depthwise-separable blocks with SE, attentive statistics pooling) ---

class SepConvBN(nn.Module):
    def __init__(self, cin, cout, k):
        super().__init__()
        self.dw, self.pw, self.bn = nn.Conv1d(cin, cin, k, padding=k // 2, groups=cin, bias=False), nn.Conv1d(cin, cout, 1, bias=False), nn.BatchNorm1d(cout)

    def forward(self, x):
        return self.bn(self.pw(self.dw(x)))


class TitaNetBlock(nn.Module):
    def __init__(self, cin, c, k, repeat=3):
        super().__init__()
        self.convs = nn.ModuleList(SepConvBN(cin if i == 0 else c, c, k) for i in range(repeat))
        self.se1, self.se2 = nn.Conv1d(c, c // 8, 1), nn.Conv1d(c // 8, c, 1)
        self.res = nn.Sequential(nn.Conv1d(cin, c, 1, bias=False), nn.BatchNorm1d(c))

    def forward(self, x, mask):
        y = x
        for i, conv in enumerate(self.convs):
            y = conv(y)
            if i < len(self.convs) - 1:
                y = F.relu(y)
        s = (y * mask).sum(-1, keepdim=True) / mask.sum(-1, keepdim=True)  # masked mean, as NeMo's SqueezeExcite
        y = y * torch.sigmoid(self.se2(F.relu(self.se1(s))))
        return F.relu(y + self.res(x)) * mask


class TitaNet(nn.Module):
    def __init__(self, feat=80, c=128, emb=96):
        super().__init__()
        self.prolog = nn.Sequential(SepConvBN(feat, c, 3), nn.ReLU())
        self.blocks = nn.ModuleList([TitaNetBlock(c, c, 7), TitaNetBlock(c, c, 11), TitaNetBlock(c, c, 15)])
        self.epilog = nn.Sequential(nn.Conv1d(c, 3 * c, 1), nn.BatchNorm1d(3 * c), nn.ReLU())
        self.att = nn.Sequential(nn.Conv1d(9 * c, 64, 1), nn.Tanh(), nn.Conv1d(64, 3 * c, 1))
        self.bn, self.fc = nn.BatchNorm1d(6 * c), nn.Linear(6 * c, emb)

    def forward(self, audio_signal, length):
        t = audio_signal.size(2)
        mask = (torch.arange(t)[None, :] < length[:, None]).float()[:, None, :]
        x = self.prolog(audio_signal) * mask
        for blk in self.blocks:
            x = blk(x, mask)
        x = self.epilog(x)
        n = mask.sum(-1, keepdim=True)
        mean = (x * mask).sum(-1, keepdim=True) / n
        std = torch.sqrt(((x - mean).pow(2) * mask).sum(-1, keepdim=True) / n).clamp(min=1e-5)
        att = self.att(torch.cat([x, mean.expand_as(x), std.expand_as(x)], dim=1))
        att = torch.softmax(att.masked_fill(mask == 0, float('-inf')), dim=2)
        mu = (att * x).sum(-1)
        sg = torch.sqrt(((x ** 2) * att).sum(-1) - mu ** 2).clamp(min=1e-5)
        e = self.fc(self.bn(torch.cat([mu, sg], dim=1)))
        return e, e / e.norm(dim=-1, keepdim=True)


def titanet():
    torch.manual_seed(11)
    return calibrate(TitaNet(), torch.randn(4, 80, 150), torch.tensor([150, 150, 120, 100]))


MODELS.update({
    'moonshine_decoder_step': moonshine_step_export,
    'titanet_small': lambda: (titanet(), (torch.randn(2, 80, 150), torch.tensor([150, 110])),
                              {'names': ['audio_signal', 'length'], 'outputs': ['logits', 'embs'], 'opset': 13,
                               'dynamic': {'audio_signal': {0: 'batch', 2: 'time'}, 'length': {0: 'batch'}}}),
})
