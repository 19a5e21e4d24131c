/**
 * `swiftly start --encryption`'s first-start layout: a fresh root secret in
 * etc/keymaster.conf (0600) that the proxy's keymaster reads through
 * keymaster_config_path, and keymaster + encryption in the pipeline after
 * every filter that makes subrequests. Without the flag, neither.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSection, readIniFile, silentLogger } from '../../common/index.js';
import { clusterPaths, ensureClusterLayout } from '../../cli/cluster/layout.js';
import { startProxyServer } from '../../proxy/index.js';

const root = mkdtempSync(join(tmpdir(), 'swiftly-start-enc-'));
after(() => rmSync(root, { recursive: true, force: true }));
const ports = (_kind: string, node: number) => 40000 + node;

test('with --encryption: a root secret of 32 random bytes, readable only by its owner, and encryption in the pipeline', async () => {
  const paths = clusterPaths(join(root, 'enc'));
  assert.equal(ensureClusterLayout(paths, { host: '127.0.0.1', port: 0 }, ports, { encryption: true }).created, true);
  assert.equal(statSync(paths.keymasterConf).mode & 0o777, 0o600);
  const secret = getSection(readIniFile(paths.keymasterConf), 'keymaster')?.encryption_root_secret ?? '';
  assert.equal(Buffer.from(secret, 'base64').length, 32);
  const ini = readIniFile(paths.proxyConf);
  const pipeline = getSection(ini, 'pipeline:main')!.pipeline.split(/\s+/);
  assert.deepEqual(pipeline.slice(-4), ['keymaster', 'encryption', 'proxy-logging', 'proxy-server']);
  assert.ok(pipeline.indexOf('symlink') < pipeline.indexOf('keymaster') && pipeline.indexOf('slo') < pipeline.indexOf('keymaster'));
  assert.equal(getSection(ini, 'filter:keymaster')?.keymaster_config_path, paths.keymasterConf);
  assert.doesNotMatch(readFileSync(paths.proxyConf, 'utf8'), /encryption_root_secret/);
  // The proxy starts from these files (the keymaster reads the secret there).
  const proxy = await startProxyServer(paths.proxyConf, { logger: silentLogger, port: 0 });
  await proxy.close();
});

test('without it: no keymaster.conf and no encryption in the pipeline', () => {
  const paths = clusterPaths(join(root, 'plain'));
  ensureClusterLayout(paths, { host: '127.0.0.1', port: 0 }, ports);
  assert.equal(existsSync(paths.keymasterConf), false);
  assert.doesNotMatch(getSection(readIniFile(paths.proxyConf), 'pipeline:main')!.pipeline, /keymaster|encryption/);
});
