// Helpers for the client TLS tests: two certificate authorities (the cluster's and a stranger's) with
// a server and a client certificate each, the tls-* flags that serve them, a probe that says whether
// a TLS client with given credentials is served (it sends PING and waits for PONG, or the close),
// redis-cli over TLS, and the TCP ports a process listens on (read from /proc, so "nothing on the
// plain port" is checked, not assumed).

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { makeCertAuthority, pem, type CertAuthority, type CertFiles } from '../support/certs.js';

export interface TlsCerts {
  readonly ca: CertAuthority;
  readonly server: CertFiles;
  readonly client: CertFiles;
  /** Another authority: its client certificate must not be accepted, nor its server trusted. */
  readonly stranger: CertAuthority;
  readonly strangerClient: CertFiles;
  readonly strangerServer: CertFiles;
  remove(): void;
}

export function makeTlsCerts(): TlsCerts {
  const ca = makeCertAuthority('cairn-ca');
  const stranger = makeCertAuthority('stranger-ca');
  return {
    ca,
    server: ca.issue('n1'),
    client: ca.issue('app', { clientOnly: true }),
    stranger,
    strangerClient: stranger.issue('intruder', { clientOnly: true }),
    strangerServer: stranger.issue('n1'),
    remove: () => {
      ca.remove();
      stranger.remove();
    },
  };
}

/** The flags serving `server`'s certificate on tlsPort, trusting the cluster's CA for client certificates. */
export function tlsFlags(certs: TlsCerts, tlsPort: number, server: CertFiles = certs.server): string[] {
  return ['--tls-port', String(tlsPort), '--tls-cert-file', server.certFile, '--tls-key-file', server.keyFile, '--tls-ca-cert-file', certs.ca.certFile];
}

/** Client credentials: the CA the client trusts, and the certificate it offers (if any). */
export interface ClientCreds {
  readonly caFile: string;
  readonly cert?: CertFiles | undefined;
}

export function tlsOptions(creds: ClientCreds, extra: ConnectionOptions = {}): ConnectionOptions {
  return {
    ca: pem(creds.caFile),
    ...(creds.cert === undefined ? {} : { cert: pem(creds.cert.certFile), key: pem(creds.cert.keyFile) }),
    ...extra,
  };
}

export type Outcome = 'served' | 'refused';

/**
 * Connects with TLS, sends PING and says whether PONG came back before the connection closed or
 * failed (a refused client certificate closes the connection after TLS 1.3's handshake, so the
 * handshake alone proves nothing). Gives up after timeoutMs with an error.
 */
export function probe(port: number, creds: ClientCreds, extra: ConnectionOptions = {}, timeoutMs = 10_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, ...tlsOptions(creds, extra) });
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no PONG and no close from 127.0.0.1:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    const settle = (outcome: Outcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.once('secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('+PONG\r\n')) settle('served');
    });
    socket.once('error', () => settle('refused'));
    socket.once('close', () => settle('refused'));
  });
}

/** The common name of the certificate a TLS listener serves now (a new handshake each call). */
export function servedCommonName(port: number, caFiles: readonly string[], cert?: CertFiles): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: caFiles.map((file) => pem(file)),
      ...(cert === undefined ? {} : { cert: pem(cert.certFile), key: pem(cert.keyFile) }),
    });
    socket.once('secureConnect', () => {
      const name = socket.getPeerCertificate().subject.CN;
      socket.destroy();
      resolve(String(name));
    });
    socket.once('error', reject);
  });
}

/** redis-cli over TLS against 127.0.0.1:port with the given credentials. */
export function redisCliTls(port: number, creds: ClientCreds, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const cert = creds.cert === undefined ? [] : ['--cert', creds.cert.certFile, '--key', creds.cert.keyFile];
  const run = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--tls', '--cacert', creds.caFile, ...cert, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The TCP ports a process listens on: its socket inodes matched against /proc/net/tcp{,6}'s LISTEN rows. */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match !== null) inodes.add(match[1]!);
    } catch {
      // The descriptor closed while the folder was read.
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // Fields: sl local_address rem_address st ... inode (the 10th); st 0A is LISTEN.
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) ports.add(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}
