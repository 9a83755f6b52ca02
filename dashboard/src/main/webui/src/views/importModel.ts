// #/import : import a Hugging Face GPT-Neo model (pytorch_model.bin or model.safetensors + config.json); the lab
// converts it to TransformerLens names, stores it and analyses it like a trained run, then opens its analysis page.
import { ApiError, api } from '../api';
import { Lifetime, el, showError } from '../util';

interface ImportAccepted { checkpointId: string; name: string; tensors: string[] }

export function importModelPage(root: HTMLElement, life: Lifetime) {
  const model = el('input', { type: 'file', name: 'model', 'data-testid': 'hf-model', accept: '.bin,.safetensors', required: true });
  const config = el('input', { type: 'file', name: 'config', 'data-testid': 'hf-config', accept: '.json,application/json', required: true });
  const name = el('input', { type: 'text', name: 'name', 'data-testid': 'hf-name', placeholder: 'e.g. TinyStories-1M' });
  const submit = el('button', { type: 'submit', 'data-testid': 'hf-import', text: 'Import' });
  const status = el('p', { class: 'muted', 'data-testid': 'hf-status' });
  const fieldErrors = { model: el('span', { class: 'error' }), config: el('span', { class: 'error' }) };
  const form = el('form', { 'data-testid': 'hf-import-form' },
    el('p', {}, el('label', {}, 'model file (pytorch_model.bin or model.safetensors) ', model), ' ', fieldErrors.model),
    el('p', {}, el('label', {}, 'config.json ', config), ' ', fieldErrors.config),
    el('p', {}, el('label', {}, 'name (optional) ', name)),
    submit, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fieldErrors.model.textContent = '';
    fieldErrors.config.textContent = '';
    showError(null);
    const body = new FormData();
    if (model.files?.[0]) body.append('model', model.files[0]);
    if (config.files?.[0]) body.append('config', config.files[0]);
    if (name.value.trim()) body.append('name', name.value.trim());
    submit.disabled = true;
    status.textContent = 'Uploading and converting …';
    try {
      const stored = await api<ImportAccepted>('/api/checkpoints/import/hf', { method: 'POST', body });
      if (!life.alive) return;
      status.textContent = `Imported ${stored.name} (${stored.tensors.length} tensors).`;
      location.hash = `#/checkpoints/${stored.checkpointId}`;
    } catch (e) {
      if (!life.alive) return;
      status.textContent = '';
      const field = e instanceof ApiError ? e.field : null;
      if (field === 'model' || field === 'config') fieldErrors[field].textContent = (e as Error).message;
      else showError('Import failed: ' + (e as Error).message);
    } finally {
      submit.disabled = false;
    }
  });
  root.append(el('section', { 'data-testid': 'import-view' },
    el('h2', { text: 'Import Hugging Face GPT-Neo' }),
    el('p', { class: 'muted', text: 'A GPT-Neo model such as roneneldan/TinyStories-1M: its weights file and its '
      + 'config.json. Nothing in the file is executed; a pickle that asks for anything but tensors is refused.' }),
    form));
}
