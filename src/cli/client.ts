// `cairn cli`: the interactive client. One-shot (`cairn cli set k v`), commands from stdin when
// it is not a terminal, or an interactive prompt with history across sessions, completion and
// argument hints. Replies print as redis-cli prints them, raw when piped, or as JSON (--json).

import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, emitKeypressEvents, type Interface } from 'node:readline';
import { CairnError, errorMessage, isCairnError } from '../lib/errors.js';
import { splitInlineArgs } from '../resp/inline.js';
import type { ServerReply } from '../resp/reply-parser.js';
import { ClientConnection } from './client-connection.js';
import { formatRaw, formatTTY, toJson } from './client-format.js';
import { commandSyntax, complete, hintFor } from './client-hints.js';

const usage = `usage: cairn cli [-h HOST] [-p PORT] [-a PASSWORD] [-3] [--json] [command [arg ...]]
  With a command: runs it once and prints the reply.
  Without one: reads commands from stdin when it is not a terminal, else starts a prompt.`;

const historyMax = 1000;

interface Options {
  host: string;
  port: number;
  password: string | undefined;
  resp3: boolean;
  json: boolean;
  command: string[];
}

type Output = (reply: ServerReply) => string;

export async function main(args: string[]): Promise<number> {
  if (args[0] === '--help') {
    console.log(usage);
    return 0;
  }
  let options: Options;
  try {
    options = parseOptions(args);
  } catch (error) {
    process.stderr.write(`cairn cli: ${errorMessage(error)}\n${usage}\n`);
    return 2;
  }
  const session = new CliSession(options);
  try {
    if (options.command.length > 0) return await session.oneShot(options.command);
    if (!process.stdin.isTTY) return await session.fromStdin();
    return await session.interactive();
  } finally {
    session.close();
  }
}

/** Options come first; the first other word starts the command (so `set k -1` works). */
function parseOptions(args: string[]): Options {
  const options: Options = { host: '127.0.0.1', port: 7001, password: undefined, resp3: false, json: false, command: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string => {
      const next = args[++i];
      if (next === undefined) throw new CairnError('CAIRN_INVALID_ARGUMENT', `${arg} needs a value`);
      return next;
    };
    if (arg === '-h' || arg === '--host') options.host = value();
    else if (arg === '-p' || arg === '--port') options.port = port(value());
    else if (arg === '-a' || arg === '--pass') options.password = value();
    else if (arg === '-3') options.resp3 = true;
    else if (arg === '--json') options.json = true;
    else if (arg.startsWith('-') && options.command.length === 0 && !/^-\d/.test(arg)) throw new CairnError('CAIRN_INVALID_ARGUMENT', `unknown option ${arg}`);
    else {
      options.command = args.slice(i);
      break;
    }
  }
  return options;
}

function port(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new CairnError('CAIRN_INVALID_ARGUMENT', `invalid port '${text}'`);
  return value;
}

class CliSession {
  private readonly connection: ClientConnection;
  private readonly output: Output;
  private inTransaction = false;
  private handshakeDone = false;

  constructor(private readonly options: Options) {
    this.connection = new ClientConnection({ host: options.host, port: options.port });
    this.output = options.json ? (r) => `${JSON.stringify(toJson(r))}\n` : process.stdout.isTTY ? (r) => formatTTY(r) : formatRaw;
  }

  close(): void {
    this.connection.close();
  }

  async oneShot(command: string[]): Promise<number> {
    const reply = await this.run(command);
    if (reply === undefined) return 1;
    process.stdout.write(this.output(reply));
    return 0;
  }

