"""A local SMTP sink for development: every mail is saved as an .eml file and logged in one line."""

from __future__ import annotations

import argparse
import email
import email.policy
import sys
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class SaveToFolder:
    """An aiosmtpd handler that writes each message to a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Save the message and acknowledge it."""
        content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        name = self.folder / f"{time.time_ns()}.eml"
        name.write_bytes(content)
        message = email.message_from_bytes(content, policy=email.policy.default)
        print(f"mail from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)}: "
              f"{message['subject']} -> {name.name}", flush=True)
        return "250 Message accepted for delivery"


def main() -> int:
    """Run the sink until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m dev.mailsink")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", default=".data/mail")
    args = parser.parse_args()
    controller = Controller(SaveToFolder(Path(args.dir)), hostname=args.host, port=args.port)
    controller.start()
    print(f"SMTP sink on {args.host}:{args.port}, saving to {args.dir}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
