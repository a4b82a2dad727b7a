import type { CrmType } from './tenant-data';

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
