/**
 * Runs the project's pinned checkov over terraform/ offline and summarises its JSON report.
 * Skips are accepted only inline (#checkov:skip=<id>:<reason>) and only with a reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TERRAFORM_ROOT, isObject } from './hcl';

export const CHECKOV_BIN = join(REPO_ROOT, '.venv', 'bin', 'checkov');

export interface CheckovFinding {
  checkId: string;
  checkName: string;
  file: string;
  resource: string;
  reason: string;
}

export interface CheckovSummary {
  version: string;
  passed: number;
  failed: number;
  skipped: number;
  parsingErrors: number;
  failedChecks: CheckovFinding[];
  /** Skipped checks, one per check, file and resource (checkov repeats them per calling env). */
  skippedChecks: CheckovFinding[];
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function findings(list: unknown): CheckovFinding[] {
  if (!Array.isArray(list)) return [];
  const seen = new Map<string, CheckovFinding>();
  for (const item of list) {
    if (!isObject(item)) continue;
    const result = isObject(item.check_result) ? item.check_result : {};
    const finding: CheckovFinding = {
      checkId: str(item.check_id),
      checkName: str(item.check_name),
      file: str(item.file_path).replace(/^\//, ''),
      resource: str(item.resource),
      reason: str(result.suppress_comment).trim(),
    };
    seen.set(`${finding.checkId} ${finding.file} ${finding.resource}`, finding);
  }
  return [...seen.values()].sort(
    (a, b) => a.file.localeCompare(b.file) || a.checkId.localeCompare(b.checkId),
  );
}

/** Checkov prints one report object per framework, or a list of them. */
export function summariseCheckov(report: unknown): CheckovSummary {
  const reports = (Array.isArray(report) ? report : [report]).filter(isObject);
  const summary: CheckovSummary = {
    version: '',
    passed: 0,
    failed: 0,
    skipped: 0,
    parsingErrors: 0,
    failedChecks: [],
    skippedChecks: [],
  };
  for (const r of reports) {
    const s = isObject(r.summary) ? r.summary : {};
    summary.version = str(s.checkov_version) || summary.version;
    summary.passed += num(s.passed);
    summary.failed += num(s.failed);
    summary.skipped += num(s.skipped);
    summary.parsingErrors += num(s.parsing_errors);
    const results = isObject(r.results) ? r.results : {};
    summary.failedChecks.push(...findings(results.failed_checks));
    summary.skippedChecks.push(...findings(results.skipped_checks));
  }
  return summary;
}

/** What makes the scan fail: a failed check, a parse error, or a skip without a reason. */
export function checkovProblems(summary: CheckovSummary): string[] {
  const problems = summary.failedChecks.map(
    (f) => `checkov ${f.checkId} failed: ${f.checkName} (${f.file}, ${f.resource})`,
  );
  if (summary.failed > 0 && problems.length === 0)
    problems.push(`checkov reports ${summary.failed} failed checks`);
  if (summary.parsingErrors > 0)
    problems.push(`checkov could not parse ${summary.parsingErrors} file(s)`);
  for (const skip of summary.skippedChecks)
    if (skip.reason.length < 10)
      problems.push(
        `checkov ${skip.checkId} is skipped without a reason (${skip.file}, ${skip.resource})`,
      );
  return problems;
}

/**
 * Runs checkov offline: no external modules or policies downloaded, no platform mapping, no
 * update check. Throws when checkov is not installed or does not produce a report.
 */
export function runCheckov(dir: string = TERRAFORM_ROOT, timeoutMs = 300_000): CheckovSummary {
  if (!existsSync(CHECKOV_BIN))
    throw new Error(`${CHECKOV_BIN} is missing: run scripts/python-env.sh (make install)`);
  const run = spawnSync(
    CHECKOV_BIN,
    [
      '--directory',
      dir,
      '--framework',
      'terraform',
      '--skip-download',
      '--output',
      'json',
      '--compact',
    ],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        BC_SKIP_MAPPING: 'TRUE',
        CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true',
        ANSI_COLORS_DISABLED: 'true',
        LOG_LEVEL: 'ERROR',
      },
    },
  );
  if (run.error) throw new Error(`checkov did not run: ${run.error.message}`, { cause: run.error });
  // Exit code 1 means failed checks (reported below); anything else without a report is a crash.
  let report: unknown;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    throw new Error(
      `checkov exited ${String(run.status)} without a JSON report:\n${run.stderr.slice(-2000)}`,
    );
  }
  return summariseCheckov(report);
}
