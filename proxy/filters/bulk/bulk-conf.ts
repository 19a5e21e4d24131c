/** bulk's options from its `[filter:bulk]` section, with Swift's names and defaults. */
import { getInt, type Section } from '../../../common/index.js';

export interface BulkConf {
  maxContainersPerExtraction: number;
  maxFailedExtractions: number;
  maxDeletesPerRequest: number;
  maxFailedDeletes: number;
  /** Seconds between heartbeats of a long answer. */
  yieldFrequency: number;
  deleteConcurrency: number;
  /** How often a container DELETE answered 409 is tried again (1.5 s, 2.25 s, … apart). */
  deleteContainerRetryCount: number;
  /** The longest `/container/object` a list line or archive name may give (Swift's max_path_length). */
  maxPathLength: number;
}

export function bulkConf(section: Section, constraints: { max_object_name_length: number; max_container_name_length: number }): BulkConf {
  return {
    maxContainersPerExtraction: getInt(section, 'max_containers_per_extraction', 10000),
    maxFailedExtractions: getInt(section, 'max_failed_extractions', 1000),
    maxDeletesPerRequest: getInt(section, 'max_deletes_per_request', 10000),
    maxFailedDeletes: getInt(section, 'max_failed_deletes', 1000),
    yieldFrequency: getInt(section, 'yield_frequency', 10),
    deleteConcurrency: Math.min(1000, Math.max(1, getInt(section, 'delete_concurrency', 2))),
    deleteContainerRetryCount: getInt(section, 'delete_container_retry_count', 0),
    maxPathLength: constraints.max_object_name_length + constraints.max_container_name_length + 2,
  };
}
