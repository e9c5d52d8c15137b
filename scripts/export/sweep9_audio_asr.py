"""Ninth sweep: sherpa-onnx / FunASR ASR models as their export code writes them (small widths, random weights):
FunASR's Paraformer encoder (SAN-M: packed q/k/v, FSMN memory block as a padded depthwise Conv1d, the export's 3-D / 4-D
masks from lengths, sinusoidal positions made from the run-time length), its CIF predictor with `cif_v1_export`,
SenseVoice-small's export_forward (language / text-norm embeddings as inputs, the event / emotion queries), icefall's
streaming Zipformer2 layer (cached key / value / conv states in and out, processed_lens masks, the traced rel-pos gather)
and NeMo's cache-aware streaming FastConformer (cache_last_channel / cache_last_time / cache_last_channel_len)."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep8_asr2 import RelPositionMultiHeadAttention


def sequence_mask(lengths, max_len):
    row = torch.arange(0, max_len).to(lengths.device)
    return (row < lengths.unsqueeze(-1)).float()


class SinusoidalPositionEncoder(nn.Module):
    def forward(self, x):
        _, t, d = x.size()
        positions = torch.arange(1, t + 1).unsqueeze(0).float()
        inc = math.log(10000.0) / (d / 2 - 1)
        inv = torch.exp(torch.arange(d / 2).float() * -inc)
        scaled = positions.unsqueeze(-1) * inv.view(1, 1, -1)
        return x + torch.cat([torch.sin(scaled), torch.cos(scaled)], dim=2)


class MultiHeadedAttentionSANM(nn.Module):
    def __init__(self, h, in_feat, n_feat, kernel=11, sanm_shift=0):
        super().__init__()
        self.h, self.d_k = h, n_feat // h
        self.linear_q_k_v = nn.Linear(in_feat, n_feat * 3)
        self.linear_out = nn.Linear(n_feat, n_feat)
        self.fsmn_block = nn.Conv1d(n_feat, n_feat, kernel, groups=n_feat, bias=False)
        left = (kernel - 1) // 2 + sanm_shift
        self.pad_fn = nn.ConstantPad1d((left, kernel - 1 - left), 0.0)

    def heads(self, x):
        b, t, _ = x.size()
        return x.view(b, t, self.h, self.d_k).permute(0, 2, 1, 3)

    def forward(self, x, mask_3d, mask_4d):
        q, k, v = torch.split(self.linear_q_k_v(x), self.h * self.d_k, dim=-1)
        inputs = v * mask_3d
        m = self.fsmn_block(self.pad_fn(inputs.transpose(1, 2))).transpose(1, 2)
        fsmn = (m + inputs) * mask_3d
        scores = torch.matmul(self.heads(q) * self.d_k ** -0.5, self.heads(k).transpose(-2, -1)) + mask_4d
        ctx = torch.matmul(torch.softmax(scores, dim=-1), self.heads(v)).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(ctx.size(0), ctx.size(1), self.h * self.d_k)
        return self.linear_out(ctx) + fsmn


class EncoderLayerSANM(nn.Module):
    def __init__(self, in_size, size, h=4):
        super().__init__()
        self.in_size, self.size = in_size, size
        self.norm1, self.norm2 = nn.LayerNorm(in_size), nn.LayerNorm(size)
        self.self_attn = MultiHeadedAttentionSANM(h, in_size, size)
        self.w_1, self.w_2 = nn.Linear(size, size * 4), nn.Linear(size * 4, size)

    def forward(self, x, mask_3d, mask_4d):
        a = self.self_attn(self.norm1(x), mask_3d, mask_4d)
        x = x + a if self.in_size == self.size else a
        return x + self.w_2(torch.relu(self.w_1(self.norm2(x))))


class SANMEncoder(nn.Module):
    def __init__(self, in_size=560, d=64, layers=3, tp_layers=0):
        super().__init__()
        self.d = d
        self.embed = SinusoidalPositionEncoder()
        self.encoders0 = EncoderLayerSANM(in_size, d)
        self.encoders = nn.ModuleList(EncoderLayerSANM(d, d) for _ in range(layers))
        self.after_norm = nn.LayerNorm(d)
        self.tp_encoders = nn.ModuleList(EncoderLayerSANM(d, d) for _ in range(tp_layers))
        self.tp_norm = nn.LayerNorm(d) if tp_layers else None

    def forward(self, speech, lengths):
        mask = sequence_mask(lengths, speech.size(1))
        mask_3d = mask[:, :, None]
        mask_4d = (1 - mask[:, None, None, :]) * -10000.0
        x = self.embed(speech * speech.size(2) ** 0.5)
        x = self.encoders0(x, mask_3d, mask_4d)
        for layer in self.encoders:
            x = layer(x, mask_3d, mask_4d)
        x = self.after_norm(x)
        for layer in self.tp_encoders:
            x = layer(x, mask_3d, mask_4d)
        if self.tp_norm is not None:
            x = self.tp_norm(x)
        return x, lengths


class ParaformerEncoder(nn.Module):
    """FunASR's Paraformer encoder + the CIF predictor's alphas (CifPredictorV2: conv, relu, linear, sigmoid,
    smoothing, masked); token_num is the alphas' sum, as the export writes it."""

    def __init__(self, d=64):
        super().__init__()
        self.encoder = SANMEncoder(d=d)
        self.pad = nn.ConstantPad1d((1, 1), 0)
        self.cif_conv1d = nn.Conv1d(d, d, 3)
        self.cif_output = nn.Linear(d, 1)

    def alphas(self, hidden, mask):
        out = torch.relu(self.cif_conv1d(self.pad(hidden.transpose(1, 2)))).transpose(1, 2)
        a = torch.relu(torch.sigmoid(self.cif_output(out)) * 1.0 - 0.0)
        return (a * mask.unsqueeze(-1)).squeeze(-1)

    def forward(self, speech, speech_lengths):
        enc, lens = self.encoder(speech, speech_lengths)
        alphas = self.alphas(enc, sequence_mask(lens, enc.size(1)))
        return enc, lens, alphas, alphas.sum(-1)


