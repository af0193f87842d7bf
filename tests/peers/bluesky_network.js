// A real local AT Protocol network for Stoa's Bluesky tests: a PLC directory and a PDS from
// @atproto/dev-env (TestNetworkNoAppView), with accounts that each have an app password.
// With STOA_APPVIEW_POSTGRES_URL (and REDIS_HOST) set it starts the full TestNetwork instead, whose
// AppView serves notifications, threads and search, in the PostgreSQL schemas named by
// STOA_APPVIEW_SCHEMA (appview_<name>, ozone_<name>).
//
// Run with NODE_PATH pointing at .peers/atproto/node_modules. It prints ONE JSON line:
//   {"pds_url": ..., "plc_url": ..., "jwt_secret": ..., "accounts": [{handle, did, password, app_password}]}
// then stays up until its stdin closes (so it ends with the test run that started it).
'use strict'

const crypto = require('node:crypto')
const net = require('node:net')

const LOOPBACK = '127.0.0.1'

// The PDS calls app.listen(port) with no host, which listens on every interface. Tests must
// listen on loopback only, so every listen() in this process gets the loopback host.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  const [first] = args
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const rest = typeof args[1] === 'string' ? args.slice(2) : args.slice(1)
    return listen.call(this, Number(first), LOOPBACK, ...rest)
  }
  if (first && typeof first === 'object' && first.path === undefined && first.fd === undefined &&
      first.handle === undefined && first._handle === undefined) {
    return listen.call(this, { ...first, host: LOOPBACK }, ...args.slice(1))
  }
  if (first === undefined || typeof first === 'function') {
    return listen.call(this, 0, LOOPBACK, ...args.filter((arg) => arg !== undefined))
  }
  return listen.apply(this, args) // a Unix socket or an inherited handle: not a network port
}

const { TestNetwork, TestNetworkNoAppView } = require('@atproto/dev-env')

const ACCOUNTS = ['alice', 'bob', 'carol']

async function xrpc(pdsUrl, nsid, accessJwt, body) {
  const response = await fetch(`${pdsUrl}/xrpc/${nsid}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessJwt}` },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${nsid}: ${response.status} ${await response.text()}`)
  return response.json()
}

async function createAccount(network, pdsUrl, name) {
  const password = `${name}-${crypto.randomBytes(6).toString('hex')}`
  const { data } = await network.pds.getClient().com.atproto.server.createAccount({
    email: `${name}@stoa.test`,
    handle: `${name}.test`,
    password,
  })
  // Stoa logs in with an app password, as people are told to, so the tests do too.
  const appPassword = await xrpc(pdsUrl, 'com.atproto.server.createAppPassword', data.accessJwt, {
    name: 'stoa-tests',
  })
  return { handle: data.handle, did: data.did, password, app_password: appPassword.password }
}

async function main() {
  const jwtSecret = crypto.randomBytes(16).toString('hex')
  const appview = process.env.STOA_APPVIEW_POSTGRES_URL
  const network = appview
    ? await TestNetwork.create({ dbPostgresUrl: appview, dbPostgresSchema: process.env.STOA_APPVIEW_SCHEMA,
      pds: { jwtSecret } })
    : await TestNetworkNoAppView.create({ pds: { jwtSecret } })
  const pdsUrl = `http://${LOOPBACK}:${network.pds.port}`
  const accounts = []
  for (const name of ACCOUNTS) accounts.push(await createAccount(network, pdsUrl, name))

  let closing = false
  const close = async () => {
    if (closing) return
    closing = true
    await network.close().catch((error) => console.error('closing the network:', error))
    process.exit(0)
  }
  process.stdin.on('end', close)
  process.stdin.on('error', close)
  process.on('SIGTERM', close)
  process.on('SIGINT', close)
  process.stdin.resume()

  // The secret signs session tokens; tests use it to make an expired access token.
  const info = { pds_url: pdsUrl, plc_url: network.plc.url, jwt_secret: jwtSecret, accounts,
    appview_url: appview ? `http://${LOOPBACK}:${network.bsky.port}` : '' }
  process.stdout.write(JSON.stringify(info) + '\n')
}

main().catch((error) => {
  console.error('could not start the local AT Protocol network:', error)
  process.exit(1)
})
