// The main of a bench script that starts cluster members: in `--node` mode it is one of them;
// otherwise it parses its options, runs the bench with a Procs that owns every child and temp dir,
// and always cleans up — on success, on error, on Ctrl-C/SIGTERM (exit 130) and on process exit.
import { runAsNodeIfAsked } from './node-mode.js';
import { Procs } from './procs.js';

export async function benchMain<O>(parse: (argv: readonly string[]) => O, run: (opts: O, procs: Procs) => Promise<void>, log: (message: string) => void): Promise<number> {
  const nodeExit = await runAsNodeIfAsked(process.argv);
  if (nodeExit !== undefined) return nodeExit;
  const opts = parse(process.argv.slice(2));
  const procs = new Procs();
  let interrupted = false;
  const interrupt = (): void => {
    interrupted = true;
    log('interrupted; stopping everything');
    void procs.cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  process.once('exit', () => procs.cleanupNow());
  try {
    await run(opts, procs);
    return 0;
  } catch (error) {
    // Killing the children on an interrupt breaks the phase under way; that is not a failure.
    if (interrupted) return 130;
    throw error;
  } finally {
    await procs.cleanup();
  }
}
