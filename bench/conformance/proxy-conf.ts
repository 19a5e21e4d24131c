/**
 * The proxy-server.conf the conformance suite expects (../shared/conformance
 * README: "The cluster it expects"): Swift's functional-test tempauth users,
 * reseller prefixes AUTH and SERVICE, and the reference run's pipeline cut
 * down to the filters swiftly's registry implements, so each middleware joins
 * the run as soon as it is registered.
 */

/** One `[filter:x]` of the reference pipeline: its section name, its egg entry and the options of the reference run. */
interface ReferenceFilter {
  name: string;
  entry: string;
  options?: Record<string, string>;
}

/**
 * domain_remap's storage_domain in the conformance proxy: the one Swift's
 * in-process functional tests use, which the suite's test.conf must name
 * for test_domain_remap.py to run (bench/conformance/rerun.ts).
 */
export const STORAGE_DOMAIN = 'example.net';

/** The reference run's pipeline, left to right, ending in `proxy-server` (the app). */
export const REFERENCE_PIPELINE: readonly ReferenceFilter[] = [
  { name: 'catch_errors', entry: 'catch_errors' },
  { name: 'gatekeeper', entry: 'gatekeeper' },
  { name: 'healthcheck', entry: 'healthcheck' },
  { name: 'proxy-logging', entry: 'proxy_logging' },
  { name: 'cache', entry: 'memcache' },
  // Not in the reference run (Swift's functional tests add it here, with the suite's storage_domain).
  { name: 'domain_remap', entry: 'domain_remap', options: { storage_domain: STORAGE_DOMAIN } },
  { name: 'listing_formats', entry: 'listing_formats' },
  { name: 'bulk', entry: 'bulk' },
  { name: 'tempurl', entry: 'tempurl' },
  { name: 'ratelimit', entry: 'ratelimit' },
  { name: 'crossdomain', entry: 'crossdomain' },
  { name: 'container_sync', entry: 'container_sync' },
  { name: 's3api', entry: 's3api', options: { s3_acl: 'yes', check_bucket_owner: 'yes' } },
  {
    name: 'tempauth',
    entry: 'tempauth',
    options: {
      reseller_prefix: 'AUTH, SERVICE',
      SERVICE_require_group: 'service',
      // The admin first: `swiftly start` prints the first user.
      user_admin_admin: 'admin .admin .reseller_admin',
      user_test_tester: 'testing .admin',
      user_test_tester2: 'testing2 .admin',
      user_test_tester3: 'testing3',
      user_test2_tester2: 'testing2 .admin',
      user_test5_tester5: 'testing5 service',
    },
  },
  // Not in the reference run (../shared/conformance README: "Add staticweb"): after the auth filter, whose authorize hook it needs.
  { name: 'staticweb', entry: 'staticweb' },
  { name: 'copy', entry: 'copy' },
  { name: 'container-quotas', entry: 'container_quotas' },
  { name: 'account-quotas', entry: 'account_quotas' },
  { name: 'slo', entry: 'slo', options: { allow_async_delete: 'true' } },
  { name: 'dlo', entry: 'dlo' },
  { name: 'versioned_writes', entry: 'versioned_writes', options: { allow_versioned_writes: 'true', allow_object_versioning: 'true' } },
  { name: 'symlink', entry: 'symlink' },
  { name: 'proxy-logging', entry: 'proxy_logging' },
];

export interface ConformancePipeline {
  /** The names in `[pipeline:main]`, the app last. */
  pipeline: string[];
  /** Reference filters swiftly does not implement (yet), in pipeline order, by section name. */
  leftOut: string[];
}

/** The reference pipeline keeping only the filters whose egg entry `implemented` holds. */
export function conformancePipeline(implemented: ReadonlySet<string> | ReadonlyMap<string, unknown>): ConformancePipeline {
  const pipeline: string[] = [];
  const leftOut: string[] = [];
  for (const f of REFERENCE_PIPELINE) (implemented.has(f.entry) ? pipeline : leftOut).push(f.name);
  pipeline.push('proxy-server');
  return { pipeline, leftOut };
}

/** The whole proxy-server.conf for a proxy on `bind` with the cluster's files in `swiftDir`. */
export function conformanceProxyConf(
  implemented: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  bind: { host: string; port: number },
  swiftDir: string,
): string {
  const { pipeline } = conformancePipeline(implemented);
  const sections = [
    `[DEFAULT]\nbind_ip = ${bind.host}\nbind_port = ${bind.port}\nswift_dir = ${swiftDir}\nworkers = 1\nlog_level = INFO\n`,
    `[pipeline:main]\npipeline = ${pipeline.join(' ')}\n`,
    '[app:proxy-server]\nuse = egg:swift#proxy\nallow_account_management = true\naccount_autocreate = true\n',
  ];
  const seen = new Set<string>();
  for (const f of REFERENCE_PIPELINE) {
    if (seen.has(f.name) || !pipeline.includes(f.name)) continue;
    seen.add(f.name);
    const options = Object.entries(f.options ?? {}).map(([k, v]) => `${k} = ${v}\n`).join('');
    sections.push(`[filter:${f.name}]\nuse = egg:swift#${f.entry}\n${options}`);
  }
  return sections.join('\n');
}
