// Administrative calls the nemesis makes to the torture cluster on short-lived connections of
// their own (never the workload's): which node leads, who the members are, and one-off commands
// such as CLUSTER REMOVENODE / ADDNODE.

import { Redis } from 'ioredis';
import { assert } from '../src/lib/assert.js';
import type { TortureCluster } from './cluster.js';
import type { HostPort } from './net.js';
import { connectionOptions } from './workload.js';

/** An admin command that gets no answer within this long failed. */
const ADMIN_TIMEOUT_MS = 1_000;

/** Sends one command to `client` on a fresh connection; rejects on an error reply or a timeout. */
export async function adminCall(client: HostPort, args: readonly string[], timeoutMs = ADMIN_TIMEOUT_MS): Promise<unknown> {
  assert(args.length > 0, 'an admin call needs a command');
  const redis = new Redis({ ...connectionOptions(client), commandTimeout: timeoutMs });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await redis.call(args[0]!, ...args.slice(1));
  } finally {
    redis.disconnect();
  }
}

/** CLUSTER INFO of node i as a map, or undefined when it does not answer. */
export async function clusterInfo(cluster: TortureCluster, i: number): Promise<Map<string, string> | undefined> {
  const node = cluster.nodes[i]!;
  if (node.proc === null || node.paused) return undefined;
  try {
    const text = String(await adminCall(node.client, ['CLUSTER', 'INFO']));
    const fields = new Map<string, string>();
    for (const line of text.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
    }
    return fields;
  } catch {
    return undefined;
  }
}

/** The first node that says it leads, or undefined if none does. */
export async function findLeader(cluster: TortureCluster): Promise<number | undefined> {
  for (const node of cluster.nodes) {
    const info = await clusterInfo(cluster, node.index);
    if (info?.get('cairn_role') === 'leader') return node.index;
  }
  return undefined;
}

/** The voters node i believes in (cairn_members), or undefined when it does not answer. */
export async function membersSeenBy(cluster: TortureCluster, i: number): Promise<string[] | undefined> {
  const members = (await clusterInfo(cluster, i))?.get('cairn_members');
  return members === undefined ? undefined : members.split(',').filter((m) => m !== '');
}