  /** One command per line, quoted like redis-cli's input; stops at the first lost connection. */
  async fromStdin(): Promise<number> {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      const argv = splitLine(line);
      if (argv === undefined) {
        process.stdout.write('Invalid argument(s)\n');
        continue;
      }
      if (argv.length === 0) continue;
      const reply = await this.run(argv);
      if (reply === undefined) return 1;
      process.stdout.write(this.output(reply));
    }
    return 0;
  }

  async interactive(): Promise<number> {
    await this.connect();
    const historyFile = process.env.CAIRN_HISTFILE ?? join(homedir(), '.cairn_history');
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      completer: complete,
      history: loadHistory(historyFile),
      historySize: historyMax,
      removeHistoryDuplicates: true,
      prompt: this.prompt(),
    });
    rl.on('history', (history: string[]) => saveHistory(historyFile, history));
    showHints(rl);
    rl.prompt();
    for await (const line of rl) {
      const argv = splitLine(line);
      if (argv === undefined) process.stdout.write('Invalid argument(s)\n');
      else if (argv.length > 0) {
        const word = argv[0]!.toLowerCase();
        if (word === 'quit' || word === 'exit') break;
        if (word === 'help') process.stdout.write(await this.help(argv.slice(1)));
        else if (word === 'clear') process.stdout.write('\x1b[H\x1b[2J');
        else {
          const reply = await this.run(argv);
          if (reply !== undefined) process.stdout.write(formatTTY(reply));
        }
      }
      rl.setPrompt(this.prompt());
      rl.prompt();
    }
    rl.close();
    return 0;
  }

  private prompt(): string {
    if (!this.connection.connected) return 'not connected> ';
    return `${this.options.host}:${this.options.port}${this.inTransaction ? '(TX)' : ''}> `;
  }

  /** Connects and authenticates; prints why when it cannot. */
  private async connect(): Promise<boolean> {
    try {
      if (!this.connection.connected) {
        this.handshakeDone = false;
        await this.connection.open();
      }
      if (!this.handshakeDone) {
        this.handshakeDone = true;
        if (this.options.password !== undefined) this.report(await this.connection.call(['AUTH', this.options.password]), true);
        if (this.options.resp3) this.report(await this.connection.call(['HELLO', '3']), true);
      }
      return true;
    } catch (error) {
      if (!isCairnError(error)) throw error;
      process.stderr.write(`${error.message}\n`);
      return false;
    }
  }

  /** Runs one command; undefined when the server could not be reached. */
  private async run(argv: string[]): Promise<ServerReply | undefined> {
    if (!(await this.connect())) return undefined;
    try {
      const reply = await this.connection.call(argv);
      this.trackTransaction(argv[0]!.toLowerCase(), reply);
      return reply;
    } catch (error) {
      if (!isCairnError(error)) throw error;
      process.stderr.write(`Error: ${error.message}\n`);
      this.inTransaction = false;
      return undefined;
    }
  }

  private trackTransaction(name: string, reply: ServerReply): void {
    if (name === 'multi' && reply.type === 'simple') this.inTransaction = true;
    if (name === 'exec' || name === 'discard' || name === 'reset') this.inTransaction = false;
  }

  /** Prints a failed handshake step (AUTH, HELLO) the way any reply is printed. */
  private report(reply: ServerReply, onlyErrors: boolean): void {
    if (!onlyErrors || reply.type === 'error') process.stderr.write(formatTTY(reply));
  }

  private async help(words: string[]): Promise<string> {
    if (words.length === 0) {
      return 'cairn cli: type a command and press Enter; Tab completes command names.\n' +
        '"help <command>" shows its arguments; "quit" leaves.\n';
    }
    const name = words[0]!.toUpperCase();
    const syntax = commandSyntax[name];
    if (syntax === undefined) return `No help for '${words[0]}'\n`;
    let summary = '';
    const docs = this.connection.connected ? await this.connection.call(['COMMAND', 'DOCS', name.toLowerCase()]).catch(() => undefined) : undefined;
    if (docs !== undefined && (docs.type === 'array' || docs.type === 'map')) {
      const text = formatRaw(docs).split('\n');
      const at = text.indexOf('summary');
      if (at >= 0) summary = text[at + 1] ?? '';
    }
    return `\n  ${name} ${syntax}\n${summary === '' ? '' : `  summary: ${summary}\n`}\n`;
  }
}

function splitLine(line: string): string[] | undefined {
  return splitInlineArgs(Buffer.from(line, 'utf8'))?.map((b) => b.toString('utf8'));
}

function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').slice(-historyMax).reverse();
  } catch {
    return [];
  }
}

/** Passwords never reach the history file (as redis-cli skips AUTH lines). */
function saveHistory(file: string, newestFirst: readonly string[]): void {
  const lines = newestFirst.filter((l) => !/^\s*(auth\b|hello\b.*\bauth\b)/i.test(l));
  try {
    writeFileSync(file, lines.slice(0, historyMax).reverse().join('\n') + '\n', { mode: 0o600 });
  } catch (error) {
    // An unwritable history file must not break the session; say so once per write.
    process.stderr.write(`cairn cli: cannot save history to ${file}: ${errorMessage(error)}\n`);
  }
}

/** Shows the remaining argument syntax, dimmed, after the cursor while typing. */
function showHints(rl: Interface): void {
  emitKeypressEvents(process.stdin);
  process.stdin.prependListener('keypress', (_text: string, key: { name?: string } | undefined) => {
    // Clear the hint before readline moves on, so it does not stay in the scrollback.
    if (key?.name === 'return' || key?.name === 'enter') process.stdout.write('\x1b[K');
  });
  process.stdin.on('keypress', () => {
    setImmediate(() => {
      const line = rl.line;
      if (rl.cursor !== line.length) return;
      const hint = hintFor(line);
      process.stdout.write(`\x1b7\x1b[K${hint === '' ? '' : `\x1b[90m${hint}\x1b[0m`}\x1b8`);
    });
  });
}
