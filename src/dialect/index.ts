/** The dialect seam (issue 10): pure descriptions of exchange APIs behind a registry. See README.md here. */
export * from './types.ts';
export { DIALECTS, DIALECT_NAMES, DEFAULT_DIALECT, getDialect, isDialectName, type DialectName } from './registry.ts';
export { buildRequest, unsignedRequest, plainRequest, verifyRequest, signaturesEqual, type VerifyResult } from './request.ts';
export { classify, classifyTransportError, statusClass, CLASS_PRECEDENCE } from './errors.ts';
export { SequenceTracker, lossPct, DEFAULT_SEQUENCE_WINDOW, type SeqOutcome, type SequenceSummary } from './sequence.ts';
export { formatDecimal, splitUnified } from './codec.ts';
export { customOperation, customOperationProblems, PLACEHOLDERS, type CustomOperationSpec } from './custom.ts';
export { matchRoute, matchTemplate, verifyFailureKind, type RouteMatch } from './server.ts';
