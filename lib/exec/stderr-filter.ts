// The container's standard error, passed through with one line held back. util-linux 2.38's `unshare --fork`
// cannot pass on a SIGKILL that ended its child: it fails to reset the signal's handler, prints
// "unshare: sigprocmask unblock failed" and exits 1 (fixed in 2.40). That line is glassbox's noise, not the
// container's, so it is filtered out, and its presence tells the executor the container died of SIGKILL (137).
// Lines pass through as they come; a partial line (a prompt, a progress bar) is shown after a moment without its
// newline, unless it may be the start of that message.

/** Passes the container's standard error through line by line, holding back util-linux's SIGKILL message. */
export class StderrFilter {
  private readonly write: (s: string) => void;
  constructor(write: (s: string) => void = (s) => process.stderr.write(s)) {
    this.write = write;
  }
  private partial = '';
  private timer?: NodeJS.Timeout;
  private sawSigkill = false;
  private static readonly MARK = /^unshare: sigprocmask unblock failed/;

  // Takes a chunk of the container's stderr: whole lines go on at once, the rest waits for its newline a moment.
  push(s: string): void {
    const lines = (this.partial + s).split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) this.emit(l + '\n');
    clearTimeout(this.timer);
    // A partial line (a prompt, a progress bar) is shown after a moment even without its newline.
    if (this.partial) this.timer = setTimeout(() => this.flush(), 20);
  }

  // Shows a partial line that cannot be the start of util-linux's message.
  private flush(): void {
    if (this.partial && !'unshare: sigprocmask unblock failed'.startsWith(this.partial) && !StderrFilter.MARK.test(this.partial)) {
      this.write(this.partial);
      this.partial = '';
    }
  }

  // Passes one line on, or notes that it was util-linux's SIGKILL message.
  private emit(line: string): void {
    if (StderrFilter.MARK.test(line)) this.sawSigkill = true;
    else this.write(line);
  }

  /** Flushes what is left; true when the SIGKILL message was seen. */
  end(): boolean {
    clearTimeout(this.timer);
    if (this.partial) this.emit(this.partial);
    this.partial = '';
    return this.sawSigkill;
  }
}