@torch.jit.script
def cif_v1_export(hidden, alphas, threshold: float):
    batch_size, len_time, hidden_size = hidden.size()
    fires = torch.zeros(batch_size, len_time, dtype=hidden.dtype)
    prefix_sum = torch.cumsum(alphas, dim=1)
    prefix_sum_floor = torch.floor(prefix_sum)
    dislocation_prefix_sum_floor = torch.floor(torch.roll(prefix_sum, 1, dims=1))
    dislocation_prefix_sum_floor[:, 0] = 0
    fire_idxs = (prefix_sum_floor - dislocation_prefix_sum_floor) > 0
    fires[fire_idxs] = 1
    fires = fires + prefix_sum - prefix_sum_floor
    prefix_sum_hidden = torch.cumsum(alphas.unsqueeze(-1).repeat(1, 1, hidden_size) * hidden, dim=1)
    frames = prefix_sum_hidden[fire_idxs]
    shift_frames = torch.roll(frames, 1, dims=0)
    batch_len = fire_idxs.sum(1)
    batch_idxs = torch.cumsum(batch_len, dim=0)
    shift_batch_idxs = torch.roll(batch_idxs, 1, dims=0)
    shift_batch_idxs[0] = 0
    shift_frames[shift_batch_idxs] = 0
    remains = fires - torch.floor(fires)
    remain_frames = remains[fire_idxs].unsqueeze(-1).repeat(1, hidden_size) * hidden[fire_idxs]
    shift_remain_frames = torch.roll(remain_frames, 1, dims=0)
    shift_remain_frames[shift_batch_idxs] = 0
    frames = frames - shift_frames + shift_remain_frames - remain_frames
    max_label_len = batch_len.max()
    frame_fires = torch.zeros(batch_size, max_label_len, hidden_size, dtype=hidden.dtype)
    indices = torch.arange(max_label_len).expand(batch_size, -1)
    frame_fires_idxs = indices < batch_len.unsqueeze(1)
    frame_fires[frame_fires_idxs] = frames
    return frame_fires, fires


def index_put_bool_mask(g, self, indices_list_value, values, accumulate=False):
    """aten::index_put as torch >= 2.1 exports it: a bool mask of lower rank than the data (CIF's
    `frame_fires[frame_fires_idxs] = frames`, mask [B, L] into [B, L, D]) is unsqueezed before masked_scatter's Expand.
    torch 1.13 expands [B, L] to [B, L, D] directly, a graph onnxruntime refuses ("invalid expand shape") unless L is
    1 or D; FunASR's and sherpa-onnx's models are exported by later torch. Everything else as torch 1.13 does it."""
    from torch.onnx import symbolic_helper as sh, symbolic_opset11 as o11
    indices = sh._unpack_list(indices_list_value) if sh._is_packed_list(indices_list_value) else [indices_list_value]
    if len(indices) == 1 and sh._is_bool(indices[0]) and not sh._parse_arg(accumulate, 'b'):
        mask_rank, self_rank = sh._get_tensor_rank(indices[0]), sh._get_tensor_rank(self)
        if sh._get_tensor_rank(values) != 0 and mask_rank is not None and self_rank is not None and self_rank > mask_rank:
            mask = sh._unsqueeze_helper(g, indices[0], list(range(mask_rank, self_rank)))
            return o11.masked_scatter(g, self, mask, values)
    return o11.index_put(g, self, indices_list_value, values, accumulate)


