// Exit codes shared by every face that ends a process: documented in the README. A run cut short by a
// signal exits with that signal's code instead (INTERRUPTED_EXIT_CODES in src/process-interrupt.ts).
export const EXIT_OK = 0;
export const EXIT_GATE_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

/** Bad command-line usage: printed with the command's help hint, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
