// One-time code extraction: the public face of ./extract/. Pure: no I/O, deterministic.

export type { ExtractResult, OtpCandidate } from './extract/candidate.js';
export { extractOtp, MAX_SCANNED_CHARS } from './extract/engine.js';
export { compileCodePattern, InvalidCodePatternError } from './extract/pattern.js';
