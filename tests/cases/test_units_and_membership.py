"""Units: supervisors see their unit's cases and join them with a stated reason; creators invite colleagues of
their unit; everyone else still gets the 404 of a case that does not exist."""

import json

import pytest

from comity.audit.models import AuditEvent
from comity.cases import actions
from comity.cases.models import CaseMembership
from comity.errors import InvalidInput, NotAllowed, NotFound


@pytest.fixture
def team(unit, other_unit, in_unit):
    return {"cw": in_unit("caseworker", unit, "c.diallo"), "colleague": in_unit("caseworker", unit, "a.mensah"),
            "sup": in_unit("supervisor", unit, "s.martin"), "pros": in_unit("prosecutor", unit, "p.okafor"),
            "other_sup": in_unit("supervisor", other_unit, "x.other"),
            "stranger": in_unit("caseworker", other_unit, "y.stranger")}


@pytest.fixture
def unit_case(team):
    return actions.do_create_case(title="Operation Nightjar: ivory trafficking", acting_user=team["cw"])


def test_a_case_belongs_to_its_creators_unit(unit_case, unit):
    assert unit_case.unit == unit
    ev = AuditEvent.objects.get(event_type="case.created", case_id=unit_case.pk)
    assert ev.new_values["unit"] == unit.pk


def test_supervisor_of_the_unit_sees_the_case_listed_without_its_title_and_joins_it(login, team, unit_case):
    c = login(team["sup"])
    html = c.get("/cases/").content.decode()
    row = html.split(f'data-case="{unit_case.reference}"')[1].split("</tr>")[0]
    assert "Join" in row and unit_case.title not in html  # the title is for members only
    assert c.get("/cases/?scope=mine").context["page"].paginator.count == 0
    # Opening the case offers to join instead of "Not Found".
    resp = c.get(f"/cases/{unit_case.pk}/")
    assert resp.status_code == 302 and resp["Location"].endswith(f"/cases/{unit_case.pk}/join/")
    page = c.get(f"/cases/{unit_case.pk}/join/").content.decode()
    assert unit_case.reference in page and unit_case.title not in page
    # A reason too short is refused, naming the field as the page shows it, and keeping what was typed.
    short = c.post(f"/cases/{unit_case.pk}/join/", {"reason": "check"})
    assert short.status_code == 400
    assert "at least 10 characters" in short.context["form"].errors["reason"][0]
    assert "Why you join the case" in short.content.decode() and "\ncheck</textarea>" in short.content.decode()
    assert not actions.is_member(unit_case, team["sup"])
    reason = "Reviewing the unit's ivory cases before the monthly meeting"
    resp = c.post(f"/cases/{unit_case.pk}/join/", {"reason": reason})
    assert resp.status_code == 302 and resp["Location"].endswith(f"/cases/{unit_case.pk}/")
    m = CaseMembership.objects.get(case=unit_case, user=team["sup"], revoked_at__isnull=True)
    assert m.basis == "joined" and m.reason == reason
    assert unit_case.title in c.get(f"/cases/{unit_case.pk}/").content.decode()
    ev = AuditEvent.objects.get(event_type="case.joined", case_id=unit_case.pk)
    assert ev.actor == team["sup"] and ev.new_values["basis"] == "joined" and ev.new_values["reason_given"] is True
    assert reason not in json.dumps([ev.new_values, ev.old_values])  # free text stays out of the permanent log


@pytest.mark.parametrize("who", ["other_sup", "stranger", "colleague"])
def test_others_still_get_404(login, team, unit_case, who):
    c = login(team[who])
    assert c.get(f"/cases/{unit_case.pk}/").status_code == 404
    assert c.get(f"/cases/{unit_case.pk}/join/").status_code == 404
    assert c.post(f"/cases/{unit_case.pk}/join/", {"reason": "I would like to see it please"}).status_code == 404
    assert unit_case.reference not in c.get("/cases/").content.decode()
    with pytest.raises(NotFound):
        actions.do_join_case(unit_case, reason="I would like to see it please", acting_user=team[who])
    assert not actions.is_member(unit_case, team[who])


def test_supervisor_without_a_unit_sees_no_unitless_case(login, supervisor, caseworker):
    mine = actions.do_create_case(title="No unit here", acting_user=caseworker)
    assert mine.unit is None
    assert login(supervisor).get(f"/cases/{mine.pk}/").status_code == 404


