"""Twenty-sixth sweep's models, part 1 (scripts/export/sweep26_vis.py exports them): biosignals, tabular, graphs,
science and control flow — EEGNet, MiniRocket, SAINT, ASTGCN, a MACE-style equivariant potential, AlphaFold's
Evoformer, TranAD, PonderNet and a DEQ (torch.jit.script loops with data-dependent stops). Plain torch.nn with the math
of the projects' public code, small widths, random weights."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class EEGNet(nn.Module):
    """EEGNet-8,2 (Lawhern 2018; braindecode / arl-eegmodels): temporal conv (1, 64) 'same' (Keras' asymmetric zero pad), depthwise spatial conv over
    the electrodes with depth 2, ELU, average pools, separable conv (depthwise (1, 16) + pointwise), softmax classes."""

    def __init__(self, chans=22, samples=256, classes=4, f1=8, d=2, f2=16):
        super().__init__()
        self.temporal = nn.Sequential(nn.ZeroPad2d((31, 32, 0, 0)), nn.Conv2d(1, f1, (1, 64), bias=False), nn.BatchNorm2d(f1))
        self.spatial = nn.Sequential(nn.Conv2d(f1, f1 * d, (chans, 1), groups=f1, bias=False), nn.BatchNorm2d(f1 * d), nn.ELU(),
                                     nn.AvgPool2d((1, 4)))
        self.separable = nn.Sequential(nn.ZeroPad2d((7, 8, 0, 0)), nn.Conv2d(f1 * d, f1 * d, (1, 16), groups=f1 * d, bias=False),
                                       nn.Conv2d(f1 * d, f2, 1, bias=False), nn.BatchNorm2d(f2), nn.ELU(), nn.AvgPool2d((1, 8)))
        self.head = nn.Linear(f2 * (samples // 32), classes)

    def forward(self, x):
        x = self.separable(self.spatial(self.temporal(x)))
        return self.head(x.flatten(1)).softmax(-1)


class MiniRocket(nn.Module):
    """MiniRocket (Dempster 2021; sktime): the 84 length-9 kernels of weights {-1, 2} (three 2s), 5 dilations, half of
    the kernels padded, biases from quantiles of the convolution output; features are PPV (the proportion of positive
    values, `(C > b).float().mean`), then a ridge classifier."""

    def __init__(self, length=128, classes=5, biases=3):
        super().__init__()
        import itertools
        w = -torch.ones(84, 1, 9)
        for i, idx in enumerate(itertools.combinations(range(9), 3)):
            w[i, 0, list(idx)] = 2.0
        self.register_buffer('w', w)
        self.dilations = [1, 2, 4, 8, 16]
        ref = torch.randn(8, 1, length).cumsum(-1) * 0.3
        qs = torch.linspace(0.2, 0.8, biases)
        for j, dl in enumerate(self.dilations):
            c = F.conv1d(ref, w, dilation=dl, padding=4 * dl)
            self.register_buffer(f'b{j}', torch.quantile(c.transpose(0, 1).reshape(84, -1), qs, dim=1).t().contiguous())
        self.head = nn.Linear(84 * biases * len(self.dilations), classes)

    def forward(self, x):
        feats = []
        for j, dl in enumerate(self.dilations):
            pad = 4 * dl if j % 2 == 0 else 0
            c = F.conv1d(x, self.w, dilation=dl, padding=pad)  # [B, 84, L']
            b = getattr(self, f'b{j}')  # [84, nb]
            feats.append((c.unsqueeze(-1) > b.unsqueeze(1)).float().mean(2).flatten(1))
        return self.head(torch.cat(feats, 1))


class SAINT(nn.Module):
    """SAINT (Somepalli 2021): categorical embeddings and a per-feature MLP for each numeric column, a [CLS] token,
    blocks of self-attention across the features of a row then **intersample attention across the rows of the batch**
    (the rows' tokens flattened into one vector per row), MLP head on [CLS]."""

    def __init__(self, cards=(5, 7, 3, 11), nums=6, d=16, heads=4, depth=2, classes=2):
        super().__init__()
        self.cat_emb = nn.ModuleList(nn.Embedding(c, d) for c in cards)
        self.num_mlp = nn.ModuleList(nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, d)) for _ in range(nums))
        self.cls = nn.Parameter(torch.randn(1, 1, d))
        n = 1 + len(cards) + nums
        self.blocks = nn.ModuleList()
        for _ in range(depth):
            self.blocks.append(nn.ModuleList([
                nn.LayerNorm(d), nn.MultiheadAttention(d, heads, batch_first=True), nn.LayerNorm(d),
                nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)),
                nn.LayerNorm(n * d), nn.MultiheadAttention(n * d, heads, batch_first=True), nn.LayerNorm(n * d),
                nn.Sequential(nn.Linear(n * d, 2 * d), nn.GELU(), nn.Linear(2 * d, n * d))]))
        self.head = nn.Sequential(nn.Linear(d, 32), nn.ReLU(), nn.Linear(32, classes))

    def forward(self, x_cat, x_num):
        b = x_num.shape[0]
        toks = [self.cls.expand(b, -1, -1)] + [e(x_cat[:, i]).unsqueeze(1) for i, e in enumerate(self.cat_emb)]
        toks += [m(x_num[:, i:i + 1]).unsqueeze(1) for i, m in enumerate(self.num_mlp)]
        x = torch.cat(toks, 1)
        n, d = x.shape[1], x.shape[2]
        for ln1, att, ln2, ff, ln3, iatt, ln4, iff in self.blocks:
            h = ln1(x)
            x = x + att(h, h, h, need_weights=False)[0]
            x = x + ff(ln2(x))
            r = x.reshape(1, b, n * d)
            h = ln3(r)
            r = r + iatt(h, h, h, need_weights=False)[0]
            r = r + iff(ln4(r))
            x = r.reshape(b, n, d)
        return self.head(x[:, 0]).softmax(-1)


