/** The package version `nlp --version` prints (kept equal to package.json's by test/start.test.mjs). */
export const VERSION = "0.1.0";
