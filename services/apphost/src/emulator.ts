export interface Emulator {
  endpoint: string;
  stop(): Promise<void>;
}

/** Runs the fauxqs SNS/SQS emulator in this process, on loopback. Its state lives in memory only. */
export async function startEmulator(port: number): Promise<Emulator> {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port, host: '127.0.0.1', logger: false });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}
