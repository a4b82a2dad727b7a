export * from './permissions';
export * from './api-keys';
export * from './api-key-resolver';
export * from './auth-config';
export * from './signing-keys';
export * from './token-verifier';
export * from './authenticate';
