// A real OpenID Connect provider (the certified `oidc-provider` package) on loopback, for the
// desk's sign-in tests. It serves discovery, authorize, token, JWKS, userinfo and end-session,
// and its own login page: one button per known identity, plus a form for any email, so a test
// chooses WHICH person signs in.
//
//   node tests/oidc/server.mjs [--port N]
//
// Port 0 (the default) takes a free port. The first line on stdout is `OIDC_ISSUER=<url>`; the
// discovery document is at <url>/.well-known/openid-configuration.
//
// The client (environment OIDC_CLIENT_ID / OIDC_CLIENT_SECRET, defaults below) is registered as a
// native application with the loopback redirect URI http://127.0.0.1/oauth2callback: RFC 8252
// section 7.3 lets a loopback redirect URI use any port, so the app under test may pick its own.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

// The people the tests sign in as: email -> name.
const PEOPLE = new Map([
  ['admin@stage8.test', 'Ada Admin'],
  ['reviewer@stage8.test', 'Rui Reviewer'],
  ['viewer@stage8.test', 'Vera Viewer'],
  ['stranger@stage8.test', 'Sam Stranger'],
]);

function parsePort(argv) {
  const i = argv.indexOf('--port');
  const raw = i >= 0 ? argv[i + 1] : process.env.OIDC_PORT || '0';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be 0..65535, got ${raw}`);
  }
  return port;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10_000) reject(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'stage8-test', use: 'sig', alg: 'RS256' };
}

function loginPage(uid, clientId) {
  const buttons = [...PEOPLE]
    .map(
      ([email, name]) => `
      <form method="post" action="/interaction/${uid}/login">
        <input type="hidden" name="email" value="${escapeHtml(email)}">
        <button type="submit" data-testid="signin-${escapeHtml(email)}">Sign in as ${escapeHtml(
          email,
        )}</button> <span>${escapeHtml(name)}</span>
      </form>`,
    )
    .join('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Stage 8 test sign-in</title></head>
<body>
  <h1>Test identity provider</h1>
  <p>Signing in to <code>${escapeHtml(clientId)}</code>. Choose who you are:</p>
  ${buttons}
  <form method="post" action="/interaction/${uid}/login">
    <label>Email <input name="email" type="email" required></label>
    <label>Name <input name="name"></label>
    <button type="submit">Sign in</button>
  </form>
</body></html>`;
}

async function main() {
  const port = parsePort(process.argv.slice(2));
  const clientId = process.env.OIDC_CLIENT_ID || 'stage8-desk';
  const clientSecret = process.env.OIDC_CLIENT_SECRET || 'stage8-desk-test-secret';
  const typedNames = new Map(); // people signed in through the free form: email -> name

  let provider;
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      const match = url.pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
      if (!match) {
        provider.callback()(req, res);
        return;
      }
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET' && details.prompt.name === 'login') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(loginPage(details.uid, details.params.client_id));
        return;
      }
      if (req.method === 'GET' && details.prompt.name === 'consent') {
        // The desk is a first-party client: grant what it asked for without a consent page.
        const grant = new provider.Grant({
          accountId: details.session.accountId,
          clientId: details.params.client_id,
        });
        grant.addOIDCScope(details.params.scope);
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, {
          mergeWithLastSubmission: true,
        });
        return;
      }
      if (req.method === 'POST' && match[2]) {
        const form = await readForm(req);
        const email = (form.get('email') || '').trim().toLowerCase();
        if (!email.includes('@')) {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end('An email address is needed.');
          return;
        }
        if (!PEOPLE.has(email)) typedNames.set(email, form.get('name') || email.split('@')[0]);
        await provider.interactionFinished(req, res, { login: { accountId: email } }, {
          mergeWithLastSubmission: false,
        });
        return;
      }
      res.writeHead(405, { 'content-type': 'text/plain' });
      res.end('method not allowed');
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`test identity provider error: ${err.message}`);
    }
  });

  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;

  provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/oauth2callback'],
        post_logout_redirect_uris: ['http://127.0.0.1/oauth2callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Streamlit reads the person from the ID token, so scope claims go into it too.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const name = PEOPLE.get(sub) ?? typedNames.get(sub);
      if (name === undefined) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, email: sub, email_verified: true, name };
        },
      };
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('oidc server_error:', err));

  console.log(`OIDC_ISSUER=${issuer}`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
