// The client TLS listener (Redis's tls-port): a node:tls server whose certificate comes from an
// identity loaded elsewhere (runtime/tls-files.ts, handed in: server/ never reads the files itself),
// swapped on reload for new handshakes while established connections keep theirs. It bounds what a
// client can hold before it is served: a handshake not finished in cairn-tls-handshake-timeout-ms is
// closed, at most `handshakesPendingMax` handshakes are open at once (more are closed on accept), and
// only a socket whose handshake finished and passed tls-auth-clients reaches `secured` — the same
// Connection and Session code as the plain port from there on. Every connection refused before it
// became a client (garbage, a failed or timed-out handshake, a certificate tls-auth-clients refuses,
// the handshake cap) is counted and told to `refused`, which a log budget (lib/log-budget.ts) keeps
// from writing more than a few lines whatever the flood.

import type { Socket } from 'node:net';
import { createServer, type SecureContext, type Server, type TLSSocket } from 'node:tls';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import { refusalLogBudget, type LogBudget } from '../lib/log-budget.js';
import type { ClientTlsSettings, TlsFileNames } from './tls-settings.js';

/** The certificate, key and CA the listener serves with (runtime/tls-files.ts's TlsFiles, structurally). */
export interface ClientTlsIdentity {
  /** The context for the next handshake (it carries the protocol range and ciphers too). */
  current(): SecureContext;
  /** Reads the files again; on failure the old context stays and the error says why (naming files, never their contents). */
  reload(files: TlsFileNames): { readonly message: string } | undefined;
}

export interface TlsListenerHooks {
  /** The settings now (tls-auth-clients is read for each handshake, so CONFIG SET applies to the next one). */
  settings(): ClientTlsSettings;
  /** A client whose handshake finished and whose certificate (if any was asked for) passed: serve it. */
  secured(socket: TLSSocket): void;
  /** A connection refused before it became a client; `suppressed` is null when the log budget is spent (count it, write nothing). */
  refused(refusal: TlsRefusal): void;
  nowMs(): number;
}

export interface TlsRefusal {
  readonly remote: string;
  readonly reason: string;
  /** Refusals not logged since the last one that was, or null when this one should not be either. */
  readonly suppressed: number | null;
}

/** Most connections on the TLS port still in their handshake; a new one past it is closed at once. */
export const handshakesPendingMax = 1024;

/** Node's tls.Server reads its shared context here for each connection; reload replaces it (there is no public setter for a SecureContext). */
interface SharedCreds {
  _sharedCreds: SecureContext;
}

export class TlsListener {
  /** Connections accepted and not yet closed, and those among them that finished their handshake. */
  private open = 0;
  private secure = 0;
  private readonly logBudget: LogBudget;

  private constructor(
    private readonly server: Server,
    private readonly identity: ClientTlsIdentity,
    private readonly hooks: TlsListenerHooks,
  ) {
    assert('_sharedCreds' in server, "node:tls's server keeps its context in _sharedCreds");
    this.logBudget = refusalLogBudget(() => hooks.nowMs());
    this.useCurrentContext();
    server.on('connection', (raw: Socket) => this.admit(raw));
    server.on('secureConnection', (socket: TLSSocket) => this.handshakeDone(socket));
    // Garbage, a failed or timed-out handshake: Node leaves the socket open when someone listens for this.
    server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      this.refuse(socket, handshakeError(error));
      socket.destroy();
    });
  }

  /** Binds host:port; rejects with CAIRN_IO naming the address when it cannot. */
  static async listen(host: string, identity: ClientTlsIdentity, hooks: TlsListenerHooks): Promise<TlsListener> {
    const settings = hooks.settings();
    assert(settings.port > 0, 'a TLS listener has a port');
    // Every client is asked for a certificate; whether it must have one is checked once the handshake is done (tls-auth-clients).
    const server = createServer({ requestCert: true, rejectUnauthorized: false, handshakeTimeout: settings.handshakeTimeoutMs, noDelay: true });
    const listener = new TlsListener(server, identity, hooks);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        const where = `${host}:${settings.port}`;
        const message = error.code === 'EADDRINUSE' ? `tls-port ${where} is already in use` : `cannot listen on ${where} (tls-port): ${error.message}`;
        reject(new CairnError('CAIRN_IO', message, { cause: error }));
      };
      server.once('error', onError);
      server.listen(settings.port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', () => undefined);
    return listener;
  }

  get port(): number {
    const address = this.server.address();
    assert(address !== null && typeof address === 'object', 'the TLS listener is listening');
    return address.port;
  }

  /** Handshakes in progress now. */
  private get handshaking(): number {
    return this.open - this.secure;
  }

  /**
   * Reads the identity's files again (new names or knobs when given) for every handshake from
   * now on; established connections keep the context they started with. Returns the reason when
   * the files are unusable, the old certificate then still in use.
   */
  reload(files: TlsFileNames): string | undefined {
    const problem = this.identity.reload(files);
    if (problem !== undefined) return problem.message;
    this.useCurrentContext();
    return undefined;
  }

  /** Stops accepting; established connections are the server's to close. */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private useCurrentContext(): void {
    (this.server as unknown as SharedCreds)._sharedCreds = this.identity.current();
  }

  /** Counts and tells a refusal; call it before destroying the socket, whose address goes with it. */
  private refuse(socket: Socket, reason: string): void {
    this.hooks.refused({ remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, reason, suppressed: this.logBudget.admit() });
  }

  private admit(raw: Socket): void {
    if (this.handshaking >= handshakesPendingMax) {
      this.refuse(raw, `${handshakesPendingMax} handshakes in progress already`);
      raw.destroy();
      return;
    }
    this.open++;
    raw.once('close', () => this.open--);
  }

  private handshakeDone(socket: TLSSocket): void {
    this.secure++;
    socket.once('close', () => this.secure--);
    const authClients = this.hooks.settings().authClients;
    if (!clientAccepted(socket, authClients)) {
      // node:tls puts OpenSSL's verify code (a string, whatever its type says) in authorizationError.
      const why = certificateOffered(socket) ? `client certificate refused: ${String(socket.authorizationError)}` : 'no client certificate';
      this.refuse(socket, `${why} (tls-auth-clients ${authClients})`);
      socket.destroy();
      return;
    }
    this.hooks.secured(socket);
  }
}

/** tls-auth-clients: yes needs a certificate that chains to tls-ca-cert-file; optional refuses only a bad one; no asks nothing of it. */
function clientAccepted(socket: TLSSocket, authClients: ClientTlsSettings['authClients']): boolean {
  if (authClients === 'no') return true;
  if (socket.authorized) return true;
  if (authClients === 'yes') return false;
  return !certificateOffered(socket);
}

/** Whether the client sent a certificate (ask before destroying the socket: then node:tls answers null). */
function certificateOffered(socket: TLSSocket): boolean {
  return Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
}

/** What went wrong in a handshake, in one short line (OpenSSL's reason or Node's code; never bytes the client sent). */
function handshakeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = 'reason' in error && typeof error.reason === 'string' ? error.reason : error.message.split('\n')[0] ?? 'TLS error';
  return (code === undefined ? reason : `${code}: ${reason}`).slice(0, 200);
}
