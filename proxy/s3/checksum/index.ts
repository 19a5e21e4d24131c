/**
 * S3's additional checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256):
 * the algorithms, a request's checksum verified as its body streams, where
 * the value is stored in Swift, and multipart (COMPOSITE / FULL_OBJECT)
 * checksums built from the parts'.
 */
export * from './algorithms.js';
export * from './request.js';
export * from './stored.js';
export * from './multipart.js';
