from django.urls import path

from positions import account_views

urlpatterns = [
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("two-factor/", account_views.two_factor, name="two_factor"),
    path("two-factor/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/qr.svg", account_views.two_factor_qr, name="two_factor_qr"),
    path("two-factor/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path(
        "two-factor/backup-codes/",
        account_views.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path("two-factor/disable/", account_views.two_factor_disable, name="two_factor_disable"),
]
