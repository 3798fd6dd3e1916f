// Local OpenID Connect provider (panva/oidc-provider) for frontmcp-rs integration tests.
//
// Usage: PORT=0 REDIRECT_URI=http://127.0.0.1:9999/callback node idp.mjs
// stdout: exactly one line `IDP READY http://127.0.0.1:<port>` once listening.
// stderr: everything else (provider warnings, request/event log).
//
// Environment (all optional):
//   PORT                 TCP port on 127.0.0.1 (default 0 = pick a free one)
//   CLIENT_ID            default "frontmcp-test"
//   CLIENT_SECRET        default "frontmcp-test-secret"
//   REDIRECT_URI         one or more redirect URIs, comma or space separated
//                        (default http://127.0.0.1:8080/callback)
//   TOKEN_AUTH_METHOD    client_secret_basic (default) | client_secret_post
//   ID_TOKEN_ALG         RS256 (default) | ES256 | PS256
//   IDP_AUTO_LOGIN       if set (e.g. "alice"), the login step completes by itself as that
//                        account: the whole flow is then plain 303 redirects
//   IDP_DEV_INTERACTIONS "1" = use oidc-provider's stock devInteractions (login form +
//                        consent form) instead of the scripted-friendly ones below
//   IDP_LOG              "0" = quiet request log
//   IDP_EXIT_ON_STDIN_EOF "1" = exit when stdin closes (spawn with a piped stdin and the IdP
//                        dies with the test process; do NOT set it with stdin = /dev/null)
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as util from 'node:util';

// oidc-provider prints NOTICEs with console.info (stdout); keep stdout for the READY line only.
console.info = (...args) => process.stderr.write(`${util.format(...args)}\n`);
console.log = console.info;

const { default: Provider } = await import('oidc-provider');

const env = process.env;
const HOST = '127.0.0.1';
const CLIENT_ID = env.CLIENT_ID || 'frontmcp-test';
const CLIENT_SECRET = env.CLIENT_SECRET || 'frontmcp-test-secret';
const REDIRECT_URIS = (env.REDIRECT_URI || 'http://127.0.0.1:8080/callback').split(/[\s,]+/).filter(Boolean);
const TOKEN_AUTH_METHOD = env.TOKEN_AUTH_METHOD || 'client_secret_basic';
const ID_TOKEN_ALG = env.ID_TOKEN_ALG || 'RS256';
const AUTO_LOGIN = env.IDP_AUTO_LOGIN || '';
const DEV_INTERACTIONS = env.IDP_DEV_INTERACTIONS === '1';
const LOG = env.IDP_LOG !== '0';
const log = (...args) => { if (LOG) process.stderr.write(`[idp] ${util.format(...args)}\n`); };

// Fresh signing keys per process (no "development-only signing keys" warning; the RP must
// fetch the JWKS from jwks_uri rather than pin keys). Both an RSA and a P-256 key are
// published, so the RP must select by `kid`.
function jwk(type, opts, kid) {
  const { privateKey } = crypto.generateKeyPairSync(type, opts);
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig' };
}
const jwks = {
  keys: [
    jwk('rsa', { modulusLength: 2048 }, `rsa-${crypto.randomBytes(4).toString('hex')}`),
    jwk('ec', { namedCurve: 'P-256' }, `ec-${crypto.randomBytes(4).toString('hex')}`),
  ],
};

// Any login name is a valid account; sub = the login name.
async function findAccount(ctx, id) {
  return {
    accountId: id,
    async claims(use, scope) {
      return {
        sub: id,
        name: `Test User ${id}`,
        preferred_username: id,
        email: id.includes('@') ? id : `${id}@example.test`,
        email_verified: true,
      };
    },
  };
}

const configuration = {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: REDIRECT_URIS,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: TOKEN_AUTH_METHOD,
    id_token_signed_response_alg: ID_TOKEN_ALG,
  }],
  jwks,
  findAccount,
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  // Only code flow.
  responseTypes: ['code'],
  // PKCE (S256 is the only method oidc-provider v9 supports) for every client, confidential too.
  pkce: { required: () => true },
  // Put the scope-granted claims (email, name, ...) into the ID token too, not only into
  // /me (userinfo). The default (true) keeps them out of ID tokens issued from the code flow.
  conformIdTokenClaims: false,
  // Unsigned cookies would work too; with keys the cookies come in pairs (name + name.sig).
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  features: {
    devInteractions: { enabled: DEV_INTERACTIONS },
  },
  renderError(ctx, out, error) {
    log('renderError', JSON.stringify(out));
    ctx.type = 'json';
    ctx.body = out;
  },
};

