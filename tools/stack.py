"""The local stack on loopback: an OpenSearch node with repository-s3; moto (S3, IAM, STS) and,
in the same process, a domain gateway that behaves like an Amazon OpenSearch Service endpoint;
fault proxies for the fault-injection tests: toxiproxy (TCP faults between the modules and
the node, and between the node and moto's S3) and nginx in front of it (HTTP faults: 504
after the node acted, 429/503 storms).

    python tools/stack.py up            fetch what is missing, start what is not running, wait until ready
    python tools/stack.py down          stop only the processes this script started (pid files)
    python tools/stack.py restart-node  stop the OpenSearch node and start it again; wait until it answers
    python tools/stack.py status        what runs, where
    python tools/stack.py logs          print the tail of every log

Downloads are cached under .cache/ (or $SEARCHOPS_CACHE); the running stack keeps its
data, logs and pid files under .stack/ (or $SEARCHOPS_STACK). Both are ignored by git.
After `up`, .stack/endpoints.json tells tests and playbooks where everything listens, and
.stack/operator.json holds the keys of the IAM user `searchops-operator` they run as.
Why the node is OpenSearch 3.x and how the plugin zip is assembled: docs/design.md.

The node's engine is chosen with SEARCHOPS_ENGINE (`make stack-up ENGINE=...`): one of engines(),
opensearch-3.6.0 by default. Only one node runs at a time, on the same port, behind the same
gateway and fault proxies; `up` with another engine stops the running node and starts the one
asked for, with its own install and data under .stack/. Engines without a repository-s3 build
on Maven Central have `fs` repositories only (docs/engines.md).
"""

import argparse
import datetime
import hashlib
import ipaddress
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import NamedTuple, Optional

ROOT = Path(__file__).resolve().parent.parent
POM = ROOT / "tools" / "stack" / "pom.xml"
CACHE = Path(os.environ.get("SEARCHOPS_CACHE", ROOT / ".cache"))
STATE = Path(os.environ.get("SEARCHOPS_STACK", ROOT / ".stack"))
LOGS = STATE / "logs"
PIDS = STATE / "pids"
# keys of the IAM user the demo and inventories/local run as (written by tools/gateway.py)
OPERATOR = STATE / "operator.json"

HOST = "127.0.0.1"
MOTO_PORT = int(os.environ.get("SEARCHOPS_MOTO_PORT", "5000"))
GATEWAY_PORT = int(os.environ.get("SEARCHOPS_GATEWAY_PORT", "9250"))
# a second domain, in another account (OTHER_ACCOUNT_ID), for cross-account migration
OTHER_GATEWAY_PORT = int(os.environ.get("SEARCHOPS_OTHER_GATEWAY_PORT", str(GATEWAY_PORT + 1)))
# a domain with fine-grained access control in front of the secured node (issue 15, item 3)
FGAC_GATEWAY_PORT = int(os.environ.get("SEARCHOPS_FGAC_GATEWAY_PORT", str(GATEWAY_PORT + 2)))
OPENSEARCH_PORT = int(os.environ.get("SEARCHOPS_OPENSEARCH_PORT", "9200"))
OPENSEARCH_TRANSPORT_PORT = OPENSEARCH_PORT + 100
HEAP = os.environ.get("SEARCHOPS_OPENSEARCH_HEAP", "768m")
# The secured node (issue 15, docs/design.md "The secured node"): OpenSearch with the security
# plugin, HTTPS with the stack's own CA, internal users, a client-certificate user, and proxy
# authentication for the FGAC gateway.
SECURED_PORT = int(os.environ.get("SEARCHOPS_SECURED_PORT", str(OPENSEARCH_PORT + 2)))
SECURED_URL = f"https://localhost:{SECURED_PORT}"  # the name its certificate carries
SECURED_HEAP = os.environ.get("SEARCHOPS_SECURED_HEAP", "512m")
SECURED_DIR = STATE / "secured"
TLS = SECURED_DIR / "tls"
# the digest of the security files the secured node's data was made from
SECURITY_STAMP = SECURED_DIR / "security-config.sha256"
# the only address whose proxy headers the node trusts: the FGAC gateway binds its connections to it
PROXY_SOURCE_ADDRESS = "127.0.0.2"
REGION = "us-east-1"
DOMAIN = "searchops-local"
ACCOUNT_ID = "123456789012"  # moto's default account
OTHER_ACCOUNT_ID = "210987654321"
OTHER_DOMAIN = "searchops-other"
FGAC_DOMAIN = "searchops-fgac"
# Keys the OpenSearch node's S3 client signs with. moto's S3 accepts any key; these are
# not AWS credentials and protect nothing.
S3_CLIENT_KEYS = {"access_key": "searchops-local", "secret_key": "searchops-local-secret"}
S3_CLIENTS = ("default", "faults")
MAVEN_CENTRAL = "https://repo1.maven.org/maven2"
SERVICE_USER = "searchops"
START_TIMEOUT = float(os.environ.get("SEARCHOPS_START_TIMEOUT", "240"))

# Fault proxies (docs/design.md, "Fault injection"). toxiproxy is built from the Go module proxy.
TOXIPROXY_MODULE = "github.com/Shopify/toxiproxy/v2/cmd/server"
TOXIPROXY_VERSION = "v2.12.0"
TOXIPROXY_PORT = int(os.environ.get("SEARCHOPS_TOXIPROXY_PORT", "8474"))  # its HTTP API
# toxiproxy's listeners: to the node (two: nginx sends the method a test picks to the second),
# and to moto for the node's S3 client `faults`
FAULTS_PORT = int(os.environ.get("SEARCHOPS_FAULTS_PORT", str(OPENSEARCH_PORT + 10)))
FAULTS_S3_PORT = int(os.environ.get("SEARCHOPS_FAULTS_S3_PORT", str(MOTO_PORT + 10)))
# nginx in front of toxiproxy's node listeners
FAULTS_HTTP_PORT = int(os.environ.get("SEARCHOPS_FAULTS_HTTP_PORT", str(OPENSEARCH_PORT + 20)))
# nginx answers 504 when the node's answer takes longer than this (a latency toxic)
FAULTS_HTTP_READ_TIMEOUT = 3
# methods whose answer a test can lose behind nginx: /lose-<method>/... sends only that method
# through toxiproxy's second node listener (the `opensearch_lossy` proxy)
LOSABLE_METHODS = ("PUT", "POST", "DELETE")
# /storm-<status>/...: nginx's request rate limit, the requests over it answered with status
STORMS = {429: "20r/m", 503: "1r/m"}
# nginx's folders for temporary files (kept under .stack, not /var/lib/nginx)
NGINX_TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


