// Which cluster a data directory belongs to, and which node it is: <dir>/cluster.json, written on
// the first start and checked on every later one. A node restarted with another --peers list keeps
// its cluster id (the id derived from --peers would change), and a directory started with the
// wrong --id or an explicit --cluster-id that contradicts the file is refused with a clear error.
// checkClusterId reads without writing, so a node refused at start-up (cluster/startup-check.ts)
// leaves no file behind. The file is replaced through storage/atomic-file.ts on the Disk the
// runtime passes in, so a power loss leaves it whole or absent, never torn.

import { join } from 'node:path';
import { assert } from '../../lib/assert.js';
import { CairnError, errorMessage } from '../../lib/errors.js';
import type { Disk } from '../../io/disk.js';
import { writeFileAtomically } from '../../storage/atomic-file.js';

export const IDENTITY_FILE = 'cluster.json';
/** Largest identity file read (ids are at most 255 bytes each). */
const fileBytesMax = 4096;

export interface ClusterIdentity {
  readonly clusterId: string;
  readonly nodeId: string;
}

/**
 * The cluster id this node runs with: the one saved in dir, else the flags' (saved now, durably).
 * `explicit` says the flags named --cluster-id rather than deriving it from --peers.
 */
export async function settleClusterId(disk: Disk, dir: string, flags: ClusterIdentity, explicit: boolean): Promise<string> {
  const { clusterId, saved } = await checkClusterId(disk, dir, flags, explicit);
  if (!saved) await saveClusterId(disk, dir, flags);
  return clusterId;
}

/**
 * The cluster id this node would run with, without writing anything: the saved one (saved: true),
 * else the flags'. Contradictions between the file and the flags are refused as in settleClusterId.
 */
export async function checkClusterId(disk: Disk, dir: string, flags: ClusterIdentity, explicit: boolean): Promise<{ clusterId: string; saved: boolean }> {
  assert(flags.clusterId !== '', 'a cluster id is never empty');
  assert(flags.nodeId !== '', 'a node id is never empty');
  const file = join(dir, IDENTITY_FILE);
  const saved = await readIdentity(disk, file);
  if (saved === undefined) return { clusterId: flags.clusterId, saved: false };
  if (saved.nodeId !== flags.nodeId) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `${file}: this data directory belongs to node ${saved.nodeId}, not --id ${flags.nodeId}`);
  }
  if (explicit && saved.clusterId !== flags.clusterId) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `${file}: this data directory belongs to cluster ${saved.clusterId}, not --cluster-id ${flags.clusterId}`);
  }
  return { clusterId: saved.clusterId, saved: true };
}

/** Writes the flags' identity to a directory that has none yet; durable when it resolves (storage/atomic-file.ts). */
export async function saveClusterId(disk: Disk, dir: string, identity: ClusterIdentity): Promise<void> {
  const text = `${JSON.stringify({ clusterId: identity.clusterId, nodeId: identity.nodeId })}\n`;
  await writeFileAtomically(disk, dir, IDENTITY_FILE, Buffer.from(text, 'utf8'));
}

async function readIdentity(disk: Disk, file: string): Promise<ClusterIdentity | undefined> {
  const bytes = await disk.readFile(file);
  if (bytes === undefined) return undefined;
  if (bytes.length > fileBytesMax) throw new CairnError('CAIRN_CORRUPT', `${file}: ${bytes.length} bytes, more than an identity file holds; fix or remove it`);
  const text = Buffer.from(bytes).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CairnError('CAIRN_CORRUPT', `${file}: not valid JSON (${errorMessage(error)}); fix or remove it`);
  }
  const { clusterId, nodeId } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { clusterId?: unknown; nodeId?: unknown };
  if (typeof clusterId !== 'string' || clusterId === '' || typeof nodeId !== 'string' || nodeId === '') {
    throw new CairnError('CAIRN_CORRUPT', `${file}: expected {"clusterId": "...", "nodeId": "..."}; fix or remove it`);
  }
  return { clusterId, nodeId };
}
