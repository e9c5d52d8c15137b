// ONNX RNN → builtin TFLite math per time step (see _recurrent.ts): H' = f(X·Wᵀ + H·Rᵀ + Wb + Rb).
import { recurrentOp } from './_recurrent';

export default recurrentOp('RNN', (L, d) => {
  const H = L.hidden;
  const xs = L.projectInput(d, 0, H, L.bias(d, [L.wb(0, H), L.rb(0, H)]), 'i');
  return (t, n, h) => {
    const rec = h === undefined ? undefined : L.projectHidden(d, h, 0, H, undefined, `${n}/rh`);
    return [L.activate(L.act(d, 0), L.add(xs[t], rec, `${n}/pre`)!, `${n}/h`), undefined];
  };
});
