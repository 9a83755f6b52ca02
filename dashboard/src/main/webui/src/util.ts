// Small DOM and number helpers shared by the views.

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;
type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]):
    HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'class') node.className = String(v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'value' && 'value' in node) (node as HTMLInputElement).value = String(v);
    else if (k === 'checked' && node instanceof HTMLInputElement) node.checked = Boolean(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'number' ? String(child) : child);
  }
  return node;
}

export function fmt(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'number') return String(value);
  if (Number.isNaN(value)) return 'NaN';
  const a = Math.abs(value);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return value.toExponential(2);
  return Number(value.toPrecision(digits)).toString();
}

/** The trainer names metrics freely (loss, train_loss, test_accuracy …): pick one by meaning. */
export function metricOf(metrics: Record<string, number> | null | undefined, kind: 'loss' | 'accuracy'):
    number | undefined {
  if (!metrics) return undefined;
  if (metrics[kind] !== undefined) return metrics[kind];
  const key = Object.keys(metrics).find((k) => k.toLowerCase().includes(kind === 'accuracy' ? 'acc' : 'loss'));
  return key === undefined ? undefined : metrics[key];
}

export const isAccuracy = (key: string) => key.toLowerCase().includes('acc');

export function showError(message: string | null) {
  const box = document.getElementById('error')!;
  box.textContent = message || '';
  box.hidden = !message;
}

export function statusBadge(status: string) {
  return el('span', { class: `status ${status}`, 'data-testid': 'status', text: status });
}

export function download(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The value at a dotted path of a nested object ("task.featureProbability"). */
export function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

export function setPath(obj: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== 'object') o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

/** Every leaf of a nested object as dotted path → value (arrays are leaves). */
export function flatten(obj: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = obj;
  }
  return out;
}

/** Keeps timers and event sources of the open page so that leaving it stops them. */
export class Lifetime {
  private cleanups: (() => void)[] = [];
  alive = true;
  add(cleanup: () => void) { this.cleanups.push(cleanup); }
  interval(fn: () => void, ms: number) { const t = setInterval(fn, ms); this.add(() => clearInterval(t)); }
  events(url: string): EventSource { const s = new EventSource(url); this.add(() => s.close()); return s; }
  dispose() { this.alive = false; this.cleanups.splice(0).forEach((c) => c()); }
}

/** A duration in seconds as a person reads it: 42 s, 3 min 5 s, 2 h 10 min. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** How far from now an ISO time is, as "in 3 min 5 s" (or "now" when past). */
export function fromNow(iso: string | null | undefined): string {
  if (!iso) return '';
  const s = (new Date(iso).getTime() - Date.now()) / 1000;
  return s <= 1 ? 'now' : `in ${duration(s)}`;
}

/** Bytes as KB / MB / GB (powers of 1024). */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

/** Page buttons for a list: « prev · rows a–b of n · next »; onPage(offset) loads another page. */
export function pager(offset: number, limit: number, total: number, onPage: (offset: number) => void): HTMLElement {
  const prev = el('button', { type: 'button', class: 'small', 'data-testid': 'page-prev', text: '‹ prev', disabled: offset <= 0 });
  const next = el('button', { type: 'button', class: 'small', 'data-testid': 'page-next', text: 'next ›', disabled: offset + limit >= total });
  prev.addEventListener('click', () => onPage(Math.max(0, offset - limit)));
  next.addEventListener('click', () => onPage(offset + limit));
  const shown = total ? `${offset + 1}–${Math.min(total, offset + limit)} of ${total}` : '0 of 0';
  return el('div', { class: 'pager', 'data-testid': 'pager', 'data-total': total }, prev, ' ', el('span', { 'data-testid': 'page-range', text: shown }), ' ', next);
}
