"""Build the matrix's world through the actions (Django must be set up; any database, any data in it)."""

from __future__ import annotations

import importlib
import pkgutil
import secrets

from tests.api.matrix import World

PASSWORD = "matrix-password-2026-correct-horse"
PURPOSE = "Complaint DPA-2026-114 about how this case handled a person's data"
# Planted in the outsider's own case (title, summary, party, note, request subject): no answer to the member,
# the read-only token, the oversight user without a purpose or a revoked token may ever hold it.
MARKER = "Quokkamarker"


def area_modules() -> list:
    import tests.api.matrix as pkg

    out = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name in ("world", "runner"):
            continue
        out.append(importlib.import_module(f"tests.api.matrix.{info.name}"))
    return out


def build(tag: str | None = None) -> World:
    from comity.accounts.actions import do_create_token, do_create_user, do_enrol_totp, do_revoke_token

    tag = tag or secrets.token_hex(3)
    w = World(tag=tag)

    def user(name, role):
        u = do_create_user(username=f"mx-{name}-{tag}", password=PASSWORD, role=role)
        do_enrol_totp(u)
        return u

    w.member, w.outsider, w.overseer = user("member", "supervisor"), user("outsider", "supervisor"), user("dpo", "oversight")
    w.admin, w.colleague = user("admin", "admin"), user("colleague", "caseworker")

    def token(u, scope):
        return do_create_token(u, name=f"matrix {scope}", scope=scope, acting_user=u)

    w.tokens["member"] = token(w.member, "write")[1]
    w.tokens["read_only"] = token(w.member, "read")[1]
    revoked, w.tokens["revoked"] = token(w.member, "write")
    do_revoke_token(revoked, acting_user=w.member)
    w.tokens["outsider"] = token(w.outsider, "write")[1]
    w.tokens["oversight"] = token(w.overseer, "read")[1]
    w.tokens["oversight_write"] = token(w.overseer, "write")[1]
    w.tokens["admin"] = token(w.admin, "write")[1]
    w.tokens["admin_read"] = token(w.admin, "read")[1]
    w.tokens["oversight_read"] = w.tokens["oversight"]
    w.case, w.request = w.fresh_case()
    plant(w)
    for module in area_modules():
        seed = getattr(module, "seed", None)
        if seed is not None:
            seed(w)
    return w


def plant(w: World) -> None:
    """The outsider's case, full of the marker (README.md: a leak is a marker in an answer)."""
    from comity.cases import actions

    case = actions.do_create_case(title=f"{MARKER} matter", summary=f"About {MARKER}", acting_user=w.outsider)
    actions.do_add_entity(case, schema="Person", properties={"name": [f"Ada {MARKER}"]}, acting_user=w.outsider)
    actions.do_add_note(case, text=f"Met {MARKER} today", acting_user=w.outsider)
    actions.do_add_task(case, title=f"Call {MARKER}", acting_user=w.outsider)
    actions.do_create_request(case, kind="mla", direction="incoming", subject=f"Records of {MARKER}",
                              requesting_state="FR", requested_state="IT", acting_user=w.outsider)
    w.extra["marked_case"] = case
