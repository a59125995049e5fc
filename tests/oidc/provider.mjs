// A real OpenID provider for the tests (the npm package oidc-provider, version 8).
// Configured by one JSON document in SLRT_TEST_OIDC (written by tests/oidc/provider.py):
//   { port, issuer, resource, jwks: {keys: [private JWKs]}, clients: [client metadata],
//     users: {login: {role, region, agency, name}}, client_claims: {client_id: {...}},
//     ttl: {client_id: seconds} }
// Access tokens are JWTs for the resource indicator `resource` carrying the user's (or client's)
// role, region and agency claims, as a district's Keycloak would after its mappers.
// The login and consent pages are the package's development interactions: any password is accepted.
import Provider from "oidc-provider";

const cfg = JSON.parse(process.env.SLRT_TEST_OIDC);

const claimsOf = (token) =>
  token.accountId ? cfg.users[token.accountId] || {} : cfg.client_claims[token.clientId] || {};

const provider = new Provider(cfg.issuer, {
  clients: cfg.clients,
  jwks: cfg.jwks,
  pkce: { required: () => true },
  scopes: ["openid", "profile", "offline_access", "api"],
  claims: { openid: ["sub"], profile: ["name"] },
  async findAccount(ctx, id) {
    if (!cfg.users[id]) return undefined;
    return { accountId: id, async claims() { return { sub: id, name: cfg.users[id].name }; } };
  },
  async extraTokenClaims(ctx, token) {
    const { role, region, agency } = claimsOf(token);
    return Object.fromEntries(Object.entries({ role, region, agency }).filter(([, v]) => v !== undefined));
  },
  // Like Keycloak: a client allowed the refresh_token grant gets refresh tokens without offline_access.
  async issueRefreshToken(ctx, client) {
    return client.grantTypeAllowed("refresh_token");
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => cfg.resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resourceIndicator, client) => {
        if (resourceIndicator !== cfg.resource) throw new Error("unknown resource");
        return {
          scope: "api",
          audience: cfg.resource,
          accessTokenTTL: (cfg.ttl || {})[client.clientId] || 600,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: cfg.alg || "RS256" } },
        };
      },
    },
  },
});
provider.proxy = false;

provider.listen(cfg.port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${cfg.issuer}`);
});
