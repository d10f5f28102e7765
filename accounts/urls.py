"""URLs of the accounts app, in three namespaces: accounts (sign-in, profile), org, training."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views
from .forms import QueuedPasswordResetForm

auth_patterns = (
    [
        path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
        path(
            "password/change/",
            auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
            name="password_change",
        ),
        path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
        path(
            "password/reset/",
            auth_views.PasswordResetView.as_view(
                form_class=QueuedPasswordResetForm, success_url=reverse_lazy("accounts:password_reset_done")
            ),
            name="password_reset",
        ),
        path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
        path(
            "password/reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("accounts:password_reset_complete")),
            name="password_reset_confirm",
        ),
        path(
            "password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
        ),
        path("profile/", views.profile, name="profile"),
        path("profile/edit/", views.profile_edit, name="profile_edit"),
        path("language/", views.language, name="language"),
    ],
    "accounts",
)

org_patterns = (
    [
        path("users/", views.user_list, name="user_list"),
        path("users/new/", views.user_create, name="user_create"),
        path("users/<int:pk>/", views.user_detail, name="user_detail"),
        path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
        path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
        path("users/<int:pk>/hand-over/", views.user_hand_over, name="user_hand_over"),
        path("hand-overs/", views.handover_list, name="handover_list"),
        path("departments/", views.department_list, name="department_list"),
        path("departments/new/", views.department_edit, name="department_create"),
        path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
        path("teams/", views.team_list, name="team_list"),
        path("teams/new/", views.team_edit, name="team_create"),
        path("teams/<int:pk>/", views.team_detail, name="team_detail"),
        path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    ],
    "org",
)

training_patterns = (
    [
        path("", views.training_list, name="list"),
        path("new/", views.training_edit, name="create"),
        path("<int:pk>/", views.training_detail, name="detail"),
        path("<int:pk>/edit/", views.training_edit, name="edit"),
        path("<int:pk>/attendance/", views.training_attendance, name="attendance"),
    ],
    "training",
)
