// Extraction speed: microseconds to find the code in one SMS, with the built-in heuristics and with a
// check's own pattern, over messages shaped like real providers' OTP texts.

import { extractOtp } from '../src/core/extract.js';
import type { ExtractOptions } from '../src/core/types.js';
import type { BenchSection } from './section.js';

const MESSAGES = [
  'G-482913 is your Google verification code.',
  'Your otp-canary sandbox verification code is 730214. It expires in 5 minutes.',
  '<#> Your WhatsApp code: 118-402. Don\'t share this code with others. 4sgLq1p5sV6',
  'Microsoft account security code: 9921. If you didn\'t request it, ignore this message.',
  'Use 553 901 to verify your Acme account. Call +1 (555) 555-0199 if this wasn\'t you. Ref 2024-06-01.',
  'Your Amazon OTP is 482913. Do not share it with anyone. Order #114-2233445-6677889 ships 06/14.',
  '[Bank] Code 71 04 28 for a payment of $1,250.00 to ACME LTD on 12/03 at 14:32. Not you? Call 0800 123 456.',
  'Tu código de verificación es 305119. Válido por 10 minutos.',
  'Dein Bestätigungscode lautet: 662 048',
  'Your login code is A7K-29Q. It expires at 10:45.',
  'Hi! Thanks for signing up. Your verification code is 2468 and it is valid for 15 minutes. Reply STOP to opt out, HELP for help. Msg&data rates may apply.',
  'Welcome to the service. No code in this one, just a reminder that your appointment on 2024-07-01 is confirmed.',
];

const ITERATIONS = 2_000;

/** Mean microseconds per call of `extract` over the corpus, after a warm-up, and the slowest message's mean. */
function timeExtraction(options: ExtractOptions, iterations = ITERATIONS): { meanUs: number; slowestUs: number } {
  const perMessageUs = MESSAGES.map((message) => {
    for (let i = 0; i < 200; i++) extractOtp(message, options);
    const start = performance.now();
    for (let i = 0; i < iterations; i++) extractOtp(message, options);
    return ((performance.now() - start) * 1000) / iterations;
  });
  return { meanUs: perMessageUs.reduce((sum, us) => sum + us, 0) / perMessageUs.length, slowestUs: Math.max(...perMessageUs) };
}

export async function benchExtract(): Promise<BenchSection> {
  const heuristics = timeExtraction({});
  const pattern = timeExtraction({ pattern: '(?<code>\\d{6})' });
  const us = (value: number) => `${value.toFixed(1)} µs`;
  return {
    title: 'Extraction: time to find the code in one SMS',
    lines: [
      `${MESSAGES.length} messages shaped like real OTP texts (bank, messenger, marketplace, several languages, one with no code), ` +
        `${ITERATIONS} calls each after a warm-up.`,
      '',
      '| extraction | mean per message | slowest message |',
      '| --- | ---: | ---: |',
      `| built-in heuristics | ${us(heuristics.meanUs)} | ${us(heuristics.slowestUs)} |`,
      `| the check's own pattern \`(?<code>\\d{6})\` | ${us(pattern.meanUs)} | ${us(pattern.slowestUs)} |`,
    ],
  };
}
