"""Tenth sweep: torchaudio's streaming Emformer RNN-T as sherpa / icefall run it (transcriber `infer` with its states
flattened in and out, predictor with its LSTM state, joiner), RWKV-5 time mixing (multi-head matrix state, per-head
decay, GroupNorm over heads), xLSTM cells (mLSTM with its covariance state and exponential gating stabilised by m,
sLSTM), pyannote's segmentation model (SincNet: sinc band-pass filters built from their learned cut-offs, |.|, max
pooling, instance norm; BiLSTM; powerset log-softmax), sherpa-onnx's CT-Transformer punctuation (SAN-M encoder over
token embeddings), DeepPhonemizer's forward G2P transformer, a WeSpeaker ResNet34-style speaker embedding and an
attention-RNN keyword spotter (small widths, random weights)."""
import math

import torch
from torch import nn
import torch.nn.functional as F
import torchaudio

from sweep9_audio_asr import EncoderLayerSANM, SinusoidalPositionEncoder, sequence_mask


# --- Emformer RNN-T (torchaudio emformer_rnnt_model at small widths) ---

def small_emformer_rnnt():
    torch.manual_seed(6)
    return torchaudio.models.emformer_rnnt_model(
        input_dim=40, encoding_dim=64, num_symbols=100, segment_length=16, right_context_length=4, time_reduction_input_dim=64,
        time_reduction_stride=4, transformer_num_heads=4, transformer_ffn_dim=128, transformer_num_layers=3, transformer_dropout=0.0,
        transformer_activation='gelu', transformer_left_context_length=30, transformer_max_memory_size=4, transformer_weight_init_scale_strategy='depthwise',
        transformer_tanh_on_mem=True, symbol_embedding_dim=64, num_lstm_layers=2, lstm_layer_norm=True, lstm_layer_norm_epsilon=1e-3,
        lstm_dropout=0.0).eval()


RNNT = small_emformer_rnnt()


class EmformerStreaming(nn.Module):
    """transcriber.infer on one chunk (segment 16 + right context 4 frames) with the states of the previous chunk
    flattened: per layer [memory (4, B, 256) at max_memory_size 4 (at 0, torchaudio's emformer_rnnt_base, the export concatenates
    an empty rank-1 tensor with rank-3 ones and onnxruntime refuses the file, as in the first sweep), left-context key / value (30, B, 256), past length]; the past length is read by `.item()`, so the trace keeps the exported one (32: a full left context)."""
    def __init__(self, rnnt, layers=3):
        super().__init__()
        self.t, self.layers = rnnt.transcriber, layers

    def forward(self, x, x_lens, *states):
        st = [list(states[4 * i:4 * i + 4]) for i in range(self.layers)]
        out, lens, new = self.t.infer(x, x_lens, st)
        return (out, lens, *[s for layer in new for s in layer])


def emformer_states(b=1, layers=3, d=256, left=30, past=32):
    return [t for _ in range(layers) for t in (torch.randn(4, b, d), torch.randn(left, b, d), torch.randn(left, b, d),
                                               torch.tensor([[past]], dtype=torch.int32).expand(1, b).contiguous())]


class EmformerPredictor(nn.Module):
    def __init__(self, rnnt):
        super().__init__()
        self.p = rnnt.predictor

    def forward(self, y, y_lens, h0, c0, h1, c1):
        out, lens, st = self.p(y, y_lens, [[h0, c0], [h1, c1]])
        return out, lens, st[0][0], st[0][1], st[1][0], st[1][1]


class EmformerJoiner(nn.Module):
    def __init__(self, rnnt):
        super().__init__()
        self.j = rnnt.joiner

    def forward(self, encoder_out, decoder_out):
        t, u = encoder_out.shape[1], decoder_out.shape[1]
        out, _, _ = self.j(encoder_out, torch.full((encoder_out.shape[0],), t, dtype=torch.int32), decoder_out,
                           torch.full((decoder_out.shape[0],), u, dtype=torch.int32))
        return out


