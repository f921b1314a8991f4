"""Case documents encrypted at rest (comity.cases.storage): the field's storage, and the files stored in
clear by earlier versions encrypted in place (a file whose bytes no longer match the SHA-256 recorded at
upload is left as it is and refused when opened; `comity check` reports files still in clear)."""

from django.conf import settings
from django.db import migrations, models

import comity.cases.models
import comity.cases.storage


def encrypt_existing(apps, schema_editor):
    from comity.cases.storage import encrypt_files

    Document = apps.get_model("cases", "Document")
    rows = Document.objects.exclude(file="").values_list("file", "sha256").order_by("pk")
    if not rows.exists():
        return
    counts = encrypt_files(rows.iterator(), media_root=settings.MEDIA_ROOT)
    if counts["encrypted"] or counts["mismatched"] or counts["missing"]:
        print(f"\n  Case documents encrypted at rest: {counts['encrypted']} encrypted, {counts['already']} already, "
              f"{counts['mismatched']} left in clear (bytes differ from the recorded SHA-256), "
              f"{counts['missing']} missing.")


def decrypt_existing(apps, schema_editor):
    """Back to files in clear, as the earlier version reads them."""
    import os
    from pathlib import Path

    from comity.cases.storage import EncryptedFileSystemStorage, is_encrypted

    Document = apps.get_model("cases", "Document")
    storage = EncryptedFileSystemStorage()
    for name in Document.objects.exclude(file="").values_list("file", flat=True).iterator():
        path = Path(settings.MEDIA_ROOT) / name
        if not path.is_file() or not is_encrypted(path):
            continue
        part = path.with_name(f".{path.name}.decrypting")
        with storage.open(name) as src, open(part, "wb") as dst:
            dst.writelines(src.chunks())
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(part, path)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_units_approvals_revisions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="document",
            name="file",
            field=models.FileField(storage=comity.cases.storage.EncryptedFileSystemStorage(),
                                   upload_to=comity.cases.models.document_path),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
