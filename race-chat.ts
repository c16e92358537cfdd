import { SqliteChatStore } from './examples/chat/store/sqlite-store.js'
try { const s = new SqliteChatStore(process.argv[2]!); await s.close() } catch (e) { console.log('FAIL', (e as {code?:string}).code, String(e)); process.exit(1) }
