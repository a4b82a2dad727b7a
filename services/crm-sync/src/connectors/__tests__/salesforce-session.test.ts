import type { CrmRequest } from '../crm-http';
import { salesforceConnector } from '../salesforce.connector';
import { changeOf, contextFor, crmAnswer, leadSnapshot, testConnection } from './fixtures';

const connection = {
  ...testConnection('salesforce', { email: 'Email', lastName: 'LastName' }),
  connectionId: '01JDQ5B2C3D4E5F6G7H8SESSION',
};
const refreshing = {
  instanceUrl: 'https://acme.my.salesforce.com',
  refreshToken: 'refresh-0123456789',
  clientId: 'client-0123456789',
  clientSecret: 'secret-0123456789',
};
const lead = changeOf(leadSnapshot(1, { email: 'a@x.com', lastName: 'A' }));
const isTokenRequest = (request: CrmRequest) => request.url.endsWith('/services/oauth2/token');
const bearerOf = (request: CrmRequest) => request.headers?.authorization;

/** Salesforce with an org whose sessions the test ends; each refresh gives the next token. */
function salesforce() {
  let issued = 0;
  const live = new Set<string>();
  const respond = (request: CrmRequest) => {
    if (isTokenRequest(request)) {
      const form = new URLSearchParams(request.body);
      if (form.get('refresh_token') !== refreshing.refreshToken)
        return crmAnswer(400, { error: 'invalid_grant' });
      const token = `session-${++issued}`;
      live.add(token);
      return crmAnswer(200, { access_token: token, instance_url: refreshing.instanceUrl });
    }
    if (!live.has(String(bearerOf(request)).replace('Bearer ', '')))
      return crmAnswer(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired' }]);
    return crmAnswer(200, [{ id: '00Q000000000001', success: true, errors: [], created: true }]);
  };
  return { respond, endSessions: () => live.clear() };
}

describe('Salesforce sessions from a refresh token', () => {
  afterEach(() => salesforceConnector.forget!(connection));

  it('when a connection has a refresh token, then it gets an access token once and sends it with every request', async () => {
    const org = salesforce();
    const context = contextFor(connection, org.respond, refreshing);

    const first = await salesforceConnector.upsert(context, [lead]);
    const second = await salesforceConnector.upsert(context, [lead]);

    expect([first, second]).toEqual([
      [{ state: 'synced', externalId: '00Q000000000001' }],
      [{ state: 'synced', externalId: '00Q000000000001' }],
    ]);
    const [token, ...writes] = context.sent;
    expect(token).toMatchObject({
      method: 'POST',
      url: 'https://crm.example.com/services/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(Object.fromEntries(new URLSearchParams(token!.body))).toEqual({
      grant_type: 'refresh_token',
      client_id: refreshing.clientId,
      client_secret: refreshing.clientSecret,
      refresh_token: refreshing.refreshToken,
    });
    expect(writes.map(bearerOf)).toEqual(['Bearer session-1', 'Bearer session-1']);
  });

  it('when Salesforce ends the session, then the credentials are rejected, and once forgotten the next attempt gets a new session', async () => {
    const org = salesforce();
    const context = contextFor(connection, org.respond, refreshing);
    await salesforceConnector.upsert(context, [lead]);
    org.endSessions();

    const refused = await salesforceConnector.upsert(context, [lead]);
    salesforceConnector.forget!(connection);
    const again = await salesforceConnector.upsert(context, [lead]);

    expect(refused).toEqual([{ state: 'rejected', error: expect.stringMatching(/401/) }]);
    expect(again).toEqual([{ state: 'synced', externalId: '00Q000000000001' }]);
    expect(context.sent.filter(isTokenRequest)).toHaveLength(2);
    expect(context.sent.at(-1)!.headers?.authorization).toBe('Bearer session-2');
  });

  it('when the refresh token is refused, then the credentials are rejected and nothing is written', async () => {
    const org = salesforce();
    const context = contextFor(connection, org.respond, {
      ...refreshing,
      refreshToken: 'revoked-0123456789',
    });

    const results = await salesforceConnector.upsert(context, [lead]);

    expect(results).toEqual([
      { state: 'rejected', error: 'Salesforce refused the refresh token (400 invalid_grant)' },
    ]);
    expect(context.sent).toHaveLength(1);
  });

  it('when the refresh token changes, then the next request asks for a session with the new one, not the one the old token got', async () => {
    const org = salesforce();
    await salesforceConnector.upsert(contextFor(connection, org.respond, refreshing), [lead]);
    const rotated = contextFor(connection, org.respond, {
      ...refreshing,
      refreshToken: 'revoked-0123456789',
    });

    expect(await salesforceConnector.upsert(rotated, [lead])).toEqual([
      { state: 'rejected', error: expect.stringMatching(/refresh token/) },
    ]);
    const [asked] = rotated.sent;
    expect(new URLSearchParams(asked!.body).get('refresh_token')).toBe('revoked-0123456789');
  });

  it.each([
    ['is down (503)', crmAnswer(503, { error: 'unavailable' }), /token endpoint answered 503/],
    [
      'answers without a token',
      crmAnswer(200, { token_type: 'Bearer' }),
      /without an access token/,
    ],
  ])(
    'when the token endpoint %s, then the change is retried later and nothing is written',
    async (_case, answer, error) => {
      const context = contextFor(connection, () => answer, refreshing);

      const results = await salesforceConnector.upsert(context, [lead]);

      expect(results).toEqual([{ state: 'retry', error: expect.stringMatching(error) }]);
      expect(context.sent.filter((request) => !isTokenRequest(request))).toEqual([]);
    },
  );

  it.each([
    [{ instanceUrl: 'https://a.my.salesforce.com', accessToken: 'token-0123456789' }, undefined],
    [refreshing, undefined],
    [{ ...refreshing, clientSecret: '' }, expect.stringMatching(/clientId and clientSecret/)],
    [{ instanceUrl: 'https://a.my.salesforce.com' }, expect.stringMatching(/accessToken/)],
  ])('when credentials are %o, then their problem is %p', (credentials, problem) => {
    expect(salesforceConnector.credentialsProblem(credentials)).toEqual(problem);
  });
});
