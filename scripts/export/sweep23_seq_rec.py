"""Twenty-third sweep: recurrent and recursive blocks (exported by sweep23_seq.py): MesaNet (a linear-attention state
read by a conjugate-gradient solve per token), S5 (a diagonal complex state space, zero-order hold, as real / imaginary
pairs) and the Tiny Recursive Model (TRM: one tiny network applied recursively to a latent and an answer)."""
import torch
from torch import nn
import torch.nn.functional as F

from sweep3_seq import RMSNorm  # noqa: E402
from sweep20_seq_lm import SwiGLU, PreNormLM, ShortConv, ids  # noqa: E402

LM = {'names': ['input_ids'], 'outputs': ['logits'], 'opset': 14}


# --- MesaNet (von Oswald et al. 2025, fla naive_mesa_net): o_t = G_t (H_t + λI)^-1 q_t by k steps of CG ---

class MesaLayer(nn.Module):
    def __init__(self, d=64, h=2, dk=16, dv=32, cg_steps=4):
        super().__init__()
        self.h, self.dk, self.dv, self.steps = h, dk, dv, cg_steps
        self.q, self.k = nn.Linear(d, h * dk, bias=False), nn.Linear(d, h * dk, bias=False)
        self.v, self.a, self.b = nn.Linear(d, h * dv, bias=False), nn.Linear(d, h, bias=False), nn.Linear(d, h, bias=False)
        self.lam = nn.Parameter(torch.rand(h, dk) + 0.5)  # λ > 0 per key channel (softplus in the reference)
        self.cq, self.ck = ShortConv(h * dk), ShortConv(h * dk)
        self.onorm, self.o = RMSNorm(dv), nn.Linear(h * dv, d, bias=False)

    def cg(self, H, q):  # solve (H + diag λ) x = q, H [b, h, dk, dk], q [b, h, dk]
        x = torch.zeros_like(q)
        r, p = q, q
        rr = (r * r).sum(-1, keepdim=True)
        for _ in range(self.steps):
            Ap = (H * p[..., None, :]).sum(-1) + self.lam * p
            alpha = rr / ((p * Ap).sum(-1, keepdim=True) + 1e-6)
            x, r = x + alpha * p, r - alpha * Ap
            rr_new = (r * r).sum(-1, keepdim=True)
            p, rr = r + rr_new / (rr + 1e-6) * p, rr_new
        return x

    def forward(self, x):
        b, n, _ = x.shape
        q = F.normalize(self.cq(self.q(x)).view(b, n, self.h, self.dk), dim=-1)
        k = F.normalize(self.ck(self.k(x)).view(b, n, self.h, self.dk), dim=-1)
        v = self.v(x).view(b, n, self.h, self.dv)
        gamma, beta = self.a(x).sigmoid(), self.b(x).sigmoid()  # forgetting and input gates [b, n, h]
        H, G = torch.zeros(b, self.h, self.dk, self.dk), torch.zeros(b, self.h, self.dv, self.dk)
        outs = []
        for t in range(n):
            g, bt = gamma[:, t, :, None, None], beta[:, t, :, None, None]
            kt = k[:, t]
            H = g * H + bt * kt[..., :, None] * kt[..., None, :]
            G = g * G + bt * v[:, t, :, :, None] * kt[..., None, :]
            outs.append((G * self.cg(H, q[:, t])[..., None, :]).sum(-1))
        return self.o(self.onorm(torch.stack(outs, 1)).reshape(b, n, -1))


# --- S5 (Smith et al. 2023, lindermanlab/S5): diagonal complex Λ, ZOH, B̃ = (Λ̄ − 1)/Λ B, y = Re(C̃ x) + D u ---

