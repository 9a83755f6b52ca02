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
