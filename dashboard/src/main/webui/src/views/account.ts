// Accounts in the web UI: the login (or first-admin setup) form shown before any page when the caller is
// anonymous, the user bar in the header, the account page (API tokens; users for admins), and the run page's
// owner panel (rename, tags, notes). Everything people typed is put in the page as text (textContent), never HTML.
import { api, ApiError, postJson } from '../api';
import { el, showError } from '../util';

export interface Me { authenticated: boolean; username: string | null; role: string | null;
  setupRequired: boolean; anonymousRead: boolean; oidcLogin: string | null; hasPassword: boolean }
interface Token { id: string; name: string; prefix: string; createdAt: string; lastUsedAt: string | null }
interface User { id: string; username: string; role: string; disabled: boolean; createdAt: string;
  login: 'password' | 'oidc' | 'oidc-unlinked'; unlinkedBy: string | null; unlinkedAt: string | null }
interface Note { id: string; author: string; body: string; createdAt: string }

const ROLES = ['viewer', 'researcher', 'admin'];
export let me: Me | null = null;

const rerender = () => window.dispatchEvent(new HashChangeEvent('hashchange'));

// An OIDC login leaves the page for the identity provider and comes back to "/": the page asked for (a shared deep
// link) waits here, and a refused login comes back as "/?login-error=…".
const AFTER_LOGIN = 'lab.after-login';

/** Shows who is logged in; true when the page may render, else the login or setup form is shown in root. */
export async function ensureSignedIn(root: HTMLElement): Promise<boolean> {
  me = await api<Me>('/api/auth/me');
  userBar();
  const wanted = sessionStorage.getItem(AFTER_LOGIN);
  if (me.authenticated && wanted !== null) {
    sessionStorage.removeItem(AFTER_LOGIN);
    if (wanted !== location.hash && wanted.startsWith('#/')) {
      location.hash = wanted;
      return false;
    }
  }
  if (me.authenticated || (me.anonymousRead && !location.hash.startsWith('#/account'))) return true;
  root.append(loginForm(me.setupRequired, me.oidcLogin));
  return false;
}

function userBar() {
  const nav = document.querySelector('header nav')!;
  nav.querySelector('[data-testid=user-bar]')?.remove();
  const bar = el('span', { class: 'user-bar', 'data-testid': 'user-bar' });
  if (me?.authenticated) {
    // the admin page (failed analysis jobs, dead letters) is linked for admins only; its API answers 403 to others
    if (me.role === 'admin') bar.append(el('a', { href: '#/admin', 'data-testid': 'nav-admin', text: 'Admin' }), ' ');
    bar.append(el('a', { href: '#/account', 'data-testid': 'current-user', text: `${me.username} (${me.role})` }),
      ' ', el('button', { type: 'button', 'data-testid': 'logout', text: 'Log out', onclick: async () => {
        await api('/api/auth/logout', { method: 'POST' });
        rerender();
      } }));
  }
  nav.append(bar);
}

/** The login form; the URL (a shared deep link) stays as it is, so the page it names opens after login. */
function loginForm(setup: boolean, oidcLogin: string | null): HTMLElement {
  const username = el('input', { name: 'username', autocomplete: 'username', 'data-testid': 'login-username',
    value: setup ? 'admin' : '' });
  const password = el('input', { name: 'password', type: 'password', 'data-testid': 'login-password',
    autocomplete: setup ? 'new-password' : 'current-password' });
  const error = el('p', { class: 'error', 'data-testid': 'login-error', hidden: true });
  const form = el('form', { class: 'login', 'data-testid': setup ? 'setup-form' : 'login-form' },
    el('h2', { text: setup ? 'Set up the lab: create the first admin' : 'Log in' }),
    el('label', {}, 'Username ', username), el('label', {}, 'Password ', password), error,
    el('button', { type: 'submit', 'data-testid': 'login-submit', text: setup ? 'Create admin' : 'Log in' }));
  const refused = new URLSearchParams(location.search).get('login-error');
  if (refused !== null) {
    error.hidden = false;
    error.textContent = refused;
    history.replaceState(null, '', location.pathname + location.hash);
  }
  if (oidcLogin !== null && !setup) {
    // a navigation, not a fetch: the authorization-code flow runs through the identity provider's own pages
    form.append(el('p', { class: 'oidc-login' }, el('a', { class: 'button', href: '/api/auth/oidc/login',
      'data-testid': 'oidc-login', text: `Log in with ${oidcLogin}`,
      onclick: () => sessionStorage.setItem(AFTER_LOGIN, location.hash) })));
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await postJson(setup ? '/api/auth/setup' : '/api/auth/login',
        { username: username.value, password: password.value });
      rerender();
    } catch (e) {
      error.hidden = false;
      error.textContent = (e as Error).message;
    }
  });
  return el('section', { class: 'card' }, form);
}