def cheb_polys(n, k):
    g = torch.Generator().manual_seed(11)
    a = (torch.rand(n, n, generator=g) < 0.25).float()
    a = ((a + a.t()) > 0).float() * (1 - torch.eye(n))
    lap = torch.diag(a.sum(1)) - a
    lam = torch.linalg.eigvalsh(lap).max()
    lt = 2 * lap / lam - torch.eye(n)
    ts = [torch.eye(n), lt]
    while len(ts) < k:
        ts.append(2 * lt @ ts[-1] - ts[-2])
    return torch.stack(ts[:k])


class ASTGCNBlock(nn.Module):
    def __init__(self, n, f_in, t, k=3, c_cheb=16, c_time=16):
        super().__init__()
        self.U1, self.U2, self.U3 = nn.Parameter(torch.randn(n) * 0.1), nn.Parameter(torch.randn(f_in, n) * 0.1), nn.Parameter(torch.randn(f_in) * 0.1)
        self.be, self.Ve = nn.Parameter(torch.randn(1, t, t) * 0.1), nn.Parameter(torch.randn(t, t) * 0.1)
        self.W1, self.W2, self.W3 = nn.Parameter(torch.randn(t) * 0.1), nn.Parameter(torch.randn(f_in, t) * 0.1), nn.Parameter(torch.randn(f_in) * 0.1)
        self.bs, self.Vs = nn.Parameter(torch.randn(1, n, n) * 0.1), nn.Parameter(torch.randn(n, n) * 0.1)
        self.register_buffer('cheb', cheb_polys(n, k))
        self.theta = nn.Parameter(torch.randn(k, f_in, c_cheb) * 0.2)
        self.time_conv = nn.Conv2d(c_cheb, c_time, (1, 3), padding=(0, 1))
        self.res_conv = nn.Conv2d(f_in, c_time, 1)
        self.ln = nn.LayerNorm(c_time)

    def forward(self, x):  # x [B, N, F, T]
        b, n, f, t = x.shape
        lhs = torch.matmul(torch.matmul(x.permute(0, 3, 2, 1), self.U1), self.U2)  # [B, T, N]
        rhs = torch.matmul(self.U3, x)  # [B, N, T]
        e = torch.matmul(self.Ve, torch.sigmoid(torch.matmul(lhs, rhs) + self.be)).softmax(1)  # temporal attention [B, T, T]
        x_tat = torch.matmul(x.reshape(b, -1, t), e).reshape(b, n, f, t)
        lhs = torch.matmul(torch.matmul(x_tat, self.W1), self.W2)  # [B, N, T]
        rhs = torch.matmul(self.W3, x_tat).transpose(-1, -2)  # [B, T, N]
        s = torch.matmul(self.Vs, torch.sigmoid(torch.matmul(lhs, rhs) + self.bs)).softmax(1)  # spatial attention [B, N, N]
        outs = []
        for ti in range(t):
            g = x[:, :, :, ti]  # [B, N, F]
            acc = 0
            for k in range(self.cheb.shape[0]):
                tk = self.cheb[k] * s  # [B, N, N]
                acc = acc + torch.matmul(torch.matmul(tk.transpose(1, 2), g), self.theta[k])
            outs.append(acc.unsqueeze(-1))
        sg = F.relu(torch.cat(outs, -1))  # [B, N, C, T]
        tc = self.time_conv(sg.permute(0, 2, 1, 3))  # [B, C, N, T]
        res = self.res_conv(x.permute(0, 2, 1, 3))
        return self.ln(F.relu(res + tc).permute(0, 3, 2, 1)).permute(0, 2, 3, 1)  # [B, N, C, T]


