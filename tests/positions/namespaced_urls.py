"""The site's URLs plus a page of another namespace that happens to be named "logout"
(tests/positions/test_two_factor.py: the two-factor exemptions go by namespaced name)."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as site


def secret_page(request):
    return HttpResponse("secret")


other = ([path("other/logout/", secret_page, name="logout")], "other")

urlpatterns = [path("", include(other)), *site]
