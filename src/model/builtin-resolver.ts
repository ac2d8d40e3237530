/**
 * Puts catalog references and Hub ids into the resolver chain, after local
 * folders. The catalog and download code load only when a reference needs
 * them, so `nlp --help` stays fast.
 */
import { registerResolver, type Resolver } from "./resolver.js";

export const catalogAndHubResolver: Resolver = async (ref, opts) => {
  const { catalogResolver } = await import("../catalog/materialize.js");
  return catalogResolver(ref, opts);
};

registerResolver(catalogAndHubResolver);