/** #/account: the caller's API tokens (create: shown once; revoke) and, for admins, the users. */
export async function accountPage(root: HTMLElement) {
  const tokens = el('tbody');
  const shown = el('p', { 'data-testid': 'new-token', hidden: true });
  const name = el('input', { placeholder: 'token name, e.g. my-notebook', 'data-testid': 'token-name' });
  const load = async () => {
    const list = await api<Token[]>('/api/auth/tokens');
    tokens.replaceChildren(...list.map((t) => el('tr', { 'data-testid': 'token-row' },
      el('td', { text: t.name }), el('td', { text: t.prefix + '…' }), el('td', { text: t.createdAt }),
      el('td', { text: t.lastUsedAt ?? 'never' }),
      el('td', {}, el('button', { type: 'button', text: 'Revoke', 'data-testid': 'token-revoke', onclick: async () => {
        await api(`/api/auth/tokens/${t.id}`, { method: 'DELETE' });
        await load();
      } })))));
  };
  const create = el('button', { type: 'button', text: 'Create token', 'data-testid': 'token-create',
    onclick: async () => {
      try {
        const t = await postJson<{ token: string }>('/api/auth/tokens', { name: name.value });
        shown.hidden = false;
        shown.replaceChildren('Copy it now, it is shown only once: ', el('code', { text: t.token }));
        await load();
      } catch (e) { showError((e as Error).message); }
    } });
  root.append(el('section', { class: 'card', 'data-testid': 'account-view' },
    el('h2', { text: `API tokens of ${me?.username}` }),
    el('p', { text: 'Scripts send a token as "Authorization: Bearer <token>"; it acts with your role.' }),
    el('div', {}, name, ' ', create), shown,
    el('table', {}, el('thead', {}, el('tr', {}, ...['Name', 'Starts', 'Created', 'Last used', ''].map(
      (h) => el('th', { text: h })))), tokens)));
  await load();
  if (me?.hasPassword) root.append(passwordCard());
  if (me?.role === 'admin') root.append(await usersCard());
}

/** Change your own password (the first one an admin gave you): every session ends, so log in again. */
function passwordCard(): HTMLElement {
  const current = el('input', { type: 'password', placeholder: 'current password', 'data-testid': 'password-current',
    autocomplete: 'current-password' });
  const next = el('input', { type: 'password', placeholder: 'new password (8+ characters)',
    'data-testid': 'password-new', autocomplete: 'new-password' });
  const change = el('button', { type: 'button', text: 'Change password', 'data-testid': 'password-change',
    onclick: async () => {
      try {
        await postJson('/api/auth/password', { currentPassword: current.value, password: next.value });
        rerender();
      } catch (e) { showError((e as Error).message); }
    } });
  return el('section', { class: 'card', 'data-testid': 'password-view' }, el('h2', { text: 'Password' }),
    el('p', { text: 'Changing it logs you out everywhere; your API tokens keep working.' }),
    el('div', {}, current, ' ', next, ' ', change));
}

