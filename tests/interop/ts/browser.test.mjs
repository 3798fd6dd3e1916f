// Browser test: a real Chromium (driven by playwright-core) through a frontmcp-rs server's
// (the `agent_suite` example) OAuth 2.1 login and consent pages.
//
//   MCP_URL=http://127.0.0.1:8080/mcp node --test browser.test.mjs
//
// It registers a public client whose redirect URI is a tiny local HTTP server, opens the
// authorization URL (real PKCE S256 pair), signs in, and walks the consent screen through every
// status: CRM Authorized by the sign-in, Slack and GitHub Pending; Slack skipped; GitHub
// authorized at its provider (the DEMO provider) and back. It continues, exchanges the code, and
// then authorizes Slack later from its tool's AUTH_REQUIRED link, with prompt=consent. Uses the
// system Chromium at /usr/bin/chromium and never downloads a browser; when that is missing the
// test fails under CI and is skipped otherwise. With SCREENSHOTS_DIR set it saves a screenshot of
// each step there (docs/images/ holds the committed ones).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';

const MCP_URL = process.env.MCP_URL; // MCP_TOKEN may also be set: not used here.
if (!MCP_URL) {
  throw new Error('set MCP_URL (e.g. http://127.0.0.1:8080/mcp)');
}
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS_DIR = process.env.SCREENSHOTS_DIR;
const STEP_TIMEOUT_MS = 10_000;

