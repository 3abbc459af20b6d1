// Peer links over mutual TLS. The listener hands each accepted socket to a tls.Server that requires
// a client certificate signed by the cluster's CA; the dialler connects with its own
// certificate and accepts the listener only if its certificate names the member id it dials. The
// HELLO's `from` must be a name of the dialler's certificate (inbound.ts asks certificateNames).
// Each handshake takes the identity's current() context, so a reload (SIGHUP) applies to new links
// and established ones keep theirs. runtime/peer/ cannot import runtime/tls-files.ts: the node passes
// anything with this structural type.

import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, TLSSocket, type PeerCertificate, type SecureContext, type Server } from 'node:tls';
import { assert } from '../../lib/assert.js';
import { errorMessage } from '../../lib/errors.js';
import { refusalLogBudget } from '../../lib/log-budget.js';

/** What the peer transport needs of a TLS identity (runtime/tls-files.ts's TlsFiles fits). */
export interface PeerTlsIdentity {
  /** The context (certificate, key, trusted CA) for the next handshake. */
  current(): SecureContext;
}

/** How this node proves itself to peers: TLS, a cluster secret, both, or (with a warning) neither. */
export interface PeerSecurity {
  readonly tls?: PeerTlsIdentity | undefined;
  /** The cluster secret, read at every handshake so a reload applies to new links; null for none. */
  readonly secret?: (() => Uint8Array | null) | undefined;
}

/** The names a certificate gives its subject: the common name(s) and the DNS subject alternative names. */
export function certificateNames(cert: PeerCertificate): string[] {
  const names: string[] = [];
  const cn: unknown = cert.subject?.CN;
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) for (const name of cn) if (typeof name === 'string') names.push(name);
  for (const entry of (cert.subjectaltname ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) names.push(entry.slice(4));
  }
  return names;
}

/** Why a certificate does not name `memberId`, or null when it does. */
export function nameMismatch(cert: PeerCertificate, memberId: string): string | null {
  const names = certificateNames(cert);
  if (names.includes(memberId)) return null;
  return `certificate names ${JSON.stringify(names.slice(0, 8))}, not member ${JSON.stringify(memberId)}`;
}

/**
 * The listener's TLS side. Accepted TCP sockets are handed to a tls.Server that never listens itself
 * (so the transport's listener, connection cap and accounting stay as they are): it demands a client
 * certificate and checks its chain against the CA of the context each handshake starts with — the
 * identity's current() one, set as the server's context before each accepted socket is handed over.
 * That context, not one picked later by SNI, is the one whose protocol range and ciphers (the node's
 * tls-protocols, tls-ciphers, tls-ciphersuites) OpenSSL holds the handshake to.
 */
export class PeerTlsListener {
  private readonly server: Server;
  /** Sockets still in their TLS handshake, by remote address: each has until its deadline to finish it. */
  private readonly handshaking = new Map<string, { socket: Socket; deadline: NodeJS.Timeout }>();
  /** A stranger can fail handshakes as fast as it connects: only a few are told a window, with how many were not. */
  private readonly logBudget = refusalLogBudget(Date.now);

  constructor(
    private readonly tls: PeerTlsIdentity,
    private readonly handshakeTimeoutMs: number,
    secured: (socket: TLSSocket, remote: string) => void,
    refused: (remote: string, error: string, notLoggedBefore: number) => void,
  ) {
    this.server = createTlsServer({ requestCert: true, rejectUnauthorized: true });
    assert('_sharedCreds' in this.server, "node:tls's server keeps its context in _sharedCreds");
    this.server.on('secureConnection', (socket: TLSSocket) => {
      const remote = remoteOf(socket);
      if (!this.handshaking.has(remote)) {
        socket.destroy(); // its deadline passed as the handshake finished
        return;
      }
      this.forget(remote, this.handshaking.get(remote)?.socket);
      secured(socket, remote);
    });
    // A client whose chain does not verify is destroyed by node:tls, which reports a hang-up.
    this.server.on('tlsClientError', (error, socket) => {
      const remote = remoteOf(socket);
      this.forget(remote, this.handshaking.get(remote)?.socket);
      // node:tls does not always close a socket whose handshake failed (seen with garbage input).
      socket.destroy();
      const notLogged = this.logBudget.admit();
      if (notLogged !== null) refused(remote, errorMessage(error).split('\n')[0]?.slice(0, 200) ?? 'TLS error', notLogged);
    });
  }

  /** Drops the entry for `remote` if it is still `raw`'s (a later connection may reuse the address). */
  private forget(remote: string, raw: Socket | undefined): void {
    const pending = this.handshaking.get(remote);
    if (pending === undefined || pending.socket !== raw) return;
    clearTimeout(pending.deadline);
    this.handshaking.delete(remote);
  }

  /**
   * Starts the TLS handshake on an accepted socket. The deadline is absolute (node:tls's handshake
   * timeout is an idle timeout, which a client sending a byte now and then would never meet).
   */
  accept(raw: Socket): void {
    const remote = remoteOf(raw);
    this.forget(remote, this.handshaking.get(remote)?.socket);
    const deadline = setTimeout(() => {
      this.forget(remote, raw);
      raw.destroy();
    }, this.handshakeTimeoutMs);
    deadline.unref();
    this.handshaking.set(remote, { socket: raw, deadline });
    // node:tls builds each server socket from this context (there is no public setter; the client listener does the same).
    (this.server as unknown as { _sharedCreds: SecureContext })._sharedCreds = this.tls.current();
    this.server.emit('connection', raw);
  }

  /** Destroys every socket still in its handshake. */
  close(): void {
    for (const { socket, deadline } of this.handshaking.values()) {
      clearTimeout(deadline);
      socket.destroy();
    }
    this.handshaking.clear();
  }
}

function remoteOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}

/** The names of the verified client certificate on an inbound TLS socket (empty when none). */
export function inboundNames(socket: Socket): string[] | null {
  if (!(socket instanceof TLSSocket)) return null;
  if (!socket.authorized) return [];
  return certificateNames(socket.getPeerCertificate());
}

/**
 * Dials a peer: plain TCP, or TLS that verifies the listener's chain against our CA and checks its
 * certificate names `peerId`. `ready` is the event after which the HELLO may be sent.
 */
export function dialPeer(host: string, port: number, peerId: string, tls: PeerTlsIdentity | undefined): { socket: Socket; ready: 'connect' | 'secureConnect' } {
  if (tls === undefined) return { socket: netConnect({ host, port }), ready: 'connect' };
  const socket = tlsConnect({
    host,
    port,
    // The member's name, as TLS clients send the name they dial; node:tls refuses an IP address here (peer-auth.ts refuses such ids with TLS).
    ...(isIP(peerId) === 0 ? { servername: peerId } : {}),
    secureContext: tls.current(),
    rejectUnauthorized: true,
    checkServerIdentity: (_host, cert) => {
      const mismatch = nameMismatch(cert, peerId);
      return mismatch === null ? undefined : new Error(`peer ${peerId}'s ${mismatch}`);
    },
  });
  return { socket, ready: 'secureConnect' };
}
