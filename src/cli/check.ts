// `cairn check DIR [--repair]`: verifies a Raft data folder offline (a cluster member's, or the
// one-member cluster of the embedded store) and prints what it holds — snapshots with their
// membership, the hard state, log segments in DIR/log, the index range, members.json — and any
// damage with file and byte offset: a torn tail, damage in the middle, a log that does not reach
// back to the snapshot. --repair first says what will be lost, then cuts the log at the first bad
// record (a torn tail or damage in the middle; nothing else is repairable by cutting).
// Exit codes: 0 clean (or repaired), 1 damage found, 2 usage error or the folder cannot be read.

import { errorMessage, isCairnError } from '../lib/errors.js';
import type { Disk } from '../io/disk.js';
import { decodeMembership } from '../raft/membership.js';
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
  /** The voters the snapshot records (empty when damaged or undecodable). */
  readonly voters: readonly string[];
  readonly damage: string | null;
}

/** members.json, the address book a cluster member keeps beside its data (absent for the embedded store). */
export type MembersFileInfo = { readonly peers: number } | { readonly damage: string } | null;

export interface Inspection {
  readonly dir: string;
  readonly snapshots: readonly SnapshotInfo[];
  /** null when there is no hard state file (a folder that never held a vote or a term). */
  readonly hardState: HardState | { readonly damage: string } | null;
  readonly members: MembersFileInfo;
  readonly log: LogAnalysis;
  /** The first and last log index held in the valid prefix (last < first when empty). */
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Set when the newest valid snapshot and the log do not meet, or a log lacks any snapshot. */
  readonly gap: string | null;
  /** Set when DIR itself holds segments: the retired single-node store's layout, which nothing opens now. */
  readonly oldLayout: string | null;
}

export async function inspectDataDir(disk: Disk, dir: string): Promise<Inspection> {
  const snapshots: SnapshotInfo[] = [];
  for (const { path, index } of await listSnapshots(disk, dir)) {
    const bytes = (await disk.readFile(path)) ?? new Uint8Array(0);
    const decoded = decodeSnapshot(bytes, path);
    if ('reason' in decoded) snapshots.push({ path, index, sizeBytes: bytes.length, voters: [], damage: decoded.reason });
    else snapshots.push({ path, index, sizeBytes: bytes.length, ...votersOf(decoded.config) });
  }
  let hardState: Inspection['hardState'] = null;
  try {
    if ((await disk.list(dir)).includes(HARD_STATE_NAME)) hardState = await loadHardState(disk, dir);
  } catch (error) {
    hardState = { damage: errorMessage(error) };
  }
  const log = await analyzeLog(disk, logDirOf(dir));
  const first = log.segments[0];
  const last = log.segments[log.segments.length - 1];
  const firstIndex = first?.firstIndex ?? 1;
  const lastIndex = last === undefined ? 0 : last.firstIndex + last.offsets.length - 1;
  const newest = snapshots.find((s) => s.damage === null);
  const names = await disk.list(dir);
  const oldSegments = names.filter((name) => parseSegmentName(name) !== undefined).length;
  return {
    dir,
    snapshots,
    hardState,
    members: await membersFileOf(disk, dir, names),
    log,
    firstIndex,
    lastIndex,
    gap: gapOf(newest?.index, firstIndex, lastIndex, hardState),
    oldLayout: oldSegments === 0 ? null : `${dir} holds ${oldSegments} segment file(s) of the retired single-node store layout, which this version does not open`,
  };
}

/** A Raft folder keeps its segments in DIR/log. */
function logDirOf(dir: string): string {
  return `${dir}/log`;
}

function votersOf(config: Uint8Array): { voters: readonly string[]; damage: string | null } {
  try {
    return { voters: decodeMembership(config).voters, damage: null };
  } catch (error) {
    return { voters: [], damage: `membership does not decode: ${errorMessage(error)}` };
  }
}

