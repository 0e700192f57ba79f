// The sandbox as the team's own app: a check's `http` trigger and verify against its send and verify API.

export function sandboxAppSteps(sandboxUrl: string) {
  return {
    trigger: { type: 'http', request: { method: 'POST', url: `${sandboxUrl}/api/otp/send`, json: { phone: '{{number}}' } }, expect: { status: 200 } },
    verify: { type: 'http', request: { method: 'POST', url: `${sandboxUrl}/api/otp/verify`, json: { phone: '{{number}}', code: '{{code}}' } }, expect: { status: 200 } },
  };
}
