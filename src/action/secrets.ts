// Everything the step must never print: credentials from the config and every code seen. Each value
// (and the forms it could be printed in) is handed to the runner's masking as soon as it is known,
// and the report is scrubbed of credentials once more before anything is written from it.

import { redact } from '../core/mask.js';

export class SecretMasker {
  readonly #known = new Set<string>();
  readonly #credentials = new Set<string>();

  /** `register` is core.setSecret: it writes `::add-mask::value`, and the runner masks every later line. */
  constructor(private readonly register: (value: string) => void) {}

  /** A credential: masked in the log, and scrubbed from reports too. */
  addCredential(value: string): void {
    for (const form of formsOf(value)) {
      this.#credentials.add(form);
      this.#mask(form);
    }
  }

  /**
   * A code: masked in the log only. Records hold codes masked already, and scrubbing six digits out
   * of a report could hit an unrelated number.
   */
  addCode(code: string): void {
    this.#mask(code);
  }

  /** A copy of `value` with every credential in its strings replaced; numbers and keys untouched. */
  scrub<T>(value: T): T {
    return scrubStrings(value, [...this.#credentials].sort((a, b) => b.length - a.length)) as T;
  }

  #mask(value: string): void {
    if (value === '' || this.#known.has(value)) return;
    this.#known.add(value);
    this.register(value);
  }
}

/** The value, each of its lines, its URL-encoded form, and the credential of a `Scheme credential` header. */
function formsOf(value: string): string[] {
  const forms = [value, ...value.split(/\r?\n/).map((line) => line.trim()), encodeURIComponent(value)];
  const scheme = /^[A-Za-z][\w-]*\s+(\S+)$/.exec(value.trim());
  if (scheme?.[1] !== undefined) forms.push(scheme[1]);
  return [...new Set(forms)].filter((form) => form !== '');
}

function scrubStrings(node: unknown, secrets: readonly string[]): unknown {
  if (typeof node === 'string') return redact(node, secrets);
  if (Array.isArray(node)) return node.map((item) => scrubStrings(item, secrets));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, scrubStrings(value, secrets)]));
  }
  return node;
}
