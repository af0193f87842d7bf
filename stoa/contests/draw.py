"""A contest's draw that anyone can check from one published file.

The procedure, in the order it happens (docs/contests.md says it for people who want to check by hand):

1. When entries close, the eligible entrants are frozen: NFC-normalised, sorted by (network, account id) as UTF-8
   bytes (a key that no locale or Python version changes), written with the contest's id, its rules in words, the
   number of winners and substitutes and the randomness source named in advance, as canonical JSON (UTF-8, keys
   sorted, no spaces). Its SHA-256 is published before the random value exists.
2. The random value is a drand round fixed at freeze time (a round at least `DRAND_MARGIN` after the freeze), or,
   offline, a seed whose SHA-256 (the commitment) was published when the contest started and which is revealed now.
3. Block i of the random stream is HMAC-SHA256(key = the random value, message = DOMAIN + frozen hash + i as 8
   bytes big-endian), read as a 256-bit big-endian number. An index below n is taken from a block x only when x is
   below the largest multiple of n not above 2**256 (the rejection threshold), as x mod n; otherwise the block is
   thrown away and the next one read, so every index is exactly as likely (no modulo bias).
4. Without replacement: a partial Fisher-Yates shuffle of the positions 0..n-1, the k-th pick being the index drawn
   below n-k. The first `winners` picks are the winners, the next `substitutes` picks the substitutes, in order
   (with fewer eligible people than places, all of them are drawn; with none, nobody wins).

Nothing here touches the database: it takes and gives plain values, so `stoa contest verify` and the bench run the
very code the draw ran.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

FORMAT = "stoa-contest-draw/1"
DOMAIN = b"stoa-contest-draw/1\x00"  # keeps this stream apart from any other use of the same random value
SPACE = 2**256  # a block is one SHA-256 output

# drand, the League of Entropy's beacon (https://docs.drand.love/docs/dev-guide/3-4-dev-guide-http-api): quicknet
# runs "at a 3s frequency in unchained mode on Mainnet" under this chain hash, served by these relays.
DRAND_CHAIN_HASH = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
DRAND_PERIOD = 3
# Quicknet's genesis time is not on the documentation page above; it is the genesis_time its /info answer gives
# (as public clients quote it). It is written into the frozen file, and the draw refuses a round whose relay's
# /info gives another genesis time or period (stoa/contests/drand.py).
DRAND_GENESIS = 1692803367
DRAND_RELAYS = ("https://api.drand.sh", "https://api2.drand.sh", "https://api3.drand.sh",
                "https://drand.cloudflare.com")
# Seconds between the freeze and the fixed round: the hash is on the public page at once, and the freeze post has
# this long to go out through the publishing engine before the round exists.
DRAND_MARGIN = 600


class DrawError(ValueError):
    """The draw cannot be made from what was given (a duplicate entrant, too few of them, a bad seed)."""


@dataclass(frozen=True, order=True)
class Entrant:
    """One eligible person, as the published list names them."""

    network: str
    account_id: str
    handle: str = ""

    def normalised(self) -> Entrant:
        return Entrant(nfc(self.network), nfc(self.account_id), nfc(self.handle))

    def as_row(self) -> list[str]:
        return [self.network, self.account_id, self.handle]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def sort_key(entrant: Entrant) -> tuple[bytes, bytes]:
    """UTF-8 bytes compare as code points do, whatever the locale: the order a verifier in any language gets."""
    return entrant.network.encode(), entrant.account_id.encode()


def frozen_entrants(entrants: Iterable[Entrant]) -> list[Entrant]:
    """The entrants normalised and sorted; the same person twice is an error, never silently dropped."""
    ordered = sorted((entrant.normalised() for entrant in entrants), key=sort_key)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if sort_key(before) == sort_key(after):
            raise DrawError(f"{after.network} account {after.account_id} is in the list twice.")
    return ordered


def canonical(value: Any) -> bytes:
    """The one byte string a JSON value is hashed as."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# The randomness source, named in the frozen list before the value exists.

def drand_round_at(moment: datetime, genesis: int = DRAND_GENESIS, period: int = DRAND_PERIOD) -> int:
    """The round being produced at `moment` (drand's CurrentRound: rounds start at 1 at the genesis time)."""
    elapsed = int(moment.timestamp()) - genesis
    return 1 if elapsed < 0 else elapsed // period + 1


