// Interop test: the official MCP TypeScript SDK against the `openapi_gateway` example, whose tools
// come from an OpenAPI spec (the demo Petstore API). The SDK compiles every output schema with
// Ajv and checks each structuredContent against it, so this proves the generated schemas.
//
//   MCP_URL=http://127.0.0.1:8080/mcp MCP_TOKEN=... node --test openapi.test.mjs
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const { MCP_URL, MCP_TOKEN } = process.env;
if (!MCP_URL || !MCP_TOKEN) {
  throw new Error('set MCP_URL and MCP_TOKEN (a session token with the Petstore authorized)');
}

describe('TypeScript SDK against tools generated from an OpenAPI spec', () => {
  let client;

  before(async () => {
    client = new Client({ name: 'frontmcp-interop-openapi', version: '0.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(MCP_URL), {
        requestInit: { headers: { Authorization: `Bearer ${MCP_TOKEN}` } },
      }),
    );
  });

  after(async () => {
    await client?.close();
  });

  it('lists the operations as tools; their schemas compile without warnings', async () => {
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
    assert.deepEqual(
      tools.map((t) => t.name),
      ['petstore:list_pets', 'petstore:add_pet', 'petstore:get_pet', 'petstore:adopt_pet'],
    );
    const add = tools.find((t) => t.name === 'petstore:add_pet');
    assert.equal(add.description, 'Add a pet');
    assert.deepEqual(add.inputSchema.required, ['body']);
    assert.equal(add.outputSchema.type, 'object');
  });

  it('calls the API with the session\'s Petstore token; structuredContent matches the outputSchema', async () => {
    const added = await client.callTool({ name: 'petstore:add_pet', arguments: { body: { name: 'Whiskers', tag: 'cat' } } });
    assert.notEqual(added.isError, true, JSON.stringify(added));
    assert.equal(added.structuredContent.status, 201);
    assert.equal(added.structuredContent.body.name, 'Whiskers');
    assert.equal(added.structuredContent.body.owner, 'interop-openapi-petstore');
    const id = added.structuredContent.body.id;

    const cats = await client.callTool({ name: 'petstore:list_pets', arguments: { tag: ['cat'] } });
    assert.notEqual(cats.isError, true, JSON.stringify(cats));
    assert.ok(cats.structuredContent.body.some((p) => p.id === id), JSON.stringify(cats.structuredContent));

    const adopted = await client.callTool({ name: 'petstore:adopt_pet', arguments: { petId: id } });
    assert.equal(adopted.structuredContent.status, 204);
  });

  it('reports API errors and bad arguments as tool errors', async () => {
    const missing = await client.callTool({ name: 'petstore:get_pet', arguments: { petId: 999999 } });
    assert.equal(missing.isError, true);
    assert.match(missing.content[0].text, /answered 404/);
    const bad = await client.callTool({ name: 'petstore:add_pet', arguments: { body: { name: '' } } });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0].text, /body\.name/);
  });
});
