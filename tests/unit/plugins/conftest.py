"""A fake transport for the client: a requests adapter that answers from a script.

The real Client, requests, auth and JSON handling run; only the network is replaced.
"""

import json
from fnmatch import fnmatchcase
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

# What OpenSearch's light listing (verbose=false) gives of a snapshot.
LIGHT_KEYS = ("snapshot", "uuid", "indices", "data_streams", "state")


class FakeServer(BaseAdapter):
    def __init__(self):
        super().__init__()
        self.routes = {}
        self.sent = []
        # the URLs as sent (percent-encoding and all)
        self.urls = []
        self.last_timeout = None
        # answer(request) for requests no route matches (None: a 404 "not_routed")
        self.fallback = None
        # name -> snapshot infos of the fake repositories (repository())
        self.repositories = {}
        # name -> {"docs", "seq_no", "mappings"} of the cluster's indices, for the reads of a snapshot's
        # manifest (index())
        self.indices = {}

    def on(self, method, path, *answers):
        """Answer method+path with the answers in turn (the last one repeats).

        An answer is (status, body), an exception instance to raise, or a callable(request) -> answer.
        """
        self.routes[(method, path)] = list(answers)
        return self

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        self.urls.append(request.url)
        self.last_timeout = kwargs.get("timeout")
        path = parts.path.lstrip("/")
        try:
            body = json.loads(request.body) if request.body else None
        except ValueError:
            body = request.body.decode() if isinstance(request.body, bytes) else request.body
        self.sent.append(
            {
                "method": request.method,
                "path": path,
                "query": dict(parse_qsl(parts.query)),
                "body": body,
                "headers": dict(request.headers),
            }
        )
        answers = self.routes.get((request.method, path))
        if not answers and self._in_repository(request.method, path):
            answers = [self._repository_answer(request.method, path, self.sent[-1]["query"])]
        if not answers:
            answer = self._index_answer(request.method, path, self.sent[-1]["query"])
            answers = [answer] if answer else answers
        if not answers and self.fallback:
            answer = self.fallback
        elif not answers:
            answer = (404, {"error": {"type": "not_routed", "reason": f"{request.method} {path}"}, "status": 404})
        else:
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, Exception):
            raise answer
        status, payload = answer
        response = requests.Response()
        response.status_code = status
        response.request = request
        response.url = request.url
        response._content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        response.headers["Content-Type"] = "application/json"
        return response

    def repository(self, name, *infos):
        """A fake repository holding these snapshot infos (routes set with on() come first):
        GET _snapshot/<name>/<names and patterns> lists the matching ones, verbose or light (light as
        OpenSearch answers: LIGHT_KEYS, no times); DELETE _snapshot/<name>/<names> removes them.
        Returns the list of infos, which a test may change between runs."""
        self.repositories[name] = list(infos)
        return self.repositories[name]

    def _in_repository(self, method, path):
        parts = path.split("/")
        return (
            method in ("GET", "DELETE")
            and len(parts) == 3
            and parts[0] == "_snapshot"
            and parts[1] in self.repositories
            and not parts[2].startswith("_")
        )

    def _repository_answer(self, method, path, query):
        name, names = path.split("/")[1:]
        held = self.repositories[name]
        patterns = unquote(names).split(",")
        matching = [info for info in held if any(fnmatchcase(info["snapshot"], p) for p in patterns)]
        if method == "DELETE":
            held[:] = [info for info in held if info not in matching]
            return (200, {"acknowledged": True})
        if query.get("verbose") != "true":
            matching = [{k: v for k, v in info.items() if k in LIGHT_KEYS} for info in matching]
        return (200, {"snapshots": matching})

    def index(self, name, docs=0, seq_no=None, mappings=None):
        """A live index of the fake cluster, as a snapshot's manifest reads it (its primaries' highest
        sequence number: docs - 1 unless given) in GET <names>/_stats/docs, _refresh, the per-index
        count search and GET <names>/_mapping."""
        self.indices[name] = {"docs": docs, "seq_no": docs - 1 if seq_no is None else seq_no, "mappings": mappings}

    def _index_answer(self, method, path, query):
        parts = path.split("/")
        if len(parts) < 2 or parts[1] not in ("_stats", "_refresh", "_search", "_mapping"):
            return None
        expressions = unquote(parts[0]).split(",")
        names = [n for n in self.indices if parts[0] == "_all" or any(fnmatchcase(n, e) for e in expressions)]
        if parts[1] == "_stats":
            seq = {n: self.indices[n]["seq_no"] for n in names}
            shard = {
                n: [{"routing": {"primary": True}, "seq_no": {"max_seq_no": s, "local_checkpoint": s}}]
                for n, s in seq.items()
            }
            return (200, {"indices": {n: {"shards": {"0": copies}} for n, copies in shard.items()}})
        if parts[1] == "_mapping":
            return (200, {n: {"mappings": self.indices[n]["mappings"] or {}} for n in names})
        if parts[1] == "_search":
            buckets = [{"key": n, "doc_count": self.indices[n]["docs"]} for n in names if self.indices[n]["docs"]]
            return (200, {"hits": {"hits": []}, "aggregations": {"per_index": {"buckets": buckets}}})
        return (200, {"_shards": {"total": len(names), "successful": len(names), "failed": 0}})

    def close(self):
        pass

    def requests(self, method=None):
        return [r for r in self.sent if method is None or r["method"] == method]


@pytest.fixture
def server(monkeypatch):
    fake = FakeServer()
    monkeypatch.setattr(requests.Session, "get_adapter", lambda self, url: fake)
    return fake


AWS_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No credentials or CA bundles leak in from the machine (its env sets REQUESTS_CA_BUNDLE);
    no instance metadata lookups; no ~/.netrc."""
    for name in AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@pytest.fixture(autouse=True)
def no_network():
    """Module and client tests never reach a real server (the shared local node listens on
    localhost:9200, the URL these tests use): a connection attempt fails the test. Its own
    MonkeyPatch, so that no test's monkeypatch.undo() can lift it."""
    import socket

    guard = pytest.MonkeyPatch()

    def refuse(self, address, *args, **kwargs):
        raise AssertionError(f"a unit test tried to connect to {address}")

    guard.setattr(socket.socket, "connect", refuse)
    guard.setattr(socket.socket, "connect_ex", refuse)
    yield
    guard.undo()
