/** Bearer-token check. Compared in constant time, so response timing says nothing about how much of a guess matched. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/** A check for one token; hashing both sides first gives equal lengths, so even the token's length stays secret. */
export function bearerCheck(token: string): (req: IncomingMessage) => void {
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new HttpError(401, 'UNAUTHORIZED', match ? 'the bearer token is not valid' : 'send Authorization: Bearer <token>', {
        headers: { 'www-authenticate': 'Bearer realm="hourglass"' },
      });
    }
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
