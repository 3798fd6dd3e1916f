"""A headless "browser" for the server's sign-in and consent pages and for an app's
authorization link, on httpx2 with one cookie jar: what a user does by hand, done by the test.

It follows nothing by itself: each step checks the page it lands on, so a broken page fails the
test where it breaks.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

# Never listened on: the browser stops at the 303 and reads the code from its Location.
REDIRECT_URL = "http://127.0.0.1/callback"

_ATTRIBUTE = re.compile(r"""([a-zA-Z_:][-\w:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _attributes(tag: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTRIBUTE.finditer(tag)
    }


@dataclass
class Form:
    """The first `<form>` of a page: where it posts, its hidden fields, checkboxes and buttons."""

    action: str
    hidden: list[tuple[str, str]]
    checkboxes: list[dict[str, str]]
    buttons: list[dict[str, str]]

    @classmethod
    def of(cls, page: str, page_url: str) -> Form:
        found = re.search(r"<form\b([^>]*)>(.*?)</form>", page, re.S | re.I)
        assert found, f"no <form> in:\n{page}"
        inputs = [_attributes(m.group(1)) for m in re.finditer(r"<input\b([^>]*)>", found.group(2), re.I)]
        buttons = [_attributes(m.group(1)) for m in re.finditer(r"<button\b([^>]*)>", found.group(2), re.I)]
        return cls(
            action=urljoin(page_url, _attributes(found.group(1)).get("action", "")),
            hidden=[(i["name"], i.get("value", "")) for i in inputs if i.get("type") == "hidden"],
            checkboxes=[i for i in inputs if i.get("type") == "checkbox"],
            buttons=buttons,
        )

    def has_button(self, value: str) -> bool:
        return any(b.get("name") == "action" and b.get("value") == value for b in self.buttons)


@dataclass
class Browser:
    """One user's browser: its cookies are the server's and the provider's."""

    username: str
    skip: list[str] = field(default_factory=list)
    http: httpx2.AsyncClient = field(default_factory=lambda: httpx2.AsyncClient(follow_redirects=False, timeout=30))
    trail: list[str] = field(default_factory=list)
    _code: AuthorizationCodeResult | None = None

    async def get(self, url: str) -> httpx2.Response:
        return await self.http.get(url)

    async def post(self, url: str, fields: list[tuple[str, str]]) -> httpx2.Response:
        # Encoded here: a form's repeated fields (tool=…&tool=…) are a list of pairs.
        return await self.http.post(
            url,
            content=urlencode(fields).encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

    async def sign_in(self, authorization_url: str) -> None:
        """The authorization request, as the SDK opens it: sign in, skip the apps in `skip` on
        the consent screen, continue; the code waits for `callback`."""
        login = await self.get(authorization_url)
        assert login.status_code == 200, f"GET {authorization_url} -> {login.status_code}: {login.text}"
        assert any(c.startswith("frontmcp_csrf_") for c in self.http.cookies), "no CSRF cookie"
        self.trail.append("login")
        form = Form.of(login.text, authorization_url)
        consent = await self.post(form.action, [*form.hidden, ("username", self.username), ("password", "")])
        assert consent.status_code == 200, f"login -> {consent.status_code}: {consent.text}"
        assert "<h1>Authorize Access</h1>" in consent.text, consent.text
        self.trail.append("consent")
        form = Form.of(consent.text, form.action)
        tools = [("tool", c["value"]) for c in form.checkboxes if c.get("name") == "tool" and "checked" in c]
        for app in self.skip:
            skipped = await self.post(form.action, [*form.hidden, *tools, ("action", f"skip:{app}")])
            assert skipped.status_code == 200, f"skip:{app} -> {skipped.status_code}: {skipped.text}"
            self.trail.append(f"skip:{app}")
        done = await self.post(form.action, [*form.hidden, *tools, ("action", "continue")])
        assert done.status_code == 303, f"continue -> {done.status_code}: {done.text}"
        self.trail.append("redirect")
        query = parse_qs(urlsplit(done.headers["location"]).query)
        self._code = AuthorizationCodeResult(
            code=query["code"][0], state=query.get("state", [None])[0], iss=query.get("iss", [None])[0]
        )

    async def callback(self) -> AuthorizationCodeResult:
        """What the redirect back to the client carried."""
        assert self._code, "the browser was never sent to sign in"
        code, self._code = self._code, None
        return code

    async def authorize_link(self, link: str, upstream_user: str) -> str:
        """Follows an app's authorization link: the server remembers the sign-in and shows the
        app's card; Authorize sends the browser to the app's provider (the DEMO provider,
        approved as `upstream_user`), which sends it back to the server. The last page."""
        app = parse_qs(urlsplit(link).query)["app"][0]
        card = await self.get(link)
        assert card.status_code == 200, f"GET {link} -> {card.status_code}: {card.text}"
        form = Form.of(card.text, link)
        assert form.has_button(f"authorize:{app}"), f"no Authorize on {app}'s card: {form.buttons}"
        to_provider = await self.post(form.action, [*form.hidden, ("action", f"authorize:{app}")])
        assert to_provider.status_code == 303, f"Authorize -> {to_provider.status_code}: {to_provider.text}"
        provider = httpx2.URL(to_provider.headers["location"]).copy_merge_params(
            {"demo_auto": "allow", "demo_user": upstream_user}
        )
        back = await self.http.get(provider)
        assert back.status_code == 302, f"the provider answered {back.status_code}: {back.text}"
        page = await self.get(back.headers["location"])
        assert page.status_code == 200, f"callback -> {page.status_code}: {page.text}"
        self.trail.append(f"authorized:{app}")
        return page.text


@dataclass
class MemoryStorage(TokenStorage):
    """What the SDK's OAuth client keeps: its registration and the tokens."""

    tokens: OAuthToken | None = None
    client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def oauth(server_url: str, browser: Browser, storage: MemoryStorage) -> OAuthClientProvider:
    """The SDK's OAuth client, signing in through `browser`."""
    return OAuthClientProvider(
        server_url=server_url,
        client_metadata=OAuthClientMetadata(
            client_name="frontmcp-interop-python-modern",
            redirect_uris=[REDIRECT_URL],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
        ),
        storage=storage,
        redirect_handler=browser.sign_in,
        callback_handler=browser.callback,
    )
