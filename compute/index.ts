/**
 * compute: swiftly's Nova-style extension. A REST API (Nova v2.1) puts
 * requests on a message bus (in-process, or RabbitMQ over AMQP); the
 * scheduler picks a host; compute workers drive a hypervisor. State lives in
 * one SQLite DB; images come from an ImageService (the image service, Glance v2 over
 * the object store, through its HTTP client). Imports only `common/`.
 */
export { startComputeServices, runComputeService, type StartComputeOptions, type ComputeServices, type ComputeRole } from './launcher.js';
export { computeConfig, computeConfigFromIni, readComputeConfig, type ComputeConfig } from './config.js';
export { HttpTokenValidator, NoAuthValidator, type TokenValidator, type Principal } from './api/auth.js';
export { FakeDriver, HypervisorError, type HypervisorDriver, type HostResources, type GuestInfo, type ImageMeta } from './driver/index.js';
export {
  LocalImageService, GlanceImageService, GlanceClientError, ImageChecksumError, startImageService, runImageService, readImageConfig, imageConfig, SwiftStore,
  type ImageService, type ImageRecord, type ImageDataService, type ImageServiceHandle, type ImageConfig, type GlanceImageBody,
} from './image/index.js';
export { ComputeDb, openComputeDb } from './db/index.js';
export { createTransport, MemoryTransport, AmqpTransport, type Transport } from './rpc/index.js';
export * from './model.js';
export * as computeClient from './client/index.js';
