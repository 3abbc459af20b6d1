// The process around one replicated node: parses `cairn server` flags with the cluster ones
// (--id, --peers, --peer-port, --advertise, timings), starts the node, prints one line when ready,
// and on SIGTERM/SIGINT hands leadership over and shuts down. Exit codes: 0 stopped, 1 could not
// start (port taken, data dir locked), 2 bad flags.

import { parseArgs } from 'node:util';
import { isCairnError } from '../lib/errors.js';
import { settingsFromFlags, type ServerSettings } from '../server/config.js';
import { clusterSettings, type ClusterSettings } from './cluster-options.js';
import { jsonLogger } from './cluster-log.js';
import { startClusterNode, type ClusterNode } from './cluster-node.js';
import { cairnVersion } from './server-main.js';

export const CLUSTER_USAGE = `usage: cairn server --id ID [--host HOST] [--port PORT] [--dir DIR]
                    [--peer-host HOST] --peer-port PORT --peers ID=HOST:PORT,...
                    [--client-addrs ID=HOST:PORT,...] [--advertise HOST:PORT] [--cluster-id ID]
                    [--tick-ms 50] [--election-ticks 10] [--heartbeat-ticks 1]
                    [--leader-wait-ms 3000] [--snapshot-every 10000] [--lease-reads] [--http-port PORT]
                    [--join --cluster-id ID]
                    [--requirepass PASSWORD] [--config FILE]`;

const options = {
  port: { type: 'string', short: 'p' },
  dir: { type: 'string', short: 'd' },
  host: { type: 'string' },
  fsync: { type: 'string' },
  requirepass: { type: 'string' },
  config: { type: 'string', short: 'c' },
  id: { type: 'string' },
  'peer-host': { type: 'string' },
  'peer-port': { type: 'string' },
  peers: { type: 'string' },
  'client-addrs': { type: 'string' },
  advertise: { type: 'string' },
  'cluster-id': { type: 'string' },
  'tick-ms': { type: 'string' },
  'election-ticks': { type: 'string' },
  'heartbeat-ticks': { type: 'string' },
  'leader-wait-ms': { type: 'string' },
  'snapshot-every': { type: 'string' },
  join: { type: 'boolean' },
  'lease-reads': { type: 'boolean' },
  'http-port': { type: 'string' },
} as const;

/** True when the flags ask for a replicated node rather than the single-node store. */
export function wantsClusterNode(args: readonly string[]): boolean {
  return args.some((arg) => arg === '--id' || arg.startsWith('--id=') || arg === '--peers' || arg.startsWith('--peers='));
}

export async function runClusterNode(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(CLUSTER_USAGE);
    return 0;
  }
  let parsed: { settings: ServerSettings; cluster: ClusterSettings; configFile: string | undefined };
  try {
    parsed = await settingsFrom(args);
  } catch (error) {
    console.error(`cairn server: ${error instanceof Error ? error.message : String(error)}\n${CLUSTER_USAGE}`);
    return 2;
  }
  const { settings, cluster, configFile } = parsed;
  const log = jsonLogger(cluster.id);
  let node: ClusterNode;
  try {
    node = await startClusterNode(settings, cluster, log, configFile);
  } catch (error) {
    if (!isCairnError(error)) throw error;
    console.error(`cairn server: ${error.message}`);
    return 1;
  }
  console.log(
    `cairn ${cairnVersion} node ${cluster.id} ready on ${settings.host}:${node.server.port} ` +
      `(peers ${cluster.peerHost}:${node.transport.listenPort}${cluster.httpPort === null ? '' : `, http ${cluster.peerHost}:${cluster.httpPort}`}, cluster ${cluster.clusterId}, members ${[...cluster.peers.keys()].join(',')}, dir ${settings.dir}, pid ${process.pid})`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  console.log(`cairn server: ${signal}, shutting down node ${cluster.id}`);
  await node.close();
  console.log('cairn server: stopped');
  return 0;
}

async function settingsFrom(args: string[]): Promise<{ settings: ServerSettings; cluster: ClusterSettings; configFile: string | undefined }> {
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
  if (positionals.length > 0) throw new Error(`unexpected argument '${positionals[0]}'`);
  const settings = await settingsFromFlags(values);
  // Raft makes every entry durable before it is acknowledged: a weaker policy is not offered.
  if (settings.fsync !== 'always') throw new Error('--fsync: a replicated node always fsyncs its Raft log (only "always" is accepted)');
  if (settings.port === 0) throw new Error('--port: a replicated node needs a fixed client port (peers relay to it)');
  const cluster = clusterSettings(
    {
      id: values.id,
      peerHost: values['peer-host'],
      peerPort: values['peer-port'],
      peers: values.peers,
      clientAddrs: values['client-addrs'],
      advertise: values.advertise,
      clusterId: values['cluster-id'],
      tickMs: values['tick-ms'],
      electionTicks: values['election-ticks'],
      heartbeatTicks: values['heartbeat-ticks'],
      leaderWaitMs: values['leader-wait-ms'],
      snapshotEvery: values['snapshot-every'],
      join: values.join,
      leaseReads: values['lease-reads'],
      httpPort: values['http-port'],
    },
    settings.host,
    settings.port,
  );
  return { settings, cluster, configFile: values.config };
}
