"""Twenty-second sweep: language-model blocks not tried in the twenty-one earlier sweeps, as their reference code writes
them (random weights, small widths): GPT-OSS (learned attention-sink logits per head, alternating banded / full
layers, YaRN RoPE, top-2 MoE of clamped SwiGLU experts), sigmoid attention (Apple's SigmoidAttn with ALiBi and the
-log n bias), multi-token attention (MTA: a key-query convolution over the scores, head mixing, per-head norm),
mixture-of-head attention (MoH: shared heads plus top-k routed heads), EAGLE's draft head (features of the target
model ‖ token embeddings, one decoder layer, tree mask), Titans (memory as context: a linear neural memory updated by
its own gradient with momentum and forgetting, persistent memory tokens), MiniMax-01's lightning attention (block
linear attention with decay, hybrid with softmax layers), DeepSeek's manifold-constrained hyper-connections (mHC:
4 residual streams mixed by a Sinkhorn-Knopp doubly stochastic matrix) and stick-breaking attention. Models in
MODELS, exported by sweep22_seq.py."""
import math

import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import RMSNorm  # noqa: E402
from sweep20_seq_lm import rope, SwiGLU, PreNormLM, ids  # noqa: E402
from sweep21_seq_lm import repeat_kv, causal  # noqa: E402

NEG = -1e9


def heads(x, h):  # [b, n, h·d] -> [b, h, n, d]
    b, n, _ = x.shape
    return x.view(b, n, h, -1).transpose(1, 2)


def merge(x):  # [b, h, n, d] -> [b, n, h·d]
    b, h, n, d = x.shape
    return x.transpose(1, 2).reshape(b, n, h * d)


# --- GPT-OSS (openai/gpt-oss torch/model.py: sinks, sliding window every other layer, YaRN, MoE of clamped SwiGLU) ---