class ParaformerCif(ParaformerEncoder):
    """Encoder + predictor + cif_v1_export: acoustic embeddings for a token count known only at run time."""

    def forward(self, speech, speech_lengths):
        enc, lens = self.encoder(speech, speech_lengths)
        alphas = self.alphas(enc, sequence_mask(lens, enc.size(1)))
        embeds, peaks = cif_v1_export(enc, alphas, 1.0)
        return embeds, alphas.sum(-1), peaks


class DecoderFsmn(nn.Module):
    """MultiHeadedAttentionSANMDecoder's export form: the FSMN memory alone (a padded depthwise Conv1d), masked."""

    def __init__(self, d, kernel=11, sanm_shift=0):
        super().__init__()
        self.fsmn_block = nn.Conv1d(d, d, kernel, groups=d, bias=False)
        left = (kernel - 1) // 2 + sanm_shift
        self.pad_fn = nn.ConstantPad1d((left, kernel - 1 - left), 0.0)

    def forward(self, inputs, mask_3d):
        inputs = inputs * mask_3d
        x = self.fsmn_block(self.pad_fn(inputs.transpose(1, 2))).transpose(1, 2)
        return (x + inputs) * mask_3d


class CrossAttention(nn.Module):
    """MultiHeadedAttentionCrossAtt's export form: q from the tokens, packed k / v from the encoder output."""

    def __init__(self, h, d):
        super().__init__()
        self.h, self.d_k = h, d // h
        self.linear_q, self.linear_k_v, self.linear_out = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)

    def heads(self, x):
        b, t, _ = x.size()
        return x.view(b, t, self.h, self.d_k).transpose(1, 2)

    def forward(self, x, memory, mask_4d):
        k, v = torch.split(self.linear_k_v(memory), self.h * self.d_k, dim=-1)
        scores = torch.matmul(self.heads(self.linear_q(x)), self.heads(k).transpose(-2, -1)) / math.sqrt(self.d_k) + mask_4d
        ctx = torch.matmul(torch.softmax(scores, dim=-1), self.heads(v)).permute(0, 2, 1, 3).contiguous()
        return self.linear_out(ctx.view(ctx.size(0), ctx.size(1), self.h * self.d_k))


class DecoderLayerSANM(nn.Module):
    """DecoderLayerSANMExport: feed-forward (w_1, relu, norm, w_2 without bias), FSMN self memory, cross attention;
    the last layer (decoders3) is the feed-forward alone, without a residual."""

    def __init__(self, d, h=4, ff=256, attn=True):
        super().__init__()
        self.norm1 = nn.LayerNorm(d)
        self.w_1, self.ff_norm, self.w_2 = nn.Linear(d, ff), nn.LayerNorm(ff), nn.Linear(ff, d, bias=False)
        self.attn = attn
        if attn:
            self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.self_attn, self.src_attn = DecoderFsmn(d), CrossAttention(h, d)

    def forward(self, tgt, tgt_mask, memory, memory_mask):
        residual = tgt
        x = self.w_2(self.ff_norm(torch.relu(self.w_1(self.norm1(tgt)))))
        if not self.attn:
            return x
        x = residual + self.self_attn(self.norm2(x), tgt_mask)
        return x + self.src_attn(self.norm3(x), memory, memory_mask)


