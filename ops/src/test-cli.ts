import { spawn } from 'node:child_process';
import path from 'node:path';

/** The CLI as the person on call runs it: `npm run ops -- ...` is `tsx ops/src/main.ts ...`. */
export function ops(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ops/src/main.ts', ...args], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The widest line of an output: tables are meant to fit 80 columns. */
export const widest = (output: string) => Math.max(...output.split('\n').map((line) => line.length));
