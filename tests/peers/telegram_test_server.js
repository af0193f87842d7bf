// A local Telegram Bot API for Stoa's Telegram tests: telegram-test-api (npm, a third-party imitation) on 127.0.0.1
// at a free port. Any bot token works; a person writes to a bot with POST /sendMessage {botToken, from, chat, date,
// text} and reads what bots sent to their chat with POST /getUpdates {token, chatId}.
//
// Run with NODE_PATH pointing at .peers/telegram/node_modules. It prints ONE JSON line, {"url": ...}, then stays up
// until its stdin closes or it gets SIGTERM (so it ends with the test run that started it).
//
// Two documented behaviours of setWebhook (core.telegram.org/bots/api#setwebhook) are added, which the package lacks:
// it answers {"ok": true, "result": true} (the package: result null), and Telegram sends its secret_token back in
// the X-Telegram-Bot-Api-Secret-Token header of every webhook call (Stoa refuses a push without it).
'use strict'

const axios = require('axios')
const TelegramServer = require('telegram-test-api') // module.exports is the class
const { routes } = require('telegram-test-api/lib/routes/index')

function setWebhookAsDocumented (app, server) {
  app.post('/bot:token/setWebhook', (req, res) => {
    if (!req.body.url) {
      res.status(400).json({ ok: false, error_code: 400, description: 'Bad Request: bad webhook: URL is empty' })
      return
    }
    server.setWebhook(req.body, req.params.token)
    res.json({ ok: true, result: true, description: 'Webhook was set' })
  })
}
routes.unshift(setWebhookAsDocumented) // before the package's own route for it

const LOOPBACK = '127.0.0.1'

function addSecretTokens (server) {
  axios.interceptors.request.use((request) => {
    const webhook = Object.values(server.webhooks).find((hook) => hook.url === request.url)
    if (webhook && webhook.secret_token) {
      request.headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secret_token
    }
    return request
  })
}

async function main () {
  const server = new TelegramServer({ host: LOOPBACK, storage: 'RAM', storeTimeout: 600 })
  server.config.port = 0 // a free port (the package reads 0 as "use 9000")
  addSecretTokens(server)
  await server.start()
  const { port } = server.server.address()
  process.stdout.write(JSON.stringify({ url: `http://${LOOPBACK}:${port}` }) + '\n')
  const stop = async () => { await server.stop(); process.exit(0) }
  process.on('SIGTERM', stop)
  process.stdin.on('end', stop)
  process.stdin.resume()
}

// A webhook that refuses an update makes the package reject a promise nobody awaits; say so and keep serving.
process.on('unhandledRejection', (error) => { process.stderr.write(`webhook call failed: ${error}\n`) })
main().catch((error) => { process.stderr.write(`${error.stack || error}\n`); process.exit(1) })
