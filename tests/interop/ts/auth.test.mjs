// Interop test: the official MCP TypeScript SDK's OAuth client against a frontmcp-rs server
// (the `agent_suite` example), which is an OAuth 2.1 authorization server for its MCP clients
// (MCP 2025-11-25 authorization: RFC 9728 discovery, RFC 8414 metadata, RFC 7591 dynamic client
// registration, PKCE S256, RFC 8707 resource indicators, refresh token rotation).
//
//   MCP_URL=http://127.0.0.1:8080/mcp node --test auth.test.mjs
//
// The SDK drives the flow through an in-memory `OAuthClientProvider`; its
// `redirectToAuthorization` plays the browser headlessly (GET the authorize URL, keep the CSRF
// cookie, POST the login form, POST the consent form, read the 303 back to the redirect URI).
// The tests in the `describe` block share that state and run in order.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';

import { InMemoryOAuthProvider, decodeJwt } from './helpers.mjs';

const MCP_URL = process.env.MCP_URL; // MCP_TOKEN is also set by the harness: not used here.
if (!MCP_URL) {
  throw new Error('set MCP_URL (e.g. http://127.0.0.1:8080/mcp)');
}
const ISSUER = new URL(MCP_URL).origin;

async function tokenRequest(clientInfo, params) {
  const body = new URLSearchParams(params);
  const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (clientInfo.client_secret) {
    const user = encodeURIComponent(clientInfo.client_id);
    const pass = encodeURIComponent(clientInfo.client_secret);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  } else {
    body.set('client_id', clientInfo.client_id);
  }
  const res = await fetch(`${ISSUER}/oauth/token`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

function textOf(result) {
  return (result.content ?? [])
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------

describe('TypeScript SDK OAuth client against frontmcp-rs', () => {
  const TOOLS = ['crm:get_contacts', 'crm:update_contact', 'slack:list_channels'];
  const provider = new InMemoryOAuthProvider({ username: 'ada', tools: TOOLS });
  let client;
  let transport;

  after(async () => {
    await client?.close();
  });

  it('answers an unauthenticated MCP request with 401 and a resource_metadata challenge', async () => {
    const res = await fetch(MCP_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '0' } },
      }),
    });
    await res.body?.cancel();
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(res);
    assert.equal(resourceMetadataUrl?.href, `${ISSUER}/.well-known/oauth-protected-resource/mcp`);
    assert.ok(scope?.split(' ').includes('crm:read'), `scope=${scope}`);
  });

  it('refuses an SDK client without an auth provider with 401', async () => {
    const anonymous = new Client({ name: 'frontmcp-interop-ts-anonymous', version: '0.0.0' });
    const anonymousTransport = new StreamableHTTPClientTransport(new URL(MCP_URL));
    try {
      await assert.rejects(anonymous.connect(anonymousTransport), (err) => {
        assert.ok(err instanceof StreamableHTTPError, `expected a StreamableHTTPError, got ${err?.stack ?? err}`);
        assert.equal(err.code, 401);
        return true;
      });
    } finally {
      await anonymous.close().catch(() => {});
    }
  });

  it('refuses a forged bearer token with 401', async () => {
    const forged = new Client({ name: 'frontmcp-interop-ts-forged', version: '0.0.0' });
    const forgedTransport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
      requestInit: { headers: { Authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' } },
    });
    try {
      await assert.rejects(forged.connect(forgedTransport), (err) => {
        assert.ok(err instanceof StreamableHTTPError, `expected a StreamableHTTPError, got ${err?.stack ?? err}`);
        assert.equal(err.code, 401);
        return true;
      });
    } finally {
      await forged.close().catch(() => {});
    }
  });

  it('discovers, registers and redirects to authorization (auth() → REDIRECT)', async () => {
    const result = await auth(provider, { serverUrl: MCP_URL });
    assert.equal(result, 'REDIRECT');

    // Discovery: RFC 9728 → RFC 8414.
    const discovery = provider.discoveryState();
    assert.ok(discovery, 'the SDK saved no discovery state');
    assert.equal(discovery.authorizationServerUrl.replace(/\/$/, ''), ISSUER);
    assert.equal(discovery.resourceMetadata?.resource, MCP_URL);
    assert.deepEqual(discovery.resourceMetadata?.authorization_servers?.map((s) => s.replace(/\/$/, '')), [ISSUER]);
    const asMeta = discovery.authorizationServerMetadata;
    assert.equal(asMeta?.issuer, ISSUER);
    assert.deepEqual(asMeta.code_challenge_methods_supported, ['S256']);
    assert.ok(asMeta.registration_endpoint, 'no registration_endpoint');

    // Dynamic client registration (RFC 7591), confidential client by the server's default.
    const info = provider.clientInformation();
    assert.ok(info?.client_id, 'no client_id registered');
    assert.ok(info.client_secret, 'the default client_secret_basic registration returned no client_secret');
    assert.equal(info.token_endpoint_auth_method, 'client_secret_basic');
    assert.deepEqual(info.redirect_uris, [provider.redirectUrl]);

    // The authorization request the SDK built.
    assert.equal(provider.redirects.length, 1);
    const authUrl = provider.redirects[0];
    assert.equal(`${authUrl.origin}${authUrl.pathname}`, asMeta.authorization_endpoint);
    const q = authUrl.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), info.client_id);
    assert.equal(q.get('redirect_uri'), provider.redirectUrl);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.ok(q.get('code_challenge'), 'no code_challenge');
    assert.equal(q.get('resource'), MCP_URL);
    assert.equal(q.get('state'), provider.states[0]);

    // ... and where the server sent the user agent back to.
    assert.equal(provider.callbacks.length, 1);
    const { location, offered, trail } = provider.callbacks[0];
    assert.deepEqual(trail, ['login', 'consent', 'redirect']);
    assert.deepEqual(
      offered.sort(),
      [
        'crm:get_contacts',
        'crm:update_contact',
        'github:create_issue',
        'github:list_repos',
        'slack:list_channels',
        'slack:send_message',
      ],
    );
    assert.equal(`${location.origin}${location.pathname}`, provider.redirectUrl);
    assert.ok(location.searchParams.get('code'), `no code in ${location}`);
    assert.equal(location.searchParams.get('state'), provider.states[0]);
    assert.equal(location.searchParams.get('iss'), ISSUER); // RFC 9207
    assert.equal(location.searchParams.get('error'), null);
  });

  it('exchanges the authorization code (auth() → AUTHORIZED) for a JWT access token', async () => {
    const code = provider.callbacks[0].location.searchParams.get('code');
    const result = await auth(provider, { serverUrl: MCP_URL, authorizationCode: code });
    assert.equal(result, 'AUTHORIZED');
    assert.equal(provider.redirects.length, 1, 'the SDK started another authorization');

    const tokens = provider.tokens();
    assert.ok(tokens?.access_token, 'no access token saved');
    assert.ok(tokens.refresh_token, 'no refresh token saved');
    assert.match(tokens.token_type, /^bearer$/i);

    const jwt = decodeJwt(tokens.access_token);
    assert.ok(typeof jwt.payload.sub === 'string' && jwt.payload.sub, `sub: ${JSON.stringify(jwt.payload)}`);
    assert.ok(typeof jwt.payload.session_id === 'string' && jwt.payload.session_id, `session_id: ${JSON.stringify(jwt.payload)}`);
    assert.ok(Array.isArray(jwt.payload.authorized_apps), `authorized_apps: ${JSON.stringify(jwt.payload)}`);
    assert.ok(jwt.payload.authorized_apps.includes('crm'), `authorized_apps: ${JSON.stringify(jwt.payload)}`);
    assert.equal(jwt.payload.aud, MCP_URL);
    assert.equal(jwt.payload.iss, ISSUER);
    assert.ok(jwt.payload.exp > Date.now() / 1000, `exp: ${jwt.payload.exp}`);

    // The signature verifies against the published JWKS.
    const jwksUri = provider.discoveryState().authorizationServerMetadata.jwks_uri;
    const { keys } = await (await fetch(jwksUri)).json();
    const jwk = keys.find((k) => k.kid === jwt.header.kid);
    assert.ok(jwk, `kid ${jwt.header.kid} not in ${jwksUri}`);
    assert.equal(jwt.header.alg, 'ES256');
    const ok = verify('sha256', Buffer.from(jwt.signingInput), { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, jwt.signature);
    assert.ok(ok, 'the access token signature does not verify against the JWKS');
  });

  it('connects with the auth provider and calls crm:get_contacts', async () => {
    client = new Client({ name: 'frontmcp-interop-ts-oauth', version: '0.0.0' });
    transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
    await client.connect(transport);
    assert.equal(client.getServerVersion()?.name, 'AgentSuite');

    const result = await client.callTool({ name: 'crm:get_contacts', arguments: { search: 'ada' } });
    assert.notEqual(result.isError, true, textOf(result));
    assert.equal(result.structuredContent?.contacts?.[0]?.name, 'Ada Lovelace', JSON.stringify(result.structuredContent));
    assert.equal(provider.redirects.length, 1, 'connecting started another authorization');
  });

  it('refreshes the tokens with rotation; the old refresh token is then invalid_grant', async () => {
    const before = provider.tokens();
    const clientInfo = provider.clientInformation();

    // With a refresh token stored, auth() refreshes instead of authorizing again.
    const result = await auth(provider, { serverUrl: MCP_URL });
    assert.equal(result, 'AUTHORIZED');
    assert.equal(provider.redirects.length, 1, 'the refresh failed and the SDK fell back to a new authorization');
    const afterRefresh = provider.tokens();
    assert.ok(afterRefresh.access_token && afterRefresh.refresh_token, JSON.stringify(afterRefresh));
    assert.notEqual(afterRefresh.access_token, before.access_token, 'the access token was not renewed');
    assert.notEqual(afterRefresh.refresh_token, before.refresh_token, 'the refresh token was not rotated');
    const oldClaims = decodeJwt(before.access_token).payload;
    const newClaims = decodeJwt(afterRefresh.access_token).payload;
    assert.equal(newClaims.sub, oldClaims.sub);
    assert.equal(newClaims.session_id, oldClaims.session_id);
    assert.equal(newClaims.aud, MCP_URL);

    // The connected transport picks the new access token up on its next request.
    const contacts = await client.callTool({ name: 'crm:get_contacts', arguments: { search: 'grace' } });
    assert.notEqual(contacts.isError, true, textOf(contacts));
    assert.equal(contacts.structuredContent?.contacts?.[0]?.name, 'Grace Hopper', JSON.stringify(contacts.structuredContent));

    // Replaying the rotated-out refresh token fails.
    const replay = await tokenRequest(clientInfo, { grant_type: 'refresh_token', refresh_token: before.refresh_token });
    assert.equal(replay.status, 400, JSON.stringify(replay.body));
    assert.equal(replay.body.error, 'invalid_grant', JSON.stringify(replay.body));
  });
});
