/** What every object verb handler gets: the parsed request and the server's parts. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, Statsd, SwiftConf } from '../../../common/index.js';
import type { ObjectServerConf } from '../object-conf.js';
import type { DiskFileManager } from '../disk-file.js';
import type { ContainerUpdater, UpdateContext } from '../container-update.js';

export interface ObjectServer {
  conf: ObjectServerConf;
  swiftConf: SwiftConf;
  manager: DiskFileManager;
  updater: ContainerUpdater;
  logger: Logger;
  /** Swift's `object-server.` statsd names the handlers count (`PUT.timeouts`); absent when statsd is off. */
  statsd?: Statsd;
}

export interface ObjectRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  headers: IncomingHttpHeaders;
  device: string;
  partition: string;
  account: string;
  container: string;
  obj: string;
  policyIndex: number;
}

/** The context container updates need, once the device is known. */
export function updateContext(r: ObjectRequest, devicePath: string): UpdateContext {
  const host = r.headers.host ?? 'localhost';
  return {
    objDevice: r.device,
    devicePath,
    policyIndex: r.policyIndex,
    requestHeaders: r.headers,
    referer: `${r.method} http://${host}${r.req.url ?? ''}`,
  };
}

/** A single header value (the first when repeated). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
