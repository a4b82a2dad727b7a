/**
 * The load balancer's path rules, read from the composition's local.services and evaluated the
 * way an ALB does: host rules first, then path rules by priority, `*` matching any characters.
 */
import { type TerraformTree, isObject, moduleAt } from './hcl';
import { COMPOSITION_DIR } from './service-environment';

export interface ServiceRoute {
  service: string;
  priority: number;
  pathPatterns: string[];
  hasHostRule: boolean;
}

export function readRoutes(tree: TerraformTree): ServiceRoute[] {
  const services = moduleAt(tree, COMPOSITION_DIR).locals.services;
  if (!isObject(services)) throw new Error('local.services must be a literal map');
  return Object.entries(services)
    .map(([service, value]) => {
      if (!isObject(value)) throw new Error(`local.services["${service}"] must be a literal map`);
      const { priority, path_patterns: paths, host_headers: hosts } = value;
      if (typeof priority !== 'number' || !Array.isArray(paths))
        throw new Error(`local.services["${service}"] needs a numeric priority and path_patterns`);
      return {
        service,
        priority,
        pathPatterns: paths.filter((p): p is string => typeof p === 'string'),
        hasHostRule: Array.isArray(hosts) && hosts.length > 0,
      };
    })
    .sort((a, b) => a.priority - b.priority);
}

/** ALB path-pattern semantics: case-sensitive, whole path, `*` any run of characters, `?` one. */
export function albPatternMatches(pattern: string, path: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(path);
}

/** The service the API host routes a path to, or undefined for the listener's 404. */
export function routeOnApiHost(routes: ServiceRoute[], path: string): string | undefined {
  return routes.find((r) => r.pathPatterns.some((p) => albPatternMatches(p, path)))?.service;
}

/** An OpenAPI path template as a concrete request path: {leadId} becomes a sample segment. */
export function samplePath(template: string): string {
  return template.replace(/\{[^}]+\}/g, '01J0SAMPLE');
}
