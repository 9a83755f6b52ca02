// Loading circuit tables. Small ones are plain JSON; a big one (rows × cols above BIG_CELLS) is fetched as bytes
// and parsed in a worker, asking the server for a strided overview first (…?rows=0:R&cols=0:C&stride=k). A server
// that slices answers fewer rows than the index lists, and zooming then asks it for tiles; one that ignores the
// parameters answers the whole table, which is kept in memory and pooled locally.
import { CircuitTable, TableEntry, api, tableUrl } from './api';
import { CellAnswer, InMemorySource, MatrixSource } from './plots/heatmap';
import { Matrix, Region, fromRows, maxAbs, minValue, pool } from './plots/matrix';

export const BIG_CELLS = 250_000;
const OVERVIEW_SIDE = 640;

export interface LoadedTable {
  /** The table; values are [] for a big table (use source). */
  table: CircuitTable;
  source: MatrixSource;
  overview?: Matrix;
  big: boolean;
}

interface WorkerAnswer {
  table: CircuitTable; rows: number; cols: number; data: Float32Array; maxAbs: number;
  overview: Matrix; error?: string;
}

function parseInWorker(buffer: ArrayBuffer, overviewSide = OVERVIEW_SIDE): Promise<WorkerAnswer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./plots/table.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<WorkerAnswer>) => {
      worker.terminate();
      if (e.data.error) reject(new Error(e.data.error)); else resolve(e.data);
    };
    worker.onerror = (e) => { worker.terminate(); reject(new Error(e.message)); };
    worker.postMessage({ buffer, overviewRows: overviewSide, overviewCols: overviewSide }, [buffer]);
  });
}

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try { message = (await response.json()).error || message; } catch { /* not JSON */ }
    throw new Error(message);
  }
  return response.arrayBuffer();
}

const sliceQuery = (r: Region, stride: number) => `rows=${r.r0}:${r.r1}&cols=${r.c0}:${r.c1}&stride=${stride}`;

/** Where a window sits in the whole table, as the server answers it next to its labels. */
interface Window { start: number; end: number; stride: number }

/**
 * Tiles from a server that slices (GET …/analysis/{name}?rows=a:b&cols=c:d&stride=k). Every answer's labels are
 * kept by their full-table index (label i of a window is that of row start + i·stride), so a label is never read
 * by its position in a strided answer; the last window read at stride 1 gives exact values for the hover.
 */
class ServerSlicedSource implements MatrixSource {
  private rowLabels = new Map<number, string>();
  private colLabels = new Map<number, string>();
  private exact: { region: Region; m: Matrix } | null = null;

  constructor(private url: string, readonly rows: number, readonly cols: number, readonly maxAbs: number,
              readonly minValue: number) {}

  learn(table: CircuitTable) {
    const keep = (into: Map<number, string>, labels: string[], w: Window | undefined) => {
      if (!w) return;
      labels.forEach((label, i) => into.set(w.start + i * w.stride, String(label)));
    };
    keep(this.rowLabels, table.rowLabels || [], table.rows);
    keep(this.colLabels, table.colLabels || [], table.cols);
  }

  async region(region: Region, maxRows: number, maxCols: number): Promise<Matrix> {
    const stride = Math.max(1, Math.ceil(Math.max((region.r1 - region.r0) / maxRows, (region.c1 - region.c0) / maxCols)));
    const answer = await parseInWorker(await fetchBytes(`${this.url}?${sliceQuery(region, stride)}`), Math.max(maxRows, maxCols));
    this.learn(answer.table);
    const m = { rows: answer.rows, cols: answer.cols, data: answer.data };
    if (stride === 1) this.exact = { region, m };
    return m;
  }

  valueAt(r: number, c: number) {
    const e = this.exact;
    if (!e || r < e.region.r0 || r >= e.region.r1 || c < e.region.c0 || c >= e.region.c1) return undefined;
    return e.m.data[(r - e.region.r0) * e.m.cols + (c - e.region.c0)];
  }

  rowLabel(r: number) { return this.rowLabels.get(r); }

  colLabel(c: number) { return this.colLabels.get(c); }

  async cell(r: number, c: number): Promise<CellAnswer> {
    const t = await api<CircuitTable>(`${this.url}?rows=${r}:${r + 1}&cols=${c}:${c + 1}`);
    this.learn(t);
    return { value: t.values[0][0], rowLabel: String(t.rowLabels[0]), colLabel: String(t.colLabels[0]) };
  }
}

export async function loadTable(checkpointId: string, entry: Pick<TableEntry, 'name' | 'rows' | 'cols'>):
    Promise<LoadedTable> {
  const url = tableUrl(checkpointId, entry.name);
  const rows = entry.rows ?? 0;
  const cols = entry.cols ?? 0;
  if (rows * cols <= BIG_CELLS) {
    const table = await api<CircuitTable>(url);
    const m = fromRows(table.values || []);
    return { table, source: new InMemorySource(m, maxAbs(m), table.rowLabels, table.colLabels), big: false };
  }
  const stride = Math.max(1, Math.ceil(Math.max(rows, cols) / OVERVIEW_SIDE));
  const answer = await parseInWorker(await fetchBytes(`${url}?${sliceQuery({ r0: 0, r1: rows, c0: 0, c1: cols }, stride)}`));
  const table = { ...answer.table, values: [] };
  if (answer.rows < rows || answer.cols < cols) {
    // the server sliced: its overview is what we have, the rest comes as tiles
    const overview = { rows: answer.rows, cols: answer.cols, data: answer.data };
    const source = new ServerSlicedSource(url, rows, cols, answer.maxAbs, minValue(overview));
    source.learn(answer.table);
    // the overview's labels are those of every stride-th row: not the table's labels, so not handed on as such
    return { table: { ...table, rowLabels: [], colLabels: [] }, source, overview, big: true };
  }
  const m = { rows: answer.rows, cols: answer.cols, data: answer.data };
  return { table, source: new InMemorySource(m, answer.maxAbs, table.rowLabels, table.colLabels), overview: answer.overview, big: true };
}

/** For views that read the values directly (scatter, bars): the table rows as arrays. */
export function rowsOf(loaded: LoadedTable): number[][] {
  if (loaded.table.values.length) return loaded.table.values;
  const m = pool((loaded.source as InMemorySource).m, { r0: 0, r1: loaded.source.rows, c0: 0, c1: loaded.source.cols },
    loaded.source.rows, loaded.source.cols);
  const out: number[][] = [];
  for (let r = 0; r < m.rows; r++) out.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
  return out;
}
