// The start-up check of a node whose data directory holds no Raft state yet (no snapshot: a first
// start, or a wiped disk). Such a node has term 0, no vote and no log and grants votes, so under an
// id the running cluster already used it could hand a stale voter a majority without entries the
// cluster committed. Before the node can vote, it asks the other members it knows (calls on the
// peer links, call.ts: once each, with a short timeout) for CLUSTER INFO and CLUSTER MEMBERS, and refuses to start
// (CAIRN_ID_TAKEN) when a member of the same cluster lists its id as removed, names it as leader,
// or — the leader — holds it at a match index above 0 (its old incarnation acknowledged entries).
// When a member has committed entries and counts this id as a voter but no leader is known, it
// asks again (a few rounds a second apart) and refuses if still no leader can say. A brand-new
// cluster (nothing committed, or the leader at match 0) and the first join of a new id (unknown,
// or a learner the leader has sent nothing yet) start as before. Members that do not answer are
// skipped: if nobody answers, nothing is known and the node starts.

import { assert } from '../../lib/assert.js';
import { CairnError } from '../../lib/errors.js';
import type { Reply } from '../../lib/reply.js';
import { callMember } from './call.js';
import type { ClusterLog } from './log.js';
import type { MemberCalls } from '../../server/cluster-relay-link.js';
import { parsePeerAddress } from '../peer/address.js';
import { NodeDisk } from '../disk.js';
import { settleClusterId, type ClusterIdentity } from './identity.js';
import { derivedClusterId, type ClusterSettings } from './options.js';

/** Most members asked (in parallel, once each). */
const askedMax = 16;
/** How long each call may take (connecting included): one round waits at most about this (twice when it then asks the leader). */
const replyTimeoutMs = 2000;
/** Rounds of asking while a running cluster that counts this id as a voter has no leader to say what it holds. */
const roundsMax = 4;
const roundGapMs = 1000;

/** One line of CLUSTER MEMBERS (`id voter|learner|removed peer client [leader] [myself]`), the parts the check reads. */
export interface MemberLine {
  readonly id: string;
  readonly role: string;
  readonly peer: string;
}

/** What one member answered: its CLUSTER INFO fields and its CLUSTER MEMBERS lines. */
export interface MemberAnswer {
  readonly info: ReadonlyMap<string, string>;
  readonly members: readonly MemberLine[];
}

export interface StartupCheckOptions {
  readonly selfId: string;
  readonly clusterId: string;
  /** The other members this node knows (its own id is skipped). */
  readonly members: readonly string[];
  /** Calls on the peer links. */
  readonly calls: MemberCalls;
  /** Makes a member this node did not know (the leader the others name) reachable by calls, at its peer address. */
  readonly reach: (id: string, peerAddress: string) => void;
  readonly log: ClusterLog;
}

/** The flags' identity, and whether they named --cluster-id rather than deriving it from --peers. */
export function flagIdentity(cluster: ClusterSettings): { identity: ClusterIdentity; explicit: boolean } {
  return { identity: { clusterId: cluster.clusterId, nodeId: cluster.id }, explicit: cluster.clusterId !== derivedClusterId(cluster.peers) };
}

export interface BlankStart {
  readonly cluster: ClusterSettings;
  readonly dir: string;
  readonly clusterId: string;
  /** The peer transport, or null for a node alone (nobody to ask). */
  readonly transport: { setPeers(peers: ReadonlyMap<string, string>): void } | null;
  readonly calls: MemberCalls;
  readonly log: ClusterLog;
  /** The other members this node knows, with their peer addresses: the transport's peers. */
  readonly others: ReadonlyMap<string, string>;
}

/** A blank data dir is checked against the running cluster (refuseTakenIdentity) before its cluster id is written. */
export async function settleBlankIdentity(o: BlankStart): Promise<void> {
  const transport = o.transport;
  if (transport !== null) {
    // The leader the others name may be a member this node's flags did not list: reachable for the check only.
    const reach = (id: string, peer: string): void => transport.setPeers(new Map([...o.others, [id, peer]]));
    try {
      await refuseTakenIdentity({ selfId: o.cluster.id, clusterId: o.clusterId, members: [...o.others.keys()], calls: o.calls, reach, log: o.log });
    } finally {
      transport.setPeers(o.others);
    }
  }
  const { identity, explicit } = flagIdentity(o.cluster);
  await settleClusterId(new NodeDisk(), o.dir, identity, explicit);
}

