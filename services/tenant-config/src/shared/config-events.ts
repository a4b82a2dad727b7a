import { envelope, type TenantConfigUpdated } from '@leadflow/contracts';
import type { EventPublisher, Logger } from '@leadflow/core';

const PUBLISH_BUDGET_MS = 3_000;

/**
 * tenant.config.updated tells other services a tenant's configuration changed. It is a hint
 * for caches (which expire on their own), so a failure to publish is logged, not fatal.
 */
export class ConfigEvents {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
  ) {}

  async changed(
    tenantId: string,
    resource: TenantConfigUpdated['resource'],
    resourceId: string,
    version?: number,
  ): Promise<void> {
    const detail: TenantConfigUpdated = {
      ...envelope(tenantId),
      resource,
      resourceId,
      ...(version === undefined ? {} : { version }),
    };
    try {
      await this.publisher.publish(
        { detailType: 'tenant.config.updated', detail },
        { deadline: Date.now() + PUBLISH_BUDGET_MS },
      );
    } catch (error) {
      this.logger.error(
        { err: error, resource, resourceId },
        'tenant.config.updated not published',
      );
    }
  }
}
