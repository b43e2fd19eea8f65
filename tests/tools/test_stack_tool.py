"""Unit tests of the local stack script's logic (tools/stack.py); no processes started."""

import importlib.util
import os
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("stack", ROOT / "tools" / "stack.py")
stack = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stack)


def test_version_comes_from_the_pom():
    assert stack.opensearch_version().startswith("3.")


def test_plugin_zip_leaves_out_jars_the_node_already_has(tmp_path):
    dl, lib = tmp_path / "dl", tmp_path / "lib"
    dl.mkdir()
    lib.mkdir()
    for name in (
        "repository-s3-9.9.9.jar",
        "s3-2.32.29.jar",
        "jackson-core-2.21.2.jar",
        "netty-codec-4.2.12.Final.jar",
    ):
        (dl / name).write_bytes(b"jar")
    # the node ships another version of jackson-core: the plugin must not bundle its own
    (lib / "jackson-core-2.20.0.jar").write_bytes(b"jar")

    path = stack.assemble_plugin(dl, lib, "9.9.9")

    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        descriptor = zf.read("plugin-descriptor.properties").decode()
    assert names == {
        "plugin-descriptor.properties",
        "plugin-security.policy",
        "repository-s3-9.9.9.jar",
        "s3-2.32.29.jar",
        "netty-codec-4.2.12.Final.jar",
    }
    assert "version=9.9.9" in descriptor and "opensearch.version=9.9.9" in descriptor
    assert "classname=org.opensearch.repositories.s3.S3RepositoryPlugin" in descriptor


def fake_jdk(root, name, version):
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("")
    (home / "release").write_text(f'JAVA_VERSION="{version}"\n')
    return str(home)


ENGINES = stack.engines()
DEFAULT, ES7, ES8, OS2 = (
    ENGINES[n] for n in ("opensearch-3.6.0", "elasticsearch-7.10.2", "elasticsearch-8.19.21", "opensearch-2.19.6")
)


def test_find_java_takes_the_first_jdk_new_enough(tmp_path, monkeypatch):
    old = fake_jdk(tmp_path, "old", "17.0.15")
    new = fake_jdk(tmp_path, "new", "25.0.3")
    monkeypatch.setenv("SEARCHOPS_JAVA_HOME", old)
    monkeypatch.setenv("JAVA_HOME", new)
    assert stack.find_java(DEFAULT) == new


def test_find_java_takes_a_jdk_the_engine_still_supports(tmp_path, monkeypatch):
    # Elasticsearch 8.19 supports Java 17 to 24: the machine's Temurin 25 is passed over
    monkeypatch.setenv("SEARCHOPS_JAVA_HOME", fake_jdk(tmp_path, "new", "25.0.3"))
    monkeypatch.setenv("JAVA_HOME", fake_jdk(tmp_path, "old", "17.0.15"))
    assert stack.find_java(ES8) == str(tmp_path / "old")


