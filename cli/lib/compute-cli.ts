/** Shared flags and plumbing of the `swiftly compute flavor|server …` commands. */
import { Flags, type Command } from '@oclif/core';
import { NovaClient, Spinner, formatProperties, tempauthLogin } from '../../compute/client.js';

export const computeFlags = {
  'compute-url': Flags.string({ description: 'the compute API root', env: 'SWIFTLY_COMPUTE_URL', default: 'http://127.0.0.1:8774' }),
  'auth-url': Flags.string({ char: 'A', description: 'tempauth v1.0 URL (e.g. http://127.0.0.1:8080/auth/v1.0)', env: 'ST_AUTH' }),
  user: Flags.string({ char: 'U', description: 'tempauth user (account:user)', env: 'ST_USER' }),
  key: Flags.string({ char: 'K', description: 'tempauth key', env: 'ST_KEY' }),
  token: Flags.string({ description: 'an auth token (skips the login)', env: 'OS_AUTH_TOKEN' }),
  project: Flags.string({ description: 'the project (account without AUTH_) the token is for', env: 'OS_PROJECT_ID' }),
  debug: Flags.boolean({ description: 'print each HTTP request and response, like nova --debug', default: false }),
};

export const waitFlag = {
  wait: Flags.boolean({ description: 'wait for the server to settle, with a progress spinner', default: false }),
};

export type ComputeFlags = { [K in keyof typeof computeFlags]: (typeof computeFlags)[K] extends { default: infer D } ? D : string | undefined };

/** A logged-in client from the flags. */
export async function clientFrom(cmd: Command, flags: Record<string, unknown>): Promise<NovaClient> {
  const debug = flags.debug ? (line: string) => process.stderr.write(line + '\n') : undefined;
  let token = flags.token as string | undefined;
  let project = flags.project as string | undefined;
  if (!token) {
    const authUrl = flags['auth-url'] as string | undefined;
    if (!authUrl || !flags.user || !flags.key) cmd.error('give --token and --project, or --auth-url, --user and --key (or ST_AUTH/ST_USER/ST_KEY)', { exit: 2 });
    if (debug) debug(`REQ: curl -g -i -X GET ${authUrl} -H "X-Auth-User: ${flags.user as string}" -H "X-Auth-Key: {SHA256}…"`);
    const auth = await tempauthLogin(authUrl, flags.user as string, flags.key as string);
    token = auth.token;
    project ??= auth.project;
  }
  if (!project) cmd.error('--project is needed with --token', { exit: 2 });
  return new NovaClient({ computeUrl: flags['compute-url'] as string, token, project, debug });
}

/** Run `fn`, turning API errors into the CLI's one-line error and exit 1. */
export async function guard(cmd: Command, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    // Written whole (oclif's cmd.error wraps long lines), as the nova CLI prints it.
    process.stderr.write(`ERROR (${(err as Error).name}): ${(err as Error).message}\n`);
    cmd.exit(1);
  }
}

/** Wait for a server with a spinner showing status, task state and progress. */
export async function waitWithSpinner(client: NovaClient, id: string, statuses: string[], what: string): Promise<Record<string, any>> {
  const spinner = new Spinner();
  spinner.start(`${what} ${id}…`);
  try {
    const s = await client.waitForServer(id, statuses, {
      progress: (x) => spinner.update(`${what} ${id}: ${x.status}${x['OS-EXT-STS:task_state'] ? ` (${x['OS-EXT-STS:task_state']})` : ''} ${x.progress ?? 0}%`),
    });
    spinner.stop(`${what} ${id}: ${s.status} — done`);
    return s;
  } catch (err) {
    spinner.stop(`${what} ${id}: failed`);
    throw err;
  }
}

/** `nova show`'s flattened view of a server. */
export function serverProperties(s: Record<string, any>): string {
  const flat: Record<string, unknown> = { ...s };
  flat.flavor = s.flavor?.id;
  flat.image = s.image?.id;
  delete flat.links;
  flat.security_groups = (s.security_groups ?? []).map((g: { name: string }) => g.name).join(', ');
  flat.addresses = formatAddresses(s.addresses);
  if (s.fault) flat.fault = s.fault.message;
  return formatProperties(flat);
}

/** A server's `addresses` as the openstack CLI prints them: `label=10.0.0.2, 172.24.4.1; other=…`. */
export function formatAddresses(addresses: Record<string, { addr: string }[]> | undefined): string {
  return Object.entries(addresses ?? {}).map(([label, list]) => `${label}=${list.map((a) => a.addr).join(', ')}`).join('; ');
}

/** `--nic` values → the create body's `networks`: `auto`, `none`, or `net-id=<id or label>` each. */
export async function networksFrom(client: NovaClient, nics: string[]): Promise<string | { uuid: string }[]> {
  if (nics.length === 1 && (nics[0] === 'auto' || nics[0] === 'none')) return nics[0];
  const out: { uuid: string }[] = [];
  for (const nic of nics) {
    const m = /^net-id=(.+)$/.exec(nic);
    if (!m) throw new Error(`Invalid nic argument '${nic}'. Nic arguments must be of the form --nic <net-id=net-uuid>, or --nic <auto|none>.`);
    out.push({ uuid: (await client.findIn('os-networks', m[1])).id });
  }
  return out;
}