class StackError(Exception):
    pass


def log(msg):
    print(f"[stack] {msg}", flush=True)


def opensearch_version():
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    return ET.parse(POM).getroot().find("m:properties/m:opensearch.version", ns).text


class Engine(NamedTuple):
    """A search engine the stack can run: its integ-test-zip from Maven Central, on a JDK whose
    feature version lies in [java_min, java_max] (None: no upper bound)."""

    distribution: str  # opensearch or elasticsearch
    version: str
    java_min: int
    java_max: Optional[int]
    repository_s3: bool  # a repository-s3 build can be assembled from Maven Central
    # the repository-s3 release its jars come from, when Maven Central lacks the engine's own
    repository_s3_version: Optional[str] = None

    @property
    def name(self):
        return f"{self.distribution}-{self.version}"

    @property
    def repository_types(self):
        return ["fs", "s3"] if self.repository_s3 else ["fs"]

    @property
    def settings_file(self):
        return f"{self.distribution}.yml"

    def zip_url(self):
        group = f"org/{self.distribution}/distribution/integ-test-zip/{self.distribution}"
        return f"{MAVEN_CENTRAL}/{group}/{self.version}/{self.name}.zip"


def engines():
    """The engines, the default (the pom's OpenSearch, with repository-s3) first. Why these
    versions and JDKs, and what each lacks: docs/engines.md."""
    default = Engine("opensearch", opensearch_version(), 21, None, True)
    return {
        engine.name: engine
        for engine in (
            default,
            Engine("opensearch", "2.19.6", 11, 21, False),
            Engine("elasticsearch", "8.19.21", 17, 24, False),
            Engine("elasticsearch", "7.10.2", 11, 17, False),
        )
    }


def engine():
    """The engine SEARCHOPS_ENGINE names, else the default."""
    known = engines()
    name = os.environ.get("SEARCHOPS_ENGINE") or next(iter(known))
    if name not in known:
        raise StackError(f"SEARCHOPS_ENGINE={name!r} is not an engine of the stack; choose one of {', '.join(known)}")
    return known[name]


def http_get(url, timeout=5.0, context=None):
    """GET url; return (status, body) or (None, reason) when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except (urllib.error.URLError, OSError) as err:
        return None, str(getattr(err, "reason", err))


def http_send(method, url, body=None, timeout=60.0, context=None):
    """Send method to url with an optional JSON body; raises urllib's errors."""
    data = None if body is None else json.dumps(body).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data, headers, method=method)
    with urllib.request.urlopen(request, timeout=timeout, context=context):
        pass


# ---------------------------------------------------------------- downloads


def fetch(eng):
    """Download the engine's distribution zip (and for repository-s3, the plugin's jars with
    Maven) into the cache."""
    if not eng.repository_s3:
        return download_zip(eng)
    version = eng.version
    dest = CACHE / "dl" / f"opensearch-{version}"
    marker = dest / ".complete"
    if marker.exists():
        return dest
    if not shutil.which("mvn"):
        raise StackError("mvn not found: install Maven (Debian: apt-get install maven)")
    log(f"fetching OpenSearch {version} and repository-s3 from Maven Central into {dest}")
    shutil.rmtree(dest, ignore_errors=True)
    cmd = [
        "mvn",
        "-B",
        "-q",
        "-f",
        str(POM),
        f"-Dmaven.repo.local={CACHE / 'm2'}",
        "dependency:copy-dependencies",
        f"-Dopensearch.version={version}",
        f"-Drepository-s3.version={eng.repository_s3_version or version}",
        f"-DoutputDirectory={dest}",
        "-DincludeScope=runtime",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"Maven could not fetch the stack:\n{result.stdout}\n{result.stderr}")
    marker.touch()
    return dest


def download_zip(eng):
    """The engine's integ-test-zip from Maven Central."""
    return download(eng.zip_url(), CACHE / "dl" / "engines" / f"{eng.name}.zip")


