// The fault kinds the nemesis injects, each as an injector that acts on the TortureCluster and
// returns how to heal it: kill (SIGKILL, restart), pause (SIGSTOP/SIGCONT), partition (by cutting
// links: majority/minority, isolated leader, bridge, one-way), delay and loss on every link,
// stale-leader (isolate and stop the leader, resume it still cut off) and member (CLUSTER
// REMOVENODE a node, stop it, wipe its data, restart it under a new id with --join and CLUSTER
// ADDNODE it).
// The scheduler (nemesis.ts) decides when, and which faults may overlap.

import { assert } from '../src/lib/assert.js';
import { CairnError } from '../src/lib/errors.js';
import type { Prng } from '../src/lib/prng.js';
import { adminCall, findLeader, membersSeenBy } from './admin.js';
import type { TortureCluster } from './cluster.js';
import { SLOW_MAX_KBIT, SLOW_MIN_KBIT } from './net-netns.js';
import { OPERATION_TIMEOUT_MS } from './workload.js';

export const NEMESIS_KINDS = ['kill', 'pause', 'partition', 'delay', 'loss', 'stale-leader', 'member'] as const;
export type NemesisKind = (typeof NEMESIS_KINDS)[number];

/** What a fault needs: nodes it holds (no other process fault touches them), the network, or everything. */
export type Footprint = 'process' | 'network' | 'exclusive';

export const FOOTPRINT: Record<NemesisKind, Footprint> = {
  kill: 'process',
  pause: 'process',
  member: 'process',
  partition: 'network',
  delay: 'network',
  loss: 'network',
  'stale-leader': 'exclusive',
};

export interface InjectedFault {
  readonly detail: string;
  /** Nodes this fault holds until healed. */
  readonly nodes: readonly number[];
  /** Heals the fault; resolves with what it did. */
  readonly heal: () => Promise<string>;
}

export interface FaultContext {
  readonly cluster: TortureCluster;
  readonly prng: Prng;
  /** Nodes other active faults hold. */
  readonly busy: ReadonlySet<number>;
  sleep(ms: number): Promise<void>;
  /** Logs a step of the fault being injected (stale-leader's resume). */
  note(detail: string): void;
}

/**
 * stale-leader keeps the old leader stopped this long: the rest elect a leader and write
 * meanwhile, and its own clients' operations time out, so they send new reads that wait in its
 * socket buffers and reach it before its first (overdue) timer can depose it.
 */
const STALE_LEADER_PAUSE_MS = OPERATION_TIMEOUT_MS + 1_000;
/** How long a member may take to be removed (seen in CLUSTER INFO) or added back. */
const MEMBER_CHANGE_DEADLINE_MS = 30_000;
/** CLUSTER ADDNODE waits for the learner to catch up before it answers. */
const ADDNODE_TIMEOUT_MS = 15_000;
const REMOVENODE_TIMEOUT_MS = 5_000;
/** A removed member keeps running this long (its clients still connected) before it is stopped. */
const REMOVED_RUNNING_MS = 4_000;
/** Between attempts at a membership change. */
const MEMBER_RETRY_MS = 250;

/** Injects `kind`; a string says why nothing was injected. */
export async function injectFault(kind: NemesisKind, ctx: FaultContext): Promise<InjectedFault | string> {
  switch (kind) {
    case 'kill':
      return kill(ctx);
    case 'pause':
      return pause(ctx);
    case 'partition':
      return partition(ctx);
    case 'delay':
    case 'loss':
      return shapeEveryLink(kind, ctx);
    case 'stale-leader':
      return staleLeader(ctx);
    case 'member':
      return member(ctx);
  }
}

function ids(cluster: TortureCluster, nodes: readonly number[]): string {
  return nodes.map((i) => cluster.nodes[i]!.id).join(',');
}

/** Running, unpaused nodes no other fault holds. */
function freeNodes(ctx: FaultContext): number[] {
  return ctx.cluster.nodes.filter((n) => n.proc !== null && !n.paused && !ctx.busy.has(n.index)).map((n) => n.index);
}

/** The leader half the time (faults there hurt most), else a random free node; undefined if none is free. */
async function pickVictim(ctx: FaultContext): Promise<number | undefined> {
  const free = freeNodes(ctx);
  if (free.length === 0) return undefined;
  if (ctx.prng.chance(0.5)) {
    const leader = await findLeader(ctx.cluster);
    if (leader !== undefined && free.includes(leader)) return leader;
  }
  return ctx.prng.pick(free);
}

async function kill(ctx: FaultContext): Promise<InjectedFault | string> {
  const { cluster } = ctx;
  const victim = await pickVictim(ctx);
  if (victim === undefined) return 'no free node to kill';
  await cluster.kill(victim);
  return {
    detail: `SIGKILL ${ids(cluster, [victim])}`,
    nodes: [victim],
    heal: async () => {
      await cluster.startNode(victim);
      return `restarted ${ids(cluster, [victim])}`;
    },
  };
}