def drand_round_time(round_number: int, genesis: int = DRAND_GENESIS, period: int = DRAND_PERIOD) -> int:
    """The UNIX time at which a round is produced."""
    return genesis + (round_number - 1) * period


def drand_source(frozen_at: datetime) -> dict[str, Any]:
    """A quicknet round that will exist only DRAND_MARGIN seconds after the freeze."""
    round_number = drand_round_at(frozen_at) + DRAND_MARGIN // DRAND_PERIOD + 1
    return {"kind": "drand", "chain_hash": DRAND_CHAIN_HASH, "round": round_number, "genesis_time": DRAND_GENESIS,
            "period": DRAND_PERIOD, "at": drand_round_time(round_number)}


def commitment(seed_hex: str) -> str:
    """What is published when the contest starts: the SHA-256 of the seed's bytes."""
    return sha256_hex(seed_bytes(seed_hex))


def seed_bytes(seed_hex: str) -> bytes:
    try:
        seed = bytes.fromhex(seed_hex)
    except ValueError:
        raise DrawError("The seed is not hexadecimal.") from None
    if len(seed) < 32:
        raise DrawError("The seed must be at least 32 bytes (64 hexadecimal digits).")
    return seed


def commit_reveal_source(seed_commitment: str) -> dict[str, Any]:
    return {"kind": "commit-reveal", "commitment": seed_commitment}


# The frozen list.

def freeze(contest_id: str, rules: str, entrants: Iterable[Entrant], winners: int, substitutes: int,
           source: dict[str, Any]) -> dict[str, Any]:
    """The document whose SHA-256 is published before the random value exists."""
    if winners < 1 or substitutes < 0:
        raise DrawError("A draw needs at least one winner and no negative number of substitutes.")
    return {"format": FORMAT, "contest": str(contest_id), "rules": nfc(rules), "winners": winners,
            "substitutes": substitutes, "source": source,
            "entrants": [entrant.as_row() for entrant in frozen_entrants(entrants)]}


def frozen_hash(frozen: dict[str, Any]) -> str:
    return sha256_hex(canonical(frozen))


# Drawing.

def rejection_threshold(n: int) -> int:
    """Blocks at or above this are thrown away: below it, every residue mod n appears equally often."""
    if n < 1:
        raise DrawError("Nothing to draw from.")
    return SPACE - SPACE % n


