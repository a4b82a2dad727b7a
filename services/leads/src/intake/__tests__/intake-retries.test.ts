import { manifest } from '@leadflow/resources';
import { LeadsConfigSchema } from '../../config';
import { intakeRetryDelay } from '../intake.worker';

describe('how long a lead waits through an outage before the DLQ', () => {
  it('when DynamoDB fails every attempt, then the lead is retried for more than ten minutes before it is dead-lettered', () => {
    const { maxReceiveCount } = manifest.queues['lead-intake'];
    const base = (LeadsConfigSchema.properties as Record<string, { default?: number }>)
      .INTAKE_RETRY_BASE_SECONDS!.default!;
    const delay = intakeRetryDelay(base);
    let waited = 0;
    for (let receive = 1; receive < maxReceiveCount; receive++) waited += delay(receive);
    expect(waited).toBeGreaterThan(600);
  });
});
