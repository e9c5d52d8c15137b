"""Twenty-sixth sweep's models, part 2 (scripts/export/sweep26_vis.py exports them): decision making, world models,
hybrid decoders with caches, learned compression and robot policies — Decision Transformer, DreamerV3's RSSM step, a
Falcon-H1 decode step (KV cache + Mamba-2 state), Ballé's hyperprior codec, Diffusion Policy, Caduceus. Plain
torch.nn with the math of the projects' public code, small widths, random weights."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class GPTBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate='tanh'), nn.Linear(4 * d, d))
        self.h = heads

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.h) + mask
        x = x + self.proj((att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.ln2(x))


class DecisionTransformer(nn.Module):
    """Decision Transformer (Chen 2021; HF DecisionTransformerModel): returns-to-go, states and actions embedded, each
    plus a **timestep embedding**, **interleaved (R, s, a) as 3K tokens by stack + reshape**, causal GPT-2 blocks,
    actions predicted (tanh) from the state tokens, states / returns from the others."""

    def __init__(self, s=17, a=6, d=64, k=10, layers=3, heads=4, max_t=1000):
        super().__init__()
        self.t_emb, self.r_emb, self.s_emb, self.a_emb = nn.Embedding(max_t, d), nn.Linear(1, d), nn.Linear(s, d), nn.Linear(a, d)
        self.ln = nn.LayerNorm(d)
        self.blocks = nn.ModuleList(GPTBlock(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.pred_a = nn.Sequential(nn.Linear(d, a), nn.Tanh())
        self.pred_s, self.pred_r = nn.Linear(d, s), nn.Linear(d, 1)
        self.register_buffer('mask', torch.triu(torch.full((3 * k, 3 * k), -1e9), 1))

    def forward(self, rtg, states, actions, timesteps):
        b, k = states.shape[:2]
        te = self.t_emb(timesteps)
        x = torch.stack([self.r_emb(rtg) + te, self.s_emb(states) + te, self.a_emb(actions) + te], 2).reshape(b, 3 * k, -1)
        x = self.ln(x)
        for blk in self.blocks:
            x = blk(x, self.mask)
        x = self.ln_f(x).reshape(b, k, 3, -1).permute(0, 2, 1, 3)
        return self.pred_a(x[:, 1]), self.pred_s(x[:, 2]), self.pred_r(x[:, 2])


def symlog(x):
    return torch.sign(x) * torch.log(1 + x.abs())


def symexp(x):
    return torch.sign(x) * (torch.exp(x.abs()) - 1)


class DreamerV3(nn.Module):
    """DreamerV3's acting step (Hafner 2023; danijar/dreamerv3, NM512/dreamerv3-torch): CNN encoder of the 64² frame +
    **symlog of the vector observation**, RSSM posterior step — **block GRU with LayerNorm (update gate biased −1)**,
    **32 categorical latents of 16 classes with 1 % unimix, their mode as one-hot (ArgMax → OneHot)** —, actor (discrete
    action probabilities), **reward by two-hot bins: softmax expectation over 255 symexp-spaced bins**, continue head."""

    def __init__(self, deter=128, stoch=32, classes=16, act=6, vec=5):
        super().__init__()
        self.stoch, self.classes = stoch, classes
        self.enc = nn.Sequential(nn.Conv2d(3, 16, 4, 2, 1), nn.LayerNorm([16, 32, 32]), nn.SiLU(), nn.Conv2d(16, 32, 4, 2, 1), nn.SiLU(),
                                 nn.Conv2d(32, 32, 4, 2, 1), nn.SiLU(), nn.Flatten(), nn.Linear(32 * 64, 128))
        self.vec = nn.Sequential(nn.Linear(vec, 64), nn.LayerNorm(64), nn.SiLU())
        self.img_in = nn.Sequential(nn.Linear(stoch * classes + act, 128), nn.LayerNorm(128), nn.SiLU())
        self.gru = nn.Linear(128 + deter, 3 * deter, bias=False)
        self.gru_ln = nn.LayerNorm(3 * deter)
        self.post = nn.Sequential(nn.Linear(deter + 192, 128), nn.LayerNorm(128), nn.SiLU(), nn.Linear(128, stoch * classes))
        feat = deter + stoch * classes
        self.actor = nn.Sequential(nn.Linear(feat, 128), nn.LayerNorm(128), nn.SiLU(), nn.Linear(128, act))
        self.reward = nn.Sequential(nn.Linear(feat, 128), nn.LayerNorm(128), nn.SiLU(), nn.Linear(128, 255))
        self.cont = nn.Sequential(nn.Linear(feat, 128), nn.LayerNorm(128), nn.SiLU(), nn.Linear(128, 1))
        self.register_buffer('bins', symexp(torch.linspace(-20, 20, 255)))

    def forward(self, image, vector, h, z, action):
        x = self.img_in(torch.cat([z, action], -1))
        reset, cand, update = self.gru_ln(self.gru(torch.cat([x, h], -1))).chunk(3, -1)
        reset, update = torch.sigmoid(reset), torch.sigmoid(update - 1)
        h = update * torch.tanh(reset * cand) + (1 - update) * h
        emb = torch.cat([self.enc(image - 0.5), self.vec(symlog(vector))], -1)
        logits = self.post(torch.cat([h, emb], -1)).view(-1, self.stoch, self.classes)
        probs = 0.99 * logits.softmax(-1) + 0.01 / self.classes
        z = F.one_hot(probs.argmax(-1), self.classes).float().flatten(1)
        feat = torch.cat([h, z], -1)
        reward = (self.reward(feat).softmax(-1) * self.bins).sum(-1, keepdim=True)
        return self.actor(feat).softmax(-1), reward, torch.sigmoid(self.cont(feat)), h, z


class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w = nn.Parameter(1 + 0.1 * torch.randn(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.w


class FalconH1Layer(nn.Module):
    """Falcon-H1's parallel hybrid layer: GQA attention with RoPE and a Mamba-2 mixer read the same RMSNorm'd input,
    their outputs (times μP multipliers) summed; SwiGLU MLP."""

    def __init__(self, d=64, heads=4, kv=2, hd=16, m_heads=4, m_hd=16, n=16, conv=4):
        super().__init__()
        self.h, self.kv, self.hd, self.mh, self.mhd, self.n = heads, kv, hd, m_heads, m_hd, n
        self.norm, self.norm2 = RMSNorm(d), RMSNorm(d)
        self.q, self.k, self.v, self.o = nn.Linear(d, heads * hd, bias=False), nn.Linear(d, kv * hd, bias=False), nn.Linear(d, kv * hd, bias=False), nn.Linear(heads * hd, d, bias=False)
        inner = m_heads * m_hd
        self.conv_dim = inner + 2 * n
        self.in_proj = nn.Linear(d, inner + self.conv_dim + m_heads, bias=False)
        self.conv_w = nn.Parameter(torch.randn(self.conv_dim, conv) * 0.3)
        self.conv_b = nn.Parameter(torch.zeros(self.conv_dim))
        self.a_log = nn.Parameter(torch.log(torch.linspace(1, 8, m_heads)))
        self.dt_bias = nn.Parameter(torch.randn(m_heads) * 0.5)
        self.d_skip = nn.Parameter(torch.ones(m_heads))
        self.gnorm = nn.Parameter(torch.ones(inner))
        self.out_proj = nn.Linear(inner, d, bias=False)
        self.gate, self.up, self.down = nn.Linear(d, 128, bias=False), nn.Linear(d, 128, bias=False), nn.Linear(128, d, bias=False)

    def forward(self, x, cos, sin, past_k, past_v, conv_state, ssm_state):
        b = x.shape[0]
        hn = self.norm(x)
        q = self.q(hn).view(b, 1, self.h, self.hd).transpose(1, 2)
        k = self.k(hn).view(b, 1, self.kv, self.hd).transpose(1, 2)
        v = self.v(hn).view(b, 1, self.kv, self.hd).transpose(1, 2)

        def rope(t):
            t1, t2 = t.chunk(2, -1)
            return t * cos + torch.cat([-t2, t1], -1) * sin
        q, k = rope(q), rope(k)
        k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
        g = self.h // self.kv
        kk = k[:, :, None].expand(-1, -1, g, -1, -1).reshape(b, self.h, -1, self.hd)  # HF's repeat_kv
        vv = v[:, :, None].expand(-1, -1, g, -1, -1).reshape(b, self.h, -1, self.hd)
        att = ((q @ kk.transpose(-1, -2)) / math.sqrt(self.hd)).softmax(-1) @ vv
        attn = self.o(att.transpose(1, 2).reshape(b, 1, -1))
        zxbcdt = self.in_proj(hn)[:, 0]
        inner = self.mh * self.mhd
        z, xbc, dt = zxbcdt[:, :inner], zxbcdt[:, inner:inner + self.conv_dim], zxbcdt[:, inner + self.conv_dim:]
        window = torch.cat([conv_state, xbc.unsqueeze(-1)], -1)
        conv_state = window[:, :, 1:]
        xbc = F.silu((window * self.conv_w).sum(-1) + self.conv_b)
        xs, bm, cm = xbc[:, :inner].view(b, self.mh, self.mhd), xbc[:, inner:inner + self.n], xbc[:, inner + self.n:]
        dt = F.softplus(dt + self.dt_bias)  # [B, H]
        da = torch.exp(-dt * torch.exp(self.a_log))
        ssm_state = ssm_state * da[:, :, None, None] + (dt[:, :, None] * xs)[..., None] * bm[:, None, None, :]
        y = (ssm_state @ cm[:, None, :, None]).squeeze(-1) + self.d_skip[:, None] * xs
        y = y.reshape(b, inner) * F.silu(z)
        y = y * torch.rsqrt(y.pow(2).mean(-1, keepdim=True) + 1e-6) * self.gnorm
        x = x + 0.5 * attn + 0.8 * self.out_proj(y).unsqueeze(1)
        h2 = self.norm2(x)
        return x + self.down(F.silu(self.gate(h2)) * self.up(h2)), k, v, conv_state, ssm_state


class FalconH1Step(nn.Module):
    """A Falcon-H1 decode step (TII 2025): token + position in, logits and every layer's present state out — **a KV
    cache of 15 past positions and a Mamba-2 conv / SSM state per layer**, RoPE at the run-time position."""

    def __init__(self, vocab=300, d=64, layers=2, hd=16):
        super().__init__()
        self.register_buffer('inv', 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd)))  # RoPE frequencies
        self.emb, self.lm = nn.Embedding(vocab, d), nn.Linear(d, vocab, bias=False)
        self.layers = nn.ModuleList(FalconH1Layer(d) for _ in range(layers))
        self.norm = RMSNorm(d)

    def forward(self, ids, position, past_k, past_v, conv_state, ssm_state):
        x = self.emb(ids)
        f = position.float().unsqueeze(-1) * self.inv  # [1, hd/2]
        cos, sin = torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)
        ks, vs, cs, ss = [], [], [], []
        for i, layer in enumerate(self.layers):
            x, k, v, c, s = layer(x, cos, sin, past_k[i], past_v[i], conv_state[i], ssm_state[i])
            ks.append(k), vs.append(v), cs.append(c), ss.append(s)
        return self.lm(self.norm(x)), torch.stack(ks), torch.stack(vs), torch.stack(cs), torch.stack(ss)


class GDN(nn.Module):
    """Generalized divisive normalization (Ballé): x / sqrt(β + γ·x²) with γ a 1×1 conv; inverse: x · sqrt(...)."""

    def __init__(self, c, inverse=False):
        super().__init__()
        self.beta = nn.Parameter(torch.ones(c) + 0.1 * torch.rand(c))
        self.gamma = nn.Parameter(0.1 * torch.eye(c) + 0.01 * torch.rand(c, c))
        self.inverse = inverse

    def forward(self, x):
        norm = torch.sqrt(F.conv2d(x * x, self.gamma[:, :, None, None], self.beta))
        return x * norm if self.inverse else x / norm


class FactorizedCDF(nn.Module):
    """The entropy bottleneck's per-channel cumulative (CompressAI): matrices through softplus, biases, tanh factors."""

    def __init__(self, c, filters=(1, 3, 3, 1)):
        super().__init__()
        self.mats = nn.ParameterList(nn.Parameter(torch.randn(c, filters[i + 1], filters[i]) * 0.5) for i in range(len(filters) - 1))
        self.biases = nn.ParameterList(nn.Parameter(torch.randn(c, filters[i + 1], 1) * 0.3) for i in range(len(filters) - 1))
        self.factors = nn.ParameterList(nn.Parameter(torch.randn(c, filters[i + 1], 1) * 0.3) for i in range(len(filters) - 2))

    def forward(self, x):  # x [C, 1, N]
        for i, (m, b) in enumerate(zip(self.mats, self.biases)):
            x = torch.matmul(F.softplus(m), x) + b
            if i < len(self.factors):
                x = x + torch.tanh(self.factors[i]) * torch.tanh(x)
        return x


