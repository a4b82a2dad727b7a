export * from './moto-process';
export * from './container';
export * from './cognito-users';
