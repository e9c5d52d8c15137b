"""The families of the exporter-variant sweep (scripts/export/variants.py): ~25 families of docs/model-sweep.md that
matter for edge deployment, at small input sizes (random weights, BatchNorm statistics re-estimated; nothing is
downloaded). Each entry gives the module, its example inputs, input / output names and the dynamic axes a user would
mark (batch, spatial, sequence)."""
import importlib.util
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchaudio

import sweep3_models as s3
from sweep import calibrated, FirstOutput, AudioFeatures

tv = torchvision.models
_here = os.path.dirname(os.path.abspath(__file__))


def _load(file, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(_here, file))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _ort_transformers():
    return _load('ort-transformers.py', 'ort_transformers')


class SegUNet(nn.Module):
    """A plain segmentation U-Net: conv-BN-ReLU pairs, max-pool down, ConvTranspose up, skip concatenations."""

    def __init__(self, c=16, classes=3):
        super().__init__()

        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(),
                                 nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU())
        self.e1, self.e2, self.e3 = block(3, c), block(c, 2 * c), block(2 * c, 4 * c)
        self.up2, self.d2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, 2), block(4 * c, 2 * c)
        self.up1, self.d1 = nn.ConvTranspose2d(2 * c, c, 2, 2), block(2 * c, c)
        self.out = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(F.max_pool2d(a, 2))
        m = self.e3(F.max_pool2d(b, 2))
        u = self.d2(torch.cat([self.up2(m), b], 1))
        return self.out(self.d1(torch.cat([self.up1(u), a], 1)))


class LstmKws(nn.Module):
    """A keyword spotter on MFCC frames [B, T, 40]: two LSTM layers, the last frame into a linear head."""

    def __init__(self, feats=40, hidden=64, words=12, kind='LSTM'):
        super().__init__()
        self.rnn = getattr(nn, kind)(feats, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, words)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1]).softmax(-1)


class SileroStyleVad(nn.Module):
    """Silero-VAD-style streaming VAD: an STFT written as a Conv1d (reflect pad, magnitude), conv encoder, one LSTM
    cell step with its state in and out, a sigmoid probability."""

    def __init__(self, n_fft=256, hop=128, hidden=64):
        super().__init__()
        self.pad = n_fft // 4
        bins = n_fft // 2 + 1
        self.stft = nn.Conv1d(1, 2 * bins, n_fft, stride=hop, bias=False)
        self.enc = nn.Sequential(nn.Conv1d(bins, hidden, 3, padding=1), nn.ReLU(),
                                 nn.Conv1d(hidden, hidden, 3, stride=2, padding=1), nn.ReLU())
        self.cell = nn.LSTMCell(hidden, hidden)
        self.out = nn.Conv1d(hidden, 1, 1)

    def forward(self, x, h, c):
        x = F.pad(x.unsqueeze(1), (self.pad, self.pad), mode='reflect')
        s = self.stft(x)
        re, im = s.chunk(2, dim=1)
        mag = torch.sqrt(re * re + im * im)
        z = self.enc(mag).mean(-1)
        h2, c2 = self.cell(z, (h[0], c[0]))
        p = torch.sigmoid(self.out(F.relu(h2).unsqueeze(-1))).squeeze(-1)
        return p, h2.unsqueeze(0), c2.unsqueeze(0)


class WhisperTinyEncoder(nn.Module):
    """whisper-tiny's encoder widths (80 mels, d 384, 6 heads, 4 layers) over 200 frames."""

    def __init__(self, frames=200):
        super().__init__()
        self.m = _load('transformers.py', 'onnx2lite_transformers').WhisperEncoderLike(mels=80, d=384, heads=6, layers=4, frames=frames)

    def forward(self, mel):
        return self.m(mel)


class Gpt2Step(nn.Module):
    """GPT-2 decoder step (ort-transformers.py's Gpt2 at 128 hidden): one new token after a past of 7."""

    def __init__(self):
        super().__init__()
        self.m = _ort_transformers().Gpt2(vocab=500, positions=64, hidden=128, heads=4, layers=2)

    def forward(self, input_ids, position_ids, attention_mask, past_0, past_1):
        return self.m(input_ids, position_ids, attention_mask, past_0, past_1)


def img(h=128, w=None, b=1):
    return torch.rand(b, 3, h, w or h)


IMG_DYN = {'batch': {'input': {0: 'batch'}}, 'spatial': {'input': {2: 'h', 3: 'w'}}}


def vision(make, h=128, spatial=True):
    def f():
        m, x = calibrated(make(), img(h))
        return dict(model=m, args=(x,), names=['input'], outputs=None,
                    dynamic=IMG_DYN if spatial else {'batch': IMG_DYN['batch']})
    return f


def seg(make, h=128):
    return vision(lambda: FirstOutput(make(), 'out'), h)


def vit_b_16_2l():
    m = tv.VisionTransformer(image_size=112, patch_size=16, num_layers=2, num_heads=12, hidden_dim=768, mlp_dim=3072)
    return m


def detector(make, h=320):
    def f():
        m = make().eval()
        return dict(model=m, args=([torch.rand(3, h, h)],), names=['image'], outputs=['boxes', 'scores', 'labels'],
                    dynamic={}, min_opset=11)
    return f


def bert():
    """Hugging Face BertModel's math (transformers.py's HfBertModel: its dynamic axes export; ort-transformers.py's
    Bert reads x.shape[-1] into layer_norm, which torch 1.13 cannot export with dynamic axes)."""
    m = _load('transformers.py', 'onnx2lite_transformers').HfBertModel(vocab=200, d=128, layers=2, max_len=64).eval()
    ids = torch.randint(0, 200, (1, 16))
    names = ['input_ids', 'attention_mask', 'token_type_ids']
    return dict(model=m, args=(ids, torch.ones_like(ids), torch.zeros_like(ids)), names=names,
                outputs=['hidden', 'pooled'],
                dynamic={'batch': {n: {0: 'batch'} for n in names},
                         'seq': {n: {1: 'seq'} for n in names}})


