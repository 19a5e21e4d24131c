/** What the scheduler knows of a host at decision time (Nova's HostState). */
import type { ComputeNode, Flavor, ServiceRecord } from '../model.js';

export interface AllocationRatios {
  /** Nova: cpu_allocation_ratio (initial 4.0). */
  cpu: number;
  /** Nova: ram_allocation_ratio (initial 1.0). */
  ram: number;
  /** Nova: disk_allocation_ratio (initial 1.0). */
  disk: number;
}

export const DEFAULT_ALLOCATION_RATIOS: AllocationRatios = { cpu: 4.0, ram: 1.0, disk: 1.0 };

export interface HostState {
  host: string;
  availability_zone: string;
  up: boolean;
  disabled: boolean;
  hypervisor_type: string;
  cpu_arch: string;
  free_ram_mb: number;
  free_vcpus: number;
  free_disk_gb: number;
  num_instances: number;
}

/** What a boot (or a resize) asks for (Nova's RequestSpec, reduced). */
export interface RequestSpec {
  instance_uuid: string;
  flavor: Flavor;
  image_properties: Record<string, string>;
  availability_zone?: string | null;
  /** Hosts already tried (retries) or excluded (resize away from the source). */
  ignore_hosts?: string[];
}

export function hostStateOf(
  node: ComputeNode,
  service: ServiceRecord,
  used: Pick<ComputeNode, 'vcpus_used' | 'memory_mb_used' | 'local_gb_used' | 'running_vms'>,
  up: boolean,
  ratios: AllocationRatios,
): HostState {
  return {
    host: node.host,
    availability_zone: service.availability_zone,
    up,
    disabled: service.disabled,
    hypervisor_type: node.hypervisor_type,
    cpu_arch: node.cpu_arch,
    free_ram_mb: node.memory_mb * ratios.ram - used.memory_mb_used,
    free_vcpus: node.vcpus * ratios.cpu - used.vcpus_used,
    free_disk_gb: node.local_gb * ratios.disk - used.local_gb_used,
    num_instances: used.running_vms,
  };
}

/** Take a chosen request's resources off a host, so the next pick of the same batch sees them gone. */
export function consumeFromRequest(h: HostState, f: Flavor): void {
  h.free_ram_mb -= f.memory_mb;
  h.free_vcpus -= f.vcpus;
  h.free_disk_gb -= f.root_gb + f.ephemeral_gb;
  h.num_instances += 1;
}
