/**
 * The proxy's own Prometheus metrics beside the per-request ones: backend
 * errors per node (what error limiting counts) and the nodes error-limited
 * now, read from each live proxy's ErrorLimiter when scraped. Summed over
 * workers, an error-limited node reads as the number of workers skipping it.
 */
import { counter, gauge } from '../common/index.js';
import type { ErrorLimiter } from './backend/error-limiter.js';

const limiters = new Set<ErrorLimiter>();

const backendErrors = counter(
  'swiftly_proxy_backend_errors_total',
  'Backend requests that failed (timeout, refused connection, 5xx, 507) as error limiting counts them, by node (ip:port/device)',
  ['node'],
);

gauge(
  'swiftly_proxy_error_limited_nodes',
  'Nodes (ip:port/device) the proxy skips now for their errors (error_suppression_limit within error_suppression_interval)',
  ['node'],
  {
    collect() {
      this.reset();
      for (const l of limiters) for (const node of l.limitedNodes()) this.inc({ node });
    },
  },
);

/** Counts one backend error of `node`. */
export function countBackendError(node: string): void {
  backendErrors.inc({ node });
}

/** Shows `limiter`'s error-limited nodes on /metrics until the returned function is called. */
export function watchErrorLimiter(limiter: ErrorLimiter): () => void {
  limiters.add(limiter);
  return () => limiters.delete(limiter);
}
