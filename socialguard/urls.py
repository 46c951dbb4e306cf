from django.urls import include, path

from socialguard.api import _mount_routers, api
from socialguard.audit import views as audit_views
from socialguard.people import account_views
from socialguard.people import views as people_views
from socialguard.policy import views as policy_views
from socialguard.web import views as web_views

_mount_routers()

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("all-tasks/", web_views.menu, name="menu"),
    path("account/sign-in/", people_views.SignInView.as_view(), name="login"),
    path("account/sign-out/", people_views.sign_out, name="logout"),
    path("account/two-factor/", people_views.two_factor, name="two_factor"),
    path("account/tokens/", people_views.api_tokens, name="api_tokens"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        people_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("policy/", policy_views.policy_page, name="policy"),
    path("policy/acknowledge/", policy_views.policy_acknowledge, name="policy_acknowledge"),
    path("policy/acknowledgements/", policy_views.acknowledgements, name="policy_acknowledgements"),
    path(
        "policy/acknowledgements/<int:version_id>/",
        policy_views.acknowledgements,
        name="policy_acknowledgements_version",
    ),
    path(
        "policy/acknowledgements/<int:version_id>/remind/",
        policy_views.acknowledgement_reminders,
        name="policy_acknowledgement_reminders",
    ),
    path("people/lockouts/", people_views.lockouts, name="people_lockouts"),
    path("people/", people_views.people_list, name="people"),
    path("people/import/", people_views.people_import, name="people_import"),
    path("people/import/<int:job_id>/", people_views.people_import_job, name="people_import_job"),
    path(
        "people/import/<int:job_id>/invite/",
        account_views.bulk_invite,
        name="account_bulk_invite",
    ),
    path("people/<str:external_id>/", people_views.person_detail, name="person_detail"),
    path(
        "people/<str:external_id>/sign-in/", account_views.person_account, name="person_account"
    ),
    path("account/welcome/", account_views.link_form, name="account_link_form"),
    path("account/welcome/<str:token>/", account_views.link_open, name="account_link_open"),
    path("audit/", audit_views.audit_trail, name="audit"),
    path("api/v1/", api.urls),
    # Each policy area mounts its own pages.
    path("cases/", include("socialguard.casework.urls")),
    path("publishing/", include("socialguard.publishing.urls")),
    path("consent/", include("socialguard.consent.urls")),
    path("contact/", include("socialguard.contact.urls")),
    path("declarations/", include("socialguard.declarations.urls")),
    path("monitoring/", include("socialguard.monitoring.urls")),
]
