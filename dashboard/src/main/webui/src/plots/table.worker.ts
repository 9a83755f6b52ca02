// Parses a circuit table's JSON off the main thread: a 4096 × 4096 table is >100 MB of text, and JSON.parse of it
// would freeze the page for seconds. Answers the table without its values, the values as one Float32Array
// (transferred, not copied), their max |v|, and a pooled overview for the first paint.
import { fromRows, maxAbs, pool } from './matrix';

export interface ParseRequest { buffer: ArrayBuffer; overviewRows: number; overviewCols: number }

self.onmessage = (e: MessageEvent<ParseRequest>) => {
  try {
    const table = JSON.parse(new TextDecoder().decode(e.data.buffer));
    const values: number[][] = table.values || [];
    delete table.values;
    const m = fromRows(values);
    const overview = pool(m, { r0: 0, r1: m.rows, c0: 0, c1: m.cols }, e.data.overviewRows, e.data.overviewCols);
    const answer = { table, rows: m.rows, cols: m.cols, data: m.data, maxAbs: maxAbs(m),
      overview: { rows: overview.rows, cols: overview.cols, data: overview.data } };
    (self as unknown as Worker).postMessage(answer, [m.data.buffer, overview.data.buffer]);
  } catch (err) {
    (self as unknown as Worker).postMessage({ error: String(err) });
  }
};
