"""The demonstration workspace: fictional cases across many country pairs and every request kind, with
every capability in use (evidence and its chain of custody, request-builder drafts, saved assessments,
redress matters, a protected witness, retention, overdue legal clocks) and something to do for each
demonstration account when it signs in.

Every person, company and account here is invented. Everything is written through the actions, so the
demonstration has the same audit trail as real work.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from comity.accounts.actions import do_create_unit, do_create_user, do_issue_enrolment_code
from comity.accounts.models import Role, Unit, User
from comity.assessments.actions import do_save_assessment
from comity.builder import actions as builder
from comity.cases import actions
from comity.cases.models import Case
from comity.evidence import actions as evidence
from comity.evidence import keys as evidence_keys
from comity.oversight import actions as oversight


def _random_password() -> str:
    """Four groups of four letters and digits (about 80 bits), checked against the password rules."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    while True:
        password = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
        try:
            validate_password(password)
            return password
        except ValidationError:  # pragma: no cover - a random draw that looks like a word or a run
            continue


# Drawn afresh by each process that loads the demonstration (never a constant: a demonstration instance
# reachable by others must not open with a password anyone can read here). Printed once, when the accounts
# are created, with each account's one-time enrolment code: the password alone does not set up a second
# factor (comity.accounts.middleware).
DEMO_PASSWORD = _random_password()
DEMO_ENROLMENT_HOURS = 24 * 30  # the demonstration may be opened weeks after it was loaded
CENTRAL_AUTHORITY = "Central Authority, International Cooperation Unit"
PROSECUTION = "Public Prosecution Service, Economic Crime"
# (username, role, first name, last name, organisation, unit): counsel and the oversight body belong to no unit.
DEMO_USERS = [
    ("s.martin", Role.SUPERVISOR, "Sophie", "Martin", CENTRAL_AUTHORITY, CENTRAL_AUTHORITY),
    ("c.diallo", Role.CASEWORKER, "Cheikh", "Diallo", CENTRAL_AUTHORITY, CENTRAL_AUTHORITY),
    ("p.okafor", Role.PROSECUTOR, "Patience", "Okafor", PROSECUTION, PROSECUTION),
    ("d.novak", Role.DEFENCE, "Daria", "Novak", "Novak & Partners (defence counsel)", None),
    ("o.lindqvist", Role.OVERSIGHT, "Olof", "Lindqvist", "Data Protection Supervisory Authority", None),
]
# The demonstration's histories were "sent before Comity was in use": their steps are recorded without a
# builder draft, which the lifecycle allows a decider only with a stated reason (kept with the step).
HISTORY_OVERRIDE = "Recorded from the paper file: this step was taken before the request was drafted in Comity."

