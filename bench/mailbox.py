"""A local SMTP server (aiosmtpd) that keeps what it receives: for each message the time it
arrived and its Message-ID (receipts.tsv, a line each, written as it arrives), and the message
with its envelope (messages.bin), so that the same messages can be sent again.

    python -m bench.mailbox PORT DIRECTORY      (stops on SIGTERM)
"""

import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, directory: Path) -> None:
        self.receipts = (directory / "receipts.tsv").open("a", buffering=1)  # a line at a time
        self.messages = (directory / "messages.bin").open("ab")
        self.headers = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope) -> str:
        arrived = time.time()
        content = envelope.original_content or envelope.content
        message_id = (self.headers.parsebytes(content).get("Message-ID") or "").strip()
        heading = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "size": len(content)}
        self.messages.write(json.dumps(heading).encode() + b"\n" + content)
        self.receipts.write(f"{arrived:.6f}\t{message_id}\n")
        return "250 OK"

    def close(self) -> None:
        self.receipts.close()
        self.messages.close()


def receipts(directory: Path) -> list[tuple[float, str]]:
    """(time of arrival, Message-ID) of every message received so far."""
    path = directory / "receipts.tsv"
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [(float(arrived), message_id) for arrived, _, message_id in (line.partition("\t") for line in lines)]


def received_count(directory: Path) -> int:
    path = directory / "receipts.tsv"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def messages(directory: Path) -> Iterator[tuple[str, list[str], bytes]]:
    """(sender, recipients, message) of every message received, in the order they came."""
    with (directory / "messages.bin").open("rb") as stored:
        while heading := stored.readline():
            envelope = json.loads(heading)
            yield envelope["from"], envelope["to"], stored.read(envelope["size"])


def main() -> None:
    port, directory = int(sys.argv[1]), Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    recorder = Recorder(directory)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        controller.stop()
        recorder.close()


if __name__ == "__main__":
    main()
