// Where a command writes: the real process streams in the bin, strings in tests of the pure parts.
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stderr is a terminal: progress lines and colour are only for people. */
  readonly interactive: boolean;
}

export const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};
