"""Start-up checks: a missing font, template or data file is a clear error when the server starts
(`manage.py check`, `runserver`, `migrate`), not a broken document later."""

from __future__ import annotations

import shutil
import subprocess

from django.core import checks as dj_checks

from comity.builder import render

REQUIRED_TEMPLATES = (render.PDF_TEMPLATE,)
DATA_FILES = ("measures", "fields", "requirements", "channels", "labels")


def installed_font_families() -> set[str] | None:
    """Font families fontconfig knows (what WeasyPrint uses), or None when fc-list is missing."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    out = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, timeout=20).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",")}


@dj_checks.register(dj_checks.Tags.templates)
def check_documents(app_configs=None, **kwargs):
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    from comity.builder import checks

    errors = []
    for name in REQUIRED_TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            errors.append(dj_checks.Error(f"request builder template {name!r} is missing",
                                          hint="reinstall comity (src/comity/builder/templates)", id="builder.E001"))
    families = installed_font_families()
    if families is None:
        errors.append(dj_checks.Error("fontconfig (fc-list) is not installed, so PDF fonts cannot be found",
                                      hint="run scripts/setup-system.sh --documents", id="builder.E002"))
    else:
        for family in render.FONT_FAMILIES:
            if family not in families:
                errors.append(dj_checks.Error(f"font {family!r} is not installed: generated requests would not "
                                              "print names in every script",
                                              hint="run scripts/setup-system.sh --documents (Debian fonts-noto-core, "
                                                   "fonts-noto-cjk)", id="builder.E003"))
    for name in DATA_FILES:
        try:
            checks.load(name)
        except Exception as e:  # noqa: BLE001  (any failure to read the data is the message)
            errors.append(dj_checks.Error(f"request builder data {name}.yaml cannot be read: {e}", id="builder.E004"))
    return errors
