import type { CrmType } from './tenant-data';

/** The Salesforce Lead field that holds the Leadflow lead id: the key its upserts match on. */
export const SALESFORCE_EXTERNAL_ID_FIELD = 'Leadflow_Id__c';

/**
 * CRM properties a field mapping may not write: the sync sets them itself, and a mapped value
 * would change which record a lead lands in (Salesforce upserts by the external id) or break
 * the request.
 */
export const RESERVED_CRM_PROPERTIES: Record<CrmType, readonly string[]> = {
  hubspot: [],
  salesforce: [SALESFORCE_EXTERNAL_ID_FIELD, 'Id', 'attributes'],
  pipedrive: [],
  webhook: [],
};

/** Whether a field mapping's target is one of the type's reserved properties (CRMs ignore case). */
export const isReservedCrmProperty = (type: CrmType, property: string): boolean =>
  RESERVED_CRM_PROPERTIES[type].some((name) => name.toLowerCase() === property.toLowerCase());

/** How lead fields map to each CRM's own properties when a tenant configures nothing else. */
export const DEFAULT_FIELD_MAPPINGS: Record<CrmType, Record<string, string>> = {
  hubspot: {
    email: 'email',
    firstName: 'firstname',
    lastName: 'lastname',
    phone: 'phone',
    company: 'company',
    jobTitle: 'jobtitle',
    message: 'message',
  },
  salesforce: {
    email: 'Email',
    firstName: 'FirstName',
    lastName: 'LastName',
    phone: 'Phone',
    company: 'Company',
    jobTitle: 'Title',
    message: 'Description',
  },
  pipedrive: {
    email: 'email',
    firstName: 'first_name',
    lastName: 'last_name',
    phone: 'phone',
    company: 'org_name',
    jobTitle: 'job_title',
    message: 'note',
  },
  webhook: {
    email: 'email',
    firstName: 'firstName',
    lastName: 'lastName',
    phone: 'phone',
    company: 'company',
    jobTitle: 'jobTitle',
    message: 'message',
  },
};
