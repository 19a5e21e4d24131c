/**
 * One swiftly cluster with our proxy running s3api in front of it for a
 * `describe` block: registers its before/after hooks and hands the suite
 * the endpoint and the boto3 / aws-cli runners of tempauth's `test:tester`.
 */
import { before, after } from 'node:test';
import { SwiftCluster } from './swift-cluster.js';
import type { ConfOptions } from '../../cli/cluster/layout.js';
import { awsCli, boto3, S3_PIPELINE, type ClientRun } from './s3-clients.js';

export interface S3ProxyFixture {
  /** `http://127.0.0.1:<port>` once the suite's `before` has run. */
  readonly endpoint: string;
  /** A boto3 script as test:tester (its `r` dict comes back). */
  py(script: string): Promise<Record<string, unknown>>;
  /** aws-cli as test:tester. */
  cli(...args: string[]): Promise<ClientRun>;
  /** The cluster behind the proxy (its rings and storage nodes), once `before` has run. */
  readonly cluster: SwiftCluster;
}

export function s3ProxyFixture(pipeline = S3_PIPELINE, filters: Record<string, ConfOptions> = {}): S3ProxyFixture {
  let cluster: SwiftCluster | undefined;
  let endpoint = '';
  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly' });
    const proxy = await cluster.startProxy('', pipeline, filters);
    endpoint = `http://127.0.0.1:${proxy.port}`;
  });
  after(async () => {
    await cluster?.stop();
  });
  return {
    get endpoint() {
      return endpoint;
    },
    get cluster() {
      if (!cluster) throw new Error('the cluster starts in before()');
      return cluster;
    },
    py: (script) => boto3(endpoint, 'test:tester', 'testing', script) as Promise<Record<string, unknown>>,
    cli: (...args) => awsCli(endpoint, 'test:tester', 'testing', args),
  };
}
