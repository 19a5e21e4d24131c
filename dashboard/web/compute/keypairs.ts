/** Key pairs: the list with a delete (after a confirmation) each, and a form that makes one (its private key shown once) or imports a public key. */
import { apiOk, postJson } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { announce, dialog, showError } from '../shell.js';
import { NOVA, type Catalog, type KeyPair } from './catalog.js';
import { confirm, field, table } from './widgets.js';

function deleteButton(catalog: Catalog, k: KeyPair): HTMLButtonElement {
  return h('button', {
    type: 'button', class: 'danger', 'aria-label': `Delete key pair ${k.name}`,
    onclick: () => {
      (async () => {
        if (!(await confirm('Delete key pair', `Delete key pair ${k.name}?`, 'Delete'))) return;
        await apiOk(`${NOVA}/os-keypairs/${encodeURIComponent(k.name)}`, { method: 'DELETE' }, 'Delete key pair');
        announce(`Deleted key pair ${k.name}`);
        await catalog.loadKeypairs();
      })().catch(showError);
    },
  }, 'Delete');
}

function addForm(catalog: Catalog): HTMLElement {
  const name = h('input', { id: 'key-name', required: true, autocomplete: 'off' });
  const pub = h('textarea', { id: 'key-public', rows: 2, placeholder: 'ssh-ed25519 AAAA… (empty: a new key pair is made)' });
  const form = h('form', { class: 'fields' }, ...field('key-name', 'Name', name), ...field('key-public', 'Public key', pub),
    h('span', {}), h('button', { type: 'submit', class: 'primary' }, 'Add key pair'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    (async () => {
      const keypair: Record<string, string> = { name: name.value };
      if (pub.value.trim()) keypair.public_key = pub.value.trim();
      const made = await postJson<{ keypair: { name: string; private_key?: string } }>(`${NOVA}/os-keypairs`, { keypair });
      form.reset();
      await catalog.loadKeypairs();
      if (made.keypair.private_key) {
        await dialog(`Private key of ${made.keypair.name}`, h('div', {}, h('p', {}, 'Save it now: it is not kept and will not be shown again.'),
          h('textarea', { readonly: true, rows: 10, class: 'share-url', 'aria-label': 'private key' }, made.keypair.private_key)), [{ label: 'Done', value: 'ok', primary: true }]);
      }
      announce(`Added key pair ${made.keypair.name}`);
    })().catch(showError);
  });
  return form;
}

export function keypairsSection(catalog: Catalog): HTMLElement {
  const list = h('div');
  catalog.watch('keypairs', () => replaceChildren(list, catalog.keypairs.length
    ? table('Your key pairs', ['name', 'fingerprint', ''], catalog.keypairs.map((k) => [k.name, k.fingerprint, deleteButton(catalog, k)]), 'keypairs')
    : h('p', { class: 'muted' }, 'No key pairs.')));
  return h('section', { 'aria-labelledby': 'keys-h' }, h('h2', { id: 'keys-h' }, 'Key pairs'), list, addForm(catalog));
}
