/** What every route of `nlp serve` shares: TEI's error bodies and the checks on request fields. */
import type { ServerResponse } from "node:http";

/** TEI's error_type values, and ours for what TEI answers without a body. */
export type ErrorType = "Unhealthy" | "Backend" | "Overloaded" | "Validation" | "Tokenizer" | "Empty" | "Unauthorized" | "NotFound" | "MethodNotAllowed" | "PayloadTooLarge" | "ClientClosed";

/** An answer other than 200: its status and TEI's `{"error", "error_type"}` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorType: ErrorType,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const validation = (message: string) => new HttpError(422, message, "Validation");

export function optionalBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw validation(`\`${key}\`: invalid type, expected a boolean`);
  return v;
}

export function optionalInt(body: Record<string, unknown>, key: string, min: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw validation(`\`${key}\`: expected an integer ≥ ${min}`);
  return v;
}

/** `inputs` as TEI's embed and tokenize routes take it: a string or a non-empty list of strings. */
export function textInputs(body: Record<string, unknown>): { batch: boolean; texts: string[] } {
  if (!("inputs" in body)) throw validation("missing field `inputs`");
  const inputs = body.inputs;
  if (typeof inputs === "string") return { batch: false, texts: [inputs] };
  if (Array.isArray(inputs) && inputs.every((t) => typeof t === "string")) {
    if (inputs.length === 0) throw new HttpError(400, "Input validation error: `inputs` cannot be empty", "Empty");
    return { batch: true, texts: inputs };
  }
  throw validation("`inputs`: invalid type, expected a string or a list of strings");
}

/** Only right truncation: the models' tokenizers cut on the right (TEI's default). */
export function checkTruncationDirection(body: Record<string, unknown>): void {
  const d = body.truncation_direction;
  if (d !== undefined && d !== null && !(typeof d === "string" && /^right$/i.test(d))) {
    throw validation("`truncation_direction`: only right is supported (the model's tokenizer truncates on the right)");
  }
}

/** What a route gets besides its body. */
export interface RouteContext {
  res: ServerResponse;
  /** inputs in the request (and, with --log-inputs, the texts), for the log line */
  note(inputs: number, texts?: unknown): void;
  maxClientBatchSize: number;
  logInputs: boolean;
}

export function checkBatchSize(n: number, ctx: RouteContext): void {
  if (n > ctx.maxClientBatchSize) throw validation(`batch size ${n} > maximum allowed batch size ${ctx.maxClientBatchSize}`);
}
