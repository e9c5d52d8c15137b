"""Tenth sweep: FunASR's FSMN-VAD streaming export (four FSMN memory blocks with their caches in and out), Marian /
Opus-MT's decoder step as optimum exports it (embeddings scaled by sqrt(d), static sinusoidal positions offset by the
past length, post-LN layers with SiLU, past self keys / values and encoder keys / values in), and deepspeech.pytorch's
DeepSpeech2 (MaskConv'd Conv2d stack with Hardtanh, sequence-wise BatchNorm before packed bidirectional GRUs, summed
directions, lengths), at small widths, random weights."""
import math

import torch
from torch import nn
import torch.nn.functional as F


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
    past, enc, b = 6, 11, 1
    names, outs, dyn, pkv = ['encoder_attention_mask', 'input_ids'], ['logits'], {
        'encoder_attention_mask': {0: 'batch_size', 1: 'encoder_sequence_length'}, 'input_ids': {0: 'batch_size'}}, []
    for i in range(2):
        for part, n in (('decoder', past), ('encoder', enc)):
            for t in ('key', 'value'):
                pkv.append(torch.randn(b, 4, n, 16))
                names.append(f'past_key_values.{i}.{part}.{t}')
                dyn[names[-1]] = {0: 'batch_size', 2: 'past_decoder_sequence_length' if part == 'decoder' else 'encoder_sequence_length_out'}
        outs += [f'present.{i}.decoder.key', f'present.{i}.decoder.value']
    mask = torch.ones(b, enc, dtype=torch.long)
    return MarianDecoderStep(), (mask, torch.randint(0, 299, (b, 1)), *pkv), {'names': names, 'outputs': outs, 'opset': 13, 'dynamic': dyn}


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
    m = DeepSpeech2()
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(torch.randn(2, 1, 81, 60), torch.tensor([60, 60]))
    return m.eval()


MODELS = {
    'fsmn_vad': lambda: (FsmnVad(), (torch.randn(1, 30, 400), *(torch.zeros(1, 128, 19, 1) for _ in range(4))),
                         {'names': ['speech', 'in_cache0', 'in_cache1', 'in_cache2', 'in_cache3'],
                          'outputs': ['logits', 'out_cache0', 'out_cache1', 'out_cache2', 'out_cache3'], 'opset': 14,
                          'dynamic': {'speech': {1: 'feats_length'}, 'logits': {1: 'logits_length'}}}),
    'marian_decoder_step': marian_step_export,
    'deepspeech2': lambda: (calibrated_ds2(), (torch.randn(2, 1, 81, 60), torch.tensor([60, 45])),
                            {'names': ['spect', 'lengths'], 'outputs': ['logits', 'output_lengths'], 'opset': 13}),
}