# (title, summary, entities, requests). Each request: kind, direction, requesting, requested, subject,
# legal basis text, instrument id, urgency, steps [(transition, days ago)], notice_action.
CASES = [
    ("Operation Harbour Lights: cocaine importation via Algeciras",
     "Organised importation of cocaine concealed in fruit containers. Suspect arrested in Spain on a European arrest warrant.",
     [("Person", {"name": "Marc-Antoine Verdier (fictional)", "birthDate": "1984-03-11", "nationality": "fr"}, "suspect")],
     [("extradition", "outgoing", "FR", "ES", "Surrender of M.-A. Verdier for prosecution (drug trafficking)",
       "Framework Decision 2002/584/JHA", "EU-EAW", "very_urgent",
       [("request_provisional_arrest", 14), ("record_provisional_arrest", 12)], "")]),
    ("Müller-Kowalski investment fraud",
     "Ponzi scheme sold to pensioners in Germany; proceeds moved to Polish accounts.",
     [("Person", {"name": "Jan Kowalczyk-Baum (fictional)", "nationality": "pl"}, "suspect"),
      ("BankAccount", {"iban": "PL61109010140000071219812874", "bankName": "Fictional Bank Polska"}, "account used")],
     [("mla", "outgoing", "DE", "PL", "Bank records for accounts held by J. Kowalczyk-Baum, 2021-2024",
       "Directive 2014/41/EU (EIO)", "EU-EIO", "normal", [("approve", 40), ("send", 38)], ""),
      ("extradition", "outgoing", "DE", "PL", "Surrender of J. Kowalczyk-Baum (fraud)",
       "Framework Decision 2002/584/JHA", "EU-EAW", "urgent", [], "")]),
    ("Thames Valley cyber-extortion",
     "Ransomware attack on a hospital trust; suspect located in the United States.",
     [("Person", {"name": "Kyle Brandon Ashcroft (fictional)", "nationality": "us"}, "suspect")],
     [("extradition", "outgoing", "GB", "US", "Extradition of K. B. Ashcroft (computer misuse, blackmail)",
       "UK-US Extradition Treaty 2003", "bilateral:GB-US:2003", "normal",
       [("submit_formal_request", 70), ("record_proceedings", 50)], "")]),
    ("Costa del Sol timeshare fraud",
     "British nationals defrauded through fictitious timeshare resales; suspect in Spain.",
     [("Person", {"name": "Graham Petherick (fictional)", "nationality": "gb"}, "suspect")],
     [("extradition", "outgoing", "GB", "ES", "Arrest warrant for G. Petherick (fraud by false representation)",
       "EU-UK Trade and Cooperation Agreement, Part Three Title VII", "EU-UK-TCA", "normal",
       [("submit_formal_request", 20)], "")]),
    ("Sinaloa supply-chain laundering (incoming)",
     "Mexico asks for records of US money-service businesses used to move proceeds.",
     [("Company", {"name": "Rio Bravo Remesas LLC (fictional)", "country": "us"}, "money service business")],
     [("mla", "incoming", "MX", "US", "Records of Rio Bravo Remesas LLC, 2022-2023",
       "Mexico-US Mutual Legal Assistance Treaty 1987", "bilateral:MX-US:1987", "normal",
       [("start_assessment", 25)], "")]),
    ("Lisbon property laundering",
     "Brazilian public contracts kickbacks invested in Lisbon apartments.",
     [("Person", {"name": "Heitor Vasconcelos Lima (fictional)", "nationality": "br"}, "suspect"),
      ("RealEstate", {"name": "Apartment, Rua Fictícia 12, Lisboa", "country": "pt"}, "asset")],
     [("asset_recovery", "outgoing", "BR", "PT", "Freezing of an apartment bought with proceeds of corruption",
       "UNCAC Art 54-55", "UNCAC", "urgent", [("send", 60), ("record_freezing", 30)], "")]),
    ("Antwerp–Rotterdam port corruption",
     "Dock workers bribed to release containers; Belgian evidence needed in a Dutch case.",
     [("Person", {"name": "Ruud Verhoeven (fictional)", "nationality": "nl"}, "suspect")],
     [("mla", "incoming", "NL", "BE", "Search of premises and seizure of phones in Antwerp",
       "Directive 2014/41/EU (EIO)", "EU-EIO", "urgent", [("start_assessment", 35)], "")]),
    ("Lugano art-dealer VAT fraud",
     "Italian prosecutors seek a dealer resident in Switzerland.",
     [("Person", {"name": "Ottavio Zanardelli (fictional)", "nationality": "it"}, "suspect")],
     [("extradition", "outgoing", "IT", "CH", "Extradition of O. Zanardelli (aggravated fraud)",
       "European Convention on Extradition 1957", "CETS-024", "normal",
       [("request_provisional_arrest", 30), ("record_provisional_arrest", 21)], "")]),
    ("Vancouver fentanyl precursors",
     "Canadian investigation into precursor imports; records needed from the US.",
     [("Company", {"name": "Northshore Chemical Trading Ltd (fictional)", "country": "ca"}, "importer")],
     [("mla", "outgoing", "CA", "US", "Shipping and payment records of Northshore Chemical Trading",
       "Canada-US Treaty on Mutual Legal Assistance 1985", "bilateral:CA-US:1985", "normal",
       [("approve", 100), ("send", 95)], "")]),
    ("Tokyo crypto-exchange hack",
     "Stolen virtual assets traced to wallets controlled from the US.",
     [("CryptoWallet", {"cryptoAddress": "bc1qfictional0000000000000000000000000", "currencySymbol": "BTC"}, "wallet")],
     [("mla", "outgoing", "JP", "US", "Subscriber and transaction data of exchange accounts",
       "Japan-US Mutual Legal Assistance Treaty 2003", "bilateral:JP-US:2003", "urgent",
       [("approve", 15), ("send", 14), ("record_acknowledgement", 5)], "")]),
    ("Dubai gold smuggling",
     "Indian customs case; suspect resides in the United Arab Emirates.",
     [("Person", {"name": "Rakesh Menon-Pillai (fictional)", "nationality": "in"}, "suspect")],
     [("extradition", "outgoing", "IN", "AE", "Extradition of R. Menon-Pillai (smuggling, laundering)",
       "India-UAE Extradition Treaty 1999", "bilateral:AE-IN:1999", "normal", [("submit_formal_request", 45)], "")]),
    ("Buenos Aires kidnapping ring",
     "Argentina asks Spain to hear a witness by videoconference.",
     [("Person", {"name": "Witness W-7 (pseudonym)"}, "protected witness")],
     [("mla", "incoming", "AR", "ES", "Videoconference hearing of witness W-7",
       "UN Convention against Transnational Organized Crime, Art 18", "UNTOC", "normal",
       [("start_assessment", 10), ("accept", 4)], "")]),
    ("Lagos state pension embezzlement",
     "Proceeds of embezzled pension funds held in London; Nigeria seeks confiscation and return.",
     [("Person", {"name": "Chief Babatunde Adeyemi-Cole (fictional)", "nationality": "ng"}, "suspect"),
      ("BankAccount", {"iban": "GB33BUKB20201555555555", "bankName": "Fictional Bank plc"}, "account")],
     [("asset_recovery", "incoming", "NG", "GB", "Confiscation and return of funds in a London account",
       "UNCAC Art 57", "UNCAC", "normal", [("start_assessment", 90), ("record_freezing", 70),
                                           ("record_confiscation", 20)], "")]),
    ("Geneva private-bank deposits (Abacha-style return)",
     "Return of confiscated funds from Switzerland to Nigeria under a monitored agreement.",
     [("Organization", {"name": "Fictional Returned Assets Trust", "country": "ch"}, "recipient")],
     [("asset_recovery", "outgoing", "NG", "CH", "Return of confiscated deposits",
       "UNCAC Art 57", "UNCAC", "normal", [("send", 200), ("record_freezing", 150)], "")]),
    ("Red Notice challenge: journalist E. Demir",
     "Counsel challenges a Red Notice said to target a journalist for reporting.",
     [("Person", {"name": "Elif Demir (fictional)", "nationality": "tr"}, "requested person")],
     [("notice", "outgoing", "DE", "TR", "Request to delete the Red Notice concerning E. Demir",
       "INTERPOL Constitution Art 3; RPD Art 83", "", "urgent", [("file_challenge", 40)], "ccf_challenge")]),
    ("Red Notice request: armed robbery suspect",
     "Suspect in a jewellery robbery believed to have fled abroad.",
     [("Person", {"name": "Luca Ferraro-Bianchi (fictional)", "nationality": "it"}, "suspect")],
     [("notice", "outgoing", "IT", "FR", "Red Notice for L. Ferraro-Bianchi (armed robbery), believed in France",
       "INTERPOL RPD Art 82-83", "", "urgent", [("submit", 6)], "publication")]),
    ("Transfer home: prisoner in Thailand",
     "A national serving a drug sentence in Thailand asks to serve the rest at home.",
     [("Person", {"name": "Anneke de Groot (fictional)", "nationality": "nl"}, "sentenced person")],
     [("transfer", "outgoing", "NL", "TH", "Transfer of A. de Groot to serve the remaining sentence",
       "Netherlands-Thailand Treaty on the Transfer of Offenders 2005 (unverified)", "", "normal",
       [("send", 120), ("record_consent", 80)], "")]),
    ("Transfer within the EU: Romanian prisoner",
     "Enforcement of a Belgian sentence in Romania.",
     [("Person", {"name": "Ionuț Dragomir (fictional)", "nationality": "ro"}, "sentenced person")],
     [("transfer", "outgoing", "BE", "RO", "Forwarding of the judgment for enforcement in Romania",
       "Framework Decision 2008/909/JHA", "EU-FD-2008-909", "normal", [("send", 30)], "")]),
    ("Nairobi wildlife trafficking",
     "Ivory shipment seized in Mombasa; Uganda-based organiser.",
     [("Person", {"name": "Moses Kato-Ssebunya (fictional)", "nationality": "ug"}, "suspect")],
     [("extradition", "outgoing", "KE", "UG", "Extradition of M. Kato-Ssebunya (wildlife trafficking)",
       "London Scheme for Extradition within the Commonwealth; domestic law", "", "normal", [], "")]),
    ("Johannesburg tender fraud (incoming)",
     "South Africa seeks records from a UK company used to pay bribes.",
     [("Company", {"name": "Highveld Advisory Partners Ltd (fictional)", "country": "gb"}, "company")],
     [("mla", "incoming", "ZA", "GB", "Company records and bank statements",
       "Crime (International Co-operation) Act 2003; UNCAC Art 46", "UNCAC", "normal",
       [("start_assessment", 50), ("ask_for_information", 44)], "")]),
]


