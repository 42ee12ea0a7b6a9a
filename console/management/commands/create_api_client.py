from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from console.integrations.clients import create_api_client
from console.integrations.models import ApiScope


class Command(BaseCommand):
    help = "Create an integration client; its key is printed once, on the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--scopes", required=True, help=f"comma-separated: {','.join(ApiScope.values)}"
        )

    def handle(self, *args, name: str, scopes: str, **options):
        try:
            issued = create_api_client(
                name=name, scopes=[s.strip() for s in scopes.split(",") if s.strip()]
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        except IntegrityError as error:
            raise CommandError(f"an API client named {name!r} already exists") from error
        self.stderr.write(
            f"Created API client {name!r} with scopes {', '.join(issued.client.scopes)}."
        )
        self.stderr.write("Store the key now: it is not shown again.")
        self.stdout.write(issued.key)
