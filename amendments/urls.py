from django.urls import path

from amendments import views

urlpatterns = [
    path("editions/<slug:slug>/window/", views.amendment_window, name="amendment_window"),
    path("amendments/", views.amendment_list, name="amendment_list"),
    path("amendments/new/", views.amendment_new, name="amendment_new"),
    path("amendments/preview/", views.amendment_preview, name="amendment_preview"),
    path("amendments/<int:pk>/", views.amendment_detail, name="amendment_detail"),
    path("amendments/<int:pk>/edit/", views.amendment_edit, name="amendment_edit"),
    path("amendments/<int:pk>/<slug:action>/", views.amendment_action, name="amendment_action"),
]
