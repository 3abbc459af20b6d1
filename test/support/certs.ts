// Test certificates made with the system's openssl: a certificate authority and leaf certificates it
// signs, written to a temporary folder the caller removes. A leaf names its subject in the common
// name and in subjectAltName (DNS:<name>, DNS:localhost, IP:127.0.0.1), so a node's certificate
// carries its member id and still verifies for a client connecting to 127.0.0.1 or localhost.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  certFile: string;
  keyFile: string;
}

export interface CertAuthority extends CertFiles {
  dir: string;
  /** Signs a leaf certificate for name (a member id, a user); its files land in this authority's folder. */
  issue(name: string, options?: { days?: number; clientOnly?: boolean }): CertFiles;
  /** Removes the folder with every file this authority wrote. */
  remove(): void;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A new certificate authority named name in a fresh temporary folder (or in dir when given). */
export function makeCertAuthority(name = 'cairn-test-ca', dir?: string): CertAuthority {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'cairn-certs-'));
  const caKey = join(folder, `${name}.key`);
  const caCert = join(folder, `${name}.crt`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', caKey, '-out', caCert, '-days', '30', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  let serial = 0;
  return {
    dir: folder,
    certFile: caCert,
    keyFile: caKey,
    issue(leaf, options = {}): CertFiles {
      serial += 1;
      const stem = join(folder, `${leaf}-${serial}`);
      const extFile = `${stem}.ext`;
      const usage = options.clientOnly === true ? 'clientAuth' : 'serverAuth,clientAuth';
      writeFileSync(extFile, [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${usage}`,
        `subjectAltName=DNS:${leaf},DNS:localhost,IP:127.0.0.1`,
        '',
      ].join('\n'));
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', `${stem}.key`, '-out', `${stem}.csr`, '-subj', `/CN=${leaf}`]);
      openssl(['x509', '-req', '-in', `${stem}.csr`, '-CA', caCert, '-CAkey', caKey, '-set_serial', String(serial + 1000),
        '-days', String(options.days ?? 30), '-extfile', extFile, '-out', `${stem}.crt`]);
      return { certFile: `${stem}.crt`, keyFile: `${stem}.key` };
    },
    remove(): void {
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** The PEM text of a file, for clients that take certificates as strings. */
export function pem(file: string): string {
  return readFileSync(file, 'utf8');
}
