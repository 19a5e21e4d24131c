/**
 * What an RPC server counts (the scheduler's, conductor's and compute
 * worker's work): messages handled by topic, method and result (ok, error,
 * refused) and how long each method's handler took.
 */
import { counter, histogram, LATENCY_BUCKETS } from '../../common/index.js';

const handled = counter('swiftly_rpc_messages_total', 'RPC messages handled, by topic, method and result (ok, error, refused)', ['topic', 'method', 'result']);
const duration = histogram('swiftly_rpc_handler_duration_seconds', 'Time an RPC handler took, by topic and method', ['topic', 'method'], LATENCY_BUCKETS);

/** Counts a message that reached no handler (malformed, a refused version, an unknown method). */
export function rpcRefused(topic: string): void {
  handled.inc({ topic, method: 'unknown', result: 'refused' });
}

/** Counts a handled message. `method` is one of the endpoint's own names (bounded). */
export function rpcHandled(topic: string, method: string, ok: boolean, seconds: number): void {
  handled.inc({ topic, method, result: ok ? 'ok' : 'error' });
  duration.observe({ topic, method }, seconds);
}
