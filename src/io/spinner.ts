/**
 * The one ora spinner on stderr that progress displays share: its text is
 * re-rendered at most every 100 ms, so per-row and per-chunk updates stay cheap.
 */
import type { Ora } from "ora";

export interface ThrottledSpinner {
  spinner: Ora;
  /** calls render and shows its text, unless the last render was under 100 ms ago */
  update(render: () => string): void;
}

export async function startSpinner(text: string, stream: NodeJS.WritableStream = process.stderr): Promise<ThrottledSpinner> {
  const { default: ora } = await import("ora");
  const spinner = ora({ text, stream, discardStdin: false }).start();
  let last = 0;
  return {
    spinner,
    update(render) {
      const now = Date.now();
      if (now - last > 100) {
        last = now;
        spinner.text = render();
      }
    },
  };
}
