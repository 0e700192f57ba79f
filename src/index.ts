// otp-canary as a library: the journey and its statistics, the providers behind three small
// interfaces, the embedded sandbox, config loading, and waitForOtp for end-to-end tests.

export { runCheck, type RunOptions } from './core/journey.js';
export { runBatch, type BatchItem, type BatchOptions, type BatchResult } from './core/batch.js';
export { runControl, type ControlOptions } from './core/controls.js';
export { NumberLeases, DEFAULT_CODE_MEMORY, type CodeMemory, type Lease } from './core/lease.js';
export { extractOtp, compileCodePattern, InvalidCodePatternError, type ExtractResult, type OtpCandidate } from './core/extract.js';
export { evaluateGate, type GateResult, type GateThresholds, type Incomplete } from './core/gate.js';
export { summarizeRuns, summarizeChecks, type CheckSummary, type ChecksSummary } from './core/summary.js';
export { wilsonInterval, nearestRankPercentile, requiredConsecutiveSuccesses } from './core/stats.js';
export { createSequentialGate, type SequentialGate, type SequentialParams } from './core/sequential.js';
export { buildReport, verdictOf, type Report, type Verdict } from './core/report.js';
export { maskCode, maskNumber } from './core/mask.js';
export {
  CONTROLS,
  FAILURE_REASONS,
  StageError,
  type ControlName,
  type ControlStatus,
  type FailureReason,
  type Origin,
  type Outcome,
  type Stage,
  type Warning,
} from './core/outcome.js';
export type {
  CheckProviders,
  Clock,
  DeliveryFailure,
  InboundSms,
  Inbox,
  InboxQuery,
  InboxResult,
  StageContext,
  Trigger,
  TriggerResult,
  Verifier,
  VerifyContext,
} from './core/providers.js';
export type { CheckSpec, ControlRecord, ExtractOptions, OtpPolicy, RunRecord } from './core/types.js';

export { loadConfig, parseConfig, ConfigError, configJsonSchema, demoConfig, type Config, type CheckConfig } from './config/index.js';
export { prepareChecks, type CheckEnvironment, type PreparedCheck } from './wiring/prepare-checks.js';
export { runGate, type GateRunOptions } from './wiring/gate-run.js';

export { startSandbox, type Sandbox, type SandboxOverrides, type GroundTruth } from './sandbox/index.js';
export { createSandboxTrigger, createSandboxInbox, createSandboxVerifier } from './providers/sandbox/index.js';
export { createHttpTrigger, createHttpVerifier } from './providers/http/provider.js';
export { WebhookInbox, InboxesByAcceptor } from './providers/webhook/inbox.js';
export { createWebhookHandler, type WebhookHandlerOptions, type WebhookSink, type VonageEndpoint } from './providers/webhook/handler.js';
export { createAcceptor, type Acceptor } from './providers/webhook/acceptor.js';
export { ReplayMemory, type ReplayMemoryOptions } from './providers/webhook/replay-memory.js';
export { startWebhookReceiver, createWebhookInbox } from './providers/webhook/receiver.js';

export { waitForOtp, OtpNotReceivedError, ConcurrentOtpWaitError, type WaitForOtpOptions, type ReceivedOtp } from './library/wait-for-otp.js';
export { VERSION } from './version.js';
