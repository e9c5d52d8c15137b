"""Eighth sweep: VITS' flows (transforms.py's rational-quadratic spline, ConvFlow, DDSConv, the stochastic duration
predictor in reverse; WaveNet coupling layers) and the HiFi-GAN generator (ConvTranspose1d with weight norm,
ResBlock1), and Piper's `infer` with the noises as inputs (sweep8_vits.py has the text encoder)."""
import math

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm, remove_weight_norm

from sweep8_vits import LayerNorm, TextEncoder, sequence_mask, generate_path

DEFAULT_MIN_BIN_WIDTH = DEFAULT_MIN_BIN_HEIGHT = DEFAULT_MIN_DERIVATIVE = 1e-3


def searchsorted(bin_locations, inputs, eps=1e-6):
    bin_locations[..., -1] += eps
    return torch.sum(inputs[..., None] >= bin_locations, dim=-1) - 1


def _bins(unnormalized, min_bin, lo, hi):
    num_bins = unnormalized.shape[-1]
    sizes = F.softmax(unnormalized, dim=-1)
    sizes = min_bin + (1 - min_bin * num_bins) * sizes
    cum = torch.cumsum(sizes, dim=-1)
    cum = F.pad(cum, pad=(1, 0), mode='constant', value=0.0)
    cum = (hi - lo) * cum + lo
    cum[..., 0] = lo
    cum[..., -1] = hi
    return cum[..., 1:] - cum[..., :-1], cum


def rational_quadratic_spline(inputs, unnormalized_widths, unnormalized_heights, unnormalized_derivatives, inverse=False,
                              left=0., right=1., bottom=0., top=1., min_bin_width=DEFAULT_MIN_BIN_WIDTH,
                              min_bin_height=DEFAULT_MIN_BIN_HEIGHT, min_derivative=DEFAULT_MIN_DERIVATIVE):
    # transforms.py writes the widths' and the heights' bins out twice, the same ops in the same order.
    widths, cumwidths = _bins(unnormalized_widths, min_bin_width, left, right)
    derivatives = min_derivative + F.softplus(unnormalized_derivatives)
    heights, cumheights = _bins(unnormalized_heights, min_bin_height, bottom, top)
    bin_idx = searchsorted(cumheights if inverse else cumwidths, inputs)[..., None]
    input_cumwidths = cumwidths.gather(-1, bin_idx)[..., 0]
    input_bin_widths = widths.gather(-1, bin_idx)[..., 0]
    input_cumheights = cumheights.gather(-1, bin_idx)[..., 0]
    delta = heights / widths
    input_delta = delta.gather(-1, bin_idx)[..., 0]
    input_derivatives = derivatives.gather(-1, bin_idx)[..., 0]
    input_derivatives_plus_one = derivatives[..., 1:].gather(-1, bin_idx)[..., 0]
    input_heights = heights.gather(-1, bin_idx)[..., 0]
    # inverse only (VITS' inference)
    a = ((inputs - input_cumheights) * (input_derivatives + input_derivatives_plus_one - 2 * input_delta)
         + input_heights * (input_delta - input_derivatives))
    b = (input_heights * input_derivatives
         - (inputs - input_cumheights) * (input_derivatives + input_derivatives_plus_one - 2 * input_delta))
    c = - input_delta * (inputs - input_cumheights)
    discriminant = b.pow(2) - 4 * a * c
    root = (2 * c) / (-b - torch.sqrt(discriminant))
    return root * input_bin_widths + input_cumwidths


def unconstrained_rational_quadratic_spline(inputs, uw, uh, ud, inverse=True, tail_bound=5.0):
    inside_interval_mask = (inputs >= -tail_bound) & (inputs <= tail_bound)
    outside_interval_mask = ~inside_interval_mask
    outputs = torch.zeros_like(inputs)
    ud = F.pad(ud, pad=(1, 1))
    constant = np.log(np.exp(1 - DEFAULT_MIN_DERIVATIVE) - 1)
    ud[..., 0] = constant
    ud[..., -1] = constant
    outputs[outside_interval_mask] = inputs[outside_interval_mask]
    outputs[inside_interval_mask] = rational_quadratic_spline(
        inputs[inside_interval_mask], uw[inside_interval_mask, :], uh[inside_interval_mask, :], ud[inside_interval_mask, :],
        inverse=inverse, left=-tail_bound, right=tail_bound, bottom=-tail_bound, top=tail_bound)
    return outputs


