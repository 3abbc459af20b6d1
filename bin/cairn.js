#!/usr/bin/env node
// The `cairn` command: runs the compiled CLI. The npm package ships it built (prepack builds it);
// a clone of the repository builds it with `npm run build` (npm start and the benches do that too).
import('../dist/src/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.url ?? error.message).includes('/dist/src/cli/main.js')) {
    console.error('cairn: not built yet; run `npm run build` in the repository');
    process.exit(1);
  }
  throw error;
});
