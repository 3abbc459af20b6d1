// The HTTP endpoint of a replicated node (--http-port): GET /health answers 200 while this node
// knows a leader and its replica runs (503 otherwise), GET /metrics the Prometheus text format:
// Raft term and indexes, leadership, follower lag, proposals, leader changes, the commit latency
// and fsync latency histograms and the bytes of the data folder. Anything else is 404.

import { createServer, type Server } from 'node:http';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError, errorMessage } from '../../lib/errors.js';
import type { ClusterMetrics } from '../../server/cluster-metrics.js';
import type { ClusterTopology } from '../../server/cluster-topology.js';

/** Bounds on the data folder walk behind cairn_data_bytes. */
const walkEntriesMax = 100_000;
const walkDepthMax = 4;

export interface HealthSource {
  readonly topology: ClusterTopology;
  readonly metrics: ClusterMetrics;
  readonly dataDir: string;
  failed(): Error | undefined;
}

export async function startHttpEndpoint(host: string, port: number, source: HealthSource): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || (path !== '/health' && path !== '/metrics')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (path === '/health') {
      const { ok, body } = health(source);
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
      return;
    }
    metricsText(source).then(
      (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${errorMessage(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new CairnError('CAIRN_IO', `cannot listen for HTTP on ${host}:${port}: ${error.message}`, { cause: error })));
    server.listen(port, host, () => resolve());
  });
  return server;
}

function health(source: HealthSource): { ok: boolean; body: object } {
  const raft = source.topology.raft;
  const failure = source.failed();
  const leader = raft.leaderId();
  const ok = failure === undefined && leader !== null;
  return { ok, body: { status: ok ? 'ok' : 'unavailable', node: source.topology.myId, role: raft.role(), term: raft.term(), leader, failure: failure?.message ?? null } };
}

async function metricsText(source: HealthSource): Promise<string> {
  const raft = source.topology.raft;
  const m = source.metrics;
  const gauge = (name: string, help: string, value: number, type = 'gauge'): string[] => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`];
  const lines = [
    ...gauge('cairn_raft_term', 'Current Raft term.', raft.term()),
    ...gauge('cairn_raft_is_leader', '1 on the leader.', raft.leaderId() === source.topology.myId ? 1 : 0),
    ...gauge('cairn_raft_commit_index', 'Highest committed log index known here.', raft.commitIndex()),
    ...gauge('cairn_raft_applied_index', 'Highest log index applied here.', raft.appliedIndex()),
    ...gauge('cairn_raft_last_index', 'Last log index here.', raft.lastIndex()),
    ...gauge('cairn_raft_members', 'Voters and learners.', raft.members().length),
    ...gauge('cairn_leader_changes_total', 'Role or leader changes seen by this node.', m.leaderChangesTotal, 'counter'),
    ...gauge('cairn_proposals_total', 'Entries proposed by this node as leader.', m.proposalsTotal, 'counter'),
    ...gauge('cairn_proposal_failures_total', 'Proposals refused, replaced or timed out.', m.proposalFailuresTotal, 'counter'),
    '# HELP cairn_follower_lag_entries Entries a follower is behind the leader (leader only).',
    '# TYPE cairn_follower_lag_entries gauge',
    ...raft.followerMatch().map((f) => `cairn_follower_lag_entries{follower="${f.id}"} ${Math.max(0, raft.lastIndex() - f.matchIndex)}`),
    ...m.commitLatency.lines('cairn_commit_latency_seconds', 'Time from proposal to applied on the leader.'),
    ...m.fsyncLatency.lines('cairn_fsync_latency_seconds', 'Time of one sync of the Raft log and hard state.'),
    ...gauge('cairn_data_bytes', 'Bytes in the data folder (log, snapshots, state).', await folderBytes(source.dataDir, walkDepthMax, { left: walkEntriesMax })),
  ];
  return `${lines.join('\n')}\n`;
}

async function folderBytes(dir: string, depth: number, budget: { left: number }): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (budget.left-- <= 0) break;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += depth > 0 ? await folderBytes(path, depth - 1, budget) : 0;
    else if (entry.isFile()) total += (await stat(path).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
