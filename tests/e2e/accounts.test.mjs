// Accounts over HTTP: signup, login (CerebralOS, Cendriix and Cortex portal shapes), /v1/auth/me,
// email verification.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, newAccount } from './lib/server.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.cleanup(); });

test('signup answers 201 in the {success,data} envelope and a duplicate email 409', async () => {
  const email = `dup_${Date.now()}@example.com`;
  const first = await call(srv.url, 'POST', '/v1/auth/signup', { body: { email, password: 'longenough1', name: 'Dee' } });
  assert.equal(first.status, 201);
  assert.equal(first.body.success, true);
  assert.match(first.body.data.userId, /^usr_/);
  assert.equal(first.body.data.message, 'Account created');

  const again = await call(srv.url, 'POST', '/v1/auth/signup', { body: { email: email.toUpperCase(), password: 'longenough1' } });
  assert.equal(again.status, 409);
  assert.equal(again.body.success, false);
  assert.equal(again.body.error.code, 'conflict');
  assert.match(again.body.error.message, /already registered/);
  assert.equal(again.body.error.requestId, again.headers.get('x-request-id'));
});

test('signup validation names the field', async () => {
  const shortPw = await call(srv.url, 'POST', '/v1/auth/signup', { body: { email: 'x@example.com', password: 'short' } });
  assert.equal(shortPw.status, 422);
  assert.deepEqual(Object.keys(shortPw.body.error.fieldErrors), ['password']);

  const badEmail = await call(srv.url, 'POST', '/v1/auth/signup', { body: { email: 'not-an-email', password: 'longenough1' } });
  assert.equal(badEmail.status, 422);
  assert.ok(badEmail.body.error.fieldErrors.email);

  const wrongType = await call(srv.url, 'POST', '/v1/auth/signup', { body: { email: 42, password: 'longenough1' } });
  assert.equal(wrongType.status, 422);
  assert.match(wrongType.body.error.message, /email must be a string/);

  const missing = await call(srv.url, 'POST', '/v1/auth/signup', { body: { password: 'longenough1' } });
  assert.equal(missing.status, 422);
  assert.match(missing.body.error.message, /email is required/);
});

test('login returns a JWT in both the Cerebral and the Cendriix shape; wrong password is 401', async () => {
  const acct = await newAccount(srv.url);
  const ok = await call(srv.url, 'POST', '/v1/auth/login', { body: { email: acct.email, password: acct.password } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.success, true);
  assert.match(ok.body.data.token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(ok.body.token, ok.body.data.token);
  assert.equal(ok.body.data.user.email, acct.email);
  assert.match(ok.body.data.user.tenantId, /^[0-9a-f-]{36}$/);

  const bad = await call(srv.url, 'POST', '/v1/auth/login', { body: { email: acct.email, password: 'wrong password' } });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.error.code, 'unauthorized');

  const unknown = await call(srv.url, 'POST', '/v1/auth/login', { body: { email: 'nobody@example.com', password: 'whatever1' } });
  assert.equal(unknown.status, 401);
  assert.equal(unknown.body.error.message, bad.body.error.message, 'unknown users and wrong passwords look alike');

  const oauth = await call(srv.url, 'POST', '/v1/auth/login', { body: { provider: 'github', oauthId: '1', email: acct.email } });
  assert.equal(oauth.status, 400);
});

test('portal login answers the Cortex shape with company_id', async () => {
  const acct = await newAccount(srv.url);
  const r = await call(srv.url, 'POST', '/portal/api/login', { body: { email: acct.email, password: acct.password } });
  assert.equal(r.status, 200);
  assert.equal(r.body.user.company_id, acct.tenantId);
  assert.equal(r.body.user.email, acct.email);
  const bad = await call(srv.url, 'POST', '/portal/api/login', { body: { email: acct.email, password: 'nope nope' } });
  assert.equal(bad.status, 401);
  assert.equal(typeof bad.body.detail, 'string');
  const invalid = await call(srv.url, 'POST', '/portal/api/login', { body: { email: acct.email } });
  assert.equal(invalid.status, 422);
  assert.deepEqual(invalid.body.detail[0].loc, ['body', 'password']);
});

test('/v1/auth/me needs a JWT and lists the workspaces', async () => {
  const acct = await newAccount(srv.url, 'Mia');
  const me = await call(srv.url, 'GET', '/v1/auth/me', { token: acct.token });
  assert.equal(me.status, 200);
  assert.equal(me.body.email, acct.email);
  assert.equal(me.body.data.email, acct.email);
  assert.equal(me.body.displayName, 'Mia');
  assert.equal(me.body.workspaces.length, 1);
  assert.equal(me.body.workspaces[0].id, acct.tenantId);
  assert.equal(me.body.workspaces[0].role, 'owner');

  assert.equal((await call(srv.url, 'GET', '/v1/auth/me')).status, 401);
  const key = await call(srv.url, 'POST', '/v1/api-keys', { token: acct.token, body: { name: 'k' } });
  const withKey = await call(srv.url, 'GET', '/v1/auth/me', { apiKey: key.body.data.key });
  assert.equal(withKey.status, 401);
  assert.match(withKey.body.error.message, /JWT required/);
});

test('with email verification on, login is 403 until the logged link is opened', async () => {
  const v = await startServer({ env: { BRAINSTEM_AUTH_EMAIL_VERIFICATION: 'true' } });
  try {
    const email = `verify_${Date.now()}@example.com`;
    const s = await call(v.url, 'POST', '/v1/auth/signup', { body: { email, password: 'longenough1' } });
    assert.equal(s.status, 201);
    assert.equal(s.body.data.message, 'Verification email sent');
    const early = await call(v.url, 'POST', '/v1/auth/login', { body: { email, password: 'longenough1' } });
    assert.equal(early.status, 403);
    assert.match(early.body.error.message, /not verified/);

    let link;
    for (let i = 0; i < 40 && !link; i++) {
      link = v.logs().match(/verification link for \S+: (\S+)/)?.[1];
      if (!link) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(link, 'the verification link is logged');
    const path = new URL(link).pathname + new URL(link).search;
    const opened = await call(v.url, 'GET', path);
    assert.equal(opened.status, 200);
    assert.equal(opened.body.data.verified, true);
    const reused = await call(v.url, 'GET', path);
    assert.equal(reused.status, 404);

    const later = await call(v.url, 'POST', '/v1/auth/login', { body: { email, password: 'longenough1' } });
    assert.equal(later.status, 200);
  } finally {
    await v.cleanup();
  }
});
