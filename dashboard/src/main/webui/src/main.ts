// interplab's web UI: hash routes, one page at a time; leaving a page stops its timers and event streams.
import './style.css';
import { Lifetime, el, showError } from './util';
import { listPage } from './views/list';
import { newExperimentPage } from './views/newExperiment';
import { runPage } from './views/run';
import { analysisPage } from './views/analysis';
import { comparePage } from './views/compare';
import { sweepPage } from './views/sweep';
import { neuronPage } from './views/neuron';
import { neuronsPage } from './views/neurons';
import { promptLabPage } from './views/promptLab';
import { importModelPage } from './views/importModel';
import { corporaPage } from './views/corpora';
import { reproductionsPage } from './views/reproductions';
import { modelsPage } from './views/models';
import { accountPage, ensureSignedIn, runOwnerPanel } from './views/account';
import { adminPage } from './views/admin';

const UUID = '([0-9a-f-]{36})';
let life = new Lifetime();

async function route() {
  life.dispose();
  life = new Lifetime();
  showError(null);
  document.getElementById('tooltip')!.hidden = true;
  const root = document.getElementById('app')!;
  root.replaceChildren();
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  let m: RegExpMatchArray | null;
  const current = life;
  if (!(await ensureSignedIn(root)) || current !== life) return;
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('active', (a as HTMLAnchorElement).hash === '#' + (path || '/')));
  if ((m = path.match(new RegExp(`^/experiments/${UUID}$`, 'i')))) {
    runPage(root, m[1], life);
    root.append(runOwnerPanel(m[1]));
  } else if (path === '/account') accountPage(root);
  else if ((m = path.match(new RegExp(`^/checkpoints/${UUID}$`, 'i')))) analysisPage(root, m[1], params, life);
  else if ((m = path.match(new RegExp(`^/sweeps/${UUID}$`, 'i')))) sweepPage(root, m[1], life);
  else if ((m = path.match(new RegExp(`^/models/${UUID}/neurons/(\\d+)/(\\d+)$`, 'i')))) neuronPage(root, m[1], Number(m[2]), Number(m[3]), life);
  else if ((m = path.match(new RegExp(`^/models/${UUID}/neurons$`, 'i')))) neuronsPage(root, m[1], params, life);
  else if ((m = path.match(new RegExp(`^/models/${UUID}/prompt$`, 'i')))) promptLabPage(root, m[1], params, life);
  else if (path === '/new') newExperimentPage(root, params, life);
  else if (path === '/compare') comparePage(root, params, life);
  else if (path === '/import') importModelPage(root, life);
  else if (path === '/corpora') corporaPage(root, life);
  else if (path === '/reproductions') reproductionsPage(root, life);
  else if (path === '/admin') adminPage(root, life);
  else if (path === '/models') modelsPage(root, life);
  else if (path === '' || path === '/') listPage(root, life);
  else root.append(el('p', { class: 'error', text: `No page ${path}.` }), el('a', { href: '#/', text: 'Experiments' }));
}

const nav = document.querySelector('header nav');
if (nav && !nav.querySelector('[data-testid="nav-models"]')) {
  nav.querySelector('[data-testid="nav-import"]')?.before(el('a', { href: '#/models', 'data-testid': 'nav-models', text: 'Models' }));
}
if (nav && !nav.querySelector('[data-testid="nav-corpora"]')) {
  nav.append(el('a', { href: '#/corpora', 'data-testid': 'nav-corpora', text: 'Corpora' }));
}
if (nav && !nav.querySelector('[data-testid="nav-reproductions"]')) {
  nav.append(el('a', { href: '#/reproductions', 'data-testid': 'nav-reproductions', text: 'Reproductions' }));
}
window.addEventListener('hashchange', () => { route().catch((e) => showError(String(e))); });
route().catch((e) => showError(String(e)));
