export { startBridge, isLoopbackHost, type Bridge, type BridgeOptions } from './server.ts'
export { newToken, tokenMatches } from './token.ts'
