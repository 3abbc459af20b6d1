// Nothing secret leaks (issue #15 item 5): a 3-node cluster runs with every secret Cairn takes —
// requirepass, a cluster secret, peer and client TLS keys, a client key's passphrase, an ACL user's
// password — and is driven through the commands that echo settings, users, errors and state: AUTH
// (right and wrong), HELLO AUTH, CONFIG GET *, CONFIG SET of a bad TLS file, INFO everything, CLIENT
// LIST, ACL LIST/GETUSER/LOG, CLUSTER INFO/NODES, /metrics and /health, a SIGHUP reload. Then
// every reply, every node's stdout and stderr, and every file of every data directory is searched
// for each secret: none may appear. (A username is echoed by ACL LOG as Redis does; the test never
// sends a password where a username goes.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCertAuthority } from '../support/certs.js';
import { freePort, RawClient, show, TestCluster, waitFor } from './helpers.js';
import type { ServerReply } from '../../src/resp/reply-parser.js';

const secrets = {
  requirepass: 'rp-5ecret-7f3a91',
  clusterSecret: 'cs-5ecret-c0ffee42',
  keyPass: 'kp-5ecret-b4d5e6',
  userPassword: 'up-5ecret-a11ce99',
  wrongPassword: 'wp-5ecret-not-it',
};

function everyFile(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? everyFile(path) : [path];
  });
}

/** The base64 lines of a PEM private key: what would leak if key material were printed. */
function keyMaterial(keyFile: string): string[] {
  return readFileSync(keyFile, 'utf8').split('\n').filter((line) => line.length >= 40 && !line.startsWith('-----'));
}

function text(reply: ServerReply): string {
  return JSON.stringify(show(reply));
}

test('no secret appears in replies, logs, metrics or data files', { timeout: 180_000 }, async () => {
  const ca = makeCertAuthority();
  const secretFile = join(ca.dir, 'cluster.secret');
  writeFileSync(secretFile, `${secrets.clusterSecret}\n`);
  const certs = ['n1', 'n2', 'n3'].map((id) => {
    const leaf = ca.issue(id);
    const encryptedKey = join(ca.dir, `${id}-encrypted.key`);
    execFileSync('openssl', ['pkey', '-in', leaf.keyFile, '-aes256', '-passout', `pass:${secrets.keyPass}`, '-out', encryptedKey]);
    return { ...leaf, encryptedKey };
  });
  const tlsPorts = [await freePort(), await freePort(), await freePort()];
  const cluster = await TestCluster.start(3, ['--requirepass', secrets.requirepass, '--cluster-secret-file', secretFile], { started: 0 });
  const seen: string[] = [];
  try {
    await Promise.all(certs.map((cert, i) => cluster.startNode(i, [
      '--peer-cert-file', cert.certFile, '--peer-key-file', cert.keyFile, '--peer-trusted-ca-file', ca.certFile,
      '--tls-port', String(tlsPorts[i]), '--tls-cert-file', cert.certFile, '--tls-key-file', cert.encryptedKey,
      '--tls-key-file-pass', secrets.keyPass, '--tls-ca-cert-file', ca.certFile, '--tls-auth-clients', 'optional',
    ])));
    const leader = await cluster.leader();
    const client = await RawClient.connect(cluster.nodes[(leader + 1) % 3]!.port);
    const send = async (...args: string[]): Promise<ServerReply> => {
      const reply = await client.call(...args);
      seen.push(text(reply));
      return reply;
    };
    try {
      assert.match(text(await send('AUTH', secrets.wrongPassword)), /WRONGPASS/);
      assert.match(text(await send('AUTH', 'default', secrets.requirepass, 'extra')), /ERR/);
      assert.equal(text(await send('AUTH', secrets.requirepass)), '"OK"');
      assert.equal(text(await send('ACL', 'SETUSER', 'alice', 'on', `>${secrets.userPassword}`, '~*', '&*', '+@all')), '"OK"');
      assert.match(text(await send('AUTH', 'alice', secrets.wrongPassword)), /WRONGPASS/);
      assert.match(text(await send('HELLO', '3', 'AUTH', 'alice', secrets.wrongPassword)), /WRONGPASS/);
      assert.equal(text(await send('AUTH', 'alice', secrets.userPassword)), '"OK"');
      await send('SET', 'k', 'v');
      for (const args of [['CONFIG', 'GET', '*'], ['INFO', 'everything'], ['CLIENT', 'LIST'], ['ACL', 'LIST'], ['ACL', 'GETUSER', 'alice'],
        ['ACL', 'GETUSER', 'default'], ['ACL', 'LOG'], ['CLUSTER', 'INFO'], ['CLUSTER', 'NODES'], ['CONFIG', 'SET', 'tls-cert-file', '/nonexistent.crt'],
        ['CONFIG', 'SET', 'requirepass', secrets.requirepass], ['CONFIG', 'GET', 'requirepass'], ['CONFIG', 'GET', 'tls-key-file-pass']]) {
        await send(...args);
      }
      for (const node of cluster.nodes) {
        for (const path of ['/metrics', '/health']) {
          const response = await fetch(`http://127.0.0.1:${node.httpPort}${path}`);
          seen.push(await response.text());
        }
      }
      // SIGHUP re-reads every certificate and the secret file; its log lines are searched as well.
      for (const node of cluster.nodes) node.proc?.kill('SIGHUP');
      await waitFor('the ACL change applied on every node', async () => {
        const replies = await Promise.all(cluster.nodes.map(async (node) => {
          const other = await RawClient.connect(node.port);
          try {
            return text(await other.call('AUTH', 'alice', secrets.userPassword));
          } finally {
            other.close();
          }
        }));
        return replies.every((reply) => reply === '"OK"') ? true : undefined;
      });
    } finally {
      client.close();
    }
  } finally {
    const outputs = cluster.nodes.map((node) => `${node.out}\n${node.err}`);
    const files = everyFile(cluster.base).map((path) => ({ path, bytes: readFileSync(path) }));
    await cluster.cleanup();
    const keys = certs.flatMap((cert) => keyMaterial(cert.keyFile).concat(keyMaterial(cert.encryptedKey)));
    ca.remove();
    const needles = [...Object.entries(secrets), ...keys.map((line, i) => [`key line ${i}`, line] as const)];
    for (const [name, needle] of needles) {
      for (const [i, reply] of seen.entries()) assert.ok(!reply.includes(needle), `reply ${i} holds ${name}: ${reply.slice(0, 2000)}`);
      for (const [i, output] of outputs.entries()) assert.ok(!output.includes(needle), `n${i + 1}'s output holds ${name}`);
      for (const file of files) assert.ok(!file.bytes.includes(Buffer.from(needle)), `${file.path} holds ${name}`);
    }
    assert.ok(seen.length > 20, 'the commands above ran');
  }
});
