/**
 * The compute state DB (Nova's cell DB, reduced): one SQLite file shared by
 * the API, scheduler and compute services of an installation, WAL mode so
 * readers never wait for the writer. Every method is one short statement or
 * one short transaction.
 */
import Database from 'better-sqlite3';
import { SwiftlyError } from '../../common/index.js';
import { migrate } from './migrations.js';
import {
  novaTime, type ComputeNode, type Flavor, type Instance, type InstanceAction, type InstanceFault, type ServiceRecord,
} from '../model.js';

/** A row changed state under us (Nova: UnexpectedTaskStateError / InstanceInvalidState). */
export class UnexpectedStateError extends SwiftlyError {
  constructor(message: string) {
    super('ERR_CONFLICT', message, { status: 409 });
    this.name = 'UnexpectedTaskStateError';
  }
}

export class NotFoundError extends SwiftlyError {
  constructor(message: string) {
    super('ERR_NOT_FOUND', message, { status: 404 });
    this.name = 'NotFound';
  }
}

export interface InstanceFilters {
  projectId?: string;
  name?: string;
  status?: string[];
  vmState?: string[];
  host?: string;
  imageRef?: string;
  flavorId?: string;
  changesSince?: string;
  includeDeleted?: boolean;
  limit?: number;
  marker?: string;
}

/** Expected states for a compare-and-swap update: a list of allowed values per column. */
export interface ExpectedState {
  vm_state?: readonly string[];
  task_state?: readonly (string | null)[];
}

type Row = Record<string, unknown>;
const JSON_COLUMNS = ['image_properties', 'flavor', 'old_flavor', 'new_flavor', 'metadata', 'requested_networks'] as const;

function toInstance(row: Row): Instance {
  const out = { ...row } as Record<string, unknown>;
  for (const c of JSON_COLUMNS) out[c] = row[c] == null ? null : JSON.parse(row[c] as string);
  out.deleted = row.deleted !== 0;
  out.config_drive = row.config_drive === 1;
  return out as unknown as Instance;
}

function toFlavor(row: Row): Flavor {
  return {
    flavorid: row.flavorid as string, name: row.name as string, memory_mb: row.memory_mb as number,
    vcpus: row.vcpus as number, root_gb: row.root_gb as number, ephemeral_gb: row.ephemeral_gb as number,
    swap: row.swap as number, rxtx_factor: row.rxtx_factor as number, is_public: row.is_public === 1,
    disabled: row.disabled === 1, description: (row.description as string | null) ?? null,
    extra_specs: JSON.parse(row.extra_specs as string),
  };
}

function toService(row: Row): ServiceRecord {
  return { ...(row as unknown as ServiceRecord), disabled: row.disabled === 1 };
}

