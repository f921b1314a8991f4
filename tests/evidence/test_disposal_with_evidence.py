"""A case whose evidence is still in custody cannot be disposed of: exhibits leave through their own
signed chain of custody (returned or disposed), not through a case disposal."""


import pytest
from django.utils import timezone

from comity.cases import actions as case_actions
from comity.errors import InvalidInput
from comity.evidence import actions as evidence_actions
from comity.oversight import actions as oversight_actions


def test_disposal_waits_until_the_evidence_has_left_custody(register, case, supervisor, caseworker):
    item = register()
    case_actions.do_close_case(case, reason="Proceedings ended", acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        oversight_actions.do_dispose_case(case, reason="Retention period over, proceedings ended",
                                          acting_user=supervisor, confirm_early=True)
    assert "still in custody" in e.value.errors["case"]
    evidence_actions.do_record_custody_event(item, kind="returned", at=timezone.now(),
                                             place="Central Authority, Rome", reason="Returned to the providing State",
                                             acting_user=caseworker, to_party="Parquet national financier")
    disposal = oversight_actions.do_dispose_case(case, reason="Retention period over, proceedings ended",
                                                 acting_user=supervisor, confirm_early=True)
    assert disposal.pk
