import type { Operation } from '@leadflow/core';
import { apiKeyOperations } from './api-keys/api-key.schema';
import { crmConnectionOperations } from './crm-connections/crm-connection.schema';
import { formOperations } from './forms/form.schema';
import { memberOperations } from './members/member.schema';
import { tenantOperations } from './tenants/tenant.schema';

/** Every operation this service answers, for the OpenAPI document. */
export const operations: Operation[] = [
  ...tenantOperations,
  ...formOperations,
  ...apiKeyOperations,
  ...crmConnectionOperations,
  ...memberOperations,
];
