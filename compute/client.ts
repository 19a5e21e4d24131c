/**
 * compute's client face: what a client of the compute and image APIs needs —
 * the Nova client and tempauth login, the image API's HTTP client, and the
 * CLI's tables, spinner and progress bar — and none of the services. The CLI
 * imports this, not compute/index.ts, which carries the whole server stack
 * (fastify, amqplib, SQLite, drivers): each `swiftly compute …` call is a
 * process of its own, and loading the servers cost it ~0.5 s of CPU.
 */
export {
  NovaClient, NovaClientError, tempauthLogin, formatTable, formatProperties, Spinner, ProgressBar,
  type NovaClientOptions, type NovaResponse,
} from './client/index.js';
export {
  GlanceImageService, GlanceClientError, ImageChecksumError,
  type GlanceImageBody, type GlanceClientOptions, type GlanceCredentials,
} from './image/glance-client.js';
