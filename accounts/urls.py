"""URLs of the accounts app, in three namespaces: accounts (sign-in, profile), org, training."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .forms.auth import QueuedPasswordResetForm
from .views import organisation, people, profile, trainings

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
        path("profile/", profile.profile, name="profile"),
        path("profile/edit/", profile.profile_edit, name="profile_edit"),
        path("language/", profile.language, name="language"),
    ],
    "accounts",
)

org_patterns = (
    [
        path("users/", people.user_list, name="user_list"),
        path("users/new/", people.user_create, name="user_create"),
        path("users/<int:pk>/", people.user_detail, name="user_detail"),
        path("users/<int:pk>/edit/", people.user_edit, name="user_edit"),
        path("users/<int:pk>/active/", people.user_set_active, name="user_set_active"),
        path("users/<int:pk>/hand-over/", people.user_hand_over, name="user_hand_over"),
        path("hand-overs/", people.handover_list, name="handover_list"),
        path("departments/", organisation.department_list, name="department_list"),
        path("departments/new/", organisation.department_edit, name="department_create"),
        path("departments/<int:pk>/edit/", organisation.department_edit, name="department_edit"),
        path("teams/", organisation.team_list, name="team_list"),
        path("teams/new/", organisation.team_edit, name="team_create"),
        path("teams/<int:pk>/", organisation.team_detail, name="team_detail"),
        path("teams/<int:pk>/edit/", organisation.team_edit, name="team_edit"),
    ],
    "org",
)

training_patterns = (
    [
        path("", trainings.training_list, name="list"),
        path("new/", trainings.training_edit, name="create"),
        path("<int:pk>/", trainings.training_detail, name="detail"),
        path("<int:pk>/edit/", trainings.training_edit, name="edit"),
        path("<int:pk>/attendance/", trainings.training_attendance, name="attendance"),
    ],
    "training",
)
