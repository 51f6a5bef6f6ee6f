// Loopback OpenID Provider for Panorama's sign-in tests (oidc-provider 9.x, by Filip Skokan, MIT).
// Adapted from the verified recipe in the Panorama material (shared/recipes/oidc/op.mjs):
// adds OP_DEVICE_TTL.
//
//   npm install            # once, in this folder (installs oidc-provider@9)
//   OP_PORT=9010 node op.mjs
//
// Environment (all optional):
//   OP_PORT / PORT     listen port on 127.0.0.1 (default 9010; 0 = pick a free port)
//   OP_HOST            listen address (default 127.0.0.1)
//   OP_ISSUER          issuer URL (default http://127.0.0.1:<port>); must be exactly what clients use
//   OP_PASSWORD        the password every username logs in with (default "test")
//   OP_RESOURCE        resource indicator that gets JWT access tokens (default urn:test:api)
//   OP_AT_TTL          access token lifetime in seconds (default 3600)
//   OP_DEVICE_TTL      device code lifetime in seconds (default 600)
//   OP_CLIENT_ID       public native client id (default test-native)
//   OP_SLURM=1         JWT access tokens as a site's Slurm (auth/jwt with jwks=) takes them:
//                      a `sun` claim (the cluster user: the account id) and `typ: JWT` (libjwt
//                      refuses RFC 9068's `at+jwt`)
//   OP_RS_CLIENT_ID / OP_RS_CLIENT_SECRET  confidential resource-server client for introspection
//                      (default test-rs / test-rs-secret)
// Prints one line "OP_READY <issuer>" on stdout once it accepts connections.
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const HOST = process.env.OP_HOST || '127.0.0.1';
const PORT = Number(process.env.OP_PORT ?? process.env.PORT ?? 9010);
const PASSWORD = process.env.OP_PASSWORD || 'test';
const RESOURCE = process.env.OP_RESOURCE || 'urn:test:api';
const AT_TTL = Number(process.env.OP_AT_TTL || 3600);
const DEVICE_TTL = Number(process.env.OP_DEVICE_TTL || 600);
const CLIENT_ID = process.env.OP_CLIENT_ID || 'test-native';
const RS_CLIENT_ID = process.env.OP_RS_CLIENT_ID || 'test-rs';
const RS_CLIENT_SECRET = process.env.OP_RS_CLIENT_SECRET || 'test-rs-secret';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

// AARC-G002 style entitlements, as Helmholtz AAI / EGI Check-in emit them.
function entitlementsFor(accountId) {
  return [
    'urn:geant:helmholtz.de:group:Helmholtz-member#login.helmholtz.de',
    `urn:geant:helmholtz.de:group:test-vo:${accountId}#login.helmholtz.de`,
    'urn:geant:helmholtz.de:group:test-vo#login.helmholtz.de',
  ];
}

function accountClaims(accountId) {
  return {
    sub: accountId,
    email: `${accountId}@example.org`,
    email_verified: true,
    name: `Test User ${accountId}`,
    given_name: 'Test',
    family_name: `User ${accountId}`,
    preferred_username: accountId,
    entitlements: entitlementsFor(accountId),
    eduperson_entitlement: entitlementsFor(accountId),
  };
}

// Fresh signing key per start: resource servers must fetch /jwks, not pin a key.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };

const server = http.createServer();
await new Promise((resolve) => server.listen(PORT, HOST, resolve));
const port = server.address().port;
const ISSUER = process.env.OP_ISSUER || `http://127.0.0.1:${port}`;