async function pause(ctx: FaultContext): Promise<InjectedFault | string> {
  const { cluster } = ctx;
  const victim = await pickVictim(ctx);
  if (victim === undefined) return 'no free node to pause';
  cluster.pause(victim);
  return {
    detail: `SIGSTOP ${ids(cluster, [victim])}`,
    nodes: [victim],
    heal: () => {
      cluster.resume(victim);
      return Promise.resolve(`SIGCONT ${ids(cluster, [victim])}`);
    },
  };
}

function healNetwork(cluster: TortureCluster): () => Promise<string> {
  return async () => {
    await cluster.net.healAll();
    return 'every link open';
  };
}

async function partition(ctx: FaultContext): Promise<InjectedFault> {
  const { cluster, prng } = ctx;
  const all = cluster.nodes.map((n) => n.index);
  const shuffled = [...all];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const shape = prng.pick(['majority-minority', 'isolated-leader', 'bridge', 'one-way'] as const);
  const cuts: [number, number][] = [];
  let detail: string;
  if (shape === 'majority-minority' || shape === 'isolated-leader') {
    const leader = shape === 'isolated-leader' ? await findLeader(cluster) : undefined;
    const minority = leader !== undefined ? [leader] : shuffled.slice(0, Math.floor(cluster.size / 2));
    const majority = all.filter((i) => !minority.includes(i));
    for (const a of minority) for (const b of majority) cuts.push([a, b], [b, a]);
    detail = `${leader !== undefined ? shape : 'majority-minority'}: {${ids(cluster, minority)}} | {${ids(cluster, majority)}}`;
  } else if (shape === 'bridge') {
    // Two halves that cannot talk, and one node both halves reach (Jepsen's bridge).
    const bridge = shuffled[0]!;
    const rest = shuffled.slice(1);
    const left = rest.slice(0, Math.floor(rest.length / 2));
    const right = rest.slice(Math.floor(rest.length / 2));
    for (const a of left) for (const b of right) cuts.push([a, b], [b, a]);
    detail = `bridge: {${ids(cluster, left)}} - ${ids(cluster, [bridge])} - {${ids(cluster, right)}}`;
  } else {
    // One node's outgoing packets vanish while it still hears everyone.
    const mute = (await findLeader(cluster)) ?? shuffled[0]!;
    for (const b of all) if (b !== mute) cuts.push([mute, b]);
    detail = `one-way: ${ids(cluster, [mute])} -> others cut, others -> ${ids(cluster, [mute])} open`;
  }
  await Promise.all(cuts.map(([a, b]) => cluster.net.cut(a, b)));
  return { detail, nodes: [], heal: healNetwork(cluster) };
}

async function shapeEveryLink(kind: 'delay' | 'loss', ctx: FaultContext): Promise<InjectedFault> {
  const { cluster, prng } = ctx;
  const slowRateKbit = prng.int(SLOW_MIN_KBIT, SLOW_MAX_KBIT);
  const shape = kind === 'delay' ? { delayMs: prng.int(50, 300), lossRate: 0, slowRateKbit } : { delayMs: 0, lossRate: prng.int(5, 30) / 100, slowRateKbit };
  const links: Promise<void>[] = [];
  for (let a = 0; a < cluster.size; a++) for (let b = 0; b < cluster.size; b++) if (a !== b) links.push(cluster.net.shape(a, b, shape));
  await Promise.all(links);
  return { detail: `every link: ${cluster.net.describeShape(shape)}`, nodes: [], heal: healNetwork(cluster) };
}

/**
 * Isolates the leader and stops it, so its own timers cannot depose it; once the others have
 * had time to elect a new leader and write, resumes it while it is still cut off. Until its
 * own election timeout runs out it believes it leads: a read it answers from its own state
 * without confirming leadership is stale. The heal opens every link.
 */
async function staleLeader(ctx: FaultContext): Promise<InjectedFault | string> {
  const { cluster } = ctx;
  const leader = await findLeader(cluster);
  if (leader === undefined) return 'no leader found';
  const cuts: Promise<void>[] = [];
  for (const b of cluster.nodes) {
    if (b.index === leader) continue;
    cuts.push(cluster.net.cut(leader, b.index), cluster.net.cut(b.index, leader));
  }
  await Promise.all(cuts);
  cluster.pause(leader);
  const id = ids(cluster, [leader]);
  ctx.note(`${id} cut off from every node and SIGSTOPped`);
  await ctx.sleep(STALE_LEADER_PAUSE_MS);
  cluster.resume(leader);
  return { detail: `SIGCONT ${id}, still cut off`, nodes: [leader], heal: healNetwork(cluster) };
}

/** Polls until `done()` or the deadline; false on the deadline. */
async function waitUntil(ctx: FaultContext, done: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  for (let attempt = 0; Date.now() < deadlineMs && attempt < 10_000; attempt++) {
    if (await done()) return true;
    await ctx.sleep(MEMBER_RETRY_MS);
  }
  return false;
}

