// The failures a number provisioner reports, shared by every provider's provisioner so the CLI's
// `numbers` command can tell a provider's refusal (exit 1) from a bug (exit 3).

/** A provisioning step failed: the provider refused, was unreachable, or answered something unexpected. */
export class NumberProvisioningError extends Error {
  override readonly name = 'NumberProvisioningError';
  constructor(
    message: string,
    readonly details: { readonly cause?: unknown; readonly status?: number; readonly providerCode?: string } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

/** A provisioner's settings come from the environment, and this variable is missing or unusable. */
export class EnvironmentVariableError extends Error {
  override readonly name = 'EnvironmentVariableError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}
