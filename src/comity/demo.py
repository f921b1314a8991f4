"""The demonstration workspace: fictional cases across many country pairs and every request kind.

Every person, company and account here is invented. Everything is written through the actions, so the
demonstration has the same audit trail as real work.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from comity.accounts.actions import do_create_user
from comity.accounts.models import Role, User
from comity.cases import actions
from comity.cases.models import Case

DEMO_PASSWORD = "comity-demo-2026!"
DEMO_USERS = [
    ("s.martin", Role.SUPERVISOR, "Sophie", "Martin", "Central Authority, International Cooperation Unit"),
    ("c.diallo", Role.CASEWORKER, "Cheikh", "Diallo", "Central Authority, International Cooperation Unit"),
    ("p.okafor", Role.PROSECUTOR, "Patience", "Okafor", "Public Prosecution Service, Economic Crime"),
    ("d.novak", Role.DEFENCE, "Daria", "Novak", "Novak & Partners (defence counsel)"),
    ("o.lindqvist", Role.OVERSIGHT, "Olof", "Lindqvist", "Data Protection Supervisory Authority"),
]

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


def _user(username, role, first, last, org) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = do_create_user(username=username, password=DEMO_PASSWORD, role=role, first_name=first,
                              last_name=last, organisation=org, via="cli")
    return user


def load_demo() -> dict:
    """Load the workspace through the actions; returns a summary."""
    users = {u[0]: _user(*u) for u in DEMO_USERS}
    supervisor, caseworker, prosecutor, defence = (users["s.martin"], users["c.diallo"], users["p.okafor"],
                                                   users["d.novak"])
    today = timezone.localdate()
    n_requests = 0
    pairs = set()
    for i, (title, summary, entities, requests) in enumerate(CASES):
        is_defence = any(r[-1] == "ccf_challenge" for r in requests)
        owner = defence if is_defence else supervisor
        with transaction.atomic():
            case = actions.do_create_case(title=title, summary=summary, acting_user=owner, via="cli")
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
                n_requests += 1
                pairs.add((requesting, requested))
                for transition, days_ago in steps:
                    actions.do_transition_request(req, transition, acting_user=owner, via="cli",
                                                  effective_date=today - dt.timedelta(days=days_ago),
                                                  comment="Recorded in the demonstration workspace.")
            actions.do_add_task(case, title="Review the file and plan next steps", acting_user=owner,
                                due=today + dt.timedelta(days=(i * 3) % 20 - 4), assignee=owner, via="cli")
            actions.do_add_note(case, text="Demonstration case: all people and companies are fictional.",
                                acting_user=owner, via="cli")
    countries = {c for p in pairs for c in p}
    return {"cases": len(CASES), "requests": n_requests, "country_pairs": len(pairs), "countries": len(countries),
            "users": [u[0] for u in DEMO_USERS], "password": DEMO_PASSWORD}
