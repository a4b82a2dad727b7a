/**
 * Reads the Terraform tree without Terraform: every .tf file parsed to JSON by @cdktf/hcl2json,
 * grouped by directory (a Terraform module), with the block kinds the checks look at.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export const TERRAFORM_ROOT = join(__dirname, '..', '..');
export const REPO_ROOT = join(TERRAFORM_ROOT, '..');

/** A JSON object as hcl2json produces it. */
export type HclObject = Record<string, unknown>;

export interface ParsedFile {
  /** Path relative to terraform/, with forward slashes. */
  path: string;
  body: HclObject;
}

/** One directory of .tf files: a Terraform module (root or child). */
export interface TerraformModule {
  /** Directory relative to terraform/, e.g. modules/alb or envs/dev. */
  dir: string;
  files: string[];
  variables: Map<string, HclObject>;
  outputs: Map<string, HclObject>;
  moduleCalls: Map<string, HclObject>;
  locals: HclObject;
  /** Keyed "<type>.<name>". */
  resources: Map<string, HclObject>;
  /** Keyed "<type>.<name>". */
  data: Map<string, HclObject>;
  terraformBlocks: HclObject[];
}

export function isObject(value: unknown): value is HclObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** Every .tf file under root, skipping .terraform working directories. */
export function findTerraformFiles(root: string = TERRAFORM_ROOT): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      if (entry === '.terraform' || entry === 'node_modules') continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.tf')) found.push(path);
    }
  };
  walk(root);
  return found;
}

/** Parses one file; a syntax error is thrown with the file's name in the message. */
export async function parseHcl(path: string, contents: string): Promise<HclObject> {
  let body: unknown;
  try {
    body = await parse(path, contents);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${path} does not parse: ${message}`, { cause: error });
  }
  if (!isObject(body)) throw new Error(`${path} did not parse to an object`);
  return body;
}

export interface ParseResult {
  files: ParsedFile[];
  errors: string[];
}

/** Parses every .tf file under root, collecting (not throwing) the files that fail. */
export async function parseTree(root: string = TERRAFORM_ROOT): Promise<ParseResult> {
  const result: ParseResult = { files: [], errors: [] };
  for (const file of findTerraformFiles(root)) {
    const path = toPosix(relative(root, file));
    try {
      result.files.push({ path, body: await parseHcl(path, readFileSync(file, 'utf8')) });
    } catch (error) {
      result.errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return result;
}

/** hcl2json writes each labelled block as { label: [attributes, ...] }. */
function labelledBlocks(value: unknown): [string, HclObject][] {
  if (!isObject(value)) return [];
  const blocks: [string, HclObject][] = [];
  for (const [label, instances] of Object.entries(value)) {
    if (!Array.isArray(instances)) continue;
    for (const instance of instances) if (isObject(instance)) blocks.push([label, instance]);
  }
  return blocks;
}

/** Resources and data sources have two labels: { type: { name: [attributes] } }. */
function doublyLabelledBlocks(value: unknown): [string, HclObject][] {
  if (!isObject(value)) return [];
  const blocks: [string, HclObject][] = [];
  for (const [type, byName] of Object.entries(value)) {
    for (const [name, attributes] of labelledBlocks(byName))
      blocks.push([`${type}.${name}`, attributes]);
  }
  return blocks;
}

function emptyModule(dir: string): TerraformModule {
  return {
    dir,
    files: [],
    variables: new Map(),
    outputs: new Map(),
    moduleCalls: new Map(),
    locals: {},
    resources: new Map(),
    data: new Map(),
    terraformBlocks: [],
  };
}

/** Groups parsed files by directory and merges their blocks. */
export function groupModules(files: ParsedFile[]): Map<string, TerraformModule> {
  const modules = new Map<string, TerraformModule>();
  for (const file of files) {
    const dir = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/')) : '.';
    const module = modules.get(dir) ?? emptyModule(dir);
    modules.set(dir, module);
    module.files.push(file.path.slice(dir.length + 1));
    const { body } = file;
    for (const [name, block] of labelledBlocks(body.variable)) module.variables.set(name, block);
    for (const [name, block] of labelledBlocks(body.output)) module.outputs.set(name, block);
    for (const [name, block] of labelledBlocks(body.module)) module.moduleCalls.set(name, block);
    for (const [key, block] of doublyLabelledBlocks(body.resource))
      module.resources.set(key, block);
    for (const [key, block] of doublyLabelledBlocks(body.data)) module.data.set(key, block);
    if (Array.isArray(body.locals))
      for (const block of body.locals) if (isObject(block)) Object.assign(module.locals, block);
    if (Array.isArray(body.terraform))
      for (const block of body.terraform) if (isObject(block)) module.terraformBlocks.push(block);
  }
  return modules;
}

export interface TerraformTree {
  root: string;
  modules: Map<string, TerraformModule>;
}

/** Parses the tree and fails (listing every broken file) if any file does not parse. */
export async function loadTree(root: string = TERRAFORM_ROOT): Promise<TerraformTree> {
  const { files, errors } = await parseTree(root);
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return { root, modules: groupModules(files) };
}

/** The module of a directory, or an error naming what is missing. */
export function moduleAt(tree: TerraformTree, dir: string): TerraformModule {
  const module = tree.modules.get(dir);
  if (!module) throw new Error(`terraform/${dir} has no .tf files`);
  return module;
}

/** `${...}` wrapping of hcl2json expressions removed, or undefined for non-expressions. */
export function expression(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\$\{([\s\S]*)\}$/.exec(value);
  return match ? match[1] : undefined;
}

/** The first block of a repeated hcl2json block list, or the object itself. */
export function first(value: unknown): HclObject {
  const block = Array.isArray(value) ? value[0] : value;
  if (!isObject(block)) throw new Error(`not a block: ${JSON.stringify(value)}`);
  return block;
}
