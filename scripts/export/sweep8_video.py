"""Eighth sweep (docs/model-sweep.md): matting, video and OCR as their projects write them — MODNet (ZHKKKe/MODNet:
MobileNetV2 encoder, IBNorm = BatchNorm on half the channels and InstanceNorm on the other, SE block, LR / HR / fusion
branches), Robust Video Matting (PeterL1n/RobustVideoMatting: MobileNetV3-Large, LRASPP, recurrent decoder whose
ConvGRU states r1..r4 are inputs and outputs, downsample_ratio as an input), FastDVDnet (m-tassano/fastdvdnet: two
cascaded U-Nets over 5 frames and a noise map, PixelShuffle up), CRNN (meijieru/crnn.pytorch: conv stack, two
bidirectional LSTMs, log-softmax, CTC greedy arg-max), DBNet (MhLiao/DB: ResNet-18 FPN, probability and threshold maps,
differentiable binarization 1 / (1 + e^(-k(P - T)))), CRAFT (clovaai/CRAFT-pytorch: VGG16-BN U-Net). Plain torch.nn
(torchvision's MobileNetV3 / ResNet-18 / VGG16-BN features), random weights. Imported by sweep8.py."""
import torch
from torch import nn
import torch.nn.functional as F
import torchvision.models as tv


def cba(i, o, k=3, s=1, g=1, act=nn.ReLU):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o), act() if act else nn.Identity())


# --- MODNet (src/models/modnet.py) ---
class IBNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bc = c // 2
        self.bn, self.inorm = nn.BatchNorm2d(self.bc), nn.InstanceNorm2d(c - self.bc, affine=False)

    def forward(self, x):
        return torch.cat([self.bn(x[:, :self.bc, ...].contiguous()), self.inorm(x[:, self.bc:, ...].contiguous())], 1)