def demo_loaded() -> bool:
    return Case.objects.filter(title=CASES[0][0]).exists()


def _unit(name: str | None) -> Unit | None:
    if name is None:
        return None
    return Unit.objects.filter(name=name).first() or do_create_unit(name=name, via="cli")


def _user(username, role, first, last, org, unit, credentials: list | None = None) -> User:
    """The demonstration account, created with this process's random password and a one-time enrolment
    code (noted in `credentials` to be printed once); an account that exists already keeps its own."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = do_create_user(username=username, password=DEMO_PASSWORD, role=role, first_name=first,
                              last_name=last, organisation=org, unit=_unit(unit), via="cli")
        code, raw = do_issue_enrolment_code(user, acting_user=None, hours=DEMO_ENROLMENT_HOURS, via="cli")
        if credentials is not None:
            credentials.append({"username": username, "role": role, "password": DEMO_PASSWORD,
                                "enrolment_code": raw, "code_expires": code.expires_at.date().isoformat()})
    return user


def credentials_text(accounts: list[dict]) -> str:
    """The demonstration accounts' credentials as printed once when they are created."""
    if not accounts:
        return ("The demonstration accounts existed already: they keep the passwords printed when they were "
                "created (an administrator can reset a second factor and issue a new enrolment code).\n")
    width = max(len(a["username"]) for a in accounts)
    lines = ["=" * 72, "Demonstration accounts. Shown ONCE; every name and case in them is fictional.",
             f"  {'account':<{width}}  {'password':<19}  enrolment code (first sign-in)"]
    lines += [f"  {a['username']:<{width}}  {a['password']:<19}  {a['enrolment_code']}" for a in accounts]
    lines += [f"Sign in with the password, then type the enrolment code (valid until {accounts[0]['code_expires']}),",
              "then link an authenticator app (the page shows a QR code and the secret).", "=" * 72]
    return "\n".join(lines) + "\n"


