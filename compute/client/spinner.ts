/** A one-line progress spinner on a TTY; plain progress lines otherwise (logs, CI). */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Spinner {
  private frame = 0;
  private timer?: NodeJS.Timeout;
  private text = '';
  private lastPrinted = '';

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  start(text: string): void {
    this.text = text;
    if (this.out.isTTY) {
      this.timer = setInterval(() => this.render(), 80);
      this.timer.unref();
    }
    this.render();
  }

  update(text: string): void {
    this.text = text;
    if (!this.out.isTTY) this.render();
  }

  private render(): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${FRAMES[this.frame++ % FRAMES.length]} ${this.text}`);
    } else if (this.text !== this.lastPrinted) {
      this.out.write(`${this.text}\n`);
      this.lastPrinted = this.text;
    }
  }

  stop(final: string): void {
    clearInterval(this.timer);
    this.out.write(this.out.isTTY ? `\r\x1b[K${final}\n` : `${final}\n`);
  }
}
