// The CLI's help: `otp-canary --help` for every command, `otp-canary COMMAND --help` for one.

const EXIT_CODES = 'Exit codes: 0 ok, 1 gate failed, 2 bad usage or config, 3 internal error.\n';

const RUN_OPTIONS = `  --config FILE                   otp-canary.yml (default: the demo checks against the embedded sandbox)
  --samples N                     verifications per check (default 20)
  --concurrency N                 verifications in flight at once (default 4)
  --checks a,b                    only these checks
  --json FILE                     write the JSON report there (checked before anything is sent); with -, the
                                  report goes to stdout and the table to stderr
  --min-success-rate X            gate threshold, overrides the config's gate block
  --max-p95-delivery-seconds S    gate threshold, overrides the config's gate block
  --fail-on-degraded              a degraded run fails the gate
  --sequential                    stop sending once the verdict is statistically decided
  --no-progress                   no progress line, even on a terminal
  --hold-probe URL                keep the probe at URL (every replica) off the checks' numbers while running;
                                  token from gate.holdProbe.token or OTP_CANARY_PROBE_TOKEN (see docs/probe.md)
  SIGINT/SIGTERM cut it short: the runs that ended are reported, marked incomplete, exit 130/143.
`;

const PROBE_OPTIONS = `  --config FILE                   otp-canary.yml (default: the demo checks against the embedded sandbox)
  --port N                        HTTP port, overrides probe.port (default 9477; 0 picks a free one)
  --host ADDRESS                  listen address, overrides probe.host
  --grace DURATION                time in-flight runs get to finish on SIGTERM/SIGINT or reload (default 30s)
  --shard i/n                     run only the checks whose number hashes to shard i of n (0-based)
  --log-level LEVEL               fatal, error, warn, info (default), debug, trace or silent
  SIGHUP reloads the config; an invalid one is refused and the running one carries on.
`;

const NUMBERS_OPTIONS = `  --provider NAME                 twilio (TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN, or TWILIO_API_KEY + TWILIO_API_SECRET)
                                  or mailslurp (MAILSLURP_API_KEY)
  --country CC                    provision: ISO country code of the number (default US)
  --label TEXT                    provision: the number's friendly name, e.g. the environment it serves
  --sms-webhook URL               provision: where the provider posts inbound SMS
  --id ID                         release: the number's id, as list prints it
  --show-numbers                  print numbers in full (masked by default)
  A provider's refusal exits 1.
`;

export const USAGE = `otp-canary: end-to-end SMS one-time-passcode checks

Usage:
  otp-canary init [--config FILE] [--force]  write an annotated otp-canary.yml that runs against the sandbox
  otp-canary run [--config FILE] [options]   run N verifications per check and gate on the results
  otp-canary probe [--config FILE] [--port N] run checks on their schedules and export Prometheus metrics
  otp-canary sandbox [--config FILE] [--port N]
                                             serve the embedded sandbox (simulated carrier + OTP service)
  otp-canary validate --config FILE [--skip-env]
                                             list every problem in a config file (--skip-env: its
                                             structure, with the variables it reads left unset)
  otp-canary schema                          print the config's JSON Schema
  otp-canary extract TEXT|- [--pattern RE] [--min-length N] [--max-length N] [--explain]
                                             print the OTP found in TEXT, or in stdin with - (exit 1 when none)
  otp-canary numbers list|provision|release --provider NAME [options]
                                             the test numbers a provider rents to the account

Options for run:
${RUN_OPTIONS}
Options for probe (see docs/probe.md):
${PROBE_OPTIONS}
Options for numbers (credentials from the environment, see docs/providers.md):
${NUMBERS_OPTIONS}
Run "otp-canary COMMAND --help" for one command's usage.

${EXIT_CODES}`;

/** Each command's own usage, for `otp-canary COMMAND --help`. */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  run: `Usage: otp-canary run [--config FILE] [options]
Run N verifications per check and gate on the results: the table on stdout, progress and messages on stderr.

${RUN_OPTIONS}
${EXIT_CODES}`,
  probe: `Usage: otp-canary probe [--config FILE] [--port N] [options]
Run checks on their schedules and export Prometheus metrics (see docs/probe.md).

${PROBE_OPTIONS}
${EXIT_CODES}`,
  sandbox: `Usage: otp-canary sandbox [--config FILE] [--port N]
Serve the embedded sandbox (simulated carrier + OTP service) on 127.0.0.1 until SIGINT/SIGTERM.

  --config FILE                   otp-canary.yml whose sandbox block configures it
  --port N                        HTTP port, overrides sandbox.port (default: a free one)

${EXIT_CODES}`,
  init: `Usage: otp-canary init [--config FILE] [--force]
Write an annotated config that runs as it is against the embedded sandbox, to start from.

  --config FILE                   where to write it (default otp-canary.yml)
  --force                         overwrite a file already there

${EXIT_CODES}`,
  validate: `Usage: otp-canary validate --config FILE [--skip-env]
List every problem in a config file, each at its path; warnings for settings that weaken a check.

  --skip-env                      check the structure with the \${VAR}s it reads left unset, naming them

${EXIT_CODES}`,
  schema: `Usage: otp-canary schema
Print the config's JSON Schema, for editors (yaml-language-server, VS Code).

${EXIT_CODES}`,
  extract: `Usage: otp-canary extract TEXT|- [--pattern RE] [--min-length N] [--max-length N] [--explain]
Print the OTP found in TEXT (with -, in stdin) alone on stdout; exit 1 when there is none.

  --pattern RE                    a regular expression with a named group code, e.g. 'code is (?<code>\\d{6})'
  --min-length N, --max-length N  the code's length bounds
  --explain                       the ranked candidates and why, on stderr

${EXIT_CODES}`,
  numbers: `Usage: otp-canary numbers list|provision|release --provider NAME [options]
The test numbers a provider rents to the account (see docs/providers.md).

${NUMBERS_OPTIONS}
${EXIT_CODES}`,
};