class ParaformerSANMDecoder(nn.Module):
    """ParaformerSANMDecoderExport: decoders (FSMN + cross attention), decoders3 (feed-forward), after_norm, output
    layer; masks from the token count and the encoder lengths."""

    def __init__(self, d=64, vocab=120, layers=2, ff=256):
        super().__init__()
        self.decoders = nn.ModuleList(DecoderLayerSANM(d, ff=ff) for _ in range(layers))
        self.decoders3 = nn.ModuleList([DecoderLayerSANM(d, ff=ff, attn=False)])
        self.after_norm = nn.LayerNorm(d)
        self.output_layer = nn.Linear(d, vocab)

    def forward(self, hs_pad, hlens, ys_in_pad, ys_in_lens):
        tgt_mask = sequence_mask(ys_in_lens, ys_in_pad.size(1))[:, :, None]
        memory_mask = (1 - sequence_mask(hlens, hs_pad.size(1))[:, None, None, :]) * -10000.0
        x = ys_in_pad
        for layer in self.decoders:
            x = layer(x, tgt_mask, hs_pad, memory_mask)
        for layer in self.decoders3:
            x = layer(x, tgt_mask, hs_pad, memory_mask)
        return self.output_layer(self.after_norm(x)), ys_in_lens


class Paraformer(ParaformerEncoder):
    """FunASR's Paraformer export_forward: encoder, CifPredictorV2Export (alphas, tail_process_fn's tail threshold 0.45,
    cif_v1_export), token count floor(sum of alphas) as int32, ParaformerSANMDecoder on the acoustic embeddings,
    log_softmax: logits [B, L, vocab] for a token count L the data decides."""

    def __init__(self, d=64, vocab=120, tail_threshold=0.45):
        super().__init__(d)
        self.decoder = ParaformerSANMDecoder(d, vocab)
        self.tail_threshold = tail_threshold

    def forward(self, speech, speech_lengths):
        enc, lens = self.encoder(speech, speech_lengths)
        mask = sequence_mask(lens, enc.size(1))
        alphas = self.alphas(enc, mask)
        b, _, d = enc.size()
        zeros_t = torch.zeros((b, 1), dtype=torch.float32)
        tail = (torch.cat([torch.ones_like(zeros_t), mask], dim=1) - torch.cat([mask, zeros_t], dim=1)) * self.tail_threshold
        alphas = torch.cat([alphas, zeros_t], dim=1) + tail
        hidden = torch.cat([enc, torch.zeros((b, 1, d), dtype=enc.dtype)], dim=1)
        token_num = torch.floor(alphas.sum(dim=-1))
        embeds, _ = cif_v1_export(hidden, alphas, 1.0)
        token_num = token_num.type(torch.int32)
        logits, _ = self.decoder(enc, lens, embeds, token_num)
        return torch.log_softmax(logits, dim=-1), token_num


class SenseVoiceSmall(nn.Module):
    def __init__(self, d=64, vocab=100):
        super().__init__()
        self.embed = nn.Embedding(7 + 7 + 2, 560)
        self.encoder = SANMEncoder(d=d, layers=2, tp_layers=1)
        self.ctc_lo = nn.Linear(d, vocab)

    def forward(self, speech, speech_lengths, language, textnorm):
        language_query = self.embed(language).unsqueeze(1)
        textnorm_query = self.embed(textnorm).unsqueeze(1)
        speech = torch.cat((textnorm_query, speech), dim=1)
        event_emo_query = self.embed(torch.LongTensor([[1, 2]])).repeat(speech.size(0), 1, 1)
        speech = torch.cat((torch.cat((language_query, event_emo_query), dim=1), speech), dim=1)
        enc, lens = self.encoder(speech, speech_lengths + 4)
        return self.ctc_lo(enc), lens


def make_pad_mask(lengths, max_len):
    return torch.arange(0, max_len).expand(lengths.size(0), max_len) >= lengths.unsqueeze(-1)


