import cliProgress from "cli-progress";

/** Defaults of the CLI's progress reporting. */
export const PROGRESS_DEFAULTS = Object.freeze({
  /** Seconds between progress lines when stderr is not a terminal (logs of background runs). */
  interval: 30,
});

export interface ProgressOptions {
  /** What is counted ("images", "items"). Defaults to "images". */
  readonly unit?: string;
  /**
   * When stderr is not a terminal: seconds between progress lines (the first and the last are
   * always written), or null for none (the command's stdout is the only output). Defaults to null.
   */
  readonly interval?: number | null;
}

export interface Progress {
  /** `done` of `total` finished; `text` follows the count on the bar, `line` (default: text) in a log line. */
  update(done: number, total: number, text: string, line?: string): void;
  stop(): void;
}

/**
 * The one progress reporter of the CLI, on stderr (stdout stays the command's output): a bar on
 * a terminal, otherwise a line every `interval` seconds.
 */
export function progress(label: string, options: ProgressOptions = {}): Progress {
  const unit = options.unit ?? "images";
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream: process.stderr,
      format: `${label} |{bar}| {value}/{total} ${unit} | {text}`,
      hideCursor: true,
      barsize: 20,
    }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      update: (done, total, text) => {
        if (!started) { bar.start(total, done, { text }); started = true; } else bar.update(done, { text });
      },
      stop: () => { if (started) bar.stop(); },
    };
  }
  const interval = options.interval ?? null;
  if (interval === null) return { update() {}, stop() {} };
  let last = -Infinity;
  return {
    update: (done, total, text, line = text) => {
      const now = performance.now() / 1000;
      if (done < total && now - last < interval) return;
      last = now;
      process.stderr.write(`${label}: ${done}/${total} ${unit}${line ? ` ${line}` : ""}\n`);
    },
    stop: () => {},
  };
}
