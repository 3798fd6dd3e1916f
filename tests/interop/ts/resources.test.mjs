// Interop test: resources, prompts and completions of `agent_suite` as the official MCP
// TypeScript SDK sees them, under progressive authorization.
//
//   MCP_URL=http://127.0.0.1:8080/mcp node --test resources.test.mjs
//
// Bea signs in through the SDK's own auth(), skipping Slack and GitHub. The CRM's contacts are
// resources (a list and a template with completion) and its email prompt embeds one; GitHub's
// issues are a resource of an app she has not authorized yet: reading it is refused with the
// seeds' AUTH_REQUIRED object, and once she followed its link the same read succeeds with the
// same token.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

import { InMemoryOAuthProvider, followAuthorizationLink } from './helpers.mjs';

const MCP_URL = process.env.MCP_URL;
if (!MCP_URL) {
  throw new Error('set MCP_URL (e.g. http://127.0.0.1:8080/mcp)');
}

const TOOLS = ['crm:get_contacts', 'crm:update_contact', 'slack:send_message', 'slack:list_channels', 'github:create_issue', 'github:list_repos'];

describe('resources, prompts and completions from the TypeScript SDK', () => {
  const provider = new InMemoryOAuthProvider({ username: 'bea', tools: TOOLS, skip: ['slack', 'github'] });
  let client;
  let token;

  after(async () => {
    if (client) await client.close();
  });

  it('signs in and connects', async () => {
    assert.equal(await auth(provider, { serverUrl: MCP_URL }), 'REDIRECT');
    const code = provider.callbacks[0].location.searchParams.get('code');
    assert.equal(await auth(provider, { serverUrl: MCP_URL, authorizationCode: code }), 'AUTHORIZED');
    token = provider.tokens().access_token;
    client = new Client({ name: 'frontmcp-interop-resources', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider }));
    const capabilities = client.getServerCapabilities();
    assert.ok(capabilities.resources && capabilities.prompts && capabilities.completions, JSON.stringify(capabilities));
  });

  it('lists and reads the CRM contacts, and completes a contact ID', async () => {
    const { resources } = await client.listResources();
    const contacts = resources.find((r) => r.uri === 'crm://contacts');
    assert.ok(contacts, JSON.stringify(resources));
    assert.equal(contacts._meta['dev.frontmcp/authorized'], true);
    const { resourceTemplates } = await client.listResourceTemplates();
    const uris = resourceTemplates.map((t) => t.uriTemplate);
    assert.ok(uris.includes('crm://contacts/{id}'), JSON.stringify(uris));
    const github = resourceTemplates.find((t) => t.uriTemplate.startsWith('github://'));
    assert.equal(github._meta['dev.frontmcp/authorized'], false, 'GitHub is not authorized yet');

    const read = await client.readResource({ uri: 'crm://contacts/2' });
    assert.equal(read.contents[0].mimeType, 'application/json');
    assert.equal(JSON.parse(read.contents[0].text).name, 'Grace Hopper');
    await assert.rejects(client.readResource({ uri: 'crm://contacts/99' }), (err) => {
      assert.ok(err instanceof McpError);
      assert.equal(err.code, -32002);
      return true;
    });

    const completed = await client.complete({
      ref: { type: 'ref/resource', uri: 'crm://contacts/{id}' },
      argument: { name: 'id', value: '' },
    });
    assert.deepEqual(completed.completion.values, ['1', '2', '3']);
  });

  it('gets the email prompt, with a completed contact name', async () => {
    const { prompts } = await client.listPrompts();
    const email = prompts.find((p) => p.name === 'crm:email_contact');
    assert.deepEqual(email.arguments.map((a) => [a.name, a.required ?? false]), [['contact', true], ['topic', false]]);
    const completed = await client.complete({
      ref: { type: 'ref/prompt', name: 'crm:email_contact' },
      argument: { name: 'contact', value: 'al' },
    });
    assert.deepEqual(completed.completion.values, ['Alan Turing']);
    const prompt = await client.getPrompt({ name: 'crm:email_contact', arguments: { contact: 'Alan Turing', topic: 'tea' } });
    assert.equal(prompt.messages[0].content.type, 'resource');
    assert.equal(prompt.messages[0].content.resource.uri, 'crm://contacts/3');
    assert.match(prompt.messages[1].content.text, /Alan Turing at Bletchley Park about tea/);
    await assert.rejects(client.getPrompt({ name: 'crm:email_contact', arguments: {} }), (err) => {
      assert.equal(err.code, -32602);
      return true;
    });
  });

  it('a GitHub resource asks for GitHub first; after the link, it is read with the same token', async () => {
    const uri = 'github://repos/frontmcp/examples/issues';
    let object;
    await assert.rejects(client.readResource({ uri }), (err) => {
      assert.ok(err instanceof McpError, `${err}`);
      object = err.data;
      return true;
    });
    assert.equal(object.code, 'AUTH_REQUIRED', JSON.stringify(object));
    assert.equal(object.app, 'github');
    assert.equal(object.resource, uri);
    assert.deepEqual(object.required_scopes, ['repo']);

    const done = await followAuthorizationLink(object.auth_url, provider.jar, 'bea-on-github');
    assert.equal(done.status, 200, done.html);
    const read = await client.readResource({ uri });
    const issues = JSON.parse(read.contents[0].text);
    assert.equal(issues.repo, 'frontmcp/examples');
    assert.equal(issues.read_by, 'bea-on-github');
    assert.equal(provider.tokens().access_token, token, 'the session token changed');
  });
});
