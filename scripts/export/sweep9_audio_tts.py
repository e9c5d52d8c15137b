"""Ninth sweep: TTS pieces. FastSpeech2 (ming024's FFT blocks, variance adaptor with duration / pitch / energy
predictors, bucketized pitch / energy embeddings as ONNX ports write them, length regulator by repeat_interleave,
decoder and PostNet), Matcha-TTS' decoder as one Euler step of its ODE (U-Net 1-D: ResnetBlock1D with GroupNorm / Mish
and the time embedding, diffusers' BasicTransformerBlock with SnakeBeta feed-forward and Matcha's 0/1 attention
bias, strided down / transposed up convs, masks), MeloTTS / VITS2 (text encoder with tone, language and BERT features,
speaker-conditioned layer, deterministic duration predictor; VITS2's transformer coupling flow in reverse) and the
StyleTTS 2 / Kitten decoder (F0 / N strided convs, AdaIN residual blocks with the ASR residual, iSTFTNet generator)."""
import math

import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

from sweep8_tts import AdainResBlk1d
from sweep8_kokoro import KokoroGenerator
from sweep8_vits import MultiHeadAttention, FFN, LayerNorm, sequence_mask


def sinusoid_table(n, d):
    pos = torch.arange(n).float().unsqueeze(1)
    div = torch.pow(10000.0, 2 * (torch.arange(d) // 2).float() / d)
    t = pos / div
    t[:, 0::2], t[:, 1::2] = torch.sin(t[:, 0::2]), torch.cos(t[:, 1::2])
    return t.unsqueeze(0)


class FFTBlock(nn.Module):
    def __init__(self, d=64, h=2, filt=128, k=(9, 1)):
        super().__init__()
        self.h, self.dk = h, d // h
        self.w_qs, self.w_ks, self.w_vs, self.fc = (nn.Linear(d, d) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.w_1 = nn.Conv1d(d, filt, k[0], padding=(k[0] - 1) // 2)
        self.w_2 = nn.Conv1d(filt, d, k[1], padding=(k[1] - 1) // 2)

    def forward(self, x, mask):
        b, t, d = x.shape
        q = self.w_qs(x).view(b, t, self.h, self.dk).permute(2, 0, 1, 3).reshape(-1, t, self.dk)
        k = self.w_ks(x).view(b, t, self.h, self.dk).permute(2, 0, 1, 3).reshape(-1, t, self.dk)
        v = self.w_vs(x).view(b, t, self.h, self.dk).permute(2, 0, 1, 3).reshape(-1, t, self.dk)
        attn = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(self.dk)
        slf_mask = mask.unsqueeze(1).expand(-1, t, -1).repeat(self.h, 1, 1)
        attn = torch.softmax(attn.masked_fill(slf_mask, -float('inf')), dim=2)
        o = torch.bmm(attn, v).view(self.h, b, t, self.dk).permute(1, 2, 0, 3).reshape(b, t, -1)
        x = self.ln1(self.fc(o) + x).masked_fill(mask.unsqueeze(-1), 0)
        y = self.w_2(torch.relu(self.w_1(x.transpose(1, 2)))).transpose(1, 2)
        return self.ln2(y + x).masked_fill(mask.unsqueeze(-1), 0)


class VariancePredictor(nn.Module):
    def __init__(self, d=64, f=64, k=3):
        super().__init__()
        self.c1, self.c2 = nn.Conv1d(d, f, k, padding=1), nn.Conv1d(f, f, k, padding=1)
        self.ln1, self.ln2, self.linear = nn.LayerNorm(f), nn.LayerNorm(f), nn.Linear(f, 1)

    def forward(self, x, mask):
        x = self.ln1(torch.relu(self.c1(x.transpose(1, 2))).transpose(1, 2))
        x = self.ln2(torch.relu(self.c2(x.transpose(1, 2))).transpose(1, 2))
        return self.linear(x).squeeze(-1).masked_fill(mask, 0.0)


class FastSpeech2(nn.Module):
    """`full`: texts → mel (length regulator inside); else texts → durations, pitch, energy and the adapted
    encoder output before the regulator (what split exports feed a second model)."""

    def __init__(self, vocab=60, d=64, n_bins=16, full=True, matmul_lr=False, espnet_lr=False, max_dur=64):
        super().__init__()
        self.full, self.matmul_lr, self.espnet_lr = full, matmul_lr, espnet_lr
        # espnet_onnx's OnnxLengthRegurator: MakePadMask's table (row i: positions >= i + 1), rows dur - 1, cut at max(dur)
        self.register_buffer('mask_pad', torch.triu(torch.ones(max_dur, max_dur), diagonal=1).bool(), persistent=False)
        self.src_emb = nn.Embedding(vocab, d, padding_idx=0)
        self.register_buffer('pos', sinusoid_table(1001, d), persistent=False)
        self.encoder = nn.ModuleList(FFTBlock(d) for _ in range(2))
        self.decoder = nn.ModuleList(FFTBlock(d) for _ in range(2))
        self.duration, self.pitch, self.energy = VariancePredictor(d), VariancePredictor(d), VariancePredictor(d)
        self.register_buffer('pitch_bins', torch.linspace(-2.0, 2.0, n_bins - 1), persistent=False)
        self.register_buffer('energy_bins', torch.linspace(-2.0, 2.0, n_bins - 1), persistent=False)
        self.pitch_emb, self.energy_emb = nn.Embedding(n_bins, d), nn.Embedding(n_bins, d)
        self.mel_linear = nn.Linear(d, 80)
        self.postnet = nn.ModuleList([nn.Sequential(nn.Conv1d(80, 64, 5, padding=2), nn.BatchNorm1d(64), nn.Tanh()),
                                      nn.Sequential(nn.Conv1d(64, 64, 5, padding=2), nn.BatchNorm1d(64), nn.Tanh()),
                                      nn.Sequential(nn.Conv1d(64, 80, 5, padding=2), nn.BatchNorm1d(80))])

    def forward(self, texts, src_lens, d_control):
        t = texts.size(1)
        mask = torch.arange(t).unsqueeze(0) >= src_lens.unsqueeze(1)
        x = self.src_emb(texts) + self.pos[:, :t]
        for blk in self.encoder:
            x = blk(x, mask)
        log_d = self.duration(x, mask)
        pitch = self.pitch(x, mask)
        x = x + self.pitch_emb(torch.sum(pitch.unsqueeze(-1) > self.pitch_bins, dim=-1))
        energy = self.energy(x, mask)
        x = x + self.energy_emb(torch.sum(energy.unsqueeze(-1) > self.energy_bins, dim=-1))
        d_rounded = torch.clamp(torch.round(torch.exp(log_d) - 1) * d_control, min=0).long()
        if not self.full:
            return x, d_rounded, pitch, energy
        if self.matmul_lr:  # FastPitch's regulate_len, the form its ONNX export uses
            csum = torch.cumsum(F.pad(d_rounded, (1, 0, 0, 0), value=0), dim=1)[:, None, :]
            rng = torch.arange(d_rounded.sum(dim=1).max())[None, :, None]
            x = torch.matmul(((csum[:, :, :-1] <= rng) & (csum[:, :, 1:] > rng)).float(), x)
        elif self.espnet_lr:  # espnet_onnx: the frames' text positions are the NonZero rows of the sequence mask
            dur = d_rounded[0]
            dm = 1 - self.mask_pad[dur - 1][..., :torch.max(dur)].type(torch.float32)
            x = x[:, torch.nonzero(dm)[:, 0]]
        else:
            x = torch.repeat_interleave(x[0], d_rounded[0], dim=0).unsqueeze(0)
        mel_mask = torch.zeros(1, x.size(1), dtype=torch.bool)
        x = x + self.pos[:, :x.size(1)]
        for blk in self.decoder:
            x = blk(x, mel_mask)
        mel = self.mel_linear(x).transpose(1, 2)
        post = mel
        for layer in self.postnet:
            post = layer(post)
        return mel + post, d_rounded


class SnakeBeta(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.proj = nn.Linear(d_in, d_out)
        self.alpha, self.beta = nn.Parameter(0.1 * torch.randn(d_out)), nn.Parameter(0.1 * torch.randn(d_out))

    def forward(self, x):
        x = self.proj(x)
        a, b = torch.exp(self.alpha), torch.exp(self.beta)
        return x + (1.0 / (b + 1e-9)) * torch.pow(torch.sin(x * a), 2)


class BasicTransformerBlock(nn.Module):
    def __init__(self, d, heads=2):
        super().__init__()
        self.h, self.dk = heads, d // heads
        self.norm1, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.to_q, self.to_k, self.to_v = (nn.Linear(d, d, bias=False) for _ in range(3))
        self.to_out = nn.Linear(d, d)
        self.ff = nn.Sequential(SnakeBeta(d, 4 * d), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        b, t, d = x.shape
        y = self.norm1(x)
        q, k, v = (f(y).view(b, t, self.h, self.dk).transpose(1, 2).reshape(b * self.h, t, self.dk) for f in (self.to_q, self.to_k, self.to_v))
        # diffusers' prepare_attention_mask: the 0/1 mask as a bias, repeat_interleave'd per head (torch 1.13 exports that
        # with dynamic axes as a graph onnxruntime cannot run: written as the same expand)
        bias = mask[:, None, None, :].expand(b, self.h, 1, t).reshape(b * self.h, 1, t)
        scores = torch.baddbmm(bias, q, k.transpose(1, 2), beta=1, alpha=self.dk ** -0.5)
        o = torch.bmm(torch.softmax(scores, dim=-1), v).view(b, self.h, t, self.dk).transpose(1, 2).reshape(b, t, d)
        x = x + self.to_out(o)
        return x + self.ff(self.norm3(x))


class Block1D(nn.Module):
    def __init__(self, dim, dim_out, groups=8):
        super().__init__()
        self.block = nn.Sequential(nn.Conv1d(dim, dim_out, 3, padding=1), nn.GroupNorm(groups, dim_out), nn.Mish())

    def forward(self, x, mask):
        return self.block(x * mask) * mask


class ResnetBlock1D(nn.Module):
    def __init__(self, dim, dim_out, time_dim):
        super().__init__()
        self.mlp = nn.Sequential(nn.Mish(), nn.Linear(time_dim, dim_out))
        self.block1, self.block2 = Block1D(dim, dim_out), Block1D(dim_out, dim_out)
        self.res_conv = nn.Conv1d(dim, dim_out, 1)

    def forward(self, x, mask, t):
        h = self.block1(x, mask) + self.mlp(t).unsqueeze(-1)
        return self.block2(h, mask) + self.res_conv(x * mask)


class MatchaStep(nn.Module):
    """x_{t+dt} = x + dt · estimator(x, mask, mu, t): Matcha's solve_euler, one step (the export unrolls n of them)."""

    def __init__(self, n_feats=80, ch=(64, 64), n_mid=2, time_dim=128):
        super().__init__()
        self.time_mlp = nn.Sequential(nn.Linear(ch[0], time_dim), nn.SiLU(), nn.Linear(time_dim, time_dim))
        self.in_ch = ch[0]
        self.down, self.mid, self.up = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        c_out = 2 * n_feats
        for i, c in enumerate(ch):
            c_in, c_out, last = c_out, c, i == len(ch) - 1
            self.down.append(nn.ModuleList([ResnetBlock1D(c_in, c_out, time_dim), BasicTransformerBlock(c_out),
                                            nn.Conv1d(c_out, c_out, 3, padding=1) if last else nn.Conv1d(c_out, c_out, 3, 2, 1)]))
        for _ in range(n_mid):
            self.mid.append(nn.ModuleList([ResnetBlock1D(ch[-1], ch[-1], time_dim), BasicTransformerBlock(ch[-1])]))
        rev = ch[::-1] + (ch[0],)
        for i in range(len(rev) - 1):
            last = i == len(rev) - 2
            self.up.append(nn.ModuleList([ResnetBlock1D(2 * rev[i], rev[i + 1], time_dim), BasicTransformerBlock(rev[i + 1]),
                                          nn.Conv1d(rev[i + 1], rev[i + 1], 3, padding=1) if last else nn.ConvTranspose1d(rev[i + 1], rev[i + 1], 4, 2, 1)]))
        self.final_block = Block1D(ch[0], ch[0])
        self.final_proj = nn.Conv1d(ch[0], n_feats, 1)

    def time_embedding(self, t):
        half = self.in_ch // 2
        emb = torch.exp(torch.arange(half).float() * -(math.log(10000) / (half - 1)))
        emb = 1000 * t.unsqueeze(1) * emb.unsqueeze(0)
        return self.time_mlp(torch.cat((emb.sin(), emb.cos()), dim=-1))

    def estimator(self, x, mask, mu, t):
        t = self.time_embedding(t)
        x = torch.cat([x, mu], dim=1)
        hiddens, masks = [], [mask]
        for resnet, tf, down in self.down:
            m = masks[-1]
            x = resnet(x, m, t)
            x = tf(x.transpose(1, 2), m.squeeze(1)).transpose(1, 2)
            hiddens.append(x)
            x = down(x * m)
            masks.append(m[:, :, ::2])
        masks = masks[:-1]
        m = masks[-1]
        for resnet, tf in self.mid:
            x = resnet(x, m, t)
            x = tf(x.transpose(1, 2), m.squeeze(1)).transpose(1, 2)
        for resnet, tf, up in self.up:
            m = masks.pop()
            x = resnet(torch.cat([x, hiddens.pop()], dim=1), m, t)
            x = tf(x.transpose(1, 2), m.squeeze(1)).transpose(1, 2)
            x = up(x * m)
        x = self.final_block(x, mask)
        return self.final_proj(x * mask) * mask

    def forward(self, x, mask, mu, t, dt):
        return x + dt * self.estimator(x, mask, mu, t)


class MeloTextEncoderDp(nn.Module):
    """MeloTTS' TextEncoder (tone / language embeddings, BERT and ja-BERT projections, speaker cond at layer 1) and
    its deterministic DurationPredictor conditioned on g: → logw, m_p, logs_p, x_mask."""

    def __init__(self, vocab=60, h=64, heads=2, layers=3, gin=32, bert=96):
        super().__init__()
        self.h = h
        self.emb, self.tone_emb, self.language_emb = nn.Embedding(vocab, h), nn.Embedding(16, h), nn.Embedding(8, h)
        self.bert_proj, self.ja_bert_proj = nn.Conv1d(bert, h, 1), nn.Conv1d(bert, h, 1)
        self.attn = nn.ModuleList(MultiHeadAttention(h, h, heads) for _ in range(layers))
        self.norm1 = nn.ModuleList(LayerNorm(h) for _ in range(layers))
        self.ffn = nn.ModuleList(FFN(h, 2 * h, 3) for _ in range(layers))
        self.norm2 = nn.ModuleList(LayerNorm(h) for _ in range(layers))
        self.spk_emb_linear = nn.Linear(gin, h)
        self.proj = nn.Conv1d(h, 2 * 32, 1)
        self.emb_g = nn.Embedding(4, gin)
        self.dp_cond = nn.Conv1d(gin, h, 1)
        self.dp = nn.ModuleList([nn.Conv1d(h, 64, 3, padding=1), LayerNorm(64), nn.Conv1d(64, 64, 3, padding=1), LayerNorm(64), nn.Conv1d(64, 1, 1)])

    def forward(self, x, x_lengths, tone, language, bert, ja_bert, sid):
        g = self.emb_g(sid).unsqueeze(-1)
        x = (self.emb(x) + self.tone_emb(tone) + self.language_emb(language) + self.bert_proj(bert).transpose(1, 2)
             + self.ja_bert_proj(ja_bert).transpose(1, 2)) * math.sqrt(self.h)
        x = x.transpose(1, -1)
        x_mask = sequence_mask(x_lengths, x.size(2)).unsqueeze(1).to(x.dtype)
        attn_mask = x_mask.unsqueeze(2) * x_mask.unsqueeze(-1)
        x = x * x_mask
        for i, (a, n1, f, n2) in enumerate(zip(self.attn, self.norm1, self.ffn, self.norm2)):
            if i == 1:
                x = (x + self.spk_emb_linear(g.transpose(1, 2)).transpose(1, 2)) * x_mask
            x = n1(x + a(x, x, attn_mask))
            x = n2(x + f(x, x_mask))
        stats = self.proj(x * x_mask) * x_mask
        m_p, logs_p = torch.split(stats, 32, dim=1)
        y = torch.detach(x) + self.dp_cond(g)
        c1, n1, c2, n2, out = self.dp
        y = n1(torch.relu(c1(y * x_mask)))
        y = n2(torch.relu(c2(y * x_mask)))
        return out(y * x_mask) * x_mask, m_p, logs_p, x_mask


class FFTFlowEncoder(nn.Module):
    """VITS2's FFT encoder inside a coupling layer: causal-free attention without relative positions (isflow)."""

    def __init__(self, h, heads=2, layers=1, gin=32):
        super().__init__()
        self.cond = nn.Conv1d(gin, h, 1)
        self.attn = nn.ModuleList(MultiHeadAttention(h, h, heads) for _ in range(layers))
        self.norm1 = nn.ModuleList(LayerNorm(h) for _ in range(layers))
        self.ffn = nn.ModuleList(FFN(h, 2 * h, 3) for _ in range(layers))
        self.norm2 = nn.ModuleList(LayerNorm(h) for _ in range(layers))

    def forward(self, x, x_mask, g):
        attn_mask = x_mask.unsqueeze(2) * x_mask.unsqueeze(-1)
        x = (x + self.cond(g)) * x_mask
        for a, n1, f, n2 in zip(self.attn, self.norm1, self.ffn, self.norm2):
            x = n1(x + a(x, x, attn_mask))
            x = n2(x + f(x, x_mask))
        return x * x_mask


class TransformerCouplingFlow(nn.Module):
    """VITS2 / MeloTTS TransformerCouplingBlock in reverse (z_p → z), mean-only couplings and Flips."""

    def __init__(self, ch=32, h=64, n_flows=3, gin=32):
        super().__init__()
        self.half = ch // 2
        self.pre = nn.ModuleList(nn.Conv1d(self.half, h, 1) for _ in range(n_flows))
        self.enc = nn.ModuleList(FFTFlowEncoder(h, gin=gin) for _ in range(n_flows))
        self.post = nn.ModuleList(nn.Conv1d(h, self.half, 1) for _ in range(n_flows))
        self.emb_g = nn.Embedding(4, gin)

    def forward(self, z_p, y_mask, sid):
        g = self.emb_g(sid).unsqueeze(-1)
        x = z_p
        for i in reversed(range(len(self.pre))):
            x = torch.flip(x, [1])
            x0, x1 = torch.split(x, [self.half] * 2, 1)
            h = self.enc[i](self.pre[i](x0) * y_mask, y_mask, g)
            m = self.post[i](h) * y_mask
            x = torch.cat([x0, (x1 - m) * y_mask], 1)
        return x * y_mask


class StyleTTSDecoder(nn.Module):
    """StyleTTS 2's istftnet Decoder (Kokoro / Kitten): F0 and N curves through strided convs, AdaIN residual blocks fed
    the ASR features' residual until the upsampling block, then the iSTFTNet generator (its harmonic source is
    random: `har` is an input, as in the eighth sweep)."""

    def __init__(self, dim_in=64, style=64, dim=128):
        super().__init__()
        self.encode = AdainResBlk1d(dim_in + 2, dim, style)
        self.decode = nn.ModuleList([AdainResBlk1d(dim + 2 + 16, dim, style), AdainResBlk1d(dim + 2 + 16, dim, style),
                                     AdainResBlk1d(dim + 2 + 16, 64, style, upsample=True)])
        self.F0_conv = weight_norm(nn.Conv1d(1, 1, 3, stride=2, padding=1))
        self.N_conv = weight_norm(nn.Conv1d(1, 1, 3, stride=2, padding=1))
        self.asr_res = weight_norm(nn.Conv1d(dim_in, 16, 1))
        self.generator = KokoroGenerator(ch=64, style_dim=style)

    def forward(self, asr, F0_curve, N, s, har):
        F0 = self.F0_conv(F0_curve.unsqueeze(1))
        N = self.N_conv(N.unsqueeze(1))
        x = self.encode(torch.cat([asr, F0, N], dim=1), s)
        asr_res = self.asr_res(asr)
        res = True
        for block in self.decode:
            if res:
                x = torch.cat([x, asr_res, F0, N], dim=1)
            x = block(x, s)
            if block.upsample_type:
                res = False
        return self.generator(x, s, har)
