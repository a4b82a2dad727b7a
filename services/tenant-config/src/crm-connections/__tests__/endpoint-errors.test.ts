import { endpointErrors } from '../crm-connection.service';

const SIGNING_SECRET = '0123456789abcdef';

describe('endpointErrors', () => {
  it.each([
    ['not a URL at all', 'nope'],
    ['an IPv4 address out of range, which the JSON Schema uri format accepts', 'https://1.2.3.256'],
    ['a port out of range, which the JSON Schema uri format accepts', 'https://hooks.test:99999'],
  ])(
    'when a production webhook URL is %s, then it names the field instead of throwing',
    (_case, url) => {
      expect(
        endpointErrors('webhook', undefined, { url, signingSecret: SIGNING_SECRET }, true),
      ).toEqual([{ field: 'body.credentials.url', message: 'must be an absolute URL' }]);
    },
  );

  it('when a production base URL or Salesforce instance is not a URL, then each is named', () => {
    expect(endpointErrors('salesforce', 'nope', { instanceUrl: 'nope' }, true)).toEqual([
      { field: 'body.baseUrl', message: 'must be an absolute URL' },
      { field: 'body.credentials.instanceUrl', message: 'must be an absolute URL' },
    ]);
  });

  it('when production endpoints are http or private, then they are refused; public https passes', () => {
    expect(
      endpointErrors(
        'webhook',
        'http://api.crm.test',
        { url: 'https://10.0.0.7/hook', signingSecret: SIGNING_SECRET },
        true,
      ),
    ).toEqual([
      { field: 'body.baseUrl', message: 'must use https' },
      { field: 'body.credentials.url', message: 'must be a public host' },
    ]);
    expect(
      endpointErrors(
        'webhook',
        undefined,
        { url: 'https://hooks.example.com/leads', signingSecret: SIGNING_SECRET },
        true,
      ),
    ).toEqual([]);
  });

  it('when not in production, then local endpoints are allowed (the fake CRM)', () => {
    expect(
      endpointErrors(
        'webhook',
        undefined,
        { url: 'http://127.0.0.1:4010/hook', signingSecret: SIGNING_SECRET },
        false,
      ),
    ).toEqual([]);
  });
});
