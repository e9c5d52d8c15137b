// Recurrent ops: RNN, GRU, LSTM (layout 0: [seq, batch, ...]; layout 1: [batch, seq, ...]).
import { Dim } from '../types';
import { OutInfo, attrInt, attrStr, register } from './context';

register(['RNN', 'GRU', 'LSTM'], (c) => {
  const x = c.shape(0);
  const dtype = c.dtype(0);
  const layout = attrInt(c, 'layout', 0);
  const hidden: Dim = attrInt(c, 'hidden_size') ?? (c.shape(2)?.[2] ?? c.namer.make());
  const dirs = attrStr(c, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
  const seq: Dim = x ? x[layout ? 1 : 0] : c.namer.make();
  const batch: Dim = x ? x[layout ? 0 : 1] : c.namer.make();
  const y: OutInfo = { dtype, shape: layout ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden] };
  const h: OutInfo = { dtype, shape: layout ? [batch, dirs, hidden] : [dirs, batch, hidden] };
  return c.node.opType === 'LSTM' ? [y, h, h] : [y, h];
});
