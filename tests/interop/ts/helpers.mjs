// Shared by the interop tests: a headless "browser" for the server's login and consent pages, and
// an in-memory OAuthClientProvider for the TypeScript SDK's auth() that uses it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

// Never listened on: the "browser" stops at the 303 and reads the code from its Location.
const REDIRECT_URL = 'http://127.0.0.1/callback';


export function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e) => {
    const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e.toLowerCase()];
    if (named) return named;
    return String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

function attributes(tag) {
  const attrs = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][-\w:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** The first `<form>` of a page: its action (absolute) and its hidden fields, checkboxes and buttons. */
export function parseForm(html, pageUrl) {
  const form = html.match(/<form\b([^>]*)>([\s\S]*?)<\/form>/i);
  assert.ok(form, `no <form> in:\n${html}`);
  const formAttrs = attributes(form[1]);
  const inputs = [...form[2].matchAll(/<input\b([^>]*)>/gi)].map((m) => attributes(m[1]));
  const buttons = [...form[2].matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].map((m) => ({
    ...attributes(m[1]),
    text: decodeEntities(m[2].trim()),
  }));
  return {
    method: (formAttrs.method ?? 'get').toLowerCase(),
    action: new URL(formAttrs.action ?? '', pageUrl),
    hidden: inputs.filter((i) => i.type === 'hidden').map((i) => [i.name, i.value]),
    checkboxes: inputs.filter((i) => i.type === 'checkbox'),
    buttons,
  };
}

export function decodeJwt(token) {
  const parts = token.split('.');
  assert.equal(parts.length, 3, `not a JWS compact serialization: ${token}`);
  const [header, payload] = parts.slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
  return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
}

/**
 * A cookie jar for one origin, enough for the authorize → login → consent round trip
 * (the server's cookie is Path=/oauth, which every form action is under).
 */
export class CookieJar {
  #cookies = new Map();
  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  get(name) {
    return this.#cookies.get(name);
  }
  names() {
    return [...this.#cookies.keys()];
  }
  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Plays the user agent on the server's login and consent pages; returns the redirect back. */
export async function headlessBrowserLogin(authorizationUrl, { username, tools, skip = [], jar = new CookieJar() }) {
  const trail = [];

  // 1. The authorization endpoint answers with the login page and sets the CSRF cookie.
  const loginRes = await fetch(authorizationUrl, { redirect: 'manual' });
  const loginHtml = await loginRes.text();
  assert.equal(loginRes.status, 200, `GET ${authorizationUrl} → ${loginRes.status}: ${loginHtml}`);
  assert.match(loginRes.headers.get('content-type') ?? '', /^text\/html/);
  jar.store(loginRes);
  // One CSRF cookie per flow, named after it.
  assert.ok(
    jar.names().some((n) => n.startsWith('frontmcp_csrf_')),
    `no frontmcp_csrf_* cookie: ${loginRes.headers.getSetCookie()}`,
  );
  trail.push('login');

  const login = parseForm(loginHtml, authorizationUrl);
  assert.equal(login.method, 'post');
  const hiddenNames = login.hidden.map(([n]) => n);
  assert.ok(hiddenNames.includes('csrf_token') && hiddenNames.includes('pending'), `login form hidden fields: ${hiddenNames}`);
  const loginBody = new URLSearchParams(login.hidden);
  loginBody.append('username', username);
  loginBody.append('password', '');

  // 2. Signing in (development login: any user name) leads to the consent page.
  const consentRes = await fetch(login.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
    body: loginBody,
    redirect: 'manual',
  });
  const consentHtml = await consentRes.text();
  assert.equal(consentRes.status, 200, `POST ${login.action} → ${consentRes.status}: ${consentHtml}`);
  jar.store(consentRes);
  assert.match(consentHtml, /<h1>Authorize Access<\/h1>/);
  trail.push('consent');

  const consent = parseForm(consentHtml, login.action);
  assert.equal(consent.method, 'post');
  const offered = consent.checkboxes.filter((c) => c.name === 'tool').map((c) => c.value);
  for (const tool of tools) assert.ok(offered.includes(tool), `tool ${tool} not offered: ${offered}`);
  assert.ok(
    consent.buttons.some((b) => b.name === 'action' && b.value === 'continue'),
    `no continue button: ${JSON.stringify(consent.buttons)}`,
  );
  // Skipped apps: each press of Skip shows the consent screen again.
  for (const app of skip) {
    const body = new URLSearchParams(consent.hidden);
    for (const tool of tools) body.append('tool', tool);
    body.append('action', `skip:${app}`);
    const res = await fetch(consent.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
      body,
      redirect: 'manual',
    });
    const html = await res.text();
    assert.equal(res.status, 200, `skip:${app} → ${res.status}: ${html}`);
    trail.push(`skip:${app}`);
  }
  const consentBody = new URLSearchParams(consent.hidden);
  for (const tool of tools) consentBody.append('tool', tool);
  consentBody.append('action', 'continue');

  // 3. "Continue with authorized apps" sends the user agent back to the client.
  const doneRes = await fetch(consent.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
    body: consentBody,
    redirect: 'manual',
  });
  const doneText = await doneRes.text();
  assert.equal(doneRes.status, 303, `POST ${consent.action} → ${doneRes.status}: ${doneText}`);
  const location = doneRes.headers.get('location');
  assert.ok(location, '303 without a Location');
  trail.push('redirect');
  return { location: new URL(location), offered, trail };
}

