// The API's Lambda authorizer (infra/authorizer/index.mjs) against tokens signed here with a
// key of our own, its key set served on loopback as the user pool serves its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { generateKeyPairSync, sign } from 'node:crypto';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };

const server = createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({ keys: [jwk] }));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}/eu-north-1_Example01`;
process.env.ISSUER = issuer;
process.env.AUDIENCE = 'webclient';
const { handler } = await import('../../infra/authorizer/index.mjs');

function token(claims, { key = privateKey, kid = 'k1', alg = 'RS256' } = {}) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg, kid })}.${encode(claims)}`;
  return `${head}.${sign('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
}

const now = Math.floor(Date.now() / 1000);
const base = { iss: issuer, iat: now, exp: now + 3600 };
const person = { ...base, token_use: 'id', aud: 'webclient', sub: 'anna', 'custom:role': 'installer',
  'custom:org': 'demo_el', 'cognito:groups': ['firm-admins'] };
const machine = { ...base, token_use: 'access', client_id: 'abc123', sub: 'abc123',
  scope: 'elanmalan/cases.read elanmalan/cases.write' };

async function authorize(jwt) {
  return handler({ headers: { authorization: `Bearer ${jwt}` } });
}

test('a person and a machine client are let through with their claims', async () => {
  const answer = await authorize(token(person));
  assert.equal(answer.isAuthorized, true);
  assert.equal(answer.context['custom:role'], 'installer');
  assert.equal(answer.context['cognito:groups'], '[firm-admins]');
  const client = await authorize(token(machine));
  assert.equal(client.isAuthorized, true);
  assert.equal(client.context.client_id, 'abc123');
  assert.equal(client.context.scope, 'elanmalan/cases.read elanmalan/cases.write');
  assert.equal(client.context.exp, String(machine.exp));
});

test('everything else is refused', async () => {
  const refused = [
    ['no token', ''],
    ['garbage', 'a.b.c'],
    ['another key', token(person, { key: other.privateKey })],
    ['an unknown key id', token(person, { kid: 'k2' })],
    ['HS256', token(person, { alg: 'HS256' })],
    ['expired', token({ ...person, exp: now - 1 })],
    ['another issuer', token({ ...person, iss: 'https://example.com/pool' })],
    ['another app client', token({ ...person, aud: 'someone-else' })],
    ['an access token without the API scope', token({ ...machine, scope: 'openid email' })],
    ['an access token without a client', token({ ...machine, client_id: undefined })],
    ['a token of no use', token({ ...machine, token_use: 'refresh' })],
  ];
  for (const [what, jwt] of refused) {
    const answer = await handler({ headers: jwt ? { authorization: `Bearer ${jwt}` } : {} });
    assert.deepEqual(answer, { isAuthorized: false }, what);
  }
});

test.after(() => server.close());
