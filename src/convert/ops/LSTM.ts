// ONNX LSTM → builtin TFLite math per time step (see _recurrent.ts). Gates i, o, f, c (ONNX order), peepholes
// P = [Pi, Po, Pf]:
//   i = f(Xi + H·Riᵀ + Pi ⊙ C + b_i)   f = f(Xf + H·Rfᵀ + Pf ⊙ C + b_f)   c~ = g(Xc + H·Rcᵀ + b_c)
//   C' = f ⊙ C + i ⊙ c~                 o = f(Xo + H·Roᵀ + Po ⊙ C' + b_o)  H' = o ⊙ h(C')
import { recurrentOp } from './_recurrent';

export default recurrentOp('LSTM', (L, d) => {
  const H = L.hidden;
  const [pi, po, pf] = [L.peephole(d, 0), L.peephole(d, 1), L.peephole(d, 2)];
  const xs = L.projectInput(d, 0, 4 * H, L.bias(d, [L.wb(0, 4 * H), L.rb(0, 4 * H)]), 'iofc');
  return (t, n, h, c) => {
    const rec = h === undefined ? undefined : L.projectHidden(d, h, 0, 4 * H, undefined, `${n}/r_iofc`);
    const [xi, xo, xf, xc] = L.split(L.add(xs[t], rec, `${n}/gates`)!, 4, `${n}/gate`);
    const i = L.activate(L.act(d, 0), L.add(xi, L.mul(c, pi, `${n}/Pi_C`), `${n}/i_pre`)!, `${n}/i`);
    const f = c === undefined ? undefined : L.activate(L.act(d, 0), L.add(xf, L.mul(c, pf, `${n}/Pf_C`), `${n}/f_pre`)!, `${n}/f`);
    const cc = L.activate(L.act(d, 1), xc, `${n}/c_tilde`);
    const c2 = L.add(L.mul(f, c, `${n}/f_C`), L.mul(i, cc, `${n}/i_c`), `${n}/C`)!;
    const o = L.activate(L.act(d, 0), L.add(xo, L.mul(c2, po, `${n}/Po_C`), `${n}/o_pre`)!, `${n}/o`);
    return [L.mul(o, L.activate(L.act(d, 2), c2, `${n}/h_C`, false), `${n}/H`)!, c2];
  };
});
