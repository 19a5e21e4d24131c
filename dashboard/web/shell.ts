/** What every page module shares with the page shell: its `<main>`, the status line, errors. */
import { h, replaceChildren } from './dom.js';

export function mainElement(): HTMLElement {
  return document.getElementById('main')!;
}

/** Says something in the status line (read out by screen readers). */
export function announce(message: string, kind: 'info' | 'error' = 'info'): void {
  const status = document.getElementById('status');
  if (!status) return;
  status.className = `status ${kind}`;
  replaceChildren(status, message);
}

export function showError(err: unknown): void {
  announce(err instanceof Error ? err.message : String(err), 'error');
}

/** A page heading plus a region the page fills; returns that region. */
export function pageFrame(title: string): HTMLElement {
  const body = h('div', { class: 'page-body' });
  replaceChildren(mainElement(), h('h1', {}, title), body);
  return body;
}

/** A modal dialog (native `<dialog>`: focus is trapped, Escape closes); resolves with the pressed button's value. */
export function dialog(title: string, content: Node, buttons: { label: string; value: string; primary?: boolean }[]): Promise<string> {
  return new Promise((resolve) => {
    const form = h('form', { method: 'dialog' }, h('h2', {}, title), content,
      h('div', { class: 'buttons' }, ...buttons.map((b) => h('button', { value: b.value, class: b.primary ? 'primary' : null }, b.label))));
    const dlg = h('dialog', { 'aria-label': title }, form);
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(dlg.returnValue || 'cancel');
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

/** Runs a page's start function once the DOM is ready, showing what fails. */
export function startPage(start: () => Promise<void> | void): void {
  const run = (): void => {
    Promise.resolve().then(start).catch(showError);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run, { once: true });
  else run();
}
