export const USAGE = `otp-canary: end-to-end SMS one-time-passcode checks

Usage:
  otp-canary run [--config FILE] [options]   run N verifications per check and gate on the results
  otp-canary probe [--config FILE] [--port N] run checks on their schedules and export Prometheus metrics
  otp-canary sandbox [--config FILE] [--port N]
                                             serve the embedded sandbox (simulated carrier + OTP service)
  otp-canary validate --config FILE          list every problem in a config file
  otp-canary schema                          print the config's JSON Schema
  otp-canary extract TEXT [--pattern RE] [--min-length N] [--max-length N] [--explain]
                                             print the OTP found in TEXT (exit 1 when there is none)

Options for run:
  --config FILE                   otp-canary.yml (default: the demo checks against the embedded sandbox)
  --samples N                     verifications per check (default 20)
  --concurrency N                 verifications in flight at once (default 4)
  --checks a,b                    only these checks
  --json FILE                     write the JSON report there
  --min-success-rate X            gate threshold, overrides the config's gate block
  --max-p95-delivery-seconds S    gate threshold, overrides the config's gate block
  --fail-on-degraded              a degraded run fails the gate
  --sequential                    stop sending once the verdict is statistically decided
  --no-progress                   no progress line, even on a terminal

Exit codes: 0 ok, 1 gate failed, 2 bad usage or config, 3 internal error.
`;
