import type { CrmType } from '@leadflow/contracts';
import type { Connector } from './connector';
import { hubspotConnector } from './hubspot.connector';
import { pipedriveConnector } from './pipedrive.connector';
import { salesforceConnector } from './salesforce.connector';
import { webhookConnector } from './webhook.connector';

/** The connector of each CRM type; a new type fails the type check until it has one. */
export const CONNECTORS = {
  hubspot: hubspotConnector,
  salesforce: salesforceConnector,
  pipedrive: pipedriveConnector,
  webhook: webhookConnector,
} as const satisfies Record<CrmType, Connector>;
