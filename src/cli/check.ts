// `cairn check DIR [--repair]`: verifies a data folder offline and prints what it holds — snapshots,
// hard state, log segments, the index range — and any damage with file and byte offset.
// --repair first says what will be lost, then cuts the log at the first bad record.
// Exit codes: 0 clean (or repaired), 1 damage found, 2 usage error or the folder cannot be read.

import { isCairnError } from '../lib/errors.js';
import type { Disk } from '../io/disk.js';
import { NodeDisk } from '../runtime/disk.js';
import { HARD_STATE_NAME, loadHardState, type HardState } from '../storage/hard-state.js';
import { analyzeLog, type LogAnalysis } from '../storage/log-recovery.js';
import { cutLogAtDamageDurably } from '../storage/log-repair.js';
import { parseSegmentName } from '../storage/segment-file.js';
import { decodeSnapshot, listSnapshots } from '../storage/snapshot.js';

export interface SnapshotInfo {
  readonly path: string;
  readonly index: number;
  readonly sizeBytes: number;
  readonly damage: string | null;
}

export interface Inspection {
  readonly dir: string;
  readonly snapshots: readonly SnapshotInfo[];
  /** null when there is no hard state file (the single-node store keeps none). */
  readonly hardState: HardState | { readonly damage: string } | null;
  readonly log: LogAnalysis;
  /** The first and last log index held in the valid prefix (last < first when empty). */
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Set when the newest valid snapshot and the log do not meet. */
  readonly gap: string | null;
}

export async function inspectDataDir(disk: Disk, dir: string): Promise<Inspection> {
  const snapshots: SnapshotInfo[] = [];
  for (const { path, index } of await listSnapshots(disk, dir)) {
    const bytes = (await disk.readFile(path)) ?? new Uint8Array(0);
    const decoded = decodeSnapshot(bytes, path);
    snapshots.push({ path, index, sizeBytes: bytes.length, damage: 'reason' in decoded ? decoded.reason : null });
  }
  let hardState: Inspection['hardState'] = null;
  try {
    if ((await disk.list(dir)).includes(HARD_STATE_NAME)) hardState = await loadHardState(disk, dir);
  } catch (error) {
    hardState = { damage: error instanceof Error ? error.message : String(error) };
  }
  const log = await analyzeLog(disk, await logDirOf(disk, dir));
  const first = log.segments[0];
  const last = log.segments[log.segments.length - 1];
  const firstIndex = first?.firstIndex ?? 1;
  const lastIndex = last === undefined ? 0 : last.firstIndex + last.offsets.length - 1;
  const snapshotIndex = snapshots.find((s) => s.damage === null)?.index ?? 0;
  const gap = firstIndex > snapshotIndex + 1 && lastIndex >= firstIndex ? `the newest valid snapshot ends at ${snapshotIndex} but the log starts at ${firstIndex}` : null;
  return { dir, snapshots, hardState, log, firstIndex, lastIndex, gap };
}

/** The single-node store keeps its segments in DIR; a replica keeps them in DIR/log. */
async function logDirOf(disk: Disk, dir: string): Promise<string> {
  const nested = `${dir}/log`;
  return (await disk.list(nested)).some((name) => parseSegmentName(name) !== undefined) ? nested : dir;
}

export function describeInspection(inspection: Inspection): string[] {
  const lines = [`data folder ${inspection.dir}`];
  if (inspection.snapshots.length === 0) lines.push('snapshots: none');
  for (const s of inspection.snapshots) lines.push(`snapshot ${s.path}: index ${s.index}, ${s.sizeBytes} bytes, ${s.damage === null ? 'valid' : `DAMAGED (${s.damage})`}`);
  const hs = inspection.hardState;
  if (hs === null) lines.push('hard state: none');
  else if ('damage' in hs) lines.push(`hard state: DAMAGED (${hs.damage})`);
  else lines.push(`hard state: term ${hs.term}, votedFor ${hs.votedFor ?? '(none)'}, commitIndex ${hs.commitIndex}`);
  for (const seg of inspection.log.segments) {
    const lastIndex = seg.firstIndex + seg.offsets.length - 1;
    lines.push(`segment ${seg.path}: ${seg.offsets.length} records, indexes ${seg.firstIndex}..${lastIndex}, ${seg.validBytes} valid of ${seg.fileBytes} bytes`);
  }
  lines.push(`log: indexes ${inspection.firstIndex}..${inspection.lastIndex} (${Math.max(0, inspection.lastIndex - inspection.firstIndex + 1)} records)`);
  const d = inspection.log.damage;
  if (d !== null) {
    lines.push(`DAMAGE (${d.kind === 'tail' ? 'torn tail: open cuts it off by itself' : 'in the middle: open refuses'}): ${d.path} at byte offset ${d.offset}: ${d.reason}`);
    lines.push(`  a cut there drops ${d.droppedBytes} bytes${d.dropWholeFile ? ' (the whole file)' : ''}, ${d.laterPaths.length} later segment(s) holding ${d.droppedValidRecords} valid record(s)`);
  }
  if (inspection.gap !== null) lines.push(`DAMAGE: ${inspection.gap}`);
  if (d === null && inspection.gap === null && inspection.snapshots.every((s) => s.damage === null) && !(hs !== null && 'damage' in hs)) lines.push('ok: no damage found');
  return lines;
}

export async function main(args: string[]): Promise<number> {
  const repair = args.includes('--repair');
  const rest = args.filter((a) => a !== '--repair');
  if (rest.length !== 1 || (rest[0] as string).startsWith('-')) {
    console.error('usage: cairn check DIR [--repair]');
    return 2;
  }
  const dir = (rest[0] as string).replace(/\/+$/, '') || '/';
  const disk = new NodeDisk();
  try {
    if ((await disk.list(dir)).length === 0) {
      console.error(`cairn check: ${dir} does not exist or is empty`);
      return 2;
    }
    const lock = await disk.lock(dir);
    try {
      return await checkLocked(disk, dir, repair);
    } finally {
      await lock.release();
    }
  } catch (error) {
    console.error(`cairn check: ${isCairnError(error) ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}

async function checkLocked(disk: Disk, dir: string, repair: boolean): Promise<number> {
  const inspection = await inspectDataDir(disk, dir);
  for (const line of describeInspection(inspection)) console.log(line);
  const damage = inspection.log.damage;
  const otherDamage = inspection.gap !== null || (inspection.hardState !== null && 'damage' in inspection.hardState);
  if (damage === null) return otherDamage ? 1 : 0;
  if (!repair) {
    console.log('run `cairn check DIR --repair` to cut the log at the first bad record');
    return 1;
  }
  console.log(`repair: cutting ${damage.path} at byte offset ${damage.offset}; losing ${damage.droppedBytes} bytes and ${damage.laterPaths.length} later segment(s) with ${damage.droppedValidRecords} valid record(s)`);
  await cutLogAtDamageDurably(disk, await logDirOf(disk, dir), damage);
  const after = await inspectDataDir(disk, dir);
  console.log(`repair: done; log now holds indexes ${after.firstIndex}..${after.lastIndex}`);
  return after.log.damage === null && !otherDamage ? 0 : 1;
}