def load_demo(*, announce=True) -> dict:
    """Load the workspace through the actions; returns a summary. The credentials of the accounts it
    creates (random password, one-time enrolment codes) are in the summary's `accounts` and are written
    once to `announce`: True for standard error (so `--json` output stays clean), a stream, or False."""
    credentials: list[dict] = []
    users = {u[0]: _user(*u, credentials=credentials) for u in DEMO_USERS}
    supervisor, caseworker, prosecutor, defence = (users["s.martin"], users["c.diallo"], users["p.okafor"],
                                                   users["d.novak"])
    today = timezone.localdate()
    n_requests = 0
    pairs = set()
    cases: dict[str, Case] = {}
    requests_by_subject = {}
    for i, (title, summary, entities, requests) in enumerate(CASES):
        is_defence = any(r[-1] == "ccf_challenge" for r in requests)
        owner = defence if is_defence else supervisor
        with transaction.atomic():
            case = actions.do_create_case(title=title, summary=summary, acting_user=owner, via="cli")
            cases[title] = case
            # Administrators see the demonstration (in real work they see only cases they are members of).
            for admin in User.objects.filter(role=Role.ADMIN, is_active=True) if owner.is_supervisor else []:
                actions.do_grant_membership(case, admin, acting_user=owner, via="cli")
            if not is_defence:
                actions.do_grant_membership(case, caseworker, acting_user=owner, via="cli")
                if i % 2 == 0:
                    actions.do_grant_membership(case, prosecutor, acting_user=owner, via="cli")
            for schema, props, role in entities:
                actions.do_add_entity(case, schema=schema, properties=props, role=role, acting_user=owner, via="cli")
            for (kind, direction, requesting, requested, subject, basis, instrument, urgency, steps,
                 notice_action) in requests:
                req = actions.do_create_request(
                    case, kind=kind, direction=direction, subject=subject, requesting_state=requesting,
                    requested_state=requested, legal_basis=basis, legal_basis_instrument=instrument,
                    urgency=urgency, urgency_reason="person in custody or evidence at risk" if urgency != "normal" else "",
                    notice_action=notice_action, acting_user=owner, via="cli")
                requests_by_subject[subject] = req
                n_requests += 1
                pairs.add((requesting, requested))
                for transition, days_ago in steps:
                    actions.do_transition_request(req, transition, acting_user=owner, via="cli",
                                                  effective_date=today - dt.timedelta(days=days_ago),
                                                  comment="Recorded in the demonstration workspace.",
                                                  override_reason=HISTORY_OVERRIDE)
            actions.do_add_task(case, title="Review the file and plan next steps", acting_user=owner,
                                due=today + dt.timedelta(days=(i * 3) % 20 - 4), assignee=owner, via="cli")
            actions.do_add_note(case, text="Demonstration case: all people and companies are fictional.",
                                acting_user=owner, via="cli")
    with transaction.atomic():
        showcase = _showcase(users, cases, requests_by_subject, today)
    countries = {c for p in pairs for c in p}
    if announce:
        out = sys.stderr if announce is True else announce
        out.write(credentials_text(credentials))
        out.flush()
    return {"cases": len(CASES), "requests": n_requests, "country_pairs": len(pairs), "countries": len(countries),
            "users": [u[0] for u in DEMO_USERS], "accounts": credentials,
            "password": DEMO_PASSWORD if credentials else "(unchanged: printed when the accounts were created)",
            **showcase}


