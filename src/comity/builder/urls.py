from django.urls import path

from comity.builder import views

app_name = "builder"
urlpatterns = [
    path("requests/<int:pk>/", views.builder, name="draft"),
    path("requests/<int:pk>/start/", views.start, name="start"),
    path("requests/<int:pk>/save/", views.save, name="save"),
    path("requests/<int:pk>/minimise/", views.minimise, name="minimise"),
    path("requests/<int:pk>/generate/", views.generate, name="generate"),
    path("requests/<int:pk>/languages/", views.languages, name="languages"),
    path("requests/<int:pk>/translations/", views.translation, name="translation"),
]
