// Heads matched across models (the seed 000 question): which head does what is arbitrary across seeds, so L0H0 of
// one run may play the role of L0H1 of another. Two heads are as similar as their tables of one kind (EQKE, EVOU,
// proj_Q, …) are: the Pearson correlation of the label-aligned values, or its absolute value where the kind's sign
// is not fixed by the model. The matching is the one-to-one assignment of the heads of one layer that maximises the
// total similarity (the Hungarian method, exact).
import { Matrix } from '../plots/matrix';

/** A per-head table's name taken apart: EQKE.L0H1 is head L0H1 of the family EQKE.{head}; OV.L1H2.svd of OV.{head}.svd. */
export interface HeadTable { family: string; layer: number; head: number; label: string }

const HEAD = /^L(\d+)H(\d+)$/;
const SLOT = '{head}';

export function headTable(name: string): HeadTable | null {
  const parts = name.split('.');
  const at = parts.findIndex((p) => HEAD.test(p));
  if (at < 0) return null;
  const [, layer, head] = HEAD.exec(parts[at])!;
  return { family: [...parts.slice(0, at), SLOT, ...parts.slice(at + 1)].join('.'), layer: Number(layer), head: Number(head), label: parts[at] };
}

/** The name of head `label`'s table of a family: ('EQKE.{head}', 'L0H1') → EQKE.L0H1. */
export const headTableName = (family: string, label: string) => family.replace(SLOT, label);

export type Measure = 'corr' | 'abscorr';
export const MEASURES: Record<Measure, string> = { corr: 'corr', abscorr: '|corr|' };
export const isMeasure = (m: string | null): m is Measure => m === 'corr' || m === 'abscorr';

/** Pearson correlation over the cells both matrices have (NaN marks a missing label); NaN when either is constant. */
export function pearson(a: Matrix, b: Matrix): number {
  let n = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (Number.isFinite(a.data[i]) && Number.isFinite(b.data[i])) { n++; sa += a.data[i]; sb += b.data[i]; }
  }
  if (n < 2) return NaN;
  const ma = sa / n, mb = sb / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i]) || !Number.isFinite(b.data[i])) continue;
    const x = a.data[i] - ma, y = b.data[i] - mb;
    ab += x * y; aa += x * x; bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
}

export function similarity(a: Matrix, b: Matrix, measure: Measure): number {
  const r = pearson(a, b);
  return measure === 'abscorr' ? Math.abs(r) : r;
}

/**
 * The assignment row i → column answer[i] of a score matrix that maximises the total score, every row and column
 * used at most once (a rectangular matrix leaves the surplus rows or columns out: answer[i] = -1). The Hungarian
 * method with row and column potentials, O(n²m); an undefined score (NaN) counts as 0.
 */
export function maxAssignment(score: number[][]): number[] {
  const n = score.length, m = n ? score[0].length : 0;
  if (n > m) { // assign the columns to the rows instead
    const byColumn = maxAssignment(Array.from({ length: m }, (_, j) => score.map((row) => row[j])));
    const answer = new Array<number>(n).fill(-1);
    byColumn.forEach((i, j) => { if (i >= 0) answer[i] = j; });
    return answer;
  }
  const cost = (i: number, j: number) => -(Number.isFinite(score[i][j]) ? score[i][j] : 0);
  // 1-based: column 0 is the virtual start of each augmenting path; rowOf[j] is the row column j is assigned to
  const u = new Float64Array(n + 1), v = new Float64Array(m + 1);
  const rowOf = new Int32Array(m + 1), via = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOf[0] = i;
    let j0 = 0;
    const slack = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = rowOf[j0];
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = cost(i0 - 1, j - 1) - u[i0] - v[j];
        if (reduced < slack[j]) { slack[j] = reduced; via[j] = j0; }
        if (slack[j] < delta) { delta = slack[j]; j1 = j; }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) { u[rowOf[j]] += delta; v[j] -= delta; } else slack[j] -= delta;
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    do { // flip the augmenting path back to its start
      const j1 = via[j0];
      rowOf[j0] = rowOf[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const answer = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (rowOf[j] > 0) answer[rowOf[j] - 1] = j - 1;
  return answer;
}

export interface HeadMatching {
  /** similarity[i][j]: head i of A with head j of B. */
  similarity: number[][];
  /** B's head matched to each head of A (-1: none, when B has fewer heads in the layer). */
  match: number[];
  total: number;
  /** The total of the pairing by label (L0H0 with L0H0, …), over the heads both have. */
  identityTotal: number;
}

export function matchHeads(a: { label: string; values: Matrix }[], b: { label: string; values: Matrix }[], measure: Measure): HeadMatching {
  const sim = a.map((x) => b.map((y) => similarity(x.values, y.values, measure)));
  const match = maxAssignment(sim);
  const finite = (v: number) => (Number.isFinite(v) ? v : 0);
  const total = match.reduce((s, j, i) => s + (j >= 0 ? finite(sim[i][j]) : 0), 0);
  const identityTotal = a.reduce((s, x, i) => {
    const j = b.findIndex((y) => y.label === x.label);
    return s + (j >= 0 ? finite(sim[i][j]) : 0);
  }, 0);
  return { similarity: sim, match, total, identityTotal };
}
