from django.urls import path

from comity.evidence import views

urlpatterns = [
    path("cases/<int:case_pk>/", views.case_evidence, name="evidence_case"),
    path("cases/<int:case_pk>/disclose/", views.disclose, name="evidence_disclose"),
    path("items/<int:pk>/", views.item_detail, name="evidence_item"),
    path("items/<int:pk>/custody/", views.custody_add, name="evidence_custody_add"),
    path("items/<int:pk>/consent/", views.consent_add, name="evidence_consent_add"),
    path("items/<int:pk>/check/", views.item_check, name="evidence_check"),
    path("items/<int:pk>/report.json", views.item_report_json, name="evidence_report_json"),
    path("items/<int:pk>/report.pdf", views.item_report_pdf, name="evidence_report_pdf"),
    path("items/<int:pk>/case.jsonld", views.item_case_uco, name="evidence_case_uco"),
    path("items/<int:pk>/download", views.item_download, name="evidence_download"),
    path("disclosures/<int:pk>/", views.disclosure_detail, name="evidence_disclosure"),
    path("disclosures/<int:pk>/package", views.disclosure_package, name="evidence_disclosure_package"),
    path("disclosures/<int:pk>/manifest.json", views.disclosure_manifest, name="evidence_disclosure_manifest"),
]
