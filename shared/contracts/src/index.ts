export * from './lead-fields';
export * from './events';
export * from './tenant-data';
export * from './lead-data';
export * from './crm-defaults';
