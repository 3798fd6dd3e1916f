"""Interop test: the official MCP Python SDK's `Client` in its default mode against `agent_suite`,
which it must speak MCP 2026-07-28 with (its probe succeeds; no fall back to `initialize`), through
the seeds' whole scenario: sign in once through the SDK's OAuth client (CRM authorized, Slack and
GitHub skipped); CRM works; Slack answers an InputRequiredResult whose URL elicitation the client
hands to its callback, which follows the link headlessly through the demo provider; the SDK
retries with the requestState and the call succeeds with the same session token; GitHub the same
way. And over stdio, the `hello` example.

    MCP_URL=http://127.0.0.1:8080/mcp HELLO_BINARY=target/debug/examples/hello pytest test_modern.py
"""

from __future__ import annotations

import json
import os

import anyio
import httpx2
from mcp import Client, StdioServerParameters, types
from mcp.client.context import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client

from browser import Browser, MemoryStorage, oauth

MCP_URL = os.environ.get("MCP_URL")
if not MCP_URL:
    raise RuntimeError("set MCP_URL (e.g. http://127.0.0.1:8080/mcp)")


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def readiness(listed: types.ListToolsResult) -> dict[str, tuple[str, bool]]:
    """Per tool: its app and whether the user may call it now, as the server's `_meta` says."""
    return {
        t.name: (t.meta["dev.frontmcp/app"], t.meta["dev.frontmcp/authorized"])
        for t in listed.tools
        if t.meta is not None
    }


def test_the_seeds_on_2026_07_28() -> None:
    async def main() -> None:
        browser = Browser(username="py-modern", skip=["slack", "github"])
        storage = MemoryStorage()
        sent_requests: list[httpx2.Request] = []
        elicited: list[str] = []
        upstream = {"slack": "py-on-slack", "github": "py-on-github"}

        async def remember(request: httpx2.Request) -> None:
            if request.method == "POST" and request.url.path.endswith("/mcp"):
                sent_requests.append(request)

        async def on_elicitation(
            _ctx: ClientRequestContext, params: types.ElicitRequestParams
        ) -> types.ElicitResult | types.ErrorData:
            assert isinstance(params, types.ElicitRequestURLParams), params
            elicited.append(params.url)
            app = httpx2.URL(params.url).params["app"]
            page = await browser.authorize_link(params.url, upstream[app])
            assert "authorized" in page, page
            return types.ElicitResult(action="accept")

        http = httpx2.AsyncClient(
            auth=oauth(MCP_URL, browser, storage),
            timeout=httpx2.Timeout(30, read=300),
            event_hooks={"request": [remember]},
        )
        transport = streamable_http_client(MCP_URL, http_client=http)
        async with browser.http, http, Client(transport, elicitation_callback=on_elicitation) as client:
            # Connected on 2026-07-28 by its probe, not by falling back.
            assert client.session.protocol_version == "2026-07-28"
            assert client.session.initialize_result is None
            discovered = client.session.discover_result
            assert discovered is not None and "2026-07-28" in discovered.supported_versions
            assert browser.trail == ["login", "consent", "skip:slack", "skip:github", "redirect"]
            assert storage.tokens is not None
            token = storage.tokens.access_token

            listed = readiness(await client.list_tools())
            assert listed["crm:get_contacts"] == ("crm", True)
            assert listed["slack:send_message"] == ("slack", False)
            assert listed["github:create_issue"] == ("github", False)

            contacts = await client.call_tool("crm:get_contacts", {"search": "ada"})
            assert not contacts.is_error, text_of(contacts)
            assert contacts.structured_content["contacts"][0]["name"] == "Ada Lovelace"

            sent = await client.call_tool(
                "slack:send_message", {"channel": "general", "message": "hello from the Python SDK on 2026-07-28"}
            )
            assert not sent.is_error, text_of(sent)
            assert sent.structured_content["posted_as"] == "py-on-slack", sent.structured_content
            assert len(elicited) == 1 and "app=slack" in elicited[0], elicited

            opened = await client.call_tool("github:create_issue", {"repo": "frontmcp/examples", "title": "From Python"})
            assert not opened.is_error, text_of(opened)
            assert opened.structured_content["author"] == "py-on-github", opened.structured_content
            assert len(elicited) == 2 and "app=github" in elicited[1], elicited

            listed = readiness(await client.list_tools(cache_mode="refresh"))
            assert listed["slack:send_message"] == ("slack", True)
            assert listed["github:create_issue"] == ("github", True)
            assert storage.tokens.access_token == token, "the session token changed"

        # What went over the wire: every MCP request stood alone on 2026-07-28, and each
        # authorization was one InputRequiredResult and one retry with its requestState.
        bodies = [json.loads(r.content) for r in sent_requests if r.content]
        for request, body in zip([r for r in sent_requests if r.content], bodies, strict=True):
            assert "mcp-session-id" not in request.headers
            if request.headers.get("authorization"):
                assert request.headers["mcp-protocol-version"] == "2026-07-28"
                assert request.headers["mcp-method"] == body["method"]
        assert not any(b["method"] == "initialize" for b in bodies)
        retries = [
            b["params"]["name"]
            for b in bodies
            if b["method"] == "tools/call" and "requestState" in b["params"]
        ]
        assert retries == ["slack:send_message", "github:create_issue"], retries

    anyio.run(main)


def test_stdio_on_2026_07_28() -> None:
    """The `hello` example over stdio: the client's `server/discover` probe succeeds there too."""
    hello = os.environ.get("HELLO_BINARY")
    assert hello, "set HELLO_BINARY to the hello example's binary"

    async def main() -> None:
        server = StdioServerParameters(command=hello, env={"FRONTMCP_TRANSPORT": "stdio"})
        async with Client(server) as client:
            assert client.session.protocol_version == "2026-07-28"
            assert client.session.initialize_result is None
            names = [t.name for t in (await client.list_tools()).tools]
            assert names == ["hello:greet", "hello:echo"], names
            greeted = await client.call_tool("hello:greet", {"name": "stdio"})
            assert text_of(greeted) == "Hello, stdio!"

    anyio.run(main)
