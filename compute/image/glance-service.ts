/**
 * The image service's steps, between the HTTP edge and the stores: image
 * records in an ImageDb, data in a SwiftStore. An upload streams the
 * request into a Swift PUT while md5 and sha512 are computed as bytes pass
 * (nothing buffered); status goes queued → saving → active, or killed when
 * the upload fails (the store keeps nothing: a Swift PUT is whole or not at
 * all, and a stored object that doesn't match is deleted).
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { SwiftlyError, type Logger } from '../../common/index.js';
import type { GlanceImage, ImageDb, ImageMember, MemberStatus } from './image-db.js';
import type { StoredObject, SwiftStore } from './swift-store.js';

/** Who references an image (compute: instances booted from it). */
export interface ImageUsage {
  inUse(imageId: string): Promise<boolean> | boolean;
}

export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
export const VISIBILITIES = ['public', 'private', 'shared', 'community'];
/** Glance's image_member_quota. */
const MAX_MEMBERS = 128;

export interface Caller {
  projectId: string;
  isAdmin: boolean;
}

export interface GlanceServiceOptions {
  db: ImageDb;
  store: SwiftStore;
  usage?: ImageUsage;
  logger: Logger;
  /**
   * Glance's `swift_store_large_object_size` in bytes: a larger image, or one
   * of unknown size, is stored as segments of `largeObjectChunkSize` with a
   * static large object manifest (as glance_store's Swift driver does).
   */
  largeObjectSize: number;
  /** Glance's `swift_store_large_object_chunk_size` in bytes. */
  largeObjectChunkSize: number;
  /** Glance's `image_size_cap` in bytes: a bigger upload is refused with 413. */
  imageSizeCap: number;
}

export const httpError = (status: number, message: string): SwiftlyError => {
  const code = status === 404 ? 'ERR_NOT_FOUND' : status === 409 ? 'ERR_CONFLICT' : status === 413 || status === 501 ? 'ERR_UNSUPPORTED' : 'ERR_INVALID_ARGUMENT';
  return new SwiftlyError(code, message, { status });
};

/** md5 + sha512 + byte count of what flows through, with a byte cap. */
class HashingCounter extends Transform {
  readonly md5 = createHash('md5');
  readonly sha512 = createHash('sha512');
  bytes = 0;

  constructor(private readonly cap: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.cap) {
      done(httpError(413, `Image exceeds the storage limit of ${this.cap} bytes (image_size_cap).`));
      return;
    }
    this.md5.update(chunk);
    this.sha512.update(chunk);
    done(null, chunk);
  }
}

export class GlanceService {
  constructor(private readonly o: GlanceServiceOptions) {}

  /** Visible to the caller, else 404 (Glance hides what you can't see). */
  get(caller: Caller, id: string): GlanceImage {
    const image = this.o.db.get(id);
    if (!image || !this.canSee(caller, image)) throw httpError(404, `No image found with ID ${id}`);
    return image;
  }

  /**
   * Glance's `is_image_visible`: public and community images are anyone's
   * to use, a private one its owner's, a shared one its owner's and its
   * members' (whatever their status: the status only decides listing).
   */
  canSee(caller: Caller, image: GlanceImage): boolean {
    if (caller.isAdmin || image.owner === caller.projectId || image.visibility === 'public' || image.visibility === 'community') return true;
    return image.visibility === 'shared' && this.o.db.member(image.id, caller.projectId) !== undefined;
  }

  /** Members of a shared image: its owner sees them all, a member only itself. */
  members(caller: Caller, id: string): ImageMember[] {
    const image = this.get(caller, id);
    const all = this.o.db.members(id);
    return caller.isAdmin || image.owner === caller.projectId ? all : all.filter((m) => m.member_id === caller.projectId);
  }

  member(caller: Caller, id: string, memberId: string): ImageMember {
    const found = this.members(caller, id).find((m) => m.member_id === memberId);
    if (!found) throw httpError(404, `${memberId} is not a member of image ${id}`);
    return found;
  }

  /** The owner shares the image with a project (pending until it accepts). */
  addMember(caller: Caller, id: string, memberId: string): ImageMember {
    const image = this.writable(caller, id);
    if (image.visibility !== 'shared') throw httpError(403, `Only shared images have members.`);
    if (this.o.db.members(id).length >= MAX_MEMBERS) throw httpError(413, `The image has reached its limit of ${MAX_MEMBERS} members.`);
    if (!this.o.db.addMember(id, memberId)) throw httpError(409, `Member ${memberId} already exists for image ${id}.`);
    return this.o.db.member(id, memberId)!;
  }

