/**
 * The dashboard's one typed config, read from the `[dashboard]` section of
 * a Swift-style INI file (`dashboard.conf`) with every default here.
 */
import { ConfigError, getInt, getString, readConfSection, listFromCsv, type Section } from '../common/index.js';

export interface DashboardConfig {
  bindIp: string;
  /** 0: any free port (tests). */
  bindPort: number;
  /** The proxy (Swift API, tempauth's /auth/v1.0) as the dashboard server reaches it. */
  proxyUrl: string;
  /** The proxy as browsers reach it, for share links (tempurls); the proxy URL when empty. */
  publicProxyUrl: string;
  /** The compute API (Nova-style), when there is one. */
  computeUrl?: string;
  /** The image API (Glance-style), when there is one. */
  imageUrl?: string;
  /** Storage nodes' `host:port` whose `/recon` the cluster view reads. */
  reconHosts: string[];
  /** `/metrics` URLs by server name, for the cluster view. */
  metricsUrls: Record<string, string>;
  /** Files larger than this go up as segments of this size and an SLO manifest (bytes). */
  segmentSize: number;
  /** How often the cluster view scrapes every /metrics URL (ms; `metrics_interval` in seconds). */
  metricsIntervalMs: number;
  /** Seconds a session lives at most (the token's own expiry may end it sooner). */
  sessionLife: number;
  logLevel: string;
}

const DEFAULTS = {
  bind_ip: '127.0.0.1', bind_port: 8090, segment_size: 100 * 1024 * 1024, session_life: 8 * 3600, log_level: 'info', metrics_interval: 15,
};

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Parses `metrics_urls = name=url, name=url`. */
function parseNamedUrls(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of listFromCsv(value)) {
    const eq = item.indexOf('=');
    if (eq > 0) out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

/** The config from a parsed `[dashboard]` section. */
export function dashboardConfigFrom(section: Section): DashboardConfig {
  const proxyUrl = trimSlash(getString(section, 'proxy_url', ''));
  if (!proxyUrl) throw new ConfigError('dashboard: proxy_url is required');
  const computeUrl = trimSlash(getString(section, 'compute_url', ''));
  const imageUrl = trimSlash(getString(section, 'image_url', ''));
  return {
    bindIp: getString(section, 'bind_ip', DEFAULTS.bind_ip),
    bindPort: getInt(section, 'bind_port', DEFAULTS.bind_port, 0),
    proxyUrl,
    publicProxyUrl: trimSlash(getString(section, 'public_proxy_url', '')) || proxyUrl,
    computeUrl: computeUrl || undefined,
    imageUrl: imageUrl || undefined,
    reconHosts: listFromCsv(section.recon_hosts),
    metricsUrls: parseNamedUrls(section.metrics_urls),
    segmentSize: getInt(section, 'segment_size', DEFAULTS.segment_size, 1),
    sessionLife: getInt(section, 'session_life', DEFAULTS.session_life, 60),
    metricsIntervalMs: getInt(section, 'metrics_interval', DEFAULTS.metrics_interval, 1) * 1000,
    logLevel: getString(section, 'log_level', DEFAULTS.log_level),
  };
}

/** Reads `[dashboard]` from a dashboard.conf. */
export function readDashboardConfig(path: string): DashboardConfig {
  return dashboardConfigFrom(readConfSection(path, 'dashboard'));
}
