import { runStoreContract } from './contract.ts'
import { MemoryStore } from './memory.ts'

runStoreContract('MemoryStore', () => new MemoryStore())
