"""Rotate the evidence master key: re-wrap every data key under a new (or the configured) master key."""
from django.core.management.base import BaseCommand, CommandError

from comity.accounts.models import User
from comity.errors import InvalidInput, NotAllowed
from comity.evidence import actions, keys


class Command(BaseCommand):
    help = "Re-wrap every evidence data key under a new master key (files are not re-encrypted)."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="administrator performing the rotation")
        parser.add_argument("--drop-retired", action="store_true", help="remove old keys from the keyring file after")

    def handle(self, *args, username, drop_retired, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        try:
            result = actions.do_rotate_master_key(acting_user=user, generate=not keys.uses_env(), via="cli")
        except (InvalidInput, NotAllowed) as exc:
            raise CommandError(str(exc)) from None
        if drop_retired:
            keys.drop_retired_keys()
        self.stdout.write(f"Re-wrapped under master key {result['key_id']}: {result}")