/**
 * An in-memory OAuthClientProvider. It stores what the SDK hands it unchanged (including the
 * `issuer` stamp) and logs in through `headlessBrowserLogin` when asked to redirect.
 */
export class InMemoryOAuthProvider {
  constructor({ username, tools, skip = [] }) {
    this.username = username;
    this.tools = tools;
    this.skip = skip;
    this.jar = new CookieJar(); // the browser's cookies, sign-in included
    this.redirects = []; // authorization URLs the SDK sent us to
    this.callbacks = []; // where the server sent the user agent back to
    this.states = [];
    this._clientInformation = undefined;
    this._tokens = undefined;
    this._codeVerifier = undefined;
    this._discoveryState = undefined;
  }

  get redirectUrl() {
    return REDIRECT_URL;
  }

  get clientMetadata() {
    // No token_endpoint_auth_method: the server's default (client_secret_basic) applies.
    return {
      client_name: 'frontmcp-interop-ts-oauth',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    };
  }

  state() {
    const state = randomBytes(16).toString('base64url');
    this.states.push(state);
    return state;
  }

  clientInformation() {
    return this._clientInformation;
  }

  saveClientInformation(info) {
    this._clientInformation = info;
  }

  tokens() {
    return this._tokens;
  }

  saveTokens(tokens) {
    this._tokens = tokens;
  }

  saveCodeVerifier(verifier) {
    this._codeVerifier = verifier;
  }

  codeVerifier() {
    assert.ok(this._codeVerifier, 'no code verifier saved');
    return this._codeVerifier;
  }

  saveDiscoveryState(state) {
    this._discoveryState = state;
  }

  discoveryState() {
    return this._discoveryState;
  }

  invalidateCredentials(scope) {
    if (scope === 'all' || scope === 'client') this._clientInformation = undefined;
    if (scope === 'all' || scope === 'tokens') this._tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this._codeVerifier = undefined;
    if (scope === 'all' || scope === 'discovery') this._discoveryState = undefined;
  }

  async redirectToAuthorization(authorizationUrl) {
    this.redirects.push(new URL(authorizationUrl));
    const result = await headlessBrowserLogin(authorizationUrl, {
      username: this.username,
      tools: this.tools,
      skip: this.skip,
      jar: this.jar,
    });
    this.callbacks.push(result);
  }
}


/**
 * Follows an app's authorization link (AUTH_REQUIRED's auth_url) in a browser holding `jar`: the
 * server remembers the sign-in and shows the app's card, the user presses Authorize, the server
 * sends the browser to the app's provider (the DEMO provider, approved headlessly as
 * `upstreamUser`), which sends it back to the server's callback. The final page.
 */
export async function followAuthorizationLink(link, jar, upstreamUser) {
  const app = new URL(link).searchParams.get('app');
  const cardRes = await fetch(link, { headers: { cookie: jar.header() }, redirect: 'manual' });
  const cardHtml = await cardRes.text();
  jar.store(cardRes);
  assert.equal(cardRes.status, 200, `GET ${link} → ${cardRes.status}: ${cardHtml}`);
  const card = parseForm(cardHtml, link);
  assert.ok(
    card.buttons.some((b) => b.name === 'action' && b.value === `authorize:${app}`),
    `no Authorize on ${app}'s card: ${JSON.stringify(card.buttons)}`,
  );
  const body = new URLSearchParams(card.hidden);
  body.append('action', `authorize:${app}`);
  const toProvider = await fetch(card.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
    body,
    redirect: 'manual',
  });
  await toProvider.text();
  assert.equal(toProvider.status, 303, `Authorize → ${toProvider.status}`);
  const provider = new URL(toProvider.headers.get('location'));
  provider.searchParams.set('demo_auto', 'allow');
  provider.searchParams.set('demo_user', upstreamUser);
  const back = await fetch(provider, { redirect: 'manual' });
  await back.text();
  assert.equal(back.status, 302, `the provider answered ${back.status}`);
  const callback = await fetch(back.headers.get('location'), { headers: { cookie: jar.header() }, redirect: 'manual' });
  return { status: callback.status, html: await callback.text() };
}
