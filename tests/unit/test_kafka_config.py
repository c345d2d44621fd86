"""Managed Kafka: SASL_SSL with SCRAM or PLAIN, and mutual TLS, from the config and mounted Secret files.

The kafka-python keyword arguments are checked per mode, then fed to kafka-python's own SASL
mechanisms and its own TLS context builder; a loopback TLS server that demands a client certificate
proves the mutual-TLS files work end to end (certificates made with the openssl command)."""

from __future__ import annotations

import logging
import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.net.sasl import get_sasl_mechanism
from kafka.net.transport import KafkaSSLTransport

from luisterpost.config import ConfigError, KafkaConfig, build
from luisterpost.kafka import client_options

PASSWORD = "s3cr3t-scram-password"


def kafka_config(environ: dict[str, str] | None = None, **kafka: Any) -> KafkaConfig:
    return build({"kafka": kafka}, environ=environ or {}).kafka


def password_file(folder: Path) -> Path:
    path = folder / "password"
    path.write_text(PASSWORD + "\n", encoding="utf-8")  # as a Secret key often is: with a newline
    return path


def test_plaintext_is_the_default_and_sends_no_credentials() -> None:
    options = client_options(kafka_config(), "a:9092,b:9092")
    assert options == {"bootstrap_servers": ["a:9092", "b:9092"], "security_protocol": "PLAINTEXT"}


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
def test_sasl_ssl_reads_the_password_from_the_mounted_file(mechanism: str, tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("not parsed here", encoding="utf-8")
    config = kafka_config(security_protocol="SASL_SSL", sasl_mechanism=mechanism, sasl_username="luisterpost",
                          sasl_password_file=str(password_file(tmp_path)), ssl_cafile=str(ca))
    options = client_options(config, "kafka:9093")
    assert options == {"bootstrap_servers": ["kafka:9093"], "security_protocol": "SASL_SSL",
                       "sasl_mechanism": mechanism, "sasl_plain_username": "luisterpost",
                       "sasl_plain_password": PASSWORD, "ssl_check_hostname": True, "ssl_cafile": str(ca)}
    # kafka-python's own mechanism accepts the arguments and speaks with the password.
    sasl = get_sasl_mechanism(mechanism)(**options)
    first = sasl.auth_bytes()
    assert (PASSWORD.encode() in first) if mechanism == "PLAIN" else (b"n=luisterpost" in first)


def test_sasl_password_from_the_environment_still_works() -> None:
    config = kafka_config({"LUISTERPOST_KAFKA_SASL_PASSWORD": PASSWORD}, security_protocol="SASL_SSL",
                          sasl_mechanism="SCRAM-SHA-512", sasl_username="lp")
    assert client_options(config, "k:9093")["sasl_plain_password"] == PASSWORD
    assert "ssl_cafile" not in client_options(config, "k:9093")  # the system trust store


def test_every_option_is_a_kafka_python_client_argument(tmp_path: Path) -> None:
    files = {name: tmp_path / name for name in ("ca.crt", "user.crt", "user.key")}
    for path in files.values():
        path.write_text("x", encoding="utf-8")
    config = kafka_config(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512", sasl_username="lp",
                          sasl_password_file=str(password_file(tmp_path)), ssl_cafile=str(files["ca.crt"]),
                          ssl_certfile=str(files["user.crt"]), ssl_keyfile=str(files["user.key"]),
                          ssl_check_hostname=False)
    options = client_options(config, "k:9093")
    for client in (KafkaConsumer, KafkaProducer, KafkaAdminClient):
        unknown = set(options) - set(client.DEFAULT_CONFIG)
        assert not unknown, f"{client.__name__} does not take {unknown}"
    assert options["ssl_check_hostname"] is False


@pytest.mark.parametrize(("kafka", "message"), [
    ({"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN"}, "kafka: .*needs sasl_mechanism and sasl_username"),
    ({"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_username": "u"},
     "kafka: .*sasl_password_file .or sasl_password. is required"),
    ({"sasl_mechanism": "SCRAM-SHA-512", "sasl_username": "u", "sasl_password": "p"},
     "kafka: .*needs security_protocol SASL_SSL"),
    ({"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_username": "u", "sasl_password": "p",
      "sasl_password_file": "/p"}, "kafka: .*not both"),
    ({"security_protocol": "SSL", "ssl_certfile": "/c"}, "kafka: .*ssl_certfile and ssl_keyfile go together"),
    ({"ssl_cafile": "/ca"}, "kafka: .*need security_protocol SSL or SASL_SSL"),
    ({"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-1", "sasl_username": "u"},
     r"kafka\.sasl_mechanism"),
    ({"ssl_ca_file": "/ca"}, r"kafka\.ssl_ca_file: unknown key"),
])
def test_inconsistent_security_is_refused_at_start(kafka: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        kafka_config(**kafka)


@pytest.mark.parametrize("key", ["ssl_cafile", "ssl_certfile", "sasl_password_file"])
def test_a_missing_secret_file_names_its_key(key: str, tmp_path: Path) -> None:
    present = tmp_path / "present"
    present.write_text("x", encoding="utf-8")
    files = {"ssl_cafile": present, "ssl_certfile": present, "ssl_keyfile": present,
             "sasl_password_file": present, key: tmp_path / "not-mounted"}
    config = kafka_config(security_protocol="SASL_SSL", sasl_mechanism="PLAIN", sasl_username="u",
                          **{name: str(path) for name, path in files.items()})
    with pytest.raises(ConfigError, match=rf"^kafka\.{key}: cannot read .*not-mounted"):
        client_options(config, "k:9093")


def test_an_empty_password_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "password"
    empty.write_text("\n", encoding="utf-8")
    config = kafka_config(security_protocol="SASL_SSL", sasl_mechanism="PLAIN", sasl_username="u",
                          sasl_password_file=str(empty))
    with pytest.raises(ConfigError, match=r"kafka\.sasl_password_file: .* is empty"):
        client_options(config, "k:9093")


def test_the_password_is_never_printed_or_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = kafka_config(security_protocol="SASL_SSL", sasl_mechanism="PLAIN", sasl_username="u",
                          sasl_password=PASSWORD)
    with caplog.at_level(logging.DEBUG):
        client_options(config, "k:9093")
    assert PASSWORD not in caplog.text
    assert PASSWORD not in repr(config) and PASSWORD not in str(config)


# --- mutual TLS against a real TLS server on loopback -------------------------------------------


def openssl(*args: str | Path) -> None:
    program = shutil.which("openssl")
    assert program, "the openssl command is missing (Debian's openssl package): the tools tier needs it"
    subprocess.run([program, *map(str, args)], check=True, capture_output=True, timeout=60)


def make_pki(folder: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    paths = {name: folder / name for name in ("ca.crt", "ca.key", "server.crt", "server.key",
                                               "user.crt", "user.key")}
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
            "-keyout", paths["ca.key"], "-out", paths["ca.crt"])
    for name, subject in (("server", "/CN=127.0.0.1"), ("user", "/CN=luisterpost")):
        request = folder / f"{name}.csr"
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", paths[f"{name}.key"],
                "-out", request)
        extensions = folder / f"{name}.ext"
        extensions.write_text("subjectAltName=IP:127.0.0.1\n" if name == "server" else "basicConstraints=CA:FALSE\n")
        openssl("x509", "-req", "-in", request, "-CA", paths["ca.crt"], "-CAkey", paths["ca.key"],
                "-CAcreateserial", "-days", "1", "-out", paths[f"{name}.crt"], "-extfile", extensions)
    return paths


def serve_once(paths: dict[str, Path], seen: list[str]) -> tuple[socket.socket, threading.Thread]:
    """A TLS server that refuses a client without a certificate signed by the CA."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(paths["server.crt"], paths["server.key"])
    server_context.load_verify_locations(paths["ca.crt"])
    server_context.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(20)

    def accept() -> None:
        connection, _ = listener.accept()
        try:
            with server_context.wrap_socket(connection, server_side=True) as tls:
                subject = dict(item[0] for item in tls.getpeercert()["subject"])  # type: ignore[index]
                seen.append(str(subject["commonName"]))
        except (ssl.SSLError, OSError) as error:
            seen.append(f"refused: {error}")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    return listener, thread


@pytest.mark.tools
@pytest.mark.parametrize("with_client_cert", [True, False])
def test_mutual_tls_files_make_a_working_kafka_python_context(tmp_path: Path, with_client_cert: bool) -> None:
    paths = make_pki(tmp_path)
    client_files = {"ssl_certfile": str(paths["user.crt"]), "ssl_keyfile": str(paths["user.key"])} \
        if with_client_cert else {}
    options = client_options(kafka_config(security_protocol="SSL", ssl_cafile=str(paths["ca.crt"]),
                                          **client_files), "127.0.0.1:9093")
    context = KafkaSSLTransport._build_ssl_context({**KafkaSSLTransport.DEFAULT_CONFIG, **{
        key: value for key, value in options.items() if key in KafkaSSLTransport.DEFAULT_CONFIG}})
    seen: list[str] = []
    listener, thread = serve_once(paths, seen)
    try:
        raw = socket.create_connection(listener.getsockname(), timeout=20)
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.do_handshake()  # verifies the server against ssl_cafile, hostname included
            tls.recv(1)  # TLS 1.3 reports a refused client certificate only on the first read
    except (ssl.SSLError, OSError):
        pass
    finally:
        thread.join(20)
        listener.close()
    if with_client_cert:
        assert seen == ["luisterpost"]
    else:
        assert seen and seen[0].startswith("refused"), seen
