import asyncio
import os

from django.core.management.base import BaseCommand

from console.telephony.asterisk import AsteriskListener, BackoffManager


class Command(BaseCommand):
    help = (
        "Follow an Asterisk's manager interface (AMI) and record its queue calls as call events; "
        "reconnects by itself. The secret comes from ASTERISK_AMI_SECRET."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=5038)
        parser.add_argument("--username", default="console")
        parser.add_argument("--source", help="the calls' source system (default: asterisk:<host>)")

    def handle(self, *args, host: str, port: int, username: str, source: str | None, **options):
        asyncio.run(
            self.listen(
                host=host, port=port, username=username, source=source or f"asterisk:{host}"
            )
        )

    async def listen(self, *, host: str, port: int, username: str, source: str) -> None:
        manager = BackoffManager(
            host=host,
            port=port,
            username=username,
            secret=os.environ.get("ASTERISK_AMI_SECRET", ""),
            loop=asyncio.get_running_loop(),
        )
        listener = AsteriskListener(manager=manager, source=source)
        manager.connect()
        self.stderr.write(f"Listening to {host}:{port} as {source}.")
        try:
            await listener.record_forever()
        finally:
            manager.close()
