from django.urls import path

from . import views

urlpatterns = [
    path("check/", views.check, name="contact_check"),
    path("trips/", views.trips, name="contact_trips"),
    path("trips/new/", views.trip_new, name="contact_trip_new"),
    path("trips/<int:trip_id>/", views.trip_detail, name="contact_trip"),
    path("trips/<int:trip_id>/edit/", views.trip_edit, name="contact_trip_edit"),
    path("trips/<int:trip_id>/sign-out/", views.trip_sign_out, name="contact_trip_sign_out"),
    path("trips/<int:trip_id>/contact-sheet/", views.trip_sheet, name="contact_trip_sheet"),
    path("phones/<int:loan_id>/return/", views.loan_return, name="contact_loan_return"),
    path("phones/new/", views.device_new, name="contact_device_new"),
    path("phones/<int:device_id>/", views.device_edit, name="contact_device_edit"),
    path("withheld-number/", views.permissions, name="contact_permissions"),
    path("withheld-number/new/", views.permission_new, name="contact_permission_new"),
    path(
        "withheld-number/<int:permission_id>/",
        views.permission_detail,
        name="contact_permission",
    ),
    path("parent-messages/", views.parent_messages, name="contact_parent_messages"),
    path("parent-messages/new/", views.parent_message_new, name="contact_parent_message_new"),
    path("parent-messages/call/", views.parent_call_new, name="contact_parent_call_new"),
    path(
        "parent-messages/<int:message_id>/",
        views.parent_message_detail,
        name="contact_parent_message",
    ),
]
