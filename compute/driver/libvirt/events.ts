/**
 * libvirt's lifecycle events (`virsh event --event lifecycle --loop`, one
 * long-lived process) as power states, per domain name. When libvirtd goes
 * away the process ends; it is started again after `retryMs` until
 * `stop()`, so events resume when libvirtd returns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PowerState } from '../../model.js';

export interface LifecycleEvent {
  domain: string;
  /** libvirt's event (`Started`, `Stopped`, …) and its detail (`Booted`, `Shutdown`, …). */
  event: string;
  detail: string;
  /** The power state it implies; undefined for events that don't change it (Defined, Undefined, Shutdown). */
  powerState?: PowerState;
}

const STATES: Record<string, PowerState> = {
  Started: PowerState.RUNNING,
  Resumed: PowerState.RUNNING,
  Suspended: PowerState.PAUSED,
  Stopped: PowerState.SHUTDOWN,
  Crashed: PowerState.CRASHED,
  PMSuspended: PowerState.SUSPENDED,
};

/** One line of virsh's event output: `event 'lifecycle' for domain 'NAME': Stopped Destroyed`. */
export function parseLifecycleLine(line: string): LifecycleEvent | undefined {
  const m = /^event 'lifecycle' for domain '(.*)': (\S+)(?: (.*))?$/.exec(line.trim());
  if (!m) return undefined;
  const [, domain, event, detail = ''] = m;
  const powerState = event === 'Stopped' && detail === 'Failed' ? PowerState.CRASHED : STATES[event!];
  return { domain: domain!, event: event!, detail, powerState };
}

export class LifecycleEvents {
  private child?: ChildProcess;
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly uri: string, private readonly onEvent: (e: LifecycleEvent) => void, private readonly retryMs = 2000) {}

  start(): void {
    if (this.stopped || this.child) return;
    const child = spawn('virsh', ['-q', '-c', this.uri, 'event', '--event', 'lifecycle', '--loop'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const e = parseLifecycleLine(line);
      if (e) this.onEvent(e);
    });
    const again = () => {
      if (this.child !== child) return;
      this.child = undefined;
      if (!this.stopped) this.timer = setTimeout(() => this.start(), this.retryMs);
    };
    child.on('exit', again);
    child.on('error', again);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const child = this.child;
    this.child = undefined;
    child?.kill();
  }
}
