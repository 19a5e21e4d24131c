/**
 * What the compute view's sections share: the relay prefixes, the API's
 * shapes, and the catalog (flavors, images, key pairs) that several
 * sections show. A section reloads one list; every section that shows it
 * redraws just its own part, so a form being filled in is never rebuilt.
 * Images still being made (a snapshot, an upload) are polled until they settle.
 */
import { getJson } from '../api.js';
import { showError } from '../shell.js';

export const NOVA = '/api/compute/nova';
export const GLANCE = '/api/compute/glance';
export const POLL_MS = 3_000;

export interface Flavor { id: string; name: string; vcpus: number; ram: number; disk: number }
export interface Image { id: string; name: string | null; status: string; size: number | null; disk_format?: string; visibility?: string }
export interface KeyPair { name: string; fingerprint: string }

/** Glance statuses an image leaves by itself (Nova's list says SAVING, the image API saving/queued/importing). */
const SETTLING = new Set(['queued', 'saving', 'importing', 'uploading']);

type List = 'flavors' | 'images' | 'keypairs';

export class Catalog {
  flavors: Flavor[] = [];
  images: Image[] = [];
  keypairs: KeyPair[] = [];
  private readonly watchers: { list: List; redraw: () => void }[] = [];
  private imageTimer: number | undefined;

  /** `imageApi`: the image API is relayed (else images come from the compute API's read-only list). */
  constructor(readonly imageApi: boolean) {}

  /** Calls `redraw` now and whenever `list` is reloaded. */
  watch(list: List, redraw: () => void): void {
    this.watchers.push({ list, redraw });
    redraw();
  }

  async loadFlavors(): Promise<void> {
    this.flavors = (await getJson<{ flavors: Flavor[] }>(`${NOVA}/flavors/detail`)).flavors;
    this.changed('flavors');
  }

  async loadKeypairs(): Promise<void> {
    this.keypairs = (await getJson<{ keypairs: { keypair: KeyPair }[] }>(`${NOVA}/os-keypairs`)).keypairs.map((k) => k.keypair);
    this.changed('keypairs');
  }

  async loadImages(): Promise<void> {
    window.clearTimeout(this.imageTimer);
    this.images = this.imageApi
      ? (await getJson<{ images: Image[] }>(`${GLANCE}/images`)).images
      : (await getJson<{ images: Image[] }>(`${NOVA}/images/detail`)).images;
    this.changed('images');
    if (this.images.some((i) => SETTLING.has(i.status.toLowerCase()))) {
      this.imageTimer = window.setTimeout(() => void this.loadImages().catch(showError), POLL_MS);
    }
  }

  async loadAll(): Promise<void> {
    await Promise.all([this.loadFlavors(), this.loadKeypairs(), this.loadImages()]);
  }

  bootable(): Image[] {
    return this.images.filter((i) => i.status.toLowerCase() === 'active');
  }

  private changed(list: List): void {
    for (const w of this.watchers) if (w.list === list) w.redraw();
  }
}
