/**
 * The compute state DB's schema, as numbered migrations applied in order
 * (the number kept in SQLite's `PRAGMA user_version`, PostgreSQL's
 * `swiftly_schema` table). Add a migration, never edit one that has
 * shipped. DDL is written once, in SQLite's words, through `db.exec`:
 * PostgreSQL runs it as `pgDdl` rewrites it (types, identity columns, an
 * explicit `rowid`); anything else must be SQL both engines take, or branch
 * on `db.dialect`.
 */
import type { SqlDatabase, SqlExecutor } from './sql-database.js';

export interface Migration {
  version: number;
  description: string;
  up(db: SqlExecutor): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'services with heartbeats, compute nodes with resources',
    async up(db) {
      await db.exec(`
        CREATE TABLE services (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          "binary" TEXT NOT NULL,
          host TEXT NOT NULL,
          topic TEXT NOT NULL,
          availability_zone TEXT NOT NULL DEFAULT 'nova',
          disabled INTEGER NOT NULL DEFAULT 0,
          disabled_reason TEXT,
          report_count INTEGER NOT NULL DEFAULT 0,
          last_seen_up INTEGER,
          created_at TEXT NOT NULL,
          updated_at TEXT,
          UNIQUE ("binary", host)
        );
        CREATE TABLE compute_nodes (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          host TEXT NOT NULL UNIQUE,
          hypervisor_type TEXT NOT NULL,
          cpu_arch TEXT NOT NULL,
          vcpus INTEGER NOT NULL,
          memory_mb INTEGER NOT NULL,
          local_gb INTEGER NOT NULL,
          vcpus_used INTEGER NOT NULL DEFAULT 0,
          memory_mb_used INTEGER NOT NULL DEFAULT 0,
          local_gb_used INTEGER NOT NULL DEFAULT 0,
          running_vms INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT
        );
      `);
    },
  },
  {
    version: 2,
    description: 'flavors, instances, instance faults and actions',
    async up(db) {
      await db.exec(`
        CREATE TABLE flavors (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          flavorid TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL UNIQUE,
          memory_mb INTEGER NOT NULL,
          vcpus INTEGER NOT NULL,
          root_gb INTEGER NOT NULL,
          ephemeral_gb INTEGER NOT NULL DEFAULT 0,
          swap INTEGER NOT NULL DEFAULT 0,
          rxtx_factor REAL NOT NULL DEFAULT 1.0,
          is_public INTEGER NOT NULL DEFAULT 1,
          disabled INTEGER NOT NULL DEFAULT 0,
          description TEXT,
          extra_specs TEXT NOT NULL DEFAULT '{}',
          created_at TEXT NOT NULL
        );
        CREATE TABLE instances (
          uuid TEXT PRIMARY KEY,
          display_name TEXT NOT NULL,
          project_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          image_ref TEXT NOT NULL,
          image_properties TEXT NOT NULL DEFAULT '{}',
          flavor TEXT NOT NULL,
          old_flavor TEXT,
          new_flavor TEXT,
          host TEXT,
          node TEXT,
          resize_source_host TEXT,
          availability_zone TEXT,
          vm_state TEXT NOT NULL,
          task_state TEXT,
          power_state INTEGER NOT NULL DEFAULT 0,
          metadata TEXT NOT NULL DEFAULT '{}',
          key_name TEXT,
          progress INTEGER NOT NULL DEFAULT 0,
          launched_at TEXT,
          terminated_at TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT,
          deleted_at TEXT,
          deleted INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX instances_project ON instances (project_id, deleted, created_at);
        CREATE INDEX instances_host ON instances (host, deleted);
        CREATE TABLE instance_faults (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          instance_uuid TEXT NOT NULL,
          code INTEGER NOT NULL,
          message TEXT NOT NULL,
          details TEXT NOT NULL DEFAULT '',
          host TEXT,
          created_at TEXT NOT NULL
        );
        CREATE INDEX instance_faults_uuid ON instance_faults (instance_uuid, id);
        CREATE TABLE instance_actions (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          instance_uuid TEXT NOT NULL,
          action TEXT NOT NULL,
          request_id TEXT NOT NULL,
          user_id TEXT,
          project_id TEXT,
          start_time TEXT NOT NULL,
          finish_time TEXT,
          result TEXT,
          message TEXT
        );
        CREATE INDEX instance_actions_uuid ON instance_actions (instance_uuid, id);
      `);
      // devstack's flavors, so a fresh cloud can boot something.
      const add = `INSERT INTO flavors (flavorid, name, memory_mb, vcpus, root_gb, created_at) VALUES (?, ?, ?, ?, ?, ?)`;
      const now = new Date().toISOString().slice(0, 19) + 'Z';
      for (const [id, name, ram, vcpus, disk] of [
        ['1', 'm1.tiny', 512, 1, 1], ['2', 'm1.small', 2048, 1, 20], ['3', 'm1.medium', 4096, 2, 40],
        ['4', 'm1.large', 8192, 4, 80], ['5', 'm1.xlarge', 16384, 8, 160],
      ] as const) await db.run(add, [id, name, ram, vcpus, disk, now]);
    },
  },
  {
    version: 3,
    description: 'a local image registry, until the image service (Glance in the object store) replaces it',
    async up(db) {
      await db.exec(`
        CREATE TABLE images (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          status TEXT NOT NULL,
          disk_format TEXT NOT NULL DEFAULT 'raw',
          container_format TEXT NOT NULL DEFAULT 'bare',
          size INTEGER NOT NULL DEFAULT 0,
          min_ram INTEGER NOT NULL DEFAULT 0,
          min_disk INTEGER NOT NULL DEFAULT 0,
          visibility TEXT NOT NULL DEFAULT 'public',
          owner TEXT,
          properties TEXT NOT NULL DEFAULT '{}',
          created_at TEXT NOT NULL,
          updated_at TEXT
        );
      `);
      // One bootable image, so a fresh cloud (fake driver) can boot something.
      await db.run(`INSERT INTO images (id, name, status, size, properties, created_at) VALUES (?, ?, 'active', ?, ?, ?)`,
        [crypto.randomUUID(), 'cirros-0.6.2-x86_64-disk', 21430272, JSON.stringify({ architecture: 'x86_64' }), new Date().toISOString().slice(0, 19) + 'Z']);
    },
  },
  {
    version: 4,
    description: 'nova-network: networks, fixed and floating IPs, security groups, key pairs',
    async up(db) {
      // Each fixed address is unique across networks (networks never overlap), which is what
      // keeps two racing builds from getting the same one; the metadata service finds a
      // guest by it. Floating addresses are rows from the start (the pool), owned once allocated.
      await db.exec(`
        CREATE TABLE networks (
          id TEXT PRIMARY KEY,
          label TEXT NOT NULL,
          cidr TEXT NOT NULL UNIQUE,
          bridge TEXT NOT NULL UNIQUE,
          gateway TEXT NOT NULL,
          dns TEXT NOT NULL DEFAULT '[]',
          dhcp_start TEXT,
          project_id TEXT,
          created_at TEXT NOT NULL
        );
        CREATE TABLE fixed_ips (
          address TEXT PRIMARY KEY,
          network_id TEXT NOT NULL,
          instance_uuid TEXT NOT NULL,
          mac TEXT NOT NULL UNIQUE,
          created_at TEXT NOT NULL
        );
        CREATE INDEX fixed_ips_instance ON fixed_ips (instance_uuid);
        CREATE INDEX fixed_ips_network ON fixed_ips (network_id);
        CREATE TABLE floating_ips (
          id TEXT PRIMARY KEY,
          address TEXT NOT NULL UNIQUE,
          pool TEXT NOT NULL,
          project_id TEXT,
          fixed_address TEXT,
          instance_uuid TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT
        );
        CREATE INDEX floating_ips_pool ON floating_ips (pool, project_id);
        CREATE INDEX floating_ips_instance ON floating_ips (instance_uuid);
        CREATE TABLE security_groups (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          description TEXT NOT NULL DEFAULT '',
          project_id TEXT NOT NULL,
          created_at TEXT NOT NULL,
          UNIQUE (project_id, name)
        );
        CREATE TABLE security_group_rules (
          id TEXT PRIMARY KEY,
          parent_group_id TEXT NOT NULL,
          protocol TEXT,
          from_port INTEGER,
          to_port INTEGER,
          cidr TEXT,
          group_id TEXT,
          created_at TEXT NOT NULL
        );
        CREATE INDEX security_group_rules_parent ON security_group_rules (parent_group_id);
        CREATE INDEX security_group_rules_group ON security_group_rules (group_id);
        CREATE TABLE security_group_instance (
          security_group_id TEXT NOT NULL,
          instance_uuid TEXT NOT NULL,
          PRIMARY KEY (security_group_id, instance_uuid)
        );
        CREATE INDEX security_group_instance_uuid ON security_group_instance (instance_uuid);
        CREATE TABLE key_pairs (
          user_id TEXT NOT NULL,
          name TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          public_key TEXT NOT NULL,
          type TEXT NOT NULL DEFAULT 'ssh',
          created_at TEXT NOT NULL,
          PRIMARY KEY (user_id, name)
        );
        ALTER TABLE instances ADD COLUMN requested_networks TEXT;
      `);
    },
  },
  {
    version: 5,
    description: "a server's config drive flag and user data (Nova's instances.config_drive, instances.user_data)",
    async up(db) {
      await db.exec(`
        ALTER TABLE instances ADD COLUMN config_drive INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE instances ADD COLUMN user_data TEXT;
      `);
    },
  },
  {
    version: 6,
    description: "volumes and their attachments to servers (Cinder's volumes, volume_attachment)",
    async up(db) {
      await db.exec(`
        CREATE TABLE volumes (
          id TEXT PRIMARY KEY,
          project_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          name TEXT,
          description TEXT,
          size INTEGER NOT NULL,
          status TEXT NOT NULL,
          host TEXT,
          format TEXT NOT NULL,
          image_id TEXT,
          snapshot_id TEXT,
          bootable INTEGER NOT NULL DEFAULT 0,
          metadata TEXT NOT NULL DEFAULT '{}',
          created_at TEXT NOT NULL,
          updated_at TEXT
        );
        CREATE INDEX volumes_project ON volumes (project_id);
        CREATE TABLE volume_attachments (
          id TEXT PRIMARY KEY,
          volume_id TEXT NOT NULL,
          instance_uuid TEXT NOT NULL,
          device TEXT NOT NULL,
          host TEXT,
          attached_at TEXT NOT NULL,
          UNIQUE (instance_uuid, device)
        );
        CREATE INDEX volume_attachments_volume ON volume_attachments (volume_id);
      `);
    },
  },
  {
    version: 7,
    description: "volume snapshots and backups (Cinder's snapshots, backups)",
    async up(db) {
      await db.exec(`
        CREATE TABLE snapshots (
          id TEXT PRIMARY KEY,
          volume_id TEXT NOT NULL,
          project_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          name TEXT,
          description TEXT,
          status TEXT NOT NULL,
          progress TEXT NOT NULL DEFAULT '0%',
          volume_size INTEGER NOT NULL,
          metadata TEXT NOT NULL DEFAULT '{}',
          created_at TEXT NOT NULL,
          updated_at TEXT
        );
        CREATE INDEX snapshots_volume ON snapshots (volume_id);
        CREATE INDEX snapshots_project ON snapshots (project_id);
        CREATE TABLE backups (
          id TEXT PRIMARY KEY,
          project_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          volume_id TEXT NOT NULL,
          snapshot_id TEXT,
          host TEXT,
          name TEXT,
          description TEXT,
          status TEXT NOT NULL,
          fail_reason TEXT,
          container TEXT NOT NULL,
          size INTEGER NOT NULL,
          object_count INTEGER NOT NULL DEFAULT 0,
          parent_id TEXT,
          is_incremental INTEGER NOT NULL DEFAULT 0,
          service_metadata TEXT,
          progress INTEGER NOT NULL DEFAULT 0,
          data_timestamp TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT
        );
        CREATE INDEX backups_volume ON backups (volume_id);
        CREATE INDEX backups_parent ON backups (parent_id);
        CREATE INDEX backups_project ON backups (project_id);
      `);
    },
  },
  {
    version: 8,
    description: "a server's root volume (Nova's block_device_mapping boot_index, delete_on_termination) on its attachment",
    async up(db) {
      await db.exec(`
        ALTER TABLE volume_attachments ADD COLUMN boot_index INTEGER;
        ALTER TABLE volume_attachments ADD COLUMN delete_on_termination INTEGER NOT NULL DEFAULT 0;
      `);
    },
  },
];

/**
 * Apply every migration newer than the DB's version, each in its own
 * transaction that re-reads the version first (`applyMigration`): services
 * starting together on a fresh DB apply each migration exactly once.
 */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  const at = await db.schemaVersion();
  for (const m of migrations) if (m.version > at) await db.applyMigration(m.version, (tx) => m.up(tx));
  return db.schemaVersion();
}