def test_find_java_says_what_to_set_when_none_fits(tmp_path, monkeypatch):
    monkeypatch.setenv("SEARCHOPS_JAVA_HOME", fake_jdk(tmp_path, "old", "17.0.15"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(stack, "Path", lambda p: tmp_path / "none" if p == "/usr/lib/jvm" else Path(p))
    with pytest.raises(stack.StackError, match="opensearch-3.6.0 needs Java 21 or newer.*SEARCHOPS_JAVA_HOME"):
        stack.find_java(DEFAULT)


def test_the_default_engine_comes_first_and_the_environment_chooses(monkeypatch):
    monkeypatch.delenv("SEARCHOPS_ENGINE", raising=False)
    assert stack.engine() == DEFAULT and DEFAULT.repository_s3
    monkeypatch.setenv("SEARCHOPS_ENGINE", "elasticsearch-7.10.2")
    assert stack.engine() == ES7
    monkeypatch.setenv("SEARCHOPS_ENGINE", "elasticsearch-9")
    with pytest.raises(stack.StackError, match="choose one of opensearch-3.6.0, "):
        stack.engine()


def test_integ_test_zips_come_from_maven_central():
    assert ES7.zip_url() == (
        "https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/"
        "7.10.2/elasticsearch-7.10.2.zip"
    )
    assert OS2.zip_url().endswith("/org/opensearch/distribution/integ-test-zip/opensearch/2.19.6/opensearch-2.19.6.zip")


def test_engines_without_repository_s3_get_no_s3_clients_and_elasticsearch_8_no_security():
    for eng in (ES7, ES8, OS2):
        assert eng.repository_types == ["fs"]
        assert "s3.client" not in stack.node_settings(eng)
    assert "xpack.security.enabled: false" in stack.node_settings(ES8)
    assert "xpack" not in stack.node_settings(ES7)  # 7.10's integ-test-zip is OSS: no such setting
    assert stack.node_settings(ES7) != stack.node_settings(OS2)  # each engine its own data folder


def test_stale_pid_file_means_not_running(tmp_path, monkeypatch):
    monkeypatch.setattr(stack, "PIDS", tmp_path)
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
    (tmp_path / "ghost.pid").write_text(str(child))
    assert stack.running_pid("ghost") is None
    assert not (tmp_path / "ghost.pid").exists()


def test_exited_child_is_not_reported_running(tmp_path, monkeypatch):
    """A child that died during start-up is a zombie until reaped; it must not count as running."""
    monkeypatch.setattr(stack, "PIDS", tmp_path)
    monkeypatch.setattr(stack, "LOGS", tmp_path / "logs")
    pid = stack.spawn("quick", ["true"])
    deadline = time.monotonic() + 10
    while stack.running_pid("quick") == pid and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stack.running_pid("quick") is None


def test_own_running_process_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(stack, "PIDS", tmp_path)
    monkeypatch.setattr(stack, "LOGS", tmp_path / "logs")
    pid = stack.spawn("sleeper", ["sleep", "30"])
    try:
        assert stack.running_pid("sleeper") == pid
    finally:
        assert stack.stop("sleeper")
    assert stack.running_pid("sleeper") is None


def test_start_failure_reports_the_log(tmp_path, monkeypatch):
    monkeypatch.setattr(stack, "PIDS", tmp_path)
    monkeypatch.setattr(stack, "LOGS", tmp_path / "logs")
    stack.spawn("broken", ["sh", "-c", "echo cannot bind to port; exit 3"])
    with pytest.raises(stack.StackError, match="(?s)broken exited during start-up.*cannot bind to port"):
        stack.wait_ready("broken", lambda: False, timeout=30)


def test_node_has_an_s3_client_through_the_fault_proxy():
    settings = stack.node_settings(DEFAULT)
    assert f's3.client.default.endpoint: "127.0.0.1:{stack.MOTO_PORT}"' in settings
    assert f's3.client.faults.endpoint: "127.0.0.1:{stack.FAULTS_S3_PORT}"' in settings
    assert stack.toxiproxy_proxies()["s3"] == (stack.FAULTS_S3_PORT, stack.MOTO_PORT)


def test_nginx_loses_only_the_chosen_method_and_limits_storms():
    config = stack.nginx_config()
    assert "map $request_method $lose_delete { DELETE lossy; default node; }" in config
    assert f"upstream lossy {{ server 127.0.0.1:{stack.toxiproxy_proxies()['opensearch_lossy'][0]}; }}" in config
    assert f"proxy_read_timeout {stack.FAULTS_HTTP_READ_TIMEOUT}s;" in config
    assert "limit_req zone=storm429; limit_req_status 429;" in config
    assert "proxy_next_upstream off;" in config  # nginx must never resend a request itself


def test_secured_node_has_its_own_port_data_and_tls_with_the_stacks_certificates():
    secured = stack.secured_engine()
    text = stack.node_settings(secured, secured=True)
    assert f"http.port: {stack.SECURED_PORT}" in text
    assert f"transport.port: {stack.SECURED_PORT + 100}" in text
    assert str(stack.node_data(secured, secured=True)) in text
    assert "plugins.security.ssl.http.enabled: true" in text
    assert 'plugins.security.ssl.http.pemcert_filepath: "node.pem"' in text
    assert "demo" not in text  # not the plugin's demo certificates
    assert "plugins.security" not in stack.node_settings(secured)  # the plain node stays plain
    # repository-s3 from the newest release line Maven Central has below the node's
    assert secured.repository_types == ["fs", "s3"] and secured.repository_s3_version == "3.3.2"


def test_secured_node_trusts_proxy_headers_only_from_the_gateways_address():
    import re

    config = stack.security_config()
    xff = config["config.yml"]["config"]["dynamic"]["http"]["xff"]
    assert re.fullmatch(xff["internalProxies"], stack.PROXY_SOURCE_ADDRESS)
    assert not re.fullmatch(xff["internalProxies"], "127.0.0.1")  # every other local client
    proxy = config["config.yml"]["config"]["dynamic"]["authc"]["proxy_auth_domain"]["http_authenticator"]
    assert proxy["config"] == {"user_header": "x-proxy-user", "roles_header": "x-proxy-roles"}
    # no user (and no demo password) in the files: passwords are set at every start
    assert list(config["internal_users.yml"]) == ["_meta"]
    assert set(config["roles_mapping.yml"]["all_access"]["users"]) == {"admin", "certuser"}


def test_tls_files_make_a_ca_that_signed_each_certificate(tmp_path, monkeypatch):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import padding

    monkeypatch.setattr(stack, "TLS", tmp_path / "tls")
    stack.tls_files()
    ca = x509.load_pem_x509_certificate((tmp_path / "tls" / "ca.pem").read_bytes())
    for name, (dn, server) in stack.CERTIFICATES.items():
        cert = x509.load_pem_x509_certificate((tmp_path / "tls" / f"{name}.pem").read_bytes())
        ca.public_key().verify(
            cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm
        )
        assert cert.subject.rfc4514_string() == dn
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert (x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in usage) is server
        assert oct((tmp_path / "tls" / f"{name}-key.pem").stat().st_mode & 0o777) == "0o600"
    node = x509.load_pem_x509_certificate((tmp_path / "tls" / "node.pem").read_bytes())
    names = node.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    before = (tmp_path / "tls" / "ca.pem").read_bytes()
    stack.tls_files()  # still valid: kept
    assert (tmp_path / "tls" / "ca.pem").read_bytes() == before
