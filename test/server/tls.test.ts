// Client TLS with real clients: redis-cli --tls (with --cert/--key for mutual TLS), ioredis and
// node-redis talk to a node that serves only TLS (`--port 0 --tls-port P`, nothing listening on a
// plain port); tls-auth-clients yes refuses a client without a certificate or with one of another
// CA, optional accepts none but refuses a bad one, no accepts any; a client that trusts another CA
// refuses the node; tls-protocols is enforced; with both ports, both serve the same data. Refused
// clients are counted in INFO (cairn_tls_handshake_failures) and logged (tls.client_refused).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { pem } from '../support/certs.js';
import { freePort, startCairn, type RunningProcess } from './helpers.js';
import { listeningPorts, makeTlsCerts, probe, redisCliTls, tlsFlags, type ClientCreds, type TlsCerts } from './tls-helpers.js';

let certs: TlsCerts;
let node: RunningProcess;
let tlsPort: number;
let good: ClientCreds;

before(async () => {
  certs = makeTlsCerts();
  good = { caFile: certs.ca.certFile, cert: certs.client };
  tlsPort = await freePort();
  node = await startCairn(tlsFlags(certs, tlsPort));
});
after(async () => {
  await node?.cleanup();
  certs?.remove();
});

/** INFO's count of connections to the TLS port refused before they became clients. */
function handshakeFailures(): number {
  const info = redisCliTls(tlsPort, good, ['INFO', 'stats']).stdout;
  const match = /cairn_tls_handshake_failures:(\d+)/.exec(info);
  assert.ok(match !== null, `INFO stats has cairn_tls_handshake_failures: ${info}`);
  return Number(match[1]);
}