  /** Only the member itself accepts, rejects or resets its membership. */
  setMemberStatus(caller: Caller, id: string, memberId: string, status: MemberStatus): ImageMember {
    this.member(caller, id, memberId);
    if (memberId !== caller.projectId) throw httpError(403, `You are not permitted to modify 'status' on this image member.`);
    this.o.db.setMemberStatus(id, memberId, status);
    return this.o.db.member(id, memberId)!;
  }

  /** The owner takes the image back from a project. */
  removeMember(caller: Caller, id: string, memberId: string): void {
    this.member(caller, id, memberId);
    this.writable(caller, id);
    this.o.db.removeMember(id, memberId);
  }

  /** Owner or admin, for changes (403 otherwise, as Glance's policy). */
  writable(caller: Caller, id: string): GlanceImage {
    const image = this.get(caller, id);
    if (!caller.isAdmin && image.owner !== caller.projectId) throw httpError(403, 'You are not permitted to modify this image.');
    return image;
  }

  /**
   * Stream `source` into the store as the image's data. `length` is the
   * request's Content-Length when it sent one.
   */
  async upload(caller: Caller, id: string, source: Readable, length?: number): Promise<GlanceImage> {
    const image = this.writable(caller, id);
    if (length !== undefined && length > this.o.imageSizeCap) {
      throw httpError(413, `Image size ${length} exceeds the storage limit of ${this.o.imageSizeCap} bytes (image_size_cap).`);
    }
    if (!this.o.db.update(id, { status: 'saving' }, ['queued'])) {
      throw httpError(409, `Image status transition from ${image.status} to saving is not allowed`);
    }
    const hasher = new HashingCounter(this.o.imageSizeCap);
    const segmented = length === undefined || length > this.o.largeObjectSize;
    let etag: string;
    try {
      // pipe() (not pipeline) into the hasher: undici consumes `hasher`; an error on `source` is forwarded so the store PUT aborts.
      source.on('error', (err) => hasher.destroy(err));
      source.on('aborted', () => hasher.destroy(new SwiftlyError('ERR_CLIENT_DISCONNECT', 'client disconnected during upload', { status: 499 })));
      source.pipe(hasher);
      etag = segmented
        ? await this.o.store.putSegmented(id, hasher, this.o.largeObjectChunkSize, length)
        : await this.o.store.put(id, hasher, length);
      if (length !== undefined && hasher.bytes !== length) throw httpError(400, `Image upload stopped after ${hasher.bytes} of ${length} bytes`);
    } catch (err) {
      await this.kill(id, false);
      // Prefer the hasher's reason (limit, disconnect) over undici's "aborted".
      throw (hasher.errored as Error | null) ?? err;
    }
    const checksum = hasher.md5.digest('hex');
    // A segmented image's ETag is the MD5 of its segments' MD5s, each checked by the store as it went.
    if (!segmented && etag && etag !== checksum) {
      await this.kill(id, true);
      throw httpError(500, `The store's ETag ${etag} does not match the uploaded data's md5 ${checksum}`);
    }
    const done = this.o.db.update(id, { status: 'active', size: hasher.bytes, checksum, os_hash_algo: 'sha512', os_hash_value: hasher.sha512.digest('hex') }, ['saving']);
    if (!done) {
      // Deleted while uploading: the data must not outlive the record.
      await this.o.store.delete(id).catch(() => false);
      throw httpError(410, `Image ${id} was deleted during the upload`);
    }
    return this.o.db.get(id)!;
  }

  private async kill(id: string, deleteObject: boolean): Promise<void> {
    this.o.db.update(id, { status: 'killed' }, ['saving']);
    if (deleteObject) await this.o.store.delete(id).catch((err: Error) => this.o.logger.error({ image: id, err: err.message }, 'cannot delete the data of a killed image'));
  }

  /** The image's data from the store, or undefined when it has none (Glance's 204). */
  async download(caller: Caller, id: string): Promise<{ image: GlanceImage; object: StoredObject } | undefined> {
    const image = this.get(caller, id);
    if (image.status !== 'active' || image.size === 0 && !image.checksum) return undefined;
    const object = await this.o.store.get(id);
    if (!object) throw httpError(503, `The data of image ${id} is missing from the store`);
    return { image, object };
  }

  async delete(caller: Caller, id: string): Promise<void> {
    const image = this.writable(caller, id);
    if (image.protected) throw httpError(403, `Image ${id} is protected and cannot be deleted.`);
    if (this.o.usage && (await this.o.usage.inUse(id))) throw httpError(409, `Image ${id} is in use by a server and cannot be deleted.`);
    if (!this.o.db.markDeleted(id)) throw httpError(404, `No image found with ID ${id}`);
    await this.o.store.delete(id).catch((err: Error) => this.o.logger.error({ image: id, err: err.message }, 'cannot delete image data'));
  }
}
