"""The soak scenario of issue 13, against a running Estran (bench/soak/stack.py): for a bounded time,
depositors each create deposits, upload 3 to 7 files of a few MiB in parallel parts, submit, and
answer requests for changes; moderators claim, comment, request changes or approve; readers load
search pages and landing pages. Every request is recorded (status, time); nothing here retries a
5xx away: a 5xx is an error. A completion whose answer is a 5xx, a 409 or nothing is followed, as
the browser uploader does, by reading the session again.

The soak test asserts on the result, the benchmark reports it (bench/soak/run.py)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

TIMEOUT = 60  # seconds per request: longer than SQLite's busy timeout, so a wait shows as a wait
MiB = 1024 * 1024
WORDS = ["CTD", "glider", "salinity", "temperature", "Biscay", "sediment", "mooring", "chlorophyll"]


@dataclass
class Plan:
    seconds: float = 60  # new deposits are started until then; those under way are finished
    depositors: int = 8
    moderators: int = 2
    readers: int = 4
    files: tuple[int, int] = (3, 7)
    sizes: tuple[int, int] = (MiB // 2, 3 * MiB)
    part_workers: int = 4  # parts in flight per depositor, as the browser uploader
    changes_ratio: float = 0.3  # first rounds sent back with a request for changes
    grace: float = 180  # the most a deposit under way may take after `seconds`
    seed: int = 13


@dataclass
class Call:
    kind: str
    status: int
    ms: float
    at: float
    detail: str = ""


@dataclass
class Result:
    plan: Plan
    calls: list[Call] = field(default_factory=list)
    deposits_started: int = 0
    deposits_published: list[float] = field(default_factory=list)  # seconds, creation to published
    deposits_unfinished: list[str] = field(default_factory=list)
    files_uploaded: int = 0
    bytes_uploaded: int = 0
    claims_lost: int = 0  # a colleague claimed first: 409, expected
    client_errors: list[str] = field(default_factory=list)  # exceptions in the clients themselves
    started: float = 0.0
    ended: float = 0.0

    def errors(self) -> list[Call]:
        """Every 5xx and every request that got no answer."""
        return [c for c in self.calls if c.status >= 500 or c.status == 0]

    def unexpected(self) -> list[Call]:
        """4xx answers the scenario does not expect (a lost claim's 409 is expected)."""
        return [c for c in self.calls if 400 <= c.status < 500 and c.kind != "moderator.claim"]

    def latencies(self, prefix: str) -> list[float]:
        return [c.ms for c in self.calls if c.kind.startswith(prefix) and 200 <= c.status < 300]

    def statuses(self) -> Counter:
        return Counter(c.status for c in self.calls)


class Client:
    """One person's HTTP session (an API token, or none), recording every request in `result`."""

    def __init__(self, site: str, result: Result, lock: threading.Lock, token: str = ""):
        self.site = site
        self.result = result
        self.lock = lock
        self.http = requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, kind: str, method: str, url: str, *, ok=(200, 201, 202, 204), session=None, **kwargs):
        url = url if url.startswith("http") else self.site + url
        started = time.monotonic()
        try:
            response = (session or self.http).request(method, url, timeout=TIMEOUT, **kwargs)
            status, detail = response.status_code, "" if response.status_code in ok else response.text[:300]
        except requests.RequestException as exc:
            response, status, detail = None, 0, f"{type(exc).__name__}: {exc}"[:300]
        ms = (time.monotonic() - started) * 1000
        with self.lock:
            self.result.calls.append(Call(kind, status, ms, started, f"{method} {url} {detail}" if detail else ""))
        return response