def cibr(i, o, k=3, s=1, norm=True, relu=True):
    return nn.Sequential(nn.Conv2d(i, o, k, s, k // 2, bias=not norm), *([IBNorm(o)] if norm else []), *([nn.ReLU()] if relu else []))


class MODNet(nn.Module):
    """Image [1, 3, H, W] in [-1, 1] → matte [1, 1, H, W]; the official export has batch / height / width dynamic."""

    def __init__(self, hr=32):
        super().__init__()
        feats = tv.mobilenet_v2().features
        self.enc2, self.enc4, self.enc32 = feats[:2], feats[2:4], feats[4:18]
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(320, 80, bias=False), nn.ReLU(), nn.Linear(80, 320, bias=False), nn.Sigmoid())
        self.lr16, self.lr8 = cibr(320, 96, 5), cibr(96, 32, 5)
        self.lr = cibr(32, 1, 3, 2, norm=False, relu=False)
        self.tohr2, self.tohr4 = cibr(16, hr, 1), cibr(24, hr, 1)
        self.conv_enc2, self.conv_enc4 = cibr(hr + 3, hr, 3, 2), cibr(2 * hr, 2 * hr)
        self.conv_hr4 = nn.Sequential(cibr(3 * hr + 3, 2 * hr), cibr(2 * hr, 2 * hr), cibr(2 * hr, hr))
        self.conv_hr2 = nn.Sequential(cibr(2 * hr, 2 * hr), cibr(2 * hr, hr), cibr(hr, hr), cibr(hr, hr))
        self.conv_hr = nn.Sequential(cibr(hr + 3, hr), cibr(hr, 1, 1, norm=False, relu=False))
        self.f2 = cibr(32 + hr, hr)
        self.f = nn.Sequential(cibr(hr + 3, hr // 2), cibr(hr // 2, 1, 1, norm=False, relu=False))

    def forward(self, img):
        e2 = self.enc2(img)
        e4 = self.enc4(e2)
        e32 = self.enc32(e4)
        e32 = e32 * self.se(e32).unsqueeze(-1).unsqueeze(-1)
        lr16 = self.lr16(F.interpolate(e32, scale_factor=2.0, mode='bilinear', align_corners=False))
        lr8 = self.lr8(F.interpolate(lr16, scale_factor=2.0, mode='bilinear', align_corners=False))
        img2 = F.interpolate(img, scale_factor=1 / 2, mode='bilinear', align_corners=False)
        img4 = F.interpolate(img, scale_factor=1 / 4, mode='bilinear', align_corners=False)
        t2 = self.tohr2(e2)
        h4 = self.conv_enc2(torch.cat((img2, t2), 1))
        h4 = self.conv_enc4(torch.cat((h4, self.tohr4(e4)), 1))
        lr8u = F.interpolate(lr8, scale_factor=2.0, mode='bilinear', align_corners=False)
        h4 = self.conv_hr4(torch.cat((h4, lr8u, img4), 1))
        h2 = self.conv_hr2(torch.cat((F.interpolate(h4, scale_factor=2.0, mode='bilinear', align_corners=False), t2), 1))
        f2 = self.f2(torch.cat((F.interpolate(lr8, scale_factor=4.0, mode='bilinear', align_corners=False), h2), 1))
        return torch.sigmoid(self.f(torch.cat((F.interpolate(f2, scale_factor=2.0, mode='bilinear', align_corners=False), img), 1)))


# --- Robust Video Matting (model/mobilenetv3.py, lraspp.py, decoder.py, model.py) ---
class ResizeByFactor(torch.autograd.Function):
    """RVM's onnx branch (model/onnx_helper.py CustomOnnxResizeByFactorOp): Resize by scales made at run time from
    the downsample_ratio input."""

    @staticmethod
    def forward(ctx, x, factor):
        return F.interpolate(x, scale_factor=(float(factor[0]), float(factor[0])), mode='bilinear', align_corners=False)

    @staticmethod
    def symbolic(g, x, factor):
        roi = g.op('Constant', value_t=torch.tensor([], dtype=torch.float32))
        scales = g.op('Concat', g.op('Constant', value_t=torch.tensor([1.0, 1.0])), factor, factor, axis_i=0)
        return g.op('Resize', x, roi, scales, coordinate_transformation_mode_s='pytorch_half_pixel', cubic_coeff_a_f=-0.75,
                    mode_s='linear', nearest_mode_s='floor')


class ConvGRU(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ih, self.hh = nn.Sequential(nn.Conv2d(2 * c, 2 * c, 3, 1, 1), nn.Sigmoid()), nn.Sequential(nn.Conv2d(2 * c, c, 3, 1, 1), nn.Tanh())

    def forward(self, x, h):
        h = h.expand_as(x)  # the first frame's state is zeros [1, 1, 1, 1] (RVM's inference docs)
        r, z = self.ih(torch.cat([x, h], 1)).split(x.size(1), 1)
        c = self.hh(torch.cat([x, r * h], 1))
        h = (1 - z) * h + z * c
        return h, h


class Bottleneck(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c, self.gru = c, ConvGRU(c // 2)

    def forward(self, x, r):
        a, b = x.split(self.c // 2, 1)
        b, r = self.gru(b, r)
        return torch.cat([a, b], 1), r


class Upsampling(nn.Module):
    def __init__(self, i, skip, src, o):
        super().__init__()
        self.o = o
        self.conv = cba(i + skip + src, o)
        self.gru = ConvGRU(o // 2)

    def forward(self, x, f, s, r):
        x = F.interpolate(x, scale_factor=2.0, mode='bilinear', align_corners=False)
        x = x[:, :, :s.size(2), :s.size(3)]
        x = self.conv(torch.cat([x, f, s], 1))
        a, b = x.split(self.o // 2, 1)
        b, r = self.gru(b, r)
        return torch.cat([a, b], 1), r


class RVM(nn.Module):
    """src [1, 3, H, W], r1i..r4i (recurrent states), downsample_ratio [1] → fgr, pha, r1o..r4o. The network runs at
    src resized by downsample_ratio; its fgr / pha are upsampled back by bilinear resize (the deep guided filter left
    out)."""

    def __init__(self):
        super().__init__()
        self.backbone = tv.mobilenet_v3_large().features[:16]
        for blk in self.backbone[13:16]:  # RVM's last stage dilated instead of strided (output stride 16)
            dw = blk.block[1][0]
            dw.stride, dw.dilation, dw.padding = (1, 1), (2, 2), (4, 4)
        self.aspp1 = cba(160, 128, 1)
        self.aspp2 = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(160, 128, 1, bias=False), nn.Sigmoid())
        self.avgpool = nn.AvgPool2d(2, 2, count_include_pad=False, ceil_mode=True)
        self.decode4 = Bottleneck(128)
        self.decode3, self.decode2, self.decode1 = Upsampling(128, 40, 3, 80), Upsampling(80, 24, 3, 40), Upsampling(40, 16, 3, 32)
        self.decode0 = nn.Sequential(cba(32 + 3, 16), cba(16, 16))
        self.project = nn.Conv2d(16, 4, 1)

    def forward(self, src, r1, r2, r3, r4, downsample_ratio):
        sm = ResizeByFactor.apply(src, downsample_ratio)
        x = (sm - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        f1 = self.backbone[:2](x)
        f2 = self.backbone[2:4](f1)
        f3 = self.backbone[4:7](f2)
        f4 = self.backbone[7:](f3)
        f4 = self.aspp1(f4) * self.aspp2(f4)
        s1 = self.avgpool(sm)
        s2 = self.avgpool(s1)
        s3 = self.avgpool(s2)
        x4, r4 = self.decode4(f4, r4)
        x3, r3 = self.decode3(x4, f3, s3, r3)
        x2, r2 = self.decode2(x3, f2, s2, r2)
        x1, r1 = self.decode1(x2, f1, s1, r1)
        x0 = F.interpolate(x1, scale_factor=2.0, mode='bilinear', align_corners=False)[:, :, :sm.size(2), :sm.size(3)]
        fgr_res, pha = self.project(self.decode0(torch.cat([x0, sm], 1))).split([3, 1], 1)
        fgr_res = F.interpolate(fgr_res, size=src.shape[2:], mode='bilinear', align_corners=False)
        pha = F.interpolate(pha, size=src.shape[2:], mode='bilinear', align_corners=False)
        return (fgr_res + src).clamp(0., 1.), pha.clamp(0., 1.), r1, r2, r3, r4


# --- FastDVDnet (models.py: CvBlock, InputCvBlock, DownBlock, UpBlock, OutputCvBlock, DenBlock, FastDVDnet) ---
def cvb(i, o):
    return nn.Sequential(cba(i, o), cba(o, o))


class DenBlock(nn.Module):
    def __init__(self, c0=32, c1=64, c2=128, interm=30):
        super().__init__()
        self.inc = nn.Sequential(nn.Conv2d(3 * 4, 3 * interm, 3, 1, 1, groups=3, bias=False), nn.BatchNorm2d(3 * interm), nn.ReLU(), cba(3 * interm, c0))
        self.d0, self.d1 = nn.Sequential(cba(c0, c1, 3, 2), cvb(c1, c1)), nn.Sequential(cba(c1, c2, 3, 2), cvb(c2, c2))
        self.u2 = nn.Sequential(cvb(c2, c2), nn.Conv2d(c2, c1 * 4, 3, 1, 1, bias=False), nn.PixelShuffle(2))
        self.u1 = nn.Sequential(cvb(c1, c1), nn.Conv2d(c1, c0 * 4, 3, 1, 1, bias=False), nn.PixelShuffle(2))
        self.out = nn.Sequential(cba(c0, c0), nn.Conv2d(c0, 3, 3, 1, 1, bias=False))

    def forward(self, in0, in1, in2, noise_map):
        x0 = self.inc(torch.cat((in0, noise_map, in1, noise_map, in2, noise_map), dim=1))
        x1 = self.d0(x0)
        x2 = self.d1(x1)
        x2 = self.u2(x2)
        x1 = self.u1(x1 + x2)
        return in1 - self.out(x0 + x1)


class FastDVDnet(nn.Module):
    """5 RGB frames stacked [1, 15, H, W] and a noise map [1, 1, H, W] → the middle frame denoised."""

    def __init__(self):
        super().__init__()
        self.temp1, self.temp2 = DenBlock(), DenBlock()

    def forward(self, x, noise_map):
        x0, x1, x2, x3, x4 = tuple(x[:, 3 * m:3 * m + 3, :, :] for m in range(5))
        x20, x21, x22 = self.temp1(x0, x1, x2, noise_map), self.temp1(x1, x2, x3, noise_map), self.temp1(x2, x3, x4, noise_map)
        return self.temp2(x20, x21, x22, noise_map)


# --- CRNN (meijieru/crnn.pytorch models/crnn.py) ---
class BiLSTM(nn.Module):
    def __init__(self, i, h, o):
        super().__init__()
        self.rnn, self.emb = nn.LSTM(i, h, bidirectional=True), nn.Linear(2 * h, o)

    def forward(self, x):
        r, _ = self.rnn(x)
        t, b, h = r.size()
        return self.emb(r.view(t * b, h)).view(t, b, -1)


class CRNN(nn.Module):
    """Grey line [1, 1, 32, W] → log-probabilities [W/4 + 1, 1, 37] and the greedy CTC path (arg-max per step)."""

    def __init__(self, nclass=37, nh=128):
        super().__init__()
        ks, ps, ss, nm = [3, 3, 3, 3, 3, 3, 2], [1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1], [32, 64, 128, 128, 256, 256, 256]
        layers, c = [], 1
        for i in range(7):
            layers += [nn.Conv2d(c, nm[i], ks[i], ss[i], ps[i])] + ([nn.BatchNorm2d(nm[i])] if i in (4, 5, 6) or i == 2 else []) + [nn.ReLU(True)]
            c = nm[i]
            if i in (0, 1):
                layers.append(nn.MaxPool2d(2, 2))
            if i in (3, 5):
                layers.append(nn.MaxPool2d((2, 2), (2, 1), (0, 1)))
        self.cnn = nn.Sequential(*layers)
        self.rnn = nn.Sequential(BiLSTM(256, nh, nh), BiLSTM(nh, nh, nclass))

    def forward(self, x):
        conv = self.cnn(x)
        conv = conv.squeeze(2).permute(2, 0, 1)  # [w, b, c]
        out = F.log_softmax(self.rnn(conv), dim=2)
        return out, out.argmax(2)


# --- DBNet (MhLiao/DB decoders/seg_detector.py with a ResNet-18 backbone) ---
class DBNet(nn.Module):
    def __init__(self, inner=64, k=50):
        super().__init__()
        r = tv.resnet18()
        self.stem, self.l1, self.l2, self.l3, self.l4 = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool), r.layer1, r.layer2, r.layer3, r.layer4
        self.ins = nn.ModuleList([nn.Conv2d(c, inner, 1, bias=False) for c in (64, 128, 256, 512)])
        self.outs = nn.ModuleList([nn.Sequential(nn.Conv2d(inner, inner // 4, 3, 1, 1, bias=False), nn.Upsample(scale_factor=s, mode='nearest'))
                                   for s in (1, 2, 4, 8)])
        def head():
            return nn.Sequential(cba(inner, inner // 4), nn.ConvTranspose2d(inner // 4, inner // 4, 2, 2), nn.BatchNorm2d(inner // 4), nn.ReLU(),
                                 nn.ConvTranspose2d(inner // 4, 1, 2, 2), nn.Sigmoid())
        self.binarize, self.thresh, self.k = head(), head(), k

    def forward(self, x):
        c2 = self.l1(self.stem(x))
        c3 = self.l2(c2)
        c4 = self.l3(c3)
        c5 = self.l4(c4)
        i2, i3, i4, i5 = (m(c) for m, c in zip(self.ins, (c2, c3, c4, c5)))
        o4 = F.interpolate(i5, scale_factor=2.0, mode='nearest') + i4
        o3 = F.interpolate(o4, scale_factor=2.0, mode='nearest') + i3
        o2 = F.interpolate(o3, scale_factor=2.0, mode='nearest') + i2
        fuse = torch.cat([m(o) for m, o in zip(self.outs, (o2, o3, o4, i5))][::-1], 1)
        p, t = self.binarize(fuse), self.thresh(fuse)
        return p, t, torch.reciprocal(1 + torch.exp(-self.k * (p - t)))


# --- CRAFT (craft.py, basenet/vgg16_bn.py) ---
class DoubleConv(nn.Module):
    def __init__(self, i, m, o):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(i + m, m, 1), nn.BatchNorm2d(m), nn.ReLU(True), nn.Conv2d(m, o, 3, 1, 1), nn.BatchNorm2d(o), nn.ReLU(True))

    def forward(self, x):
        return self.conv(x)


class CRAFT(nn.Module):
    def __init__(self):
        super().__init__()
        f = tv.vgg16_bn().features
        self.s1, self.s2, self.s3, self.s4 = f[:12], f[12:19], f[19:29], f[29:39]
        self.s5 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(512, 1024, 3, padding=6, dilation=6), nn.Conv2d(1024, 1024, 1))
        self.up1, self.up2, self.up3, self.up4 = DoubleConv(1024, 512, 256), DoubleConv(512, 256, 128), DoubleConv(256, 128, 64), DoubleConv(128, 64, 32)
        self.cls = nn.Sequential(nn.Conv2d(32, 32, 3, 1, 1), nn.ReLU(True), nn.Conv2d(32, 32, 3, 1, 1), nn.ReLU(True), nn.Conv2d(32, 16, 3, 1, 1),
                                 nn.ReLU(True), nn.Conv2d(16, 16, 1), nn.ReLU(True), nn.Conv2d(16, 2, 1))

    def forward(self, x):
        h1 = self.s1(x)
        h2 = self.s2(h1)
        h3 = self.s3(h2)
        h4 = self.s4(h3)
        h5 = self.s5(h4)
        y = self.up1(torch.cat([h5, h4], 1))
        y = self.up2(torch.cat([F.interpolate(y, size=h3.size()[2:], mode='bilinear', align_corners=False), h3], 1))
        y = self.up3(torch.cat([F.interpolate(y, size=h2.size()[2:], mode='bilinear', align_corners=False), h2], 1))
        feature = self.up4(torch.cat([F.interpolate(y, size=h1.size()[2:], mode='bilinear', align_corners=False), h1], 1))
        return self.cls(feature).permute(0, 2, 3, 1), feature
