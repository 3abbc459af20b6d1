// The client TLS settings, with Redis's names (tls-port, tls-cert-file, tls-key-file,
// tls-key-file-pass, tls-ca-cert-file, tls-auth-clients, tls-protocols, tls-ciphers,
// tls-ciphersuites) and Cairn's handshake bound (cairn-tls-handshake-timeout-ms): their defaults,
// how CONFIG GET shows them and how CONFIG SET and the config file change them. Which settings name
// the files a reload reads, and the shape of those files for the identity that loads them, live here
// too; loading them is runtime/'s (runtime/tls-files.ts).

/** tls-auth-clients: a client certificate required (Redis's default), accepted when offered, or not asked for. */
export type TlsAuthClients = 'yes' | 'optional' | 'no';

export interface ClientTlsSettings {
  /** Where TLS clients connect; 0 = no TLS listener (Redis's default). */
  readonly port: number;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly keyFilePass: string | undefined;
  /** The CA bundle client certificates must chain to. */
  readonly caCertFile: string | undefined;
  readonly authClients: TlsAuthClients;
  readonly protocols: string | undefined;
  readonly ciphers: string | undefined;
  readonly ciphersuites: string | undefined;
  /** A connection that has not finished its handshake this long after connecting is closed. */
  readonly handshakeTimeoutMs: number;
}

/** What an identity loader reads (runtime/tls-files.ts's TlsFileSettings, structurally). */
export interface TlsFileNames {
  certFile: string;
  keyFile: string;
  keyFilePass?: string | undefined;
  caCertFile?: string | undefined;
  protocols?: string | undefined;
  ciphers?: string | undefined;
  ciphersuites?: string | undefined;
}

export function defaultClientTls(): ClientTlsSettings {
  return {
    port: 0,
    certFile: undefined,
    keyFile: undefined,
    keyFilePass: undefined,
    caCertFile: undefined,
    authClients: 'yes',
    protocols: undefined,
    ciphers: undefined,
    ciphersuites: undefined,
    handshakeTimeoutMs: 10_000,
  };
}

/** The settings a reload reads again when CONFIG SET names one of them (as Redis re-applies its TLS configuration). */
export const TLS_RELOADED_BY = ['tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-ca-cert-file', 'tls-protocols', 'tls-ciphers', 'tls-ciphersuites'] as const;

/** The files and knobs of the identity, or the reason they are not enough to serve TLS. */
export function tlsFileNames(tls: ClientTlsSettings): TlsFileNames | string {
  if (tls.certFile === undefined) return 'tls-cert-file is not set';
  if (tls.keyFile === undefined) return 'tls-key-file is not set';
  return {
    certFile: tls.certFile,
    keyFile: tls.keyFile,
    keyFilePass: tls.keyFilePass,
    caCertFile: tls.caCertFile,
    protocols: tls.protocols,
    ciphers: tls.ciphers,
    ciphersuites: tls.ciphersuites,
  };
}

/** One tls-* setting as config.ts's table wants it: get, live set (or none), load from the config file. */
export interface TlsParameter {
  readonly name: string;
  get(tls: ClientTlsSettings): string;
  /** Returns the changed settings, or the error text after Redis's "CONFIG SET failed ... - ". */
  readonly change: (tls: ClientTlsSettings, value: string) => ClientTlsSettings | string;
  /** False for the port: fixed once the server listens (Cairn's `port` is fixed too). */
  readonly live: boolean;
}

const authValues: readonly TlsAuthClients[] = ['no', 'yes', 'optional'];

/** A file name or cipher list; '' clears it, as Redis's empty string does. */
function text(name: string, key: 'certFile' | 'keyFile' | 'caCertFile' | 'protocols' | 'ciphers' | 'ciphersuites'): TlsParameter {
  return {
    name,
    get: (tls) => tls[key] ?? '',
    change: (tls, value) => ({ ...tls, [key]: value === '' ? undefined : value }),
    live: true,
  };
}

function wholeNumber(value: string, min: number, max: number, apply: (n: number) => ClientTlsSettings): ClientTlsSettings | string {
  if (!/^\d{1,15}$/.test(value)) return "argument couldn't be parsed into an integer";
  const parsed = Number(value);
  if (parsed < min || parsed > max) return `argument must be between ${min} and ${max} inclusive`;
  return apply(parsed);
}

export const TLS_PARAMETERS: readonly TlsParameter[] = [
  { name: 'tls-port', get: (tls) => String(tls.port), change: (tls, v) => wholeNumber(v, 0, 65_535, (port) => ({ ...tls, port })), live: false },
  text('tls-cert-file', 'certFile'),
  text('tls-key-file', 'keyFile'),
  {
    // A passphrase is never shown (CONFIG GET answers ''), unlike Redis: no secret leaves the node.
    name: 'tls-key-file-pass',
    get: () => '',
    change: (tls, value) => ({ ...tls, keyFilePass: value === '' ? undefined : value }),
    live: true,
  },
  text('tls-ca-cert-file', 'caCertFile'),
  {
    name: 'tls-auth-clients',
    get: (tls) => tls.authClients,
    change: (tls, value) => {
      const authClients = authValues.find((a) => a === value.toLowerCase());
      return authClients === undefined ? `argument(s) must be one of the following: ${authValues.join(', ')}` : { ...tls, authClients };
    },
    live: true,
  },
  text('tls-protocols', 'protocols'),
  text('tls-ciphers', 'ciphers'),
  text('tls-ciphersuites', 'ciphersuites'),
  {
    name: 'cairn-tls-handshake-timeout-ms',
    get: (tls) => String(tls.handshakeTimeoutMs),
    change: (tls, v) => wholeNumber(v, 1, 3_600_000, (handshakeTimeoutMs) => ({ ...tls, handshakeTimeoutMs })),
    live: false,
  },
];

/** The flag names `cairn server` takes for these settings (each the setting's own name). */
export const TLS_FLAGS = TLS_PARAMETERS.map((p) => p.name).filter((name) => name.startsWith('tls-'));
