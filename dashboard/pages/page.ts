/**
 * What a dashboard page is: a nav entry, the browser module that draws it
 * (`dashboard/web/pages/<script>`), and optionally server routes under
 * `/api/<id>/` for what the browser can't ask the public APIs itself.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../common/index.js';
import type { DashboardConfig } from '../config.js';
import type { SwiftClient } from '../swift-client.js';

export interface PageContext {
  config: DashboardConfig;
  /** The proxy, as the session's user (`request.session`). */
  swift: SwiftClient;
  logger: Logger;
}

export interface DashboardPage {
  /** URL segment (`/<id>`) and API prefix (`/api/<id>/`); kebab-case. */
  id: string;
  /** The nav label and the page's title. */
  title: string;
  /** The browser module, relative to dashboard/web/pages/ once compiled (e.g. `objects.js`). */
  script: string;
  /**
   * Server routes, registered under `/api/<id>` with the session guard in
   * front (`request.session` is set; state-changing calls were CSRF-checked).
   */
  routes?(app: FastifyInstance, ctx: PageContext): Promise<void>;
}
