// Test numbers: the phone numbers checks receive their SMS on, rented from a provider that allows it.
// One provisioner per provider (Twilio, MailSlurp); the CLI's `numbers` command drives them.

export interface TestNumber {
  /** The provider's id of the number (e.g. Twilio's PN… SID, MailSlurp's phone id). */
  readonly id: string;
  /** E.164; print it masked unless the user asked for it. */
  readonly number: string;
  readonly provider: string;
  /** ISO 3166-1 alpha-2, when the provider says. */
  readonly country?: string;
  /** The provider's friendly name or label, e.g. the environment the number serves. */
  readonly label?: string;
}

export interface ProvisionRequest {
  /** ISO 3166-1 alpha-2, e.g. "US", "GB". */
  readonly country: string;
  /** Stored as the number's friendly name / label, so numbers per environment can be told apart. */
  readonly label?: string;
  /** Where the provider should POST inbound SMS (Twilio's SmsUrl), when it supports webhooks. */
  readonly smsWebhookUrl?: string;
}

export interface NumberProvisioner {
  readonly type: string;
  list(signal: AbortSignal): Promise<TestNumber[]>;
  provision(request: ProvisionRequest, signal: AbortSignal): Promise<TestNumber>;
  release(id: string, signal: AbortSignal): Promise<void>;
}
