export * from './manifest';
export * from './bootstrap';
export * from './environment';
