/**
 * A filter's own statsd client (Swift's `get_logger(conf, log_route=…)` in a
 * middleware): its `log_statsd_*` options ([DEFAULT] merged in), its names
 * under `tail` — by default the proxy's log name, which paste hands every
 * filter (`log_name`, `proxy-server`), so tempurl counts
 * `proxy-server.tempurl.digests.sha256`.
 */
import { statsdFromConf, type Section, type Statsd } from '../../common/index.js';
import type { PipelineContext } from '../types.js';

export function filterStatsd(conf: Section, ctx: PipelineContext, tail = conf.log_name ?? 'proxy-server'): Statsd {
  return statsdFromConf(conf, tail, { onError: (err) => ctx.logger.warn({ err: err.message }, 'Error sending UDP message to statsd') });
}