class ASTGCN(nn.Module):
    """ASTGCN (Guo AAAI 2019; guoshnBJTU/ASTGCN-r-pytorch), one component: spatial-temporal attention (T×T and N×N
    from bilinear forms of the input), **Chebyshev graph convolution (K = 3) with the polynomials reweighted by the
    spatial attention**, time conv, residual, LayerNorm over channels, final conv to 12 future steps per node."""

    def __init__(self, n=16, f_in=2, t=12, horizon=12):
        super().__init__()
        self.b1 = ASTGCNBlock(n, f_in, t)
        self.b2 = ASTGCNBlock(n, 16, t)
        self.final = nn.Conv2d(t, horizon, (1, 16))

    def forward(self, x):
        x = self.b2(self.b1(x))  # [B, N, C, T]
        return self.final(x.permute(0, 3, 1, 2))[:, :, :, 0].permute(0, 2, 1)  # [B, N, horizon]


def real_sh(u):
    """Real spherical harmonics l = 0, 1, 2 of unit vectors [E, 3] (e3nn's component normalisation), [E, 9]."""
    x, y, z = u[:, 0:1], u[:, 1:2], u[:, 2:3]
    s3, s5, s15 = math.sqrt(3), math.sqrt(5), math.sqrt(15)
    return torch.cat([torch.ones_like(x), s3 * x, s3 * y, s3 * z, s15 * x * z, s15 * x * y, s5 * (y * y - 0.5 * (x * x + z * z)),
                      s15 * y * z, s15 / 2 * (z * z - x * x)], 1)


