// The client TLS identity of a node: with a tls-port, the certificate, key and CA named by the
// tls-* settings are loaded once at start (a node whose files are missing or wrong does not start)
// and handed to the server, which reloads them on SIGHUP and CONFIG SET; every reload is logged,
// naming the files and the reason when they were refused, never their contents or the passphrase.
// Connections refused before they became clients are logged too, as many as the log budget lets.

import { CairnError } from '../../lib/errors.js';
import type { ClientTlsSettings } from '../../server/tls-settings.js';
import { tlsFileNames } from '../../server/tls-settings.js';
import type { ServerOptions } from '../../server/server.js';
import { TlsFiles } from '../tls-files.js';
import type { ClusterLog } from './log.js';

/** The server options that give it its TLS identity, or none without a tls-port. */
export function clientTlsOptions(tls: ClientTlsSettings, log: ClusterLog): Pick<ServerOptions, 'tls' | 'tlsReloaded' | 'tlsRefused'> {
  if (tls.port === 0) return {};
  const files = tlsFileNames(tls);
  if (typeof files === 'string') throw new CairnError('CAIRN_TLS', `tls-port ${tls.port}: ${files}`);
  const identity = TlsFiles.load(files);
  log('tls.loaded', { port: tls.port, certFile: files.certFile, validTo: identity.certValidTo.toISOString() });
  return {
    tls: identity,
    tlsReloaded: (problem) => {
      if (problem === undefined) log('tls.reloaded', { validTo: identity.certValidTo.toISOString() });
      else log('tls.reload_failed', { reason: problem, kept: 'the certificate in use before' });
    },
    // Redis logs these at verbose level; INFO's cairn_tls_handshake_failures counts every one.
    tlsRefused: ({ remote, reason, suppressed }) => log('tls.client_refused', { remote, reason, ...(suppressed === 0 ? {} : { notLoggedBefore: suppressed }) }),
  };
}
