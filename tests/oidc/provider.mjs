// A real OpenID provider for wijkregie's tests: the certified `oidc-provider` package, on a free
// loopback port, issuing client-credentials access tokens as JWTs (RFC 9068) for the audience
// `wijkregie`, with each client's app roles in a `roles` claim, as Entra ID puts them.
//
// Usage: node tests/oidc/provider.mjs   (OIDC_PROVIDER_DIR: the folder oidc-provider is
// installed in, e.g. by `npm install --prefix DIR oidc-provider`).
// Prints one JSON line {"issuer": "..."} when it listens; ends when its standard input closes.
// `POST /test/rotate` replaces the signing key by a new one and publishes only the new one.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.OIDC_PROVIDER_DIR;
if (!dir) {
  console.error('set OIDC_PROVIDER_DIR to the folder oidc-provider is installed in');
  process.exit(2);
}
const require = createRequire(join(dir, 'package.json'));
const { default: Provider } = await import(pathToFileURL(require.resolve('oidc-provider')));

// client id -> the app roles its tokens carry
const CLIENTS = {
  'pb-dashboard': ['wijkregie.programmabureau'],
  'zaaksysteem-ocw': ['offline_access', 'wijkregie.vakdienst.ocw'],
  'escamp-portal': ['wijkregie.stadsdeel.escamp'],
  'buurthuis-app': ['wijkregie.partner.41150013'],
  'beheer': ['wijkregie.admin'],
  'unmapped-app': ['something.else'],
};
const SECRET = 'test-client-secret-for-wijkregie';

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `key-${randomUUID()}`, alg: 'RS256', use: 'sig' };
}

function provider(issuer, key) {
  const p = new Provider(issuer, {
    clients: Object.keys(CLIENTS).map((client_id) => ({
      client_id,
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    jwks: { keys: [key] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:wijkregie',
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          audience: 'wijkregie',
          scope: 'api',
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (ctx, token) => ({ roles: CLIENTS[token.clientId] ?? [] }),
  });
  return p.callback();
}

let handle = null;
let issuer = null;
const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/test/rotate') {
    const key = signingKey();
    handle = provider(issuer, key);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: key.kid }));
    return;
  }
  handle(req, res);
});
server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  handle = provider(issuer, signingKey());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
// The test that started this process ends it by closing its standard input (or by dying).
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
