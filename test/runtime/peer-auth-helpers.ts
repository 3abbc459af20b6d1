// Helpers for the peer authentication tests: a TLS identity per member from a test certificate
// authority, a raw socket that speaks the peer framing (to play a stranger on the peer port), and
// the messages a transport node received from someone.

import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { CertAuthority } from '../support/certs.js';
import { FrameSplitter } from '../../src/runtime/peer/frames.js';
import type { PeerSecurity } from '../../src/runtime/peer/secure.js';
import { TlsFiles } from '../../src/runtime/tls-files.js';
import type { TlsKnobs } from '../../src/runtime/cluster/peer-auth.js';
import type { TestNode } from './peer-helpers.js';

/** Peer TLS for `name`: a certificate `ca` issues for it (or for `certName`), trusting `trusted` (default ca), with tls-protocols/ciphers `knobs`. */
export function tlsFor(ca: CertAuthority, name: string, options: { certName?: string; trusted?: CertAuthority; knobs?: TlsKnobs } = {}): PeerSecurity {
  const leaf = ca.issue(options.certName ?? name);
  return { tls: TlsFiles.load({ ...leaf, caCertFile: (options.trusted ?? ca).certFile, ...options.knobs }) };
}

export function secretOf(text: string): PeerSecurity {
  const secret = Buffer.from(text, 'utf8');
  return { secret: () => secret };
}

export interface RawPeer {
  socket: Socket;
  /** Frame bodies received so far. */
  replies: Buffer[];
}

/** A plain TCP connection to a node's peer port that collects the frames it is sent. */
export async function rawConnect(node: TestNode): Promise<RawPeer> {
  const socket = connect({ host: '127.0.0.1', port: node.transport.listenPort });
  const splitter = new FrameSplitter(1 << 20);
  const replies: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => {
    try {
      replies.push(...splitter.push(chunk));
    } catch {
      socket.destroy();
    }
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, replies };
}

/** Messages `node` received from `from`. */
export function receivedFrom(node: TestNode, from: string): number {
  return node.received.filter((r) => r.from === from).length;
}
