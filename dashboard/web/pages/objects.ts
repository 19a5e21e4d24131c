/** The object browser: the account's containers, or one container's folders and objects. */
import { getJson } from '../api.js';
import { currentPlace } from '../objects/links.js';
import { renderContainers } from '../objects/containers.js';
import { renderListing } from '../objects/listing.js';
import { pageFrame, startPage } from '../shell.js';

startPage(async () => {
  const place = currentPlace();
  if (!place.container) return renderContainers(pageFrame('Containers'));
  const { segmentSize } = await getJson<{ segmentSize: number }>('/api/objects/settings');
  return renderListing(pageFrame(place.container), { ...place, container: place.container }, segmentSize);
});