def download(url, dest):
    """url (a Maven Central file) into dest, checked against its published SHA-1; once."""
    if dest.exists():
        return dest
    log(f"fetching {url} into {dest.parent}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    digest = hashlib.sha1()  # noqa: S324 - Maven Central's published checksum, not security
    try:
        with urllib.request.urlopen(f"{url}.sha1", timeout=60) as resp:
            expected = resp.read().decode().split()[0]
        with urllib.request.urlopen(url, timeout=600) as resp, open(tmp, "wb") as out:
            while chunk := resp.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
    except (urllib.error.URLError, OSError) as err:
        raise StackError(f"could not download {url}: {getattr(err, 'reason', err)}") from None
    if digest.hexdigest() != expected:
        tmp.unlink()
        raise StackError(f"{url}: SHA-1 {digest.hexdigest()} is not the published {expected}")
    tmp.rename(dest)
    return dest


def find_java(eng):
    """A JDK the engine supports: $SEARCHOPS_JAVA_HOME, then $JAVA_HOME, then /usr/lib/jvm/*."""
    candidates = [os.environ.get("SEARCHOPS_JAVA_HOME"), os.environ.get("JAVA_HOME")]
    candidates += sorted(str(p) for p in Path("/usr/lib/jvm").glob("*") if p.is_dir())
    for home in filter(None, candidates):
        release = Path(home) / "release"
        if not (Path(home) / "bin" / "java").exists() or not release.exists():
            continue
        match = re.search(r'JAVA_VERSION="(\d+)', release.read_text())
        if match and eng.java_min <= int(match.group(1)) <= (eng.java_max or 10**6):
            return home
    wanted = f"{eng.java_min}" + (f" to {eng.java_max}" if eng.java_max else " or newer")
    raise StackError(f"{eng.name} needs Java {wanted} and none was found: set SEARCHOPS_JAVA_HOME to such a JDK's home")


def assemble_plugin(dl, node_lib, version):
    """Build the repository-s3 plugin zip from its published jar and the jars its POM lists.

    Jars the node already ships in lib/ are left out: OpenSearch refuses a plugin whose
    jars duplicate classes of the core class path ("jar hell").
    """
    zip_path = dl / f"repository-s3-{version}-plugin.zip"
    if zip_path.exists():
        return zip_path

    def artifact(jar_name):
        return re.sub(r"-\d[\w.\-]*\.jar$", "", jar_name)

    core = {artifact(p.name) for p in node_lib.glob("*.jar")}
    jars = sorted(p for p in dl.glob("*.jar") if artifact(p.name) not in core)
    here = ROOT / "tools" / "stack" / "repository-s3"
    descriptor = (here / "plugin-descriptor.properties").read_text().replace("@VERSION@", version)
    tmp = zip_path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("plugin-descriptor.properties", descriptor)
        zf.write(here / "plugin-security.policy", "plugin-security.policy")
        for jar in jars:
            zf.write(jar, jar.name)
    tmp.rename(zip_path)
    return zip_path


# ---------------------------------------------------------------- processes


def pid_file(name):
    return PIDS / f"{name}.pid"


def alive(pid):
    try:
        os.kill(pid, 0)
        # A child of this very process that exited stays a zombie until reaped.
        return os.waitpid(pid, os.WNOHANG)[0] != pid
    except ChildProcessError:
        return True  # alive, and started by an earlier invocation
    except ProcessLookupError:
        return False


def running_pid(name):
    """The pid recorded for name when that process is still alive, else None."""
    path = pid_file(name)
    if not path.exists():
        return None
    pid = int(path.read_text().strip())
    if alive(pid):
        return pid
    path.unlink()
    return None


def service_user():
    """The unprivileged user OpenSearch runs as when this script runs as root.

    OpenSearch refuses to start as root; CI and fresh machines run everything as root.
    """
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER], None)
    return SERVICE_USER


def give_to(user, *paths):
    for path in paths:
        path.mkdir(parents=True, exist_ok=True)
        shutil.chown(path, user, user)
        for sub in path.rglob("*"):
            shutil.chown(sub, user, user)


def spawn(name, cmd, env=None, cwd=None, user=None):
    PIDS.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    out = open(LOGS / f"{name}.out", "ab")  # noqa: SIM115 - owned by the child from here on
    proc = subprocess.Popen(
        cmd,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        start_new_session=True,
        user=user,
        group=user,
        extra_groups=[] if user else None,
    )
    pid_file(name).write_text(str(proc.pid))
    return proc.pid


def stop(name, timeout=60):
    pid = running_pid(name)
    if pid is None:
        return False
    log(f"stopping {name} (pid {pid})")
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            break
        time.sleep(0.1)
    pid_file(name).unlink(missing_ok=True)
    return True


def wait_ready(name, check, timeout):
    """Poll check() until it returns True; fail with the process's log when it dies or times out."""
    deadline = time.monotonic() + timeout
    delay = 0.1
    while time.monotonic() < deadline:
        if check():
            return
        if running_pid(name) is None:
            raise StackError(f"{name} exited during start-up:\n{tail(name)}")
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)
    raise StackError(f"{name} not ready after {timeout:.0f}s:\n{tail(name)}")


def tail(name, lines=60):
    texts = []
    for path in [LOGS / f"{name}.out", *sorted((LOGS / name).glob("*.log"))]:
        if path.is_file():
            content = path.read_text(errors="replace").splitlines()[-lines:]
            texts.append(f"==> {path} <==\n" + "\n".join(content))
    return "\n".join(texts) or f"(no log for {name} under {LOGS})"


# ---------------------------------------------------------------- services


def aws_up():
    """moto and the domain gateway, one process (tools/gateway.py)."""
    moto = f"http://{HOST}:{MOTO_PORT}"
    gateway = f"http://{HOST}:{GATEWAY_PORT}"
    other = f"http://{HOST}:{OTHER_GATEWAY_PORT}"
    fgac = f"http://{HOST}:{FGAC_GATEWAY_PORT}"
    tls_files()  # the FGAC gateway reaches the secured node with them; a new CA restarts it
    code = hashlib.sha256((ROOT / "tools" / "gateway.py").read_bytes() + (TLS / "ca.pem").read_bytes()).hexdigest()
    fresh = False
    stamp = PIDS / "aws.code"
    if running_pid("aws") is not None and (not stamp.exists() or stamp.read_text() != code):
        log("tools/gateway.py changed since the gateway started: restarting it")
        stop("aws")
    if running_pid("aws") is None:
        for url in (moto, gateway, other, fgac):
            if http_get(url)[0] is not None:
                raise StackError(f"{url} is taken by a process this script did not start")
        log(f"starting moto on {moto} and the domain gateway on {gateway}")
        spawn(
            "aws",
            [
                sys.executable,
                "-u",
                str(ROOT / "tools" / "gateway.py"),
                "--host",
                HOST,
                "--moto-port",
                str(MOTO_PORT),
                "--port",
                str(GATEWAY_PORT),
                "--upstream",
                f"http://{HOST}:{OPENSEARCH_PORT}",
                "--region",
                REGION,
                "--domain",
                DOMAIN,
                "--other-port",
                str(OTHER_GATEWAY_PORT),
                "--other-account",
                OTHER_ACCOUNT_ID,
                "--other-domain",
                OTHER_DOMAIN,
                "--fgac-port",
                str(FGAC_GATEWAY_PORT),
                "--fgac-domain",
                FGAC_DOMAIN,
                "--fgac-upstream",
                SECURED_URL,
                "--fgac-ca",
                str(TLS / "ca.pem"),
                "--fgac-source-address",
                PROXY_SOURCE_ADDRESS,
                "--fgac-service-cert",
                str(TLS / "admin.pem"),
                "--fgac-service-key",
                str(TLS / "admin-key.pem"),
                "--state",
                str(STATE / "gateway"),
                "--operator",
                str(OPERATOR),
            ],
        )
        stamp.write_text(code)
        fresh = True

    def ready():
        # the gateway answers an unsigned request with 403, as AWS does
        # the FGAC one forwards it to the secured node, which may not be up yet: any answer will do
        return (
            http_get(f"{moto}/moto-api/")[0] == 200
            and http_get(gateway)[0] == 403
            and http_get(other)[0] == 403
            and http_get(fgac)[0] is not None
        )

    wait_ready("aws", ready, 60)
    return moto, gateway, fresh


