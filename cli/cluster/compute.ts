/**
 * The compute part of `swiftly start --with-compute`: a Nova-style config
 * written once under `<dir>/etc/compute.conf` (operator-editable, like the
 * rest), then API + scheduler + one compute worker in this process on the
 * in-process bus unless the config names a `transport_url`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../common/index.js';
import { readComputeConfig, startComputeServices, type ComputeServices } from '../../compute/index.js';

export interface ComputeStartOptions {
  etcDir: string;
  dataDir: string;
  /** The object store's proxy, for token checks. */
  proxyUrl: string;
  bind: { host: string; port: number };
  driver?: string;
  /** Where the compute services log. */
  logFile: string;
}

export function ensureComputeConf(options: ComputeStartOptions): string {
  const path = join(options.etcDir, 'compute.conf');
  if (existsSync(path)) return path;
  writeFileSync(
    path,
    `[DEFAULT]
host = ${'aio-compute'}
# empty: in-process message bus; e.g. rabbit://guest:guest@127.0.0.1:5672/
transport_url =
compute_driver = ${options.driver ?? 'fake'}
osapi_compute_listen = ${options.bind.host}
osapi_compute_listen_port = ${options.bind.port}

[database]
connection = sqlite:///${join(options.dataDir, 'compute', 'state.sqlite')}

[auth]
auth_strategy = tempauth
proxy_url = ${options.proxyUrl}
admin_projects = admin
`,
  );
  return path;
}

export async function startAllInOneCompute(options: ComputeStartOptions): Promise<ComputeServices> {
  const conf = ensureComputeConf(options);
  const config = readComputeConfig(conf);
  const logger = createLogger({ name: 'swiftly-compute', level: config.logLevel, destination: options.logFile });
  return startComputeServices({ config: options.driver ? { ...config, computeDriver: options.driver } : config, logger });
}