# --- RWKV-5 (Eagle) time mixing, one token, as RWKV's ONNX exports write it ---

class RWKV5Block(nn.Module):
    def __init__(self, d=64, head=16):
        super().__init__()
        self.h, self.n = d // head, head
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.time_mix_k, self.time_mix_v, self.time_mix_r, self.time_mix_g = (nn.Parameter(torch.rand(d)) for _ in range(4))
        self.time_decay = nn.Parameter(torch.randn(self.h, head) * 0.5 - 1.0)
        self.time_faaaa = nn.Parameter(torch.randn(self.h, head) * 0.5)
        self.key, self.value, self.receptance, self.gate, self.output = (nn.Linear(d, d, bias=False) for _ in range(5))
        self.ln_x = nn.GroupNorm(self.h, d, eps=64e-5)
        self.cm_mix_k, self.cm_mix_r = nn.Parameter(torch.rand(d)), nn.Parameter(torch.rand(d))
        self.cm_key, self.cm_value, self.cm_recept = nn.Linear(d, 3 * d, bias=False), nn.Linear(3 * d, d, bias=False), nn.Linear(d, d, bias=False)

    def forward(self, x, att_shift, wkv, ffn_shift):  # x (B, d); wkv (B, H, n, n)
        xx = self.ln1(x)
        k = self.key(xx * self.time_mix_k + att_shift * (1 - self.time_mix_k)).view(-1, self.h, self.n, 1)
        v = self.value(xx * self.time_mix_v + att_shift * (1 - self.time_mix_v)).view(-1, self.h, 1, self.n)
        r = self.receptance(xx * self.time_mix_r + att_shift * (1 - self.time_mix_r)).view(-1, self.h, 1, self.n)
        g = F.silu(self.gate(xx * self.time_mix_g + att_shift * (1 - self.time_mix_g)))
        kv = k @ v
        w = torch.exp(-torch.exp(self.time_decay)).view(1, self.h, self.n, 1)
        u = self.time_faaaa.view(1, self.h, self.n, 1)
        out = (r @ (u * kv + wkv)).view(-1, self.h * self.n)
        new_wkv = kv + w * wkv
        x = x + self.output(self.ln_x(out.unsqueeze(-1)).view(-1, self.h * self.n) * g)  # GroupNorm on (B, C, 1): torch 1.13 cannot export it on (B, C)
        xf = self.ln2(x)
        kk = torch.square(torch.relu(self.cm_key(xf * self.cm_mix_k + ffn_shift * (1 - self.cm_mix_k))))
        x = x + torch.sigmoid(self.cm_recept(xf * self.cm_mix_r + ffn_shift * (1 - self.cm_mix_r))) * self.cm_value(kk)
        return x, xx, new_wkv, xf


class RWKV5Step(nn.Module):
    def __init__(self, vocab=256, d=64, layers=2):
        super().__init__()
        self.emb, self.ln0, self.ln_out = nn.Embedding(vocab, d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.blocks = nn.ModuleList(RWKV5Block(d) for _ in range(layers))
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, token, att_shift, wkv, ffn_shift):  # token (B,), shifts (L, B, d), wkv (L, B, H, n, n)
        x = self.ln0(self.emb(token))
        a, s, f = [], [], []
        for i, blk in enumerate(self.blocks):
            x, ai, si, fi = blk(x, att_shift[i], wkv[i], ffn_shift[i])
            a.append(ai), s.append(si), f.append(fi)
        return self.head(self.ln_out(x)), torch.stack(a), torch.stack(s), torch.stack(f)


# --- xLSTM cells, one step (the recurrent forms of xlstm's mLSTM / sLSTM, as its step() writes them) ---

