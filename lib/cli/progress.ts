/** A progress bar on stderr for long steps; one line per update when stderr is not a terminal. */
export class Progress {
  private last = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number): void {
    const percent = this.total === 0 ? 100 : Math.floor((done / this.total) * 100);
    if (percent === this.last) return;
    this.last = percent;
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const text = `  ${this.label} [${bar}] ${done}/${this.total}`;
    if (this.out.isTTY) this.out.write(`\r${text}${done >= this.total ? '\n' : ''}`);
    else if (done >= this.total || percent % 25 === 0) this.out.write(`${text}\n`);
  }
}
