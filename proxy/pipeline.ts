/**
 * Building the WSGI-style pipeline from a Swift `proxy-server.conf`:
 * `[pipeline:main] pipeline = f1 f2 ... app`, each name a `[filter:x]` or
 * (the last) an `[app:x]` section whose `use = egg:swift#<entry>` names a
 * factory in the registry. Unknown entries fail start-up, naming the culprit.
 */
import { ConfigError, getSection, type IniFile, type Section } from '../common/index.js';
import type { App, FilterFactory, PipelineContext } from './types.js';

export type AppFactory = (conf: Section, ctx: PipelineContext) => App | Promise<App>;

export interface Registry {
  filters: ReadonlyMap<string, FilterFactory>;
  apps: ReadonlyMap<string, AppFactory>;
}

/** The entry point a `use = egg:swift#name` line names. */
export function eggName(use: string | undefined, section: string): string {
  if (!use) throw new ConfigError(`[${section}] has no "use" option`);
  const m = /^egg:([\w.-]+)#([\w.-]+)$/.exec(use.trim());
  if (!m) throw new ConfigError(`[${section}] use = ${use}: only egg:<package>#<entry> is supported`);
  if (m[1] !== 'swift' && m[1] !== 'swiftly') {
    throw new ConfigError(`[${section}] use = ${use}: unknown package ${m[1]} (swift or swiftly)`);
  }
  return m[2];
}

export interface PipelineSpec {
  filters: { name: string; entry: string; conf: Section }[];
  app: { name: string; entry: string; conf: Section };
}

/** Reads the pipeline's names and sections, checking every entry exists. */
export function readPipeline(ini: IniFile, registry: Registry, pipelineName = 'main'): PipelineSpec {
  const pipe = getSection(ini, `pipeline:${pipelineName}`);
  if (!pipe) throw new ConfigError(`Unable to find pipeline:${pipelineName} config section in ${ini.path ?? 'config'}`);
  const names = (pipe.pipeline ?? '').split(/\s+/).filter(Boolean);
  if (names.length === 0) throw new ConfigError(`[pipeline:${pipelineName}] has an empty pipeline`);
  const appName = names[names.length - 1];
  const filters = names.slice(0, -1).map((name) => {
    const conf = getSection(ini, `filter:${name}`);
    if (!conf) throw new ConfigError(`Unable to find filter:${name} config section (named in pipeline)`);
    const entry = eggName(conf.use, `filter:${name}`);
    if (!registry.filters.has(entry)) {
      throw new ConfigError(`Unknown filter "${entry}" (use = ${conf.use}) in [filter:${name}]: not implemented by swiftly`);
    }
    return { name, entry, conf };
  });
  const appConf = getSection(ini, `app:${appName}`);
  if (!appConf) throw new ConfigError(`Unable to find app:${appName} config section (last in pipeline)`);
  const appEntry = eggName(appConf.use, `app:${appName}`);
  if (!registry.apps.has(appEntry)) {
    throw new ConfigError(`Unknown app "${appEntry}" (use = ${appConf.use}) in [app:${appName}]`);
  }
  return { filters, app: { name: appName, entry: appEntry, conf: appConf } };
}

/** Instantiates the pipeline: the app first, then each filter wrapping it, right to left. */
export async function buildPipeline(spec: PipelineSpec, registry: Registry, ctx: PipelineContext): Promise<App> {
  // Factories run left to right (as paste loads them), so a filter's
  // registered info is in place before the app answers /info.
  const made = [];
  for (const f of spec.filters) made.push(await registry.filters.get(f.entry)!(f.conf, ctx));
  let app = await registry.apps.get(spec.app.entry)!(spec.app.conf, ctx);
  for (let i = made.length - 1; i >= 0; i--) app = made[i](app);
  return app;
}
