from django.urls import path

from . import action_views, export_views, person_views, siblings, urgency_views, views

app_name = "casework"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("report/", views.report, name="report"),
    path("people-search/", views.people_search, name="people_search"),
    path("people-siblings/", siblings.people_siblings, name="people_siblings"),
    path("mine/", views.my_reports, name="my_reports"),
    path("mine/<str:reference>/", views.my_report, name="my_report"),
    path("my-actions/", views.my_actions, name="my_actions"),
    path("my-actions/<int:action_id>/", action_views.my_action, name="my_action"),
    path("my-actions/<int:action_id>/done/", views.my_action_complete, name="my_action_complete"),
    path("support/", views.support, name="support"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("governors-report/", views.governors_report, name="governors_report"),
    path("governors-report.pdf", views.governors_report_pdf, name="governors_report_pdf"),
    path("low-level/", views.low_level_index, name="low_level_index"),
    path("low-level/<str:external_id>/", views.low_level_person, name="low_level_person"),
    path("search/", person_views.person_search, name="person_search"),
    path("people/<str:external_id>/", person_views.person_history, name="person_history"),
    path("people/<str:external_id>/flags/", person_views.person_flag, name="person_flag"),
    path("public/report/", views.public_report, name="public_report"),
    path("public/report/thanks/", views.public_report_thanks, name="public_report_thanks"),
    path("<str:reference>/", views.case_detail, name="case_detail"),
    path("<str:reference>/triage/", views.case_triage_view, name="case_triage"),
    path(
        "<str:reference>/acknowledge/", urgency_views.case_acknowledge, name="case_acknowledge"
    ),
    path("<str:reference>/not-urgent/", urgency_views.case_not_urgent, name="case_not_urgent"),
    path("<str:reference>/advance/", views.case_advance_view, name="case_advance"),
    path("<str:reference>/note/", views.case_note, name="case_note"),
    path("<str:reference>/people/", views.case_party, name="case_party"),
    path("<str:reference>/matches/<int:match_id>/", views.case_match, name="case_match"),
    path("<str:reference>/link/", views.case_link_view, name="case_link"),
    path("<str:reference>/police-hold/", views.case_police_hold, name="case_police_hold"),
    path(
        "<str:reference>/actions/<int:action_id>/done/",
        views.case_action_complete,
        name="case_action_complete",
    ),
    path("<str:reference>/actions/add/", action_views.action_add, name="action_add"),
    path(
        "<str:reference>/actions/<int:action_id>/reassign/",
        action_views.action_reassign,
        name="action_reassign",
    ),
    path(
        "<str:reference>/actions/<int:action_id>/cancel/",
        action_views.action_cancel,
        name="action_cancel",
    ),
    path(
        "<str:reference>/actions/<int:action_id>/police-agreement/",
        action_views.action_police_agree,
        name="action_police_agree",
    ),
    path(
        "<str:reference>/actions/<int:action_id>/brief/",
        action_views.action_brief,
        name="action_brief",
    ),
    path("<str:reference>/evidence/add/", views.evidence_add, name="evidence_add"),
    path(
        "<str:reference>/evidence/phone-call/",
        views.evidence_phone_call,
        name="evidence_phone_call",
    ),
    path(
        "<str:reference>/evidence/<uuid:evidence_ref>/download/",
        views.evidence_download,
        name="evidence_download",
    ),
    path(
        "<str:reference>/evidence/<uuid:evidence_ref>/flag/",
        views.evidence_flag,
        name="evidence_flag",
    ),
    path("<str:reference>/export.pdf", views.case_export, name="case_export"),
    path("<str:reference>/bundle/", export_views.case_bundle, name="case_bundle"),
]
