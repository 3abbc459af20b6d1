// The fields of each INFO section, named and ordered as redis-server 7.0 prints them, with Cairn's
// own values: real process figures (memory from process.memoryUsage, CPU from process.cpuUsage),
// the server's counters, and for what Cairn does not have (forks, RDB, Lua, defragmentation, pub/sub)
// the value Redis shows when it has none. A backend's own fields (persistence, replication) replace
// the field of the same name in place; the ones Redis lacks (cairn_*) follow Redis's.

import { arch, platform, release, totalmem } from 'node:os';
import type { InfoFields } from './backend.js';
import type { InfoSource } from './info.js';

type Field = readonly [string, string | number];

/** The backend's fields in Redis's positions, its extra ones after. */
export function merged(template: InfoFields, own: InfoFields): InfoFields {
  const values = new Map(own);
  const out: Field[] = template.map(([name, value]) => [name, values.get(name) ?? value] as const);
  const known = new Set(template.map(([name]) => name));
  for (const field of own) if (!known.has(field[0])) out.push(field);
  return out;
}

export function serverFields(source: InfoSource): InfoFields {
  const nowMs = source.nowMs();
  const uptimeSeconds = Math.floor((nowMs - source.startedAtMs) / 1000);
  return [
    ['redis_version', '7.2.0'], ['cairn_version', source.version], ['redis_git_sha1', '00000000'], ['redis_git_dirty', 0],
    ['redis_build_id', '0'], ['redis_mode', 'standalone'], ['os', `${platform()} ${release()} ${arch()}`], ['arch_bits', 64],
    ['monotonic_clock', 'POSIX clock_gettime'], ['multiplexing_api', 'libuv'], ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'], ['process_id', process.pid], ['process_supervised', 'no'], ['run_id', source.runId],
    ['tcp_port', source.port], ['server_time_usec', nowMs * 1000], ['uptime_in_seconds', uptimeSeconds],
    ['uptime_in_days', Math.floor(uptimeSeconds / 86_400)], ['hz', 10], ['configured_hz', 10],
    // Redis's LRU clock: seconds, 24 bits.
    ['lru_clock', Math.floor(nowMs / 1000) % 2 ** 24], ['executable', process.argv[1] ?? ''],
    ['config_file', source.configFile], ['io_threads_active', 0],
  ];
}

export function clientFields(source: InfoSource): InfoFields {
  return [
    ['connected_clients', source.connectedClients()], ['cluster_connections', 0], ['maxclients', source.maxClients],
    ['client_recent_max_input_buffer', 0], ['client_recent_max_output_buffer', 0],
    ['blocked_clients', source.blockedClients?.() ?? 0], ['tracking_clients', source.tracking?.().clients ?? 0], ['clients_in_timeout_table', 0],
  ];
}

export function memoryFields(source: InfoSource): InfoFields {
  const usage = process.memoryUsage();
  const used = usage.heapUsed + usage.external;
  const peak = Math.max(used, source.stats.memoryPeakBytes ?? 0);
  source.stats.memoryPeakBytes = peak;
  const total = totalmem();
  // maxmemory compares used_memory_startup + used_memory_dataset (memory-guard.ts), not used_memory.
  const limit = source.maxMemory?.() ?? { limitBytes: 0, policy: 'noeviction', startupBytes: 0, datasetBytes: usage.heapUsed };
  const ratio = (a: number, b: number): string => (b === 0 ? '0.00' : (a / b).toFixed(2));
  return merged([
    ['used_memory', used], ['used_memory_human', human(used)], ['used_memory_rss', usage.rss], ['used_memory_rss_human', human(usage.rss)],
    ['used_memory_peak', peak], ['used_memory_peak_human', human(peak)], ['used_memory_peak_perc', `${((used / peak) * 100).toFixed(2)}%`],
    ['used_memory_overhead', usage.heapTotal - usage.heapUsed], ['used_memory_startup', limit.startupBytes],
    ['used_memory_dataset', limit.datasetBytes], ['used_memory_dataset_perc', `${((limit.datasetBytes / used) * 100).toFixed(2)}%`],
    ['allocator_allocated', used], ['allocator_active', usage.heapTotal + usage.external], ['allocator_resident', usage.rss],
    ['total_system_memory', total], ['total_system_memory_human', human(total)],
    ['used_memory_lua', 0], ['used_memory_vm_eval', 0], ['used_memory_lua_human', '0B'], ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0], ['number_of_functions', 0], ['number_of_libraries', 0], ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0], ['used_memory_vm_total_human', '0B'], ['used_memory_functions', 0], ['used_memory_scripts', 0],
    ['used_memory_scripts_human', '0B'], ['maxmemory', limit.limitBytes], ['maxmemory_human', human(limit.limitBytes)],
    ['maxmemory_policy', limit.policy],
    ['allocator_frag_ratio', ratio(usage.heapTotal + usage.external, used)], ['allocator_frag_bytes', usage.heapTotal - usage.heapUsed],
    ['allocator_rss_ratio', ratio(usage.rss, usage.heapTotal + usage.external)], ['allocator_rss_bytes', usage.rss - usage.heapTotal - usage.external],
    ['rss_overhead_ratio', '1.00'], ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', ratio(usage.rss, used)], ['mem_fragmentation_bytes', usage.rss - used],
    ['mem_not_counted_for_evict', 0], ['mem_replication_backlog', 0], ['mem_total_replication_buffers', 0], ['mem_clients_slaves', 0],
    ['mem_clients_normal', 0], ['mem_cluster_links', 0], ['mem_aof_buffer', 0], ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0], ['lazyfree_pending_objects', 0], ['lazyfreed_objects', 0],
  ], source.memory?.() ?? []);
}

