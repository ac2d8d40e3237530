/** A model's token limit from its config files, without loading the tokenizer (nlp info reads it too). */
import type { ModelConfig, TokenizerConfig } from "../model/bundle.js";

/** model_max_length values above this are transformers' "unset" sentinel (int(1e30)). */
const UNSET_MAX_LENGTH = 1e6;
const FALLBACK_MAX_LENGTH = 512;

/** tokenizer_config's model_max_length, else the position embeddings (minus RoBERTa's offset), else 512; capped by userMax. */
export function effectiveMaxLength(tc: TokenizerConfig, mc: ModelConfig, userMax?: number): number {
  let modelMax = typeof tc.model_max_length === "number" && tc.model_max_length < UNSET_MAX_LENGTH ? tc.model_max_length : undefined;
  if (modelMax === undefined) {
    const pos = typeof mc.max_position_embeddings === "number" ? mc.max_position_embeddings : undefined;
    // RoBERTa-style models reserve padding_idx + 1 positions.
    const offset = mc.model_type && /roberta|camembert|longformer/.test(mc.model_type) ? 2 : 0;
    modelMax = pos !== undefined && pos > offset ? pos - offset : FALLBACK_MAX_LENGTH;
  }
  return userMax !== undefined ? Math.min(userMax, modelMax) : modelMax;
}
