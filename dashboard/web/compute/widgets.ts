/** Small pieces the compute view's sections build with: a labelled field, a table, a confirmation, a select's options. */
import { h, replaceChildren } from '../dom.js';
import { dialog } from '../shell.js';

export const field = (id: string, label: string, input: HTMLElement): HTMLElement[] => [h('label', { for: id }, label), input];

export function table(caption: string, head: string[], rows: (string | number | Node)[][], id?: string): HTMLTableElement {
  return h('table', { class: 'list', id: id ?? null },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
}

export async function confirm(title: string, text: string, action: string): Promise<boolean> {
  return (await dialog(title, h('p', {}, text), [{ label: 'Cancel', value: 'cancel' }, { label: action, value: 'ok', primary: true }])) === 'ok';
}

/** Refills a select, keeping the chosen value when it is still offered. */
export function setOptions(select: HTMLSelectElement, options: { value: string; label: string }[]): void {
  const chosen = select.value;
  replaceChildren(select, ...options.map((o) => h('option', { value: o.value }, o.label)));
  if (options.some((o) => o.value === chosen)) select.value = chosen;
}
