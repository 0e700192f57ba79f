// The shell commands a document shows, as a reader would type them.
//
// The rule: a command is a line of a fenced code block whose info string is sh, bash, shell, zsh or
// console (in console blocks only the lines after a `$ ` prompt; the rest is output). The fence may be
// indented (a block inside a list item). A line ending in `\` continues on the next; a `#` that starts
// a word outside quotes starts a comment, which is dropped, and a line that is only a comment is no
// command. A line `a && b` is the commands `a` and `b`: with every command expected to succeed, that is
// what `&&` means, and it lets one of them be run and the other not.

export interface DocCommand {
  /** The document, relative to the repository root. */
  readonly doc: string;
  /** The 1-based line the command starts on. */
  readonly line: number;
  /** Which of the document's shell blocks it is in (0-based): commands of one block run together. */
  readonly block: number;
  /** The command, its continuation lines joined with a space, without its comment. */
  readonly text: string;
}

const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'zsh', 'console']);
const FENCE = /^(\s*)(`{3,})\s*([\w-]*)/;

export function extractCommands(doc: string, markdown: string): DocCommand[] {
  const commands: DocCommand[] = [];
  let block = -1;
  for (const { language, firstLine, lines } of fencedBlocks(markdown)) {
    if (!SHELL_LANGUAGES.has(language)) continue;
    block += 1;
    for (const { line, text } of logicalLines(lines, firstLine, language === 'console')) {
      for (const command of splitAnd(withoutComment(text))) commands.push({ doc, line, block, text: command });
    }
  }
  return commands;
}

interface FencedBlock {
  language: string;
  /** The 1-based line of the block's first content line. */
  firstLine: number;
  lines: string[];
}

function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: (FencedBlock & { indent: number; fence: string }) | undefined;
  markdown.split('\n').forEach((line, index) => {
    const fence = FENCE.exec(line);
    if (open === undefined) {
      if (fence) open = { language: fence[3]!, firstLine: index + 2, lines: [], indent: fence[1]!.length, fence: fence[2]! };
    } else if (fence && fence[2] === open.fence && fence[3] === '') {
      blocks.push(open);
      open = undefined;
    } else {
      open.lines.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
    }
  });
  return blocks;
}

/** Joins continuation lines; in a console block keeps only what follows a `$ ` prompt. */
function logicalLines(lines: string[], firstLine: number, console: boolean): { line: number; text: string }[] {
  const result: { line: number; text: string }[] = [];
  let pending: { line: number; text: string } | undefined;
  lines.forEach((raw, index) => {
    let text = raw;
    if (pending === undefined) {
      if (console && !text.startsWith('$ ')) return;
      pending = { line: firstLine + index, text: '' };
      if (console) text = text.slice(2);
    }
    const continues = /\\\s*$/.test(text);
    pending.text += (pending.text === '' ? '' : ' ') + text.replace(/\\\s*$/, '').trim();
    if (!continues) {
      if (withoutComment(pending.text) !== '') result.push(pending);
      pending = undefined;
    }
  });
  return result;
}

/** The line up to the comment, if any: a `#` that starts a word outside quotes. */
function withoutComment(text: string): string {
  let end = text.length;
  scan(text, (index, char) => {
    if (char === '#' && (index === 0 || /\s/.test(text[index - 1]!))) {
      end = index;
      return false;
    }
    return true;
  });
  return text.slice(0, end).trim();
}

/** `a && b` as `a` and `b` (outside quotes). */
function splitAnd(text: string): string[] {
  if (text === '') return [];
  const parts: string[] = [];
  let start = 0;
  scan(text, (index, char) => {
    if (char === '&' && text[index + 1] === '&') {
      parts.push(text.slice(start, index).trim());
      start = index + 2;
    }
    return true;
  });
  parts.push(text.slice(start).trim());
  return parts;
}

/** Calls `visit` with every character outside quotes and escapes, until it returns false. */
function scan(text: string, visit: (index: number, char: string) => boolean): void {
  let quote: string | undefined;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
    } else if (char === '\\') {
      index += 1;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (!visit(index, char)) {
      return;
    }
  }
}
