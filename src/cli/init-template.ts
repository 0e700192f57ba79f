// What `otp-canary init` writes: a config that runs as it is, against the embedded sandbox, and shows
// in comments where a real app and a real inbox go. A test keeps it valid and runnable.

export const INIT_TEMPLATE = `# otp-canary.yml, written by \`otp-canary init\`. It runs as it is, against the embedded sandbox (a
# simulated carrier and a reference OTP service, no accounts needed):
#
#   npx otp-canary validate --config otp-canary.yml
#   npx otp-canary run --config otp-canary.yml
#
# Then point a check at your own app and a real inbox: the commented blocks below show how. Every
# field is described in docs/configuration.md; \${VAR} is read from the environment when the file loads.

# A label on every metric and report, so probes in different places can be told apart.
location: local

# The embedded world the sandbox checks talk to. Remove it once no check says \`type: sandbox\`.
sandbox:
  carrier:
    delay: { median: 400ms, p95: 1500ms }   # SMS delivery delay (log-normal)
    loss: 0.02                              # one SMS in fifty never arrives
  otp: { ttl: 5m, resendWindow: 0s, maxAttempts: 5 }

checks:
  - name: signup                     # the \`check\` label: a-z, 0-9, _ . -
    number: "+15555550100"           # the test number that receives the SMS (E.164)
    trigger: { type: sandbox }       # asks the OTP service to send a code
    inbox: { type: sandbox }         # reads the SMS that reached the number
    verify: { type: sandbox }        # submits the code it carried
    timeouts: { delivery: 10s, total: 30s, step: 5s }
    degradedAfter: 5s                # a success slower than this is \`degraded\`
    controls: [wrong_code_rejected, single_use]   # anti-abuse assertions, run by the probe
    schedule: "*/30 * * * * *"       # probe only: a run every 30 seconds
    controlSchedule: "0 */5 * * * *" # probe only: the controls every 5 minutes

  # Your own app, its SMS received by a Twilio number that posts them to otp-canary:
  #
  # - name: login
  #   number: "+15551234567"
  #   trigger:
  #     type: http
  #     request:
  #       method: POST
  #       url: https://staging.example.com/api/otp/send
  #       headers: { Authorization: "Bearer \${STAGING_API_TOKEN}" }
  #       json: { phone: "{{number}}" }
  #     expect: { status: 200 }
  #   inbox:
  #     type: webhook
  #     format: twilio
  #     authToken: \${TWILIO_AUTH_TOKEN}
  #     publicUrl: https://canary.example.com/webhooks/twilio
  #   verify:
  #     type: http
  #     request:
  #       method: POST
  #       url: https://staging.example.com/api/otp/verify
  #       json: { phone: "{{number}}", code: "{{code}}" }
  #     expect: { status: 200 }
  #   policy: { ttl: 5m, resendWindow: 30s, maxAttempts: 5 }   # what your app promises
  #
  # Other inboxes: { type: mailslurp, apiKey: "\${MAILSLURP_API_KEY}", phoneId: ... },
  # { type: mailosaur, ... }, { type: twilio, ... } (polling), { type: webhook, format: vonage | generic }.
  # Other triggers and verifiers: twilio-verify, vonage-verify. See docs/providers.md.

# The release gate: \`otp-canary run\` exits 1 when a check misses these.
gate:
  minSuccessRate: 0.9
  maxP95DeliverySeconds: 5
`;
