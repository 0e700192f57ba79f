// Where a command reads and writes: the real process streams in the bin, strings in tests of the pure parts.

import { text } from 'node:stream/consumers';

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of stdin, as text (`extract -`). */
  stdin(): Promise<string>;
  /** True when stderr is a terminal: the progress line is only for people. */
  readonly interactive: boolean;
  /** Whether what is written to each stream may carry ANSI colour (colourFor). */
  readonly color: { readonly stdout: boolean; readonly stderr: boolean };
}

/**
 * Colour only for a terminal, and never when NO_COLOR is set to anything (no-color.org); FORCE_COLOR
 * (other than 0) asks for it on a pipe too. Decided per stream: a redirected stdout gets plain text
 * even while stderr is a terminal.
 */
export function colourFor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stdin: () => text(process.stdin),
  interactive: process.stderr.isTTY,
  color: { stdout: colourFor(process.stdout, process.env), stderr: colourFor(process.stderr, process.env) },
};
