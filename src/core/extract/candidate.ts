// The shapes extraction hands out. Positions are UTF-16 indices into the caller's original text.

export interface OtpCandidate {
  /** Normalised: ASCII digits and letters, separators removed, leading zeros kept. */
  code: string;
  /** Sum of the signals in `reasons`; higher is more likely the code. */
  score: number;
  start: number;
  /** Exclusive. */
  end: number;
  /** Every signal that moved the score, in words, so a wrong pick can be debugged. Never holds a code. */
  reasons: string[];
}

export interface ExtractResult {
  /** The best candidate's code, when it is convincing enough to submit. */
  code?: string;
  /** True when another, different code came close to the chosen one: worth an `ambiguous_code` warning. */
  ambiguous: boolean;
  /** Best first. */
  candidates: OtpCandidate[];
}
