/**
 * Piping a body into an HTTP response without stream.pipeline's per-call
 * AbortController, DOMException (with its stack trace) and end-of-stream
 * watchers: on small GETs those were 2% of the proxy's CPU and the largest
 * single cost in the object server's GET.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

const ignore = (): void => undefined;

/**
 * Streams `body` into the response and tears both down if either fails: a
 * backend dying past the point of recovery cuts the client's connection (no
 * spliced body), and a client going away destroys the backend's body. What
 * stream.pipeline does, without what it allocates per call.
 *
 * On failure it settles only once `body` has closed, as pipeline does: a
 * file stream destroyed with a read still on the thread pool keeps using
 * its fd until then, and a caller closing that fd sooner could see the
 * number reused (by a socket, say) and the read land there. Errors either
 * stream raises after that are ignored, not thrown.
 */
export function pipeBody(body: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      body.off('error', fail);
      body.off('close', onBodyClose);
      res.off('error', fail);
      res.off('close', onResClose);
      res.off('finish', onFinish);
    };
    function fail(err: Error): void {
      cleanup();
      body.on('error', ignore);
      res.on('error', ignore);
      body.unpipe(res);
      res.destroy();
      if (body.closed) return reject(err);
      body.once('close', () => reject(err));
      body.destroy();
    }
    const onBodyClose = () => {
      if (!body.readableEnded) fail(new Error('response body closed before its end'));
    };
    const onResClose = () => {
      if (!res.writableFinished) fail(new Error('client went away'));
    };
    const onFinish = () => {
      cleanup();
      body.on('error', ignore);
      resolve();
    };
    body.on('error', fail);
    body.on('close', onBodyClose);
    res.on('error', fail);
    res.on('close', onResClose);
    res.on('finish', onFinish);
    body.pipe(res);
  });
}
