#!/usr/bin/env node
// The `cairn` command: runs the compiled CLI (npm ci builds it through the prepare script).
import('../dist/src/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('cairn: not built yet; run `npm run build` (npm ci does it for you)');
    process.exit(1);
  }
  throw error;
});
