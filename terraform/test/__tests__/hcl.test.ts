import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTerraformFiles, parseHcl, parseTree } from '../lib/hcl';

describe('parsing the Terraform tree', () => {
  it('when every .tf file under terraform/ is parsed, then none fails', async () => {
    const { files, errors } = await parseTree();

    expect(errors).toEqual([]);
    expect(files.length).toBe(findTerraformFiles().length);
    expect(files.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        'envs/dev/main.tf',
        'envs/prod/main.tf',
        'bootstrap/main.tf',
        'modules/leadflow/services.tf',
      ]),
    );
  });

  it('when a file has a syntax error, then the error names the file', async () => {
    await expect(parseHcl('modules/x/main.tf', 'resource "a" "b" {\n  x = \n}\n')).rejects.toThrow(
      /^modules\/x\/main\.tf does not parse: .*Invalid expression/,
    );
  });

  it('when one file of a tree is broken, then the others still parse and only it is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-parse-'));
    try {
      writeFileSync(join(dir, 'good.tf'), 'variable "a" {\n  type = string\n}\n');
      writeFileSync(join(dir, 'broken.tf'), 'resource "a" "b" {\n  x = 1\n');

      const { files, errors } = await parseTree(dir);

      expect(files.map((f) => f.path)).toEqual(['good.tf']);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^broken\.tf does not parse: .*Unclosed configuration block/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
