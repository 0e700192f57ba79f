import { describe, expect, it } from 'vitest';
import { parseTwilioForm, parseTwilioInbound } from '../src/providers/twilio/inbound.js';
import { parseGenericInbound } from '../src/providers/webhook/generic.js';

describe('parseTwilioInbound', () => {
  it('reads MessageSid, From, To and Body', () => {
    const form = 'MessageSid=SM1&SmsSid=SM1&From=%2B15005550006&To=%2B15555550100&Body=Your+code%3A+482913&ToCountry=US';
    expect(parseTwilioInbound(form)).toEqual({ id: 'SM1', from: '+15005550006', to: '+15555550100', body: 'Your code: 482913' });
  });

  it('falls back to the older SmsSid', () => {
    expect(parseTwilioInbound('SmsSid=SM2&To=%2B15555550100&Body=x').id).toBe('SM2');
  });

  it('refuses a repeated To', () => {
    expect(() => parseTwilioInbound('MessageSid=SM1&To=%2B15555550100&To=%2B15555550101&Body=x')).toThrow('To is repeated');
  });

  it('keeps every value of a repeated parameter for the signature', () => {
    expect(parseTwilioForm('MediaUrl0=a&Tag=x&Tag=y')).toEqual({ MediaUrl0: 'a', Tag: ['x', 'y'] });
  });
});

describe('parseGenericInbound', () => {
  const noId = () => 'no-id';

  it('takes the text from message or text when body is absent', () => {
    expect(parseGenericInbound(JSON.stringify({ to: '+15555550100', text: 'code 1' }), noId).body).toBe('code 1');
  });

  it('accepts a numeric id from gateways that count messages', () => {
    expect(parseGenericInbound(JSON.stringify({ to: '+15555550100', body: 'x', id: 42 }), noId).id).toBe('42');
  });

  it('names a message without an id as the handler says', () => {
    expect(parseGenericInbound(JSON.stringify({ to: '+15555550100', body: 'code 1' }), () => 'from-the-signed-content').id).toBe('from-the-signed-content');
  });

  it('refuses a receivedAt that is not a date', () => {
    expect(() => parseGenericInbound(JSON.stringify({ to: '+15555550100', body: 'x', receivedAt: 'yesterday' }), noId)).toThrow('receivedAt is not an ISO 8601 date');
  });

  it('refuses a JSON array', () => {
    expect(() => parseGenericInbound('[]', noId)).toThrow('the body is not a JSON object');
  });
});
