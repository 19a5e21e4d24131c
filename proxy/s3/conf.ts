/**
 * s3api's options, Swift's names and defaults, read once at start-up.
 */
import { getBool, getInt, getString, listFromCsv, type Section } from '../../common/index.js';

export interface S3Conf {
  /** The region buckets live in (`location`). */
  location: string;
  /** Host suffixes for virtual-hosted-style addressing (`storage_domain`), each with its leading dot. */
  storageDomains: string[];
  dnsCompliantBucketNames: boolean;
  maxBucketListing: number;
  maxPartsListing: number;
  maxMultiDeleteObjects: number;
  multiDeleteConcurrency: number;
  maxUploadPartNum: number;
  minSegmentSize: number;
  allowMultipartUploads: boolean;
  s3Acl: boolean;
  checkBucketOwner: boolean;
  /** With `s3_acl`: a bucket or object with no ACL recorded is open to all (`allow_no_owner`). */
  allowNoOwner: boolean;
  /** Seconds a signed request's time may be off (`allowable_clock_skew`). */
  allowableClockSkew: number;
  /** Seconds a presigned URL may live at most (S3: 7 days). */
  maxPresignedExpires: number;
}

export function s3Conf(conf: Section): S3Conf {
  return {
    location: getString(conf, 'location', 'us-east-1'),
    storageDomains: listFromCsv(conf.storage_domain).map((d) => (d.startsWith('.') ? d : `.${d}`).toLowerCase()),
    dnsCompliantBucketNames: getBool(conf, 'dns_compliant_bucket_names', true),
    maxBucketListing: getInt(conf, 'max_bucket_listing', 1000, 1),
    maxPartsListing: getInt(conf, 'max_parts_listing', 1000, 1),
    maxMultiDeleteObjects: getInt(conf, 'max_multi_delete_objects', 1000, 1),
    multiDeleteConcurrency: getInt(conf, 'multi_delete_concurrency', 2, 1),
    maxUploadPartNum: getInt(conf, 'max_upload_part_num', 1000, 1),
    minSegmentSize: getInt(conf, 'min_segment_size', 5 * 1024 * 1024, 1),
    allowMultipartUploads: getBool(conf, 'allow_multipart_uploads', true),
    s3Acl: getBool(conf, 's3_acl', false),
    checkBucketOwner: getBool(conf, 'check_bucket_owner', false),
    allowNoOwner: getBool(conf, 'allow_no_owner', false),
    allowableClockSkew: getInt(conf, 'allowable_clock_skew', 900, 0),
    maxPresignedExpires: 7 * 24 * 3600,
  };
}
