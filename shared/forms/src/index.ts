export * from './compile';
export * from './normalise';
export * from './safe-pattern';