def blocks(key: bytes, list_hash: str) -> Iterable[int]:
    """The random stream: HMAC-SHA256 under the random value over the frozen hash and a counter."""
    bound = DOMAIN + bytes.fromhex(list_hash)
    counter = 0
    while True:
        digest = hmac.new(key, bound + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        yield int.from_bytes(digest, "big")
        counter += 1


def index_below(n: int, stream: Iterable[int]) -> int:
    """A uniform index in 0..n-1 from the stream, by rejection sampling."""
    threshold = rejection_threshold(n)
    for block in stream:
        if block < threshold:
            return block % n
    raise DrawError("The random stream ended.")  # pragma: no cover - the stream is endless


def pick(n: int, count: int, key: bytes, list_hash: str) -> list[int]:
    """`count` distinct positions out of n, in the order drawn (partial Fisher-Yates)."""
    if count > n:
        raise DrawError(f"{count} places to draw but only {n} eligible entrants.")
    positions = list(range(n))
    stream = iter(blocks(key, list_hash))
    for k in range(count):
        j = k + index_below(n - k, stream)
        positions[k], positions[j] = positions[j], positions[k]
    return positions[:count]


@dataclass(frozen=True)
class Result:
    winners: tuple[Entrant, ...]
    substitutes: tuple[Entrant, ...]


def draw(frozen: dict[str, Any], key: bytes) -> Result:
    """Winners then substitutes from the frozen list, under the revealed random value."""
    rows = frozen["entrants"]
    # Fewer eligible people than places: every one of them is drawn (in drawn order), winners first.
    wanted = min(frozen["winners"] + frozen["substitutes"], len(rows))
    chosen = [Entrant(*rows[position]) for position in pick(len(rows), wanted, key, frozen_hash(frozen))] \
        if rows else []
    return Result(tuple(chosen[:frozen["winners"]]), tuple(chosen[frozen["winners"]:]))


def randomness_key(frozen: dict[str, Any], revealed: dict[str, Any]) -> bytes:
    """The HMAC key from what was revealed: drand's randomness, or the seed itself."""
    if frozen["source"]["kind"] == "drand":
        return bytes.fromhex(revealed["randomness"])
    return seed_bytes(revealed["seed"])


def published(frozen: dict[str, Any], revealed: dict[str, Any], result: Result) -> dict[str, Any]:
    """The file anyone can check: the frozen list, its hash, the random value and the winners."""
    return {"frozen": frozen, "frozen_sha256": frozen_hash(frozen), "revealed": revealed,
            "winners": [entrant.as_row() for entrant in result.winners],
            "substitutes": [entrant.as_row() for entrant in result.substitutes]}


def published_bytes(document: dict[str, Any]) -> bytes:
    """The published file as written: readable JSON, one entrant a line would be nicer but stability matters more."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode() + b"\n"


# Checking.

@dataclass(frozen=True)
class Verification:
    """What `stoa contest verify` found: each problem in words, and what could not be checked here."""

    problems: tuple[str, ...]
    unchecked: tuple[str, ...]
    winners: tuple[Entrant, ...] = ()
    substitutes: tuple[Entrant, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def list_problems(frozen: dict[str, Any]) -> list[str]:
    rows = frozen.get("entrants", [])
    try:
        entrants = [Entrant(*row) for row in rows]
        ordered = frozen_entrants(entrants)
    except (TypeError, DrawError) as error:
        return [f"The entrants' list is malformed: {error}"]
    if ordered != entrants:
        return ["The entrants' list is not in the published order (NFC, sorted by network and account id)."]
    return []


def source_problems(frozen: dict[str, Any], revealed: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Whether the revealed value is the one named in advance; and what this check cannot see."""
    source = frozen.get("source", {})
    if source.get("kind") == "commit-reveal":
        seed = revealed.get("seed", "")
        try:
            matches = commitment(seed) == source.get("commitment")
        except DrawError as error:
            return [f"The revealed seed is unusable: {error}"], []
        return ([] if matches else ["The revealed seed's SHA-256 is not the commitment published at the start."]), []
    if source.get("kind") == "drand":
        return drand_problems(source, revealed), [
            "drand's BLS signature is not verified here (no offline BLS12-381 check is shipped); fetch round "
            f"{source.get('round')} from any drand relay, or check it with a drand client, to confirm it."]
    return [f"Unknown randomness source {source.get('kind')!r}."], []


def drand_problems(source: dict[str, Any], revealed: dict[str, Any]) -> list[str]:
    problems = []
    if revealed.get("round") != source.get("round") or revealed.get("chain_hash") != source.get("chain_hash"):
        problems.append("The drand round revealed is not the chain and round named in advance.")
    try:
        signature = bytes.fromhex(revealed.get("signature", ""))
        if sha256_hex(signature) != revealed.get("randomness"):  # drand's randomness is SHA-256 of the signature
            problems.append("The drand randomness is not the SHA-256 of the round's signature.")
    except ValueError:
        problems.append("The drand signature is not hexadecimal.")
    return problems


def winner_problems(document: dict[str, Any], result: Result) -> list[str]:
    problems = []
    if document.get("winners") != [entrant.as_row() for entrant in result.winners]:
        problems.append("The published winners are not the ones the procedure gives.")
    if document.get("substitutes") != [entrant.as_row() for entrant in result.substitutes]:
        problems.append("The published substitutes are not the ones the procedure gives.")
    return problems


def verify(document: dict[str, Any], published_hash: str = "") -> Verification:
    """Everything about a published file that can be checked from the file alone (and the hash published before
    the draw, when given)."""
    frozen, revealed = document.get("frozen", {}), document.get("revealed", {})
    actual = frozen_hash(frozen)
    problems = [] if document.get("frozen_sha256") == actual else [
        f"The frozen list's SHA-256 is {actual}, not the {document.get('frozen_sha256')} the file states."]
    if published_hash and published_hash != actual:
        problems.append(f"The frozen list's SHA-256 is {actual}, not the {published_hash} published before the draw.")
    problems += list_problems(frozen)
    found, unchecked = source_problems(frozen, revealed)
    problems += found
    if problems:
        return Verification(tuple(problems), tuple(unchecked))
    try:
        result = draw(frozen, randomness_key(frozen, revealed))
    except (DrawError, KeyError, ValueError) as error:
        return Verification((f"The draw cannot be made: {error}",), tuple(unchecked))
    return Verification(tuple(winner_problems(document, result)), tuple(unchecked), result.winners,
                        result.substitutes)


def entrants_of(rows: Sequence[Sequence[str]]) -> list[Entrant]:
    return [Entrant(*row) for row in rows]
