/** slo's options from its `[filter:slo]` section, with Swift's names and defaults. */
import { getBool, getInt, getString, type Section } from '../../../common/index.js';

export interface SloConf {
  maxManifestSegments: number;
  maxManifestSize: number;
  yieldFrequency: number;
  allowAsyncDelete: boolean;
  maxGetTime: number;
  rateLimitUnderSize: number;
  rateLimitAfterSegment: number;
  rateLimitSegmentsPerSec: number;
  concurrency: number;
  deleteConcurrency: number;
  /** Where async deletes queue their segments (Swift's expirer queue account and its container divisor). */
  expiringObjectsAccount: string;
  expiringObjectsContainerDivisor: number;
}

export function sloConf(section: Section): SloConf {
  const concurrency = Math.min(1000, Math.max(0, getInt(section, 'concurrency', 2)));
  return {
    maxManifestSegments: getInt(section, 'max_manifest_segments', 1000),
    maxManifestSize: getInt(section, 'max_manifest_size', 8 * 1024 * 1024),
    yieldFrequency: getInt(section, 'yield_frequency', 10),
    allowAsyncDelete: getBool(section, 'allow_async_delete', false),
    maxGetTime: getInt(section, 'max_get_time', 86400),
    rateLimitUnderSize: getInt(section, 'rate_limit_under_size', 1024 * 1024),
    rateLimitAfterSegment: getInt(section, 'rate_limit_after_segment', 10),
    rateLimitSegmentsPerSec: getInt(section, 'rate_limit_segments_per_sec', 1),
    concurrency,
    deleteConcurrency: getInt(section, 'delete_concurrency', concurrency),
    expiringObjectsAccount: (getString(section, 'auto_create_account_prefix', '') || '.') + (getString(section, 'expiring_objects_account_name', '') || 'expiring_objects'),
    expiringObjectsContainerDivisor: getInt(section, 'expiring_objects_container_divisor', 86400, 1),
  };
}
