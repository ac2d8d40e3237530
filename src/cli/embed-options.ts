/**
 * Why: the flags and model loading every embedding command shares (embed,
 * similarity): which model, which prompt, normalization and --dimensions.
 */
import type { Command } from "commander";
import type { EmbedOptions } from "../tasks/embed/embedder.js";
import { intArg } from "./common.js";

export interface EmbedCliOptions {
  promptName?: string;
  prompt?: string;
  normalize?: boolean;
  dimensions?: number;
}

export function addEmbedOptions(cmd: Command): Command {
  return cmd
    .option("--prompt-name <name>", "a prompt from the model's config_sentence_transformers.json, e.g. query or passage")
    .option("--prompt <text>", 'a literal prompt put before every text, e.g. "query: " ("" turns the model\'s default prompt off)')
    .option("--normalize", "L2-normalize every vector (default: iff the model has a Normalize module)")
    .option("--no-normalize", "never L2-normalize, even when the model has a Normalize module")
    .option("--dimensions <n>", "Matryoshka: keep the first n dimensions (then normalize when normalizing)", intArg("--dimensions"));
}

export function embedOptionsFrom(opts: EmbedCliOptions & { batchSize?: number }): EmbedOptions {
  return { promptName: opts.promptName, prompt: opts.prompt, normalize: opts.normalize, dimensions: opts.dimensions, batchSize: opts.batchSize };
}
