// The API's Lambda authorizer (docs/deploy.md, "Machine clients"). API Gateway's JWT
// authorizer takes an access token without `aud` only when its `client_id` is in a fixed
// audience list, so it would refuse every machine client an admin creates after the
// deployment. This one checks the user pool's tokens itself, with nothing but Node's own
// crypto: RS256 against the pool's published keys, the issuer, the expiry, and then either a
// person's ID token for the site's app client, or an access token carrying a scope of the API's
// resource server. The handler then finds the client in its store (a removed one is refused
// there at once) and enforces the scopes. The claims go to the handler as the context.

import { createPublicKey, verify } from 'node:crypto';

const ISSUER = process.env.ISSUER;
const AUDIENCE = process.env.AUDIENCE;
const RESOURCE_SERVER = process.env.RESOURCE_SERVER || 'elanmalan';
// Keys are fetched once per container, and again for an unknown `kid` at most once a minute.
const REFETCH_MS = 60_000;

let keys = new Map();
let fetchedAt = 0;

async function publicKey(kid) {
  if (!keys.has(kid) && Date.now() - fetchedAt > REFETCH_MS) {
    fetchedAt = Date.now();
    const response = await fetch(`${ISSUER}/.well-known/jwks.json`, {
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) {
      throw new Error(`jwks: ${response.status}`);
    }
    const { keys: list } = await response.json();
    keys = new Map(list.map((k) => [k.kid, createPublicKey({ key: k, format: 'jwk' })]));
  }
  return keys.get(kid);
}

function part(text) {
  return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
}

/** The verified claims of `token`, or null. */
export async function claimsOf(token, now = Date.now() / 1000) {
  const parts = token.split('.');
  if (parts.length !== 3) {
    return null;
  }
  const header = part(parts[0]);
  if (header.alg !== 'RS256' || typeof header.kid !== 'string') {
    return null;
  }
  const key = await publicKey(header.kid);
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  if (!key || !verify('RSA-SHA256', signed, key, Buffer.from(parts[2], 'base64url'))) {
    return null;
  }
  const claims = part(parts[1]);
  if (claims.iss !== ISSUER || !(claims.exp > now) || (claims.nbf && claims.nbf > now)) {
    return null;
  }
  if (claims.token_use === 'id') {
    return claims.aud === AUDIENCE ? claims : null;
  }
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const api = scopes.some((s) => s.startsWith(`${RESOURCE_SERVER}/`));
  if (claims.token_use === 'access' && typeof claims.client_id === 'string' && api) {
    return claims;
  }
  return null;
}

/** The claims as the context's strings; a list as API Gateway's JWT authorizer gives it. */
function context(claims) {
  const flat = {};
  for (const [name, value] of Object.entries(claims)) {
    flat[name] = Array.isArray(value) ? `[${value.join(' ')}]` : String(value);
  }
  return flat;
}

export const handler = async (event) => {
  const header = event.headers?.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  try {
    const claims = token ? await claimsOf(token) : null;
    return claims ? { isAuthorized: true, context: context(claims) } : { isAuthorized: false };
  } catch (error) {
    // A malformed token or an unreachable key set: refused, and only the reason logged.
    console.warn('authorizer refused a token:', error.message);
    return { isAuthorized: false };
  }
};
