// The `cairn` command: dispatches to one subcommand module, loaded on demand so that
// `cairn cli` does not pay for the server's imports and vice versa.

import { errorStack } from '../lib/errors.js';

const usage = `usage: cairn <command> [options]

commands:
  local-cluster  three nodes on 127.0.0.1:7001-7003, data in ./data (what npm start runs)
  server   run one node: cairn server --port 7001 --dir ./data [--id n1 --peers n1=host:port,...]
  status   role, term, leader, commit/applied index and lag of each node
  cluster  change a running cluster: cairn cluster add ID --peer H:P --client H:P | remove ID | transfer ID | members
  cli      interactive client: cairn cli [-h HOST] [-p PORT] [-a PASSWORD] [command args...]
  check    verify a data directory offline: cairn check DIR [--repair]
  help     this text

Run 'cairn <command> --help' for a command's options.`;

type SubcommandMain = (args: string[]) => Promise<number>;

const subcommands: Record<string, () => Promise<SubcommandMain>> = {
  'local-cluster': async () => (await import('./local-cluster.js')).main,
  server: async () => (await import('./server.js')).cliMain,
  status: async () => (await import('../runtime/cluster/status.js')).main,
  cluster: async () => (await import('./cluster.js')).main,
  cli: async () => (await import('./client.js')).main,
  check: async () => (await import('./check.js')).main,
};

async function run(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage);
    return name === undefined ? 2 : 0;
  }
  const load = subcommands[name];
  if (load === undefined) {
    console.error(`cairn: unknown command '${name}'\n\n${usage}`);
    return 2;
  }
  return (await load())(args);
}

// A reader that goes away (`cairn check DIR | head`) is not an error of ours: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(errorStack(error));
    process.exitCode = 1;
  },
);