class StreamingZipformerLayer(nn.Module):
    """icefall zipformer2 streaming_forward at one stack (dim 64, 4 heads, left context 16): rel-pos attention weights
    over the cached keys (the traced gather form of the rel shift), value / nonlin caches, a causal depthwise conv with
    its cache, BiasNorm-free for brevity (sweep 8 has it), the key padding mask from processed_lens."""

    def __init__(self, d=64, h=4, left=16, k=15, pos_dim=16):
        super().__init__()
        self.d, self.h, self.left, self.k = d, h, left, k
        self.dk = d // h
        self.in_proj = nn.Linear(d, 2 * d + h * 4)
        self.linear_pos = nn.Linear(pos_dim, h * 4, bias=False)
        self.val_proj, self.out_proj = nn.Linear(d, d), nn.Linear(d, d)
        self.conv_in = nn.Linear(d, 2 * d)
        self.depthwise = nn.Conv1d(d, d, k, groups=d)
        self.conv_out = nn.Linear(d, d)
        self.ff1, self.ff2 = nn.Linear(d, 3 * d), nn.Linear(3 * d, d)
        self.pos_dim = pos_dim

    def pos_emb(self, t, kl):
        pos = torch.arange(-(kl - 1), t).float().unsqueeze(-1)
        freqs = torch.arange(self.pos_dim // 2).float().unsqueeze(0) + 1.0
        x = torch.atan(pos / 8.0) * freqs
        return torch.cat([torch.cos(x), torch.sin(x)], dim=-1)  # (t + kl - 1, pos_dim)

    def forward(self, x, src_key_padding_mask, cached_key, cached_val, cached_conv):
        t, b, _ = x.shape
        qkp = self.in_proj(x)
        q, k, p = qkp[..., :self.d], qkp[..., self.d:2 * self.d], qkp[..., 2 * self.d:]
        k = torch.cat([cached_key, k], dim=0)
        new_key = k[-self.left:]
        kl = k.shape[0]
        q = q.reshape(t, b, self.h, self.dk).permute(2, 1, 0, 3)
        k = k.reshape(kl, b, self.h, self.dk).permute(2, 1, 3, 0)
        scores = torch.matmul(q, k)
        p = p.reshape(t, b, self.h, 4).permute(2, 1, 0, 3)
        pe = self.linear_pos(self.pos_emb(t, kl)).reshape(-1, self.h, 4).permute(1, 2, 0).unsqueeze(1)
        pos_scores = torch.matmul(p, pe)
        n = pos_scores.shape[-1]
        rows = torch.arange(start=t - 1, end=-1, step=-1)
        cols = torch.arange(kl)
        rows = rows.repeat(b * self.h).unsqueeze(-1)
        indexes = rows + cols
        pos_scores = torch.gather(pos_scores.reshape(-1, n), dim=1, index=indexes).reshape(self.h, b, t, kl)
        scores = (scores + pos_scores).masked_fill(src_key_padding_mask.unsqueeze(1), -1000.0)
        w = torch.softmax(scores, dim=-1)  # (h, b, t, kl)
        v = torch.cat([cached_val, self.val_proj(x)], dim=0)
        new_val = v[-self.left:]
        v = v.reshape(kl, b, self.h, self.dk).permute(2, 1, 0, 3)
        a = torch.matmul(w, v).permute(2, 1, 0, 3).reshape(t, b, self.d)
        x = x + self.out_proj(a)
        c = F.glu(self.conv_in(x), dim=-1).permute(1, 2, 0)  # (b, d, t)
        c = torch.cat([cached_conv, c], dim=2)
        new_conv = c[:, :, -(self.k - 1):]
        c = self.depthwise(c).permute(2, 0, 1)
        x = x + self.conv_out(c * torch.sigmoid(c - 1.0))
        x = x + self.ff2(F.silu(self.ff1(x)))
        return x, new_key, new_val, new_conv


class StreamingZipformer(nn.Module):
    def __init__(self, d=64, layers=2, left=16):
        super().__init__()
        self.left = left
        self.embed = nn.Sequential(nn.Conv2d(1, 8, 3, padding=(0, 1)), nn.SiLU(), nn.Conv2d(8, 16, 3, stride=2), nn.SiLU(),
                                   nn.Conv2d(16, 32, 3, stride=(1, 2)), nn.SiLU())
        self.embed_out = nn.Linear(32 * 19, d)
        self.layers = nn.ModuleList(StreamingZipformerLayer(d, left=left) for _ in range(layers))
        self.out = nn.Linear(d, 32)

    def forward(self, x, x_lens, cached_key, cached_val, cached_conv, processed_lens):
        x = self.embed(x.unsqueeze(1))  # (N, 32, T', 19)
        n, c, t, f = x.shape
        x = self.embed_out(x.permute(0, 2, 1, 3).reshape(n, t, c * f))
        x_lens = (x_lens - 7) // 2
        mask = make_pad_mask(x_lens, t)
        processed_mask = torch.arange(self.left).expand(n, self.left)
        pl = processed_lens.unsqueeze(1)
        processed_mask = (pl <= processed_mask).flip(1)
        key_mask = torch.cat([processed_mask, mask], dim=1)
        x = x.permute(1, 0, 2)
        keys, vals, convs = [], [], []
        for i, layer in enumerate(self.layers):
            x, k, v, cv = layer(x, key_mask, cached_key[i], cached_val[i], cached_conv[i])
            keys.append(k)
            vals.append(v)
            convs.append(cv)
        enc = self.out(x.permute(1, 0, 2))
        return enc, x_lens, torch.stack(keys), torch.stack(vals), torch.stack(convs), processed_lens + x_lens


class CacheAwareConformerLayer(nn.Module):
    """NeMo's ConformerLayer with cache_last_channel (attention keys) and cache_last_time (causal depthwise conv)."""

    def __init__(self, d=64, h=4, k=9, cache=24):
        super().__init__()
        self.cache, self.k = cache, k
        self.norm_ff1, self.norm_att, self.norm_conv, self.norm_ff2, self.norm_out = (nn.LayerNorm(d) for _ in range(5))
        self.ff1 = nn.Sequential(nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, d))
        self.ff2 = nn.Sequential(nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, d))
        self.self_attn = RelPositionMultiHeadAttention(h, d)
        self.pw1, self.dw, self.pw2 = nn.Conv1d(d, 2 * d, 1), nn.Conv1d(d, d, k, groups=d), nn.Conv1d(d, d, 1)
        self.bn = nn.BatchNorm1d(d)

    def forward(self, x, att_mask, pos_emb, pad_mask, cache_ch, cache_t):
        x = x + 0.5 * self.ff1(self.norm_ff1(x))
        y = self.norm_att(x)
        kv = torch.cat([cache_ch, y], dim=1)
        new_ch = kv[:, -self.cache:]
        x = x + self.self_attn(y, kv, kv, att_mask, pos_emb)
        c = F.glu(self.pw1(self.norm_conv(x).transpose(1, 2)), dim=1)
        c = c.masked_fill(pad_mask.unsqueeze(1), 0.0)
        c = torch.cat([cache_t, c], dim=2)
        new_t = c[:, :, -(self.k - 1):]
        c = self.pw2(F.silu(self.bn(self.dw(c))))
        x = x + c.transpose(1, 2)
        x = x + 0.5 * self.ff2(self.norm_ff2(x))
        return self.norm_out(x), new_ch, new_t


