export * from './contract.ts'
export * from './domain.ts'
export * from './errors.ts'
