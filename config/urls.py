from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Our login (then the second factor) and the two-factor pages, before Django's own.
    path("accounts/", include("positions.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("config.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("amendments.urls")),
    path("", include("positions.urls")),
    path("", include("guidelines.urls")),
]
