// The process around one Cairn node, which is always a Raft node: parses `cairn server` flags
// (with the cluster ones: --id, --peers, --peer-port, --advertise, timings), refuses a data folder
// in the old single-node layout, starts the node, prints one line when ready, and on
// SIGTERM/SIGINT hands leadership over and shuts down. Without --peers the node is a one-member
// cluster (id n1 unless --id says otherwise). Exit codes: 0 stopped, 1 could not start (port
// taken, data dir locked or in the old layout, or a blank data dir under an id the running cluster
// removed or holds log state for: cluster/startup-check.ts; or, once running, a data dir a peer
// refused as a new incarnation of a used id), 2 bad flags.

import { parseArgs } from 'node:util';
import { CairnError, errorMessage, isCairnError } from '../../lib/errors.js';
import { settingsFromFlags, type ServerSettings } from '../../server/config.js';
import { readFile } from 'node:fs/promises';
import { clusterSettings, type ClusterSettings } from './options.js';
import { withConfigFile } from './peer-auth.js';
import { jsonLogger } from './log.js';
import { startClusterNode, type ClusterNode } from './node.js';
import { cairnVersion, refuseOldStoreLayout } from '../server-main.js';

export const SERVER_USAGE = `usage: cairn server [--port PORT] [--dir DIR] [--host HOST] [--fsync always|everysec|no]
                    [--requirepass PASSWORD] [--maxmemory BYTES] [--config FILE]  a one-member cluster (id n1)
       cairn server --id ID [--host HOST] [--port PORT] [--dir DIR]
                    [--peer-host HOST] --peer-port PORT --peers ID=HOST:PORT,...
                    [--client-addrs ID=HOST:PORT,...] [--advertise HOST:PORT] [--cluster-id ID]
                    [--tick-ms 50] [--election-ticks 10] [--heartbeat-ticks 1]
                    [--leader-wait-ms 3000] [--snapshot-every 10000] [--lease-reads] [--http-port PORT]
                    [--join --cluster-id ID] [--fsync always|everysec|no]
                    [--peer-cert-file F --peer-key-file F --peer-trusted-ca-file F]
                    [--cluster-secret-file F | --cluster-secret S]
                    [--requirepass PASSWORD] [--config FILE]                  a member of a replicated cluster
       TLS for clients (either form): --tls-port PORT --tls-cert-file FILE --tls-key-file FILE
                    [--tls-key-file-pass PASS] [--tls-ca-cert-file FILE] [--tls-auth-clients yes|optional|no]
                    [--tls-protocols "TLSv1.2 TLSv1.3"] [--tls-ciphers LIST] [--tls-ciphersuites LIST]
                    (--port 0 with a --tls-port: no plain port; SIGHUP re-reads the certificate files)
The server runs with jemalloc preloaded where the system has libjemalloc.so.2 (else glibc's malloc tuned),
re-running itself once with those settings behind a thin launcher; CAIRN_SERVER_LAUNCHED=1 runs it as is,
LD_PRELOAD= keeps glibc's malloc, CAIRN_SERVER_NODE_FLAGS='--flag ...' gives it V8 flags.`;

const options = {
  port: { type: 'string', short: 'p' },
  dir: { type: 'string', short: 'd' },
  host: { type: 'string' },
  fsync: { type: 'string' },
  requirepass: { type: 'string' },
  maxmemory: { type: 'string' },
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
  // Client TLS, Redis's names (server/tls-settings.ts).
  'tls-port': { type: 'string' },
  'tls-cert-file': { type: 'string' },
  'tls-key-file': { type: 'string' },
  'tls-key-file-pass': { type: 'string' },
  'tls-ca-cert-file': { type: 'string' },
  'tls-auth-clients': { type: 'string' },
  'tls-protocols': { type: 'string' },
  'tls-ciphers': { type: 'string' },
  'tls-ciphersuites': { type: 'string' },
  'peer-cert-file': { type: 'string' },
  'peer-key-file': { type: 'string' },
  'peer-trusted-ca-file': { type: 'string' },
  'cluster-secret': { type: 'string' },
  'cluster-secret-file': { type: 'string' },
} as const;

