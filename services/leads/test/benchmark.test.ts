import { measureExport } from '../bench/export.bench';
import { listing } from '../bench/leads.bench';

/**
 * `make bench` runs outside the test suite, so a change to the service can leave its fixtures
 * behind unnoticed (the leads API once refused the benchmark's user with 403 for runs on end).
 * The same code runs here at a tiny scale: its user lists and exports, and every figure is there.
 */
describe('leads benchmark at a tiny scale', () => {
  it('lists over its own emulator, beside the bare Query', async () => {
    const figures = await listing({ leads: 120, samples: 2, deepPages: 2 });

    expect(figures).toMatchObject({ leadsInTenant: 120 });
    for (const ratio of [
      'firstPageRatioToBareQuery',
      'deepPageRatioToBareQuery',
      'filteredRatioToBareQuery',
    ])
      expect(figures[ratio]).toBeGreaterThan(0);
  });

  it('exports every lead from the stub store', async () => {
    const figures = await measureExport({ small: 60, large: 240 });

    expect(figures.exportRowsPerSec).toBeGreaterThan(0);
    expect(figures.export100kMb).toBeGreaterThan(0);
  });
});