def forget_s3_repositories(url, context=None):
    """moto keeps its state in memory: after it (re)starts, the buckets the node's S3 repositories
    point at are gone. Unregister those repositories (the snapshot data is gone with the buckets),
    so that setup registers them afresh instead of finding a repository with nothing behind it."""
    status, body = http_get(f"{url}/_snapshot", context=context)
    stale = [name for name, repo in json.loads(body).items() if repo.get("type") == "s3"] if status == 200 else []
    for name in stale:
        http_send("DELETE", f"{url}/_snapshot/{name}", context=context)
    if stale:
        log(f"moto started empty: unregistered the node's S3 repositories {', '.join(stale)}")


def node_home(eng, secured=False):
    return (SECURED_DIR if secured else STATE) / eng.name


def node_data(eng, secured=False):
    """Each engine keeps its own data: an engine cannot read another's (or a newer version's)."""
    return SECURED_DIR / "data" if secured else STATE / "data" / eng.name


def node_logs(secured=False):
    return LOGS / node_name(secured)


def node_name(secured=False):
    """The node's process name (pid file, logs)."""
    return "secured" if secured else "opensearch"


def node_env(eng, home):
    """The environment the engine's scripts read: its JDK and its config folder."""
    java, conf = find_java(eng), str(home / "config")
    env = dict(os.environ, OPENSEARCH_JAVA_HOME=java, OPENSEARCH_PATH_CONF=conf)
    if eng.distribution == "elasticsearch":
        # ES_JAVA_HOME from 7.12; 7.10 reads JAVA_HOME
        env.update(ES_JAVA_HOME=java, JAVA_HOME=java, ES_PATH_CONF=conf)
    env.pop("JAVA_TOOL_OPTIONS", None)
    return env


def node_install(eng, secured=False):
    """Unpack the node, install the assembled plugin (repository-s3) and, on the secured node, the
    security plugin; create the keystore (once)."""
    home = node_home(eng, secured)
    if (home / ".installed").exists():
        return home
    dl = fetch(eng)
    shutil.rmtree(home, ignore_errors=True)
    home.parent.mkdir(parents=True, exist_ok=True)
    log(f"installing {eng.name} into {home}")
    with zipfile.ZipFile(dl / f"{eng.name}.zip" if dl.is_dir() else dl) as zf:
        zf.extractall(home.parent)
    for script in list((home / "bin").iterdir()) + [home / "agent"]:
        if script.is_file():
            script.chmod(0o755)
    (home / "config" / "jvm.options.d").mkdir(exist_ok=True)
    env = node_env(eng, home)
    if eng.repository_s3:
        plugin = assemble_plugin(dl, home / "lib", eng.version)
        run([str(home / "bin" / "opensearch-plugin"), "install", "--batch", plugin.as_uri()], env)
        run([str(home / "bin" / "opensearch-keystore"), "create"], env)
    if secured:
        for plugin in security_plugins(eng, home, env):
            run([str(home / "bin" / "opensearch-plugin"), "install", "--batch", plugin.as_uri()], env)
    (home / ".installed").touch()
    return home


def keystore_ensure(home, env):
    """Give every S3 client of the node its keys (clients added since the install too)."""
    keystore = str(home / "bin" / "opensearch-keystore")
    listed = subprocess.run([keystore, "list"], env=env, capture_output=True, text=True, check=False)
    present = set(listed.stdout.split())
    for client in S3_CLIENTS:
        for key, value in S3_CLIENT_KEYS.items():
            if f"s3.client.{client}.{key}" not in present:
                run([keystore, "add", "--stdin", "--force", f"s3.client.{client}.{key}"], env, value)


def node_settings(eng, secured=False):
    """The node's opensearch.yml or elasticsearch.yml."""
    port = SECURED_PORT if secured else OPENSEARCH_PORT
    config = {
        "cluster.name": "searchops-secured" if secured else "searchops-local",
        "node.name": "node-1",
        "network.host": HOST,
        "http.port": port,
        "transport.port": port + 100,
        "discovery.type": "single-node",
        "path.data": str(node_data(eng, secured)),
        "path.logs": str(node_logs(secured)),
        "path.repo": [str(STATE / "fs-repo")],
        # The tests fill and empty the disk quickly; watermarks would make shards unassigned.
        "cluster.routing.allocation.disk.threshold_enabled": False,
    }
    if eng.distribution == "elasticsearch" and not eng.version.startswith("7."):
        # the integ-test-zip of 8.x carries X-Pack security, on by default (TLS, users): the
        # plain node is plain (a secured one is issue 15's)
        config["xpack.security.enabled"] = False
    if eng.repository_s3:
        config.update(s3_client_settings())
    if secured:
        config.update(security_settings())
    return "# Written by tools/stack.py\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in config.items())


def s3_client_settings():
    """The node's S3 clients: `default` talks to moto; `faults` (a repository's `client: faults`) to
    moto through toxiproxy, with one retry and short timeouts so that an injected fault ends a shard
    quickly."""
    settings = {}
    for client, port in (("default", MOTO_PORT), ("faults", FAULTS_S3_PORT)):
        settings.update(
            {
                f"s3.client.{client}.endpoint": f"{HOST}:{port}",
                f"s3.client.{client}.protocol": "http",
                f"s3.client.{client}.path_style_access": True,
                f"s3.client.{client}.region": REGION,
            }
        )
    settings.update({"s3.client.faults.max_retries": 1, "s3.client.faults.read_timeout": "5s"})
    return settings


