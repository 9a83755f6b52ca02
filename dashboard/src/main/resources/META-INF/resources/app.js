// interplab dashboard: experiment list, one experiment's curve, checkpoints and circuit tables.
// Vanilla JS for now; talks only to the public API under /api.
'use strict';

const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);

const state = {
  view: null,          // 'list' | 'experiment'
  experimentId: null,
  points: [],          // [{step, metrics}] of the open experiment
  events: null,        // EventSource of the open experiment
  timer: null,
  analysedCheckpoint: null,
};

// ---------------------------------------------------------------- API

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const message = body && body.error ? body.error + (body.field ? ` (field ${body.field})` : '') : `HTTP ${response.status}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

function showError(message) {
  const box = $('error');
  box.textContent = message || '';
  box.hidden = !message;
}

// ---------------------------------------------------------------- formatting

function fmt(value, digits = 4) {
  if (value === null || value === undefined || Number.isNaN(value)) return '';
  if (typeof value !== 'number') return String(value);
  const a = Math.abs(value);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return value.toExponential(2);
  return Number(value.toPrecision(digits)).toString();
}

// The trainer names metrics freely (loss, train_loss, test_accuracy …): pick them by meaning.
function metricOf(metrics, kind) {
  if (!metrics) return undefined;
  if (metrics[kind] !== undefined) return metrics[kind];
  const key = Object.keys(metrics).find((k) => k.toLowerCase().includes(kind === 'accuracy' ? 'acc' : 'loss'));
  return key === undefined ? undefined : metrics[key];
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function statusBadge(status) {
  return el('span', { class: `status ${status}`, 'data-testid': 'status', text: status });
}

// ---------------------------------------------------------------- routing

function route() {
  stopExperiment();
  const match = location.hash.match(/^#\/experiments\/([0-9a-f-]{36})$/i);
  if (match) openExperiment(match[1]);
  else openList();
}

function stopExperiment() {
  if (state.events) state.events.close();
  state.events = null;
  clearInterval(state.timer);
  state.timer = null;
}

// ---------------------------------------------------------------- list

function openList() {
  state.view = 'list';
  $('list-view').hidden = false;
  $('experiment-view').hidden = true;
  refreshList();
  state.timer = setInterval(refreshList, POLL_MS);
}

async function refreshList() {
  const params = new URLSearchParams();
  if ($('filter-status').value) params.set('status', $('filter-status').value);
  if ($('filter-q').value.trim()) params.set('q', $('filter-q').value.trim());
  let experiments;
  try {
    experiments = await api('/api/experiments?' + params);
  } catch (e) {
    showError('Cannot list experiments: ' + e.message);
    return;
  }
  const tbody = $('experiments').querySelector('tbody');
  tbody.replaceChildren(...experiments.map((x) => el('tr', {
    'data-testid': 'experiment-row', 'data-id': x.id, 'data-status': x.status,
    onclick: () => { location.hash = `#/experiments/${x.id}`; },
  },
  el('td', {}, el('a', { href: `#/experiments/${x.id}`, 'data-testid': 'experiment-link', text: x.name })),
  el('td', { text: x.preset || '' }),
  el('td', { text: x.task }),
  el('td', { class: 'num', text: x.seed }),
  el('td', {}, statusBadge(x.status)),
  el('td', { class: 'num', 'data-testid': 'step', text: x.totalSteps ? `${x.step} / ${x.totalSteps}` : x.step }),
  el('td', { class: 'num', 'data-testid': 'loss', text: fmt(metricOf(x.lastMetrics, 'loss')) }),
  el('td', { class: 'num', 'data-testid': 'accuracy', text: fmt(metricOf(x.lastMetrics, 'accuracy')) }),
  el('td', { text: x.backend || '' }),
  el('td', { class: 'muted', text: new Date(x.createdAt).toLocaleString() }),
  )));
  $('no-experiments').hidden = experiments.length > 0;
}

// ---------------------------------------------------------------- one experiment

