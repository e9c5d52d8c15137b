// ONNX GRU → builtin TFLite math per time step (see _recurrent.ts). Gates z, r, h (ONNX order):
//   z, r = f(X·W_zrᵀ + H·R_zrᵀ + Wb_zr + Rb_zr)
//   linear_before_reset 0: h~ = g(X·W_hᵀ + (r ⊙ H)·R_hᵀ + Rb_h + Wb_h)
//   linear_before_reset 1: h~ = g(X·W_hᵀ + r ⊙ (H·R_hᵀ + Rb_h) + Wb_h)
//   H' = (1 − z) ⊙ h~ + z ⊙ H = h~ + z ⊙ (H − h~)
import { attrInt } from '../attrs';
import { T, recurrentOp } from './_recurrent';

export default recurrentOp('GRU', (L, d) => {
  const H = L.hidden;
  const lbr = attrInt(L.node, 'linear_before_reset', 0) !== 0;
  const xzr = L.projectInput(d, 0, 2 * H, L.bias(d, [L.wb(0, 2 * H), L.rb(0, 2 * H)]), 'zr');
  const rbh = L.bias(d, [L.rb(2 * H, 3 * H)]);
  const xh = L.projectInput(d, 2 * H, 3 * H, L.bias(d, lbr ? [L.wb(2 * H, 3 * H)] : [L.wb(2 * H, 3 * H), L.rb(2 * H, 3 * H)]), 'h');
  return (t, n, h) => {
    const rzr = h === undefined ? undefined : L.projectHidden(d, h, 0, 2 * H, undefined, `${n}/r_zr`);
    const zr = L.activate(L.act(d, 0), L.add(xzr[t], rzr, `${n}/zr_pre`)!, `${n}/zr`);
    const [z, r] = L.split(zr, 2, `${n}/zr_`);
    let rec: T;
    if (lbr) {
      rec = L.mul(r, h === undefined ? rbh : L.projectHidden(d, h, 2 * H, 3 * H, rbh, `${n}/r_h`), `${n}/r_rh`);
    } else {
      rec = h === undefined ? undefined : L.projectHidden(d, L.mul(r, h, `${n}/r_H`)!, 2 * H, 3 * H, undefined, `${n}/r_h`);
    }
    const hh = L.activate(L.act(d, 1), L.add(xh[t], rec, `${n}/h_pre`)!, `${n}/h_tilde`);
    const next = h === undefined
      ? L.binary('SUB', hh, L.binary('MUL', z, hh, `${n}/z_h`), `${n}/H`)
      : L.binary('ADD', hh, L.binary('MUL', z, L.binary('SUB', h, hh, `${n}/H_minus_h`), `${n}/z_diff`), `${n}/H`);
    return [next, undefined];
  };
});
