/**
 * proxy: the public Swift API v1. A pipeline of filters read from a Swift
 * `proxy-server.conf` ending in the proxy app, which fans requests out to
 * storage nodes over HTTP (Swift's backend protocol) using the rings.
 */
export { startProxyServer } from './server.js';
export type { ProxyServer, ProxyServerOptions } from './server.js';
export type { App, Filter, FilterFactory, SwiftRequest, SwiftResponse, Cache, PipelineContext } from './types.js';
export { readPipeline, buildPipeline, eggName } from './pipeline.js';
export type { Registry, PipelineSpec } from './pipeline.js';
export { withRequiredFilters, REQUIRED_FILTERS } from './required-filters.js';
export { FILTERS, makeRegistry } from './registry.js';
export { startEdge } from './edge.js';
export { createProxyApp } from './proxy-app.js';
export type { RingLoader } from './proxy-app.js';
export { MemoryCache } from './cache/memory-cache.js';
export { MemcacheClient } from './cache/memcache-client.js';
export { IpcCache, serveIpcCache } from './cache/ipc-cache.js';
export { generateTransId } from './trans-id.js';
export { runProxyServer, proxyWorkers } from './run-proxy.js';
