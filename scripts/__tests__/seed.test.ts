import { DEMO_API_KEY_NAME, DEMO_FORM_NAME } from '../demo-data';
import {
  ensureDemoForm,
  listAll,
  replaceDemoApiKey,
  type ApiResponse,
  type DemoForm,
  type TenantConfigApi,
} from '../seed';

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

/** A tenant-config that answers from `routes` (by "METHOD path") and records every call. */
function fakeApi(routes: Record<string, (body: unknown) => Record<string, unknown>>) {
  const calls: Call[] = [];
  const api: TenantConfigApi = async (method, path, body) => {
    calls.push({ method, path, body });
    const route = routes[`${method} ${path}`];
    const answer: ApiResponse = route
      ? { status: method === 'POST' ? 201 : 200, headers: new Headers(), body: route(body) }
      : { status: 404, headers: new Headers(), body: {} };
    return answer;
  };
  const writes = () => calls.filter((c) => c.method !== 'GET');
  return { api, calls, writes };
}

const form = (over: Partial<DemoForm>): DemoForm => ({
  id: '01JDQ3V6Z8R6J5X1M8T0N4K2W9',
  name: DEMO_FORM_NAME,
  formKey: 'frm_demo',
  status: 'published',
  hasGoogleAdsKey: true,
  ...over,
});
// Named as the API's own example names a form: what a newcomer creates first.
const usersForm = form({ id: '01JDQ3V6Z8R6J5X1M8T0N4USER', name: 'Contact us', status: 'draft' });

describe('listAll', () => {
  it('when a list has several pages, then it follows nextCursor to the last', async () => {
    const { api, calls } = fakeApi({
      'GET /v1/forms?limit=100': () => ({ items: [1, 2], nextCursor: 'b' }),
      'GET /v1/forms?limit=100&cursor=b': () => ({ items: [3], nextCursor: null }),
    });
    await expect(listAll(api, '/v1/forms')).resolves.toEqual([1, 2, 3]);
    expect(calls).toHaveLength(2);
  });
});

describe('ensureDemoForm', () => {
  it('when the tenant has only a form somebody created, then it creates and publishes its own and leaves the other alone', async () => {
    const created = form({ id: '01JDQ3V6Z8R6J5X1M8T0N4NEW0', status: 'draft' });
    const { api, writes } = fakeApi({
      'GET /v1/forms?limit=100': () => ({ items: [usersForm], nextCursor: null }),
      'POST /v1/forms': () => created,
      [`POST /v1/forms/${created.id}/publish`]: () => ({ ...created, status: 'published' }),
    });
    await expect(ensureDemoForm(api)).resolves.toMatchObject({ id: created.id });
    expect(writes().map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /v1/forms',
      `POST /v1/forms/${created.id}/publish`,
    ]);
    expect(writes()[0]!.body).toMatchObject({ name: DEMO_FORM_NAME });
  });

  it('when its form is on a later page behind a newer form of somebody else, then it finds it and writes nothing', async () => {
    const { api, writes } = fakeApi({
      'GET /v1/forms?limit=100': () => ({ items: [usersForm], nextCursor: 'next' }),
      'GET /v1/forms?limit=100&cursor=next': () => ({ items: [form({})], nextCursor: null }),
    });
    await expect(ensureDemoForm(api)).resolves.toMatchObject({ formKey: 'frm_demo' });
    expect(writes()).toEqual([]);
  });

  it('when its form was unpublished, then it publishes that form only', async () => {
    const demo = form({ status: 'draft' });
    const { api, writes } = fakeApi({
      'GET /v1/forms?limit=100': () => ({ items: [usersForm, demo], nextCursor: null }),
      [`POST /v1/forms/${demo.id}/publish`]: () => ({ ...demo, status: 'published' }),
    });
    await ensureDemoForm(api);
    expect(writes().map((c) => c.path)).toEqual([`/v1/forms/${demo.id}/publish`]);
  });
});

describe('replaceDemoApiKey', () => {
  it('when keys exist, then it revokes only its own live ones and answers a new key', async () => {
    const { api, writes } = fakeApi({
      'GET /v1/api-keys?limit=100': () => ({
        items: [
          { id: 'K-OLD-DEMO', name: DEMO_API_KEY_NAME },
          { id: 'K-REVOKED-DEMO', name: DEMO_API_KEY_NAME, revokedAt: '2026-11-01T00:00:00Z' },
          { id: 'K-PARTNER', name: 'Partner CRM import' },
        ],
        nextCursor: null,
      }),
      'DELETE /v1/api-keys/K-OLD-DEMO': () => ({}),
      'POST /v1/api-keys': () => ({ id: 'K-NEW', key: 'lf_live_new' }),
    });
    await expect(replaceDemoApiKey(api)).resolves.toBe('lf_live_new');
    expect(writes().map((c) => `${c.method} ${c.path}`)).toEqual([
      'DELETE /v1/api-keys/K-OLD-DEMO',
      'POST /v1/api-keys',
    ]);
    expect(writes()[1]!.body).toEqual({ name: DEMO_API_KEY_NAME });
  });
});
