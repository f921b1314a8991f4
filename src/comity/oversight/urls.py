"""URLs of the oversight app, included at /oversight/."""

from django.urls import path

from comity.oversight import views

urlpatterns = [
    path("", views.console, name="oversight_console"),
    path("report.pdf", views.report, name="oversight_report"),
    path("redress/", views.redress_list, name="oversight_redress_list"),
    path("redress/new/", views.redress_new, name="oversight_redress_new"),
    path("redress/<int:pk>/", views.redress_detail, name="oversight_redress_detail"),
    path("redress/<int:pk>/decide/", views.redress_decide, name="oversight_redress_decide"),
    path("redress/<int:pk>/extend/", views.redress_extend, name="oversight_redress_extend"),
    path("retention/", views.retention_due, name="oversight_retention_due"),
    path("retention/cases/<int:pk>/", views.retention_case, name="oversight_retention_case"),
    path("retention/cases/<int:pk>/undertakings/", views.undertaking_add, name="oversight_undertaking_add"),
    path("retention/cases/<int:pk>/dispose/", views.dispose, name="oversight_dispose"),
    path("disposals/<int:pk>/certificate.pdf", views.certificate, name="oversight_certificate"),
    path("cases/<int:pk>/protected/", views.protected, name="oversight_protected"),
    path("protected/<int:pk>/unseal/", views.unseal_request, name="oversight_unseal_request"),
    path("unsealing/<int:pk>/decide/", views.unseal_decide, name="oversight_unseal_decide"),
    path("unsealing/<int:pk>/view/", views.unseal_view, name="oversight_unseal_view"),
]
