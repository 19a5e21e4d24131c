/**
 * The data plane of a compute host that has none configured: every call
 * fails saying so, so a server on a network fails its build with that
 * fault instead of booting unreachable. Servers without a network never
 * call it.
 */
import { SwiftlyError } from '../../common/index.js';
import type { NetworkDriver } from './types.js';

export class NoNetworkDriver implements NetworkDriver {
  constructor(private readonly host: string) {}

  private refuse(): Promise<never> {
    return Promise.reject(new SwiftlyError('ERR_UNSUPPORTED', `compute host ${this.host} has no network driver: it cannot plug a server into a network`, { status: 500 }));
  }

  setupNetwork(..._args: unknown[]): Promise<void> { return this.refuse(); }
  /** Nothing was ever set up here. */
  teardownNetwork(..._args: unknown[]): Promise<void> { return Promise.resolve(); }
  plugInstance(..._args: unknown[]): Promise<void> { return this.refuse(); }
  unplugInstance(..._args: unknown[]): Promise<void> { return this.refuse(); }
  applyFloating(..._args: unknown[]): Promise<void> { return this.refuse(); }
  removeFloating(..._args: unknown[]): Promise<void> { return this.refuse(); }
  applySecurityGroups(..._args: unknown[]): Promise<void> { return this.refuse(); }
  removeSecurityGroups(..._args: unknown[]): Promise<void> { return this.refuse(); }
}
