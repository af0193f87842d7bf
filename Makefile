# Stoa: `make run` sets up and starts Stoa (`make run PORT=8001` on another port); `make test` sets up and runs
# every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PEERS := .peers/atproto/node_modules/.installed
OAUTH2_PEER := .peers/oauth2/node_modules/.installed
TELEGRAM_PEER := .peers/telegram/node_modules/.installed
STOA_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/stoa
# Where `make run` listens: `make run PORT=8001`, `make run HOST=0.0.0.0` (every interface). Set on the command line
# only, so that a HOST or PORT in the environment (some shells and platforms set them) never changes it.
HOST = 127.0.0.1
PORT = 8000
export STOA_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install fonts translations messages peers local-network run test test-clock test-postgres lint bench-publish bench-web \
	bench-inbox bench-analytics bench-contests bench-listening bench-credentials eval-inbox fuzz-api screenshots clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# The translation catalogues, compiled from stoa/locale/*/LC_MESSAGES/django.po (no GNU gettext needed).
translations: $(STAMP)
	$(BIN)/stoa compiletranslations > /dev/null

install: $(STAMP) translations fonts

# What WeasyPrint needs for the PDF reports: Pango (with HarfBuzz, which shapes Hebrew, Arabic and Persian) and a font
# with those scripts (DejaVu Sans has them). Installed from Debian where missing; without root, or off Debian, it
# says what to install and goes on (only the PDF reports need them).
FONT_PACKAGES = libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
fonts:
	@if ldconfig -p | grep -q libpangoft2-1.0 && fc-list :lang=he family | grep -q . \
		&& fc-list :lang=ar family | grep -q . && fc-list :lang=fa family | grep -q .; then :; else \
		echo "Installing Debian's $(FONT_PACKAGES) for the PDF reports"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(FONT_PACKAGES) >/dev/null) \
		|| echo "Could not install $(FONT_PACKAGES): install them for the PDF reports"; fi

# The local AT Protocol network (PLC + PDS) that the Bluesky tests publish to.
$(PEERS): .peers/atproto/package.json .peers/atproto/package-lock.json
	cd .peers/atproto && npm ci --no-audit --no-fund --loglevel=error
	@# npm may skip install scripts; the PDS needs better-sqlite3's native module built.
	cd .peers/atproto && (test -f node_modules/better-sqlite3/build/Release/better_sqlite3.node \
		|| npm rebuild better-sqlite3 --loglevel=error)
	touch $@

# The strict OAuth 2.0 authorization server (oauth2-mock-server) of the credentials tests and bench.
$(OAUTH2_PEER): .peers/oauth2/package.json .peers/oauth2/package-lock.json
	cd .peers/oauth2 && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The local Telegram Bot API (telegram-test-api) of the bot conversation tests. Without npm, those tests are skipped
# and the run's summary says so.
$(TELEGRAM_PEER): .peers/telegram/package.json .peers/telegram/package-lock.json
	@if command -v npm > /dev/null; then \
		cd .peers/telegram && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
		echo "SKIPPED installing the Telegram peer: npm not found (its tests will be skipped)"; \
	fi

peers: $(PEERS) $(OAUTH2_PEER) $(TELEGRAM_PEER)

# The full local AT Protocol network (PLC, PDS and the AppView that serves notifications, threads and search), on
# 127.0.0.1 only, to run Stoa against by hand: prints its accounts, runs until Ctrl-C. Needs PostgreSQL and Redis.
local-network: install peers
	STOA_TEST_POSTGRES_URL=$(STOA_TEST_POSTGRES_URL) $(BIN)/python -m tests.providers.bluesky_network

run: install
	$(BIN)/stoa run --host $(HOST) --port $(PORT)

# After changing texts: collect them into the catalogues for the translators (needs GNU gettext).
messages: install
	cd stoa && ../$(BIN)/stoa django makemessages --no-obsolete --no-location $(foreach l,ru he ar fa el,-l $(l))

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache  # the layers between the apps, written down in .importlinter
	$(BIN)/mypy stoa  # the types: the whole package, and the providers and the credentials strictly (pyproject.toml)

test: install peers lint
	$(BIN)/pytest
	$(BIN)/python tests/fuzz/fuzz_api.py --max-examples 5 --max-time 60 --check
	$(MAKE) --no-print-directory test-postgres

