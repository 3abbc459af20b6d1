// INFO's text: the sections Redis prints (server, clients, memory, persistence, stats,
// replication, keyspace) as `key:value` lines under `# Section` headers, which ioredis and
// redis-cli parse.

import { arch, platform, release } from 'node:os';
import type { InfoFields } from './backend.js';

export interface InfoSource {
  readonly version: string;
  readonly runId: string;
  readonly port: number;
  readonly configFile: string;
  readonly startedAtMs: number;
  nowMs(): number;
  connectedClients(): number;
  /** Clients waiting in a blocking command (BLPOP, XREAD BLOCK ...). */
  blockedClients(): number;
  readonly maxClients: number;
  readonly stats: ServerStats;
  keyspace(): { readonly keys: number; readonly expires?: number };
  persistence(): InfoFields;
  /** The replication section's fields when the backend replicates (a Raft cluster). */
  replication?(): InfoFields;
}

export interface ServerStats {
  connectionsReceived: number;
  connectionsRejected: number;
  commandsProcessed: number;
  netInputBytes: number;
  netOutputBytes: number;
  /** Commands whose code threw where nothing should (a bug); each closed its client's connection. */
  internalErrors: number;
}

const sectionNames = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'keyspace'] as const;
type SectionName = (typeof sectionNames)[number];

/** INFO [section ...]: no argument, `default`, `all` and `everything` mean every section. */
export function renderInfo(source: InfoSource, requested: readonly string[]): string {
  const wanted = new Set(requested.map((s) => s.toLowerCase()));
  const everything = wanted.size === 0 || wanted.has('all') || wanted.has('default') || wanted.has('everything');
  const parts: string[] = [];
  for (const name of sectionNames) {
    if (!everything && !wanted.has(name)) continue;
    parts.push(renderSection(title(name), fieldsOf(source, name)));
  }
  return parts.join('\r\n');
}

function renderSection(heading: string, fields: InfoFields): string {
  let text = `# ${heading}\r\n`;
  for (const [key, value] of fields) text += `${key}:${value}\r\n`;
  return text;
}

function title(name: SectionName): string {
  return name[0]!.toUpperCase() + name.slice(1);
}

function fieldsOf(source: InfoSource, name: SectionName): InfoFields {
  switch (name) {
    case 'server': return serverFields(source);
    case 'clients': return [
      ['connected_clients', source.connectedClients()],
      ['maxclients', source.maxClients],
      ['blocked_clients', source.blockedClients()],
      ['tracking_clients', 0],
    ];
    case 'memory': return memoryFields();
    case 'persistence': return [['loading', 0], ['async_loading', 0], ['aof_enabled', 1], ['rdb_bgsave_in_progress', 0], ...source.persistence()];
    case 'stats': return [
      ['total_connections_received', source.stats.connectionsReceived],
      ['total_commands_processed', source.stats.commandsProcessed],
      ['total_net_input_bytes', source.stats.netInputBytes],
      ['total_net_output_bytes', source.stats.netOutputBytes],
      ['rejected_connections', source.stats.connectionsRejected],
      ['cairn_internal_errors', source.stats.internalErrors],
    ];
    case 'replication': return source.replication?.() ?? [['role', 'master'], ['connected_slaves', 0], ['master_failover_state', 'no-failover']];
    case 'keyspace': return keyspaceFields(source);
  }
}

function serverFields(source: InfoSource): InfoFields {
  const uptimeSeconds = Math.floor((source.nowMs() - source.startedAtMs) / 1000);
  return [
    ['redis_version', '7.2.0'],
    ['cairn_version', source.version],
    ['redis_mode', 'standalone'],
    ['os', `${platform()} ${release()} ${arch()}`],
    ['arch_bits', 64],
    ['process_id', process.pid],
    ['run_id', source.runId],
    ['tcp_port', source.port],
    ['server_time_usec', source.nowMs() * 1000],
    ['uptime_in_seconds', uptimeSeconds],
    ['uptime_in_days', Math.floor(uptimeSeconds / 86_400)],
    ['executable', process.argv[1] ?? ''],
    ['config_file', source.configFile],
  ];
}

function memoryFields(): InfoFields {
  const usage = process.memoryUsage();
  return [
    ['used_memory', usage.heapUsed + usage.external],
    ['used_memory_human', human(usage.heapUsed + usage.external)],
    ['used_memory_rss', usage.rss],
    ['used_memory_rss_human', human(usage.rss)],
    ['maxmemory', 0],
    ['maxmemory_human', '0B'],
    ['maxmemory_policy', 'noeviction'],
  ];
}

function keyspaceFields(source: InfoSource): InfoFields {
  const { keys, expires } = source.keyspace();
  if (keys === 0) return [];
  return [['db0', expires === undefined ? `keys=${keys}` : `keys=${keys},expires=${expires},avg_ttl=0`]];
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  const units = ['K', 'M', 'G', 'T'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}
