/**
 * Host weighers (Nova's nova/scheduler/weights): each gives a raw value per
 * host, normalized to 0..1 across the candidates, times its multiplier; the
 * host with the highest sum wins.
 */
import type { HostState } from './host-state.js';

export interface HostWeigher {
  readonly name: string;
  /** Positive spreads onto hosts with more of it; negative stacks. */
  multiplier: number;
  value(host: HostState): number;
}

export interface WeigherMultipliers {
  /** Nova: ram_weight_multiplier (1.0). */
  ram: number;
  /** Nova: cpu_weight_multiplier (1.0). */
  cpu: number;
  /** Nova: num_instances_weight_multiplier (0.0 there; -1.0 here to spread by count too). */
  numInstances: number;
}

export const DEFAULT_WEIGHER_MULTIPLIERS: WeigherMultipliers = { ram: 1.0, cpu: 1.0, numInstances: -1.0 };

export function makeWeighers(m: WeigherMultipliers): HostWeigher[] {
  return [
    { name: 'RAMWeigher', multiplier: m.ram, value: (h) => h.free_ram_mb },
    { name: 'CPUWeigher', multiplier: m.cpu, value: (h) => h.free_vcpus },
    { name: 'NumInstancesWeigher', multiplier: m.numInstances, value: (h) => h.num_instances },
  ];
}

/** Hosts sorted best first, with their weights. Ties keep the input order. */
export function weighHosts(hosts: readonly HostState[], weighers: readonly HostWeigher[]): { host: HostState; weight: number }[] {
  const weights = hosts.map(() => 0);
  for (const w of weighers) {
    if (w.multiplier === 0) continue;
    const values = hosts.map((h) => w.value(h));
    const min = Math.min(...values);
    const max = Math.max(...values);
    values.forEach((v, i) => {
      weights[i] += w.multiplier * (max === min ? 0 : (v - min) / (max - min));
    });
  }
  return hosts.map((host, i) => ({ host, weight: weights[i], i }))
    .sort((a, b) => b.weight - a.weight || a.i - b.i)
    .map(({ host, weight }) => ({ host, weight }));
}
