/**
 * The compute view: servers with live status (polled every few seconds,
 * no reload), their actions and console log; boot; flavors; images with
 * uploads showing progress; key pairs. Everything goes through the relay
 * to the compute API (`/api/compute/nova/…`) and the image API
 * (`/api/compute/glance/…`). Each section is a module of `../compute/`.
 */
import { getJson } from '../api.js';
import { Catalog } from '../compute/catalog.js';
import { imagesSection } from '../compute/images.js';
import { keypairsSection } from '../compute/keypairs.js';
import { bootSection, serversSection } from '../compute/servers.js';
import { table } from '../compute/widgets.js';
import { h, replaceChildren } from '../dom.js';
import { pageFrame, startPage } from '../shell.js';

startPage(async () => {
  const body = pageFrame('Compute');
  const settings = await getJson<{ compute: boolean; images: boolean }>('/api/compute/settings');
  if (!settings.compute) {
    replaceChildren(body, h('p', {}, 'No compute API is configured (swiftly start --with-compute runs one).'));
    return;
  }
  const catalog = new Catalog(settings.images);
  const servers = serversSection(catalog);
  replaceChildren(body, servers.section);
  await catalog.loadAll();
  const flavors = h('div');
  catalog.watch('flavors', () => replaceChildren(flavors, table('Flavors', ['name', 'vCPUs', 'RAM', 'disk'], catalog.flavors.map((x) => [x.name, x.vcpus, `${x.ram} MiB`, `${x.disk} GiB`]))));
  body.append(bootSection(catalog, servers.refresh),
    h('section', { 'aria-labelledby': 'flavors-h' }, h('h2', { id: 'flavors-h' }, 'Flavors'), flavors),
    ...(settings.images ? [imagesSection(catalog)] : []), keypairsSection(catalog));
  await servers.refresh();
});