export function persistenceFields(source: InfoSource): InfoFields {
  const startedSeconds = Math.floor(source.startedAtMs / 1000);
  return merged([
    ['loading', 0], ['async_loading', 0], ['current_cow_peak', 0], ['current_cow_size', 0], ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'], ['current_save_keys_processed', 0], ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', 0], ['rdb_bgsave_in_progress', 0], ['rdb_last_save_time', startedSeconds],
    ['rdb_last_bgsave_status', 'ok'], ['rdb_last_bgsave_time_sec', -1], ['rdb_current_bgsave_time_sec', -1], ['rdb_saves', 0],
    ['rdb_last_cow_size', 0], ['rdb_last_load_keys_expired', 0], ['rdb_last_load_keys_loaded', 0],
    // The Raft log is Cairn's append-only file: always on.
    ['aof_enabled', 1], ['aof_rewrite_in_progress', 0], ['aof_rewrite_scheduled', 0], ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1], ['aof_last_bgrewrite_status', 'ok'], ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0], ['aof_last_write_status', 'ok'], ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0], ['module_fork_last_cow_size', 0],
  ], source.persistence());
}

export function statsFields(source: InfoSource): InfoFields {
  const s = source.stats;
  const zero = (...names: string[]): Field[] => names.map((name) => [name, 0] as const);
  const evictedKeys = source.maxMemory?.().evictedKeys ?? 0;
  const pubsub = source.pubsub?.() ?? { channels: 0, patterns: 0, shardChannels: 0 };
  const tracking = source.tracking?.();
  return [
    ['total_connections_received', s.connectionsReceived], ['total_commands_processed', s.commandsProcessed],
    ['instantaneous_ops_per_sec', 0], ['total_net_input_bytes', s.netInputBytes], ['total_net_output_bytes', s.netOutputBytes],
    ...zero('total_net_repl_input_bytes', 'total_net_repl_output_bytes'),
    ['instantaneous_input_kbps', '0.00'], ['instantaneous_output_kbps', '0.00'], ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'], ['rejected_connections', s.connectionsRejected],
    ...zero('sync_full', 'sync_partial_ok', 'sync_partial_err', 'expired_keys'), ['expired_stale_perc', '0.00'],
    ...zero('expired_time_cap_reached_count', 'expire_cycle_cpu_milliseconds'), ['evicted_keys', evictedKeys], ...zero('evicted_clients',
      'total_eviction_exceeded_time', 'current_eviction_exceeded_time', 'keyspace_hits', 'keyspace_misses'),
    ['pubsub_channels', pubsub.channels], ['pubsub_patterns', pubsub.patterns], ['pubsubshard_channels', pubsub.shardChannels],
    ...zero('latest_fork_usec', 'total_forks', 'migrate_cached_sockets',
      'slave_expires_tracked_keys', 'active_defrag_hits', 'active_defrag_misses', 'active_defrag_key_hits',
      'active_defrag_key_misses', 'total_active_defrag_time', 'current_active_defrag_time'),
    ['tracking_total_keys', tracking?.keys ?? 0], ['tracking_total_items', tracking?.items ?? 0], ['tracking_total_prefixes', tracking?.prefixes ?? 0],
    ['unexpected_error_replies', s.internalErrors], ['total_error_replies', [...(s.errorReplies?.values() ?? [])].reduce((a, b) => a + b, 0)], ['dump_payload_sanitizations', 0],
    ['total_reads_processed', s.commandsProcessed], ['total_writes_processed', s.commandsProcessed],
    ...zero('io_threaded_reads_processed', 'io_threaded_writes_processed', 'reply_buffer_shrinks', 'reply_buffer_expands'),
    ['cairn_internal_errors', s.internalErrors], ['cairn_tls_handshake_failures', s.tlsHandshakeFailures],
  ];
}

export function replicationFields(source: InfoSource): InfoFields {
  return merged([
    ['role', 'master'], ['connected_slaves', 0], ['master_failover_state', 'no-failover'], ['master_replid', source.runId.padEnd(40, '0').slice(0, 40)],
    ['master_replid2', '0'.repeat(40)], ['master_repl_offset', 0], ['second_repl_offset', -1], ['repl_backlog_active', 0],
    ['repl_backlog_size', 1_048_576], ['repl_backlog_first_byte_offset', 0], ['repl_backlog_histlen', 0],
  ], source.replication?.() ?? []);
}

export function cpuFields(): InfoFields {
  const cpu = process.cpuUsage();
  const seconds = (micros: number): string => (micros / 1e6).toFixed(6);
  return [
    ['used_cpu_sys', seconds(cpu.system)], ['used_cpu_user', seconds(cpu.user)], ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'], ['used_cpu_sys_main_thread', seconds(cpu.system)], ['used_cpu_user_main_thread', seconds(cpu.user)],
  ];
}

export function keyspaceFields(source: InfoSource): InfoFields {
  const { keys, expires, byDb } = source.keyspace();
  if (byDb !== undefined) return byDb.map((d) => [`db${d.db}`, `keys=${d.keys},expires=${d.expires},avg_ttl=0`] as const);
  if (keys === 0) return [];
  return [['db0', `keys=${keys},expires=${expires ?? 0},avg_ttl=0`]];
}

export function human(bytes: number): string {
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
