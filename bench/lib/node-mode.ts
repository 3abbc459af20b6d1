// A bench script started with `--node` is one of the cluster's member processes (CairnCluster runs
// the script itself again that way): it runs a Cairn node with the rest of the arguments instead
// of the benchmark.

/** The node's exit code when argv asks for node mode; undefined when the benchmark should run. */
export async function runAsNodeIfAsked(argv: readonly string[]): Promise<number | undefined> {
  if (argv[2] !== '--node') return undefined;
  const { runClusterNode } = await import('../../src/runtime/cluster/process.js');
  return runClusterNode(argv.slice(3));
}
