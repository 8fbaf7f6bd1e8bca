/** The dialect seam (issue 10): pure descriptions of exchange APIs behind a registry. See README.md here. */
export * from './types.js';
export { DIALECTS, DIALECT_NAMES, DEFAULT_DIALECT, getDialect, isDialectName, type DialectName } from './registry.js';
export { buildRequest, unsignedRequest, plainRequest, verifyRequest, signaturesEqual, type VerifyResult } from './request.js';
export { classify, classifyTransportError, statusClass, CLASS_PRECEDENCE } from './errors.js';
export { SequenceTracker, lossPct, DEFAULT_SEQUENCE_WINDOW, type SeqOutcome, type SequenceSummary } from './sequence.js';
export { formatDecimal, splitUnified } from './codec.js';
export { customOperation, customOperationProblems, PLACEHOLDERS, type CustomOperationSpec } from './custom.js';
export { matchRoute, matchTemplate, verifyFailureKind, type RouteMatch } from './server.js';