/** Whether some answering node other than `victim` still lists it as a voter (undefined: nobody answered). */
async function stillMember(ctx: FaultContext, victim: number): Promise<boolean | undefined> {
  const id = ctx.cluster.nodes[victim]!.id;
  const leader = await findLeader(ctx.cluster);
  if (leader === undefined || leader === victim) return undefined;
  return (await membersSeenBy(ctx.cluster, leader))?.includes(id);
}

/**
 * CLUSTER REMOVENODE one node (via the leader), let it run a while, stop it and wipe its data;
 * the heal starts it empty under a new id with --join and CLUSTER ADDNODEs it. If the leader
 * refuses to remove itself, a follower is removed instead.
 */
async function member(ctx: FaultContext): Promise<InjectedFault | string> {
  const { cluster, prng } = ctx;
  const leader = await findLeader(cluster);
  if (leader === undefined) return 'no leader found';
  const free = freeNodes(ctx);
  const followers = free.filter((i) => i !== leader);
  if (followers.length === 0) return 'no free node to remove';
  let victim = free.includes(leader) && prng.chance(0.5) ? leader : prng.pick(followers);
  let how = '';
  let removed: unknown;
  try {
    removed = await adminCall(cluster.nodes[leader]!.client, ['CLUSTER', 'REMOVENODE', cluster.nodes[victim]!.id], REMOVENODE_TIMEOUT_MS);
  } catch (error) {
    removed = error;
  }
  if (removed instanceof Error && victim === leader && /leads/.test(removed.message)) {
    how = ` (leader ${ids(cluster, [leader])} refused to remove itself: ${removed.message.slice(0, 60)})`;
    victim = prng.pick(followers);
    try {
      removed = await adminCall(cluster.nodes[leader]!.client, ['CLUSTER', 'REMOVENODE', cluster.nodes[victim]!.id], REMOVENODE_TIMEOUT_MS);
    } catch (error) {
      removed = error;
    }
  }
  const id = ids(cluster, [victim]);
  if (removed !== 'OK') {
    // A timeout may still have removed it: ask until the cluster says which, or the deadline.
    const startedMs = Date.now();
    const settled = (m: boolean | undefined): boolean => m === false || (m === true && Date.now() - startedMs > REMOVENODE_TIMEOUT_MS);
    let member = await stillMember(ctx, victim);
    for (let attempt = 0; !settled(member) && Date.now() - startedMs < MEMBER_CHANGE_DEADLINE_MS && attempt < 1_000; attempt++) {
      await ctx.sleep(MEMBER_RETRY_MS);
      member = await stillMember(ctx, victim);
    }
    const why = removed instanceof Error ? removed.message.slice(0, 80) : String(removed);
    if (member === undefined) throw new CairnError('CAIRN_TIMEOUT', `CLUSTER REMOVENODE ${id} answered ${why} and no leader says whether ${id} is still a member`);
    if (member) return `CLUSTER REMOVENODE ${id} failed (${why}); still a member`;
  }
  // The removed node keeps running a while with its clients connected: it must stop serving as a
  // member (or keep answering correctly) once it is out, not serve what it last knew.
  ctx.note(`CLUSTER REMOVENODE ${id} via ${ids(cluster, [leader])}${how}; ${id} keeps running ${REMOVED_RUNNING_MS} ms`);
  await ctx.sleep(REMOVED_RUNNING_MS);
  await cluster.wipe(victim);
  return {
    detail: `stopped the removed ${id} and wiped its data`,
    nodes: [victim],
    heal: () => addBack(ctx, victim),
  };
}

/** Starts the wiped node with --join and CLUSTER ADDNODEs it via whoever leads, until it is a voter again. */
async function addBack(ctx: FaultContext, victim: number): Promise<string> {
  const { cluster } = ctx;
  const node = cluster.nodes[victim]!;
  const oldId = node.id;
  // A removed id is never added back (its old votes would still count): it rejoins under a new one.
  await cluster.rejoin(victim);
  const { peer, client } = cluster.net.memberAddresses(victim);
  const startedMs = Date.now();
  let lastError = '';
  let attempts = 0;
  const added = await waitUntil(
    ctx,
    async () => {
      attempts++;
      const leader = await findLeader(cluster);
      if (leader === undefined || leader === victim) return false;
      if ((await membersSeenBy(cluster, leader))?.includes(node.id)) return true;
      try {
        const reply = await adminCall(cluster.nodes[leader]!.client, ['CLUSTER', 'ADDNODE', node.id, peer, client], ADDNODE_TIMEOUT_MS);
        return reply === 'OK';
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        return false;
      }
    },
    startedMs + MEMBER_CHANGE_DEADLINE_MS,
  );
  if (!added) throw new CairnError('CAIRN_TIMEOUT', `${node.id} was not added back within ${MEMBER_CHANGE_DEADLINE_MS} ms (${attempts} attempts; last error: ${lastError})`);
  assert(cluster.isUp(victim), 'the re-added node is running');
  return `${oldId} restarted empty as ${node.id} with --join and CLUSTER ADDNODEd (${Date.now() - startedMs} ms, ${attempts} attempt(s))`;
}
