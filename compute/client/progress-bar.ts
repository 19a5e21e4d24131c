/** A byte progress bar (percent, MiB, MiB/s) on a TTY; a few plain lines otherwise (logs, CI). */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private lastPct = -1;

  constructor(private readonly label: string, private readonly total: number | undefined, private readonly out: NodeJS.WriteStream = process.stderr) {}

  private line(bytes: number): string {
    const mib = (n: number) => (n / 1048576).toFixed(1);
    const secs = Math.max((Date.now() - this.started) / 1000, 0.001);
    const rate = `${mib(bytes / secs)} MiB/s`;
    if (!this.total) return `${this.label} ${mib(bytes)} MiB ${rate}`;
    const pct = Math.min(100, Math.floor((bytes / this.total) * 100));
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    return `${this.label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(pct).padStart(3)}% ${mib(bytes)}/${mib(this.total)} MiB ${rate}`;
  }

  update(bytes: number): void {
    if (this.out.isTTY) {
      const now = Date.now();
      if (now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.out.write(`\r\x1b[K${this.line(bytes)}`);
      return;
    }
    // Not a terminal: a line every 25%.
    const pct = this.total ? Math.floor((bytes / this.total) * 4) * 25 : -1;
    if (pct > this.lastPct && pct < 100) {
      this.lastPct = pct;
      this.out.write(`${this.line(bytes)}\n`);
    }
  }

  done(bytes: number): void {
    this.out.write(this.out.isTTY ? `\r\x1b[K${this.line(bytes)}\n` : `${this.line(bytes)}\n`);
  }
}
