"""Interop test: resources, prompts and completions of `agent_suite` as the official MCP Python
SDK's `Client` sees them on MCP 2026-07-28: the CRM's contacts (a resource, a template with
completion) and its email prompt; and GitHub's issues, a resource of an app the user skipped at
sign-in, which the server answers with an InputRequiredResult carrying the authorization link:
the client hands it to its elicitation callback (which follows the link headlessly through the
demo provider) and retries the read with the requestState, with the same session token.

    MCP_URL=http://127.0.0.1:8080/mcp pytest test_resources.py
"""

from __future__ import annotations

import json
import os

import anyio
import httpx2
import pytest
from mcp import Client, MCPError, types
from mcp.client.context import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client

from browser import Browser, MemoryStorage, oauth

MCP_URL = os.environ.get("MCP_URL")
if not MCP_URL:
    raise RuntimeError("set MCP_URL (e.g. http://127.0.0.1:8080/mcp)")


def test_resources_prompts_and_completions_on_2026_07_28() -> None:
    async def main() -> None:
        browser = Browser(username="py-resources", skip=["slack", "github"])
        storage = MemoryStorage()
        elicited: list[str] = []

        async def on_elicitation(
            _ctx: ClientRequestContext, params: types.ElicitRequestParams
        ) -> types.ElicitResult | types.ErrorData:
            assert isinstance(params, types.ElicitRequestURLParams), params
            elicited.append(params.url)
            page = await browser.authorize_link(params.url, "py-res-on-github")
            assert "authorized" in page, page
            return types.ElicitResult(action="accept")

        http = httpx2.AsyncClient(auth=oauth(MCP_URL, browser, storage), timeout=httpx2.Timeout(30, read=300))
        transport = streamable_http_client(MCP_URL, http_client=http)
        async with browser.http, http, Client(transport, elicitation_callback=on_elicitation) as client:
            assert client.session.protocol_version == "2026-07-28"
            token = storage.tokens.access_token

            resources = await client.list_resources()
            assert "crm://contacts" in [r.uri for r in resources.resources], resources
            templates = await client.list_resource_templates()
            assert "crm://contacts/{id}" in [t.uri_template for t in templates.resource_templates], templates

            read = await client.read_resource("crm://contacts/1")
            contact = json.loads(read.contents[0].text)
            assert contact["name"] == "Ada Lovelace", contact
            with pytest.raises(MCPError) as missing:
                await client.read_resource("crm://contacts/99")
            assert missing.value.error.code == -32602, missing.value.error
            assert missing.value.error.data == {"uri": "crm://contacts/99"}

            completed = await client.complete(
                types.ResourceTemplateReference(type="ref/resource", uri="crm://contacts/{id}"),
                {"name": "id", "value": "2"},
            )
            assert completed.completion.values == ["2"], completed

            prompts = await client.list_prompts()
            email = next(p for p in prompts.prompts if p.name == "crm:email_contact")
            assert [(a.name, bool(a.required)) for a in email.arguments] == [("contact", True), ("topic", False)]
            names = await client.complete(
                types.PromptReference(type="ref/prompt", name="crm:email_contact"),
                {"name": "contact", "value": "gr"},
            )
            assert names.completion.values == ["Grace Hopper"], names
            prompt = await client.get_prompt("crm:email_contact", {"contact": "Grace Hopper"})
            assert prompt.messages[0].content.type == "resource"
            assert "Grace Hopper at Navy Labs" in prompt.messages[1].content.text

            issues = await client.read_resource("github://repos/frontmcp/frontmcp-rs/issues")
            body = json.loads(issues.contents[0].text)
            assert body["read_by"] == "py-res-on-github", body
            assert len(elicited) == 1 and "app=github" in elicited[0], elicited
            assert storage.tokens.access_token == token, "the session token changed"

    anyio.run(main)
