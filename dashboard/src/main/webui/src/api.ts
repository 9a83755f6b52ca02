// The public REST API of the dashboard service, typed as Views.java answers it.

export type RunStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export const RUN_STATUSES: RunStatus[] = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];
export const TERMINAL: RunStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
export type Metrics = Record<string, number>;

export interface ExperimentSummary {
  id: string; name: string; preset: string | null; task: string; seed: number; status: RunStatus;
  step: number; totalSteps: number; lastMetrics: Metrics | null; backend: string | null; error: string | null;
  createdAt: string; updatedAt: string;
  // present once the backend groups sweeps (see the report); read defensively
  sweepId?: string | null; tags?: string[];
  owner?: string | null; startedAt?: string | null; finishedAt?: string | null; durationSeconds?: number | null;
  /** For a queued run: its 1-based place among the queued and its estimated start and finish; running: finish. */
  queue?: QueuePlace | null;
}

export interface QueuePlace { position: number | null; startsAt: string | null; finishesAt: string | null }

/** One page of a list API: its rows and the number of all matching rows (X-Total-Count). */
export interface Page<T> { rows: T[]; total: number }

export async function apiPage<T>(path: string): Promise<Page<T>> {
  const response = await fetch(path);
  if (!response.ok) await api(path); // the same request again, for its JSON error
  const rows = await response.json() as T[];
  return { rows, total: Number(response.headers.get('X-Total-Count') ?? rows.length) };
}

/** A model the lab knows (GET /api/checkpoints): trained, uploaded, imported or a reference construction. */
export interface ModelView {
  checkpointId: string; source: string; name: string | null; task: string | null; experimentId: string | null;
  step: number; finalCheckpoint: boolean; metrics: Metrics | null; createdAt: string; analysisStatus: string;
  tablesOk: number; tablesFailed: number; failedTables: string[]; url: string; safetensorsUrl: string;
  analysisUrl: string; origin: string; modelKind?: string | null; summary?: string | null; sizeBytes?: number | null; sha256?: string | null; owner?: string | null;
}

export interface CheckpointsSummary {
  count: number; latestStep: number | null; latestCheckpointId: string | null; finalCheckpointId: string | null;
}

export interface AnalysisView { checkpointId: string; tables: string[]; failedTables: string[]; completedAt: string }

export interface ExperimentDetail extends ExperimentSummary {
  tags: string[]; spec: Spec; checkpoints: CheckpointsSummary; analysis: AnalysisView[];
  codeVersion?: string | null;
}

export interface CheckpointView {
  checkpointId: string; experimentId: string; step: number; finalCheckpoint: boolean; metrics: Metrics | null;
  createdAt: string; safetensorsUrl: string; analysisUrl: string; analysis: AnalysisView | null;
}

export interface MetricPoint { step: number; metrics: Metrics }

export interface TableEntry { name: string; kind: string; title: string; rows: number | null; cols: number | null; error: string | null }
export interface AnalysisIndex {
  checkpointId: string; experimentId: string | null; status: string; tablesOk: number; tablesFailed: number;
  tables: TableEntry[];
}

export interface CircuitTable {
  name: string; kind: string; title: string; description: string; rowAxis: string; colAxis: string;
  rowLabels: string[]; colLabels: string[]; values: number[][];
  /** The whole table's shape and where this answer's window sits in it (rows start:end, every stride-th). */
  shape?: [number, number]; rows?: { start: number; end: number; stride: number }; cols?: { start: number; end: number; stride: number };
}

export type Spec = {
  name?: string; seed?: number; tags?: string[];
  task: Record<string, unknown> & { kind: string };
  model: Record<string, unknown> & { kind: string };
  training: Record<string, unknown>;
};

/** A preset; a sweep preset also has its default grid (field path → values) and its number of runs. */
export interface Preset { name: string; spec: Spec; grid?: Record<string, unknown[]> | null; points?: number | null }

export interface TrainingProgress {
  experimentId: string; status: RunStatus; step: number; totalSteps: number; metrics: Metrics | null;
  message: string | null; backend: string | null; at: string;
}

export interface FieldError { field: string; error: string }

/** A refused request: the API's JSON error body, kept whole so a form can put each error at its field. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly field: string | null,
              readonly errors: FieldError[]) {
    super(message);
  }
}

export async function api<T>(path: string, options: RequestInit = {}): Promise<T> {
  const response = await fetch(path, options);
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const b = (typeof body === 'object' && body) ? body as { error?: string; field?: string; errors?: FieldError[] } : {};
    const message = b.error ? b.error + (b.field ? ` (field ${b.field})` : '') : `HTTP ${response.status}`;
    throw new ApiError(response.status, message, b.field ?? null, b.errors ?? []);
  }
  return body as T;
}

export const postJson = <T>(path: string, body: unknown) => api<T>(path, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
});

export const tableUrl = (checkpointId: string, name: string, format?: 'csv' | 'json') =>
  `/api/checkpoints/${checkpointId}/analysis/${encodeURIComponent(name)}${format ? '?format=' + format : ''}`;
