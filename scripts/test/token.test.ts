/**
 * The token command against the emulator: a user created as the API creates one (a temporary
 * password, status FORCE_CHANGE_PASSWORD) gets an explanation, then a token after --set-password.
 */
import { AdminCreateUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { cognitoClient } from '@leadflow/local-aws';
import { claimsOf, createTestStack, type TestStack } from '@leadflow/testing';
import { tokenFor } from '../token';

describe('npm run token', () => {
  let stack: TestStack;
  const invited = 'invited@token.test';

  beforeAll(async () => {
    delete process.env.DEMO_PASSWORD;
    stack = await createTestStack();
    const cognito = cognitoClient(stack.pool);
    // As POST /v1/members does: Cognito chooses a temporary password and would e-mail it.
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: stack.pool.userPoolId,
        Username: invited,
        DesiredDeliveryMediums: ['EMAIL'],
        UserAttributes: [
          { Name: 'email', Value: invited },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:tenant_id', Value: 'acme' },
        ],
      }),
    );
    cognito.destroy();
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterAll(() => jest.restoreAllMocks());

  it('when a user created through the API signs in, then the error says it has only a temporary password and names --set-password', async () => {
    await expect(tokenFor(stack.pool, { email: invited, setPassword: false })).rejects.toThrow(
      /FORCE_CHANGE_PASSWORD[\s\S]*npm run --silent token -- invited@token\.test --set-password/,
    );
  });

  it('when --set-password is given, then it answers that user’s token, and later sign-ins need no flag', async () => {
    const token = await tokenFor(stack.pool, { email: invited, setPassword: true });
    expect(claimsOf(token)).toMatchObject({ email: invited, 'custom:tenant_id': 'acme' });
    const again = await tokenFor(stack.pool, { email: invited, setPassword: false });
    expect(claimsOf(again).email).toBe(invited);
  });

  it('when the password is wrong, then the error names the password it tried and the ways out', async () => {
    process.env.DEMO_PASSWORD = 'Not-the-password-1!';
    try {
      await expect(tokenFor(stack.pool, { email: invited, setPassword: false })).rejects.toThrow(
        /status CONFIRMED\) refused \$DEMO_PASSWORD[\s\S]*--set-password/,
      );
    } finally {
      delete process.env.DEMO_PASSWORD;
    }
  });

  it('when there is no such user, then the error says so, with or without --set-password', async () => {
    for (const setPassword of [false, true])
      await expect(
        tokenFor(stack.pool, { email: 'nobody@token.test', setPassword }),
      ).rejects.toThrow('no user nobody@token.test in the local user pool');
  });
});
