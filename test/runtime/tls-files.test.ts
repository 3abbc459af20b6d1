// TlsFiles: loads a certificate, key and CA into a SecureContext, maps Redis's tls-protocols, names
// the file that is wrong without its contents, and on reload keeps the old context when the new
// files are unusable.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, connect } from 'node:tls';
import { once } from 'node:events';
import { CairnError } from '../../src/lib/errors.js';
import { protocolRange, TlsFiles } from '../../src/runtime/tls-files.js';
import { makeCertAuthority, pem } from '../support/certs.js';

const ca = makeCertAuthority();
after(() => ca.remove());

async function servedCommonName(files: TlsFiles): Promise<string> {
  const server = createServer({ SNICallback: (_name, done) => done(null, files.current()), minVersion: files.minVersion, maxVersion: files.maxVersion });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  const socket = connect({ host: '127.0.0.1', port: address.port, servername: 'localhost', ca: pem(ca.certFile) });
  try {
    await once(socket, 'secureConnect');
    const subject = socket.getPeerCertificate().subject;
    return String(subject.CN);
  } finally {
    socket.destroy();
    server.close();
  }
}

describe('TlsFiles', () => {
  it('serves the certificate it loaded, and the reloaded one after reload', async () => {
    const first = ca.issue('n1');
    const second = ca.issue('n2');
    const files = TlsFiles.load({ ...first, caCertFile: ca.certFile });
    assert.equal(await servedCommonName(files), 'n1');
    assert.equal(files.reload({ ...second, caCertFile: ca.certFile }), undefined);
    assert.equal(await servedCommonName(files), 'n2');
  });

  it('keeps the old context when the new files are unusable, and names the file', async () => {
    const good = ca.issue('n3');
    const files = TlsFiles.load(good);
    const garbage = join(ca.dir, 'garbage.crt');
    writeFileSync(garbage, 'not a certificate');
    const failed = files.reload({ certFile: garbage, keyFile: good.keyFile });
    assert.ok(failed instanceof CairnError);
    assert.match(failed.message, /garbage\.crt/);
    assert.equal(await servedCommonName(files), 'n3');
    const missing = files.reload({ certFile: join(ca.dir, 'absent.crt'), keyFile: good.keyFile });
    assert.match(String(missing?.message), /cannot read certificate file .*absent\.crt.*ENOENT/);
  });

  it('refuses a key that does not match the certificate, without printing the key', () => {
    const one = ca.issue('a');
    const other = ca.issue('b');
    assert.throws(() => TlsFiles.load({ certFile: one.certFile, keyFile: other.keyFile }), (error: unknown) => {
      assert.ok(error instanceof CairnError);
      assert.doesNotMatch(error.message, /PRIVATE KEY/);
      return true;
    });
  });

  it("maps Redis's tls-protocols to a version range", () => {
    assert.deepEqual(protocolRange(undefined), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    assert.deepEqual(protocolRange('TLSv1.3'), { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    assert.deepEqual(protocolRange('tlsv1.3 TLSv1.2'), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    assert.throws(() => protocolRange('TLSv1.1 TLSv1.3'), /gap/);
    assert.throws(() => protocolRange('SSLv3'), /unknown protocol 'SSLv3'/);
  });
});
