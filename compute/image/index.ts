/** compute/image: how compute finds and registers images (ImageService). */
export { LocalImageService, type ImageService, type ImageRecord, type ImageStatus } from './image-service.js';
