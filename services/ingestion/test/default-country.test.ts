import request from 'supertest';
import { bearer, startHarness, type Harness, type PublishedForm } from './harness';

const GOOGLE_KEY = 'g00gle-ads-key-of-country';

/**
 * Phone numbers are read in the tenant's default country. A published form holds the country of
 * when it was published; a tenant that changes it afterwards must not get leads from its forms
 * and its Google Ads webhooks read in the old one (a German number for an Austrian one).
 */
describe('a tenant that changed its default country after publishing a form', () => {
  let h: Harness;
  let form: PublishedForm;
  let apiKey: string;

  beforeAll(async () => {
    h = await startHarness({ INGEST_CONFIG_CACHE_SECONDS: '0' });
    const admin = await h.createTenant('country');
    form = await h.publishForm(admin, {
      fields: [{ key: 'email' }, { key: 'phone' }],
      googleAdsKey: GOOGLE_KEY,
    });
    apiKey = (await h.createApiKey(admin)).key;
    const current = await request(h.tenantConfig).get('/v1/tenant').set(bearer(admin));
    await request(h.tenantConfig)
      .patch('/v1/tenant')
      .set(bearer(admin))
      .set('If-Match', current.headers.etag!)
      .send({ defaultCountry: 'AT' })
      .expect(200);
  });
  beforeEach(() => h.drainIntake());
  afterAll(() => h.close());

  it('then its forms, its Google Ads webhooks and its API read a national number alike, in the new country', async () => {
    await request(h.ingestion.app)
      .post(`/v1/ingest/forms/${form.formKey}`)
      .send({ email: 'form@example.com', phone: '0664 1234567' })
      .expect(202);
    await request(h.ingestion.app)
      .post(`/v1/ingest/webhooks/google-ads/${form.formKey}`)
      .set('Content-Type', 'application/json')
      .send(
        JSON.stringify({
          lead_id: 'country-1',
          google_key: GOOGLE_KEY,
          user_column_data: [
            { column_id: 'EMAIL', string_value: 'google@example.com' },
            { column_id: 'PHONE_NUMBER', string_value: '0664 1234567' },
          ],
        }),
      )
      .expect(200);
    await request(h.ingestion.app)
      .post('/v1/ingest/leads')
      .set('X-Api-Key', apiKey)
      .send({ fields: { email: 'api@example.com', phone: '0664 1234567' } })
      .expect(202);

    const events = await h.intakeEvents(3);
    const phones = Object.fromEntries(events.map((e) => [e.detail.source, e.detail.fields.phone]));
    expect(phones).toEqual({
      form: '+436641234567',
      'google-ads': '+436641234567',
      api: '+436641234567',
    });
  });
});