class MACE(nn.Module):
    """A MACE-style equivariant interatomic potential (Batatia 2022; ACEsuite/mace), energy only: species embedding,
    **Bessel radial basis with a polynomial cutoff envelope**, **real spherical harmonics up to l = 2**, messages
    R_l(r)·Y_l(r̂)·h_j summed per receiver (scatter_add over a constant edge list), a product basis of invariants
    (A0, |A1|², |A2|², A0³ — correlation order 3 in the scalar channel), linear updates, per-atom energies summed."""

    def __init__(self, atoms=12, species=4, c=16, nb=8, rc=5.0, layers=2):
        super().__init__()
        snd, rcv = zip(*[(i, j) for i in range(atoms) for j in range(atoms) if i != j])
        self.register_buffer('snd', torch.tensor(snd))
        self.register_buffer('rcv', torch.tensor(rcv))
        self.register_buffer('freq', torch.arange(1, nb + 1).float() * math.pi / rc)
        self.rc, self.atoms, self.c = rc, atoms, c
        self.embed = nn.Linear(species, c, bias=False)
        self.radial = nn.ModuleList(nn.Sequential(nn.Linear(nb, 32), nn.SiLU(), nn.Linear(32, 3 * c)) for _ in range(layers))
        self.mix = nn.ModuleList(nn.Linear(c, c, bias=False) for _ in range(layers))
        self.update = nn.ModuleList(nn.Linear(4 * c, c) for _ in range(layers))
        self.readout = nn.ModuleList(nn.Linear(c, 1) for _ in range(layers))

    def forward(self, pos, species):
        vec = pos[self.rcv] - pos[self.snd]  # [E, 3]
        r = vec.norm(dim=1, keepdim=True)
        u = vec / r
        x = r / self.rc
        env = torch.where(x < 1, 1 - 21 * x ** 5 + 35 * x ** 6 - 15 * x ** 7, torch.zeros_like(x))  # p = 5 envelope
        bessel = math.sqrt(2 / self.rc) * torch.sin(self.freq * r) / r * env  # [E, nb]
        y = real_sh(u)  # [E, 9]
        h = self.embed(species)
        energy = 0
        idx = self.rcv.unsqueeze(1).expand(-1, 9 * self.c)
        for radial, mix, upd, ro in zip(self.radial, self.mix, self.update, self.readout):
            rl = radial(bessel).view(-1, 3, self.c)  # [E, 3 (l), C]
            rl = torch.cat([rl[:, 0:1], rl[:, 1:2].expand(-1, 3, -1), rl[:, 2:3].expand(-1, 5, -1)], 1)  # [E, 9, C]
            msg = (rl * y.unsqueeze(2) * mix(h)[self.snd].unsqueeze(1)).reshape(-1, 9 * self.c)
            a = torch.zeros(self.atoms, 9 * self.c).scatter_add(0, idx, msg).view(self.atoms, 9, self.c)
            a0 = a[:, 0]
            b = torch.cat([a0, (a[:, 1:4] ** 2).sum(1), (a[:, 4:9] ** 2).sum(1), a0 ** 3], 1)
            h = h + upd(b)
            energy = energy + ro(h)
        return energy, energy.sum().reshape(1)


class TriMul(nn.Module):
    def __init__(self, c, outgoing=True):
        super().__init__()
        self.ln, self.ln_out = nn.LayerNorm(c), nn.LayerNorm(c)
        self.ab, self.g_ab, self.g, self.out = nn.Linear(c, 2 * c), nn.Linear(c, 2 * c), nn.Linear(c, c), nn.Linear(c, c)
        self.outgoing = outgoing

    def forward(self, z):
        z = self.ln(z)
        a, b = (torch.sigmoid(self.g_ab(z)) * self.ab(z)).chunk(2, -1)
        eq = 'bikc,bjkc->bijc' if self.outgoing else 'bkic,bkjc->bijc'
        return torch.sigmoid(self.g(z)) * self.out(self.ln_out(torch.einsum(eq, a, b)))


class GatedAttention(nn.Module):
    """AlphaFold's gated attention over the rows of x [B, R, L, c] with a bias [B, H, L, L]."""

    def __init__(self, c, heads, hd=8):
        super().__init__()
        self.h, self.hd = heads, hd
        self.qkvg = nn.Linear(c, 4 * heads * hd)
        self.out = nn.Linear(heads * hd, c)

    def forward(self, x, bias):
        b, r, l, _ = x.shape
        q, k, v, g = self.qkvg(x).view(b, r, l, 4, self.h, self.hd).unbind(3)
        att = torch.einsum('brqhd,brkhd->brhqk', q / math.sqrt(self.hd), k) + bias.unsqueeze(1)
        o = torch.einsum('brhqk,brkhd->brqhd', att.softmax(-1), v) * torch.sigmoid(g)
        return self.out(o.reshape(b, r, l, -1))


