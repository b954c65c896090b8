import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<webhook-id>.<webhook-timestamp>.<raw body>">`. Signing the id and the time as well as the body means a captured
 * delivery cannot be replayed later: receivers refuse timestamps more than 5 minutes from their own clock.
 *
 * The HMAC key: a secret given in the standard's form `whsec_<base64>` is those decoded bytes; any other secret is
 * its UTF-8 bytes, so a receiver using a Standard Webhooks library passes `whsec_` + base64(UTF-8 of the secret).
 */
export const SECRET_PREFIX = 'whsec_';

export function signingKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX)
    ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three Standard Webhooks headers for one delivery attempt; `at` is the wall-clock time of sending. */
export function standardSignature(key: Buffer, id: string, at: Date, rawBody: string): SignedHeaders {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${mac}` };
}

/**
 * Deprecated (kept for one release so receivers can move to webhook-signature): the X-Signature header value,
 * `sha256=` and the hex HMAC-SHA256 of the raw body alone, keyed with the secret's UTF-8 bytes. It does not cover
 * a time, so a captured delivery verifies forever.
 */
export function signBody(rawBody: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}
