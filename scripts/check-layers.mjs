// Checks the layering of docs/ARCHITECTURE.md: which folder of src/ may import which, which node:
// built-ins each may use, and that the deterministic layers never read real time or randomness.
// Run by `npm test`; exits 1 and names every violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');

const pure = ['node:buffer'];
const layers = {
  lib: { imports: [], builtins: pure, deterministic: true },
  io: { imports: ['lib'], builtins: pure, deterministic: true },
  // script/ is the Lua VM (the fengari package, Lua 5.3 in JS) and Redis's script API; kv/ runs
  // scripts through it at apply time, so it is as deterministic as kv/ (node:crypto for SHA-1 only;
  // fengari's lobject/lstring modules for vm-patches.ts, which makes numbers print and count as Lua 5.1).
  script: { imports: ['lib'], builtins: [...pure, 'node:crypto'], deterministic: true, packages: ['fengari', 'fengari/src/lobject.js', 'fengari/src/lstring.js', 'fengari/src/ldo.js'] },
  kv: { imports: ['lib', 'script'], builtins: pure, deterministic: true },
  raft: { imports: ['lib'], builtins: pure, deterministic: true },
  resp: { imports: ['lib'], builtins: pure, deterministic: true },
  check: { imports: ['lib'], builtins: pure, deterministic: true },
  storage: { imports: ['lib', 'io'], builtins: [...pure, 'node:zlib'], deterministic: true },
  replica: { imports: ['lib', 'io', 'raft', 'storage', 'kv'], builtins: pure, deterministic: true },
  sim: {
    imports: ['lib', 'io', 'raft', 'storage', 'kv', 'replica', 'check'],
    builtins: [...pure, 'node:zlib', 'node:util', 'node:process'],
    deterministic: true,
  },
  server: { imports: ['lib', 'io', 'resp', 'kv', 'replica'], builtins: '*', deterministic: false, packages: true },
  runtime: { imports: ['lib', 'io', 'storage', 'kv', 'raft', 'resp', 'replica', 'server'], builtins: '*', deterministic: false, packages: true },
  cli: { imports: '*', builtins: '*', deterministic: false, packages: true },
};
// Folders inside a layer with rules of their own: which folders of their own layer they may reach
// (other layers are checked by the table above).
// runtime/peer/ is the TCP transport for Raft messages and knows nothing of clusters, servers or
// the embedded store; the embedded store and the adapters at runtime/'s top never reach into
// runtime/cluster/ (the replicated node process).
const sublayers = {
  'runtime/peer': ['runtime/peer'],
  'runtime/cluster': ['runtime', 'runtime/peer', 'runtime/cluster'],
  runtime: ['runtime', 'runtime/peer'],
};
/** The sublayer a path below src/ belongs to: the longest key of `sublayers` that contains it. */
function sublayerOf(rel) {
  const parts = rel.split(sep);
  for (let n = parts.length - 1; n >= 1; n--) {
    const key = parts.slice(0, n).join('/');
    if (key in sublayers) return key;
  }
  return null;
}
/** Whether `target` (a path below src/) lies directly in one of `allowed` (folders below src/). */
function within(target, allowed) {
  return allowed.includes(dirname(target).split(sep).join('/'));
}
const banned = [/\bDate\.now\b/, /\bMath\.random\b/, /\bnew Date\(/, /\bsetTimeout\b/, /\bsetInterval\b/, /\bsetImmediate\b/, /\bperformance\.now\b/, /\bprocess\.hrtime\b/];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const problems = [];
for (const file of walk(src)) {
  const rel = relative(src, file);
  const layer = rel.includes(sep) ? rel.split(sep)[0] : null; // top-level files (index.ts) may import anything
  const sub = sublayerOf(rel);
  if (layer === null) continue;
  const rule = layers[layer];
  if (!rule) {
    problems.push(`${rel}: folder src/${layer}/ is not a layer in docs/ARCHITECTURE.md (add it to scripts/check-layers.mjs)`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  const specifiers = [...code.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)]
    .map((m) => m[1] ?? m[2] ?? m[3]);
  for (const spec of specifiers) {
    if (spec.startsWith('.')) {
      const target = relative(src, resolve(dirname(file), spec));
      if (target.startsWith('..')) { problems.push(`${rel}: imports ${spec} from outside src/`); continue; }
      const targetLayer = target.includes(sep) ? target.split(sep)[0] : '(top level)';
      if (sub !== null && targetLayer === layer && !within(target, sublayers[sub])) {
        problems.push(`${rel}: ${sub}/ may not import ${dirname(target).split(sep).join('/')}/ (${spec})`);
        continue;
      }
      if (targetLayer === layer) continue;
      if (rule.imports !== '*' && !rule.imports.includes(targetLayer)) {
        problems.push(`${rel}: layer ${layer}/ may not import ${targetLayer}/ (${spec})`);
      }
    } else if (spec.startsWith('node:')) {
      if (rule.builtins !== '*' && !rule.builtins.includes(spec)) problems.push(`${rel}: layer ${layer}/ may not use ${spec}`);
    } else if (!rule.packages || (Array.isArray(rule.packages) && !rule.packages.includes(spec))) {
      problems.push(`${rel}: layer ${layer}/ may not import the package ${spec}${/^[a-z]+$/.test(spec) ? ' (use the node: prefix for built-ins)' : ''}`);
    }
  }
  if (rule.deterministic) {
    code.split('\n').forEach((line, i) => {
      for (const pattern of banned) {
        if (pattern.test(line)) problems.push(`${rel}:${i + 1}: deterministic layer ${layer}/ uses ${pattern.source.replace(/\\b|\\/g, '')}; take time and randomness from io/Clock or lib/Prng`);
      }
    });
  }
  if (/:\s*any\b|<any>|as any\b/.test(code)) problems.push(`${rel}: uses \`any\` (src/ is any-free)`);
}

if (problems.length > 0) {
  console.error(`layering: ${problems.length} violation(s)\n` + problems.map((p) => `  ${p}`).join('\n'));
  process.exit(1);
}
console.log('layering: ok');
