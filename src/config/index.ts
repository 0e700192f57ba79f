// otp-canary.yml: parsing, validation, the parsed Config type, its JSON Schema and the demo config.

export { loadConfig, parseConfig, type ParseConfigOptions } from './load.js';
export { ConfigError, formatProblem, type ConfigProblem } from './problems.js';
export { configJsonSchema } from './json-schema.js';
export { configWarnings, type ConfigWarning } from './warnings.js';
export { toCheckSpec } from './check-spec.js';
export { demoConfig, DEMO_CONFIG } from './demo.js';
export { parseDuration, parseSize } from '../fields/units.js';
export type {
  CheckConfig,
  Config,
  ConfigInput,
  GateConfig,
  HttpStepConfig,
  InboxConfig,
  ProbeConfig,
  TriggerConfig,
  VerifyConfig,
} from './schema.js';