class Hyperprior(nn.Module):
    """Ballé 2018 scale hyperprior (CompressAI bmshj2018-hyperprior), forward in eval: analysis with **GDN**, hyper
    analysis of |y|, **z rounded around the medians (Round)**, the **factorized entropy bottleneck's likelihoods (a
    learned CDF of softplus matrices and tanh, sigmoid differences with the sign trick)**, hyper synthesis to scales,
    **y rounded, Gaussian conditional likelihoods through Erf with a 0.11 scale bound**, synthesis with inverse GDN."""

    def __init__(self, n=32, m=48):
        super().__init__()
        c5 = dict(kernel_size=5, stride=2, padding=2)
        d5 = dict(kernel_size=5, stride=2, padding=2, output_padding=1)
        self.g_a = nn.Sequential(nn.Conv2d(3, n, **c5), GDN(n), nn.Conv2d(n, n, **c5), GDN(n), nn.Conv2d(n, n, **c5), GDN(n), nn.Conv2d(n, m, **c5))
        self.h_a = nn.Sequential(nn.Conv2d(m, n, 3, 1, 1), nn.ReLU(), nn.Conv2d(n, n, **c5), nn.ReLU(), nn.Conv2d(n, n, **c5))
        self.h_s = nn.Sequential(nn.ConvTranspose2d(n, n, **d5), nn.ReLU(), nn.ConvTranspose2d(n, n, **d5), nn.ReLU(), nn.Conv2d(n, m, 3, 1, 1), nn.ReLU())
        self.g_s = nn.Sequential(nn.ConvTranspose2d(m, n, **d5), GDN(n, True), nn.ConvTranspose2d(n, n, **d5), GDN(n, True),
                                 nn.ConvTranspose2d(n, n, **d5), GDN(n, True), nn.ConvTranspose2d(n, 3, **d5))
        self.cdf = FactorizedCDF(n)
        self.medians = nn.Parameter(torch.randn(1, n, 1, 1) * 0.2)

    def forward(self, x):
        y = self.g_a(x)
        z = self.h_a(torch.abs(y))
        z_hat = torch.round(z - self.medians) + self.medians
        b, c, h, w = z_hat.shape
        v = z_hat.permute(1, 0, 2, 3).reshape(c, 1, -1)
        lower, upper = self.cdf(v - 0.5), self.cdf(v + 0.5)
        sign = -torch.sign(lower + upper)
        z_lik = torch.abs(torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower)).clamp_min(1e-9)
        z_lik = z_lik.reshape(c, b, h, w).permute(1, 0, 2, 3)
        scales = self.h_s(z_hat).clamp_min(0.11)
        y_hat = torch.round(y)
        val = torch.abs(y_hat)
        upper = 0.5 * (1 - torch.erf(-((0.5 - val) / scales) / math.sqrt(2)))
        lower = 0.5 * (1 - torch.erf(-((-0.5 - val) / scales) / math.sqrt(2)))
        y_lik = (upper - lower).clamp_min(1e-9)
        return self.g_s(y_hat).clamp(0, 1), y_lik, z_lik


