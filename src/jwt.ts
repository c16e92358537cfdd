/**
 * `tschannels/jwt`: JWT authentication and token issuing. Importing it
 * loads `jose`.
 *
 * @module
 */

export { JwtAuthMiddleware } from './auth/jwt/jwt-auth-middleware.js'
export type { JwtAuthMiddlewareOptions } from './auth/jwt/jwt-auth-middleware.js'
export { createJwtVerifier } from './auth/jwt/jwt-verifier.js'
export type { JwtVerifier, JwtVerifyOptions } from './auth/jwt/jwt-verifier.js'
export type { JwtKey } from './auth/jwt/jwt-key.js'
export { TokenIssuer } from './auth/jwt/token-issuer.js'
export type { TokenIssuerOptions, TokenPair } from './auth/jwt/token-issuer.js'
export { InMemoryRefreshTokenStore } from './auth/jwt/refresh-token-store.js'
export type { RefreshTokenStore } from './auth/jwt/refresh-token-store.js'