/** Throws CAIRN_ID_TAKEN when the running cluster says this blank node's id was removed or already holds log state. */
export async function refuseTakenIdentity(o: StartupCheckOptions): Promise<void> {
  const others = o.members.filter((id) => id !== o.selfId).slice(0, askedMax);
  assert(others.length <= askedMax, 'a bounded number of members is asked');
  let verdict: Verdict = { kind: 'start', reason: 'no member asked yet' };
  let answered = 0;
  for (let round = 1; round <= roundsMax; round++) {
    const answers = await askAll(o, others);
    answered = answers.length;
    verdict = judgeAnswers(o.selfId, answers);
    if (verdict.kind === 'ask-leader') {
      o.reach(verdict.leader, verdict.peer);
      const leaderAnswer = await askMember(o.calls, verdict.leader);
      const fromLeader = leaderAnswer !== undefined && leaderAnswer.info.get('cairn_cluster_id') === o.clusterId ? [leaderAnswer] : [];
      verdict = judgeAnswers(o.selfId, [...answers, ...fromLeader], false);
    }
    assert(verdict.kind !== 'ask-leader', 'the leader is asked at most once a round');
    if (verdict.kind !== 'wait-leader') break;
    if (round < roundsMax) await new Promise((resolve) => setTimeout(resolve, roundGapMs));
  }
  o.log('cluster.startup_check', { asked: others, answered, decision: verdict.kind === 'start' ? 'start' : 'refuse', reason: verdict.reason });
  if (verdict.kind !== 'start') throw new CairnError('CAIRN_ID_TAKEN', verdict.reason);
}

/** The answers of the members of this node's cluster; the others (silent, or another cluster) are logged and left out. */
async function askAll(o: StartupCheckOptions, others: readonly string[]): Promise<MemberAnswer[]> {
  const asked = await Promise.all(others.map(async (id) => ({ id, answer: await askMember(o.calls, id) })));
  const answers: MemberAnswer[] = [];
  for (const { id, answer } of asked) {
    const theirCluster = answer?.info.get('cairn_cluster_id');
    if (answer !== undefined && theirCluster === o.clusterId) answers.push(answer);
    else o.log('cluster.startup_check_skipped', { member: id, reason: answer === undefined ? 'no answer' : `in cluster ${theirCluster ?? '?'}, not ${o.clusterId}` });
  }
  return answers;
}

export type Verdict =
  | { readonly kind: 'start'; readonly reason: string }
  | { readonly kind: 'refuse'; readonly reason: string }
  | { readonly kind: 'wait-leader'; readonly reason: string }
  | { readonly kind: 'ask-leader'; readonly reason: string; readonly leader: string; readonly peer: string };

const newId = 'start it under a new id with an empty data dir and add that with CLUSTER ADDNODE <newid> <peer-host:port> <client-host:port> on the leader';

