// INFO replication on a replicated node, in Redis's words where they fit (role master/slave, the
// master's address and link, each replica's lag) plus Cairn's Raft facts (term, leader, commit and
// applied index), so redis-cli, monitoring scripts and ioredis see who leads.

import type { InfoFields } from './backend.js';
import type { ClusterTopology } from './cluster-topology.js';

export function replicationFields(topology: ClusterTopology): InfoFields {
  const raft = topology.raft;
  const leaderId = raft.leaderId();
  const leading = leaderId === topology.myId;
  const fields: [string, string | number][] = [['role', leading ? 'master' : 'slave']];
  if (leading) {
    const followers = raft.followerMatch();
    fields.push(['connected_slaves', followers.length]);
    followers.forEach((f, i) => {
      const address = topology.clientAddress(f.id);
      const where = address === undefined ? 'ip=?,port=0' : `ip=${address.host},port=${address.port}`;
      fields.push([`slave${i}`, `${where},state=online,offset=${f.matchIndex},lag=${Math.max(0, raft.lastIndex() - f.matchIndex)}`]);
    });
  } else {
    const address = leaderId === null ? undefined : topology.clientAddress(leaderId);
    fields.push(['master_host', address?.host ?? '']);
    fields.push(['master_port', address?.port ?? 0]);
    fields.push(['master_link_status', address === undefined ? 'down' : 'up']);
    fields.push(['slave_read_repl_offset', raft.appliedIndex()]);
    fields.push(['connected_slaves', 0]);
  }
  fields.push(
    ['master_failover_state', 'no-failover'],
    ['master_repl_offset', raft.commitIndex()],
    ['cairn_node_id', topology.myId],
    ['cairn_role', raft.role()],
    ['cairn_term', raft.term()],
    ['cairn_leader', leaderId ?? ''],
    ['cairn_commit_index', raft.commitIndex()],
    ['cairn_applied_index', raft.appliedIndex()],
  );
  return fields;
}
