/**
 * Host filters (Nova's nova/scheduler/filters): each keeps the hosts that
 * can take the request. Names are Nova's, so `enabled_filters` reads the same.
 */
import type { HostState, RequestSpec } from './host-state.js';

export interface HostFilter {
  readonly name: string;
  passes(host: HostState, spec: RequestSpec): boolean;
}

export const ComputeFilter: HostFilter = {
  name: 'ComputeFilter',
  passes: (h) => h.up && !h.disabled,
};

export const RamFilter: HostFilter = {
  name: 'RamFilter',
  passes: (h, s) => h.free_ram_mb >= s.flavor.memory_mb,
};

export const CoreFilter: HostFilter = {
  name: 'CoreFilter',
  passes: (h, s) => h.free_vcpus >= s.flavor.vcpus,
};

export const DiskFilter: HostFilter = {
  name: 'DiskFilter',
  passes: (h, s) => h.free_disk_gb >= s.flavor.root_gb + s.flavor.ephemeral_gb,
};

export const AvailabilityZoneFilter: HostFilter = {
  name: 'AvailabilityZoneFilter',
  passes: (h, s) => !s.availability_zone || h.availability_zone === s.availability_zone,
};

/** Image properties the host must match: architecture, hypervisor_type (Nova: img_hv_type too). */
export const ImagePropertiesFilter: HostFilter = {
  name: 'ImagePropertiesFilter',
  passes: (h, s) => {
    const arch = s.image_properties.architecture ?? s.image_properties.hw_architecture;
    if (arch && normalizeArch(arch) !== normalizeArch(h.cpu_arch)) return false;
    const hv = s.image_properties.hypervisor_type ?? s.image_properties.img_hv_type;
    if (hv && hv.toLowerCase() !== h.hypervisor_type.toLowerCase()) return false;
    return true;
  },
};

/** Not Nova's name but its behaviour: hosts already tried or excluded are skipped. */
export const IgnoreHostsFilter: HostFilter = {
  name: 'IgnoreHostsFilter',
  passes: (h, s) => !(s.ignore_hosts ?? []).includes(h.host),
};

/** nova.objects.fields.Architecture.canonicalize, for the common spellings. */
function normalizeArch(a: string): string {
  const x = a.toLowerCase();
  if (x === 'amd64' || x === 'x64' || x === 'x86-64') return 'x86_64';
  if (x === 'arm64') return 'aarch64';
  if (['i386', 'i486', 'i586', 'i686', 'x86'].includes(x)) return 'i686';
  return x;
}

export const ALL_FILTERS: readonly HostFilter[] = [
  IgnoreHostsFilter, ComputeFilter, AvailabilityZoneFilter, RamFilter, CoreFilter, DiskFilter, ImagePropertiesFilter,
];

/** Filters by Nova's names, from `enabled_filters` (the ignore-hosts check always runs). */
export function filtersByName(names: readonly string[]): HostFilter[] {
  const out: HostFilter[] = [IgnoreHostsFilter];
  for (const n of names) {
    const f = ALL_FILTERS.find((x) => x.name === n);
    if (!f) throw new Error(`unknown scheduler filter ${n}`);
    if (!out.includes(f)) out.push(f);
  }
  return out;
}