if (!DEV_INTERACTIONS) {
  // Our own interaction endpoints (same URL and form fields as devInteractions).
  configuration.interactions = { url: (ctx, interaction) => `/interaction/${interaction.uid}` };
  // Consent is implied: create/extend the grant with whatever was requested, so the consent
  // prompt never shows up. (Pattern from the oidc-provider docs for first-party clients.)
  configuration.loadExistingGrant = async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    if (!grant) {
      grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
    }
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    if (ctx.oidc.claims) {
      const claims = Object.values(ctx.oidc.claims).flatMap((c) => Object.keys(c || {}));
      if (claims.length) grant.addOIDCClaims(claims);
    }
    await grant.save();
    return grant;
  };
}

// The issuer must contain the port, so listen first and build the provider afterwards.
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(env.PORT || 0), HOST, resolve);
});
const { port } = server.address();
const ISSUER = `http://${HOST}:${port}`;

const provider = new Provider(ISSUER, configuration);

// Request log.
provider.use(async (ctx, next) => {
  const t0 = Date.now();
  try {
    await next();
  } finally {
    log(`${ctx.method} ${ctx.originalUrl} -> ${ctx.status}${ctx.response.get('location') ? ` Location: ${ctx.response.get('location')}` : ''} (${Date.now() - t0}ms)`);
  }
});

if (!DEV_INTERACTIONS) {
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const readForm = async (req) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  };
  const finish = async (ctx, result, merge) => {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(returnTo);
  };
  const loginResult = (accountId) => ({ login: { accountId, amr: ['pwd'] } });

  provider.use(async (ctx, next) => {
    const m = /^\/interaction\/([^/]+)(\/abort)?$/.exec(ctx.path);
    if (!m) return next();
    ctx.set('cache-control', 'no-store');
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      log('interaction lookup failed:', err.message);
      ctx.status = 400;
      ctx.type = 'json';
      ctx.body = { error: err.error || 'invalid_request', error_description: err.error_description || err.message };
      return undefined;
    }
    const { uid, prompt, params } = details;
    if (m[1] !== uid) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'interaction uid does not match cookie' };
      return undefined;
    }
    if (m[2]) { // /interaction/:uid/abort
      return finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' }, false);
    }
    if (prompt.name !== 'login') {
      // loadExistingGrant above grants consent, so only `login` should ever be prompted.
      ctx.status = 501;
      ctx.body = { error: 'server_error', error_description: `unexpected prompt ${prompt.name}` };
      return undefined;
    }
    if (ctx.method === 'GET') {
      const auto = AUTO_LOGIN || params.login_hint;
      if (auto) return finish(ctx, loginResult(auto), false);
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html><head><title>Sign-in</title></head><body>
<form autocomplete="off" action="/interaction/${esc(uid)}" method="post">
  <input type="hidden" name="prompt" value="login"/>
  <input required type="text" name="login" placeholder="any login"/>
  <input type="password" name="password" placeholder="any password"/>
  <button type="submit">Sign-in</button>
</form>
<a href="/interaction/${esc(uid)}/abort">Cancel</a>
</body></html>`;
      return undefined;
    }
    if (ctx.method === 'POST') {
      const form = await readForm(ctx.req);
      const login = form.get('login');
      if (!login) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_request', error_description: 'missing login' };
        return undefined;
      }
      return finish(ctx, loginResult(login), false);
    }
    ctx.status = 405;
    return undefined;
  });
}

for (const ev of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'jwks.error', 'discovery.error']) {
  provider.on(ev, (ctx, err) => log(`event ${ev}: ${err?.name}: ${err?.message} ${err?.error_description || ''}${err?.cause ? ` (cause: ${err.cause.message || err.cause})` : ''}${ev === 'server_error' ? `\n${err?.stack}` : ''}`));
}
provider.on('grant.success', () => log('event grant.success'));
provider.on('authorization.success', (ctx, out) => log('event authorization.success', Object.keys(out)));

server.on('request', provider.callback());

const shutdown = () => { server.close(); process.exit(0); };
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (env.IDP_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('data', () => {});
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
}

log(`oidc-provider on node ${process.version}; client_id=${CLIENT_ID} auth=${TOKEN_AUTH_METHOD} alg=${ID_TOKEN_ALG} redirect_uris=${REDIRECT_URIS.join(' ')} interactions=${DEV_INTERACTIONS ? 'dev' : 'scripted'}${AUTO_LOGIN ? ` auto_login=${AUTO_LOGIN}` : ''}`);
process.stdout.write(`IDP READY ${ISSUER}\n`);
