import {
  authSettings,
  createAuthenticator,
  createTokenVerifier,
  liveRolesUnder,
} from '@leadflow/auth';
import { EVENT_SOURCES } from '@leadflow/contracts';
import {
  awsReadiness,
  createApp,
  documentClient,
  EventPublisher,
  frontendCors,
  originList,
  type AwsClients,
  type Logger,
  type ServiceApp,
} from '@leadflow/core';
import { ApiKeyRepository } from './api-keys/api-key.repository';
import { apiKeyRoutes } from './api-keys/api-key.routes';
import { ApiKeyService } from './api-keys/api-key.service';
import type { TenantConfigConfig } from './config';
import { CrmConnectionRepository } from './crm-connections/crm-connection.repository';
import { crmConnectionRoutes } from './crm-connections/crm-connection.routes';
import { CrmConnectionService } from './crm-connections/crm-connection.service';
import { FormRepository } from './forms/form.repository';
import { formRoutes, publicConfigPreflight } from './forms/form.routes';
import { FormService } from './forms/form.service';
import { MemberRepository } from './members/member.repository';
import { memberRoutes } from './members/member.routes';
import { MemberService } from './members/member.service';
import { ConfigEvents } from './shared/config-events';
import { TenantRepository } from './tenants/tenant.repository';
import { tenantRoutes } from './tenants/tenant.routes';
import { TenantService } from './tenants/tenant.service';

export const SERVICE = 'tenant-config';

export interface TenantConfigDeps {
  config: TenantConfigConfig;
  logger: Logger;
  aws: AwsClients;
  validateResponses?: boolean;
}

export interface TenantConfigApp extends ServiceApp {
  publisher: EventPublisher;
}

export function buildApp({
  config,
  logger,
  aws,
  validateResponses,
}: TenantConfigDeps): TenantConfigApp {
  const db = documentClient(aws.dynamodb);
  const table = config.TENANTS_TABLE;
  const assetsPublicUrl = config.ASSETS_PUBLIC_URL.replace(/\/$/, '');
  const publisher = new EventPublisher({
    client: aws.eventBridge,
    busName: config.EVENT_BUS_NAME,
    source: EVENT_SOURCES.tenantConfig,
    logger,
  });
  const events = new ConfigEvents(publisher, logger);

  const tenantRepository = new TenantRepository(db, table);
  const formRepository = new FormRepository(db, table);
  const memberRepository = new MemberRepository(db, table);
  const apiKeyRepository = new ApiKeyRepository(db, table);
  const connectionRepository = new CrmConnectionRepository(db, table);

  const memberService = new MemberService({
    members: memberRepository,
    cognito: aws.cognito,
    userPoolId: config.COGNITO_USER_POOL_ID,
    events,
    logger,
  });
  const tenantService = new TenantService({
    tenants: tenantRepository,
    forms: formRepository,
    connections: connectionRepository,
    members: memberRepository,
    memberService,
    events,
    logger,
    s3: aws.s3,
    bucket: config.ASSETS_BUCKET,
    assetsPublicUrl,
  });
  const formService = new FormService({
    forms: formRepository,
    tenants: tenantService,
    events,
    s3: aws.s3,
    bucket: config.ASSETS_BUCKET,
    assetsPublicUrl,
    logger,
  });
  const apiKeyService = new ApiKeyService(apiKeyRepository, events);
  const connectionService = new CrmConnectionService({
    connections: connectionRepository,
    tenants: tenantService,
    secrets: aws.secrets,
    secretsPrefix: config.SECRETS_PREFIX,
    events,
    logger,
    production: config.NODE_ENV === 'production',
  });

  const auth = authSettings(config, config.NODE_ENV);
  const ready = awsReadiness(aws);
  const app = createApp({
    service: SERVICE,
    logger,
    routes: [
      ...tenantRoutes(tenantService),
      ...formRoutes(formService, formRepository),
      ...apiKeyRoutes(apiKeyService, apiKeyRepository),
      ...crmConnectionRoutes(connectionService, connectionRepository),
      ...memberRoutes(memberService, memberRepository),
    ],
    beforeRoutes: [
      publicConfigPreflight(formService),
      frontendCors(originList(config.FRONTEND_ORIGINS)),
    ],
    authenticate: createAuthenticator({
      verifier: createTokenVerifier(auth),
      liveRoles: liveRolesUnder(auth, async (tenantId, memberId) => {
        const member = await memberRepository.get(tenantId, memberId);
        return member ? [member.role] : [];
      }),
    }),
    readinessChecks: [
      ready.table(table),
      ready.bucket(config.ASSETS_BUCKET),
      ready.bus(config.EVENT_BUS_NAME),
    ],
    trustProxy: config.TRUST_PROXY_HOPS,
    validateResponses,
  });
  return { ...app, publisher };
}
