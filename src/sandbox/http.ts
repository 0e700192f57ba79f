// node:http plumbing of the sandbox's own: its JSON request bodies, and a signal for a client that left.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpRefusal, readBody } from '../http/serving.js';

const MAX_BODY_BYTES = 64 * 1024;

/** The request's JSON body; a read still going when `signal` aborts is cut off with the request. */
export async function readJsonBody(req: IncomingMessage, signal: AbortSignal): Promise<unknown> {
  const text = (await readBody(req, { maxBytes: MAX_BODY_BYTES, signal })).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpRefusal(400, `request body is not JSON: ${(error as Error).message}`, {}, { code: 'invalid_json', cause: error });
  }
}

/** Aborts when the client goes away before the answer, so long-polls and holds stop early. */
export function clientGone(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
  });
  req.on('error', () => controller.abort(new Error('request stream failed')));
  return controller.signal;
}
