"""Every change the oversight app makes goes through a function here, and so do the reads of personal
data it serves (the console's searches, redress matters, sealed identities), which are logged.

Each action validates first (InvalidInput with a reason per field, nothing stored half-way), runs in
one transaction that writes its audit event through comity.audit.record, and deletes files only after
the transaction commits.

One module per sub-domain; this package re-exports their public names, so callers keep writing
``from comity.oversight import actions; actions.do_dispose_case(...)``:

    console.py    event filters, search of the audit log, logging of console reads
    reports.py    the signed oversight report, inclusion proofs against a signed tree head
    redress.py    redress matters and their regime's clock (the period: comity.law.redress)
    retention.py  retention (the period: comity.law.retention), undertakings, disposal, disposal certificates
    protected.py  protected persons and four-eyes unsealing
    _common.py    validation helpers shared by them
"""

from comity.law.redress import RedressClock, redress_clock
from comity.law.retention import Retention, compute_retention
from comity.oversight.actions._common import MIN_PURPOSE
from comity.oversight.actions.console import (
                                              CONSOLE_ROLES,
                                              FILTER_FIELDS,
                                              PAGE_SIZE,
                                              EventFilters,
                                              case_references,
                                              do_record_console_access,
                                              parse_filters,
                                              require_console,
                                              search_events,
)
from comity.oversight.actions.protected import (
                                              PROTECTION_ROLES,
                                              do_decide_unsealing,
                                              do_register_protected_person,
                                              do_request_unsealing,
                                              do_view_sealed_identity,
                                              protected_person_for,
                                              unseal_view_seconds,
                                              unsealing_request_for,
)
from comity.oversight.actions.redress import (
                                              REDRESS_DECIDERS,
                                              REDRESS_FILERS,
                                              REDRESS_READERS,
                                              do_decide_redress,
                                              do_extend_redress,
                                              do_file_redress,
                                              do_record_redress_access,
                                              do_record_redress_list_access,
                                              may_decide,
                                              redress_matter_for,
                                              redress_visible_to,
)
from comity.oversight.actions.reports import (
                                              REPORT_CONTEXT,
                                              REPORT_MAX_EVENTS,
                                              Report,
                                              check_against_head,
                                              do_export_report,
)
from comity.oversight.actions.retention import (
                                              CERTIFICATE_CONTEXT,
                                              DISPOSED,
                                              cases_due_for_review,
                                              certificate_body,
                                              disposal_for,
                                              do_dispose_case,
                                              do_record_undertaking,
                                              providing_states,
                                              retention_for,
                                              retention_for_cases,
                                              sign_certificate,
)

__all__ = [
    "CERTIFICATE_CONTEXT", "CONSOLE_ROLES", "DISPOSED", "FILTER_FIELDS", "MIN_PURPOSE", "PAGE_SIZE",
    "PROTECTION_ROLES", "REDRESS_DECIDERS", "REDRESS_FILERS", "REDRESS_READERS", "REPORT_CONTEXT",
    "REPORT_MAX_EVENTS", "EventFilters", "RedressClock", "Report", "Retention", "case_references",
    "cases_due_for_review", "certificate_body", "check_against_head", "compute_retention", "disposal_for",
    "do_decide_redress", "do_decide_unsealing", "do_dispose_case", "do_export_report", "do_extend_redress",
    "do_file_redress", "do_record_console_access", "do_record_redress_access", "do_record_undertaking",
    "do_register_protected_person", "do_request_unsealing", "do_view_sealed_identity", "parse_filters",
    "protected_person_for", "providing_states", "redress_clock", "redress_matter_for", "require_console",
    "retention_for", "retention_for_cases", "search_events", "sign_certificate", "unseal_view_seconds",
    "unsealing_request_for",
    # redress compartments (docs/security/redress.md)
    "do_record_redress_list_access", "may_decide", "redress_visible_to",
]
