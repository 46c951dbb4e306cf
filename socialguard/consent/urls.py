from django.urls import path

from . import views

urlpatterns = [
    path("", views.registry, name="consent_registry"),
    path("people/<str:external_id>/", views.person_detail, name="consent_person"),
    path("people/<str:external_id>/record/", views.record, name="consent_record"),
    path("people/<str:external_id>/face-matching/", views.biometric, name="consent_biometric"),
    path("people/<str:external_id>/send-link/", views.link_new, name="consent_link_new"),
    path("people/<str:external_id>/enrol/", views.enrol, name="consent_enrol"),
    path("links/", views.links, name="consent_links"),
    path("import/", views.import_start, name="consent_import"),
    path("import/<int:job_id>/", views.import_job, name="consent_import_job"),
    path("restricted/", views.restricted, name="consent_restricted"),
    path("restricted/add/", views.restricted_add, name="consent_restricted_add"),
    path(
        "restricted/<str:external_id>/remove/",
        views.restricted_remove,
        name="consent_restricted_remove",
    ),
    path("restricted/<str:external_id>/photo/", views.reference_add, name="consent_reference_add"),
    path("reference-photos/<int:photo_id>/", views.reference_image, name="consent_reference_image"),
    path("mine/", views.mine, name="consent_mine"),
    path("check/", views.check_photo, name="consent_check_photo"),
    path("check/batch/", views.batch_new, name="consent_batch_new"),
    path("check/batch/<int:batch_id>/", views.batch_detail, name="consent_batch"),
    path(
        "check/batch/<int:batch_id>/contact-sheet.png",
        views.batch_sheet,
        name="consent_batch_sheet",
    ),
    path("checks/<int:check_id>/", views.check_detail, name="consent_check"),
    path("checks/<int:check_id>/image.png", views.check_image, name="consent_check_image"),
    path("checks/<int:check_id>/faces/<int:face>/", views.review_face, name="consent_review_face"),
    path("reviews/", views.reviews, name="consent_reviews"),
    path("takedowns/", views.takedowns, name="consent_takedowns"),
    path("takedowns/<int:takedown_id>/", views.takedown, name="consent_takedown"),
    path("form/<str:token>/", views.parent_form, name="consent_form"),
]
