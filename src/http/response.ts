/** What a route returns, and writing it (or an error) to the response. Routes never touch `res` themselves. */
import type { ServerResponse } from 'node:http';
import type { HttpError } from './errors.js';

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType: string; headers?: Record<string, string> }
  /** Bytes as they are (a static file, possibly gzipped: its headers say so). */
  | { status: number; body: Buffer; contentType: string; headers?: Record<string, string> }
  | { status: 204 | 304; headers?: Record<string, string> };

export function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...reply.headers };
  let body: string | Buffer | undefined;
  if ('json' in reply) {
    body = JSON.stringify(reply.json);
    headers['content-type'] = 'application/json; charset=utf-8';
  } else if ('text' in reply) {
    body = reply.text;
    headers['content-type'] = reply.contentType;
  } else if ('body' in reply) {
    body = reply.body;
    headers['content-type'] = reply.contentType;
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(reply.status, headers);
  res.end(body);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  const { headers, field, value } = error.extra;
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (field !== undefined) body.field = field;
  if (value !== undefined) body.value = value;
  send(res, { status: error.status, json: { error: body }, ...(headers ? { headers } : {}) });
}
