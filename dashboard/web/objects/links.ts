/** The object browser's own URLs: /objects?container=…&prefix=…&marker=… */

export interface Place {
  container?: string;
  prefix: string;
  marker: string;
}

export function objectsHref(container?: string, prefix = '', marker = ''): string {
  const q = new URLSearchParams();
  if (container) q.set('container', container);
  if (prefix) q.set('prefix', prefix);
  if (marker) q.set('marker', marker);
  const qs = q.toString();
  return qs ? `/objects?${qs}` : '/objects';
}

export function currentPlace(): Place {
  const q = new URLSearchParams(location.search);
  return { container: q.get('container') ?? undefined, prefix: q.get('prefix') ?? '', marker: q.get('marker') ?? '' };
}
