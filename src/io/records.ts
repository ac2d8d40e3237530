/** The shape of input records and of the readers that make them (src/io/input.ts picks the reader per format). */
export interface InputRecord {
  text: string;
  /** the parsed source record (JSONL object, CSV row), for formats that echo it back */
  source?: unknown;
  /** 1-based line (or row) number in the input, for messages */
  line: number;
}

export interface InputOptions {
  input?: string;
  textKey?: string;
  skipInvalid?: boolean;
  /** where --skip-invalid reports skipped records */
  warn?: (line: string) => void;
  /** CSV/TSV: the text column, by header name or 1-based number */
  column?: string;
  /** CSV/TSV: false when the first row is data, not a header */
  header?: boolean;
  /** CSV/TSV: field delimiter (default "," for csv, tab for tsv) */
  delimiter?: string;
  /** CSV/TSV: the quote character (default '"' for csv, none for tsv, as IANA's TSV and `cut`) */
  quote?: string;
  /** the flag that names the text field/column, for messages (eval's is --text-column) */
  textFlag?: string;
  /** CSV/TSV: the gold-label column, left out of the text-column guess (default "label") */
  goldColumn?: string;
  /** CSV/TSV with a header row: called with the header (no values) once it is read */
  onHeader?: (header: CsvRow) => void;
}
/** A reader turns a byte stream into records; the readers map in input.ts names one per format. */
export type RecordReader = (stream: AsyncIterable<Buffer | string>, opts: InputOptions) => AsyncIterable<InputRecord>;

/** The `source` of a CSV/TSV record: the row as read, and the column names. */
export interface CsvRow {
  kind: "csv-row";
  /** header names, or col1…colN when the input has no header row */
  columns: string[];
  /** whether the input had a header row (the output then has one too) */
  header: boolean;
  /** every field of the row, in input order */
  values: string[];
  /** the delimiter the input used, so CSV output can keep it */
  delimiter: string;
  /** the quote character the input used (false: none, plain TSV), so TSV output can echo rows unchanged */
  quote: string | false;
}
