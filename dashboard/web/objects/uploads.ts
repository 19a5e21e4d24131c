/**
 * The upload queue: each file a row with its progress bar and a Cancel
 * button, a few at a time. A file up to the segment size is one PUT; a
 * larger one goes up as segments into `<container>_segments` (the names
 * python-swiftclient uses) and then an SLO manifest, so any size works and
 * nothing is held whole anywhere on the way. Cancelling aborts the PUT in
 * flight (the dashboard aborts the proxy's, so no partial object appears)
 * and deletes the segments already sent.
 */
import { ApiError, apiOk, swiftUrl, upload } from '../api.js';
import { formatBytes, h } from '../dom.js';
import { announce } from '../shell.js';

export interface UploadFile {
  file: File;
  /** The object name in the container. */
  name: string;
}

const CONCURRENCY = 3;

interface Job extends UploadFile {
  container: string;
  row: HTMLLIElement;
  bar: HTMLProgressElement;
  state: HTMLSpanElement;
  cancel: HTMLButtonElement;
  abort: AbortController;
}

export class UploadQueue {
  private readonly waiting: Job[] = [];
  private running = 0;

  constructor(private readonly list: HTMLUListElement, private readonly segmentSize: number, private readonly onDone: () => void) {}

  add(container: string, files: UploadFile[]): void {
    for (const f of files) {
      const abort = new AbortController();
      const bar = h('progress', { max: Math.max(1, f.file.size), value: 0, 'aria-label': `upload of ${f.name}` });
      const state = h('span', { class: 'state' }, 'waiting');
      const cancel = h('button', { type: 'button', 'aria-label': `Cancel upload of ${f.name}` }, 'Cancel');
      const row = h('li', { 'data-name': f.name }, h('span', { class: 'name' }, `${f.name} (${formatBytes(f.file.size)})`), bar, state, cancel);
      const job: Job = { ...f, container, row, bar, state, cancel, abort };
      cancel.addEventListener('click', () => abort.abort());
      this.list.append(row);
      this.waiting.push(job);
    }
    this.pump();
  }

  private pump(): void {
    while (this.running < CONCURRENCY && this.waiting.length) {
      const job = this.waiting.shift()!;
      if (job.abort.signal.aborted) {
        this.finish(job, 'cancelled', 'failed');
        continue;
      }
      this.running++;
      this.run(job).finally(() => {
        this.running--;
        this.pump();
        if (!this.running && !this.waiting.length) this.onDone();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    job.state.textContent = 'uploading';
    try {
      if (job.file.size > this.segmentSize) await this.putSlo(job);
      else await upload(swiftUrl(job.container, job.name), job.file, {
        headers: { 'content-type': job.file.type || 'application/octet-stream' },
        onProgress: (sent) => (job.bar.value = sent),
        signal: job.abort.signal,
      });
      job.bar.value = job.bar.max;
      this.finish(job, 'done', 'done');
      announce(`Uploaded ${job.name}`);
    } catch (err) {
      const cancelled = job.abort.signal.aborted;
      this.finish(job, cancelled ? 'cancelled' : `failed: ${err instanceof Error ? err.message : String(err)}`, 'failed');
      announce(cancelled ? `Cancelled ${job.name}` : `Upload of ${job.name} failed`, cancelled ? 'info' : 'error');
    }
  }

  private finish(job: Job, text: string, cls: string): void {
    job.state.textContent = text;
    job.state.className = `state ${cls}`;
    job.row.dataset.state = cls === 'done' ? 'done' : text === 'cancelled' ? 'cancelled' : 'failed';
    job.cancel.disabled = true;
  }

  /** Segments, then the manifest; on failure the segments sent are deleted. */
  private async putSlo(job: Job): Promise<void> {
    const segContainer = `${job.container}_segments`;
    await apiOk(swiftUrl(segContainer), { method: 'PUT' }, `creating ${segContainer}`);
    const size = job.file.size;
    const base = `${job.name}/slo/${(Date.now() / 1000).toFixed(6)}/${size}/${this.segmentSize}`;
    const manifest: { path: string; etag: string; size_bytes: number }[] = [];
    try {
      for (let offset = 0, i = 0; offset < size; offset += this.segmentSize, i++) {
        const blob = job.file.slice(offset, Math.min(size, offset + this.segmentSize));
        const segName = `${base}/${String(i).padStart(8, '0')}`;
        const { etag } = await upload(swiftUrl(segContainer, segName), blob, {
          onProgress: (sent) => (job.bar.value = offset + sent),
          signal: job.abort.signal,
        });
        manifest.push({ path: `/${segContainer}/${segName}`, etag: (etag ?? '').replace(/"/g, ''), size_bytes: blob.size });
      }
      if (job.abort.signal.aborted) throw new DOMException('upload cancelled', 'AbortError');
      await apiOk(swiftUrl(job.container, job.name, { 'multipart-manifest': 'put' }), {
        method: 'PUT', headers: { 'content-type': job.file.type || 'application/octet-stream' }, body: JSON.stringify(manifest),
      }, `the manifest of ${job.name}`);
    } catch (err) {
      await Promise.allSettled(manifest.map((m) => apiOk(`/api/swift${m.path.split('/').map(encodeURIComponent).join('/')}`, { method: 'DELETE' })));
      throw err instanceof ApiError || err instanceof DOMException ? err : new ApiError(0, String(err));
    }
  }
}

/** Every file of a drop, folders walked (their files named by their path under the drop). */
export async function droppedFiles(data: DataTransfer): Promise<UploadFile[]> {
  const entries = [...data.items].map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  if (!entries.length) return [...data.files].map((file) => ({ file, name: file.name }));
  const out: UploadFile[] = [];
  const walk = async (entry: FileSystemEntry, path: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ file, name: path + entry.name });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries answers in batches until an empty one.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const child of batch) await walk(child, `${path}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}

/** Files chosen with an `<input type=file>` (a folder input gives webkitRelativePath). */
export function chosenFiles(input: HTMLInputElement): UploadFile[] {
  return [...(input.files ?? [])].map((file) => ({ file, name: file.webkitRelativePath || file.name }));
}
