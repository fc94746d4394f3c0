// Just enough of a Jenkinsfile's Groovy to walk a declarative pipeline: statements, blocks, string literals.
// Anything the rehearsal does not understand is an error, never silently skipped.

export interface Statement {
  /** `sh`, `stage`, `agent`, ..., or `=` for an assignment. */
  name: string;
  /** The text inside `( )`, or the rest of the line (`checkout scm` -> `scm`). */
  args: string;
  /** The text inside `{ }`, when the statement has a block. */
  body?: string;
  /** For `=`: the assigned name (`env.IMAGE_TAG`, `def scmVars` -> `scmVars`) and the expression. */
  target?: string;
  line: number;
}

const isSpace = (char: string | undefined) => char === ' ' || char === '\t' || char === '\r';

/** The index just past the string literal that starts at `start` (', ", ''' or """). */
function skipString(text: string, start: number): number {
  const triple = text.startsWith("'''", start) || text.startsWith('"""', start);
  const quote = triple ? text.slice(start, start + 3) : text[start]!;
  let index = start + quote.length;
  while (index < text.length) {
    if (text[index] === '\\') {
      index += 2;
      continue;
    }
    if (text.startsWith(quote, index)) return index + quote.length;
    if (!triple && text[index] === '\n') throw new Error(`unterminated string at ${lineOf(text, start)}`);
    index++;
  }
  throw new Error(`unterminated string at line ${lineOf(text, start)}`);
}

/** The index just past a comment at `start`, or `start` when there is none. */
function skipComment(text: string, start: number): number {
  if (text.startsWith('//', start)) {
    const end = text.indexOf('\n', start);
    return end < 0 ? text.length : end;
  }
  if (text.startsWith('/*', start)) {
    const end = text.indexOf('*/', start + 2);
    if (end < 0) throw new Error(`unterminated comment at line ${lineOf(text, start)}`);
    return end + 2;
  }
  return start;
}

export const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** The index of the bracket that closes the one at `open`, skipping strings and comments. */
export function matchBracket(text: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '(': ')', '[': ']' };
  const stack: string[] = [];
  let index = open;
  while (index < text.length) {
    const char = text[index]!;
    if (char === "'" || char === '"') {
      index = skipString(text, index);
      continue;
    }
    const afterComment = skipComment(text, index);
    if (afterComment !== index) {
      index = afterComment;
      continue;
    }
    if (pairs[char]) stack.push(pairs[char]!);
    else if (char === '}' || char === ')' || char === ']') {
      if (stack.pop() !== char) throw new Error(`unbalanced ${char} at line ${lineOf(text, index)}`);
      if (stack.length === 0) return index;
    }
    index++;
  }
  throw new Error(`unclosed ${text[open]} at line ${lineOf(text, open)}`);
}

/** From `start` to the end of the line, skipping over strings and brackets (a multi-line string stays whole). */
function restOfLine(text: string, start: number): number {
  let index = start;
  while (index < text.length && text[index] !== '\n' && text[index] !== ';') {
    const char = text[index]!;
    if (char === "'" || char === '"') index = skipString(text, index);
    else if (char === '(' || char === '[' || char === '{') index = matchBracket(text, index) + 1;
    else if (text.startsWith('//', index)) break;
    else index++;
  }
  return index;
}

/** The statements of a block's text, in order. */
export function parseStatements(text: string, lineOffset = 0): Statement[] {
  const statements: Statement[] = [];
  let index = 0;
  for (;;) {
    while (index < text.length) {
      const afterComment = skipComment(text, index);
      if (afterComment !== index) index = afterComment;
      else if (/\s|;/.test(text[index]!)) index++;
      else break;
    }
    if (index >= text.length) return statements;
    const line = lineOffset + lineOf(text, index);
    const assignment = /^(?:def\s+|String\s+|boolean\s+)?([A-Za-z_][\w.]*)\s*=(?!=)\s*/.exec(text.slice(index));
    if (assignment) {
      const start = index + assignment[0].length;
      const end = restOfLine(text, start);
      statements.push({ name: '=', target: assignment[1]!, args: text.slice(start, end).trim(), line });
      index = end;
      continue;
    }
    const identifier = /^[A-Za-z_$][\w$]*/.exec(text.slice(index));
    if (!identifier) throw new Error(`cannot read a statement at line ${line}: ${text.slice(index, index + 40)}`);
    const name = identifier[0];
    index += name.length;
    let args = '';
    let cursor = index;
    while (isSpace(text[cursor])) cursor++;
    if (text[cursor] === '(') {
      const close = matchBracket(text, cursor);
      args = text.slice(cursor + 1, close).trim();
      cursor = close + 1;
      while (isSpace(text[cursor])) cursor++;
      if (text[cursor] === '{') {
        const close2 = matchBracket(text, cursor);
        statements.push({ name, args, body: text.slice(cursor + 1, close2), line });
        index = close2 + 1;
      } else {
        const end = restOfLine(text, cursor);
        if (text.slice(cursor, end).trim()) args = `${args}${text.slice(cursor, end)}`.trim(); // e.g. sh(...).trim()
        statements.push({ name, args, line });
        index = end;
      }
      continue;
    }
    if (text[cursor] === '{') {
      const close = matchBracket(text, cursor);
      statements.push({ name, args: '', body: text.slice(cursor + 1, close), line });
      index = close + 1;
      continue;
    }
    const end = restOfLine(text, cursor);
    args = text.slice(cursor, end).trim();
    statements.push({ name, args, line });
    index = end;
  }
}

/** The value of the first string literal in `text` (single, double or triple quoted; no interpolation). */
export function stringLiteral(text: string): string {
  const start = text.search(/['"]/);
  if (start < 0) throw new Error(`no string literal in: ${text}`);
  const end = skipString(text, start);
  const triple = text.startsWith("'''", start) || text.startsWith('"""', start);
  const quoteLength = triple ? 3 : 1;
  const raw = text.slice(start + quoteLength, end - quoteLength);
  if (text[start] === '"' && /\$\{|\$[A-Za-z_]/.test(raw)) throw new Error(`a double-quoted Groovy string interpolates: ${raw}`);
  return raw.replace(/\\(['"\\$])/g, '$1');
}

/** `key: 'value'` pairs of a named-argument list (string and boolean values only). */
export function namedArgs(text: string): Record<string, string | boolean> {
  const result: Record<string, string | boolean> = {};
  for (const match of text.matchAll(/(\w+)\s*:\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|true|false|\d+)/g)) {
    const value = match[2]!;
    result[match[1]!] = value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? value : stringLiteral(value);
  }
  return result;
}

/** The one statement named `name` in a list, or undefined; two of them is an error. */
export function only(statements: Statement[], name: string): Statement | undefined {
  const found = statements.filter((statement) => statement.name === name);
  if (found.length > 1) throw new Error(`more than one ${name} at lines ${found.map((statement) => statement.line).join(', ')}`);
  return found[0];
}
