/**
 * The compute state DB (Nova's cell DB, reduced), shared by the API,
 * scheduler and compute services of an installation: one SQLite file on
 * one host, PostgreSQL across hosts (`SqlDatabase`). Every method is one
 * short statement or one short transaction, async on either engine.
 */
import { SwiftlyError } from '../../common/index.js';
import { isUniqueViolation, jsonText, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql-database.js';
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
  delete out.rowid; // PostgreSQL's explicit one
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

/** A row's values in column order, for an INSERT or UPDATE built from an object. */
function encodeRow(values: Record<string, unknown>): Record<string, SqlValue> {
  const row: Record<string, unknown> = { ...values };
  for (const c of JSON_COLUMNS) if (c in row) row[c] = row[c] == null ? null : JSON.stringify(row[c]);
  for (const c of ['deleted', 'config_drive']) if (c in row) row[c] = row[c] ? 1 : 0;
  for (const [k, v] of Object.entries(row)) if (v === undefined) row[k] = null;
  return row as Record<string, SqlValue>;
}

function toService(row: Row): ServiceRecord {
  return { ...(row as unknown as ServiceRecord), disabled: row.disabled === 1 };
}

export class ComputeDb {
  /**
   * @param sql where the statements go (a transaction's executor inside `transaction`)
   * @param database the DB this store owns and closes, when it does
   */
  constructor(readonly sql: SqlExecutor, private readonly database?: SqlDatabase) {}

  async close(): Promise<void> {
    await this.database?.close();
  }

  async schemaVersion(): Promise<number> {
    if (!this.database) throw new Error('schemaVersion: not the store that opened the DB');
    return this.database.schemaVersion();
  }

  /** Run `fn` with a store whose statements are one transaction (see `SqlExecutor.transaction`: it may run twice). */
  transaction<T>(fn: (store: ComputeDb) => Promise<T>): Promise<T> {
    return this.sql.transaction((tx) => fn(tx === this.sql ? this : new ComputeDb(tx)));
  }

  // ---- services -----------------------------------------------------------

  /** Register (or refresh) a service row; returns it. */
  async registerService(binary: string, host: string, topic: string, availabilityZone = 'nova'): Promise<ServiceRecord> {
    const now = novaTime();
    await this.sql.run(`INSERT INTO services ("binary", host, topic, availability_zone, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT ("binary", host) DO UPDATE SET topic = excluded.topic, availability_zone = excluded.availability_zone, updated_at = ?`,
    [binary, host, topic, availabilityZone, now, now]);
    return (await this.getService(binary, host))!;
  }

  async getService(binary: string, host: string): Promise<ServiceRecord | undefined> {
    const row = await this.sql.get(`SELECT * FROM services WHERE "binary" = ? AND host = ?`, [binary, host]);
    return row && toService(row);
  }

  async listServices(binary?: string): Promise<ServiceRecord[]> {
    const rows = binary
      ? await this.sql.all(`SELECT * FROM services WHERE "binary" = ? ORDER BY id`, [binary])
      : await this.sql.all(`SELECT * FROM services ORDER BY id`);
    return rows.map(toService);
  }

  async heartbeat(binary: string, host: string, nowMs = Date.now()): Promise<void> {
    await this.sql.run(`UPDATE services SET report_count = report_count + 1, last_seen_up = ?, updated_at = ? WHERE "binary" = ? AND host = ?`,
      [nowMs, novaTime(new Date(nowMs)), binary, host]);
  }

  async setServiceDisabled(binary: string, host: string, disabled: boolean, reason: string | null = null): Promise<void> {
    await this.sql.run(`UPDATE services SET disabled = ?, disabled_reason = ?, updated_at = ? WHERE "binary" = ? AND host = ?`,
      [disabled ? 1 : 0, reason, novaTime(), binary, host]);
  }

  // ---- compute nodes ------------------------------------------------------

  async upsertComputeNode(node: Pick<ComputeNode, 'host' | 'hypervisor_type' | 'cpu_arch' | 'vcpus' | 'memory_mb' | 'local_gb'>): Promise<void> {
    const now = novaTime();
    await this.sql.run(`INSERT INTO compute_nodes (host, hypervisor_type, cpu_arch, vcpus, memory_mb, local_gb, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (host) DO UPDATE SET hypervisor_type = excluded.hypervisor_type, cpu_arch = excluded.cpu_arch, vcpus = excluded.vcpus,
        memory_mb = excluded.memory_mb, local_gb = excluded.local_gb, updated_at = excluded.created_at`,
    [node.host, node.hypervisor_type, node.cpu_arch, node.vcpus, node.memory_mb, node.local_gb, now]);
  }

  async setComputeNodeUsage(host: string, used: Pick<ComputeNode, 'vcpus_used' | 'memory_mb_used' | 'local_gb_used' | 'running_vms'>): Promise<void> {
    await this.sql.run(`UPDATE compute_nodes SET vcpus_used = ?, memory_mb_used = ?, local_gb_used = ?, running_vms = ?, updated_at = ? WHERE host = ?`,
      [used.vcpus_used, used.memory_mb_used, used.local_gb_used, used.running_vms, novaTime(), host]);
  }

  async getComputeNode(host: string): Promise<ComputeNode | undefined> {
    return this.sql.get<ComputeNode>(`SELECT * FROM compute_nodes WHERE host = ?`, [host]);
  }

  async listComputeNodes(): Promise<ComputeNode[]> {
    return this.sql.all<ComputeNode>(`SELECT * FROM compute_nodes ORDER BY host`);
  }

  /**
   * What the instances assigned to `host` use (Nova's resource tracker
   * counts instances, not a running tally, so a crash cannot leak a claim).
   * During a resize the destination counts the new flavor.
   */
  async usageOnHost(host: string): Promise<Pick<ComputeNode, 'vcpus_used' | 'memory_mb_used' | 'local_gb_used' | 'running_vms'>> {
    const rows = await this.sql.all(`SELECT flavor, new_flavor, resize_source_host FROM instances WHERE host = ? AND deleted = 0`, [host]);
    const used = { vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: rows.length };
    for (const r of rows) {
      const f = JSON.parse((r.new_flavor ?? r.flavor) as string) as Flavor;
      used.vcpus_used += f.vcpus;
      used.memory_mb_used += f.memory_mb;
      used.local_gb_used += f.root_gb + f.ephemeral_gb;
    }
    // A resize's source keeps the old flavor's resources until it is confirmed.
    const sources = await this.sql.all(`SELECT old_flavor FROM instances WHERE resize_source_host = ? AND host != ? AND deleted = 0 AND old_flavor IS NOT NULL`, [host, host]);
    for (const r of sources) {
      const f = JSON.parse(r.old_flavor as string) as Flavor;
      used.vcpus_used += f.vcpus;
      used.memory_mb_used += f.memory_mb;
      used.local_gb_used += f.root_gb + f.ephemeral_gb;
    }
    return used;
  }

  // ---- flavors ------------------------------------------------------------

  async createFlavor(f: Omit<Flavor, 'flavorid'> & { flavorid?: string }): Promise<Flavor> {
    const flavorid = f.flavorid ?? crypto.randomUUID();
    try {
      await this.sql.run(`INSERT INTO flavors (flavorid, name, memory_mb, vcpus, root_gb, ephemeral_gb, swap, rxtx_factor, is_public, disabled, description, extra_specs, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        flavorid, f.name, f.memory_mb, f.vcpus, f.root_gb, f.ephemeral_gb, f.swap, f.rxtx_factor,
        f.is_public ? 1 : 0, f.disabled ? 1 : 0, f.description, JSON.stringify(f.extra_specs), novaTime()]);
    } catch (err) {
      if (isUniqueViolation(err)) {
        const what = /flavorid/.test((err as Error).message) ? `Flavor with ID ${flavorid}` : `Flavor with name ${f.name}`;
        throw new SwiftlyError('ERR_CONFLICT', `${what} already exists.`, { status: 409 });
      }
      throw err;
    }
    return (await this.getFlavor(flavorid))!;
  }

  async getFlavor(flavorid: string): Promise<Flavor | undefined> {
    const row = await this.sql.get(`SELECT * FROM flavors WHERE flavorid = ?`, [flavorid]);
    return row && toFlavor(row);
  }

  async listFlavors(filters: { minRam?: number; minDisk?: number; isPublic?: boolean } = {}): Promise<Flavor[]> {
    const params: SqlValue[] = [filters.minRam ?? 0, filters.minDisk ?? 0];
    let where = 'memory_mb >= ? AND root_gb >= ?';
    if (filters.isPublic !== undefined) { where += ' AND is_public = ?'; params.push(filters.isPublic ? 1 : 0); }
    const rows = await this.sql.all(`SELECT * FROM flavors WHERE ${where} ORDER BY memory_mb, flavorid`, params);
    return rows.map(toFlavor);
  }

  async deleteFlavor(flavorid: string): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM flavors WHERE flavorid = ?`, [flavorid])).changes === 1;
  }

  // ---- instances ----------------------------------------------------------

  async createInstance(
    i: Omit<Instance, 'created_at' | 'updated_at' | 'deleted_at' | 'deleted' | 'launched_at' | 'terminated_at' | 'progress' | 'old_flavor' | 'new_flavor' | 'resize_source_host' | 'config_drive' | 'user_data'>
      & Partial<Pick<Instance, 'config_drive' | 'user_data'>>,
  ): Promise<Instance> {
    const row = encodeRow({ ...i, config_drive: i.config_drive ?? false, user_data: i.user_data ?? null, created_at: novaTime(), deleted: false });
    const cols = Object.keys(row);
    await this.sql.run(`INSERT INTO instances (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, Object.values(row));
    return (await this.getInstance(i.uuid))!;
  }

  async getInstance(uuid: string, includeDeleted = false): Promise<Instance | undefined> {
    const row = await this.sql.get(`SELECT * FROM instances WHERE uuid = ? ${includeDeleted ? '' : 'AND deleted = 0'}`, [uuid]);
    return row && toInstance(row);
  }

  async listInstances(f: InstanceFilters = {}): Promise<Instance[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (!f.includeDeleted) where.push('deleted = 0');
    if (f.projectId) { where.push('project_id = ?'); params.push(f.projectId); }
    if (f.host) { where.push('host = ?'); params.push(f.host); }
    if (f.imageRef) { where.push('image_ref = ?'); params.push(f.imageRef); }
    if (f.flavorId) { where.push(`${jsonText(this.sql.dialect, 'flavor', 'flavorid')} = ?`); params.push(f.flavorId); }
    if (f.vmState?.length) { where.push(`vm_state IN (${f.vmState.map(() => '?').join(',')})`); params.push(...f.vmState); }
    if (f.changesSince) { where.push('COALESCE(updated_at, created_at) >= ?'); params.push(f.changesSince); }
    let rows = (await this.sql.all(`SELECT * FROM instances ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, uuid`, params)).map(toInstance);
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
  async updateInstance(uuid: string, values: Partial<Instance>, expected: ExpectedState = {}): Promise<Instance> {
    return this.transaction(async (tx) => {
      const cur = await tx.getInstance(uuid);
      if (!cur) throw new NotFoundError(`Instance ${uuid} could not be found.`);
      if (expected.vm_state && !expected.vm_state.includes(cur.vm_state)) {
        throw new UnexpectedStateError(`Instance ${uuid} is in vm_state ${cur.vm_state}, expected one of ${expected.vm_state.join(', ')}`);
      }
      if (expected.task_state && !expected.task_state.includes(cur.task_state)) {
        throw new UnexpectedStateError(`Instance ${uuid} is in task_state ${cur.task_state}, expected one of ${expected.task_state.join(', ')}`);
      }
      const row = encodeRow({ ...values, updated_at: novaTime() });
      const cols = Object.keys(row);
      await tx.sql.run(`UPDATE instances SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE uuid = ?`, [...Object.values(row), uuid]);
      return (await tx.getInstance(uuid, true))!;
    });
  }

  /**
   * Mark deleted (kept for `changes-since` and actions, as Nova's soft-deleted rows).
   * Returns the volumes it left `deleting` (delete_on_termination): the caller has their hosts delete them.
   */
  async destroyInstance(uuid: string): Promise<string[]> {
    const now = novaTime();
    return this.sql.transaction(async (tx) => {
      await tx.run(`UPDATE instances SET deleted = 1, deleted_at = ?, terminated_at = ?, vm_state = 'deleted', task_state = NULL, power_state = 0, updated_at = ? WHERE uuid = ?`,
        [now, now, now, uuid]);
      // Its fixed addresses go back to their networks, its floating ones stay with the project, unassociated (Nova's delete).
      await tx.run(`DELETE FROM fixed_ips WHERE instance_uuid = ?`, [uuid]);
      await tx.run(`UPDATE floating_ips SET fixed_address = NULL, instance_uuid = NULL, updated_at = ? WHERE instance_uuid = ?`, [now, uuid]);
      await tx.run(`DELETE FROM security_group_instance WHERE instance_uuid = ?`, [uuid]);
      // Its volumes stay, detached and available again (Nova detaches them on delete), but those marked
      // delete_on_termination (a root volume), which go; a volume still being made is left to finish.
      const doomed = (await tx.all<{ id: string }>(`SELECT id FROM volumes WHERE status NOT IN ('creating', 'deleting')
        AND id IN (SELECT volume_id FROM volume_attachments WHERE instance_uuid = ? AND delete_on_termination = 1)`, [uuid])).map((r) => r.id);
      await tx.run(`UPDATE volumes SET status = 'available', updated_at = ? WHERE status IN ('attaching', 'in-use', 'detaching')
        AND id IN (SELECT volume_id FROM volume_attachments WHERE instance_uuid = ? AND delete_on_termination = 0)`, [now, uuid]);
      for (const id of doomed) await tx.run(`UPDATE volumes SET status = 'deleting', updated_at = ? WHERE id = ?`, [now, id]);
      await tx.run(`DELETE FROM volume_attachments WHERE instance_uuid = ?`, [uuid]);
      return doomed;
    });
  }

  // ---- faults and actions -------------------------------------------------

  async addFault(uuid: string, code: number, message: string, details = '', host: string | null = null): Promise<void> {
    await this.sql.run(`INSERT INTO instance_faults (instance_uuid, code, message, details, host, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      [uuid, code, message, details, host, novaTime()]);
  }

  async latestFault(uuid: string): Promise<InstanceFault | undefined> {
    return this.sql.get<InstanceFault>(`SELECT * FROM instance_faults WHERE instance_uuid = ? ORDER BY id DESC LIMIT 1`, [uuid]);
  }

  async startAction(a: { uuid: string; action: string; requestId: string; userId?: string; projectId?: string }): Promise<void> {
    await this.sql.run(`INSERT INTO instance_actions (instance_uuid, action, request_id, user_id, project_id, start_time) VALUES (?, ?, ?, ?, ?, ?)`,
      [a.uuid, a.action, a.requestId, a.userId ?? null, a.projectId ?? null, novaTime()]);
  }

  async finishAction(uuid: string, requestId: string, result: 'Success' | 'Error', message: string | null = null): Promise<void> {
    await this.sql.run(`UPDATE instance_actions SET finish_time = ?, result = ?, message = ? WHERE instance_uuid = ? AND request_id = ? AND finish_time IS NULL`,
      [novaTime(), result, message, uuid, requestId]);
  }

  async listActions(uuid: string): Promise<InstanceAction[]> {
    return this.sql.all<InstanceAction>(`SELECT instance_uuid, action, request_id, user_id, project_id, start_time, finish_time, result, message FROM instance_actions WHERE instance_uuid = ? ORDER BY id`, [uuid]);
  }
}
