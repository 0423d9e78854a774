import { generateKeyPairSync, createHmac, sign } from 'node:crypto';
import { test, expect, APIRequestContext } from '@playwright/test';
import { uniqueEmail } from '../tests/helpers';
import { ACCESS_TTL, PASSWORD, claimsOf, createAccount, headerOf, sleep, url } from './helpers';

// The example FastAPI app as an API of its own (examples/fastapi/app.py): `require_user`
// verifies signedin's access tokens offline against /.well-known/jwks.json;
// `require_live_session` also asks signedin's /auth/check.

async function signIn(request: APIRequestContext, email: string) {
  const response = await request.post(`${url('NGINX')}/auth/login`, { data: { email, password: PASSWORD } });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as { access_token: string; session: { id: string } };
}

function bearer(token: string) {
  return { headers: { Authorization: `Bearer ${token}` } };
}

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

test('the key set and the tokens are what an offline verifier needs', async ({ request }) => {
  const jwks = await request.get(`${url('NGINX')}/.well-known/jwks.json`);
  expect(jwks.status()).toBe(200);
  expect(jwks.headers()['cache-control']).toBe('public, max-age=60');
  const { keys } = await jwks.json();
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(typeof key.kid).toBe('string');
    expect(Buffer.from(key.x, 'base64url')).toHaveLength(32);
    expect(key.d, 'no private part').toBeUndefined();
  }

  const email = uniqueEmail('gw-jwks');
  const userId = await createAccount(request, email);
  const { access_token: token, session } = await signIn(request, email);
  const header = headerOf(token);
  expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
  expect(keys.map((k: { kid: string }) => k.kid)).toContain(header.kid);
  const claims = claimsOf(token);
  expect(claims.sub).toBe(userId);
  expect(claims.sid).toMatch(/^[0-9a-f]{32}$/);
  expect(`ses_${claims.sid}`).toBe(session.id);
  expect(claims.iss).toBe(url('NGINX'));
  expect(claims.exp - claims.iat).toBe(ACCESS_TTL);
});

test('signed out: the live route refuses at once, the offline one only once the token expires', async ({ request }) => {
  const app = url('APP');
  const email = uniqueEmail('gw-offline');
  const userId = await createAccount(request, email);
  const { access_token: token, session } = await signIn(request, email);
  const { exp } = claimsOf(token);

  const profile = await request.get(`${app}/api/profile`, bearer(token));
  expect(profile.status(), await profile.text()).toBe(200);
  expect(await profile.json()).toEqual({ user_id: userId, session_id: session.id.slice(4), checked: 'offline' });
  expect((await request.get(`${app}/api/export`, bearer(token))).status()).toBe(200);

  // Sign the session out (the devices page's DELETE, with the session's own token).
  const revoked = await request.delete(`${url('NGINX')}/me/sessions/${session.id}`, bearer(token));
  expect(revoked.status()).toBe(204);
  const revokedAt = Date.now() / 1000;
  expect(revokedAt, 'the test revoked before the token expired').toBeLessThan(exp - 1);

  // The live check sees it at once.
  const live = await request.get(`${app}/api/export`, bearer(token));
  expect(live.status()).toBe(401);
  expect(live.headers()['www-authenticate']).toBe('Bearer');

  // The offline check cannot: 200 until `exp`, then 401 — the documented delay.
  let lastOk = 0;
  let firstRefused = 0;
  while (Date.now() / 1000 < exp + 3) {
    const status = (await request.get(`${app}/api/profile`, bearer(token))).status();
    const now = Date.now() / 1000;
    if (status === 200) {
      expect(firstRefused, 'never 200 again once refused').toBe(0);
      lastOk = now;
    } else {
      expect(status).toBe(401);
      firstRefused ||= now;
    }
    await sleep(200);
  }
  expect(lastOk, 'the offline route still answered after the sign-out').toBeGreaterThan(revokedAt);
  expect(lastOk).toBeLessThan(exp + 0.5);
  expect(firstRefused).toBeGreaterThan(exp - 1);
  expect(firstRefused).toBeLessThan(exp + 1);
});

test('a token from another key, tampered with, or of the wrong kind is refused offline', async ({ request }) => {
  const app = url('APP');
  const email = uniqueEmail('gw-forged');
  await createAccount(request, email);
  const { access_token: token } = await signIn(request, email);
  const [rawHeader, rawClaims, signature] = token.split('.');
  const header = headerOf(token);
  const claims = claimsOf(token);
  const status = async (t: string) => (await request.get(`${app}/api/profile`, bearer(t))).status();

  // The genuine token passes (so every refusal below is about what was changed).
  expect(await status(token)).toBe(200);

  // Signed by another Ed25519 key under the genuine kid, and under a kid of its own.
  const { privateKey } = generateKeyPairSync('ed25519');
  const signed = (h: object, c: object) => {
    const input = `${b64(JSON.stringify(h))}.${b64(JSON.stringify(c))}`;
    return `${input}.${b64(sign(null, Buffer.from(input), privateKey))}`;
  };
  expect(await status(signed(header, claims))).toBe(401);
  expect(await status(signed({ ...header, kid: 'mallory' }, claims))).toBe(401);

  // The genuine signature on changed claims: another user, a longer life.
  const otherUser = { ...claims, sub: 'f'.repeat(32) };
  expect(await status(`${rawHeader}.${b64(JSON.stringify(otherUser))}.${signature}`)).toBe(401);
  const longer = { ...claims, exp: claims.exp + 3600 };
  expect(await status(`${rawHeader}.${b64(JSON.stringify(longer))}.${signature}`)).toBe(401);
  // One flipped bit of the signature.
  const flipped = Buffer.from(signature, 'base64url');
  flipped[0] ^= 1;
  expect(await status(`${rawHeader}.${rawClaims}.${b64(flipped)}`)).toBe(401);

  // alg=none, and HS256 "signed" with the published public key as the secret.
  expect(await status(`${b64(JSON.stringify({ ...header, alg: 'none' }))}.${rawClaims}.`)).toBe(401);
  const jwks = await (await request.get(`${url('SIGNEDIN')}/.well-known/jwks.json`)).json();
  const publicX = jwks.keys.find((k: { kid: string }) => k.kid === header.kid).x;
  const hsInput = `${b64(JSON.stringify({ ...header, alg: 'HS256' }))}.${rawClaims}`;
  for (const secret of [publicX, Buffer.from(publicX, 'base64url')]) {
    const mac = createHmac('sha256', secret).update(hsInput).digest();
    expect(await status(`${hsInput}.${b64(mac)}`)).toBe(401);
  }

  // The genuine token, once expired.
  await sleep(Math.max(0, claims.exp * 1000 - Date.now()) + 1000);
  expect(await status(token)).toBe(401);
  // And no token at all.
  expect((await request.get(`${app}/api/profile`)).status()).toBe(401);
});