# --- every capability in use, and something to do for each account ------------------------------------

# A complete extradition request drafted in the builder (Kenya to Uganda), waiting for the prosecutor.
COMPLETE_DRAFT = {
    "requesting_authority": "Office of the Director of Public Prosecutions, International Cooperation Desk, "
                            "Nairobi (fictional address: 1 Example Road)",
    "requested_authority": "Ministry of Justice and Constitutional Affairs, Kampala (central authority)",
    "contact_point": "Cheikh Diallo, International Cooperation Unit, +254 20 000 0000, cooperation@odpp.example",
    "offences": "Dealing in trophies of an endangered species (Wildlife Conservation and Management Act 2013, "
                "s. 92); money laundering (Proceeds of Crime and Anti-Money Laundering Act 2009, s. 3)",
    "offence_time_place": "January to March 2026, Port of Mombasa, Kenya",
    "participation": "Bought 412 kg of raw ivory in Uganda, arranged its concealment in a timber container and "
                     "paid the port handlers in Mombasa; the payments are traced to his accounts.",
    "legal_provisions": "Wildlife Conservation and Management Act 2013, s. 92: dealing in trophies of an "
                        "endangered species is punishable by life imprisonment or a fine of at least "
                        "KES 20 million, or both.",
    "max_penalty": "Life imprisonment",
    "warrant": "Warrant of arrest of the Chief Magistrate's Court, Mombasa, 2026-04-02, no. 118/2026 (fictional)",
    "person_location": "Believed to live in Kampala, Uganda",
    "signatory": "Patience Okafor",
    "signatory_title": "Senior Prosecution Counsel",
    "place": "Nairobi",
}