class EvoBlock(nn.Module):
    def __init__(self, cm=32, cz=16, heads=4):
        super().__init__()
        self.ln_m1, self.ln_z1, self.row = nn.LayerNorm(cm), nn.LayerNorm(cz), GatedAttention(cm, heads)
        self.pair_bias = nn.Linear(cz, heads, bias=False)
        self.ln_m2, self.col = nn.LayerNorm(cm), GatedAttention(cm, heads)
        self.m_trans = nn.Sequential(nn.LayerNorm(cm), nn.Linear(cm, 4 * cm), nn.ReLU(), nn.Linear(4 * cm, cm))
        self.opm_ln, self.opm_ab, self.opm_out = nn.LayerNorm(cm), nn.Linear(cm, 16), nn.Linear(64, cz)
        self.tri_out, self.tri_in = TriMul(cz, True), TriMul(cz, False)
        self.ln_ts, self.ln_te = nn.LayerNorm(cz), nn.LayerNorm(cz)
        self.tri_att_s, self.tri_att_e = GatedAttention(cz, 2), GatedAttention(cz, 2)
        self.tb_s, self.tb_e = nn.Linear(cz, 2, bias=False), nn.Linear(cz, 2, bias=False)
        self.z_trans = nn.Sequential(nn.LayerNorm(cz), nn.Linear(cz, 4 * cz), nn.ReLU(), nn.Linear(4 * cz, cz))

    def forward(self, m, z):
        m = m + self.row(self.ln_m1(m), self.pair_bias(self.ln_z1(z)).permute(0, 3, 1, 2))
        mt = self.ln_m2(m).transpose(1, 2)
        m = m + self.col(mt, torch.zeros(1, 1, 1, 1)).transpose(1, 2)
        m = m + self.m_trans(m)
        a, b = self.opm_ab(self.opm_ln(m)).chunk(2, -1)  # [B, S, L, 8]
        opm = torch.einsum('bsic,bsjd->bijcd', a, b) / m.shape[1]
        z = z + self.opm_out(opm.flatten(-2))
        z = z + self.tri_out(z)
        z = z + self.tri_in(z)
        zs = self.ln_ts(z)
        z = z + self.tri_att_s(zs, self.tb_s(zs).permute(0, 3, 1, 2))
        ze = self.ln_te(z).transpose(1, 2)
        z = z + self.tri_att_e(ze, self.tb_e(ze).permute(0, 3, 1, 2)).transpose(1, 2)
        return m, z + self.z_trans(z)


