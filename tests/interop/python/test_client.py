"""Interop test: the official MCP Python SDK client against a frontmcp-rs server
(the `agent_suite` example) over Streamable HTTP.

    MCP_URL=http://127.0.0.1:8080/mcp pytest test_client.py

Plain sync tests; each one opens its own session and drives it with
`anyio.run`, so no async pytest plugin is needed.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
import httpx2
import pytest
from mcp import ClientSession, MCPError, types
from mcp.client.streamable_http import streamable_http_client

MCP_URL = os.environ.get("MCP_URL")
MCP_TOKEN = os.environ.get("MCP_TOKEN")
if not MCP_URL or not MCP_TOKEN:
    raise RuntimeError("set MCP_URL (e.g. http://127.0.0.1:8080/mcp) and MCP_TOKEN (a session token for it)")

TOOL_NAMES = {
    "crm:get_contacts",
    "crm:update_contact",
    "slack:send_message",
    "slack:list_channels",
    "github:create_issue",
    "github:list_repos",
}


@dataclass
class Connection:
    session: ClientSession
    init: types.InitializeResult
    session_id: str | None = None


@asynccontextmanager
async def connect() -> AsyncIterator[Connection]:
    """Initialize a session; on exit the SDK ends it with DELETE (terminate_on_close)."""
    conn: Connection | None = None
    seen_ids: list[str] = []

    async def remember_session_id(response: httpx2.Response) -> None:
        if sid := response.headers.get("mcp-session-id"):
            seen_ids.append(sid)

    # The v2 transport no longer yields a session-id getter, so read the
    # Mcp-Session-Id header off the responses of our own HTTP client.
    http = httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {MCP_TOKEN}"},
        timeout=httpx2.Timeout(30, read=300),
        event_hooks={"response": [remember_session_id]},
    )
    async with http, streamable_http_client(MCP_URL, http_client=http) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            conn = Connection(session, init, seen_ids[0] if seen_ids else None)
            yield conn


def run(test: Callable[[Connection], Awaitable[None]]) -> None:
    async def main() -> None:
        async with connect() as conn:
            await test(conn)

    anyio.run(main)


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


async def messages_in(session: ClientSession, channel: str) -> int:
    result = await session.call_tool("slack:list_channels", {})
    assert not result.is_error, text_of(result)
    found = [c for c in result.structured_content["channels"] if c["name"] == channel]
    assert found, f"channel {channel} missing from {result.structured_content}"
    return found[0]["messages"]


def test_initialize_reports_server_name_and_session_id() -> None:
    async def check(conn: Connection) -> None:
        assert conn.init.server_info.name == "AgentSuite"
        assert conn.init.capabilities.tools is not None
        assert conn.session_id, "server issued no Mcp-Session-Id"

    run(check)


def test_lists_all_six_tools_with_output_schema() -> None:
    async def check(conn: Connection) -> None:
        tools = (await conn.session.list_tools()).tools
        names = {t.name for t in tools}
        assert TOOL_NAMES <= names, f"missing: {TOOL_NAMES - names}"
        get_contacts = next(t for t in tools if t.name == "crm:get_contacts")
        assert get_contacts.output_schema is not None
        assert get_contacts.output_schema["type"] == "object"

    run(check)


def test_get_contacts_returns_structured_content() -> None:
    async def check(conn: Connection) -> None:
        await conn.session.list_tools()  # lets the SDK validate against the outputSchema
        result = await conn.session.call_tool("crm:get_contacts", {"search": "ada"})
        assert not result.is_error, text_of(result)
        contacts = result.structured_content["contacts"]
        assert len(contacts) == 1
        assert contacts[0]["name"] == "Ada Lovelace"

    run(check)


def test_send_message_increments_channel_count() -> None:
    async def check(conn: Connection) -> None:
        await conn.session.list_tools()
        before = await messages_in(conn.session, "general")
        sent = await conn.session.call_tool(
            "slack:send_message", {"channel": "general", "message": "hello from the Python SDK"}
        )
        assert not sent.is_error, text_of(sent)
        assert sent.structured_content["channel"] == "general"
        assert isinstance(sent.structured_content["ts"], int)
        assert await messages_in(conn.session, "general") == before + 1

    run(check)


def test_invalid_arguments_give_is_error_naming_the_field() -> None:
    async def check(conn: Connection) -> None:
        result = await conn.session.call_tool("slack:send_message", {"channel": "general"})
        assert result.is_error is True
        assert "missing field `message`" in text_of(result)

    run(check)


def test_unknown_tool_is_rejected_with_invalid_params() -> None:
    async def check(conn: Connection) -> None:
        with pytest.raises(MCPError) as caught:
            await conn.session.call_tool("crm:no_such_tool", {})
        assert caught.value.code == types.INVALID_PARAMS

    run(check)


def test_closing_ends_the_session_and_old_id_gets_404() -> None:
    async def main() -> None:
        async with connect() as conn:
            session_id = conn.session_id
            protocol_version = conn.init.protocol_version
            assert session_id
        # Leaving `connect()` made the SDK send DELETE for the session.
        async with httpx2.AsyncClient() as http:
            response = await http.post(
                MCP_URL,
                headers={
                    "content-type": "application/json",
                    "accept": "application/json, text/event-stream",
                    "mcp-session-id": session_id,
                    "mcp-protocol-version": protocol_version,
                    "authorization": f"Bearer {MCP_TOKEN}",
                },
                json={"jsonrpc": "2.0", "id": 99, "method": "tools/list"},
            )
        assert response.status_code == 404

    anyio.run(main)
