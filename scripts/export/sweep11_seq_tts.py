"""Eleventh sweep: neural codec decoders not tried before (random weights, small widths): Mimi's decoder (Kyutai's
codec behind Moshi: split RVQ decode — one semantic codebook, the rest acoustic, each summed from its codebook rows
and projected by a 1x1 conv — a depthwise transposed-conv upsample by 2, the causal rotary transformer, the SEANet
decoder with transposed convs 4 / 5 / 6 / 8). The encoders and EnCodec / DAC / SNAC were the ninth sweep's
(sweep9_audio_codec.py, reused here). Models in MODELS, exported by sweep11_seq.py."""
import torch
from torch import nn

from sweep9_audio_codec import CausalRopeLayer, ResidualVQ, SEANetDecoder  # noqa: E402


class MimiDecoder(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.semantic, self.acoustic = ResidualVQ(d, n_q=1), ResidualVQ(d, n_q=3)
        self.out_sem, self.out_ac = nn.Conv1d(d, d, 1, bias=False), nn.Conv1d(d, d, 1, bias=False)
        self.upsample = nn.ConvTranspose1d(d, d, 4, stride=2, groups=d, bias=False)
        self.transformer = nn.ModuleList(CausalRopeLayer(d) for _ in range(2))
        self.decoder = SEANetDecoder(ratios=(8, 6, 5, 4), dim=d, lstm=False)

    def forward(self, codes):  # codes [n_q, B, T]
        x = self.out_sem(self.semantic.decode(codes[:1])) + self.out_ac(self.acoustic.decode(codes[1:]))
        x = self.upsample(x)[..., :-2]  # causal: the transposed conv's trailing k - stride samples trimmed
        x = x.transpose(1, 2)
        for layer in self.transformer:
            x = layer(x)
        return self.decoder(x.transpose(1, 2))


def mimi_decoder():
    torch.manual_seed(13)
    return MimiDecoder().eval()


MODELS = {
    # Mimi at 12.5 Hz: 10 frames (0.8 s), 4 codebooks; kyutai's ONNX ports: opset 17, codes [n_q, B, T]
    'mimi_decoder': lambda: (mimi_decoder(), torch.randint(0, 64, (4, 1, 10)), {'names': ['codes'], 'outputs': ['audio'], 'opset': 17}),
}
