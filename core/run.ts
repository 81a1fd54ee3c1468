/**
 * The common shape of a command-line entry point: start the service, stop it cleanly on SIGINT or
 * SIGTERM, and turn a failure to start into a one-line message and an exit code (2 for a
 * configuration problem, 1 otherwise). Never a stack trace on the console.
 */
export async function runService(name: string, start: () => Promise<{ close(): Promise<void> }>): Promise<void> {
  try {
    const running = await start();
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (err) {
    const configProblem = (err as { code?: unknown }).code === 'ERR_CONFIG_INVALID';
    console.error(configProblem ? (err as Error).message : `${name} failed to start: ${(err as Error).message}`);
    process.exit(configProblem ? 2 : 1);
  }
}
