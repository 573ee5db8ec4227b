// Short codes read aloud: what the rest of the peer uses from this folder.
export {
  CODE_PROTOCOL,
  findAndRedeem,
  handleCodeProtocol,
  handleCodeStream,
  redeemCode,
  type CodeProtocolOptions,
  type CodeRunReport,
  type CodeServer,
  type RedeemOptions,
} from './code-protocol.ts'
export {
  CODE_TTL_MS,
  CodeBook,
  MAX_CODE_ATTEMPTS,
  formatCode,
  looksLikeCode,
  parseCode,
  type IssuedCode,
} from './codes.ts'
export { RunLimiter, type RunLimits } from './run-limiter.ts'
