from django.urls import path

from positions import views

urlpatterns = [
    path("positions/", views.position_list, name="position_list"),
    path("papers/<int:pk>/", views.paper_detail, name="paper_detail"),
]
