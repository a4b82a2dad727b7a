import { operationsByService } from '../../../scripts/openapi-document';
import { loadTree } from '../lib/hcl';
import {
  type ServiceRoute,
  albPatternMatches,
  readRoutes,
  routeOnApiHost,
  samplePath,
} from '../lib/routing';

describe('load-balancer routing', () => {
  let routes: ServiceRoute[];

  beforeAll(async () => {
    routes = readRoutes(await loadTree());
  });

  it('when the routes are read, then every service with an API has path rules', () => {
    expect(routes.map((r) => r.service).sort()).toEqual(Object.keys(operationsByService).sort());
  });

  const cases = Object.entries(operationsByService).flatMap(([service, operations]) =>
    operations.map((o) => [service, o.method.toUpperCase(), o.path] as const),
  );

  it.each(cases)(
    'when %s documents %s %s, then the API host routes that path to it',
    (service, _method, path) => {
      expect(routeOnApiHost(routes, samplePath(path))).toBe(service);
    },
  );

  it('when the ingestion domain is used, then a host rule sends it to ingestion only', () => {
    expect(routes.filter((r) => r.hasHostRule).map((r) => r.service)).toEqual(['ingestion']);
  });

  it('when a path belongs to no service, then no rule matches and the listener answers 404', () => {
    expect(routeOnApiHost(routes, '/healthz')).toBeUndefined();
    expect(routeOnApiHost(routes, '/v2/leads')).toBeUndefined();
  });
});

describe('ALB path-pattern matching', () => {
  it('when a pattern ends in *, then it matches any rest of the path, slashes included', () => {
    expect(albPatternMatches('/v1/leads/*', '/v1/leads/01J/notes')).toBe(true);
    expect(albPatternMatches('/v1/leads/*', '/v1/leads')).toBe(false);
    expect(albPatternMatches('/v1/forms*', '/v1/forms')).toBe(true);
  });

  it('when a pattern has regex characters, then they are literal', () => {
    expect(albPatternMatches('/v1/a.b', '/v1/axb')).toBe(false);
  });
});
