// #/new : a form per task kind with every spec field, the presets one click away, a sweep grid builder with its
// run count, and the server's validation errors shown at the fields they name.
import { ApiError, Preset, Spec, api, postJson } from '../api';
import { Lifetime, el, flatten, getPath, setPath, showError } from '../util';

type FieldType = 'int' | 'float' | 'bool' | 'enum' | 'text' | 'tags';
interface Field { path: string; label: string; type: FieldType; options?: string[]; help: string; when?: (s: FormState) => boolean }
interface FormState { task: string; model: string }

const TASK_MODEL: Record<string, string> = { xor: 'transformer', 'ov-coherent': 'transformer', addition: 'transformer', tms: 'tms', cis: 'cis' };
const taskIs = (...kinds: string[]) => (s: FormState) => kinds.includes(s.task);
const modelIs = (...kinds: string[]) => (s: FormState) => kinds.includes(s.model);

/** Every field of ExperimentSpec (contracts), with the help a researcher needs to set it. */
export const FIELDS: Field[] = [
  { path: 'name', label: 'name', type: 'text', help: 'shown in the list; defaults to the preset name' },
  { path: 'seed', label: 'seed', type: 'int', help: 'seeds init, data order and every random source of the run' },
  { path: 'tags', label: 'tags', type: 'tags', help: 'comma-separated, e.g. seed-003, ablation' },
  { path: 'task.kind', label: 'task', type: 'enum', options: Object.keys(TASK_MODEL), help: 'the data the model is trained on' },
  { path: 'task.seqLen', label: 'seqLen', type: 'int', help: 'tokens per sequence, ending in the readoff', when: taskIs('ov-coherent') },
  { path: 'task.nDigits', label: 'nDigits', type: 'int', help: 'digits per operand (operands LSB first)', when: taskIs('addition') },
  { path: 'task.nTrain', label: 'nTrain', type: 'int', help: 'training examples', when: taskIs('ov-coherent', 'addition') },
  { path: 'task.nTest', label: 'nTest', type: 'int', help: 'held-out examples', when: taskIs('ov-coherent', 'addition') },
  { path: 'task.nFeatures', label: 'nFeatures', type: 'int', help: 'input features', when: taskIs('tms', 'cis') },
  { path: 'task.featureProbability', label: 'featureProbability', type: 'float', help: 'p = 1 − S: chance a feature is non-zero', when: taskIs('tms', 'cis') },
  { path: 'task.importanceDecay', label: 'importanceDecay', type: 'float', help: 'importance of feature i is decay^i', when: taskIs('tms') },
  { path: 'task.function', label: 'function', type: 'enum', options: ['abs', 'and', 'or', 'max-abs', 'square'], help: 'what the model computes in superposition', when: taskIs('cis') },
  { path: 'model.kind', label: 'model', type: 'enum', options: ['transformer', 'tms', 'cis'], help: 'follows the task' },
  { path: 'model.nLayers', label: 'n_layers', type: 'int', help: 'transformer blocks', when: modelIs('transformer') },
  { path: 'model.nHeads', label: 'n_heads', type: 'int', help: 'attention heads per layer (L0H0 …)', when: modelIs('transformer') },
  { path: 'model.dHead', label: 'd_head', type: 'int', help: 'dimension of each head (2 gives W_Q/W_K/W_V projections)', when: modelIs('transformer') },
  { path: 'model.dModel', label: 'd_model', type: 'int', help: 'residual stream width', when: modelIs('transformer') },
  { path: 'model.nCtx', label: 'n_ctx', type: 'int', help: 'context length; fixed by the task', when: modelIs('transformer') },
  { path: 'model.dVocab', label: 'd_vocab', type: 'int', help: 'input tokens; fixed by the task', when: modelIs('transformer') },
  { path: 'model.dVocabOut', label: 'd_vocab_out', type: 'int', help: 'output tokens; fixed by the task', when: modelIs('transformer') },
  { path: 'model.attnOnly', label: 'attn_only', type: 'bool', help: 'no MLP blocks', when: modelIs('transformer') },
  { path: 'model.dMlp', label: 'd_mlp', type: 'int', help: 'MLP width (when not attention-only)', when: modelIs('transformer') },
  { path: 'model.normalization', label: 'normalization', type: 'enum', options: ['none', 'LN'], help: 'LayerNorm before each block', when: modelIs('transformer') },
  { path: 'model.useAttnScale', label: 'use_attn_scale', type: 'bool', help: 'divide scores by √d_head', when: modelIs('transformer') },
  { path: 'model.window', label: 'window', type: 'int', help: 'local attention window; empty = global', when: modelIs('transformer') },
  { path: 'model.nInstances', label: 'n_instances', type: 'int', help: 'models trained side by side', when: modelIs('tms', 'cis') },
  { path: 'model.nHidden', label: 'n_hidden', type: 'int', help: 'hidden dimensions m', when: modelIs('tms', 'cis') },
  { path: 'model.actFn', label: 'act_fn', type: 'enum', options: ['relu', 'gelu', 'gelu_new'], help: 'activation (MLP or hidden layer)' },
  { path: 'model.dropout', label: 'dropout', type: 'float', help: 'dropout on the hidden layer', when: modelIs('tms') },
  { path: 'model.l1', label: 'l1', type: 'float', help: 'L1 penalty on the hidden activations', when: modelIs('tms') },
  { path: 'training.optimizer', label: 'optimizer', type: 'enum', options: ['adamw', 'adam'], help: 'adamw: decoupled weight decay' },
  { path: 'training.lr', label: 'lr', type: 'float', help: 'learning rate' },
  { path: 'training.weightDecay', label: 'weight_decay', type: 'float', help: '≥ 0' },
  { path: 'training.beta1', label: 'beta1', type: 'float', help: 'in [0, 1)' },
  { path: 'training.beta2', label: 'beta2', type: 'float', help: 'in [0, 1)' },
  { path: 'training.schedule', label: 'schedule', type: 'enum', options: ['constant', 'linear-warmup', 'cosine'], help: 'learning-rate schedule' },
  { path: 'training.warmupSteps', label: 'warmup_steps', type: 'int', help: 'linear warm-up steps' },
  { path: 'training.batchSize', label: 'batch_size', type: 'int', help: 'examples per step' },
  { path: 'training.steps', label: 'steps', type: 'int', help: 'optimizer steps in total' },
  { path: 'training.evalEvery', label: 'eval_every', type: 'int', help: 'steps between evaluations (points of the curve)' },
  { path: 'training.checkpoints', label: 'checkpoints', type: 'enum', options: ['geometric', 'every'], help: "geometric: the seed notebooks' next = max(next+1, 1.1·next)" },
  { path: 'training.checkpointEvery', label: 'checkpoint_every', type: 'int', help: "steps between checkpoints with 'every'" },
];