# An EAW to Poland begun in the builder: the warrant, penalty, participation and signatory are still missing,
# and the Polish translation has not been ordered.
INCOMPLETE_DRAFT = {
    "requesting_authority": "Staatsanwaltschaft Frankfurt am Main (fictional desk), Economic Crime Division",
    "offences": "Commercial fraud (§ 263(3) StGB); money laundering (§ 261 StGB)",
    "offence_time_place": "2021 to 2024, Frankfurt am Main and online",
}

# What Poland's bank returned under the EIO (a digital exhibit: hashed and encrypted at rest).
STATEMENTS_CSV = (b"date,account,amount_eur,counterparty\n"
                  b"2021-03-02,PL61109010140000071219812874,25000.00,Fictional Pension Plan GmbH\n"
                  b"2021-03-05,PL61109010140000071219812874,-24800.00,Fictional Holding Sp. z o.o.\n"
                  b"2022-07-19,PL61109010140000071219812874,48000.00,Fictional Pension Plan GmbH\n")

REDRESS_OVERDUE_DAYS = 40  # an EU-LED access request received 40 days ago: its one-month clock has run out


def _find(mapping: dict, prefix: str):
    return next(v for k, v in mapping.items() if k.startswith(prefix))


def _ensure_evidence_key() -> None:
    """The evidence master key, created once in the data folder as `comity init` does (unless the
    environment provides it)."""
    if evidence_keys.uses_env() or evidence_keys.keyring_path().exists():
        return
    try:
        from comity.evidence.actions import do_init_master_key

        do_init_master_key(via="cli")
    except FileExistsError:  # another process created it meanwhile
        pass


