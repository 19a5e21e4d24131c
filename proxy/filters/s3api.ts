/**
 * s3api: the S3 API, as Swift's middleware of that name. It sits before the
 * auth filter (tempauth checks its signatures); the S3 layer itself is
 * proxy/s3/. Requests without S3 credentials pass through untouched, but
 * for anonymous reads of public buckets (s3/anonymous.ts).
 */
import type { FilterFactory } from '../types.js';
import { handleS3, isS3Request, publicPathBucketAccount, s3Conf } from '../s3/index.js';

export const s3api: FilterFactory = (section, ctx) => {
  const conf = s3Conf(section);
  ctx.registerInfo('s3api', {
    max_bucket_listing: conf.maxBucketListing,
    max_parts_listing: conf.maxPartsListing,
    max_upload_part_num: conf.maxUploadPartNum,
    max_multi_delete_objects: conf.maxMultiDeleteObjects,
    allow_multipart_uploads: conf.allowMultipartUploads,
    min_segment_size: conf.minSegmentSize,
    s3_acl: conf.s3Acl,
  });
  return (next) => async (req) => {
    if (isS3Request(req, conf)) return handleS3(req, next, conf, ctx);
    // An unsigned path-style read of a bucket known as public is S3's too.
    const account = await publicPathBucketAccount(req, conf, ctx);
    return account === undefined ? next(req) : handleS3(req, next, conf, ctx, account);
  };
};
