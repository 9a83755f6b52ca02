// #/models : every model the lab knows — trained checkpoints, uploads, Hugging Face imports and the reference
// constructions — with name, origin, task, a summary of its spec, size and download; paged by the server. Above the
// list, an upload: drag a .safetensors file (or pick one), say what it is with a preset or a pasted spec, and the
// server's errors are shown at the field they name (file, preset, spec).
import { ApiError, ModelView, Page, Preset, api, apiPage } from '../api';
import { Lifetime, bytes, el, fmt, pager, showError } from '../util';

const PAGE = 25;
const ORIGINS = ['trained', 'uploaded', 'imported', 'reference'];
const filters = { source: '', q: '', finalOnly: true, offset: 0 };


export async function modelsPage(root: HTMLElement, life: Lifetime) {
  const section = el('section', { 'data-testid': 'models-view' },
    el('div', { class: 'title-row' }, el('h2', { text: 'Models' }),
      el('a', { href: '#/import', text: 'import a Hugging Face GPT-Neo →' })));
  root.append(section);
  section.append(await uploadForm(life));

  const source = el('select', { 'data-testid': 'models-source' }, el('option', { value: '', text: 'all' }),
    ...ORIGINS.map((o) => el('option', { value: o, text: o })));
  source.value = filters.source;
  const search = el('input', { type: 'search', 'data-testid': 'models-q', placeholder: 'name or spec text', value: filters.q });
  const finalOnly = el('input', { type: 'checkbox', 'data-testid': 'models-final', checked: filters.finalOnly });
  source.addEventListener('change', () => { filters.source = source.value; filters.offset = 0; refresh(); });
  search.addEventListener('input', () => { filters.q = search.value.trim(); filters.offset = 0; refresh(); });
  finalOnly.addEventListener('change', () => { filters.finalOnly = finalOnly.checked; filters.offset = 0; refresh(); });
  const tbody = el('tbody');
  const pagerBox = el('div');
  const empty = el('p', { class: 'muted', 'data-testid': 'no-models', hidden: true, text: 'No models match.' });
  section.append(el('h3', { text: 'All models' }),
    el('div', { class: 'filters' }, el('label', {}, 'origin ', source), el('label', {}, 'search ', search),
      el('label', {}, finalOnly, ' final checkpoints only')),
    el('table', { class: 'list', 'data-testid': 'models-table' },
      el('thead', {}, el('tr', {}, ...['name', 'origin', 'task', 'spec', 'step', 'analysis', 'size', 'download', '']
        .map((h) => el('th', { text: h })))), tbody),
    pagerBox, empty);


  async function refresh() {
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(filters.offset) });
    if (filters.source) params.set('source', filters.source);
    if (filters.q) params.set('q', filters.q);
    if (filters.finalOnly) params.set('final', 'true');
    let page: Page<ModelView>;
    try {
      page = await apiPage<ModelView>('/api/checkpoints?' + params);
    } catch (e) {
      showError('Cannot list models: ' + (e as Error).message);
      return;
    }
    if (!life.alive) return;
    tbody.replaceChildren(...page.rows.map(row));
    pagerBox.replaceChildren(pager(filters.offset, PAGE, page.total, (offset) => { filters.offset = offset; refresh(); }));
    empty.hidden = page.total > 0;
  }

  function row(m: ModelView) {
    // the weights are the trainer's: the list asks it once per page for every row's size and checksum
    const size = el('td', { class: 'num', 'data-testid': 'model-size', text: m.sizeBytes == null ? '?' : bytes(m.sizeBytes) });
    if (m.sha256) size.title = `sha256 ${m.sha256}`;
    const links: (Node | string)[] = [];
    if (m.experimentId) links.push(el('a', { href: `#/experiments/${m.experimentId}`, text: 'run' }));
    if (m.modelKind === 'transformer') links.push(' ', el('a', { href: `#/models/${m.checkpointId}/neurons`, text: 'neurons' }));
    const metrics = Object.entries(m.metrics ?? {}).slice(0, 2).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ');
    return el('tr', { 'data-testid': 'model-row', 'data-id': m.checkpointId, 'data-origin': m.origin },
      el('td', {}, el('a', { href: `#/checkpoints/${m.checkpointId}`, 'data-testid': 'model-link', text: m.name ?? m.checkpointId.slice(0, 8) }),
        metrics ? el('div', { class: 'muted small', text: metrics }) : null),
      el('td', {}, el('span', { class: `tag origin-${m.origin}`, 'data-testid': 'model-origin', text: m.origin })),
      el('td', { text: m.task ?? '' }),
      el('td', { class: 'small', 'data-testid': 'model-summary', text: m.summary ?? '' }),
      el('td', { class: 'num', text: m.step }),
      el('td', { text: m.analysisStatus + (m.tablesFailed ? ` (${m.tablesFailed} failed)` : '') }),
      size,
      el('td', {}, el('a', { href: m.safetensorsUrl, download: '', 'data-testid': 'model-download', text: '.safetensors' })),
      el('td', {}, ...links));
  }

  await refresh();
  life.interval(refresh, 10_000);
}

