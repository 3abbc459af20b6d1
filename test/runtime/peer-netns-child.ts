// Child of peer-netns.test.ts, run inside a network namespace: one transport listening on all
// interfaces, sending a heartbeat to its one peer every 50 ms and reporting on stdout (JSON lines)
// every log event and the running count of messages received. SIGTERM closes it.

import { TcpPeerTransport } from '../../src/runtime/peer/transport.js';

const [id, peerId, peerAddress, portText] = process.argv.slice(2) as [string, string, string, string];
const report = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const transport = await TcpPeerTransport.start({
  nodeId: id,
  clusterId: 'netns-test',
  listenHost: '0.0.0.0',
  listenPort: Number(portText),
  peers: { [peerId]: peerAddress },
  keepaliveIntervalMs: 100,
  peerSilenceTimeoutMs: 500,
  connectTimeoutMs: 500,
  reconnectBaseMs: 20,
  reconnectMaxMs: 200,
  log: (event, fields) => report({ event, ...fields }),
});
let received = 0;
transport.onReceive(() => {
  received++;
  report({ event: 'received', count: received });
});
let seq = 0;
const timer = setInterval(() => transport.send(peerId, { type: 'heartbeat', from: id, to: peerId, term: 1, incarnation: '0000000000000000', commitIndex: 0, readSeq: seq++ }), 50);
process.once('SIGTERM', () => {
  clearInterval(timer);
  void transport.close().then(() => report({ event: 'child.closed' }));
});
report({ event: 'child.ready' });
