"""Tenth sweep: the leftovers of earlier sweeps in the forms their users deploy. Tacotron2 split as NVIDIA's
DeepLearningExamples export writes it (encoder / decoder_iter: one step with its attention and LSTM states in and
out / postnet; torchaudio's modules at small widths), WaveRNN as one step with its GRU states (the sample loop
stays in the host) and its upsampler alone, HDemucs with the STFT outside (torch 1.13 exports neither `aten::stft`
nor complex tensors, so torchaudio's full model cannot be exported: its users run the STFT / ISTFT beside it)."""
import math

import torch
from torch import nn
import torch.nn.functional as F
import torchaudio
from torchaudio.models import Tacotron2, WaveRNN
from torchaudio.models._hdemucs import HDemucs


def small_tacotron():
    torch.manual_seed(0)
    return Tacotron2(n_symbol=148, symbol_embedding_dim=128, encoder_embedding_dim=128, decoder_rnn_dim=256,
                     attention_rnn_dim=256, attention_hidden_dim=64, attention_location_n_filter=16, prenet_dim=64,
                     postnet_embedding_dim=128).eval()


class TacoEncoder(nn.Module):
    """NVIDIA's `Encoder` wrapper: embedding, encoder.infer (convs, packed BiLSTM), memory_layer."""
    def __init__(self, t):
        super().__init__()
        self.t = t

    def forward(self, sequence, sequence_lengths):
        x = self.t.embedding(sequence).transpose(1, 2)
        memory = self.t.encoder(x, sequence_lengths)
        processed_memory = self.t.decoder.attention_layer.memory_layer(memory)
        return memory, processed_memory, sequence_lengths


class TacoDecoderIter(nn.Module):
    """NVIDIA's `DecoderIter`: prenet on the last frame, then one decode step. The prenet's always-on dropout
    (training=True) is left out: NVIDIA's TensorRT plugin and ports run it without, and a random mask cannot be
    compared between runtimes."""
    def __init__(self, t):
        super().__init__()
        self.d = t.decoder

    def forward(self, decoder_input, attention_hidden, attention_cell, decoder_hidden, decoder_cell, attention_weights,
                attention_weights_cum, attention_context, memory, processed_memory, mask):
        x = decoder_input
        for linear in self.d.prenet.layers:
            x = F.relu(linear(x))
        return self.d.decode(x, attention_hidden, attention_cell, decoder_hidden, decoder_cell, attention_weights,
                             attention_weights_cum.clone(), attention_context, memory, processed_memory, mask)


class TacoPostnet(nn.Module):
    def __init__(self, t):
        super().__init__()
        self.p = t.postnet

    def forward(self, mel_outputs):
        return mel_outputs + self.p(mel_outputs)


def tacotron2_parts():
    t = small_tacotron()
    return TacoEncoder(t), TacoDecoderIter(t), TacoPostnet(t)


def tacotron_step_inputs(b=1, t=20):
    z = lambda n: torch.zeros(b, n)  # noqa: E731
    mask = torch.zeros(b, t, dtype=torch.bool)
    return (torch.randn(b, 80), torch.randn(b, 256), torch.randn(b, 256), torch.randn(b, 256), torch.randn(b, 256),
            torch.softmax(torch.randn(b, t), -1), torch.rand(b, t), torch.randn(b, 128), torch.randn(b, t, 128),
            torch.randn(b, t, 64), mask)


TACO_STEP_NAMES = ['decoder_input', 'attention_hidden', 'attention_cell', 'decoder_hidden', 'decoder_cell', 'attention_weights',
                   'attention_weights_cum', 'attention_context', 'memory', 'processed_memory', 'mask']
TACO_STEP_OUTS = ['decoder_output', 'gate_prediction', 'out_attention_hidden', 'out_attention_cell', 'out_decoder_hidden',
                  'out_decoder_cell', 'out_attention_weights', 'out_attention_weights_cum', 'out_attention_context']


def small_wavernn():
    torch.manual_seed(0)
    return WaveRNN(upsample_scales=[5, 5, 8], n_classes=256, hop_length=200, n_res_block=2, n_rnn=128, n_fc=128,
                   n_freq=80, n_hidden=64, n_output=64).eval()


class WaveRNNStep(nn.Module):
    """One sample of WaveRNN.infer: previous sample, one frame of the upsampled mel and aux, both GRU states in;
    the posterior and the states out (the multinomial draw stays in the host loop, as in WaveRNN's C++ / ONNX ports)."""
    def __init__(self, w):
        super().__init__()
        self.w = w

    def forward(self, x, m_t, aux_t, h1, h2):
        w, n = self.w, self.w.n_aux
        a1, a2, a3, a4 = aux_t[:, :n], aux_t[:, n:2 * n], aux_t[:, 2 * n:3 * n], aux_t[:, 3 * n:]
        x = w.fc(torch.cat([x, m_t, a1], dim=1))
        _, h1 = w.rnn1(x.unsqueeze(1), h1)
        x = x + h1[0]
        _, h2 = w.rnn2(torch.cat([x, a2], dim=1).unsqueeze(1), h2)
        x = x + h2[0]
        x = F.relu(w.fc1(torch.cat([x, a3], dim=1)))
        x = F.relu(w.fc2(torch.cat([x, a4], dim=1)))
        return F.softmax(w.fc3(x), dim=1), h1, h2


