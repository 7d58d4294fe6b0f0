from django.urls import path

from positions import views

urlpatterns = [
    path("positions/", views.position_list, name="position_list"),
    path("papers/<int:pk>/", views.paper_detail, name="paper_detail"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path(
        "organisations/<int:pk>/accredit/",
        views.organisation_accredit,
        name="organisation_accredit",
    ),
    path("organisations/<int:pk>/invite/", views.organisation_invite, name="organisation_invite"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
