// Peer addresses (IPv4, bracketed IPv6, host names, the --peers list) and the reconnect backoff.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatPeerAddress, parsePeerAddress, parsePeerList } from '../../src/runtime/peer/address.js';
import { reconnectDelayMs } from '../../src/runtime/peer/backoff.js';
import { isCairnError } from '../../src/lib/errors.js';

const invalid = (fn: () => unknown): void => {
  assert.throws(fn, (e: unknown) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
};

test('addresses parse: IPv4, IPv6 in brackets (with a zone), host names', () => {
  assert.deepStrictEqual(parsePeerAddress('10.0.0.7:17001'), { host: '10.0.0.7', port: 17001 });
  assert.deepStrictEqual(parsePeerAddress('[::1]:17001'), { host: '::1', port: 17001 });
  assert.deepStrictEqual(parsePeerAddress('[fe80::1%eth0]:7'), { host: 'fe80::1%eth0', port: 7 });
  assert.deepStrictEqual(parsePeerAddress('db-3.eu.example.com:65535'), { host: 'db-3.eu.example.com', port: 65535 });
  assert.deepStrictEqual(parsePeerAddress('localhost:1'), { host: 'localhost', port: 1 });
  assert.deepStrictEqual(parsePeerAddress('cairn_n2_1:17002'), { host: 'cairn_n2_1', port: 17002 });
  assert.equal(formatPeerAddress({ host: '::1', port: 5 }), '[::1]:5');
  assert.equal(formatPeerAddress({ host: 'a.b', port: 5 }), 'a.b:5');
});

test('bad addresses are refused with a reason', () => {
  for (const bad of ['', 'host', ':17001', 'host:', 'host:0', 'host:65536', 'host:12a', '::1:17001', '[::1]17001', '[::1', '[nothost]:1',
    'bad host:1', '_x:1', '-x.com:1', 'a..b:1', `${'a'.repeat(254)}:1`, 'host:+1', 'host: 1']) {
    invalid(() => parsePeerAddress(bad));
  }
});

test('formatted addresses parse back', () => {
  const hostArb = fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain());
  fc.assert(fc.property(hostArb, fc.integer({ min: 1, max: 65535 }), (host, port) => {
    assert.deepStrictEqual(parsePeerAddress(formatPeerAddress({ host, port })), { host, port });
  }), { numRuns: 500 });
});

test('the --peers list parses into a map and refuses duplicates and bad entries', () => {
  assert.deepStrictEqual([...parsePeerList('n1=127.0.0.1:17001, n2=[::1]:17002,n3=h3:17003')], [
    ['n1', '127.0.0.1:17001'], ['n2', '[::1]:17002'], ['n3', 'h3:17003'],
  ]);
  invalid(() => parsePeerList('n1=a:1,n1=b:2'));
  invalid(() => parsePeerList('n1'));
  invalid(() => parsePeerList('=a:1'));
  invalid(() => parsePeerList('n1=a'));
  invalid(() => parsePeerList(`${'x'.repeat(256)}=a:1`));
});

test('backoff grows exponentially to the cap, with jitter in [half, full] of the nominal delay', () => {
  const policy = { reconnectBaseMs: 50, reconnectMaxMs: 2000 };
  assert.equal(reconnectDelayMs(0, policy, () => 0), 25);
  assert.equal(reconnectDelayMs(0, policy, () => 0.999999), 50);
  assert.equal(reconnectDelayMs(3, policy, () => 0), 200);
  assert.equal(reconnectDelayMs(10, policy, () => 0), 1000);
  assert.equal(reconnectDelayMs(1_000_000, policy, () => 0.999999), 2000);
  fc.assert(fc.property(fc.nat({ max: 10_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (failures, jitter) => {
    const delayMs = reconnectDelayMs(failures, policy, () => jitter);
    const nominalMs = Math.min(2000, 50 * 2 ** Math.min(failures, 20));
    assert.ok(delayMs >= nominalMs / 2 && delayMs <= nominalMs, `${delayMs} for ${failures}`);
  }));
});
