/**
 * Reading a request: the path and query, and a JSON body with a size limit. Everything that can go wrong with
 * what a client sent becomes an HttpError (400 or 413) here, before a route sees it.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Path and query of a request. Parsed by hand rather than with `new URL(req.url, base)`: a request line such
 * as `//evil.example/jobs` would otherwise be read as a host and lose its path.
 */
export function splitUrl(raw: string | undefined): { path: string; query: URLSearchParams } {
  const url = raw ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return { path: path === '' ? '/' : path, query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)) };
}

/**
 * The body as JSON, or undefined when there is none. A body needs `content-type: application/json` (or a
 * `+json` type): anything else is refused rather than guessed at.
 */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  // Mounted behind a body parser (express.json()), the stream is already consumed: use what it parsed.
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (req.readableEnded || parsed !== undefined) return fromParsedBody(parsed, req, limit);
  const text = await readText(req, limit);
  if (text === '') return undefined;
  return parseJson(text, req);
}

function fromParsedBody(body: unknown, req: IncomingMessage, limit: number): unknown {
  if (body === undefined) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const text = body.toString();
    if (Buffer.byteLength(text) > limit) throw tooLarge(limit);
    return text === '' ? undefined : parseJson(text, req);
  }
  // express.json() leaves {} for a request without a body; that is what an empty JSON object means anyway.
  return body;
}

function parseJson(text: string, req: IncomingMessage): unknown {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
    throw new HttpError(400, 'INVALID_CONTENT_TYPE', `content-type: the body must be JSON, sent as application/json (got ${JSON.stringify(type || '(none)')})`, {
      field: 'content-type',
      value: type || null,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'INVALID_JSON', `body: not valid JSON (${(error as Error).message})`, { field: 'body' });
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `body: larger than the limit of ${limit} bytes`, {
    field: 'body',
    // The rest of the body is not read: ask the client not to reuse the connection for another request.
    headers: { connection: 'close' },
  });
}

function readText(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    discard(req);
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        discard(req);
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = () => {
      cleanup();
      reject(new HttpError(400, 'REQUEST_ABORTED', 'the request body was not received in full'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onError);
  });
}

/**
 * Drop the rest of an oversized body without buffering it, so the 413 reaches a client that is still sending.
 * The 413 carries `connection: close`, so Node ends the socket once the response is out: a client that never
 * stops sending is cut off there.
 */
function discard(req: IncomingMessage): void {
  req.on('error', () => undefined);
  req.resume();
}