class Evoformer(nn.Module):
    """AlphaFold 2 / OpenFold's Evoformer trunk (2 blocks; MSA 4 × 16 residues): MSA row attention with pair bias
    (gated), column attention, **outer product mean into the pair**, **triangle multiplicative updates (outgoing
    'bikc,bjkc->bijc' and incoming)**, **triangle attention around the starting and ending node** with its own pair bias,
    transitions; outputs the single representation (first MSA row) and the pair."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([EvoBlock(), EvoBlock()])

    def forward(self, msa, pair):
        for b in self.blocks:
            msa, pair = b(msa, pair)
        return msa[:, 0], pair


class TranAD(nn.Module):
    """TranAD (Tuli VLDB 2022; imperial-qore/TranAD): two phases over a window — the encoder reads the window with a
    focus score (zeros, then the first phase's squared reconstruction error), decoder 1 and 2 reconstruct the last
    element; outputs both reconstructions (the anomaly score is their error)."""

    def __init__(self, feats=8, window=10):
        super().__init__()
        d = 2 * feats
        self.feats, self.d = feats, d
        pe = torch.zeros(window, d)
        pos = torch.arange(window).float().unsqueeze(1)
        pe += torch.sin(pos * torch.exp(torch.arange(d).float() * (-math.log(10000.0) / d)))
        pe += torch.cos(pos * torch.exp(torch.arange(d).float() * (-math.log(10000.0) / d)))
        self.register_buffer('pe', pe.unsqueeze(1))
        self.enc = nn.TransformerEncoderLayer(d, feats, 16, dropout=0.0)
        self.dec1 = nn.TransformerDecoderLayer(d, feats, 16, dropout=0.0)
        self.dec2 = nn.TransformerDecoderLayer(d, feats, 16, dropout=0.0)
        self.fcn = nn.Sequential(nn.Linear(d, feats), nn.Sigmoid())

    def encode(self, src, c, tgt):
        src = torch.cat((src, c), 2) * math.sqrt(self.feats) + self.pe
        return tgt.repeat(1, 1, 2), self.enc(src)

    def forward(self, src, tgt):  # src [W, B, F], tgt [1, B, F]
        c = torch.zeros_like(src)
        t, mem = self.encode(src, c, tgt)
        x1 = self.fcn(self.dec1(t, mem))
        c = (x1 - src) ** 2
        t, mem = self.encode(src, c, tgt)
        return x1, self.fcn(self.dec2(t, mem))


class PonderNet(nn.Module):
    """PonderNet (Banino 2021) for inference, scripted: a GRU cell (written out: torch 1.13 scripts no gru_cell export) steps until the halting distribution's remaining mass
    is below 0.05 or 20 steps (**an ONNX Loop whose stop depends on the data**); the output is the halting-weighted sum
    of the per-step predictions, with the expected step count."""

    def __init__(self, d_in: int = 16, d_h: int = 32, d_out: int = 4):
        super().__init__()
        self.wx = nn.Linear(d_in, 3 * d_h)
        self.wh = nn.Linear(d_h, 3 * d_h)
        self.lam = nn.Linear(d_h, 1)
        self.out = nn.Linear(d_h, d_out)
        self.h0 = nn.Parameter(torch.zeros(1, d_h))

    def forward(self, x):
        h = self.h0
        un_halted = torch.ones(1, 1)
        y = torch.zeros(1, self.out.out_features)
        steps = torch.zeros(1, 1)
        n = 0
        while n < 20 and bool(un_halted.sum() > 0.05):
            gx, gh = self.wx(x).chunk(3, 1), self.wh(h).chunk(3, 1)
            r, z = torch.sigmoid(gx[0] + gh[0]), torch.sigmoid(gx[1] + gh[1])
            h = (1 - z) * torch.tanh(gx[2] + r * gh[2]) + z * h
            lam = torch.sigmoid(self.lam(h))
            p = un_halted * lam
            y = y + p * self.out(h)
            n += 1
            steps = steps + p * float(n)
            un_halted = un_halted * (1 - lam)
        return y + un_halted * self.out(h), steps


class DEQ(nn.Module):
    """A deep equilibrium model (Bai 2019; MDEQ-style cell) for inference, scripted: z ← GroupNorm(ReLU(conv(z)) +
    inject(x)) iterated until the relative change is below 1e-3 (at most 30 steps: **a Loop with a data-dependent stop
    around convolutions**), then a classifier head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.inject = nn.Conv2d(16, 16, 3, padding=1)
        self.f = nn.Conv2d(16, 16, 3, padding=1)
        self.norm = nn.GroupNorm(4, 16)
        self.head = nn.Linear(16, 10)
        with torch.no_grad():
            self.f.weight.mul_(0.1)

    def forward(self, x):
        u = self.inject(F.relu(self.stem(x)))
        z = torch.zeros_like(u)
        i = 0
        rel = torch.ones(1)
        while i < 30 and bool(rel.sum() > 1e-3):
            zn = self.norm(F.relu(self.f(z)) + u)
            rel = torch.sqrt(((zn - z) ** 2).sum()).reshape(1) / (torch.sqrt((zn ** 2).sum()).reshape(1) + 1e-8)
            z = zn
            i += 1
        return self.head(z.mean((2, 3))), rel