/** Sensible defaults for task kinds without a preset (the seeds' settings). */
const FALLBACK: Record<string, Spec> = {
  tms: { name: 'tms', task: { kind: 'tms', nFeatures: 5, featureProbability: 0.1, importanceDecay: 0.9 },
    model: { kind: 'tms', nInstances: 10, nHidden: 2, actFn: 'relu', dropout: 0, l1: 0 },
    training: { optimizer: 'adamw', lr: 0.001, weightDecay: 0, beta1: 0.9, beta2: 0.999, schedule: 'constant', batchSize: 1024, steps: 10000, evalEvery: 500, checkpoints: 'geometric' }, seed: 1, tags: [] },
  cis: { name: 'cis', task: { kind: 'cis', function: 'abs', nFeatures: 3, featureProbability: 1 },
    model: { kind: 'cis', nInstances: 1, nHidden: 6, actFn: 'relu' },
    training: { optimizer: 'adamw', lr: 0.001, weightDecay: 0, beta1: 0.9, beta2: 0.999, schedule: 'constant', batchSize: 1024, steps: 10000, evalEvery: 500, checkpoints: 'geometric' }, seed: 1, tags: [] },
};

/** Number of runs a grid starts: the product of its value counts (an empty grid is one run). */
export function gridSize(grid: Record<string, unknown[]>): number {
  return Object.values(grid).reduce((n, values) => n * values.length, 1);
}

/** Leaves of `spec` that differ from `base`: the overrides of a preset request. */
export function overridesOf(spec: Spec, base: Spec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const a = flatten(spec), b = flatten(base);
  for (const [path, value] of Object.entries(a)) {
    if (path === 'seed') continue;
    if (JSON.stringify(value) !== JSON.stringify(b[path])) setPath(out, path, value);
  }
  return out;
}

