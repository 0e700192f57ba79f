import { describe, expect, it } from 'vitest';
import { renderRequest, validateRequestTemplate, type HttpRequestTemplate } from '../src/providers/http/template.js';

const values = { number: '+15555550100', code: '012345' };

describe('renderRequest', () => {
  it('percent-encodes placeholders in the URL so a + survives', () => {
    const rendered = renderRequest({ method: 'GET', url: 'https://app.test/otp?phone={{number}}&c={{ code }}' }, values);
    expect(rendered.url).toBe('https://app.test/otp?phone=%2B15555550100&c=012345');
  });

  it('substitutes string leaves of json and keeps the structure and non-string values', () => {
    const template: HttpRequestTemplate = {
      method: 'POST',
      url: 'https://app.test/verify',
      json: { code: '{{code}}', user: { phone: '{{number}}', tags: ['otp', 'to {{number}}'] }, attempts: 1, trusted: false, note: null },
    };
    const rendered = renderRequest(template, values);
    expect(JSON.parse(rendered.body!)).toEqual({
      code: '012345',
      user: { phone: '+15555550100', tags: ['otp', 'to +15555550100'] },
      attempts: 1,
      trusted: false,
      note: null,
    });
    expect(rendered.headers['content-type']).toBe('application/json');
  });

  it('substitutes header values and keeps an explicit content type', () => {
    const rendered = renderRequest(
      { method: 'POST', url: 'https://app.test/', headers: { 'X-Phone': '{{number}}', 'Content-Type': 'application/vnd.app+json' }, json: {} },
      values,
    );
    expect(rendered.headers).toEqual({ 'x-phone': '+15555550100', 'content-type': 'application/vnd.app+json' });
  });

  it('form-encodes form values', () => {
    const rendered = renderRequest({ method: 'POST', url: 'https://app.test/', form: { To: '{{number}}', Code: '{{code}}' } }, values);
    expect(rendered.body).toBe('To=%2B15555550100&Code=012345');
    expect(rendered.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('substitutes a raw body verbatim', () => {
    const rendered = renderRequest({ method: 'PUT', url: 'https://app.test/', body: '<otp to="{{number}}">{{code}}</otp>' }, values);
    expect(rendered.body).toBe('<otp to="+15555550100">012345</otp>');
  });

  it('does not modify the template', () => {
    const template: HttpRequestTemplate = { method: 'POST', url: 'https://app.test/', json: { phone: '{{number}}' } };
    renderRequest(template, values);
    expect(template.json).toEqual({ phone: '{{number}}' });
  });
});

describe('validateRequestTemplate', () => {
  it('names the path of a placeholder the stage does not provide', () => {
    const template: HttpRequestTemplate = { method: 'POST', url: 'https://app.test/', json: { otp: { value: '{{code}}' } } };
    expect(() => validateRequestTemplate(template, ['number'], 'trigger.request')).toThrow(
      'trigger.request.json.otp.value: unknown placeholder {{code}} (available here: {{number}})',
    );
  });

  it('rejects two body kinds at once', () => {
    const template: HttpRequestTemplate = { method: 'POST', url: 'https://app.test/', json: {}, body: 'x' };
    expect(() => validateRequestTemplate(template, ['number'], 'trigger.request')).toThrow('give one of json, form or body, not json and body');
  });

  it('rejects a relative URL', () => {
    expect(() => validateRequestTemplate({ method: 'GET', url: '/otp/send' }, ['number'], 'trigger.request')).toThrow('trigger.request.url: not an absolute URL');
  });

  it('accepts a template using only the available placeholders', () => {
    const template: HttpRequestTemplate = { method: 'POST', url: 'https://app.test/{{number}}', json: { code: '{{code}}' } };
    expect(() => validateRequestTemplate(template, ['number', 'code'], 'verify.request')).not.toThrow();
  });
});
