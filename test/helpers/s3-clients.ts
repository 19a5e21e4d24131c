/**
 * Real S3 clients for the s3api tests: boto3 (Debian's Python) running a
 * script, and aws-cli, each pointed at a proxy with an access key pair.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A proxy pipeline with s3api where Swift puts it: before the auth filter. */
export const S3_PIPELINE = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats s3api tempauth copy slo dlo proxy-server';

/** S3_PIPELINE with Swift's object versioning (what S3 versioning rides on) and symlinks below it. */
export const S3_VERSIONED_PIPELINE = S3_PIPELINE.replace(' proxy-server', ' versioned_writes symlink proxy-server');
export const S3_VERSIONED_FILTERS = { versioned_writes: { allow_object_versioning: 'true' } };

export const S3_PYTHON = process.env.SWIFT_PYTHON ?? '/usr/bin/python3';

export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a client command to its end, collecting its output (`env` adds to this process's). */
export function runClient(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A client that exits without reading its stdin must not fail the test with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** The prelude every boto3 script gets: `s3` (a client), `endpoint`, `ak`, `sk`. */
const BOTO3_PRELUDE = String.raw`
import os, sys, json, boto3, botocore
from botocore.config import Config
endpoint = os.environ['S3_ENDPOINT']
ak = os.environ['S3_ACCESS_KEY']
sk = os.environ['S3_SECRET_KEY']
def client(key=None, secret=None, **cfg):
    return boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=key or ak,
                        aws_secret_access_key=secret or sk, region_name='us-east-1',
                        config=Config(retries={'max_attempts': 1}, **cfg))
s3 = client()
def code_of(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except botocore.exceptions.ClientError as e:
        return e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']
    return None
`;

/** Runs `script` under boto3; it prints JSON on stdout, which is returned parsed. */
export async function boto3(endpoint: string, accessKey: string, secretKey: string, script: string): Promise<unknown> {
  const r = await runClient(S3_PYTHON, ['-c', BOTO3_PRELUDE + script], { S3_ENDPOINT: endpoint, S3_ACCESS_KEY: accessKey, S3_SECRET_KEY: secretKey });
  if (r.code !== 0) throw new Error(`boto3 script failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout);
}

let awsPath: string | undefined;

/**
 * The `aws` executable itself. Where `aws` on PATH is a pyenv shim, each call
 * through it runs pyenv's bash scripts first (about 0.5 CPU-s, a third of an
 * `aws` call), so the shim is resolved once with `pyenv which`.
 */
export function awsExecutable(): string {
  if (awsPath !== undefined) return awsPath;
  awsPath = 'aws';
  try {
    const onPath = execFileSync('sh', ['-c', 'command -v aws'], { encoding: 'utf8' }).trim();
    if (onPath && readFileSync(onPath, 'utf8').slice(0, 4096).includes('pyenv')) {
      awsPath = execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim() || 'aws';
    }
  } catch {
    // no aws, or no pyenv to ask: spawn 'aws' and let PATH decide
  }
  return awsPath;
}

/** Runs `aws <args> --endpoint-url endpoint` with the key pair. */
export function awsCli(endpoint: string, accessKey: string, secretKey: string, args: string[], cwd?: string): Promise<ClientRun> {
  void cwd;
  return runClient(awsExecutable(), [...args, '--endpoint-url', endpoint], {
    AWS_ACCESS_KEY_ID: accessKey,
    AWS_SECRET_ACCESS_KEY: secretKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_MAX_ATTEMPTS: '1',
  });
}
