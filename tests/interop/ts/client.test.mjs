// Interop test: the official MCP TypeScript SDK client against a frontmcp-rs
// server (the `agent_suite` example) over Streamable HTTP.
//
//   MCP_URL=http://127.0.0.1:8080/mcp node --test client.test.mjs
//
// The tests in the `describe` block share one connection and run in order;
// the last one ends the session.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, ErrorCode } from '@modelcontextprotocol/sdk/types.js';

const MCP_URL = process.env.MCP_URL;
const MCP_TOKEN = process.env.MCP_TOKEN;
if (!MCP_URL || !MCP_TOKEN) {
  throw new Error('set MCP_URL (e.g. http://127.0.0.1:8080/mcp) and MCP_TOKEN (a session token for it)');
}
const AUTHORIZATION = `Bearer ${MCP_TOKEN}`;

const TOOL_NAMES = [
  'crm:get_contacts',
  'crm:update_contact',
  'slack:send_message',
  'slack:list_channels',
  'github:create_issue',
  'github:list_repos',
];

function textOf(result) {
  return result.content
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}

async function messagesIn(client, channel) {
  const result = await client.callTool({ name: 'slack:list_channels', arguments: {} });
  assert.notEqual(result.isError, true, textOf(result));
  const found = result.structuredContent.channels.find((c) => c.name === channel);
  assert.ok(found, `channel ${channel} missing from ${JSON.stringify(result.structuredContent)}`);
  return found.messages;
}

describe('TypeScript SDK client against frontmcp-rs', () => {
  let client;
  let transport;

  before(async () => {
    client = new Client({ name: 'frontmcp-interop-ts', version: '0.0.0' });
    transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
      requestInit: { headers: { Authorization: AUTHORIZATION } },
    });
    await client.connect(transport);
  });

  after(async () => {
    // Only matters if a test failed before the session test closed it.
    await client?.close();
  });

  it('initializes and reports the server name and a session id', () => {
    assert.equal(client.getServerVersion()?.name, 'AgentSuite');
    assert.ok(transport.sessionId, 'server issued no Mcp-Session-Id');
    assert.ok(client.getServerCapabilities()?.tools, 'server did not advertise tools');
  });

  it('lists all six tools, with an outputSchema on crm:get_contacts', async () => {
    // The SDK compiles output schemas with Ajv, which warns about anything non-standard.
    const warnings = [];
    const warn = console.warn;
    console.warn = (...args) => warnings.push(args.join(' '));
    let tools;
    try {
      ({ tools } = await client.listTools());
    } finally {
      console.warn = warn;
    }
    assert.deepEqual(warnings, [], 'the schemas made the SDK warn');
    const names = tools.map((t) => t.name);
    for (const name of TOOL_NAMES) {
      assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`);
    }
    const getContacts = tools.find((t) => t.name === 'crm:get_contacts');
    assert.equal(getContacts.outputSchema?.type, 'object');
  });

  it('calls crm:get_contacts and reads structuredContent', async () => {
    const result = await client.callTool({ name: 'crm:get_contacts', arguments: { search: 'ada' } });
    assert.notEqual(result.isError, true, textOf(result));
    assert.equal(result.structuredContent.contacts.length, 1);
    assert.equal(result.structuredContent.contacts[0].name, 'Ada Lovelace');
  });

  it('slack:send_message increments the count in slack:list_channels', async () => {
    const before = await messagesIn(client, 'general');
    const sent = await client.callTool({
      name: 'slack:send_message',
      arguments: { channel: 'general', message: 'hello from the TypeScript SDK' },
    });
    assert.notEqual(sent.isError, true, textOf(sent));
    assert.equal(sent.structuredContent.channel, 'general');
    assert.equal(typeof sent.structuredContent.ts, 'number');
    assert.equal(await messagesIn(client, 'general'), before + 1);
  });

  it('invalid arguments give an isError result naming the missing field', async () => {
    const result = await client.callTool({ name: 'slack:send_message', arguments: { channel: 'general' } });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /missing field `message`/);
  });

  it('an unknown tool is rejected with McpError -32602', async () => {
    await assert.rejects(
      client.callTool({ name: 'crm:no_such_tool', arguments: {} }),
      (err) => {
        assert.ok(err instanceof McpError, `expected McpError, got ${err}`);
        assert.equal(err.code, ErrorCode.InvalidParams);
        return true;
      },
    );
  });

  it('terminateSession ends the session: the old id then gets HTTP 404', async () => {
    const sessionId = transport.sessionId;
    const protocolVersion = transport.protocolVersion;
    assert.ok(sessionId);

    await transport.terminateSession();
    assert.equal(transport.sessionId, undefined);
    await client.close();

    const response = await fetch(MCP_URL, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        authorization: AUTHORIZATION,
        'mcp-protocol-version': protocolVersion,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/list' }),
    });
    await response.body?.cancel();
    assert.equal(response.status, 404);
  });
});
