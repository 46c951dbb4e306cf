from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("flags/<int:flag_id>/", views.flag_detail, name="flag"),
    path("flags/<int:flag_id>/review/", views.flag_review, name="flag_review"),
    path("flags/<int:flag_id>/escalate/", views.flag_escalate, name="flag_escalate"),
    path("exclusions/", views.exclusions, name="exclusions"),
    path("warrants/", views.warrant_list, name="warrants"),
    path("warrants/new/", views.warrant_new, name="warrant_new"),
    path("warrants/<int:warrant_id>/", views.warrant_detail, name="warrant"),
    path("warrants/<int:warrant_id>/decide/", views.warrant_decide, name="warrant_decide"),
    path("warrants/<int:warrant_id>/revoke/", views.warrant_revoke, name="warrant_revoke"),
    path("warrants/<int:warrant_id>/search/", views.warrant_search, name="warrant_search"),
    path("identities/", views.identities_page, name="identities"),
    path("upload/", views.upload, name="upload"),
]
