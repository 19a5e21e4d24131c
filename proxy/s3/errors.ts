/**
 * S3's errors: a typed error per S3 `Code`, with its HTTP status and
 * message, turned into S3's XML error body only at the edge (response.ts).
 * Handlers throw these; nothing below the filter builds an error body.
 */

export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra elements of the error body (`BucketName`, `Key`, `Region`, …), in order. */
    readonly extra: Record<string, string> = {},
    /** Extra response headers (`x-amz-bucket-region`, …). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

const e = (code: string, status: number, message: string) =>
  (extra: Record<string, string> = {}, msg?: string) => new S3Error(code, status, msg ?? message, extra);

/** The catalogue, by S3 code (AWS S3 API reference, "Error responses"). */
export const S3Errors = {
  AccessDenied: e('AccessDenied', 403, 'Access Denied.'),
  AuthorizationHeaderMalformed: e('AuthorizationHeaderMalformed', 400, 'The authorization header is malformed.'),
  AuthorizationQueryParametersError: e('AuthorizationQueryParametersError', 400, 'Error parsing the X-Amz-Credential parameter.'),
  BadDigest: e('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.'),
  BucketAlreadyExists: e('BucketAlreadyExists', 409, 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.'),
  BucketAlreadyOwnedByYou: e('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.'),
  BucketNotEmpty: e('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty'),
  ConditionalRequestConflict: e('ConditionalRequestConflict', 409, 'The conditional request cannot succeed due to a conflicting operation against this resource.'),
  EntityTooLarge: e('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.'),
  EntityTooSmall: e('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.'),
  IncompleteBody: e('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'),
  InternalError: e('InternalError', 500, 'We encountered an internal error. Please try again.'),
  InvalidAccessKeyId: e('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.'),
  InvalidArgument: e('InvalidArgument', 400, 'Invalid Argument'),
  InvalidBucketName: e('InvalidBucketName', 400, 'The specified bucket is not valid.'),
  InvalidDigest: e('InvalidDigest', 400, 'The Content-MD5 you specified was invalid.'),
  InvalidLocationConstraint: e('InvalidLocationConstraint', 400, 'The specified location constraint is not valid.'),
  InvalidObjectName: e('InvalidObjectName', 400, 'The specified object name is not valid.'),
  InvalidPart: e('InvalidPart', 400, 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.'),
  InvalidPartNumber: e('InvalidPartNumber', 416, 'The requested partnumber is not satisfiable'),
  InvalidPartOrder: e('InvalidPartOrder', 400, 'The list of parts was not in ascending order. The parts list must be specified in order by part number.'),
  InvalidRange: e('InvalidRange', 416, 'The requested range is not satisfiable'),
  InvalidRequest: e('InvalidRequest', 400, 'Invalid Request.'),
  InvalidStorageClass: e('InvalidStorageClass', 400, 'The storage class you specified is not valid.'),
  InvalidTag: e('InvalidTag', 400, 'The tag provided was not a valid tag.'),
  InvalidURI: e('InvalidURI', 400, 'Couldn\'t parse the specified URI.'),
  KeyTooLongError: e('KeyTooLongError', 400, 'Your key is too long.'),
  MalformedACLError: e('MalformedACLError', 400, 'The XML you provided was not well-formed or did not validate against our published schema.'),
  MalformedXML: e('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.'),
  MaxMessageLengthExceeded: e('MaxMessageLengthExceeded', 400, 'Your request was too big.'),
  MetadataTooLarge: e('MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size.'),
  MethodNotAllowed: e('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.'),
  MissingContentLength: e('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.'),
  MissingSecurityHeader: e('MissingSecurityHeader', 400, 'Your request was missing a required header.'),
  NoSuchBucket: e('NoSuchBucket', 404, 'The specified bucket does not exist.'),
  NoSuchKey: e('NoSuchKey', 404, 'The specified key does not exist.'),
  NoSuchTagSet: e('NoSuchTagSet', 404, 'The TagSet does not exist'),
  NoSuchUpload: e('NoSuchUpload', 404, 'The specified multipart upload does not exist. The upload ID might not be valid, or the multipart upload might have been aborted or completed.'),
  NoSuchLifecycleConfiguration: e('NoSuchLifecycleConfiguration', 404, 'The lifecycle configuration does not exist'),
  NoSuchCORSConfiguration: e('NoSuchCORSConfiguration', 404, 'The CORS configuration does not exist'),
  NoSuchVersion: e('NoSuchVersion', 404, 'The specified version does not exist.'),
  NotImplemented: e('NotImplemented', 501, 'A header you provided implies functionality that is not implemented.'),
  PreconditionFailed: e('PreconditionFailed', 412, 'At least one of the preconditions you specified did not hold.'),
  RequestTimeTooSkewed: e('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.'),
  ServiceUnavailable: e('ServiceUnavailable', 503, 'Please reduce your request rate.'),
  SignatureDoesNotMatch: e('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'),
  SlowDown: e('SlowDown', 503, 'Please reduce your request rate.'),
  UnexpectedContent: e('UnexpectedContent', 400, 'This request does not support content.'),
  UnresolvableGrantByEmailAddress: e('UnresolvableGrantByEmailAddress', 400, 'The e-mail address you provided does not match any account on record.'),
  UserKeyMustBeSpecified: e('UserKeyMustBeSpecified', 400, 'The bucket POST must contain the specified field name. If it is specified, please check the order of the fields.'),
  XAmzContentSHA256Mismatch: e('XAmzContentSHA256Mismatch', 400, 'The provided \'x-amz-content-sha256\' header does not match what was computed.'),
} as const;

/** An error raised while a request body streams (a digest that does not match, a short body). */
export class BodyError extends Error {
  constructor(readonly s3: S3Error) {
    super(s3.message);
    this.name = 'BodyError';
  }
}
