/**
 * Where the CLI's output goes. With `--json`, stdout carries exactly one JSON document and the human-readable
 * lines move to stderr, so `session-executor log --json | jq` always parses.
 */
export class Output {
  constructor(private readonly jsonMode: boolean) {}

  /** A human-readable line: stdout normally, stderr in JSON mode. */
  line(text: string): void {
    (this.jsonMode ? process.stderr : process.stdout).write(`${text}\n`);
  }

  /** The command's result as JSON: stdout in JSON mode, nothing otherwise. */
  json(value: unknown): void {
    if (this.jsonMode) process.stdout.write(`${JSON.stringify(value)}\n`);
  }
}
