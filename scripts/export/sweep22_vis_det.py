"""Twenty-second sweep (docs/model-sweep.md): detection / open-vocabulary / OCR / face / hand heads as their public code
writes them — Relation-DETR (xiahongchen/Relation-DETR: a position relation encoder turning each pair of boxes into
per-head attention biases of the decoder's self-attention; two-stage TopK queries, multi-scale deformable
cross-attention), T-Rex2's visual prompt encoder (IDEA-Research: box prompts as queries deformably attending the image
features, a global prompt token, prompt embeddings scoring detection queries), FCENet (open-mmlab/mmocr: Fourier
contour coefficients per pixel turned into 50 contour points by the inverse transform), SLANet (PaddleOCR PP-Structure
table recognition: PP-LCNet, an attention GRU decoder unrolled with its arg-max fed back as a one-hot, structure and
cell-location heads), MGP-STR (AlibabaResearch: ViT with three A^3 token learners for char / BPE / WordPiece), SLPT
(Jiahao-UTS/SLPT: landmark-centred patches cropped by grid_sample, a landmark transformer, three coarse-to-fine stages)
and MobRecon (SeanChenxy/HandMesh: 2-D joints by soft-argmax, features lifted at the joints, a spiral-conv mesh
decoder with constant upsampling matrices). Plain torch.nn, small widths, random weights. Imported by sweep22_vis.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep20_vis_bb import cbr

g = torch.Generator().manual_seed(22)


def trunk(cs=(16, 32, 64, 64, 64)):
    """A strided CNN trunk giving the features at strides 4, 8, 16, 32 (the last three returned)."""
    layers, cin = nn.ModuleList(), 3
    for c in cs:
        layers.append(nn.Sequential(cbr(cin, c, 3, 2), cbr(c, c)))
        cin = c
    return layers


def levels(layers, x, keep=(2, 3, 4)):
    out = []
    for i, l in enumerate(layers):
        x = l(x)
        if i in keep:
            out.append(x)
    return out


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(0, 1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


def ms_deform_attn(values, shapes, ref, off, att, heads):
    """Deformable DETR's pytorch fallback: values [B, sum HW, H, d] per level, ref [B, Q, 2] or boxes [B, Q, 4], off [B, Q,
    heads, L, P, 2], att [B, Q, heads, L, P] (softmaxed over L·P)."""
    b, q = ref.shape[:2]
    if ref.shape[-1] == 2:
        loc = ref[:, :, None, None, None, :] + off / torch.tensor([[w, h] for h, w in shapes], dtype=torch.float32)[None, None, None, :, None, :]
    else:
        loc = ref[:, :, None, None, None, :2] + off / off.shape[4] * ref[:, :, None, None, None, 2:] * 0.5
    out, start = 0, 0
    for lv, (h, w) in enumerate(shapes):
        v = values[:, start:start + h * w]
        start += h * w
        d = v.shape[-1]
        v = v.flatten(2).transpose(1, 2).reshape(b * heads, d, h, w)
        grid = 2 * loc[:, :, :, lv] - 1
        grid = grid.transpose(1, 2).flatten(0, 1)
        s = F.grid_sample(v, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
        a = att[:, :, :, lv].transpose(1, 2).flatten(0, 1).unsqueeze(1)
        out = out + (s * a).sum(-1)
    return out.view(b, heads * out.shape[1], q).transpose(1, 2)


class DeformCross(nn.Module):
    def __init__(self, d, heads=4, nl=3, pts=4):
        super().__init__()
        self.h, self.nl, self.p = heads, nl, pts
        self.off = nn.Linear(d, heads * nl * pts * 2)
        self.att = nn.Linear(d, heads * nl * pts)
        self.val = nn.Linear(d, d)
        self.out = nn.Linear(d, d)

    def forward(self, q, ref, mem, shapes):
        b, n, _ = q.shape
        off = self.off(q).view(b, n, self.h, self.nl, self.p, 2)
        att = self.att(q).view(b, n, self.h, self.nl * self.p).softmax(-1).view(b, n, self.h, self.nl, self.p)
        v = self.val(mem).view(b, mem.shape[1], self.h, -1)
        return self.out(ms_deform_attn(v, shapes, ref, off, att, self.h))


def sine_embed(x, n=16, scale=2 * math.pi, temp=10000):
    """DETR's sinusoidal embedding of each coordinate of x [..., k] -> [..., k·n] (n/2 frequencies, sin and cos)."""
    dim_t = temp ** (2 * (torch.arange(n) // 2) / n)
    p = x[..., None] * scale / dim_t
    return torch.stack([p[..., 0::2].sin(), p[..., 1::2].cos()], -1).flatten(-3)


class DetrBase(nn.Module):
    """Backbone + flattened levels + two-stage query selection (encoder proposals, TopK)."""

    def __init__(self, d=64, nq=50, nc=20, size=256):
        super().__init__()
        self.t = trunk()
        self.proj = nn.ModuleList([nn.Conv2d(64, d, 1) for _ in range(3)])
        self.enc_cls, self.enc_box = nn.Linear(d, nc), nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4))
        self.nq, self.size = nq, size
        self.shapes = [(size // s, size // s) for s in (8, 16, 32)]
        anchors = []
        for lv, (h, w) in enumerate(self.shapes):
            yy, xx = torch.meshgrid((torch.arange(h) + 0.5) / h, (torch.arange(w) + 0.5) / w, indexing='ij')
            wh = torch.full_like(xx, 0.05 * 2 ** lv)
            anchors.append(torch.stack([xx, yy, wh, wh], -1).view(-1, 4))
        self.register_buffer('anchors', inverse_sigmoid(torch.cat(anchors)))

    def encode(self, x):
        fs = [p(f) for p, f in zip(self.proj, levels(self.t, x))]
        mem = torch.cat([f.flatten(2).transpose(1, 2) for f in fs], 1)
        logits = self.enc_cls(mem)
        boxes = (self.enc_box(mem) + self.anchors).sigmoid()
        idx = logits.max(-1)[0].topk(self.nq, 1)[1]
        q = torch.gather(mem, 1, idx[..., None].expand(-1, -1, mem.shape[-1]))
        ref = torch.gather(boxes, 1, idx[..., None].expand(-1, -1, 4))
        return mem, q, ref


class RelationEncoder(nn.Module):
    """Relation-DETR's position relation: (log(|Δx|/w + 1), log(|Δy|/h + 1), log(w_i/w_j), log(h_i/h_j)) of each box pair,
    sinusoidal, a 1x1 conv to one bias per head."""

    def __init__(self, heads, n=16):
        super().__init__()
        self.n = n
        self.mlp = nn.Sequential(nn.Conv2d(4 * n, heads, 1), nn.ReLU())

    def forward(self, a, b):
        eps = 1e-5
        ca, cb = a[:, :, None], b[:, None]
        dx = torch.log((ca[..., 0] - cb[..., 0]).abs() / (ca[..., 2] + eps) + 1)
        dy = torch.log((ca[..., 1] - cb[..., 1]).abs() / (ca[..., 3] + eps) + 1)
        dw = torch.log((ca[..., 2] + eps) / (cb[..., 2] + eps))
        dh = torch.log((ca[..., 3] + eps) / (cb[..., 3] + eps))
        e = sine_embed(torch.stack([dx, dy, dw, dh], -1), self.n, scale=100)
        return self.mlp(e.permute(0, 3, 1, 2))


class RelDecoderLayer(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.h = heads
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.cross = DeformCross(d, heads)
        self.ffn = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.pos = nn.Sequential(nn.Linear(128, d), nn.ReLU(), nn.Linear(d, d))

    def forward(self, q, ref, mem, shapes, bias):
        b, n, d = q.shape
        qp = q + self.pos(sine_embed(ref, 32))
        qq, kk, vv = self.qkv(qp).chunk(3, -1)
        sp = lambda t: t.view(b, n, self.h, d // self.h).transpose(1, 2)
        a = (sp(qq) @ sp(kk).transpose(-1, -2)) / math.sqrt(d // self.h) + bias
        q = self.n1(q + self.o((a.softmax(-1) @ sp(vv)).transpose(1, 2).reshape(b, n, d)))
        q = self.n2(q + self.cross(q + self.pos(sine_embed(ref, 32)), ref, mem, shapes))
        return self.n3(q + self.ffn(q))


class RelationDETR(DetrBase):
    def __init__(self, d=64, nc=20, layers=3, heads=4):
        super().__init__(d, nc=nc)
        self.layers = nn.ModuleList([RelDecoderLayer(d, heads) for _ in range(layers)])
        self.rel = RelationEncoder(heads)
        self.cls = nn.Linear(d, nc)
        self.box = nn.ModuleList([nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4)) for _ in range(layers)])

    def forward(self, x):
        mem, q, ref = self.encode(x)
        bias = self.rel(ref, ref)
        for layer, box in zip(self.layers, self.box):
            q = layer(q, ref, mem, self.shapes, bias)
            new = (box(q) + inverse_sigmoid(ref)).sigmoid()
            bias = self.rel(new, ref)
            ref = new
        return self.cls(q), ref


class TRex2Prompt(DetrBase):
    """T-Rex2's visual prompt encoder: K box prompts + one global content query deformably attend the features
    (boxes as references; the global query references the whole image), self-attention among them, then each
    detection query is scored against each prompt embedding (contrastive alignment)."""

    def __init__(self, d=64):
        super().__init__(d, nc=1)
        self.content = nn.Parameter(torch.randn(1, 1, d, generator=g))
        self.glob = nn.Parameter(torch.randn(1, 1, d, generator=g))
        self.box_embed = nn.Linear(128, d)
        self.cross = nn.ModuleList([DeformCross(d) for _ in range(2)])
        self.self_attn = nn.MultiheadAttention(d, 4, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qproj = nn.Linear(d, d)

    def forward(self, x, boxes):
        mem, q, _ = self.encode(x)
        k = boxes.shape[1]
        whole = torch.tensor([[[0.5, 0.5, 1.0, 1.0]]]).expand(boxes.shape[0], 1, 4)
        refs = torch.cat([boxes, whole], 1)
        p = torch.cat([self.content.expand(boxes.shape[0], k, -1), self.glob.expand(boxes.shape[0], 1, -1)], 1)
        p = p + self.box_embed(sine_embed(refs, 32))
        for c in self.cross:
            p = self.n1(p + c(p, refs, mem, self.shapes))
            p = self.n2(p + self.self_attn(p, p, p)[0])
            p = p + self.ffn(p)
        prompts = F.normalize(p[:, -1:] + p[:, :k], dim=-1)
        return self.qproj(q) @ prompts.transpose(1, 2)


class FCENet(nn.Module):
    """FCENet: ResNet-ish trunk + FPN, per level a 4-channel classification (text region, centre region: 2-class
    softmaxes) and 2·(2k+1) Fourier coefficients per pixel; the decode turns each pixel's coefficients into 50 contour
    points: x(t) = Σ_k re_k cos(2πkt/N) − im_k sin(2πkt/N), y likewise, plus the pixel's position, times the stride."""

    def __init__(self, k=5, n=50, size=256):
        super().__init__()
        self.t = trunk()
        self.lat = nn.ModuleList([nn.Conv2d(64, 64, 1) for _ in range(3)])
        self.cls = nn.Sequential(cbr(64, 64), nn.Conv2d(64, 4, 3, 1, 1))
        self.reg = nn.Sequential(cbr(64, 64), nn.Conv2d(64, 4 * k + 2, 3, 1, 1))
        kk = torch.arange(-k, k + 1).float()
        t = torch.arange(n).float() / n
        ang = 2 * math.pi * kk[:, None] * t[None]
        # coefficients are stored [real (2k+1), imag (2k+1)]: x = Re(Σ c_k e^{i ang}), y = Im(...)
        self.register_buffer('mx', torch.cat([ang.cos(), -ang.sin()], 0))
        self.register_buffer('my', torch.cat([ang.sin(), ang.cos()], 0))
        self.size = size

    def forward(self, x):
        fs = levels(self.t, x)
        p5 = self.lat[2](fs[2])
        p4 = self.lat[1](fs[1]) + F.interpolate(p5, scale_factor=2.0, mode='nearest')
        p3 = self.lat[0](fs[0]) + F.interpolate(p4, scale_factor=2.0, mode='nearest')
        scores, contours = [], []
        for f, s in ((p3, 8), (p4, 16), (p5, 32)):
            c = self.cls(f)
            tr = c[:, :2].softmax(1)[:, 1:]
            tcl = c[:, 2:].softmax(1)[:, 1:]
            scores.append((tr * tcl).flatten(2))
            r = self.reg(f).flatten(2).transpose(1, 2)
            h, w = f.shape[2:]
            yy, xx = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing='ij')
            px = (r @ self.mx + xx.reshape(1, -1, 1)) * s
            py = (r @ self.my + yy.reshape(1, -1, 1)) * s
            contours.append(torch.stack([px, py], -1))
        return torch.cat(scores, 2), torch.cat(contours, 1)


class SLANet(nn.Module):
    """SLANet: PP-LCNet-style depthwise trunk (hard-swish), CSP-PAN-style fusion of the last two levels, SLAHead: an
    attention GRU decoder unrolled over `steps`, its previous structure token fed back as a one-hot; structure
    probabilities and 8 cell-location values (sigmoid) per step."""

    def __init__(self, c=64, nc=30, steps=12, hid=64):
        super().__init__()
        def dws(cin, cout, s):
            return nn.Sequential(cbr(cin, cin, 3, s, cin, nn.Hardswish), cbr(cin, cout, 1, 1, 1, nn.Hardswish))
        self.stem = cbr(3, 16, 3, 2, act=nn.Hardswish)
        self.b = nn.ModuleList([dws(16, 32, 2), dws(32, 48, 2), dws(48, c, 2), dws(c, c, 2)])
        self.fuse = cbr(2 * c, c, 1, act=nn.Hardswish)
        self.i2h, self.h2h, self.score = nn.Linear(c, hid, bias=False), nn.Linear(hid, hid), nn.Linear(hid, 1, bias=False)
        self.cell = nn.GRUCell(c + nc, hid)
        self.struct = nn.Sequential(nn.Linear(hid, hid), nn.Linear(hid, nc))
        self.loc = nn.Sequential(nn.Linear(hid, hid), nn.Linear(hid, 8), nn.Sigmoid())
        self.nc, self.steps, self.hid = nc, steps, hid

    def forward(self, x):
        x = self.stem(x)
        for i, b in enumerate(self.b):
            x = b(x)
            if i == 2:
                c4 = x
        x = self.fuse(torch.cat([c4, F.interpolate(x, scale_factor=2.0, mode='nearest')], 1))
        feats = x.flatten(2).transpose(1, 2)
        proj = self.i2h(feats)
        h = torch.zeros(x.shape[0], self.hid)
        prev = torch.zeros(x.shape[0], dtype=torch.long)
        structs, locs = [], []
        for _ in range(self.steps):
            e = torch.tanh(proj + self.h2h(h)[:, None])
            a = self.score(e).softmax(1)
            ctx = (a * feats).sum(1)
            h = self.cell(torch.cat([ctx, F.one_hot(prev, self.nc).float()], 1), h)
            s = self.struct(h)
            prev = s.argmax(-1)
            structs.append(s.softmax(-1))
            locs.append(self.loc(h))
        return torch.stack(structs, 1), torch.stack(locs, 1)


class TokenLearner(nn.Module):
    """MGP-STR's A^3 module: LayerNorm, tokens viewed [B, C, N, 1], grouped 1x1 convs to `out` attention maps softmaxed
    over the tokens, features by a grouped 1x1 conv, einsum of the two."""

    def __init__(self, d, out):
        super().__init__()
        self.norm0, self.norm = nn.LayerNorm(d), nn.LayerNorm(d)
        self.learn = nn.Sequential(nn.Conv2d(d, d, 1, groups=8, bias=False), nn.Conv2d(d, out, 1, bias=False))
        self.feat = nn.Conv2d(d, d, 1, groups=8, bias=False)

    def forward(self, x):
        x = self.norm0(x).transpose(1, 2).unsqueeze(-1)
        sel = self.learn(x).flatten(2).softmax(-1)
        f = self.feat(x).flatten(2).transpose(1, 2)
        return self.norm(torch.einsum('...si,...id->...sd', sel, f))


class MGPSTR(nn.Module):
    def __init__(self, d=96, depth=3, heads=3, T=27, ncls=(38, 500, 400)):
        super().__init__()
        self.patch = nn.Conv2d(3, d, 4, 4)
        self.cls_tok = nn.Parameter(torch.randn(1, 1, d, generator=g) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, 1 + 8 * 32, d, generator=g) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.0, 'gelu', batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(d)
        self.a3 = nn.ModuleList([TokenLearner(d, T) for _ in ncls])
        self.heads = nn.ModuleList([nn.Linear(d, n) for n in ncls])

    def forward(self, x):
        t = self.patch(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls_tok.expand(t.shape[0], -1, -1), t], 1) + self.pos
        t = self.norm(self.enc(t))
        return tuple(h(a(t)) for a, h in zip(self.a3, self.heads))