def node_configure(eng, home, secured=False):
    """Write the node's settings; done at every start so that changed ports or folders apply."""
    (STATE / "fs-repo").mkdir(exist_ok=True)
    (home / "config" / eng.settings_file).write_text(node_settings(eng, secured))
    heap = SECURED_HEAP if secured else HEAP
    (home / "config" / "jvm.options.d" / "heap.options").write_text(f"-Xms{heap}\n-Xmx{heap}\n")
    if secured:
        security_configure(eng, home)


def run(cmd, env, stdin=None):
    result = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")


def node_up(eng, secured=False):
    """Start the engine's node unless it runs already; another engine's node is stopped first."""
    name = node_name(secured)
    url = SECURED_URL if secured else f"http://{HOST}:{OPENSEARCH_PORT}"
    context = tls_context(admin=True) if secured else None
    settings = node_home(eng, secured) / "config" / eng.settings_file
    started = PIDS / f"{name}.engine"
    if running_pid(name) is not None:
        if not started.exists() or started.read_text() != eng.name:
            log(f"another engine's node runs: stopping it to start {eng.name}")
            stop(name)
        elif (
            not settings.exists()
            or settings.read_text() != node_settings(eng, secured)
            or (secured and (not SECURITY_STAMP.exists() or SECURITY_STAMP.read_text() != security_digest()))
        ):
            log(f"the {name} node's settings changed since it started: restarting it")
            stop(name)
    if running_pid(name) is None:
        if http_get(url, context=context)[0] is not None:
            raise StackError(f"{url} is taken by a process this script did not start")
        if secured:
            tls_files()
            context = tls_context(admin=True)
        home = node_install(eng, secured)
        node_configure(eng, home, secured)
        env = node_env(eng, home)
        if eng.repository_s3:
            keystore_ensure(home, env)
        user = service_user()
        if user:
            give_to(user, home, node_data(eng, secured), node_logs(secured), STATE / "fs-repo")
        log(
            f"starting {eng.name} on {url} (Java from {env['OPENSEARCH_JAVA_HOME']})"
            + (f" as user {user}" if user else "")
        )
        spawned = time.monotonic()
        spawn(name, [str(home / "bin" / eng.distribution)], env=env, cwd=home, user=user)
        started.write_text(eng.name)
    else:
        spawned = None

    def healthy():
        # 200 once a cluster-manager is elected, whatever the health colour: user indices
        # (a test's red index, say) must not make the node look down
        return http_get(f"{url}/_cluster/health", timeout=5, context=context)[0] == 200

    wait_ready(name, healthy, START_TIMEOUT)
    if spawned is not None:
        # each engine's start time, for the engine matrix's report (tools/engines.py)
        (PIDS / f"{name}.start-seconds").write_text(f"{time.monotonic() - spawned:.1f}")
        log(f"{eng.name} answered {time.monotonic() - spawned:.1f}s after its start")
    return url


# ---------------------------------------------------------------- the secured node


def secured_engine():
    """OpenSearch 3.4.0: the newest version whose security plugin Maven Central publishes as a zip
    (none for 3.6.0; docs/research/issue-15-secured-node.md)."""
    return Engine("opensearch", "3.4.0", 21, None, True, REPOSITORY_S3_FOR_SECURED)


SECURITY_PLUGIN_VERSION = "3.4.0.0"
# Maven Central has no repository-s3 3.4.0 (3.3.2 and 3.5.0 are there): the 3.3 line's jars run on 3.4.0
# (measured: registration, snapshots and restores to moto; docs/design.md "The secured node")
REPOSITORY_S3_FOR_SECURED = "3.3.2"
COMMONS_COLLECTIONS = "org/apache/commons/commons-collections4/4.4/commons-collections4-4.4.jar"
# name: (distinguished name, the certificate is a server's too)
CERTIFICATES = {
    "node": ("CN=node-1,O=searchops", True),
    "admin": ("CN=admin,O=searchops", False),  # plugins.security.authcz.admin_dn: the stack's own super admin
    "certuser": ("CN=certuser,O=searchops", False),  # a user who logs in with a client certificate
}
# internal users (passwords generated at every start of the node) and what they may do
USERS = {"admin": "all_access", "nosnap": "searchops_no_snapshots", "snapshots": "manage_snapshots"}


def security_plugins(eng, home, env):
    """The zips to install, in order: a stand-in for the distribution module `rule-framework` the
    security plugin extends (the integ-test-zip leaves it out and Maven Central does not publish it),
    then the security plugin itself."""
    dl = CACHE / "dl" / "security"
    plugin = download(
        f"{MAVEN_CENTRAL}/org/opensearch/plugin/opensearch-security/{SECURITY_PLUGIN_VERSION}/"
        f"opensearch-security-{SECURITY_PLUGIN_VERSION}.zip",
        dl / f"opensearch-security-{SECURITY_PLUGIN_VERSION}.zip",
    )
    collections = download(f"{MAVEN_CENTRAL}/{COMMONS_COLLECTIONS}", dl / Path(COMMONS_COLLECTIONS).name)
    return [rule_framework_stand_in(eng, home, env, collections), plugin]


def rule_framework_stand_in(eng, home, env, collections):
    """Build the stand-in plugin: our empty ExtensiblePlugin class (tools/stack/rule-framework) and
    commons-collections4, which the real module brings and the security plugin's privilege checks use."""
    here = ROOT / "tools" / "stack" / "rule-framework"
    build = home.parent / "rule-framework-build"
    shutil.rmtree(build, ignore_errors=True)
    (build / "classes").mkdir(parents=True)
    javac = Path(env["OPENSEARCH_JAVA_HOME"]) / "bin" / "javac"
    release = str(eng.java_min)
    run(
        [
            str(javac),
            "--release",
            release,
            "-cp",
            f"{home / 'lib'}/*",
            "-d",
            str(build / "classes"),
            *map(str, here.glob("*.java")),
        ],
        env,
    )
    descriptor = (here / "plugin-descriptor.properties").read_text()
    descriptor = descriptor.replace("@VERSION@", eng.version).replace("@JAVA@", release)
    zip_path = build / "rule-framework.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("plugin-descriptor.properties", descriptor)
        zf.write(collections, collections.name)
        jar = build / "rule-framework-stand-in.jar"
        with zipfile.ZipFile(jar, "w") as jf:
            for cls in (build / "classes").rglob("*.class"):
                jf.write(cls, cls.relative_to(build / "classes").as_posix())
        zf.write(jar, jar.name)
    return zip_path