describe('a node serving only TLS', () => {
  test('listens on the TLS port and nothing else, and says so', () => {
    assert.equal(node.port, tlsPort, 'the ready line names the TLS port');
    assert.match(node.output(), /ready on 127\.0\.0\.1:\d+ \(tls only, /);
    assert.deepEqual(listeningPorts(node.proc.pid!), [tlsPort]);
  });

  test('redis-cli --tls with a client certificate reads and writes; INFO and CONFIG GET report the ports as Redis does', () => {
    assert.equal(redisCliTls(tlsPort, good, ['SET', 'tls:key', 'v1']).stdout.trim(), 'OK');
    assert.equal(redisCliTls(tlsPort, good, ['GET', 'tls:key']).stdout.trim(), 'v1');
    assert.match(redisCliTls(tlsPort, good, ['INFO', 'server']).stdout, /\r?\ntcp_port:0\r?\n/);
    const config = redisCliTls(tlsPort, good, ['CONFIG', 'GET', '*port']).stdout.trim().split('\n');
    assert.deepEqual(Object.fromEntries([[config[0], config[1]], [config[2], config[3]]]), { port: '0', 'tls-port': String(tlsPort) });
  });

  test('ioredis with tls options reads and writes', async () => {
    const client = new Redis({ host: '127.0.0.1', port: tlsPort, tls: { ca: pem(certs.ca.certFile), cert: pem(certs.client.certFile), key: pem(certs.client.keyFile) }, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      assert.equal(await client.set('tls:io', 'x'), 'OK');
      assert.equal(await client.incr('tls:n'), 1);
      assert.equal(await client.get('tls:io'), 'x');
    } finally {
      client.disconnect();
    }
  });

  test('node-redis with socket.tls reads and writes, RESP3 included', async () => {
    const client = createClient({
      RESP: 3,
      socket: { host: '127.0.0.1', port: tlsPort, tls: true, ca: pem(certs.ca.certFile), cert: pem(certs.client.certFile), key: pem(certs.client.keyFile), reconnectStrategy: false },
    });
    await client.connect();
    try {
      assert.equal(await client.set('tls:nr', 'y'), 'OK');
      assert.deepEqual(await client.hSet('tls:h', { a: '1' }), 1);
      assert.deepEqual(await client.hGetAll('tls:h'), { a: '1' });
    } finally {
      await client.quit();
    }
  });

  test('tls-auth-clients yes (the default) refuses a client without a certificate and one signed by another CA; each refusal is counted and logged', async () => {
    const before = handshakeFailures();
    assert.equal(await probe(tlsPort, good), 'served');
    assert.equal(await probe(tlsPort, { caFile: certs.ca.certFile }), 'refused');
    assert.equal(await probe(tlsPort, { caFile: certs.ca.certFile, cert: certs.strangerClient }), 'refused');
    const noCert = redisCliTls(tlsPort, { caFile: certs.ca.certFile }, ['PING']);
    assert.doesNotMatch(noCert.stdout, /PONG/);
    assert.equal(handshakeFailures() - before, 3, 'INFO counts the three refused clients, not the served one');
    const refusals = node.output().split('\n').filter((line) => line.includes('"event":"tls.client_refused"'));
    assert.ok(refusals.some((line) => line.includes('"reason":"no client certificate (tls-auth-clients yes)"')), refusals.join('\n'));
    assert.ok(refusals.some((line) => /"reason":"client certificate refused: [A-Z_]+ \(tls-auth-clients yes\)"/.test(line)), refusals.join('\n'));
    assert.ok(refusals.every((line) => /"remote":"127\.0\.0\.1:\d+"/.test(line)), 'each line names the client');
  });

  test('a client that trusts another CA refuses the node', async () => {
    assert.equal(await probe(tlsPort, { caFile: certs.stranger.certFile, cert: certs.client }), 'refused');
    const cli = redisCliTls(tlsPort, { caFile: certs.stranger.certFile, cert: certs.client }, ['PING']);
    assert.notEqual(cli.status, 0);
    assert.match(cli.stderr + cli.stdout, /certificate verify failed|SSL/i);
  });

  test('tls-auth-clients optional accepts no certificate but refuses a bad one; no accepts any; CONFIG SET applies to the next handshake', async () => {
    try {
      assert.equal(redisCliTls(tlsPort, good, ['CONFIG', 'SET', 'tls-auth-clients', 'optional']).stdout.trim(), 'OK');
      assert.equal(await probe(tlsPort, { caFile: certs.ca.certFile }), 'served');
      assert.equal(await probe(tlsPort, good), 'served');
      assert.equal(await probe(tlsPort, { caFile: certs.ca.certFile, cert: certs.strangerClient }), 'refused');
      assert.equal(redisCliTls(tlsPort, { caFile: certs.ca.certFile }, ['PING']).stdout.trim(), 'PONG');
      assert.equal(redisCliTls(tlsPort, good, ['CONFIG', 'SET', 'tls-auth-clients', 'no']).stdout.trim(), 'OK');
      assert.equal(await probe(tlsPort, { caFile: certs.ca.certFile, cert: certs.strangerClient }), 'served');
      assert.equal(await probe(tlsPort, { caFile: certs.ca.certFile }), 'served');
      assert.match(redisCliTls(tlsPort, good, ['CONFIG', 'SET', 'tls-auth-clients', 'maybe']).stdout, /argument\(s\) must be one of the following: no, yes, optional/);
    } finally {
      redisCliTls(tlsPort, good, ['CONFIG', 'SET', 'tls-auth-clients', 'yes']);
    }
    assert.equal(await probe(tlsPort, { caFile: certs.ca.certFile }), 'refused');
  });

  test('tls-protocols TLSv1.3 refuses a TLSv1.2 client; a value with a gap is refused and changes nothing', async () => {
    try {
      assert.equal(redisCliTls(tlsPort, good, ['CONFIG', 'SET', 'tls-protocols', 'TLSv1.3']).stdout.trim(), 'OK');
      assert.equal(await probe(tlsPort, good, { maxVersion: 'TLSv1.2' }), 'refused');
      assert.equal(await probe(tlsPort, good, { minVersion: 'TLSv1.3' }), 'served');
      const gap = redisCliTls(tlsPort, good, ['CONFIG', 'SET', 'tls-protocols', 'TLSv1 TLSv1.3']).stdout;
      assert.match(gap, /^ERR CONFIG SET failed \(possibly related to argument 'tls-protocols'\) - Unable to update TLS configuration: tls-protocols: .* leaves a gap/);
      assert.deepEqual(redisCliTls(tlsPort, good, ['CONFIG', 'GET', 'tls-protocols']).stdout.trim().split('\n'), ['tls-protocols', 'TLSv1.3']);
    } finally {
      redisCliTls(tlsPort, good, ['CONFIG', 'SET', 'tls-protocols', '']);
    }
    assert.equal(await probe(tlsPort, good, { maxVersion: 'TLSv1.2' }), 'served');
  });

  test('tls-port is fixed while the node runs; the key passphrase is never shown', () => {
    assert.match(redisCliTls(tlsPort, good, ['CONFIG', 'SET', 'tls-port', '1']).stdout, /can't set immutable config/);
    assert.deepEqual(redisCliTls(tlsPort, good, ['CONFIG', 'GET', 'tls-key-file-pass']).stdout.split('\n').slice(0, 2), ['tls-key-file-pass', '']);
  });
});

describe('a node serving both ports', () => {
  test('plain and TLS clients see the same data', async () => {
    const [plainPort, securePort] = [await freePort(), await freePort()];
    const both = await startCairn([...tlsFlags(certs, securePort), '--port', String(plainPort)]);
    try {
      assert.equal(both.port, plainPort);
      assert.match(both.output(), new RegExp(`ready on 127\\.0\\.0\\.1:${plainPort} \\(tls 127\\.0\\.0\\.1:${securePort}, `));
      assert.deepEqual(listeningPorts(both.proc.pid!), [plainPort, securePort].sort((a, b) => a - b));
      const plain = new Redis({ host: '127.0.0.1', port: plainPort, lazyConnect: true, maxRetriesPerRequest: 0 });
      await plain.connect();
      try {
        await plain.set('both', 'from-plain');
        assert.equal(redisCliTls(securePort, good, ['GET', 'both']).stdout.trim(), 'from-plain');
        assert.equal(redisCliTls(securePort, good, ['SET', 'both', 'from-tls']).stdout.trim(), 'OK');
        assert.equal(await plain.get('both'), 'from-tls');
      } finally {
        plain.disconnect();
      }
    } finally {
      await both.cleanup();
    }
  });

  test('a tls-port without certificate files, or with files that do not match, stops the node at start naming the problem', async () => {
    const port = await freePort();
    await assert.rejects(startCairn(['--tls-port', String(port)]), /tls-cert-file is not set/);
    const mismatched = ['--tls-port', String(port), '--tls-cert-file', certs.server.certFile, '--tls-key-file', certs.client.keyFile];
    await assert.rejects(startCairn(mismatched), (error: Error) => {
      assert.match(error.message, /certificate '.*' with key '.*'/);
      assert.doesNotMatch(error.message, /BEGIN/);
      return true;
    });
  });
});
