"""Create the evidence master key (DATA_DIR/evidence_master.keys) once: the explicit init step."""
from django.core.management.base import BaseCommand, CommandError

from comity.evidence import keys
from comity.evidence.actions import do_init_master_key


class Command(BaseCommand):
    help = "Create the evidence master key in the data folder (refuses to overwrite an existing one)."

    def handle(self, *args, **options):
        if keys.uses_env():
            raise CommandError(f"{keys.ENV_KEY} is set; the key comes from the environment, nothing to create.")
        try:
            path = do_init_master_key(via="cli")
        except FileExistsError:
            raise CommandError(f"{keys.keyring_path()} already exists; it was not changed.") from None
        self.stdout.write(f"Created {path} (mode 0600). Back it up: without it no evidence can be decrypted.")