class StreamingFastConformer(nn.Module):
    def __init__(self, feat=80, d=64, layers=2, cache=24):
        super().__init__()
        self.d, self.cache = d, cache
        self.pre = nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16),
                                 nn.Conv2d(16, 16, 1), nn.ReLU())
        self.pre_out = nn.Linear(16 * (feat // 4), d)
        self.layers = nn.ModuleList(CacheAwareConformerLayer(d, cache=cache) for _ in range(layers))
        pos = torch.arange(255, -256, -1).float().unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2).float() * -(math.log(10000.0) / d))
        pe = torch.zeros(pos.size(0), d)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer('pe', pe.unsqueeze(0), persistent=False)
        self.decoder = nn.Conv1d(d, 33, 1)

    def forward(self, audio_signal, length, cache_last_channel, cache_last_time, cache_last_channel_len):
        x = self.pre(audio_signal.transpose(1, 2).unsqueeze(1))
        b, c, t, f = x.shape
        x = self.pre_out(x.transpose(1, 2).reshape(b, t, c * f)) * math.sqrt(self.d)
        length = torch.div(length - 1, 4, rounding_mode='floor') + 1
        total = self.cache + t
        pe = self.pe[:, 255 - total + 1:255 + t]
        valid_from = self.cache - cache_last_channel_len
        idx = torch.arange(total).unsqueeze(0)
        key_valid = (idx >= valid_from.unsqueeze(1)) & (idx < (self.cache + length).unsqueeze(1))
        q_idx = torch.arange(t).unsqueeze(1) + self.cache
        att_mask = ~(key_valid.unsqueeze(1) & (idx.unsqueeze(1) <= q_idx.unsqueeze(0)))
        pad_mask = torch.arange(t).unsqueeze(0) >= length.unsqueeze(1)
        cache_last_channel = cache_last_channel.transpose(0, 1)
        cache_last_time = cache_last_time.transpose(0, 1)
        chs, ts = [], []
        for i, layer in enumerate(self.layers):
            x, ch, tt = layer(x, att_mask, pe, pad_mask, cache_last_channel[i], cache_last_time[i])
            chs.append(ch)
            ts.append(tt)
        out = self.decoder(x.transpose(1, 2))
        new_len = torch.clamp(cache_last_channel_len + length, max=self.cache)
        return out, length, torch.stack(chs, dim=1), torch.stack(ts, dim=1), new_len
