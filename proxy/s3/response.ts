/**
 * S3 responses: XML bodies, S3's error body, and the headers every S3
 * response carries (`x-amz-request-id`, `x-amz-id-2`).
 */
import type { Headers, SwiftResponse } from '../types.js';
import type { S3Error } from './errors.js';
import { esc, xmlDocument } from './xml.js';

export function xmlResponse(status: number, xml: string, headers: Headers = {}): SwiftResponse {
  const body = Buffer.from(xml, 'utf8');
  return { status, headers: { 'content-type': 'application/xml', 'content-length': String(body.length), ...headers }, body };
}

export function emptyResponse(status: number, headers: Headers = {}): SwiftResponse {
  return { status, headers: { 'content-length': '0', ...headers } };
}

/**
 * S3's error body: Code, Message, the error's extra fields (Key, BucketName,
 * UploadId, …), RequestId, HostId. No Resource: neither S3 nor Swift's s3api
 * echoes the request's path there (a body must not reflect what was asked,
 * see test_xxe_injection).
 */
export function errorResponse(err: S3Error, transId: string): SwiftResponse {
  let inner = `<Code>${esc(err.code)}</Code><Message>${esc(err.message)}</Message>`;
  for (const [k, v] of Object.entries(err.extra)) inner += `<${k}>${esc(v)}</${k}>`;
  inner += `<RequestId>${esc(transId)}</RequestId><HostId>${esc(transId)}</HostId>`;
  return xmlResponse(err.status, xmlDocument('Error', inner, false), { ...err.headers });
}

/** Stamps the ids every S3 response carries. */
export function withS3Ids(resp: SwiftResponse, transId: string): SwiftResponse {
  resp.headers['x-amz-request-id'] = transId;
  resp.headers['x-amz-id-2'] = transId;
  // S3 sends its header names lower-case; clients keep user metadata names as they arrive.
  resp.lowerCaseHeaders = true;
  return resp;
}
