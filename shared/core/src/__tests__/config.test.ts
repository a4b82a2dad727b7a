import { Type } from '@sinclair/typebox';
import { ConfigError, Env, loadConfig } from '../config';

const Schema = Type.Object({
  TABLE: Env.string('the table'),
  PORT: Env.port('port', 3000),
  MODE: Env.oneOf(['a', 'b'] as const, 'mode', 'a'),
  ENDPOINT: Env.optional(Env.url('endpoint')),
  FLAG: Env.boolean('flag', false),
});

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(Schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('when every variable is valid, then it answers typed values with defaults, frozen', () => {
    const config = loadConfig(Schema, { TABLE: 'leads', PORT: '8080', FLAG: 'true' });
    expect(config).toEqual({ TABLE: 'leads', PORT: 8080, MODE: 'a', FLAG: true });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when a required variable is missing, then the problem says it is required, not that it has the wrong type', () => {
    expect(problemsOf({})).toEqual(['TABLE is required (the table)']);
  });

  it('when a variable is empty, then it counts as missing', () => {
    expect(problemsOf({ TABLE: '' })).toEqual(['TABLE is required (the table)']);
  });

  it('when variables are invalid, then each is named in its own line', () => {
    const problems = problemsOf({ TABLE: 't', PORT: 'eighty', MODE: 'c', ENDPOINT: 'not a url' });
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT must be integer/),
        'MODE must be one of a, b (mode)',
        expect.stringMatching(/^ENDPOINT must match format "uri"/),
      ]),
    );
  });

  it('when a variable the schema does not know is set, then it is ignored', () => {
    expect(loadConfig(Schema, { TABLE: 't', OTHER: 'x' })).not.toHaveProperty('OTHER');
  });
});
