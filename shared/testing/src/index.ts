export * from './test-stack';
export * from './test-issuer';
export * from './http-client';
export * from './logs';
export * from './black-hole';
export * from './cors';
export * from './queues';
export * from './scripted-dynamodb';
