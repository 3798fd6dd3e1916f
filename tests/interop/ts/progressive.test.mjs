// Interop test: progressive authorization as the official MCP TypeScript SDK sees it, against a
// frontmcp-rs server (the `agent_suite` example, whose Slack and GitHub are played by the DEMO
// provider).
//
//   MCP_URL=http://127.0.0.1:8080/mcp node --test progressive.test.mjs
//
// The SDK signs in through its own auth() (the user skips Slack and GitHub on the consent
// screen). A client without URL elicitation gets AUTH_REQUIRED as an isError result with the
// seeds' object; one that declared it gets UrlElicitationRequiredError and, once the user followed
// the link, notifications/elicitation/complete. The session token never changes.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { ElicitationCompleteNotificationSchema, UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';

import { InMemoryOAuthProvider, decodeJwt, followAuthorizationLink } from './helpers.mjs';

const MCP_URL = process.env.MCP_URL;
if (!MCP_URL) {
  throw new Error('set MCP_URL (e.g. http://127.0.0.1:8080/mcp)');
}

const TOOLS = ['crm:get_contacts', 'crm:update_contact', 'slack:send_message', 'slack:list_channels', 'github:create_issue', 'github:list_repos'];

function connect(provider, capabilities = {}) {
  const client = new Client({ name: 'frontmcp-interop-progressive', version: '0.0.0' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
  return { client, transport, connected: client.connect(transport) };
}

describe('progressive authorization from the TypeScript SDK', () => {
  const provider = new InMemoryOAuthProvider({ username: 'ada', tools: TOOLS, skip: ['slack', 'github'] });
  const clients = [];
  let token;

  after(async () => {
    for (const client of clients) await client.close();
  });

  it('signs in once: CRM authorized, Slack and GitHub skipped', async () => {
    assert.equal(await auth(provider, { serverUrl: MCP_URL }), 'REDIRECT');
    assert.deepEqual(provider.callbacks[0].trail, ['login', 'consent', 'skip:slack', 'skip:github', 'redirect']);
    const code = provider.callbacks[0].location.searchParams.get('code');
    assert.equal(await auth(provider, { serverUrl: MCP_URL, authorizationCode: code }), 'AUTHORIZED');
    token = provider.tokens().access_token;
    const claims = decodeJwt(token).payload;
    assert.deepEqual(claims.authorized_apps, ['crm']);
    assert.deepEqual(claims.pending_apps, ['slack', 'github']);
  });

  it('Slack answers AUTH_REQUIRED; after the link, the same call succeeds with the same token', async () => {
    const { client, connected } = connect(provider);
    clients.push(client);
    await connected;
    const crm = await client.callTool({ name: 'crm:get_contacts', arguments: { search: 'ada' } });
    assert.notEqual(crm.isError, true);

    const args = { channel: 'general', message: 'hello from the TypeScript SDK' };
    const required = await client.callTool({ name: 'slack:send_message', arguments: args });
    assert.equal(required.isError, true);
    // The seeds' object rides in _meta: slack:send_message declares an outputSchema, which the
    // object would violate as structuredContent.
    assert.equal(required.structuredContent, undefined, JSON.stringify(required));
    const object = required._meta['dev.frontmcp/authorization'];
    assert.equal(object.error, 'authorization_required');
    assert.equal(object.code, 'AUTH_REQUIRED');
    assert.equal(object.app, 'slack');
    assert.equal(object.tool, 'slack:send_message');
    assert.deepEqual(object.required_scopes, ['chat:write']);
    assert.equal(object.message, 'Slack authorization required');
    assert.equal(object.hint, 'Click the authorization link to grant access to Slack');
    const link = new URL(object.auth_url);
    assert.equal(`${link.origin}${link.pathname}`, new URL('/oauth/authorize', MCP_URL).href);
    assert.equal(link.searchParams.get('app'), 'slack');
    assert.equal(link.searchParams.get('scope'), 'chat:write');
    assert.ok(required.content[0].text.includes(object.auth_url));

    const done = await followAuthorizationLink(object.auth_url, provider.jar, 'ada-on-slack');
    assert.equal(done.status, 200, done.html);
    assert.match(done.html, /<h1>Slack authorized<\/h1>/);

    const sent = await client.callTool({ name: 'slack:send_message', arguments: args });
    assert.notEqual(sent.isError, true, JSON.stringify(sent));
    assert.equal(sent.structuredContent.posted_as, 'ada-on-slack');
    assert.equal(provider.tokens().access_token, token, 'the session token changed');
  });

  it('with URL elicitation: UrlElicitationRequiredError, then notifications/elicitation/complete', async () => {
    const { client, connected } = connect(provider, { elicitation: { url: {} } });
    clients.push(client);
    const completed = [];
    let notified;
    const arrival = new Promise((resolve) => {
      notified = resolve;
    });
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => {
      completed.push(notification.params.elicitationId);
      notified();
    });
    await connected;
    const args = { repo: 'frontmcp/examples', title: 'From the TypeScript SDK' };
    let elicitation;
    await assert.rejects(client.callTool({ name: 'github:create_issue', arguments: args }), (err) => {
      assert.ok(err instanceof UrlElicitationRequiredError, `expected UrlElicitationRequiredError, got ${err}`);
      assert.equal(err.code, -32042);
      assert.equal(err.message.includes('GitHub authorization required'), true, err.message);
      [elicitation] = err.elicitations;
      return true;
    });
    assert.equal(elicitation.mode, 'url');
    assert.ok(elicitation.elicitationId);
    assert.match(elicitation.message, /GitHub/);

    const done = await followAuthorizationLink(elicitation.url, provider.jar, 'ada-on-github');
    assert.equal(done.status, 200, done.html);
    await Promise.race([arrival, new Promise((_, reject) => setTimeout(() => reject(new Error('no completion notification')), 5000))]);
    assert.deepEqual(completed, [elicitation.elicitationId]);

    const opened = await client.callTool({ name: 'github:create_issue', arguments: args });
    assert.notEqual(opened.isError, true, JSON.stringify(opened));
    assert.equal(opened.structuredContent.author, 'ada-on-github');
    assert.equal(provider.tokens().access_token, token, 'the session token changed');
  });
});