const configuration = {
  clients: [
    {
      client_id: CLIENT_ID,
      client_name: 'Test native app',
      application_type: 'native', // loopback redirect: any port matches (RFC 8252 7.3)
      token_endpoint_auth_method: 'none', // public client
      redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback', 'http://[::1]/callback'],
      post_logout_redirect_uris: ['http://127.0.0.1/logout', 'http://localhost/logout'],
      grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE],
      response_types: ['code'],
    },
    {
      // A resource server: may only call introspection (client_secret_basic or _post).
      client_id: RS_CLIENT_ID,
      client_secret: RS_CLIENT_SECRET,
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
  ],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['test-cookie-key-1', 'test-cookie-key-2'] },
  pkce: { required: () => true }, // S256 is the only method oidc-provider 9 accepts
  scopes: ['openid', 'offline_access'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    entitlements: ['entitlements'],
    eduperson_entitlement: ['eduperson_entitlement'],
  },
  conformIdTokenClaims: false, // put scope-requested claims into the ID token too
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return accountClaims(sub); } };
  },
  extraTokenClaims(ctx, token) {
    // visible in JWT access tokens and in introspection responses; with
    // OP_SLURM=1 also `sun`, the claim Slurm's auth/jwt reads the cluster
    // user from (a site that maps its accounts to cluster users).
    if (!token.accountId) return undefined;
    const claims = { entitlements: entitlementsFor(token.accountId) };
    if (process.env.OP_SLURM === '1') claims.sun = token.accountId;
    return claims;
  },
  formats: {
    customizers: {
      async jwt(ctx, token, parts) {
        if (process.env.OP_SLURM === '1') parts.header = { typ: 'JWT' };
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: AT_TTL,
    AuthorizationCode: 60,
    DeviceCode: DEVICE_TTL,
    IdToken: 3600,
    Interaction: 600,
    Session: 86400,
    Grant: 86400,
    RefreshToken: 86400,
  },
  features: {
    devInteractions: { enabled: false }, // we serve our own /interaction/* below
    deviceFlow: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Every authorization / device request is granted RESOURCE even without a resource param.
      // The token endpoint still returns an opaque (userinfo) token for openid requests unless
      // the token or refresh request carries resource=RESOURCE, which yields a JWT for it.
      defaultResource: (ctx, client, oneOf) => oneOf || RESOURCE,
      useGrantedResource: () => false,
      getResourceServerInfo(ctx, indicator) {
        if (indicator !== RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: 'api:read api:write',
          audience: RESOURCE,
          accessTokenTTL: AT_TTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
};

const provider = new Provider(ISSUER, configuration);
const oidcCallback = provider.callback();

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
function page(res, status, title, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>${body}</body></html>`);
}
async function readForm(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
function loginForm(uid, client, error) {
  return `<h1>Sign-in</h1><p>Client: ${esc(client)}</p>${error ? `<p class="error">${esc(error)}</p>` : ''}
<form id="login" method="post" action="/interaction/${uid}/login">
<input type="text" name="login" placeholder="any username" autofocus>
<input type="password" name="password" placeholder="password">
<button type="submit">Sign-in</button></form>
<a href="/interaction/${uid}/abort">Cancel</a>`;
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction uid mismatch');
  const { prompt, params, session, grantId } = details;

  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return page(res, 200, 'Sign-in', loginForm(uid, params.client_id));
    return page(res, 200, 'Authorize', `<h1>Authorize</h1><p>Client ${esc(params.client_id)} asks for: ${esc(params.scope || '')}</p>
<form id="consent" method="post" action="/interaction/${uid}/confirm"><button type="submit">Continue</button></form>
<a href="/interaction/${uid}/abort">Cancel</a>`);
  }
  if (req.method === 'GET' && action === 'abort') {
    return provider.interactionFinished(req, res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const login = (form.get('login') || '').trim();
    if (prompt.name !== 'login') return page(res, 400, 'Error', 'not a login prompt');
    if (!login || form.get('password') !== PASSWORD) {
      return page(res, 401, 'Sign-in', loginForm(uid, params.client_id, 'Invalid username or password'));
    }
    return provider.interactionFinished(req, res,
      { login: { accountId: login, amr: ['pwd'] } }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'confirm') {
    await readForm(req);
    if (prompt.name !== 'consent') return page(res, 400, 'Error', 'not a consent prompt');
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const d = prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    if (d.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    return provider.interactionFinished(req, res,
      { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }
  return page(res, 404, 'Not found', 'unknown interaction action');
}

server.on('request', async (req, res) => {
  const m = /^\/interaction\/([^/?]+)(?:\/(login|confirm|abort))?\/?(?:\?.*)?$/.exec(req.url);
  if (!m) return oidcCallback(req, res);
  try {
    await interaction(req, res, m[1], m[2]);
  } catch (err) {
    if (!res.headersSent) page(res, err.statusCode || 500, 'Error', esc(`${err.name}: ${err.message}`));
  }
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));
console.log(`OP_READY ${ISSUER}`);

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { server.close(); process.exit(0); });
}
