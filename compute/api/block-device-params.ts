/**
 * `block_device_mapping_v2` of a server create (Nova's
 * schemas/block_device_mapping.py, then nova/block_device.py's checks),
 * reduced to what swiftly boots: one mapping, `boot_index` 0, destination
 * `volume`, from an existing volume (`source_type: volume`) or from an
 * image the volume is made of first (`source_type: image`, `volume_size`).
 * Nova's other shapes (more mappings, `blank`, `snapshot`, `local`
 * destinations) are refused with 400, never ignored: a server the user
 * meant to boot from a volume must not boot from something else.
 */
import { HttpFault } from './app.js';

export interface BootVolumeRequest {
  sourceType: 'volume' | 'image';
  /** The volume's id, or the image's. */
  uuid: string;
  /** GiB of the volume made from an image. */
  volumeSize?: number;
  deleteOnTermination: boolean;
}

const KEYS = new Set([
  'source_type', 'destination_type', 'boot_index', 'uuid', 'volume_size', 'delete_on_termination', 'device_name',
  'guest_format', 'disk_bus', 'device_type', 'no_device', 'connection_info', 'snapshot_id', 'volume_id', 'image_id', 'tag', 'volume_type',
]);

const invalid = (field: string, v: unknown, why = '') =>
  new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v ?? null)}.${why ? ` ${why}` : ''}`);
const bdmInvalid = (details: string) => new HttpFault(400, `Block Device Mapping is Invalid: ${details}`);

/** Nova's parameter_types: an integer, or a string of one. */
function intOf(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(field, v, `${JSON.stringify(v)} is not of type 'integer', 'string'`);
  return n;
}

function boolOf(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  const t = typeof v === 'string' ? v.toLowerCase() : undefined;
  if (t !== undefined && ['true', '1', 'on', 'y', 'yes', 't'].includes(t)) return true;
  if (t !== undefined && ['false', '0', 'off', 'n', 'no', 'f'].includes(t)) return false;
  throw invalid(field, v, `${JSON.stringify(v)} is not of type 'boolean', 'string'`);
}

/** The root volume a create asks for; undefined when there is no mapping. */
export function bootVolumeOf(v: unknown): BootVolumeRequest | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid('block_device_mapping_v2', v, `${JSON.stringify(v)} is not of type 'array'`);
  if (v.length === 0) return undefined;
  const maps = v.map((m) => {
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw invalid('block_device_mapping_v2', m, `${JSON.stringify(m)} is not of type 'object'`);
    const extra = Object.keys(m).filter((k) => !KEYS.has(k));
    if (extra.length) throw new HttpFault(400, `Invalid input for field/attribute block_device_mapping_v2. Value: ${JSON.stringify(m)}. Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} were unexpected)`);
    const o = m as Record<string, unknown>;
    if (o.source_type !== undefined && !['volume', 'image', 'snapshot', 'blank'].includes(o.source_type as string)) {
      throw invalid('source_type', o.source_type, `'${o.source_type}' is not one of ['volume', 'image', 'snapshot', 'blank']`);
    }
    if (o.destination_type !== undefined && !['local', 'volume'].includes(o.destination_type as string)) {
      throw invalid('destination_type', o.destination_type, `'${o.destination_type}' is not one of ['local', 'volume']`);
    }
    const size = intOf(o.volume_size, 'volume_size');
    if (size !== undefined && size < 0) throw invalid('volume_size', o.volume_size, `${o.volume_size} is less than the minimum of 0`);
    if (o.uuid !== undefined && (typeof o.uuid !== 'string' || !/^[a-zA-Z0-9._-]{1,255}$/.test(o.uuid))) throw invalid('uuid', o.uuid);
    return {
      source_type: o.source_type as string | undefined, destination_type: o.destination_type as string | undefined, uuid: o.uuid as string | undefined,
      boot_index: intOf(o.boot_index, 'boot_index'), volume_size: size, delete_on_termination: boolOf(o.delete_on_termination, 'delete_on_termination'),
    };
  });
  if (maps.length > 1) throw bdmInvalid('only one block device mapping, the root volume (boot_index 0), is supported here; attach more volumes with os-volume_attachments');
  const [m] = maps;
  if (m.boot_index !== 0) throw bdmInvalid('Boot sequence for the instance and image/block device mapping combination is not valid.');
  const source = m.source_type ?? 'volume';
  if (m.destination_type !== 'volume') throw bdmInvalid(`destination_type ${JSON.stringify(m.destination_type ?? 'local')} is not supported here: a root disk from block_device_mapping_v2 is a volume (destination_type "volume")`);
  if (source !== 'volume' && source !== 'image') throw bdmInvalid(`source_type "${source}" is not supported here (volume or image)`);
  if (typeof m.uuid !== 'string') throw bdmInvalid('Missing device UUID.');
  if (source === 'image' && !m.volume_size) throw bdmInvalid("Images with destination_type 'volume' need to have a non-zero size specified");
  return { sourceType: source, uuid: m.uuid, volumeSize: m.volume_size, deleteOnTermination: m.delete_on_termination };
}