def _showcase(users: dict, cases: dict, requests: dict, today: dt.date) -> dict:
    """Evidence with custody, builder drafts, assessments, redress, a protected witness, retention, and a
    task or decision waiting for each account. Every write is an action, as in real work."""
    sup, cw, pros, dfc, ovs = (users["s.martin"], users["c.diallo"], users["p.okafor"], users["d.novak"],
                               users["o.lindqvist"])
    harbour, fraud = _find(cases, "Operation Harbour Lights"), _find(cases, "Müller-Kowalski")
    witness_case, geneva = _find(cases, "Buenos Aires kidnapping"), _find(cases, "Geneva private-bank")
    red_notice = _find(cases, "Red Notice challenge")
    eaw_es, eio_pl = _find(requests, "Surrender of M.-A. Verdier"), _find(requests, "Bank records for accounts")
    eaw_pl, ug = _find(requests, "Surrender of J. Kowalczyk-Baum"), _find(requests, "Extradition of M. Kato-Ssebunya")
    us, ccf = _find(requests, "Extradition of K. B. Ashcroft"), _find(requests, "Request to delete the Red Notice")
    cli = {"via": "cli"}

    # Evidence: a phone seized at the arrest in Spain (physical, sealed, handed to the prosecutor, examined)
    # and the bank statements Poland returned under the EIO (digital: hashed and encrypted at rest).
    _ensure_evidence_key()
    phone = evidence.do_register_evidence(
        harbour, kind="physical", title="Mobile phone seized at the arrest", acting_user=cw,
        description="Black smartphone in a sealed evidence bag, handed over with the surrendered person.",
        seal_numbers="GC-ALG-2026-0415", location="Evidence store, Central Authority, shelf B3",
        source_request=eaw_es, providing_state="ES", providing_authority="Guardia Civil, Algeciras (fictional unit)",
        date_obtained=today - dt.timedelta(days=10), legal_basis="Framework Decision 2002/584/JHA Art 29",
        speciality=True, purpose_limitation="Only for the prosecution of the surrendered person for drug trafficking.",
        place="Central Authority mail room", **cli)
    evidence.do_record_custody_event(phone, kind="sealed", at=timezone.now(), place="Evidence store",
                                     reason="Inventory done; resealed under seal GC-ALG-2026-0415-B.",
                                     acting_user=cw, **cli)
    evidence.do_record_custody_event(phone, kind="transferred", at=timezone.now(), place="Evidence store",
                                     reason="Handed to the prosecutor for forensic examination.", from_user=cw,
                                     to_user=pros, acting_user=cw, **cli)
    evidence.do_record_custody_event(phone, kind="examined", at=timezone.now(), place="Digital forensics lab",
                                     reason="Messages extracted under the examining judge's order; resealed.",
                                     acting_user=pros, **cli)
    statements = evidence.do_register_evidence(
        fraud, kind="digital", title="Bank statements returned by Poland", acting_user=cw,
        upload=SimpleUploadedFile("statements-2021-2024.csv", STATEMENTS_CSV, content_type="text/csv"),
        source_request=eio_pl, providing_state="PL", providing_authority="Prokuratura Regionalna (fictional)",
        date_obtained=today - dt.timedelta(days=7), legal_basis="Directive 2014/41/EU (EIO)", speciality=True,
        purpose_limitation="Only in the German fraud proceedings.", onward_disclosure_needs_consent=True,
        place="Secure mailbox of the Central Authority", **cli)
    evidence.do_record_custody_event(statements, kind="copied", at=timezone.now(), place="Analysis workstation",
                                     reason="Working copy for the financial analyst; the original stays sealed.",
                                     acting_user=cw, **cli)

    # Builder: a complete extradition request waiting for the prosecutor's decision, and an EAW half done.
    complete = builder.do_start_draft(ug, measure="extradition", acting_user=cw, **cli)
    complete = builder.do_save_draft(complete, changes=COMPLETE_DRAFT, acting_user=cw, **cli)
    incomplete = builder.do_start_draft(eaw_pl, measure="extradition", acting_user=cw, **cli)
    incomplete = builder.do_save_draft(incomplete, changes=INCOMPLETE_DRAFT, acting_user=cw, **cli)

    # Assessments: counsel's Red Notice check (persecution of a journalist) and the prosecutor's extradition check.
    do_save_assessment(ccf, acting_user=dfc, via="cli", facts={
        "kind": "red_notice", "requesting_state": "TR", "date": today.isoformat(), "purpose": "prosecution",
        "person": {"nationalities": ["TR"]}, "risks": {"persecution": True},
        "offences": [{"description": "membership of an armed organisation, alleged from the person's newspaper "
                                     "articles", "political": True}]})
    do_save_assessment(us, acting_user=pros, via="cli", facts={
        "kind": "extradition", "requesting_state": "GB", "requested_state": "US", "date": today.isoformat(),
        "purpose": "prosecution", "person": {"nationalities": ["US"]},
        "offences": [{"description": "ransomware attack on a hospital trust (computer misuse, blackmail)",
                      "max_penalty_months": 168, "criminal_in_requested": True}]})

    # Redress: an overdue access request forwarded by the supervisory authority, counsel's CCF request,
    # and one decided in time.
    led = oversight.do_file_redress(
        requester_name="Data Protection Supervisory Authority (indirect access)", requester_capacity="dpo",
        person_described="A data subject who believes the fraud investigation holds data about them "
                         "(name on the authority's file, fictional).",
        kind="access", regime="EU-LED", received=today - dt.timedelta(days=REDRESS_OVERDUE_DAYS),
        details="Forwarded under the Law Enforcement Directive Art 17 (indirect exercise of rights).",
        case_references=[fraud.reference], acting_user=ovs, **cli)
    ccf_matter = oversight.do_file_redress(
        requester_name="Daria Novak, counsel", requester_capacity="counsel",
        person_described="Elif Demir (fictional), journalist, subject of the Red Notice",
        kind="deletion", regime="INTERPOL-CCF", received=today - dt.timedelta(days=20),
        details="Deletion of the data held about the client: the notice targets her reporting.",
        case_references=[red_notice.reference], acting_user=dfc, **cli)
    decided = oversight.do_file_redress(
        requester_name="Fictional person (access to own data)", requester_capacity="person",
        person_described="The account holder named in the Costa del Sol file (fictional).", kind="access",
        regime="national", received=today - dt.timedelta(days=50), acting_user=cw, **cli)
    oversight.do_decide_redress(decided, decision="partly_granted", decided_on=today - dt.timedelta(days=30),
                                reasons="Access given to the identity data; the investigative file is withheld "
                                        "while proceedings are pending.", acting_user=sup, **cli)

    # A protected witness, and the caseworker's request to unseal the identity: four eyes, the supervisor decides.
    w7 = oversight.do_register_protected_person(
        witness_case, pseudonym="W-7", role="witness", acting_user=cw, **cli,
        true_identity="Laura Beatriz Ocampo (fictional), born 1988, resident in Madrid")
    unseal = oversight.do_request_unsealing(
        w7, purpose="To arrange the videoconference hearing with the court's witness-protection officer",
        acting_user=cw, **cli)

    # Retention: Switzerland's condition that its bank data be destroyed by a date now passed.
    oversight.do_record_undertaking(
        geneva, kind="by_date", dispose_by=today - dt.timedelta(days=15), acting_user=sup, **cli,
        text="Condition of transmission set by the Swiss Federal Office of Justice: bank data to be destroyed "
             "once the return agreement is signed.")

    # Approvals: the complete request waits for a decider (the prosecutor and the supervisor of the case); the
    # incomplete EAW was returned to the caseworker with what must change.
    awaiting = actions.do_ask_for_approval(ug, acting_user=cw, **cli,
                                           message="Draft complete; Uganda accepts English, so no translation.")
    asked = actions.do_ask_for_approval(eaw_pl, acting_user=cw, **cli, message="Can this go to Poland today?")
    actions.do_decide_approval(asked, decision="return", acting_user=sup, **cli,
                               comment="Not yet: the warrant, the penalty and the signatory are missing, and the "
                                       "EAW must be sent in Polish.")

    # Something to do for each account when it signs in.
    actions.do_add_task(fraud, title=f"Complete the EAW draft {eaw_pl.reference} and order the Polish translation",
                        due=today - dt.timedelta(days=1), assignee=cw, request=eaw_pl, acting_user=sup, **cli)
    actions.do_add_task(witness_case, title="Decide on the request to unseal witness W-7 (four eyes)",
                        due=today, assignee=sup, acting_user=sup, **cli)
    actions.do_add_task(fraud, title=f"Answer or extend redress matter {led.reference} (access request, overdue)",
                        due=led.due, assignee=sup, acting_user=sup, **cli)
    actions.do_add_task(red_notice, title=f"Send the CCF the client's articles for {ccf_matter.reference}",
                        due=today + dt.timedelta(days=5), assignee=dfc, request=ccf, acting_user=dfc, **cli)
    return {"evidence_items": 2, "drafts": {"complete": complete.request.reference,
                                             "incomplete": incomplete.request.reference},
            "redress_matters": [led.reference, ccf_matter.reference, decided.reference],
            "protected_persons": 1, "unsealing_requests_pending": 1 if unseal else 0,
            "approval_awaiting": awaiting.request.reference}
