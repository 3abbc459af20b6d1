// connect-redis (on node-redis) with express-session, unchanged, on redis-server and on a 3-node
// Cairn cluster: two express apps over node:http, each with its store on a different node, and a
// client with a cookie jar. A session made through one app is read, changed and destroyed through
// the other; it expires with its cookie; the store lists, counts and clears sessions (SCAN, MGET).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { waitFor } from '../cluster/helpers.js';
import { forEachTarget, type LibTarget } from './targets.js';
import { recordRefusal } from './refusals.js';

declare module 'express-session' {
  interface SessionData {
    user: string;
    views: number;
  }
}

/** An express app whose sessions live in a RedisStore on one node, listening on a port the kernel chose. */
interface App {
  readonly url: string;
  readonly store: RedisStore;
  close(): Promise<void>;
}

async function startApp(target: LibTarget, node: number, prefix: string, maxAgeMs: number): Promise<App> {
  const client = createClient({ socket: { host: '127.0.0.1', port: target.port(node), reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  const store = new RedisStore({ client, prefix });
  const app = express();
  app.use(session({ store, secret: 'test secret', resave: false, saveUninitialized: false, cookie: { maxAge: maxAgeMs } }));
  app.post('/login/:user', (req, res) => {
    req.session.user = req.params.user;
    req.session.views = 0;
    res.send('ok');
  });
  app.get('/me', (req, res) => {
    if (req.session.user === undefined) return void res.status(401).send('who?');
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ user: req.session.user, views: req.session.views });
  });
  app.post('/logout', (req, res, next) => req.session.destroy((error) => (error ? next(error) : res.send('bye'))));
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    recordRefusal(target.kind, 'connect-redis', error.message);
    res.status(500).send(error.message);
  });
  const server: Server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      client.destroy();
    },
  };
}

/** A client that keeps the cookies it is given, as a browser would for one site. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  async fetch(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { method, headers: cookie === '' ? {} : { cookie } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return { status: response.status, body: await response.text() };
  }
}

forEachTarget((target) => {
  test('a session made through an app on one node is read, changed and destroyed through an app on another', async () => {
    const apps = [await startApp(target(), 1, 'sess-shared:', 60_000), await startApp(target(), 2, 'sess-shared:', 60_000)];
    try {
      const [a, b] = apps as [App, App];
      const browser = new CookieJar();
      assert.equal((await browser.fetch(`${a.url}/me`)).status, 401);
      assert.deepEqual(await browser.fetch(`${a.url}/login/ada`, 'POST'), { status: 200, body: 'ok' });
      assert.deepEqual(JSON.parse((await browser.fetch(`${b.url}/me`)).body), { user: 'ada', views: 1 });
      assert.deepEqual(JSON.parse((await browser.fetch(`${a.url}/me`)).body), { user: 'ada', views: 2 });
      assert.equal((await new CookieJar().fetch(`${b.url}/me`)).status, 401, 'another browser has no session');
      assert.deepEqual(await browser.fetch(`${b.url}/logout`, 'POST'), { status: 200, body: 'bye' });
      assert.equal((await browser.fetch(`${a.url}/me`)).status, 401);
    } finally {
      for (const app of apps) await app.close();
    }
  });

  test('a session expires with its cookie; the store counts, lists and clears sessions', async () => {
    const apps = [await startApp(target(), 0, 'sess-ttl:', 1500), await startApp(target(), 1, 'sess-ttl:', 1500)];
    try {
      const [a, b] = apps as [App, App];
      const browsers = [new CookieJar(), new CookieJar(), new CookieJar()];
      for (const [n, browser] of browsers.entries()) assert.equal((await browser.fetch(`${a.url}/login/user${n}`, 'POST')).status, 200);
      assert.equal(await b.store.length(), 3);
      const all = (await b.store.all()) as { user: string }[];
      assert.deepEqual(all.map((s) => s.user).sort(), ['user0', 'user1', 'user2']);
      assert.equal((await b.store.ids()).length, 3);
      await b.store.clear();
      assert.equal(await a.store.length(), 0);
      assert.equal((await browsers[0]!.fetch(`${b.url}/me`)).status, 401, 'cleared');
      const browser = new CookieJar();
      assert.equal((await browser.fetch(`${b.url}/login/grace`, 'POST')).status, 200);
      assert.equal((await browser.fetch(`${a.url}/me`)).status, 200);
      // Every request through the app saves the session again with a fresh expiry: watch the store instead.
      await waitFor('the session to expire', async () => ((await a.store.length()) === 0 ? true : undefined), 8000);
      assert.equal((await browser.fetch(`${b.url}/me`)).status, 401);
    } finally {
      for (const app of apps) await app.close();
    }
  });
});
