// A strict OAuth 2.0 authorization server for Stoa's tests and `make bench-credentials`, on 127.0.0.1 only.
// oauth2-mock-server 8.2.3 (installed by `make peers` in .peers/oauth2), made as strict as X or VK ID are:
//   - each authorization code and each refresh token is accepted once; an unknown or used one gets invalid_grant
//     (refresh tokens rotate on every refresh);
//   - the scopes asked for at /authorize are the grant's scopes, kept through every refresh;
//   - access tokens (RS256 JWTs, keys at /jwks) live OAUTH2_ACCESS_TOKEN_SECONDS (default 3600): expires_in and
//     the JWT's exp agree.
// Environment: OAUTH2_PORT (0 or unset: a free port), OAUTH2_ACCESS_TOKEN_SECONDS.
// Control endpoints for tests (not OAuth): GET /_control/stats counts what was granted and refused;
// (and `now`, the server's clock, and `refresh_log`: when each refresh came and when the access token it replaced
// expired); POST /_control/revoke revokes every refresh token (the person revoked the app on the network).
// Prints one line `{"ready": "http://127.0.0.1:PORT"}` once listening; stops on SIGTERM.
import http from 'node:http';
import { createRequire } from 'node:module';

// The package lives in .peers/oauth2/node_modules, not beside this script.
const peers = createRequire(new URL('../../.peers/oauth2/package.json', import.meta.url));
const { OAuth2Issuer, OAuth2Service } = await import(peers.resolve('oauth2-mock-server'));

const port = Number(process.env.OAUTH2_PORT || 0);
const ttl = Number(process.env.OAUTH2_ACCESS_TOKEN_SECONDS || 3600);

const issuer = new OAuth2Issuer();
await issuer.keys.generate('RS256');
const service = new OAuth2Service(issuer);

const codes = new Map();         // authorization code -> scope asked for, until it is used
const refreshTokens = new Map(); // live refresh token -> { scope, expires: the exp of the access token given with it }
const refreshLog = [];           // each granted refresh: { at, expires } (Unix seconds): was the token near its end?
const stats = { authorizations: 0, exchanges: 0, refreshes: 0, refused: 0, revocations: 0 };
const scopeOf = new WeakMap();   // token request -> the grant's scope, from the code or refresh token it spends

const refuse = (resp, description) => {
  stats.refused += 1;
  resp.statusCode = 400;
  resp.body = { error: 'invalid_grant', error_description: description };
};

service.on('beforeAuthorizeRedirect', (redirect, req) => {
  const code = redirect.url.searchParams.get('code');
  if (code) {
    codes.set(code, typeof req.query.scope === 'string' ? req.query.scope : '');
    stats.authorizations += 1;
  }
});

service.on('beforeTokenSigning', (token, req) => {
  const body = req.body;
  let scope = '';
  if (body.grant_type === 'authorization_code') scope = codes.get(body.code) ?? '';
  if (body.grant_type === 'refresh_token') scope = refreshTokens.get(body.refresh_token)?.scope ?? '';
  scopeOf.set(req, scope);
  token.payload.sub = 'user-42';
  token.payload.scope = scope;
  token.payload.exp = token.payload.iat + ttl;
});

service.on('beforeResponse', (resp, req) => {
  const body = req.body;
  if (body.grant_type === 'authorization_code') {
    if (!codes.has(body.code)) return refuse(resp, 'unknown or used authorization code');
    codes.delete(body.code);
    stats.exchanges += 1;
  } else if (body.grant_type === 'refresh_token') {
    const spent = refreshTokens.get(body.refresh_token);
    if (!spent) return refuse(resp, 'unknown, used or revoked refresh token');
    refreshTokens.delete(body.refresh_token);  // rotation: each refresh token is good once
    stats.refreshes += 1;
    refreshLog.push({ at: Date.now() / 1000, expires: spent.expires });
  }
  if (resp.statusCode === 200) {
    resp.body.expires_in = ttl;
    resp.body.scope = scopeOf.get(req) ?? '';
    const claims = JSON.parse(Buffer.from(resp.body.access_token.split('.')[1], 'base64url').toString());
    if (resp.body.refresh_token) refreshTokens.set(resp.body.refresh_token, { scope: resp.body.scope, expires: claims.exp });
  }
});

const control = (req, res) => {
  res.setHeader('Content-Type', 'application/json');
  if (req.method === 'GET' && req.url === '/_control/stats') {
    res.end(JSON.stringify({ ...stats, live_refresh_tokens: refreshTokens.size, now: Date.now() / 1000,
                             refresh_log: refreshLog }));
  } else if (req.method === 'POST' && req.url === '/_control/revoke') {
    stats.revocations += refreshTokens.size;
    refreshTokens.clear();
    res.end(JSON.stringify({ revoked: true }));
  } else {
    res.statusCode = 404;
    res.end('{}');
  }
};

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/_control/')) return control(req, res);
  return service.requestHandler(req, res);
});
server.listen(port, '127.0.0.1', () => {
  issuer.url = `http://127.0.0.1:${server.address().port}`;
  console.log(JSON.stringify({ ready: issuer.url }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
