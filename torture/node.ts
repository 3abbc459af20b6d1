// One cluster node process for the torture run: what `cairn server --id ... --peers ...` runs,
// started through tsx so the campaign needs no build.
import { runClusterNode } from '../src/runtime/cluster/process.js';

runClusterNode(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
