from django.shortcuts import redirect
from django.urls import reverse

from .permissions import requires_two_factor

# Pages someone who still owes a second factor may open.
# A one-time sign-in link's page too: it sets up the second factor itself, before signing in.
_OPEN_PATHS = ("/account/two-factor/", "/account/sign-out/", "/account/welcome/", "/static/")


class TwoFactorRequiredMiddleware:
    """Anyone whose role can see safeguarding records must pass TOTP before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PATHS)
            and not user.is_verified()
            and requires_two_factor(user)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse(
                    {"detail": "Two-factor sign-in is required for your role"}, status=403
                )
            return redirect(f"{reverse('two_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
