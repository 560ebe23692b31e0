"""The generated Python bindings against the real library and a real `testigo serve` on loopback.

Run by bindings/test-python.sh, which generates the bindings (the `testigo` package on
PYTHONPATH) and names the `testigo` binary in TESTIGO_BIN.
"""

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from datetime import timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from testigo.testigo_core import (
    CaptureState,
    OutboxKind,
    OutboxState,
    ReportingStatus,
    SyncEvent,
    SyncOptions,
    SyncOutcome,
)
from testigo.testigo_ffi import (
    CancelToken,
    SignerError,
    Store,
    SyncObserver,
    Signer,
    TestigoError,
    parse_enrollment_uri,
    receipt_verifies,
)
from testigo.testigo_protocol import ReceiptSubject, ReviewStatus, WarningCode

TESTIGO = os.environ.get("TESTIGO_BIN")


def testigo(*args):
    """Runs `testigo args…` and returns its standard output; fails on a non-zero exit."""
    done = subprocess.run([TESTIGO, *args], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"testigo {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done.stdout


class Server:
    """A real `testigo serve` on loopback with a three-station synthetic election and one
    synthetic 12-megapixel acta photo with its truth."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="testigo-python-")
        self.data = os.path.join(self.root, "server")
        package = os.path.join(self.root, "election.json")
        testigo("election", "sample", "--stations", "3", "--out", package)
        testigo("election", "import", "--data", self.data, package)
        with open(package, "rb") as f:
            self.package_json = f.read()
        election = json.loads(self.package_json)
        self.station_ids = [s["id"] for s in election["stations"]]
        self.contest_id = election["contests"][0]["id"]

        actas = os.path.join(self.root, "actas")
        testigo("sim", "actas", "--count", "1", "--out", actas)
        with open(os.path.join(actas, "acta-0001.jpg"), "rb") as f:
            self.acta_jpeg = f.read()
        with open(os.path.join(actas, "acta-0001.json"), encoding="utf-8") as f:
            self.acta_qr_payload = json.load(f)["qr_payload"]

        self.out = open(os.path.join(self.root, "serve.out"), "w+b")
        self.process = subprocess.Popen(
            [TESTIGO, "serve", "--data", self.data, "--listen", "127.0.0.1:0"],
            stdout=self.out,
            stderr=subprocess.DEVNULL,
        )
        self.url = self._wait_for_listening()

    def _wait_for_listening(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("testigo serve exited")
            with open(self.out.name, "rb") as f:
                first = f.readline().decode()
            if first.startswith("listening on ") and first.endswith("\n"):
                return first.removeprefix("listening on ").strip()
            time.sleep(0.05)
        raise RuntimeError("testigo serve did not say where it listens")

    def enroll_code(self, station=None):
        out = json.loads(testigo("enroll", "--data", self.data, "--station", station or self.station_ids[0], "--json"))
        return out["codes"][0]

    def review(self, capture_id, status, comment):
        testigo("review", "--data", self.data, "--capture", capture_id, "--status", status, "--comment", comment)

    def phone_dir(self):
        return tempfile.mkdtemp(prefix="phone-", dir=self.root)

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.out.close()
        shutil.rmtree(self.root, ignore_errors=True)


class CryptographySigner(Signer):
    """A device key held outside the core, as an app holds one in the platform key store:
    P-256, ECDSA with SHA-256, DER signatures, the public key as a 65-byte SEC1 point."""

    def __init__(self):
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.signatures = []
        self.locked = False

    def public_key(self):
        return self._key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def sign(self, message):
        if self.locked:
            raise SignerError.Failed("the key store is locked")
        signature = self._key.sign(message, ec.ECDSA(hashes.SHA256()))
        self.signatures.append((message, signature))
        return signature

    def verify(self, message, signature):
        try:
            self._key.public_key().verify(signature, message, ec.ECDSA(hashes.SHA256()))
            return True
        except InvalidSignature:
            return False


class Recorder(SyncObserver):
    """Records every sync event it is given."""

    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def on_event(self, event):
        with self.lock:
            self.events.append(event)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


class BindingsTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        if not TESTIGO:
            raise RuntimeError("TESTIGO_BIN must name the testigo binary (bindings/test-python.sh sets it)")
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.close()

    def typed_draft(self, store):
        """A draft of the first station's acta with the photo attached and the QR numbers typed."""
        capture_id = store.new_capture(self.server.station_ids[0], self.server.contest_id)
        store.attach_photo(capture_id, self.server.acta_jpeg)
        qr = store.qr_counts(capture_id)
        self.assertIsNotNone(qr, "the pipeline should read the acta's QR code")
        store.set_counts(capture_id, {**qr.counts, **qr.extra_counts})
        return capture_id

    def test_enroll_capture_seal_sync_receipt_review_wipe_with_a_python_signer(self):
        server = self.server
        directory = server.phone_dir()
        key = secrets.token_bytes(32)
        signer = CryptographySigner()
        store = Store.open(directory, key, signer)
        device = store.device()
        self.assertFalse(device.software_key)
        self.assertEqual(signer.public_key(), device.public_key)

        code = server.enroll_code()
        scanned = parse_enrollment_uri(code["uri"])
        self.assertEqual(code["code"], scanned.code)
        enrollment = store.enroll(server.url, scanned.code)
        self.assertEqual([server.station_ids[0]], enrollment.station_ids)
        [station] = store.stations()
        self.assertEqual(ReportingStatus.NOT_STARTED, station.status)

        capture_id = store.new_capture(server.station_ids[0], server.contest_id)
        photo = store.attach_photo(capture_id, server.acta_jpeg)
        self.assertEqual(sha256_hex(server.acta_jpeg), photo.original_sha256)
        self.assertEqual(photo.sha256, sha256_hex(store.read_photo(photo.sha256)))
        self.assertTrue(store.thumbnail(photo.sha256).startswith(b"\xff\xd8"))
        qr = store.qr_counts(capture_id)
        self.assertEqual(server.acta_qr_payload, store.capture(capture_id).qr_payload)
        self.assertTrue(server.acta_qr_payload.startswith(qr.acta_id))
        store.set_counts(capture_id, {**qr.counts, **qr.extra_counts})
        store.set_notes(capture_id, "acta completa")
        draft = store.capture(capture_id)
        self.assertEqual(CaptureState.DRAFT, draft.state)
        codes = {w.code for w in draft.warnings}
        self.assertNotIn(WarningCode.QR_MISMATCH, codes)
        self.assertNotIn(WarningCode.PHOTO_MISSING, codes)

        signed = store.seal(capture_id)
        message, signature = signer.signatures[-1]
        self.assertEqual(signature, signed.signature)
        self.assertTrue(signer.verify(message, signed.signature))
        self.assertEqual(qr.counts, signed.record.counts)
        self.assertEqual(device.key_id, signed.record.device_key_id)
        kinds = [item.kind for item in store.outbox()]
        self.assertEqual([OutboxKind.RECORD(), OutboxKind.PHOTO(photo.sha256)], kinds)

        recorder = Recorder()
        handle = store.observe_sync(recorder)
        report = store.sync()
        handle.unregister()
        self.assertEqual(SyncOutcome.IDLE(), report.outcome)
        self.assertEqual((1, 1, 0), (report.records_delivered, report.photos_delivered, report.pending))
        self.assertEqual(SyncEvent.STARTED(), recorder.events[0])
        self.assertEqual(SyncEvent.FINISHED(report), recorder.events[-1])
        self.assertEqual(2, sum(1 for e in recorder.events if e.is_ITEM_DELIVERED()))

        receipts = store.receipts(capture_id)
        self.assertEqual(2, len(receipts))
        now = int(time.time() * 1000)
        for stored in receipts:
            receipt = stored.receipt.receipt
            self.assertEqual(capture_id, stored.capture_id)
            self.assertEqual(enrollment.server_key_id, receipt.server_key_id)
            # The enrollment carries the key itself: the receipt is proof anyone can check.
            self.assertEqual(enrollment.server_key_id, hashlib.sha256(bytes(enrollment.server_key)).hexdigest()[:32])
            self.assertTrue(receipt_verifies(stored.receipt, enrollment.server_key))
            self.assertFalse(receipt_verifies(stored.receipt, device.public_key))
            self.assertEqual(device.key_id, receipt.device_key_id)
            self.assertLessEqual(now - 600_000, receipt.received_at_ms)
            self.assertLessEqual(receipt.received_at_ms, now)
        subjects = [r.receipt.receipt.subject for r in receipts]
        [record] = [s for s in subjects if s.is_RECORD()]
        [photo_receipt] = [s for s in subjects if s.is_PHOTO()]
        self.assertEqual(capture_id, record.capture_id)
        self.assertEqual((photo.sha256, photo.size), (photo_receipt.sha256, photo_receipt.size))
        self.assertTrue(all(item.state == OutboxState.DONE for item in store.outbox()))
        self.assertEqual(ReportingStatus.DELIVERED, store.stations()[0].status)

        self.assertIsNone(store.review(capture_id))
        server.review(capture_id, "disputed", "el total no coincide")
        again = store.sync(SyncOptions(ignore_backoff=True, max_duration=timedelta(minutes=1)))
        self.assertEqual(1, again.reviews)
        review = store.review(capture_id)
        self.assertEqual(ReviewStatus.DISPUTED, review.status)
        self.assertEqual("el total no coincide", review.comment)

        store.wipe()
        with self.assertRaises(TestigoError.StoreClosed):
            store.captures()
        self.assertEqual([], os.listdir(directory))
        # The signer is no longer bound to anything there: a new store takes it afresh.
        fresh = Store.open(directory, key, signer)
        self.assertEqual([], fresh.captures())
        self.assertIsNone(fresh.enrollment())

    def test_a_failing_signer_and_observer(self):
        signer = CryptographySigner()
        store = Store.open(self.server.phone_dir(), secrets.token_bytes(32), signer)
        store.enroll(self.server.url, self.server.enroll_code()["code"])
        capture_id = self.typed_draft(store)
        signer.locked = True
        with self.assertRaises(TestigoError.SignerFailed) as failed:
            store.seal(capture_id)
        self.assertIn("locked", str(failed.exception))
        self.assertEqual(CaptureState.DRAFT, store.capture(capture_id).state)
        signer.locked = False
        store.seal(capture_id)

        class Broken(SyncObserver):
            def on_event(self, event):
                raise ValueError("an observer bug")

        handle = store.observe_sync(Broken())
        self.assertEqual(SyncOutcome.IDLE(), store.sync().outcome)
        del handle
        self.assertEqual(0, store.pending_count())

    def test_cancelled_sync(self):
        store = Store.open(self.server.phone_dir(), secrets.token_bytes(32))
        store.enroll(self.server.url, self.server.enroll_code()["code"])
        capture_id = self.typed_draft(store)
        store.seal(capture_id)
        token = CancelToken()
        photo_started = threading.Event()
        canceller = threading.Thread(target=lambda: photo_started.wait(60) and token.cancel())
        canceller.start()

        class CancelAtPhoto(SyncObserver):
            def on_event(self, event):
                if event.is_SENDING() and event.kind.is_PHOTO():
                    photo_started.set()
                    deadline = time.monotonic() + 30
                    while not token.is_cancelled() and time.monotonic() < deadline:
                        time.sleep(0.001)

        handle = store.observe_sync(CancelAtPhoto())
        report = store.sync(None, token)
        handle.unregister()
        canceller.join()
        self.assertEqual(SyncOutcome.CANCELLED(), report.outcome)
        self.assertEqual((1, 0), (report.records_delivered, report.photos_delivered))
        self.assertEqual(1, store.pending_count())
        done = store.sync(SyncOptions(ignore_backoff=True, max_duration=timedelta(minutes=1)), CancelToken())
        self.assertEqual(SyncOutcome.IDLE(), done.outcome)
        self.assertEqual(2, len(store.receipts(capture_id)))

    def test_wrong_key_and_bad_input_are_typed_errors(self):
        directory = self.server.phone_dir()
        key = secrets.token_bytes(32)
        store = Store.open(directory, key)
        with self.assertRaises(TestigoError.StoreInUse):
            Store.open(directory, key)
        with self.assertRaises(TestigoError.NoPackage):
            store.stations()
        store.install_package_json(self.server.package_json)
        capture_id = store.new_capture(self.server.station_ids[0], self.server.contest_id)
        for bad in (secrets.token_bytes(4096), self.server.acta_jpeg[:20_000], b"", b"\xff\xd8\xff"):
            with self.assertRaises(TestigoError.InvalidInput):
                store.attach_photo(capture_id, bad)
        self.assertEqual([], store.capture(capture_id).photos)
        with self.assertRaises(TestigoError.InvalidInput):
            store.set_count(capture_id, "no-such-field", 1)
        with self.assertRaises(TestigoError.InvalidInput):
            store.capture("not-a-uuid")
        with self.assertRaises(TestigoError.InvalidInput):
            store.set_qr_payload(capture_id, "not an acta")
        with self.assertRaises(TestigoError.NotAssigned):
            store.new_capture("no-such-station", self.server.contest_id)
        with self.assertRaises(TestigoError.EnrollmentRefused):
            store.enroll(self.server.url, "AAAA-BBBB-CCCC")
        store.seal(capture_id)
        with self.assertRaises(TestigoError.NotDraft):
            store.set_notes(capture_id, "tarde")
        del store  # closes the store
        with self.assertRaises(TestigoError.WrongKey):
            Store.open(directory, secrets.token_bytes(32))
        with self.assertRaises(TestigoError.InvalidInput):
            Store.open(directory, b"short")
        # A key of zeros (an unset buffer) is not a key.
        with self.assertRaises(TestigoError.InvalidInput):
            Store.open(directory, bytes(32))
        reopened = Store.open(directory, key)
        self.assertEqual(1, len(reopened.captures()))


if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(BindingsTest)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    print(f"python: {result.testsRun - failed - skipped} passed, {failed} failed, {skipped} skipped")
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
