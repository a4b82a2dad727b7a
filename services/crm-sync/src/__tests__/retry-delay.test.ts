import manifest from '../../../../shared/resources/manifest.json';
import { retryDelay } from '../app';

describe('the backoff after a CRM outage', () => {
  const delay = retryDelay(2);

  it('when attempts fail, then each waits twice as long as the one before, at most 15 minutes', () => {
    expect([1, 2, 3, 9, 10, 20].map(delay)).toEqual([2, 4, 8, 512, 900, 900]);
  });

  it('when every attempt the queue allows fails, then the change has waited out an outage of over two hours before the DLQ', () => {
    const attempts = manifest.queues['crm-sync'].maxReceiveCount;
    const waited = Array.from({ length: attempts - 1 }, (_, i) => delay(i + 1)).reduce(
      (sum, seconds) => sum + seconds,
      0,
    );
    expect(waited).toBeGreaterThan(2 * 3_600);
  });
});
