import { isStandardField, type LeadSnapshot } from '@leadflow/contracts';

export type MappedValue = string | number | boolean | string[];

export interface MappingOptions {
  /** Multi-select values: HubSpot and Salesforce take `a;b`, a webhook keeps the array. */
  joinArrays?: string;
  /** What clears a property whose lead field was emptied: '' (HubSpot), null (Salesforce). */
  cleared?: '' | null;
}

/** The lead value a mapping key names: `email` or `custom.<key>`. */
export function leadValue(lead: LeadSnapshot, field: string): MappedValue | undefined {
  if (field.startsWith('custom.')) return lead.custom[field.slice('custom.'.length)];
  if (isStandardField(field)) return lead.fields[field];
  return undefined;
}

/**
 * The CRM properties of a lead through a connection's field mapping. A field the change emptied
 * (named in changedFields, now absent) clears its property; one that was never set is left out,
 * so the CRM keeps what its users entered.
 */
export function mapLead(
  lead: LeadSnapshot,
  mapping: Record<string, string>,
  changedFields: readonly string[],
  options: MappingOptions = {},
): Record<string, MappedValue | null> {
  const changed = new Set(changedFields);
  const properties: Record<string, MappedValue | null> = {};
  for (const [field, property] of Object.entries(mapping)) {
    const value = leadValue(lead, field);
    if (value === undefined || (Array.isArray(value) && value.length === 0)) {
      if (changed.has(field) && options.cleared !== undefined)
        properties[property] = options.cleared;
      continue;
    }
    properties[property] =
      Array.isArray(value) && options.joinArrays !== undefined
        ? value.join(options.joinArrays)
        : value;
  }
  return properties;
}

/** The property the connection maps a lead field to, or undefined when it maps none. */
export function propertyFor(mapping: Record<string, string>, field: string): string | undefined {
  return Object.hasOwn(mapping, field) ? mapping[field] : undefined;
}

/** A display name: first and last name, else the e-mail, else the lead id. */
export function displayName(lead: LeadSnapshot): string {
  const name = [lead.fields.firstName, lead.fields.lastName].filter(Boolean).join(' ').trim();
  return name || lead.fields.email || `Lead ${lead.id}`;
}
