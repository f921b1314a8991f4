"""Evidence tests run with their own data folder: master key, evidence store and local TSA in tmp_path."""

import io

import pytest


@pytest.fixture
def evidence_env(settings, tmp_path, monkeypatch):
    from comity.evidence import keys

    monkeypatch.delenv("COMITY_MASTER_KEY", raising=False)
    monkeypatch.delenv("COMITY_MASTER_KEYS_RETIRED", raising=False)
    monkeypatch.delenv("COMITY_TSA_URL", raising=False)
    settings.DATA_DIR = tmp_path
    settings.COMITY_EVIDENCE_DIR = tmp_path / "evidence"
    settings.COMITY_TSA_URL = ""
    keys.init_master_key()
    return tmp_path


@pytest.fixture
def colleague(make_user, case, supervisor):
    from comity.cases import actions

    user = make_user("prosecutor", "pros")
    actions.do_grant_membership(case, user, acting_user=supervisor)
    return user


@pytest.fixture
def register(evidence_env, case, caseworker):
    from comity.evidence import actions

    def reg(content=b"bank statements 2024\n" * 1000, name="statements.csv", user=None, **kw):
        fields = dict(kind="digital", title="Bank statements", date_obtained="2026-01-15", providing_state="FR",
                      providing_authority="Parquet national financier", legal_basis="CETS-030 Art 3")
        fields.update(kw)
        upload = RawUpload(name, content) if fields["kind"] == "digital" and "source_path" not in kw else None
        return actions.do_register_evidence(case, upload=upload, acting_user=user or caseworker, **fields)

    return reg


def stored_files(root):
    return sorted(p.name for p in (root / "evidence").rglob("*") if p.is_file()) if (root / "evidence").exists() else []


class RawUpload(io.BytesIO):
    """An upload exactly as a client named it (Django's own classes strip directories from names)."""

    def __init__(self, name, content, content_type="application/octet-stream"):
        super().__init__(content)
        self.name, self.size, self.content_type = name, len(content), content_type
