// A TLS identity read from files — certificate, key, optional CA bundle — with Redis's knobs
// (tls-protocols, tls-ciphers, tls-ciphersuites), turned into a node:tls SecureContext. Both the
// client listener (server/) and the peer transport (runtime/peer/) are handed `current()`, never the
// files, so a reload (SIGHUP, CONFIG SET) swaps the context for new handshakes while established
// connections keep theirs. Errors name the file and what is wrong with it, never its contents.

import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type SecureContextOptions, type SecureVersion } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { CairnError } from '../lib/errors.js';

export interface TlsFileSettings {
  certFile: string;
  keyFile: string;
  /** The key file's passphrase (Redis's tls-key-file-pass). */
  keyFilePass?: string | undefined;
  /** CA bundle that signs the certificates this side accepts from the other side. */
  caCertFile?: string | undefined;
  /** Redis's tls-protocols: space-separated, e.g. "TLSv1.2 TLSv1.3". Default: both. */
  protocols?: string | undefined;
  /** OpenSSL cipher list for TLS 1.2 and below (Redis's tls-ciphers). */
  ciphers?: string | undefined;
  /** TLS 1.3 cipher suites (Redis's tls-ciphersuites). */
  ciphersuites?: string | undefined;
}

/** What a loaded identity offers to the sockets that use it. */
export interface TlsIdentity {
  /** The context for the next handshake. */
  current(): SecureContext;
  /** The protocol range; the context from current() enforces it too (a socket built from the context alone keeps to it). */
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  /** When this side's certificate stops being valid. */
  readonly certValidTo: Date;
}

const knownProtocols: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function readNamed(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new CairnError('CAIRN_TLS', `cannot read ${what} '${file}': ${code}`);
  }
}

/** Redis's tls-protocols value as Node's minVersion/maxVersion; a gap ("TLSv1 TLSv1.3") is refused. */
export function protocolRange(protocols: string | undefined): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  if (protocols === undefined || protocols.trim() === '') return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
  const named = protocols.trim().split(/\s+/).map((word) => {
    const found = knownProtocols.find((protocol) => protocol.toLowerCase() === word.toLowerCase());
    if (found === undefined) throw new CairnError('CAIRN_TLS', `tls-protocols: unknown protocol '${word.slice(0, 32)}'`);
    return knownProtocols.indexOf(found);
  }).sort((a, b) => a - b);
  const lowest = named[0] ?? 2;
  const highest = named[named.length - 1] ?? 3;
  if (highest - lowest + 1 !== new Set(named).size) throw new CairnError('CAIRN_TLS', `tls-protocols: '${protocols}' leaves a gap between versions`);
  return { minVersion: knownProtocols[lowest] ?? 'TLSv1.2', maxVersion: knownProtocols[highest] ?? 'TLSv1.3' };
}

function contextOptions(settings: TlsFileSettings, range: { minVersion: SecureVersion; maxVersion: SecureVersion }): { options: SecureContextOptions; validTo: Date } {
  const cert = readNamed(settings.certFile, 'certificate file');
  const key = readNamed(settings.keyFile, 'key file');
  const ca = settings.caCertFile === undefined ? undefined : readNamed(settings.caCertFile, 'CA certificate file');
  let validTo: Date;
  try {
    validTo = new Date(new X509Certificate(cert).validTo);
  } catch {
    throw new CairnError('CAIRN_TLS', `certificate file '${settings.certFile}' holds no PEM certificate`);
  }
  const ciphers = [settings.ciphersuites, settings.ciphers].filter((part) => part !== undefined && part !== '').join(':');
  const options: SecureContextOptions = { cert, key, ...range, ...(ca === undefined ? {} : { ca }), ...(ciphers === '' ? {} : { ciphers }) };
  if (settings.keyFilePass !== undefined) options.passphrase = settings.keyFilePass;
  return { options, validTo };
}

/** Reads the files and builds a context; throws CairnError naming the file that is missing or wrong. */
function build(settings: TlsFileSettings, range: { minVersion: SecureVersion; maxVersion: SecureVersion }): { context: SecureContext; validTo: Date } {
  const { options, validTo } = contextOptions(settings, range);
  try {
    return { context: createSecureContext(options), validTo };
  } catch (error) {
    // OpenSSL's messages ("key values mismatch", "bad decrypt") name no secret; keep only the reason.
    const reason = error instanceof Error ? error.message.split('\n')[0]?.slice(0, 200) ?? 'invalid' : 'invalid';
    throw new CairnError('CAIRN_TLS', `certificate '${settings.certFile}' with key '${settings.keyFile}': ${reason}`);
  }
}

/** A TLS identity loaded from files, reloadable without touching established connections. */
export class TlsFiles implements TlsIdentity {
  private range: { minVersion: SecureVersion; maxVersion: SecureVersion };
  private context: SecureContext;
  private validTo: Date;

  private constructor(private settings: TlsFileSettings) {
    this.range = protocolRange(settings.protocols);
    ({ context: this.context, validTo: this.validTo } = build(settings, this.range));
  }

  /** Loads the files now; throws CairnError (CAIRN_TLS) when they are unusable. */
  static load(settings: TlsFileSettings): TlsFiles {
    return new TlsFiles(settings);
  }

  current(): SecureContext {
    return this.context;
  }

  get minVersion(): SecureVersion {
    return this.range.minVersion;
  }

  get maxVersion(): SecureVersion {
    return this.range.maxVersion;
  }

  get certValidTo(): Date {
    return this.validTo;
  }

  /**
   * Reads the files again (with changed settings when given) and uses them for every handshake from
   * now on. On failure the old context stays in use and the error is returned, not thrown.
   */
  reload(settings: TlsFileSettings = this.settings): CairnError | undefined {
    try {
      const range = protocolRange(settings.protocols);
      const next = build(settings, range);
      this.range = range;
      this.context = next.context;
      this.validTo = next.validTo;
      this.settings = settings;
      return undefined;
    } catch (error) {
      if (error instanceof CairnError) return error;
      throw error;
    }
  }
}
