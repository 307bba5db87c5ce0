"""A throw-away PKI that publishes revocation lists and runs a time-stamp authority, on 127.0.0.1 only.

Made by the tests with ``cryptography`` (keys, certificates, CRLs) and pyHanko's own time-stamp responder
(``DummyTimeStamper``), served by the standard library's HTTP server in a thread that the fixture starts and
stops. Certificates name ``http://127.0.0.1:PORT/…`` as their CRL distribution point, so what pyHanko fetches
when convgen registers an act comes from here; once the server is stopped, nothing can be fetched any more.
"""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from tests.acts.test_signature import PASSWORD, _certificate, _name, _new_key


@dataclass(frozen=True)
class Authorities:
    """The files of the PKI and the addresses its server answers."""

    root: Path  # trust anchor, PEM
    epci: Path  # PKCS#12 of the intercommunality's signer
    dept: Path  # PKCS#12 of the Département's signer
    tsa_url: str  # RFC 3161 time-stamp authority
    requests: list[str]  # paths requested, in order


def _crl(issuer: x509.Name, key: ec.EllipticCurvePrivateKey) -> bytes:
    """Return an empty CRL of ``issuer`` (DER), valid for a week."""
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(days=7))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
    )
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _distribution(url: str) -> tuple[x509.ExtensionType, bool]:
    """Return a CRL distribution point extension naming ``url``."""
    point = x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)
    return x509.CRLDistributionPoints([point]), False


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serve the CRLs (GET) and the time-stamp authority (POST)."""

    server: _Server

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        body = self.server.crls.get(self.path)
        self._answer(200 if body else 404, body or b"", "application/pkix-crl")

    def do_POST(self) -> None:
        self.server.requests.append(self.path)
        query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        response = self.server.stamper.request_tsa_response(tsp.TimeStampReq.load(query))
        self._answer(200, response.dump(), "application/timestamp-reply")

    def _answer(self, code: int, body: bytes, kind: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


class _Server(http.server.ThreadingHTTPServer):
    crls: dict[str, bytes]
    stamper: DummyTimeStamper
    requests: list[str]


@contextmanager
def authorities(folder: Path) -> Iterator[Authorities]:
    """Make the PKI in ``folder`` and serve it on 127.0.0.1 for the duration of the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root_key, root_name = _new_key(), _name("Racine de test (révocation)", "Autorité fictive")
    root = _certificate(root_name, root_key, root_name, root_key, ca=True, days=(-1, 365))
    inter_key, inter_name = _new_key(), _name("Autorité intermédiaire de test (révocation)", "Autorité fictive")
    inter = _certificate(
        inter_name,
        inter_key,
        root_name,
        root_key,
        ca=True,
        days=(-1, 365),
        extensions=[_distribution(f"{base}/racine.crl")],
    )
    # pyHanko's responder signs with RSA only
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_name = _name("Horodatage de test", "Autorité fictive")
    tsa = _certificate(
        tsa_name,
        tsa_key,  # type: ignore[arg-type]
        inter_name,
        inter_key,
        ca=False,
        days=(-1, 365),
        extensions=[
            _distribution(f"{base}/intermediaire.crl"),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
        ],
    )

    def signer(file: str, common_name: str, organisation: str) -> Path:
        key = _new_key()
        cert = _certificate(
            _name(common_name, organisation),
            key,
            inter_name,
            inter_key,
            ca=False,
            extensions=[_distribution(f"{base}/intermediaire.crl")],
        )
        path = folder / file
        encryption = serialization.BestAvailableEncryption(PASSWORD)
        path.write_bytes(pkcs12.serialize_key_and_certificates(b"signataire", key, cert, [inter], encryption))
        return path

    def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    tsa_der = tsa_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    server.crls = {"/racine.crl": _crl(root_name, root_key), "/intermediaire.crl": _crl(inter_name, inter_key)}
    server.stamper = DummyTimeStamper(asn1(tsa), asn1_keys.PrivateKeyInfo.load(tsa_der), certs_to_embed=[asn1(inter)])
    server.requests = []
    (folder / "racine-revocation.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    found = Authorities(
        root=folder / "racine-revocation.pem",
        epci=signer("presidente-revocation.p12", "Présidente Exemple", "CC Maine Saosnois"),
        dept=signer("president-revocation.p12", "Président Modèle", "Département de la Sarthe"),
        tsa_url=f"{base}/horodatage",
        requests=server.requests,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