async function openExperiment(id) {
  state.view = 'experiment';
  state.experimentId = id;
  state.points = [];
  state.analysedCheckpoint = null;
  $('list-view').hidden = true;
  $('experiment-view').hidden = false;
  $('tables').replaceChildren();
  $('analysis-status').textContent = '';
  $('analysis-checkpoint').textContent = '';
  $('checkpoints').querySelector('tbody').replaceChildren();
  await Promise.all([refreshExperiment(), refreshMetrics(), refreshCheckpoints()]);
  state.events = new EventSource(`/api/experiments/${id}/events`);
  state.events.addEventListener('progress', (e) => onProgress(JSON.parse(e.data)));
  state.events.addEventListener('checkpoint', () => refreshCheckpoints());
  state.events.addEventListener('analysis', () => refreshCheckpoints());
  // SSE carries the news; a slow poll repairs anything missed while disconnected.
  state.timer = setInterval(() => { refreshExperiment(); refreshMetrics(); }, 5 * POLL_MS);
}

async function refreshExperiment() {
  const id = state.experimentId;
  let x;
  try {
    x = await api(`/api/experiments/${id}`);
  } catch (e) {
    showError(e.status === 404 ? `No experiment ${id}` : 'Cannot load the experiment: ' + e.message);
    return;
  }
  if (id !== state.experimentId) return;
  showError('');
  $('exp-name').textContent = x.name;
  renderStatus(x.status, x.step, x.totalSteps, x.backend);
  $('exp-id').textContent = `${x.id} · seed ${x.seed}${x.preset ? ' · preset ' + x.preset : ''}`;
  $('spec').textContent = JSON.stringify(x.spec, null, 2);
  $('exp-error').hidden = !x.error;
  $('exp-error').textContent = x.error || '';
  renderFinalMetrics(x.lastMetrics);
}

function renderStatus(status, step, totalSteps, backend) {
  const badge = $('exp-status');
  badge.textContent = status;
  badge.className = `status ${status}`;
  $('exp-progress').textContent = totalSteps ? `step ${step} / ${totalSteps}` : `step ${step}`;
  $('exp-backend').textContent = backend ? `backend ${backend}` : '';
  $('cancel').hidden = !(status === 'QUEUED' || status === 'RUNNING');
}