function jwtPayload(token) {
  const parts = token.split('.');
  assert.equal(parts.length, 3, `not a JWT: ${token}`);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

/** A one-route HTTP server standing in for the client's redirect URI. */
async function startCallbackServer() {
  const hits = [];
  let arrived;
  const firstHit = new Promise((resolve) => {
    arrived = resolve;
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    hits.push(url.searchParams);
    arrived(url.searchParams);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('done');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    hits,
    firstHit,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${url} → ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function screenshot(page, name) {
  if (!SCREENSHOTS_DIR) return;
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, name), fullPage: true });
}

test('Chromium walks sign-in, every consent status, an app at its provider, and authorize later', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    const reason = `${CHROMIUM} not found`;
    if (process.env.CI) {
      assert.fail(`${reason} (CI is set, so this is a failure, not a skip)`);
    }
    console.error(`!!!!! SKIPPING browser test: ${reason}; install Chromium to run it`);
    t.skip(reason);
    return;
  }
  const { chromium } = await import('playwright-core');

  // Discovery (RFC 9728 → RFC 8414) and dynamic client registration (RFC 7591).
  const prmUrl = new URL('/.well-known/oauth-protected-resource' + new URL(MCP_URL).pathname, MCP_URL);
  const prm = await getJson(prmUrl);
  assert.equal(prm.resource, MCP_URL);
  const issuer = prm.authorization_servers[0];
  const asMeta = await getJson(new URL('/.well-known/oauth-authorization-server', issuer));
  assert.equal(asMeta.issuer, issuer);

  const callback = await startCallbackServer();
  t.after(() => callback.close());

  const regRes = await fetch(asMeta.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_name: 'frontmcp-interop-browser',
      redirect_uris: [callback.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  });
  const registration = await regRes.json();
  assert.equal(regRes.status, 201, JSON.stringify(registration));
  assert.ok(registration.client_id, JSON.stringify(registration));

  // The authorization request, with a real PKCE pair.
  const codeVerifier = randomBytes(32).toString('base64url');
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorizeUrl = new URL(asMeta.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: registration.client_id,
    redirect_uri: callback.redirectUri,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    scope: prm.scopes_supported.join(' '),
    resource: MCP_URL,
  })) {
    authorizeUrl.searchParams.set(k, v);
  }

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 800, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);

  // Login page.
  const loginResponse = await page.goto(authorizeUrl.href);
  assert.equal(loginResponse?.status(), 200);
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  const csrfCookie = (await context.cookies(authorizeUrl.origin + '/oauth')).find((c) => c.name.startsWith('frontmcp_csrf_'));
  assert.ok(csrfCookie, 'no frontmcp_csrf cookie');
  assert.equal(csrfCookie.httpOnly, true);
  assert.equal(csrfCookie.sameSite, 'Lax');
  assert.equal(csrfCookie.path, '/oauth');
  await screenshot(page, 'agent-suite-login.png');
  await page.getByLabel('User name').fill('ada');
  await page.getByRole('button', { name: 'Sign in' }).click();

  // Consent page: the CRM is covered by the sign-in; Slack and GitHub have their own providers.
  await page.getByRole('heading', { name: 'Authorize Access', level: 1 }).waitFor();
  const card = (name) => page.locator('section.app').filter({ has: page.getByRole('heading', { name, level: 2 }) });
  const badge = async (name) => (await card(name).locator('.badge').textContent())?.trim();
  const cards = page.locator('section.app');
  assert.equal(await cards.count(), 3);
  assert.deepEqual(await cards.locator('h2').allTextContents(), ['CRM', 'Slack', 'GitHub']);
  assert.equal(await badge('CRM'), 'Authorized');
  assert.equal(await badge('Slack'), 'Pending');
  assert.equal(await badge('GitHub'), 'Pending');
  await screenshot(page, 'consent-pending.png');

  // Deselect crm:update_contact: the session must not be able to call it.
  await card('CRM').locator('summary').click();
  const updateContact = card('CRM').locator('input[name="tool"][value="crm:update_contact"]');
  assert.equal(await updateContact.isChecked(), true, 'tools start selected');
  await updateContact.uncheck();

  // Skip Slack: the card turns Skipped and offers "Authorize Later"; the choice of tools stays.
  await card('Slack').getByRole('button', { name: 'Skip' }).click();
  await page.getByRole('heading', { name: 'Authorize Access', level: 1 }).waitFor();
  assert.equal(await badge('Slack'), 'Skipped');
  assert.equal(await badge('GitHub'), 'Pending');
  assert.equal(await card('Slack').getByRole('button', { name: 'Authorize Later' }).count(), 1);
  assert.equal(await card('CRM').locator('input[value="crm:update_contact"]').isChecked(), false);
  await screenshot(page, 'consent-statuses.png');

  // Authorize GitHub: the browser goes to GitHub's provider (the DEMO provider), allows, and comes
  // back to the consent screen with GitHub Authorized.
  await card('GitHub').getByRole('button', { name: 'Authorize' }).click();
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  assert.match(await page.title(), /DEMO GitHub/);
  await page.locator('input[name="user"]').fill('ada-on-github');
  await screenshot(page, 'demo-provider.png');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.getByRole('heading', { name: 'Authorize Access', level: 1 }).waitFor();
  assert.equal(await badge('CRM'), 'Authorized');
  assert.equal(await badge('Slack'), 'Skipped');
  assert.equal(await badge('GitHub'), 'Authorized');
  await screenshot(page, 'consent-authorized.png');

  // Continue: the server redirects (303) to our callback with code, state and iss.
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(callback.redirectUri)),
    page.getByRole('button', { name: 'Continue with authorized apps' }).click(),
  ]);
  assert.equal((await page.textContent('body'))?.trim(), 'done');
  const query = await callback.firstHit;
  assert.equal(callback.hits.length, 1);
  assert.equal(query.get('error'), null, `error=${query.get('error')} ${query.get('error_description')}`);
  const code = query.get('code');
  assert.ok(code, `no code: ${query}`);
  assert.equal(query.get('state'), state);
  assert.equal(query.get('iss'), issuer); // RFC 9207

  // Exchange the code (public client: client_id in the body, no secret).
  const tokenRes = await fetch(asMeta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: callback.redirectUri,
      client_id: registration.client_id,
      code_verifier: codeVerifier,
      resource: MCP_URL,
    }),
  });
  const tokens = await tokenRes.json();
  assert.equal(tokenRes.status, 200, JSON.stringify(tokens));
  assert.match(tokens.token_type, /^bearer$/i);
  const claims = jwtPayload(tokens.access_token);
  assert.equal(claims.aud, MCP_URL);
  assert.equal(claims.sub, 'ada');
  assert.deepEqual(claims.authorized_apps, ['crm', 'github'], JSON.stringify(claims));
  assert.deepEqual(claims.pending_apps, ['slack'], JSON.stringify(claims));
  assert.ok(Array.isArray(claims.selected_tools), `selected_tools: ${JSON.stringify(claims)}`);
  assert.ok(!claims.selected_tools.includes('crm:update_contact'), JSON.stringify(claims.selected_tools));
  assert.ok(claims.selected_tools.includes('slack:send_message'), JSON.stringify(claims.selected_tools));
  assert.ok(claims.selected_tools.includes('crm:get_contacts'), JSON.stringify(claims.selected_tools));

  // Authorize later: Slack's tool answers AUTH_REQUIRED with a link; the same browser (still
  // signed in) opens it with prompt=consent, sees Slack's card, authorizes, and the same call
  // with the same token then succeeds.
  const mcp = await mcpSession(tokens.access_token);
  const required = await mcp.call('slack:send_message', { channel: 'general', message: 'hello' });
  assert.equal(required.isError, true, JSON.stringify(required));
  const notice = required._meta['dev.frontmcp/authorization'];
  assert.equal(notice.code, 'AUTH_REQUIRED');
  const link = new URL(notice.auth_url);
  link.searchParams.set('prompt', 'consent');
  await page.goto(link.href);
  await page.getByRole('heading', { name: 'Authorize Access', level: 1 }).waitFor();
  assert.equal(await cards.count(), 1);
  assert.equal(await badge('Slack'), 'Skipped');
  await screenshot(page, 'consent-later.png');
  // The card of one app offers to authorize now, and says which tool asked for what.
  assert.equal(await card('Slack').getByRole('button', { name: 'Authorize Later' }).count(), 0);
  assert.match(await page.locator('p.lead').innerText(), /the tool slack:send_message you called/);
  assert.match(await card('Slack').locator('.app-scopes').innerText(), /chat:write/);
  await card('Slack').getByRole('button', { name: 'Authorize', exact: true }).click();
  await page.locator('input[name="user"]').fill('ada-on-slack');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.getByRole('heading', { name: 'Slack authorized', level: 1 }).waitFor();
  await screenshot(page, 'app-authorized.png');
  const sent = await mcp.call('slack:send_message', { channel: 'general', message: 'hello' });
  assert.notEqual(sent.isError, true, JSON.stringify(sent));
  assert.equal(sent.structuredContent.posted_as, 'ada-on-slack');
});

/** A minimal MCP client over fetch: initialize, then tools/call with the session token. */
async function mcpSession(token) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${token}`,
  };
  const post = async (body, extra = {}) => {
    const res = await fetch(MCP_URL, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.ok, `POST ${body.method} → ${res.status}: ${text}`);
    return { res, json: text ? JSON.parse(text) : null };
  };
  const { res } = await post({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'browser-test', version: '0' } },
  });
  const session = { 'mcp-session-id': res.headers.get('mcp-session-id'), 'mcp-protocol-version': '2025-11-25' };
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session);
  return {
    async call(name, args) {
      const { json } = await post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }, session);
      assert.ok(json.result, JSON.stringify(json));
      return json.result;
    },
  };
}
