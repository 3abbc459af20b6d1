// Certificate rotation without downtime: new certificate files are picked up on SIGHUP and on
// CONFIG SET of a tls-* file setting, for every new handshake, while a client connected before keeps
// its very connection (same CLIENT ID, never closed); files that are missing, garbage or do not
// match leave the old certificate serving, and say why (the log, CONFIG SET's error) without
// naming any key material or passphrase.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pem, type CertFiles } from '../support/certs.js';
import { freePort, startCairn, waitFor, type RunningProcess } from './helpers.js';
import { makeTlsCerts, redisCliTls, servedCommonName, type TlsCerts } from './tls-helpers.js';

let certs: TlsCerts;
let node: RunningProcess;
let port: number;
let live: CertFiles;
let client: Redis;
let clientCloses = 0;
const passphrase = 'hunter2-rotation';

before(async () => {
  certs = makeTlsCerts();
  live = { certFile: join(certs.ca.dir, 'live.crt'), keyFile: join(certs.ca.dir, 'live.key') };
  installAsLive(certs.ca.issue('first'));
  port = await freePort();
  node = await startCairn(['--tls-port', String(port), '--tls-cert-file', live.certFile, '--tls-key-file', live.keyFile, '--tls-ca-cert-file', certs.ca.certFile]);
  client = new Redis({ host: '127.0.0.1', port, tls: { ca: pem(certs.ca.certFile), cert: pem(certs.client.certFile), key: pem(certs.client.keyFile) }, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('close', () => clientCloses++);
  await client.connect();
});
after(async () => {
  client?.disconnect();
  await node?.cleanup();
  certs?.remove();
});

function installAsLive(files: CertFiles): void {
  copyFileSync(files.certFile, live.certFile);
  copyFileSync(files.keyFile, live.keyFile);
}

function served(): Promise<string> {
  return servedCommonName(port, [certs.ca.certFile], certs.client);
}

function logged(event: string): number {
  return node.output().split('\n').filter((line) => line.includes(`"event":"${event}"`)).length;
}

const admin = (): { caFile: string; cert: CertFiles } => ({ caFile: certs.ca.certFile, cert: certs.client });

test('SIGHUP serves the rotated files to new handshakes; the connected client keeps its connection', async () => {
  const id = await client.client('ID');
  assert.equal(await served(), 'first');
  installAsLive(certs.ca.issue('second'));
  assert.equal(await served(), 'first', 'nothing changes before the signal');
  node.proc.kill('SIGHUP');
  await waitFor('the reload to be logged', () => (logged('tls.reloaded') === 1 ? true : undefined));
  assert.equal(await served(), 'second');
  assert.equal(await client.set('after-rotation', '1'), 'OK');
  assert.equal(await client.client('ID'), id);
  assert.equal(clientCloses, 0);
});

test('SIGHUP with a garbage certificate file keeps the old certificate and logs why, naming the file only', async () => {
  const id = await client.client('ID');
  writeFileSync(live.certFile, 'not a certificate\n');
  node.proc.kill('SIGHUP');
  await waitFor('the refusal to be logged', () => (logged('tls.reload_failed') === 1 ? true : undefined));
  const line = node.output().split('\n').find((l) => l.includes('"event":"tls.reload_failed"'))!;
  assert.match(line, /live\.crt/);
  assert.doesNotMatch(line, /BEGIN|PRIVATE/);
  assert.equal(await served(), 'second');
  assert.equal(await client.get('after-rotation'), '1');
  assert.equal(await client.client('ID'), id);
});

test('CONFIG SET tls-cert-file and tls-key-file switch files at once; a missing or mismatched file is refused and changes nothing', async () => {
  const id = await client.client('ID');
  const third = certs.ca.issue('third');
  assert.equal(redisCliTls(port, admin(), ['CONFIG', 'SET', 'tls-cert-file', third.certFile, 'tls-key-file', third.keyFile]).stdout.trim(), 'OK');
  assert.equal(await served(), 'third');
  const missing = redisCliTls(port, admin(), ['CONFIG', 'SET', 'tls-cert-file', '/nonexistent/cairn.crt']).stdout.trim();
  assert.equal(missing, "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration: cannot read certificate file '/nonexistent/cairn.crt': ENOENT");
  const mismatch = redisCliTls(port, admin(), ['CONFIG', 'SET', 'tls-key-file', certs.server.keyFile]).stdout.trim();
  assert.match(mismatch, /^ERR CONFIG SET failed \(possibly related to argument 'tls-key-file'\) - Unable to update TLS configuration: certificate '.*' with key '.*'/);
  assert.deepEqual(redisCliTls(port, admin(), ['CONFIG', 'GET', 'tls-cert-file']).stdout.trim().split('\n'), ['tls-cert-file', third.certFile]);
  assert.equal(await served(), 'third');
  assert.equal(await client.client('ID'), id);
  assert.equal(clientCloses, 0);
});

test('an encrypted key loads with tls-key-file-pass; the passphrase is never shown or logged', async () => {
  const fourth = certs.ca.issue('fourth');
  const encrypted = join(certs.ca.dir, 'fourth-encrypted.key');
  execFileSync('openssl', ['pkey', '-in', fourth.keyFile, '-aes256', '-passout', `pass:${passphrase}`, '-out', encrypted]);
  const wrong = redisCliTls(port, admin(), ['CONFIG', 'SET', 'tls-cert-file', fourth.certFile, 'tls-key-file', encrypted, 'tls-key-file-pass', 'not-it']).stdout;
  assert.match(wrong, /Unable to update TLS configuration/);
  assert.doesNotMatch(wrong, /not-it/);
  assert.equal(await served(), 'third');
  const right = redisCliTls(port, admin(), ['CONFIG', 'SET', 'tls-cert-file', fourth.certFile, 'tls-key-file', encrypted, 'tls-key-file-pass', passphrase]).stdout.trim();
  assert.equal(right, 'OK');
  assert.equal(await served(), 'fourth');
  assert.deepEqual(redisCliTls(port, admin(), ['CONFIG', 'GET', 'tls-key-file-pass']).stdout.split('\n').slice(0, 2), ['tls-key-file-pass', '']);
  // SIGHUP re-reads the encrypted key with the passphrase kept in the settings.
  const reloads = logged('tls.reloaded');
  node.proc.kill('SIGHUP');
  await waitFor('the reload to be logged', () => (logged('tls.reloaded') === reloads + 1 ? true : undefined));
  assert.equal(await served(), 'fourth');
  assert.doesNotMatch(node.output(), new RegExp(passphrase));
  assert.doesNotMatch(node.output(), /not-it/);
  assert.equal(clientCloses, 0);
});
