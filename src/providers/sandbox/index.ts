// The `sandbox` providers: trigger, inbox and verifier against the embedded sandbox's HTTP API.

export { createSandboxTrigger, type SandboxTriggerOptions } from './trigger.js';
export { createSandboxInbox, type SandboxInboxOptions } from './inbox.js';
export { createSandboxVerifier, type SandboxVerifierOptions } from './verifier.js';
