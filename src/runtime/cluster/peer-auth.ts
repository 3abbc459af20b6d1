// How a node's peer links prove who is on the other end (issue #15): the peer TLS flags (etcd's
// names: --peer-cert-file, --peer-key-file, --peer-trusted-ca-file; the node's tls-protocols,
// tls-ciphers and tls-ciphersuites bound peer handshakes as they bound clients', as Redis's bound
// its every TLS link) and the cluster secret
// (--cluster-secret, or --cluster-secret-file so it stays out of `ps`), checked, loaded into the
// transport's PeerSecurity, and re-read on SIGHUP: new handshakes use the new files, established
// links are not touched, and a bad file leaves the old identity in use. Error texts name files,
// never their contents; the secret is never logged.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { CairnError } from '../../lib/errors.js';
import type { PeerSecurity } from '../peer/secure.js';
import { TlsFiles, type TlsFileSettings } from '../tls-files.js';
import { configEntries } from '../../server/config.js';
import type { ClientTlsSettings } from '../../server/tls-settings.js';
import type { ClusterLog } from './log.js';

export interface PeerAuthFlags {
  peerCertFile?: string | undefined;
  peerKeyFile?: string | undefined;
  peerTrustedCaFile?: string | undefined;
  clusterSecret?: string | undefined;
  clusterSecretFile?: string | undefined;
}

export interface PeerAuthSettings {
  /** Mutual TLS on peer links, or null. */
  readonly tls: TlsFileSettings | null;
  /** Where the cluster secret comes from, or null for none. */
  readonly secret: { readonly text: string } | { readonly file: string } | null;
}

const configKeys: Readonly<Record<string, keyof PeerAuthFlags>> = {
  'peer-cert-file': 'peerCertFile',
  'peer-key-file': 'peerKeyFile',
  'peer-trusted-ca-file': 'peerTrustedCaFile',
  'cluster-secret': 'clusterSecret',
  'cluster-secret-file': 'clusterSecretFile',
};

/** The flags, each falling back to its config-file key (`peer-cert-file /etc/cairn/n1.crt`). */
export function withConfigFile(flags: PeerAuthFlags, configText: string | undefined): PeerAuthFlags {
  if (configText === undefined) return flags;
  const merged: PeerAuthFlags = {};
  for (const { name, value } of configEntries(configText)) {
    const key = configKeys[name.toLowerCase()];
    if (key !== undefined) merged[key] = value;
  }
  for (const key of Object.values(configKeys)) if (flags[key] !== undefined) merged[key] = flags[key];
  return merged;
}

function bad(message: string): CairnError {
  return new CairnError('CAIRN_INVALID_ARGUMENT', message);
}

/** Checks the flags: the three TLS files come together, and one source of secret at most. */
export function peerAuthSettings(flags: PeerAuthFlags): PeerAuthSettings {
  const files = [flags.peerCertFile, flags.peerKeyFile, flags.peerTrustedCaFile];
  const given = files.filter((file) => file !== undefined).length;
  if (given !== 0 && given !== 3) throw bad('--peer-cert-file, --peer-key-file and --peer-trusted-ca-file: give all three for peer TLS, or none');
  if (flags.clusterSecret !== undefined && flags.clusterSecretFile !== undefined) throw bad('--cluster-secret and --cluster-secret-file: give one');
  if (flags.clusterSecret === '') throw bad('--cluster-secret: the secret is empty');
  const tls = flags.peerCertFile !== undefined && flags.peerKeyFile !== undefined && flags.peerTrustedCaFile !== undefined
    ? { certFile: flags.peerCertFile, keyFile: flags.peerKeyFile, caCertFile: flags.peerTrustedCaFile }
    : null;
  const secret = flags.clusterSecret !== undefined ? { text: flags.clusterSecret } : flags.clusterSecretFile !== undefined ? { file: flags.clusterSecretFile } : null;
  return { tls, secret };
}

/**
 * With peer TLS, a dialler sends the member id it dials as the TLS server name (SNI) and accepts
 * only a certificate that names it: an IP address can be neither (TLS forbids it as a server name,
 * and the certificate check reads DNS names), so a member whose id is one could never be reached.
 * Refused at start, naming the id.
 */
