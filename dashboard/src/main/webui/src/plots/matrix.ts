// A dense matrix as one Float32Array, and the max-|v| pooling that turns a big one into what fits on screen.
// Pooling keeps, for each block, the value of largest magnitude (with its sign): a circuit is often a few strong
// entries, which a block mean would wash out to white.

export interface Matrix { rows: number; cols: number; data: Float32Array }

export interface Region { r0: number; r1: number; c0: number; c1: number } // half-open [r0, r1) × [c0, c1)

export function fromRows(values: number[][]): Matrix {
  const rows = values.length;
  const cols = rows ? values[0].length : 0;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = values[r];
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      data[r * cols + c] = v === null || v === undefined ? NaN : v;
    }
  }
  return { rows, cols, data };
}

export function maxAbs(m: Matrix): number {
  let best = 0;
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    const a = Math.abs(d[i]);
    if (a > best) best = a;
  }
  return best;
}

/** The smallest finite value (+Infinity for an empty or all-NaN matrix). */
export function minValue(m: Matrix): number {
  let best = Infinity;
  const d = m.data;
  for (let i = 0; i < d.length; i++) if (d[i] < best) best = d[i];
  return best;
}

/** Pools rows [rFrom, rTo) of the output grid; the caller may split the work over frames. */
export function poolRows(m: Matrix, region: Region, outRows: number, outCols: number, out: Float32Array,
                         rFrom: number, rTo: number) {
  const rs = (region.r1 - region.r0) / outRows;
  const cs = (region.c1 - region.c0) / outCols;
  for (let orow = rFrom; orow < rTo; orow++) {
    const ra = region.r0 + Math.floor(orow * rs);
    const rb = Math.max(ra + 1, region.r0 + Math.floor((orow + 1) * rs));
    for (let ocol = 0; ocol < outCols; ocol++) {
      const ca = region.c0 + Math.floor(ocol * cs);
      const cb = Math.max(ca + 1, region.c0 + Math.floor((ocol + 1) * cs));
      let best = NaN;
      let bestAbs = -1;
      for (let r = ra; r < rb; r++) {
        const base = r * m.cols;
        for (let c = ca; c < cb; c++) {
          const v = m.data[base + c];
          const a = Math.abs(v);
          if (a > bestAbs) { bestAbs = a; best = v; }
        }
      }
      out[orow * outCols + ocol] = best;
    }
  }
}

/** The pooled grid of a region, at most maxRows × maxCols; cells are whole blocks of the source. */
export function poolShape(region: Region, maxRows: number, maxCols: number) {
  return {
    rows: Math.min(region.r1 - region.r0, maxRows),
    cols: Math.min(region.c1 - region.c0, maxCols),
  };
}

export function pool(m: Matrix, region: Region, maxRows: number, maxCols: number): Matrix {
  const { rows, cols } = poolShape(region, maxRows, maxCols);
  const out = new Float32Array(rows * cols);
  poolRows(m, region, rows, cols, out, 0, rows);
  return { rows, cols, data: out };
}

/** Like pool, but yields to the browser between slices so that a 16M-cell region does not freeze the page. */
export async function poolInFrames(m: Matrix, region: Region, maxRows: number, maxCols: number,
                                   budgetMs = 8): Promise<Matrix> {
  const { rows, cols } = poolShape(region, maxRows, maxCols);
  const out = new Float32Array(rows * cols);
  let r = 0;
  while (r < rows) {
    const t0 = performance.now();
    while (r < rows && performance.now() - t0 < budgetMs) {
      poolRows(m, region, rows, cols, out, r, r + 1);
      r++;
    }
    if (r < rows) await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  return { rows, cols, data: out };
}
