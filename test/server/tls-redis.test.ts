// Client TLS against redis-server 7.0 as the oracle: both serve only TLS with the same certificate and
// CA; for each tls-auth-clients mode and each client (a certificate of the CA, none, one of another
// CA) both must serve or refuse alike, and the CONFIG replies for the tls-* settings Redis defines
// the same way (its error for a bad tls-auth-clients, CONFIG GET's values) are byte for byte equal.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, haveRedis, startCairn, waitFor, type RunningProcess } from './helpers.js';
import { makeTlsCerts, probe, redisCliTls, tlsFlags, type ClientCreds, type TlsCerts } from './tls-helpers.js';

let certs: TlsCerts;
let cairn: RunningProcess | undefined;
let redis: ChildProcess | undefined;
let redisDir: string | undefined;
const ports = { cairn: 0, redis: 0 };

before(async () => {
  if (!haveRedis) return;
  certs = makeTlsCerts();
  [ports.cairn, ports.redis] = [await freePort(), await freePort()];
  cairn = await startCairn(tlsFlags(certs, ports.cairn));
  redisDir = mkdtempSync(join(tmpdir(), 'cairn-redis-tls-'));
  redis = spawn('redis-server', ['--port', '0', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir, ...tlsFlags(certs, ports.redis)], { stdio: 'ignore' });
  const good = { caFile: certs.ca.certFile, cert: certs.client };
  await waitFor('redis-server to serve TLS', async () => ((await probe(ports.redis, good).catch(() => 'refused')) === 'served' ? true : undefined), 10_000);
});
after(async () => {
  await cairn?.cleanup();
  if (redis !== undefined && redis.exitCode === null) {
    const exited = new Promise((resolve) => redis!.once('exit', resolve));
    redis.kill('SIGKILL');
    await exited;
  }
  if (redisDir !== undefined) rmSync(redisDir, { recursive: true, force: true });
  certs?.remove();
});

function both(creds: ClientCreds, args: readonly string[]): { cairn: string; redis: string } {
  return { cairn: redisCliTls(ports.cairn, creds, args).stdout, redis: redisCliTls(ports.redis, creds, args).stdout };
}

test('each tls-auth-clients mode serves and refuses the same clients as redis-server', { skip: !haveRedis }, async () => {
  const admin = { caFile: certs.ca.certFile, cert: certs.client };
  const clients: [string, ClientCreds][] = [
    ['a certificate of the CA', admin],
    ['no certificate', { caFile: certs.ca.certFile }],
    ['a certificate of another CA', { caFile: certs.ca.certFile, cert: certs.strangerClient }],
  ];
  const seen: string[] = [];
  try {
    for (const mode of ['yes', 'optional', 'no']) {
      const set = both(admin, ['CONFIG', 'SET', 'tls-auth-clients', mode]);
      assert.deepEqual(set, { cairn: 'OK\n', redis: 'OK\n' });
      for (const [name, creds] of clients) {
        const outcome = { cairn: await probe(ports.cairn, creds), redis: await probe(ports.redis, creds) };
        assert.equal(outcome.cairn, outcome.redis, `tls-auth-clients ${mode}, ${name}`);
        seen.push(`${mode}/${name}: ${outcome.redis}`);
      }
    }
  } finally {
    both(admin, ['CONFIG', 'SET', 'tls-auth-clients', 'yes']);
  }
  // The matrix is not trivially one-sided: Redis itself both serves and refuses in it.
  assert.ok(seen.some((s) => s.endsWith('served')) && seen.some((s) => s.endsWith('refused')), seen.join('; '));
});

test('CONFIG GET and CONFIG SET of the tls-* settings answer as redis-server', { skip: !haveRedis }, () => {
  const admin = { caFile: certs.ca.certFile, cert: certs.client };
  for (const name of ['tls-auth-clients', 'tls-cert-file', 'tls-key-file', 'tls-ca-cert-file', 'tls-protocols', 'tls-ciphers', 'tls-ciphersuites', 'tls-key-file-pass', 'port']) {
    const got = both(admin, ['CONFIG', 'GET', name]);
    assert.equal(got.cairn, got.redis, `CONFIG GET ${name}`);
  }
  const bad = both(admin, ['CONFIG', 'SET', 'tls-auth-clients', 'sometimes']);
  assert.equal(bad.cairn, bad.redis);
  const upper = both(admin, ['CONFIG', 'SET', 'tls-auth-clients', 'OPTIONAL']);
  assert.equal(upper.cairn, upper.redis);
  const after = both(admin, ['CONFIG', 'GET', 'tls-auth-clients']);
  assert.equal(after.cairn, after.redis);
  both(admin, ['CONFIG', 'SET', 'tls-auth-clients', 'yes']);
});