function renderFinalMetrics(metrics) {
  $('final-metrics').textContent = metrics
    ? Object.entries(metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ') : '';
}

async function refreshMetrics() {
  const id = state.experimentId;
  try {
    const points = await api(`/api/experiments/${id}/metrics`);
    if (id !== state.experimentId) return;
    state.points = points;
    drawCurve();
  } catch (e) { /* the detail view shows the error */ }
}

function onProgress(p) {
  if (p.experimentId !== state.experimentId) return;
  const badge = $('exp-status');
  const terminal = ['COMPLETED', 'FAILED', 'CANCELLED'];
  if (!terminal.includes(badge.textContent)) renderStatus(p.status, p.step, p.totalSteps, p.backend);
  if (p.metrics && Object.keys(p.metrics).length) {
    const existing = state.points.findIndex((q) => q.step === p.step);
    if (existing >= 0) state.points[existing] = { step: p.step, metrics: p.metrics };
    else state.points.push({ step: p.step, metrics: p.metrics });
    state.points.sort((a, b) => a.step - b.step);
    drawCurve();
    renderFinalMetrics(p.metrics);
  }
  if (terminal.includes(p.status)) refreshExperiment();
}

document.addEventListener('click', async (e) => {
  if (e.target.id !== 'cancel') return;
  try {
    await api(`/api/experiments/${state.experimentId}/cancel`, { method: 'POST' });
    $('cancel').disabled = true;
  } catch (err) {
    showError('Cannot cancel: ' + err.message);
  }
});

// ---------------------------------------------------------------- loss / accuracy curve

const SERIES_COLOURS = ['#2f5db8', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#0b7285'];

function drawCurve() {
  const canvas = $('curve');
  const ctx = canvas.getContext('2d');
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 640;
  const height = canvas.clientHeight || 280;
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const keys = [...new Set(state.points.flatMap((p) => Object.keys(p.metrics || {})))].sort();
  canvas.dataset.points = String(state.points.length);
  canvas.dataset.series = keys.join(',');
  if (!state.points.length) {
    ctx.fillStyle = '#6b7280';
    ctx.font = '13px system-ui';
    ctx.fillText('No evaluations yet.', 16, 28);
    return;
  }
  const lossKeys = keys.filter((k) => !k.toLowerCase().includes('acc'));
  const accKeys = keys.filter((k) => k.toLowerCase().includes('acc'));
  const half = accKeys.length && lossKeys.length ? width / 2 : width;
  if (lossKeys.length) drawPanel(ctx, 0, half, height, lossKeys, { log: true, title: 'loss (log scale)' });
  if (accKeys.length) drawPanel(ctx, lossKeys.length ? half : 0, width - (lossKeys.length ? half : 0), height,
    accKeys, { log: false, min: 0, max: 1, title: 'accuracy' });
}

function drawPanel(ctx, x0, w, h, keys, { log, min, max, title }) {
  const pad = { l: 52, r: 10, t: 22, b: 30 };
  const steps = state.points.map((p) => p.step);
  const sMin = Math.min(...steps);
  const sMax = Math.max(...steps, sMin + 1);
  const values = state.points.flatMap((p) => keys.map((k) => p.metrics[k])).filter((v) => Number.isFinite(v) && (!log || v > 0));
  let yMin = min !== undefined ? min : Math.min(...values);
  let yMax = max !== undefined ? max : Math.max(...values);
  if (log) { yMin = Math.log10(yMin); yMax = Math.log10(yMax); }
  if (!Number.isFinite(yMin) || !Number.isFinite(yMax)) return;
  if (yMax - yMin < 1e-9) { yMin -= 0.5; yMax += 0.5; }
  const X = (s) => x0 + pad.l + (s - sMin) / (sMax - sMin) * (w - pad.l - pad.r);
  const Y = (v) => pad.t + (1 - ((log ? Math.log10(v) : v) - yMin) / (yMax - yMin)) * (h - pad.t - pad.b);

  ctx.strokeStyle = '#d9dde5';
  ctx.fillStyle = '#6b7280';
  ctx.font = '11px system-ui';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const t = yMin + (yMax - yMin) * i / 4;
    const v = log ? 10 ** t : t;
    const y = Y(v);
    ctx.beginPath(); ctx.moveTo(x0 + pad.l, y); ctx.lineTo(x0 + w - pad.r, y); ctx.stroke();
    ctx.fillText(fmt(v, 3), x0 + 4, y + 4);
  }
  ctx.fillText(String(sMin), X(sMin), h - 10);
  const last = String(sMax);
  ctx.fillText(last, X(sMax) - ctx.measureText(last).width, h - 10);
  ctx.fillText('step', x0 + (w - pad.l) / 2 + pad.l - 10, h - 10);
  ctx.fillStyle = '#1d2330';
  ctx.font = '12px system-ui';
  ctx.fillText(title, x0 + pad.l, 14);

  keys.forEach((key, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.8;
    ctx.beginPath();
    let started = false;
    for (const p of state.points) {
      const v = p.metrics[key];
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (started) ctx.lineTo(X(p.step), Y(v)); else { ctx.moveTo(X(p.step), Y(v)); started = true; }
    }
    ctx.stroke();
    ctx.fillStyle = colour;
    ctx.font = '11px system-ui';
    const label = key;
    ctx.fillText(label, x0 + w - pad.r - ctx.measureText(label).width, pad.t + 12 + i * 13);
  });
}

// ---------------------------------------------------------------- checkpoints

async function refreshCheckpoints() {
  const id = state.experimentId;
  let checkpoints;
  try {
    checkpoints = await api(`/api/experiments/${id}/checkpoints`);
  } catch (e) { return; }
  if (id !== state.experimentId) return;
  $('checkpoints').querySelector('tbody').replaceChildren(...checkpoints.map((c) => el('tr', {
    'data-testid': 'checkpoint-row', 'data-id': c.checkpointId, 'data-step': c.step,
  },
  el('td', { class: 'num', text: c.step }),
  el('td', { text: c.finalCheckpoint ? 'final' : '' }),
  el('td', { class: 'muted', text: Object.entries(c.metrics || {}).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ') }),
  el('td', {}, el('a', { href: c.safetensorsUrl, download: '', 'data-testid': 'download-safetensors', text: 'download' })),
  el('td', { class: 'muted', text: c.analysis ? `${c.analysis.tables.length} tables` : '' }),
  )));
  $('no-checkpoints').hidden = checkpoints.length > 0;
  const final = checkpoints.find((c) => c.finalCheckpoint);
  if (final && final.analysis && state.analysedCheckpoint !== final.checkpointId) {
    state.analysedCheckpoint = final.checkpointId;
    showAnalysis(final);
  } else if (final && !final.analysis) {
    $('analysis-status').textContent = 'The final checkpoint is being analysed …';
  } else if (!final) {
    $('analysis-status').textContent = 'Circuit tables appear once training has finished and the final checkpoint is analysed.';
  }
}

// ---------------------------------------------------------------- circuit tables

async function showAnalysis(checkpoint) {
  const id = checkpoint.checkpointId;
  $('analysis-checkpoint').textContent = `final checkpoint, step ${checkpoint.step}`;
  $('analysis-status').textContent = 'Loading circuit tables …';
  let index;
  try {
    index = await api(`/api/checkpoints/${id}/analysis`);
  } catch (e) {
    $('analysis-status').textContent = 'Cannot load the analysis: ' + e.message;
    state.analysedCheckpoint = null; // try again on the next refresh
    return;
  }
  $('analysis-status').textContent = '';
  const container = $('tables');
  container.replaceChildren();
  for (const entry of index.tables) {
    const card = el('div', { class: 'table-card', 'data-testid': `table-${entry.name}`, 'data-table': entry.name },
      el('h4', { text: entry.title || entry.name }));
    container.append(card);
    if (entry.error) {
      card.append(el('p', { class: 'error', 'data-testid': 'failed-table-message', text: entry.error }));
      continue;
    }
    try {
      const table = await api(`/api/checkpoints/${id}/analysis/${encodeURIComponent(entry.name)}`);
      renderTable(card, table, id);
    } catch (e) {
      card.append(el('p', { class: 'error', text: e.message }));
    }
  }
}

function renderTable(card, table, checkpointId) {
  if (table.description) card.append(el('p', { text: table.description }));
  const values = table.values || [];
  const canvas = el('canvas', { 'data-testid': 'heatmap', 'data-rows': values.length, 'data-cols': (values[0] || []).length });
  card.append(canvas);
  card.append(el('div', { class: 'table-actions' },
    el('a', { href: `/api/checkpoints/${checkpointId}/analysis/${encodeURIComponent(table.name)}?format=csv`, text: 'CSV' })));
  drawHeatmap(canvas, table);
}

// Diverging blue–white–red scale centred on zero: negative values blue, zero white, positive values red, saturating
// at ±max|value| of the table (the colour bar beside each table states it). Swap the two ends here to flip it.
const NEGATIVE_RGB = [33, 102, 172];
const POSITIVE_RGB = [178, 24, 43];
function divergingColour(value, maxAbs) {
  if (!Number.isFinite(value)) return '#cccccc';
  const t = maxAbs > 0 ? Math.max(-1, Math.min(1, value / maxAbs)) : 0;
  const [r, g, b] = t >= 0 ? POSITIVE_RGB : NEGATIVE_RGB;
  const a = Math.abs(t);
  const mix = (c) => Math.round(255 + (c - 255) * a);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

function drawHeatmap(canvas, table) {
  const values = table.values || [];
  const rows = values.length;
  const cols = rows ? values[0].length : 0;
  const rowLabels = table.rowLabels || [];
  const colLabels = table.colLabels || [];
  let maxAbs = 0;
  for (const row of values) for (const v of row) if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
  const cell = Math.max(4, Math.min(36, Math.floor(560 / Math.max(cols, 1)), Math.floor(560 / Math.max(rows, 1))));
  const showLabels = cell >= 10;
  const ctx0 = canvas.getContext('2d');
  ctx0.font = '11px system-ui';
  const rowLabelWidth = showLabels ? Math.max(0, ...rowLabels.map((l) => ctx0.measureText(String(l)).width)) + 8 : 0;
  const colLabelHeight = showLabels ? Math.max(0, ...colLabels.map((l) => ctx0.measureText(String(l)).width)) + 8 : 0;
  const axisPad = 16;
  const left = axisPad + rowLabelWidth;
  const top = axisPad + colLabelHeight;
  const legend = 56;
  const width = left + cols * cell + legend;
  const height = Math.max(top + rows * cell + 4, 160);
  const dpr = window.devicePixelRatio || 1;
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  canvas.style.width = width + 'px';
  canvas.style.height = height + 'px';
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);

  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      ctx.fillStyle = divergingColour(values[r][c], maxAbs);
      ctx.fillRect(left + c * cell, top + r * cell, cell, cell);
    }
  }
  ctx.fillStyle = '#1d2330';
  ctx.font = '11px system-ui';
  if (showLabels) {
    rowLabels.forEach((label, r) => {
      const text = String(label);
      ctx.fillText(text, left - 4 - ctx.measureText(text).width, top + r * cell + cell / 2 + 4);
    });
    colLabels.forEach((label, c) => {
      ctx.save();
      ctx.translate(left + c * cell + cell / 2 + 4, top - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(String(label), 0, 0);
      ctx.restore();
    });
  }
  ctx.fillStyle = '#6b7280';
  if (table.colAxis) ctx.fillText(table.colAxis, left, 11);
  if (table.rowAxis) {
    ctx.save();
    ctx.translate(11, top + Math.min(rows * cell, height - top) / 2 + ctx.measureText(table.rowAxis).width / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(table.rowAxis, 0, 0);
    ctx.restore();
  }
  // colour bar: +max at the top, 0 in the middle, −max at the bottom
  const barX = left + cols * cell + 10;
  const barH = Math.min(rows * cell, 200) || 100;
  for (let i = 0; i < barH; i++) {
    ctx.fillStyle = divergingColour(maxAbs * (1 - 2 * i / (barH - 1)), maxAbs);
    ctx.fillRect(barX, top + i, 10, 1);
  }
  ctx.fillStyle = '#1d2330';
  ctx.fillText(fmt(maxAbs, 3), barX + 13, top + 8);
  ctx.fillText('0', barX + 13, top + barH / 2 + 4);
  ctx.fillText(fmt(-maxAbs, 3), barX + 13, top + barH);

  const tooltip = $('tooltip');
  canvas.onmousemove = (e) => {
    const rect = canvas.getBoundingClientRect();
    const c = Math.floor((e.clientX - rect.left - left) / cell);
    const r = Math.floor((e.clientY - rect.top - top) / cell);
    if (r < 0 || c < 0 || r >= rows || c >= cols) { tooltip.hidden = true; return; }
    const rowName = rowLabels[r] !== undefined ? rowLabels[r] : r;
    const colName = colLabels[c] !== undefined ? colLabels[c] : c;
    tooltip.textContent = `${table.rowAxis || 'row'} ${rowName}, ${table.colAxis || 'col'} ${colName}: ${fmt(values[r][c], 5)}`;
    tooltip.dataset.row = r;
    tooltip.dataset.col = c;
    tooltip.dataset.value = values[r][c];
    tooltip.dataset.table = table.name;
    tooltip.style.left = (e.clientX + 12) + 'px';
    tooltip.style.top = (e.clientY + 12) + 'px';
    tooltip.hidden = false;
  };
  canvas.onmouseleave = () => { tooltip.hidden = true; };
}

// ---------------------------------------------------------------- submit

async function loadPresets() {
  try {
    const presets = await api('/api/presets');
    const select = $('preset');
    select.replaceChildren(...presets.map((p) => el('option', { value: p.name, text: p.name })));
  } catch (e) { /* keep the built-in xor option */ }
}

$('submit-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const seed = Number($('seed').value);
  const button = $('submit-preset');
  button.disabled = true;
  try {
    const answer = await api('/api/experiments', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ preset: $('preset').value, seed: Number.isInteger(seed) ? seed : 1 }),
    });
    showError('');
    location.hash = `#/experiments/${answer.id}`;
  } catch (err) {
    showError('Submission refused: ' + err.message);
  } finally {
    button.disabled = false;
  }
});

$('filter-status').addEventListener('change', refreshList);
$('filter-q').addEventListener('input', refreshList);
window.addEventListener('hashchange', route);
window.addEventListener('resize', () => { if (state.view === 'experiment') drawCurve(); });
loadPresets();
route();
