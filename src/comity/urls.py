from django.conf import settings
from django.urls import include, path

from comity.api.api import api
from comity.web import law_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("comity.accounts.urls")),
    path("api/", api.urls),
    path("exchange/v1/", include("comity.courier.urls")),
    path("exchange/", include("comity.courier.web_urls")),
    path("oversight/", include("comity.oversight.urls")),
    path("builder/", include("comity.builder.urls")),
    path("evidence/", include("comity.evidence.urls")),
    path("", include("comity.assessments.urls")),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/purpose/", views.case_purpose, name="case_purpose"),
    path("cases/<int:pk>/entities/", views.entity_add, name="entity_add"),
    path("cases/<int:pk>/entities.ftm.jsonl", views.entities_ftm, name="entities_ftm"),
    path("cases/<int:pk>/notes/", views.note_add, name="note_add"),
    path("cases/<int:pk>/tasks/", views.task_add, name="task_add"),
    path("cases/<int:pk>/tasks/<int:task_pk>/done/", views.task_done, name="task_done"),
    path("cases/<int:pk>/documents/", views.document_add, name="document_add"),
    path("cases/<int:pk>/documents/<int:doc_pk>/", views.document_download, name="document_download"),
    path("cases/<int:pk>/members/grant/", views.membership_grant, name="membership_grant"),
    path("cases/<int:pk>/members/revoke/", views.membership_revoke, name="membership_revoke"),
    path("cases/<int:pk>/requests/new/", views.request_new, name="request_new"),
    path("cases/<int:pk>/join/", views.case_join, name="case_join"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path("cases/<int:pk>/reopen/", views.case_reopen, name="case_reopen"),
    path("cases/<int:pk>/history/", views.case_history, name="case_history"),
    path("cases/<int:pk>/entities/<int:entity_pk>/correct/", views.entity_correct, name="entity_correct"),
    path("cases/<int:pk>/notes/<int:note_pk>/correct/", views.note_correct, name="note_correct"),
    path("cases/<int:pk>/tasks/<int:task_pk>/correct/", views.task_correct, name="task_correct"),
    path("requests/<int:pk>/ask-approval/", views.request_ask_approval, name="request_ask_approval"),
    path("approvals/<int:pk>/decide/", views.approval_decide, name="approval_decide"),
    path("admin/units/", views.unit_create, name="unit_create"),
    path("admin/users/<int:user_pk>/unit/", views.user_unit, name="user_unit"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/transition/", views.request_transition, name="request_transition"),
    path("requests/<int:pk>/link/", views.request_link, name="request_link"),
    path("requests/<int:pk>/legal-basis/", views.request_legal_basis, name="request_legal_basis"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("admin/users/", views.users, name="users"),
    path("admin/users/<int:user_pk>/<str:action>/", views.user_action, name="user_action"),
    path("law/", law_views.index, name="law_index"),
    path("law/instruments/", law_views.instrument_list, name="law_instruments"),
    path("law/instruments/<str:instrument_id>/", law_views.instrument_detail, name="law_instrument"),
    path("law/countries/", law_views.country_list, name="law_countries"),
    path("law/countries/<str:state>/", law_views.country_detail, name="law_country"),
    path("law/basis/", law_views.basis, name="law_basis"),
    path("law/map/", law_views.world, name="law_map"),
    path("account/tokens/<int:token_pk>/revoke/", views.token_revoke, name="token_revoke"),
]

# Styled error pages for people, JSON for /api/ (comity.web.errors); the 500 page works without the database.
handler400 = "comity.web.errors.bad_request"
handler403 = "comity.web.errors.permission_denied"
handler404 = "comity.web.errors.page_not_found"
handler500 = "comity.web.errors.server_error"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
