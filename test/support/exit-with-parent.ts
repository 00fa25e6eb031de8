/**
 * For a test's child process: exit when the test process that spawned it goes away (its end of our stdin
 * closes), instead of running on as an orphan that keeps polling a store nobody cleans up (a failed afterAll,
 * a killed run). The parent must spawn us with stdin as a pipe (`stdio: ['pipe', …]`) and simply never write.
 */
export function exitWithParent(): void {
  process.stdin.on('data', () => undefined); // flowing, so 'end' comes when the pipe closes
  process.stdin.on('end', () => process.exit(0));
}