/** The upload form: a drop zone and file picker, a preset or a pasted spec, errors at their fields. */
async function uploadForm(life: Lifetime): Promise<HTMLElement> {
  let presets: Preset[] = [];
  try { presets = await api<Preset[]>('/api/presets'); } catch { /* the spec box still works */ }
  const file = el('input', { type: 'file', name: 'file', accept: '.safetensors', 'data-testid': 'upload-file' });
  const fileName = el('span', { 'data-testid': 'upload-file-name' });
  const drop = el('div', { class: 'dropzone', 'data-testid': 'upload-drop', tabindex: 0 },
    'Drop a .safetensors file here, or ', el('label', {}, 'pick one ', file), ' ', fileName);
  let picked: File | null = null;
  const choose = (f: File | null) => { picked = f; fileName.textContent = f ? `${f.name} (${bytes(f.size)})` : ''; errors.file.textContent = ''; };
  file.addEventListener('change', () => choose(file.files?.[0] ?? null));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    choose(e.dataTransfer?.files?.[0] ?? null);
  });
  const preset = el('select', { name: 'preset', 'data-testid': 'upload-preset' },
    el('option', { value: '', text: '— none: the file carries its spec, or paste one —' }),
    ...presets.filter((p) => !p.grid).map((p) => el('option', { value: p.name, text: p.name })));
  const spec = el('textarea', { name: 'spec', rows: 4, cols: 70, 'data-testid': 'upload-spec',
    placeholder: '{"task": {"kind": "tms", ...}, "model": {...}} — an ExperimentSpec, when no preset fits' });
  const errors = {
    file: el('span', { class: 'field-error error', 'data-testid': 'upload-error-file' }),
    preset: el('span', { class: 'field-error error', 'data-testid': 'upload-error-preset' }),
    spec: el('span', { class: 'field-error error', 'data-testid': 'upload-error-spec' }),
    other: el('p', { class: 'error', 'data-testid': 'upload-error' }),
  };
  const submit = el('button', { type: 'submit', class: 'primary', 'data-testid': 'upload-submit', text: 'Upload and analyse' });
  const status = el('p', { class: 'muted', 'data-testid': 'upload-status', role: 'status' });
  const form = el('form', { class: 'upload-form', 'data-testid': 'upload-form' },
    el('h3', { text: 'Upload a model' }), drop, el('p', {}, errors.file),
    el('p', {}, el('label', {}, 'preset ', preset), ' ', errors.preset),
    el('p', {}, el('label', {}, 'or spec (JSON) ', el('br'), spec), ' ', errors.spec),
    errors.other, submit, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    Object.values(errors).forEach((e) => { e.textContent = ''; });
    if (!picked) { errors.file.textContent = 'choose a .safetensors file first'; return; }
    const body = new FormData();
    body.append('file', picked, picked.name);
    if (preset.value) body.append('preset', preset.value);
    if (spec.value.trim()) body.append('spec', spec.value.trim());
    submit.disabled = true;
    status.textContent = 'uploading …';
    try {
      const stored = await api<{ checkpointId: string; name: string }>('/api/checkpoints', { method: 'POST', body });
      if (!life.alive) return;
      status.textContent = `stored ${stored.name ?? stored.checkpointId}; its analysis follows`;
      location.hash = `#/checkpoints/${stored.checkpointId}`;
    } catch (e) {
      status.textContent = '';
      const field = e instanceof ApiError ? e.field ?? '' : '';
      const target = field === 'file' || field.startsWith('file') ? errors.file
        : field === 'preset' ? errors.preset : field.startsWith('spec') ? errors.spec : errors.other;
      target.textContent = (e as Error).message;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
