/**
 * Guest taps when the guest networks live in another network namespace
 * (a compute host whose data plane runs in `netns`, as the tests' do):
 * libvirt and qemu open a tap by name in their own namespace, and cannot
 * see a bridge in another. So the tap is an unmanaged one
 * (`<interface type='ethernet'>` + `managed='no'`): made (or brought back)
 * in our namespace just before qemu starts, then, once qemu holds it, moved
 * into the namespace, onto the network's bridge, up. It carries no address
 * or route while it is outside.
 */
import { HostCommands, linkExists as has } from '../../network/linux/index.js';

/** A guest NIC: MAC, host-side tap, the bridge it belongs on. */
export interface GuestTap {
  mac: string;
  device: string;
  bridge: string;
}

export class NamespacedTaps {
  private readonly here = new HostCommands();
  private readonly there: HostCommands;

  constructor(readonly netns: string) {
    this.there = new HostCommands(netns);
  }

  /** Each tap in our namespace for qemu to open: brought back from the guest network's namespace, or made. */
  async beforeStart(taps: GuestTap[]): Promise<void> {
    for (const t of taps) {
      if (await has(this.there, t.device)) await this.there.ip(['link', 'set', 'dev', t.device, 'netns', String(process.pid)]);
      else if (!(await has(this.here, t.device))) await this.here.ip(['tuntap', 'add', 'dev', t.device, 'mode', 'tap']);
    }
  }

  /** qemu holds the taps: into the namespace, onto their bridges, up. */
  async afterStart(taps: GuestTap[]): Promise<void> {
    for (const t of taps) {
      if (await has(this.here, t.device)) await this.here.ip(['link', 'set', 'dev', t.device, 'netns', this.netns]);
      await this.there.ip(['link', 'set', 'dev', t.device, 'master', t.bridge, 'up']);
    }
  }

  /** The taps gone, wherever they are. */
  async remove(taps: GuestTap[]): Promise<void> {
    for (const t of taps) {
      if (await has(this.there, t.device)) await this.there.ip(['link', 'del', 'dev', t.device]);
      if (await has(this.here, t.device)) await this.here.ip(['link', 'del', 'dev', t.device]);
    }
  }
}
