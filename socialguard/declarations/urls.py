from django.urls import path

from . import views

urlpatterns = [
    path("", views.declaration_mine, name="declaration_mine"),
    path("new/", views.declaration_new, name="declaration_new"),
    path("<int:declaration_id>/", views.declaration_detail, name="declaration_detail"),
    path("team/", views.declaration_team, name="declaration_team"),
    path("overview/", views.declaration_overview, name="declaration_overview"),
    path("exceptions/", views.exception_list, name="exception_list"),
    path("exceptions/new/", views.exception_new, name="exception_new"),
    path("exceptions/<int:exception_id>/", views.exception_detail, name="exception_detail"),
    path("training/", views.training_overview, name="training_overview"),
    path("training/new/", views.training_new, name="training_new"),
]
