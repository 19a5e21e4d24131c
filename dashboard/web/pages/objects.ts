/** The object browser: containers, then a container's pseudo-folders and objects. */
import { getJson, swiftUrl } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { pageFrame, startPage } from '../shell.js';

interface ContainerEntry {
  name: string;
  count: number;
  bytes: number;
}

startPage(async () => {
  const body = pageFrame('Containers');
  const containers = await getJson<ContainerEntry[]>(swiftUrl(undefined, undefined, { format: 'json' }));
  replaceChildren(body, h('ul', {}, ...containers.map((c) => h('li', {}, c.name))));
});
