// INFO's text: the sections redis-server 7.0 prints, in its order, as `key:value` lines under
// `# Section` headers, which redis-py, ioredis and redis-cli parse (redis-py's RedisCluster reads
// `cluster_enabled`). The fields of each section are in info-sections.ts.

import type { InfoFields, KeyspaceFigures } from './backend.js';
import type { TrackingFigures } from './tracking-table.js';
import {
  clientFields, cpuFields, keyspaceFields, memoryFields, persistenceFields, replicationFields, serverFields, statsFields,
} from './info-sections.js';

export interface InfoSource {
  readonly version: string;
  readonly runId: string;
  readonly port: number;
  readonly configFile: string;
  readonly startedAtMs: number;
  nowMs(): number;
  connectedClients(): number;
  /** Clients waiting in a blocking command (BLPOP, XREAD BLOCK ...). */
  blockedClients?(): number;
  readonly maxClients: number;
  /** Client-side caching's figures (INFO clients' tracking_clients, stats' tracking_total_*). */
  tracking?(): TrackingFigures;
  readonly stats: ServerStats;
  keyspace(): KeyspaceFigures;
  persistence(): InfoFields;
  /** The memory section's fields the backend knows (cached scripts, function libraries), in Redis's positions. */
  memory?(): InfoFields;
  /**
   * maxmemory, its policy, the keys evicted so far and the figure maxmemory compares, startup and
   * dataset parts (INFO memory and stats); none, noeviction and 0 when not given.
   */
  maxMemory?(): { readonly limitBytes: number; readonly policy: string; readonly evictedKeys: number; readonly startupBytes: number; readonly datasetBytes: number };
  /** The replication section's fields when the backend replicates (a Raft cluster). */
  replication?(): InfoFields;
  /** INFO stats' pubsub_channels, pubsub_patterns and pubsubshard_channels on this node; zeros when not given. */
  pubsub?(): { readonly channels: number; readonly patterns: number; readonly shardChannels: number };
}

export interface ServerStats {
  connectionsReceived: number;
  connectionsRejected: number;
  commandsProcessed: number;
  netInputBytes: number;
  netOutputBytes: number;
  /** Commands whose code threw where nothing should (a bug); each closed its client's connection. */
  internalErrors: number;
  /** Connections to the TLS port refused before they became clients (garbage, failed or timed-out handshakes, refused certificates). */
  tlsHandshakeFailures: number;
  /** The most memory INFO has seen in use (used_memory_peak). */
  memoryPeakBytes?: number;
  /** Error replies sent, by their first word (ERR, WRONGTYPE ...): INFO Errorstats. */
  readonly errorReplies?: Map<string, number>;
}

/** Distinct error prefixes counted; Redis caps its error stats at 128 kinds as well. */
const ERROR_KINDS_MAX = 128;

/** Counts an error reply under its first word, as Redis's Errorstats do. */
export function countError(stats: ServerStats, message: string): void {
  const counts = stats.errorReplies;
  if (counts === undefined) return;
  const space = message.indexOf(' ');
  const kind = space === -1 ? message : message.slice(0, space);
  if (!counts.has(kind) && counts.size >= ERROR_KINDS_MAX) return;
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
}

/** Sections in Redis's order, with their headings; `inDefault` as INFO without arguments shows them. */
const SECTIONS = [
  { name: 'server', heading: 'Server', inDefault: true },
  { name: 'clients', heading: 'Clients', inDefault: true },
  { name: 'memory', heading: 'Memory', inDefault: true },
  { name: 'persistence', heading: 'Persistence', inDefault: true },
  { name: 'stats', heading: 'Stats', inDefault: true },
  { name: 'replication', heading: 'Replication', inDefault: true },
  { name: 'cpu', heading: 'CPU', inDefault: true },
  { name: 'modules', heading: 'Modules', inDefault: true },
  { name: 'commandstats', heading: 'Commandstats', inDefault: false },
  { name: 'errorstats', heading: 'Errorstats', inDefault: true },
  { name: 'latencystats', heading: 'Latencystats', inDefault: false },
  { name: 'cluster', heading: 'Cluster', inDefault: true },
  { name: 'keyspace', heading: 'Keyspace', inDefault: true },
] as const;
type SectionName = (typeof SECTIONS)[number]['name'];

/** INFO [section ...]: none or `default` is the default set; `all` and `everything` every section. */
export function renderInfo(source: InfoSource, requested: readonly string[]): string {
  const wanted = new Set(requested.map((s) => s.toLowerCase()));
  const all = wanted.has('all') || wanted.has('everything');
  const defaults = wanted.size === 0 || wanted.has('default');
  const parts: string[] = [];
  for (const section of SECTIONS) {
    if (!all && !(defaults && section.inDefault) && !wanted.has(section.name)) continue;
    parts.push(renderSection(section.heading, fieldsOf(source, section.name)));
  }
  return parts.join('\r\n');
}

function renderSection(heading: string, fields: InfoFields): string {
  let text = `# ${heading}\r\n`;
  for (const [key, value] of fields) text += `${key}:${value}\r\n`;
  return text;
}

function fieldsOf(source: InfoSource, name: SectionName): InfoFields {
  switch (name) {
    case 'server': return serverFields(source);
    case 'clients': return clientFields(source);
    case 'memory': return memoryFields(source);
    case 'persistence': return persistenceFields(source);
    case 'stats': return statsFields(source);
    case 'replication': return replicationFields(source);
    case 'cpu': return cpuFields();
    // Cairn has no modules and keeps no per-command statistics.
    case 'modules': case 'commandstats': case 'latencystats': return [];
    case 'errorstats': return [...(source.stats.errorReplies ?? [])].map(([kind, count]) => [`errorstat_${kind}`, `count=${count}`] as const);
    // Every Cairn node serves CLUSTER SLOTS / SHARDS / NODES (one shard).
    case 'cluster': return [['cluster_enabled', 1]];
    case 'keyspace': return keyspaceFields(source);
  }
}
