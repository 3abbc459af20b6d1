// `cairn server`: parses flags (and an optional Redis-style config file), opens the data folder,
// serves clients until SIGTERM/SIGINT, then shuts down gracefully. Prints one line when ready.

import { parseArgs } from 'node:util';
import { isCairnError } from '../lib/errors.js';
import { settingsFromFlags, type ServerSettings } from '../server/config.js';
import { cairnVersion, startNode } from '../runtime/server-main.js';
import { runClusterNode, wantsClusterNode } from '../runtime/cluster-process.js';

const usage = `usage: cairn server [--port PORT] [--dir DIR] [--host HOST] [--fsync always|everysec|no]
                    [--requirepass PASSWORD] [--config FILE]
       cairn server --id ID [--peers ID=HOST:PORT,...] ...   a replicated node (cairn server --id ID --help)`;

export async function main(args: string[]): Promise<number> {
  // --id or --peers: a replicated node (docs/CLUSTER.md); otherwise the single-node store.
  if (wantsClusterNode(args)) return runClusterNode(args);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return 0;
  }
  let settings: ServerSettings;
  let configFile: string | undefined;
  try {
    ({ settings, configFile } = await settingsFrom(args));
  } catch (error) {
    console.error(`cairn server: ${error instanceof Error ? error.message : String(error)}\n${usage}`);
    return 2;
  }
  let server;
  try {
    server = await startNode(settings, configFile);
  } catch (error) {
    if (!isCairnError(error)) throw error;
    console.error(`cairn server: ${error.message}`);
    return 1;
  }
  console.log(`cairn ${cairnVersion} ready on ${settings.host}:${server.port} (dir ${settings.dir}, fsync ${settings.fsync}, pid ${process.pid})`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  console.log(`cairn server: ${signal}, shutting down`);
  await server.close();
  console.log('cairn server: stopped');
  return 0;
}

async function settingsFrom(args: string[]): Promise<{ settings: ServerSettings; configFile: string | undefined }> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      port: { type: 'string', short: 'p' },
      dir: { type: 'string', short: 'd' },
      host: { type: 'string' },
      fsync: { type: 'string' },
      requirepass: { type: 'string' },
      config: { type: 'string', short: 'c' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new Error(`unexpected argument '${positionals[0]}'`);
  const settings = await settingsFromFlags(values);
  return { settings, configFile: values.config };
}
