/**
 * compute/image: how compute finds and registers images (ImageService), and
 * the image service itself — a Glance v2 API keeping image data in the
 * object store (Swift store, container `glance`) and records in SQLite.
 * `GlanceImageService` is the HTTP client (compute, the CLI, drivers:
 * `fetchTo` fetches data by id, checksum-verified).
 */
export { LocalImageService, type ImageService, type ImageCaller, type ImageRecord, type ImageStatus } from './image-service.js';
export { GlanceImageService, GlanceClientError, ImageChecksumError, recordFromBody, type ImageDataService, type GlanceClientOptions, type GlanceCredentials, type GlanceImageBody } from './glance-client.js';
export { startImageService, runImageService, type StartImageOptions, type ImageServiceHandle } from './image-launcher.js';
export { imageConfig, imageConfigFromIni, readImageConfig, type ImageConfig } from './image-config.js';
export { SwiftStore, StoreError, type SwiftStoreOptions } from './swift-store.js';
export { ComputeDbImageUsage } from './compute-db-usage.js';
export type { ImageUsage } from './glance-service.js';
export type { ImageMember, MemberStatus } from './image-db.js';