def yarn_tables(n, d, base=150000.0, factor=4.0, orig=16, alpha=1.0, beta=32.0):
    freq = base ** (torch.arange(0, d, 2).float() / d)
    conc = 0.1 * math.log(factor) + 1.0
    lo = d / 2 * math.log(orig / (beta * 2 * math.pi)) / math.log(base)
    hi = d / 2 * math.log(orig / (alpha * 2 * math.pi)) / math.log(base)
    ramp = ((torch.arange(d // 2).float() - lo) / (hi - lo)).clamp(0, 1)
    inv = (1.0 / (factor * freq)) * ramp + (1.0 / freq) * (1 - ramp)
    f = torch.arange(n)[:, None].float() * inv[None]
    return f.cos() * conc, f.sin() * conc


class GptOssAttention(nn.Module):
    def __init__(self, d=64, h=4, kvh=2, window=None, max_len=32):
        super().__init__()
        self.h, self.kvh, self.hd, self.window = h, kvh, 16, window
        self.q, self.k, self.v = nn.Linear(d, h * 16), nn.Linear(d, kvh * 16), nn.Linear(d, kvh * 16)
        self.o, self.sinks = nn.Linear(h * 16, d), nn.Parameter(torch.randn(h))
        cos, sin = yarn_tables(max_len, 16)
        self.register_buffer('cos', cos)
        self.register_buffer('sin', sin)

    def rot(self, x, n):  # gpt-oss rotates the two halves with one table
        c, s = self.cos[:n], self.sin[:n]
        x1, x2 = x[..., :8], x[..., 8:]
        return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], -1)

    def forward(self, x):
        b, n, _ = x.shape
        q = self.rot(heads(self.q(x), self.h), n)
        k = repeat_kv(self.rot(heads(self.k(x), self.kvh), n), self.h // self.kvh)
        v = repeat_kv(heads(self.v(x), self.kvh), self.h // self.kvh)
        w = (q @ k.transpose(-1, -2) / 4.0).masked_fill(~causal(n, self.window), NEG)
        w = torch.cat([w, self.sinks.view(1, self.h, 1, 1).expand(b, self.h, n, 1)], -1)
        w = (w - w.max(-1, keepdim=True)[0]).softmax(-1)[..., :-1]
        return self.o(merge(w @ v))


class GptOssMoE(nn.Module):
    def __init__(self, d=64, hidden=64, experts=4, top=2, alpha=1.702, limit=7.0):
        super().__init__()
        self.gate, self.top, self.alpha, self.limit = nn.Linear(d, experts), top, alpha, limit
        self.w1 = nn.Parameter(torch.randn(experts, d, 2 * hidden) * 0.1)
        self.b1 = nn.Parameter(torch.randn(experts, 2 * hidden) * 0.1)
        self.w2 = nn.Parameter(torch.randn(experts, hidden, d) * 0.1)

    def forward(self, x):
        vals, idx = self.gate(x).topk(self.top, -1)
        dense = torch.zeros(x.shape[0], x.shape[1], self.w1.shape[0]).scatter(-1, idx, vals.softmax(-1))
        hid = torch.einsum('bnd,edh->bneh', x, self.w1) + self.b1
        g, u = hid[..., ::2].clamp(max=self.limit), hid[..., 1::2].clamp(-self.limit, self.limit)
        y = torch.einsum('bneh,ehd->bned', (u + 1) * g * torch.sigmoid(self.alpha * g), self.w2)
        return (y * dense[..., None]).sum(2)


class GptOss(PreNormLM):
    def __init__(self):
        super().__init__(lambda i: GptOssAttention(window=8 if i % 2 == 0 else None))
        self.mlp = nn.ModuleList(GptOssMoE() for _ in range(2))


# --- sigmoid attention (apple/ml-sigmoid-attention: sigmoid(qkᵀ/√d + ALiBi - log n), hybrid norm on the output) ---

class SigmoidAttention(nn.Module):
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h, self.qkv, self.o = h, nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.register_buffer('slopes', torch.tensor([2 ** (-8 * (i + 1) / h) for i in range(h)]).view(1, h, 1, 1))
        self.norm = RMSNorm(d // h)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        i = torch.arange(n)
        alibi = -(i[:, None] - i[None]).clamp(min=0).float() * self.slopes
        w = torch.sigmoid(q @ k.transpose(-1, -2) / math.sqrt(d // self.h) + alibi - math.log(n)) * causal(n)
        return self.o(merge(self.norm(w @ v)))


# --- multi-token attention (facebookresearch MTA, Golovneva et al. 2025: key-query conv, head mixing, group norm) ---

class MTAttention(nn.Module):
    def __init__(self, d=64, h=4, cq=4, ck=5, depth=0):
        super().__init__()
        self.h, self.cq, self.ck = h, cq, ck
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.kq_conv = nn.Conv2d(h, h, (cq, ck), groups=h, bias=False)
        self.mix = nn.Parameter(torch.eye(2).repeat(h // 2, 1, 1) + 0.1 * torch.randn(h // 2, 2, 2))
        self.norm, self.scale = RMSNorm(d // h), 1 - 0.8 * math.exp(-0.3 * depth)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        pos = torch.arange(n)
        q, k = rope(q, pos), rope(k, pos)
        keep = causal(n)
        s = (q @ k.transpose(-1, -2) / math.sqrt(d // self.h)).masked_fill(~keep, 0.0)
        s = self.kq_conv(F.pad(s, (self.ck // 2, self.ck // 2, self.cq - 1, 0)))  # queries causal, keys centred
        p = s.masked_fill(~keep, NEG).softmax(-1)
        p = torch.einsum('bgink,gij->bgjnk', p.view(b, self.h // 2, 2, n, n), self.mix).reshape(b, self.h, n, n)
        return self.o(merge(self.norm(p @ v) * self.scale))


class SoftmaxAttention(nn.Module):
    """Causal RoPE attention with packed q / k / v (the softmax layers of the hybrids below)."""
    def __init__(self, d=64, h=4):
        super().__init__()
        self.h, self.qkv, self.o = h, nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)

    def heads_out(self, x):  # [b, h, n, hd]
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        pos = torch.arange(n)
        q, k = rope(q, pos), rope(k, pos)
        return (q @ k.transpose(-1, -2) / math.sqrt(d // self.h)).masked_fill(~causal(n), NEG).softmax(-1) @ v

    def forward(self, x):
        return self.o(merge(self.heads_out(x)))


# --- mixture-of-head attention (SkyworkAI/MoH: 2 shared heads, top-2 of 6 routed, two-stage weights) ---

class MoHAttention(SoftmaxAttention):
    def __init__(self, d=64, h=8, shared=2, top=2):
        super().__init__(d, h)
        self.shared, self.top = shared, top
        self.wg, self.wh = nn.Linear(d, h, bias=False), nn.Linear(d, 2, bias=False)

    def forward(self, x):
        b, n, d = x.shape
        o = self.heads_out(x).transpose(1, 2)  # [b, n, h, hd]
        g, a = self.wg(x), self.wh(x).softmax(-1)
        gs = g[..., :self.shared].softmax(-1) * a[..., :1] * self.shared
        gr = g[..., self.shared:].softmax(-1)
        vals, idx = gr.topk(self.top, -1)
        gr = torch.zeros_like(gr).scatter(-1, idx, vals) * a[..., 1:] * (self.h - self.shared)
        return self.o((o * torch.cat([gs, gr], -1)[..., None]).reshape(b, n, d))


# --- EAGLE draft head (SafeAILab/EAGLE: fc(emb ‖ feature), one LLaMA layer without input norm, tree mask) ---

class EagleDraft(nn.Module):
    def __init__(self, vocab=300, d=64, h=4, top=4):
        super().__init__()
        self.h, self.top = h, top
        self.emb, self.fc = nn.Embedding(vocab, d), nn.Linear(2 * d, d, bias=False)
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.n2, self.mlp, self.norm = RMSNorm(d), SwiGLU(d, 2 * d), RMSNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, hidden, input_ids, position_ids, tree_mask):
        x = self.fc(torch.cat([self.emb(input_ids), hidden], -1))
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        q, k = rope(q, position_ids[0]), rope(k, position_ids[0])
        keep = causal(n) & (tree_mask > 0.5)
        w = (q @ k.transpose(-1, -2) / math.sqrt(d // self.h)).masked_fill(~keep, NEG).softmax(-1)
        x = x + self.o(merge(w @ v))
        x = x + self.mlp(self.n2(x))
        logp = self.head(self.norm(x)).log_softmax(-1)
        top_p, top_ids = logp.topk(self.top, -1)
        return logp, top_p, top_ids, x


def eagle_inputs(n=12):
    g = torch.Generator().manual_seed(7)
    tree = torch.tril(torch.ones(n, n))
    tree[6:, 3:6] = 0  # a second branch of the draft tree does not see the first one's tokens
    return (torch.randn(1, n, 64, generator=g), torch.randint(1, 300, (1, n), generator=g),
            torch.tensor([[0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 6, 7]]), tree[None, None])


# --- Titans (Behrouz et al. 2025, memory as context; lucidrains/titans-pytorch's NeuralMemory with a linear memory) ---

class Titans(nn.Module):
    def __init__(self, vocab=300, d=32, h=2, segment=8, persist=4):
        super().__init__()
        self.d, self.h, self.seg = d, h, segment
        self.emb, self.persist = nn.Embedding(vocab, d), nn.Parameter(torch.randn(persist, d) * 0.5)
        self.mk, self.mv, self.mq = (nn.Linear(d, d, bias=False) for _ in range(3))
        self.lr, self.mom, self.decay = nn.Linear(d, 1), nn.Linear(d, 1), nn.Linear(d, 1)
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.n1, self.n2, self.mlp, self.norm = RMSNorm(d), RMSNorm(d), SwiGLU(d, 2 * d), RMSNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def retrieve(self, m, x):  # [b, d, d] memory read by normalized queries
        return torch.einsum('bij,bnj->bni', m, F.normalize(self.mq(x), dim=-1))

    def attend(self, seq, s):  # causal attention over [persistent ‖ retrieved ‖ segment]
        b, L, d = seq.shape
        q, k, v = self.qkv(self.n1(seq)).view(b, L, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        i = torch.arange(L)
        keep = (i[None] <= i[:, None]) | (i[None] < L - s)
        w = (q @ k.transpose(-1, -2) / math.sqrt(d // self.h)).masked_fill(~keep, NEG).softmax(-1)
        y = seq + self.o(merge(w @ v))
        return (y + self.mlp(self.n2(y)))[:, L - s:]

    def forward(self, input_ids):
        x = self.emb(input_ids)
        b, n, d = x.shape
        m, s_mom = torch.zeros(b, d, d), torch.zeros(b, d, d)
        outs = []
        for t0 in range(0, n, self.seg):
            seg = x[:, t0:t0 + self.seg]
            h = self.retrieve(m, seg)
            y = self.attend(torch.cat([self.persist.expand(b, -1, -1), h, seg], 1), seg.shape[1])
            k, v = F.normalize(self.mk(y), dim=-1), self.mv(y)
            theta, eta, alpha = 0.1 * torch.sigmoid(self.lr(y)), torch.sigmoid(self.mom(y)), 0.1 * torch.sigmoid(self.decay(y))
            for t in range(y.shape[1]):  # surprise = momentum of the gradient of |M k - v|²; forgetting α
                err = torch.einsum('bij,bj->bi', m, k[:, t]) - v[:, t]
                s_mom = eta[:, t, :, None] * s_mom - theta[:, t, :, None] * 2 * err[:, :, None] * k[:, t, None, :]
                m = (1 - alpha[:, t, :, None]) * m + s_mom
            outs.append(y * torch.sigmoid(self.retrieve(m, y)))
        return self.head(self.norm(torch.cat(outs, 1)))


# --- lightning attention (MiniMax-01: intra-block masked linear attention with decay + inter-block KV state) ---

class LightningAttention(nn.Module):
    def __init__(self, d=64, h=4, block=8):
        super().__init__()
        self.h, self.blk = h, block
        self.qkv, self.gate, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.norm = RMSNorm(d)
        self.register_buffer('slope', torch.tensor([2 ** (-8 * (i + 1) / h) for i in range(h)]).view(1, h, 1, 1))

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = F.silu(self.qkv(x)).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        B = self.blk
        i = torch.arange(B).float()
        diff = (i[:, None] - i[None])
        intra_decay = torch.exp(-self.slope * diff.clamp(min=0)) * (diff >= 0)  # [1, h, B, B]
        q_decay, k_decay = torch.exp(-self.slope * (i[:, None] + 1)), torch.exp(-self.slope * (B - 1 - i[:, None]))
        block_decay = torch.exp(-self.slope * B)
        kv = torch.zeros(b, self.h, d // self.h, d // self.h)
        outs = []
        for t in range(0, n, B):
            qt, kt, vt = q[:, :, t:t + B], k[:, :, t:t + B], v[:, :, t:t + B]
            intra = ((qt @ kt.transpose(-1, -2)) * intra_decay) @ vt
            outs.append(intra + (qt * q_decay) @ kv)
            kv = block_decay * kv + (kt * k_decay).transpose(-1, -2) @ vt
        o = self.norm(merge(torch.cat(outs, 2)))
        return self.o(o * torch.sigmoid(self.gate(x)))


# --- mHC (DeepSeek, manifold-constrained hyper-connections: 4 streams, H_res projected by Sinkhorn-Knopp) ---

class MHCConnection(nn.Module):
    def __init__(self, inner, d=64, streams=4, iters=20):
        super().__init__()
        self.inner, self.s, self.iters = inner, streams, iters
        self.norm = RMSNorm(streams * d)
        self.phi = nn.Linear(streams * d, 2 * streams + streams * streams, bias=False)
        self.alpha = nn.Parameter(torch.tensor([0.1, 0.1, 0.1]))
        self.bias = nn.Parameter(torch.randn(2 * streams + streams * streams) * 0.5)

    def forward(self, x):  # [b, n, s, d]
        b, n, s, d = x.shape
        z = self.phi(self.norm(x.reshape(b, n, s * d)))
        pre = torch.sigmoid(self.alpha[0] * z[..., :s] + self.bias[:s])
        post = 2 * torch.sigmoid(self.alpha[1] * z[..., s:2 * s] + self.bias[s:2 * s])
        res = torch.exp(self.alpha[2] * z[..., 2 * s:] + self.bias[2 * s:]).view(b, n, s, s)
        for _ in range(self.iters):
            res = res / res.sum(-1, keepdim=True)
            res = res / res.sum(-2, keepdim=True)
        y = self.inner((pre[..., None] * x).sum(2))
        return res @ x + post[..., None] * y[:, :, None]


class MHCLM(nn.Module):
    def __init__(self, vocab=300, d=64, layers=2, streams=4):
        super().__init__()
        self.s, self.emb = streams, nn.Embedding(vocab, d)
        blocks = []
        for _ in range(layers):
            blocks += [MHCConnection(nn.Sequential(RMSNorm(d), SoftmaxAttention(d))), MHCConnection(nn.Sequential(RMSNorm(d), SwiGLU(d, 2 * d)))]
        self.blocks = nn.ModuleList(blocks)
        self.norm, self.head = RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids):
        x = self.emb(input_ids)[:, :, None].expand(-1, -1, self.s, -1)
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x.sum(2)))


# --- stick-breaking attention (shawntan/stickbreaking-attention: A_ij = σ(z_ij) Π_{j<k≤i} (1 - σ(z_ik)), no positions) ---

class StickBreakingAttention(SoftmaxAttention):
    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        z = q @ k.transpose(-1, -2) / math.sqrt(d // self.h)
        keep = causal(n).float()
        log_om = -F.softplus(z) * keep  # log(1 - σ(z)) on the keys a query may see
        later = log_om.sum(-1, keepdim=True) - log_om.cumsum(-1)  # Σ over the later keys k > j
        a = torch.exp(F.logsigmoid(z) + later) * keep
        return self.o(merge(a @ v + (1 - a.sum(-1, keepdim=True)) * v))


LM = {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}
MODELS = {
    'gpt_oss': lambda: (GptOss().eval(), ids(24), LM),
    'sigmoid_attn': lambda: (PreNormLM(lambda i: SigmoidAttention()).eval(), ids(24), LM),
    'mta': lambda: (PreNormLM(lambda i: MTAttention(depth=i)).eval(), ids(24), LM),
    'moh': lambda: (PreNormLM(lambda i: MoHAttention()).eval(), ids(24), LM),
    'eagle_draft': lambda: (EagleDraft().eval(), eagle_inputs(), {'names': ['hidden_states', 'input_ids', 'position_ids', 'tree_mask'], 'outputs': ['logprobs', 'top_logprobs', 'top_ids', 'draft_hidden'], 'opset': 14}),
    'titans_mac': lambda: (Titans().eval(), ids(16), LM),
    'lightning_attn': lambda: (PreNormLM(lambda i: LightningAttention() if i % 2 == 0 else SoftmaxAttention()).eval(), ids(32), LM),
    'mhc': lambda: (MHCLM().eval(), ids(16), LM),
    'stick_breaking': lambda: (PreNormLM(lambda i: StickBreakingAttention()).eval(), ids(24), LM),
}
