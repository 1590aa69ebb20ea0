from django.contrib.auth.decorators import login_not_required
from django.urls import path

from opensend.web.views import auth, home, pages

app_name = "web"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("sign-in/", login_not_required(auth.SignInView.as_view()), name="sign-in"),
    path("sign-in/code/", login_not_required(auth.SignInCodeView.as_view()), name="sign-in-code"),
    path("sign-out/", auth.SignOutView.as_view(), name="sign-out"),
    path("account/", auth.AccountView.as_view(), name="account"),
    path("account/two-factor/", auth.TwoFactorSetUpView.as_view(), name="two-factor"),
    path(
        "account/two-factor/remove/", auth.TwoFactorRemoveView.as_view(), name="two-factor-remove"
    ),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("privacy/", pages.privacy, name="privacy"),
    path("health/", auth.health, name="health"),
]
