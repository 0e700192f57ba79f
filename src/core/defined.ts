/**
 * The object without its keys whose value is `undefined`: spread over defaults, it overrides only
 * what was given (`{ ...defaults, ...definedOnly(given) }`), never a default with `undefined`.
 */
export function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
