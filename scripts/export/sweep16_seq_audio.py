"""Sixteenth sweep: speech and audio families not tried in the fifteen earlier sweeps, as their projects write them
(random weights, small widths): WaveNet vocoder (r9y9's wavenet_vocoder: mel upsampled by ConvTranspose2d stretches,
causal dilated convs 1-32 twice, gated tanh x sigmoid with local conditioning, residual x sqrt(0.5), skip sum, ReLU-1x1
head to 256 mu-law logits), UniVNet (kernel predictor from the mel: residual conv stack to per-frame kernels and biases,
location-variable convolution by unfold of hop-length segments and an einsum with each frame's kernel, gated
tanh x sigmoid; dilations 1, 2: the reference's unfold needs the hop to be a multiple of the dilation), TF-GridNet (intra-frame BLSTM over frequency, inter-frame BLSTM over time, full-band self-attention
per frame with per-head 1x1 convs, PReLU and LayerNorm over channels x frequency), MatchboxNet (NeMo's KWS: 1-D
time-channel separable convs in residual blocks, BN, ReLU, pooled decoder) and MossFormer's gated attention unit
(FLASH: token shift, scale-offset q / k from one projection, relu^2 quadratic attention inside chunks plus a linear
attention over all chunks, convolution module). Models in MODELS, exported by sweep16_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- WaveNet vocoder ---

class ResidualConv1dGLU(nn.Module):
    def __init__(self, res=32, gate=64, skip=32, cin=20, k=3, dilation=1):
        super().__init__()
        self.pad = (k - 1) * dilation
        self.conv = nn.Conv1d(res, gate, k, padding=self.pad, dilation=dilation)
        self.conv1x1c = nn.Conv1d(cin, gate, 1, bias=False)
        self.conv1x1_out = nn.Conv1d(gate // 2, res, 1)
        self.conv1x1_skip = nn.Conv1d(gate // 2, skip, 1)

    def forward(self, x, c):
        residual = x
        x = self.conv(x)[:, :, :-self.pad]  # causal
        a, b = x.split(x.size(1) // 2, 1)
        ca, cb = self.conv1x1c(c).split(x.size(1) // 2, 1)
        x = torch.tanh(a + ca) * torch.sigmoid(b + cb)
        s = self.conv1x1_skip(x)
        return (self.conv1x1_out(x) + residual) * math.sqrt(0.5), s


class WaveNet(nn.Module):
    def __init__(self, layers=12, stacks=2, cin=20, upsample=(4, 4)):
        super().__init__()
        self.first_conv = nn.Conv1d(1, 32, 1)
        self.layers = nn.ModuleList(ResidualConv1dGLU(cin=cin, dilation=2 ** (i % (layers // stacks))) for i in range(layers))
        self.last = nn.Sequential(nn.ReLU(), nn.Conv1d(32, 32, 1), nn.ReLU(), nn.Conv1d(32, 256, 1))
        self.upsample = nn.ModuleList(nn.ConvTranspose2d(1, 1, (3, s), padding=(1, 0), stride=(1, s), bias=False) for s in upsample)

    def forward(self, x, c):  # x [B, 1, T] waveform in [-1, 1], c [B, cin, T / 16]
        c = c.unsqueeze(1)
        for up in self.upsample:
            c = F.relu(up(c))  # upsample_conditional_features: stretch in time
        c = c.squeeze(1)
        x = self.first_conv(x)
        skips = 0
        for f in self.layers:
            x, h = f(x, c)
            skips = skips + h
        skips = skips * math.sqrt(1.0 / len(self.layers))
        return F.softmax(self.last(skips), 1)


# --- UniVNet: location-variable convolution ---

class KernelPredictor(nn.Module):
    def __init__(self, cond=20, cin=16, cout=32, k=3, layers=2, hidden=32):
        super().__init__()
        self.cin, self.cout, self.k, self.layers = cin, cout, k, layers
        self.input_conv = nn.Sequential(nn.Conv1d(cond, hidden, 5, padding=2), nn.LeakyReLU(0.1))
        self.residual_convs = nn.ModuleList(nn.Sequential(nn.Conv1d(hidden, hidden, 3, padding=1), nn.LeakyReLU(0.1),
                                                          nn.Conv1d(hidden, hidden, 3, padding=1), nn.LeakyReLU(0.1)) for _ in range(2))
        self.kernel_conv = nn.Conv1d(hidden, cin * cout * k * layers, 3, padding=1)
        self.bias_conv = nn.Conv1d(hidden, cout * layers, 3, padding=1)

    def forward(self, c):
        b, _, l = c.shape
        c = self.input_conv(c)
        for block in self.residual_convs:
            c = c + block(c)
        k = self.kernel_conv(c).contiguous().view(b, self.layers, self.cin, self.cout, self.k, l)
        bias = self.bias_conv(c).contiguous().view(b, self.layers, self.cout, l)
        return k, bias


class LVCBlock(nn.Module):
    def __init__(self, ch=16, cond=20, hop=8, stride=2, k=3, layers=2):
        super().__init__()
        self.hop, self.layers, self.k = hop, layers, k
        self.kernel_predictor = KernelPredictor(cond, ch, 2 * ch, k, layers)
        self.convt_pre = nn.Sequential(nn.LeakyReLU(0.2), nn.ConvTranspose1d(ch, ch, 2 * stride, stride=stride, padding=stride // 2))
        self.conv_blocks = nn.ModuleList(nn.Sequential(nn.LeakyReLU(0.2), nn.Conv1d(ch, ch, k, padding=2 ** i * (k - 1) // 2, dilation=2 ** i),
                                                       nn.LeakyReLU(0.2)) for i in range(layers))

    @staticmethod
    def location_variable_convolution(x, kernel, bias, dilation, hop, k=3):
        b, cin, in_len = x.shape
        cout = kernel.shape[2]
        padding = dilation * int((k - 1) / 2)
        x = F.pad(x, (padding, padding), 'constant', 0)
        # the reference's three unfolds, written as the slices ONNX's unfold export makes (torch 1.13 cannot export an
        # unfold after this Pad: "input size not accessible")
        seg = hop + 2 * padding
        x = torch.stack([x[:, :, i * hop:i * hop + seg] for i in range(in_len // hop)], 2)  # [B, Cin, L, hop + 2p]
        if hop < dilation:
            x = F.pad(x, (0, dilation), 'constant', 0)
            seg += dilation
        n = seg // dilation
        x = x[..., :n * dilation].reshape(b, cin, in_len // hop, n, dilation)  # [B, Cin, L, (hop + 2p) / d, d]
        x = x[:, :, :, :, :hop]
        x = x.transpose(3, 4)
        m = n - k + 1
        x = torch.stack([x[..., j:j + m] for j in range(k)], -1)  # [B, Cin, L, d, hop/d, k]
        o = torch.einsum('bildsk,biokl->bolsd', x, kernel)
        o = o + bias.unsqueeze(-1).unsqueeze(-1)
        return o.contiguous().view(b, cout, -1)

    def forward(self, x, c):
        b, ch, _ = x.shape
        x = self.convt_pre(x)
        kernels, bias = self.kernel_predictor(c)
        for i, conv in enumerate(self.conv_blocks):
            out = conv(x)
            out = self.location_variable_convolution(out, kernels[:, i], bias[:, i], 2 ** i, self.hop)
            x = x + torch.sigmoid(out[:, :ch]) * torch.tanh(out[:, ch:])
        return x


class UniVNet(nn.Module):
    """Generator: noise conv, LVC blocks upsampling x2, x4 (hop 2 then 8 samples per mel frame), post conv, tanh."""
    def __init__(self, noise=8, ch=16, cond=20):
        super().__init__()
        self.conv_pre = nn.Conv1d(noise, ch, 7, padding=3, padding_mode='reflect')
        self.res_stack = nn.ModuleList([LVCBlock(ch, cond, hop=2, stride=2), LVCBlock(ch, cond, hop=8, stride=4)])
        self.conv_post = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv1d(ch, 1, 7, padding=3, padding_mode='reflect'), nn.Tanh())

    def forward(self, c, z):
        x = self.conv_pre(z)
        for block in self.res_stack:
            x = block(x, c)
        return self.conv_post(x)


# --- TF-GridNet ---

class LayerNormCF(nn.Module):
    """LayerNormalization4DCF: over channels and frequency of [B, C, T, F]."""
    def __init__(self, c, f, eps=1e-5):
        super().__init__()
        self.gamma, self.beta, self.eps = nn.Parameter(torch.ones(1, c, 1, f)), nn.Parameter(torch.zeros(1, c, 1, f)), eps

    def forward(self, x):
        mu = x.mean((1, 3), keepdim=True)
        std = torch.sqrt(x.var((1, 3), unbiased=False, keepdim=True) + self.eps)
        return (x - mu) / std * self.gamma + self.beta


class LayerNormC(nn.Module):
    """LayerNormalization4D over channels of [B, C, T, F]."""
    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.gamma, self.beta, self.eps = nn.Parameter(torch.ones(1, c, 1, 1)), nn.Parameter(torch.zeros(1, c, 1, 1)), eps

    def forward(self, x):
        mu = x.mean(1, keepdim=True)
        std = torch.sqrt(x.var(1, unbiased=False, keepdim=True) + self.eps)
        return (x - mu) / std * self.gamma + self.beta


class GridNetBlock(nn.Module):
    def __init__(self, d=16, f=33, hidden=24, heads=2, e=4):
        super().__init__()
        self.heads, self.e = heads, e
        self.intra_norm, self.intra_rnn = LayerNormC(d), nn.LSTM(d, hidden, 1, batch_first=True, bidirectional=True)
        self.intra_linear = nn.ConvTranspose1d(2 * hidden, d, 1)
        self.inter_norm, self.inter_rnn = LayerNormC(d), nn.LSTM(d, hidden, 1, batch_first=True, bidirectional=True)
        self.inter_linear = nn.ConvTranspose1d(2 * hidden, d, 1)
        self.q = nn.ModuleList(nn.Sequential(nn.Conv2d(d, e, 1), nn.PReLU(), LayerNormCF(e, f)) for _ in range(heads))
        self.k = nn.ModuleList(nn.Sequential(nn.Conv2d(d, e, 1), nn.PReLU(), LayerNormCF(e, f)) for _ in range(heads))
        self.v = nn.ModuleList(nn.Sequential(nn.Conv2d(d, d // heads, 1), nn.PReLU(), LayerNormCF(d // heads, f)) for _ in range(heads))
        self.proj = nn.Sequential(nn.Conv2d(d, d, 1), nn.PReLU(), LayerNormCF(d, f))

    def forward(self, x):  # [B, C, T, F]
        b, c, t, f = x.shape
        # intra-frame: BLSTM over frequency (emb_ks = emb_hs = 1)
        y = self.intra_norm(x).permute(0, 2, 3, 1).reshape(b * t, f, c)
        y, _ = self.intra_rnn(y)
        y = self.intra_linear(y.transpose(1, 2)).view(b, t, c, f).transpose(1, 2)
        x = x + y
        # inter-frame: BLSTM over time
        y = self.inter_norm(x).permute(0, 3, 2, 1).reshape(b * f, t, c)
        y, _ = self.inter_rnn(y)
        y = self.inter_linear(y.transpose(1, 2)).view(b, f, c, t).permute(0, 2, 3, 1)
        x = x + y
        # full-band self-attention over frames
        q = torch.cat([m(x) for m in self.q], 0).transpose(1, 2).flatten(2)  # [H*B, T, E*F]
        k = torch.cat([m(x) for m in self.k], 0).transpose(1, 2).flatten(2)
        v = torch.cat([m(x) for m in self.v], 0).transpose(1, 2)  # [H*B, T, C/H, F]
        vs = v.shape
        a = F.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), -1)
        o = (a @ v.flatten(2)).view(vs).transpose(1, 2)  # [H*B, C/H, T, F]
        o = o.view(self.heads, b, c // self.heads, t, f).transpose(0, 1).reshape(b, c, t, f)
        return x + self.proj(o)


class TFGridNet(nn.Module):
    def __init__(self, d=16, f=33, blocks=2, n_src=2):
        super().__init__()
        self.n_src = n_src
        self.conv = nn.Sequential(nn.Conv2d(2, d, 3, padding=1), nn.GroupNorm(1, d, eps=1e-5))
        self.blocks = nn.ModuleList(GridNetBlock(d, f) for _ in range(blocks))
        self.deconv = nn.ConvTranspose2d(d, 2 * n_src, 3, padding=1)

    def forward(self, spec):  # [B, 2, T, F]: the STFT's real / imaginary parts
        b, _, t, f = spec.shape
        mag = torch.sqrt((spec ** 2).sum(1, keepdim=True).mean((2, 3), keepdim=True) + 1e-8)  # mixture std normalisation
        x = self.conv(spec / mag)
        for blk in self.blocks:
            x = blk(x)
        return self.deconv(x).view(b, self.n_src, 2, t, f) * mag.unsqueeze(1)


# --- MatchboxNet (NeMo ConvASR encoder + classification decoder) ---

class TCSConv(nn.Module):
    def __init__(self, cin, cout, k, dilation=1):
        super().__init__()
        self.dw = nn.Conv1d(cin, cin, k, padding=dilation * (k // 2), dilation=dilation, groups=cin, bias=False)
        self.pw = nn.Conv1d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm1d(cout, eps=1e-3)

    def forward(self, x):
        return self.bn(self.pw(self.dw(x)))


class JasperBlock(nn.Module):
    def __init__(self, cin, cout, k, repeat):
        super().__init__()
        self.subs = nn.ModuleList(TCSConv(cin if i == 0 else cout, cout, k) for i in range(repeat))
        self.res = nn.Sequential(nn.Conv1d(cin, cout, 1, bias=False), nn.BatchNorm1d(cout, eps=1e-3))

    def forward(self, x):
        y = x
        for i, s in enumerate(self.subs):
            y = s(y)
            if i < len(self.subs) - 1:
                y = F.relu(y)
        return F.relu(y + self.res(x))


class MatchboxNet(nn.Module):
    """MatchboxNet 3x2x64: prologue (k11, stride 2), 3 blocks of 2 sub-blocks (k 13, 15, 17), epilogue (k29 dilated 2, 1x1), pooled decoder."""
    def __init__(self, mels=64, classes=35):
        super().__init__()
        self.prologue = nn.Sequential(nn.Conv1d(mels, mels, 11, stride=2, padding=5, groups=mels, bias=False),
                                      nn.Conv1d(mels, 128, 1, bias=False), nn.BatchNorm1d(128, eps=1e-3), nn.ReLU())
        self.blocks = nn.Sequential(JasperBlock(128, 64, 13, 2), JasperBlock(64, 64, 15, 2), JasperBlock(64, 64, 17, 2))
        self.epilogue = nn.Sequential(TCSConv(64, 128, 29, dilation=2), nn.ReLU(),
                                      nn.Conv1d(128, 128, 1, bias=False), nn.BatchNorm1d(128, eps=1e-3), nn.ReLU())
        self.decoder = nn.Linear(128, classes)

    def forward(self, audio_signal):  # [B, mels, T]
        x = self.epilogue(self.blocks(self.prologue(audio_signal)))
        return F.log_softmax(self.decoder(x.mean(-1)), -1)


# --- MossFormer gated attention unit (FLASH) ---

class ScaleNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.scale, self.eps, self.g = d ** -0.5, eps, nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x / torch.norm(x, dim=-1, keepdim=True).clamp(min=self.eps) * self.scale * self.g


class OffsetScale(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.gamma, self.beta = nn.Parameter(torch.randn(heads, d) * 0.02 + 1), nn.Parameter(torch.zeros(heads, d))

    def forward(self, x):
        return (x.unsqueeze(-2) * self.gamma + self.beta).unbind(-2)


class FLASHLayer(nn.Module):
    def __init__(self, d=64, group=16, qk=32, expansion=2):
        super().__init__()
        h = d * expansion
        self.group = group
        self.norm = ScaleNorm(d)
        self.to_hidden = nn.Sequential(nn.Linear(d, 2 * h), nn.SiLU())
        self.to_qk = nn.Sequential(nn.Linear(d, qk), nn.SiLU())
        self.dw_hidden = nn.Conv1d(2 * h, 2 * h, 17, padding=8, groups=2 * h)  # the FSMN-like depthwise conv
        self.qk_offset_scale = OffsetScale(qk, 4)
        self.to_out = nn.Linear(h, d)

    def forward(self, x):  # [B, N, D], N a multiple of group
        b, n, d = x.shape
        normed = self.norm(x)
        # token shift: half the features from the previous step
        a, s = normed.chunk(2, -1)
        normed = torch.cat([a, F.pad(s, (0, 0, 1, -1))], -1)
        hid = self.to_hidden(normed)
        hid = hid + self.dw_hidden(hid.transpose(1, 2)).transpose(1, 2)
        v, gate = hid.chunk(2, -1)
        qk = self.to_qk(normed)
        quad_q, lin_q, quad_k, lin_k = self.qk_offset_scale(qk)
        g = n // self.group
        grp = lambda y: y.reshape(b, g, self.group, y.shape[-1])
        quad_q, quad_k, lin_q, lin_k, vg = map(grp, (quad_q, quad_k, lin_q, lin_k, v))
        sim = quad_q @ quad_k.transpose(-1, -2) / self.group
        attn = F.relu(sim) ** 2
        quad_out = attn @ vg
        lin_kv = torch.einsum('bgnd,bgne->bde', lin_k, vg) / n
        lin_out = torch.einsum('bgnd,bde->bgne', lin_q, lin_kv)
        out = (quad_out + lin_out).reshape(b, n, -1)
        return x + self.to_out(out * gate)


class MossFormerGAU(nn.Module):
    """MossFormer's separator core: encoder conv, 4 FLASH layers, mask per source, decoder."""
    def __init__(self, d=64, layers=4, n_src=2):
        super().__init__()
        self.n_src = n_src
        self.enc = nn.Conv1d(1, d, 16, stride=8, bias=False)
        self.norm = nn.GroupNorm(1, d, eps=1e-8)
        self.pos = nn.Parameter(torch.randn(1, 4096, d) * 0.02)
        self.layers = nn.ModuleList(FLASHLayer(d) for _ in range(layers))
        self.mask = nn.Sequential(nn.PReLU(), nn.Conv1d(d, d * n_src, 1))
        self.gate = nn.Sequential(nn.Conv1d(d, d, 1), nn.Tanh())
        self.gate2 = nn.Sequential(nn.Conv1d(d, d, 1), nn.Sigmoid())
        self.dec = nn.ConvTranspose1d(d, 1, 16, stride=8, bias=False)

    def forward(self, mixture):  # [B, T]
        b = mixture.shape[0]
        w = F.relu(self.enc(mixture.unsqueeze(1)))  # [B, D, L]
        x = self.norm(w).transpose(1, 2)
        x = x + self.pos[:, :x.shape[1]]
        for L in self.layers:
            x = L(x)
        m = self.mask(x.transpose(1, 2)).view(b * self.n_src, -1, x.shape[1])
        m = F.relu(self.gate(m) * self.gate2(m)).view(b, self.n_src, -1, x.shape[1])
        return self.dec((w.unsqueeze(1) * m).flatten(0, 1)).view(b, self.n_src, -1)


MODELS = {
    'wavenet_vocoder': lambda: (WaveNet().eval(), (torch.rand(1, 1, 480) * 2 - 1, torch.randn(1, 20, 30)),
                                {'names': ['x', 'c'], 'outputs': ['probs'], 'opset': 13}),
    'univnet': lambda: (UniVNet().eval(), (torch.randn(1, 20, 24), torch.randn(1, 8, 24)), {'names': ['mel', 'noise'], 'outputs': ['audio'], 'opset': 13}),
    'tf_gridnet': lambda: (TFGridNet().eval(), torch.randn(1, 2, 20, 33), {'names': ['spec'], 'outputs': ['sources'], 'opset': 14}),
    'matchboxnet': lambda: (MatchboxNet().eval(), torch.randn(2, 64, 128), {'names': ['audio_signal'], 'outputs': ['logprobs'], 'opset': 13,
                                                                            'dynamic': {'audio_signal': {0: 'batch', 2: 'time'}}}),
    'mossformer_gau': lambda: (MossFormerGAU().eval(), torch.randn(1, 1032), {'names': ['mixture'], 'outputs': ['sources'], 'opset': 14}),
}