class CondResBlock1d(nn.Module):
    def __init__(self, cin, cout, cond, k=5):
        super().__init__()
        blk = lambda a, b: nn.Sequential(nn.Conv1d(a, b, k, padding=k // 2), nn.GroupNorm(8, b), nn.Mish())  # noqa: E731
        self.b1, self.b2 = blk(cin, cout), blk(cout, cout)
        self.film = nn.Sequential(nn.Mish(), nn.Linear(cond, 2 * cout))
        self.res = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()
        self.cout = cout

    def forward(self, x, c):
        scale, bias = self.film(c).unsqueeze(-1).chunk(2, 1)
        return self.b2(scale * self.b1(x) + bias) + self.res(x)


class DiffusionPolicy(nn.Module):
    """Diffusion Policy (Chi 2023; real-stanford/diffusion_policy ConditionalUnet1D): **1-D U-Net over a 16-step action
    trajectory with FiLM from the observation features and the diffusion step (sinusoidal + Mish MLP)**, GroupNorm, Mish,
    strided conv down / transposed conv up; **the DDIM sampler's 4 steps unrolled in the graph** from the given noise."""

    def __init__(self, act=2, obs=20, dims=(32, 64), steps=4, train_steps=100):
        super().__init__()
        ted = 32
        self.t_mlp = nn.Sequential(nn.Linear(ted, 64), nn.Mish(), nn.Linear(64, ted))
        cond = ted + obs
        self.down = nn.ModuleList([nn.ModuleList([CondResBlock1d(act, dims[0], cond), nn.Conv1d(dims[0], dims[0], 3, 2, 1)]),
                                   nn.ModuleList([CondResBlock1d(dims[0], dims[1], cond), nn.Identity()])])
        self.mid = CondResBlock1d(dims[1], dims[1], cond)
        self.up = nn.ModuleList([nn.ModuleList([CondResBlock1d(2 * dims[1], dims[0], cond), nn.ConvTranspose1d(dims[0], dims[0], 4, 2, 1)])])
        self.final = nn.Sequential(nn.Conv1d(2 * dims[0], dims[0], 5, padding=2), nn.GroupNorm(8, dims[0]), nn.Mish(), nn.Conv1d(dims[0], act, 1))
        betas = torch.linspace(1e-4, 0.02, train_steps)
        ab = torch.cumprod(1 - betas, 0)
        ts = list(range(train_steps - 1, -1, -train_steps // steps))
        self.sched = [(t, float(ab[t]), float(ab[ts[i + 1]]) if i + 1 < len(ts) else 1.0) for i, t in enumerate(ts)]
        self.register_buffer('freqs', torch.exp(-math.log(10000) * torch.arange(ted // 2).float() / (ted // 2 - 1)))

    def unet(self, x, t, obs):
        f = t * self.freqs
        c = torch.cat([self.t_mlp(torch.cat([f.sin(), f.cos()]).unsqueeze(0)).expand(obs.shape[0], -1), obs], -1)
        x = x.transpose(1, 2)
        skips = []
        for res, down in self.down:
            x = res(x, c)
            skips.append(x)
            x = down(x)
        x = self.mid(x, c)
        for res, up in self.up:
            x = up(res(torch.cat([x, skips.pop()], 1), c))
        return self.final(torch.cat([x, skips.pop()], 1)).transpose(1, 2)

    def forward(self, noise, obs):
        x = noise
        for t, a_t, a_prev in self.sched:
            eps = self.unet(x, float(t), obs)
            x0 = (x - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
            x = math.sqrt(a_prev) * x0.clamp(-1, 1) + math.sqrt(1 - a_prev) * eps
        return x


class BiSSD(nn.Module):
    """A Mamba-2 mixer in its quadratic (SSD) form over a short sequence: per-head scalar decays, the masked decay
    matrix exp(segsum), (C·Bᵀ ∘ L)·(dt·x), D skip, SiLU gate."""

    def __init__(self, d, heads=4, n=16):
        super().__init__()
        self.h, self.n = heads, n
        self.inp = nn.Linear(d, 2 * d + 2 * n + heads)
        self.conv = nn.Conv1d(d + 2 * n, d + 2 * n, 4, padding=3, groups=d + 2 * n)
        self.a_log = nn.Parameter(torch.log(torch.linspace(1, 4, heads)))
        self.dt_bias = nn.Parameter(torch.randn(heads) * 0.3)
        self.dskip = nn.Parameter(torch.ones(heads))
        self.out = nn.Linear(d, d)

    def forward(self, x):
        b, l, d = x.shape
        z, xbc, dt = self.inp(x).split([d, d + 2 * self.n, self.h], -1)
        xbc = F.silu(self.conv(xbc.transpose(1, 2))[:, :, :l].transpose(1, 2))
        xs, bm, cm = xbc.split([d, self.n, self.n], -1)
        dt = F.softplus(dt + self.dt_bias)  # [B, L, H]
        a = -dt * torch.exp(self.a_log)
        cs = torch.cumsum(a, 1).transpose(1, 2)  # [B, H, L]
        seg = cs.unsqueeze(-1) - cs.unsqueeze(-2)  # [B, H, L, L]
        mask = torch.tril(torch.ones(l, l, dtype=torch.bool))
        decay = torch.exp(torch.where(mask, seg, torch.full_like(seg, -1e4)))
        xh = (xs * dt.unsqueeze(-1).expand(-1, -1, -1, d // self.h).reshape(b, l, d)).view(b, l, self.h, -1).transpose(1, 2)  # [B, H, L, P]
        y = ((cm @ bm.transpose(1, 2)).unsqueeze(1) * decay) @ xh + self.dskip[None, :, None, None] * xs.view(b, l, self.h, -1).transpose(1, 2)
        return self.out(y.transpose(1, 2).reshape(b, l, d) * F.silu(z))


class Caduceus(nn.Module):
    """Caduceus-PS (Schiff ICML 2024; DNA): **reverse-complement equivariance by parameter sharing** — the one-hot
    sequence and its reverse complement (flipped along the sequence and the A/C/G/T channels) through the same
    **bidirectional Mamba layers (the sequence and its flip, outputs flipped back and added)**, the two halves' channels
    joined as [x, RC(x)], logits for the 4 bases made RC-symmetric."""

    def __init__(self, d=32, layers=2):
        super().__init__()
        self.emb = nn.Linear(4, d, bias=False)
        self.fwd = nn.ModuleList(BiSSD(d) for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.lm = nn.Linear(2 * d, 4)

    def trunk(self, x):
        h = self.emb(x)
        for mix, ln in zip(self.fwd, self.norms):
            u = ln(h)
            h = h + mix(u) + mix(u.flip(1)).flip(1)
        return h

    def forward(self, onehot):  # [B, L, 4] in A, C, G, T order
        rc = onehot.flip(1).flip(2)
        h, hr = self.trunk(onehot), self.trunk(rc).flip(1)
        logits = self.lm(torch.cat([h, hr], -1))
        return (logits + logits.flip(1).flip(2).flip(1)) / 2