/** Why the newest valid snapshot and the log cannot make a whole (as RaftStorage.load would refuse), or null. */
function gapOf(snapshotIndex: number | undefined, firstIndex: number, lastIndex: number, hardState: Inspection['hardState']): string | null {
  if (snapshotIndex === undefined) {
    const term = hardState !== null && 'term' in hardState ? hardState.term : 0;
    if (lastIndex >= firstIndex || term > 0) return 'a log or hard state without any valid snapshot (the first one is written when the folder is created)';
    return null;
  }
  if (firstIndex > snapshotIndex + 1 && lastIndex >= firstIndex) return `the newest valid snapshot ends at ${snapshotIndex} but the log starts at ${firstIndex}`;
  return null;
}

const MEMBERS_FILE = 'members.json';
const MEMBERS_FILE_BYTES_MAX = 1024 * 1024;

async function membersFileOf(disk: Disk, dir: string, names: readonly string[]): Promise<MembersFileInfo> {
  if (!names.includes(MEMBERS_FILE)) return null;
  const bytes = (await disk.readFile(`${dir}/${MEMBERS_FILE}`)) ?? new Uint8Array(0);
  if (bytes.length > MEMBERS_FILE_BYTES_MAX) return { damage: `${bytes.length} bytes, over ${MEMBERS_FILE_BYTES_MAX}` };
  try {
    const raw: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    const peers = typeof raw === 'object' && raw !== null ? (raw as { peers?: unknown }).peers : undefined;
    if (typeof peers !== 'object' || peers === null || Array.isArray(peers)) return { damage: 'no "peers" object of id → address' };
    return { peers: Object.keys(peers).length };
  } catch (error) {
    return { damage: `not valid JSON (${errorMessage(error)})` };
  }
}

export function describeInspection(inspection: Inspection): string[] {
  const lines = [`data folder ${inspection.dir}`];
  if (inspection.snapshots.length === 0) lines.push('snapshots: none');
  for (const s of inspection.snapshots) {
    const what = s.damage === null ? `valid, voters ${s.voters.join(', ') || '(none)'}` : `DAMAGED (${s.damage})`;
    lines.push(`snapshot ${s.path}: index ${s.index}, ${s.sizeBytes} bytes, ${what}`);
  }
  const hs = inspection.hardState;
  if (hs === null) lines.push('hard state: none');
  else if ('damage' in hs) lines.push(`hard state: DAMAGED (${hs.damage})`);
  else lines.push(`hard state: term ${hs.term}, votedFor ${hs.votedFor ?? '(none)'}, commitIndex ${hs.commitIndex}`);
  const members = inspection.members;
  if (members !== null) lines.push('damage' in members ? `members.json: DAMAGED (${members.damage})` : `members.json: ${members.peers} peer address(es)`);
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
  if (inspection.oldLayout !== null) lines.push(`DAMAGE: ${inspection.oldLayout}`);
  if (d === null && !hasOtherDamage(inspection) && inspection.snapshots.every((s) => s.damage === null)) lines.push('ok: no damage found');
  return lines;
}

/** Damage that cutting the log cannot repair. */
function hasOtherDamage(inspection: Inspection): boolean {
  const hs = inspection.hardState;
  const members = inspection.members;
  return inspection.gap !== null || inspection.oldLayout !== null || (hs !== null && 'damage' in hs) || (members !== null && 'damage' in members);
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
    console.error(`cairn check: ${isCairnError(error) ? `${error.code}: ` : ''}${errorMessage(error)}`);
    return 2;
  }
}

async function checkLocked(disk: Disk, dir: string, repair: boolean): Promise<number> {
  const inspection = await inspectDataDir(disk, dir);
  for (const line of describeInspection(inspection)) console.log(line);
  const damage = inspection.log.damage;
  const otherDamage = hasOtherDamage(inspection);
  if (damage === null) return otherDamage ? 1 : 0;
  if (!repair) {
    console.log('run `cairn check DIR --repair` to cut the log at the first bad record');
    return 1;
  }
  console.log(`repair: cutting ${damage.path} at byte offset ${damage.offset}; losing ${damage.droppedBytes} bytes and ${damage.laterPaths.length} later segment(s) with ${damage.droppedValidRecords} valid record(s)`);
  await cutLogAtDamageDurably(disk, logDirOf(dir), damage);
  const after = await inspectDataDir(disk, dir);
  console.log(`repair: done; log now holds indexes ${after.firstIndex}..${after.lastIndex}`);
  return after.log.damage === null && !otherDamage ? 0 : 1;
}