export class ComputeDb {
  readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('synchronous = NORMAL');
    migrate(this.db);
  }

  close(): void {
    this.db.close();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  // ---- services -----------------------------------------------------------

  /** Register (or refresh) a service row; returns it. */
  registerService(binary: string, host: string, topic: string, availabilityZone = 'nova'): ServiceRecord {
    const now = novaTime();
    this.db.prepare(`INSERT INTO services (binary, host, topic, availability_zone, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (binary, host) DO UPDATE SET topic = excluded.topic, availability_zone = excluded.availability_zone, updated_at = ?`)
      .run(binary, host, topic, availabilityZone, now, now);
    return this.getService(binary, host)!;
  }

  getService(binary: string, host: string): ServiceRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM services WHERE binary = ? AND host = ?`).get(binary, host) as Row | undefined;
    return row && toService(row);
  }

  listServices(binary?: string): ServiceRecord[] {
    const rows = binary
      ? this.db.prepare(`SELECT * FROM services WHERE binary = ? ORDER BY id`).all(binary)
      : this.db.prepare(`SELECT * FROM services ORDER BY id`).all();
    return (rows as Row[]).map(toService);
  }

  heartbeat(binary: string, host: string, nowMs = Date.now()): void {
    this.db.prepare(`UPDATE services SET report_count = report_count + 1, last_seen_up = ?, updated_at = ? WHERE binary = ? AND host = ?`)
      .run(nowMs, novaTime(new Date(nowMs)), binary, host);
  }

  setServiceDisabled(binary: string, host: string, disabled: boolean, reason: string | null = null): void {
    this.db.prepare(`UPDATE services SET disabled = ?, disabled_reason = ?, updated_at = ? WHERE binary = ? AND host = ?`)
      .run(disabled ? 1 : 0, reason, novaTime(), binary, host);
  }

  // ---- compute nodes ------------------------------------------------------

  upsertComputeNode(node: Pick<ComputeNode, 'host' | 'hypervisor_type' | 'cpu_arch' | 'vcpus' | 'memory_mb' | 'local_gb'>): void {
    const now = novaTime();
    this.db.prepare(`INSERT INTO compute_nodes (host, hypervisor_type, cpu_arch, vcpus, memory_mb, local_gb, created_at)
      VALUES (@host, @hypervisor_type, @cpu_arch, @vcpus, @memory_mb, @local_gb, @now)
      ON CONFLICT (host) DO UPDATE SET hypervisor_type = @hypervisor_type, cpu_arch = @cpu_arch, vcpus = @vcpus,
        memory_mb = @memory_mb, local_gb = @local_gb, updated_at = @now`).run({ ...node, now });
  }

  setComputeNodeUsage(host: string, used: Pick<ComputeNode, 'vcpus_used' | 'memory_mb_used' | 'local_gb_used' | 'running_vms'>): void {
    this.db.prepare(`UPDATE compute_nodes SET vcpus_used = @vcpus_used, memory_mb_used = @memory_mb_used,
      local_gb_used = @local_gb_used, running_vms = @running_vms, updated_at = @now WHERE host = @host`)
      .run({ ...used, host, now: novaTime() });
  }

  getComputeNode(host: string): ComputeNode | undefined {
    return this.db.prepare(`SELECT * FROM compute_nodes WHERE host = ?`).get(host) as ComputeNode | undefined;
  }

  listComputeNodes(): ComputeNode[] {
    return this.db.prepare(`SELECT * FROM compute_nodes ORDER BY host`).all() as ComputeNode[];
  }

  /**
   * What the instances assigned to `host` use (Nova's resource tracker
   * counts instances, not a running tally, so a crash cannot leak a claim).
   * During a resize the destination counts the new flavor.
   */
  usageOnHost(host: string): Pick<ComputeNode, 'vcpus_used' | 'memory_mb_used' | 'local_gb_used' | 'running_vms'> {
    const rows = this.db.prepare(`SELECT flavor, new_flavor, resize_source_host FROM instances WHERE host = ? AND deleted = 0`).all(host) as Row[];
    const used = { vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: rows.length };
    for (const r of rows) {
      const f = JSON.parse((r.new_flavor ?? r.flavor) as string) as Flavor;
      used.vcpus_used += f.vcpus;
      used.memory_mb_used += f.memory_mb;
      used.local_gb_used += f.root_gb + f.ephemeral_gb;
    }
    // A resize's source keeps the old flavor's resources until it is confirmed.
    const sources = this.db.prepare(`SELECT old_flavor FROM instances WHERE resize_source_host = ? AND host != ? AND deleted = 0 AND old_flavor IS NOT NULL`).all(host, host) as Row[];
    for (const r of sources) {
      const f = JSON.parse(r.old_flavor as string) as Flavor;
      used.vcpus_used += f.vcpus;
      used.memory_mb_used += f.memory_mb;
      used.local_gb_used += f.root_gb + f.ephemeral_gb;
    }
    return used;
  }

  // ---- flavors ------------------------------------------------------------

  createFlavor(f: Omit<Flavor, 'flavorid'> & { flavorid?: string }): Flavor {
    const flavorid = f.flavorid ?? crypto.randomUUID();
    try {
      this.db.prepare(`INSERT INTO flavors (flavorid, name, memory_mb, vcpus, root_gb, ephemeral_gb, swap, rxtx_factor, is_public, disabled, description, extra_specs, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        flavorid, f.name, f.memory_mb, f.vcpus, f.root_gb, f.ephemeral_gb, f.swap, f.rxtx_factor,
        f.is_public ? 1 : 0, f.disabled ? 1 : 0, f.description, JSON.stringify(f.extra_specs), novaTime());
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        const what = /flavorid/.test((err as Error).message) ? `Flavor with ID ${flavorid}` : `Flavor with name ${f.name}`;
        throw new SwiftlyError('ERR_CONFLICT', `${what} already exists.`, { status: 409 });
      }
      throw err;
    }
    return this.getFlavor(flavorid)!;
  }

  getFlavor(flavorid: string): Flavor | undefined {
    const row = this.db.prepare(`SELECT * FROM flavors WHERE flavorid = ?`).get(flavorid) as Row | undefined;
    return row && toFlavor(row);
  }

  listFlavors(filters: { minRam?: number; minDisk?: number; isPublic?: boolean } = {}): Flavor[] {
    const rows = this.db.prepare(`SELECT * FROM flavors WHERE memory_mb >= ? AND root_gb >= ? AND (? IS NULL OR is_public = ?) ORDER BY memory_mb, flavorid`)
      .all(filters.minRam ?? 0, filters.minDisk ?? 0, filters.isPublic === undefined ? null : 1, filters.isPublic ? 1 : 0) as Row[];
    return rows.map(toFlavor);
  }

  deleteFlavor(flavorid: string): boolean {
    return this.db.prepare(`DELETE FROM flavors WHERE flavorid = ?`).run(flavorid).changes === 1;
  }

  // ---- instances ----------------------------------------------------------

  createInstance(
    i: Omit<Instance, 'created_at' | 'updated_at' | 'deleted_at' | 'deleted' | 'launched_at' | 'terminated_at' | 'progress' | 'old_flavor' | 'new_flavor' | 'resize_source_host' | 'config_drive' | 'user_data'>
      & Partial<Pick<Instance, 'config_drive' | 'user_data'>>,
  ): Instance {
    const row: Record<string, unknown> = { ...i, config_drive: i.config_drive ? 1 : 0, user_data: i.user_data ?? null, created_at: novaTime(), deleted: 0 };
    for (const c of JSON_COLUMNS) if (c in row) row[c] = row[c] == null ? null : JSON.stringify(row[c]);
    const cols = Object.keys(row);
    this.db.prepare(`INSERT INTO instances (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`).run(row);
    return this.getInstance(i.uuid)!;
  }

  getInstance(uuid: string, includeDeleted = false): Instance | undefined {
    const row = this.db.prepare(`SELECT * FROM instances WHERE uuid = ? ${includeDeleted ? '' : 'AND deleted = 0'}`).get(uuid) as Row | undefined;
    return row && toInstance(row);
  }

  listInstances(f: InstanceFilters = {}): Instance[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!f.includeDeleted) where.push('deleted = 0');
    if (f.projectId) { where.push('project_id = ?'); params.push(f.projectId); }
    if (f.host) { where.push('host = ?'); params.push(f.host); }
    if (f.imageRef) { where.push('image_ref = ?'); params.push(f.imageRef); }
    if (f.flavorId) { where.push(`json_extract(flavor, '$.flavorid') = ?`); params.push(f.flavorId); }
    if (f.vmState?.length) { where.push(`vm_state IN (${f.vmState.map(() => '?').join(',')})`); params.push(...f.vmState); }
    if (f.changesSince) { where.push('COALESCE(updated_at, created_at) >= ?'); params.push(f.changesSince); }
    let rows = (this.db.prepare(`SELECT * FROM instances ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, uuid`).all(...params) as Row[]).map(toInstance);
    // Nova matches `name` as a regular expression.
    if (f.name) {
      let re: RegExp;
      try { re = new RegExp(f.name); } catch { re = new RegExp(f.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')); }
      rows = rows.filter((r) => re.test(r.display_name));
    }
    if (f.marker) {
      const at = rows.findIndex((r) => r.uuid === f.marker);
      if (at < 0) throw new SwiftlyError('ERR_INVALID_ARGUMENT', `marker [${f.marker}] not found`, { status: 400 });
      rows = rows.slice(at + 1);
    }
    return f.limit !== undefined ? rows.slice(0, f.limit) : rows;
  }

  /**
   * Update an instance, optionally only if its states are still the expected
   * ones (compare-and-swap, Nova's `expected_task_state`), in one transaction.
   */
  updateInstance(uuid: string, values: Partial<Instance>, expected: ExpectedState = {}): Instance {
    return this.db.transaction(() => {
      const cur = this.getInstance(uuid);
      if (!cur) throw new NotFoundError(`Instance ${uuid} could not be found.`);
      if (expected.vm_state && !expected.vm_state.includes(cur.vm_state)) {
        throw new UnexpectedStateError(`Instance ${uuid} is in vm_state ${cur.vm_state}, expected one of ${expected.vm_state.join(', ')}`);
      }
      if (expected.task_state && !expected.task_state.includes(cur.task_state)) {
        throw new UnexpectedStateError(`Instance ${uuid} is in task_state ${cur.task_state}, expected one of ${expected.task_state.join(', ')}`);
      }
      const row: Record<string, unknown> = { ...values, updated_at: novaTime() };
      for (const c of JSON_COLUMNS) if (c in row) row[c] = row[c] == null ? null : JSON.stringify(row[c]);
      if ('deleted' in row) row.deleted = row.deleted ? 1 : 0;
      if ('config_drive' in row) row.config_drive = row.config_drive ? 1 : 0;
      const cols = Object.keys(row);
      this.db.prepare(`UPDATE instances SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE uuid = @__uuid`).run({ ...row, __uuid: uuid });
      return this.getInstance(uuid, true)!;
    }).immediate();
  }

  /** Mark deleted (kept for `changes-since` and actions, as Nova's soft-deleted rows). */
  destroyInstance(uuid: string): void {
    const now = novaTime();
    this.db.transaction(() => {
      this.db.prepare(`UPDATE instances SET deleted = 1, deleted_at = ?, terminated_at = ?, vm_state = 'deleted', task_state = NULL, power_state = 0, updated_at = ? WHERE uuid = ?`)
        .run(now, now, now, uuid);
      // Its fixed addresses go back to their networks, its floating ones stay with the project, unassociated (Nova's delete).
      this.db.prepare(`DELETE FROM fixed_ips WHERE instance_uuid = ?`).run(uuid);
      this.db.prepare(`UPDATE floating_ips SET fixed_address = NULL, instance_uuid = NULL, updated_at = ? WHERE instance_uuid = ?`).run(now, uuid);
      this.db.prepare(`DELETE FROM security_group_instance WHERE instance_uuid = ?`).run(uuid);
      // Its volumes stay, detached and available again (Nova detaches them on delete).
      this.db.prepare(`UPDATE volumes SET status = 'available', updated_at = ? WHERE id IN (SELECT volume_id FROM volume_attachments WHERE instance_uuid = ?)`).run(now, uuid);
      this.db.prepare(`DELETE FROM volume_attachments WHERE instance_uuid = ?`).run(uuid);
    }).immediate();
  }

  // ---- faults and actions -------------------------------------------------

  addFault(uuid: string, code: number, message: string, details = '', host: string | null = null): void {
    this.db.prepare(`INSERT INTO instance_faults (instance_uuid, code, message, details, host, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(uuid, code, message, details, host, novaTime());
  }

  latestFault(uuid: string): InstanceFault | undefined {
    return this.db.prepare(`SELECT * FROM instance_faults WHERE instance_uuid = ? ORDER BY id DESC LIMIT 1`).get(uuid) as InstanceFault | undefined;
  }

  startAction(a: { uuid: string; action: string; requestId: string; userId?: string; projectId?: string }): void {
    this.db.prepare(`INSERT INTO instance_actions (instance_uuid, action, request_id, user_id, project_id, start_time) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(a.uuid, a.action, a.requestId, a.userId ?? null, a.projectId ?? null, novaTime());
  }

  finishAction(uuid: string, requestId: string, result: 'Success' | 'Error', message: string | null = null): void {
    this.db.prepare(`UPDATE instance_actions SET finish_time = ?, result = ?, message = ? WHERE instance_uuid = ? AND request_id = ? AND finish_time IS NULL`)
      .run(novaTime(), result, message, uuid, requestId);
  }

  listActions(uuid: string): InstanceAction[] {
    return this.db.prepare(`SELECT instance_uuid, action, request_id, user_id, project_id, start_time, finish_time, result, message FROM instance_actions WHERE instance_uuid = ? ORDER BY id`).all(uuid) as InstanceAction[];
  }
}