class WaveRNNUpsample(nn.Module):
    """WaveRNN.infer's conditioning: pad, UpsampleNetwork (MelResNet, Stretch2d by repeat_interleave, smoothing convs)."""
    def __init__(self, w):
        super().__init__()
        self.w = w

    def forward(self, specgram):
        specgram = F.pad(specgram, (self.w._pad, self.w._pad))
        return self.w.upsample(specgram)


class HDemucsCore(HDemucs):
    """torchaudio's HDemucs.forward between `_spec` and `_ispec`: the mixture and its spectrogram as real channels
    (`_magnitude`'s complex-as-channels) in, the time branch's sources and the frequency branch's masked spectrogram
    (complex as a last axis of 2) out; the caller runs the STFT / ISTFT (as demucs' own ONNX / CoreML ports do)."""

    def forward(self, input, mag):  # noqa: C901 — torchaudio's body, kept as written
        x = mag
        length = input.shape[-1]
        B, C, Fq, T = x.shape
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        std = x.std(dim=(1, 2, 3), keepdim=True)
        x = (x - mean) / (1e-5 + std)
        xt = input
        meant = xt.mean(dim=(1, 2), keepdim=True)
        stdt = xt.std(dim=(1, 2), keepdim=True)
        xt = (xt - meant) / (1e-5 + stdt)
        saved, saved_t, lengths, lengths_t = [], [], [], []
        for idx, encode in enumerate(self.freq_encoder):
            lengths.append(x.shape[-1])
            inject = None
            if idx < len(self.time_encoder):
                lengths_t.append(xt.shape[-1])
                tenc = self.time_encoder[idx]
                xt = tenc(xt)
                if not tenc.empty:
                    saved_t.append(xt)
                else:
                    inject = xt
            x = encode(x, inject)
            if idx == 0 and self.freq_emb is not None:
                frs = torch.arange(x.shape[-2], device=x.device)
                emb = self.freq_emb(frs).t()[None, :, :, None].expand_as(x)
                x = x + self.freq_emb_scale * emb
            saved.append(x)
        x = torch.zeros_like(x)
        xt = torch.zeros_like(x)
        for idx, decode in enumerate(self.freq_decoder):
            skip = saved.pop(-1)
            x, pre = decode(x, skip, lengths.pop(-1))
            offset = self.depth - len(self.time_decoder)
            if idx >= offset:
                tdec = self.time_decoder[idx - offset]
                length_t = lengths_t.pop(-1)
                if tdec.empty:
                    pre = pre[:, :, 0]
                    xt, _ = tdec(pre, None, length_t)
                else:
                    skip = saved_t.pop(-1)
                    xt, _ = tdec(xt, skip, length_t)
        S = len(self.sources)
        x = x.view(B, S, -1, Fq, T)
        x = x * std[:, None] + mean[:, None]
        spec = x.view(B, S, -1, 2, Fq, T).permute(0, 1, 2, 4, 5, 3)
        xt = xt.view(B, S, -1, length)
        xt = xt * stdt[:, None] + meant[:, None]
        return xt, spec


def hdemucs_core():
    torch.manual_seed(0)
    # hdemucs_low's layout (nfft 4096, depth 6) at 2 sources and a quarter of its channels
    return HDemucsCore(sources=['speech', 'noise'], channels=12, growth=2, nfft=4096, depth=6).eval()


def hdemucs_full():
    torch.manual_seed(0)
    return torchaudio.models.hdemucs_low(sources=['speech', 'noise']).eval()


class Stretch2dRepeat(nn.Module):
    """fatchord's WaveRNN Stretch2d (the repository torchaudio's is ported from, which its ONNX ports run):
    unsqueeze / repeat / view instead of repeat_interleave, whose torch 1.13 export over a non-last axis is wrong."""
    def __init__(self, time_scale, freq_scale):
        super().__init__()
        self.time_scale, self.freq_scale = time_scale, freq_scale

    def forward(self, x):
        b, c, h, w = x.size()
        x = x.unsqueeze(-1).unsqueeze(3).repeat(1, 1, 1, self.freq_scale, 1, self.time_scale)
        return x.view(b, c, h * self.freq_scale, w * self.time_scale)


def wavernn_upsample_fatchord(w):
    up = WaveRNNUpsample(w)
    u = up.w.upsample
    u.resnet_stretch = Stretch2dRepeat(u.resnet_stretch.time_scale, u.resnet_stretch.freq_scale)
    for i, layer in enumerate(u.upsample_layers):
        if layer.__class__.__name__ == 'Stretch2d':
            u.upsample_layers[i] = Stretch2dRepeat(layer.time_scale, layer.freq_scale)
    return up
