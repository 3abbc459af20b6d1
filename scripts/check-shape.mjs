// Checks the shape of src/ that docs/ARCHITECTURE.md asks for: no function over 70 lines and no
// file over 400 lines, except in a file whose header comment (the comment lines before the first
// line of code) holds a line starting `Shape:` that says why. Counts lines from a function's first
// line to its last, the way a reader scrolls them. Run by `npm test`; exits 1 naming each breach.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');
const functionLinesMax = 70;
const fileLinesMax = 400;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** The file's header comment: its leading `//` lines, up to the first line that is not one. */
function headerOf(text) {
  const lines = text.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('//'));
  return lines.slice(0, end === -1 ? lines.length : end);
}

function functionName(node, file) {
  if (node.name) return node.name.getText(file);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) {
    return parent.name.getText(file);
  }
  return '(anonymous)';
}

const problems = [];
for (const path of walk(src)) {
  const rel = relative(root, path);
  const text = readFileSync(path, 'utf8');
  const excused = headerOf(text).some((line) => /^\/\/\s*Shape:/.test(line));
  if (excused) continue;
  const lineCount = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  if (lineCount > fileLinesMax) problems.push(`${rel}: ${lineCount} lines (at most ${fileLinesMax})`);
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > functionLinesMax) {
        problems.push(`${rel}:${first + 1}: function ${functionName(node, file)} is ${lines} lines (at most ${functionLinesMax})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

if (problems.length > 0) {
  console.error(`shape: ${problems.length} breach(es); split them, or say why in a \`// Shape:\` header line\n` +
    problems.map((p) => `  ${p}`).join('\n'));
  process.exit(1);
}
console.log('shape: ok');