def tls_files():
    """The stack's CA and the certificates it signs (CERTIFICATES), made once and again when one
    expires within a day: <name>.pem and <name>-key.pem under .stack/secured/tls."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = datetime.datetime.now(datetime.timezone.utc)
    names = ["ca", *CERTIFICATES]
    if all((TLS / f"{n}.pem").exists() for n in names):
        certs = [x509.load_pem_x509_certificate((TLS / f"{n}.pem").read_bytes()) for n in names]
        if all(c.not_valid_after_utc > now + datetime.timedelta(days=1) for c in certs):
            return
    log(f"making the secured node's CA and certificates in {TLS}")
    shutil.rmtree(TLS, ignore_errors=True)
    TLS.mkdir(parents=True)

    def write(name, key, cert):
        (TLS / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        with open(os.open(TLS / f"{name}-key.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(pem)

    def builder(subject, issuer, key):
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=90))
        )

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name.from_rfc4514_string("CN=searchops local CA,O=searchops")
    ca = (
        builder(ca_name, ca_name, ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .sign(ca_key, hashes.SHA256())
    )
    write("ca", ca_key, ca)
    for name, (dn, server) in CERTIFICATES.items():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH] + ([ExtendedKeyUsageOID.SERVER_AUTH] if server else [])
        cert = (
            builder(x509.Name.from_rfc4514_string(dn), ca_name, key)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True
            )  # digitalSignature, keyEncipherment
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        )
        if server:
            cert = cert.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False,
            )
        write(name, key, cert.sign(ca_key, hashes.SHA256()))


def tls_context(admin=False):
    """An SSL context that trusts the stack's CA, presenting the admin certificate when asked."""
    context = ssl.create_default_context(cafile=str(TLS / "ca.pem")) if (TLS / "ca.pem").exists() else None
    if context is not None and admin:
        context.load_cert_chain(TLS / "admin.pem", TLS / "admin-key.pem")
    return context


def security_settings():
    """opensearch.yml's security part: TLS on both layers with the stack's certificates (PEM paths
    relative to the config folder), the admin certificate, optional client certificates."""
    settings = {}
    for layer in ("transport", "http"):
        settings.update(
            {
                f"plugins.security.ssl.{layer}.pemcert_filepath": "node.pem",
                f"plugins.security.ssl.{layer}.pemkey_filepath": "node-key.pem",
                f"plugins.security.ssl.{layer}.pemtrustedcas_filepath": "ca.pem",
            }
        )
    return {
        **settings,
        "plugins.security.ssl.transport.enforce_hostname_verification": False,
        "plugins.security.ssl.http.enabled": True,
        "plugins.security.ssl.http.clientauth_mode": "OPTIONAL",
        "plugins.security.authcz.admin_dn": [CERTIFICATES["admin"][0]],
        "plugins.security.nodes_dn": [CERTIFICATES["node"][0]],
        # builds the security index from config/opensearch-security/*.yml on the first start
        "plugins.security.allow_default_init_securityindex": True,
        "plugins.security.restapi.roles_enabled": ["all_access"],
    }


def security_config():
    """The security plugin's configuration files (YAML, written as JSON): who may log in and how,
    and the roles of the stack's users. Passwords are not here: they are set at every start."""
    auth = {
        # the FGAC gateway's: the IAM identity it verified, from headers only PROXY_SOURCE_ADDRESS may send
        "proxy_auth_domain": {
            "http_enabled": True,
            "transport_enabled": False,
            "order": 0,
            "http_authenticator": {
                "type": "proxy",
                "challenge": False,
                "config": {"user_header": "x-proxy-user", "roles_header": "x-proxy-roles"},
            },
            "authentication_backend": {"type": "noop"},
        },
        "clientcert_auth_domain": {
            "http_enabled": True,
            "transport_enabled": False,
            "order": 1,
            "http_authenticator": {"type": "clientcert", "challenge": False, "config": {"username_attribute": "cn"}},
            "authentication_backend": {"type": "noop"},
        },
        "basic_internal_auth_domain": {
            "http_enabled": True,
            "transport_enabled": True,
            "order": 2,
            "http_authenticator": {"type": "basic", "challenge": True},
            "authentication_backend": {"type": "intern"},
        },
    }
    xff = {"enabled": True, "internalProxies": re.escape(PROXY_SOURCE_ADDRESS), "remoteIpHeader": "x-forwarded-for"}
    return {
        "config.yml": {
            "_meta": {"type": "config", "config_version": 2},
            "config": {"dynamic": {"http": {"anonymous_auth_enabled": False, "xff": xff}, "authc": auth}},
        },
        "internal_users.yml": {"_meta": {"type": "internalusers", "config_version": 2}},
        "roles.yml": {
            "_meta": {"type": "roles", "config_version": 2},
            "searchops_no_snapshots": {
                "cluster_permissions": ["cluster_monitor"],
                "index_permissions": [{"index_patterns": ["*"], "allowed_actions": ["read", "indices_monitor"]}],
            },
        },
        "roles_mapping.yml": {
            "_meta": {"type": "rolesmapping", "config_version": 2},
            **{role: {"users": [user for user, r in USERS.items() if r == role]} for role in set(USERS.values())},
            "all_access": {"users": ["admin", "certuser"]},
            # reserved: only the super admin may change it (es_security_role_mapping's refusal is tested on it)
            "searchops_no_snapshots": {"users": ["nosnap"], "reserved": True},
        },
        "audit.yml": {"_meta": {"type": "audit", "config_version": 2}, "config": {"enabled": False}},
    }


