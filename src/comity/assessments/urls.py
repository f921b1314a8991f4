from django.urls import path

from comity.assessments import views

urlpatterns = [
    path("requests/<int:pk>/assessment/", views.request_panel, name="assessment_panel"),
    path("assessments/<int:snap_pk>/", views.snapshot_detail, name="assessment_snapshot"),
    path("assessments/<int:snap_pk>/memo.<str:fmt>", views.snapshot_memo, name="assessment_memo"),
    path("law/exposure/", views.exposure, name="law_exposure"),
    path("law/red-notice/", views.red_notice, name="law_red_notice"),
]
