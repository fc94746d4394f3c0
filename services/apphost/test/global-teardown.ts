export default async function globalTeardown(): Promise<void> {
  await (globalThis as { stopTestInfrastructure?: () => Promise<void> }).stopTestInfrastructure?.();
}
