import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { isValidTwilioSignature, twilioSignature, type TwilioParams } from '../src/providers/twilio/signature.js';

const TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';

const cases: [string, string, TwilioParams][] = [
  ['a plain https URL', 'https://probe.example.com/webhooks/twilio', { MessageSid: 'SM123', From: '+15005550006', To: '+15555550100', Body: 'Your code is 482913' }],
  ['a URL with a port and a query', 'http://127.0.0.1:8080/webhooks/twilio?check=signup-us&env=staging', { Body: 'code 1234', To: '+447700900123' }],
  ['a Unicode body', 'https://probe.example.com/webhooks/twilio', { Body: 'Votre code est 482913 — ne le partagez pas 🔐', From: 'ACMEßank', To: '+33612345678' }],
  ['a Unicode query', 'https://probe.example.com/webhooks/twilio?name=José', { Body: 'x' }],
  ['repeated parameters', 'https://probe.example.com/hook', { MediaUrl: ['https://b', 'https://a', 'https://b'], Body: '' }],
  ['no parameters', 'https://probe.example.com/hook?bodySHA256=abc', {}],
];

describe('twilioSignature', () => {
  it('matches the documented test vector', () => {
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it.each(cases)('agrees with the twilio SDK on %s', (_name, url, params) => {
    expect(twilioSignature(TOKEN, url, params)).toBe(twilio.getExpectedTwilioSignature(TOKEN, url, params as Record<string, string>));
  });
});

describe('isValidTwilioSignature', () => {
  it.each(cases)('accepts what the twilio SDK accepts on %s', (_name, url, params) => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, params as Record<string, string>);
    expect(twilio.validateRequest(TOKEN, signature, url, params as Record<string, string>)).toBe(true);
    expect(isValidTwilioSignature(TOKEN, url, params, signature)).toBe(true);
  });

  it.each([
    ['the default port was added by a proxy', 'https://probe.example.com/hook', 'https://probe.example.com:443/hook'],
    ['the default port was stripped by a proxy', 'https://probe.example.com:443/hook', 'https://probe.example.com/hook'],
    ['a non-default port was added by a proxy', 'https://probe.example.com/hook?x=José', 'https://probe.example.com:8443/hook?x=José'],
    ['the signer escaped the query', "https://probe.example.com/hook?q=it's", "https://probe.example.com/hook?q=it%27s"],
  ])('agrees with the twilio SDK when %s', (_name, signedUrl, receivedUrl) => {
    const params = { Body: 'code 482913', To: '+15555550100' };
    const signature = twilio.getExpectedTwilioSignature(TOKEN, signedUrl, params);
    const sdk = twilio.validateRequest(TOKEN, signature, receivedUrl, params);
    expect(sdk).toBe(true);
    expect(isValidTwilioSignature(TOKEN, receivedUrl, params, signature)).toBe(sdk);
  });

  it.each([
    ['another token', 'wrong-token', { Body: 'code 482913' }],
    ['a changed body', TOKEN, { Body: 'code 000000' }],
    ['an added parameter', TOKEN, { Body: 'code 482913', Extra: '1' }],
  ])('rejects a signature made with %s, as the twilio SDK does', (_name, signingToken, receivedParams) => {
    const url = 'https://probe.example.com/webhooks/twilio';
    const signature = twilio.getExpectedTwilioSignature(signingToken, url, { Body: 'code 482913' });
    expect(twilio.validateRequest(TOKEN, signature, url, receivedParams)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, url, receivedParams, signature)).toBe(false);
  });

  it('rejects a different path', () => {
    const params = { Body: 'x' };
    const signature = twilioSignature(TOKEN, 'https://probe.example.com/webhooks/twilio', params);
    expect(isValidTwilioSignature(TOKEN, 'https://probe.example.com/webhooks/other', params, signature)).toBe(false);
  });

  it('returns false rather than throwing for a URL that does not parse', () => {
    expect(isValidTwilioSignature(TOKEN, 'not a url', { Body: 'x' }, 'AAAA')).toBe(false);
  });
});
