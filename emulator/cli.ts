import { startEmulator } from './server';

/**
 * `npm run -s emulator [-- --json] [--port N]`: starts the emulator and serves until SIGINT or SIGTERM. With
 * --json it prints exactly one JSON line (the connection details) and nothing else on stdout.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  const emulator = await startEmulator({ port: portArg >= 0 ? Number(args[portArg + 1]) : undefined });
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(emulator.info)}\n`);
  } else {
    console.log(`Azure ML emulator listening on ${emulator.url}`);
    for (const [k, v] of Object.entries(emulator.info)) console.log(`  ${k}: ${v}`);
    console.log('Trust the certificate with NODE_EXTRA_CA_CERTS=<caCertFile>. Press Ctrl+C to stop.');
  }
  const stop = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`Emulator failed to start: ${(err as Error).message}`);
  process.exitCode = 1;
});