def gpt2_step():
    m = Gpt2Step().eval()
    P = 7
    past = torch.randn(2, 1, 4, P, 32)
    args = (torch.randint(0, 500, (1, 1)), torch.tensor([[P]]), torch.ones(1, P + 1, dtype=torch.int64), past, past)
    names = ['input_ids', 'position_ids', 'attention_mask', 'past_0', 'past_1']
    return dict(model=m, args=args, names=names, outputs=['logits', 'present_0', 'present_1'],
                dynamic={'batch': {'input_ids': {0: 'b'}, 'position_ids': {0: 'b'}, 'attention_mask': {0: 'b'},
                                   'past_0': {1: 'b'}, 'past_1': {1: 'b'}},
                         'seq': {'attention_mask': {1: 'total'}, 'past_0': {3: 'past'}, 'past_1': {3: 'past'}}})


def audio(make, n=8000, extra_dims=0):
    def f():
        m = make().eval()
        x = torch.randn(1, *([1] * extra_dims), n)
        last = 1 + extra_dims
        return dict(model=m, args=(x,), names=['input'], outputs=None,
                    dynamic={'batch': {'input': {0: 'batch'}}, 'seq': {'input': {last: 'samples'}}})
    return f


def wav2vec2_2l():
    return AudioFeatures(torchaudio.models.wav2vec2_model(
        extractor_mode='group_norm', extractor_conv_layer_config=None, extractor_conv_bias=False, encoder_embed_dim=768,
        encoder_projection_dropout=0.0, encoder_pos_conv_kernel=128, encoder_pos_conv_groups=16, encoder_num_layers=2,
        encoder_num_heads=12, encoder_attention_dropout=0.0, encoder_ff_interm_features=3072, encoder_ff_interm_dropout=0.0,
        encoder_dropout=0.0, encoder_layer_norm_first=False, encoder_layer_drop=0.0, aux_num_out=None))


def conv_tasnet():
    return torchaudio.models.ConvTasNet(num_sources=2, enc_num_feats=128, msk_num_feats=64, msk_num_hidden_feats=128,
                                        msk_num_layers=4, msk_num_stacks=2)


def kws(kind):
    def f():
        m = LstmKws(kind=kind).eval()
        return dict(model=m, args=(torch.randn(1, 49, 40),), names=['input'], outputs=None,
                    dynamic={'batch': {'input': {0: 'batch'}}, 'seq': {'input': {1: 'frames'}}})
    return f


def silero():
    m = SileroStyleVad().eval()
    args = (torch.randn(1, 512), torch.randn(1, 1, 64), torch.randn(1, 1, 64))
    return dict(model=m, args=args, names=['input', 'h', 'c'], outputs=['prob', 'hn', 'cn'],
                dynamic={'batch': {'input': {0: 'b'}, 'h': {1: 'b'}, 'c': {1: 'b'}}, 'seq': {'input': {1: 'samples'}}})


def whisper_enc():
    m = WhisperTinyEncoder().eval()
    return dict(model=m, args=(torch.randn(1, 80, 200),), names=['mel'], outputs=None,
                dynamic={'batch': {'mel': {0: 'batch'}}})


def video():
    m, x = calibrated(tv.video.r3d_18(), torch.rand(1, 3, 4, 64, 64))
    return dict(model=m, args=(x,), names=['input'], outputs=None,
                dynamic={'batch': {'input': {0: 'batch'}}, 'spatial': {'input': {3: 'h', 4: 'w'}}})


def yolo():
    m, x = calibrated(s3.YoloV8(), img(160))
    return dict(model=m, args=(x,), names=['input'], outputs=None, dynamic={'batch': IMG_DYN['batch']})


FAMILIES = {
    'mobilenet_v2': vision(tv.mobilenet_v2),
    'mobilenet_v3_small': vision(tv.mobilenet_v3_small),
    'resnet18': vision(tv.resnet18),
    'efficientnet_b0': vision(tv.efficientnet_b0),
    'squeezenet1_1': vision(tv.squeezenet1_1),
    'shufflenet_v2_x1_0': vision(tv.shufflenet_v2_x1_0),
    'regnet_y_400mf': vision(tv.regnet_y_400mf),
    'convnext_tiny': vision(tv.convnext_tiny),
    'swin_t': vision(tv.swin_t, 224, spatial=False),
    'vit_b_16_2l': vision(vit_b_16_2l, 112, spatial=False),
    'deeplabv3_mnv3': seg(lambda: tv.segmentation.deeplabv3_mobilenet_v3_large(weights_backbone=None, aux_loss=False)),
    'lraspp_mnv3': seg(lambda: tv.segmentation.lraspp_mobilenet_v3_large(weights_backbone=None)),
    'unet': vision(SegUNet),
    'yolov8_style': yolo,
    'ssdlite320': detector(lambda: tv.detection.ssdlite320_mobilenet_v3_large(weights_backbone=None)),
    'fasterrcnn_mnv3_320': detector(lambda: tv.detection.fasterrcnn_mobilenet_v3_large_320_fpn(weights_backbone=None)),
    'r3d_18': video,
    'bert': bert,
    'gpt2_step': gpt2_step,
    'wav2vec2_2l': audio(wav2vec2_2l),
    'whisper_tiny_enc': whisper_enc,
    'conv_tasnet': audio(conv_tasnet, extra_dims=1),
    'kws_lstm': kws('LSTM'),
    'kws_gru': kws('GRU'),
    'silero_style_vad': silero,
}
