from django.urls import path

from comity.courier import views

urlpatterns = [
    path("identity", views.identity, name="exchange_identity"),
    path("messages", views.messages, name="exchange_messages"),
    path("messages/<str:mid>/attachments/<int:att>/chunks/<int:idx>", views.chunk, name="exchange_chunk"),
]