export function refuseAddressIds(settings: PeerAuthSettings, memberIds: Iterable<string>): void {
  if (settings.tls === null) return;
  for (const id of memberIds) {
    if (isIP(id) === 0) continue;
    throw bad(`member id '${id}' is an IP address, which peer TLS cannot use: a member id is sent as the TLS server name and must be a DNS name of its certificate; give the members names (--id n1 --peers n1=${id}:port,...)`);
  }
}

/** The secret file's bytes without a trailing newline; CAIRN_INVALID_ARGUMENT naming the file when unusable. */
function readSecretFile(file: string): Buffer {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (error) {
    throw bad(`--cluster-secret-file: cannot read '${file}': ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  let end = text.length;
  while (end > 0 && (text[end - 1] === 0x0a || text[end - 1] === 0x0d)) end--;
  if (end === 0) throw bad(`--cluster-secret-file: '${file}' is empty`);
  return text.subarray(0, end);
}

/** The TLS settings every link of a node keeps to, peer links included: Redis's tls-protocols, tls-ciphers, tls-ciphersuites. */
export type TlsKnobs = Pick<TlsFileSettings, 'protocols' | 'ciphers' | 'ciphersuites'>;

export function tlsKnobs(tls: ClientTlsSettings): TlsKnobs {
  return { protocols: tls.protocols, ciphers: tls.ciphers, ciphersuites: tls.ciphersuites };
}

/** A node's loaded peer identity: what the transport uses, and the SIGHUP reload. */
export class PeerAuth {
  private secretBytes: Buffer | null;
  private readonly tls: TlsFiles | null;
  readonly security: PeerSecurity;

  /** Loads the files now, with the node's TLS knobs; throws CairnError (CAIRN_TLS, CAIRN_INVALID_ARGUMENT) naming what is wrong. */
  constructor(private readonly settings: PeerAuthSettings, knobs: TlsKnobs = {}) {
    this.tls = settings.tls === null ? null : TlsFiles.load({ ...settings.tls, ...knobs });
    this.secretBytes = settings.secret === null ? null : 'text' in settings.secret ? Buffer.from(settings.secret.text, 'utf8') : readSecretFile(settings.secret.file);
    this.security = {
      ...(this.tls === null ? {} : { tls: this.tls }),
      ...(this.secretBytes === null ? {} : { secret: () => this.secretBytes }),
    };
  }

  /** Says at start how peers are authenticated; at warn level when they are not. */
  describe(log: ClusterLog): void {
    if (this.tls === null && this.secretBytes === null) {
      log('peer.unauthenticated', { level: 'warn', message: 'peer links are neither TLS nor proven by a cluster secret: anyone who reaches the peer port can speak Raft to this node (give --peer-cert-file/--peer-key-file/--peer-trusted-ca-file or --cluster-secret-file)' });
      return;
    }
    log('peer.authentication', { tls: this.tls !== null, clusterSecret: this.secretBytes !== null, ...(this.tls === null ? {} : { certValidTo: this.tls.certValidTo.toISOString() }) });
  }

  /**
   * Re-reads the TLS files (with the node's knobs now) and the secret file. Each that fails keeps its old value and its error
   * is returned (and logged); new handshakes use whatever loaded, established links keep going.
   */
  reload(log: ClusterLog, knobs: TlsKnobs = {}): CairnError[] {
    const errors: CairnError[] = [];
    const tlsError = this.settings.tls === null ? undefined : this.tls?.reload({ ...this.settings.tls, ...knobs });
    if (tlsError !== undefined) errors.push(tlsError);
    const source = this.settings.secret;
    if (source !== null && 'file' in source) {
      try {
        this.secretBytes = readSecretFile(source.file);
      } catch (error) {
        if (!(error instanceof CairnError)) throw error;
        errors.push(error);
      }
    }
    for (const error of errors) log('peer.reload_failed', { level: 'warn', error: error.message });
    if (errors.length === 0) log('peer.reloaded', { tls: this.tls !== null, clusterSecret: this.secretBytes !== null, ...(this.tls === null ? {} : { certValidTo: this.tls.certValidTo.toISOString() }) });
    return errors;
  }
}
