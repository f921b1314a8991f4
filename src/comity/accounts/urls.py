"""Comity's own account pages (included by comity.urls). The enrolment-code step has no URL of its own:
it is served at allauth's authenticator set-up page (comity.accounts.middleware)."""

from django.urls import path

from comity.accounts import views

urlpatterns = [
    path("admin/enrolment-codes/<int:user_pk>/", views.issue_enrolment_code, name="user_enrolment_code"),
]
