/** Shared flags and plumbing of the `swiftly compute image …` commands (glance CLI style). */
import { Flags, type Command } from '@oclif/core';
import { GlanceImageService, formatProperties, tempauthLogin, type GlanceImageBody } from '../../compute/client.js';

export const imageFlags = {
  'image-url': Flags.string({ description: 'the image API root', env: 'SWIFTLY_IMAGE_URL', default: 'http://127.0.0.1:9292' }),
  'auth-url': Flags.string({ char: 'A', description: 'tempauth v1.0 URL (e.g. http://127.0.0.1:8080/auth/v1.0)', env: 'ST_AUTH' }),
  user: Flags.string({ char: 'U', description: 'tempauth user (account:user)', env: 'ST_USER' }),
  key: Flags.string({ char: 'K', description: 'tempauth key', env: 'ST_KEY' }),
  token: Flags.string({ description: 'an auth token (skips the login)', env: 'OS_AUTH_TOKEN' }),
  project: Flags.string({ description: 'the project (account without AUTH_) the token is for', env: 'OS_PROJECT_ID' }),
  progress: Flags.boolean({ description: 'show a progress bar for uploads and downloads', default: true, allowNo: true }),
};

/** A logged-in image client from the flags. */
export async function imageClientFrom(cmd: Command, flags: Record<string, unknown>): Promise<GlanceImageService> {
  let token = flags.token as string | undefined;
  let project = flags.project as string | undefined;
  if (!token) {
    const authUrl = flags['auth-url'] as string | undefined;
    if (!authUrl || !flags.user || !flags.key) cmd.error('give --token and --project, or --auth-url, --user and --key (or ST_AUTH/ST_USER/ST_KEY)', { exit: 2 });
    const auth = await tempauthLogin(authUrl, flags.user as string, flags.key as string);
    token = auth.token;
    project ??= auth.project;
  }
  if (!project) cmd.error('--project is needed with --token', { exit: 2 });
  return new GlanceImageService({ url: flags['image-url'] as string, credentials: { token, project } });
}

/** An image by ID, or by name when exactly one image has it. */
export async function findImage(client: GlanceImageService, idOrName: string): Promise<GlanceImageBody> {
  const byId = /^[0-9a-f-]{36}$/i.test(idOrName) ? await client.showBody(idOrName) : undefined;
  if (byId) return byId;
  const named = await client.listBodies({ name: idOrName });
  if (named.length === 1) return named[0];
  if (named.length > 1) throw new Error(`Multiple images named ${idOrName}: use an ID.`);
  throw new Error(`No image with a name or ID of '${idOrName}' exists.`);
}

/** glance's image-show table (without links). */
export function imageProperties(image: GlanceImageBody): string {
  const flat: Record<string, unknown> = { ...image };
  delete flat.self;
  delete flat.file;
  delete flat.schema;
  if (Array.isArray(image.tags)) flat.tags = image.tags.join(', ');
  return formatProperties(flat);
}