def _metadata(title: str, abstract: str) -> dict:
    return {
        "titles": [{"title": title}],
        "creators": [
            {
                "name": "Le Goff, Anne",
                "orcid": "0000-0002-1825-0097",
                "affiliations": [{"name": "Ifremer", "ror": "https://ror.org/044jxhp58"}],
            }
        ],
        "descriptions": [{"description": abstract}],
        "point_of_contact": {"name": "Anne Le Goff", "email": "anne.legoff@example.org", "organisation": "Ifremer"},
        "resource_type": {"general": "Dataset", "type": "CTD profiles"},
        "subjects": [
            {
                "subject": "Sea water temperature",
                "scheme": "NERC P02",
                "value_uri": "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
            }
        ],
        "rights": [
            {
                "identifier": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0 International",
                "uri": "https://creativecommons.org/licenses/by/4.0/legalcode",
            }
        ],
        "geo_locations": [
            {"place": "Bay of Biscay", "box": {"west": -6.0, "east": -1.0, "south": 43.5, "north": 48.0}}
        ],
        "dates": [{"date": "2024-04-25/2024-05-30", "date_type": "Collected"}],
    }


class Scenario:
    def __init__(self, site: str, tokens: dict[str, str], plan: Plan):
        self.site = site
        self.plan = plan
        self.result = Result(plan=plan)
        self.lock = threading.Lock()
        self.depositor_tokens = [t for u, t in sorted(tokens.items()) if u.startswith("soak-dep-")][: plan.depositors]
        self.moderator_tokens = [t for u, t in sorted(tokens.items()) if u.startswith("soak-mod-")][: plan.moderators]
        self.depositors_done = threading.Event()
        self.deadline = 0.0

    # --- depositors -------------------------------------------------------------------------------

    def depositor(self, index: int, token: str) -> None:
        rng = random.Random(self.plan.seed * 1000 + index)
        client = Client(self.site, self.result, self.lock, token)
        number = 0
        while time.monotonic() < self.deadline:
            number += 1
            with self.lock:
                self.result.deposits_started += 1
            self.one_deposit(client, rng, f"Soak {index:02d}-{number:03d}")

    def one_deposit(self, client: Client, rng: random.Random, name: str) -> None:
        started = time.monotonic()
        give_up = self.deadline + self.plan.grace
        title = f"{name}: CTD casts of a soak cruise in the Bay of Biscay"
        answer = client.call(
            "deposit.create",
            "POST",
            "/api/deposits",
            json={
                "community": "ocean",
                "metadata": _metadata(title, f"Temperature and salinity profiles ({name}), round 1. " * 4),
            },
        )
        if answer is None or answer.status_code != 201:
            return self.unfinished(name, "not created")
        deposit = answer.json()["id"]
        files = {
            f"cast-{k:02d}.csv": rng.randbytes(rng.randint(*self.plan.sizes))
            for k in range(1, rng.randint(*self.plan.files) + 1)
        }
        if not self.upload(client, deposit, files, give_up):
            return self.unfinished(name, "upload")
        if not self.act(client, deposit, "submit"):
            return self.unfinished(name, "submit")
        round_ = 1
        while time.monotonic() < give_up:
            time.sleep(0.5)
            answer = client.call("deposit.read", "GET", f"/api/deposits/{deposit}")
            if answer is None or answer.status_code != 200:
                continue
            status = answer.json()["status"]
            if status == "published":
                with self.lock:
                    self.result.deposits_published.append(time.monotonic() - started)
                return None
            if status == "changes_requested":
                round_ += 1
                client.call(
                    "deposit.update",
                    "PATCH",
                    f"/api/deposits/{deposit}",
                    json={
                        "metadata": _metadata(
                            title, f"Temperature and salinity profiles ({name}), round {round_}, as asked. " * 4
                        )
                    },
                )
                if not self.act(client, deposit, "resubmit"):
                    return self.unfinished(name, "resubmit")
            elif status in ("rejected", "draft"):
                return self.unfinished(name, status)
        return self.unfinished(name, "not published in time")

    def act(self, client: Client, deposit: int, action: str) -> bool:
        answer = client.call(f"deposit.{action}", "POST", f"/api/deposits/{deposit}/actions", json={"action": action})
        return answer is not None and answer.status_code == 200

    def upload(self, client: Client, deposit: int, files: dict[str, bytes], give_up: float) -> bool:
        """Open every file's session (one after another, as the uploader), then PUT all parts
        `part_workers` at a time; a file is completed by whoever sends its last part."""
        sessions = {}
        for name, data in files.items():
            answer = client.call(
                "upload.open", "POST", f"/api/deposits/{deposit}/uploads", json={"name": name, "size": len(data)}
            )
            if answer is None or answer.status_code != 201:
                return False
            sessions[name] = answer.json()
        left = {name: len(s["parts"]) for name, s in sessions.items()}
        etags: dict[str, dict[int, str]] = {name: {} for name in files}
        outcome: dict[str, bool] = {}
        parts_session = requests.Session()  # part URLs carry their own signature, no token
        guard = threading.Lock()

        def send(name: str, part: dict) -> None:
            upload = sessions[name]
            n = part["part_number"]
            chunk = files[name][(n - 1) * upload["part_size"] : n * upload["part_size"]]
            response = client.call("upload.part", "PUT", part["url"], data=chunk, session=parts_session)
            if response is None or response.status_code != 200:
                outcome[name] = False
                return
            with guard:
                etags[name][n] = response.headers["ETag"]
                left[name] -= 1
                last = left[name] == 0
            if last:
                outcome[name] = self.complete(client, upload, etags[name])

        with ThreadPoolExecutor(self.plan.part_workers) as pool:
            for future in [pool.submit(send, name, part) for name, s in sessions.items() for part in s["parts"]]:
                future.result()
        if not all(outcome.get(name) for name in files):
            return False
        with self.lock:
            self.result.files_uploaded += len(files)
            self.result.bytes_uploaded += sum(len(d) for d in files.values())
        # Submission needs every file ready: the worker verifies the larger ones.
        while time.monotonic() < give_up:
            answer = client.call("deposit.files", "GET", f"/api/deposits/{deposit}/files")
            if answer is not None and answer.status_code == 200:
                states = {f["state"] for f in answer.json()}
                if states == {"ready"}:
                    return True
                if "failed" in states or "uploading" in states:
                    return False
            time.sleep(0.3)
        return False

    def complete(self, client: Client, upload: dict, etags: dict[int, str]) -> bool:
        parts = [{"part_number": n, "etag": e} for n, e in sorted(etags.items())]
        for attempt in range(1, 6):
            answer = client.call(
                "upload.complete", "POST", f"/api/uploads/{upload['id']}/complete", json={"parts": parts}
            )
            if answer is not None and answer.status_code in (200, 202):
                return True
            if answer is not None and answer.status_code in (404, 422):
                return False
            session = client.call("upload.read", "GET", f"/api/uploads/{upload['id']}")
            if session is not None and session.status_code == 200 and session.json()["state"] == "completed":
                return True
            time.sleep(0.5 * 2**attempt)
        return False

    def unfinished(self, name: str, why: str) -> None:
        with self.lock:
            self.result.deposits_unfinished.append(f"{name}: {why}")

    # --- moderators ---------------------------------------------------------------------------------

    def moderator(self, index: int, token: str) -> None:
        rng = random.Random(self.plan.seed * 2000 + index)
        client = Client(self.site, self.result, self.lock, token)
        give_up = self.deadline + self.plan.grace + 30
        idle_since = None
        while time.monotonic() < give_up:
            item = self.next_item(client, rng)
            if item is None:
                if self.depositors_done.is_set():
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since > 3:
                        return
                time.sleep(0.3)
                continue
            idle_since = None
            self.review(client, rng, item)

    def next_item(self, client: Client, rng: random.Random) -> dict | None:
        for tab in ("mine", "waiting"):
            answer = client.call("moderator.queue", "GET", f"/api/moderation/queue?tab={tab}")
            if answer is None or answer.status_code != 200:
                continue
            items = [
                i
                for i in answer.json()
                if not i["yours"] and ("claim" in i["allowed_actions"] or i["status"] == "in_review")
            ]
            if items:
                return rng.choice(items[:3])
        return None

    def review(self, client: Client, rng: random.Random, item: dict) -> None:
        deposit = item["id"]
        if item["status"] == "submitted":
            answer = client.call(
                "moderator.claim", "POST", f"/api/deposits/{deposit}/actions", json={"action": "claim"}, ok=(200,)
            )
            if answer is None or answer.status_code != 200:
                if answer is not None and answer.status_code == 409:
                    with self.lock:
                        self.result.claims_lost += 1
                return
        answer = client.call("moderator.read", "GET", f"/api/deposits/{deposit}")
        if answer is None or answer.status_code != 200:
            return
        round_ = answer.json()["round"]
        client.call(
            "moderator.comment",
            "POST",
            f"/api/deposits/{deposit}/comments",
            json={"body": f"Round {round_}: the units of the salinity column?", "field": "abstract"},
        )
        if round_ == 1 and rng.random() < self.plan.changes_ratio:
            client.call(
                "moderator.request_changes",
                "POST",
                f"/api/deposits/{deposit}/actions",
                json={"action": "request_changes", "note": "Please give the units in the abstract."},
            )
        else:
            client.call("moderator.approve", "POST", f"/api/deposits/{deposit}/actions", json={"action": "approve"})

    # --- readers ------------------------------------------------------------------------------------

    def reader(self, index: int) -> None:
        rng = random.Random(self.plan.seed * 3000 + index)
        client = Client(self.site, self.result, self.lock)
        while not self.depositors_done.is_set():
            word = rng.choice(WORDS)
            query = word if rng.random() < 0.7 else f"{word} or {rng.choice(WORDS)}"
            answer = client.call("reader.api_search", "GET", "/api/records", params={"q": query})
            client.call("reader.search_page", "GET", "/search", params={"q": query})
            hits = answer.json().get("hits", []) if answer is not None and answer.status_code == 200 else []
            if not hits:
                answer = client.call("reader.api_search", "GET", "/api/records")
                hits = answer.json().get("hits", []) if answer is not None and answer.status_code == 200 else []
            if hits:
                hit = rng.choice(hits)
                client.call("reader.landing", "GET", hit["landing_page"])
                client.call("reader.doi", "GET", f"/doi/{hit['doi']}")
            time.sleep(rng.uniform(0.1, 0.4))

    # --- the run ------------------------------------------------------------------------------------

    def run(self) -> Result:
        plan = self.plan
        if len(self.depositor_tokens) < plan.depositors or len(self.moderator_tokens) < plan.moderators:
            raise ValueError("Not enough accounts for the plan.")
        self.result.started = time.monotonic()
        self.deadline = self.result.started + plan.seconds

        def guarded(target, *args):
            def body():
                try:
                    target(*args)
                except Exception as exc:  # noqa: BLE001 - reported in the result, never lost
                    with self.lock:
                        self.result.client_errors.append(f"{target.__name__}{args[:1]}: {type(exc).__name__}: {exc}")

            return threading.Thread(target=body, name=f"soak-{target.__name__}-{args[0]}", daemon=True)

        depositors = [guarded(self.depositor, i, t) for i, t in enumerate(self.depositor_tokens, 1)]
        others = [guarded(self.moderator, i, t) for i, t in enumerate(self.moderator_tokens, 1)]
        others += [guarded(self.reader, i) for i in range(1, plan.readers + 1)]
        for thread in depositors + others:
            thread.start()
        for thread in depositors:
            thread.join(timeout=plan.seconds + plan.grace + 120)
        self.depositors_done.set()
        for thread in others:
            thread.join(timeout=plan.grace + 120)
        self.result.ended = time.monotonic()
        return self.result
