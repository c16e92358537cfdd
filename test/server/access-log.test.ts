import { describe, expect, it } from 'vitest'

import { AccessLog } from '../../src/server/access-log.js'

describe('AccessLog', () => {
  describe('#websocket', () => {
    it('escapes control characters in a reason, so a client cannot forge a log line', () => {
      const lines: string[] = []
      const log = new AccessLog((line) => lines.push(line))
      const subject = { client: ['127.0.0.1', 5000] as const, rawPath: '/ws/', queryString: '' }
      log.websocket(subject, 'WSDISCONNECT', 1000, 'bye\n127.0.0.1 - - [x] "GET /admin HTTP/1.1" 200 1')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/"WSDISCONNECT \/ws\/" 1000 - bye\\x0a127\.0\.0\.1 - - \[x\] "GET \/admin/)
      expect(lines[0]).not.toContain('\n')
    })
  })
})