class DDSConv(nn.Module):
    def __init__(self, channels, kernel_size, n_layers):
        super().__init__()
        self.n_layers = n_layers
        self.convs_sep, self.convs_1x1, self.norms_1, self.norms_2 = (nn.ModuleList() for _ in range(4))
        for i in range(n_layers):
            dilation = kernel_size ** i
            padding = (kernel_size * dilation - dilation) // 2
            self.convs_sep.append(nn.Conv1d(channels, channels, kernel_size, groups=channels, dilation=dilation, padding=padding))
            self.convs_1x1.append(nn.Conv1d(channels, channels, 1))
            self.norms_1.append(LayerNorm(channels))
            self.norms_2.append(LayerNorm(channels))

    def forward(self, x, x_mask, g=None):
        if g is not None:
            x = x + g
        for i in range(self.n_layers):
            y = F.gelu(self.norms_1[i](self.convs_sep[i](x * x_mask)))
            y = F.gelu(self.norms_2[i](self.convs_1x1[i](y)))
            x = x + y
        return x * x_mask


class ElementwiseAffine(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.m, self.logs = nn.Parameter(0.1 * torch.randn(channels, 1)), nn.Parameter(0.1 * torch.randn(channels, 1))

    def forward(self, x, x_mask, g=None):
        return (x - self.m) * torch.exp(-self.logs) * x_mask


class Flip(nn.Module):
    def forward(self, x, *args, **kwargs):
        return torch.flip(x, [1])


class ConvFlow(nn.Module):
    def __init__(self, in_channels, filter_channels, kernel_size, n_layers, num_bins=10, tail_bound=5.0):
        super().__init__()
        self.filter_channels, self.num_bins, self.tail_bound, self.half_channels = filter_channels, num_bins, tail_bound, in_channels // 2
        self.pre = nn.Conv1d(self.half_channels, filter_channels, 1)
        self.convs = DDSConv(filter_channels, kernel_size, n_layers)
        self.proj = nn.Conv1d(filter_channels, self.half_channels * (num_bins * 3 - 1), 1)
        self.proj.weight.data.mul_(0.2)

    def forward(self, x, x_mask, g=None):
        x0, x1 = torch.split(x, [self.half_channels] * 2, 1)
        h = self.convs(self.pre(x0), x_mask, g=g)
        h = self.proj(h) * x_mask
        b, c, t = x0.shape
        h = h.reshape(b, c, -1, t).permute(0, 1, 3, 2)
        uw = h[..., :self.num_bins] / math.sqrt(self.filter_channels)
        uh = h[..., self.num_bins:2 * self.num_bins] / math.sqrt(self.filter_channels)
        ud = h[..., 2 * self.num_bins:]
        x1 = unconstrained_rational_quadratic_spline(x1, uw, uh, ud, inverse=True, tail_bound=self.tail_bound)
        return torch.cat([x0, x1], 1) * x_mask


class StochasticDurationPredictor(nn.Module):
    def __init__(self, in_channels, filter_channels, kernel_size=3, n_flows=4):
        super().__init__()
        self.flows = nn.ModuleList([ElementwiseAffine(2)])
        for _ in range(n_flows):
            self.flows.append(ConvFlow(2, filter_channels, kernel_size, n_layers=3))
            self.flows.append(Flip())
        self.pre = nn.Conv1d(in_channels, filter_channels, 1)
        self.proj = nn.Conv1d(filter_channels, filter_channels, 1)
        self.convs = DDSConv(filter_channels, kernel_size, n_layers=3)

    def forward(self, x, x_mask, noise):
        x = self.proj(self.convs(self.pre(torch.detach(x)), x_mask)) * x_mask
        flows = list(reversed(self.flows))
        flows = flows[:-2] + [flows[-1]]
        z = noise
        for flow in flows:
            z = flow(z, x_mask, g=x)
        z0, _ = torch.split(z, [1, 1], 1)
        return z0


@torch.jit.script
def fused_add_tanh_sigmoid_multiply(input_a, input_b, n_channels):
    n_channels_int = n_channels[0]
    in_act = input_a + input_b
    t_act = torch.tanh(in_act[:, :n_channels_int, :])
    s_act = torch.sigmoid(in_act[:, n_channels_int:, :])
    return t_act * s_act


class WN(nn.Module):
    def __init__(self, hidden, kernel_size, dilation_rate, n_layers):
        super().__init__()
        self.hidden, self.n_layers = hidden, n_layers
        self.in_layers, self.res_skip_layers = nn.ModuleList(), nn.ModuleList()
        for i in range(n_layers):
            dilation = dilation_rate ** i
            padding = int((kernel_size * dilation - dilation) / 2)
            self.in_layers.append(weight_norm(nn.Conv1d(hidden, 2 * hidden, kernel_size, dilation=dilation, padding=padding)))
            res_skip = 2 * hidden if i < n_layers - 1 else hidden
            self.res_skip_layers.append(weight_norm(nn.Conv1d(hidden, res_skip, 1)))

    def forward(self, x, x_mask):
        output = torch.zeros_like(x)
        n_channels_tensor = torch.IntTensor([self.hidden])
        for i in range(self.n_layers):
            x_in = self.in_layers[i](x)
            acts = fused_add_tanh_sigmoid_multiply(x_in, torch.zeros_like(x_in), n_channels_tensor)
            res_skip_acts = self.res_skip_layers[i](acts)
            if i < self.n_layers - 1:
                x = (x + res_skip_acts[:, :self.hidden, :]) * x_mask
                output = output + res_skip_acts[:, self.hidden:, :]
            else:
                output = output + res_skip_acts
        return output * x_mask


class ResidualCouplingLayer(nn.Module):
    def __init__(self, channels, hidden, kernel_size, dilation_rate, n_layers):
        super().__init__()
        self.half = channels // 2
        self.pre = nn.Conv1d(self.half, hidden, 1)
        self.enc = WN(hidden, kernel_size, dilation_rate, n_layers)
        self.post = nn.Conv1d(hidden, self.half, 1)

    def forward(self, x, x_mask):
        x0, x1 = torch.split(x, [self.half] * 2, 1)
        h = self.enc(self.pre(x0) * x_mask, x_mask)
        m = self.post(h) * x_mask
        logs = torch.zeros_like(m)
        x1 = (x1 - m) * torch.exp(-logs) * x_mask
        return torch.cat([x0, x1], 1)


class ResBlock1(nn.Module):
    def __init__(self, channels, kernel_size=3, dilation=(1, 3, 5)):
        super().__init__()
        pad = lambda d: int((kernel_size * d - d) / 2)  # noqa: E731
        self.convs1 = nn.ModuleList(weight_norm(nn.Conv1d(channels, channels, kernel_size, 1, dilation=d, padding=pad(d))) for d in dilation)
        self.convs2 = nn.ModuleList(weight_norm(nn.Conv1d(channels, channels, kernel_size, 1, dilation=1, padding=pad(1))) for _ in dilation)

    def forward(self, x, x_mask=None):
        for c1, c2 in zip(self.convs1, self.convs2):
            xt = c1(F.leaky_relu(x, 0.1))
            xt = c2(F.leaky_relu(xt, 0.1))
            x = xt + x
        return x

    def remove_weight_norm(self):
        for c in list(self.convs1) + list(self.convs2):
            remove_weight_norm(c)


class Generator(nn.Module):
    """HiFi-GAN's generator (vits / piper / hifi-gan), weight norm removed as their inference and export do."""

    def __init__(self, initial_channel, rates=(8, 8, 2, 2), kernels=(16, 16, 4, 4), ch=128, rb_kernels=(3, 7, 11),
                 rb_dilations=((1, 3, 5),) * 3):
        super().__init__()
        self.num_kernels, self.num_upsamples = len(rb_kernels), len(rates)
        self.conv_pre = nn.Conv1d(initial_channel, ch, 7, 1, padding=3)
        self.ups = nn.ModuleList(weight_norm(nn.ConvTranspose1d(ch // 2 ** i, ch // 2 ** (i + 1), k, u, padding=(k - u) // 2))
                                 for i, (u, k) in enumerate(zip(rates, kernels)))
        self.resblocks = nn.ModuleList(ResBlock1(ch // 2 ** (i + 1), k, d) for i in range(len(rates))
                                       for k, d in zip(rb_kernels, rb_dilations))
        self.conv_post = nn.Conv1d(ch // 2 ** len(rates), 1, 7, 1, padding=3, bias=False)

    def forward(self, x):
        x = self.conv_pre(x)
        for i in range(self.num_upsamples):
            x = self.ups[i](F.leaky_relu(x, 0.1))
            xs = None
            for j in range(self.num_kernels):
                y = self.resblocks[i * self.num_kernels + j](x)
                xs = y if xs is None else xs + y
            x = xs / self.num_kernels
        x = self.conv_post(F.leaky_relu(x))
        return torch.tanh(x)

    def remove_weight_norm(self):
        for u in self.ups:
            remove_weight_norm(u)
        for r in self.resblocks:
            r.remove_weight_norm()
        return self


class PiperVits(nn.Module):
    """SynthesizerTrn.infer as piper's export_onnx.py wraps it: input [1, T] ids, input_lengths [1], scales
    [noise_scale, length_scale, noise_scale_w]; noise_dp [1, 2, T] and noise [1, inter, T_max] given."""

    def __init__(self, n_vocab=60, inter=32, hidden=32, filt=64, heads=2, layers=2, n_flows=4, t_max=400):
        super().__init__()
        self.t_max = t_max
        self.enc_p = TextEncoder(n_vocab, inter, hidden, filt, heads, layers)
        self.dp = StochasticDurationPredictor(hidden, 32)
        self.flows = nn.ModuleList()
        for _ in range(n_flows):
            self.flows.append(ResidualCouplingLayer(inter, hidden, 5, 1, 4))
            self.flows.append(Flip())
        self.dec = Generator(inter, rates=(8, 4, 2), kernels=(16, 8, 4), ch=64, rb_kernels=(3, 7), rb_dilations=((1, 3, 5),) * 2)
        self.dec.remove_weight_norm()

    def forward(self, input, input_lengths, scales, noise_dp, noise):
        noise_scale, length_scale, noise_scale_w = scales[0], scales[1], scales[2]
        x, m_p, logs_p, x_mask = self.enc_p(input, input_lengths)
        logw = self.dp(x, x_mask, noise_dp * noise_scale_w)
        w = torch.exp(logw) * x_mask * length_scale
        w_ceil = torch.ceil(w)
        y_lengths = torch.clamp_min(torch.sum(w_ceil, [1, 2]), 1).long()
        y_mask = torch.unsqueeze(sequence_mask(y_lengths, None), 1).type_as(x_mask)
        attn_mask = torch.unsqueeze(x_mask, 2) * torch.unsqueeze(y_mask, -1)
        attn = generate_path(w_ceil, attn_mask)
        m_p = torch.matmul(attn.squeeze(1), m_p.transpose(1, 2)).transpose(1, 2)
        logs_p = torch.matmul(attn.squeeze(1), logs_p.transpose(1, 2)).transpose(1, 2)
        z_p = m_p + noise[:, :, :m_p.size(2)] * torch.exp(logs_p) * noise_scale
        z = z_p * y_mask
        for flow in reversed(self.flows):
            z = flow(z, y_mask) if isinstance(flow, ResidualCouplingLayer) else flow(z)
        return self.dec(z * y_mask).squeeze(1)


class PiperDurations(nn.Module):
    """Piper's text encoder and stochastic duration predictor up to the length regulator's frame counts (w_ceil) and
    total (y_lengths), with logw: the part of `infer` whose sizes do not depend on the predicted durations."""

    def __init__(self, n_vocab=60, hidden=32, filt=64, heads=2, layers=2, dp_filter=32, n_flows=4):
        super().__init__()
        self.enc_p = TextEncoder(n_vocab, hidden, hidden, filt, heads, layers)
        self.dp = StochasticDurationPredictor(hidden, dp_filter, n_flows=n_flows)

    def forward(self, input, input_lengths, scales, noise_dp):
        x, _, _, x_mask = self.enc_p(input, input_lengths)
        logw = self.dp(x, x_mask, noise_dp * scales[2])
        w_ceil = torch.ceil(torch.exp(logw) * x_mask * scales[1])
        return logw, w_ceil, torch.clamp_min(torch.sum(w_ceil, [1, 2]), 1).long()