/** The decision from the answers of the members of this node's cluster; may first ask for the leader's answer when no answer came from it. */
export function judgeAnswers(selfId: string, answers: readonly MemberAnswer[], mayAskLeader = true): Verdict {
  assert(selfId !== '', 'a node id is never empty');
  const removedBy = answers.find((a) => a.members.some((m) => m.id === selfId && m.role === 'removed'));
  if (removedBy !== undefined) {
    return { kind: 'refuse', reason: `${selfId} was removed from this cluster (${nodeOf(removedBy)} lists it as removed) and this data dir is blank: a removed node never rejoins under its old id; ${newId}` };
  }
  const leaderId = answers.map((a) => a.info.get('cairn_leader') ?? '').find((l) => l !== '');
  if (leaderId === selfId) {
    return { kind: 'refuse', reason: `${selfId} is the leader this cluster knows, but this data dir is blank: this member lost its data; restore its data dir, or remove it (CLUSTER REMOVENODE ${selfId}) and ${newId}` };
  }
  const leader = leaderId === undefined ? undefined : answers.find((a) => a.info.get('cairn_node_id') === leaderId && a.info.get('cairn_role') === 'leader');
  if (leader === undefined) {
    const peer = mayAskLeader && leaderId !== undefined ? leaderPeerAddress(leaderId, answers) : undefined;
    if (leaderId !== undefined && peer !== undefined) return { kind: 'ask-leader', reason: `${leaderId} leads`, leader: leaderId, peer };
    // No leader to ask: a member that committed entries and counts this id as a voter means a running cluster.
    const running = answers.find((a) => Number(a.info.get('cairn_commit_index')) > 0 && votersOf(a).includes(selfId));
    if (running === undefined) return { kind: 'start', reason: answers.length === 0 ? 'no member of this cluster answered' : 'no leader answered and no member that counts this id as a voter has committed anything: a cluster starting for the first time' };
    return {
      kind: 'wait-leader',
      reason:
        `${nodeOf(running)} has committed up to index ${running.info.get('cairn_commit_index')} and counts ${selfId} as a voter, but no leader answered to say whether ${selfId} acknowledged entries, and this data dir is blank; ` +
        `start it again once the cluster has a leader, restore its data dir, or remove it (CLUSTER REMOVENODE ${selfId}) and ${newId}`,
    };
  }
  const members = (leader.info.get('cairn_members') ?? '').split(',');
  if (!members.includes(selfId)) return { kind: 'start', reason: `not a member of leader ${leaderId}'s configuration: a new id` };
  const matchIndex = leaderMatchIndex(leader, selfId);
  if (matchIndex === undefined || matchIndex === 0) return { kind: 'start', reason: `a member leader ${leaderId} has sent nothing yet (match index 0): a first start or first join` };
  const learner = (leader.info.get('cairn_learners') ?? '').split(',').includes(selfId);
  return {
    kind: 'refuse',
    reason:
      `${selfId} is a ${learner ? 'learner' : 'voter'} of the running cluster and already acknowledged entries up to index ${matchIndex} (leader ${leaderId}), ` +
      `but this data dir is blank: this member lost its data; restore its data dir, or remove it (CLUSTER REMOVENODE ${selfId}) and ${newId}`,
  };
}

/** The leader's match index for id: its last index minus the lag it reports for id. */
function leaderMatchIndex(leader: MemberAnswer, id: string): number | undefined {
  const lastIndex = Number(leader.info.get('cairn_last_index'));
  const lag = Number(leader.info.get(`cairn_follower_lag_${id}`));
  if (!Number.isSafeInteger(lastIndex) || !Number.isSafeInteger(lag)) return undefined;
  return Math.max(0, lastIndex - lag);
}

function leaderPeerAddress(leaderId: string, answers: readonly MemberAnswer[]): string | undefined {
  const line = answers.flatMap((a) => a.members).find((m) => m.id === leaderId && m.peer !== '-');
  if (line === undefined) return undefined;
  try {
    parsePeerAddress(line.peer);
    return line.peer;
  } catch {
    return undefined;
  }
}

/** The voters in a member's configuration (CLUSTER INFO's members without its learners). */
function votersOf(answer: MemberAnswer): string[] {
  const learners = (answer.info.get('cairn_learners') ?? '').split(',');
  return (answer.info.get('cairn_members') ?? '').split(',').filter((id) => id !== '' && !learners.includes(id));
}

function nodeOf(answer: MemberAnswer): string {
  return answer.info.get('cairn_node_id') ?? '?';
}

/** CLUSTER INFO and CLUSTER MEMBERS of one member, or undefined when it does not answer both. */
async function askMember(calls: MemberCalls, id: string): Promise<MemberAnswer | undefined> {
  const ask = (argv: string[]): Promise<Reply | undefined> => callMember(calls, id, argv, replyTimeoutMs).catch(() => undefined);
  const [info, members] = await Promise.all([ask(['CLUSTER', 'INFO']), ask(['CLUSTER', 'MEMBERS'])]);
  const infoText = info === undefined ? undefined : textOf(info);
  if (infoText === undefined || members?.type !== 'array') return undefined;
  return { info: parseInfo(infoText), members: members.items.flatMap((item) => parseMemberLine(textOf(item))) };
}

function textOf(reply: Reply): string | undefined {
  if (reply.type === 'bulk') return Buffer.from(reply.value).toString('utf8');
  if (reply.type === 'verbatim') return reply.value;
  return undefined;
}

export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

export function parseMemberLine(text: string | undefined): MemberLine[] {
  const words = (text ?? '').split(' ');
  if (words.length < 4) return [];
  return [{ id: words[0]!, role: words[1]!, peer: words[2]! }];
}
