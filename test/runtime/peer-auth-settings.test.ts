// The node's peer authentication settings (runtime/cluster/peer-auth.ts): the flag checks, the
// config-file fallback, the secret file's reading and reload (a bad file keeps the old secret), and
// the warning of a node whose peer links have neither TLS nor a secret — never the secret itself;
// with peer TLS, member ids that are IP addresses are refused at start (flags and a real process).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCairnError } from '../../src/lib/errors.js';
import { PeerAuth, peerAuthSettings, withConfigFile } from '../../src/runtime/cluster/peer-auth.js';
import { clusterSettings } from '../../src/runtime/cluster/options.js';
import { makeCertAuthority } from '../support/certs.js';

function refused(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => isCairnError(error, 'CAIRN_INVALID_ARGUMENT') && pattern.test(error.message));
}

test('the flags: TLS files come in threes, one source of secret, no empty secret', () => {
  refused(() => peerAuthSettings({ peerCertFile: 'a.crt', peerKeyFile: 'a.key' }), /give all three/);
  refused(() => peerAuthSettings({ clusterSecret: 'x', clusterSecretFile: 'f' }), /give one/);
  refused(() => peerAuthSettings({ clusterSecret: '' }), /empty/);
  assert.deepEqual(peerAuthSettings({}), { tls: null, secret: null });
  assert.deepEqual(peerAuthSettings({ peerCertFile: 'a.crt', peerKeyFile: 'a.key', peerTrustedCaFile: 'ca.crt', clusterSecretFile: 'f' }), {
    tls: { certFile: 'a.crt', keyFile: 'a.key', caCertFile: 'ca.crt' },
    secret: { file: 'f' },
  });
});

test('config-file keys fill in what the flags leave out; flags win', () => {
  const text = '# peers\npeer-cert-file /etc/n1.crt\nCLUSTER-SECRET-FILE "/etc/secret"\nport 7001\n';
  assert.deepEqual(withConfigFile({ peerCertFile: '/flag.crt' }, text), { peerCertFile: '/flag.crt', clusterSecretFile: '/etc/secret' });
  assert.deepEqual(withConfigFile({ clusterSecret: 's' }, undefined), { clusterSecret: 's' });
});

test('the secret file: a trailing newline is not part of it, reload keeps the old secret when the file goes bad, nothing logs it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-peer-auth-'));
  try {
    const file = join(dir, 'secret');
    writeFileSync(file, 'first-secret\n');
    const logs: string[] = [];
    const log = (event: string, fields: object): void => void logs.push(JSON.stringify({ event, ...fields }));
    const auth = new PeerAuth(peerAuthSettings({ clusterSecretFile: file }));
    assert.equal(Buffer.from(auth.security.secret?.() ?? []).toString(), 'first-secret');
    writeFileSync(file, 'second-secret\r\n');
    assert.deepEqual(auth.reload(log), []);
    assert.equal(Buffer.from(auth.security.secret?.() ?? []).toString(), 'second-secret');
    writeFileSync(file, '\n');
    const errors = auth.reload(log);
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /is empty/);
    assert.equal(Buffer.from(auth.security.secret?.() ?? []).toString(), 'second-secret', 'the old secret stays in use');
    rmSync(file);
    assert.match(auth.reload(log)[0]?.message ?? '', /cannot read .*secret': ENOENT/);
    auth.describe(log);
    assert.ok(logs.some((l) => l.includes('"event":"peer.reload_failed"') && l.includes('"level":"warn"')));
    assert.ok(logs.every((l) => !l.includes('first-secret') && !l.includes('second-secret')), 'no log line holds a secret');
    refused(() => new PeerAuth(peerAuthSettings({ clusterSecretFile: file })), /cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a node with neither TLS nor a secret says so at warn level', () => {
  const logs: { event: string; fields: Record<string, unknown> }[] = [];
  new PeerAuth(peerAuthSettings({})).describe((event, fields) => logs.push({ event, fields: fields as Record<string, unknown> }));
  assert.equal(logs[0]?.event, 'peer.unauthenticated');
  assert.equal(logs[0]?.fields.level, 'warn');
  const secured: string[] = [];
  new PeerAuth(peerAuthSettings({ clusterSecret: 'x' })).describe((event) => void secured.push(event));
  assert.deepEqual(secured, ['peer.authentication']);
});

const peerTls = { peerCertFile: 'n.crt', peerKeyFile: 'n.key', peerTrustedCaFile: 'ca.crt' };

test('with peer TLS, a member id that is an IP address is refused (it would be the TLS server name); without, it is allowed', () => {
  for (const [id, peers] of [['10.0.0.1', '10.0.0.1=10.0.0.1:7001,n2=10.0.0.2:7001'], ['n1', 'n1=10.0.0.1:7001,::1=10.0.0.2:7001'], ['192.168.1.9', undefined]] as const) {
    refused(() => clusterSettings({ id, peers, peerPort: '7001', ...peerTls }, '127.0.0.1', 6379), /member id '(10\.0\.0\.1|::1|192\.168\.1\.9)' is an IP address, which peer TLS cannot use/);
    assert.equal(clusterSettings({ id, peers, peerPort: '7001' }, '127.0.0.1', 6379).id, id, 'without peer TLS an address is a valid id');
  }
  assert.equal(clusterSettings({ id: 'n1', peers: 'n1=10.0.0.1:7001,db-2.example=10.0.0.2:7001', ...peerTls }, '127.0.0.1', 6379).peerAuth.tls?.certFile, 'n.crt');
});

test('a node started with peer TLS and an IP address for its id does not start, and says why', () => {
  const ca = makeCertAuthority('ip-id-ca');
  const dir = mkdtempSync(join(tmpdir(), 'cairn-ip-id-'));
  try {
    const leaf = ca.issue('127.0.0.1');
    const args = ['--id', '127.0.0.1', '--peers', '127.0.0.1=127.0.0.1:1,n2=127.0.0.1:2', '--port', '1', '--dir', dir,
      '--peer-cert-file', leaf.certFile, '--peer-key-file', leaf.keyFile, '--peer-trusted-ca-file', ca.certFile];
    const root = new URL('../../', import.meta.url).pathname;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/cluster/fixtures/run-node.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(run.status, 0, 'the node exits with a failure');
    assert.equal(run.signal, null, 'it exits by itself, before serving');
    assert.match(run.stderr, /member id '127\.0\.0\.1' is an IP address, which peer TLS cannot use/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    ca.remove();
  }
});
