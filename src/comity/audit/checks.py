"""System checks for the audit log's signing key (registered by comity.audit.apps).

The key that signs tree heads should not sit beside the database: whoever copies the data folder could
then rewrite the log and re-sign it (only a witness catches that, see docs/operations.md). With
COMITY_REQUIRE_EXTERNAL_LEDGER_KEY=1 a key file inside the data folder is an error, so `comity check`,
`manage.py check`/`runserver` and every management command that runs the checks refuse to go on; signing
refuses too (comity.audit.ledger.private_key). Without it, `check --deploy` warns.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

HINT = ("Move the key out of the data folder and name it with COMITY_LEDGER_KEY=/path/outside/ledger_key.pem, "
        "or give the PEM itself in COMITY_LEDGER_KEY_PEM (docs/operations.md, \"Witnessing the audit log\").")


def _problem():
    """(message, hint, is_error) about where the ledger key is, or None when all is well."""
    from comity.audit import ledger
    from comity.ledger import LedgerError

    try:
        inside = ledger.key_inside_data_folder()
    except LedgerError as exc:  # both variables set, or a PKCS#11 URI
        return f"The audit log's signing key is misconfigured: {exc}", "See docs/operations.md.", True
    if inside is None:
        return None
    message = (f"The audit log's signing key {inside} is inside the data folder {settings.DATA_DIR}: whoever holds "
               "the folder can rewrite the log and re-sign it")
    return message, HINT, ledger.external_key_required()


@checks.register(checks.Tags.security)
def ledger_key_location(app_configs=None, **kwargs):
    """Error when COMITY_REQUIRE_EXTERNAL_LEDGER_KEY=1 and the key file is inside the data folder (or the
    key settings contradict each other)."""
    found = _problem()
    if found is None or not found[2]:
        return []
    message, hint, _ = found
    return [checks.Error(message + " (COMITY_REQUIRE_EXTERNAL_LEDGER_KEY=1)", hint=hint, id="audit.E001")]


@checks.register(checks.Tags.security, deploy=True)
def ledger_key_location_deploy(app_configs=None, **kwargs):
    """A warning for `check --deploy` when the key sits in the data folder and nothing requires otherwise."""
    found = _problem()
    if found is None or found[2]:
        return []
    message, hint, _ = found
    return [checks.Warning(message, hint=hint, id="audit.W001")]