async function usersCard(): Promise<HTMLElement> {
  const body = el('tbody');
  const load = async () => {
    const users = await api<User[]>('/api/users');
    body.replaceChildren(...users.map((u) => {
      // an identity provider's account gets its role from the provider's groups at every login
      const provider = u.login !== 'password';
      const role = el('select', { 'data-testid': 'user-role', disabled: provider,
        title: provider ? 'set by the identity provider\'s groups' : '' },
        ...ROLES.map((r) => el('option', { value: r, text: r, selected: r === u.role })));
      role.addEventListener('change', () => patch(u.id, { role: role.value }));
      const login = u.login === 'password' ? 'password' : u.login === 'oidc' ? 'identity provider'
        : `identity provider, unlinked by ${u.unlinkedBy} ${new Date(u.unlinkedAt ?? '').toLocaleString()}: `
          + 'the next login with this username links it';
      const actions = el('td', {}, el('button', { type: 'button', text: u.disabled ? 'Enable' : 'Disable',
        onclick: () => patch(u.id, { disabled: !u.disabled }) }));
      if (u.login === 'oidc') {
        // the provider's account was deleted and created again (a new subject): relink it at its next login
        actions.append(' ', el('button', { type: 'button', text: 'Unlink identity', 'data-testid': 'user-unlink',
          title: 'the next login through the identity provider with this username takes over this account',
          onclick: async () => {
            if (!confirm(`Unlink ${u.username} from its identity-provider account? Its sessions end; the next `
              + 'login through the provider with this username takes over the account, its runs and tokens.')) return;
            try {
              await postJson(`/api/users/${u.id}/unlink-oidc`, {});
            } catch (e) { showError((e as Error).message); }
            await load();
          } }));
      }
      return el('tr', { 'data-testid': 'user-row' }, el('td', { text: u.username }), el('td', {}, role),
        el('td', { 'data-testid': 'user-login', text: login }), actions);
    }));
  };
  const patch = async (id: string, change: object) => {
    try {
      await api(`/api/users/${id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(change) });
    } catch (e) { showError((e as Error).message); }
    await load();
  };
  const username = el('input', { placeholder: 'username', 'data-testid': 'new-user-name' });
  const password = el('input', { placeholder: 'first password (8+ characters)', type: 'password',
    'data-testid': 'new-user-password' });
  const role = el('select', { 'data-testid': 'new-user-role' },
    ...ROLES.map((r) => el('option', { value: r, text: r, selected: r === 'researcher' })));
  const add = el('button', { type: 'button', text: 'Add user', 'data-testid': 'new-user-add', onclick: async () => {
    try {
      await postJson('/api/users', { username: username.value, password: password.value, role: role.value });
      username.value = password.value = '';
      await load();
    } catch (e) { showError((e as Error).message); }
  } });
  await load();
  return el('section', { class: 'card', 'data-testid': 'users-view' }, el('h2', { text: 'Users' }),
    el('div', {}, username, ' ', password, ' ', role, ' ', add),
    el('table', {}, el('thead', {}, el('tr', {}, ...['User', 'Role', 'Login', ''].map((h) => el('th', { text: h })))), body));
}

/** Under a run: its owner, rename and tags (owner or admin), and its notes with author and time. */
export function runOwnerPanel(id: string): HTMLElement {
  const panel = el('section', { class: 'card', 'data-testid': 'run-owner-panel' });
  const load = async () => {
    const [run, notes] = await Promise.all([
      api<{ name: string; owner: string | null; tags: string[] | null; editedBy: string | null;
        editedAt: string | null }>(`/api/experiments/${id}`),
      api<Note[]>(`/api/experiments/${id}/notes`)]);
    const mayEdit = !!me?.authenticated && (me.role === 'admin' || (me.role === 'researcher' && me.username === run.owner));
    const name = el('input', { value: run.name, 'data-testid': 'edit-name', disabled: !mayEdit });
    const tags = el('input', { value: (run.tags ?? []).join(', '), 'data-testid': 'edit-tags', disabled: !mayEdit });
    const note = el('textarea', { 'data-testid': 'note-text', rows: 3, cols: 60, disabled: !mayEdit });
    const save = async (path: string, init: RequestInit) => {
      try {
        await api(path, { ...init, headers: { 'Content-Type': 'application/json' } });
        await load();
      } catch (e) { showError(e instanceof ApiError ? e.message : String(e)); }
    };
    panel.replaceChildren(
      el('h3', { text: 'Owner, tags and notes' }),
      el('p', { 'data-testid': 'run-owner', text: `Owner: ${run.owner ?? '—'}` + (run.editedBy
        ? ` · edited by ${run.editedBy} at ${run.editedAt}` : '') }),
      el('div', {}, el('label', {}, 'Name ', name), ' ', el('label', {}, 'Tags ', tags), ' ',
        el('button', { type: 'button', text: 'Save', 'data-testid': 'edit-save', disabled: !mayEdit,
          onclick: () => save(`/api/experiments/${id}`, { method: 'PATCH', body: JSON.stringify({ name: name.value,
            tags: tags.value.split(',').map((t) => t.trim()).filter((t) => t) }) }) })),
      el('p', { 'data-testid': 'run-tags', text: `Tags: ${(run.tags ?? []).join(', ')}` }),
      el('ul', { 'data-testid': 'notes' }, ...notes.map((n) => el('li', { 'data-testid': 'note' },
        el('small', { text: `${n.author} · ${n.createdAt}` }),
        el('pre', { class: 'note-body', 'data-testid': 'note-body', text: n.body })))),
      el('div', {}, note, ' ', el('button', { type: 'button', text: 'Add note', 'data-testid': 'note-add',
        disabled: !mayEdit, onclick: () => save(`/api/experiments/${id}/notes`,
          { method: 'POST', body: JSON.stringify({ body: note.value }) }) })));
  };
  load().catch((e) => showError(String(e)));
  return panel;
}
