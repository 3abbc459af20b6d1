// A strict little XML well-formedness check for the report (the test has no XML parser): every
// tag closes in order, attributes are quoted and unique, text holds no raw '<' or stray '&'.

const ENTITY = /^&(amp|lt|gt|quot|#39|#[0-9]+);/;
const ATTRIBUTE = /\s+([A-Za-z_:][-A-Za-z0-9_:.]*)="([^"<]*)"/y;

/** Null when well-formed, else a description of the first problem. */
export function xmlProblem(document: string): string | null {
  const body = document.replace(/^<!DOCTYPE html>\n?/, '');
  const stack: string[] = [];
  let i = 0;
  while (i < body.length) {
    const open = body.indexOf('<', i);
    const text = body.slice(i, open === -1 ? body.length : open);
    const textProblem = checkText(text);
    if (textProblem !== null) return `${textProblem} near offset ${i}`;
    if (open === -1) break;
    const close = body.indexOf('>', open);
    if (close === -1) return `unterminated tag at ${open}`;
    const problem = checkTag(body.slice(open + 1, close), stack);
    if (problem !== null) return `${problem} at offset ${open}`;
    i = close + 1;
  }
  return stack.length === 0 ? null : `unclosed <${stack.join('>, <')}>`;
}

function checkText(text: string): string | null {
  for (let j = text.indexOf('&'); j !== -1; j = text.indexOf('&', j + 1)) {
    if (!ENTITY.test(text.slice(j))) return 'a bare & in text';
  }
  return text.includes('>') ? 'a bare > in text' : null;
}

function checkTag(inside: string, stack: string[]): string | null {
  if (inside.startsWith('/')) {
    const name = inside.slice(1).trim();
    const top = stack.pop();
    return top === name ? null : `</${name}> closes <${top ?? 'nothing'}>`;
  }
  const selfClosing = inside.endsWith('/');
  const content = selfClosing ? inside.slice(0, -1) : inside;
  const nameMatch = /^[A-Za-z][-A-Za-z0-9]*/.exec(content);
  if (nameMatch === null) return `bad tag <${inside}>`;
  const seen = new Set<string>();
  let at = nameMatch[0].length;
  while (at < content.trimEnd().length) {
    ATTRIBUTE.lastIndex = at;
    const attr = ATTRIBUTE.exec(content);
    if (attr === null) return `bad attribute in <${inside}>`;
    if (seen.has(attr[1]!)) return `duplicate attribute ${attr[1]}`;
    seen.add(attr[1]!);
    const valueProblem = checkText(attr[2]!);
    if (valueProblem !== null) return `${valueProblem} in attribute ${attr[1]}`;
    at = ATTRIBUTE.lastIndex;
  }
  if (!selfClosing) stack.push(nameMatch[0]);
  return null;
}