def security_configure(eng, home):
    """The certificates and the security files into the node's config folder. The plugin reads the
    files only while its index does not exist: when they changed since the data was made, the
    secured node's data (test data only) is removed so that the next start builds it from them."""
    conf = home / "config"
    for name in ("ca", "node"):
        shutil.copyfile(TLS / f"{name}.pem", conf / f"{name}.pem")
    shutil.copyfile(TLS / "node-key.pem", conf / "node-key.pem")
    folder = conf / "opensearch-security"
    files = security_config()
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content, indent=2) + "\n")
    if not SECURITY_STAMP.exists() or SECURITY_STAMP.read_text() != security_digest():
        shutil.rmtree(node_data(eng, secured=True), ignore_errors=True)
        SECURITY_STAMP.write_text(security_digest())


def security_digest():
    return hashlib.sha256(json.dumps(security_config(), sort_keys=True).encode()).hexdigest()


def secured_users(fresh):
    """The internal users' passwords: new ones at every start of the node (set through the security
    REST API with the admin certificate), kept in .stack/secured/users.json (mode 0600)."""
    path = SECURED_DIR / "users.json"
    if not fresh and path.exists():
        return json.loads(path.read_text())
    context = tls_context(admin=True)
    api = f"{SECURED_URL}/_plugins/_security/api"
    wait_ready("secured", lambda: http_get(f"{api}/internalusers", context=context)[0] == 200, START_TIMEOUT)
    passwords = {user: secrets.token_urlsafe(18) for user in USERS}
    for user, password in passwords.items():
        http_send("PUT", f"{api}/internalusers/{user}", {"password": password}, context=context)
    path.unlink(missing_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        json.dump(passwords, out)
    return passwords


def secured_up():
    """The secured node, its users, and what tests and playbooks need to reach it."""
    eng = secured_engine()
    before = running_pid("secured")
    url = node_up(eng, secured=True)
    passwords = secured_users(fresh=running_pid("secured") != before)
    return {
        "url": url,
        "version": eng.version,
        "security_plugin": SECURITY_PLUGIN_VERSION,
        "ca_path": str(TLS / "ca.pem"),
        "users": {user: {"username": user, "password": password} for user, password in passwords.items()},
        "client_cert": {
            "username": "certuser",
            "cert": str(TLS / "certuser.pem"),
            "key": str(TLS / "certuser-key.pem"),
        },
        # the domain gateway with fine-grained access control in front of it (tools/gateway.py --fgac-port)
        "gateway": {
            "url": f"http://{HOST}:{FGAC_GATEWAY_PORT}",
            "domain_arn": f"arn:aws:es:{REGION}:{ACCOUNT_ID}:domain/{FGAC_DOMAIN}",
        },
    }


# ---------------------------------------------------------------- fault proxies


def go_binary():
    found = shutil.which("go") or "/usr/local/go/bin/go"
    if not Path(found).exists():
        raise StackError("go not found: install Go 1.23+ (it builds toxiproxy from the Go module proxy)")
    return found


def toxiproxy_install():
    """Build toxiproxy's server from the Go module proxy into the cache (once per version)."""
    binary = CACHE / f"toxiproxy-{TOXIPROXY_VERSION}" / "server"
    if binary.exists():
        return binary
    log(f"building toxiproxy {TOXIPROXY_VERSION} with go install into {binary.parent}")
    env = dict(os.environ, GOBIN=str(binary.parent))
    run([go_binary(), "install", f"{TOXIPROXY_MODULE}@{TOXIPROXY_VERSION}"], env)
    return binary


def toxiproxy_proxies():
    """toxiproxy's proxies: name -> (listen port, upstream port)."""
    return {
        "opensearch": (FAULTS_PORT, OPENSEARCH_PORT),
        "opensearch_lossy": (FAULTS_PORT + 1, OPENSEARCH_PORT),
        "s3": (FAULTS_S3_PORT, MOTO_PORT),
    }


def toxiproxy_up():
    api = f"http://{HOST}:{TOXIPROXY_PORT}"
    if running_pid("toxiproxy") is None:
        if http_get(f"{api}/version")[0] is not None:
            raise StackError(f"{api} is taken by a process this script did not start")
        binary = toxiproxy_install()
        log(f"starting toxiproxy (API {api})")
        spawn("toxiproxy", [str(binary), "-host", HOST, "-port", str(TOXIPROXY_PORT), "-proxy-metrics"])
    wait_ready("toxiproxy", lambda: http_get(f"{api}/version")[0] == 200, 30)
    # populate creates the proxies that are missing and leaves the others (and their toxics)
    proxies = [
        {"name": name, "listen": f"{HOST}:{listen}", "upstream": f"{HOST}:{upstream}", "enabled": True}
        for name, (listen, upstream) in toxiproxy_proxies().items()
    ]
    try:
        http_send("POST", f"{api}/populate", proxies, timeout=10)
    except (urllib.error.URLError, OSError) as err:
        raise StackError(f"toxiproxy refused its proxies: {err}\n{tail('toxiproxy')}") from None
    return api


def nginx_config():
    """nginx in front of toxiproxy's node listeners: HTTP faults a TCP proxy cannot make.

    /                  -> the node (through toxiproxy); 504 when an answer takes longer than
                          FAULTS_HTTP_READ_TIMEOUT (a latency toxic on `opensearch`)
    /lose-put/...      -> PUTs through `opensearch_lossy` (other methods as /): with a latency
                          toxic there, the node acts and nginx answers 504 (same for post, delete)
    /storm-429/...     -> at most one request per 3 s, the others answered 429 (a storm that ends)
    /storm-503/...     -> at most one request a minute, the others answered 503 (one that does not)
    """
    home = STATE / "nginx"
    temp = "".join(f"  {kind}_temp_path {home / 'tmp' / kind};\n" for kind in NGINX_TEMP_KINDS)
    maps = "".join(f"  map $request_method $lose_{m.lower()} {{ {m} lossy; default node; }}\n" for m in LOSABLE_METHODS)
    locations = "".join(
        f"    location /lose-{m.lower()}/ {{ rewrite ^/lose-{m.lower()}(/.*)$ $1 break; proxy_pass http://$lose_{m.lower()}; }}\n"
        for m in LOSABLE_METHODS
    )
    for status in STORMS:
        locations += (
            f"    location /storm-{status}/ {{ limit_req zone=storm{status}; limit_req_status {status}; "
            f"rewrite ^/storm-{status}(/.*)$ $1 break; proxy_pass http://node; }}\n"
        )
    zones = "".join(
        f"  limit_req_zone $binary_remote_addr zone=storm{status}:1m rate={rate};\n" for status, rate in STORMS.items()
    )
    return f"""# Written by tools/stack.py
daemon off;
worker_processes 1;
pid {home / "nginx.pid"};
error_log {LOGS / "nginx" / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
  access_log {LOGS / "nginx" / "access.log"};
{temp}  client_max_body_size 100m;
{zones}  upstream node {{ server {HOST}:{FAULTS_PORT}; }}
  upstream lossy {{ server {HOST}:{FAULTS_PORT + 1}; }}
{maps}  server {{
    listen {HOST}:{FAULTS_HTTP_PORT};
    proxy_read_timeout {FAULTS_HTTP_READ_TIMEOUT}s;
    proxy_next_upstream off;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_buffering off;
    location / {{ proxy_pass http://node; }}
{locations}  }}
}}
"""


def nginx_up():
    url = f"http://{HOST}:{FAULTS_HTTP_PORT}"
    home = STATE / "nginx"
    conf = home / "nginx.conf"
    text = nginx_config()
    if running_pid("nginx") is not None and (not conf.exists() or conf.read_text() != text):
        log("nginx's configuration changed since it started: restarting it")
        stop("nginx")
    if running_pid("nginx") is None:
        if http_get(url)[0] is not None:
            raise StackError(f"{url} is taken by a process this script did not start")
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise StackError("nginx not found: run tools/system-deps.sh (Debian: apt-get install nginx)")
        for kind in NGINX_TEMP_KINDS:
            (home / "tmp" / kind).mkdir(parents=True, exist_ok=True)
        (LOGS / "nginx").mkdir(parents=True, exist_ok=True)
        conf.write_text(text)
        log(f"starting nginx on {url}")
        spawn("nginx", [binary, "-p", str(home), "-c", str(conf), "-e", str(LOGS / "nginx" / "error.log")])
    # /_cluster/health: the integ-test-zip of Elasticsearch 8 has no root endpoint (GET / is its rest-root module)
    wait_ready("nginx", lambda: http_get(f"{url}/_cluster/health")[0] == 200, 30)
    return url


def node_version(url):
    """The node's version (GET _nodes/_local: the root endpoint is missing on some engines)."""
    nodes = json.loads(http_get(f"{url}/_nodes/_local?filter_path=nodes.*.version")[1])["nodes"]
    return next(iter(nodes.values()))["version"]


def up():
    started = time.monotonic()
    eng = engine()
    moto, gateway, fresh = aws_up()
    toxiproxy = toxiproxy_up()
    endpoints = {
        "moto": moto,
        "gateway": gateway,
        # the node, whatever its engine (the key keeps its first name)
        "opensearch": node_up(eng),
        # the fault proxies (tests/integration/test_faults.py)
        "toxiproxy": toxiproxy,
        "faults": {
            "opensearch": f"http://{HOST}:{FAULTS_PORT}",
            "http": nginx_up(),
            "proxies": {name: f"{HOST}:{listen}" for name, (listen, _upstream) in toxiproxy_proxies().items()},
            "http_read_timeout": FAULTS_HTTP_READ_TIMEOUT,
        },
        "region": REGION,
        "account_id": ACCOUNT_ID,
        "domain_arn": f"arn:aws:es:{REGION}:{ACCOUNT_ID}:domain/{DOMAIN}",
        # the same node as a domain in another account (a cross-account migration target)
        "other_domain": {
            "gateway": f"http://{HOST}:{OTHER_GATEWAY_PORT}",
            "account_id": OTHER_ACCOUNT_ID,
            "domain_arn": f"arn:aws:es:{REGION}:{OTHER_ACCOUNT_ID}:domain/{OTHER_DOMAIN}",
        },
        "operator": str(OPERATOR),
        # the secured node (TLS, users, the security plugin), next to the plain one whatever its engine
        "secured": secured_up(),
    }
    if fresh and eng.repository_s3:
        forget_s3_repositories(endpoints["opensearch"])
    if fresh:
        forget_s3_repositories(endpoints["secured"]["url"], tls_context(admin=True))
    endpoints["opensearch_version"] = node_version(endpoints["opensearch"])
    endpoints["engine"] = {
        "name": eng.name,
        "distribution": eng.distribution,
        "version": eng.version,
        "repository_types": eng.repository_types,
        "java": find_java(eng),
    }
    # mode 0600: it holds the secured node's passwords
    path = STATE / "endpoints.json"
    path.unlink(missing_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(json.dumps(endpoints, indent=2) + "\n")
    log(
        f"ready in {time.monotonic() - started:.1f}s: {eng.name} "
        f"at {endpoints['opensearch']}, domain gateway at {gateway}, moto at {moto}, "
        f"fault proxies at {endpoints['faults']['opensearch']} and {endpoints['faults']['http']}, "
        f"secured node at {endpoints['secured']['url']}; logs in {LOGS}"
    )
    return endpoints


SERVICES = ("aws", "toxiproxy", "opensearch", "nginx", "secured")


def restart_node():
    """Stop the node and start it again (fault tests); returns once it answers."""
    stop("opensearch")
    url = node_up(engine())
    log(f"node restarted at {url}")


def down():
    stopped = [name for name in reversed(SERVICES) if stop(name)]
    (STATE / "endpoints.json").unlink(missing_ok=True)
    log(f"stopped: {', '.join(stopped) or 'nothing was running'}")


def status():
    for name in SERVICES:
        pid = running_pid(name)
        print(f"{name:12} {'running, pid ' + str(pid) if pid else 'stopped'}")
    endpoints = STATE / "endpoints.json"
    if endpoints.exists():
        print(endpoints.read_text(), end="")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "restart-node", "status", "logs", "fetch"])
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            up()
        elif args.command == "down":
            down()
        elif args.command == "restart-node":
            restart_node()
        elif args.command == "status":
            status()
        elif args.command == "logs":
            print("\n".join(tail(name) for name in SERVICES))
        elif args.command == "fetch":
            fetch(engine())
    except StackError as err:
        print(f"[stack] error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