class MLSTMStep(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h, self.dh = h, d // h
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.igate, self.fgate = nn.Linear(3 * d, h), nn.Linear(3 * d, h)
        self.norm = nn.GroupNorm(h, d)
        self.proj = nn.Linear(d, d)

    def forward(self, x, c, n, m):  # x (B, d); c (B, H, dh, dh); n (B, H, dh, 1); m (B, H, 1, 1)
        b = x.shape[0]
        q, k, v = self.q(x), self.k(x), self.v(x)
        qkv = torch.cat([q, k, v], dim=-1)
        i = self.igate(qkv).view(b, self.h, 1, 1)
        f = F.logsigmoid(self.fgate(qkv)).view(b, self.h, 1, 1)
        q = q.view(b, self.h, self.dh, 1)
        k = k.view(b, self.h, self.dh, 1) / math.sqrt(self.dh)
        v = v.view(b, self.h, self.dh, 1)
        m_new = torch.max(f + m, i)
        fi, ii = torch.exp(f + m - m_new), torch.exp(i - m_new)
        c_new = fi * c + ii * (v @ k.transpose(-1, -2))
        n_new = fi * n + ii * k
        num = c_new @ q
        den = torch.max((n_new.transpose(-1, -2) @ q).abs(), torch.exp(-m_new)) + 1e-6
        hh = (num / den).view(b, -1)
        return x + self.proj(self.norm(hh.unsqueeze(-1)).squeeze(-1)), c_new, n_new, m_new


class SLSTMStep(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h, self.dh = h, d // h
        self.w = nn.Linear(d, 4 * d)
        self.r = nn.Parameter(torch.randn(h, self.dh, 4 * self.dh) * 0.1)  # block-diagonal recurrent weights per head
        self.norm = nn.GroupNorm(h, d)

    def forward(self, x, y, c, n, m):  # all (B, d)
        b = x.shape[0]
        rec = torch.einsum('bhd,hde->bhe', y.view(b, self.h, self.dh), self.r).reshape(b, self.h, 4, self.dh).transpose(1, 2).reshape(b, 4 * self.h * self.dh)
        zi, zf, zz, zo = (self.w(x) + rec).chunk(4, dim=-1)
        logf = F.logsigmoid(zf)
        m_new = torch.max(logf + m, zi)
        i, f = torch.exp(zi - m_new), torch.exp(logf + m - m_new)
        c_new = f * c + i * torch.tanh(zz)
        n_new = f * n + i
        y_new = torch.sigmoid(zo) * c_new / n_new
        return x + self.norm(y_new.unsqueeze(-1)).squeeze(-1), y_new, c_new, n_new, m_new


class XLSTMStep(nn.Module):
    """An xLSTM[1:1] stack's step: an mLSTM block then an sLSTM block, states in and out."""
    def __init__(self, vocab=256, d=64):
        super().__init__()
        self.emb, self.mln, self.sln = nn.Embedding(vocab, d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.mlstm, self.slstm = MLSTMStep(d), SLSTMStep(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, token, c, n, m, sy, sc, sn, sm):
        x = self.emb(token)
        x, c, n, m = self.mlstm(self.mln(x), c, n, m)
        x, sy, sc, sn, sm = self.slstm(self.sln(x), sy, sc, sn, sm)
        return self.head(x), c, n, m, sy, sc, sn, sm


# --- pyannote/segmentation-3.0 (PyanNet): SincNet + BiLSTM + powerset output ---

class SincConv(nn.Module):
    """asteroid-filterbanks' ParamSincFB as pyannote uses it: filters built in forward from the learned low / band Hz."""
    def __init__(self, n_filters=40, kernel=251, sr=16000, stride=10):
        super().__init__()
        self.kernel, self.stride, self.sr = kernel, stride, sr
        half = n_filters // 2
        low = torch.linspace(30, sr / 2 - 100, half + 1)[:-1]
        self.low_hz_ = nn.Parameter(low.view(-1, 1))
        self.band_hz_ = nn.Parameter(torch.full((half, 1), 120.0) + torch.rand(half, 1) * 100)
        n = (kernel - 1) / 2.0
        self.register_buffer('n_', 2 * math.pi * torch.arange(-n, 0.0).view(1, -1) / sr)
        self.register_buffer('window_', torch.hamming_window(kernel)[: kernel // 2])

    def forward(self, x):
        low = 50.0 + torch.abs(self.low_hz_)
        high = torch.clamp(low + 50.0 + torch.abs(self.band_hz_), 50.0, self.sr / 2)
        band = (high - low)[:, 0]
        f_low, f_high = torch.matmul(low, self.n_), torch.matmul(high, self.n_)
        bp_left = ((torch.sin(f_high) - torch.sin(f_low)) / (self.n_ / 2)) * self.window_
        bp_center = 2 * band.view(-1, 1)
        cos_left = ((torch.cos(f_high) - torch.cos(f_low)) / (self.n_ / 2)) * self.window_  # ParamSincFB's cosine half
        filt = torch.cat([torch.cat([bp_left, bp_center, torch.flip(bp_left, dims=[1])], dim=1) / (2 * band[:, None]),
                          torch.cat([cos_left, torch.zeros_like(bp_center), -torch.flip(cos_left, dims=[1])], dim=1) / (2 * band[:, None])], dim=0)
        return F.conv1d(x, filt.view(-1, 1, self.kernel), stride=self.stride)


class PyanNet(nn.Module):
    def __init__(self, classes=7):
        super().__init__()
        self.wav_norm = nn.InstanceNorm1d(1, affine=True)
        self.sinc = SincConv()
        self.conv = nn.ModuleList([nn.Conv1d(40, 60, 5, 1), nn.Conv1d(60, 60, 5, 1)])
        self.norms = nn.ModuleList([nn.InstanceNorm1d(40, affine=True), nn.InstanceNorm1d(60, affine=True), nn.InstanceNorm1d(60, affine=True)])
        self.lstm = nn.LSTM(60, 64, num_layers=2, bidirectional=True, batch_first=True)
        self.linear = nn.ModuleList([nn.Linear(128, 64), nn.Linear(64, 64)])
        self.classifier = nn.Linear(64, classes)

    def forward(self, waveforms):
        x = self.wav_norm(waveforms)
        x = F.leaky_relu(self.norms[0](F.max_pool1d(torch.abs(self.sinc(x)), 3, stride=3)))
        for conv, norm in zip(self.conv, self.norms[1:]):
            x = F.leaky_relu(norm(F.max_pool1d(conv(x), 3, stride=3)))
        x, _ = self.lstm(x.permute(0, 2, 1))
        for lin in self.linear:
            x = F.leaky_relu(lin(x))
        return F.log_softmax(self.classifier(x), dim=-1)


# --- sherpa-onnx CT-Transformer punctuation ---

class CTTransformerPunc(nn.Module):
    def __init__(self, vocab=500, d=64, layers=3, punc=6):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.pos = SinusoidalPositionEncoder()
        self.encoders = nn.ModuleList(EncoderLayerSANM(d, d) for _ in range(layers))
        self.after_norm = nn.LayerNorm(d)
        self.decoder = nn.Linear(d, punc)

    def forward(self, text, text_lengths):
        x = self.embed(text)
        mask = sequence_mask(text_lengths, text.size(1))
        mask_3d, mask_4d = mask[:, :, None], (1 - mask[:, None, None, :]) * -10000.0
        x = self.pos(x * x.size(2) ** 0.5)
        for layer in self.encoders:
            x = layer(x, mask_3d, mask_4d)
        return self.decoder(self.after_norm(x)), text_lengths


# --- DeepPhonemizer ForwardTransformer ---

class ScaledPositionalEncoding(nn.Module):
    def __init__(self, d, max_len=256):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        pe = torch.zeros(max_len, d)
        pos = torch.arange(0, max_len).float().unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer('pe', pe.unsqueeze(0).transpose(0, 1))  # (max_len, 1, d)

    def forward(self, x):  # (T, B, d)
        return x + self.scale * self.pe[:x.size(0)]


class ForwardTransformerG2P(nn.Module):
    def __init__(self, n_in=60, n_out=80, d=64, layers=3, heads=4):
        super().__init__()
        self.embedding = nn.Embedding(n_in, d)
        self.pos_encoder = ScaledPositionalEncoding(d)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, heads, 4 * d, 0.0), layers, nn.LayerNorm(d))
        self.fc_out = nn.Linear(d, n_out)

    def forward(self, text):  # (B, T); 0 is padding
        x = self.embedding(text.transpose(0, 1))
        x = self.pos_encoder(x)
        x = self.encoder(x, src_key_padding_mask=(text == 0))
        return self.fc_out(x).transpose(0, 1)


# --- WeSpeaker ResNet34 (channels 16), temporal statistics pooling ---

class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.sc = nn.Sequential() if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.b2(self.c2(F.relu(self.b1(self.c1(x))))) + self.sc(x))


class WeSpeakerResNet(nn.Module):
    def __init__(self, feat=80, m=16, blocks=(3, 4, 6, 3), emb=128):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, m, 3, 1, 1, bias=False), nn.BatchNorm2d(m)
        layers, cin = [], m
        for i, n in enumerate(blocks):
            for j in range(n):
                layers.append(BasicBlock(cin, m * 2 ** i, 2 if (j == 0 and i > 0) else 1))
                cin = m * 2 ** i
        self.layers = nn.Sequential(*layers)
        self.seg_1 = nn.Linear(cin * (feat // 8) * 2, emb)

    def forward(self, feats):  # (B, T, F)
        x = feats.permute(0, 2, 1).unsqueeze(1)
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        x = x.reshape(x.shape[0], -1, x.shape[-1])
        mean = x.mean(dim=-1)
        std = torch.sqrt(torch.var(x, dim=-1) + 1e-7)
        return self.seg_1(torch.cat([mean, std], dim=-1))


# --- attention-RNN keyword spotter (de Andrade et al.), as its Keras / torch ports write it ---

class AttRNNKWS(nn.Module):
    def __init__(self, n_mels=40, classes=12):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(1, 10, (5, 1), padding=(2, 0)), nn.BatchNorm2d(10)
        self.c2, self.b2 = nn.Conv2d(10, 1, (5, 1), padding=(2, 0)), nn.BatchNorm2d(1)
        self.lstm = nn.LSTM(n_mels, 64, num_layers=2, bidirectional=True, batch_first=True)
        self.query = nn.Linear(128, 128)
        self.fc1, self.fc2, self.out = nn.Linear(128, 64), nn.Linear(64, 32), nn.Linear(32, classes)

    def forward(self, mel):  # (B, T, n_mels)
        x = mel.unsqueeze(1)
        x = F.relu(self.b2(self.c2(F.relu(self.b1(self.c1(x))))))
        x, _ = self.lstm(x.squeeze(1))
        q = self.query(x[:, x.shape[1] // 2])
        att = torch.softmax(torch.bmm(x, q.unsqueeze(2)).squeeze(2), dim=-1)
        v = torch.bmm(att.unsqueeze(1), x).squeeze(1)
        return torch.softmax(self.out(self.fc2(F.relu(self.fc1(v)))), dim=-1)


def calibrate(m, *x):
    """BatchNorm statistics re-estimated on random inputs (three training-mode passes), then eval."""
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(*x)
    return m.eval()


torch.manual_seed(7)
EMF_NAMES = [f'state_{i}_{k}' for i in range(3) for k in ('memory', 'left_key', 'left_val', 'past_len')]
MODELS = {
    'emformer_streaming': lambda: (EmformerStreaming(RNNT), (torch.randn(1, 20, 40), torch.tensor([20]), *emformer_states()),
                                   {'names': ['x', 'x_lens'] + EMF_NAMES, 'outputs': ['encoder_out', 'encoder_out_lens'] + ['new_' + n for n in EMF_NAMES],
                                    'opset': 13}),
    'emformer_predictor': lambda: (EmformerPredictor(RNNT), (torch.randint(0, 100, (1, 1)), torch.tensor([1]), *(torch.randn(1, 64) for _ in range(4))),
                                   {'names': ['y', 'y_lens', 'h0', 'c0', 'h1', 'c1'], 'outputs': ['decoder_out', 'out_lens', 'h0_out', 'c0_out', 'h1_out', 'c1_out'],
                                    'opset': 13}),
    'emformer_joiner': lambda: (EmformerJoiner(RNNT), (torch.randn(1, 1, 1024 // 16), torch.randn(1, 1, 64)),
                                {'names': ['encoder_out', 'decoder_out'], 'outputs': ['logits'], 'opset': 13}),
    'rwkv5_step': lambda: (RWKV5Step(), (torch.tensor([42]), torch.randn(2, 1, 64), torch.randn(2, 1, 4, 16, 16) * 0.3, torch.randn(2, 1, 64)),
                           {'names': ['token', 'att_shift', 'wkv', 'ffn_shift'], 'outputs': ['logits', 'att_shift_out', 'wkv_out', 'ffn_shift_out'], 'opset': 15}),
    'xlstm_step': lambda: (XLSTMStep(), (torch.tensor([7]), torch.randn(1, 4, 16, 16) * 0.3, torch.randn(1, 4, 16, 1) * 0.3, torch.zeros(1, 4, 1, 1),
                                         torch.randn(1, 64) * 0.3, torch.randn(1, 64) * 0.3, torch.rand(1, 64) + 0.5, torch.zeros(1, 64)),
                           {'names': ['token', 'c', 'n', 'm', 'sy', 'sc', 'sn', 'sm'], 'outputs': ['logits', 'c_out', 'n_out', 'm_out', 'sy_out', 'sc_out', 'sn_out',
                                                                                                  'sm_out'], 'opset': 15}),
    'pyannote_segmentation': lambda: (PyanNet(), torch.randn(1, 1, 16000 * 2), {'names': ['input_values'], 'outputs': ['logits'], 'opset': 13,
                                      'dynamic': {'input_values': {0: 'batch_size', 2: 'num_samples'}, 'logits': {0: 'batch_size', 1: 'num_frames'}}}),
    'ct_transformer_punc': lambda: (CTTransformerPunc(), (torch.randint(1, 500, (1, 20)), torch.tensor([20], dtype=torch.int32)),
                                    {'names': ['inputs', 'text_lengths'], 'outputs': ['logits', 'out_lens'], 'opset': 14,
                                     'dynamic': {'inputs': {0: 'batch_size', 1: 'feats_length'}, 'text_lengths': {0: 'batch_size'},
                                                 'logits': {0: 'batch_size', 1: 'logits_length'}}}),
    'deepphonemizer_forward': lambda: (ForwardTransformerG2P(), torch.cat([torch.randint(1, 60, (2, 14)), torch.zeros(2, 4, dtype=torch.long)], 1),
                                       {'names': ['text'], 'outputs': ['output'], 'opset': 12,
                                        'dynamic': {'text': {0: 'batch', 1: 'text_len'}, 'output': {0: 'batch', 1: 'text_len'}}}),
    'wespeaker_resnet34': lambda: (calibrate(WeSpeakerResNet(), torch.randn(4, 200, 80)), torch.randn(1, 200, 80),
                                   {'names': ['feats'], 'outputs': ['embs'], 'opset': 14, 'dynamic': {'feats': {0: 'B', 1: 'T'}, 'embs': {0: 'B'}}}),
    'attrnn_kws': lambda: (calibrate(AttRNNKWS(), torch.randn(4, 98, 40)), torch.randn(1, 98, 40), {'names': ['mel'], 'outputs': ['probs'], 'opset': 13}),
}
