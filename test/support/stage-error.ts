// Awaiting a stage that must fail: the StageError it rejects with, for the test to assert on.

import { expect } from 'vitest';
import { StageError } from '../../src/core/outcome.js';

/** Fails the test unless `promise` rejects with a StageError. */
export async function stageError(promise: Promise<unknown>): Promise<StageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StageError);
  return error as StageError;
}
