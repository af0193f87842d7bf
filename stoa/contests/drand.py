"""A drand round read from the League of Entropy's relays.

The HTTP API (https://docs.drand.love/docs/dev-guide/3-4-dev-guide-http-api): GET /{chain-hash}/public/{round}
answers the round's JSON with `round`, `randomness` and `signature` (quicknet is unchained, so no
`previous_signature`). The relays are tried in order; a round that is not there yet, or a relay that does not answer,
is None, and the draw waits for the next run. The answer is kept as it came, with the relay that gave it; only the
fact that `randomness` is the SHA-256 of `signature` is checked here (stoa.contests.draw says what is not).
"""

import logging

import httpx

from stoa.contests import draw

log = logging.getLogger(__name__)


def round_url(relay: str, chain_hash: str, round_number: int) -> str:
    return f"{relay}/{chain_hash}/public/{round_number}"


def fetch_round(source: dict, http: httpx.Client) -> dict | None:
    """The revealed round for a frozen list's drand source, or None while no relay has it. The relay's chain
    information must give the genesis time and period the round was fixed with (GET /{chain-hash}/info, whose
    genesis_time and period the same page documents), or the round may have existed before the freeze."""
    for relay in draw.DRAND_RELAYS:
        url = round_url(relay, source["chain_hash"], source["round"])
        try:
            check_chain(http.get(f"{relay}/{source['chain_hash']}/info", timeout=10), source)
            answer = http.get(url, timeout=10)
        except httpx.HTTPError as error:
            log.info("drand relay %s did not answer: %s", relay, type(error).__name__)
            continue
        if answer.status_code == 200 and (revealed := usable(answer, source, url)):
            return revealed
    return None


def check_chain(answer: httpx.Response, source: dict) -> None:
    """Refuses the draw when the chain's timing is not the one the round was fixed with."""
    if answer.status_code != 200:
        return  # a relay that does not answer /info is tried for the round anyway; the next run checks again
    try:
        info = answer.json()
        timing = (int(info["genesis_time"]), int(info["period"]))
    except (ValueError, KeyError, TypeError):
        return
    if timing != (source["genesis_time"], source["period"]):
        raise draw.DrawError(f"drand gives quicknet's genesis time and period as {timing}, not the "
                             f"{(source['genesis_time'], source['period'])} round {source['round']} was fixed with.")


def usable(answer: httpx.Response, source: dict, url: str) -> dict | None:
    try:
        body = answer.json()
        revealed = {"chain_hash": source["chain_hash"], "round": int(body["round"]),
                    "randomness": str(body["randomness"]), "signature": str(body["signature"]), "url": url}
    except (ValueError, KeyError, TypeError):
        return None
    return revealed if not draw.drand_problems(source, revealed) else None