export async function runClusterNode(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(SERVER_USAGE);
    return 0;
  }
  let parsed: { settings: ServerSettings; cluster: ClusterSettings; configFile: string | undefined };
  try {
    parsed = await settingsFrom(args);
  } catch (error) {
    console.error(`cairn server: ${errorMessage(error)}\n${SERVER_USAGE}`);
    return 2;
  }
  const { settings, cluster, configFile } = parsed;
  let node: ClusterNode;
  try {
    await refuseOldStoreLayout(settings.dir);
    node = await startClusterNode(settings, cluster, jsonLogger(cluster.id), configFile);
  } catch (error) {
    if (!isCairnError(error)) throw error;
    console.error(`cairn server: ${error.message}`);
    return 1;
  }
  // Listening before the ready line: whoever waits for it may signal at once. `on`, not `once`: a
  // second signal during the shutdown (the launcher forwards the one its whole process group got,
  // a terminal's Ctrl-C) must not kill the node half way. Signal listeners keep no process alive.
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.on('SIGTERM', () => resolve('SIGTERM'));
    process.on('SIGINT', () => resolve('SIGINT'));
  });
  process.on('SIGHUP', () => reloadOnHangup(node));
  console.log(readyLine(settings, cluster, node));
  const ended = await Promise.race([signal.then((name) => ({ signal: name })), node.fatal.then((reason) => ({ reason }))]);
  if ('reason' in ended) {
    console.error(`cairn server: ${ended.reason}`);
    await node.close();
    return 1;
  }
  console.log(`cairn server: ${ended.signal}, shutting down node ${cluster.id}`);
  await node.close();
  console.log('cairn server: stopped');
  return 0;
}

/** SIGHUP: client and peer certificates and the secret file are read again for new connections; established ones stay up. */
function reloadOnHangup(node: ClusterNode): void {
  node.server.reloadTls();
  const failed = node.reloadPeerAuth();
  for (const error of failed) console.error(`cairn server: SIGHUP: ${error.message} (the previous one stays in use)`);
}

/** Tests, the README and local-cluster look for " ready on HOST:PORT" (the TLS port when the plain one is off). */
function readyLine(settings: ServerSettings, cluster: ClusterSettings, node: ClusterNode): string {
  const http = cluster.httpPort === null ? '' : `, http ${cluster.peerHost}:${cluster.httpPort}`;
  const peers = node.peerPort === null ? 'none' : `${cluster.peerHost}:${node.peerPort}`;
  const { plainPort, tlsPort } = node.server;
  const tls = tlsPort === null ? '' : plainPort === null ? 'tls only, ' : `tls ${settings.host}:${tlsPort}, `;
  return (
    `cairn ${cairnVersion} node ${cluster.id} ready on ${settings.host}:${node.server.port} ` +
    `(${tls}peers ${peers}${http}, cluster ${node.clusterId}, ` +
    `members ${[...cluster.peers.keys()].join(',')}, dir ${settings.dir}, fsync ${settings.fsync}, pid ${process.pid})`
  );
}

async function settingsFrom(args: string[]): Promise<{ settings: ServerSettings; cluster: ClusterSettings; configFile: string | undefined }> {
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
  if (positionals.length > 0) throw new CairnError('CAIRN_INVALID_ARGUMENT', `unexpected argument '${positionals[0]}'`);
  const tls = {
    'tls-port': values['tls-port'], 'tls-cert-file': values['tls-cert-file'], 'tls-key-file': values['tls-key-file'],
    'tls-key-file-pass': values['tls-key-file-pass'], 'tls-ca-cert-file': values['tls-ca-cert-file'], 'tls-auth-clients': values['tls-auth-clients'],
    'tls-protocols': values['tls-protocols'], 'tls-ciphers': values['tls-ciphers'], 'tls-ciphersuites': values['tls-ciphersuites'],
  };
  const settings = await settingsFromFlags({ ...values, tls });
  // `port 0` with a tls-port turns the plain port off (Redis); without one it takes any free port (a node alone).
  const plainOff = settings.port === 0 && settings.tls.port !== 0;
  const configText = values.config === undefined ? undefined : await readFile(values.config, 'utf8');
  const peerAuthFlags = withConfigFile({
    peerCertFile: values['peer-cert-file'],
    peerKeyFile: values['peer-key-file'],
    peerTrustedCaFile: values['peer-trusted-ca-file'],
    clusterSecret: values['cluster-secret'],
    clusterSecretFile: values['cluster-secret-file'],
  }, configText);
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
      ...peerAuthFlags,
    },
    settings.host,
    plainOff ? settings.tls.port : settings.port,
  );
  // Members name each other's client ports to clients (CLUSTER SLOTS, redirects): only a node alone
  // may take any free one. A member serving TLS only (port 0 with a tls-port) is named by its TLS port;
  // members relay to each other on the peer links, never a client port.
  const alone = cluster.peers.size === 1 && !cluster.join;
  if (settings.port === 0 && !plainOff && !alone) throw new CairnError('CAIRN_INVALID_ARGUMENT', '--port: a node with other members needs a fixed client port (or --port 0 with a --tls-port)');
  return { settings, cluster, configFile: values.config };
}