class S5(nn.Module):
    def __init__(self, d=64, p=32):
        super().__init__()
        self.lre = nn.Parameter(-0.5 * torch.ones(p))  # HiPPO-N's real part
        self.lim = nn.Parameter(torch.pi * torch.arange(p).float())
        self.B = nn.Parameter(torch.randn(2, p, d) / d ** 0.5)  # re, im
        self.C = nn.Parameter(torch.randn(2, d, p) / p ** 0.5)
        self.D, self.log_step = nn.Parameter(torch.randn(d)), nn.Parameter(torch.rand(p) * 3 - 7)

    def forward(self, u):  # u [b, n, d]
        dt = self.log_step.exp()
        # Λ̄ = exp(Λ Δ), B̃ = (Λ̄ − 1) / Λ · B as real / imaginary parts
        mag = torch.exp(self.lre * dt)
        ar, ai = mag * torch.cos(self.lim * dt), mag * torch.sin(self.lim * dt)
        den = self.lre ** 2 + self.lim ** 2
        fr, fi = ((ar - 1) * self.lre + ai * self.lim) / den, (ai * self.lre - (ar - 1) * self.lim) / den
        bu_r, bu_i = u @ self.B[0].t(), u @ self.B[1].t()  # [b, n, p]
        br, bi = fr * bu_r - fi * bu_i, fr * bu_i + fi * bu_r
        xr, xi = torch.zeros_like(br[:, 0]), torch.zeros_like(bi[:, 0])
        ys = []
        for t in range(u.shape[1]):
            xr, xi = ar * xr - ai * xi + br[:, t], ar * xi + ai * xr + bi[:, t]
            ys.append(xr @ self.C[0].t() - xi @ self.C[1].t())  # Re(C x)
        return torch.stack(ys, 1) + self.D * u


class S5Block(nn.Module):  # the reference's SequenceLayer: pre-norm, S5, GELU, GLU-ish output gate
    def __init__(self, d=64):
        super().__init__()
        self.s5, self.w = S5(d), nn.Linear(d, d)

    def forward(self, x):
        y = F.gelu(self.s5(x))
        return y * torch.sigmoid(self.w(y))


# --- Tiny Recursive Model (Jolicoeur-Martineau 2025, SamsungSAILMontreal/TinyRecursiveModels) ---

class TinyNet(nn.Module):  # 2 layers: self-attention-free MLP-mixer variant (the Sudoku setting's mlp_t) + SwiGLU
    def __init__(self, n=16, d=64):
        super().__init__()
        self.tok, self.mlp = nn.ModuleList(SwiGLU(n, 2 * n) for _ in range(2)), nn.ModuleList(SwiGLU(d, 2 * d) for _ in range(2))
        self.n1, self.n2 = nn.ModuleList(RMSNorm(d) for _ in range(2)), nn.ModuleList(RMSNorm(d) for _ in range(2))

    def forward(self, x):  # post-norm as TRM's blocks
        for t, m, n1, n2 in zip(self.tok, self.mlp, self.n1, self.n2):
            x = n1(x + t(x.transpose(1, 2)).transpose(1, 2))
            x = n2(x + m(x))
        return x


class TinyRecursive(nn.Module):
    def __init__(self, vocab=12, n=16, d=64, n_latent=3, cycles=2):
        super().__init__()
        self.emb, self.net, self.n_latent, self.cycles = nn.Embedding(vocab, d), TinyNet(n, d), n_latent, cycles
        self.y0, self.z0 = nn.Parameter(0.1 * torch.randn(d)), nn.Parameter(0.1 * torch.randn(d))
        self.head, self.q_head = nn.Linear(d, vocab, bias=False), nn.Linear(d, 1)

    def forward(self, ids_):
        x = self.emb(ids_) * 8.0  # √d embedding scale
        y, z = self.y0.expand_as(x), self.z0.expand_as(x)
        for _ in range(self.cycles):  # T cycles (the last with gradients in training), each n latent steps then the answer
            for _ in range(self.n_latent):
                z = self.net(x + y + z)
            y = self.net(y + z)
        return self.head(y), torch.sigmoid(self.q_head(y[:, 0]))  # answer logits and the halting probability


MODELS = {
    'mesanet': lambda: (PreNormLM(lambda i: MesaLayer()).eval(), ids(10), LM),
    's5': lambda: (PreNormLM(lambda i: S5Block()).eval(), ids(24), LM),
    'tiny_recursive': lambda: (TinyRecursive().eval(), torch.randint(0, 12, (1, 16)),
                               {'names': ['puzzle'], 'outputs': ['logits', 'halt'], 'opset': 14}),
}
