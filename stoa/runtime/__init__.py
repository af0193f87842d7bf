"""Stoa's processes, in one place: the web server, the workers (publishing engine, streams, task consumer) and
every periodic job (schedule.py); `stoa run`, `stoa web` and `stoa worker` start them. The top floor: it may import
every app, and no app imports it."""
