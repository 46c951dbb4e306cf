from django.urls import path

from . import feeds, views

app_name = "publishing"

urlpatterns = [
    path("drafts/", views.draft_list, name="draft_list"),
    path("drafts/new/", views.draft_new, name="draft_new"),
    path("drafts/check/", views.draft_check, name="draft_check"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft_detail"),
    path("drafts/<int:pk>/edit/", views.draft_edit, name="draft_edit"),
    path("drafts/<int:pk>/submit/", views.draft_submit, name="draft_submit"),
    path("drafts/<int:pk>/images/<int:image_id>/", views.draft_image, name="draft_image"),
    path("approvals/", views.approval_list, name="approval_list"),
    path("approvals/<int:pk>/", views.approval_detail, name="approval_detail"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_new, name="account_new"),
    path("accounts/<int:pk>/", views.account_edit, name="account_edit"),
    path("outbox/", views.publication_list, name="publication_list"),
    path("outbox/<int:pk>/retry/", views.publication_retry, name="publication_retry"),
    path("archive/", views.archive_list, name="archive_list"),
    path("archive/<int:pk>/", views.archive_detail, name="archive_detail"),
    path("archive/<int:pk>/images/<int:number>/", views.archive_image, name="archive_image"),
    path("website/", views.website_register, name="website_register"),
    path("website/new/", views.website_page_new, name="website_page_new"),
    path("website/<int:pk>/", views.website_page_edit, name="website_page_edit"),
    path("website/<int:pk>/reviewed/", views.website_page_reviewed, name="website_page_reviewed"),
    path("news/", views.news, name="news"),
    path("news/feed.xml", feeds.NewsFeed(), name="news_feed"),
    path("news/<str:remote_id>/", views.news_item, name="news_item"),
    path("news/<str:remote_id>/images/<int:number>/", views.public_image, name="public_image"),
    path("st-martins-post/", views.newsletter_index, name="newsletter_index"),
    path("st-martins-post/<str:issue>/", views.newsletter_issue, name="newsletter_issue"),
    path("st-martins-post/<str:issue>.pdf", views.newsletter_pdf, name="newsletter_pdf"),
]
