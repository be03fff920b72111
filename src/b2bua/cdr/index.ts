// CDRs (spec §9): cdr_csv lines, JSON documents per leg, the SQLite index and HTTP delivery
// queue, all written from the core's hangupComplete. The composition root opens a CdrWriter
// after the core and closes it after the calls are hung up.
export { CdrWriter, cdrSkipped, safeFileName, type CdrWriterEvents, type CdrWriterOptions, type StoredCdr } from './cdr-writer.js';
export { CdrStore, CDR_SCHEMA_VERSION, type CdrListFilter, type CdrPostStatus, type CdrRow, type CdrState, type CdrSummary, type CdrWork } from './cdr-store.js';
export { CdrPoster, backoffMs, type CdrPosterOptions } from './cdr-poster.js';
export { readJsonCdrConf, type JsonCdrConf, type JsonCdrPostEncoding } from './json-cdr-conf.js';
export { buildJsonCdr, jsonCallerProfile, type JsonCallerProfile, type JsonCdrInput } from './json-cdr.js';
export { escapeCsvValue, expandCsvTemplate, parseCsvTemplate, CsvTemplateCache, type TemplatePart } from './csv-template.js';
export { AppendFiles } from './append-files.js';
export { writeFileDurable } from './durable-file.js';
export { CdrError } from './errors.js';
