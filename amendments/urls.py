from django.urls import path

from amendments import following_views, views

urlpatterns = [
    path("follow/", following_views.follow, name="follow"),
    path("notifications/", following_views.notification_list, name="notification_list"),
    path("notifications/read/", following_views.notifications_read, name="notifications_read"),
    path("editions/<slug:slug>/feed.atom", following_views.edition_feed, name="edition_feed"),
    path("editions/<slug:slug>/window/", views.amendment_window, name="amendment_window"),
    path("editions/<slug:slug>/what-if/", views.edition_what_if, name="edition_what_if"),
    path(
        "editions/<slug:slug>/consolidate/", views.edition_consolidate, name="edition_consolidate"
    ),
    path(
        "editions/<slug:slug>/word-amendments/",
        views.amendment_word_upload,
        name="amendment_word_upload",
    ),
    path("amendments/", views.amendment_list, name="amendment_list"),
    path("amendments/new/", views.amendment_new, name="amendment_new"),
    path("amendments/preview/", views.amendment_preview, name="amendment_preview"),
    # No trailing slash: the format is the file's extension. "compilation" is no <int:pk>,
    # so the patterns below never capture it.
    path(
        "amendments/compilation/<slug:slug>.<str:fmt>",
        views.amendment_compilation,
        name="amendment_compilation",
    ),
    path("amendments/<int:pk>/", views.amendment_detail, name="amendment_detail"),
    path("amendments/<int:pk>/edit/", views.amendment_edit, name="amendment_edit"),
    path("amendments/<int:pk>/receipt.json", views.amendment_receipt, name="amendment_receipt"),
    path("amendments/<int:pk>/<slug:action>/", views.amendment_action, name="amendment_action"),
]
