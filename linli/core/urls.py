from django.contrib.auth import views as auth_views
from django.urls import path

from linli.core import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit-log/", views.audit_log, name="audit_log"),
    path("account/password/", views.account_password, name="account_password"),
    path("accounts/", views.account_admin, name="account_admin"),
    path("accounts/<int:pk>/reset-password/", views.account_reset, name="account_reset"),
    path("accounts/unlock/", views.account_unlock_view, name="account_unlock"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
