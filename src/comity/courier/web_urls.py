"""The exchange's pages for people (mounted at /exchange/; the protocol's endpoints are at /exchange/v1/)."""

from django.urls import path

from comity.courier import web_views as v

app_name = "exchange"

urlpatterns = [
    path("", v.messages_page, name="messages"),
    path("messages/<int:pk>/", v.message_page, name="message"),
    path("messages/<int:pk>/evidence/<int:ev_pk>/", v.evidence_download, name="evidence"),
    path("peers/", v.peers_page, name="peers"),
    path("peers/import/", v.peer_import, name="peer_import"),
    path("peers/<int:pk>/", v.peer_page, name="peer"),
    path("peers/<int:pk>/confirm/", v.peer_confirm, name="peer_confirm"),
    path("peers/<int:pk>/revoke/", v.peer_revoke, name="peer_revoke"),
    path("identity/", v.identity_page, name="identity"),
    path("identity/file/", v.identity_file, name="identity_file"),
    path("directory/", v.directory_page, name="directory"),
    path("directory/new/", v.directory_new, name="directory_new"),
    path("directory/seed/", v.directory_seed, name="directory_seed"),
    path("directory/<int:pk>/", v.directory_entry, name="directory_entry"),
    path("routes/", v.routes_page, name="routes"),
    path("rejections/", v.rejections_page, name="rejections"),
]
