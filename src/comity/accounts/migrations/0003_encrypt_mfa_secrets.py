"""Second-factor secrets stored in clear by earlier versions (TOTP secrets, recovery-code seeds and any
migrated codes in allauth's `mfa_authenticator.data`) encrypted with the MFA key
(comity.accounts.mfa_adapter). Values already encrypted are left as they are, so it can run twice."""

from django.db import migrations


def _fields(data: dict):
    """The secret values of one authenticator's data: (key, index or None)."""
    for name in ("secret", "seed"):
        if isinstance(data.get(name), str):
            yield name, None
    for i, code in enumerate(data.get("migrated_codes") or []):
        if isinstance(code, str):
            yield "migrated_codes", i


def _convert(apps, change):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for auth in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]).order_by("pk").iterator():
        data = dict(auth.data or {})
        changed = False
        for name, index in _fields(data):
            if index is None:
                new = change(data[name])
                changed |= new != data[name]
                data[name] = new
            else:
                codes = list(data[name])
                new = change(codes[index])
                changed |= new != codes[index]
                codes[index] = new
                data[name] = codes
        if changed:
            Authenticator.objects.filter(pk=auth.pk).update(data=data)


def encrypt_secrets(apps, schema_editor):
    from comity.accounts.mfa_adapter import encrypt_secret, is_encrypted

    _convert(apps, lambda v: v if is_encrypted(v) else encrypt_secret(v))


def decrypt_secrets(apps, schema_editor):
    from comity.accounts.mfa_adapter import decrypt_secret, is_encrypted

    _convert(apps, lambda v: decrypt_secret(v) if is_encrypted(v) else v)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_unit_user_unit"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
