export { startEmulator, type Emulator } from './emulator';
export { createGateway, type FrontendSource } from './gateway';
export { startEmbeddedPostgres, type PostgresServer } from './postgres';
export { seedCatalog } from './seed';
export { startStack, type Stack, type StackOptions } from './stack';
export { startLoopbackSystem, type LoopbackSystem, type LoopbackSystemOptions } from './loopback';
export { ServiceProcess, startProcessStack, type ProcessStack, type ProcessStackOptions } from './processes';
