export * from './compile';
export * from './normalise';