export async function newExperimentPage(root: HTMLElement, params: URLSearchParams, _life: Lifetime) {
  let presets: Preset[] = [];
  try {
    presets = await api<Preset[]>('/api/presets');
  } catch (e) {
    showError('Cannot load presets: ' + (e as Error).message);
  }
  let basePreset: Preset | null = null;
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  const rows = new Map<string, HTMLElement>();
  const form = el('form', { class: 'spec-form', 'data-testid': 'experiment-form', novalidate: true });
  const topError = el('div', { class: 'error', 'data-testid': 'form-error', hidden: true });
  const presetInfo = el('span', { class: 'muted', 'data-testid': 'preset-info' });

  const presetButtons = el('div', { class: 'chips', 'data-testid': 'presets' }, ...presets.map((p) => {
    const b = el('button', { type: 'button', class: 'chip', 'data-testid': `preset-${p.name}`, 'data-preset': p.name, text: p.name, title: JSON.stringify(p.spec) });
    b.addEventListener('click', () => fill(p.spec, p));
    return b;
  }));

  const sections: Record<string, HTMLElement> = {
    '': el('fieldset', {}, el('legend', { text: 'experiment' })),
    task: el('fieldset', {}, el('legend', { text: 'task' })),
    model: el('fieldset', {}, el('legend', { text: 'model' })),
    training: el('fieldset', {}, el('legend', { text: 'training' })),
  };
  for (const f of FIELDS) {
    let input: HTMLInputElement | HTMLSelectElement;
    if (f.type === 'enum') input = el('select', {}, ...(f.options ?? []).map((o) => el('option', { value: o, text: o })));
    else if (f.type === 'bool') input = el('input', { type: 'checkbox' });
    else input = el('input', { type: f.type === 'int' || f.type === 'float' ? 'number' : 'text', step: f.type === 'float' ? 'any' : f.type === 'int' ? '1' : null });
    input.name = f.path;
    input.dataset.testid = `field-${f.path}`;
    input.title = f.help;
    inputs.set(f.path, input);
    const row = el('div', { class: 'field', 'data-field': f.path },
      el('label', {}, el('span', { class: 'field-name', text: f.label }), input),
      el('span', { class: 'help', text: f.help }),
      el('span', { class: 'field-error', 'data-testid': `error-${f.path}`, hidden: true }));
    rows.set(f.path, row);
    const section = f.path.includes('.') ? f.path.split('.')[0] : '';
    sections[section].append(row);
    input.addEventListener('input', () => clearError(f.path));
  }
  const taskInput = inputs.get('task.kind') as HTMLSelectElement;
  taskInput.addEventListener('change', () => {
    const preset = presets.find((p) => p.spec.task.kind === taskInput.value);
    fill(preset ? preset.spec : FALLBACK[taskInput.value] ?? FALLBACK.tms, preset ?? null);
  });
  (inputs.get('model.kind') as HTMLSelectElement).disabled = true;

  // the sweep grid: parameter path → comma-separated values
  const gridRows = el('div', { class: 'grid-rows', 'data-testid': 'grid-rows' });
  const gridCount = el('span', { class: 'grid-count', 'data-testid': 'grid-count', text: '1 run' });
  const addGrid = el('button', { type: 'button', class: 'small', 'data-testid': 'grid-add', text: '+ parameter' });
  addGrid.addEventListener('click', () => addGridRow('', ''));
  const gridBox = el('fieldset', { class: 'grid-builder', 'data-testid': 'grid-builder' }, el('legend', { text: 'sweep grid' }),
    el('p', { class: 'help', text: 'Each parameter takes a list of values; the sweep trains every combination.' }),
    gridRows, el('div', {}, addGrid, ' ', gridCount),
    el('span', { class: 'field-error', 'data-testid': 'error-grid', hidden: true }));

  const submit = el('button', { type: 'submit', class: 'primary', 'data-testid': 'submit-experiment', text: 'Train' });
  form.append(sections[''], sections.task, sections.model, sections.training, gridBox, topError, el('div', { class: 'actions' }, submit));
  root.append(el('section', { 'data-testid': 'new-experiment-view' },
    el('h2', { text: 'New experiment' }), el('div', { class: 'preset-bar' }, el('span', { text: 'Presets: ' }), presetButtons, presetInfo), form));

  function addGridRow(path: string, values: string) {
    const select = el('select', { 'data-testid': 'grid-param' }, el('option', { value: '', text: 'parameter …' }),
      ...FIELDS.filter((f) => f.type !== 'text' && f.type !== 'tags' && !f.path.endsWith('.kind')).map((f) => el('option', { value: f.path, text: f.path })));
    if (path && ![...select.options].some((o) => o.value === path)) select.append(el('option', { value: path, text: path }));
    select.value = path;
    const text = el('input', { type: 'text', 'data-testid': 'grid-values', placeholder: 'e.g. 0.01, 0.03, 0.1', value: values });
    const remove = el('button', { type: 'button', class: 'small', text: '×', title: 'remove' });
    const row = el('div', { class: 'grid-row' }, select, text, el('span', { class: 'muted small', 'data-testid': 'grid-row-count' }), remove);
    remove.addEventListener('click', () => { row.remove(); updateCount(); });
    select.addEventListener('change', updateCount);
    text.addEventListener('input', updateCount);
    gridRows.append(row);
    updateCount();
  }

  function readGrid(): Record<string, unknown[]> {
    const grid: Record<string, unknown[]> = {};
    gridRows.querySelectorAll('.grid-row').forEach((row) => {
      const path = (row.querySelector('select') as HTMLSelectElement).value;
      const raw = (row.querySelector('input') as HTMLInputElement).value;
      const field = FIELDS.find((f) => f.path === path);
      const values = raw.split(',').map((v) => v.trim()).filter(Boolean).map((v) => parseValue(field?.type ?? 'text', v));
      (row.querySelector('[data-testid=grid-row-count]') as HTMLElement).textContent = values.length ? `${values.length} values` : '';
      if (path && values.length) grid[path] = values;
    });
    return grid;
  }

  function updateCount() {
    const n = gridSize(readGrid());
    gridCount.textContent = `${n} run${n === 1 ? '' : 's'}`;
    gridCount.dataset.count = String(n);
    submit.textContent = n > 1 ? `Train ${n} runs` : 'Train';
  }

  function state(): FormState {
    return { task: taskInput.value, model: TASK_MODEL[taskInput.value] ?? 'transformer' };
  }

  function applyVisibility() {
    const s = state();
    (inputs.get('model.kind') as HTMLSelectElement).value = s.model;
    for (const f of FIELDS) rows.get(f.path)!.hidden = !!f.when && !f.when(s);
  }

  function fill(spec: Spec, preset: Preset | null) {
    basePreset = preset;
    presetButtons.querySelectorAll('.chip').forEach((b) => b.classList.toggle('on', (b as HTMLElement).dataset.preset === preset?.name));
    presetInfo.textContent = preset ? `form filled from preset ${preset.name}; changes are sent as overrides` : 'a spec of your own';
    for (const f of FIELDS) {
      const input = inputs.get(f.path)!;
      const value = getPath(spec, f.path);
      if (input instanceof HTMLInputElement && f.type === 'bool') input.checked = value === true;
      else if (f.type === 'tags') input.value = Array.isArray(value) ? value.join(', ') : '';
      else input.value = value === undefined || value === null ? '' : String(value);
    }
    if (getPath(spec, 'seed') === undefined) inputs.get('seed')!.value = '1';
    // a sweep preset's grid is shown in the builder, so what the button says is what gets queued
    gridRows.replaceChildren();
    for (const [path, values] of Object.entries(preset?.grid ?? {})) addGridRow(path, values.map(String).join(', '));
    updateCount();
    clearErrors();
    applyVisibility();
  }

  function readSpec(): Spec {
    const s = state();
    const spec: Record<string, unknown> = {};
    for (const f of FIELDS) {
      if (rows.get(f.path)!.hidden) continue;
      const input = inputs.get(f.path)!;
      if (f.type === 'bool') { setPath(spec, f.path, (input as HTMLInputElement).checked); continue; }
      const raw = input.value.trim();
      if (f.type === 'tags') { setPath(spec, f.path, raw ? raw.split(',').map((t) => t.trim()).filter(Boolean) : []); continue; }
      if (raw === '') continue;
      setPath(spec, f.path, parseValue(f.type, raw));
    }
    setPath(spec, 'model.kind', s.model);
    return spec as Spec;
  }

  function clearError(path: string) {
    const box = rows.get(path)?.querySelector<HTMLElement>('.field-error');
    if (box) { box.hidden = true; box.textContent = ''; rows.get(path)!.classList.remove('invalid'); }
  }
  function clearErrors() {
    for (const path of rows.keys()) clearError(path);
    topError.hidden = true;
    const g = gridBox.querySelector<HTMLElement>('[data-testid=error-grid]')!;
    g.hidden = true;
  }

  /** Puts each error at the field it names (the longest field path that prefixes it); the rest above the button. */
  function showErrors(e: ApiError) {
    const errors = e.errors.length ? e.errors : [{ field: e.field ?? '', error: e.message }];
    const unplaced: string[] = [];
    for (const { field, error } of errors) {
      const path = field.replace(/^(spec|overrides)\./, '');
      const target = [...rows.keys()].filter((p) => path === p || path.startsWith(p + '.')).sort((a, b) => b.length - a.length)[0];
      if (target && !rows.get(target)!.hidden) {
        const box = rows.get(target)!.querySelector<HTMLElement>('.field-error')!;
        box.textContent = box.textContent ? `${box.textContent}; ${error}` : error;
        box.hidden = false;
        rows.get(target)!.classList.add('invalid');
      } else if (path.startsWith('grid')) {
        const g = gridBox.querySelector<HTMLElement>('[data-testid=error-grid]')!;
        g.textContent = `${field}: ${error}`;
        g.hidden = false;
      } else {
        unplaced.push(field ? `${field}: ${error}` : error);
      }
    }
    topError.textContent = unplaced.join(' · ');
    topError.hidden = unplaced.length === 0;
    form.querySelector('.invalid')?.scrollIntoView({ block: 'center' });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const spec = readSpec();
    const grid = readGrid();
    const seed = spec.seed ?? 1;
    let body: Record<string, unknown>;
    if (basePreset && spec.task.kind === basePreset.spec.task.kind) {
      body = { preset: basePreset.name, seed, overrides: overridesOf(spec, basePreset.spec) };
    } else {
      body = Object.keys(grid).length ? { spec, seed } : spec;
    }
    if (Object.keys(grid).length) body.grid = grid;
    else if (body.preset) body.grid = null; // rows removed from a sweep preset's grid: one run, as the button says
    submit.disabled = true;
    try {
      const answer = await postJson<{ ids: string[]; id?: string; sweepId?: string }>('/api/experiments', body);
      showError(null);
      if (answer.sweepId) {
        localStorage.setItem(`sweep:${answer.sweepId}`, JSON.stringify(answer.ids));
        location.hash = `#/sweeps/${answer.sweepId}`;
      } else {
        location.hash = `#/experiments/${answer.id ?? answer.ids[0]}`;
      }
    } catch (e) {
      if (e instanceof ApiError) showErrors(e);
      else { topError.textContent = String(e); topError.hidden = false; }
    } finally {
      submit.disabled = false;
    }
  });

  const cloneOf = params.get('clone');
  if (cloneOf) {
    // "clone into the form": a run's whole spec, to edit and re-run as a spec of its own
    try {
      const run = await api<{ id: string; name: string; spec: Spec }>(`/api/experiments/${encodeURIComponent(cloneOf)}`);
      fill(run.spec, null);
      presetInfo.textContent = `form filled from run ${run.name} (${run.id.slice(0, 8)}); edit and train`;
      presetInfo.dataset.clone = run.id;
      return;
    } catch (e) {
      showError('Cannot clone the run: ' + (e as Error).message);
    }
  }
  const wanted = presets.find((p) => p.name === (params.get('preset') ?? 'xor')) ?? presets[0];
  if (wanted) fill(wanted.spec, wanted); else fill(FALLBACK.tms, null);
}

function parseValue(type: FieldType, raw: string): unknown {
  if (type === 'int') return /^-?\d+$/.test(raw) ? Number(raw) : raw; // the server names what is wrong
  if (type === 'float') return Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (type === 'bool') return raw === 'true';
  return raw;
}
