/**
 * The compute host's resource tracker (Nova's ResourceTracker): claims are
 * taken in one DB transaction (SQLite: immediate; PostgreSQL: serializable,
 * re-run when another claim on the host raced it) that checks what the
 * host's instances use against what it has, then assigns the instance to
 * the host. Usage is always counted from the instances assigned here, so
 * releasing a claim is clearing the instance's host — a crash cannot leak
 * one.
 */
import type { ComputeDb } from '../db/index.js';
import type { HypervisorDriver } from '../driver/index.js';
import { ComputeResourcesUnavailableError } from '../errors.js';
import type { Flavor } from '../model.js';
import { DEFAULT_ALLOCATION_RATIOS, type AllocationRatios } from '../scheduler/host-state.js';

export class ResourceTracker {
  constructor(
    private readonly db: ComputeDb,
    private readonly host: string,
    private readonly driver: HypervisorDriver,
    private readonly ratios: AllocationRatios = DEFAULT_ALLOCATION_RATIOS,
  ) {}

  /** Report the hypervisor's resources and the instances' usage (Nova: update_available_resource). */
  async updateAvailableResource(): Promise<void> {
    const r = await this.driver.getHostResources();
    await this.db.upsertComputeNode({ host: this.host, ...r });
    await this.refreshUsage();
  }

  async refreshUsage(): Promise<void> {
    await this.db.setComputeNodeUsage(this.host, await this.db.usageOnHost(this.host));
  }

  /** Fit `need` on this host beside what is used, or throw; `credit` is already counted and will be freed. */
  private async check(db: ComputeDb, need: Flavor, credit?: Flavor): Promise<void> {
    const node = await db.getComputeNode(this.host);
    if (!node) throw new ComputeResourcesUnavailableError(`host ${this.host} has no compute node record`);
    const used = await db.usageOnHost(this.host);
    const back = credit ?? { memory_mb: 0, vcpus: 0, root_gb: 0, ephemeral_gb: 0 };
    const freeRam = node.memory_mb * this.ratios.ram - used.memory_mb_used + back.memory_mb;
    const freeCpu = node.vcpus * this.ratios.cpu - used.vcpus_used + back.vcpus;
    const freeDisk = node.local_gb * this.ratios.disk - used.local_gb_used + back.root_gb + back.ephemeral_gb;
    if (freeRam < need.memory_mb) throw new ComputeResourcesUnavailableError(`Free memory ${freeRam} MB < requested ${need.memory_mb} MB`);
    if (freeCpu < need.vcpus) throw new ComputeResourcesUnavailableError(`Free vcpu ${freeCpu} < requested ${need.vcpus} VCPU`);
    if (freeDisk < need.root_gb + need.ephemeral_gb) throw new ComputeResourcesUnavailableError(`Free disk ${freeDisk} GB < requested ${need.root_gb + need.ephemeral_gb} GB`);
  }

  /** Claim the instance's flavor here and assign the instance to this host. */
  async claim(uuid: string, flavor: Flavor): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.check(tx, flavor);
      await tx.updateInstance(uuid, { host: this.host, node: this.host });
    });
    await this.refreshUsage();
  }

  /** A resize's claim on the destination; the source keeps the old flavor until confirmed or reverted. */
  async resizeClaim(uuid: string, newFlavor: Flavor, sourceHost: string, oldFlavor: Flavor): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.check(tx, newFlavor, sourceHost === this.host ? oldFlavor : undefined);
      await tx.updateInstance(uuid, { host: this.host, node: this.host, resize_source_host: sourceHost, old_flavor: oldFlavor, new_flavor: newFlavor });
    });
    await this.refreshUsage();
  }

  /** Give the claim back: the instance no longer belongs to any host (Nova: abort_instance_claim). */
  async abortClaim(uuid: string): Promise<void> {
    await this.db.updateInstance(uuid, { host: null, node: null });
    await this.refreshUsage();
  }
}