def test_creator_invites_a_colleague_of_their_unit_and_may_remove_them(login, team, unit_case):
    c = login(team["cw"])
    page = c.get(f"/cases/{unit_case.pk}/").content.decode()
    assert 'id="invite"' in page and '<option value="a.mensah">' in page and "x.other" not in page
    resp = c.post(f"/cases/{unit_case.pk}/members/grant/", {"username": "a.mensah"})
    assert resp.status_code == 302
    m = CaseMembership.objects.get(case=unit_case, user=team["colleague"], revoked_at__isnull=True)
    assert m.basis == "invited" and m.granted_by == team["cw"]
    ev = AuditEvent.objects.filter(event_type="case.membership_granted", case_id=unit_case.pk).last()
    assert ev.actor == team["cw"] and ev.new_values == {"user": "a.mensah", "basis": "invited"}
    # Someone outside the unit: refused, the reason names the colleague field, nothing granted.
    resp = c.post(f"/cases/{unit_case.pk}/members/grant/", {"username": "y.stranger"})
    assert resp.status_code == 400
    assert "not in your unit" in resp.context["membership_form"].errors["username"][0]
    assert 'value="y.stranger"' in resp.content.decode()  # what was typed is kept
    assert "Colleague (username): y.stranger is not in your unit" in resp.content.decode()
    assert not actions.is_member(unit_case, team["stranger"])
    # The creator may take back an invitation they made.
    c.post(f"/cases/{unit_case.pk}/members/revoke/", {"username": "a.mensah"})
    assert not actions.is_member(unit_case, team["colleague"])


def test_a_member_who_did_not_open_the_case_cannot_invite(team, unit_case):
    actions.do_grant_membership(unit_case, team["colleague"], acting_user=team["cw"])
    with pytest.raises(NotAllowed) as e:
        actions.do_grant_membership(unit_case, team["pros"], acting_user=team["colleague"])
    assert "Only a supervisor may grant access" in str(e.value)
    with pytest.raises(NotAllowed):
        actions.do_revoke_membership(unit_case, team["cw"], acting_user=team["colleague"])


def test_joining_twice_or_without_reason_is_refused(team, unit_case):
    with pytest.raises(InvalidInput) as e:
        actions.do_join_case(unit_case, reason="", acting_user=team["sup"])
    assert "reason" in e.value.errors
    actions.do_join_case(unit_case, reason="Supervision of the unit's cases", acting_user=team["sup"])
    with pytest.raises(InvalidInput) as e:
        actions.do_join_case(unit_case, reason="Supervision of the unit's cases", acting_user=team["sup"])
    assert "already a member" in e.value.errors["case"]


def test_administrator_defines_units_and_puts_users_in_them(login, make_user, team, unit, other_unit):
    admin = make_user("admin", "root")
    c = login(admin)
    page = c.get("/admin/users/").content.decode()
    assert "Central Authority, International Cooperation Unit" in page and 'id="new-unit"' in page
    resp = c.post("/admin/units/", {"name": "Police cooperation desk"})
    assert resp.status_code == 302
    dup = c.post("/admin/units/", {"name": "police cooperation desk"})
    assert dup.status_code == 400 and "exists already" in dup.context["unit_form"].errors["name"][0]
    from comity.accounts.models import Unit

    desk = Unit.objects.get(name="Police cooperation desk")
    c.post(f"/admin/users/{team['stranger'].pk}/unit/", {"unit": desk.pk})
    team["stranger"].refresh_from_db()
    assert team["stranger"].unit == desk
    ev = AuditEvent.objects.filter(event_type="account.unit_set").last()
    assert ev.old_values == {"unit": other_unit.pk} and ev.new_values["unit"] == desk.pk and ev.actor == admin
    # Others do not reach the users page.
    assert login(team["sup"]).post(f"/admin/users/{team['stranger'].pk}/unit/", {"unit": ""}).status_code == 404
    team["stranger"].refresh_from_db()
    assert team["stranger"].unit == desk


def test_new_account_can_be_given_a_unit(login, make_user, unit):
    admin = make_user("admin", "root")
    resp = login(admin).post("/admin/users/", {"username": "n.new", "role": "caseworker", "unit": unit.pk,
                                               "password": "correct-horse-battery-42"})
    assert resp.status_code == 302
    from comity.accounts.models import User

    assert User.objects.get(username="n.new").unit == unit