# The suite with the wall clock moved 400 days ahead, then 30 days back, in every process a test starts
# (time-machine; the monotonic clock is left alone). Browser and Bluesky network tests aside.
test-clock: install
	$(BIN)/pytest -p no:cacheprovider -q -m "not browser and not bluesky" --clock-shift=+400d
	$(BIN)/pytest -p no:cacheprovider -q -m "not browser and not bluesky" --clock-shift=-30d

# The engine's tests again on PostgreSQL (claims with SKIP LOCKED, many connections).
test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(STOA_TEST_POSTGRES_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3)" 2>/dev/null; then \
		echo "== PostgreSQL run: $(STOA_TEST_POSTGRES_URL)"; \
		DATABASE_URL=$(STOA_TEST_POSTGRES_URL) $(BIN)/pytest -m postgres -p no:cacheprovider; \
	else \
		echo "SKIPPED the PostgreSQL run: cannot connect to $(STOA_TEST_POSTGRES_URL) (start PostgreSQL or set STOA_TEST_POSTGRES_URL)"; \
	fi

# Bursts through real `stoa worker` processes: 10,000 publications on a fake Mastodon (steady, and with a
# worker killed), then 1,000 due in the same second on one account of the local PDS (also killed and restarted).
bench-publish: install peers
	$(BIN)/python bench/publish.py

# The month calendar of six busy workspaces (2,000 posts) through Django's test client.
bench-web: install
	$(BIN)/python bench/web/month_calendar.py

# Eight workers (four `stoa worker`, two polling, two replying) on one channel of the OAuth 2.0 test network whose
# access tokens live 5 s and whose refresh tokens are good once: each expiry must be refreshed exactly once.
bench-credentials: install peers
	$(BIN)/python bench/credentials.py

# 100,000 messages ingested, classified and routed on SQLite, then a viral post's 50,000 comments.
bench-inbox: install
	$(BIN)/python bench/inbox.py

# The analytics on SQLite and on PostgreSQL: the data set of `stoa demo` (6 workspaces x 2 years x 5 channels), the
# dashboard of one workspace and of all six, short-link redirects against a static file of a real `stoa web`, and
# clicks through that server killed with -9 (bench/analytics.py; its last line is the figures as JSON).
bench-analytics: install
	STOA_TEST_POSTGRES_URL=$(STOA_TEST_POSTGRES_URL) $(BIN)/python bench/analytics.py

# A contest of 100,000 entrants judged, frozen and drawn on SQLite (draw_s <= 10 s), and `stoa contest verify`
# reproducing its winners from the published file (draw_verified); bench/contests.py, its last line JSON.
bench-contests: install
	$(BIN)/python bench/contests.py

# Listening on SQLite: 200,000 posts in six languages replayed through the matcher, the classifier and the store
# (hits_per_s >= 2,000, duplicates_kept_once, peak_memory_mb) and a month of 500,000 hits behind the listening page
# (page_p95_ms <= 300); bench/listening.py, its last line JSON.
bench-listening: install
	$(BIN)/python bench/listening.py

# The inbox classifier on its held-out messages: macro-F1 per language for sentiment and intent.
eval-inbox: install
	$(BIN)/python -m stoa.inbox.evaluation

# The API fuzzed: schemathesis over every operation of /api/v1/openapi.json against a real `stoa web` on
# 127.0.0.1, with sample data in a temporary data directory (tests/fuzz/fuzz_api.py; about five minutes).
# Its last line is the figures as JSON; `make test` runs a one-minute version.
fuzz-api: install
	$(BIN)/python tests/fuzz/fuzz_api.py

# Refresh docs/screenshots/ from the browser tests that walk through the main pages, and a new owner's first week
# in English and Hebrew (first-week-*.png: `stoa run` against the local AT Protocol network; PostgreSQL and Redis),
# and the measuring pages filled by `stoa demo` (analytics-*.png, links.png, reports.png, report-pdf-he.png; needs
# poppler-utils' pdftoppm).
screenshots: install peers
	STOA_SCREENSHOTS=1 $(BIN)/pytest tests/web/test_journey.py tests/web/test_first_week.py -p no:cacheprovider -q
	$(BIN)/python tests/web/analytics_screenshots.py

clean:
	rm -rf $(VENV) .peers/atproto/node_modules .peers/oauth2/node_modules .peers/telegram/node_modules .pytest_cache .ruff_cache .mypy_cache
