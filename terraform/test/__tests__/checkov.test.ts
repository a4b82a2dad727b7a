import { checkovProblems, summariseCheckov } from '../lib/checkov';

const skipped = (id: string, resource: string, reason: string) => ({
  check_id: id,
  check_name: `name of ${id}`,
  file_path: '/modules/alb/main.tf',
  resource,
  check_result: { result: 'SKIPPED', suppress_comment: reason },
});

describe('summarising a checkov report', () => {
  it('when a module is reported once per calling environment, then each skip is listed once', () => {
    const summary = summariseCheckov({
      check_type: 'terraform',
      summary: { passed: 10, failed: 0, skipped: 2, parsing_errors: 0, checkov_version: '3.3.30' },
      results: {
        failed_checks: [],
        skipped_checks: [
          skipped(
            'CKV_AWS_260',
            'module.leadflow.module.alb.x',
            'Port 80 only redirects to HTTPS.',
          ),
          skipped(
            'CKV_AWS_260',
            'module.leadflow.module.alb.x',
            'Port 80 only redirects to HTTPS.',
          ),
        ],
      },
    });

    expect(summary).toMatchObject({ version: '3.3.30', passed: 10, failed: 0, skipped: 2 });
    expect(summary.skippedChecks).toEqual([
      {
        checkId: 'CKV_AWS_260',
        checkName: 'name of CKV_AWS_260',
        file: 'modules/alb/main.tf',
        resource: 'module.leadflow.module.alb.x',
        reason: 'Port 80 only redirects to HTTPS.',
      },
    ]);
    expect(checkovProblems(summary)).toEqual([]);
  });

  it('when a check fails or is skipped without a reason, then tf-check fails and says which', () => {
    const summary = summariseCheckov([
      {
        summary: { passed: 1, failed: 1, skipped: 1, parsing_errors: 0 },
        results: {
          failed_checks: [
            {
              check_id: 'CKV_AWS_91',
              check_name: 'ALB logs',
              file_path: '/modules/alb/main.tf',
              resource: 'aws_lb.this',
            },
          ],
          skipped_checks: [skipped('CKV_AWS_2', 'aws_lb_listener.http', '')],
        },
      },
    ]);

    expect(checkovProblems(summary)).toEqual([
      'checkov CKV_AWS_91 failed: ALB logs (modules/alb/main.tf, aws_lb.this)',
      'checkov CKV_AWS_2 is skipped without a reason (modules/alb/main.tf, aws_lb_listener.http)',
    ]);
  });
});
